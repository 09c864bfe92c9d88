"""Headline estimators: Rao-Blackwellised CDFs agree with counted arrival draws, with less noise."""

import numpy as np
import pytest

from model.forecast import arrival_cdf_by_draw, arrival_grid_years, forecast_draws
from model.scenario import load_scenario
from model.summary import REPORT_YEARS, summarize_arrival

CUTOFF = 2025.83


def parameter_draws(scenario, n, rng):
    """Independent stand-in 'posterior' draws: rates near the fitted ones, with spread."""
    return {
        "log10_frontier_compute_at_ref_flop": rng.normal(25.3, 0.1, n),
        "hardware_growth_oom_per_year": rng.normal(0.12, 0.01, n),
        "spending_growth_oom_per_year": rng.normal(0.45, 0.03, n),
        "other_growth_oom_per_year": rng.normal(0.08, 0.03, n),
        "log10_training_cost_at_ref_usd": rng.normal(7.6, 0.1, n),
        "algorithmic_growth_oom_per_year": np.exp(rng.normal(np.log(0.45), 0.15, (n, 3))),
        "not_yet_agi_softness_oom": np.abs(rng.normal(0, 0.5, n)),
    }


@pytest.fixture(scope="module")
def both():
    scenario = load_scenario("default")
    rng = np.random.default_rng(11)
    n = 4000
    params = parameter_draws(scenario, n, rng)
    draws = forecast_draws(params, scenario, CUTOFF, rng, conditioned=True)
    full = params | {k: v for k, v in draws.items() if k in scenario.projection_only()}
    grid = arrival_grid_years(CUTOFF, scenario.horizon_year, REPORT_YEARS)
    cdf = arrival_cdf_by_draw(full, scenario, CUTOFF, grid).reshape(4, n // 4, grid.size)
    arrival = draws["arrival_year"].reshape(4, n // 4)
    counted = summarize_arrival(arrival, scenario.horizon_year)
    rb = summarize_arrival(arrival, scenario.horizon_year, cdf_by_draw=cdf, grid_years=grid)
    return counted, rb


def test_rao_blackwellised_agrees_with_counting(both):
    counted, rb = both
    for year in map(str, REPORT_YEARS):
        c, r = counted["p_by_year"][year], rb["p_by_year"][year]
        assert abs(c["p"] - r["p"]) <= 4 * c["mcse"] + 1e-3, year
    assert abs(counted["p_after_horizon"]["p"] - rb["p_after_horizon"]["p"]) \
        <= 4 * counted["p_after_horizon"]["mcse"] + 1e-3
    assert abs(counted["median"]["value"] - rb["median"]["value"]) \
        <= 4 * counted["median"]["mcse"] + 0.05


def test_rao_blackwellised_has_smaller_mcse(both):
    counted, rb = both
    for year in ("2030", "2035", "2050"):
        assert rb["p_by_year"][year]["mcse"] < counted["p_by_year"][year]["mcse"] / 2
    assert rb["median"]["mcse"] < counted["median"]["mcse"]


def test_probabilities_increase_with_year(both):
    _, rb = both
    ps = [rb["p_by_year"][str(y)]["p"] for y in REPORT_YEARS]
    assert ps == sorted(ps)
    assert ps[-1] + rb["p_after_horizon"]["p"] == pytest.approx(1.0, abs=1e-4)
