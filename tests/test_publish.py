"""`oomcast publish`: the headline numbers, the publication gate, the report, reproducibility.

Gate conditions are each tripped on synthetic InferenceData (fast, exact control over the
failure) and the CLI is exercised end to end on one short real run shared with the browser test.
"""

import json
import re
import shutil
import subprocess
import sys
from html import escape as html_escape
from pathlib import Path

import numpy as np
import pytest
from publish_helpers import draft_report_dir, oomcast, short_run_dir

from model.data import DATA_DIR, STREAMS
from model.inference import diagnostics, load_idata, save_idata
from model.report.gate import (
    MCSE_PROB_MAX,
    file_sha256,
    gate_failures,
    mcse_failures,
    one_line,
    provenance_failures,
    recorded_data_dir,
    scenario_sha256,
)
from model.report.headline import dumps, hdi_intervals, headline_numbers, intervals_document
from model.report.publish import reproduce_command
from model.report.references import load_references
from model.scenario import PRIORS_DIR

HORIZON = 2100.0


# ------------------------------------------------------------------ synthetic runs


def synthetic_idata(n_chains=4, n_draws=4000, seed=0, rhat_shift=0.0, ar=0.0, divergent=0,
                    p_late=0.2):
    """A posterior with two free parameters and an arrival year, under full control.

    rhat_shift: chain-dependent offset of hardware growth (trips R-hat); ar: AR(1) coefficient
    of hardware growth within chains (trips ESS); divergent: number of divergent transitions;
    p_late: share of arrival draws after the horizon.
    """
    import arviz as az

    rng = np.random.default_rng(seed)
    hw = rng.normal(0.15, 0.02, (n_chains, n_draws))
    if ar:
        for t in range(1, n_draws):
            hw[:, t] = 0.15 + ar * (hw[:, t - 1] - 0.15) + np.sqrt(1 - ar**2) * (hw[:, t] - 0.15)
    hw += rhat_shift * np.arange(n_chains)[:, None]
    spend = rng.normal(0.45, 0.05, (n_chains, n_draws))
    arrival = 2026.0 + rng.gamma(2.0, 4.0, (n_chains, n_draws))
    arrival[rng.random((n_chains, n_draws)) < p_late] = np.inf
    diverging = np.zeros((n_chains, n_draws), dtype=bool)
    diverging.flat[:divergent] = True
    return az.from_dict(posterior={"hardware_growth_oom_per_year": hw,
                                   "spending_growth_oom_per_year": spend,
                                   "arrival_year": arrival},
                        sample_stats={"diverging": diverging})


def clean_attrs(tmp_path: Path) -> dict:
    """Attrs whose recorded hashes match copies of the data and the default scenario."""
    data = tmp_path / "data"
    data.mkdir()
    for stream in STREAMS:
        for suffix in (".csv", ".provenance.json"):
            shutil.copyfile(DATA_DIR / f"{stream}{suffix}", data / f"{stream}{suffix}")
    scenario = tmp_path / "scenario.toml"
    shutil.copyfile(PRIORS_DIR / "default.toml", scenario)
    return {
        "oomcast_scenario": "default",
        "oomcast_scenario_path": str(scenario),
        "oomcast_scenario_sha256": scenario_sha256(scenario),
        "oomcast_data_sha256": json.dumps({s: file_sha256(data / f"{s}.csv") for s in STREAMS}),
        "oomcast_command": f"oomcast run --data-dir {data} --out {tmp_path / 'run'}",
    }


def failures_of(idata, attrs):
    diag = diagnostics(idata, HORIZON)
    headline = headline_numbers(idata.posterior["arrival_year"].to_numpy(), HORIZON)
    return gate_failures(diag, headline, attrs)


@pytest.fixture(scope="module")
def good_idata():
    return synthetic_idata()


def test_gate_passes_a_clean_converged_run(good_idata, tmp_path):
    assert failures_of(good_idata, clean_attrs(tmp_path)) == []


