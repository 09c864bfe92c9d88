"""Scenario sweeps: specs, the answer plan, reweighting, caching, failures, kill and resume."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from study_helpers import edited_data_copy, short_run_dir

from model.scenario import PRIORS_DIR, load_scenario, parse_scenario
from model.studies import sweep as sw
from model.studies.cache import ResultCache, content_hash
from model.studies.executor import Task, map_cached

DEFAULT_TEXT = (PRIORS_DIR / "default.toml").read_text()


def spec_file(tmp_path, body: str, name="t") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'schema_version = 1\nname = "{name}"\n' + textwrap.dedent(body))
    return path


# ---------------------------------------------------------------- specs


def test_shipped_spec_builds_valid_variants():
    spec = sw.load_spec("default")
    base = load_scenario("default")
    variants = sw.build_variants(spec, base, DEFAULT_TEXT)
    assert variants[0].kind == sw.BASELINE and len(variants) >= 20
    groups = {v.group for v in variants}
    assert any("anchor" in g for g in groups) and "spending cap (share of GWP)" in groups
    assert "algorithmic rate: forecast domain" in groups
    sides = {(v.group, v.side) for v in variants}
    assert ("algorithms: admit the inference-price decline", "true") in sides
    for v in variants:  # every variant is a complete, valid scenario
        parse_scenario(v.scenario_text, Path(v.label))


@pytest.mark.parametrize("body, message", [
    ('[[vary]]\nparameter = "hardwear"\nshift = 1\n', "vary[0].parameter: unknown parameter"),
    ('[[vary]]\nparameter = "hardware_growth_oom_per_year"\n', "give low and/or high"),
    ('[[vary]]\nparameter = "hardware_growth_oom_per_year"\nlow = {dist = "Normal", mu = 0}\n',
     "priors.hardware_growth_oom_per_year.sigma"),
    ('[[vary]]\nsetting = "forecast_domain"\nvalues = ["biology"]\n', "unknown domain"),
    ('[[vary]]\nanchors = "x"\n[vary.families]\nmine = ["nope"]\n', "unknown anchor"),
    ("", "lists no [[scenario]] and no [[vary]]"),
])
def test_spec_errors_name_the_key(tmp_path, body, message):
    path = spec_file(tmp_path, body)
    with pytest.raises(ValueError) as info:
        spec = sw.load_spec(path)
        sw.build_variants(spec, load_scenario("default"), DEFAULT_TEXT)
    assert message in str(info.value) and str(path) in str(info.value)


def test_anchor_family_weights_are_renormalised(tmp_path):
    path = spec_file(tmp_path, '''
        [[vary]]
        anchors = "family"
        [vary.families]
        two = ["davidson_2023", "situational_awareness_2024"]
    ''')
    variant = sw.build_variants(sw.load_spec(path), load_scenario("default"), DEFAULT_TEXT)[1]
    req = parse_scenario(variant.scenario_text, Path("x")).requirement
    assert [a.name for a in req.anchors] == ["davidson_2023", "situational_awareness_2024"]
    assert req.no_path_weight == 0.05
    w = [a.weight for a in req.anchors]
    assert sum(w) == pytest.approx(0.95) and w[0] / w[1] == pytest.approx(0.25 / 0.2)


# ---------------------------------------------------------------- the plan


def _variant(replace_from: str, replace_to: str):
    assert replace_from in DEFAULT_TEXT
    return parse_scenario(DEFAULT_TEXT.replace(replace_from, replace_to, 1), Path("v.toml"))


def test_plan_chooses_exact_reweight_or_refit():
    base = load_scenario("default")
    plan = sw.plan_variant
    cap = plan(base, _variant("mu = -2.85", "mu = -4.0"))
    assert cap.refit_reason is None and not cap.changed_fitted and cap.forecast_changed
    hw = plan(base, _variant("mu = 0.15\nsigma = 0.1", "mu = 0.25\nsigma = 0.1"))
    assert hw.changed_fitted == ("hardware_growth_oom_per_year",) and hw.refit_reason is None
    domain = plan(base, _variant('forecast_domain = "language_models"',
                                 'forecast_domain = "vision"'))
    assert domain.not_yet_changed and domain.refit_reason is None
    window = plan(base, _variant("compute_fit_start_year = 2010.0",
                                 "compute_fit_start_year = 2012.0"))
    assert "compute_fit_start_year" in window.refit_reason
    nu = plan(base, _variant("value = 4.0", "value = 8.0"))
    assert "student_t_nu" in nu.refit_reason and "Fixed" in nu.refit_reason
    stream = plan(base, _variant('forecast_domain = "language_models"',
                                 'forecast_domain = "language_models"\n'
                                 "use_inference_price_stream = true"))
    assert "use_inference_price_stream" in stream.refit_reason
    bounded = parse_scenario(DEFAULT_TEXT.replace(
        'dist = "Normal"\nmu = 0.15\nsigma = 0.1', 'dist = "Uniform"\nlower = 0.0\nupper = 0.4',
        1), Path("u.toml"))
    wider = plan(bounded, base)
    assert "support" in wider.refit_reason  # Uniform(0, 0.4) -> Normal: mass outside
    assert plan(base, bounded).refit_reason is None  # Normal -> Uniform inside: reweightable


# ---------------------------------------------------------------- a short real run


@pytest.fixture(scope="module")
def run():
    from model.studies.rundir import load_run

    return load_run(short_run_dir())


def test_reweighting_moves_draws_to_the_new_prior():
    """compute_error_unknown_oom meets no datum (no unlabelled frontier rows since 2010), so its
    posterior is its HalfNormal(1) prior. Reweighted to HalfNormal(0.5): log w = log 2 - 1.5 x^2
    exactly, and the weighted draws have the new prior's mean 0.5 sqrt(2 / pi)."""
    base = load_scenario("default")
    new = _variant('dist = "HalfNormal"\nsigma = 1.0\nsource = "Unlabelled',
                   'dist = "HalfNormal"\nsigma = 0.5\nsource = "Unlabelled')
    plan = sw.plan_variant(base, new)
    assert plan.changed_fitted == ("compute_error_unknown_oom",) and plan.refit_reason is None
    x = np.abs(np.random.default_rng(1).normal(0.0, 1.0, 4000))
    params = {"compute_error_unknown_oom": x, "hardware_growth_oom_per_year": np.zeros(4000)}
    lw = sw.reweight_log_weights(params, base, new, plan, 2025.0)
    np.testing.assert_allclose(lw, np.log(2.0) - 1.5 * x**2, atol=1e-12)
    w, k = sw.psis_weights(lw)
    assert k < sw.PARETO_K_MAX
    assert np.sum(w * x) == pytest.approx(0.5 * np.sqrt(2 / np.pi), abs=0.02)


