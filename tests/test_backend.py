"""PyMC's sampler on PyTensor's numba backend (model/inference.py): the default backend and its
override, the fallback to C when numba cannot compile, and (slow) the same seed giving
bit-identical draws from a cold compile folder and from the same folder warm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model import inference
from model.inference import COMPILE_MODE_ENV, SamplerSettings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("env, expected", [(None, "NUMBA"), ("C", "C"), ("numba", "NUMBA"),
                                           ("", "NUMBA")])
def test_default_backend_is_numba_unless_the_environment_says(monkeypatch, env, expected):
    if env is None:
        monkeypatch.delenv(COMPILE_MODE_ENV, raising=False)
    else:
        monkeypatch.setenv(COMPILE_MODE_ENV, env)
    assert SamplerSettings().compile_mode == expected
    assert SamplerSettings(compile_mode="C").compile_mode == "C"  # an explicit choice wins


def test_the_suite_samples_on_c_unless_told_otherwise():
    """tests/conftest.py names the same variable as model.inference (see its docstring)."""
    import conftest

    assert conftest.COMPILE_MODE_ENV == COMPILE_MODE_ENV
    assert os.environ[COMPILE_MODE_ENV] in ("C", "NUMBA")


def test_unknown_backend_in_the_environment_is_rejected_naming_it(monkeypatch):
    monkeypatch.setenv(COMPILE_MODE_ENV, "JAX")
    with pytest.raises(ValueError, match=COMPILE_MODE_ENV):
        SamplerSettings()


def test_numba_failure_falls_back_to_c_and_other_errors_do_not(monkeypatch, capsys):
    import pymc as pm
    import pytensor

    calls = []

    def fake_sample(**kwargs):
        mode = kwargs.get("compile_kwargs", {}).get("mode", "C")
        calls.append((mode, pytensor.config.numba__fastmath))
        if mode == "NUMBA":
            raise NotImplementedError("No Numba implementation for SomeOp")
        return "idata"

    monkeypatch.setattr(pm, "sample", fake_sample)
    assert inference._pymc_sample({}, "NUMBA") == ("idata", "C")
    assert calls == [("NUMBA", False), ("C", pytensor.config.numba__fastmath)]
    assert "numba backend failed" in capsys.readouterr().err

    def broken_model(**kwargs):
        raise ValueError("not a backend problem")

    monkeypatch.setattr(pm, "sample", broken_model)
    with pytest.raises(ValueError, match="not a backend problem"):
        inference._pymc_sample({}, "NUMBA")


def test_fastmath_flag_is_restored_after_sampling():
    import pytensor

    before_flag = pytensor.config.numba__fastmath
    before_env = os.environ.get("PYTENSOR_FLAGS")
    with inference.numba_without_fastmath():
        assert pytensor.config.numba__fastmath is False
        assert "numba__fastmath=False" in os.environ["PYTENSOR_FLAGS"]
    assert pytensor.config.numba__fastmath == before_flag
    assert os.environ.get("PYTENSOR_FLAGS") == before_env


FIT = """
import json, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
sys.path.insert(0, {root!r})
from model.build import build_model, prepare_observations
from model.data import load_all
from model.inference import SamplerSettings, sample_model
from model.scenario import load_scenario
from model.workflow import default_cutoff_year
scenario = load_scenario("default")
streams = load_all()
obs = prepare_observations({{k: s.table for k, s in streams.items()}}, scenario,
                           default_cutoff_year(streams))
settings = SamplerSettings(draws=30, tune=30, chains=2, cores=1, seed=11, prior_draws=5,
                           compile_mode="NUMBA")
idata = sample_model(build_model(obs, scenario), settings)
post = idata.posterior
np.save({out!r}, np.concatenate([post[v].values.reshape(-1) for v in sorted(post.data_vars)]))
print(json.dumps({{"backend": post.attrs["oomcast_compile_mode_used"]}}))
"""


@pytest.mark.slow
def test_same_seed_gives_identical_draws_from_a_cold_and_a_warm_compile_folder(tmp_path):
    """Fresh PyTensor compile folder (which holds PyTensor's numba cache) and a fresh numba cache
    folder: the first process compiles everything, the second loads it; the draws must be equal
    bit for bit (with fastmath on they were not)."""
    cache = tmp_path / "cache"
    env = os.environ | {"PYTENSOR_FLAGS": f"base_compiledir={cache}",
                        "NUMBA_CACHE_DIR": str(cache / "numba-own"),
                        "PYTHONWARNINGS": "ignore"}
    draws = []
    for label in ("cold", "warm"):
        out = tmp_path / f"{label}.npy"
        proc = subprocess.run([sys.executable, "-c", FIT.format(root=str(ROOT), out=str(out))],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert json.loads(proc.stdout.strip().splitlines()[-1])["backend"] == "NUMBA", label
        draws.append(np.load(out))
    assert any((cache / "numba").iterdir())  # the warm process had a cache to load
    assert draws[0].size > 0 and np.array_equal(draws[0], draws[1])
