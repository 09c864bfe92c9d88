"""Figures of studies: power-scaled arrival (sensitivity), tornado and CDF overlays (sweeps,
`oomcast compare`).

Every curve is an arrival CDF on the year grid of model/forecast.py (the Rao-Blackwellised mean
of per-draw CDFs, importance-weighted where a study reweights), so a curve here is the same
estimate as the numbers in the tables. Each function writes one PNG; nothing here samples.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from model.report.figures import BLUE, GREY, ORANGE  # noqa: E402

CURVE_COLOURS = ("#c55a11", "#2e7d32", "#6a1b9a", "#00838f", "#8d6e63", "#ad1457", "#f9a825",
                 "#455a64")


def scenario_colour(scenario: str) -> str:
    """The same colour for a scenario in every figure and every call: a shipped preset gets its
    own colour by its place in the sorted preset list (7 presets, 8 colours), any other name a
    colour chosen by the CRC-32 of its name (stable across processes, unlike hash())."""
    import zlib

    from model.shipped import preset_names, shipped_dir

    presets = preset_names(shipped_dir("priors"))
    if scenario in presets and len(presets) <= len(CURVE_COLOURS):
        return CURVE_COLOURS[presets.index(scenario)]
    return CURVE_COLOURS[zlib.crc32(scenario.encode()) % len(CURVE_COLOURS)]


def _finish(fig, caption: str, path: Path, title: str | None = None) -> None:
    """Lay out (room for a figure title and the wrapped provenance caption), save, close."""
    import textwrap

    width, height = fig.get_figwidth(), fig.get_figheight()
    lines = textwrap.wrap(caption, width=int(width * 17), break_long_words=False,
                          break_on_hyphens=False) or [""]
    top = 1.0
    if title:
        top = 1.0 - 0.38 / height
        fig.suptitle(title, fontsize=11, y=1.0 - 0.12 / height, va="top")
    fig.tight_layout(rect=(0, (0.12 + 0.13 * len(lines)) / height, 1, top))
    fig.text(0.01, 0.06 / height, "\n".join(lines), fontsize=7, color=GREY, ha="left",
             va="bottom")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _cdf_axes(ax, cutoff_year: float, horizon_year: float) -> None:
    ax.set_xlim(cutoff_year, horizon_year)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.axvline(2030, color=GREY, lw=0.8, ls=":")


#: One marker per power-scaling alpha, so that near-identical CDFs stay distinguishable.
ALPHA_MARKERS = ("v", "^", "s", "D", "P", "X", "o")


def power_scaled_arrival_figure(grid: np.ndarray, curves: list[dict], bars: list[dict],
                                threshold: float, cutoff_year: float, horizon_year: float,
                                title: str, caption: str, path: Path, caveat: str = "") -> None:
    """Left: arrival CDF with the prior power-scaled by each alpha. Right: arrival-year
    sensitivity per component, the threshold dashed; `caveat` (what power-scaling cannot see)
    is written under the bars.

    curves: {"alpha", "cdf", "pareto_k", "flag", "median"}; bars: {"label", "kind",
    "sensitivity", "flag"} (kind "prior" | "likelihood").
    """
    fig = plt.figure(figsize=(13, 7.2))
    gs = fig.add_gridspec(2, 2, width_ratios=[3, 2], height_ratios=[3, 1.3])
    ax, axd = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[1, 0])
    axb = fig.add_subplot(gs[:, 1])
    cmap = plt.get_cmap("coolwarm")
    alphas = [c["alpha"] for c in curves]
    lo, hi = np.log(min(alphas)), np.log(max(alphas))
    reference = next((c["cdf"] for c in curves if c["alpha"] == 1.0), curves[0]["cdf"])
    others = [c for c in curves if c["alpha"] != 1.0]
    n_marks = 9
    for c in curves:
        t = 0.5 if hi == lo else (np.log(c["alpha"]) - lo) / (hi - lo)
        base = c["alpha"] == 1.0
        med = "after horizon" if c["median"] is None else f"{c['median']:.2f}"
        label = (f"alpha = {c['alpha']:g}{' (posterior)' if base else ''}: median {med}"
                 + ("" if base else f", k-hat {c['pareto_k']:.2f}")
                 + (" (k > 0.7: unreliable)" if c["flag"] else ""))
        style = {"color": "black" if base else cmap(t), "lw": 2.4 if base else 1.4,
                 "ls": "-" if not c["flag"] else "--", "zorder": 3 if base else 2}
        if not base:  # markers at staggered positions: near-identical curves stay apart
            k = others.index(c)
            step = max(grid.size // n_marks, 1)
            style |= {"marker": ALPHA_MARKERS[k % len(ALPHA_MARKERS)], "ms": 5,
                      "markevery": slice(step * k // max(len(others), 1), None, step)}
        ax.plot(grid, c["cdf"], label=label, **style)
        axd.plot(grid, 100 * (np.asarray(c["cdf"]) - reference), **style)
    _cdf_axes(ax, cutoff_year, horizon_year)
    ax.set_ylabel("P(AGI by year)")
    ax.set_title("Arrival with the prior power-scaled, p(theta)^alpha\n"
                 "(alpha < 1 weakens the fitted priors, alpha > 1 strengthens them)", fontsize=10)
    ax.legend(loc="lower right", fontsize=8, frameon=True, framealpha=0.9)
    axd.set_xlim(cutoff_year, horizon_year)
    axd.grid(alpha=0.3)
    axd.axvline(2030, color=GREY, lw=0.8, ls=":")
    axd.set_ylabel("difference from\nalpha = 1 (pp)", fontsize=9)
    axd.set_xlabel("year AGI arrives")

    y = np.arange(len(bars))[::-1]
    colours = [BLUE if b["kind"] == "prior" else ORANGE for b in bars]
    axb.barh(y, [b["sensitivity"] for b in bars], color=colours, alpha=0.85)
    axb.set_yticks(y, [b["label"] + (" (k>0.7)" if b["flag"] else "") for b in bars],
                   fontsize=8)
    axb.axvline(threshold, color=GREY, ls="--", lw=1)
    axb.text(threshold, y.max() + 0.6, f" {threshold:g}", color=GREY, fontsize=8, va="bottom")
    axb.set_xlabel("power-scaling sensitivity of the arrival year (CJS)")
    axb.set_title("Which component moves the arrival year?\n(blue: prior blocks, orange: "
                  "likelihood streams)", fontsize=10)
    axb.grid(alpha=0.3, axis="x")
    axb.set_ylim(-0.7, y.max() + 1.2)
    if caveat:
        import textwrap

        axb.set_xlabel("power-scaling sensitivity of the arrival year (CJS)", fontsize=9)
        axb.text(0.0, -0.1, "\n".join(textwrap.wrap("Caveat: " + caveat, 70)),
                 transform=axb.transAxes, ha="left", va="top", fontsize=8, color="#b71c1c")
    _finish(fig, caption, path, title)


def tornado_figure(rows: list[dict], baseline_median: float | None, horizon_year: float,
                   title: str, caption: str, path: Path) -> None:
    """Arrival median of each one-at-a-time variation against the baseline's.

    rows: {"group", "points": [{"side", "median" (None = after the horizon), "method"}]},
    drawn in the given order from the top.
    """
    height = max(3.8, 0.42 * len(rows) + 1.8)
    fig, ax = plt.subplots(figsize=(11, height))
    beyond = horizon_year + 1.0
    markers = {"exact": "o", "reweight": "s", "refit": "D"}
    base = beyond if baseline_median is None else baseline_median
    all_meds = [base]
    for i, row in enumerate(rows):
        yy = len(rows) - 1 - i
        meds = [beyond if p["median"] is None else p["median"] for p in row["points"]]
        if not meds:
            continue
        lo, hi = min(meds + [base]), max(meds + [base])
        ax.barh(yy, hi - lo, left=lo, height=0.5, color=BLUE, alpha=0.25)
        order = np.argsort(meds, kind="stable")
        for j, idx in enumerate(order):
            p, m = row["points"][idx], meds[idx]
            ax.plot(m, yy, markers.get(p["method"], "x"), color=BLUE if m <= base else ORANGE,
                    ms=6, mec="black", mew=0.5)
            text = p["side"]
            above = j % 2 == 0
            ax.annotate(text, (m, yy), textcoords="offset points",
                        xytext=(0, 7 if above else -8), ha="center",
                        va="bottom" if above else "top", fontsize=7, color=GREY)
        all_meds.extend(meds)
    ax.axvline(base, color="black", lw=1.2, ls="--")
    lo, hi = min(all_meds), max(all_meds)
    pad = max(0.08 * (hi - lo), 0.3)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_yticks(np.arange(len(rows))[::-1], [r["group"] for r in rows], fontsize=8)
    ax.set_xlabel("median arrival year (blue: earlier than the baseline, orange: later)"
                  + (f"; after {horizon_year:.0f} drawn at {beyond:.0f}" if beyond <= hi else ""))
    for method, marker in markers.items():
        ax.plot([], [], marker, color=GREY, mec="black", mew=0.5, label=method)
    ax.plot([], [], color="black", ls="--", label="baseline median")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.grid(alpha=0.3, axis="x")
    ax.set_ylim(-0.7, len(rows) - 0.2)
    ax.set_title(title, fontsize=11)
    _finish(fig, caption, path)


def cdf_overlay_figure(panels: list[dict], baseline: dict | None, cutoff_year: float,
                       horizon_year: float, title: str, caption: str, path: Path) -> None:
    """Arrival CDFs overlaid, one panel per group, the baseline in black in each.

    panels: {"title", "curves": [{"label", "grid", "cdf", "dashed"?, "colour"?, "median"?}]};
    baseline: one curve or None. A curve's median (a year, or None after the horizon) is marked
    with a dot where its CDF crosses 1/2.
    """
    n = len(panels)
    cols = 1 if n == 1 else (2 if n <= 4 else 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(9 if cols == 1 else 5.2 * cols,
                                                  (5.5 if cols == 1 else 3.3) * rows + 0.6),
                             squeeze=False)
    for ax, panel in zip(axes.ravel(), panels, strict=False):
        if baseline is not None:
            ax.plot(baseline["grid"], baseline["cdf"], color="black", lw=2.2,
                    label=baseline["label"])
        for i, c in enumerate(panel["curves"]):
            colour = c.get("colour") or CURVE_COLOURS[i % len(CURVE_COLOURS)]
            ax.plot(c["grid"], c["cdf"], color=colour, lw=1.6,
                    ls="--" if c.get("dashed") else "-", label=c["label"])
            if c.get("median") is not None:
                ax.plot([c["median"]], [0.5], "o", color=colour, ms=6, mec="white", mew=0.8,
                        zorder=5)
            start_mass = float(c["cdf"][0])
            if c.get("dashed") and start_mass >= 0.005:
                # a prior-only run is not conditioned on "no AGI yet": draws already past the
                # requirement at its start year count as arrived there
                ax.annotate(f"{start_mass:.1%} already at its start year\n(not conditioned "
                            "on 'no AGI yet')", (c["grid"][0], start_mass),
                            textcoords="offset points", xytext=(6, 60), fontsize=7,
                            color=colour, bbox={"facecolor": "white", "edgecolor": "none",
                                                "alpha": 0.85, "pad": 1},
                            arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.6})
        _cdf_axes(ax, cutoff_year, horizon_year)
        if any(c.get("median") is not None for c in panel["curves"]):
            ax.axhline(0.5, color=GREY, lw=0.6, ls=":")
            ax.text(cutoff_year, 0.505, " dots: medians", fontsize=7, color=GREY, va="bottom")
        ax.set_title(panel["title"], fontsize=9)
        ax.set_ylabel("P(AGI by year)", fontsize=8)
        ax.set_xlabel("year AGI arrives", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.legend(loc="lower right", fontsize=7 if cols > 1 else 8, frameon=True,
                  framealpha=0.9)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    _finish(fig, caption, path, title)
