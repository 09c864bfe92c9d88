"""From parameter draws to forecast draws: requirement, projection inputs, arrival year.

The one pipeline shared by the posterior (parameters from NUTS) and the prior-only Monte Carlo
(parameters from the scenario's priors): both hand a dict of per-draw arrays to
`forecast_draws`, which adds the projection-only parameters (drawn exactly from their priors,
since no datum depends on them), the requirement R, and the arrival year T.
"""

from __future__ import annotations

import numpy as np

from model import requirement
from model.projection import (
    ProjectionInputs,
    arrival_year,
    effective_compute_at_cutoff,
    spending_headroom_oom,
)
from model.scenario import DOMAINS, Scenario


def draw_projection_parameters(scenario: Scenario, rng: np.random.Generator,
                               n: int) -> dict[str, np.ndarray]:
    """Exact draws of the parameters that act only after the cutoff (caps, unhobbling)."""
    return {name: prior.dist.sample(rng, n)
            for name, prior in scenario.projection_only().items()}


def forecast_algorithmic_growth(params: dict, scenario: Scenario) -> np.ndarray:
    """The forecast domain's algorithmic rate, from a (n, domain) array or a (n,) array."""
    g = np.asarray(params["algorithmic_growth_oom_per_year"], dtype=float)
    return g[:, DOMAINS.index(scenario.forecast_domain)] if g.ndim == 2 else g


def projection_inputs(params: dict, scenario: Scenario, cutoff_year: float) -> ProjectionInputs:
    """Assemble E(t)'s inputs from fitted and projection-only parameter draws."""
    t_ref = scenario.reference_year
    g_alg = forecast_algorithmic_growth(params, scenario)
    g_phys = (params["hardware_growth_oom_per_year"] + params["spending_growth_oom_per_year"]
              + params["other_growth_oom_per_year"])
    e_now = effective_compute_at_cutoff(params["log10_frontier_compute_at_ref_flop"], g_phys,
                                        g_alg, cutoff_year, t_ref)
    headroom = spending_headroom_oom(
        params["log10_training_cost_at_ref_usd"], params["spending_growth_oom_per_year"],
        params["log10_gwp_at_ref_usd"], params["gwp_growth_oom_per_year"],
        params["log10_spending_cap_share_of_gwp"], cutoff_year, t_ref)
    return ProjectionInputs.from_mapping({
        "effective_compute_at_cutoff": e_now,
        "hardware_growth_oom_per_year": params["hardware_growth_oom_per_year"],
        "spending_growth_oom_per_year": params["spending_growth_oom_per_year"],
        "other_growth_oom_per_year": params["other_growth_oom_per_year"],
        "algorithmic_growth_oom_per_year": g_alg,
        "unhobbling_growth_oom_per_year": params["unhobbling_growth_oom_per_year"],
        "gwp_growth_oom_per_year": params["gwp_growth_oom_per_year"],
        "spending_headroom_oom": headroom,
        "hardware_remaining_oom": params["hardware_remaining_oom"],
        "other_remaining_oom": params["other_remaining_oom"],
        "algorithms_remaining_oom": params["algorithms_remaining_oom"],
        "unhobbling_remaining_oom": params["unhobbling_remaining_oom"],
    })


def forecast_draws(params: dict, scenario: Scenario, cutoff_year: float,
                   rng: np.random.Generator, conditioned: bool = True) -> dict[str, np.ndarray]:
    """Per draw: projection-only parameters, requirement R and arrival year T.

    conditioned=True draws R from p(R | no AGI by the cutoff) (the posterior path);
    conditioned=False draws R from its prior (forward Monte Carlo, as published models do).
    """
    n = np.asarray(params["hardware_growth_oom_per_year"]).size
    full = dict(params)
    for name, values in draw_projection_parameters(scenario, rng, n).items():
        full.setdefault(name, values)
    inputs = projection_inputs(full, scenario, cutoff_year)
    g_alg = inputs.algorithmic_growth_oom_per_year
    if conditioned:
        r = requirement.draw_conditional(rng, scenario.requirement,
                                         inputs.effective_compute_at_cutoff, g_alg,
                                         np.asarray(full["not_yet_agi_softness_oom"], float),
                                         scenario.reference_year)
    else:
        r = requirement.draw_prior(rng, scenario.requirement, g_alg, scenario.reference_year)
    t = arrival_year(r, inputs, cutoff_year, scenario.horizon_year)
    out = {name: np.asarray(full[name], dtype=float)
           for name in scenario.projection_only()}
    out["requirement_log10_flop"] = r
    out["arrival_year"] = t
    out["spending_headroom_oom"] = inputs.spending_headroom_oom
    return out
