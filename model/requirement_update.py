"""The requirement's update: prior against posterior of R, per anchor and for the blend.

The prior is the requirement before any data: the anchor mixture at *prior* draws of the
parameters it depends on (the algorithmic rate that moves each anchor to reference-year
algorithms; for the capability anchor also the horizon relation's a_h and b_h, which the
capability data then pin down). The posterior is R given the data and "no AGI yet", at the
run's posterior draws of theta (today's effective compute E_now, the softness s, the rate, a_h,
b_h):

    prior:      P(R <= r | anchor k) = mean_{theta ~ prior} sum_{j in k} (w_j / w_k) Phi_j(r)
    posterior:  P(R <= r | anchor k, not yet, data) = mean_{theta ~ posterior} F_k(r | theta)
                / mean_{theta ~ posterior} P(anchor k | not yet, theta)

with Phi_j a piece's CDF (a normal, or a half: 2 Phi(max(a, 0)) - 1 above the median,
2 Phi(min(a, 0)) below, a = (r - m_j) / s_j) and F_k the joint CDF of
`requirement.joint_cdf_by_anchor`. So the update of a published anchor is mostly "not yet" (the
truncation by Phi((R - E_now) / s) and the re-weighting of the anchors), while the capability
anchor's requirement R = E_c + (log10 H* - a_h) / b_h also learns from the horizon data through
(a_h, b_h). The blend is the same over all anchors, *given a path* (R finite); the "no path" mass
is reported beside it (prior w_0, posterior P(no path | not yet, data)), never spread into a
density. The capability anchor (the last) is a per-draw normal; in a draw whose b_h is below the
floor its mass is "no path", so its prior weight here is w_cap times the share of prior draws
above the floor, and the prior "no path" is w_0 plus the rest. Medians and 5%/95% quantiles are
read off the averaged CDFs on a 0.05-OOM grid from 12 to 80 (linear interpolation; mass beyond
the grid, the capability prior's far tail where b_h is near the floor, caps the 95% quantile at
80); sd from the grid density. The posterior median's MCSE is the delta method of the ratio
estimator: MCSE(mean_theta [F_k(q) - 0.5 P(k | theta)]) / (P(k | data) f_k(q)), draws taken as
independent (they are thinned).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from model import requirement
from model.row_chunks import map_row_chunks
from model.scenario import Requirement
from model.summary import mcse_mean

#: The R grid (log10 FLOP at reference-year algorithms) on which the CDFs are evaluated.
R_GRID_LOG10_FLOP = np.round(np.arange(12.0, 80.0 + 1e-9, 0.05), 4)
#: At most this many posterior draws (a fixed thinning) enter the requirement's update.
MAX_DRAWS = 800
#: Draws per chunk of the joint CDF's evaluation (threads, model/row_chunks.py).
CHUNK_DRAWS = 200
#: Seed of the prior draws of theta (fixed: the same scenario gives the same prior side).
PRIOR_SEED = 20231


def prior_parameter_draws(scenario, n_draws: int) -> dict:
    """n_draws prior draws of every parameter (model/simulate.py draw_parameters), seeded with
    PRIOR_SEED: the theta at which the requirement's prior is averaged."""
    from model.simulate import draw_parameters

    return draw_parameters(scenario, np.random.default_rng(PRIOR_SEED), size=n_draws)


def prior_cdf_by_anchor(req: Requirement, r, algorithmic_growth_oom_per_year,
                        reference_year: float,
                        pieces: requirement.Pieces | None = None) -> np.ndarray:
    """P(R <= r, anchor k | theta) under the prior (no "not yet"), (K, n, m); r is (m,) or
    (n, m), the rate (n,). Summed over k: the prior mixture's CDF without "no path" (a piece
    marked `never` in a draw, the capability anchor's where b_h is below the floor, is "no
    path" there and adds nothing)."""
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)[:, None]
    r = np.broadcast_to(np.asarray(r, dtype=float), (g.shape[0], np.shape(r)[-1]))
    p = requirement.requirement_pieces(req) if pieces is None else pieces
    out = np.zeros((requirement.number_of_anchors(p), *r.shape))
    for j in range(p.size):
        w, sig = requirement._column(p.weights, j), requirement._column(p.sigmas, j)
        if p.never is not None:  # that draw's piece is "no path": no finite mass
            w = np.where(p.never[:, j:j + 1], 0.0, w)
        m = requirement.anchor_means_at_reference(requirement._column(p.medians, j),
                                                  requirement._column(p.years, j), g,
                                                  reference_year)
        a = (r - m) / sig
        side = int(p.sides[j])
        if side == 0:
            cdf = special.ndtr(a)
        elif side > 0:
            cdf = 2.0 * special.ndtr(np.maximum(a, 0.0)) - 1.0
        else:
            cdf = 2.0 * special.ndtr(np.minimum(a, 0.0))
        out[p.anchor_index[j]] += w * cdf
    return out


