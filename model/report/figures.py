"""Figures of a run: the arrival distribution and the effective-compute fan chart.

Each function takes plain arrays and a `caption` (provenance line) and writes one PNG; nothing
here samples or fits. The projection (model/projection.py) supplies the trajectories.
"""

from __future__ import annotations

import functools
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


#: Marker styles of the published reference forecasts, in file order.
REFERENCE_STYLES = ({"color": "#2e7d32", "marker": "s"}, {"color": "#6a1b9a", "marker": "D"},
                    {"color": "#00838f", "marker": "^"}, {"color": "#8d6e63", "marker": "v"},
                    {"color": "#ad1457", "marker": "o"})

#: Phone layout: a figure NARROW_WIDTH_IN wide saved at NARROW_DPI is shown ~360 CSS px wide, so
#: one point is about 1.3 px there; these sizes keep every label at 10 px or more.
NARROW_WIDTH_IN = 3.9
NARROW_DPI = 190
NARROW_RC = {"font.size": 8.5, "axes.titlesize": 9, "axes.labelsize": 8.5,
             "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8,
             "legend.title_fontsize": 8}


def _fs(narrow: bool, wide: float, phone: float = 8.0) -> float:
    """Font size in points for the desktop or the phone layout."""
    return phone if narrow else wide


def phone_aware(func):
    """Run a figure function under the phone layout's font sizes when called with narrow=True."""
    @functools.wraps(func)
    def wrapper(*args, narrow: bool = False, **kwargs):
        if not narrow:
            return func(*args, narrow=False, **kwargs)
        with plt.rc_context(NARROW_RC):
            return func(*args, narrow=True, **kwargs)
    return wrapper


def _caption(fig, caption: str, fontsize: float = 7) -> None:
    fig.text(0.01, 0.005, caption, fontsize=fontsize, color=GREY, ha="left", va="bottom",
             wrap=True)


def _finish(fig, caption: str, path: Path, narrow: bool = False, top: float = 1.0) -> None:
    """Lay out (axes below `top`, a figure fraction), add the provenance caption, save (phone
    layouts at a higher dpi), close."""
    if narrow:
        # wrap the caption by hand: matplotlib's wrap does not reserve room for it
        lines, line = [], ""
        for w in caption.split(" "):
            if line and len(line) + len(w) > 58:
                lines.append(line.rstrip())
                line = ""
            line += w + " "
        lines.append(line.rstrip())
        caption = "\n".join(lines)
        height_in = fig.get_size_inches()[1]
        bottom = (len(lines) * 7.5 * 1.25 + 6) / 72 / height_in
    else:
        bottom = 0.03
    fig.tight_layout(rect=(0, bottom, 1, top))
    _caption(fig, caption, 7)
    fig.savefig(path, dpi=NARROW_DPI if narrow else 120)
    plt.close(fig)


