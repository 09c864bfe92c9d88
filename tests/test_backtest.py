"""Backtests: the later-observation template, the withheld publication, the ImageNet
re-centring, and the scores' calibration when the forecast is the truth. The full backtest of
one cutoff (a real fit) is in the slow tier."""

from __future__ import annotations

import numpy as np
import pytest

from model.studies import backtest as bt
from model.summary import INTERVAL_PROBS

CUTOFF = 2019.0


@pytest.fixture(scope="module")
def setup():
    from model import data as data_mod
    from model.build import prepare_observations
    from model.scenario import load_scenario
    from model.workflow import default_cutoff_year

    scenario = load_scenario("default")
    streams = data_mod.load_all()
    tables = {k: s.table for k, s in streams.items()}
    full = prepare_observations(tables, scenario, default_cutoff_year(streams))
    fit = prepare_observations(tables, scenario, CUTOFF)
    return scenario, full, fit, bt.split_observations(full, fit, CUTOFF)


def test_later_rows_are_exactly_those_after_the_cutoff(setup):
    _, full, fit, later = setup
    for stream, (field, year_field, _) in bt.STREAMS.items():
        years = getattr(later, year_field)
        assert np.all(years > CUTOFF), stream
        assert getattr(later, field).size == years.size
        assert years.size + getattr(fit, year_field).size == getattr(full, year_field).size
    assert later.frontier_year.size > 10 and later.training_log10_cost_usd.size > 10
    # the Hernandez & Brown intercepts keep the fit's meaning
    np.testing.assert_array_equal(later.efficiency_series_mid_year, fit.efficiency_series_mid_year)


def test_ho2024_is_withheld_before_it_was_published(setup):
    """prepare_observations dates a published estimate by its publication_date (2024-03-09)."""
    from model.build import WITHHELD_SE, prepare_observations
    from model.data import load_all

    scenario, full, fit, _ = setup
    assert fit.ho2024_withheld and fit.ho2024_log_rate_se == WITHHELD_SE
    assert fit.published_estimates_used(scenario) == []
    assert full.published_estimates_used(scenario) == ["ho2024_lm_halving"]
    assert not full.ho2024_withheld and full.ho2024_log_rate_se < 1.0
    tables = {k: s.table for k, s in load_all().items()}
    # the day before and the day of publication (decimal years of 2024-03-08 and 2024-03-09)
    assert prepare_observations(tables, scenario, 2024.183).ho2024_withheld
    assert not prepare_observations(tables, scenario, 2024.19).ho2024_withheld


def _truth(scenario):
    from test_recovery import true_parameters

    return true_parameters(scenario)


def test_imagenet_recentring_is_the_same_equation(setup):
    """Noise-free: the later rows simulated around their own means with a' equal the fitted
    equation around the fit's means, a + delta x - beta [(C - mC_fit) + g (t - mt_fit)]."""
    from model.scenario import DOMAINS
    from model.simulate import simulate_observations

    scenario, _, fit, later = setup
    if later.imagenet_year.size == 0:
        pytest.skip("no ImageNet rows after the cutoff")
    p = {**_truth(scenario), "imagenet_scatter_logit": 0.0}
    sim = simulate_observations(bt.imagenet_recentred(p, fit, later), later, scenario,
                                np.random.default_rng(0))
    g = p["algorithmic_growth_oom_per_year"][DOMAINS.index("vision")]
    expected = (p["imagenet_logit_error_at_center"]
                + p["imagenet_extra_data_shift"] * later.imagenet_extra_data
                - p["imagenet_scaling_per_oom"] * ((later.imagenet_log10_flop
                                                    - fit.imagenet_log10_flop.mean())
                                                   + g * (later.imagenet_year
                                                          - fit.imagenet_year.mean())))
    np.testing.assert_allclose(sim.imagenet_logit_top1_error, expected, atol=1e-12)


CAPABILITY_CUTOFF = 2024.5  # --as-of 2024-06-30, the capability backtest of issue 6


