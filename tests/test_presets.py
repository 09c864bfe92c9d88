"""Presets: every published model's inputs as a prior file, its prior-only run against the
model's published headline numbers, and a short conditioned run of each (slow tier).

The reproduction table, with sources and the reasons for every gap, is priors/README.md; the
numbers and tolerances it states are asserted here (PUBLISHED). Where the preset cannot
reproduce by construction (Davidson's takeoff feedback, Aschenbrenner's unquantified claims) the
test asserts what can be said: a direction or a range.
"""

import json
from dataclasses import dataclass

import numpy as np
import pytest

from model.forecast import ANCHOR_ALGORITHMS_CONDITIONED
from model.scenario import PARAMETERS, PRIORS_DIR, load_scenario
from model.workflow import prior_only_cutoff, prior_only_forecast

PRESETS = ("default", "cotra-2020", "cotra-2022", "direct-approach-2023",
           "situational-awareness-2024", "davidson-2023", "skeptic", "time-horizon-extrapolation")


@dataclass(frozen=True)
class Published:
    """A published headline: median year and P(by year), the source, and how to compare."""

    median: float | None
    p_by: dict
    source: str
    year_end: bool = False  # the model counts year Y as reached at its end: compare P(T < Y+1)
    median_tolerance: float = 1.0  # years
    p_tolerance: dict | None = None  # pp per year (default 0.05)


PUBLISHED = {
    "cotra-2020": Published(
        2050.0, {2036: 0.15},
        "Cotra 2022 (two-year update) restating her 2020 report: median ~2050, ~15% by 2036",
        median_tolerance=2.5, p_tolerance={2036: 0.12}),
    "cotra-2022": Published(
        2040.0, {2030: 0.15, 2036: 0.35, 2040: 0.50, 2050: 0.60},
        "Cotra 2022, 'Two-year update on my personal AI timelines'",
        median_tolerance=3.5, p_tolerance={2030: 0.07, 2036: 0.03, 2040: 0.07, 2050: 0.03}),
    "direct-approach-2023": Published(
        2036.0, {2030: 0.29, 2050: 0.69, 2100: 0.79},
        "Epoch timelines-direct-approach README (run_standalone.py defaults); FRI 2023",
        year_end=True, median_tolerance=1.0, p_tolerance={2030: 0.04, 2050: 0.04, 2100: 0.06}),
}


def prior_only_headline(name: str, n_draws: int = 100_000, seed: int = 20231) -> dict:
    """Median and P(by year) of a preset's prior-only run, in both conventions."""
    s = load_scenario(name)
    cutoff, _ = prior_only_cutoff(s, None, data_cutoff=2025.83)
    _, draws = prior_only_forecast(s, cutoff, seed, n_draws)
    t = draws["arrival_year"]
    finite = np.where(np.isfinite(t), t, np.inf)
    return {"start": cutoff, "median": float(np.median(finite)),
            "p_by": {y: float(np.mean(t <= y)) for y in (2027, 2030, 2036, 2040, 2050, 2100)},
            "p_before": {y: float(np.mean(t < y + 1)) for y in (2030, 2036, 2040, 2050, 2100)},
            "p_at_start": float(np.mean(t <= cutoff))}


def test_every_preset_is_present_and_complete():
    for name in PRESETS:
        s = load_scenario(PRIORS_DIR / f"{name}.toml")
        assert s.name == name
        assert set(s.priors) == set(PARAMETERS)
        for prior in s.priors.values():
            assert prior.source.strip() and prior.rationale.strip()
        for anchor in s.requirement.anchors:
            assert anchor.source.strip() and anchor.rationale.strip()


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_prior_only_reproduces_the_published_headline(name):
    pub = PUBLISHED[name]
    ours = prior_only_headline(name)
    probs = ours["p_before"] if pub.year_end else ours["p_by"]
    tolerance = pub.p_tolerance or {}
    for year, p in pub.p_by.items():
        assert abs(probs[year] - p) <= tolerance.get(year, 0.05), (name, year, probs[year], p)
    median = np.floor(ours["median"]) if pub.year_end else ours["median"]
    assert abs(median - pub.median) <= pub.median_tolerance, (name, ours["median"])


#: Cotra 2020's best-guess CDF, P(TAI by year). Her report's year-by-year table (the
#: spreadsheet's output) could not be retrieved; these six points are implied by issue 11's
#: measured differences of preset v1 from it (v1's CDF minus these: +3.8, +5.2, +7.4, +8.5,
#: +4.6, -2.7 pp), and agree with her stated bottom line (median ~2052, ~78% by 2100).
COTRA_2020_CDF = {2027: 0.043, 2030: 0.080, 2035: 0.163, 2040: 0.264, 2050: 0.460, 2100: 0.777}


