"""Per-anchor contributions: the joint CDFs P(R <= r, anchor k | not yet) and responsibilities
against numerical integration, the one-anchor identity, and that contributions add up."""

import dataclasses

import numpy as np
import pytest
from scipy import integrate, stats

from model import requirement
from model.forecast import (
    anchor_responsibilities,
    arrival_cdf_by_anchor,
    arrival_cdf_by_draw,
    arrival_grid_years,
)
from model.scenario import Anchor, Requirement, load_scenario
from model.summary import (
    REPORT_YEARS,
    format_anchor_table,
    summarize_arrival,
    summarize_by_anchor,
)

T_REF = 2023.0


def _anchor(name, weight, median, sigma=None, below=None, above=None, year=2023.0):
    return Anchor(name=name, weight=weight, median_log10_flop=median, sigma_log10_flop=sigma,
                  algorithms_year=year, source="test", rationale="test",
                  sigma_below_log10_flop=below, sigma_above_log10_flop=above)


@pytest.fixture(scope="module")
def mixed():
    """Normal and split anchors with a "no path" mass."""
    return Requirement((_anchor("near", 0.3, 29.0, sigma=1.0),
                        _anchor("skew", 0.4, 31.0, below=1.0, above=3.0, year=2020.0),
                        _anchor("far", 0.2, 35.0, sigma=4.0)), 0.1, "test", "test")


def _density(a: Anchor, r, g):
    """p_k(R) written directly (not through Pieces): normal or split normal."""
    m = a.median_log10_flop - g * (T_REF - a.algorithms_year)
    lo, hi = a.sigmas_log10_flop
    return np.where(r < m, 2 * lo / (lo + lo) * stats.norm.pdf(r, m, lo),
                    2 * hi / (hi + hi) * stats.norm.pdf(r, m, hi))


def _numeric_joint(req, k, r, e_now, g, s):
    """P(R <= r, anchor k | not yet) by quadrature of w_k p_k(R) Phi((R - E_now) / s)."""
    def like(x):
        return stats.norm.cdf((x - e_now) / s)

    def mass(a, upper):  # finite limits: quad over an infinite range can miss a narrow bump
        lo, hi = 0.0, min(upper, 100.0)
        m = a.median_log10_flop - g * (T_REF - a.algorithms_year)
        points = [x for x in (m, e_now) if lo < x < hi]
        return integrate.quad(lambda x: a.weight * _density(a, x, g) * like(x), lo, hi,
                              limit=400, points=points or None)[0]

    evidence = req.no_path_weight + sum(mass(a, np.inf) for a in req.anchors)
    return mass(req.anchors[k], r) / evidence


@pytest.mark.parametrize("e_now,s", [(27.5, 0.3), (29.5, 0.8)])
def test_joint_cdf_by_anchor_matches_quadrature(mixed, e_now, s):
    g = 0.4
    r = np.array([[28.0, 30.0, 31.5, 34.0]])
    joint = requirement.joint_cdf_by_anchor(mixed, r, [e_now], [g], [s], T_REF)
    for k in range(len(mixed.anchors)):
        expected = [_numeric_joint(mixed, k, x, e_now, g, s) for x in r[0]]
        np.testing.assert_allclose(joint[k, 0], expected, atol=2e-6)


def test_contributions_add_up_and_responsibilities_are_the_limit(mixed):
    e_now, g, s = np.array([27.0, 29.0]), np.array([0.3, 0.5]), np.array([0.2, 0.9])
    r = np.tile(np.linspace(25, 60, 8), (2, 1))
    joint = requirement.joint_cdf_by_anchor(mixed, r, e_now, g, s, T_REF)
    resp = requirement.anchor_responsibilities(mixed, e_now, g, s, T_REF)
    np.testing.assert_allclose(joint.sum(axis=0),
                               requirement.conditional_cdf(mixed, r, e_now, g, s, T_REF),
                               atol=1e-15)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, atol=1e-12)
    # far above every anchor, anchor k's joint CDF is its posterior responsibility
    np.testing.assert_allclose(joint[:, :, -1].T, resp[:, :-1], atol=1e-9)
    assert np.all(resp[:, -1] > mixed.no_path_weight)  # "not yet" favours "no path"