def test_requirement_change_reweights_by_the_no_agi_yet_likelihood(run):
    """Only the anchors change: log w is the change in log P(no AGI yet | theta), which the run
    stores (log_prob_no_agi_by_cutoff) for its own scenario."""
    base = run.scenario
    draws = sw.base_draws(run, "test")
    params = sw._fill_fixed(draws.params, base, run.n_chains * run.n_draws)
    stored = run.flat("log_prob_no_agi_by_cutoff")
    np.testing.assert_allclose(sw.not_yet_log_prob(params, base, run.cutoff_year), stored,
                               rtol=1e-6, atol=1e-6)
    text = DEFAULT_TEXT.replace("no_path_weight = 0.05", "no_path_weight = 0.25").replace(
        "weight = 0.25\nmedian_log10_flop = 36.0", "weight = 0.05\nmedian_log10_flop = 36.0")
    more_no_path = parse_scenario(text, Path("np.toml"))
    plan = sw.plan_variant(base, more_no_path)
    assert plan.not_yet_changed and not plan.changed_fitted
    lw = sw.reweight_log_weights(params, base, more_no_path, plan, run.cutoff_year)
    assert np.all(np.isfinite(lw)) and np.ptp(lw) > 0


SMALL_SPEC = '''
    [refit]
    draws = 30
    tune = 30
    chains = 1

    [[vary]]
    parameter = "log10_spending_cap_share_of_gwp"
    low = {dist = "Normal", mu = -4.0, sigma = 0.5}
    high = {dist = "Normal", mu = -1.5, sigma = 0.5}

    [[vary]]
    parameter = "hardware_growth_oom_per_year"
    shift = 0.05

    [[vary]]
    anchors = "family"
    [vary.families]
    davidson = ["davidson_2023"]
'''


def counting(fn, calls: list, fail_label=None, stop_after=None):
    """Wrap the variant function: record calls, fail one label, or 'die' after N calls."""
    def wrapped(payload, base):
        if stop_after is not None and len(calls) >= stop_after:
            raise KeyboardInterrupt  # as if the sweep were killed here
        calls.append(payload.variant.label)
        if payload.variant.label == fail_label:
            raise RuntimeError("boom")
        return fn(payload, base)
    return wrapped


