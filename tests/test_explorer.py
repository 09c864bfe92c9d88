"""The requirement explorer's Python side (model/report/explorer.py): the reference computation
the page must match, checked against the run's own headline and the model's requirement code.
The page itself is driven in headless Chromium by tests/test_explorer_browser.py."""

import base64
import json

import numpy as np
import pytest
from publish_helpers import short_run_dir

from model.report.explorer import (
    EXPLORER_DRAWS,
    RUN_PRESET,
    explorer_data,
    explorer_summary,
    load_explorer_draws,
    presets,
    quantile_from_cdf,
    requirement_from_settings,
    run_settings,
    thinned_indices,
)
from model.summary import REPORT_YEARS, summarize_posterior


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return short_run_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def draws(run_dir):
    return load_explorer_draws(run_dir)


def test_thinning_spreads_evenly_and_keeps_everything_when_short():
    idx = thinned_indices(4000, 1000)
    assert idx.size == 1000 and idx[0] == 0 and idx[-1] == 3999
    assert set(np.diff(idx)) <= {4, 5}
    assert np.array_equal(thinned_indices(120, EXPLORER_DRAWS), np.arange(120))


def test_run_settings_reproduce_the_runs_rao_blackwellised_headline(run_dir, draws):
    """With every draw kept and the run's own requirement, the importance weights are exactly
    1 and the explorer's numbers are the run's summary (summary.py, the same grid)."""
    from model.inference import load_idata

    post = load_idata(run_dir / "posterior.nc").posterior
    ref = summarize_posterior(post, draws.scenario, draws.cutoff_year)
    mine = explorer_summary(draws, run_settings(draws.scenario))
    assert mine["n_draws"] == ref["n_draws"] == draws.n_total
    assert mine["ess_importance"] == pytest.approx(mine["n_draws"], rel=1e-12)
    assert mine["median"] == pytest.approx(ref["median"]["value"], abs=1e-4)
    for iv, r in zip(mine["intervals"], ref["intervals"], strict=True):
        for side in ("lower", "upper"):
            if r[side]["after_horizon"]:
                assert iv[side] is None
            else:
                assert iv[side] == pytest.approx(r[side]["value"], abs=1e-4)
    for y in REPORT_YEARS:
        assert mine["p_by_year"][str(y)]["p"] == pytest.approx(
            ref["p_by_year"][str(y)]["p"], abs=1e-5)
    assert mine["p_after_horizon"]["p"] == pytest.approx(ref["p_after_horizon"]["p"], abs=1e-5)


def test_quantile_rule_is_linear_between_grid_points_and_open_after_horizon():
    grid = np.array([2025.0, 2026.0, 2027.0, 2028.0])
    cdf = np.array([0.1, 0.3, 0.3, 0.7])
    assert quantile_from_cdf(grid, cdf, 0.05) == 2025.0
    assert quantile_from_cdf(grid, cdf, 0.2) == pytest.approx(2025.5)
    assert quantile_from_cdf(grid, cdf, 0.3) == 2026.0  # the first grid point that reaches it
    assert quantile_from_cdf(grid, cdf, 0.5) == pytest.approx(2027.5)
    assert quantile_from_cdf(grid, cdf, 0.8) is None


def test_settings_drop_zero_weights_and_need_one_anchor(draws):
    s = run_settings(draws.scenario)
    s["anchors"][0]["weight"] = 0.0
    req = requirement_from_settings(s)
    assert len(req.anchors) == len(draws.scenario.requirement.anchors) - 1
    for a in s["anchors"]:
        a["weight"] = 0.0
    with pytest.raises(ValueError, match="at least one anchor"):
        requirement_from_settings(s)


def test_a_lower_requirement_brings_arrival_forward_and_reweighting_matters(draws):
    """Science, not shape: a requirement 3 OOM lower arrives earlier; weights stay proper."""

    def normal(median, sigma=1.0, reweight=True):
        return {"anchors": [{"weight": 1.0, "median_log10_flop": median,
                             "sigma_log10_flop": sigma, "algorithms_year": 2023.0}],
                "no_path_weight": 0.0, "reweight": reweight}

    low, high = explorer_summary(draws, normal(30.0)), explorer_summary(draws, normal(33.0))
    assert low["p_by_year"]["2030"]["p"] > high["p_by_year"]["2030"]["p"]
    assert low["median"] < high["median"]
    plain = explorer_summary(draws, normal(30.0, reweight=False))
    assert plain["ess_importance"] == pytest.approx(draws.size)
    assert 1.0 <= low["ess_importance"] <= draws.size
    # a requirement at today's compute: "no AGI yet" pushes it just above, arrival soon after
    near = explorer_summary(draws, normal(float(np.median(
        draws.inputs.effective_compute_at_cutoff)), sigma=0.5))
    assert near["p_by_year"]["2030"]["p"] > 0.5


def test_payload_is_float64_exact_small_and_lists_presets(run_dir, draws):
    from model.inference import load_idata

    post = load_idata(run_dir / "posterior.nc").posterior
    payload, text = explorer_data(post, draws.scenario, draws.cutoff_year,
                                  headline=_fake_headline())
    assert "</" not in text
    e_now = payload["draws"]["effective_compute_at_cutoff"]
    decoded = np.frombuffer(base64.b64decode(e_now), dtype="<f8")
    assert np.array_equal(decoded, draws.inputs.effective_compute_at_cutoff)
    assert isinstance(payload["draws"]["unhobbling_growth_oom_per_year"], float)  # a constant
    grid = np.frombuffer(base64.b64decode(payload["grid_years"]), dtype="<f8")
    assert np.array_equal(grid, draws.grid_years)
    keys = [p["key"] for p in payload["presets"]]
    assert keys[0] == RUN_PRESET and len(keys) == len(set(keys))
    assert len(keys) == len(presets(draws.scenario))
    assert len(text) < 60_000 + 140 * draws.size  # ~112 bytes of base64 per draw
    json.loads(text.replace("<\\/", "</"))


def _fake_headline():
    entry = {"value": 2031.0, "after_horizon": False, "mcse": 0.1}
    return {"median": entry, "equal_tailed": [{"prob": 0.5, "lower": entry, "upper": entry}],
            "p_by_year": {"2030": {"p": 0.4, "mcse": 0.01}},
            "p_after_horizon": {"p": 0.1, "mcse": 0.01}, "n_draws": 120}
