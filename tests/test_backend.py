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
    folder: the first process compiles everything, the second loads it (no new compiled graph
    in the cache); the draws must be equal bit for bit (with fastmath on they were not)."""
    cache = tmp_path / "cache"
    env = os.environ | {"PYTENSOR_FLAGS": f"base_compiledir={cache}",
                        "NUMBA_CACHE_DIR": str(cache / "numba-own"),
                        "PYTHONWARNINGS": "ignore"}
    draws, compiled_graphs = [], []
    for label in ("cold", "warm"):
        out = tmp_path / f"{label}.npy"
        proc = subprocess.run([sys.executable, "-c", FIT.format(root=str(ROOT), out=str(out))],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert json.loads(proc.stdout.strip().splitlines()[-1])["backend"] == "NUMBA", label
        draws.append(np.load(out))
        compiled_graphs.append(sorted(p.name for p in (cache / "numba").glob("*fgraph*.nbi")))
    # the warm process loaded every compiled graph and compiled none anew (model/numba_cache.py:
    # a graph that came out in another order, or an op without a key, used to compile again)
    assert compiled_graphs[0] and compiled_graphs[1] == compiled_graphs[0]
    assert draws[0].size > 0 and np.array_equal(draws[0], draws[1])


def test_cacheable_erfcx_matches_scipy_on_both_branches():
    """model/numba_cache.py cause 1: erfcx from exp(x^2) erfc(x) below 12 and the asymptotic
    series above, against scipy's erfcx (relative error < 1e-13), in plain Python and as the
    numba backend compiles it inside a PyTensor graph."""
    import pytensor
    import pytensor.tensor as pt
    from scipy import special

    from model import numba_cache

    x = np.concatenate([np.linspace(-26.0, 30.0, 2001), [11.999999, 12.0, 12.000001],
                        np.geomspace(30.0, 1e8, 50)])
    exact = special.erfcx(x)
    plain = np.array([numba_cache.erfcx_value(v) for v in x])
    np.testing.assert_allclose(plain, exact, rtol=1e-13)
    assert numba_cache.erfcx_value(-27.0) == np.inf  # exp(729) overflows, as erfcx does

    numba_cache.prepare()
    v = pt.dvector("v")
    with pytensor.config.change_flags(numba__fastmath=False):
        f = pytensor.function([v], pt.erfcx(v), mode="NUMBA")
    np.testing.assert_allclose(f(x), exact, rtol=1e-13)
    from pytensor.link.numba.dispatch.basic import numba_funcify_and_cache_key

    node = f.maker.fgraph.toposort()[-1]
    assert numba_funcify_and_cache_key(node.op, node=node)[1] is not None  # numba can cache it


def test_canonical_input_order_keeps_values_and_ignores_object_identity():
    """model/numba_cache.py cause 2: Eq's two inputs sorted by structural key, and an
    Assert(a, a == b) passing the smaller-key side: the same graph built with the operands in
    either order ends identical, and its values are unchanged."""
    import pytensor
    import pytensor.tensor as pt
    from pytensor.graph.fg import FunctionGraph
    from pytensor.raise_op import Assert

    from model import numba_cache

    def graph(swap: bool):
        x, y = pt.dvector("x"), pt.dvector("y")
        a, b = x.shape[0], y.shape[0]
        first, second = (b, a) if swap else (a, b)
        checked = Assert("lengths differ")(first, pt.eq(first, second))
        out = (x + y) * checked + pt.eq(pt.exp(x), pt.log(y)).sum()
        return FunctionGraph([x, y], [out], clone=True)

    texts, changed = [], 0
    for swap in (False, True):
        fg = graph(swap)
        changed += numba_cache.canonical_input_order(fg)
        keys = numba_cache.structural_keys(fg)
        texts.append(keys[fg.outputs[0]])
        f = pytensor.function(fg.inputs, fg.outputs[0], mode="FAST_COMPILE")
        np.testing.assert_allclose(f([1.0, 2.0], [3.0, 4.0]),
                                   np.array([4.0, 6.0]) * 2 + 0.0)
    assert changed >= 2  # one of the two orders was rewritten: its Eq and its Assert
    assert texts[0] == texts[1]  # both orders reach one canonical graph