@phone_aware
def arrival_figure(arrival_years: np.ndarray, summary: dict, cutoff_year: float,
                   horizon_year: float, title: str, caption: str, path: Path,
                   references=None, narrow: bool = False, conditioned: bool = True) -> None:
    """CDF (top) and density per year (bottom) of the arrival year, intervals shaded.

    conditioned=False (prior-only and implied-prior draws): the draws are not conditioned on
    "no AGI yet", so those already past the requirement at the start year "arrive" there; the
    figure says so and labels that mass, P(T <= start), where the CDF starts.

    references: optional published forecasts (model/report/references.py `ReferenceForecast`):
    their published (year, P(by year)) points are marked on the CDF and their medians on the
    density, each labelled with source and date. narrow: the phone layout.
    """
    x = np.asarray(arrival_years, dtype=float).ravel()
    finite = np.sort(x[np.isfinite(x)])
    n = x.size
    refs = list(references or [])
    figsize = (NARROW_WIDTH_IN, 7.6 + 0.22 * len(refs)) if narrow else (9, 7.5)
    fig, (ax_cdf, ax_pdf) = plt.subplots(2, 1, figsize=figsize, sharex=True,
                                         gridspec_kw={"height_ratios": [3, 2]})
    xs = np.concatenate([[cutoff_year], finite, [horizon_year]])
    ys = np.concatenate([[0.0], np.arange(1, finite.size + 1) / n, [finite.size / n]])
    ax_cdf.step(xs, ys, where="post", color=BLUE, lw=2, label="P(AGI by year), this model")
    p_after = summary["p_after_horizon"]["p"]
    ax_cdf.axhline(1 - p_after, color=GREY, lw=0.8, ls=":")
    ax_cdf.text(horizon_year, 1 - p_after + 0.01,
                f"{p_after * 100:.0f}% after {horizon_year:.0f}", ha="right", va="bottom",
                fontsize=_fs(narrow, 9), color=GREY)
    ax_cdf.set_xlim(cutoff_year, horizon_year)
    ax_cdf.set_ylim(0, 1)
    ref_points = [pt for ref in refs for pt in ref.points if pt[0] <= horizon_year]
    ref_points += [(ref.median_year, 0.5) for ref in refs
                   if cutoff_year <= ref.median_year <= horizon_year]
    for year in REPORT_YEARS:
        entry = summary["p_by_year"][str(year)]
        ax_cdf.plot(year, entry["p"], "o", color=ORANGE, ms=4)
        if not narrow or year in (2027, 2030, 2035, 2050, 2100):
            ax_cdf.annotate(f"{entry['p'] * 100:.0f}%", (year, entry["p"]),
                            textcoords="offset points",
                            xytext=_label_offset(ax_cdf, (year, entry["p"]), ref_points),
                            fontsize=_fs(narrow, 8), color=ORANGE)
    ax_cdf.set_ylabel("probability AGI has arrived")
    ax_cdf.grid(alpha=0.3)
    med = summary["median"]
    med_text = "after horizon" if med["after_horizon"] else f"{med['value']:.1f}"
    unconditioned = "" if conditioned else " · NOT conditioned on 'no AGI yet'"
    if narrow:
        ax_cdf.set_title(f"median {med_text}; dots: P(by report years)"
                         + ("\nnot conditioned on 'no AGI yet'" if not conditioned else ""))
    else:
        ax_cdf.set_title(f"{title}\nmedian {med_text}; dots: P(by "
                         f"{', '.join(map(str, REPORT_YEARS))}){unconditioned}", fontsize=11)
    at_start = float(np.mean(x <= cutoff_year + 1e-9))
    if not conditioned and at_start > 0:
        ax_cdf.annotate(f"{at_start:.1%} of draws already past the requirement at the start "
                        f"({cutoff_year:.0f})\n(not conditioned on 'no AGI yet')",
                        (cutoff_year, at_start), textcoords="offset points",
                        xytext=(10, 95 if narrow else 150),
                        fontsize=_fs(narrow, 8, 7), color=GREY,
                        arrowprops={"arrowstyle": "->", "color": GREY, "lw": 0.8},
                        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    for i, ref in enumerate(refs):
        # only the points that were published: no line between them (it would imply numbers
        # nobody published); the published median is the point where its CDF crosses 1/2
        style = REFERENCE_STYLES[i % len(REFERENCE_STYLES)]
        shown = [(y, p) for y, p in ref.points if y <= horizon_year]
        if cutoff_year <= ref.median_year <= horizon_year:
            shown.append((ref.median_year, 0.5))
        ax_cdf.plot([y for y, _ in shown], [p for _, p in shown], ls="none",
                    color=style["color"], marker=style["marker"], ms=5 if narrow else 6,
                    mfc="white", mew=1.4, label=f"{ref.label}, {ref.date[:7]}")

    bins = np.arange(np.floor(cutoff_year), horizon_year + 1.0, 1.0)
    weights = np.full(finite.size, 1.0 / n)
    ax_pdf.hist(finite, bins=bins, weights=weights, color=BLUE, alpha=0.75)
    counts, _ = np.histogram(finite, bins=bins, weights=weights)
    top = max(float(np.max(counts)) if counts.size else 0.0, 1e-3)
    for i, iv in enumerate(summary["intervals"]):
        lo, hi = iv["lower"], iv["upper"]
        if lo["after_horizon"]:
            continue
        y = top * (1.5 - 0.16 * i)
        lw = 3 - 0.7 * i
        label = f"{int(iv['prob'] * 100)}%: {lo['value']:.0f}–"
        if hi["after_horizon"]:
            # open-ended: drawn to the axis edge with an arrow, labelled above its start
            ax_pdf.annotate("", xy=(horizon_year, y), xytext=(lo["value"], y),
                            arrowprops={"arrowstyle": "-|>,head_width=0.3,head_length=0.6",
                                        "color": ORANGE, "lw": lw, "shrinkA": 0,
                                        "shrinkB": 0})
            ax_pdf.text(max(lo["value"], cutoff_year + 0.4 * (horizon_year - cutoff_year)), y,
                        f"{label}after {horizon_year:.0f}", va="bottom", ha="left",
                        fontsize=_fs(narrow, 8), color=ORANGE)
        else:
            ax_pdf.plot([lo["value"], hi["value"]], [y, y], color=ORANGE, lw=lw,
                        solid_capstyle="butt")
            ax_pdf.text(hi["value"], y, f"  {label}{hi['value']:.0f}", va="center",
                        ha="left", fontsize=_fs(narrow, 8), color=ORANGE)
    ax_pdf.set_ylim(0, top * 1.7)
    if not conditioned and at_start > 0:
        ax_pdf.text(cutoff_year, top * 1.02, f" {at_start:.1%} at the start", fontsize=_fs(
            narrow, 7, 6.5), color=GREY, va="bottom", ha="left")
    if not med["after_horizon"]:
        for ax in (ax_cdf, ax_pdf):
            ax.axvline(med["value"], color=ORANGE, lw=1.2, ls="--")
    ax_pdf.set_ylabel("probability per year")
    ax_pdf.set_xlabel("year AGI arrives" if narrow
                      else "year AGI arrives (effective compute reaches the requirement)")
    ax_pdf.grid(alpha=0.3)
    ax_pdf.set_xlim(cutoff_year, horizon_year)
    if refs and narrow:
        handles, labels = ax_cdf.get_legend_handles_labels()
        ax_pdf.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.28),
                      frameon=False,
                      title="published forecasts: (year, P by year),\nmedians at 0.5")
    elif refs:
        ax_cdf.legend(loc="lower right", fontsize=8, frameon=True, framealpha=0.9,
                      title="published forecasts (year, P by year; medians at 0.5)",
                      title_fontsize=8)
    _finish(fig, caption, path, narrow)


