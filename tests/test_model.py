"""The PyMC model's contract and the requirement's analytic marginalisation."""

import numpy as np
import pymc as pm
import pytest
from scipy import special, stats

from model import requirement
from model.build import (
    EFFICIENCY_SERIES,
    FREE_PARAMETERS,
    OBSERVED_STREAMS,
    SAMPLED_AS,
    build_model,
    largest_of_year,
    log_prob_not_yet_graph,
    prepare_observations,
    sampled_requirement_graph,
)
from model.data import load_all
from model.scenario import DOMAINS, load_scenario
from model.workflow import default_cutoff_year


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("default")


@pytest.fixture(scope="module")
def blend(scenario):
    """The default's anchor blend without its capability anchor (a per-draw piece, tested in
    tests/test_capability.py): the mixture mechanics below need no fitted capability draws."""
    import dataclasses

    req = scenario.requirement
    keep = 1.0 - req.capability.weight  # the file's blend weights (they sum to 1)
    anchors = tuple(dataclasses.replace(a, weight=a.weight / keep) for a in req.anchors)
    return dataclasses.replace(scenario, requirement=dataclasses.replace(
        req, anchors=anchors, no_path_weight=req.no_path_weight / keep, capability=None))


@pytest.fixture(scope="module")
def obs(scenario):
    streams = load_all()
    return prepare_observations({k: s.table for k, s in streams.items()}, scenario,
                                default_cutoff_year(streams))


@pytest.fixture(scope="module")
def model(obs, scenario):
    return build_model(obs, scenario)


def test_logp_and_gradient_finite_at_initial_point(model):
    ip = model.initial_point()
    logp = model.compile_logp()(ip)
    grad = model.compile_dlogp()(ip)
    assert np.isfinite(logp)
    assert np.all(np.isfinite(grad))
    assert np.any(grad != 0)


def test_variable_and_dim_names_are_the_public_contract(model):
    free = {rv.name for rv in model.free_RVs}
    expected_free = {"log10_frontier_compute_at_centre_flop", "hardware_growth_oom_per_year",
                     "spending_growth_oom_per_year", "other_growth_oom_per_year",
                     "log10_flop_per_s_per_usd_at_centre", "log10_training_cost_at_centre_usd",
                     "frontier_compute_scatter_oom", "hardware_scatter_oom",
                     "training_cost_scatter_oom", "compute_error_likely_oom",
                     "compute_error_speculative_oom", "compute_error_unknown_oom",
                     "algorithmic_log_rate_mean", "algorithmic_log_rate_domain_sd",
                     "algorithmic_log_rate_z", "log10_efficiency_series_flop",
                     "efficiency_series_scatter_oom", "imagenet_logit_error_at_center",
                     "imagenet_scaling_per_oom", "imagenet_extra_data_shift",
                     "imagenet_scatter_logit", "not_yet_agi_softness_oom",
                     "largest_run_premium_oom", "largest_run_cost_premium_oom",
                     "largest_run_cost_premium_trend_oom_per_year",
                     "spending_rate_drift_sd_oom_per_year", "spending_rate_drift_z",
                     "log10_accelerator_flop_per_s_per_usd_at_centre", "accelerator_scatter_oom",
                     "capability_horizon_log10_minutes_at_centre", "capability_horizon_per_oom",
                     "capability_horizon_scatter_oom", "capability_eci_points_at_centre",
                     "capability_eci_points_per_oom",
                     "capability_eci_algorithmic_growth_oom_per_year",
                     "capability_eci_scatter_points"}
    # SAMPLED_AS: the default prior samples these public names in other coordinates
    assert free == {SAMPLED_AS.get(n, n) for n in expected_free}
    assert {"horizon_log10_p50_minutes", "eci_points"} <= set(OBSERVED_STREAMS)
    assert model.named_vars_to_dims["horizon_log10_p50_minutes"] == ("horizon_model",)
    assert model.named_vars_to_dims["eci_points"] == ("eci_model",)
    assert {rv.name for rv in model.observed_RVs} == set(OBSERVED_STREAMS)
    assert model.named_vars_to_dims["algorithmic_growth_oom_per_year"] == ("domain",)
    assert model.named_vars_to_dims["log10_efficiency_series_flop"] == ("efficiency_series",)
    assert model.named_vars_to_dims["spending_rate_drift_z"] == ("spending_drift_year",)
    assert tuple(model.coords["domain"]) == DOMAINS
    assert tuple(model.coords["efficiency_series"]) == EFFICIENCY_SERIES
    deterministics = {v.name for v in model.deterministics}
    # the physical growth is sampled (SAMPLED_AS) or a deterministic (a Fixed residual prior)
    assert "physical_compute_growth_oom_per_year" in deterministics | free
    assert {"log10_effective_compute_at_cutoff",
            "log_prob_no_agi_by_cutoff", "log10_frontier_compute_at_ref_flop",
            "log10_flop_per_s_per_usd_at_ref", "log10_training_cost_at_ref_usd",
            "log10_accelerator_flop_per_s_per_usd_at_ref"} <= deterministics
    assert set(SAMPLED_AS) <= deterministics
    assert free <= {SAMPLED_AS.get(n, n) for n in FREE_PARAMETERS}


