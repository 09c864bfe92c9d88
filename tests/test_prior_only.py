"""Prior-only runs: forward Monte Carlo through the posterior path's own projection and arrival
code, fast, reproducible, written atomically; prior predictive checks that flag conflicts."""

import dataclasses
import json
import subprocess
import time

import numpy as np
import pytest
from scipy import stats

from model import data as data_mod
from model.build import prepare_observations
from model.distributions import Fixed, HalfNormal, Normal
from model.prior_predictive import prior_predictive
from model.scenario import PRIORS_DIR, Anchor, Prior, PriorSpecError, Requirement, load_scenario
from model.summary import REPORT_YEARS
from model.workflow import default_cutoff_year, execute_prior_only, prior_only_forecast

pytestmark = pytest.mark.filterwarnings("ignore")


def oomcast(*args):
    """The CLI in-process (as `oomcast ARGS`): (exit status, stdout, stderr)."""
    import contextlib
    import io

    from model.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def _with(scenario, **values):
    """A copy of a scenario with some priors replaced (a float means Fixed)."""
    priors = dict(scenario.priors)
    for name, v in values.items():
        dist = Fixed(dist="Fixed", value=v) if isinstance(v, float) else v
        priors[name] = Prior(name, dist, "test", "test")
    return dataclasses.replace(scenario, priors=priors)


def test_forward_monte_carlo_matches_the_closed_form():
    """Fixed straight-line growth, no caps in reach and no walls, one normal anchor: P(T <= y) is
    Phi((E(y) - m) / s) exactly, so the draws must agree within their Monte Carlo error."""
    base = load_scenario("default")
    s = _with(base, log10_frontier_compute_at_ref_flop=25.0, hardware_growth_oom_per_year=0.1,
              spending_growth_oom_per_year=0.2, other_growth_oom_per_year=0.05,
              log10_training_cost_at_ref_usd=8.0, algorithmic_log_rate_mean=float(np.log(0.25)),
              algorithmic_log_rate_domain_sd=1e-12, log10_spending_cap_share_of_gwp=0.0,
              hardware_remaining_oom=100.0, algorithms_remaining_oom=100.0,
              other_remaining_oom=100.0)
    req = Requirement((Anchor("only", 1.0, 33.0, 2.0, 2023.0, "t", "t"),), 0.0, "t", "t")
    s = dataclasses.replace(s, requirement=req, binding_walls=())
    n = 100_000
    _, draws = prior_only_forecast(s, 2024.0, seed=3, n_draws=n)
    t = draws["arrival_year"]
    for year in REPORT_YEARS:
        e = 25.0 + 0.6 * (year - 2023.0)  # 0.1 + 0.2 + 0.05 + 0.25 OOM/yr from 2023
        p = stats.norm.cdf((e - 33.0) / 2.0)
        assert np.mean(t <= year) == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n) + 1e-4)


def test_hundred_thousand_draws_take_seconds():
    s = load_scenario("default")
    prior_only_forecast(s, 2025.0, seed=1, n_draws=1000)  # warm up
    start = time.perf_counter()
    _, draws = prior_only_forecast(s, 2025.0, seed=1, n_draws=100_000)
    assert time.perf_counter() - start < 10.0
    assert draws["arrival_year"].shape == (100_000,)