@pytest.fixture(scope="module")
def capability_setup(setup):
    from model import data as data_mod
    from model.build import prepare_observations

    scenario, full, _, _ = setup
    tables = {k: s.table for k, s in data_mod.load_all().items()}
    fit = prepare_observations(tables, scenario, CAPABILITY_CUTOFF)
    return scenario, fit, bt.split_observations(full, fit, CAPABILITY_CUTOFF)


def test_capability_rows_after_mid_2024_are_the_ones_scored(capability_setup):
    """METR's frontier (is_sota) horizons released after 2024-06-30 up to the data vintage:
    o1-preview, Claude 3.5 Sonnet (Oct), o1, Claude 3.7 Sonnet, o3, GPT-5."""
    _, fit, later = capability_setup
    assert fit.horizon_year.size == 7 and later.horizon_year.size == 6
    assert set(later.horizon_model) == {"o1_preview", "claude_3_5_sonnet_20241022_inspect",
                                        "o1_inspect", "claude_3_7_sonnet_inspect", "o3_inspect",
                                        "gpt_5_2025_08_07_inspect"}
    assert later.eci_year.size > 20 and fit.eci_year.size > 30
    assert np.all(later.eci_year > CAPABILITY_CUTOFF)


def test_eci_recentring_is_the_same_equation(capability_setup):
    """Noise-free: later ECI rows simulated around their own means with a_e' equal the fitted
    equation around the fit's means, a_e + b_e [(C - mC_fit) + g_llm (t - mt_fit)]."""
    from model.simulate import simulate_observations

    scenario, fit, later = capability_setup
    p = {**_truth(scenario), "capability_eci_scatter_points": 0.0}
    sim = simulate_observations(bt.eci_recentred(p, fit, later), later, scenario,
                                np.random.default_rng(0))
    expected = (p["capability_eci_points_at_centre"] + p["capability_eci_points_per_oom"]
                * ((later.eci_log10_flop - fit.eci_log10_flop.mean())
                   + p["capability_eci_algorithmic_growth_oom_per_year"]
                   * (later.eci_year - fit.eci_year.mean())))
    np.testing.assert_allclose(sim.eci_points, expected, atol=1e-9)


def test_scores_are_calibrated_when_the_forecast_is_the_truth(setup):
    """A 'posterior' that is a point mass at the true parameters, later data simulated from
    them: coverage of every interval and the mean PIT are nominal (within 4 binomial se)."""
    from model.simulate import simulate_observations

    scenario, _, fit, later = setup
    p = _truth(scenario)
    y_rep = bt.predictive([p] * 1000, fit, later, scenario, seed=1)
    rng = np.random.default_rng(2)
    pooled = {f"in_{int(q * 100)}": [] for q in INTERVAL_PROBS}
    pooled["pit"] = []
    for _ in range(30):  # 30 "what happened" data sets, so every stream has many observations
        p_later = bt.eci_recentred(bt.imagenet_recentred(p, fit, later), fit, later)
        happened = simulate_observations(p_later, later, scenario, rng)
        for stream, (field, _, _) in bt.STREAMS.items():
            y = getattr(happened, field)
            if y.size:
                s = bt.score(y, y_rep[stream])
                for key in pooled:
                    pooled[key].append(s[key])
    pit = np.concatenate(pooled["pit"])
    assert pit.mean() == pytest.approx(0.5, abs=4 * np.sqrt(1 / 12 / pit.size))
    for q in INTERVAL_PROBS:
        cov = np.concatenate(pooled[f"in_{int(q * 100)}"]).mean()
        assert cov == pytest.approx(q, abs=4 * np.sqrt(q * (1 - q) / pit.size) + 0.005), q


def test_score_of_known_values():
    y_rep = np.linspace(0, 1, 1001)[:, None] * np.ones((1, 3))
    s = bt.score(np.array([0.5, 0.97, 2.0]), y_rep)
    np.testing.assert_allclose(s["pit"], [0.5005, 0.9710, 1.0], atol=1e-3)
    assert list(s["in_50"]) == [True, False, False]
    assert list(s["in_90"]) == [True, False, False]
    assert bt.summarise_scores(s)["coverage_90"] == pytest.approx(1 / 3, abs=1e-3)