def test_graph_and_numpy_not_yet_probability_agree(blend):
    import pytensor.tensor as pt

    e, g, s = pt.dscalar("e"), pt.dscalar("g"), pt.dscalar("s")
    f = pm.compile([e, g, s], log_prob_not_yet_graph(blend, e, g, s))
    rng = np.random.default_rng(0)
    for _ in range(20):
        ev, gv, sv = rng.uniform(20, 40), rng.uniform(0.1, 1.0), rng.uniform(0.01, 1.0)
        numpy_value = requirement.log_prob_not_yet(blend.requirement, [ev], [gv], [sv],
                                                   blend.reference_year)[0]
        assert float(f(ev, gv, sv)) == pytest.approx(numpy_value, abs=1e-7)


def test_not_yet_probability_falls_as_compute_rises(blend):
    e = np.linspace(20, 45, 50)
    lp = requirement.log_prob_not_yet(blend.requirement, e, np.full(50, 0.4),
                                      np.full(50, 0.3), blend.reference_year)
    assert np.all(np.diff(lp) < 0)
    # with everything reached, only "no path" remains
    assert np.exp(lp[-1]) == pytest.approx(blend.requirement.no_path_weight, abs=0.02)


def _exact_draws_against_importance_sampling(req, e_now, softness, g_value, t_ref, n,
                                              never_tol):
    """R | not yet from the exact sampler against importance-weighted prior draws (weights
    P(not yet | R) = Phi((R - E_now) / s)): the no-path share, five quantiles of the finite part
    and the marginal P(not yet) must agree. Returns the exact draws."""
    rng = np.random.default_rng(1)
    g = np.full(n, g_value)
    exact = requirement.draw_conditional(rng, req, np.full(n, e_now), g, np.full(n, softness),
                                         t_ref)
    prior = requirement.draw_prior(rng, req, g, t_ref)
    weights = np.exp(special.log_ndtr((prior - e_now) / softness))
    weights[np.isinf(prior)] = 1.0
    p_never = weights[np.isinf(prior)].sum() / weights.sum()
    assert np.isinf(exact).mean() == pytest.approx(p_never, abs=never_tol)
    fin = np.isfinite(prior)
    order = np.argsort(prior[fin])
    cdf = np.cumsum(weights[fin][order]) / weights[fin].sum()
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        weighted_q = prior[fin][order][np.searchsorted(cdf, q)]
        assert np.quantile(exact[np.isfinite(exact)], q) == pytest.approx(weighted_q, abs=0.1)
    lp = requirement.log_prob_not_yet(req, [e_now], [g_value], [softness], t_ref)[0]
    assert weights.mean() == pytest.approx(np.exp(lp), rel=0.02)
    return exact