def test_same_seed_same_draws_other_seed_other_draws():
    s = load_scenario("cotra-2020")
    a = prior_only_forecast(s, 2025.0, seed=5, n_draws=2000)[1]["arrival_year"]
    b = prior_only_forecast(s, 2025.0, seed=5, n_draws=2000)[1]["arrival_year"]
    c = prior_only_forecast(s, 2025.0, seed=6, n_draws=2000)[1]["arrival_year"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "prior"
    result = oomcast("run", "--prior-only", "--priors", "cotra-2020", "--out", str(out),
                     "--draws", "20000", "--seed", "11")
    return out, result


def test_cli_prior_only_writes_a_complete_run(cli_run):
    out, result = cli_run
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [".oomcast-output.json", "arrival.png",
                                                     "limits.png", "prior_draws.nc",
                                                     "prior_predictive.png", "summary.json",
                                                     "trajectory.png"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["mode"] == "prior_only"
    assert set(summary["limits"]["limits"]) == {"spending", "power", "chips", "data", "latency"}
    assert summary["cutoff_year"] == 2025.0
    assert summary["cutoff_source"] == "settings.prior_only_start_year"
    assert summary["arrival_year"]["n_draws"] == 20000
    assert set(summary["arrival_year"]["p_by_year"]) == {str(y) for y in REPORT_YEARS}
    assert summary["provenance"]["oomcast_scenario"] == "cotra-2020"
    assert summary["provenance"]["oomcast_preset_version"] == 5
    assert summary["provenance"]["oomcast_anchor_algorithms"] == "per-anchor rate and cap"
    assert "checks" in summary["prior_predictive"]
    assert "prior only (no data conditioning), start 2025.00" in result.stdout


def test_prior_only_run_splits_its_headline_by_anchor(cli_run):
    """Counted over the draws: the anchors' rows add up to the headline exactly, each anchor's
    share of the draws is its prior weight within Monte Carlo error, and the draws keep the
    anchor index with the labels it refers to."""
    import arviz as az

    out, result = cli_run
    summary = json.loads((out / "summary.json").read_text())
    by_anchor = summary["requirement_by_anchor"]
    anchors = by_anchor["anchors"]
    order = sorted(anchors, key=lambda name: anchors[name]["order"])  # summary.json sorts keys
    assert order == ["lifetime", "short_horizon", "genome", "medium_horizon", "long_horizon",
                     "evolution"]
    for year in map(str, REPORT_YEARS):
        total = sum(e["p_by_year"][year]["p"] for e in anchors.values())
        assert total == pytest.approx(summary["arrival_year"]["p_by_year"][year]["p"],
                                      abs=len(anchors) * 5e-6)
    for e in [*anchors.values(), by_anchor["no_path"]]:
        share = e["share_of_draws"]
        assert abs(share["p"] - e["prior_weight"]) < 4 * share["mcse"] + 1e-9
    prior = az.from_netcdf(str(out / "prior_draws.nc")).prior
    index = prior["requirement_anchor"].to_numpy().ravel()
    assert json.loads(prior["requirement_anchor"].attrs["anchors"]) == order
    assert np.array_equal(index < 0, ~np.isfinite(prior["requirement_log10_flop"].to_numpy()
                                                   .ravel()))
    assert "Requirement anchors (prior only)" in result.stdout


def test_prior_only_run_is_reproducible_and_refuses_to_overwrite(cli_run, tmp_path):
    out, _ = cli_run
    first = execute_prior_only("cotra-2020", tmp_path / "a", seed=4, n_draws=500)
    second = execute_prior_only("cotra-2020", tmp_path / "b", seed=4, n_draws=500)
    assert first.summary == second.summary
    assert (tmp_path / "a" / "summary.json").read_bytes() == \
        (tmp_path / "b" / "summary.json").read_bytes()
    before = (out / "summary.json").read_bytes()
    result = oomcast("run", "--prior-only", "--priors", "cotra-2020", "--out", str(out),
                     "--draws", "100")
    assert result.returncode == 2 and "already exists" in result.stderr
    assert (out / "summary.json").read_bytes() == before


def test_as_of_moves_the_start(tmp_path):
    # cotra-2022: cotra-2020's per-anchor algorithms need the start at its reference year
    result = execute_prior_only("cotra-2022", tmp_path / "r", n_draws=300, as_of=2024.0)
    assert result.cutoff_year == 2024.0 and result.cutoff_source == "--as-of"
    # a start after the data's vintage is refused, as for a fit (it used to be accepted, and
    # every draw below the requirement there "arrived" at the start)
    for late in (2031.0, 2101.0):
        with pytest.raises(ValueError, match="after the data's vintage"):
            execute_prior_only("cotra-2022", tmp_path / "late", n_draws=100, as_of=late)
    assert not (tmp_path / "late").exists()


def test_broken_prior_file_is_one_error_line_and_writes_nothing(tmp_path):
    text = load_scenario("default").path.read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("mu = 0.15\nsigma = 0.1", "mu = 0.15\nsigma = -0.1", 1))
    out = tmp_path / "run"
    result = oomcast("run", "--prior-only", "--priors", str(bad), "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "priors.hardware_growth_oom_per_year.sigma" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


@pytest.fixture(scope="module")
def observations():
    streams = data_mod.load_all()
    s = load_scenario("default")
    return prepare_observations({k: v.table for k, v in streams.items()}, s,
                                default_cutoff_year(streams))


def test_prior_predictive_passes_the_default_and_flags_a_conflict(observations):
    s = load_scenario("default")
    pp = prior_predictive(s, observations, np.random.default_rng(1), n_draws=300)
    assert pp.warnings == []
    assert 0.5 < pp.p_no_agi_by_cutoff <= 1.0
    wrong = _with(s, hardware_growth_oom_per_year=Normal(dist="Normal", mu=-0.5, sigma=0.02))
    pp = prior_predictive(wrong, observations, np.random.default_rng(1), n_draws=300)
    flagged = {(c.stream, c.statistic) for c in pp.checks if c.in_tail}
    # the default fits g_hw on the accelerators (the FP32 file is opt-in): that stream flags it
    assert ("accelerators", "slope") in flagged
    assert any("accelerator price-performance trend" in w and "above" in w for w in pp.warnings)


def test_a_stream_the_scenario_does_not_fit_is_skipped_without_numpy_warnings(observations):
    """The default does not fit the FP32 GPU file, so its rows are empty: the GPU checks are
    skipped, and no "Mean of empty slice" RuntimeWarning reaches a user's terminal."""
    import warnings

    assert observations.gpu_log10_flop_per_s_per_usd.size == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pp = prior_predictive(load_scenario("default"), observations,
                              np.random.default_rng(1), n_draws=20)
    assert "hardware" not in {c.stream for c in pp.checks}
    assert "accelerators" in {c.stream for c in pp.checks}


def test_prior_predictive_covers_the_capability_streams(observations):
    """A prior saying horizons hardly grow with compute (b_h ~ 0) conflicts with METR's data."""
    s = load_scenario("default")
    pp = prior_predictive(s, observations, np.random.default_rng(2), n_draws=300)
    checked = {(c.stream, c.statistic) for c in pp.checks}
    assert {("time_horizon", "slope"), ("eci", "slope")} <= checked
    assert not any(c.in_tail for c in pp.checks if c.stream in ("time_horizon", "eci"))
    flat = _with(s, capability_horizon_per_oom=HalfNormal(dist="HalfNormal", sigma=0.01))
    pp = prior_predictive(flat, observations, np.random.default_rng(2), n_draws=300)
    flagged = {(c.stream, c.statistic) for c in pp.checks if c.in_tail}
    assert ("time_horizon", "slope") in flagged


def test_priors_show_writes_every_figure_and_nothing_when_a_figure_fails(tmp_path, monkeypatch):
    """`oomcast priors show`: the table and every figure land together; a failure while
    drawing leaves no folder and no staging directory behind."""
    from model import prior_report
    from model.report import prior_figures

    out = tmp_path / "show"
    result = prior_report.show_priors("default", out, n_draws=2_000)
    assert sorted(p.name for p in out.iterdir()) == sorted([*result.files, ".oomcast-output.json"])
    assert {"priors.md", "requirement.png", "arrival_prior.png",
            "prior_predictive.png"} <= set(result.files)

    def broken(*args, **kwargs):
        raise RuntimeError("figure failed")

    monkeypatch.setattr(prior_figures, "prior_predictive_figure", broken)
    with pytest.raises(RuntimeError, match="figure failed"):
        prior_report.show_priors("default", tmp_path / "again", n_draws=2_000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show"]


def _anchor_overrides(scenario, **per_anchor):
    """A copy of a scenario whose named anchors get algorithmic overrides (dicts of dists)."""
    anchors = tuple(dataclasses.replace(a, **per_anchor.get(a.name, {}))
                    for a in scenario.requirement.anchors)
    return dataclasses.replace(scenario, requirement=dataclasses.replace(
        scenario.requirement, anchors=anchors))


#: cotra-2020's start and reference year: per-anchor algorithms need the projection to start there
COTRA_START = 2025.0


def _shared_algorithms_only(scenario):
    """A copy of a scenario with every anchor's own algorithmic rate and cap removed."""
    none = {"algorithmic_growth_oom_per_year": None, "algorithms_remaining_oom": None}
    return _anchor_overrides(scenario, **{a.name: none for a in scenario.requirement.anchors})


def test_per_anchor_algorithms_equal_to_the_shared_ones_change_nothing_but_the_stream():
    """Overrides drawn from the same prior as the shared rate give the same arrival distribution
    (within Monte Carlo error); a much slower rate for every anchor gives a later one."""
    s = _shared_algorithms_only(load_scenario("cotra-2020"))
    assert not s.anchors_override_algorithms
    shared = s.priors["algorithms_remaining_oom"].dist
    same = _anchor_overrides(s, **{a.name: {"algorithms_remaining_oom": shared}
                                   for a in s.requirement.anchors})
    slow = _anchor_overrides(s, **{a.name: {"algorithmic_growth_oom_per_year":
                                            Fixed(dist="Fixed", value=0.01)}
                                   for a in s.requirement.anchors})
    n = 40_000
    t0 = prior_only_forecast(s, COTRA_START, seed=5, n_draws=n)[1]["arrival_year"]
    t1 = prior_only_forecast(same, COTRA_START, seed=5, n_draws=n)[1]["arrival_year"]
    t2 = prior_only_forecast(slow, COTRA_START, seed=5, n_draws=n)[1]["arrival_year"]
    for year in (2030, 2050, 2100):
        p0, p1, p2 = (np.mean(t <= year) for t in (t0, t1, t2))
        assert abs(p0 - p1) < 4 * np.sqrt(2 * p0 * (1 - p0) / n) + 1e-3, (year, p0, p1)
        assert p2 < p0 - 0.02, (year, p0, p2)


def test_per_anchor_algorithms_act_on_their_anchor_only():
    """Give one anchor no algorithmic progress at all: draws of that anchor arrive as with a zero
    rate, the others are untouched (same seed, same requirement draws)."""
    s = load_scenario("cotra-2020")
    zero = _anchor_overrides(s, lifetime={"algorithmic_growth_oom_per_year":
                                          Fixed(dist="Fixed", value=0.0)})
    base = prior_only_forecast(s, COTRA_START, seed=9, n_draws=20_000)[1]
    changed = prior_only_forecast(zero, COTRA_START, seed=9, n_draws=20_000)[1]
    assert np.array_equal(base["requirement_log10_flop"], changed["requirement_log10_flop"])
    moved = base["arrival_year"] != changed["arrival_year"]
    assert moved.any()
    assert np.all(changed["arrival_year"][moved] >= base["arrival_year"][moved])


def test_per_anchor_algorithms_are_refused_where_they_would_not_be_exact(tmp_path):
    text = (PRIORS_DIR / "cotra-2020.toml").read_text()
    assert load_scenario("cotra-2020").anchors_override_algorithms
    late = tmp_path / "late.toml"
    late.write_text(text.replace("prior_only_start_year = 2025.0",
                                 "prior_only_start_year = 2026.0", 1))
    with pytest.raises(PriorSpecError, match="requirement.anchors.lifetime."
                       "algorithmic_growth_oom_per_year"):
        load_scenario(late)
    cap = 'algorithms_remaining_oom = {dist = "Fixed", value = 2}\n'
    assert cap in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(cap, 'algorithms_remaining_oom = {dist = "Normal", mu = 3.0, '
                                'sigma = 1.0}\n', 1))
    with pytest.raises(PriorSpecError, match="lifetime.algorithms_remaining_oom"):
        load_scenario(bad)
    with pytest.raises(ValueError, match="start at the reference year"):
        prior_only_forecast(load_scenario("cotra-2020"), 2024.0, seed=1, n_draws=10)


def test_conditioned_forecast_uses_the_shared_fitted_rate_and_cap_for_every_anchor():
    """The conditioned rule (model/forecast.py `anchor_algorithms_rule`): posterior-path draws of
    cotra-2020 at a data cutoff after its reference year are those of the same scenario without
    per-anchor algorithms (same parameter draws, same seed: identical R and T), while its
    prior-only draws do use them (they differ from the shared-rate ones)."""
    from model.forecast import (
        ANCHOR_ALGORITHMS_CONDITIONED,
        ANCHOR_ALGORITHMS_PRIOR_ONLY,
        anchor_algorithms_rule,
        forecast_draws,
    )
    from model.simulate import draw_parameters

    s = load_scenario("cotra-2020")
    shared = _shared_algorithms_only(s)
    params = draw_parameters(s, np.random.default_rng(0), size=4000)  # stand-in posterior
    for cutoff in (COTRA_START, 2025.9):  # the reference year and a later data cutoff
        a = forecast_draws(params, s, cutoff, np.random.default_rng(1), conditioned=True)
        b = forecast_draws(params, shared, cutoff, np.random.default_rng(1), conditioned=True)
        assert np.array_equal(a["requirement_log10_flop"], b["requirement_log10_flop"])
        assert np.array_equal(a["arrival_year"], b["arrival_year"])
        assert np.all(a["arrival_year"] >= cutoff) and np.isfinite(a["arrival_year"]).any()
    own = forecast_draws(params, s, COTRA_START, np.random.default_rng(1), conditioned=False)
    plain = forecast_draws(params, shared, COTRA_START, np.random.default_rng(1),
                           conditioned=False)
    assert np.array_equal(own["requirement_log10_flop"], plain["requirement_log10_flop"])
    assert not np.array_equal(own["arrival_year"], plain["arrival_year"])
    assert anchor_algorithms_rule(s, conditioned=True) == ANCHOR_ALGORITHMS_CONDITIONED
    assert anchor_algorithms_rule(s, conditioned=False) == ANCHOR_ALGORITHMS_PRIOR_ONLY
    assert anchor_algorithms_rule(shared, conditioned=True) is None
