"""Tests of the curated data in data/ and of its loader, model/data.py.

Corruption tests write modified copies of the committed files to tmp_path; unless a test is about
the hash, the copy's provenance record gets the new SHA-256 so that the check under test, not the
hash check, is what fails. None of these tests reads the raw reference data.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT.parent / "shared" / "reference-data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model.data import (  # noqa: E402
    DATA_DIR,
    PROVENANCE_KEYS,
    SCHEMAS,
    STREAMS,
    DataError,
    Stream,
    data_hashes,
    decimal_year,
    load_all,
    load_stream,
    validate_table,
)

# Per stream: a float column to corrupt, a column with a range and a value outside it.
VALUE_COLUMN = {
    "frontier_compute": "log10_flop",
    "hardware_price_performance": "log10_flop_per_s_per_usd",
    "ml_accelerators": "log10_flop_per_s_per_usd",
    "training_cost": "log10_cost_usd",
    "algorithmic_efficiency": "log10_flop",
    "imagenet_models": "top1_error_pct",
    "published_estimates": "central",
    "capability_time_horizon": "log10_p50_horizon_minutes",
    "capability_eci": "eci_points",
}
OUT_OF_RANGE = {
    "frontier_compute": ("log10_flop", "40"),
    "hardware_price_performance": ("log10_flop_per_s_per_usd", "99"),
    "ml_accelerators": ("log10_flop_per_s_per_usd", "2"),
    "training_cost": ("log10_cost_usd", "-3"),
    "algorithmic_efficiency": ("log10_flop", "3"),
    "imagenet_models": ("top1_error_pct", "150"),
    "published_estimates": ("interval_level", "1.5"),
    "capability_time_horizon": ("log10_p50_horizon_sd", "0"),
    "capability_eci": ("log10_flop", "50"),
}
DATE_COLUMN = {name: s.date_column for name, s in SCHEMAS.items() if s.date_column}


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def read_text_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def corrupt(tmp_path: Path, name: str, mutate, fix_hash: bool = True) -> Path:
    """Copy the committed stream to tmp_path/data, apply `mutate` to its text table, write it
    back and (by default) record the new SHA-256 and row count in the copied provenance."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    csv = data_dir / f"{name}.csv"
    prov = data_dir / f"{name}.provenance.json"
    shutil.copy(DATA_DIR / f"{name}.csv", csv)
    shutil.copy(DATA_DIR / f"{name}.provenance.json", prov)
    df = mutate(read_text_table(csv))
    if df is not None:
        csv.write_bytes(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        if fix_hash:
            import hashlib

            record = json.loads(prov.read_text())
            record["curated_sha256"] = hashlib.sha256(csv.read_bytes()).hexdigest()
            record["rows"] = len(df)
            prov.write_text(json.dumps(record, sort_keys=True, indent=2) + "\n")
    return data_dir


def row_for(df: pd.DataFrame) -> int:
    """A data row other than the first where possible (so the line number is informative)."""
    return min(2, len(df) - 1)


def expect_error(data_dir: Path, name: str, *fragments: str, line: int | None = None) -> str:
    with pytest.raises(DataError) as info:
        load_stream(name, data_dir)
    msg = str(info.value)
    assert f"{name}.csv" in msg or f"{name}.provenance.json" in msg, msg
    if line is not None:
        assert re.search(rf"\bline {line}\b", msg), msg
    for fragment in fragments:
        assert fragment in msg, msg
    return msg


def ols_slope(x, y) -> float:
    return float(np.polyfit(np.asarray(x, float), np.asarray(y, float), 1)[0])


# ----------------------------------------------------------------------------------------------
# the committed files
# ----------------------------------------------------------------------------------------------


def test_every_committed_stream_loads():
    streams = load_all()
    assert tuple(streams) == STREAMS
    for name, s in streams.items():
        assert isinstance(s, Stream)
        assert s.name == name and s.path == DATA_DIR / f"{name}.csv"
        assert list(s.table.columns) == list(SCHEMAS[name].columns)
        assert len(s.table) == s.provenance["rows"] > 0
        for key in PROVENANCE_KEYS:
            assert key in s.provenance
        assert s.provenance["curated_by"] == "scripts/curate_data.py"
        assert s.provenance["curation_notes"]
    hashes = data_hashes(streams)
    assert set(hashes) == set(STREAMS)
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes.values())


def test_data_dir_is_inside_the_project():
    assert DATA_DIR == ROOT / "data"