@pytest.mark.parametrize("e_now, softness", [(27.5, 0.3), (30.0, 0.05), (33.0, 1.0)])
def test_conditional_requirement_draw_is_exact(blend, e_now, softness):
    """R | not yet, drawn by the exact sampler, against importance-weighted prior draws."""
    _exact_draws_against_importance_sampling(blend.requirement, e_now, softness, 0.45,
                                             blend.reference_year, 200_000, never_tol=0.005)


def test_anchor_moved_to_reference_algorithms(blend):
    w, med, sig, years = requirement.anchor_arrays(blend.requirement)
    means = requirement.anchor_means_at_reference(med, years, 0.5, 2023.0)
    # a 2020-algorithms anchor needs 1.5 OOM fewer FLOP at 2023 algorithms at 0.5 OOM/yr
    i = [a.name for a in blend.requirement.anchors].index("lifetime")
    assert means[i] == pytest.approx(med[i] - 1.5)
    assert stats.norm.cdf(0) == 0.5  # sanity of scipy import


def test_centred_intercepts_keep_the_scenario_prior(model, obs, scenario):
    """Sampling the intercept at the data's centre is a shear: the prior of the reference-year
    intercept must still be the scenario's, independent of the slope."""
    draws = pm.sample_prior_predictive(draws=4000, model=model, random_seed=3).prior
    x_ref = draws["log10_flop_per_s_per_usd_at_ref"].values.ravel()
    g = draws["hardware_growth_oom_per_year"].values.ravel()
    prior = scenario.priors["log10_flop_per_s_per_usd_at_ref"].dist
    assert x_ref.mean() == pytest.approx(prior.mu, abs=0.1)
    assert x_ref.std() == pytest.approx(prior.sigma, rel=0.05)
    assert abs(np.corrcoef(x_ref, g)[0, 1]) < 0.05


def test_sampled_coordinates_keep_the_scenario_prior(model, scenario):
    """SAMPLED_AS (build.py docstring): g_phys sampled as one sum (a shear) and the label errors
    as |Normal|. The public names' prior must be the scenario's: each marginal passes a KS test
    against the scenario's distribution, and g_other stays independent of g_hw and g_spend."""
    from scipy import stats as st

    draws = pm.sample_prior_predictive(draws=4000, model=model, random_seed=5).prior
    for name in SAMPLED_AS:
        x = draws[name].values.ravel()
        assert st.kstest(x, scenario.priors[name].dist.scipy().cdf).pvalue > 0.01, name
    other = draws["other_growth_oom_per_year"].values.ravel()
    for rate in ("hardware_growth_oom_per_year", "spending_growth_oom_per_year"):
        assert abs(np.corrcoef(other, draws[rate].values.ravel())[0, 1]) < 0.05, rate
    phys = draws["physical_compute_growth_oom_per_year"].values.ravel()
    expected_sd = np.sqrt(sum(scenario.priors[n].dist.sigma ** 2 for n in (
        "hardware_growth_oom_per_year", "spending_growth_oom_per_year",
        "other_growth_oom_per_year")))
    assert phys.std() == pytest.approx(expected_sd, rel=0.05)


def test_sampled_coordinates_fall_back_where_the_prior_does_not_allow_them(obs):
    """A Fixed residual growth (Cotra 2020) has no sum to sample: g_phys is a deterministic of
    the sampled components and no other_growth variable exists (a constant of the graph)."""
    from model.build import sampled_as

    cotra = load_scenario("cotra-2020")
    assert sampled_as(cotra, "other_growth_oom_per_year") == "other_growth_oom_per_year"
    m = build_model(obs, cotra)
    free = {rv.name for rv in m.free_RVs}
    assert "physical_compute_growth_oom_per_year" not in free
    assert "physical_compute_growth_oom_per_year" in {v.name for v in m.deterministics}
    assert "compute_error_likely_signed_oom" in free  # its label errors are still HalfNormal


