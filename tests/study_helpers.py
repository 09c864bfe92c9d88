"""Shared by the study tests: one short real run of the default scenario per test session.

A module-level cache (this module is imported once per session) lets tests/test_sensitivity.py
and tests/test_sweep.py share the run instead of sampling twice. The run is short (2 chains of
100 draws after 100 tuning steps): studies are tested for their mechanics here, not for
converged numbers.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

_CACHE: dict[str, Path] = {}
SHORT = {"draws": 100, "tune": 100, "chains": 2, "seed": 5, "cores": 1, "prior_draws": 50}


def short_run_dir() -> Path:
    """`oomcast run` of priors/default.toml with short chains, made once per session."""
    if "run" not in _CACHE:
        from model.inference import SamplerSettings
        from model.workflow import execute_run

        root = Path(tempfile.mkdtemp(prefix="oomcast-study-tests-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        out = root / "short"
        execute_run("default", out, SamplerSettings(**SHORT), command="tests: short run")
        _CACHE["run"] = out
    return _CACHE["run"]
