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


def edited_data_copy(folder: Path) -> Path:
    """A copy of the shipped data in folder/data with one published estimate changed (its
    provenance hash updated, so the data load cleanly but are not the data a run recorded)."""
    import hashlib
    import json

    from model.data import DATA_DIR

    data = folder / "data"
    shutil.copytree(DATA_DIR, data)
    src = data / "published_estimates.csv"
    src.write_text(src.read_text().replace(",8,5,14,", ",9,5,14,"))
    provenance = data / "published_estimates.provenance.json"
    prov = json.loads(provenance.read_text())
    prov["curated_sha256"] = hashlib.sha256(src.read_bytes()).hexdigest()
    provenance.write_text(json.dumps(prov))
    return data
