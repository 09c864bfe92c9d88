"""The limits figure ("this decade or bust"): the run's physical compute against the walls, and
when each limit starts to bind.

Left: the physical compute of the largest run (median and 90% band of the capped projection),
the uncapped trend's median for comparison, and each active wall's median line with its 90%
band. Right: P(the limit holds physical compute by year) for the spending cap and each wall,
from model.projection.limit_binding_start_years. Plain arrays in, one PNG out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.report.figures import BLUE, GREY, ORANGE, _finish, phone_aware, plt
from model.walls import LIMIT_NAMES, WALL_NAMES

LIMIT_COLOURS = {"spending": ORANGE, "power": "#b71c1c", "chips": "#2e7d32",
                 "data": "#6a1b9a", "latency": "#00838f"}


@phone_aware
def limits_figure(years: np.ndarray, physical_paths: np.ndarray, uncapped_paths: np.ndarray,
                  wall_paths: np.ndarray, binding_walls: tuple[str, ...],
                  binding_start_years: np.ndarray, cutoff_year: float, title: str,
                  caption: str, path: Path, narrow: bool = False) -> None:
    """physical_paths, uncapped_paths: (n, len(years)) log10 FLOP with and without the walls;
    wall_paths: (n, K, len(years)) each wall's line W_k(t) (WALL_NAMES order);
    binding_start_years: (n, 1 + K) (LIMIT_NAMES order, +inf = not by the horizon)."""
    fig, (ax_c, ax_p) = plt.subplots(2, 1, figsize=(3.9, 8.4) if narrow else (9, 8),
                                     gridspec_kw={"height_ratios": [3, 2]})
    after = years >= cutoff_year
    for k, name in enumerate(WALL_NAMES):
        if name not in binding_walls:
            continue
        lo, med, hi = np.quantile(wall_paths[:, k, after], [0.05, 0.5, 0.95], axis=0)
        ax_c.fill_between(years[after], lo, hi, color=LIMIT_COLOURS[name], alpha=0.10, lw=0)
        ax_c.plot(years[after], med, color=LIMIT_COLOURS[name], lw=1.2, ls="--",
                  label=f"{name} wall, median (band: 90%)")
    lo, med, hi = np.quantile(physical_paths, [0.05, 0.5, 0.95], axis=0)
    ax_c.fill_between(years, lo, hi, color=BLUE, alpha=0.25, lw=0)
    ax_c.plot(years, med, color=BLUE, lw=2.2, label="physical compute of the run, median "
              "(band: 90%)")
    ax_c.plot(years[after], np.median(uncapped_paths[:, after], axis=0), color=GREY, lw=1.2,
              ls=":", label="… without the walls, median")
    ax_c.axvline(cutoff_year, color=GREY, lw=1, ls=":")
    ax_c.set_ylim(np.quantile(physical_paths[:, 0], 0.05) - 0.5,
                  np.quantile(physical_paths[:, -1], 0.95) + 1.0)
    ax_c.set_xlim(years[0], years[-1])
    ax_c.set_ylabel("log10 physical training FLOP of the run")
    ax_c.grid(alpha=0.3)
    if not narrow:
        ax_c.set_title(title, fontsize=11)
    ax_c.legend(loc="upper left", fontsize=7.5 if not narrow else 7, frameon=True,
                framealpha=0.9)

    calendar = years[after]
    for i, name in enumerate(LIMIT_NAMES):
        if name != LIMIT_NAMES[0] and name not in binding_walls:
            continue
        start = binding_start_years[:, i]
        p = (start[:, None] <= calendar[None, :]).mean(axis=0)
        ax_p.plot(calendar, p, color=LIMIT_COLOURS[name], lw=1.8,
                  label=f"{name} (by 2030: {np.mean(start <= 2030) * 100:.0f}%)")
    for year in (2030, 2035):
        ax_p.axvline(year, color=GREY, lw=0.8, ls=":")
    ax_p.set_ylim(0, 1)
    ax_p.set_xlim(years[0], years[-1])
    ax_p.set_ylabel("P(limit has started to\nhold compute, by year)")
    ax_p.set_xlabel("calendar year")
    ax_p.grid(alpha=0.3)
    ax_p.legend(loc="upper left", fontsize=7.5 if not narrow else 7, frameon=True,
                framealpha=0.9)
    _finish(fig, caption, path, narrow)