def _label_offset(ax, point: tuple[float, float], avoid: list[tuple[float, float]],
                  clearance_px: float = 14.0) -> tuple[float, float]:
    """Offset (points) for a value label at `point`: below-right unless a marker in `avoid`
    sits there, then above-left, then above-right (display coordinates, after the limits)."""
    to_px = ax.transData.transform
    x0, y0 = to_px(point)
    markers = [to_px(a) for a in avoid]
    candidates = ((3, -12), (-16, 5), (3, 5))
    px_per_pt = ax.figure.dpi / 72.0
    for dx, dy in candidates:
        cx, cy = x0 + (dx + 6) * px_per_pt, y0 + (dy + 4) * px_per_pt
        if all(np.hypot(cx - mx, cy - my) > clearance_px * px_per_pt for mx, my in markers):
            return dx, dy
    return candidates[0]


def draw_fan_and_requirement(ax, years, paths, requirement_draws, band: str, median: str,
                             requirement: str) -> None:
    """The 50/80/90% bands and median of effective-compute paths (n, len(years)), and the
    requirement's 50% and 90% intervals (the same probabilities, and shading, as the compute
    bands) and median (finite draws of R; +inf = no path left out).
    band / median / requirement: legend wording ("band" -> "90% band"; "posterior" or "prior").
    """
    for prob, alpha in zip(INTERVAL_PROBS[::-1], (0.15, 0.25, 0.4), strict=True):
        lo, hi = np.quantile(paths, [(1 - prob) / 2, 1 - (1 - prob) / 2], axis=0)
        ax.fill_between(years, lo, hi, color=BLUE, alpha=alpha, lw=0,
                        label=f"{int(prob * 100)}% {band}")
    ax.plot(years, np.median(paths, axis=0), color=BLUE, lw=2, label=median)
    r = requirement_draws[np.isfinite(requirement_draws)]
    if r.size:
        for prob, alpha in ((0.9, 0.12), (0.5, 0.22)):
            lo, hi = np.quantile(r, [(1 - prob) / 2, 1 - (1 - prob) / 2])
            ax.axhspan(lo, hi, color=ORANGE, alpha=alpha, lw=0,
                       label=f"requirement, {int(prob * 100)}% interval ({requirement})")
        ax.axhline(np.median(r), color=ORANGE, lw=1.5, ls="--",
                   label=f"requirement, median ({requirement})")


