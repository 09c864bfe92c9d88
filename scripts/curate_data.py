"""Build the curated tables in data/ from raw exports (not used at run time).

Usage (from the repository root):

    python scripts/curate_data.py STREAM RAW_PATH [--out-dir data] [--vintage YYYY-MM-DD]
                                                  [--retrieved YYYY-MM-DD]
    python scripts/curate_data.py all --reference-dir ../shared/reference-data [--out-dir data]

STREAM is one of the streams of model/data.py (STREAMS). RAW_PATH is a raw export (e.g. a new
download); for `published_estimates` it is the hand-entered scripts/published_estimates_source.csv.
Each stream is curated, checked with model.data.validate_table, and written as data/STREAM.csv and
data/STREAM.provenance.json, each through a temporary file in the same folder and os.replace. On
any error nothing is written (with `all`: nothing for any stream).

When RAW_PATH is not byte-identical to the reference snapshot the script knows, --vintage is
required (the export's date), and the provenance record says the source commit is unknown.
Output is deterministic: the same raw file and options give byte-identical files.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import hashlib
import json
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model.data import SCHEMAS, STREAMS, DataError, decimal_year, validate_table  # noqa: E402

RETRIEVED = "2026-11-28"  # date the reference snapshots were retrieved into this project
CURATED_BY = "scripts/curate_data.py"
PUBLISHED_SOURCE = ROOT / "scripts" / "published_estimates_source.csv"

_EPOCH_LICENCE = (
    "CC BY 4.0 (Epoch AI): free to use, distribute and reproduce provided the source and authors "
    "are credited (https://creativecommons.org/licenses/by/4.0/)"
)

# Where each stream comes from. `reference_path` is relative to the reference-data folder;
# `reference_sha256` identifies the snapshot these notes describe.
SOURCES: dict[str, dict] = {
    "frontier_compute": {
        "reference_path": "epoch_notable_ai_models_2025-11/notable_ai_models.csv",
        "vintage": "2025-11-01",
        "title": "Epoch AI 'Notable AI models': frontier models' training compute since 2010",
        "source_url": [
            "https://github.com/Zanmadit/ai_hack_cast/blob/"
            "74cc7e0c03837630eda01d811643d3d5a23f672c/data/notable_ai_models.csv",
            "https://epoch.ai/data/ai-models",
        ],
        "source_repository": "https://github.com/Zanmadit/ai_hack_cast",
        "source_path": "data/notable_ai_models.csv",
        "source_commit": "74cc7e0c03837630eda01d811643d3d5a23f672c",
        "licence": _EPOCH_LICENCE + "; the vendoring repository has no licence and only copies "
        "Epoch's export: attribute Epoch AI",
        "citation": "Epoch AI, 'Data on AI Models', https://epoch.ai/data/ai-models "
        "(notable_ai_models.csv export of 2025-11-01)",
        "notes": [
            "Raw file: Epoch's notable_ai_models.csv daily export as vendored in "
            "Zanmadit/ai_hack_cast (last commit touching it 09f5838, 2025-11-01).",
            "confidence is Epoch's label as exported (blank -> Unknown). The numeric ranges behind "
            "the labels are defined in https://epoch.ai/data/ai-models-documentation/estimation; "
            "they are not restated or assumed here.",
            "Compute estimates are revised between exports (e.g. GPT-4.5 2.1e26 FLOP here, "
            "3.8e26 in Epoch's 2026-05 frontier table): this table is one vintage.",
        ],
    },
    "hardware_price_performance": {
        "reference_path": "epoch_gpu_price_performance_2022/gpu_trends_factors_clean.csv",
        "vintage": "2023-03-02",
        "title": "GPU FP32 price-performance (Hobbhahn & Besiroglu 2022, Epoch)",
        "source_url": [
            "https://github.com/epoch-research/timelines-direct-approach/blob/"
            "01ffd905204a2fa630d70d2ae1c4cfa2126add50/data/gpu_trends_factors_clean.csv",
            "https://epoch.ai/blog/trends-in-gpu-price-performance",
        ],
        "source_repository": "https://github.com/epoch-research/timelines-direct-approach",
        "source_path": "data/gpu_trends_factors_clean.csv",
        "source_commit": "01ffd905204a2fa630d70d2ae1c4cfa2126add50",
        "licence": "Apache-2.0 (licence of the epoch-research/timelines-direct-approach "
        "repository); attribute Hobbhahn & Besiroglu (2022), Epoch AI",
        "citation": "Hobbhahn, M. & Besiroglu, T. (2022), 'Trends in GPU price-performance', "
        "Epoch AI, https://epoch.ai/blog/trends-in-gpu-price-performance",
        "notes": [
            "vintage = date of the last commit touching the raw file (f9bdda8, 2023-03-02); the "
            "data run 2005-11 .. 2021-03.",
            "Units: log10 of peak FP32 FLOP/s divided by the release price in inflation-adjusted "
            "2020 US dollars (raw columns FP32_flops / real_price_2020). General GPUs, not only "
            "ML accelerators.",
            "release_date is the raw `date` column without its constant 12:00:00 time.",
        ],
    },
    "ml_accelerators": {
        "reference_path": "epoch_ml_hardware_2026-04/ml_hardware.csv",
        "vintage": "2026-03-31",
        "title": "Data-centre ML accelerators: tensor FP16/BF16 FLOP/s per release-price dollar "
        "(Epoch AI 'Machine Learning Hardware')",
        "source_url": [
            "https://github.com/natepaulo43-oss/Capstone-AI-Capex-Wall/blob/"
            "efc5e00199e325df2a3832947e1a20c3dc25e5d7/data/ml_hardware.csv",
            "https://epoch.ai/data/machine-learning-hardware",
        ],
        "source_repository": "https://github.com/natepaulo43-oss/Capstone-AI-Capex-Wall",
        "source_path": "data/ml_hardware.csv",
        "source_commit": "efc5e00199e325df2a3832947e1a20c3dc25e5d7",
        "licence": _EPOCH_LICENCE,
        "citation": "Epoch AI (2026), 'Data on Machine Learning Hardware', "
        "https://epoch.ai/data/machine-learning-hardware",
        "notes": [
            "vintage = the newest `Last modified` of the export's rows (2026-03-31); the vendoring "
            "repository's commit touching the file is 73ab8a4 (2026-04-22).",
            "Units: log10 of `Tensor-FP16/BF16 performance (FLOP/s)` (dense, the precision "
            "frontier runs train at) divided by `Release price (USD)` (nominal list price at "
            "release; not inflation adjusted, which moves a 2017-2024 slope by ~0.01 OOM/yr).",
            "Not `Price-performance`: Epoch's column divides the highest-throughput format (FP8 "
            "on H100) by price and so mixes precisions.",
            "Data-centre parts only: consumer cards (name contains GeForce, Titan or Radeon RX) "
            "are dropped (named below); they are not used for frontier runs and form a second "
            "population ~0.5-1 OOM above data-centre parts per list dollar.",
        ],
    },
    "training_cost": {
        "reference_path": "epoch_training_cost_trends/model_costs_with_dates.csv",
        "vintage": "2025-07-04",
        "title": "Frontier training-run cost, amortized hardware capex + energy (Cottier et al. "
        "2024, Epoch)",
        "source_url": [
            "https://github.com/epoch-research/training-cost-trends/blob/"
            "263c40a159307e917213d1dc433c617e47d55bfe/model_costs.csv",
            "https://arxiv.org/abs/2405.21015",
        ],
        "source_repository": "https://github.com/epoch-research/training-cost-trends",
        "source_path": "model_costs.csv joined on Model with 'data/All ML Systems - full view.csv' "
        "(same commit) for publication dates",
        "source_commit": "263c40a159307e917213d1dc433c617e47d55bfe",
        "licence": "The repository has no licence file; its data are snapshots of Epoch AI's "
        "public databases, which Epoch publishes under CC BY 4.0: treat as CC BY 4.0 (Epoch AI) "
        "and cite the paper",
        "citation": "Cottier, B., Rahman, R., Fattorini, L., Maslej, N., Besiroglu, T. & Owen, D. "
        "(2024), 'The rising costs of training frontier AI models', arXiv:2405.21015",
        "notes": [
            "Raw file is DERIVED in the reference data: model_costs.csv (last commit e13599f, "
            "2025-07-04) left-joined to the same commit's All ML Systems table to add "
            "publication dates (0 unmatched). vintage = 2025-07-04.",
            "log10_cost_usd = log10(Hardware_Capex_Energy_Cost): amortized hardware capex + energy "
            "of the final training run, the paper's headline method. Currency: US dollars "
            "inflation-adjusted to 2024 (2024-12, PPI series PCU518210518210) as the generating "
            "notebooks do; inferred from the notebooks, not stated in the CSV.",
            "The paper's 2.4x/yr (90% CI 2.0-2.9) is 'since 2016' on data to early 2024; this "
            "table includes 2015-12 rows and models to 2025-04.",
        ],
    },
    "algorithmic_efficiency": {
        "reference_path": "openai_ai_and_efficiency_2020/efficiency_sota.csv",
        "vintage": "2020-05-05",
        "title": "Compute to reach fixed benchmark levels over time (Hernandez & Brown 2020, "
        "'AI and Efficiency')",
        "source_url": [
            "https://github.com/openai/ai-and-efficiency/blob/"
            "1f280d11be9d3ef2b21f4f2317786233bda288ab/efficiency_sota.csv",
            "https://arxiv.org/abs/2005.04305",
        ],
        "source_repository": "https://github.com/openai/ai-and-efficiency",
        "source_path": "efficiency_sota.csv",
        "source_commit": "1f280d11be9d3ef2b21f4f2317786233bda288ab",
        "licence": "No licence file in the repository; 12 published numbers (facts) from the "
        "cited paper: cite Hernandez & Brown (2020)",
        "citation": "Hernandez, D. & Brown, T. B. (2020), 'Measuring the Algorithmic Efficiency "
        "of Neural Networks', arXiv:2005.04305",
        "notes": [
            "vintage = date of the last commit touching the raw file (4899cb1, 2020-05-05).",
            "Raw compute column is 'Compute (teraflops-s/days)': FLOP = value * 1e12 * 86400 "
            "(AlexNet 3.1 -> 2.68e17 FLOP, consistent with Epoch's 4.7e17 for AlexNet's full "
            "training; the reference PROVENANCE.md's 'petaflop/s-days' is a slip).",
            "series: alexnet_level / resnet50_level (ImageNet accuracy, domain vision), "
            "seq2seq_level / gnmt_level (WMT'14 En-Fr BLEU, domain translation).",
        ],
    },
    "imagenet_models": {
        "reference_path": "imagenet_algorithmic_progress_erdil_besiroglu/imagenet.csv",
        "vintage": "2022-12-07",
        "title": "ImageNet models: top-1 error, training compute, parameters, data (Erdil & "
        "Besiroglu 2022)",
        "source_url": [
            "https://github.com/Besiroglu/computer_vision_data/blob/"
            "32a1108c4b013ef255ebfb3d6f451b12ccc7c2ec/imagenet.csv",
            "https://epoch.ai/blog/revisiting-algorithmic-progress",
            "https://arxiv.org/abs/2212.05153",
        ],
        "source_repository": "https://github.com/Besiroglu/computer_vision_data",
        "source_path": "imagenet.csv",
        "source_commit": "32a1108c4b013ef255ebfb3d6f451b12ccc7c2ec",
        "licence": "No licence file or statement in the repository (linked as source code from "
        "Epoch's blog post); Epoch's research output is generally CC BY: cite Erdil & Besiroglu "
        "(2022) and confirm reuse terms before redistributing",
        "citation": "Erdil, E. & Besiroglu, T. (2022), 'Algorithmic progress in computer vision', "
        "arXiv:2212.05153",
        "notes": [
            "vintage = date of the last commit touching the raw file (62aeae7, 2022-12-07).",
            "Sample as in the paper's model (Epoch lm-algorithmic-progress section3.ipynb): "
            "reimplementation == 0, final_compute_estimate and parameter_count present, "
            "excluding GreedyNAS-B, NASNet-A and AmoebaNet-A.",
            "Units: top1_error_pct in percent; log10_flop = log10(final_compute_estimate FLOP); "
            "log10_params = log10(parameter_count); log10_training_images = "
            "log10(nr_training_images); extra_data 1 = trained with data beyond ImageNet-1k.",
        ],
    },
    "published_estimates": {
        "reference_path": None,  # hand-entered: scripts/published_estimates_source.csv
        "vintage": "2026-11-28",
        "title": "Published summary estimates used as likelihood terms (hand-entered)",
        "source_url": [
            "https://arxiv.org/abs/2403.05812",
            "https://epoch.ai/data-insights/llm-inference-price-trends",
        ],
        "source_repository": "this repository (oomcast), hand-entered",
        "source_path": "scripts/published_estimates_source.csv",
        "source_commit": "n/a: hand-entered file in this repository, identified by raw_sha256",
        "licence": "Numbers (facts) from the cited publications; cite each publication",
        "citation": "Ho, A., Besiroglu, T., Erdil, E., Owen, D., Rahman, R., Guo, Z. C., "
        "Atkinson, D., Thompson, N. & Sevilla, J. (2024), 'Algorithmic progress in language "
        "models', arXiv:2403.05812; Epoch AI (2025-03-12), 'LLM inference prices have fallen "
        "rapidly but unequally across tasks', https://epoch.ai/data-insights/"
        "llm-inference-price-trends",
        "notes": [
            "vintage = date the numbers were entered from the publications.",
            "ho2024_lm_halving: compute needed for fixed language-model performance halves every "
            "~8 months, 95% CI 5-14 months (arXiv:2403.05812). The NeurIPS version's text gives a "
            "90% CI of roughly 2-22 months; the arXiv 95% interval is the one entered.",
            "The Ho et al. dataset is not public in any repository, so the published estimate is "
            "used as a summary likelihood.",
            "epoch2025_inference_price_decline: the price of LLM inference at fixed capability "
            "fell ~40x/yr to GPT-4 level on GPQA Diamond, 9x-900x/yr across benchmarks and "
            "thresholds (Epoch AI data insight, 2025-03-12; data and results in "
            "github.com/epoch-research/llm-benchmark-efficiency, commit 34b92331). The 9x-900x "
            "spread is across thresholds, not a confidence interval; it is entered as a 90% range "
            "because its width (2.0 OOM/yr) matches the 90% CI of the GPQA GPT-4-level fit itself "
            "(42x/yr, [4.4, 401]: 1.96 OOM/yr; lowest_price_models_results.csv). Used only by "
            "scenarios with settings.use_inference_price_stream = true (model/build.py), as weak "
            "evidence on algorithmic progress net of hardware: prices also move with margins, "
            "distillation and inference-only optimisations. The raw per-model price data were not "
            "curated: n = 4-9 models per threshold and partly Artificial Analysis data of unclear "
            "reuse terms.",
        ],
    },
    "capability_time_horizon": {
        "reference_path": "metr_time_horizons_2026-01/benchmark_results_1_1.yaml",
        "vintage": "2026-01-30",
        "title": "METR task-completion time horizons, suite METR-Horizon-v1.1 (50% horizon, "
        "minutes of expert time)",
        "source_url": [
            "https://github.com/IAPS-AI/METR-Time-Horizons/blob/"
            "0ce992b/benchmark_results_1_1.yaml",
            "https://metr.org/assets/benchmark_results_1_1.yaml",
        ],
        "source_repository": "https://github.com/IAPS-AI/METR-Time-Horizons",
        "source_path": "benchmark_results_1_1.yaml",
        "source_commit": "0ce992b",
        "licence": "METR publishes the result files openly; METR's analysis code "
        "(METR/eval-analysis-public) is MIT. Cite Kwa et al. 2025 and the Time Horizon 1.1 post.",
        "citation": "Kwa, T. et al. (2025), 'Measuring AI Ability to Complete Long Tasks', "
        "arXiv:2503.14499; METR (2026-01-29), 'Time Horizon 1.1'",
        "notes": [
            "Raw file: METR's live benchmark_results_1_1.yaml as fetched 2026-01-30 by "
            "IAPS-AI/METR-Time-Horizons (commit 94131bb; vendored at 0ce992b). YAML, read with "
            "yaml.safe_load (data only).",
            "One suite version only (v1.1): the same model has different horizons in v1.0 and "
            "v1.1 (GPT-4 5.35 vs 3.53 min), so versions are never mixed. The three oldest rows "
            "(gpt2, davinci_002, gpt_3_5_turbo_instruct) are v1.0 measurements that METR carries "
            "into its v1.1 file: kept, flagged carried_from_v1_0 = 1.",
            "log10_p50_horizon_sd = (log10 ci_high - log10 ci_low) / 3.92: METR's bootstrap 95% "
            "interval read as a normal interval on the log10 scale (the intervals are roughly "
            "symmetric in log; e.g. Claude Opus 4.5 320 min, 95% CI 170-729).",
            "is_sota is METR's flag; the model fits only is_sota rows (frontier models, whose "
            "horizon it ties to the largest run's effective compute at the release date). "
            "Release date is not evaluation date; the scaffold is part of the measurement. METR "
            "states horizons above ~16 hours are unreliable on this suite (none here).",
        ],
    },
    "capability_eci": {
        "reference_path": "epoch_capabilities_index_2026-04/epoch_capabilities_index.csv",
        "vintage": "2026-04-08",
        "title": "Epoch Capabilities Index (ECI) of models with known training compute",
        "source_url": [
            "https://github.com/peterhurford/metr_graph/blob/dde102f/"
            "epoch_capabilities_index.csv",
            "https://epoch.ai/benchmarks/eci",
        ],
        "source_repository": "https://github.com/peterhurford/metr_graph",
        "source_path": "epoch_capabilities_index.csv",
        "source_commit": "dde102f",
        "licence": _EPOCH_LICENCE + "; the vendoring repository has no licence and only copies "
        "Epoch's export: attribute Epoch AI",
        "citation": "Epoch AI, 'Epoch Capabilities Index', Benchmarking Hub "
        "(export with rows to 2026-04-08)",
        "notes": [
            "Kept: rows with an ECI score, a release date and a training-compute estimate. "
            "Compute is mostly known for open-weight models, not for the closed frontier "
            "(Claude, Gemini): missingness is not at random, so this table estimates the "
            "score-compute relation and LLM algorithmic progress, not the frontier's level.",
            "De-duplication: one row per `Model name` (reasoning-effort settings and providers "
            "repeat a model): the highest score, then the earliest release date, then the first "
            "raw row.",
            "Rows marked `*` in `Display name` or labelled `Unverified` are preliminary and "
            "dropped. confidence is Epoch's compute label (blank -> Unknown).",
            "Compute values may be a different vintage from the notable-models export (GPT-4.5 "
            "3.8e26 here, 2.1e26 in the 2025-11 notable-models file).",
        ],
    },
}

# SHA-256 of the reference snapshots (../shared/reference-data) these SOURCES describe.
# published_estimates is hand-entered in this repository (None: any version is accepted).
REFERENCE_SHA256: dict[str, str | None] = {
    "frontier_compute": "f21737d09217c087416112c28013738838ab1ea76991497afc5923f043f2a5bf",
    "hardware_price_performance": (
        "eebcb715a9d2bcbf8c54b0c5ff74082f88f06516b64ffff02558fff5840773b7"
    ),
    "ml_accelerators": "30acd66b825cab92f0a5e22170a14cddd1d264be96b647f8f2ea939b8528b89a",
    "training_cost": "c7a70c29ed6c7b8a7c59b465a7b46aa54a0344738640de0a7ebea2761c4c97fa",
    "algorithmic_efficiency": "d00e6a9123dbd7daf4c93c7ef3fe56efa64ae1e98cc1070a8d9c15897f0b956c",
    "imagenet_models": "39f3bc1d85613d17f3b56870ac9a2f9c7dd419a521dbdc84e4d33b411d05411e",
    "published_estimates": None,
    "capability_time_horizon": (
        "4f9096150c25553f0dedbc4bfaf172d821cd91897820118226f917f80bac8076"
    ),
    "capability_eci": "646f6e246ab9a0fa80749f0aeb76e7f127e5e2c5ee9444b01ffd570c604a74e0",
}


class CurationError(Exception):
    """The raw file cannot be curated (missing columns, unparseable values, bad options)."""


@dataclass
class Curated:
    stream: str
    raw_rows: int
    table: pd.DataFrame | None = None  # final columns, typed (float, datetime.date, bool, str)
    kept: int = 0
    dropped: list[tuple[str, int]] = field(default_factory=list)  # (reason, count)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_raw(path: Path) -> pd.DataFrame:
    """Read a raw CSV with every cell as text (blank = ''), so nothing is guessed."""
    try:
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
        )
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CurationError(f"{path}: cannot read raw CSV: {exc}") from None


def require_columns(raw: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise CurationError(f"{path}: raw file lacks column(s) {', '.join(missing)}")


def clean_text(value: str) -> str:
    """Collapse runs of whitespace (incl. line breaks) to one space and strip."""
    return " ".join(str(value).split())


def to_number(value: str) -> float:
    """Text -> float; NaN for blank, 'NA' or anything unparseable."""
    try:
        x = float(str(value).strip())
    except ValueError:
        return math.nan
    return x if math.isfinite(x) else math.nan


def parse_date(text: str, formats: tuple[str, ...]) -> dt.date | None:
    """First format that parses `text`; None if none does."""
    text = str(text).strip()
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def name_list(names: list[str], limit: int = 40) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def drop(cur: Curated, reason: str, names: list[str] | None = None, count: int | None = None):
    n = count if count is not None else len(names or [])
    cur.dropped.append((reason, n))
    if n and names is not None:
        cur.notes.append(f"Dropped {n} row(s): {reason}: {name_list(names)}.")
    elif n:
        cur.notes.append(f"Dropped {n} row(s): {reason}.")


def finish(cur: Curated, rows: list[dict], sort_by: list[str]) -> Curated:
    """Build the final table from row dicts (extra keys ignored), sorted stably by `sort_by`."""
    columns = SCHEMAS_COLUMNS[cur.stream]
    table = pd.DataFrame(rows, columns=columns)
    if sort_by and len(table):
        table = table.sort_values(sort_by, kind="mergesort").reset_index(drop=True)
    cur.table = table
    cur.kept = len(table)
    return cur


SCHEMAS_COLUMNS = {name: list(s.columns) for name, s in SCHEMAS.items()}


def new_curated(stream: str, raw: pd.DataFrame) -> Curated:
    return Curated(stream=stream, raw_rows=len(raw))


def dedupe(rows: list[dict], key: list[str]) -> tuple[list[dict], list[dict]]:
    """Keep the first row per key (in raw order); return (kept, dropped)."""
    seen: set = set()
    kept, dropped = [], []
    for row in rows:
        k = tuple(row[c] for c in key)
        if k in seen:
            dropped.append(row)
        else:
            seen.add(k)
            kept.append(row)
    return kept, dropped


# --------------------------------------------------------------------------------------------
# Streams
# --------------------------------------------------------------------------------------------

FRONTIER_START = dt.date(2010, 1, 1)


def curate_frontier_compute(raw: pd.DataFrame, path: Path) -> Curated:
    cols = [
        "Model",
        "Organization",
        "Publication date",
        "Training compute (FLOP)",
        "Confidence",
        "Frontier model",
    ]
    require_columns(raw, cols, path)
    cur = new_curated("frontier_compute", raw)
    flagged = raw["Frontier model"].map(lambda v: str(v).strip().lower() in ("true", "1", "yes"))
    drop(cur, "not flagged `Frontier model`", count=int((~flagged).sum()))
    rows, no_date, early, no_compute = [], [], [], []
    for _, r in raw[flagged].iterrows():
        model = clean_text(r["Model"])
        date = parse_date(r["Publication date"], ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"))
        if date is None:
            no_date.append(model)
            continue
        if date < FRONTIER_START:
            early.append(model)
            continue
        flop = to_number(r["Training compute (FLOP)"])
        if not flop > 0:
            no_compute.append(f"{model} ({date.isoformat()})")
            continue
        conf = clean_text(r["Confidence"]) or "Unknown"
        rows.append(
            {
                "model": model,
                "organization": clean_text(r["Organization"]),
                "publication_date": date,
                "year_decimal": decimal_year(date),
                "log10_flop": math.log10(flop),
                "confidence": conf,
            }
        )
    drop(cur, "frontier-flagged but no parseable publication date", no_date)
    drop(
        cur, f"frontier-flagged but published before {FRONTIER_START.isoformat()}", count=len(early)
    )
    drop(
        cur,
        "frontier-flagged, published since 2010, but no numeric training compute "
        "(missingness is not at random: these are large closed models whose compute Epoch "
        "has not estimated; a fit on the remaining rows may understate the frontier)",
        no_compute,
    )
    rows, dups = dedupe(rows, ["model"])
    drop(cur, "repeated model name (first row kept)", [d["model"] for d in dups])
    last_flag = max(
        (
            d
            for d in (parse_date(v, ("%Y-%m-%d",)) for v in raw.loc[flagged, "Publication date"])
            if d is not None
        ),
        default=None,
    )
    if last_flag is not None:
        later = raw["Publication date"].map(
            lambda v: (d := parse_date(v, ("%Y-%m-%d",))) is not None and d > last_flag
        )
        n_later = int(later.sum())
        n_later_nocomp = int(
            (later & raw["Training compute (FLOP)"].map(lambda v: not to_number(v) > 0)).sum()
        )
        cur.notes.append(
            f"The latest frontier-flagged row is dated {last_flag.isoformat()}; {n_later} notable "
            f"models published after it carry no frontier flag ({n_later_nocomp} of them have no "
            "compute estimate), so the flag lags the export date."
        )
    counts = pd.Series([r["confidence"] for r in rows]).value_counts()
    cur.notes.append(
        "confidence counts: "
        + ", ".join(
            f"{k} {int(counts.get(k, 0))}"
            for k in SCHEMAS["frontier_compute"].columns["confidence"].allowed
        )
    )
    return finish(cur, rows, ["publication_date", "model"])


def curate_hardware_price_performance(raw: pd.DataFrame, path: Path) -> Curated:
    require_columns(raw, ["product", "date", "FP32_flops", "real_price_2020"], path)
    cur = new_curated("hardware_price_performance", raw)
    rows, no_flops, no_price, no_date = [], 0, 0, []
    for _, r in raw.iterrows():
        product = clean_text(r["product"])
        flops = to_number(r["FP32_flops"])
        price = to_number(r["real_price_2020"])
        if not flops > 0:
            no_flops += 1
            continue
        if not price > 0:
            no_price += 1
            continue
        date = parse_date(r["date"], ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"))
        if date is None:
            no_date.append(product)
            continue
        rows.append(
            {
                "product": product,
                "release_date": date,
                "year_decimal": decimal_year(date),
                "log10_flop_per_s_per_usd": math.log10(flops / price),
                "_flops": flops,
                "_price": price,
            }
        )
    drop(cur, "FP32_flops missing or not > 0", count=no_flops)
    drop(cur, "real_price_2020 missing or not > 0 (no price)", count=no_price)
    drop(cur, "no parseable release date", no_date)
    rows, exact = dedupe(rows, ["product", "release_date", "_flops", "_price"])
    drop(
        cur,
        "exact repeat (same product, date, FP32_flops, real_price_2020)",
        [f"{d['product']} ({d['release_date'].isoformat()})" for d in exact],
    )
    first = {(r["product"], r["release_date"]): r for r in reversed(rows)}
    rows, conflict = dedupe(rows, ["product", "release_date"])
    drop(
        cur,
        "same product and release date as an earlier row but different FP32_flops or "
        "price (probably a memory/clock variant; first row kept)",
        [
            f"{d['product']} ({d['release_date'].isoformat()}: FP32 {d['_flops']:.4g} FLOP/s, "
            f"${d['_price']:.2f} vs kept FP32 "
            f"{first[(d['product'], d['release_date'])]['_flops']:.4g}, "
            f"${first[(d['product'], d['release_date'])]['_price']:.2f})"
            for d in conflict
        ],
    )
    return finish(cur, rows, ["release_date", "product"])


#: Name fragments of consumer cards (case-insensitive), dropped from ml_accelerators.
CONSUMER_NAME_PARTS = ("geforce", "titan", "radeon rx")


def curate_ml_accelerators(raw: pd.DataFrame, path: Path) -> Curated:
    price_col, flop_col = "Release price (USD)", "Tensor-FP16/BF16 performance (FLOP/s)"
    require_columns(raw, ["Hardware name", "Manufacturer", "Release date", price_col, flop_col],
                    path)
    cur = new_curated("ml_accelerators", raw)
    rows, no_flops, no_price, no_date, consumer = [], 0, 0, [], []
    for _, r in raw.iterrows():
        name = clean_text(r["Hardware name"])
        flops = to_number(r[flop_col])
        price = to_number(r[price_col])
        if not flops > 0:
            no_flops += 1
            continue
        if not price > 0:
            no_price += 1
            continue
        date = parse_date(r["Release date"], ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"))
        if date is None:
            no_date.append(name)
            continue
        if any(part in name.lower() for part in CONSUMER_NAME_PARTS):
            consumer.append(name)
            continue
        rows.append(
            {
                "hardware": name,
                "manufacturer": clean_text(r["Manufacturer"]),
                "release_date": date,
                "year_decimal": decimal_year(date),
                "log10_flop_per_s_per_usd": math.log10(flops / price),
            }
        )
    drop(cur, f"{flop_col} missing or not > 0", count=no_flops)
    drop(cur, f"{price_col} missing or not > 0 (no list price)", count=no_price)
    drop(cur, "no parseable release date", no_date)
    drop(cur, "consumer card (not a data-centre accelerator)", consumer)
    rows, dups = dedupe(rows, ["hardware"])
    drop(cur, "repeated hardware name (first row kept)", [d["hardware"] for d in dups])
    return finish(cur, rows, ["release_date", "hardware"])


def curate_training_cost(raw: pd.DataFrame, path: Path) -> Curated:
    require_columns(raw, ["Model", "Publication date", "Hardware_Capex_Energy_Cost"], path)
    cur = new_curated("training_cost", raw)
    rows, no_cost, no_date = [], [], []
    for _, r in raw.iterrows():
        model = clean_text(r["Model"])
        cost = to_number(r["Hardware_Capex_Energy_Cost"])
        if not cost > 0:
            no_cost.append(model)
            continue
        date = parse_date(r["Publication date"], ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"))
        if date is None:
            no_date.append(model)
            continue
        rows.append(
            {
                "model": model,
                "publication_date": date,
                "year_decimal": decimal_year(date),
                "log10_cost_usd": math.log10(cost),
            }
        )
    drop(cur, "Hardware_Capex_Energy_Cost missing or not > 0", no_cost)
    drop(cur, "no parseable publication date", no_date)
    rows, dups = dedupe(rows, ["model"])
    drop(cur, "repeated model name (first row kept)", [d["model"] for d in dups])
    n16 = sum(r["publication_date"] >= dt.date(2016, 1, 1) for r in rows)
    cur.notes.append(f"{n16} of {len(rows)} rows are dated 2016-01-01 or later.")
    return finish(cur, rows, ["publication_date", "model"])


EFFICIENCY_SERIES = {
    "AlexNet": ("alexnet_level", "vision"),
    "ResNet-50": ("resnet50_level", "vision"),
    "Seq2Seq": ("seq2seq_level", "translation"),
    "GNMT": ("gnmt_level", "translation"),
}
TFLOP_S_DAY = 1e12 * 86400.0  # FLOP in one teraflop/s-day
_ARXIV_ID = re.compile(r"arxiv\.org/abs/(\d{2})(\d{2})\.\d{4,5}", re.IGNORECASE)


def arxiv_corrected_date(date: dt.date, link: str) -> dt.date:
    """If `link` is an arXiv abstract whose YYMM has the same year as `date` but another month,
    return the date with the arXiv month (same day, clamped); otherwise `date` unchanged.
    A different year is an error: that needs a person to look."""
    m = _ARXIV_ID.search(str(link))
    if not m:
        return date
    year, month = 2000 + int(m.group(1)), int(m.group(2))
    if (year, month) == (date.year, date.month):
        return date
    if year != date.year:
        raise CurationError(f"date {date.isoformat()} and arXiv link {link} disagree on the year")
    day = min(date.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def curate_algorithmic_efficiency(raw: pd.DataFrame, path: Path) -> Curated:
    cols = [
        "Metric",
        "Publication Date",
        "Publication",
        "Publication link",
        "Compute (teraflops-s/days)",
    ]
    require_columns(raw, cols, path)
    cur = new_curated("algorithmic_efficiency", raw)
    rows, no_compute, fixed = [], [], []
    for i, r in raw.iterrows():
        metric = clean_text(r["Metric"])
        if metric not in EFFICIENCY_SERIES:
            raise CurationError(
                f"{path} raw row {i + 1}: unknown Metric {metric!r} (known: "
                f"{', '.join(EFFICIENCY_SERIES)}); extend EFFICIENCY_SERIES"
            )
        series, domain = EFFICIENCY_SERIES[metric]
        model = clean_text(r["Publication"])
        value = to_number(r["Compute (teraflops-s/days)"])
        if not value > 0:
            no_compute.append(model)
            continue
        raw_date = parse_date(r["Publication Date"], ("%m/%d/%Y", "%Y-%m-%d"))
        if raw_date is None:
            raise CurationError(
                f"{path} raw row {i + 1}: unparseable Publication Date {r['Publication Date']!r}"
            )
        date = arxiv_corrected_date(raw_date, r["Publication link"])
        if date != raw_date:
            fixed.append(f"{model} ({series}): raw {r['Publication Date']} -> {date.isoformat()}")
        rows.append(
            {
                "series": series,
                "domain": domain,
                "model": model,
                "publication_date": date,
                "year_decimal": decimal_year(date),
                "log10_flop": math.log10(value * TFLOP_S_DAY),
            }
        )
    drop(cur, "compute missing or not > 0", no_compute)
    if fixed:
        cur.notes.append(
            f"Corrected {len(fixed)} publication date(s) whose month contradicts the row's own "
            "arXiv identifier (YYMM) while the year agrees (the raw month is a data-entry slip, "
            "mostly 1); the raw day is kept: " + "; ".join(fixed) + "."
        )
    rows, dups = dedupe(rows, ["series", "model"])
    drop(cur, "repeated series + model (first row kept)", [d["model"] for d in dups])
    order = {s: k for k, (s, _) in enumerate(EFFICIENCY_SERIES.values())}
    table_rows = sorted(rows, key=lambda r: (order[r["series"]], r["publication_date"], r["model"]))
    return finish(cur, table_rows, [])


IMAGENET_EXCLUDED = ("GreedyNAS-B", "NASNet-A", "AmoebaNet-A")
IMAGENET_DATE_TOLERANCE_YEARS = 0.1


def imagenet_date(r: pd.Series, where: str) -> dt.date:
    """Publication date from mixed m/d/Y text, cross-checked with fractional_year (+1900).

    Candidates: the text read as m/d/Y, d/m/Y and Y-m-d, and the year/Month/Day columns; the one
    closest to fractional_year + 1900 is taken and must lie within 0.1 year of it."""
    frac = to_number(r["fractional_year"])
    if math.isnan(frac):
        raise CurationError(f"{where}: fractional_year {r['fractional_year']!r} is not a number")
    target = frac + 1900.0
    candidates = []
    for fmt in ("%m/%d/%Y", "%d/%m/%Y", "%Y-%m-%d"):
        d = parse_date(r["publication_date"], (fmt,))
        if d is not None:
            candidates.append(d)
    try:
        candidates.append(dt.date(int(r["year"]), int(r["Month"]), int(r["Day"])))
    except (ValueError, KeyError):
        pass
    if not candidates:
        raise CurationError(f"{where}: publication_date {r['publication_date']!r} does not parse")
    best = min(candidates, key=lambda d: (abs(decimal_year(d) - target), d))
    if abs(decimal_year(best) - target) > IMAGENET_DATE_TOLERANCE_YEARS:
        raise CurationError(
            f"{where}: publication_date {r['publication_date']!r} ({best.isoformat()}) is more "
            f"than {IMAGENET_DATE_TOLERANCE_YEARS} yr from fractional_year+1900 = {target:.2f}"
        )
    return best


def curate_imagenet_models(raw: pd.DataFrame, path: Path) -> Curated:
    cols = [
        "publication_date",
        "fractional_year",
        "model_name",
        "extra_data",
        "top_1_error",
        "final_compute_estimate",
        "nr_training_images",
        "parameter_count",
        "reimplementation",
    ]
    require_columns(raw, cols, path)
    cur = new_curated("imagenet_models", raw)
    rows, reimpl, no_compute, no_params, excluded, no_images, no_error = [], [], [], [], [], [], []
    max_gap = 0.0
    for i, r in raw.iterrows():
        model = clean_text(r["model_name"])
        where = f"{path} raw row {i + 1} ({model})"
        date = imagenet_date(r, where)
        max_gap = max(max_gap, abs(decimal_year(date) - (to_number(r["fractional_year"]) + 1900)))
        if to_number(r["reimplementation"]) != 0:
            reimpl.append(model)
            continue
        flop = to_number(r["final_compute_estimate"])
        params = to_number(r["parameter_count"])
        if not flop > 0:
            no_compute.append(model)
            continue
        if not params > 0:
            no_params.append(model)
            continue
        if model in IMAGENET_EXCLUDED:
            excluded.append(model)
            continue
        images = to_number(r["nr_training_images"])
        if not images > 0:
            no_images.append(model)
            continue
        err = to_number(r["top_1_error"])
        if not 0 < err < 100:
            no_error.append(model)
            continue
        extra = str(r["extra_data"]).strip()
        if extra not in ("0", "1"):
            raise CurationError(f"{where}: extra_data {extra!r} is not 0 or 1")
        rows.append(
            {
                "model": model,
                "publication_date": date,
                "year_decimal": decimal_year(date),
                "top1_error_pct": err,
                "log10_flop": math.log10(flop),
                "log10_params": math.log10(params),
                "log10_training_images": math.log10(images),
                "extra_data": extra == "1",
            }
        )
    drop(cur, "reimplementation (not 0)", reimpl)
    drop(cur, "no final_compute_estimate", no_compute)
    drop(cur, "no parameter_count", no_params)
    drop(cur, "excluded by the paper", excluded)
    drop(cur, "no nr_training_images", no_images)
    drop(cur, "top_1_error missing or outside (0, 100)", no_error)
    cur.notes.append(
        "publication_date has mixed m/d/Y text (zero-padded or not); each date was read as the "
        "candidate (m/d/Y, d/m/Y, Y-m-d, year/Month/Day columns) closest to fractional_year+1900 "
        f"(years since 1900); largest remaining gap {max_gap:.3f} yr (limit "
        f"{IMAGENET_DATE_TOLERANCE_YEARS})."
    )
    suspect = [r["model"] for r in rows if r["log10_params"] > 10.5 and r["log10_flop"] < 21]
    if suspect:
        cur.notes.append(
            "Kept unchanged although suspicious (parameter_count 8.1e10 where the base model has "
            "8.1e7, probably a typo in the source): " + ", ".join(suspect) + "."
        )
    rows, dups = dedupe(rows, ["model", "log10_flop"])
    drop(cur, "repeated model + compute (first row kept)", [d["model"] for d in dups])
    names = pd.Series([r["model"] for r in rows])
    shared = sorted(set(names[names.duplicated()]))
    if shared:
        cur.notes.append(
            "Model names appearing more than once (different input resolution or "
            "pre-training; distinct observations): " + ", ".join(shared) + "."
        )
    return finish(cur, rows, ["publication_date", "model", "log10_flop"])


def curate_published_estimates(raw: pd.DataFrame, path: Path) -> Curated:
    columns = SCHEMAS_COLUMNS["published_estimates"]
    require_columns(raw, columns, path)
    extra = [c for c in raw.columns if c not in columns]
    if extra:
        raise CurationError(f"{path}: unexpected column(s) {', '.join(extra)}")
    cur = new_curated("published_estimates", raw)
    rows = []
    for i, r in raw.iterrows():
        row = {}
        for c in columns:
            kind = SCHEMAS["published_estimates"].columns[c].kind
            if kind == "float":
                x = to_number(r[c])
                if math.isnan(x):
                    raise CurationError(
                        f"{path} line {i + 2}, column {c}: value {r[c]!r} is not a number"
                    )
                row[c] = x
            elif kind == "date":
                d = parse_date(r[c], ("%Y-%m-%d",))
                if d is None:
                    raise CurationError(
                        f"{path} line {i + 2}, column {c}: value {r[c]!r} is not a YYYY-MM-DD date"
                    )
                row[c] = d
            else:
                row[c] = clean_text(r[c])
        rows.append(row)
    return finish(cur, rows, [])


def read_metr_yaml(path: Path) -> pd.DataFrame:
    """METR's result YAML -> one text row per model key (yaml.safe_load: data only).

    Columns: model, benchmark_name, release_date, is_sota, p50_estimate, p50_ci_low,
    p50_ci_high (minutes), all as text, so the curator checks them like any raw CSV cell."""
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CurationError(f"{path}: cannot read raw YAML: {exc}") from None
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, dict) or not results:
        raise CurationError(f"{path}: no `results` mapping of models")
    rows = []
    for key, entry in results.items():
        entry = entry if isinstance(entry, dict) else {}
        metrics = entry.get("metrics") if isinstance(entry.get("metrics"), dict) else {}
        p50 = metrics.get("p50_horizon_length")
        p50 = p50 if isinstance(p50, dict) else {}
        rows.append({
            "model": str(key),
            "benchmark_name": str(entry.get("benchmark_name", "")),
            "release_date": str(entry.get("release_date", "")),
            "is_sota": str(metrics.get("is_sota", "")),
            "p50_estimate": str(p50.get("estimate", "")),
            "p50_ci_low": str(p50.get("ci_low", "")),
            "p50_ci_high": str(p50.get("ci_high", "")),
        })
    return pd.DataFrame(rows, dtype=str)


#: The METR suite version the time-horizon stream keeps (never mixed with another version).
METR_SUITE = "METR-Horizon-v1.1"
METR_CARRIED_SUITE = "METR-Horizon-v1.0"  # rows METR carries into its v1.1 file, flagged
Z_95 = 1.959964


def curate_capability_time_horizon(raw: pd.DataFrame, path: Path) -> Curated:
    require_columns(raw, ["model", "benchmark_name", "release_date", "is_sota", "p50_estimate",
                          "p50_ci_low", "p50_ci_high"], path)
    cur = new_curated("capability_time_horizon", raw)
    rows, other_suite = [], []
    for _, r in raw.iterrows():
        where = f"{path} model {r['model']!r}"
        if r["benchmark_name"] not in (METR_SUITE, METR_CARRIED_SUITE):
            other_suite.append(r["model"])
            continue
        date = parse_date(r["release_date"], ("%Y-%m-%d",))
        if date is None:
            raise CurationError(f"{where}: release_date {r['release_date']!r} is not YYYY-MM-DD")
        est, lo, hi = (to_number(r[c]) for c in ("p50_estimate", "p50_ci_low", "p50_ci_high"))
        if not (0 < lo < est < hi):
            raise CurationError(f"{where}: p50_horizon_length needs 0 < ci_low < estimate < "
                                f"ci_high, got {r['p50_ci_low']}, {r['p50_estimate']}, "
                                f"{r['p50_ci_high']}")
        sota = r["is_sota"].strip().lower()
        if sota not in ("true", "false"):
            raise CurationError(f"{where}: is_sota {r['is_sota']!r} is not true/false")
        rows.append({
            "model": r["model"],
            "release_date": date,
            "year_decimal": decimal_year(date),
            "log10_p50_horizon_minutes": math.log10(est),
            "log10_p50_horizon_sd": (math.log10(hi) - math.log10(lo)) / (2 * Z_95),
            "is_sota": sota == "true",
            "carried_from_v1_0": r["benchmark_name"] == METR_CARRIED_SUITE,
        })
    drop(cur, f"suite other than {METR_SUITE} (or v1.0 carried into it)", other_suite)
    carried = [r["model"] for r in rows if r["carried_from_v1_0"]]
    cur.notes.append(f"{len(carried)} row(s) carried from v1.0: {name_list(carried)}; "
                     f"{sum(r['is_sota'] for r in rows)} of {len(rows)} rows are is_sota.")
    return finish(cur, rows, ["release_date", "model"])


def curate_capability_eci(raw: pd.DataFrame, path: Path) -> Curated:
    cols = ["Model version", "ECI Score", "Release date", "Organization",
            "Training compute (FLOP)", "Confidence", "Model name", "Display name"]
    require_columns(raw, cols, path)
    cur = new_curated("capability_eci", raw)
    rows, no_score, no_date, no_compute, prelim = [], 0, 0, 0, []
    for i, r in raw.iterrows():
        score = to_number(r["ECI Score"])
        if math.isnan(score):
            no_score += 1
            continue
        date = parse_date(r["Release date"], ("%Y-%m-%d",))
        if date is None:
            no_date += 1
            continue
        flop = to_number(r["Training compute (FLOP)"])
        if not flop > 0:
            no_compute += 1
            continue
        conf = clean_text(r["Confidence"]) or "Unknown"
        if "*" in r["Display name"] or conf == "Unverified":
            prelim.append(clean_text(r["Model version"]))
            continue
        name = clean_text(r["Model name"]) or clean_text(r["Model version"])
        if conf not in SCHEMAS["capability_eci"].columns["confidence"].allowed:
            raise CurationError(f"{path} line {i + 2}, column Confidence: value "
                                f"{r['Confidence']!r} is not an Epoch label")
        rows.append({"model": name, "organization": clean_text(r["Organization"]),
                     "release_date": date, "year_decimal": decimal_year(date),
                     "eci_points": score, "log10_flop": math.log10(flop), "confidence": conf,
                     "raw_order": i})
    drop(cur, "no ECI score", count=no_score)
    drop(cur, "scored but no parseable release date", count=no_date)
    drop(cur, "scored and dated but no training compute (mostly closed frontier models: not "
         "missing at random)", count=no_compute)
    drop(cur, "preliminary (`*` in Display name or Unverified)", prelim)
    ranked = sorted(rows, key=lambda r: (r["model"], -r["eci_points"], r["release_date"],
                                         r["raw_order"]))
    rows, dups = dedupe(ranked, ["model"])
    drop(cur, "repeated model (kept: highest score, then earliest date, then first raw row)",
         count=len(dups))
    return finish(cur, rows, ["release_date", "model"])


#: Raw readers other than read_raw (CSV), by stream.
RAW_READERS = {"capability_time_horizon": read_metr_yaml}


CURATORS = {
    "frontier_compute": curate_frontier_compute,
    "hardware_price_performance": curate_hardware_price_performance,
    "ml_accelerators": curate_ml_accelerators,
    "training_cost": curate_training_cost,
    "algorithmic_efficiency": curate_algorithmic_efficiency,
    "imagenet_models": curate_imagenet_models,
    "published_estimates": curate_published_estimates,
    "capability_time_horizon": curate_capability_time_horizon,
    "capability_eci": curate_capability_eci,
}
assert tuple(CURATORS) == STREAMS


# --------------------------------------------------------------------------------------------
# Formatting, provenance, writing
# --------------------------------------------------------------------------------------------

FLOAT_FORMAT = {"published_estimates": "%.10g"}


def format_table(stream: str, table: pd.DataFrame) -> pd.DataFrame:
    """Typed table -> the exact text cells to be written."""
    schema = SCHEMAS[stream]
    fmt = FLOAT_FORMAT.get(stream, "%.6f")
    out = pd.DataFrame(index=table.index)
    for name, col in schema.columns.items():
        values = table[name].tolist()
        if col.kind == "float":
            out[name] = [
                "" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt % v
                for v in values
            ]
        elif col.kind == "date":
            out[name] = [v.isoformat() for v in values]
        elif col.kind == "bool":
            out[name] = ["1" if v else "0" for v in values]
        else:
            out[name] = ["" if v is None else str(v) for v in values]
    return out


def csv_bytes(text_table: pd.DataFrame) -> bytes:
    return text_table.to_csv(index=False, lineterminator="\n").encode("utf-8")


def check_iso_date(value: str, option: str) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise CurationError(f"{option} {value!r} is not a YYYY-MM-DD date") from None
    return value


@dataclass
class Output:
    stream: str
    csv: bytes
    provenance: bytes
    summary: str


def curate(
    stream: str,
    raw_path: Path,
    out_dir: Path,
    vintage: str | None = None,
    retrieved: str | None = None,
) -> Output:
    """Curate one stream in memory; validate; return the bytes to write (nothing is written)."""
    if stream not in CURATORS:
        raise CurationError(f"unknown stream {stream!r} (known: {', '.join(STREAMS)})")
    raw_path = Path(raw_path)
    try:
        raw_data = raw_path.read_bytes()
    except OSError as exc:
        raise CurationError(f"{raw_path}: cannot read: {exc}") from None
    raw_sha = sha256_bytes(raw_data)
    meta = SOURCES[stream]
    ref_sha = REFERENCE_SHA256[stream]
    is_reference = ref_sha is None or raw_sha == ref_sha
    if not is_reference and vintage is None:
        raise CurationError(
            f"{raw_path} is not the reference snapshot for {stream} (sha256 {raw_sha[:12]}...): "
            "pass --vintage YYYY-MM-DD (the export's date)"
        )
    vintage = check_iso_date(vintage or meta["vintage"], "--vintage")
    if retrieved is None:
        retrieved = RETRIEVED if is_reference else dt.date.today().isoformat()
    retrieved = check_iso_date(retrieved, "--retrieved")

    raw = RAW_READERS.get(stream, read_raw)(raw_path)
    cur = CURATORS[stream](raw, raw_path)
    text = format_table(stream, cur.table)
    out_path = out_dir / f"{stream}.csv"
    try:
        validate_table(stream, text, f"{out_path} (curated from {raw_path})")
    except DataError as exc:
        raise CurationError(str(exc)) from None
    data = csv_bytes(text)
    # Round trip: what is written must read back identically.
    from io import BytesIO

    back = pd.read_csv(BytesIO(data), dtype=str, keep_default_na=False, na_filter=False)
    if not back.equals(text.reset_index(drop=True)):
        raise CurationError(f"{out_path}: written CSV does not read back identically")

    notes = list(meta["notes"])
    if not is_reference:
        notes.insert(
            0,
            f"Curated from a user-supplied raw file {raw_path.name!r} that differs "
            "from the reference snapshot; source_commit is therefore unknown.",
        )
    notes.append(f"Raw rows: {cur.raw_rows}; kept: {cur.kept}.")
    notes.extend(cur.notes)
    prov = {
        "title": meta["title"],
        "source_url": meta["source_url"],
        "source_repository": meta["source_repository"],
        "source_path": meta["source_path"],
        "source_commit": meta["source_commit"]
        if is_reference
        else "unknown: user-supplied export, identified by raw_sha256",
        "licence": meta["licence"],
        "citation": meta["citation"],
        "vintage": vintage,
        "retrieved": retrieved,
        "raw_file": raw_path.name,
        "raw_sha256": raw_sha,
        "curated_sha256": sha256_bytes(data),
        "rows": cur.kept,
        "columns": list(text.columns),
        "curation_notes": notes,
        "curated_by": CURATED_BY,
    }
    prov_bytes = (json.dumps(prov, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    reasons = "; ".join(f"{n} {reason.split(' (')[0]}" for reason, n in cur.dropped if n)
    summary = f"{stream}: kept {cur.kept} of {cur.raw_rows} raw rows" + (
        f"; dropped {reasons}" if reasons else "; dropped none"
    )
    return Output(stream, data, prov_bytes, summary)


def write_outputs(outputs: list[Output], out_dir: Path) -> None:
    """Write every file to a temporary name in out_dir, then os.replace them all."""
    out_dir.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    staged: list[tuple[str, Path]] = []
    try:
        for o in outputs:
            for final, data in (
                (f"{o.stream}.csv", o.csv),
                (f"{o.stream}.provenance.json", o.provenance),
            ):
                fd, tmp = tempfile.mkstemp(prefix=f".{final}.", suffix=".tmp", dir=out_dir)
                os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual mode
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                staged.append((tmp, out_dir / final))
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)


def reference_raw_path(stream: str, reference_dir: Path) -> Path:
    rel = SOURCES[stream]["reference_path"]
    return PUBLISHED_SOURCE if rel is None else reference_dir / rel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stream", choices=[*STREAMS, "all"])
    parser.add_argument("raw_path", nargs="?", type=Path, help="raw export file (not with `all`)")
    parser.add_argument("--reference-dir", type=Path, help="reference-data folder (with `all`)")
    parser.add_argument("--out-dir", type=Path, default=Path("data"))
    parser.add_argument("--vintage", help="YYYY-MM-DD date of the raw export")
    parser.add_argument("--retrieved", help="YYYY-MM-DD date the raw export was retrieved")
    args = parser.parse_args(argv)
    try:
        if args.stream == "all":
            if args.raw_path is not None or args.reference_dir is None:
                raise CurationError("`all` takes --reference-dir and no RAW_PATH")
            if args.vintage or args.retrieved:
                raise CurationError("--vintage/--retrieved apply to one stream, not `all`")
            jobs = [(s, reference_raw_path(s, args.reference_dir)) for s in STREAMS]
        else:
            if args.raw_path is None:
                raise CurationError(f"{args.stream} needs RAW_PATH")
            jobs = [(args.stream, args.raw_path)]
        outputs = [curate(s, p, args.out_dir, args.vintage, args.retrieved) for s, p in jobs]
        write_outputs(outputs, args.out_dir)
    except CurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for o in outputs:
        print(f"{o.summary} -> {args.out_dir / (o.stream + '.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
