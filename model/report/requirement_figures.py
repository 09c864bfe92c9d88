"""Figures of the requirement: which anchor carries the arrival probability (anchors.png), and
how "no AGI yet" updates each anchor and the blend (requirement.png).

anchors.png stacks P(T <= y, anchor k | data) over calendar years (model/forecast.py
`arrival_cdf_by_anchor`, averaged over posterior draws): the stack's top is the headline CDF;
the hatched band at the top is P(no path | not yet, data), the mass that never arrives, and the
white gap between is "a path exists, but later than y". requirement.png draws, per anchor and
for the blend given a path, the prior and posterior densities of R (model/requirement_update.py)
and the "no path" mass as a stem on its own axis, never folded into a density. Plain arrays in,
one PNG out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.report.figures import BLUE, GREY, NARROW_WIDTH_IN, ORANGE, _finish, _fs, phone_aware, plt

#: One colour per anchor, in mixture order (tab10 without its grey), cycled if more.
ANCHOR_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                  "#bcbd22", "#17becf")


def _pretty(label: str) -> str:
    return label.replace("_", " ")


@phone_aware
def anchors_figure(grid_years: np.ndarray, cdf_by_anchor: np.ndarray, labels: list[str],
                   no_path_posterior: float, cutoff_year: float, title: str, caption: str,
                   path: Path, mark_year: float = 2030.0, narrow: bool = False) -> None:
    """cdf_by_anchor: (K, len(grid_years)) P(T <= y, anchor k | data) (posterior means)."""
    fig, ax = plt.subplots(figsize=(NARROW_WIDTH_IN, 7.4) if narrow else (10, 5.6))
    colours = [ANCHOR_COLOURS[k % len(ANCHOR_COLOURS)] for k in range(len(labels))]
    ax.stackplot(grid_years, cdf_by_anchor, colors=colours, alpha=0.85, lw=0,
                 labels=[_pretty(s) for s in labels])
    top = cdf_by_anchor.sum(axis=0)
    ax.plot(grid_years, top, color="black", lw=1.2, label="sum = P(AGI by year)")
    ax.fill_between(grid_years, 1.0 - no_path_posterior, 1.0, facecolor="white",
                    edgecolor=GREY, hatch="///", lw=0.0,
                    label=f"no path: never arrives ({no_path_posterior:.1%})")
    ax.axhline(1.0 - no_path_posterior, color=GREY, lw=0.8)
    if grid_years[0] <= mark_year <= grid_years[-1]:
        j = int(np.argmin(np.abs(grid_years - mark_year)))
        ax.axvline(mark_year, color=GREY, lw=0.8, ls=":")
        ax.annotate(f"P(by {mark_year:.0f}) = {top[j]:.1%}", (mark_year, top[j]),
                    xytext=(6, 6), textcoords="offset points", fontsize=_fs(narrow, 9),
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    ax.set_xlim(grid_years[0], grid_years[-1])
    ax.set_ylim(0, 1)
    ax.set_xlabel("year")
    ax.set_ylabel("P(AGI has arrived by year), split by anchor")
    ax.grid(alpha=0.3)
    gap = (top[-1] + 1.0 - no_path_posterior) / 2
    ax.text(grid_years[-1] - 0.01 * (grid_years[-1] - grid_years[0]), gap,
            "white: a path exists,\nbut AGI comes later", ha="right", va="center",
            fontsize=_fs(narrow, 8, 7), color=GREY)
    handles, names = ax.get_legend_handles_labels()
    order = [len(labels) + 1, len(labels), *range(len(labels) - 1, -1, -1)]  # as stacked
    handles, names = [handles[i] for i in order], [names[i] for i in order]
    if narrow:
        ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2,
                  frameon=False)
    else:
        ax.set_title(title, fontsize=11)
        ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                  fontsize=8.5)
    _finish(fig, caption, path, narrow)


def _density(grid: np.ndarray, cdf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mid = 0.5 * (grid[1:] + grid[:-1])
    return mid, np.diff(cdf) / np.diff(grid)


def _span(grid: np.ndarray, *cdfs: np.ndarray) -> tuple[float, float]:
    lo = min(np.interp(0.003, np.maximum.accumulate(c), grid) for c in cdfs)
    hi = max(np.interp(0.997, np.maximum.accumulate(c), grid) for c in cdfs)
    return lo, hi


@phone_aware
def requirement_figure(update, title: str, caption: str, path: Path,
                       narrow: bool = False) -> None:
    """update: a model.requirement_update.RequirementUpdate (anchors, then the blend)."""
    names = [*update.labels, "blend (given a path)"]
    cols = 2 if narrow else 3
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(NARROW_WIDTH_IN, 2.0 * rows + 1.3) if narrow
                             else (11, 2.5 * rows + 1.0), squeeze=False)
    e_now = update.e_now_median_log10_flop
    for i, (ax, name) in enumerate(zip(axes.ravel(), names, strict=False)):
        prior, post = update.prior_cdf[i], update.posterior_cdf[i]
        x, d_prior = _density(update.grid, prior)
        _, d_post = _density(update.grid, post)
        ax.plot(x, d_prior, color=GREY, lw=1.3, ls="--")
        ax.fill_between(x, d_post, color=BLUE, alpha=0.25, lw=0)
        ax.plot(x, d_post, color=BLUE, lw=1.6)
        ax.axvline(e_now, color=ORANGE, lw=1.0, ls=":")
        lo, hi = _span(update.grid, prior, post)
        ax.set_xlim(min(lo, e_now - 1), hi)
        ax.set_ylim(0, max(d_prior.max(), d_post.max()) * 1.15)
        ax.set_yticks([])
        ax.grid(alpha=0.3)
        w_prior, w_post = update.prior_weight[i], update.posterior_weight[i]
        weight = ("" if np.isnan(w_prior) else f"{w_prior:.1%} → ") + f"{w_post:.1%}"
        ax.set_title(f"{_pretty(name)}\nweight {weight}", fontsize=_fs(narrow, 9, 8))
        if i == len(names) - 1:
            mass = ax.twinx()
            x_stem = hi - 0.04 * (hi - lo)
            mass.vlines([x_stem], 0, [update.no_path_prior], color=GREY, lw=6, alpha=0.6)
            mass.vlines([x_stem - 0.03 * (hi - lo)], 0, [update.no_path_posterior], color=BLUE,
                        lw=6, alpha=0.8)
            top_mass = max(0.25, 2.5 * update.no_path_posterior)
            mass.set_ylim(0, top_mass)
            mass.set_ylabel("no path: mass", fontsize=_fs(narrow, 8, 7.5))
            mass.tick_params(labelsize=_fs(narrow, 7.5, 7))
            mass.text(x_stem, 0.97 * top_mass,
                      f"no path (bars)\n{update.no_path_prior:.0%} → "
                      f"{update.no_path_posterior:.1%}",
                      ha="right", va="top", fontsize=_fs(narrow, 7.5, 7), color=GREY,
                      bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("R, log10 effective FLOP", fontsize=_fs(narrow, 8, 7.5))
    handles = [plt.Line2D([], [], color=GREY, lw=1.3, ls="--", label="prior (before any data)"),
               plt.Line2D([], [], color=BLUE, lw=1.6, label="posterior (data and no AGI yet)"),
               plt.Line2D([], [], color=ORANGE, lw=1.0, ls=":",
                          label="effective compute today (median)")]
    fig.legend(handles=handles, loc="upper center", ncol=1 if narrow else 3, frameon=False,
               fontsize=_fs(narrow, 8.5, 7.5), bbox_to_anchor=(0.5, 1.0))
    if not narrow:
        fig.suptitle(title, fontsize=11, y=1 - 0.25 / fig.get_figheight(), va="top")
    _finish(fig, caption, path, narrow,
            top=1 - ((0.65 if narrow else 0.3) / fig.get_figheight()))


@phone_aware
def power_scaled_requirement_figure(years: np.ndarray, panels: list[dict], title: str,
                                    caption: str, path: Path, narrow: bool = False) -> None:
    """One panel per requirement component (oomcast sensitivity): the arrival CDF with that
    component power-scaled by each alpha. panels: dicts with `label`, `sensitivity` (CJS of the
    arrival year), and `curves`: dicts with `alpha`, `cdf` (on `years`), `median` (or None),
    `pareto_k`."""
    fig, axes = plt.subplots(len(panels), 1, squeeze=False, sharex=True,
                             figsize=(NARROW_WIDTH_IN, 3.3 * len(panels) + 1.0) if narrow
                             else (9, 3.2 * len(panels) + 0.9))
    cmap = plt.get_cmap("coolwarm")
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        alphas = [c["alpha"] for c in panel["curves"]]
        span = (min(alphas), max(alphas))
        for c in panel["curves"]:
            frac = 0.5 if span[0] == span[1] else (c["alpha"] - span[0]) / (span[1] - span[0])
            median = "after horizon" if c["median"] is None else f"{c['median']:.1f}"
            ax.plot(years, c["cdf"], color="black" if c["alpha"] == 1.0 else cmap(frac),
                    lw=2.0 if c["alpha"] == 1.0 else 1.4,
                    ls="-" if c["pareto_k"] <= 0.7 else "--",
                    label=f"α {c['alpha']:g}: median {median} (k̂ {c['pareto_k']:.2f})")
        ax.set_title(f"{panel['label']}: CJS of the arrival year {panel['sensitivity']:.3f}",
                     fontsize=_fs(narrow, 10, 8.5))
        ax.set_ylim(0, 1)
        ax.set_ylabel("P(AGI by year)")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=_fs(narrow, 8, 7), frameon=True, framealpha=0.9)
    axes[-1, 0].set_xlim(years[0], years[-1])
    axes[-1, 0].set_xlabel("year")
    if not narrow:
        fig.suptitle(title, fontsize=11)
    _finish(fig, caption, path, narrow)