def test_vintages():
    streams = load_all()
    assert streams["frontier_compute"].provenance["vintage"] == "2025-11-01"
    for s in streams.values():
        assert s.provenance["retrieved"] == "2026-11-28"


def test_units_are_in_column_names():
    for name, schema in SCHEMAS.items():
        for col, spec in schema.columns.items():
            if spec.kind == "float" and name != "published_estimates":
                assert col.startswith(("log10_", "year_")) or col.endswith(("_pct", "_points")), col


# ----------------------------------------------------------------------------------------------
# sanity values
# ----------------------------------------------------------------------------------------------


def test_gpt4_frontier_compute():
    t = load_stream("frontier_compute").table
    gpt4 = t[t.model == "GPT-4"]
    assert len(gpt4) == 1
    assert gpt4.log10_flop.iloc[0] == pytest.approx(25.322, abs=0.005)  # 2.1e25 FLOP
    assert gpt4.publication_date.iloc[0] == pd.Timestamp("2023-03-15")


def test_frontier_rows_are_frontier_era_and_named_once():
    t = load_stream("frontier_compute").table
    assert t.publication_date.min() >= pd.Timestamp("2010-01-01")
    assert t.model.is_unique
    assert 50 <= len(t) <= 120
    assert set(t.confidence) <= {"Confident", "Likely", "Speculative", "Unknown"}


def test_frontier_missing_compute_is_recorded():
    notes = " ".join(load_stream("frontier_compute").provenance["curation_notes"])
    assert "no numeric training compute" in notes
    assert "GPT-4o" in notes and "Claude 3 Opus" in notes


def test_alexnet_level_2012_row():
    t = load_stream("algorithmic_efficiency").table
    row = t[(t.series == "alexnet_level") & (t.publication_date.dt.year == 2012)]
    assert len(row) == 1 and row.model.iloc[0] == "AlexNet"
    assert row.log10_flop.iloc[0] == pytest.approx(math.log10(3.1e12 * 86400), abs=1e-6)
    assert set(t.domain[t.series.isin(["alexnet_level", "resnet50_level"])]) == {"vision"}
    assert set(t.domain[t.series.isin(["seq2seq_level", "gnmt_level"])]) == {"translation"}


def test_imagenet_sample_matches_the_paper():
    t = load_stream("imagenet_models").table
    assert len(t) == 97
    for excluded in ("GreedyNAS-B", "NASNet-A", "AmoebaNet-A"):
        assert excluded not in set(t.model)
    alexnet = t[t.model == "AlexNet"].iloc[0]
    assert alexnet.top1_error_pct == pytest.approx(36.7)
    assert alexnet.log10_flop == pytest.approx(math.log10(4.7e17), abs=1e-6)
    assert alexnet.publication_date == pd.Timestamp("2012-09-01")
    assert t.extra_data.dtype == bool


def test_published_estimate_row():
    t = load_stream("published_estimates").table
    row = t.set_index("estimate_id").loc["ho2024_lm_halving"]
    assert (row.central, row.lower, row.upper, row.interval_level) == (8, 5, 14, 0.95)
    assert row.unit == "months" and "arXiv:2403.05812" in row.citation
    price = t.set_index("estimate_id").loc["epoch2025_inference_price_decline"]
    assert (price.central, price.lower, price.upper, price.interval_level) == (40, 9, 900, 0.9)
    assert price.unit == "factor_per_year" and "llm-inference-price-trends" in price.citation


# ----------------------------------------------------------------------------------------------
# trends: naive OLS reproduces the published numbers roughly
# ----------------------------------------------------------------------------------------------


def test_hardware_price_performance_trend():
    t = load_stream("hardware_price_performance").table
    slope = ols_slope(t.year_decimal, t.log10_flop_per_s_per_usd)
    doubling_years = math.log10(2) / slope
    # Hobbhahn & Besiroglu 2022: doubling every 2.46 yr [95% CI 2.24-2.72], ~0.12 OOM/yr
    assert 0.105 <= slope <= 0.14, slope
    assert 2.24 <= doubling_years <= 2.72, doubling_years