def test_one_anchor_contribution_is_that_anchors_own_conditional_cdf(mixed):
    """P(R <= r | anchor k, not yet) in the mixture = F(r) of a requirement holding anchor k
    alone: the joint CDF divided by the responsibility."""
    e_now, g, s = np.array([28.0]), np.array([0.4]), np.array([0.5])
    r = np.linspace(26, 45, 12)[None, :]
    joint = requirement.joint_cdf_by_anchor(mixed, r, e_now, g, s, T_REF)
    resp = requirement.anchor_responsibilities(mixed, e_now, g, s, T_REF)
    for k, a in enumerate(mixed.anchors):
        alone = Requirement((dataclasses.replace(a, weight=1.0),), 0.0, "t", "t")
        np.testing.assert_allclose(joint[k] / resp[:, k, None],
                                   requirement.conditional_cdf(alone, r, e_now, g, s, T_REF),
                                   atol=1e-10)


def test_per_draw_pieces_broadcast_like_fixed_pieces(mixed):
    """A Pieces field may be (n, P), per posterior draw: tiled fixed pieces give the same."""
    p = requirement.requirement_pieces(mixed)
    n = 3
    tiled = dataclasses.replace(p, medians=np.tile(p.medians, (n, 1)),
                                sigmas=np.tile(p.sigmas, (n, 1)),
                                weights=np.tile(p.weights, (n, 1)))
    args = (np.array([27.0, 28.0, 29.0]), np.array([0.3, 0.4, 0.5]), np.array([0.2, 0.4, 0.9]),
            T_REF)
    r = np.tile(np.linspace(26, 40, 5), (n, 1))
    np.testing.assert_allclose(
        requirement.joint_cdf_by_anchor(mixed, r, *args[:3], T_REF, pieces=tiled),
        requirement.joint_cdf_by_anchor(mixed, r, *args[:3], T_REF), atol=1e-14)
    np.testing.assert_allclose(
        requirement.anchor_responsibilities(mixed, *args, pieces=tiled),
        requirement.anchor_responsibilities(mixed, *args), atol=1e-14)
    assert requirement.number_of_anchors(p) == len(requirement.anchor_labels(mixed)) == 3


CUTOFF = 2025.83


@pytest.fixture(scope="module")
def default_by_anchor():
    """Stand-in posterior draws of the default scenario (as tests/test_summary.py)."""
    from tests.test_summary import parameter_draws, stand_in_run

    scenario = load_scenario("default")
    rng = np.random.default_rng(5)
    n = 800
    params = parameter_draws(scenario, n, rng)
    full, draws = stand_in_run(scenario, params, rng)
    grid = arrival_grid_years(CUTOFF, scenario.horizon_year, REPORT_YEARS)
    by_anchor = arrival_cdf_by_anchor(full, scenario, CUTOFF, grid)
    return scenario, full, grid, by_anchor, draws["arrival_year"]


