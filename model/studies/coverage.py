"""Rolling-origin coverage of a backtest: the later rows of several cutoffs pooled per stream,
with an uncertainty that respects how few independent checks they are.

A backtest at cutoff c scores every row dated after c (model/studies/backtest.py). One cutoff
gives a few years of rows whose misses are correlated: rows of one calendar year share that
year's departure from the trend (a level shift of the whole field), and a later cutoff scores
the same calendar years again. So neither the rows nor the (cutoff, row) pairs are independent;
the calendar year of the row is the unit of evidence.

For stream s, cutoffs c_1..c_K and their later rows r (calendar year y(r) = floor(t_r), lead
h(r) = t_r - c(r)), with I_q(r) = 1 if the row lies inside the central q predictive interval:

    pooled coverage      cov_q = sum_r I_q(r) / n                       (n = rows over all cutoffs)
    pooled mean PIT      mean_r PIT(r)
    block bootstrap      draw Y calendar years with replacement from the stream's Y distinct
                         years (multinomial counts k_y); cov_q* = sum_y k_y H_q,y / sum_y k_y N_y
                         with N_y, H_q,y the rows and hits of year y over every cutoff

and the reported interval is the central `INTERVAL_PROBS` [90%] range of cov_q* over
`BOOTSTRAP_DRAWS` resamples (percentile interval). With Y years the resolution is coarse: a stream
with Y < `MIN_YEARS_FOR_INTERVAL` gets no interval (None), only its counts. By lead time the rows
are also split into `LEAD_BINS_YEARS` (0-1, 1-2, 2-3, >= 3 years after the cutoff), where a trend
forecast that misses a persistent shift loses coverage as h grows.
"""

from __future__ import annotations

import numpy as np

from model.summary import INTERVAL_PROBS

#: Bootstrap resamples of calendar years.
BOOTSTRAP_DRAWS = 4000
#: Probability of the bootstrap interval around each pooled coverage.
BOOTSTRAP_INTERVAL_PROB = 0.9
#: Fewer distinct calendar years than this: no bootstrap interval (it would be degenerate).
MIN_YEARS_FOR_INTERVAL = 3
#: Lead-time bins (years after the cutoff), lower edges inclusive.
LEAD_BINS_YEARS = ((0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, np.inf))


def year_blocks(year, hits) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct calendar years floor(t), rows per year N_y, hits per year H_y)."""
    years, idx = np.unique(np.floor(np.asarray(year, dtype=float)), return_inverse=True)
    n_y = np.bincount(idx, minlength=years.size).astype(float)
    h_y = np.bincount(idx, weights=np.asarray(hits, dtype=float), minlength=years.size)
    return years.astype(int), n_y, h_y


def block_bootstrap_interval(year, hits, rng: np.random.Generator,
                             draws: int = BOOTSTRAP_DRAWS,
                             prob: float = BOOTSTRAP_INTERVAL_PROB) -> tuple[float, float] | None:
    """Percentile interval of sum_y k_y H_y / sum_y k_y N_y, k ~ Multinomial(Y, 1/Y) (module
    docstring); None when the rows span fewer than MIN_YEARS_FOR_INTERVAL calendar years."""
    years, n_y, h_y = year_blocks(year, hits)
    if years.size < MIN_YEARS_FOR_INTERVAL:
        return None
    k = rng.multinomial(years.size, np.full(years.size, 1.0 / years.size), size=draws)
    stat = (k @ h_y) / (k @ n_y)
    lo, hi = np.quantile(stat, [(1 - prob) / 2, (1 + prob) / 2])
    return float(lo), float(hi)


def pooled_stream_coverage(records: list[dict], rng: np.random.Generator) -> dict:
    """One stream's rows over every cutoff -> pooled coverage, mean PIT, bootstrap intervals,
    and coverage by lead time. Each record: {"cutoff", "year", "pit", "in_50", "in_80", "in_90"}
    (arrays over that cutoff's later rows)."""
    year = np.concatenate([r["year"] for r in records]).astype(float)
    lead = np.concatenate([np.asarray(r["year"], dtype=float) - r["cutoff"] for r in records])
    pit = np.concatenate([r["pit"] for r in records]).astype(float)
    years = np.unique(np.floor(year)).astype(int)
    out = {"n_rows": int(year.size), "n_cutoffs": len(records),
           "cutoffs": [round(float(r["cutoff"]), 2) for r in records],
           "n_calendar_years": int(years.size), "calendar_years": years.tolist()}
    for q in INTERVAL_PROBS:
        pct = int(q * 100)
        hits = np.concatenate([r[f"in_{pct}"] for r in records]).astype(float)
        out[f"coverage_{pct}"] = round(float(hits.mean()), 3)
        ci = block_bootstrap_interval(year, hits, rng)
        out[f"coverage_{pct}_interval"] = None if ci is None else [round(x, 3) for x in ci]
        out[f"coverage_{pct}_by_lead"] = _by_lead(lead, hits)
    out["mean_pit"] = round(float(pit.mean()), 3)
    ci = block_bootstrap_interval(year, pit, rng)
    out["mean_pit_interval"] = None if ci is None else [round(x, 3) for x in ci]
    out["share_pit_above_0.9"] = round(float(np.mean(pit > 0.9)), 3)
    return out


def _by_lead(lead: np.ndarray, hits: np.ndarray) -> list[dict]:
    rows = []
    for lo, hi in LEAD_BINS_YEARS:
        keep = (lead >= lo) & (lead < hi)
        if keep.any():
            rows.append({"lead_years": [lo, None if np.isinf(hi) else hi],
                         "n": int(keep.sum()), "coverage": round(float(hits[keep].mean()), 3)})
    return rows


def pooled_coverage(per_stream: dict[str, list[dict]], seed: int) -> dict[str, dict]:
    """pooled_stream_coverage for every stream with rows, one generator (reproducible)."""
    rng = np.random.default_rng([seed, 11])
    return {stream: pooled_stream_coverage(records, rng)
            for stream, records in per_stream.items() if records}


def format_pooled_table(pooled: dict[str, dict]) -> str:
    """One line per stream: rows, cutoffs, calendar years, coverage (90% bootstrap interval)."""
    def cell(row, pct):
        ci = row[f"coverage_{pct}_interval"]
        c = row[f"coverage_{pct}"]
        return f"{c:.2f}" + (f" ({ci[0]:.2f}-{ci[1]:.2f})" if ci else " (n/a)")

    head = (f"{'stream (pooled over cutoffs)':28s} {'rows':>4} {'years':>5} "
            f"{'cov50 (90% CI)':>17} {'cov80 (90% CI)':>17} {'cov90 (90% CI)':>17} {'meanPIT':>7}")
    lines = [head]
    for stream, row in pooled.items():
        lines.append(f"{stream:28s} {row['n_rows']:4d} {row['n_calendar_years']:5d} "
                     + " ".join(f"{cell(row, int(q * 100)):>17s}" for q in INTERVAL_PROBS)
                     + f" {row['mean_pit']:7.2f}")
    lines.append("intervals: block bootstrap over the rows' calendar years (model/studies/"
                 "coverage.py); n/a: fewer than "
                 f"{MIN_YEARS_FOR_INTERVAL} distinct years")
    return "\n".join(lines)
