"""Physical walls on the largest training run's physical compute (DESIGN.md block 4).

Each wall k is a ceiling on log10 physical FLOP of one run, a straight line in calendar time
(a wall that grows), stated at the wall year t_w = 2030 where Epoch's analysis gives its levels:

    W_k(t) = L_k + g_k (t - t_w)

built from the scenario's physical parameters (all log10, rates in OOM/yr):

    power    L = log10(P_GW 1e9) + log10(FLOP/J) + log10(duration_s)
             g = g_power + g_FLOP/J
    chips    L = log10(H100e available) + log10(share one run gets)
                 + log10(FLOP/s per H100e, utilisation included) + log10(duration_s)
             g = g_H100e
    data     Chinchilla-optimal: C = 6 N D with D = 20 N, so C = 0.3 D^2:
             L = log10(0.3) + 2 log10(tokens available, multimodal included)
             g = 2 g_tokens
    latency  L = log10(latency wall FLOP)  (Erdil & Schneider-Joseph 2024), g = g_latency

The projection (model/projection.py) caps physical compute by every active wall:
log10 C(t) <= W_k(t) after the cutoff. A scenario lists its active walls in `[walls] binding`
(model/scenario.py); a wall not listed is not applied (its level is +inf), e.g. in presets that
reproduce published models without walls. The walls touch no datum: their parameters are
projection-only and drawn from their priors per draw.
"""

from __future__ import annotations

import numpy as np

#: The year at which the walls' levels are stated (Sevilla et al. 2024 state them for 2030).
WALL_YEAR = 2030.0

#: Every wall, in the order of the (n, K) wall arrays and of summaries.
WALL_NAMES = ("power", "chips", "data", "latency")

#: The spending cap (share of GWP) is the one limit that is not a wall; summaries list it first.
SPENDING_LIMIT = "spending"
LIMIT_NAMES = (SPENDING_LIMIT, *WALL_NAMES)

#: log10 of the Chinchilla-optimal compute per squared token: C = 6 N D, D = 20 N -> 0.3 D^2.
LOG10_CHINCHILLA_FLOP_PER_TOKEN_SQUARED = float(np.log10(6.0 / 20.0))
LOG10_WATT_PER_GW = 9.0


def wall_levels_at_wall_year_log10_flop(params: dict) -> dict[str, np.ndarray]:
    """L_k per wall: log10 FLOP one run can reach in the wall year (module docstring)."""
    duration = np.asarray(params["log10_training_duration_s"], float)
    return {
        "power": (np.asarray(params["log10_power_per_run_2030_gw"], float) + LOG10_WATT_PER_GW
                  + np.asarray(params["log10_flop_per_joule_2030"], float) + duration),
        "chips": (np.asarray(params["log10_h100e_available_2030"], float)
                  + np.asarray(params["log10_run_share_of_h100e"], float)
                  + np.asarray(params["log10_flop_per_s_per_h100e"], float) + duration),
        "data": (LOG10_CHINCHILLA_FLOP_PER_TOKEN_SQUARED
                 + 2.0 * np.asarray(params["log10_training_tokens_2030"], float)),
        "latency": np.asarray(params["log10_latency_wall_2030_flop"], float),
    }


def wall_growth_oom_per_year(params: dict) -> dict[str, np.ndarray]:
    """g_k per wall: how fast each ceiling rises (module docstring)."""
    return {
        "power": (np.asarray(params["power_per_run_growth_oom_per_year"], float)
                  + np.asarray(params["flop_per_joule_growth_oom_per_year"], float)),
        "chips": np.asarray(params["h100e_available_growth_oom_per_year"], float),
        "data": 2.0 * np.asarray(params["training_tokens_growth_oom_per_year"], float),
        "latency": np.asarray(params["latency_wall_growth_oom_per_year"], float),
    }


def wall_lines_at_cutoff(params: dict, binding: tuple[str, ...], cutoff_year: float,
                         n: int) -> tuple[np.ndarray, np.ndarray]:
    """(W_k(t_now), g_k) as two (n, K) arrays in WALL_NAMES order; an inactive wall (not in
    `binding`) is +inf with growth 0, so it never caps."""
    levels = wall_levels_at_wall_year_log10_flop(params) if binding else {}
    growth = wall_growth_oom_per_year(params) if binding else {}
    at_cutoff = np.full((n, len(WALL_NAMES)), np.inf)
    rates = np.zeros((n, len(WALL_NAMES)))
    for k, name in enumerate(WALL_NAMES):
        if name in binding:
            rates[:, k] = np.broadcast_to(growth[name], (n,))
            at_cutoff[:, k] = np.broadcast_to(levels[name], (n,)) + rates[:, k] * (
                cutoff_year - WALL_YEAR)
    return at_cutoff, rates
