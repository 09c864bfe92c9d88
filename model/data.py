"""Curated historical data: schemas, validation and the run-time loader.

The model reads only the curated tables in `data/` (never the raw exports they were built from).
Each table `data/STREAM.csv` has a provenance record `data/STREAM.provenance.json` written by
`scripts/curate_data.py`, which also records the table's SHA-256 so that a hand edit is caught.
Units are in the column names; `log10_*` columns are base-10 logarithms; `year_decimal` is the
calendar date as a fractional year (see `decimal_year`).

Streams
-------
frontier_compute
    Epoch AI "Notable AI models" export (vintage 2025-11-01), rows flagged `Frontier model`.
    Columns: model, organization, publication_date (ISO date), year_decimal, log10_flop (training
    compute, FLOP), confidence (Epoch's label: Confident / Likely / Speculative / Unknown; blank in
    the export -> Unknown).
    Filters: frontier flag only (the model's compute stream is the frontier, not all notable
    models, which include many small models); publication date >= 2010-01-01 (the deep-learning
    era, where the published 4-5x/yr trend is fitted); a numeric compute estimate (rows without one
    are dropped and *named* in the provenance record, because missingness is not at random: the
    largest closed models are the ones lacking estimates); first row kept per model name.
    Confidence labels are Epoch's; their numeric meaning is defined in Epoch's estimation
    documentation (https://epoch.ai/data/ai-models-documentation/estimation) and is not restated
    or assumed here.

hardware_price_performance
    Hobbhahn & Besiroglu (2022) GPU dataset (Epoch): general GPUs 2005-2021.
    Columns: product, release_date (ISO date), year_decimal, log10_flop_per_s_per_usd (peak FP32
    FLOP/s per inflation-adjusted 2020 US dollar of release price).
    Filters: FP32 FLOP/s > 0 and real 2020 price > 0 (a ratio needs both), a parseable release
    date (the trend is against time); one row per product + release date (exact repeats dropped;
    conflicting repeats keep the first row and are reported).

ml_accelerators
    Epoch AI "Machine Learning Hardware" table (download of 2026-04; rows modified up to
    2026-03-31): data-centre ML accelerators at training precision.
    Columns: hardware, manufacturer, release_date (ISO date), year_decimal,
    log10_flop_per_s_per_usd (dense tensor FP16/BF16 FLOP/s per nominal release-price US dollar;
    Epoch gives no inflation-adjusted price in this table).
    Filters: a tensor FP16/BF16 figure and a release price (a ratio needs both; most TPUs, Trainium
    and Chinese parts have no list price), a release date, and data-centre parts only: consumer
    cards (GeForce, Titan, Radeon RX) are dropped and named, because they are not used for
    frontier runs and sit ~0.5-1 OOM above data-centre parts in FLOP/s per list dollar (a second
    population that one Student-t would have to absorb as scatter).

training_cost
    Cottier et al. (2024) frontier training-run costs (Epoch training-cost-trends repository).
    Columns: model, publication_date, year_decimal, log10_cost_usd: amortized hardware capex +
    energy cost of the final training run (the paper's headline method), in US dollars inflation
    adjusted to 2024 (as the generating notebooks do; the CSV itself does not state the base year).
    Filters: cost > 0 (a log needs it) and a publication date. The table starts in 2015-12; the
    paper's "since 2016" trend should be fitted on year_decimal >= 2016.

algorithmic_efficiency
    Hernandez & Brown (2020), "AI and Efficiency": training compute needed to reach a fixed
    benchmark level (AlexNet-level and ResNet-50-level ImageNet accuracy; Seq2Seq and GNMT BLEU on
    WMT'14 En-Fr) by successive models.
    Columns: series (alexnet_level, resnet50_level, seq2seq_level, gnmt_level), domain (vision,
    translation), model, publication_date, year_decimal, log10_flop. The raw column is in
    teraflop/s-days: FLOP = value * 1e12 * 86400.
    Filters: none (all 12 rows); dates whose month contradicts the row's arXiv identifier are
    corrected (see the provenance record).

imagenet_models
    Erdil & Besiroglu (2022), "Algorithmic progress in computer vision": ImageNet models.
    Columns: model, publication_date, year_decimal, top1_error_pct (top-1 error, percent),
    log10_flop (training compute, FLOP), log10_params (parameter count), log10_training_images
    (training-set size, images), extra_data (1 if trained with data beyond ImageNet-1k, else 0).
    Filters, as in the paper: reimplementations dropped (not new algorithms), rows without compute
    or parameter count dropped (the regression needs both), and GreedyNAS-B, NASNet-A and
    AmoebaNet-A excluded (the paper excludes them as outliers). Rows may share a model name
    (different input resolution); the unique key is model + log10_flop.

published_estimates
    Published summary estimates used as likelihood terms where the underlying data are not public
    (hand-entered in `scripts/published_estimates_source.csv`, each with its citation).
    Columns: estimate_id, domain, quantity, publication_date (first public version: a fit with
    an earlier cutoff, `--as-of`, withholds the estimate), central, lower, upper, interval_level
    (e.g. 0.95), unit, citation. Checks: lower < central < upper and 0 < interval_level < 1.

capability_time_horizon
    METR task-completion time horizons, suite METR-Horizon-v1.1 only (file of 2026-01-30; Kwa et
    al. 2025, arXiv:2503.14499; METR "Time Horizon 1.1", 2026-01-29): one row per model key.
    Columns: model (METR's key), release_date, year_decimal, log10_p50_horizon_minutes (log10 of
    the 50% horizon in minutes of expert time), log10_p50_horizon_sd (measurement sd on the log10
    scale = (log10 ci_high - log10 ci_low) / 3.92, METR's bootstrap 95% interval read as normal on
    the log scale), is_sota (METR's flag: the model was state of the art at release), and
    carried_from_v1_0 (1 for the rows METR carries into v1.1 from its v1.0 measurement: gpt2,
    davinci_002, gpt_3_5_turbo_instruct; kept and flagged). The capability block fits only the
    is_sota rows (a frontier model's horizon, tied to the largest run's effective compute).

capability_eci
    Epoch Capabilities Index (export of 2026-04-08): models with a score, a release date and a
    training-compute estimate, one row per `Model name` (rule: highest score, then earliest
    release date, then first raw row; rows marked `*`/Unverified dropped as preliminary).
    Columns: model, organization, release_date, year_decimal, eci_points (the ECI score, in ECI
    points), log10_flop (training FLOP), confidence (Epoch's compute label; blank -> Unknown).

Errors
------
Any problem raises `DataError` (a `ValueError`) naming the file, and where it applies the line
(counting the header as line 1, so the first data row is line 2) and the column, e.g.

    data/training_cost.csv line 14, column log10_cost_usd: value 'abc' is not a number
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.shipped import shipped_dir

__all__ = [
    "DATA_DIR",
    "PROVENANCE_KEYS",
    "SCHEMAS",
    "STREAMS",
    "Column",
    "DataError",
    "Stream",
    "TableSchema",
    "data_hashes",
    "decimal_year",
    "load_all",
    "load_stream",
    "validate_table",
]

#: The shipped curated data (model/shipped.py): the checkout's data/, or the installed copy.
DATA_DIR = shipped_dir("data")


class DataError(ValueError):
    """A curated data file is missing, malformed, or inconsistent with its provenance record."""


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------

KINDS = ("str", "float", "date", "bool", "category")


@dataclass(frozen=True)
class Column:
    """One column: its kind, what values are allowed, and whether it may be blank.

    kind: "str" | "float" | "date" | "bool" | "category".
    allowed: for "float" a (low, high) range, inclusive unless `exclusive`; for "category" the
        tuple of allowed values; None otherwise (any finite float / any non-empty string).
    required: if True (the default) a blank value is an error.
    """

    kind: str
    allowed: tuple | None = None
    required: bool = True
    exclusive: bool = False


@dataclass(frozen=True)
class TableSchema:
    """Columns (in file order), the unique key, and the date column `year_decimal` must match."""

    columns: dict[str, Column]
    key: tuple[str, ...]
    date_column: str | None = None


_YEAR = Column("float", (1950.0, 2100.0))
_LOG10_FLOP = Column("float", (10.0, 35.0))
CONFIDENCE_LEVELS = ("Confident", "Likely", "Speculative", "Unknown")

SCHEMAS: dict[str, TableSchema] = {
    "frontier_compute": TableSchema(
        columns={
            "model": Column("str"),
            "organization": Column("str", required=False),
            "publication_date": Column("date"),
            "year_decimal": Column("float", (2010.0, 2100.0)),
            "log10_flop": _LOG10_FLOP,
            "confidence": Column("category", CONFIDENCE_LEVELS),
        },
        key=("model",),
        date_column="publication_date",
    ),
    "hardware_price_performance": TableSchema(
        columns={
            "product": Column("str"),
            "release_date": Column("date"),
            "year_decimal": _YEAR,
            "log10_flop_per_s_per_usd": Column("float", (5.0, 15.0)),
        },
        key=("product", "release_date"),
        date_column="release_date",
    ),
    "ml_accelerators": TableSchema(
        columns={
            "hardware": Column("str"),
            "manufacturer": Column("str"),
            "release_date": Column("date"),
            "year_decimal": _YEAR,
            "log10_flop_per_s_per_usd": Column("float", (5.0, 15.0)),
        },
        key=("hardware",),
        date_column="release_date",
    ),
    "training_cost": TableSchema(
        columns={
            "model": Column("str"),
            "publication_date": Column("date"),
            "year_decimal": _YEAR,
            "log10_cost_usd": Column("float", (0.0, 13.0)),
        },
        key=("model",),
        date_column="publication_date",
    ),
    "algorithmic_efficiency": TableSchema(
        columns={
            "series": Column(
                "category", ("alexnet_level", "resnet50_level", "seq2seq_level", "gnmt_level")
            ),
            "domain": Column("category", ("vision", "translation")),
            "model": Column("str"),
            "publication_date": Column("date"),
            "year_decimal": _YEAR,
            "log10_flop": _LOG10_FLOP,
        },
        key=("series", "model"),
        date_column="publication_date",
    ),
    "imagenet_models": TableSchema(
        columns={
            "model": Column("str"),
            "publication_date": Column("date"),
            "year_decimal": _YEAR,
            "top1_error_pct": Column("float", (0.0, 100.0), exclusive=True),
            "log10_flop": _LOG10_FLOP,
            "log10_params": Column("float", (3.0, 13.0)),
            "log10_training_images": Column("float", (3.0, 12.0)),
            "extra_data": Column("bool"),
        },
        key=("model", "log10_flop"),
        date_column="publication_date",
    ),
    "published_estimates": TableSchema(
        columns={
            "estimate_id": Column("str"),
            "domain": Column("str"),
            "quantity": Column("str"),
            "publication_date": Column("date"),
            "central": Column("float"),
            "lower": Column("float"),
            "upper": Column("float"),
            "interval_level": Column("float", (0.0, 1.0), exclusive=True),
            "unit": Column("category", ("months", "years", "oom_per_year", "factor_per_year")),
            "citation": Column("str"),
        },
        key=("estimate_id",),
    ),
}

SCHEMAS.update({
    "capability_time_horizon": TableSchema(
        columns={
            "model": Column("str"),
            "release_date": Column("date"),
            "year_decimal": _YEAR,
            "log10_p50_horizon_minutes": Column("float", (-4.0, 5.0)),
            "log10_p50_horizon_sd": Column("float", (0.0, 3.0), exclusive=True),
            "is_sota": Column("bool"),
            "carried_from_v1_0": Column("bool"),
        },
        key=("model",),
        date_column="release_date",
    ),
    "capability_eci": TableSchema(
        columns={
            "model": Column("str"),
            "organization": Column("str", required=False),
            "release_date": Column("date"),
            "year_decimal": _YEAR,
            "eci_points": Column("float", (0.0, 300.0)),
            "log10_flop": _LOG10_FLOP,
            "confidence": Column("category", CONFIDENCE_LEVELS),
        },
        key=("model",),
        date_column="release_date",
    ),
})

STREAMS: tuple[str, ...] = tuple(SCHEMAS)

PROVENANCE_KEYS: tuple[str, ...] = (
    "title",
    "source_url",
    "source_repository",
    "source_commit",
    "licence",
    "citation",
    "vintage",
    "retrieved",
    "raw_sha256",
    "curated_sha256",
    "curation_notes",
)

# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _as_date(value: Any) -> _dt.date:
    """A calendar date from a date, datetime, pandas Timestamp, numpy datetime64 or ISO string."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, _dt.datetime):  # includes pandas.Timestamp
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _ISO_DATE.match(text):
            return _dt.date.fromisoformat(text)
        return _dt.datetime.fromisoformat(text).date()
    raise TypeError(f"cannot interpret {value!r} as a date")


