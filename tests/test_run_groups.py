"""Deferred groups (model/run_groups.py): computed once on first use, stored atomically in
derived.nc beside an untouched posterior.nc, reproducible, and never trusted when stale."""

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from study_helpers import edited_data_copy, short_run_dir

from model import run_groups
from model.inference import load_idata, save_idata
from model.output_dir import sha256_file, verify_hashes, write_marker
from model.run_groups import (
    DERIVED_FILE,
    GROUP_SHA_ATTR,
    POSTERIOR_SHA_ATTR,
    ensure_groups,
    read_derived,
    recorded_posterior_sha256,
    write_derived,
)
from model.run_integrity import RUN_FILES

REPO = Path(__file__).resolve().parents[1]
LOG_GROUPS = ("log_likelihood", "log_prior")


@pytest.fixture
def run(tmp_path):
    """A private copy of the session's short run (marker and hashes included), without the
    derived.nc another test file may have added to the shared run."""
    run = Path(shutil.copytree(short_run_dir(), tmp_path / "run"))
    (run / DERIVED_FILE).unlink(missing_ok=True)
    return run


@pytest.fixture
def computed(monkeypatch):
    """Counts the groups compute_groups is asked for."""
    calls = []
    real = run_groups.compute_groups

    def counting(run_dir, idata, groups, *args, **kwargs):
        calls.append(tuple(groups))
        return real(run_dir, idata, groups, *args, **kwargs)

    monkeypatch.setattr(run_groups, "compute_groups", counting)
    return calls


def _arrays(idata, groups) -> dict:
    return {(g, v): idata[g][v].to_numpy() for g in groups for v in idata[g].data_vars}


def test_run_stores_no_deferred_group_and_first_use_computes_once(run, computed):
    before = (run / "posterior.nc").read_bytes()
    idata = load_idata(run / "posterior.nc")
    assert not {"log_likelihood", "log_prior", "prior", "prior_predictive"} & set(idata.groups())
    assert not (run / DERIVED_FILE).exists()

    idata = ensure_groups(run, LOG_GROUPS)
    assert computed == [LOG_GROUPS]
    n_obs = idata.observed_data["frontier_log10_flop"].size
    ll = idata.log_likelihood["frontier_log10_flop"]
    assert ll.shape == (idata.posterior.sizes["chain"], idata.posterior.sizes["draw"], n_obs)
    assert np.isfinite(ll).all() and np.isfinite(idata.log_prior.to_array()).all()
    mtime = (run / DERIVED_FILE).stat().st_mtime_ns

    again = ensure_groups(run, LOG_GROUPS)  # a second command: read, not recomputed
    assert computed == [LOG_GROUPS] and (run / DERIVED_FILE).stat().st_mtime_ns == mtime
    for key, values in _arrays(idata, LOG_GROUPS).items():
        np.testing.assert_array_equal(again[key[0]][key[1]].to_numpy(), values)

    # the gate's files are untouched and still verify
    assert (run / "posterior.nc").read_bytes() == before
    assert verify_hashes(run, RUN_FILES) is None
    # no temporary file is left beside it
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".")) == [
        ".oomcast-output.json"]


def test_deferred_groups_are_reproducible(run):
    """Deleting derived.nc and computing again gives identical arrays (the prior predictive's
    seed derives from the run's)."""
    groups = ("log_likelihood", "log_prior", "prior")
    first = _arrays(ensure_groups(run, groups), (*groups, "prior_predictive"))
    prior = ensure_groups(run, ("prior",)).prior
    assert prior.attrs["oomcast_prior_predictive_seed"] == 5 + 1  # study_helpers' seed + 1
    assert prior.sizes["draw"] == 50  # the run's prior_draws
    (run / DERIVED_FILE).unlink()
    second = _arrays(ensure_groups(run, groups), (*groups, "prior_predictive"))
    assert first.keys() == second.keys()
    for key, values in first.items():
        np.testing.assert_array_equal(second[key], values, err_msg=str(key))


def test_groups_asked_for_later_are_added_to_the_file(run, computed):
    ensure_groups(run, ("log_likelihood",))
    ensure_groups(run, ("log_prior",))
    assert computed == [("log_likelihood",), ("log_prior",)]
    stored = read_derived(run, recorded_posterior_sha256(run))
    assert set(stored) == {"log_likelihood", "log_prior"}
    ensure_groups(run, LOG_GROUPS)
    assert len(computed) == 2


def _rewrite(run: Path, change) -> None:
    """Rewrite derived.nc with `change(groups)` applied, keeping each group's attrs."""
    import arviz as az

    idata = az.from_netcdf(str(run / DERIVED_FILE), engine="h5netcdf")
    groups = {g: idata[g].load() for g in idata.groups()}
    change(groups)
    (run / DERIVED_FILE).unlink()
    az.InferenceData(**groups).to_netcdf(str(run / DERIVED_FILE), engine="h5netcdf")


def _edit_value(groups):
    var = groups["log_likelihood"]["frontier_log10_flop"]
    var.values[0, 0, 0] += 1.0


def _foreign_posterior(groups):
    for ds in groups.values():
        ds.attrs[POSTERIOR_SHA_ATTR] = "0" * 64