@dataclass(frozen=True)
class RequirementUpdate:
    """Averaged CDFs on R_GRID_LOG10_FLOP: rows are the anchors in order, then the blend."""

    labels: list[str]
    grid: np.ndarray
    prior_cdf: np.ndarray       # (K + 1, m), each row normalised to its own (finite) mass
    posterior_cdf: np.ndarray   # (K + 1, m)
    prior_weight: np.ndarray    # (K + 1,): w_k, the blend's 1 - w_0
    posterior_weight: np.ndarray  # (K + 1,): P(k | not yet, data), the blend's 1 - no path
    median_mcse: np.ndarray     # (K + 1,): MCSE of each posterior median
    no_path_prior: float
    no_path_posterior: float
    e_now_median_log10_flop: float
    n_draws: int


def requirement_update(params: dict, scenario, cutoff_year: float) -> RequirementUpdate:
    """Prior and posterior of R per anchor and for the blend (module docstring), from a run's
    per-draw parameters (model/forecast.py trajectory_parameters); the prior side at
    `prior_parameter_draws`."""
    from model.forecast import capability_per_draw, forecast_algorithmic_growth, projection_inputs

    inputs = projection_inputs(params, scenario, cutoff_year)
    n = inputs.size
    keep = (np.sort(np.random.default_rng(0).choice(n, MAX_DRAWS, replace=False))
            if n > MAX_DRAWS else np.arange(n))
    e_now = inputs.effective_compute_at_cutoff[keep]
    g = inputs.algorithmic_growth_oom_per_year[keep]
    s = np.broadcast_to(np.asarray(params["not_yet_agi_softness_oom"], float), (n,))[keep]
    req, t_ref = scenario.requirement, scenario.reference_year
    pieces = requirement.pieces_of_draws(
        requirement.requirement_pieces(req, capability_per_draw(params, scenario, n)), keep)
    grid = R_GRID_LOG10_FLOP
    r = np.broadcast_to(grid, (keep.size, grid.size))
    joint = map_row_chunks(
        lambda rows: requirement.joint_cdf_by_anchor(
            req, r[rows], e_now[rows], g[rows], s[rows], t_ref,
            pieces=requirement.pieces_of_draws(pieces, rows)),
        keep.size, CHUNK_DRAWS,
        np.empty((requirement.number_of_anchors(pieces), keep.size, grid.size)), axis=1)
    resp = requirement.anchor_responsibilities(req, e_now, g, s, t_ref, pieces=pieces)
    prior_params = prior_parameter_draws(scenario, keep.size)
    prior_pieces = requirement.requirement_pieces(
        req, capability_per_draw(prior_params, scenario, keep.size))
    prior = prior_cdf_by_anchor(req, grid, forecast_algorithmic_growth(prior_params, scenario),
                                t_ref, pieces=prior_pieces)
    labels = requirement.anchor_labels(req)
    k = len(labels)
    # finite prior mass per anchor: w_k, less the capability anchor's mass in the prior draws
    # where it is "no path"
    weights = _finite_prior_mass(prior_pieces, k)
    # the blend (given a path) as a last row; per-draw arrays (K + 1, n, m) and (K + 1, n)
    joint = np.concatenate([joint, joint.sum(axis=0, keepdims=True)])
    prior = np.concatenate([prior, prior.sum(axis=0, keepdims=True)])
    resp_rows = np.concatenate([resp[:, :k].T, resp[:, :k].sum(axis=1)[None, :]])
    post_weight = resp_rows.mean(axis=1)
    prior_weight = np.append(weights, weights.sum())
    prior_cdf = prior.mean(axis=1) / prior_weight[:, None]
    posterior_cdf = joint.mean(axis=1) / post_weight[:, None]
    mcse = np.array([_median_mcse(grid, posterior_cdf[i], joint[i], resp_rows[i])
                     for i in range(k + 1)])
    return RequirementUpdate(labels, grid, prior_cdf, posterior_cdf, prior_weight, post_weight,
                             mcse, 1.0 - float(weights.sum()), float(resp[:, -1].mean()),
                             float(np.median(e_now)), int(keep.size))