def decimal_year(date: Any) -> float:
    """Calendar date -> fractional year: year + (date - Jan 1) / (days in that year).

    Accepts a `datetime.date`, `datetime.datetime`, `pandas.Timestamp`, `numpy.datetime64` or an
    ISO string; a time of day is ignored. Example: 2023-07-02 -> 2023 + 182/365 = 2023.4986.
    """
    d = _as_date(date)
    start = _dt.date(d.year, 1, 1)
    days_in_year = (_dt.date(d.year + 1, 1, 1) - start).days
    return d.year + (d - start).days / days_in_year


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _where(path: Any, line: int | None = None, column: str | None = None) -> str:
    out = str(path)
    if line is not None:
        out += f" line {line}"
    if column is not None:
        out += f", column {column}" if line is not None else f" column {column}"
    return out


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def _fmt_range(col: Column) -> str:
    lo, hi = col.allowed  # type: ignore[misc]
    return f"({lo:g}, {hi:g})" if col.exclusive else f"[{lo:g}, {hi:g}]"


def _parse_cell(value: Any, col: Column, where: str) -> Any:
    """Parse one non-blank cell to its typed value or raise DataError."""
    kind = col.kind
    if kind == "float":
        if isinstance(value, bool):
            raise DataError(f"{where}: value {value!r} is not a number")
        if isinstance(value, (int, float, np.integer, np.floating)):
            x = float(value)
        else:
            text = str(value).strip()
            try:
                x = float(text)
            except ValueError:
                raise DataError(f"{where}: value {text!r} is not a number") from None
        if not math.isfinite(x):
            raise DataError(f"{where}: value {value!r} is not a finite number")
        if col.allowed is not None:
            lo, hi = col.allowed
            inside = lo < x < hi if col.exclusive else lo <= x <= hi
            if not inside:
                raise DataError(
                    f"{where}: value {value!r} is outside the allowed range {_fmt_range(col)}"
                )
        return x
    if kind == "date":
        if isinstance(value, (_dt.date, np.datetime64)):
            d = _as_date(value)
            if isinstance(value, _dt.datetime) and value.time() != _dt.time(0):
                raise DataError(f"{where}: value {value!r} has a time of day; expected a date")
            return d
        text = str(value).strip()
        if not _ISO_DATE.match(text):
            raise DataError(f"{where}: value {text!r} is not an ISO date (YYYY-MM-DD)")
        try:
            d = _dt.date.fromisoformat(text)
        except ValueError:
            raise DataError(f"{where}: value {text!r} is not a valid calendar date") from None
        if d > _dt.date.today():
            raise DataError(f"{where}: value {text!r} is after today")
        return d
    if kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer)) and int(value) in (0, 1):
            return bool(value)
        text = str(value).strip()
        if text in ("0", "1"):
            return text == "1"
        raise DataError(f"{where}: value {text!r} is not 0 or 1")
    if not isinstance(value, str):
        raise DataError(f"{where}: value {value!r} is not text")
    if "\n" in value or "\r" in value:
        raise DataError(f"{where}: value {value!r} contains a line break")
    if kind == "category":
        allowed = tuple(col.allowed or ())
        if value not in allowed:
            raise DataError(f"{where}: value {value!r} is not one of {', '.join(allowed)}")
        return value
    if kind == "str":
        return value
    raise AssertionError(f"unknown column kind {kind!r}")