@pytest.mark.parametrize("tamper,reason", [
    (lambda run: _rewrite(run, _edit_value), "its contents changed since it was written"),
    (lambda run: _rewrite(run, _foreign_posterior), "computed from another posterior.nc"),
    (lambda run: (run / DERIVED_FILE).write_bytes(os.urandom(2048)), "cannot be read"),
])
def test_a_tampered_or_stale_derived_file_is_detected_and_recomputed(run, computed, capsys,
                                                                     tamper, reason):
    good = _arrays(ensure_groups(run, LOG_GROUPS), LOG_GROUPS)
    tamper(run)
    capsys.readouterr()
    again = ensure_groups(run, LOG_GROUPS)
    err = capsys.readouterr().err
    assert reason in err and DERIVED_FILE in err and len(err.strip().splitlines()) == 1
    assert len(computed) == 2  # recomputed, not trusted
    for key, values in good.items():
        np.testing.assert_array_equal(again[key[0]][key[1]].to_numpy(), values)
    assert not read_derived(run, recorded_posterior_sha256(run), quiet=True).keys() ^ set(
        LOG_GROUPS)  # and the file is whole again


def test_an_old_run_with_the_groups_in_posterior_nc_uses_them(run, tmp_path, computed):
    idata = ensure_groups(run, LOG_GROUPS)
    old = tmp_path / "old"
    old.mkdir()
    for ds in (idata.log_likelihood, idata.log_prior):
        for key in (POSTERIOR_SHA_ATTR, GROUP_SHA_ATTR):
            ds.attrs.pop(key, None)
    save_idata(idata, old / "posterior.nc")
    shutil.copy(run / "summary.json", old / "summary.json")
    write_marker(old, "run", RUN_FILES)
    computed.clear()
    loaded = ensure_groups(old, LOG_GROUPS)
    assert computed == [] and not (old / DERIVED_FILE).exists()
    assert "log_likelihood" in loaded.groups()


def test_a_changed_scenario_without_a_stored_log_prior_is_refused(run, tmp_path):
    from model.scenario import PRIORS_DIR
    from model.studies.rundir import RunDirError, load_run

    edited = tmp_path / "default.toml"
    edited.write_text((PRIORS_DIR / "default.toml").read_text() + "\n# a comment\n")
    with pytest.raises(RunDirError, match="no stored log_prior"):
        load_run(run, scenario_path=edited)
    assert not (run / DERIVED_FILE).exists()
    ensure_groups(run, ("log_prior",))  # computed while the file is the run's
    loaded = load_run(run, scenario_path=edited)  # same densities: accepted
    assert loaded.scenario.path == edited
    with pytest.raises(RunDirError, match="changed since the run"):  # cannot rebuild from it
        load_run(run, scenario_path=edited, groups=("log_likelihood",))


def test_unknown_group_names_are_refused(run):
    with pytest.raises(ValueError, match="not a deferred group: posterior"):
        ensure_groups(run, ("posterior",))


CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np, xarray as xr, arviz as az
    from model import run_groups
    from model.interrupts import install_handlers
    install_handlers()
    real = az.InferenceData.to_netcdf
    def slow(self, path, **kw):
        out = real(self, path, **kw)
        print("written", flush=True)
        time.sleep(60)
        return out
    az.InferenceData.to_netcdf = slow
    ds = xr.Dataset({"y": (("chain", "draw"), np.full((1, 4), 2.0))})
    run_groups.write_derived(sys.argv[1], "sha", {"log_prior": ds})
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_write_leaves_the_old_file_and_no_partial_one(tmp_path, sig):
    ds = xr.Dataset({"y": (("chain", "draw"), np.ones((1, 4)))})
    write_derived(tmp_path, "sha", {"log_prior": ds})
    before = (tmp_path / DERIVED_FILE).read_bytes()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "written", proc.stderr.read()
    assert any(tmp_path.glob(f".{DERIVED_FILE}.*.tmp"))  # the whole temporary file, not yet in
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert (tmp_path / DERIVED_FILE).read_bytes() == before
    stored = read_derived(tmp_path, "sha")
    np.testing.assert_array_equal(stored["log_prior"]["y"].to_numpy(), np.ones((1, 4)))
    leftovers = list(tmp_path.glob(f".{DERIVED_FILE}.*.tmp"))
    if sig == signal.SIGKILL:  # nothing runs on SIGKILL: the next writer removes it
        assert leftovers
        time.sleep(0.1)
        write_derived(tmp_path, "sha", {"log_prior": ds})
        leftovers = list(tmp_path.glob(f".{DERIVED_FILE}.*.tmp"))
    else:
        assert "Interrupted" in err, err
    assert leftovers == []


def test_ppc_after_sensitivity_reuses_the_groups_and_publish_adds_the_prior(run, tmp_path,
                                                                            computed):
    from model.cli import main

    assert main(["sensitivity", str(run)]) == 0
    assert [set(c) for c in computed] == [set(LOG_GROUPS)]
    assert main(["ppc", str(run)]) == 0
    assert len(computed) == 1  # log_likelihood came from derived.nc
    assert main(["publish", str(run), "--out", str(tmp_path / "report"), "--draft",
                 "--format", "md"]) == 0
    assert [set(c) for c in computed] == [set(LOG_GROUPS), {"prior", "prior_predictive"}]
    stored = read_derived(run, sha256_file(run / "posterior.nc"))
    assert set(stored) == {"log_likelihood", "log_prior", "prior", "prior_predictive"}
    assert verify_hashes(run, RUN_FILES) is None
    assert (tmp_path / "report" / "figures" / "prior_posterior.png").is_file()


def test_other_data_cannot_rebuild_the_model(run, tmp_path):
    """The groups come from the run's own model: data that differ from the recorded hashes are
    refused in one line naming the stream, and nothing is written."""
    from model.run_groups import RunGroupsError

    data = edited_data_copy(tmp_path)
    with pytest.raises(RunGroupsError, match=r"not the data of this run \(published_estimates"):
        ensure_groups(run, ("log_likelihood",), data_dir=data)
    assert not (run / DERIVED_FILE).exists()