def test_sweep_answers_caches_and_writes_outputs(run, tmp_path):
    from model.study_workflow import sweep

    spec = spec_file(tmp_path, SMALL_SPEC)
    cache, out = tmp_path / "cache", tmp_path / "out"
    calls: list[str] = []
    fn = counting(sw.answer_variant, calls, fail_label="hardware_growth_oom_per_year: high")
    result = sweep(spec, run.path, out, cache, scheduler="inline", task_fn=fn, progress=False)
    by = {r["variant"]: r for r in result.rows}
    assert len(calls) == 6 and len(by) == 6
    assert by["baseline"]["method"] == "exact"
    assert by["log10_spending_cap_share_of_gwp: low"]["method"] == "exact"
    assert by["hardware_growth_oom_per_year: low"]["method"] == "reweight"
    assert by["family: davidson"]["method"] in ("reweight", "refit")
    failed = by["hardware_growth_oom_per_year: high"]
    assert failed["method"] == "failed" and "RuntimeError: boom" in failed["error"]
    # the baseline is the run itself: same estimator, same numbers as its summary.json
    base_summary = json.loads((run.path / "summary.json").read_text())["arrival_year"]
    assert by["baseline"]["median"] == base_summary["median"]["value"]
    assert by["baseline"]["p_by_2030"] == base_summary["p_by_year"]["2030"]["p"]
    # a lower spending cap cannot make AGI come sooner
    assert by["log10_spending_cap_share_of_gwp: low"]["p_by_2050"] <= \
        by["log10_spending_cap_share_of_gwp: high"]["p_by_2050"]
    assert sorted(p.name for p in out.iterdir()) == [".oomcast-output.json", "cdfs.png",
                                                     "sweep.csv", "sweep.json", "tornado.png"]
    with open(out / "sweep.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["variant"] for r in rows] == [r["variant"] for r in result.rows]
    assert set(sw.table_columns()) == set(rows[0])

    # repeating the sweep costs nothing but the failed variant, which is retried
    calls.clear()
    again = sweep(spec, run.path, out, cache, scheduler="inline",
                  task_fn=counting(sw.answer_variant, calls), progress=False)
    assert calls == ["hardware_growth_oom_per_year: high"]
    assert sum(o.cached for o in again.outcomes) == 5 and not again.failed


def test_killed_sweep_resumes_without_redoing_finished_variants(run, tmp_path):
    from model.study_workflow import sweep

    spec = spec_file(tmp_path, SMALL_SPEC.split("[[vary]]\n    anchors")[0])
    cache, out = tmp_path / "cache", tmp_path / "out"
    first: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        sweep(spec, run.path, out, cache, scheduler="inline",
              task_fn=counting(sw.answer_variant, first, stop_after=2), progress=False)
    assert len(first) == 2 and not out.exists()  # nothing half-written
    second: list[str] = []
    result = sweep(spec, run.path, out, cache, scheduler="inline",
                   task_fn=counting(sw.answer_variant, second), progress=False)
    assert not set(first) & set(second)  # finished variants were not redone
    assert len(first) + len(second) == len(result.outcomes) == 5
    assert [o.cached for o in result.outcomes][:2] == [True, True]


@pytest.mark.slow
def test_refit_variant(run, tmp_path):
    """A variant that changes the likelihood is refitted (tiny chains here) and says so."""
    from model.study_workflow import sweep

    spec = spec_file(tmp_path, '''
        [refit]
        draws = 20
        tune = 20
        chains = 2

        [[vary]]
        setting = "use_inference_price_stream"
        values = [true]
    ''')
    result = sweep(spec, run.path, tmp_path / "out", tmp_path / "cache", scheduler="inline",
                   progress=False)
    row = result.rows[1]
    assert row["method"] == "refit" and "use_inference_price_stream" in row["reason"]
    assert row["refit_converged"] is False and row["n_draws"] == 40


def test_sweep_refuses_a_run_fitted_on_other_data(run, tmp_path):
    from model.study_workflow import StudyError, sweep

    data = edited_data_copy(tmp_path)
    spec = spec_file(tmp_path, SMALL_SPEC)
    with pytest.raises(StudyError, match="published_estimates"):
        sweep(spec, run.path, tmp_path / "out", tmp_path / "cache", scheduler="inline",
              data_dir=data, progress=False)


def test_compare_overlays_runs(run, tmp_path):
    from model.cli import main

    out = tmp_path / "cmp.png"
    assert main(["compare", str(run.path), str(run.path), "--labels", "a", "b",
                 "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000
    # the table beside the figure: one row per run, the run's own numbers
    import csv

    rows = list(csv.DictReader((tmp_path / "cmp.csv").open()))
    assert [r["run"] for r in rows] == ["a", "b"] and rows[0]["kind"] == "posterior"
    summary = json.loads((run.path / "summary.json").read_text())["arrival_year"]
    assert rows[0]["P(after horizon)"] == f"{summary['p_after_horizon']['p']:.1%}"
    md = (tmp_path / "cmp.md").read_text().splitlines()
    assert md[0].startswith("| run | scenario |") and len(md) == 4
    # without labels: scenario names, made unique
    from model.study_workflow import compare

    result = compare([run.path, run.path], tmp_path / "cmp2.png")
    name = next(iter(result.summaries))
    assert list(result.summaries) == [name, f"{name} #2"]


def test_scenario_colours_are_distinct_for_presets_and_stable_across_processes():
    import subprocess
    import sys

    from model.report.study_figures import scenario_colour
    from model.scenario import PRIORS_DIR
    from model.shipped import preset_names

    names = preset_names(PRIORS_DIR)
    assert len({scenario_colour(n) for n in names}) == len(names)
    code = ("from model.report.study_figures import scenario_colour as c; "
            "print(c('my-scenario'), c('default'))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split()
    assert other == [scenario_colour("my-scenario"), scenario_colour("default")]


def test_compare_to_a_folder_is_a_one_line_error(run, tmp_path, capsys):
    from model.cli import main

    assert main(["compare", str(run.path), "--out", str(tmp_path / "cmp")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "name a figure file" in err[0]
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the executor on Dask


def test_cache_keys_follow_content(tmp_path):
    cache = ResultCache(tmp_path)
    a, b = content_hash({"x": 1, "y": [1, 2]}), content_hash({"y": [1, 2], "x": 1})
    assert a == b and a != content_hash({"x": 2, "y": [1, 2]})
    assert cache.get(a) == (False, None)
    cache.put(a, {"v": np.arange(3)})
    found, value = cache.get(a)
    assert found and list(value["v"]) == [0, 1, 2] and cache.keys() == [a]


def test_code_version_hashes_what_a_variant_runs_and_nothing_else():
    from model.studies.cache import module_closure

    names = {p.name for p in module_closure("model.studies.sweep")}
    assert {"sweep.py", "scenario.py", "forecast.py", "summary.py", "inference.py", "build.py",
            "requirement.py", "projection.py"} <= names
    assert not names & {"cli.py", "study_workflow.py", "workflow.py", "figures.py"}


KILL_SCRIPT = '''
import sys, time
from pathlib import Path
from model.studies.cache import ResultCache
from model.studies.executor import Task, map_cached

LOG = Path(sys.argv[1])

def work(i):
    with open(LOG, "a") as fh:
        fh.write(f"start {i}\\n")
    time.sleep(0.6)
    return i * i

if __name__ == "__main__":
    tasks = [Task(key=f"{i:064x}", label=f"t{i}", payload=i) for i in range(8)]
    out = map_cached(work, tasks, cache=ResultCache(sys.argv[2]), n_workers=2, progress=False)
    assert [o.value for o in out] == [i * i for i in range(8)]
    print("cached", sum(o.cached for o in out))
'''


def test_dask_sweep_killed_midway_resumes(tmp_path):
    """A real kill (SIGKILL of the whole process group) of a LocalCluster map, then a restart:
    tasks cached before the kill are not run again."""
    script, log, cache = tmp_path / "kill.py", tmp_path / "log.txt", tmp_path / "cache"
    script.write_text(KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, str(script), str(log), str(cache)], env=env,
                            start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while len(ResultCache(cache).keys()) < 3 and time.time() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {int(k, 16) for k in ResultCache(cache).keys()}
    assert 3 <= len(done_before) < 8
    log.write_text("")
    out = subprocess.run([sys.executable, str(script), str(log), str(cache)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    rerun = {int(line.split()[1]) for line in log.read_text().splitlines()}
    assert not rerun & done_before and rerun | done_before == set(range(8))
    assert f"cached {len(done_before)}" in out.stdout


def test_inline_executor_reports_failures_and_goes_on(tmp_path):
    def work(i):
        if i == 1:
            raise ValueError("bad task")
        return -i

    tasks = [Task(key=content_hash(i), label=f"t{i}", payload=i) for i in range(3)]
    out = map_cached(work, tasks, cache=ResultCache(tmp_path), scheduler="inline",
                     progress=False)
    assert [o.ok for o in out] == [True, False, True]
    assert out[1].error == "ValueError: bad task" and "Traceback" in out[1].traceback
    assert [o.value for o in out] == [0, None, -2]


def test_compare_title_explains_dashes_only_when_a_prior_only_run_is_drawn():
    from model.study_workflow import compare_title

    posterior = {"label": "default: median 2031.7"}
    prior_only = {"label": "cotra-2020 (prior only)", "dashed": True}
    assert "dashed" not in compare_title([posterior, posterior])
    assert "dashed: prior only" in compare_title([posterior, prior_only])