def test_sampled_values_invert_the_deterministics(model, obs, scenario):
    """build.sampled_values and build.spending_centre_values (SBC's truth -> graph coordinates)
    are the inverse of the graph's deterministics: evaluating the public names at the returned
    coordinates gives them back (the spending rate with a drift that is not zero)."""
    from model.build import sampled_values, spending_centre_values, spending_drift_maps

    n_years = len(model.coords["spending_drift_year"])
    z = np.linspace(-1.5, 2.0, n_years)
    public = {"hardware_growth_oom_per_year": 0.12, "spending_growth_oom_per_year": 0.41,
              "other_growth_oom_per_year": -0.05, "compute_error_likely_oom": 0.3,
              "compute_error_speculative_oom": 0.7, "compute_error_unknown_oom": 0.01,
              "capability_horizon_scatter_oom": 0.2, "log10_training_cost_at_ref_usd": 7.2,
              "spending_rate_drift_sd_oom_per_year": 0.15}
    maps = spending_drift_maps(obs.cost_year, obs.centre_years["cost"], obs.cutoff_year)
    coords = {**sampled_values(public),
              **{k: float(v[0]) for k, v in spending_centre_values(
                  {**public, "spending_rate_drift_z": z[None, :]}, maps,
                  scenario.reference_year).items()}}
    names = sorted({*SAMPLED_AS, "log10_training_cost_at_ref_usd"})
    inputs = ("hardware_growth_oom_per_year", "spending_rate_drift_sd_oom_per_year",
              "log10_training_cost_at_centre_usd", *SAMPLED_AS.values())
    f = pm.compile([model[v] for v in (*inputs, "spending_rate_drift_z")],
                   [model[n] for n in names], on_unused_input="ignore", mode="FAST_COMPILE")
    out = f(*[public.get(v, coords.get(v)) for v in inputs], z)
    assert dict(zip(names, np.asarray(out, float), strict=True)) == pytest.approx(
        {n: public[n] for n in names})


def test_bivariate_normal_cdf_against_scipy():
    rng = np.random.default_rng(5)
    for _ in range(30):
        h, k = rng.normal(0, 2, 2)
        rho = rng.uniform(-0.99, 0.9999)
        ref = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([h, k])
        assert requirement.bivariate_normal_cdf(h, k, rho) == pytest.approx(ref, abs=1e-7)


@pytest.mark.parametrize("e_now, softness", [(27.5, 0.3), (30.0, 0.02), (33.0, 1.0)])
def test_conditional_cdf_matches_exact_draws(blend, e_now, softness):
    n = 200_000
    rng = np.random.default_rng(2)
    draws = requirement.draw_conditional(rng, blend.requirement, np.full(n, e_now),
                                         np.full(n, 0.45), np.full(n, softness),
                                         blend.reference_year)
    grid = np.array([[25.0, 28.0, 30.0, 32.0, 36.0, 45.0, 80.0]])
    cdf = requirement.conditional_cdf(blend.requirement, grid, [e_now], [0.45], [softness],
                                      blend.reference_year)[0]
    empirical = (draws[:, None] <= grid[0]).mean(axis=0)
    np.testing.assert_allclose(cdf, empirical, atol=0.004)
    assert np.all(np.diff(cdf) >= -1e-12)
    assert cdf[-1] == pytest.approx(1 - blend.requirement.no_path_weight
                                    * 1 / np.exp(requirement.log_prob_not_yet(
                                        blend.requirement, [e_now], [0.45], [softness],
                                        blend.reference_year)[0]), abs=1e-9)


# ---------------------------------------------------------------- split-normal anchors
def _anchor(name, weight, median, below, above, year=2023.0):
    from model.scenario import Anchor

    return Anchor(name, weight, median, None, year, "test", "test", below, above)


