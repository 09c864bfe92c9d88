"""Reliability (issue 13): nothing lost, nothing executed, every bad input one line.

Output policy (model/output_dir.py), run integrity (model/run_integrity.py), validation at the
edge (model/input_checks.py, model/data.py), the CLI's top-level wrapper, and real-subprocess
signal tests (model/interrupts.py). The cache's crafted-entry tests are in tests/test_cache.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.cli import main
from model.output_dir import (
    MARKER_NAME,
    OutputBusyError,
    OutputPathError,
    RunExistsError,
    clean_stale,
    safe_component,
    staged_dir,
    write_marker,
)
from model.run_integrity import RunIntegrityError, load_verified_run
from model.scenario import PRIORS_DIR

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def marked_folder(path: Path, kind: str = "run") -> str:
    """A folder oomcast wrote, holding one file; returns that file's text."""
    path.mkdir(parents=True)
    (path / "keep.txt").write_text("precious")
    write_marker(path, kind)
    return "precious"


# ---------------------------------------------------------------- output policy


@pytest.mark.parametrize("target", ["docs", "repo", "file.txt", ".", "..", "/", "/proc/oomcast",
                                    "/dev/null", "CWD", "docs/.."])
def test_overwrite_refuses_what_oomcast_did_not_write(tmp_path, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.txt").write_text("years of work")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "file.txt").write_text("a file")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    out = str(tmp_path) if target == "CWD" else target
    with pytest.raises(OutputPathError):
        with staged_dir(Path(out), "run", overwrite=True):
            pass
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_cli_prior_only_refuses_a_repository_in_one_line(tmp_path, capsys):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "README").write_text("mine")
    code = main(["run", "--prior-only", "--draws", "500", "--out", str(repo), "--overwrite"])
    assert code == 2
    assert "not an oomcast output" in one_line_error(capsys)
    assert (repo / "README").read_text() == "mine" and (repo / ".git").is_dir()


def test_marked_or_empty_folders_are_replaced_others_kept(tmp_path):
    out = tmp_path / "out"
    marked_folder(out)
    with pytest.raises(RunExistsError):
        with staged_dir(out, "run", overwrite=False):
            pass
    with staged_dir(out, "run", overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MARKER_NAME, "new.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with staged_dir(empty, "report") as tmp:
        (tmp / "r.html").write_text("x")
    assert json.loads((empty / MARKER_NAME).read_text())["kind"] == "report"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging, no lock


def test_an_error_inside_leaves_the_old_folder_and_no_staging(tmp_path):
    out = tmp_path / "out"
    marked_folder(out)
    with pytest.raises(ZeroDivisionError):
        with staged_dir(out, "run") as tmp:
            (tmp / "half.nc").write_text("half")
            1 / 0  # noqa: B018
    assert (out / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "x" * 200, "..", "a\nb"])
def test_names_from_files_never_become_paths_unchecked(name):
    with pytest.raises(OutputPathError):
        safe_component(name, "scenario name")


def test_priors_show_refuses_a_scenario_name_that_climbs_out(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = (PRIORS_DIR / "default.toml").read_text()
    bad = tmp_path / "evil.toml"
    bad.write_text(text.replace('name = "default"', 'name = "../../escape"', 1))
    assert main(["priors", "show", str(bad), "--draws", "500"]) == 2
    assert "scenario name" in one_line_error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.toml"]


def test_a_live_writer_holds_the_folder_a_dead_ones_lock_is_taken_over(tmp_path, capsys):
    out = tmp_path / "out"
    lock = tmp_path / ".out.lock"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(str(sleeper.pid))
        with pytest.raises(OutputBusyError, match=f"pid {sleeper.pid}"):
            with staged_dir(out, "run"):
                pass
        code = main(["run", "--prior-only", "--draws", "500", "--out", str(out)])
        assert code == 2 and "being written by another oomcast process" in \
            one_line_error(capsys)
        assert not out.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    lock.write_text(str(dead_pid()))
    with staged_dir(out, "run") as tmp:
        (tmp / "x").write_text("x")
    assert (out / "x").is_file() and not lock.exists()


def test_stale_staging_of_dead_writers_is_cleaned_and_a_displaced_run_put_back(tmp_path):
    pid = dead_pid()
    out = tmp_path / "run"
    stale = tmp_path / f".run.partial-{pid}-0123abcd"
    stale.mkdir()
    (stale / "posterior.nc").write_text("half")
    live = tmp_path / f".run.partial-{os.getpid()}-0123abcd"  # ours: alive, kept
    live.mkdir()
    displaced = tmp_path / f".run.old-{pid}-0123abcd"  # killed between the two renames
    marked_folder(displaced)
    clean_stale(out)
    assert not stale.exists() and live.exists()
    assert (out / "keep.txt").read_text() == "precious" and not displaced.exists()


def test_compare_refuses_to_replace_a_document(tmp_path):
    from model.output_dir import check_output_file

    doc = tmp_path / "notes.png"
    doc.write_text("not a figure")
    with pytest.raises(OutputPathError, match="not a .png figure"):
        check_output_file(doc)
    fig = tmp_path / "ok.png"
    fig.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 10)
    assert check_output_file(fig) == fig


