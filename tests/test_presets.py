"""Presets: every published model's inputs as a prior file, its prior-only run against the
model's published headline numbers, and a short conditioned run of each (slow tier).

The reproduction table, with sources and the reasons for every gap, is priors/README.md; the
numbers and tolerances it states are asserted here (PUBLISHED). Where the preset cannot
reproduce by construction (Davidson's takeoff feedback, Aschenbrenner's unquantified claims) the
test asserts what can be said: a direction or a range.
"""

from dataclasses import dataclass

import numpy as np
import pytest

from model.scenario import PARAMETERS, PRIORS_DIR, load_scenario
from model.workflow import prior_only_cutoff, prior_only_forecast

PRESETS = ("default", "cotra-2020", "cotra-2022", "direct-approach-2023",
           "situational-awareness-2024", "davidson-2023", "skeptic")


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

    result = execute_run(name, tmp_path / name, SamplerSettings(
        draws=150, tune=150, chains=2, cores=1, seed=3, prior_draws=100))
    assert (tmp_path / name / "summary.json").exists()
    arrival = result.summary
    assert arrival["n_draws"] == 300
    assert 0.0 <= arrival["p_by_year"]["2030"]["p"] <= arrival["p_by_year"]["2100"]["p"] <= 1.0
    assert result.diagnostics["divergences"] < 30