def test_gate_trips_on_rhat(tmp_path):
    failures = failures_of(synthetic_idata(rhat_shift=0.01), clean_attrs(tmp_path))
    assert any(f.startswith("R-hat of hardware_growth_oom_per_year") for f in failures), failures
    assert not any("spending_growth" in f for f in failures)


def test_gate_trips_on_low_ess(tmp_path):
    failures = failures_of(synthetic_idata(ar=0.995), clean_attrs(tmp_path))
    assert any("ESS of hardware_growth_oom_per_year" in f and "< 400" in f
               for f in failures), failures


def test_gate_trips_on_an_undefined_rhat_without_numpy_warnings(tmp_path):
    """One chain: R-hat cannot be computed. That is a failure to say so, not a pass hidden by
    nanmax, and NumPy's all-NaN warning must not reach the terminal."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        diag = diagnostics(synthetic_idata(n_chains=1, n_draws=2000), HORIZON)
    assert not diag["converged"] and np.isnan(diag["rhat_max"])
    assert any(p.startswith("R-hat of hardware_growth_oom_per_year undefined")
               for p in diag["problems"]), diag["problems"]


def test_gate_trips_on_a_single_divergence(tmp_path):
    failures = failures_of(synthetic_idata(divergent=1), clean_attrs(tmp_path))
    assert "1 divergent transitions" in failures


def test_gate_trips_on_headline_mcse(tmp_path):
    # 2 x 1000 draws: P(by year) near 0.5 has MCSE ~1.1 pp > 0.5 pp; nothing else fails
    failures = failures_of(synthetic_idata(n_chains=2, n_draws=1000), clean_attrs(tmp_path))
    assert failures and all(f.startswith("MCSE of P(") for f in failures), failures
    headline = {"p_by_year": {"2030": {"p": 0.5, "mcse": MCSE_PROB_MAX}},
                "p_after_horizon": {"p": 0.1, "mcse": MCSE_PROB_MAX + 1e-5},
                "horizon_year": HORIZON}
    assert mcse_failures(headline) == ["MCSE of P(after 2100) is 0.50 pp > 0.5 pp"]


def test_gate_trips_on_changed_data_file(tmp_path):
    attrs = clean_attrs(tmp_path)
    assert recorded_data_dir(attrs) == tmp_path / "data"
    csv = tmp_path / "data" / "training_cost.csv"
    csv.write_bytes(csv.read_bytes() + b"\n")
    assert provenance_failures(attrs) == [
        "data stream training_cost: file changed since the run (recorded SHA-256 "
        f"{json.loads(attrs['oomcast_data_sha256'])['training_cost'][:12]}, "
        f"now {file_sha256(csv)[:12]})"]
    (tmp_path / "data" / "imagenet_models.csv").unlink()
    assert any("imagenet_models: its file is gone" in f for f in provenance_failures(attrs))


def test_gate_trips_on_changed_scenario_file(tmp_path):
    attrs = clean_attrs(tmp_path)
    path = Path(attrs["oomcast_scenario_path"])
    path.write_text(path.read_text().replace("sigma = 0.1", "sigma = 0.11", 1))
    failures = provenance_failures(attrs)
    assert len(failures) == 1 and failures[0].startswith("scenario default: file changed")
    assert str(tmp_path) not in failures[0]  # messages name streams and scenarios, not paths


def test_one_line_counts_convergence_problems_but_lists_file_problems():
    failures = [f"R-hat of v{i} is 1.0{i + 2}0 > 1.01" for i in range(5)] + [
        "tail ESS of w is 18 < 400", "bulk ESS of v1 is 90 < 400", "1 divergent transitions",
        "data stream training_cost: file changed since the run (recorded SHA-256 a, now b)"]
    line = one_line(failures)
    assert "\n" not in line
    assert line.startswith("R-hat > 1.01 for 5 variables (worst v4: 1.060); "
                           "ESS < 400 in 2 cases (worst w: 18); 1 divergent transitions; ")
    assert line.endswith("data stream training_cost: file changed since the run "
                         "(recorded SHA-256 a, now b)")
    assert one_line(failures[:2]) == "; ".join(failures[:2])


# ------------------------------------------------------------------ headline numbers


def test_hdi_is_the_shortest_interval_and_censors_after_horizon():
    rng = np.random.default_rng(1)
    skewed = 2026.0 + rng.exponential(5.0, (4, 5000))
    hdi = hdi_intervals(skewed, HORIZON, probs=(0.8,))[0]
    lo, hi = hdi["lower"]["value"], hdi["upper"]["value"]
    et_lo, et_hi = np.quantile(skewed, [0.1, 0.9])
    assert hi - lo < et_hi - et_lo  # shorter than the equal-tailed interval of a skewed law
    assert lo == pytest.approx(2026.0, abs=0.1)  # the density's mode is at its start
    assert np.mean((skewed >= lo) & (skewed <= hi)) == pytest.approx(0.8, abs=0.005)
    assert hdi["lower"]["mcse"] > 0 and hdi["upper"]["mcse"] > 0
    late = skewed.copy()
    late[:, :1500] = np.inf  # 30% after the horizon: a 90% interval must reach it
    hdi90 = hdi_intervals(late, HORIZON, probs=(0.9,))[0]
    assert hdi90["upper"] == {"value": None, "after_horizon": True, "mcse": None}


def test_headline_matches_summary_and_document_is_canonical(good_idata):
    h = headline_numbers(good_idata.posterior["arrival_year"].to_numpy(), HORIZON)
    assert [iv["prob"] for iv in h["hdi"]] == [0.5, 0.8, 0.9] == [iv["prob"]
                                                                   for iv in h["equal_tailed"]]
    assert h["n_draws"] == 16000 and h["p_after_horizon"]["p"] == pytest.approx(0.2, abs=0.01)
    attrs = {"oomcast_seed": np.int64(5), "oomcast_data_sha256": '{"a": "b"}'}
    doc = intervals_document(h, attrs, [], draft=False)
    text = dumps(doc)
    assert json.loads(text)["schema_version"] == 1 and json.loads(text)["run"]["seed"] == 5
    assert text == dumps(json.loads(text))  # canonical: reloading changes nothing


def test_reference_forecasts_have_sources_dates_and_monotone_points():
    refs = load_references()
    assert {r.key for r in refs} >= {"cotra_2020", "cotra_2022", "epoch_direct_approach",
                                     "metaculus_5121"}
    for r in refs:
        assert r.source and r.url.startswith("https://") and re.fullmatch(r"\d{4}-\d\d-\d\d",
                                                                          r.date)
        if any(p == 0.5 for _, p in r.points):
            assert dict((p, y) for y, p in r.points)[0.5] == r.median_year


def test_reproduce_command_replaces_out():
    cmd = "oomcast run --priors default --out 'runs/my run' --seed 3"
    assert reproduce_command(cmd, "/x/y") == ["oomcast", "run", "--priors", "default", "--out",
                                              "/x/y", "--seed", "3"]
    assert reproduce_command("oomcast run --out=a", "b") == ["oomcast", "run", "--out=b"]


def test_power_scaling_summary_is_shown_as_tables():
    from model.report.render import sensitivity_tables

    doc = {"kind": "oomcast.sensitivity", "method": {"threshold": 0.05},
           "quantities": [{"name": "arrival_year", "meaning": "the arrival year"}],
           "diagnosis": {"arrival_year": {"prior": 0.08, "likelihood": 0.01,
                                          "label": "strong prior / weak likelihood"}},
           "ranking": {"arrival_year": [{"component": "prior:limits", "sensitivity": 0.07}],
                       "agi_by_2030": [{"component": "prior:limits", "sensitivity": 0.02}]},
           "block_diagnosis": {"limits": {"arrival_year": "no data (projection-only)"}},
           "components": [{"id": "prior:limits", "pareto_k_flag": False}],
           "notes": ["anchors are marginalised"]}
    tables = sensitivity_tables(doc)
    titles = [t for t, _, _ in tables]
    assert titles[0].startswith("Power-scaling sensitivity") and "Notes" in titles
    assert tables[0][2] == [["arrival_year — the arrival year", "0.08", "0.01",
                             "strong prior / weak likelihood"]]
    assert tables[1][2] == [["prior:limits", "0.07", "0.02", "no data (projection-only)"]]
    generic = sensitivity_tables({"rows": [{"a": 1}], "x": {"y": 2}})
    assert ("rows", ["a"], [["1"]]) in generic and generic[0][2] == [["x.y", "2"]]


# ------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return short_run_dir(tmp_path_factory)


def test_publish_refuses_a_short_run_with_one_line(run_dir, tmp_path):
    result = oomcast("publish", run_dir, "--out", tmp_path / "refused")
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oomcast: publication refused: ")
    assert "ESS < 400 in" in lines[0] and "(worst " in lines[0] and "--draft" in lines[0]
    assert not (tmp_path / "refused").exists()


@pytest.fixture(scope="module")
def draft_dir(tmp_path_factory):
    return draft_report_dir(tmp_path_factory)


def test_publish_draft_writes_report_and_path_free_intervals(run_dir, draft_dir, tmp_path):
    out = draft_dir
    assert sorted(p.name for p in out.iterdir()) == [".oomcast-output.json", "intervals.json",
                                                     "report.html"]
    text = (out / "intervals.json").read_text()
    doc = json.loads(text)
    assert doc["schema_version"] == 1 and doc["status"] == "draft"
    assert doc["gate"]["passed"] is False and doc["gate"]["failures"]
    assert doc["arrival_year"]["n_draws"] == 120
    assert set(doc["arrival_year"]["p_by_year"]) == {"2027", "2030", "2035", "2040", "2050",
                                                     "2075", "2100"}
    for entry in list(doc["arrival_year"]["p_by_year"].values()) + [
            doc["arrival_year"]["p_after_horizon"]]:
        assert set(entry) == {"p", "mcse"}
    # the same numbers as the run's own summary.json (one estimator, one set of numbers)
    summary = json.loads((run_dir / "summary.json").read_text())["arrival_year"]
    for key in ("p_by_year", "p_after_horizon", "median", "estimator", "n_draws"):
        assert doc["arrival_year"][key] == summary[key], key
    assert doc["arrival_year"]["equal_tailed"] == summary["intervals"]
    assert str(tmp_path) not in text and str(run_dir) not in text and "/" not in text.replace(
        "after_horizon", "")  # no paths at all
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text)  # no timestamps
    html = (out / "report.html").read_text()
    assert 'class="watermark"' in html and "DRAFT" in html
    for failure in doc["gate"]["failures"]:
        assert html_escape(failure) in html
    assert html.count("data:image/png;base64,") == 16  # 8 figures, desktop + phone
    assert 'id="fig-anchors"' in html and 'id="fig-requirement"' in html
    assert "Which requirement anchor the probability comes from" in html
    assert "src=\"http" not in html and "<link" not in html  # self-contained
    for needed in ("Cotra 2020", "Cotra 2022", "Direct Approach", "Metaculus", "rationale",
                   "SHA-256", "licence", "oomcast run --out", "No sensitivity analysis"):
        assert needed in html, needed


def test_publish_markdown_puts_figures_beside_it_and_shows_sensitivity(run_dir, tmp_path):
    run_copy = tmp_path / "run"
    shutil.copytree(run_dir, run_copy)
    (run_copy / "sensitivity.json").write_text(json.dumps(
        {"threshold": 0.05, "rows": [{"parameter": "requirement", "cjs_prior": 0.12,
                                      "diagnosis": "strong prior / weak likelihood"}]}))
    out = tmp_path / "md"
    result = oomcast("publish", run_copy, "--format", "md", "--out", out, "--draft")
    assert result.returncode == 0, result.stderr
    md = (out / "report.md").read_text()
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert len(figures) == 8 and {"limits.png", "anchors.png", "requirement.png"} <= set(figures)
    for name in figures:
        assert f"](figures/{name})" in md
    # the per-anchor table's rows add up to the headline P(by 2030) of the run
    summary = json.loads((run_dir / "summary.json").read_text())
    rows = [line.split(" | ") for line in md.splitlines() if line.startswith("| ")]
    start = next(i for i, r in enumerate(rows) if r[0] == "| anchor")
    end = next(i for i, r in enumerate(rows) if r[0] == "| sum = headline")
    col = rows[start].index("by 2030 (pp)")
    anchors = [r for r in rows[start + 1:end] if r[0][2:].replace(" ", "_") in
               summary["requirement_by_anchor"]["anchors"]]
    assert len(anchors) == len(summary["requirement_by_anchor"]["anchors"])
    total = sum(float(r[col].split(" ± ")[0]) for r in anchors)
    headline = summary["arrival_year"]["p_by_year"]["2030"]["p"] * 100
    assert total == pytest.approx(headline, abs=0.05 * len(anchors))
    sum_row = next(r for r in rows if r[0] == "| sum = headline")
    assert float(sum_row[col]) == pytest.approx(headline, abs=0.051)
    assert "DRAFT" in md and "strong prior / weak likelihood" in md and "| requirement |" in md


def test_publish_flags_a_tampered_run(run_dir, tmp_path):
    import shutil

    from model.output_dir import write_marker
    from model.run_integrity import RUN_FILES

    run_copy = tmp_path / "tampered"
    shutil.copytree(run_dir, run_copy, ignore=shutil.ignore_patterns("report"))
    idata = load_idata(run_dir / "posterior.nc")
    hashes = json.loads(idata.posterior.attrs["oomcast_data_sha256"])
    hashes["frontier_compute"] = "0" * 64
    for group in idata.groups():
        idata[group].attrs["oomcast_data_sha256"] = json.dumps(hashes, sort_keys=True)
    (run_copy / "posterior.nc").unlink()
    save_idata(idata, run_copy / "posterior.nc")
    # edited after the run was written: refused on its recorded SHA-256, even with --draft
    result = oomcast("publish", run_copy, "--out", tmp_path / "out", "--draft")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "posterior.nc: SHA-256 differs" in result.stderr
    assert not (tmp_path / "out").exists()
    # a consistent run (marker rewritten) whose data changed since: the gate says which
    write_marker(run_copy, "run", RUN_FILES)
    result = oomcast("publish", run_copy, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "data stream frontier_compute: file changed since the run" in result.stderr
    result = oomcast("publish", tmp_path / "nowhere")  # the CLI's one wording for every command
    assert result.returncode == 2 and "no such run directory" in result.stderr
    result = oomcast("publish", tmp_path)  # exists, but holds no run
    assert result.returncode == 2 and "not a run directory" in result.stderr


def test_rerunning_the_recorded_command_reproduces_intervals_byte_for_byte(run_dir, draft_dir,
                                                                          tmp_path):
    first = draft_dir  # `oomcast publish RUN --draft` of the first run
    command = load_idata(run_dir / "posterior.nc").posterior.attrs["oomcast_command"]
    argv = reproduce_command(command, tmp_path / "rerun")
    result = subprocess.run([sys.executable, "-m", "model.cli", *argv[1:]], capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr  # the recorded command had --draft
    second = tmp_path / "second"
    assert oomcast("publish", tmp_path / "rerun", "--out", second, "--draft").returncode == 0
    assert (first / "intervals.json").read_bytes() == (second / "intervals.json").read_bytes()