# ---------------------------------------------------------------- run integrity (the gate)


def fake_run(path: Path, arrival=None) -> Path:
    """A small run directory with the groups, variables and attrs of a real one."""
    import arviz as az

    from model.inference import save_idata
    from model.run_integrity import RUN_FILES

    rng = np.random.default_rng(0)
    arrival = rng.uniform(2030, 2060, (2, 50)) if arrival is None else arrival
    idata = az.from_dict(posterior={"arrival_year": arrival,
                                    "requirement_log10_flop": rng.normal(35, 3, (2, 50))},
                         log_likelihood={"y": rng.normal(size=(2, 50))},
                         sample_stats={"diverging": np.zeros((2, 50), bool)})
    idata.add_groups(log_prior=idata.log_likelihood.copy())
    for key, value in {"oomcast_cutoff_year": 2025.8, "oomcast_reference_year": 2023.0,
                       "oomcast_horizon_year": 2100.0, "oomcast_seed": 1}.items():
        idata.posterior.attrs[key] = value
    path.mkdir(parents=True, exist_ok=True)
    save_idata(idata, path / "posterior.nc")
    (path / "summary.json").write_text('{"arrival_year": {}}\n')
    write_marker(path, "run", RUN_FILES)
    return path


def test_an_intact_run_verifies(tmp_path):
    nc, idata = load_verified_run(fake_run(tmp_path / "run"))
    assert nc.name == "posterior.nc" and "posterior" in idata.groups()


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("tamper,reason", [
    (lambda r: _flip_byte(r / "posterior.nc"), "posterior.nc: SHA-256 differs"),
    (lambda r: (r / "posterior.nc").write_bytes(os.urandom(4096)), "SHA-256 differs"),
    (lambda r: (r / "summary.json").write_text('{"arrival_year": {"p": 1}}'),
     "summary.json: SHA-256 differs"),
    (lambda r: (r / MARKER_NAME).unlink(), "missing or unreadable"),
    (lambda r: (r / MARKER_NAME).write_text("{not json"), "missing or unreadable"),
    (lambda r: (r / "posterior.nc").unlink(), "no posterior.nc"),
])
def test_a_tampered_run_is_refused_naming_file_and_reason(tmp_path, tamper, reason):
    run = fake_run(tmp_path / "run")
    tamper(run)
    with pytest.raises(RunIntegrityError, match=re.escape(reason)):
        load_verified_run(run)


def test_nan_arrival_draws_are_refused_even_with_matching_hashes(tmp_path):
    arrival = np.full((2, 50), 2040.0)
    arrival[0, 3] = np.nan
    with pytest.raises(RunIntegrityError, match="1 arrival_year draws are NaN"):
        load_verified_run(fake_run(tmp_path / "run", arrival))
    arrival[0, 3] = np.inf  # +inf = after the horizon: valid
    load_verified_run(fake_run(tmp_path / "ok", arrival))