@phone_aware
def trajectory_figure(years: np.ndarray, paths: np.ndarray, cutoff_year: float,
                      points_year: np.ndarray, points_log10_flop: np.ndarray,
                      points_confidence: np.ndarray, requirement_draws: np.ndarray,
                      reference_year: float, title: str, caption: str, path: Path,
                      narrow: bool = False) -> None:
    """Fan chart of log10 effective compute with history and the requirement band.

    paths: (n, len(years)) draws of E(t); points: frontier models' compute moved to
    reference-year algorithms; requirement_draws: posterior draws of R (+inf = no path).
    narrow: the phone layout (legend below the axes).
    """
    fig, ax = plt.subplots(figsize=(NARROW_WIDTH_IN, 7.2) if narrow else (9, 6))
    draw_fan_and_requirement(ax, years, paths, requirement_draws, band="band",
                             median="median trajectory", requirement="posterior")
    for label, colour in CONFIDENCE_COLOURS.items():
        sel = points_confidence == label
        if sel.any():
            ax.scatter(points_year[sel], points_log10_flop[sel], s=14 if narrow else 18,
                       color=colour, edgecolor="black", linewidth=0.3, zorder=3,
                       label=f"frontier model ({label} estimate)")
    ax.axvline(cutoff_year, color=GREY, lw=1, ls=":")
    ax.text(cutoff_year, ax.get_ylim()[0], " data cutoff", rotation=90, va="bottom",
            fontsize=8, color=GREY)
    ax.set_xlim(years[0], years[-1])
    ax.set_xlabel("year")
    ax.set_ylabel(f"log10 effective training FLOP (at {reference_year:g} algorithms)")
    ax.grid(alpha=0.3)
    dots = (f"dots: frontier models' training compute converted to {reference_year:g} "
            f"algorithms (x the fitted algorithmic progress since release)")
    if narrow:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1, frameon=False,
                  title=dots.replace(" converted", "\nconverted"), title_fontsize=7.5)
    else:
        ax.set_title(title, fontsize=11)
        # the lower right is empty (history sits lower left, the fan and requirement above)
        ax.legend(loc="lower right", fontsize=7.5, frameon=True, framealpha=0.92, ncol=2,
                  title=dots.replace(" (x", "\n(x"), title_fontsize=7.5)
    _finish(fig, caption, path, narrow)