def _show(value: Any) -> str:
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6f}"
    return repr(value)


def _check_interval_order(table: pd.DataFrame, path: Any) -> None:
    for i, row in enumerate(table.itertuples(index=False)):
        if not row.lower < row.central < row.upper:
            raise DataError(
                f"{_where(path, i + 2, 'lower/central/upper')}: need lower < central < upper, "
                f"got {row.lower:g}, {row.central:g}, {row.upper:g}"
            )


#: Units of published_estimates whose values must be > 0 (a halving time, a factor).
POSITIVE_UNITS = ("months", "years", "factor_per_year")


def _check_published_estimates(table: pd.DataFrame, path: Any) -> None:
    """lower < central < upper, and all three > 0 for a time or a factor (a negative halving
    time means nothing)."""
    for i, row in enumerate(table.itertuples(index=False)):
        if row.unit in POSITIVE_UNITS and not row.lower > 0:
            raise DataError(f"{_where(path, i + 2, 'lower')}: a {row.unit} value must be > 0, "
                            f"got {row.lower:g}")
    _check_interval_order(table, path)


_ROW_CHECKS = {"published_estimates": _check_published_estimates}


def validate_table(stream_name: str, df: pd.DataFrame, path: Any) -> pd.DataFrame:
    """Check `df` against the schema of `stream_name` and return a typed copy.

    `df` holds the table's cells in file order: as text (a CSV read with `dtype=str`) or already
    typed. Row i (0-based) is reported as "line i+2" (the header is line 1). `path` is used only
    in messages. The returned frame has float64 columns for "float", datetime64 for "date", bool
    for "bool" and str for "str"/"category" (blank optional strings become ""), and a RangeIndex.
    Raises DataError on: missing, unexpected or out-of-order columns; a value that does not parse;
    a blank required value; a value out of range or not among the allowed categories; a
    year_decimal that disagrees with the row's date by more than 1/365; a repeated unique key;
    (published_estimates) lower < central < upper not holding.
    """
    if stream_name not in SCHEMAS:
        raise DataError(f"{path}: unknown stream {stream_name!r} (known: {', '.join(STREAMS)})")
    schema = SCHEMAS[stream_name]
    expected = list(schema.columns)
    actual = [str(c) for c in df.columns]
    missing = [c for c in expected if c not in actual]
    unexpected = [c for c in actual if c not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected column(s) {', '.join(unexpected)}")
        raise DataError(f"{path}: {'; '.join(parts)} (expected columns: {', '.join(expected)})")
    if len(set(actual)) != len(actual):
        raise DataError(f"{path}: repeated column name in header {actual}")
    if actual != expected:
        raise DataError(
            f"{path}: columns out of order: got {', '.join(actual)}; expected {', '.join(expected)}"
        )
    if len(df) == 0:
        raise DataError(f"{path}: table has no data rows")

    typed: dict[str, list[Any]] = {}
    for name, col in schema.columns.items():
        values = []
        for i, value in enumerate(df[name].tolist()):
            if _is_blank(value):
                if col.required:
                    raise DataError(f"{_where(path, i + 2, name)}: required value is missing")
                values.append(
                    math.nan if col.kind == "float" else ("" if col.kind == "str" else None)
                )
                continue
            values.append(_parse_cell(value, col, _where(path, i + 2, name)))
        typed[name] = values

    if schema.date_column is not None and "year_decimal" in typed:
        for i, (d, y) in enumerate(
            zip(typed[schema.date_column], typed["year_decimal"], strict=True)
        ):
            if d is None:
                continue
            expected_y = decimal_year(d)
            if abs(y - expected_y) > 1.0 / 365.0:
                raise DataError(
                    f"{_where(path, i + 2, 'year_decimal')}: value {y:.6f} disagrees with "
                    f"{schema.date_column} {d.isoformat()} "
                    f"(expected {expected_y:.6f}, within 1/365)"
                )

    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for name, col in schema.columns.items():
        if col.kind == "float":
            out[name] = np.asarray(typed[name], dtype=float)
        elif col.kind == "date":
            out[name] = pd.to_datetime([pd.NaT if d is None else d for d in typed[name]]).astype(
                "datetime64[ns]"
            )
        elif col.kind == "bool":
            out[name] = np.asarray(typed[name], dtype=bool)
        else:
            out[name] = pd.Series(typed[name], dtype=object)

    key = list(schema.key)
    dup = out.duplicated(key, keep=False)
    if dup.any():
        positions = np.flatnonzero(dup.to_numpy())
        groups: dict[tuple, int] = {}
        for pos in positions:
            k = tuple(out.iloc[pos][c] for c in key)
            if k in groups:
                first = groups[k]
                shown = ", ".join(f"{c}={_show(typed[c][pos])}" for c in key)
                raise DataError(
                    f"{path} line {pos + 2}: duplicate of line {first + 2} on the unique key "
                    f"({shown})"
                )
            groups[k] = pos

    check = _ROW_CHECKS.get(stream_name)
    if check is not None:
        check(out, path)
    return out


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """One curated table, its provenance record, and the SHA-256 of the CSV file's bytes."""

    name: str
    table: pd.DataFrame
    provenance: dict
    sha256: str
    path: Path


def _read_provenance(path: Path) -> dict:
    if not path.is_file():
        raise DataError(f"{path}: provenance record not found (run scripts/curate_data.py)")
    try:
        prov = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: provenance record is not valid JSON: {exc}") from None
    if not isinstance(prov, dict):
        raise DataError(f"{path}: provenance record must be a JSON object")
    missing = [k for k in PROVENANCE_KEYS if k not in prov]
    if missing:
        raise DataError(f"{path}: provenance record lacks key(s) {', '.join(missing)}")
    for k in PROVENANCE_KEYS:
        v = prov[k]
        if k == "curation_notes":
            if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
                raise DataError(f"{path}: provenance key curation_notes must be a list of strings")
        elif k == "source_url":
            urls = v if isinstance(v, list) else [v]
            if not urls or not all(isinstance(s, str) and s.strip() for s in urls):
                raise DataError(f"{path}: provenance key source_url must be a URL or list of URLs")
        elif not isinstance(v, str) or not v.strip():
            raise DataError(f"{path}: provenance key {k} must be a non-empty string")
    for k in ("vintage", "retrieved"):
        text = prov[k]
        ok = bool(_ISO_DATE.match(text))
        if ok:
            try:
                _dt.date.fromisoformat(text)
            except ValueError:
                ok = False
        if not ok:
            raise DataError(f"{path}: provenance key {k}: value {text!r} is not a YYYY-MM-DD date")
    for k in ("raw_sha256", "curated_sha256"):
        if not re.fullmatch(r"[0-9a-f]{64}", prov[k]):
            raise DataError(f"{path}: provenance key {k}: not a lowercase hex SHA-256")
    _check_provenance_dates_and_rows(prov, path)
    return prov


def _check_provenance_dates_and_rows(prov: dict, path: Path) -> None:
    """vintage <= retrieved <= today (the vintage is the model's "now": it may never pass
    today), and `rows`, when present, a non-negative integer (not a bool, not text)."""
    today = _dt.date.today()
    vintage, retrieved = (_dt.date.fromisoformat(prov[k]) for k in ("vintage", "retrieved"))
    for k, d in (("vintage", vintage), ("retrieved", retrieved)):
        if d > today:
            raise DataError(f"{path}: provenance key {k}: {d.isoformat()} is after today "
                            f"({today.isoformat()})")
    if vintage > retrieved:
        raise DataError(f"{path}: provenance key vintage: {vintage.isoformat()} is after "
                        f"retrieved ({retrieved.isoformat()})")
    rows = prov.get("rows")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
        raise DataError(f"{path}: provenance key rows: must be a non-negative integer "
                        f"(got {rows!r})")


def load_stream(name: str, data_dir: Path | str = DATA_DIR) -> Stream:
    """Load and validate `data_dir/NAME.csv` against its schema and provenance record."""
    if name not in SCHEMAS:
        raise DataError(f"{name}: unknown stream (known: {', '.join(STREAMS)})")
    data_dir = Path(data_dir)
    csv_path = data_dir / f"{name}.csv"
    prov_path = data_dir / f"{name}.provenance.json"
    if not csv_path.is_file():
        raise DataError(f"{csv_path}: data file not found (run scripts/curate_data.py)")
    raw = csv_path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    prov = _read_provenance(prov_path)
    try:
        df = pd.read_csv(
            csv_path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{csv_path}: cannot parse as CSV: {exc}") from None
    table = validate_table(name, df, csv_path)
    if prov["curated_sha256"] != sha:
        raise DataError(
            f"{csv_path}: SHA-256 {sha} does not match curated_sha256 in {prov_path.name}: the "
            f"file was edited after curation: re-run scripts/curate_data.py"
        )
    rows = prov.get("rows")
    if rows is not None and rows != len(table):
        raise DataError(f"{prov_path}: rows = {rows} but {csv_path.name} has {len(table)} rows")
    return Stream(name=name, table=table, provenance=prov, sha256=sha, path=csv_path)


def load_all(data_dir: Path | str = DATA_DIR) -> dict[str, Stream]:
    """Load every stream in STREAMS order."""
    return {name: load_stream(name, data_dir) for name in STREAMS}


def provenance_hashes(streams: Mapping[str, Stream]) -> dict[str, str]:
    """Stream name -> SHA-256 of its provenance JSON (vintage, rows...), recorded next to
    data_hashes so that a moved vintage (the model's "now") is caught like an edited CSV."""
    return {name: hashlib.sha256(s.path.with_name(f"{name}.provenance.json").read_bytes())
            .hexdigest() for name, s in sorted(streams.items())}


def data_hashes(streams: Mapping[str, Stream]) -> dict[str, str]:
    """Stream name -> SHA-256 of its CSV, for recording which data a run used."""
    return {name: s.sha256 for name, s in sorted(streams.items())}