@pytest.mark.slow
@pytest.mark.ci_slow
def test_backtest_of_one_cutoff(tmp_path):
    from model.inference import SamplerSettings

    settings = SamplerSettings(draws=300, tune=300, chains=2, seed=5, prior_draws=1)
    result = bt.run_backtest("default", [2019.0], tmp_path / "bt", settings,
                             cache_dir=tmp_path / "cache")
    rows = {r["stream"]: r for r in result.rows}
    assert rows["ALL"]["n"] > 50
    assert 0.5 <= rows["ALL"]["coverage_90"] <= 1.0
    for name in ("backtest.csv", "backtest.json", "backtest_fan.png", "backtest_pit.png"):
        assert (tmp_path / "bt" / name).is_file()


# ------------------------------------------------ rolling origin: pooled coverage (coverage.py)

def _records():
    """Two cutoffs' later rows: 2020.0 scores 2020.5, 2021.5 (x2), 2023.2; 2022.0 scores 2022.5,
    2023.2. Hits chosen by hand."""
    return [{"cutoff": 2020.0, "year": np.array([2020.5, 2021.5, 2021.5, 2023.2]),
             "pit": np.array([0.5, 0.95, 0.97, 0.99]),
             "in_50": np.array([True, False, False, False]),
             "in_80": np.array([True, False, False, False]),
             "in_90": np.array([True, True, False, False])},
            {"cutoff": 2022.0, "year": np.array([2022.5, 2023.2]), "pit": np.array([0.4, 0.7]),
             "in_50": np.array([True, True]), "in_80": np.array([True, True]),
             "in_90": np.array([True, True])}]


def test_pooled_coverage_counts_rows_years_and_leads():
    from model.studies.coverage import pooled_stream_coverage

    out = pooled_stream_coverage(_records(), np.random.default_rng(0))
    assert out["n_rows"] == 6 and out["n_cutoffs"] == 2
    assert out["calendar_years"] == [2020, 2021, 2022, 2023] and out["n_calendar_years"] == 4
    assert out["coverage_50"] == pytest.approx(3 / 6, abs=1e-3)
    assert out["coverage_90"] == pytest.approx(4 / 6, abs=1e-3)
    assert out["mean_pit"] == pytest.approx(np.mean([0.5, 0.95, 0.97, 0.99, 0.4, 0.7]), abs=1e-3)
    assert out["share_pit_above_0.9"] == pytest.approx(3 / 6, abs=1e-3)
    # leads: 0.5, 1.5, 1.5, 3.2 (cutoff 2020) and 0.5, 1.2 (cutoff 2022)
    by_lead = {tuple(r["lead_years"]): (r["n"], r["coverage"]) for r in out["coverage_90_by_lead"]}
    assert by_lead == {(0.0, 1.0): (2, 1.0), (1.0, 2.0): (3, pytest.approx(2 / 3, abs=1e-3)),
                       (3.0, None): (1, 0.0)}
    lo, hi = out["coverage_90_interval"]
    assert 0.0 <= lo <= out["coverage_90"] <= hi <= 1.0 and hi - lo > 0.1


def test_block_bootstrap_needs_several_years_and_is_exact_when_years_agree():
    from model.studies.coverage import block_bootstrap_interval

    rng = np.random.default_rng(0)
    assert block_bootstrap_interval([2021.1, 2021.7, 2022.3], [1, 0, 1], rng) is None
    # every year has the same hit rate (1 of 2): every resample gives exactly 0.5
    year = np.repeat([2019.5, 2020.5, 2021.5, 2022.5], 2)
    assert block_bootstrap_interval(year, [1, 0] * 4, rng) == pytest.approx((0.5, 0.5))