def test_cotra_2020_prior_only_follows_her_cdf_within_6pp():
    """Issue 11's bar: within 6 pp at every year. With 40,000 draws the MCSE of each P(by Y)
    is <= 0.25 pp, so the measured largest gap (~4.8 pp, 2100) cannot pass by noise alone."""
    s = load_scenario("cotra-2020")
    cutoff, _ = prior_only_cutoff(s, None, data_cutoff=2025.83)
    assert cutoff == 2025.0  # her spreadsheet's start
    t = prior_only_forecast(s, cutoff, 20231, 40_000)[1]["arrival_year"]
    gaps = {y: float(np.mean(t <= y)) - p for y, p in COTRA_2020_CDF.items()}
    assert max(abs(g) for g in gaps.values()) <= 0.06, gaps


def test_every_preset_states_its_version():
    for name in PRESETS:
        version = load_scenario(PRIORS_DIR / f"{name}.toml").preset_version
        assert isinstance(version, int) and version >= 1, name
    assert load_scenario("cotra-2020").preset_version == 5  # v2 per-anchor algorithms; v3 cost;
    # v4 capability priors; v5 spending rate drift


def test_time_horizon_extrapolation_is_the_capability_threshold_with_no_limits():
    """AI 2027 Method 1 analogue: the capability anchor alone, no walls, no caps within the
    horizon; its prior-only run works, and "never" is exactly a horizon slope below the floor."""
    s = load_scenario("time-horizon-extrapolation")
    assert s.requirement.anchors == () and s.requirement.capability.weight == 1.0
    assert s.requirement.no_path_weight == 0.0 and s.binding_walls == ()
    cutoff, _ = prior_only_cutoff(s, None, data_cutoff=2025.83)
    params, draws = prior_only_forecast(s, cutoff, 20231, 20_000)
    span = s.horizon_year - cutoff
    for cap in ("hardware_remaining_oom", "algorithms_remaining_oom", "other_remaining_oom"):
        rate_bound = 10.0  # OOM/yr, far above any prior draw's growth rate
        assert np.all(draws[cap] > rate_bound * span), cap  # no cap reached by the horizon
    assert np.all(draws["spending_headroom_oom"] > 10.0 * span)
    floor = s.requirement.capability.horizon_per_oom_floor
    below_floor = params["capability_horizon_per_oom"] < floor
    assert below_floor.any()
    assert np.all(np.isinf(draws["requirement_log10_flop"][below_floor]))
    assert np.all(np.isinf(draws["requirement_log10_flop"]) == below_floor)
    t = draws["arrival_year"]
    assert np.all(np.isinf(t[below_floor]))
    assert 0.0 < np.mean(t <= 2030) < np.mean(t <= 2100) < 1.0


def test_situational_awareness_median_is_in_the_late_2020s():
    ours = prior_only_headline("situational-awareness-2024")
    assert 2026.0 <= ours["median"] < 2030.0
    assert ours["p_by"][2030] > 0.5  # "this decade or bust"


def test_davidson_without_takeoff_feedback_is_later_than_his_2043():
    """His model accelerates growth as AI automates R&D; this one does not, so the same
    requirement is met later: a direction, not a reproduction."""
    assert prior_only_headline("davidson-2023")["median"] > 2043.0


def test_presets_order_as_their_stories_say():
    medians = {n: prior_only_headline(n, n_draws=40_000)["median"] for n in
               ("situational-awareness-2024", "direct-approach-2023", "cotra-2022",
                "cotra-2020")}
    assert (medians["situational-awareness-2024"] < medians["direct-approach-2023"]
            < medians["cotra-2022"] < medians["cotra-2020"])


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
def test_conditioned_short_run_of_every_preset(name, tmp_path):
    from model.inference import SamplerSettings
    from model.workflow import execute_run

    settings = SamplerSettings(draws=150, tune=150, chains=2, cores=1, seed=3, prior_draws=100)
    result = execute_run(name, tmp_path / name, settings)
    assert (tmp_path / name / "summary.json").exists()
    provenance = json.loads((tmp_path / name / "summary.json").read_text())["provenance"]
    if load_scenario(name).anchors_override_algorithms:
        # cotra-2020 v2: per-anchor algorithms give way to the shared fitted rate and cap in a
        # conditioned run (model/forecast.py `anchor_algorithms_rule`); the run says so
        assert provenance["oomcast_anchor_algorithms"] == ANCHOR_ALGORITHMS_CONDITIONED
        assert f"note: anchors' algorithms: {ANCHOR_ALGORITHMS_CONDITIONED}" in result.table
    else:
        assert "oomcast_anchor_algorithms" not in provenance
    arrival = result.summary
    assert arrival["n_draws"] == 300
    assert 0.0 <= arrival["p_by_year"]["2030"]["p"] <= arrival["p_by_year"]["2100"]["p"] <= 1.0
    assert result.diagnostics["divergences"] < 30