def test_ml_accelerators_are_data_centre_parts_at_training_precision():
    t = load_stream("ml_accelerators").table
    # H100 SXM5: 9.894e14 dense BF16 FLOP/s at a $33,600 list price (reference-data README)
    h100 = t[t.hardware == "NVIDIA H100 SXM5 80GB"].iloc[0]
    assert h100.log10_flop_per_s_per_usd == pytest.approx(math.log10(9.894e14 / 33600), abs=1e-5)
    assert not t.hardware.str.contains("GeForce|Titan|Radeon RX", case=False).any()
    slope = ols_slope(t.year_decimal, t.log10_flop_per_s_per_usd)
    # V100 (2017, ~1e10 FLOP/s per $) to B100 (2024, ~5e10): ~0.1 OOM/yr, slower than FP32 GPUs
    # of 2005-2021 (0.12) because the tensor-core jump happened before the first row
    assert 0.05 <= slope <= 0.15, slope


def test_training_cost_trend_since_2016():
    t = load_stream("training_cost").table
    t = t[t.year_decimal >= 2016]
    slope = ols_slope(t.year_decimal, t.log10_cost_usd)
    # Cottier et al. 2024: 2.4x/yr (90% CI 2.0-2.9); 2.4-2.9x/yr = 0.38-0.46 OOM/yr
    assert 0.38 <= slope <= 0.46, slope


def test_frontier_compute_trend_since_2010():
    t = load_stream("frontier_compute").table
    slope = ols_slope(t.year_decimal, t.log10_flop)
    # Epoch: 4-5x/yr frontier training compute (0.60-0.70 OOM/yr)
    assert 0.55 <= slope <= 0.75, slope


def test_alexnet_level_efficiency_trend():
    t = load_stream("algorithmic_efficiency").table
    t = t[t.series == "alexnet_level"]
    slope = ols_slope(t.year_decimal, t.log10_flop)
    halving_months = 12 * math.log10(2) / -slope
    # Hernandez & Brown 2020: 44x less compute 2012-2019, halving every ~16 months
    assert 11 <= halving_months <= 22, halving_months


def test_imagenet_error_falls_as_compute_rises():
    t = load_stream("imagenet_models").table
    assert ols_slope(t.year_decimal, t.top1_error_pct) < 0
    assert ols_slope(t.year_decimal, t.log10_flop) > 0


# ----------------------------------------------------------------------------------------------
# corrupted copies, for each stream
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", STREAMS)
def test_non_number_value(tmp_path, name):
    col = VALUE_COLUMN[name]
    i = None

    def mutate(df):
        nonlocal i
        i = row_for(df)
        df.loc[i, col] = "abc"
        return df

    d = corrupt(tmp_path, name, mutate)
    expect_error(d, name, f"column {col}", "'abc'", "not a number", line=i + 2)


@pytest.mark.parametrize("name", STREAMS)
def test_blank_required_value(tmp_path, name):
    col = VALUE_COLUMN[name]
    d = corrupt(tmp_path, name, lambda df: df.assign(**{col: [""] + list(df[col][1:])}))
    expect_error(d, name, f"column {col}", "missing", line=2)


@pytest.mark.parametrize("name", STREAMS)
def test_missing_column(tmp_path, name):
    col = list(SCHEMAS[name].columns)[-1]
    d = corrupt(tmp_path, name, lambda df: df.drop(columns=[col]))
    expect_error(d, name, "missing column", col)


@pytest.mark.parametrize("name", STREAMS)
def test_unexpected_column(tmp_path, name):
    d = corrupt(tmp_path, name, lambda df: df.assign(bogus_extra="1"))
    expect_error(d, name, "unexpected column", "bogus_extra")


@pytest.mark.parametrize("name", STREAMS)
def test_out_of_range_value(tmp_path, name):
    col, bad = OUT_OF_RANGE[name]
    i = None

    def mutate(df):
        nonlocal i
        i = row_for(df)
        df.loc[i, col] = bad
        return df

    d = corrupt(tmp_path, name, mutate)
    expect_error(d, name, f"column {col}", "outside the allowed range", line=i + 2)


@pytest.mark.parametrize("name", STREAMS)
def test_duplicated_row(tmp_path, name):
    n = None

    def mutate(df):
        nonlocal n
        n = len(df)
        return pd.concat([df, df.iloc[[0]]], ignore_index=True)

    d = corrupt(tmp_path, name, mutate)
    msg = expect_error(d, name, "duplicate", line=n + 2)
    assert re.search(r"\bline 2\b", msg), msg
    for key_col in SCHEMAS[name].key:
        assert key_col in msg


