"""Published forecasts shown as references in the report (model/report/reference_forecasts.toml).

Each reference is a published number with its source, date and the milestone it forecasts; the
report marks them on the arrival CDF (points) and density (medians) and lists them with sources.
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

REFERENCES_PATH = Path(__file__).resolve().parent / "reference_forecasts.toml"
SCHEMA_VERSION = 1
_KEYS = {"label", "date", "milestone", "median_year", "points", "source", "url", "note"}


class ReferenceError(ValueError):
    """The reference-forecast file is malformed; the message names the file and key."""


@dataclass(frozen=True)
class ReferenceForecast:
    key: str
    label: str
    date: str
    milestone: str
    median_year: float
    points: tuple[tuple[float, float], ...]  # (year, P(arrival by year))
    source: str
    url: str
    note: str = ""


def _fail(path: Path, key: str, message: str) -> ReferenceError:
    return ReferenceError(f"{path}: {key}: {message}")


def load_references(path: Path | str = REFERENCES_PATH) -> list[ReferenceForecast]:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceError(f"{path}: cannot read: {exc}") from None
    if raw.get("schema_version") != SCHEMA_VERSION:
        raise _fail(path, "schema_version", f"must be {SCHEMA_VERSION}")
    out = []
    for key, table in raw.get("forecasts", {}).items():
        where = f"forecasts.{key}"
        missing = _KEYS - {"note"} - set(table)
        if missing:
            raise _fail(path, f"{where}.{sorted(missing)[0]}", "missing")
        unknown = set(table) - _KEYS
        if unknown:
            raise _fail(path, f"{where}.{sorted(unknown)[0]}", "unknown key")
        try:
            _dt.date.fromisoformat(table["date"])
        except (TypeError, ValueError):
            raise _fail(path, f"{where}.date", "must be a YYYY-MM-DD string") from None
        points = []
        for i, pt in enumerate(table["points"]):
            if (len(pt) != 2 or not all(isinstance(v, int | float) for v in pt)
                    or not 0.0 <= pt[1] <= 1.0):
                raise _fail(path, f"{where}.points[{i}]", "must be [year, probability in [0, 1]]")
            points.append((float(pt[0]), float(pt[1])))
        probs = [p for _, p in sorted(points)]
        if probs != sorted(probs):
            raise _fail(path, f"{where}.points", "probabilities must not fall with the year")
        out.append(ReferenceForecast(
            key=key, label=str(table["label"]), date=table["date"],
            milestone=str(table["milestone"]), median_year=float(table["median_year"]),
            points=tuple(sorted(points)), source=str(table["source"]), url=str(table["url"]),
            note=str(table.get("note", ""))))
    if not out:
        raise _fail(path, "forecasts", "needs at least one forecast")
    return out
