"""Figures of the priors: densities per block, the prior fan chart, prior predictive checks.

Like model/report/figures.py, each function takes what it draws (distributions, arrays, the
prior predictive result) and a `caption` (provenance line) and writes one PNG; nothing is fitted.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from model.report.figures import (  # noqa: E402
    BLUE,
    GREY,
    ORANGE,
    _caption,
    draw_fan_and_requirement,
)

RED = "#b00020"


def _density(dist, n: int = 400):
    """(x, pdf) over the central 99.8% of a distribution; None for a point mass."""
    sp = dist.scipy()
    if sp is None:
        return None
    lo, hi = sp.ppf([0.001, 0.999])
    lo2, hi2 = dist.support()
    lo, hi = max(lo, lo2), min(hi, hi2)
    pad = 0.03 * (hi - lo)
    x = np.linspace(lo - pad if math.isinf(lo2) else lo, hi + pad if math.isinf(hi2) else hi, n)
    return x, sp.pdf(x)


def prior_block_figure(block: str, priors: list, title: str, caption: str, path: Path) -> None:
    """A grid of prior densities, one panel per prior of a block (`priors`: model Prior objects;
    a Fixed prior is drawn as a vertical line). The 5/50/95% quantiles are marked."""
    n = len(priors)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    # at least 7.5 in wide, so that a one-panel block still has room for its title and footer
    width = max(4.2 * cols, 7.5)
    fig, axes = plt.subplots(rows, cols, figsize=(width, 2.9 * rows + 1.0), squeeze=False)
    for ax, prior in zip(axes.ravel(), priors, strict=False):
        d = _density(prior.dist)
        if d is None:
            v = prior.dist.value
            half = max(0.2 * abs(v), 0.01)
            ax.axvline(v, color=BLUE, lw=2.5)
            ax.set_xlim(v - half, v + half)
            ax.set_yticks([])
            ax.text(0.53, 0.9, f"Fixed({v:g})", transform=ax.transAxes, ha="left",
                    fontsize=8, color=GREY)
        else:
            x, y = d
            ax.fill_between(x, y, color=BLUE, alpha=0.25, lw=0)
            ax.plot(x, y, color=BLUE, lw=1.5)
            for q, ls in zip(prior.dist.scipy().ppf([0.05, 0.5, 0.95]), (":", "--", ":"),
                             strict=True):
                ax.axvline(q, color=ORANGE, lw=1, ls=ls)
            ax.set_ylim(bottom=0)
            ax.set_yticks([])
        ax.set_title(prior.name, fontsize=8.5)
        ax.tick_params(labelsize=7.5)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    fig.suptitle(f"{title}\nblock '{block}': prior densities; orange: 5%, 50% (dashed), 95%",
                 fontsize=10)
    _save_with_footer(fig, caption, path)


def _save_with_footer(fig, caption: str, path: Path) -> None:
    """Lay out with room for the suptitle and the caption wrapped to the figure's width (at
    spaces only), save, close: nothing is cut at either edge."""
    import textwrap

    width, height = fig.get_figwidth(), fig.get_figheight()
    lines = textwrap.wrap(caption, width=int(width * 16), break_long_words=False,
                          break_on_hyphens=False) or [""]
    fig.tight_layout(rect=(0, (0.1 + 0.12 * len(lines)) / height, 1, 1 - 0.05 / height))
    _caption(fig, "\n".join(lines))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def requirement_figure(grid: np.ndarray, components: list[tuple[str, float, np.ndarray]],
                       mixture: np.ndarray, no_path_weight: float, reference_year: float,
                       title: str, caption: str, path: Path) -> None:
    """The requirement prior: each anchor's weighted density and the mixture, on one grid
    (log10 FLOP at reference-year algorithms)."""
    fig, ax = plt.subplots(figsize=(9, 5))
    colours = plt.cm.tab10(np.linspace(0, 1, 10))
    for i, (name, weight, dens) in enumerate(components):
        ax.plot(grid, weight * dens, color=colours[i % 10], lw=1.2,
                label=f"{name} (weight {weight:.3f})")
    ax.plot(grid, mixture, color="black", lw=2.2, label="mixture")
    ax.set_xlabel(f"requirement R, log10 FLOP at {reference_year:g} algorithms")
    ax.set_ylabel("density (weighted)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.set_title(f"{title}\n'no path' (R = +inf): {no_path_weight:.1%}", fontsize=10)
    ax.legend(fontsize=7.5, frameon=False)
    _save_with_footer(fig, caption, path)


def prior_trajectory_figure(years: np.ndarray, paths: np.ndarray, cutoff_year: float,
                            points_year: np.ndarray, points_log10_flop: np.ndarray,
                            requirement_draws: np.ndarray, reference_year: float, title: str,
                            caption: str, path: Path) -> None:
    """Fan chart of prior effective-compute paths, the frontier data (moved to reference-year
    algorithms with the prior median rate) and the prior requirement band."""
    fig, ax = plt.subplots(figsize=(9, 6))
    draw_fan_and_requirement(ax, years, paths, requirement_draws, band="prior band",
                             median="prior median path", requirement="prior")
    ax.scatter(points_year, points_log10_flop, s=12, color="black", zorder=3,
               label="frontier models (data, not conditioned on)")
    ax.axvline(cutoff_year, color=GREY, lw=1, ls=":")
    ax.text(cutoff_year, ax.get_ylim()[0], " start", rotation=90, va="bottom", fontsize=8,
            color=GREY)
    ax.set_xlim(years[0], years[-1])
    ax.set_xlabel("year")
    ax.set_ylabel(f"log10 effective training FLOP (at {reference_year:g} algorithms)")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _caption(fig, caption)
    fig.savefig(path, dpi=110)
    plt.close(fig)


_PANELS = (
    ("frontier_compute", "frontier compute", "frontier_year", "frontier_log10_flop",
     "log10 FLOP"),
    ("hardware", "GPU price-performance", "gpu_year", "gpu_log10_flop_per_s_per_usd",
     "log10 FLOP/s per USD"),
    ("accelerators", "accelerator price-performance (tensor FP16)", "accelerator_year",
     "accelerator_log10_flop_per_s_per_usd", "log10 FLOP/s per USD"),
    ("training_cost", "training cost", "cost_year", "training_log10_cost_usd", "log10 USD"),
    ("efficiency", "compute to fixed performance", "efficiency_year", "efficiency_log10_flop",
     "log10 FLOP"),
    ("imagenet", "ImageNet top-1 error", "imagenet_year", "imagenet_logit_top1_error",
     "logit error"),
)


def prior_predictive_figure(pp, title: str, caption: str, path: Path) -> None:
    """Each stream's observed data over its prior predictive 50% and 90% bands (per datum),
    and a last panel placing every observed statistic within its prior predictive draws."""
    fig, axes = plt.subplots(2, 4, figsize=(19, 8.5))
    # streams the scenario switches off (no rows) get no panel
    panels = [p for p in _PANELS if np.size(getattr(pp.observed, p[2]))]
    for ax in axes.ravel()[len(panels):-1]:
        ax.axis("off")
    for ax, (stream, label, xname, yname, units) in zip(axes.ravel(), panels, strict=False):
        x = np.asarray(getattr(pp.observed, xname), float)
        y = np.asarray(getattr(pp.observed, yname), float)
        sims = np.stack([np.asarray(getattr(s, yname), float) for s in pp.simulated])
        order = np.argsort(x, kind="stable")
        for prob, alpha in ((0.9, 0.2), (0.5, 0.35)):
            lo, hi = np.quantile(sims, [(1 - prob) / 2, 1 - (1 - prob) / 2], axis=0)
            ax.fill_between(x[order], lo[order], hi[order], color=BLUE, alpha=alpha, lw=0,
                            step="mid", label=f"prior predictive {int(prob * 100)}%")
        ax.scatter(x, y, s=10, color="black", zorder=3, label="observed")
        flagged = [c for c in pp.checks if c.in_tail and c.stream == stream]
        ax.set_title(label + ("  [prior-data conflict]" if flagged else ""), fontsize=10,
                     color=RED if flagged else "black")
        ax.set_ylabel(units, fontsize=8.5)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7.5, frameon=False, loc="upper left")

    ax = axes[1, 3]
    labels = [f"{c.stream} {c.statistic}" for c in pp.checks] + ["no AGI yet"]
    quantiles = [c.quantile for c in pp.checks] + [pp.p_no_agi_by_cutoff]
    tail = (1 - 0.99) / 2
    ypos = np.arange(len(labels))[::-1]
    ax.axvspan(0, tail, color=RED, alpha=0.15, lw=0)
    ax.axvspan(1 - tail, 1, color=RED, alpha=0.15, lw=0)
    colours = [RED if (q < tail or q > 1 - tail) else BLUE for q in quantiles[:-1]]
    colours.append(RED if quantiles[-1] < tail else BLUE)
    ax.scatter(quantiles, ypos, color=colours, zorder=3)
    ax.set_yticks(ypos, labels, fontsize=7.5)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("share of prior predictive draws <= observed\n(last row: P(no AGI yet), "
                  "observed = yes)", fontsize=8)
    ax.set_title("observed statistics within the prior predictive", fontsize=10)
    ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    _caption(fig, caption)
    fig.savefig(path, dpi=100)
    plt.close(fig)