def _finite_prior_mass(pieces: requirement.Pieces, n_anchors: int) -> np.ndarray:
    """(K,) mean over draws of each anchor's prior weight on a finite R: w_k, or for the
    capability anchor w_cap times the share of draws whose b_h is above the floor."""
    w = np.asarray(pieces.weights, dtype=float)
    if pieces.never is not None:
        w = np.where(pieces.never, 0.0, w)
    w = w.mean(axis=0) if w.ndim == 2 else w
    return np.array([w[pieces.anchor_index == k].sum() for k in range(n_anchors)])


def _quantile(grid, cdf, prob) -> float:
    return float(np.interp(prob, np.maximum.accumulate(cdf), grid))


def _moments(grid, cdf) -> tuple[float, float]:
    mass = np.diff(cdf)
    mid = 0.5 * (grid[1:] + grid[:-1])
    mean = float(np.sum(mass * mid) / mass.sum())
    return mean, float(np.sqrt(np.sum(mass * (mid - mean) ** 2) / mass.sum()))


def _median_mcse(grid, cdf, joint_draws, resp_draws) -> float:
    q = _quantile(grid, cdf, 0.5)
    j = int(np.clip(np.searchsorted(grid, q), 1, grid.size - 2))
    density = (cdf[j + 1] - cdf[j - 1]) / (grid[j + 1] - grid[j - 1])
    h = joint_draws[:, j] - 0.5 * resp_draws
    return mcse_mean(h) / (resp_draws.mean() * density) if density > 0 else float("nan")


def _describe(grid, cdf) -> dict:
    mean, sd = _moments(grid, cdf)
    return {"median": round(_quantile(grid, cdf, 0.5), 3),
            "q05": round(_quantile(grid, cdf, 0.05), 3),
            "q95": round(_quantile(grid, cdf, 0.95), 3), "sd": round(sd, 3)}


def update_document(update: RequirementUpdate, reference_year: float) -> dict:
    """summary.json's `requirement_update` block (module docstring)."""
    rows = {}
    for i, name in enumerate([*update.labels, "blend"]):
        prior = _describe(update.grid, update.prior_cdf[i])
        post = _describe(update.grid, update.posterior_cdf[i])
        post["mcse_median"] = round(float(update.median_mcse[i]), 4)
        weight = update.prior_weight[i]
        rows[name] = {
            "order": i, "prior": prior, "posterior": post,
            "sd_ratio_posterior_to_prior": round(post["sd"] / prior["sd"], 3),
            "prior_weight": None if np.isnan(weight) else round(float(weight), 6),
            "posterior_weight": round(float(update.posterior_weight[i]), 5)}
    return {
        "unit": f"log10 FLOP at {reference_year:g} algorithms",
        "definition": "prior: the anchors at prior draws of the algorithmic rate (and of the "
                      "capability relation a_h, b_h); posterior: given the data and 'no AGI "
                      "yet', at the run's posterior draws; per anchor R | anchor, the blend "
                      "R | a path exists; 'no path' is the mass beside it; quantiles on a grid "
                      "to 80 log10 FLOP",
        "anchors": {k: v for k, v in rows.items() if k != "blend"},
        "blend_given_a_path": rows["blend"],
        "no_path": {"prior": round(update.no_path_prior, 6),
                    "posterior": round(update.no_path_posterior, 5)},
        "effective_compute_at_cutoff_median_log10_flop": round(update.e_now_median_log10_flop, 3),
        "n_draws": update.n_draws,
    }