@pytest.mark.parametrize("command", ["publish", "sensitivity", "ppc"])
def test_publish_sensitivity_ppc_refuse_a_tampered_run_in_one_line(tmp_path, capsys, command):
    run = fake_run(tmp_path / "run")
    _flip_byte(run / "posterior.nc")
    argv = [command, str(run)] + (["--out", str(tmp_path / "rep")] if command == "publish"
                                  else [])
    assert main(argv) == 2
    assert "posterior.nc: SHA-256 differs" in one_line_error(capsys)
    assert sorted(p.name for p in run.iterdir()) == [MARKER_NAME, "posterior.nc",
                                                     "summary.json"]
    assert not (tmp_path / "rep").exists()


# ---------------------------------------------------------------- validation at the edge

BAD_NUMBERS = st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -1e308, True,
                               False, "0.1", "1e3", [1.0], {"x": 1.0}])


def _numeric_leaves(tree, prefix=()):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _numeric_leaves(v, (*prefix, k))
    elif isinstance(v := tree, int | float) and not isinstance(v, bool):
        yield prefix


SCENARIO_TEXT = (PRIORS_DIR / "default.toml").read_text()
SCENARIO_LEAVES = sorted(_numeric_leaves(tomlkit.parse(SCENARIO_TEXT).unwrap()))


def _set(doc, keys, value):
    for k in keys[:-1]:
        doc = doc[k]
    doc[keys[-1]] = value


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leaf=st.sampled_from(SCENARIO_LEAVES), value=BAD_NUMBERS)
def test_fuzzed_scenario_numbers_are_one_line_errors_and_nothing_is_written(
        tmp_path_factory, capsys, leaf, value):
    tmp = tmp_path_factory.mktemp("fuzz")
    doc = tomlkit.parse(SCENARIO_TEXT)
    _set(doc, leaf, value)
    path = tmp / "fuzzed.toml"
    path.write_text(tomlkit.dumps(doc))
    out = tmp / "out"
    assert main(["priors", "check", str(path)]) == 2
    line = one_line_error(capsys)
    assert str(path) in line and ".".join(leaf[:-1]) in line, line
    assert main(["run", "--prior-only", "--priors", str(path), "--draws", "500", "--out",
                 str(out)]) == 2
    one_line_error(capsys)
    assert sorted(p.name for p in tmp.iterdir()) == ["fuzzed.toml"]


SPEC_TEXT = (PRIORS_DIR / "sweeps" / "default.toml").read_text()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308]),
       data=st.data())
def test_fuzzed_sweep_spec_numbers_are_one_line_errors(tmp_path_factory, capsys, value, data):
    raw = tomlkit.parse(SPEC_TEXT)
    leaves = list(_numeric_paths(raw.unwrap()))
    leaf = data.draw(st.sampled_from(leaves))
    _set(raw, leaf, value)
    tmp = tmp_path_factory.mktemp("spec")
    path = tmp / "spec.toml"
    path.write_text(tomlkit.dumps(raw))
    (tmp / "run").mkdir(exist_ok=True)  # an existing --run: the spec is what is under test
    assert main(["sweep", str(path), "--run", str(tmp / "run"), "--out", str(tmp / "o"),
                 "--cache-dir", str(tmp / "c")]) == 2
    line = one_line_error(capsys)
    assert str(path) in line and ("finite" in line or "too large" in line), line
    assert sorted(p.name for p in tmp.iterdir()) == ["run", "spec.toml"]  # nothing written
    assert not any((tmp / "run").iterdir())


def _numeric_paths(tree, prefix=()):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _numeric_paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _numeric_paths(v, (*prefix, i))
    elif isinstance(tree, int | float) and not isinstance(tree, bool):
        yield prefix


def copy_data(tmp: Path) -> Path:
    out = tmp / "data"
    shutil.copytree(DATA, out)
    return out


def rehash(data_dir: Path, stream: str) -> None:
    """Make the provenance record match an edited CSV, so validation (not the hash) is tested."""
    prov_path = data_dir / f"{stream}.provenance.json"
    prov = json.loads(prov_path.read_text())
    prov["curated_sha256"] = hashlib.sha256((data_dir / f"{stream}.csv").read_bytes()).hexdigest()
    prov_path.write_text(json.dumps(prov))