@phone_aware
def growth_figure(years: np.ndarray, growth_paths: np.ndarray, arrival_years: np.ndarray,
                  cutoff_year: float, horizon_year: float, cap_years: np.ndarray, title: str,
                  caption: str, path: Path, narrow: bool = False) -> None:
    """"This decade or bust": growth of effective compute by calendar year above P(arrival in year).

    growth_paths: (n, len(years)) OOM/yr over [year, year + 1) (projection.growth_rate_path);
    arrival_years: every draw (+inf = after the horizon); cap_years: per draw the year spending
    meets its affordable cap (+inf = never before the horizon).
    """
    fig, (ax_g, ax_p) = plt.subplots(2, 1, figsize=(NARROW_WIDTH_IN, 8.4) if narrow else (9, 7),
                                     sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    edges = np.append(years, years[-1] + 1.0)
    for prob, alpha in zip(INTERVAL_PROBS[::-1], (0.15, 0.25, 0.4), strict=True):
        lo, hi = np.quantile(growth_paths, [(1 - prob) / 2, 1 - (1 - prob) / 2], axis=0)
        ax_g.stairs(hi, edges, baseline=lo, fill=True, color=BLUE, alpha=alpha, lw=0,
                    label=f"{int(prob * 100)}% band")
    ax_g.stairs(np.median(growth_paths, axis=0), edges, baseline=None, color=BLUE, lw=2,
                label="median")
    cap = np.asarray(cap_years, dtype=float).ravel()
    if np.mean(cap <= edges[-1]) >= 0.5:
        c25, c50, c75 = np.quantile(cap, [0.25, 0.5, 0.75])
        ax_g.axvspan(c25, min(c75, edges[-1]), color=ORANGE, alpha=0.12, lw=0,
                     label="spending meets its cap (50% int.)")
        ax_g.axvline(c50, color=ORANGE, lw=1.2, ls="--", label=f"… median {c50:.0f}")
    for ax in (ax_g, ax_p):
        ax.axvline(cutoff_year, color=GREY, lw=1, ls=":")
        ax.grid(alpha=0.3)
    ax_g.set_ylim(bottom=0)
    ax_g.text(cutoff_year, ax_g.get_ylim()[1] * 0.98, " data cutoff", va="top",
              fontsize=_fs(narrow, 8), color=GREY)
    ax_g.set_ylabel("growth of effective compute (OOM / yr)")
    if not narrow:
        ax_g.set_title(title, fontsize=11)
        ax_g.legend(loc="upper right", fontsize=8, frameon=True, framealpha=0.9)

    x = np.asarray(arrival_years, dtype=float).ravel()
    bins = np.arange(np.floor(cutoff_year), edges[-1] + 1e-9, 1.0)
    counts, _ = np.histogram(x[np.isfinite(x)], bins=bins)
    ax_p.bar(bins[:-1], counts / x.size, width=1.0, align="edge", color=BLUE, alpha=0.75)
    later = float(np.mean(~(x < bins[-1])))
    note = f"P({bins[-1]:.0f} or later) = {later * 100:.0f}%"
    if horizon_year > bins[-1]:
        note += f"\n(incl. {np.mean(~np.isfinite(x)) * 100:.0f}% after {horizon_year:.0f})"
    ax_p.text(0.99, 0.95, note, transform=ax_p.transAxes, ha="right", va="top",
              fontsize=_fs(narrow, 8), color=GREY)
    ax_p.set_ylabel("P(AGI arrives in year)")
    ax_p.set_xlabel("calendar year")
    ax_p.set_xlim(edges[0], edges[-1])
    if narrow:
        handles, labels = ax_g.get_legend_handles_labels()
        ax_p.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.3),
                    ncol=2, frameon=False)
    _finish(fig, caption, path, narrow)


