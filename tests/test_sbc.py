"""Simulation-based calibration: the rank code against mock samplers whose ranks are known
exactly, the uniformity tests against their nominal error rates, and the pieces of the real
study that need no sampling (conditioned prior draws, data swapping, centred intercepts).
The small real SBC (compile once, 10 simulations) is in the slow tier."""

from __future__ import annotations

import numpy as np
import pytest

from model.studies import sbc

L = 100


# ---------------------------------------------------------------- ranks, known exactly

@pytest.mark.parametrize("k", [0, 1, 37, L])
def test_rank_counts_draws_below_the_truth(k):
    rng = np.random.default_rng(k)
    truth = 0.3
    draws = np.concatenate([truth - rng.random(k) - 1e-9, truth + rng.random(L - k) + 1e-9])
    assert sbc.rank_of(truth, rng.permutation(draws), rng) == k


def test_ties_are_broken_uniformly():
    """+inf (arrival after the horizon) against 40 +inf draws and 60 finite ones: rank is
    uniform on 60..100, not always 100 (which would fake a miscalibration)."""
    rng = np.random.default_rng(0)
    draws = np.concatenate([np.full(40, np.inf), np.linspace(2030, 2090, 60)])
    r = np.array([sbc.rank_of(np.inf, draws, rng) for _ in range(20_000)])
    assert r.min() == 60 and r.max() == 100
    assert r.mean() == pytest.approx(80, abs=0.3)


def test_thinning_is_equally_spaced():
    idx = sbc.thin_indices(1000, 100)
    assert idx.size == 100 and np.all(np.diff(idx) == 10) and idx[0] == 0
    with pytest.raises(ValueError):
        sbc.thin_indices(10, 11)


