"""A non-editable install (`pip install .` into a fresh venv) runs the forecaster's whole workflow
(run, ppc, sensitivity, publish, compare) from an empty directory: the shipped presets and data
travel inside the package (setup.py build step, model/shipped.py), and a scenario in the user's
own ./priors/ is found first.

Marked `slow` (not in CI): it compiles and samples the model (2 x 60 draws) and runs every
workflow command, and took 919 s on the shared 2-core development machine under load from four
parallel sessions (2026-12-01; not measured on an idle machine); run with `-m slow`.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["--draws", "60", "--tune", "60", "--chains", "2", "--draft"]


def _sh(args, cwd, env, timeout=1200):
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.mark.slow
def test_non_editable_install_runs_the_workflow_from_an_empty_directory(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("model", "priors", "data"):
        shutil.copytree(ROOT / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_shipped"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    venv = tmp_path / "V"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    _sh([sys.executable, "-m", "venv", "--system-site-packages", venv], tmp_path, env)
    _sh([venv / "bin" / "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "."], src, env)
    shutil.rmtree(src)  # nothing may point back at the source tree
    work = tmp_path / "empty"
    work.mkdir()
    where = _sh([venv / "bin" / "python", "-c",
                 "import model, model.scenario as s, model.data as d; "
                 "print(model.__file__); print(s.PRIORS_DIR); print(d.DATA_DIR)"], work, env)
    for line in where.stdout.split():
        assert Path(line).resolve().is_relative_to(venv.resolve()), where.stdout
        assert ROOT.resolve() not in Path(line).resolve().parents
    oomcast = venv / "bin" / "oomcast"
    _sh([oomcast, "run", "--out", "r", *SHORT], work, env)
    _sh([oomcast, "ppc", "r"], work, env)
    _sh([oomcast, "sensitivity", "r"], work, env)
    published = _sh([oomcast, "publish", "r", "--draft"], work, env)
    assert "headline: Median arrival" in published.stdout
    assert "publication gate: FAILED" in published.stdout  # 120 draws fail the MCSE limit
    _sh([oomcast, "run", "--prior-only", "--draws", "2000", "--out", "p"], work, env)
    _sh([oomcast, "compare", "r", "p", "--out", "cmp.png"], work, env)
    for f in ("r/posterior.nc", "r/ppc.json", "r/sensitivity.json", "r/report/report.html",
              "r/report/intervals.json", "p/prior_draws.nc", "cmp.png", "cmp.csv", "cmp.md"):
        assert (work / f).is_file(), f
    # a scenario in the user's own ./priors/ is found before the shipped presets
    (work / "priors").mkdir()
    shutil.copy(ROOT / "priors" / "cotra-2020.toml", work / "priors" / "mycotra.toml")
    checked = _sh([oomcast, "priors", "check", "mycotra"], work, env)
    assert str(Path("priors") / "mycotra.toml") in checked.stdout