def test_block_bootstrap_covers_correlated_rows_better_than_a_binomial_interval():
    """Rows that share a calendar-year shock (corr 0.8 within a year, 8 years x 5 rows), each
    inside a nominal 80% interval marginally: the 90% block bootstrap interval of the pooled
    coverage contains 0.8 in most replicates (a percentile bootstrap over 8 clusters
    under-covers a little: ~0.81 measured), a binomial interval that counts the 40 rows as
    independent much less often (~0.66)."""
    from scipy.stats import norm

    from model.studies.coverage import block_bootstrap_interval

    rng = np.random.default_rng(1)
    n_years, per_year, rho, reps = 8, 5, 0.8, 300
    year = np.repeat(np.arange(2016, 2016 + n_years), per_year) + 0.5
    block = binomial = 0
    for _ in range(reps):
        x = (np.repeat(rng.normal(0, np.sqrt(rho), n_years), per_year)
             + rng.normal(0, np.sqrt(1 - rho), year.size))
        hits = np.abs(x) < norm.ppf(0.9)
        lo, hi = block_bootstrap_interval(year, hits, rng, draws=1000)
        block += lo <= 0.8 <= hi
        p = hits.mean()
        half = 1.645 * np.sqrt(p * (1 - p) / hits.size)
        binomial += p - half <= 0.8 <= p + half
    print(f"\ncontains 0.8: block bootstrap {block / reps:.3f}, binomial {binomial / reps:.3f}")
    assert block / reps >= 0.74
    assert block / reps >= binomial / reps + 0.08


def _cost_coverage_per_replicate(p_data, p_forecast, fit, later, scenario, n_rep=200):
    """Per simulated 'what happened' data set (from p_data), the training-cost rows' coverage
    of each interval of the backtest's predictive at p_forecast (a point-mass 'posterior')."""
    from model.simulate import simulate_observations

    y_rep = bt.predictive([p_forecast] * 2000, fit, later, scenario, seed=3)["training_cost"]
    rng = np.random.default_rng(4)
    out = {q: [] for q in INTERVAL_PROBS}
    for _ in range(n_rep):
        y = simulate_observations(p_data, later, scenario, rng).training_log10_cost_usd
        s = bt.score(y, y_rep)
        for q in INTERVAL_PROBS:
            out[q].append(s[f"in_{int(q * 100)}"].mean())
    return {q: np.array(v) for q, v in out.items()}


def test_cost_predictive_covers_a_drifting_spending_rate_at_the_nominal_rate(setup):
    """Later cost data generated with the model's own drift (the spending rate a random walk from
    the cutoff, sd 0.15 OOM/yr per year, model/build.py block 1): the backtest's predictive,
    which walks a fresh drift per draw (model/simulate.py), covers at the nominal rate; a
    predictive without drift (sd 0: a fixed rate) under-covers. The se is over replicates, since
    one walk moves every later row together."""
    scenario, _, fit, later = setup
    p = {**_truth(scenario), "spending_rate_drift_sd_oom_per_year": 0.15}
    assert later.cost_year.max() - fit.cutoff_year > 5  # leads long enough for drift to matter
    honest = _cost_coverage_per_replicate(p, p, fit, later, scenario)
    naive = _cost_coverage_per_replicate(p, {**p, "spending_rate_drift_sd_oom_per_year": 0.0},
                                         fit, later, scenario)
    for q in INTERVAL_PROBS:
        cov, se = honest[q].mean(), honest[q].std() / np.sqrt(honest[q].size)
        print(f"{q:.0%}: with drift {cov:.3f} (se {se:.3f}), without {naive[q].mean():.3f}")
        assert cov == pytest.approx(q, abs=4 * se + 0.005), q
        assert naive[q].mean() < q - 0.05, q


def test_backtest_predictive_does_not_carry_the_fitted_drift_steps(setup):
    """Posterior draws carry the fit's z_b (for the PPC at the fitted rows); the later rows'
    predictive drops them (a new walk from the cutoff) instead of failing on their shape."""
    scenario, _, fit, later = setup
    p = {**_truth(scenario), "spending_rate_drift_z": np.zeros(3)}  # a fit's steps, wrong size
    y_rep = bt.predictive([p] * 50, fit, later, scenario, seed=1)["training_cost"]
    assert y_rep.shape == (50, later.cost_year.size) and np.all(np.isfinite(y_rep))
