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
        # the default's capability anchor reads these (near the fitted horizon relation)
        "capability_horizon_log10_minutes_at_centre": rng.normal(0.4, 0.1, n),
        "capability_horizon_per_oom": rng.normal(0.51, 0.07, n),
    }


def stand_in_run(scenario, params, rng):
    """What a run stores for stand-in posterior draws: the parameters plus the projection-only
    draws of the conditioned forecast at CUTOFF; also the forecast's own draws."""
    draws = forecast_draws(params, scenario, CUTOFF, rng, conditioned=True)
    return params | {k: v for k, v in draws.items() if k in scenario.projection_only()}, draws


@pytest.fixture(scope="module")
def both():
    scenario = load_scenario("default")
    rng = np.random.default_rng(11)
    n = 4000
    params = parameter_draws(scenario, n, rng)
    full, draws = stand_in_run(scenario, params, rng)
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


def test_limits_summary_counts_which_limit_binds_and_when():
    """60% of draws meet a power wall 2 OOM above today at tau = 2 / (0.65 - 0.15) = 4 years
    (2029.5), the rest have no wall in reach and meet the spending cap (3 OOM of headroom at
    0.45 - 0.0128 OOM/yr: 6.86 years, 2032.4): the table says exactly that."""
    from model.projection import ProjectionInputs
    from model.summary import format_limits_table, summarize_limits
    from model.walls import LIMIT_NAMES

    n = 1000
    half = np.arange(n) < 600
    gap = np.where(half, 2.0, 50.0)
    walls = np.full((n, 4), np.inf)
    walls[:, 0] = 27.0 + gap
    growth = np.zeros((n, 4))
    growth[:, 0] = 0.15
    p = ProjectionInputs.from_mapping(dict(
        effective_compute_at_cutoff=27.5, hardware_growth_oom_per_year=0.12,
        spending_growth_oom_per_year=0.45, other_growth_oom_per_year=0.08,
        algorithmic_growth_oom_per_year=0.4, unhobbling_growth_oom_per_year=0.0,
        gwp_growth_oom_per_year=0.0128, spending_headroom_oom=3.0, hardware_remaining_oom=40.0,
        other_remaining_oom=40.0, algorithms_remaining_oom=40.0, unhobbling_remaining_oom=0.0,
        physical_compute_at_cutoff_log10_flop=np.full(n, 27.0),
        wall_log10_flop_at_cutoff=walls, wall_growth_oom_per_year=growth))
    out = summarize_limits(p, 2025.5, 2100.0)
    power, spending = out["limits"]["power"], out["limits"]["spending"]
    assert list(out["limits"]) == list(LIMIT_NAMES)
    assert power["p_binds_by"]["2030"]["p"] == 0.6 and spending["p_binds_by"]["2030"]["p"] == 0
    assert spending["p_binds_by"]["2035"]["p"] == 0.4
    assert out["limits"]["data"]["p_binds_by"]["2035"]["p"] == 0
    assert power["median_start_year"]["value"] == pytest.approx(2029.5)
    assert spending["median_start_year"]["after_horizon"]
    # physical compute in 2030: the wall (27 + 2 + 0.15 * 4.5) or the uncapped 27 + 0.65 * 4.5
    assert out["physical_compute_log10_flop"]["2030"]["q05"] == pytest.approx(29.675)
    assert out["physical_compute_log10_flop"]["2030"]["q95"] == pytest.approx(27 + 0.65 * 4.5)
    assert "power" in format_limits_table(out) and "60.0%" in format_limits_table(out)


def test_flatten_draws_puts_chains_one_after_another_whatever_the_dim_order():
    import xarray as xr

    from model.forecast import flatten_draws

    values = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)  # (chain, draw, domain)
    ds = xr.Dataset({"a": (("chain", "draw", "domain"), values),
                     "b": (("domain", "chain", "draw"), values.transpose(2, 0, 1))})
    for name in ("a", "b"):
        flat = flatten_draws(ds, name)
        assert flat.shape == (6, 4)
        assert np.array_equal(flat[3], values[1, 0])  # sample 3 = chain 1, draw 0
