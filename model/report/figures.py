"""Figures of a run: the arrival distribution and the effective-compute fan chart.

Each function takes plain arrays and a `caption` (provenance line) and writes one PNG; nothing
here samples or fits. The projection (model/projection.py) supplies the trajectories.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from model.summary import INTERVAL_PROBS, REPORT_YEARS  # noqa: E402

BLUE = "#1f4e79"
ORANGE = "#c55a11"
GREY = "#595959"
CONFIDENCE_COLOURS = {"Confident": "#222222", "Likely": "#6f6f6f", "Speculative": "#b0b0b0",
                      "Unknown": "#d9d9d9"}


def _caption(fig, caption: str) -> None:
    fig.text(0.01, 0.005, caption, fontsize=7, color=GREY, ha="left", va="bottom", wrap=True)


def arrival_figure(arrival_years: np.ndarray, summary: dict, cutoff_year: float,
                   horizon_year: float, title: str, caption: str, path: Path) -> None:
    """CDF (top) and density per year (bottom) of the arrival year, intervals shaded."""
    x = np.asarray(arrival_years, dtype=float).ravel()
    finite = np.sort(x[np.isfinite(x)])
    n = x.size
    fig, (ax_cdf, ax_pdf) = plt.subplots(2, 1, figsize=(9, 7.5), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 2]})
    xs = np.concatenate([[cutoff_year], finite, [horizon_year]])
    ys = np.concatenate([[0.0], np.arange(1, finite.size + 1) / n, [finite.size / n]])
    ax_cdf.step(xs, ys, where="post", color=BLUE, lw=2, label="P(AGI by year)")
    p_after = summary["p_after_horizon"]["p"]
    ax_cdf.axhline(1 - p_after, color=GREY, lw=0.8, ls=":")
    ax_cdf.text(horizon_year, 1 - p_after + 0.01,
                f"{p_after * 100:.0f}% after {horizon_year:.0f}", ha="right", va="bottom",
                fontsize=9, color=GREY)
    for year in REPORT_YEARS:
        entry = summary["p_by_year"][str(year)]
        ax_cdf.plot(year, entry["p"], "o", color=ORANGE, ms=4)
        ax_cdf.annotate(f"{entry['p'] * 100:.0f}%", (year, entry["p"]), textcoords="offset points",
                        xytext=(3, -12), fontsize=8, color=ORANGE)
    ax_cdf.set_ylim(0, 1)
    ax_cdf.set_ylabel("probability AGI has arrived")
    ax_cdf.grid(alpha=0.3)
    med = summary["median"]
    med_text = "after horizon" if med["after_horizon"] else f"{med['value']:.1f}"
    ax_cdf.set_title(f"{title}\nmedian {med_text}; dots: P(by {', '.join(map(str, REPORT_YEARS))})",
                     fontsize=11)

    bins = np.arange(np.floor(cutoff_year), horizon_year + 1.0, 1.0)
    weights = np.full(finite.size, 1.0 / n)
    ax_pdf.hist(finite, bins=bins, weights=weights, color=BLUE, alpha=0.75)
    counts, _ = np.histogram(finite, bins=bins, weights=weights)
    top = max(float(np.max(counts)) if counts.size else 0.0, 1e-3)
    for i, iv in enumerate(summary["intervals"]):
        lo, hi = iv["lower"], iv["upper"]
        if lo["after_horizon"]:
            continue
        hi_v = horizon_year if hi["after_horizon"] else hi["value"]
        y = top * (1.25 - 0.12 * i)
        ax_pdf.plot([lo["value"], hi_v], [y, y], color=ORANGE, lw=3 - 0.7 * i,
                    solid_capstyle="butt")
        end = "after horizon" if hi["after_horizon"] else f"{hi_v:.0f}"
        ax_pdf.text(hi_v if not hi["after_horizon"] else horizon_year, y,
                    f"  {int(iv['prob'] * 100)}%: {lo['value']:.0f}–{end}",
                    va="center", ha="left" if not hi["after_horizon"] else "right",
                    fontsize=8, color=ORANGE,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5}
                    if hi["after_horizon"] else None)
    ax_pdf.set_ylim(0, top * 1.4)
    if not med["after_horizon"]:
        for ax in (ax_cdf, ax_pdf):
            ax.axvline(med["value"], color=ORANGE, lw=1.2, ls="--")
    ax_pdf.set_ylabel("probability per year")
    ax_pdf.set_xlabel("year AGI arrives (effective compute reaches the requirement)")
    ax_pdf.grid(alpha=0.3)
    ax_pdf.set_xlim(cutoff_year, horizon_year)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _caption(fig, caption)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def trajectory_figure(years: np.ndarray, paths: np.ndarray, cutoff_year: float,
                      points_year: np.ndarray, points_log10_flop: np.ndarray,
                      points_confidence: np.ndarray, requirement_draws: np.ndarray,
                      reference_year: float, title: str, caption: str, path: Path) -> None:
    """Fan chart of log10 effective compute with history and the requirement band.

    paths: (n, len(years)) draws of E(t); points: frontier models' compute moved to
    reference-year algorithms; requirement_draws: posterior draws of R (+inf = no path).
    """
    fig, ax = plt.subplots(figsize=(9, 6))
    for prob, alpha in zip(INTERVAL_PROBS[::-1], (0.15, 0.25, 0.4)):
        lo, hi = np.quantile(paths, [(1 - prob) / 2, 1 - (1 - prob) / 2], axis=0)
        ax.fill_between(years, lo, hi, color=BLUE, alpha=alpha, lw=0,
                        label=f"{int(prob * 100)}% band")
    ax.plot(years, np.median(paths, axis=0), color=BLUE, lw=2, label="median trajectory")
    r = requirement_draws[np.isfinite(requirement_draws)]
    if r.size:
        r25, r50, r75 = np.quantile(r, [0.25, 0.5, 0.75])
        ax.axhspan(r25, r75, color=ORANGE, alpha=0.18, lw=0,
                   label="requirement, 50% interval (posterior)")
        ax.axhline(r50, color=ORANGE, lw=1.5, ls="--", label="requirement, median")
    for label, colour in CONFIDENCE_COLOURS.items():
        sel = points_confidence == label
        if sel.any():
            ax.scatter(points_year[sel], points_log10_flop[sel], s=18, color=colour,
                       edgecolor="black", linewidth=0.3, zorder=3,
                       label=f"frontier model ({label} estimate)")
    ax.axvline(cutoff_year, color=GREY, lw=1, ls=":")
    ax.text(cutoff_year, ax.get_ylim()[0], " data cutoff", rotation=90, va="bottom",
            fontsize=8, color=GREY)
    ax.set_xlim(years[0], years[-1])
    ax.set_xlabel("year")
    ax.set_ylabel(f"log10 effective training FLOP (at {reference_year:g} algorithms)")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _caption(fig, caption)
    fig.savefig(path, dpi=120)
    plt.close(fig)
