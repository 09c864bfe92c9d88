"""The capability block's data selection and summary (model/capability.py). Its likelihood is
checked by parameter recovery in tests/test_recovery.py; its names in tests/test_model.py."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import data as data_mod  # noqa: E402
from model.capability import (  # noqa: E402
    capability_line,
    capability_observations,
    capability_summary,
    horizon_mean,
)


@pytest.fixture(scope="module")
def tables():
    return {k: s.table for k, s in data_mod.load_all().items()}


def test_observations_keep_sota_horizons_and_rows_before_the_cutoff(tables):
    full = capability_observations(tables, 2100.0)
    th = tables["capability_time_horizon"]
    assert full["horizon_year"].size == int(th["is_sota"].sum()) == 14
    assert "claude_4_opus_inspect" not in set(full["horizon_model"])  # not SOTA at release
    assert full["eci_year"].size == len(tables["capability_eci"]) == 80
    early = capability_observations(tables, 2024.5)  # --as-of 2024-06-30
    assert early["horizon_year"].max() <= 2024.5 and early["eci_year"].max() <= 2024.5
    assert early["horizon_year"].size == 7
    np.testing.assert_array_equal(early["horizon_log10_sd"],
                                  full["horizon_log10_sd"][: early["horizon_year"].size])


def test_tables_without_capability_streams_give_no_rows():
    obs = capability_observations({}, 2025.0)
    assert all(np.asarray(v).size == 0 for v in obs.values())


def test_horizon_mean_follows_the_effective_compute_trajectory():
    # E(t) = c_ref + (g_phys + g_alg)(t - t_ref); mean = a + b (E - 25)
    years = np.array([2023.0, 2024.0, 2026.0])
    m = horizon_mean(0.5, 0.4, 25.3, 0.6, 0.5, years, 2023.0)
    np.testing.assert_allclose(m, 0.5 + 0.4 * (25.3 + 1.1 * (years - 2023.0) - 25.0))


def _posterior(b_h, g_llm):
    shape = (2, 500)
    rng = np.random.default_rng(0)

    def var(x):
        return (("chain", "draw"), np.broadcast_to(x, shape) + 0.02 * rng.standard_normal(shape))

    return xr.Dataset({"capability_horizon_per_oom": var(b_h),
                       "capability_horizon_log10_minutes_at_centre": var(0.4),
                       "capability_eci_points_per_oom": var(9.0),
                       "capability_eci_algorithmic_growth_oom_per_year": var(g_llm)})


def test_summary_converts_the_eci_rate_to_a_halving_time_and_compares_with_ho():
    fast = capability_summary(_posterior(0.5, 1.2))
    assert fast["horizon_per_oom_log10_minutes"]["median"] == pytest.approx(0.5, abs=0.005)
    # halving = 12 log10(2) / rate months: 1.2 OOM/yr -> 3.01 months, outside Ho's 5-14
    assert fast["eci_algorithmic_halving_months"]["median"] == pytest.approx(3.01, abs=0.02)
    assert fast["eci_90pct_overlaps_ho2024_95pct"] is False
    # MCSE of a median of 1000 independent draws of sd 0.02: ~1.25 x 0.02 / sqrt(1000) = 0.0008
    assert 0.0004 <= fast["eci_algorithmic_growth_oom_per_year"]["median_mcse"] <= 0.0016
    line = capability_line(fast)
    assert "0.50 log10 min per OOM" in line and "3.0 months" in line
    assert "does not overlap Ho et al. 2024's 8 months (95% 5-14)" in line
    ho_like = capability_summary(_posterior(0.5, 0.45))  # 8.0 months
    assert ho_like["eci_algorithmic_halving_months"]["median"] == pytest.approx(8.03, abs=0.1)
    assert ho_like["eci_90pct_overlaps_ho2024_95pct"] is True


# ---------------------------------------------------------------- the capability anchor

@pytest.fixture(scope="module")
def scenario():
    from model.scenario import load_scenario

    s = load_scenario("default")
    assert s.requirement.capability is not None
    return s


def _draws(n, a_h, b_h, t_ref=2023.0):
    from model.requirement import CapabilityDraws

    return CapabilityDraws(np.broadcast_to(np.asarray(a_h, float), (n,)).copy(),
                           np.broadcast_to(np.asarray(b_h, float), (n,)).copy(), t_ref)


def test_default_capability_anchor_and_blend_weights(scenario):
    req = scenario.requirement
    cap = req.capability
    assert (cap.weight, cap.log10_horizon_minutes_mu, cap.log10_horizon_minutes_sigma,
            cap.horizon_per_oom_floor) == (0.2, 4.0, 0.66, 0.02)
    # the blend keeps its proportions x 0.8; everything sums to 1
    assert req.no_path_weight == pytest.approx(0.05 * 0.8)
    assert sum(a.weight for a in req.anchors) + req.no_path_weight + cap.weight == \
        pytest.approx(1.0)


def test_capability_requirement_is_the_inverted_horizon_relation(scenario):
    from model.capability import capability_requirement

    cap = scenario.requirement.capability
    mean, sd = capability_requirement(cap, np.array([0.4, 0.4]), np.array([0.5, 0.001]))
    # R = 25 + (4.0 - 0.4) / 0.5 = 32.2, sd 0.66 / 0.5; below the floor b is clipped to 0.02
    np.testing.assert_allclose(mean, [32.2, 25 + 3.6 / 0.02])
    np.testing.assert_allclose(sd, [1.32, 0.66 / 0.02])


def test_pieces_append_the_capability_anchor_last_per_draw(scenario):
    from model.requirement import requirement_pieces

    req = scenario.requirement
    with pytest.raises(ValueError, match="capability anchor"):
        requirement_pieces(req)
    p = requirement_pieces(req, _draws(3, [0.4, 0.6, 0.4], [0.5, 0.5, 0.01]))
    assert p.weights.shape == (3, len(req.anchors) + 1) and p.per_draw
    assert p.anchor_index[-1] == len(req.anchors)
    np.testing.assert_allclose(p.medians[:, -1], [32.2, 32.2 - 0.4, 25 + 3.6 / 0.02])
    assert list(p.never[:, -1]) == [False, False, True] and not p.never[:, :-1].any()


def test_graph_and_numpy_agree_with_the_capability_anchor(scenario):
    import pymc as pm
    import pytensor.tensor as pt

    from model.build import log_prob_not_yet_graph
    from model.requirement import log_prob_not_yet

    e, g, s, a, b = (pt.dscalar(x) for x in "egsab")
    graph = log_prob_not_yet_graph(scenario, e, g, s, (a, b))
    f = pm.compile([e, g, s, a, b], graph)
    grad = pm.compile([e, g, s, a, b], pt.grad(graph, [e, g, s, a, b]))
    rng = np.random.default_rng(0)
    for i in range(25):
        ev, gv, sv = rng.uniform(24, 36), rng.uniform(0.2, 0.8), rng.uniform(0.05, 1.0)
        av = rng.uniform(-0.5, 1.0)
        bv = 0.01 if i % 5 == 0 else rng.uniform(0.1, 1.0)  # every 5th below the floor
        expected = log_prob_not_yet(scenario.requirement, [ev], [gv], [sv],
                                    scenario.reference_year, _draws(1, av, bv))[0]
        assert float(f(ev, gv, sv, av, bv)) == pytest.approx(expected, abs=1e-7)
        assert np.all(np.isfinite(grad(ev, gv, sv, av, bv)))


def test_below_the_floor_the_anchor_is_no_path(scenario):
    """b_h < floor: the capability mass joins "no path" in P(not yet), in prior draws (R = inf)
    and in the conditional CDF."""
    import dataclasses

    from model.requirement import conditional_cdf, draw_prior_with_anchor, log_prob_not_yet

    req, t_ref = scenario.requirement, scenario.reference_year
    w_c = req.capability.weight
    blend = dataclasses.replace(req, capability=None, no_path_weight=req.no_path_weight + w_c)
    e = np.linspace(24, 40, 9)
    args = (e, np.full(9, 0.45), np.full(9, 0.3), t_ref)
    np.testing.assert_allclose(log_prob_not_yet(req, *args, _draws(9, 0.4, 0.01)),
                               log_prob_not_yet(blend, *args), atol=1e-12)
    n = 200_000
    r, anchor = draw_prior_with_anchor(np.random.default_rng(1), req, np.full(n, 0.45), t_ref,
                                       _draws(n, 0.4, 0.01))
    assert np.isinf(r).mean() == pytest.approx(req.no_path_weight + w_c, abs=0.004)
    assert not np.any(anchor == len(req.anchors))  # never attributed to "capability"
    grid = np.tile([30.0, 80.0], (9, 1))
    np.testing.assert_allclose(conditional_cdf(req, grid, *args, _draws(9, 0.4, 0.01)),
                               conditional_cdf(blend, grid, *args), atol=1e-12)


def test_exact_marginal_and_conditional_against_monte_carlo(scenario):
    """Per-draw capability parameters (the (n, P) path): P(not yet) = mean of Phi((R - E)/s) over
    prior draws of R, and the mean of the per-draw conditional CDFs equals the share of exact
    conditional draws below each r (a histogram check of the closed form)."""
    from model.requirement import (
        conditional_cdf,
        draw_conditional,
        draw_prior_with_anchor,
        log_prob_not_yet,
    )

    req, t_ref = scenario.requirement, scenario.reference_year
    n = 200_000
    rng = np.random.default_rng(5)
    a_h = rng.normal(0.4, 0.1, n)
    b_h = np.where(rng.random(n) < 0.1, 0.01, rng.uniform(0.35, 0.65, n))  # 10% below floor
    cap = _draws(n, a_h, b_h)
    e_now, g, s = np.full(n, 27.0), np.full(n, 0.45), np.full(n, 0.4)
    r, anchor = draw_prior_with_anchor(rng, req, g, t_ref, cap)
    assert (anchor == len(req.anchors)).mean() == pytest.approx(0.2 * 0.9, abs=0.004)
    like = np.where(np.isinf(r), 1.0, stats.norm.cdf((r - e_now) / s))
    p_exact = np.exp(log_prob_not_yet(req, e_now, g, s, t_ref, cap))
    assert like.mean() == pytest.approx(p_exact.mean(), abs=4 * like.std() / np.sqrt(n))
    draws = draw_conditional(rng, req, e_now, g, s, t_ref, cap)
    grid = np.array([26.0, 28.0, 30.0, 32.0, 34.0, 38.0, 45.0])
    idx = np.arange(0, n, 50)  # the CDF on a subsample of draws (exact per draw; cheaper)
    sub = _draws(idx.size, a_h[idx], b_h[idx])
    closed = conditional_cdf(req, np.tile(grid, (idx.size, 1)), e_now[idx], g[idx], s[idx],
                             t_ref, sub)
    empirical = (draws[:, None] <= grid).mean(axis=0)
    np.testing.assert_allclose(closed.mean(axis=0), empirical, atol=0.006)


def test_prior_table_and_figure_show_the_capability_anchor(scenario):
    """`priors show`: the anchor has its own row (R_cap quantiles at the priors of a_h, b_h)
    and its component in the requirement figure integrates to its weight less the no-path part."""
    from model.prior_report import _requirement_curves, prior_rows

    rows = {r.name: r for r in prior_rows(scenario)}
    cap = rows["anchor capability"]
    q05, q50, q95 = cap.quantiles
    assert 24 < q05 < q50 < q95 and "no path" in cap.distribution
    grid, comps, _ = _requirement_curves(scenario, 0.4)
    name, weight, dens = comps[-1]
    assert name == "capability" and weight == 0.2
    mass = float(np.sum(dens) * (grid[1] - grid[0]))
    assert 0.6 < mass < 1.0  # the rest: b_h below the floor, or R_cap beyond the grid


def test_posterior_forecast_draws_use_the_posterior_capability_relation():
    """add_forecast's R draws read a_h, b_h from the posterior group, not from their priors:
    with a_h = 0.4, b_h = 0.5 at every draw, the log10 H* implied by each drawn R,
    (R - 25) b_h + a_h, follows N(4.0, 0.66) truncated below by 'no AGI yet' only."""
    from model.inference import add_forecast
    from model.scenario import load_scenario

    s = load_scenario("time-horizon-extrapolation")
    n = 4000
    constants = {"capability_horizon_log10_minutes_at_centre": 0.4,
                 "capability_horizon_per_oom": 0.5, "log10_frontier_compute_at_ref_flop": 25.3,
                 "hardware_growth_oom_per_year": 0.15, "spending_growth_oom_per_year": 0.45,
                 "other_growth_oom_per_year": 0.06, "log10_training_cost_at_ref_usd": 7.8,
                 "not_yet_agi_softness_oom": 0.3}
    post = xr.Dataset({k: (("chain", "draw"), np.full((1, n), v)) for k, v in constants.items()})
    post["algorithmic_growth_oom_per_year"] = (("chain", "draw", "domain"),
                                               np.full((1, n, 3), 0.45))

    class IData:
        posterior = post

    add_forecast(IData, s, 2025.83, seed=7)
    r = post["requirement_log10_flop"].to_numpy().ravel()
    assert np.all(np.isfinite(r))  # no draw below the floor: b_h is 0.5 everywhere
    implied = (r - 25.0) * 0.5 + 0.4
    # the prior b_h (HalfNormal(1)) would put a tail of implied H* far above 4 + 4 x 0.66
    assert np.quantile(implied, 0.999) < 4.0 + 4 * 0.66
    assert np.median(implied) == pytest.approx(4.0, abs=0.1)