@pytest.fixture(scope="module")
def split_scenario(scenario):
    """Split anchors skewed both ways, a normal anchor and 'no path': every kind of piece."""
    import dataclasses

    from model.scenario import Anchor, Requirement

    req = Requirement((_anchor("up", 0.35, 29.0, 1.5, 4.0, 2020.0),
                       _anchor("down", 0.3, 34.0, 4.0, 1.0),
                       Anchor("normal", 0.25, 31.0, 3.0, 2020.0, "test", "test")),
                      0.1, "test", "test")
    return dataclasses.replace(scenario, requirement=req)


def test_split_normal_prior_meets_its_stated_percentiles(scenario):
    import dataclasses

    from model.scenario import Requirement

    z90 = stats.norm.ppf(0.9)
    req = Requirement((_anchor("a", 1.0, 28.9, (28.9 - 26.6) / z90, (33.6 - 28.9) / z90),), 0.0,
                      "t", "t")
    s = dataclasses.replace(scenario, requirement=req)
    r = requirement.draw_prior(np.random.default_rng(4), s.requirement, np.full(200_000, 0.4),
                               s.reference_year)
    np.testing.assert_allclose(np.quantile(r, [0.1, 0.5, 0.9]), [26.6, 28.9, 33.6], atol=0.03)


def test_split_with_equal_sides_is_the_normal(scenario):
    from model.scenario import Anchor, Requirement

    split = Requirement((_anchor("a", 0.9, 31.0, 2.5, 2.5),), 0.1, "t", "t")
    normal = Requirement((Anchor("a", 0.9, 31.0, 2.5, 2023.0, "t", "t"),), 0.1, "t", "t")
    e = np.linspace(25, 38, 14)
    args = (e, np.full(14, 0.4), np.full(14, 0.3), 2023.0)
    np.testing.assert_allclose(requirement.log_prob_not_yet(split, *args),
                               requirement.log_prob_not_yet(normal, *args), atol=1e-10)
    grid = np.tile(np.linspace(24, 40, 9), (14, 1))
    np.testing.assert_allclose(requirement.conditional_cdf(split, grid, *args),
                               requirement.conditional_cdf(normal, grid, *args), atol=1e-8)


def test_graph_and_numpy_agree_with_split_anchors(split_scenario):
    import pytensor.tensor as pt

    e, g, s = pt.dscalar("e"), pt.dscalar("g"), pt.dscalar("s")
    f = pm.compile([e, g, s], log_prob_not_yet_graph(split_scenario, e, g, s))
    grad = pm.compile([e, g, s], pt.grad(log_prob_not_yet_graph(split_scenario, e, g, s),
                                         [e, g, s]))
    rng = np.random.default_rng(0)
    for _ in range(25):
        ev, gv, sv = rng.uniform(22, 40), rng.uniform(0.1, 1.0), rng.uniform(0.01, 1.5)
        numpy_value = requirement.log_prob_not_yet(split_scenario.requirement, [ev], [gv], [sv],
                                                   split_scenario.reference_year)[0]
        assert float(f(ev, gv, sv)) == pytest.approx(numpy_value, abs=1e-7)
        assert np.all(np.isfinite(grad(ev, gv, sv)))


@pytest.mark.parametrize("e_now, softness", [(27.5, 0.3), (30.0, 0.05), (33.0, 1.0),
                                             (36.0, 0.5)])
def test_conditional_draw_is_exact_with_split_anchors(split_scenario, e_now, softness):
    """R | not yet with split anchors, exact sampler vs importance-weighted prior draws; E_now
    above a median (36) exercises the lower half's tail."""
    req, t_ref = split_scenario.requirement, split_scenario.reference_year
    exact = _exact_draws_against_importance_sampling(req, e_now, softness, 0.4, t_ref, 100_000,
                                                     never_tol=0.006)
    grid = np.array([[26.0, 29.0, 31.0, 33.0, 35.0, 38.0, 45.0]])
    closed = requirement.conditional_cdf(req, grid, [e_now], [0.4], [softness], t_ref)[0]
    np.testing.assert_allclose(closed, (exact[:, None] <= grid[0]).mean(axis=0), atol=0.005)


