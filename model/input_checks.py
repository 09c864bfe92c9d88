"""Checks at the edge for every file a user hands oomcast (scenario files, sweep specs), before
the parsers of model/scenario.py and model/studies/sweep.py see them.

    read_input_text(path)     a regular file (not a directory, FIFO, device or symlink loop:
                              checked with stat, never opened first, so a FIFO cannot hang),
                              at most MAX_INPUT_BYTES, UTF-8
    parse_toml(text, path)    tomllib, with over-deep nesting (RecursionError) a one-line error
    check_numbers(raw, path)  every number anywhere in the document is finite (no nan/inf) and
                              |x| < MAX_ABS_NUMBER; nesting deeper than MAX_DEPTH is refused
    check_scenario_numbers    per-key types and ranges of a scenario: every distribution
                              parameter a real number (not a bool, not a string), |x| <=
                              MAX_ABS_PRIOR_PARAMETER; anchors with median_log10_flop in
                              LOG10_FLOP_RANGE, sigmas in (0, MAX_SIGMA_LOG10_FLOP],
                              algorithms_year in YEAR_RANGE and not after this year; settings
                              years in YEAR_RANGE
Every error is `error_type(f"{path}: {key}: {message}")`: file and key in one line.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

MAX_INPUT_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32
#: No number in an input file can mean anything beyond this (raw FLOP in an elicitation
#: statement stay far below it; 1e308 does not).
MAX_ABS_NUMBER = 1e100
#: Distribution parameters live on log10, rate or year scales.
MAX_ABS_PRIOR_PARAMETER = 1e4
LOG10_FLOP_RANGE = (1.0, 100.0)
MAX_SIGMA_LOG10_FLOP = 30.0
YEAR_RANGE = (1900.0, 2300.0)
#: settings keys that are calendar years
YEAR_SETTINGS = ("reference_year", "horizon_year", "prior_only_start_year",
                 "compute_fit_start_year", "hardware_fit_start_year", "cost_fit_start_year")
_PRIOR_META = ("dist", "source", "rationale", "elicitation")


def read_input_text(path: Path | str, error_type: type[Exception], what: str) -> str:
    """The UTF-8 text of a regular input file, or error_type with one line (module docstring)."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error_type(f"{path}: no such {what}") from None
    except OSError as exc:  # a symlink loop (ELOOP), a path through a file (ENOTDIR), EACCES
        raise error_type(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise error_type(f"{path}: is a directory, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise error_type(f"{path}: not a regular file (a FIFO, socket or device), not a {what}")
    if st.st_size > MAX_INPUT_BYTES:
        raise error_type(f"{path}: {st.st_size} bytes; a {what} is at most {MAX_INPUT_BYTES}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise error_type(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise error_type(f"{path}: not UTF-8 text") from None


def parse_toml(text: str, path: Path, error_type: type[Exception]) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error_type(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error_type(f"{path}: not valid TOML: nested too deeply") from None


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_numbers(raw: Any, path: Path, error_type: type[Exception], key: str = "",
                  depth: int = 0) -> None:
    """Every number in `raw` finite and below MAX_ABS_NUMBER; nesting at most MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise error_type(f"{path}: {key or 'document'}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(raw, dict):
        for k, v in raw.items():
            check_numbers(v, path, error_type, f"{key}.{k}" if key else str(k), depth + 1)
    elif isinstance(raw, list):
        for i, v in enumerate(raw):
            check_numbers(v, path, error_type, f"{key}[{i}]", depth + 1)
    elif _is_real(raw):
        if not math.isfinite(raw):
            raise error_type(f"{path}: {key}: must be a finite number (got {raw!r})")
        if abs(raw) >= MAX_ABS_NUMBER:
            raise error_type(f"{path}: {key}: {raw!r} is too large to mean anything")


def _real(table: dict, k: str, where: str, path: Path, error_type, lo: float, hi: float,
          lo_open: bool = False) -> None:
    if k not in table:
        return
    v = table[k]
    if not _is_real(v):
        raise error_type(f"{path}: {where}.{k}: must be a number (got {v!r})")
    if not (lo < v if lo_open else lo <= v) or not v <= hi:
        bracket = "(" if lo_open else "["
        raise error_type(f"{path}: {where}.{k}: {v!r} is outside {bracket}{lo:g}, {hi:g}]")


def check_schema_version_type(raw: dict, path: Path, error_type: type[Exception]) -> None:
    """`schema_version` an integer: `true == 1` in Python, so a bool would pass `!= 1`."""
    v = raw.get("schema_version")
    if isinstance(v, bool) or (v is not None and not isinstance(v, int)):
        raise error_type(f"{path}: schema_version: must be an integer (got {v!r})")


def check_scenario_numbers(raw: dict, path: Path, error_type: type[Exception],
                           today: dt.date | None = None) -> None:
    """Types and ranges of a scenario's numbers (module docstring); the parser checks the rest
    (distribution-specific constraints, weights summing to 1, supports)."""
    check_numbers(raw, path, error_type)
    check_schema_version_type(raw, path, error_type)
    this_year = (today or dt.date.today()).year
    priors = raw.get("priors")
    if isinstance(priors, dict):
        for name, table in priors.items():
            if not isinstance(table, dict):
                continue
            for k in table:
                if k not in _PRIOR_META:
                    _real(table, k, f"priors.{name}", path, error_type,
                          -MAX_ABS_PRIOR_PARAMETER, MAX_ABS_PRIOR_PARAMETER)
    req = raw.get("requirement")
    anchors = req.get("anchors") if isinstance(req, dict) else None
    if isinstance(req, dict):
        _real(req, "no_path_weight", "requirement", path, error_type, 0.0, 1.0)
    if isinstance(anchors, dict):
        for name, a in anchors.items():
            if not isinstance(a, dict):
                continue
            where = f"requirement.anchors.{name}"
            _real(a, "weight", where, path, error_type, 0.0, 1.0, lo_open=True)
            _real(a, "median_log10_flop", where, path, error_type, *LOG10_FLOP_RANGE)
            for k in ("sigma_log10_flop", "sigma_below_log10_flop", "sigma_above_log10_flop"):
                _real(a, k, where, path, error_type, 0.0, MAX_SIGMA_LOG10_FLOP, lo_open=True)
            _real(a, "algorithms_year", where, path, error_type, YEAR_RANGE[0], this_year)
    settings = raw.get("settings")
    if isinstance(settings, dict):
        for k in YEAR_SETTINGS:
            _real(settings, k, "settings", path, error_type, *YEAR_RANGE)
