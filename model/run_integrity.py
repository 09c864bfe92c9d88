"""Is a run directory the one `oomcast run` wrote? Checked by publish, sensitivity, ppc (and
every study that loads a run) before any number is read from it.

A run is accepted only if
    1. RUN_DIR is a folder whose marker (model/output_dir.py, kind "run") records the SHA-256 of
       posterior.nc and summary.json (RUN_FILES), and both files still hash to them;
    2. posterior.nc opens as InferenceData with the groups and variables a run has
       (REQUIRED_GROUPS, REQUIRED_VARIABLES) and its provenance attrs are finite numbers where
       numbers are expected (NUMERIC_ATTRS);
    3. no arrival-year draw is NaN or -inf (+inf means "after the horizon" and is valid).
Files studies add later (derived.nc, ppc.json, sensitivity.png, report/) are not covered: the
hashes cover the files that define the run. derived.nc records the posterior.nc hash it was
computed from and is checked against it by model/run_groups.py. Each refusal is a
RunIntegrityError naming the file and reason.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from model.output_dir import read_marker, verify_hashes

RUN_KIND = "run"
#: The files that define a run: their SHA-256 go into the output marker at write time.
RUN_FILES = ("posterior.nc", "summary.json")
#: The same for a `--prior-only` run (checked by `oomcast compare`).
PRIOR_ONLY_FILES = ("prior_draws.nc", "summary.json")
#: log_prior and log_likelihood are not required: they are computed when a command needs them
#: (model/run_groups.py, derived.nc), and old runs still carry them in posterior.nc
REQUIRED_GROUPS = ("posterior", "sample_stats")
REQUIRED_VARIABLES = ("arrival_year", "requirement_log10_flop")
NUMERIC_ATTRS = ("oomcast_cutoff_year", "oomcast_reference_year", "oomcast_horizon_year",
                 "oomcast_seed")


class RunIntegrityError(ValueError):
    """The run directory is not intact (one line: file and reason)."""


def verify_run_files(run_dir: Path | str) -> Path:
    """Step 1 of the module docstring; returns RUN_DIR/posterior.nc."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunIntegrityError(f"{run_dir}: not a run directory (not a folder)")
    if not (run_dir / "posterior.nc").is_file():
        raise RunIntegrityError(f"{run_dir}: not a run directory (no posterior.nc)")
    marker = read_marker(run_dir)
    if marker is not None and marker.get("kind") != RUN_KIND:
        raise RunIntegrityError(f"{run_dir}: an oomcast {marker.get('kind')!r} folder, not a run")
    problem = verify_hashes(run_dir, RUN_FILES)
    if problem:
        raise RunIntegrityError(problem)
    return run_dir / "posterior.nc"


def check_run_content(idata, nc: Path) -> None:
    """Steps 2 and 3 of the module docstring on an opened posterior.nc."""
    groups = set(idata.groups())
    for group in REQUIRED_GROUPS:
        if group not in groups:
            raise RunIntegrityError(f"{nc}: no {group} group (not a complete oomcast run)")
    post = idata.posterior
    for name in REQUIRED_VARIABLES:
        if name not in post:
            raise RunIntegrityError(f"{nc}: posterior lacks the variable {name}")
    for key in NUMERIC_ATTRS:
        value = post.attrs.get(key)
        if isinstance(value, np.ndarray | list) or isinstance(value, bool | str) or value is None:
            raise RunIntegrityError(f"{nc}: attr {key} is {value!r}, not a number")
        if not math.isfinite(float(value)):
            raise RunIntegrityError(f"{nc}: attr {key} is {value!r}, not a finite number")
    arrival = np.asarray(post["arrival_year"].to_numpy(), dtype=float)
    bad = np.isnan(arrival) | (arrival == -np.inf)
    if bad.any():
        raise RunIntegrityError(f"{nc}: {int(bad.sum())} arrival_year draws are NaN or -inf")


def load_verified_run(run_dir: Path | str):
    """(posterior.nc path, InferenceData) of an intact run directory, else RunIntegrityError."""
    from model.inference import load_idata

    nc = verify_run_files(run_dir)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = load_idata(nc)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a clean input error
        raise RunIntegrityError(f"{nc}: cannot be read ({type(exc).__name__})") from None
    check_run_content(idata, nc)
    return nc, idata