@pytest.mark.parametrize("name", sorted(DATE_COLUMN))
@pytest.mark.parametrize("bad", ["2023-13-45", "15/03/2023", "2023-3-5"])
def test_bad_date(tmp_path, name, bad):
    col = DATE_COLUMN[name]
    i = None

    def mutate(df):
        nonlocal i
        i = row_for(df)
        df.loc[i, col] = bad
        return df

    d = corrupt(tmp_path, name, mutate)
    expect_error(d, name, f"column {col}", repr(bad), line=i + 2)


@pytest.mark.parametrize("name", sorted(DATE_COLUMN))
def test_year_decimal_disagrees_with_date(tmp_path, name):
    i = None

    def mutate(df):
        nonlocal i
        i = row_for(df)
        df.loc[i, "year_decimal"] = f"{float(df.loc[i, 'year_decimal']) + 0.5:.6f}"
        return df

    d = corrupt(tmp_path, name, mutate)
    expect_error(d, name, "column year_decimal", DATE_COLUMN[name], line=i + 2)


@pytest.mark.parametrize("name", STREAMS)
def test_provenance_hash_mismatch(tmp_path, name):
    col = VALUE_COLUMN[name]

    def mutate(df):  # a valid-looking hand edit
        df.loc[0, col] = f"{float(df.loc[0, col]) + 0.01:.6f}"
        return df

    d = corrupt(tmp_path, name, mutate, fix_hash=False)
    expect_error(d, name, "edited after curation", "re-run scripts/curate_data.py")


@pytest.mark.parametrize("name", STREAMS)
def test_provenance_missing_key(tmp_path, name):
    d = corrupt(tmp_path, name, lambda df: None)
    prov = d / f"{name}.provenance.json"
    record = json.loads(prov.read_text())
    del record["licence"]
    prov.write_text(json.dumps(record))
    expect_error(d, name, "licence")


@pytest.mark.parametrize("name", STREAMS)
def test_provenance_missing_or_invalid(tmp_path, name):
    d = corrupt(tmp_path, name, lambda df: None)
    prov = d / f"{name}.provenance.json"
    prov.write_text("{not json")
    expect_error(d, name, "not valid JSON")
    prov.unlink()
    expect_error(d, name, "provenance record not found")


def test_provenance_bad_vintage(tmp_path):
    d = corrupt(tmp_path, "training_cost", lambda df: None)
    prov = d / "training_cost.provenance.json"
    record = json.loads(prov.read_text())
    record["vintage"] = "July 2025"
    prov.write_text(json.dumps(record))
    expect_error(d, "training_cost", "vintage", "YYYY-MM-DD")


def test_bad_category(tmp_path):
    def mutate(df):
        df.loc[3, "confidence"] = "Certain"
        return df

    d = corrupt(tmp_path, "frontier_compute", mutate)
    expect_error(d, "frontier_compute", "column confidence", "'Certain'", line=5)


def test_bad_bool(tmp_path):
    def mutate(df):
        df.loc[4, "extra_data"] = "yes"
        return df

    d = corrupt(tmp_path, "imagenet_models", mutate)
    expect_error(d, "imagenet_models", "column extra_data", line=6)


def test_published_interval_order(tmp_path):
    def mutate(df):
        df.loc[0, "lower"] = "9"
        return df

    d = corrupt(tmp_path, "published_estimates", mutate)
    expect_error(d, "published_estimates", "lower < central < upper", line=2)


def test_missing_data_file(tmp_path):
    with pytest.raises(DataError, match="frontier_compute.csv"):
        load_stream("frontier_compute", tmp_path)


def test_unknown_stream():
    with pytest.raises(DataError, match="unknown stream"):
        load_stream("no_such_stream")


def test_validate_table_accepts_typed_input():
    s = load_stream("imagenet_models")
    again = validate_table("imagenet_models", s.table, "typed")
    pd.testing.assert_frame_equal(again, s.table)


def test_error_message_format(tmp_path):
    def mutate(df):
        df.loc[12, "log10_cost_usd"] = "abc"
        return df

    d = corrupt(tmp_path, "training_cost", mutate)
    msg = expect_error(d, "training_cost", line=14)
    assert msg.endswith(
        "training_cost.csv line 14, column log10_cost_usd: value 'abc' is not a number"
    ), msg


# ----------------------------------------------------------------------------------------------
# decimal_year
# ----------------------------------------------------------------------------------------------