def mock_study(n_sims: int, sampler, seed: int = 1) -> dict[str, np.ndarray]:
    """SBC of theta ~ N(0, 1), y ~ N(theta, 1) with a mock sampler(y, rng) -> L draws."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_sims):
        theta = rng.normal()
        y = rng.normal(theta, 1.0)
        out.append(sbc.ranks({"theta": theta}, {"theta": sampler(y, rng)}, rng)["theta"])
    return {"theta": np.array(out)}


def exact_posterior(y, rng):  # N(y/2, 1/2): the true posterior, so ranks are uniform
    return rng.normal(y / 2, np.sqrt(0.5), L)


def overconfident(y, rng):  # posterior sd halved: ranks pile up at both ends
    return rng.normal(y / 2, 0.5 * np.sqrt(0.5), L)


def biased(y, rng):  # shifted up by half a posterior sd: ranks too low
    return rng.normal(y / 2 + 0.35, np.sqrt(0.5), L)


def test_mock_sampler_with_known_ranks():
    """A sampler that puts exactly (i mod L+1) draws below the truth in simulation i: the rank
    code must return exactly that sequence, and the chi-square test sees a flat histogram."""
    rng = np.random.default_rng(3)
    got = []
    for i in range(10 * (L + 1)):
        theta = rng.normal()
        k = i % (L + 1)
        draws = np.concatenate([theta - 1 - rng.random(k), theta + 1 + rng.random(L - k)])
        got.append(sbc.rank_of(theta, draws, rng))
    assert got == [i % (L + 1) for i in range(10 * (L + 1))]
    tests = sbc.uniformity({"theta": np.array(got)}, L)
    assert tests["theta"]["p_chi_square"] > 0.99
    assert not tests["theta"]["fails"]


def test_calibrated_mock_sampler_passes_and_miscalibrated_ones_fail():
    good = sbc.uniformity(mock_study(400, exact_posterior), L)["theta"]
    assert good["p_ecdf_band"] > 0.05 and good["p_chi_square"] > 0.01 and not good["fails"]
    for sampler in (overconfident, biased):
        bad = sbc.uniformity(mock_study(400, sampler), L)["theta"]
        assert bad["fails"] and bad["p_ecdf_band"] < 0.001, sampler.__name__


def test_simultaneous_band_has_its_nominal_coverage():
    """95% of uniform samples lie inside the band at every point at once (Saeilynoja et al.)."""
    n = 200
    z, lower, upper, _ = sbc.simultaneous_band(n, 0.95, n_sim=2000, seed=0)
    rng = np.random.default_rng(99)
    inside = []
    for _ in range(1000):
        u = np.sort(rng.random(n))
        ecdf = np.searchsorted(u, z, side="right") / n
        inside.append(np.all((ecdf >= lower) & (ecdf <= upper)))
    assert np.mean(inside) == pytest.approx(0.95, abs=0.025)


def test_band_test_p_values_are_uniform_under_the_null():
    _, _, _, minima = sbc.simultaneous_band(100, seed=1)
    rng = np.random.default_rng(5)
    p = np.array([sbc.band_test(rng.random(100), minima) for _ in range(400)])
    assert np.mean(p < 0.05) == pytest.approx(0.05, abs=0.03)
    assert np.mean(p < 0.5) == pytest.approx(0.5, abs=0.08)


# ---------------------------------------------------------------- the real study's pieces

@pytest.fixture(scope="module")
def context():
    scenario, template = sbc.load_context({"scenario_path": "default", "data_dir": None,
                                           "cutoff_year": 2025.83})
    return scenario, template


def test_quantities_cover_every_free_parameter_and_the_derived_ones(context):
    from model.build import SAMPLED_AS, build_model

    scenario, template = context
    names = sbc.quantity_names(scenario)
    free = {rv.name for rv in build_model(template, scenario).free_RVs}
    bases = {SAMPLED_AS.get(b, b) for b in (n.split("[")[0] for n in names)}
    assert free - sbc.NOT_RANKED <= bases
    assert not sbc.NOT_RANKED & bases  # the spending rate's steps z_b: their sd is ranked
    assert "spending_rate_drift_sd_oom_per_year" in names
    assert {"arrival_year", "log_likelihood"} <= set(names)
    assert "algorithmic_log_rate_z[language_models]" in names
    assert "student_t_nu" not in bases  # Fixed priors are constants, not ranked


def test_conditioned_prior_rejects_worlds_with_agi(context, monkeypatch):
    """Step 1: draws under which a simulated world already has AGI are rejected."""
    import model.simulate as simulate

    scenario, template = context
    answers = iter([0, 0, 1])
    monkeypatch.setattr(simulate, "simulate_no_agi_by_cutoff", lambda *a, **k: next(answers))
    _, tries = sbc.draw_conditioned_prior(scenario, template.cutoff_year,
                                          np.random.default_rng(0))
    assert tries == 3


def test_conditioning_on_not_yet_rejects_the_worlds_that_are_far_along(context):
    """Conditioning on 'not yet' removes prior worlds that are far along: the prior draws that
    the 'no AGI by the cutoff' simulation rejects (draw_conditioned_prior keeps the others) have
    far more effective compute now than the accepted ones. Measured at seeds 2-4: ~2 OOM apart,
    with a standard error of ~0.2 OOM. (Comparing the conditioned and unconditioned means
    directly has little power: only ~12% of draws are rejected, so the means differ by ~0.2 OOM,
    about two standard errors at 400 draws, and the check failed at random.)"""
    from model.simulate import (
        draw_parameters,
        effective_compute_at_cutoff,
        simulate_no_agi_by_cutoff,
    )

    scenario, template = context
    rng = np.random.default_rng(2)
    c = template.cutoff_year
    accepted, rejected = [], []
    for _ in range(600):
        params = draw_parameters(scenario, rng)
        e_now = effective_compute_at_cutoff(params, c, scenario)
        not_yet = simulate_no_agi_by_cutoff(params, c, scenario, rng)
        (accepted if not_yet else rejected).append(e_now)
    assert len(rejected) >= 30
    assert np.mean(rejected) - np.mean(accepted) > 1.0


def test_simulations_are_deterministic_per_index(context):
    scenario, template = context
    s = sbc.SBCSettings(n_sims=2)
    a = sbc.simulate_one(1, scenario, template, s)
    b = sbc.simulate_one(1, scenario, template, s)
    c = sbc.simulate_one(2, scenario, template, s)
    np.testing.assert_array_equal(a[1].frontier_log10_flop, b[1].frontier_log10_flop)
    assert not np.allclose(a[1].frontier_log10_flop, c[1].frontier_log10_flop)


def test_swapped_data_give_the_log_likelihood_of_a_freshly_built_model(context):
    """Compile once, swap data: the same number as building the graph on the new data, and
    the centred intercepts of the truth are the graph's free variables. (Python linker: no C
    compilation in the fast tier.)"""
    import pymc as pm
    from pytensor.compile.mode import Mode

    from model.build import build_model

    py = Mode(linker="py", optimizer="fast_compile")
    scenario, template = context
    params, sim, _, _ = sbc.simulate_one(0, scenario, template, sbc.SBCSettings())
    truth = {k: np.asarray(v, dtype=float)[None, ...] for k, v in params.items()}
    truth.update(sbc.centred_intercepts(truth, template, scenario.reference_year))
    model = build_model(template, scenario)
    ll = sbc.LogLikelihood(model, mode=py)
    swapped = ll(sbc.data_values(model, sim), truth)[0]
    original = ll(sbc.data_values(model, template), truth)[0]
    fresh_model = build_model(sim, scenario)
    fresh = sbc.LogLikelihood(fresh_model, mode=py)(sbc.data_values(fresh_model, sim), truth)[0]
    assert np.isfinite(swapped) and swapped == pytest.approx(fresh, abs=1e-8)
    assert swapped != pytest.approx(original)
    # x_ref = x_c + rate (t_ref - t_c): the graph's deterministic, evaluated at the truth
    f = pm.compile([model["log10_frontier_compute_at_centre_flop"],
                    model["physical_compute_growth_oom_per_year"]],
                   model["log10_frontier_compute_at_ref_flop"], on_unused_input="ignore",
                   mode=py)
    got = f(truth["log10_frontier_compute_at_centre_flop"][0],
            truth["physical_compute_growth_oom_per_year"][0])
    assert float(got) == pytest.approx(params["log10_frontier_compute_at_ref_flop"])


@pytest.mark.slow
@pytest.mark.ci_slow
def test_small_sbc_runs_and_resumes_from_the_cache(tmp_path):
    """10 simulations through the executor (inline: one compile), then again: all cached."""
    settings = sbc.SBCSettings(n_sims=10)
    first = sbc.run_sbc("default", tmp_path / "out", settings, scheduler="inline",
                        cache_dir=tmp_path / "cache", progress=False)
    assert first.n_done == 10 and not first.failed and first.n_cached == 0
    for name in ("sbc.json", "ranks.csv", "diagnostics.csv", "sbc_ecdf.png", "sbc_ranks.png"):
        assert (tmp_path / "out" / name).is_file()
    assert set(first.summary["quantities"]) == set(sbc.quantity_names(
        sbc.load_context({"scenario_path": "default", "data_dir": None,
                          "cutoff_year": first.summary["cutoff_year"]})[0]))
    again = sbc.run_sbc("default", tmp_path / "out", settings, scheduler="inline",
                        cache_dir=tmp_path / "cache", progress=False)
    assert again.n_cached == 10
    assert again.summary["quantities"] == first.summary["quantities"]


def test_sbc_without_nutpie_is_a_clear_error(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "nutpie" else real(name, *a))
    with pytest.raises(ValueError, match=r"pip install -e '\.\[nutpie\]'"):
        sbc.run_sbc("default", tmp_path / "out", sbc.SBCSettings(n_sims=1), scheduler="inline",
                    cache_dir=tmp_path / "cache", progress=False)
    assert not (tmp_path / "out").exists()