@pytest.mark.parametrize("which", ["default", "split"])
def test_sampled_requirement_baseline_integrates_to_the_marginal(which, blend, split_scenario):
    """The benchmark's baseline (R sampled by NUTS) has the run's likelihood once R is integrated
    out: log int p(R) P(not yet | R) dR = log P(not yet), by quadrature on a fine grid."""
    import pytensor.tensor as pt

    sc = blend if which == "default" else split_scenario
    e, g, s = pt.dscalar("e"), pt.dscalar("g"), pt.dscalar("s")
    with pm.Model() as m:
        log_not_yet_given_r = sampled_requirement_graph(sc, e, g, s)
    offset = m["requirement_latent_offset_oom"]
    joint = m.potentials[0] + log_not_yet_given_r
    g_start = pm.compile([offset, e, g, s], joint)
    start = float(pm.compile([offset], m["requirement_log10_flop_latent"])(0.0))

    def f(x, ev, gv, sv):
        return g_start(x - start, ev, gv, sv)
    from scipy import integrate

    pieces = requirement.requirement_pieces(sc.requirement)
    rng = np.random.default_rng(3)
    for _ in range(4):
        ev, gv, sv = rng.uniform(24, 36), rng.uniform(0.2, 0.8), rng.uniform(0.1, 1.0)
        means = requirement.anchor_means_at_reference(pieces.medians, pieces.years, gv,
                                                      sc.reference_year)
        # integrate between the kinks (split halves jump at their medians) and past "no path"
        edges = np.unique(np.concatenate([[0.0], means, [ev, 100.0]]))
        integral = sum(integrate.quad(lambda x, ev=ev, gv=gv, sv=sv:
                                      np.exp(float(f(x, ev, gv, sv))), a, b,
                                      limit=200, epsabs=1e-12)[0]
                       for a, b in zip(edges[:-1], edges[1:], strict=True))
        expected = requirement.log_prob_not_yet(sc.requirement, [ev], [gv], [sv],
                                                sc.reference_year)[0]
        assert np.log(integral) == pytest.approx(expected, abs=1e-6)


def test_build_model_rejects_an_unknown_requirement_treatment(obs, scenario):
    with pytest.raises(ValueError, match="requirement must be one of"):
        build_model(obs, scenario, requirement="bogus")
    with pytest.raises(ValueError, match="capability anchor"):
        build_model(obs, scenario, requirement="sampled")


def test_sampled_requirement_baseline_model_is_complete(obs, blend):
    """What the benchmark does with it: logp/gradient finite at the start, and the model
    convertible for compute_log_likelihood (no custom initial values)."""
    from pymc.model.fgraph import fgraph_from_model

    m = build_model(obs, blend, requirement="sampled")
    ip = m.initial_point()
    assert np.isfinite(m.compile_logp()(ip))
    assert np.all(np.isfinite(m.compile_dlogp()(ip)))
    fgraph_from_model(m)


def test_largest_of_year_marks_each_busy_years_top_row():
    years = np.array([2020.1, 2020.5, 2020.9, 2021.2, 2021.3, 2022.0, 2022.4, 2022.6, 2022.7])
    values = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 7.0, 9.0, 8.0, 9.0])
    flags = largest_of_year(years, values)
    # 2020: 3 rows, top is the 2nd; 2021: 2 rows (< 3), no flag; 2022: tie -> the first 9.0
    np.testing.assert_array_equal(flags, [0, 1, 0, 0, 0, 0, 1, 0, 0])


def test_real_data_flags_the_known_largest_runs(obs):
    largest = set(obs.frontier_model[obs.frontier_is_largest_of_year == 1])
    assert {"GPT-3 175B (davinci)", "Gemini 1.0 Ultra", "Grok 4"} <= largest
    assert set(obs.cost_model[obs.cost_is_largest_of_year == 1]) >= {"GPT-4", "Grok-3"}
    # one flag per calendar year at most
    years = np.floor(obs.frontier_year[obs.frontier_is_largest_of_year == 1])
    assert years.size == np.unique(years).size