CSV_CASES = [("frontier_compute", "log10_flop", ["nan", "inf", "-inf", "1e308", "abc", "true"]),
             ("frontier_compute", "publication_date", ["2999-01-01", "nan", "2024-02-30"]),
             ("published_estimates", "lower", ["-5", "nan", "0"]),
             ("published_estimates", "central", ["inf", "x"])]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_data_files_are_one_line_errors_naming_file_and_row(tmp_path_factory, capsys,
                                                                   data):
    import pandas as pd

    stream, column, values = data.draw(st.sampled_from(CSV_CASES))
    value = data.draw(st.sampled_from(values))
    tmp = tmp_path_factory.mktemp("data")
    data_dir = copy_data(tmp)
    csv = data_dir / f"{stream}.csv"
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    row = data.draw(st.integers(0, len(df) - 1))
    df.loc[row, column] = value
    df.to_csv(csv, index=False)
    rehash(data_dir, stream)
    out = tmp / "out"
    assert main(["run", "--prior-only", "--draws", "500", "--data-dir", str(data_dir),
                 "--out", str(out)]) == 2
    line = one_line_error(capsys)
    assert str(csv) in line and re.search(r"line \d+", line), line
    assert not out.exists()


@pytest.mark.parametrize("key,value,expect", [
    ("vintage", "2999-01-01", "after today"),
    ("retrieved", "2999-01-01", "after today"),
    ("vintage", "2026-13-01", "not a YYYY-MM-DD date"),
    ("rows", "70", "non-negative integer"),
    ("rows", True, "non-negative integer"),
    ("rows", -1, "non-negative integer"),
    ("vintage", 20251101, "non-empty string"),
])
def test_provenance_records_are_validated(tmp_path, capsys, key, value, expect):
    data_dir = copy_data(tmp_path)
    prov_path = data_dir / "frontier_compute.provenance.json"
    prov = json.loads(prov_path.read_text())
    prov[key] = value
    prov_path.write_text(json.dumps(prov))
    assert main(["run", "--prior-only", "--draws", "500", "--data-dir", str(data_dir),
                 "--out", str(tmp_path / "out")]) == 2
    line = one_line_error(capsys)
    assert str(prov_path) in line and expect in line, line
    assert not (tmp_path / "out").exists()


def test_the_gate_sees_a_moved_vintage(tmp_path):
    from model.data import load_all, provenance_hashes
    from model.report.gate import provenance_failures

    data_dir = copy_data(tmp_path)
    attrs = {"oomcast_data_sha256": json.dumps({}), "oomcast_provenance_sha256": json.dumps(
        provenance_hashes(load_all(data_dir)))}
    assert not [f for f in provenance_failures(attrs, data_dir) if "provenance" in f]
    prov_path = data_dir / "frontier_compute.provenance.json"
    prov = json.loads(prov_path.read_text())
    prov["vintage"] = "2025-12-31"
    prov_path.write_text(json.dumps(prov))
    assert any("frontier_compute: provenance record (vintage, rows) changed" in f
               for f in provenance_failures(attrs, data_dir))


def _deep_toml(path: Path) -> None:
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")


@pytest.mark.parametrize("kind", ["directory", "fifo", "symlink-loop", "deep", "binary",
                                  "missing"])