@phone_aware
def prior_posterior_figure(panels: list[dict], caption: str, path: Path,
                           narrow: bool = False) -> None:
    """Prior against posterior, one panel per quantity, as density lines (Gaussian KDE).

    panels: dicts with `label`, `posterior` (draws), `prior` (draws, or None when the parameter
    touches no datum, so that its posterior is its prior, drawn exactly) and optionally `unit`
    (x label, default OOM / yr) and `note`. Each axis spans the 0.5-99.5% range of prior and
    posterior together, so neither is clipped to the other; one legend for the figure sits
    above the panels, clear of every peak.
    """
    cols = 2 if narrow else 3
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(NARROW_WIDTH_IN, 1.9 * rows + 1.1) if narrow
                             else (9, 2.4 * rows + 0.9), squeeze=False)
    for ax, panel in zip(axes.ravel(), panels, strict=False):
        post = np.asarray(panel["posterior"], dtype=float).ravel()
        post = post[np.isfinite(post)]
        prior = None if panel["prior"] is None else np.asarray(panel["prior"], float).ravel()
        if prior is not None:
            prior = prior[np.isfinite(prior)]
        both = post if prior is None else np.concatenate([post, prior])
        lo, hi = np.quantile(both, [0.005, 0.995])
        ax.set_title(panel["label"], fontsize=_fs(narrow, 9))
        ax.set_yticks([])
        ax.set_xlabel(panel.get("unit", "OOM / yr"), fontsize=_fs(narrow, 8, 7.5))
        ax.grid(alpha=0.3)
        if hi - lo <= 1e-9 * max(1.0, abs(lo)):  # a Fixed prior: one value, no density
            ax.axvline(lo, color=BLUE, lw=2)
            ax.set_xlim(lo - 0.05, lo + 0.05)
            ax.text(0.5, 0.55, f"fixed at {lo:.3g}\n(no datum; posterior = prior)",
                    transform=ax.transAxes, ha="center", fontsize=_fs(narrow, 8, 7.5),
                    color=GREY, bbox={"facecolor": "white", "edgecolor": "none"})
            continue
        pad = 0.05 * (hi - lo)
        grid = np.linspace(lo - pad, hi + pad, 300)
        if prior is not None:
            ax.plot(grid, _kde(prior, grid), color=GREY, lw=1.4, ls="--")
        dens = _kde(post, grid)
        ax.fill_between(grid, dens, color=BLUE, alpha=0.25 if prior is not None else 0.15, lw=0)
        ax.plot(grid, dens, color=BLUE, lw=1.8, ls="-" if prior is not None else ":")
        ax.set_xlim(grid[0], grid[-1])
        ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.08)
        if panel.get("note"):
            ax.text(0.02, 0.97, panel["note"], transform=ax.transAxes, va="top",
                    fontsize=_fs(narrow, 6.5, 6.5), color=GREY)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], color=GREY, lw=1.4, ls="--", label="prior"),
               plt.Line2D([], [], color=BLUE, lw=1.8, label="posterior"),
               plt.Line2D([], [], color=BLUE, lw=1.8, ls=":",
                          label="posterior = prior (touches no datum)")]
    fig.legend(handles=handles, loc="upper center", ncol=1 if narrow else 3, frameon=False,
               fontsize=_fs(narrow, 8, 7.5), bbox_to_anchor=(0.5, 1.0))
    _finish(fig, caption, path, narrow, top=1 - (0.75 if narrow else 0.4) / fig.get_figheight())


def _kde(draws: np.ndarray, grid: np.ndarray, max_draws: int = 4000) -> np.ndarray:
    """Gaussian KDE (Scott's bandwidth) of at most max_draws evenly thinned draws on grid."""
    from scipy.stats import gaussian_kde

    x = draws[:: max(1, draws.size // max_draws)]
    if np.ptp(x) <= 0:
        return np.zeros_like(grid)
    return gaussian_kde(x)(grid)


def ranks_ties_at_random(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """Ranks 0..n-1 of all draws (every chain together), ties broken in random order.

    Rank plots assume continuous draws. The arrival year is censored at the horizon, so every
    draw after it has the same value; az.plot_rank would give that block one (average) rank and
    pile it into one bar in every chain. Ranking tied draws in a random order restores the
    uniform distribution of ranks under good mixing (ranks are monotone in the value, so
    az.plot_rank of these ranks is az.plot_rank of the draws wherever there are no ties)."""
    flat = np.asarray(x, dtype=float).ravel()
    order = np.lexsort((np.random.default_rng(seed).random(flat.size), flat))
    ranks = np.empty(flat.size)
    ranks[order] = np.arange(flat.size)
    return ranks.reshape(np.shape(x))


@phone_aware
def rank_figure(dataset, var_names: list[str], caption: str, path: Path,
                narrow: bool = False) -> None:
    """Rank plots (az.plot_rank) per chain: uniform ranks in every chain mean the chains mix."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az

    n = sum(int(np.prod([dataset[v].sizes[d] for d in dataset[v].dims
                         if d not in ("chain", "draw")])) for v in var_names)
    cols = 2 if narrow else 4
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(NARROW_WIDTH_IN, 2.0 * rows + 0.8) if narrow
                             else (9, 2.1 * rows + 0.6), squeeze=False)
    used = axes.ravel()[:n]
    az.plot_rank(dataset, var_names=var_names, ax=used, kind="bars")
    for ax in used:
        title = ax.get_title().replace("_oom_per_year", "").replace("\n", ": ")
        ax.set_title(title, fontsize=_fs(narrow, 8, 7.5))
        ax.tick_params(labelsize=_fs(narrow, 7, 7.5))
        ax.set_xlabel("rank (all chains)", fontsize=_fs(narrow, 7, 7.5))
        ax.set_ylabel("chain", fontsize=_fs(narrow, 7, 7.5))
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    _finish(fig, caption, path, narrow)
