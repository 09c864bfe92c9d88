"""Figures of the validation studies: SBC (ECDF differences with simultaneous bands, rank
histograms), backtests (forecast fans against what happened, PIT histograms) and posterior
predictive checks. Each function writes one PNG; nothing here samples.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from model.report.figures import BLUE, GREY, ORANGE, _finish  # noqa: E402


def _grid(n: int, ncols: int = 5, size=(3.0, 2.2)):
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows + 0.6),
                             squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def _short(name: str) -> str:
    return (name.replace("_oom_per_year", "").replace("_oom", "").replace("log10_", "")
            .replace("algorithmic_", "alg_").replace("language_models", "lang"))


def sbc_ecdf_figure(pit: dict[str, np.ndarray], band, p_values: dict[str, float], caption: str,
                    path: Path) -> None:
    """Per quantity: ECDF(u) - u of the PIT values, inside the simultaneous 95% band
    (Saeilynoja et al. 2022); the band test's p-value in the title, red where it fails
    (Bonferroni over quantities)."""
    z, lower, upper = band
    threshold = 0.05 / max(len(pit), 1)
    fig, axes = _grid(len(pit))
    for ax, (name, u) in zip(axes, pit.items(), strict=False):
        u = np.sort(u)
        ecdf = np.searchsorted(u, z, side="right") / u.size
        ax.fill_between(z, lower - z, upper - z, color=GREY, alpha=0.2, lw=0)
        ax.plot(z, ecdf - z, color=BLUE, lw=1.3)
        ax.axhline(0, color=GREY, lw=0.6)
        p = p_values[name]
        ax.set_title(f"{_short(name)}\np = {p:.3f}", fontsize=7.5,
                     color="red" if p < threshold else "black")
        ax.tick_params(labelsize=6.5)
        ax.set_xlim(0, 1)
    fig.suptitle("SBC: ECDF difference of fractional ranks, simultaneous 95% band "
                 "(uniform ranks = calibrated)", fontsize=10)
    _finish(fig, caption, path)


def sbc_rank_figure(ranks: dict[str, np.ndarray], n_ranks: int, caption: str, path: Path) -> None:
    """Rank histograms (20 bins of 0..L) with the 99% band of a uniform histogram."""
    from scipy import stats

    fig, axes = _grid(len(ranks))
    bins = 20
    for ax, (name, r) in zip(axes, ranks.items(), strict=False):
        r = np.asarray(r)
        edges = np.linspace(-0.5, n_ranks + 0.5, bins + 1)
        counts = np.histogram(r, bins=edges)[0]
        lo, hi = stats.binom.ppf([0.005, 0.995], r.size, 1 / bins)
        ax.axhspan(lo, hi, color=GREY, alpha=0.2, lw=0)
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=BLUE, alpha=0.8)
        ax.set_title(_short(name), fontsize=7.5)
        ax.tick_params(labelsize=6.5)
    fig.suptitle(f"SBC rank histograms (ranks 0-{n_ranks}), grey: 99% range of a uniform bin",
                 fontsize=10)
    _finish(fig, caption, path)


def backtest_fan_figure(panels: list[dict], caption: str, path: Path) -> None:
    """One panel per (stream, cutoff): the posterior predictive 50/80/90% intervals of each later
    observation against the observation, training data grey.

    panel: {"title", "train_x", "train_y", "x", "y", "q" (dict prob -> (lo, hi) arrays),
    "median", "cutoff", "ylabel"}.
    """
    fig, axes = _grid(len(panels), ncols=3, size=(4.2, 3.0))
    for ax, p in zip(axes, panels, strict=False):
        ax.scatter(p["train_x"], p["train_y"], s=6, color=GREY, alpha=0.6, label="fitted data")
        order = np.argsort(p["x"])
        x = np.asarray(p["x"])[order]
        for prob, alpha in ((0.9, 0.15), (0.8, 0.25), (0.5, 0.4)):
            lo, hi = p["q"][prob]
            ax.vlines(x, np.asarray(lo)[order], np.asarray(hi)[order], color=BLUE, alpha=alpha,
                      lw=4)
        ax.scatter(x, np.asarray(p["median"])[order], s=8, color=BLUE, marker="_",
                   label="predictive median, 50/80/90%")
        ax.scatter(x, np.asarray(p["y"])[order], s=12, color=ORANGE, zorder=3,
                   label="what happened")
        ax.axvline(p["cutoff"], color=GREY, ls=":", lw=1)
        ax.set_title(p["title"], fontsize=8.5)
        ax.set_ylabel(p["ylabel"], fontsize=7.5)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=6.5, loc="upper left")
    fig.suptitle("Backtest: predictive intervals of later observations vs what happened",
                 fontsize=10)
    # the title's own band (0.4 in), so that a tall grid's top panel titles stay clear of it
    _finish(fig, caption, path, top=1.0 - 0.4 / fig.get_size_inches()[1])


def pit_histogram_figure(pits: dict[str, np.ndarray], caption: str, path: Path,
                         title: str) -> None:
    """PIT histograms (10 bins) with the 95% range of a uniform bin."""
    from scipy import stats

    fig, axes = _grid(len(pits), ncols=min(4, max(len(pits), 1)), size=(3.4, 2.5))
    for ax, (name, u) in zip(axes, pits.items(), strict=False):
        u = np.asarray(u)
        counts = np.histogram(u, bins=10, range=(0, 1))[0]
        if u.size:
            lo, hi = stats.binom.ppf([0.025, 0.975], u.size, 0.1)
            ax.axhspan(lo, hi, color=GREY, alpha=0.2, lw=0)
        ax.bar(np.arange(10) / 10, counts, width=0.1, align="edge", color=BLUE, alpha=0.8)
        ax.set_title(f"{name} (n={u.size})", fontsize=8)
        ax.set_xlim(0, 1)
        ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    _finish(fig, caption, path)


#: Above this many observations a PPC panel shows yearly bands instead of one bar per point.
DENSE_POINTS = 150


def _yearly_bands(x: np.ndarray, q50: np.ndarray, q90: np.ndarray):
    """(year centres, 50% band, 90% band): each observation's predictive interval bounds
    averaged over the observations in each calendar year."""
    year = np.floor(x)
    centres = np.unique(year)
    def mean_by_year(v):
        return np.array([v[year == c].mean() for c in centres])
    bands50 = np.array([mean_by_year(q50[0]), mean_by_year(q50[1])])
    bands90 = np.array([mean_by_year(q90[0]), mean_by_year(q90[1])])
    return centres + 0.5, bands50, bands90


def ppc_figure(panels: list[dict], caption: str, path: Path) -> None:
    """Per stream: observed values (orange) over the posterior predictive 50/90% intervals at
    each observation's date (blue), plus the share of points inside each interval.

    panel: {"title", "x", "y", "q50", "q90", "xlabel", "ylabel", "flags"?}. A stream with more
    than DENSE_POINTS observations is aggregated: its intervals are averaged per calendar year
    and drawn as bands (hundreds of overlapping bars hide the data). A flagged stream (model/
    studies/ppc.py `stream_flags`) says why in red.
    """
    fig, axes = _grid(len(panels), ncols=3, size=(4.2, 3.2))
    for ax, p in zip(axes, panels, strict=False):
        x = np.asarray(p["x"], dtype=float)
        y = np.asarray(p["y"])
        if x.size > DENSE_POINTS:
            years, q50, q90 = _yearly_bands(x, np.asarray(p["q50"]), np.asarray(p["q90"]))
            ax.fill_between(years, *q90, step="mid", color=BLUE, alpha=0.2, lw=0)
            ax.fill_between(years, *q50, step="mid", color=BLUE, alpha=0.45, lw=0)
            ax.scatter(x, y, s=4, color=ORANGE, alpha=0.6, zorder=3, lw=0)
        else:
            ax.vlines(x, *p["q90"], color=BLUE, alpha=0.2, lw=3)
            ax.vlines(x, *p["q50"], color=BLUE, alpha=0.5, lw=3)
            ax.scatter(x, y, s=7, color=ORANGE, zorder=3)
        in50 = np.mean((y >= p["q50"][0]) & (y <= p["q50"][1]))
        in90 = np.mean((y >= p["q90"][0]) & (y <= p["q90"][1]))
        flags = p.get("flags") or []
        ax.set_title(f"{p['title']} (n = {y.size})\ninside 50%: {in50:.0%}, 90%: {in90:.0%}"
                     + (" FLAGGED" if flags else ""), fontsize=8,
                     color="#b71c1c" if flags else "black")
        if x.size > DENSE_POINTS:
            ax.text(0.02, 0.97, "intervals averaged per year", transform=ax.transAxes,
                    fontsize=6.5, color="#555555", va="top")
        if flags:
            import textwrap

            ax.text(0.98, 0.03, "\n".join(textwrap.wrap("; ".join(flags), 40)),
                    transform=ax.transAxes, fontsize=6.5, color="#b71c1c", ha="right",
                    va="bottom", bbox={"facecolor": "white", "edgecolor": "none",
                                       "alpha": 0.8, "pad": 1})
        ax.set_xlabel(p.get("xlabel", "year"), fontsize=7)
        ax.set_ylabel(p["ylabel"], fontsize=7)
        ax.tick_params(labelsize=7)
    fig.suptitle("Posterior predictive check per stream (blue: 50% and 90% predictive "
                 "intervals; orange: data)", fontsize=10)
    _finish(fig, caption, path)