@pytest.mark.parametrize("command", ["priors-check", "run", "sweep"])
def test_input_files_that_are_not_files_are_one_line_errors(tmp_path, capsys, kind, command):
    path = tmp_path / "in.toml"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink-loop":
        path.symlink_to(tmp_path / "in2.toml")
        (tmp_path / "in2.toml").symlink_to(path)
    elif kind == "deep":
        _deep_toml(path)
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00" * 100)
    (tmp_path / "run").mkdir()  # an existing --run for sweep: the input file is under test
    argv = {"priors-check": ["priors", "check", str(path)],
            "run": ["run", "--prior-only", "--priors", str(path), "--out",
                    str(tmp_path / "out")],
            "sweep": ["sweep", str(path), "--run", str(tmp_path / "run"), "--out",
                      str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c")]}[command]
    assert main(argv) == 2
    assert str(path) in one_line_error(capsys)
    assert not (tmp_path / "out").exists() and not (tmp_path / "c").exists()


@pytest.mark.parametrize("as_of", ["nan", "inf", "-inf", "yesterday"])
def test_as_of_must_be_a_finite_date(tmp_path, capsys, as_of):
    assert main(["run", "--prior-only", f"--as-of={as_of}", "--out", str(tmp_path / "o")]) == 2
    assert "--as-of" in one_line_error(capsys)


def test_an_unforeseen_error_is_one_line_and_exit_1(monkeypatch, capsys):
    import model.cli as cli

    def boom(args):
        raise RuntimeError("something\nunexpected")

    monkeypatch.setattr(cli, "cmd_priors_check", boom)
    # an existing file, so that the argument layer passes it on to the (patched) command
    assert main(["priors", "check", str(REPO / "priors" / "default.toml")]) == 1
    assert "internal error: RuntimeError: something unexpected" in one_line_error(capsys)


# ---------------------------------------------------------------- signals (real subprocesses)


def _oomcast(*args, cwd: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "model.cli", *map(str, args)], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, timeout: float) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _alive(pid: int) -> bool:
    try:
        stat_text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat_text.split(")")[-1].split()[0] != "Z"


def _snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_signal_in_the_write_phase_never_installs_a_partial_run(tmp_path, sig):
    out = tmp_path / "run"
    marked_folder(out, "prior_only_run")
    before = _snapshot(out)
    proc = _oomcast("run", "--prior-only", "--draws", "200000", "--out", out, "--overwrite",
                    cwd=tmp_path)
    staged = _wait_for(lambda: any(tmp_path.glob(".run.partial-*")), 120)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert staged, err
    assert _snapshot(out) == before  # the old run, intact
    if sig == signal.SIGTERM:
        assert proc.returncode == 130, err
        lines = err.strip().splitlines()
        assert "Traceback" not in err and "interrupted" in lines[-1], err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    else:  # nothing can run on SIGKILL: the next start cleans up after it
        assert proc.returncode == -signal.SIGKILL
        assert any(tmp_path.glob(".run.partial-*"))
        assert main(["run", "--prior-only", "--draws", "500", "--out", str(out),
                     "--overwrite"]) == 0
        assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.ci_slow
def test_ctrl_c_during_sampling_exits_130_keeps_the_old_run_and_kills_workers(tmp_path):
    out = tmp_path / "run"
    marked_folder(out)
    before = _snapshot(out)
    proc = _oomcast("run", "--out", out, "--overwrite", "--draws", "4000", "--tune", "50",
                    "--chains", "2", cwd=tmp_path)
    sampling = _wait_for(lambda: len(_children(proc.pid)) >= 2, 300)
    workers = _children(proc.pid)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert sampling, err
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err.strip().splitlines()[-1], err
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert _wait_for(lambda: not any(_alive(w) for w in workers), 10)


def test_workers_die_with_a_killed_parent(tmp_path):
    script = ("import os, time\n"
              "from model.interrupts import kill_children_with_parent\n"
              "kill_children_with_parent()\n"
              "pid = os.fork()\n"
              "if pid == 0:\n    time.sleep(60); os._exit(0)\n"
              "print(pid, flush=True)\ntime.sleep(60)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env=env)
    child = int(proc.stdout.readline())
    assert _alive(child)
    proc.kill()
    proc.wait()
    assert _wait_for(lambda: not _alive(child), 10)


def test_compare_refuses_a_tampered_prior_only_run(tmp_path, capsys):
    run = tmp_path / "prior"
    assert main(["run", "--prior-only", "--draws", "500", "--out", str(run)]) == 0
    capsys.readouterr()
    summary = json.loads((run / "summary.json").read_text())
    summary["arrival_year"]["p_by_year"]["2030"]["p"] = 0.99
    (run / "summary.json").write_text(json.dumps(summary))
    assert main(["compare", str(run), "--out", str(tmp_path / "c.png")]) == 2
    assert "summary.json: SHA-256 differs" in one_line_error(capsys)
    assert not (tmp_path / "c.png").exists()


def test_an_interrupt_between_the_two_renames_puts_the_old_folder_back(tmp_path, monkeypatch):
    import model.output_dir as od

    out = tmp_path / "out"
    marked_folder(out)
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # old moved aside; the new one is about to go in
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(od.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        with staged_dir(out, "run") as tmp:
            (tmp / "new.txt").write_text("new")
    monkeypatch.setattr(od.os, "replace", real)
    assert (out / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
