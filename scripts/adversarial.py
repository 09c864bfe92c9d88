"""Re-runnable adversarial sweep of oomcast's inputs (issue 13): every case runs `oomcast` in
process, as a user would, and is scored on

    traceback   an exception escaped `model.cli.main` (a user would see a traceback)
    not 1 line  a failing case whose stderr is not exactly one line
    bad exit    a bad input that did not exit 2 (or a good one that failed)
    data lost   a file of the sentinel tree (a document folder, a git repository, a plain file,
                a finished run) changed or vanished

Cases: every numeric leaf of priors/default.toml set to each of nan, inf, -inf, 1e308, true,
"0.1", [1] ; input files that are directories, FIFOs, symlink loops, 100k-deep TOML, binary or
missing, for `priors check`, `run` and `sweep`; output paths that are not ours; edited CSV cells
and provenance records; --as-of values; tampered run directories for publish, sensitivity and
ppc; crafted cache entries (a pickle that would run a command). The signal cases need real
processes: tests/test_reliability.py.

    python scripts/adversarial.py            # prints one line per failing case and the totals
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import shutil
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BAD_VALUES = [float("nan"), float("inf"), float("-inf"), 1e308, True, "0.1", [1.0]]


def _leaves(tree, prefix=()):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _leaves(v, (*prefix, k))
    elif isinstance(tree, int | float) and not isinstance(tree, bool):
        yield prefix


def _snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def _sentinels(root: Path) -> None:
    from model.output_dir import write_marker

    (root / "docs").mkdir()
    (root / "docs" / "thesis.txt").write_text("years of work")
    (root / "repo" / ".git").mkdir(parents=True)
    (root / "repo" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "file.txt").write_text("a file")
    (root / "oldrun").mkdir()
    (root / "oldrun" / "summary.json").write_text("{}")
    write_marker(root / "oldrun", "run", ("summary.json",))


class Tally:
    def __init__(self):
        self.cases = self.tracebacks = self.multiline = self.bad_exit = self.lost = 0

    def run(self, name: str, argv: list[str], root: Path, expect: int = 2) -> None:
        from model.cli import main

        self.cases += 1
        before = _snapshot(root / "sentinels")
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                    warnings.catch_warnings():
                warnings.simplefilter("ignore")
                code = main(argv)
        except SystemExit as exc:
            code = exc.code
        except BaseException:  # noqa: BLE001 - what a user would see as a traceback
            self.tracebacks += 1
            print(f"TRACEBACK {name}: {traceback.format_exc().splitlines()[-1]}")
            return
        lines = err.getvalue().strip().splitlines()
        if code != expect:
            self.bad_exit += 1
            print(f"EXIT {code} (want {expect}) {name}: {lines[-1:] or ''}")
        if expect != 0 and len(lines) != 1:
            self.multiline += 1
            print(f"{len(lines)} LINES {name}: {lines[:3]}")
        if _snapshot(root / "sentinels") != before:
            self.lost += 1
            print(f"DATA LOST {name}")


def scenario_cases(t: Tally, root: Path) -> None:
    import tomlkit

    text = (REPO / "priors" / "default.toml").read_text()
    for leaf in _leaves(tomlkit.parse(text).unwrap()):
        for value in BAD_VALUES:
            doc = tomlkit.parse(text)
            node = doc
            for k in leaf[:-1]:
                node = node[k]
            node[leaf[-1]] = value
            path = root / "fuzz.toml"
            path.write_text(tomlkit.dumps(doc))
            t.run(f"scenario {'.'.join(leaf)} = {value!r}", ["priors", "check", str(path)], root)


def file_kind_cases(t: Tally, root: Path) -> None:
    for kind in ("directory", "fifo", "symlink-loop", "deep", "binary", "missing"):
        for command in ("priors-check", "run", "sweep"):
            d = Path(tempfile.mkdtemp(dir=root))
            path = d / "in.toml"
            if kind == "directory":
                path.mkdir()
            elif kind == "fifo":
                os.mkfifo(path)
            elif kind == "symlink-loop":
                path.symlink_to(d / "b.toml")
                (d / "b.toml").symlink_to(path)
            elif kind == "deep":
                path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
            elif kind == "binary":
                path.write_bytes(b"\xff\xfe\x00" * 100)
            argv = {"priors-check": ["priors", "check", str(path)],
                    "run": ["run", "--prior-only", "--priors", str(path), "--out",
                            str(d / "out")],
                    "sweep": ["sweep", str(path), "--run", str(d / "none"), "--out",
                              str(d / "out"), "--cache-dir", str(d / "c")]}[command]
            t.run(f"{command} on a {kind}", argv, root)


def output_cases(t: Tally, root: Path) -> None:
    s = root / "sentinels"
    for target in (s / "docs", s / "repo", s / "file.txt", s / "docs" / "..", Path("."),
                   Path(".."), Path("/"), Path("/proc/oomcast"), Path("/dev/null")):
        for argv in (["run", "--prior-only", "--draws", "300", "--overwrite"],
                     ["priors", "show", "default", "--draws", "300"]):
            t.run(f"{' '.join(argv[:2])} --out {target}", [*argv, "--out", str(target)], root)
    t.run("compare --out a document", ["compare", str(s / "oldrun"), "--out",
                                       str(s / "docs" / "thesis.txt")], root)


def data_cases(t: Tally, root: Path) -> None:
    import pandas as pd

    cells = [("frontier_compute", "log10_flop", ["nan", "inf", "1e308", "abc", "true", ""]),
             ("frontier_compute", "publication_date", ["2999-01-01", "2024-02-30", "nan"]),
             ("published_estimates", "lower", ["-5", "0", "nan"]),
             ("published_estimates", "central", ["inf", "x"])]
    for stream, column, values in cells:
        for value in values:
            for row in (0, -1):
                d = Path(tempfile.mkdtemp(dir=root)) / "data"
                shutil.copytree(REPO / "data", d)
                csv = d / f"{stream}.csv"
                df = pd.read_csv(csv, dtype=str, keep_default_na=False)
                df.loc[df.index[row], column] = value
                df.to_csv(csv, index=False)
                prov_path = d / f"{stream}.provenance.json"
                prov = json.loads(prov_path.read_text())
                prov["curated_sha256"] = hashlib.sha256(csv.read_bytes()).hexdigest()
                prov_path.write_text(json.dumps(prov))
                t.run(f"{stream}.csv row {row} {column} = {value!r}",
                      ["run", "--prior-only", "--data-dir", str(d), "--out", str(d / "o")], root)
    for key, value in (("vintage", "2999-01-01"), ("retrieved", "2999-01-01"),
                       ("vintage", "2026-13-01"), ("rows", "70"), ("rows", True), ("rows", -1),
                       ("vintage", 20251101)):
        d = Path(tempfile.mkdtemp(dir=root)) / "data"
        shutil.copytree(REPO / "data", d)
        prov_path = d / "frontier_compute.provenance.json"
        prov = json.loads(prov_path.read_text())
        prov[key] = value
        prov_path.write_text(json.dumps(prov))
        t.run(f"provenance {key} = {value!r}",
              ["run", "--prior-only", "--data-dir", str(d), "--out", str(d / "o")], root)
    for as_of in ("nan", "inf", "-inf", "yesterday", "2999-01-01"):
        t.run(f"--as-of {as_of}", ["run", "--prior-only", f"--as-of={as_of}", "--out",
                                   str(root / "asof")], root)


def tampered_run_cases(t: Tally, root: Path) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from test_reliability import _flip_byte, fake_run

    from model.output_dir import MARKER_NAME

    tampers = {"flipped byte": lambda r: _flip_byte(r / "posterior.nc"),
               "random bytes": lambda r: (r / "posterior.nc").write_bytes(os.urandom(4096)),
               "edited summary": lambda r: (r / "summary.json").write_text("{}"),
               "no marker": lambda r: (r / MARKER_NAME).unlink(),
               "no posterior.nc": lambda r: (r / "posterior.nc").unlink(),
               "a file": None}
    for name, tamper in tampers.items():
        for command in ("publish", "sensitivity", "ppc"):
            d = Path(tempfile.mkdtemp(dir=root))
            if tamper is None:
                run = d / "run"
                run.write_text("not a folder")
            else:
                run = fake_run(d / "run")
                tamper(run)
            t.run(f"{command} on a run with {name}", [command, str(run)], root)


def cache_cases(t: Tally, root: Path) -> None:
    from model.studies.cache import ResultCache

    class RunsCode:
        def __reduce__(self):
            return (os.system, (f"touch {root / 'PWNED'}",))

    cache = ResultCache(root / "cache")
    for i, data in enumerate([pickle.dumps(RunsCode()), os.urandom(512), b""]):
        key = f"{i:02d}" * 32
        path = cache.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        t.cases += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found, _ = cache.get(key)
        if found or (root / "PWNED").exists():
            t.tracebacks += 1
            print(f"CACHE entry {i} was used or ran code")


def main() -> int:
    t = Tally()
    with tempfile.TemporaryDirectory(prefix="oomcast-adversarial-") as tmp:
        root = Path(tmp)
        (root / "sentinels").mkdir()
        _sentinels(root / "sentinels")
        cwd = os.getcwd()
        os.chdir(root)
        try:
            for cases in (scenario_cases, file_kind_cases, output_cases, data_cases,
                          tampered_run_cases, cache_cases):
                cases(t, root)
        finally:
            os.chdir(cwd)
    print(f"{t.cases} cases: {t.tracebacks} tracebacks, {t.bad_exit} wrong exit codes, "
          f"{t.multiline} not one line, {t.lost} with data lost")
    return 1 if t.tracebacks or t.bad_exit or t.multiline or t.lost else 0


if __name__ == "__main__":
    sys.exit(main())
