"""From parameter draws to forecast draws: requirement, projection inputs, arrival year.

The one pipeline shared by the posterior (parameters from NUTS) and the prior-only Monte Carlo
(parameters from the scenario's priors): both hand a dict of per-draw arrays to
`forecast_draws`, which adds the projection-only parameters (drawn exactly from their priors,
since no datum depends on them), the requirement R, and the arrival year T.

Anchors with their own algorithmic rate g_k and cap A_k (scenario.ANCHOR_ALGORITHM_KEYS, e.g.
cotra-2020) follow one rule per run kind, recorded in the run's attrs as
`oomcast_anchor_algorithms` (`anchor_algorithms_rule`):
- prior-only (forward Monte Carlo, starting at the reference year = the anchors' algorithms
  year): a draw whose R comes from anchor k projects with g_k and A_k (`with_anchor_algorithms`),
      E(t_now + tau) = E_now + P(tau) + min(g_k tau, A_k) + min(g_unhob tau, H_unhob)
  (model/projection.py: P the capped physical gain).
- conditioned (posterior): one shared fitted rate g_alg (the forecast domain's) and the shared
  cap H_alg (`algorithms_remaining_oom`, drawn from its prior) for every anchor,
      E(t_now + tau) = E_now + P(tau) + min(g_alg tau, H_alg) + min(g_unhob tau, H_unhob),
  because the data pin one rate and "no AGI yet" is a likelihood of the requirement mixture
  marginalised against one trajectory per draw (model/requirement.py `log_prob_not_yet`), as is
  the headline CDF P(T <= y | theta) = F_{R | not yet, theta}(max E_theta) (`arrival_cdf_by_draw`,
  and the report explorer's copy of it). A per-anchor cap would make the trajectory depend on
  the anchor, which those integrals do not allow, so per-anchor caps are not used either.
  Anchors stated at the reference year's algorithms (y_k = t_ref) need no shift of their
  medians, m_k = median_k - g_alg (t_ref - y_k) = median_k, whatever the cutoff.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from model import requirement
from model.capability import CAPABILITY_ANCHOR_PARAMETERS
from model.distributions import Fixed
from model.projection import (
    ProjectionInputs,
    arrival_year,
    effective_compute_at_cutoff,
    effective_compute_gain_oom,
    spending_headroom_oom,
)
from model.row_chunks import map_row_chunks
from model.scenario import DOMAINS, WALL_PARAMETERS, Scenario
from model.walls import wall_lines_at_cutoff

#: What E(t) after the cutoff depends on, as stored per draw in a run's posterior group.
TRAJECTORY_PARAMETERS = (
    "log10_frontier_compute_at_ref_flop", "hardware_growth_oom_per_year",
    "spending_growth_oom_per_year", "other_growth_oom_per_year",
    "log10_training_cost_at_ref_usd", "algorithmic_growth_oom_per_year",
    "log10_spending_cap_share_of_gwp", "log10_gwp_at_ref_usd", "gwp_growth_oom_per_year",
    "hardware_remaining_oom", "other_remaining_oom", "algorithms_remaining_oom",
    "unhobbling_growth_oom_per_year", "unhobbling_remaining_oom",
    *WALL_PARAMETERS,
)


def flatten_draws(dataset, name: str) -> np.ndarray:
    """A (chain, draw, ...) variable as a (sample, ...) array, chains one after another."""
    v = dataset[name]
    extra = [d for d in v.dims if d not in ("chain", "draw")]
    values = v.transpose("chain", "draw", *extra).to_numpy()
    return values.reshape(-1, *values.shape[2:])  # C order: chain-major, as xarray's stack


def trajectory_parameters(posterior, scenario: Scenario) -> dict[str, np.ndarray]:
    """Per-draw arrays of TRAJECTORY_PARAMETERS and the softness from a posterior group. A
    parameter with a Fixed prior is a constant of the graph, absent from the posterior: its
    value is repeated for every draw."""
    n = posterior.sizes["chain"] * posterior.sizes["draw"]
    out = {}
    capability = CAPABILITY_ANCHOR_PARAMETERS if scenario.requirement.capability else ()
    for name in (*TRAJECTORY_PARAMETERS, "not_yet_agi_softness_oom", *capability):
        if name in posterior:
            out[name] = flatten_draws(posterior, name)
        elif name in scenario.priors and isinstance(scenario.priors[name].dist, Fixed):
            out[name] = np.full(n, scenario.priors[name].dist.value)
        else:
            raise KeyError(f"the posterior has no {name!r} and the scenario does not fix it")
    return out


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
    n = np.broadcast(e_now, g_alg, params["hardware_growth_oom_per_year"]).size
    walls, wall_growth = wall_lines_at_cutoff(params, scenario.binding_walls, cutoff_year, n)
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
        # log10 C(t_now) = E_now - g_alg (t_now - t_ref): E is at reference-year algorithms
        "physical_compute_at_cutoff_log10_flop": e_now - g_alg * (cutoff_year - t_ref),
        "wall_log10_flop_at_cutoff": walls,
        "wall_growth_oom_per_year": wall_growth,
    })


def with_anchor_algorithms(inputs: ProjectionInputs, anchor: np.ndarray, scenario: Scenario,
                           cutoff_year: float, rng: np.random.Generator) -> ProjectionInputs:
    """Each draw's algorithmic rate and cap from its requirement's anchor where that anchor has
    its own (scenario.ANCHOR_ALGORITHM_KEYS; the shared ones otherwise). Exact because the
    schema allows it only where the projection starts at the reference year, which is also the
    anchor's algorithms year: nothing before the start depends on the rate, and the anchor's
    median needs no shift."""
    if cutoff_year != scenario.reference_year:
        raise ValueError(f"{scenario.path}: requirement.anchors: per-anchor algorithmic progress "
                         f"needs the run to start at the reference year "
                         f"{scenario.reference_year:g} (not {cutoff_year:g})")
    rate = inputs.algorithmic_growth_oom_per_year.copy()
    cap = inputs.algorithms_remaining_oom.copy()
    for k, a in enumerate(scenario.requirement.anchors):
        rows = anchor == k
        if a.algorithmic_growth_oom_per_year is not None:
            rate[rows] = a.algorithmic_growth_oom_per_year.sample(rng, int(rows.sum()))
        if a.algorithms_remaining_oom is not None:
            cap[rows] = a.algorithms_remaining_oom.sample(rng, int(rows.sum()))
    return dataclasses.replace(inputs, algorithmic_growth_oom_per_year=rate,
                               algorithms_remaining_oom=cap)


#: `oomcast_anchor_algorithms` of a run whose scenario has per-anchor algorithmic progress.
ANCHOR_ALGORITHMS_PRIOR_ONLY = "per-anchor rate and cap"
ANCHOR_ALGORITHMS_CONDITIONED = ("shared fitted rate and shared cap (per-anchor rates and caps "
                                 "apply to prior-only runs)")


def anchor_algorithms_rule(scenario: Scenario, conditioned: bool) -> str | None:
    """Which algorithmic rate and cap the anchors use in a run (module docstring); None when no
    anchor has its own."""
    if not scenario.anchors_override_algorithms:
        return None
    return ANCHOR_ALGORITHMS_CONDITIONED if conditioned else ANCHOR_ALGORITHMS_PRIOR_ONLY


def forecast_draws(params: dict, scenario: Scenario, cutoff_year: float,
                   rng: np.random.Generator, conditioned: bool = True) -> dict[str, np.ndarray]:
    """Per draw: projection-only parameters, requirement R and arrival year T.

    conditioned=True draws R from p(R | no AGI by the cutoff) (the posterior path);
    conditioned=False draws R from its prior (forward Monte Carlo, as published models do).
    Per-anchor algorithmic rates and caps apply only when conditioned=False
    (`anchor_algorithms_rule`).
    """
    n = np.asarray(params["hardware_growth_oom_per_year"]).size
    full = dict(params)
    for name, values in draw_projection_parameters(scenario, rng, n).items():
        full.setdefault(name, values)
    inputs = projection_inputs(full, scenario, cutoff_year)
    g_alg = inputs.algorithmic_growth_oom_per_year
    capability = requirement.capability_draws(scenario.requirement, full,
                                              scenario.reference_year)
    if conditioned:
        # per-anchor algorithms: the shared fitted rate and cap (ANCHOR_ALGORITHMS_CONDITIONED)
        r = requirement.draw_conditional(rng, scenario.requirement,
                                         inputs.effective_compute_at_cutoff, g_alg,
                                         np.asarray(full["not_yet_agi_softness_oom"], float),
                                         scenario.reference_year, capability)
    else:
        r, anchor = requirement.draw_prior_with_anchor(rng, scenario.requirement, g_alg,
                                                       scenario.reference_year, capability)
        if scenario.anchors_override_algorithms:
            inputs = with_anchor_algorithms(inputs, anchor, scenario, cutoff_year, rng)
    t = arrival_year(r, inputs, cutoff_year, scenario.horizon_year)
    out = {name: np.asarray(full[name], dtype=float)
           for name in scenario.projection_only()}
    out["requirement_log10_flop"] = r
    if not conditioned:  # the anchor each prior draw's R came from (anchor_labels order; -1 none)
        out["requirement_anchor"] = anchor
    out["arrival_year"] = t
    out["spending_headroom_oom"] = inputs.spending_headroom_oom
    return out


def arrival_grid_years(cutoff_year: float, horizon_year: float, report_years=()) -> np.ndarray:
    """Quarter years from the cutoff to the horizon, with the report years and horizon on it.

    The Rao-Blackwellised CDF is smooth, so linear interpolation between quarters is accurate
    to ~0.01 yr (second-order error f' h^2 / 8), far below the quantiles' MCSE.
    """
    grid = np.arange(cutoff_year, horizon_year, 0.25)
    extra = [y for y in report_years if cutoff_year <= y <= horizon_year] + [horizon_year]
    return np.union1d(grid, np.asarray(extra, dtype=float))


def arrival_cdf_by_draw(params: dict, scenario: Scenario, cutoff_year: float,
                        grid_years: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """P(T <= y | theta) per draw on a year grid, the requirement integrated out exactly.

    T <= y  <=>  R <= M_theta(y) = max_{cutoff <= t <= y} E_theta(t), so
    P(T <= y | theta) = F_{R | not yet, theta}(M_theta(y)) (requirement.conditional_cdf). The
    running maximum is taken over the grid (E is non-decreasing unless a rate is negative, so
    this is exact at grid points in all but rare draws). Averaging these per-draw CDFs is a
    Rao-Blackwellised estimate of the arrival CDF: the same mean as counting arrival draws, with
    the requirement's sampling noise removed. `params` must hold the projection-only parameters
    actually used for the arrival draws. The sum over anchors of `arrival_cdf_by_anchor`.
    """
    return arrival_cdf_by_anchor(params, scenario, cutoff_year, grid_years, chunk).sum(axis=0)


def arrival_cdf_by_anchor(params: dict, scenario: Scenario, cutoff_year: float,
                          grid_years: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """P(T <= y, anchor k | theta) per anchor, draw and grid year: (K, n, grid).

    The joint CDF of the requirement and its anchor (requirement.joint_cdf_by_anchor) at the
    running maximum M_theta(y), as in `arrival_cdf_by_draw`: summed over k it is
    P(T <= y | theta) exactly, so the per-anchor contributions to every P(by year) add up to
    the headline (to float rounding). Draws go in chunks of `chunk` on threads
    (model/row_chunks.py), bit-identical to a serial loop."""
    inputs = projection_inputs(params, scenario, cutoff_year)
    g_alg = inputs.algorithmic_growth_oom_per_year
    softness = np.broadcast_to(np.asarray(params["not_yet_agi_softness_oom"], float),
                               (inputs.size,))
    tau = np.asarray(grid_years, dtype=float) - cutoff_year
    pieces = requirement.requirement_pieces(
        scenario.requirement, capability_per_draw(params, scenario, inputs.size))
    out = np.empty((requirement.number_of_anchors(pieces), inputs.size, tau.size))

    def rows_cdf(rows: slice) -> np.ndarray:
        part = ProjectionInputs(**{k: getattr(inputs, k)[rows]
                                   for k in inputs.__dataclass_fields__})
        best = np.maximum.accumulate(effective_compute_gain_oom(tau, part), axis=1)
        reach = part.effective_compute_at_cutoff[:, None] + best
        return requirement.joint_cdf_by_anchor(
            scenario.requirement, reach, part.effective_compute_at_cutoff, g_alg[rows],
            softness[rows], scenario.reference_year,
            pieces=requirement.pieces_of_draws(pieces, rows))

    return map_row_chunks(rows_cdf, inputs.size, chunk, out, axis=1)


def anchor_responsibilities(params: dict, scenario: Scenario,
                            cutoff_year: float) -> np.ndarray:
    """P(anchor k | not yet, theta) per draw, (n, K + 1), last column "no path"
    (requirement.anchor_responsibilities at each draw's E_now, rate and softness)."""
    inputs = projection_inputs(params, scenario, cutoff_year)
    softness = np.broadcast_to(np.asarray(params["not_yet_agi_softness_oom"], float),
                               (inputs.size,))
    return requirement.anchor_responsibilities(
        scenario.requirement, inputs.effective_compute_at_cutoff,
        inputs.algorithmic_growth_oom_per_year, softness, scenario.reference_year,
        capability=capability_per_draw(params, scenario, inputs.size))


def capability_per_draw(params: dict, scenario: Scenario, n_draws: int):
    """The capability anchor's parameters with one value per draw (None without the anchor)."""
    capability = requirement.capability_draws(scenario.requirement, params,
                                              scenario.reference_year)
    if capability is None:
        return None
    return requirement.CapabilityDraws(
        np.broadcast_to(capability.log10_horizon_minutes_at_centre, (n_draws,)),
        np.broadcast_to(capability.horizon_per_oom, (n_draws,)), capability.reference_year)
