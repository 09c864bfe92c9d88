"""Shared by the publish tests: one short real run per test session, and the CLI runner.

A module-level cache (this module is imported once per session) lets tests/test_publish.py and
tests/test_publish_browser.py share the ~40 s run instead of sampling twice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SHORT = ["--draws", "60", "--tune", "60", "--chains", "2", "--seed", "11"]
_CACHE: dict[str, Path] = {}


def oomcast(*args, cwd: Path | None = None, timeout: int = 900):
    return subprocess.run([sys.executable, "-m", "model.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd)


def short_run_dir(tmp_path_factory) -> Path:
    """A short (non-converged) `oomcast run` of the default scenario, made once per session."""
    if "run" not in _CACHE:
        out = tmp_path_factory.mktemp("publish-runs") / "short"
        result = oomcast("run", "--out", out, "--draft", *SHORT)
        assert result.returncode == 0, result.stderr
        _CACHE["run"] = out
    return _CACHE["run"]


def draft_report_dir(tmp_path_factory) -> Path:
    """`oomcast publish --draft` of the short run (HTML), made once per session."""
    if "draft" not in _CACHE:
        run = short_run_dir(tmp_path_factory)
        out = tmp_path_factory.mktemp("publish-draft")
        result = oomcast("publish", run, "--out", out, "--draft")
        assert result.returncode == 0, result.stderr
        _CACHE["draft"] = out
    return _CACHE["draft"]
