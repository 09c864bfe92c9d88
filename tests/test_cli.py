"""End to end: `oomcast run` with short chains writes a complete, self-describing run."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from model import workflow
from model.inference import SamplerSettings, load_idata
from model.phases import PHASE_ATTR, phases_of

SHORT = ["--draws", "60", "--tune", "60", "--chains", "2", "--seed", "7"]


def oomcast(*args):
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "short"
    result = oomcast("run", "--out", str(out), *SHORT)
    return out, result


def test_run_writes_complete_run(short_run):
    out, result = short_run
    # short chains fail the diagnostics: exit 1, said plainly, the run is still written
    assert result.returncode == 1, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [".oomcast-output.json", "arrival.png",
                                                     "limits.png", "posterior.nc",
                                                     "summary.json", "trajectory.png"]
    assert "median" in result.stdout and "P(by 2030)" in result.stdout
    assert "Limits on the run's physical compute" in result.stdout and "power" in result.stdout
    assert "diagnostics FAILED" in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    arrival = summary["arrival_year"]
    assert set(arrival["p_by_year"]) == {"2027", "2030", "2035", "2040", "2050", "2075", "2100"}
    assert all("mcse" in v for v in arrival["p_by_year"].values())
    assert [iv["prob"] for iv in arrival["intervals"]] == [0.5, 0.8, 0.9]
    limits = summary["limits"]
    assert set(limits["limits"]) == {"spending", "power", "chips", "data", "latency"}
    assert limits["binding_walls"] == ["power", "chips", "data", "latency"]
    for entry in limits["limits"].values():
        p30, p35 = entry["p_binds_by"]["2030"]["p"], entry["p_binds_by"]["2035"]["p"]
        assert 0.0 <= p30 <= p35 <= 1.0
    assert 0 <= arrival["p_after_horizon"]["p"] <= 1
    assert summary["provenance"]["oomcast_seed"] == 7
    # the forecast says which run it is about, and where that run starts
    assert summary["forecast_run"].startswith("the largest training run")
    assert "forecast run: the largest training run" in result.stdout
    start = summary["largest_run_at_cutoff"]
    flop = start["log10_physical_flop"]
    assert 24 < flop["q05"] <= flop["median"] <= flop["q95"] < 30
    assert start["premium_over_typical_frontier_model_oom"]["q05"] >= 0
    idata = load_idata(out / "posterior.nc")
    for group in ("posterior", "observed_data", "constant_data", "sample_stats"):
        assert group in idata.groups(), group
    # deferred to the commands that need them (model/run_groups.py, tests/test_run_groups.py)
    assert not {"prior", "log_likelihood", "log_prior"} & set(idata.groups())
    attrs = idata.posterior.attrs
    for key in ("oomcast_scenario_sha256", "oomcast_data_sha256", "oomcast_seed",
                "oomcast_sampler_settings", "oomcast_versions", "oomcast_git_commit"):
        assert key in attrs
    assert set(json.loads(attrs["oomcast_data_sha256"])) >= {"frontier_compute", "training_cost"}
    assert idata.posterior["arrival_year"].shape == (2, 60)
    # wall time per phase: in posterior.nc (all but its own write), on the terminal, never in
    # summary.json (byte-identical for a seed: test_same_seed_identical_summary)
    phases = phases_of(attrs)
    assert list(phases) == ["load", "build", "sample", "forecast_and_diagnostics", "summary",
                            "figures"]
    assert all(v >= 0 for v in phases.values()) and phases["sample"] > 0
    assert PHASE_ATTR not in (out / "summary.json").read_text()
    time_line = next(line for line in result.stdout.splitlines() if line.startswith("time: "))
    assert "sample" in time_line and "write" in time_line and "total" in time_line


def test_refuses_to_overwrite(short_run):
    out, _ = short_run
    before = (out / "summary.json").read_bytes()
    result = oomcast("run", "--out", str(out), "--draft", *SHORT)
    assert result.returncode == 2
    assert "already exists" in result.stderr and "Traceback" not in result.stderr
    assert (out / "summary.json").read_bytes() == before


def test_same_seed_identical_summary(short_run, tmp_path):
    out, _ = short_run
    again = tmp_path / "again"
    result = oomcast("run", "--out", str(again), "--draft", *SHORT)
    assert result.returncode == 0, result.stderr  # --draft keeps a failed run with exit 0
    assert "kept as a draft" in result.stderr
    first = json.loads((out / "summary.json").read_text())
    second = json.loads((again / "summary.json").read_text())
    assert first["arrival_year"] == second["arrival_year"]
    assert first["growth_rates"] == second["growth_rates"]
    assert (out / "summary.json").read_bytes() == (again / "summary.json").read_bytes()


def test_crash_leaves_nothing_half_written(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash while drawing figures")

    monkeypatch.setattr(workflow, "draw_figures", boom)
    out = tmp_path / "crash"
    with pytest.raises(RuntimeError):
        workflow.execute_run("default", out, SamplerSettings(draws=20, tune=20, chains=1,
                                                             prior_draws=20))
    assert list(tmp_path.iterdir()) == []


def test_run_records_phase_times_in_posterior_nc_only(tmp_path):
    """model/phases.py: every phase before the netCDF write is in posterior.nc's attrs, and the
    run's result carries the write too; summary.json has no time in it."""
    out = tmp_path / "timed"
    result = workflow.execute_run("default", out, SamplerSettings(
        draws=20, tune=20, chains=1, prior_draws=20, compile_mode="C"))
    phases = phases_of(load_idata(out / "posterior.nc").posterior.attrs)
    assert list(phases) == ["load", "build", "sample", "forecast_and_diagnostics", "summary",
                            "figures"]
    assert phases["sample"] > 0 and all(v >= 0 for v in phases.values())
    assert list(result.phases.seconds) == [*phases, "write"]
    assert result.phases.total_s() >= sum(phases.values())
    assert "wall_s" not in (out / "summary.json").read_text()
    assert result.phases.line().startswith("time: load ")


def test_as_of_drops_later_observations_and_bad_as_of_is_an_error(tmp_path):
    result = oomcast("run", "--out", str(tmp_path / "future"), "--as-of", "2031-01-01", *SHORT)
    assert result.returncode == 2 and "after the data's vintage" in result.stderr
    result = oomcast("run", "--out", str(tmp_path / "junk"), "--as-of", "last tuesday", *SHORT)
    assert result.returncode == 2 and "--as-of" in result.stderr
    out = tmp_path / "past"
    result = oomcast("run", "--out", str(out), "--as-of", "2020-01-01", "--draft", *SHORT)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cutoff_year"] == pytest.approx(2020.0)
    assert summary["observations"]["training_cost"] < 40
    idata = load_idata(out / "posterior.nc")
    assert float(idata.constant_data["frontier_year"].max()) <= 2020.0
    assert Path(out / "arrival.png").stat().st_size > 10_000


@pytest.mark.parametrize("field, value, message", [
    ("draws", 0, "draws must be >= 1"),
    ("sampler", "emcee", "sampler must be"),
    ("target_accept", 1.0, "target_accept must be in"),
    ("compile_mode", "FAST_COMPILE", "compile_mode must be"),
])
def test_sampler_settings_reject_impossible_values(field, value, message):
    from model.inference import SamplerSettings

    with pytest.raises(ValueError, match=message):
        SamplerSettings(**{field: value})