def test_decimal_year():
    assert decimal_year("2023-01-01") == 2023.0
    assert decimal_year("2023-07-02") == pytest.approx(2023 + 182 / 365)
    assert decimal_year(pd.Timestamp("2024-12-31")) == pytest.approx(2024 + 365 / 366)
    import datetime as dt

    assert decimal_year(dt.date(2020, 3, 1)) == pytest.approx(2020 + 60 / 366)
    assert decimal_year(np.datetime64("2021-01-02")) == pytest.approx(2021 + 1 / 365)


# ----------------------------------------------------------------------------------------------
# the curation script (only the hand-entered stream: no raw reference data is needed)
# ----------------------------------------------------------------------------------------------


def _curation_script():
    name = "oomcast_scripts_curate_data"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "curate_data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses need the module registered while it executes
    spec.loader.exec_module(module)
    return module


def test_curation_is_deterministic_and_matches_committed_file(tmp_path, capsys):
    script = _curation_script()
    source = ROOT / "scripts" / "published_estimates_source.csv"
    for out in (tmp_path / "a", tmp_path / "b"):
        assert script.main(["published_estimates", str(source), "--out-dir", str(out)]) == 0
    for fname in ("published_estimates.csv", "published_estimates.provenance.json"):
        a = (tmp_path / "a" / fname).read_bytes()
        assert a == (tmp_path / "b" / fname).read_bytes()
        assert a == (DATA_DIR / fname).read_bytes()
    assert "published_estimates: kept 2" in capsys.readouterr().out


@pytest.mark.skipif(not (REFERENCE_DIR / "epoch_ml_hardware_2026-04").is_dir(),
                    reason="reference data not beside the repository")
def test_ml_accelerators_curation_matches_committed_file(tmp_path, capsys):
    raw = REFERENCE_DIR / "epoch_ml_hardware_2026-04" / "ml_hardware.csv"
    assert _curation_script().main(["ml_accelerators", str(raw), "--out-dir", str(tmp_path)]) == 0
    for fname in ("ml_accelerators.csv", "ml_accelerators.provenance.json"):
        assert (tmp_path / fname).read_bytes() == (DATA_DIR / fname).read_bytes()
    out = capsys.readouterr().out
    assert "kept 11 of 175" in out and "3 consumer card" in out