def test_anchor_contributions_sum_to_the_headline(default_by_anchor):
    scenario, full, grid, by_anchor, arrival = default_by_anchor
    n = arrival.size
    np.testing.assert_allclose(by_anchor.sum(axis=0),
                               arrival_cdf_by_draw(full, scenario, CUTOFF, grid), atol=1e-12)
    resp = anchor_responsibilities(full, scenario, CUTOFF)
    labels = requirement.anchor_labels(scenario.requirement)
    out = summarize_by_anchor(by_anchor.reshape(len(labels), 2, n // 2, grid.size), grid,
                              resp.reshape(2, n // 2, -1), labels,
                              list(requirement.prior_weights(scenario.requirement)[:-1]),
                              scenario.requirement.no_path_weight)
    headline = summarize_arrival(arrival.reshape(2, -1), scenario.horizon_year,
                                 cdf_by_draw=by_anchor.sum(axis=0).reshape(2, n // 2, -1),
                                 grid_years=grid)
    for year in map(str, REPORT_YEARS):
        total = sum(e["p_by_year"][year]["p"] for e in out["anchors"].values())
        assert total == pytest.approx(headline["p_by_year"][year]["p"], abs=len(labels) * 5e-6)
        assert all(e["p_by_year"][year]["mcse"] > 0 for e in out["anchors"].values()
                   if e["p_by_year"][year]["p"] > 1e-3)
    resp_total = sum(e["posterior_responsibility"]["p"] for e in out["anchors"].values())
    assert resp_total == pytest.approx(1 - out["no_path"]["posterior_responsibility"]["p"],
                                       abs=len(labels) * 5e-6)
    # an anchor's contribution can never exceed its responsibility (P(T <= y, k) <= P(k))
    for e in out["anchors"].values():
        assert e["p_by_year"]["2100"]["p"] <= e["posterior_responsibility"]["p"] + 1e-5
    table = format_anchor_table(out)
    assert "situational_awareness_2024" in table and "no path" in table
    assert f"{headline['p_by_year']['2030']['p'] * 100:7.1f}" in table.splitlines()[-1]


def test_requirement_update_matches_exact_draws(default_by_anchor):
    """The averaged CDFs of requirement_update against R drawn from its prior (at prior draws of
    theta) and from its conditional (at the posterior draws): model/requirement.py draw_prior /
    draw_conditional."""
    from model.forecast import capability_per_draw, forecast_algorithmic_growth, projection_inputs
    from model.requirement_update import (
        prior_parameter_draws,
        requirement_update,
        update_document,
    )

    scenario, full, *_ = default_by_anchor
    req = scenario.requirement
    update = requirement_update(full, scenario, CUTOFF)
    inputs = projection_inputs(full, scenario, CUTOFF)
    rng = np.random.default_rng(3)
    reps = 40  # draws of R per theta
    g = np.repeat(inputs.algorithmic_growth_oom_per_year, reps)
    cap = requirement.capability_draws(req, full, scenario.reference_year)
    cap = requirement.CapabilityDraws(np.repeat(cap.log10_horizon_minutes_at_centre, reps),
                                      np.repeat(cap.horizon_per_oom, reps), cap.reference_year)
    theta0 = prior_parameter_draws(scenario, inputs.size)
    cap0 = capability_per_draw(theta0, scenario, inputs.size)
    cap0 = requirement.CapabilityDraws(np.repeat(cap0.log10_horizon_minutes_at_centre, reps),
                                       np.repeat(cap0.horizon_per_oom, reps), cap0.reference_year)
    prior = requirement.draw_prior(
        rng, req, np.repeat(forecast_algorithmic_growth(theta0, scenario), reps),
        scenario.reference_year, cap0)
    post = requirement.draw_conditional(
        rng, req, np.repeat(inputs.effective_compute_at_cutoff, reps), g,
        np.repeat(full["not_yet_agi_softness_oom"], reps), scenario.reference_year, cap)
    assert update.n_draws == inputs.size  # 800 draws: no thinning
    for draws, cdf, no_path in ((prior, update.prior_cdf[-1], update.no_path_prior),
                                (post, update.posterior_cdf[-1], update.no_path_posterior)):
        finite = draws[np.isfinite(draws)]
        assert np.mean(np.isinf(draws)) == pytest.approx(no_path, abs=0.004)
        for q in (0.05, 0.5, 0.95):
            assert np.interp(np.quantile(finite, q), update.grid, cdf) == pytest.approx(q, abs=0.01)
    doc = update_document(update, scenario.reference_year)
    sa = doc["anchors"]["situational_awareness_2024"]
    assert sa["prior"]["median"] == pytest.approx(30.3, abs=0.01)  # stated at 2023 algorithms
    # "not yet" truncates the low anchors: their posterior is narrower and higher
    life = doc["anchors"]["lifetime"]
    assert life["sd_ratio_posterior_to_prior"] < 0.8 and life["posterior"]["median"] > \
        life["prior"]["median"]
    assert all(0 < a["sd_ratio_posterior_to_prior"] <= 1.02 for a in doc["anchors"].values())
    # the capability anchor learns from the horizon data through (a_h, b_h), not only from "not
    # yet": its posterior is far narrower than its prior
    assert doc["anchors"]["capability"]["sd_ratio_posterior_to_prior"] < 0.5
    assert doc["blend_given_a_path"]["posterior_weight"] == pytest.approx(
        1 - doc["no_path"]["posterior"], abs=1e-4)


@pytest.fixture(scope="module")
def capability_with_never():
    """Stand-in posterior draws of the default (which has the capability anchor), every third
    draw's horizon slope b_h set below the floor (its capability mass is then "no path")."""
    from tests.test_summary import parameter_draws, stand_in_run

    scenario = load_scenario("default")
    assert scenario.requirement.capability is not None
    rng = np.random.default_rng(11)
    n = 600
    params = parameter_draws(scenario, n, rng)
    never = np.arange(n) % 3 == 0
    b_h = np.broadcast_to(np.asarray(params["capability_horizon_per_oom"], float), (n,)).copy()
    b_h[never] = 0.5 * scenario.requirement.capability.horizon_per_oom_floor
    params = params | {"capability_horizon_per_oom": b_h}
    full, draws = stand_in_run(scenario, params, rng)
    return scenario, full, never, draws


def test_capability_anchor_rows_sum_to_the_headline_with_draws_below_the_floor(
        capability_with_never):
    """The capability anchor is the last per-anchor row; the rows (capability included) add up
    to the headline CDF, the responsibilities ("no path" included) to 1, and a draw whose b_h is
    below the floor gives the capability anchor nothing and "no path" its weight."""
    scenario, full, never, draws = capability_with_never
    req, n = scenario.requirement, never.size
    labels = requirement.anchor_labels(req)
    assert labels[-1] == "capability" and len(labels) == len(req.anchors) + 1
    grid = arrival_grid_years(CUTOFF, scenario.horizon_year, REPORT_YEARS)
    by_anchor = arrival_cdf_by_anchor(full, scenario, CUTOFF, grid)
    assert by_anchor.shape == (len(labels), n, grid.size)
    headline_by_draw = arrival_cdf_by_draw(full, scenario, CUTOFF, grid)
    np.testing.assert_allclose(by_anchor.sum(axis=0), headline_by_draw, atol=1e-12)
    assert np.all(by_anchor[-1][never] == 0.0)  # no capability mass below the floor
    assert np.all(by_anchor[-1][~never][:, -1] > 0.0)

    resp = anchor_responsibilities(full, scenario, CUTOFF)
    assert resp.shape == (n, len(labels) + 1)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(resp[never, -2] == 0.0)
    # "no path" below the floor: (w_0 + w_cap) / P(not yet) >= w_0 + w_cap
    assert np.all(resp[never, -1] >= req.no_path_weight + req.capability.weight - 1e-12)
    # the joint CDF at R -> inf is the responsibility (two code paths: Phi2 vs log survival)
    from model.forecast import projection_inputs

    inputs = projection_inputs(full, scenario, CUTOFF)
    s = np.broadcast_to(np.asarray(full["not_yet_agi_softness_oom"], float), (n,))
    cap = requirement.capability_draws(req, full, scenario.reference_year)
    at_inf = requirement.joint_cdf_by_anchor(
        req, np.full((n, 1), 200.0), inputs.effective_compute_at_cutoff,
        inputs.algorithmic_growth_oom_per_year, s, scenario.reference_year, capability=cap)
    np.testing.assert_allclose(at_inf[:, :, 0].T, resp[:, :-1], atol=1e-9)
    # below the floor, the mixture is the blend alone with w_0 + w_cap as "no path"
    blend = dataclasses.replace(req, capability=None,
                                no_path_weight=req.no_path_weight + req.capability.weight)
    reach = np.linspace(26.0, 40.0, 8)[None, :].repeat(never.sum(), axis=0)
    sub = (inputs.effective_compute_at_cutoff[never],
           inputs.algorithmic_growth_oom_per_year[never], s[never], scenario.reference_year)
    cap_never = requirement.CapabilityDraws(cap.log10_horizon_minutes_at_centre[never],
                                            cap.horizon_per_oom[never], cap.reference_year)
    np.testing.assert_allclose(requirement.conditional_cdf(req, reach, *sub, cap_never),
                               requirement.conditional_cdf(blend, reach, *sub), atol=1e-12)

    # summary rows add up to the headline, with the capability weight and its MCSE
    chains = 2
    shape = (chains, n // chains)
    out = summarize_by_anchor(by_anchor.reshape(len(labels), *shape, grid.size), grid,
                              resp.reshape(*shape, -1), labels,
                              list(requirement.prior_weights(req)[:-1]), req.no_path_weight)
    headline = summarize_arrival(draws["arrival_year"].reshape(shape), scenario.horizon_year,
                                 cdf_by_draw=headline_by_draw.reshape(*shape, -1),
                                 grid_years=grid)
    assert out["anchors"]["capability"]["prior_weight"] == req.capability.weight
    assert out["anchors"]["capability"]["order"] == len(labels) - 1
    for year in map(str, REPORT_YEARS):
        total = sum(e["p_by_year"][year]["p"] for e in out["anchors"].values())
        assert total == pytest.approx(headline["p_by_year"][year]["p"], abs=len(labels) * 5e-6)
    total_resp = (sum(e["posterior_responsibility"]["p"] for e in out["anchors"].values())
                  + out["no_path"]["posterior_responsibility"]["p"])
    assert total_resp == pytest.approx(1.0, abs=(len(labels) + 1) * 5e-6)
    # the exact arrival draws (a separate path: draw_conditional, then the solver) agree with
    # the Rao-Blackwellised headline
    t = draws["arrival_year"]
    for year in (2030, 2050):
        j = int(np.searchsorted(grid, year))
        p = headline_by_draw[:, j].mean()
        assert np.mean(t <= year) == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n) + 0.01)