def test_curation_writes_nothing_on_error(tmp_path, capsys):
    script = _curation_script()
    bad = tmp_path / "bad_source.csv"
    text = (ROOT / "scripts" / "published_estimates_source.csv").read_text()
    bad.write_text(text.replace(",8,5,14,", ",8,9,14,"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "published_estimates.csv").write_text("old")
    assert script.main(["published_estimates", str(bad), "--out-dir", str(out)]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["published_estimates.csv"]
    assert (out / "published_estimates.csv").read_text() == "old"
    assert "lower < central < upper" in capsys.readouterr().err


def test_curation_requires_vintage_for_unknown_export(tmp_path, capsys):
    script = _curation_script()
    raw = tmp_path / "efficiency_sota.csv"
    raw.write_text(
        "Metric,Publication Date,Publication,Publication link,Compute (teraflops-s/days)\n"
        "AlexNet,6/1/2012,AlexNet,https://example.org,3.1\n"
        "AlexNet,5/28/2019,EfficientNet (b0),https://arxiv.org/abs/1905.11946,0.069\n"
    )
    out = tmp_path / "out"
    assert script.main(["algorithmic_efficiency", str(raw), "--out-dir", str(out)]) == 1
    assert "--vintage" in capsys.readouterr().err
    assert not out.exists()
    args = [
        "algorithmic_efficiency",
        str(raw),
        "--out-dir",
        str(out),
        "--vintage",
        "2026-01-01",
        "--retrieved",
        "2026-01-02",
    ]
    assert script.main(args) == 0
    s = load_stream("algorithmic_efficiency", out)
    assert len(s.table) == 2
    assert s.provenance["vintage"] == "2026-01-01"
    assert s.provenance["source_commit"].startswith("unknown")


# ----------------------------------------------------------------------------------------------
# capability streams (METR time horizons, Epoch Capabilities Index)
# ----------------------------------------------------------------------------------------------


def test_time_horizon_stream_is_one_suite_with_carried_rows_flagged():
    t = load_stream("capability_time_horizon").table
    assert len(t) == 17 and t.model.is_unique
    assert set(t.model[t.carried_from_v1_0]) == {"gpt2", "davinci_002", "gpt_3_5_turbo_instruct"}
    gpt4 = t[t.model == "gpt_4"].iloc[0]
    assert gpt4.log10_p50_horizon_minutes == pytest.approx(math.log10(3.524514), abs=1e-6)
    # measurement sd = 95% interval width on the log10 scale / (2 x 1.96)
    width = math.log10(6.944557) - math.log10(1.63379)
    assert gpt4.log10_p50_horizon_sd == pytest.approx(width / 3.919928, abs=1e-6)
    assert t.is_sota.sum() == 14  # claude_3_opus, gpt_4_turbo, claude_4_opus are not SOTA
    assert not t.is_sota[t.model == "claude_4_opus_inspect"].iloc[0]


def test_eci_stream_one_row_per_model_with_compute():
    t = load_stream("capability_eci").table
    assert len(t) == 80 and t.model.is_unique
    assert t.log10_flop.notna().all() and t.eci_points.notna().all()
    gpt4 = t[t.model.str.startswith("GPT-4 (")]
    assert set(gpt4.model) == {"GPT-4 (Mar 2023)", "GPT-4 (Jun 2023)"}
    llama = t[t.model == "Llama 3.1-405B"].iloc[0]
    assert llama.log10_flop == pytest.approx(math.log10(3.8e25), abs=1e-4)
    assert llama.eci_points == pytest.approx(127.96, abs=0.01)


def test_eci_dedupe_keeps_highest_score_then_earliest_date(tmp_path, capsys):
    header = ("Model version,ECI Score,Release date,Organization,Country,Model accessibility,"
              "Training compute (FLOP),Confidence,Model name,Description,Display name\n")
    rows = ("m-low,120,2024-01-01,Org,,,1e24,Confident,M,,M\n"
            "m-high-late,130,2024-03-01,Org,,,1e24,Confident,M,,M\n"
            "m-high-early,130,2024-02-01,Org,,,1e24,Confident,M,,M\n"
            "n-prelim,140,2024-02-01,Org,,,1e24,Unverified,N,,N*\n"
            "k,110,2023-05-01,Org,,,2e23,,K,,K\n")
    raw = tmp_path / "eci.csv"
    raw.write_text(header + rows)
    out = tmp_path / "out"
    args = ["capability_eci", str(raw), "--out-dir", str(out), "--vintage", "2026-01-01",
            "--retrieved", "2026-01-02"]
    assert _curation_script().main(args) == 0
    t = load_stream("capability_eci", out).table
    assert list(t.model) == ["K", "M"]
    m = t[t.model == "M"].iloc[0]
    assert m.eci_points == 130 and m.release_date == pd.Timestamp("2024-02-01")
    assert t[t.model == "K"].confidence.iloc[0] == "Unknown"
    assert "preliminary" in capsys.readouterr().out


def test_metr_curation_rejects_a_bad_interval_naming_the_model(tmp_path, capsys):
    raw = tmp_path / "metr.yaml"
    raw.write_text(
        "benchmark_name: METR-Horizon-v1.1\n"
        "results:\n"
        "  model_a:\n"
        "    benchmark_name: METR-Horizon-v1.1\n"
        "    release_date: 2024-01-01\n"
        "    metrics:\n"
        "      is_sota: true\n"
        "      p50_horizon_length: {estimate: 5.0, ci_low: 6.0, ci_high: 9.0}\n")
    out = tmp_path / "out"
    args = ["capability_time_horizon", str(raw), "--out-dir", str(out), "--vintage", "2026-01-01"]
    assert _curation_script().main(args) == 1
    err = capsys.readouterr().err
    assert "model_a" in err and "ci_low < estimate" in err and str(raw) in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.skipif(not (REFERENCE_DIR / "metr_time_horizons_2026-01").is_dir(),
                    reason="reference data not beside the repository")
@pytest.mark.parametrize("stream, rel", [
    ("capability_time_horizon", "metr_time_horizons_2026-01/benchmark_results_1_1.yaml"),
    ("capability_eci", "epoch_capabilities_index_2026-04/epoch_capabilities_index.csv"),
])
def test_capability_curation_matches_committed_file(tmp_path, stream, rel):
    assert _curation_script().main([stream, str(REFERENCE_DIR / rel), "--out-dir",
                                    str(tmp_path)]) == 0
    for fname in (f"{stream}.csv", f"{stream}.provenance.json"):
        assert (tmp_path / fname).read_bytes() == (DATA_DIR / fname).read_bytes()
