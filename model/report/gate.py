"""The publication gate: the conditions a run must meet before its numbers are published.

`oomcast publish` refuses (exit 1, one line naming every failure) unless
- every free parameter and the (censored) arrival year has R-hat <= 1.01 and bulk and tail
  ESS >= 400, with no divergent transition (model/inference.py `diagnostics`, same thresholds
  as `oomcast run`);
- every headline probability, P(by each report year) and P(after the horizon), has a Monte Carlo
  standard error <= 0.5 percentage points;
- the files the run recorded still hash to what it recorded: each data stream's CSV (in the data
  directory the run used: `--data-dir` of its recorded command, else data/) and the scenario file.
  A changed file means the published report would no longer describe what is in the repository.

Failure messages name streams and scenarios, never paths, so that intervals.json (which lists
them for a draft) stays free of machine-specific text.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from pathlib import Path

from model.data import DATA_DIR
from model.inference import ESS_MIN, RHAT_MAX
from model.report.headline import headline_probabilities

#: Largest Monte Carlo standard error of a headline probability, in probability units (0.5 pp).
MCSE_PROB_MAX = 0.005


def convergence_failures(diag: dict) -> list[str]:
    """Divergences, R-hat and ESS problems, as model/inference.py `diagnostics` words them."""
    return list(diag["problems"])


def mcse_failures(headline: dict, limit: float = MCSE_PROB_MAX) -> list[str]:
    out = []
    for label, entry in headline_probabilities(headline).items():
        if entry["mcse"] > limit:
            out.append(f"MCSE of {label} is {entry['mcse'] * 100:.2f} pp > {limit * 100:.1f} pp")
    return out


def _option(command: str, name: str) -> str | None:
    try:
        tokens = shlex.split(command)
    except ValueError:
        return None
    for i, tok in enumerate(tokens):
        if tok == name and i + 1 < len(tokens):
            return tokens[i + 1]
        if tok.startswith(name + "="):
            return tok.split("=", 1)[1]
    return None


def recorded_data_dir(attrs: dict) -> Path:
    """The data directory the run read: its command's `--data-dir`, else the project's data/."""
    value = _option(str(attrs.get("oomcast_command", "")), "--data-dir")
    return Path(value) if value else DATA_DIR


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scenario_sha256(path: Path) -> str:
    """As model/scenario.py hashes a scenario: the SHA-256 of its UTF-8 text."""
    return hashlib.sha256(path.read_text(encoding="utf-8").encode()).hexdigest()


def provenance_failures(attrs: dict, data_dir: Path | None = None) -> list[str]:
    """Recorded data and scenario hashes that no longer match the files."""
    out = []
    data_dir = Path(data_dir) if data_dir is not None else recorded_data_dir(attrs)
    try:
        recorded = json.loads(attrs["oomcast_data_sha256"])
    except (KeyError, TypeError, json.JSONDecodeError):
        out.append("the run records no data hashes (oomcast_data_sha256)")
        recorded = {}
    out += _changed_data_files(recorded, data_dir, ".csv", "file")
    out += _provenance_record_failures(attrs, data_dir)
    name = attrs.get("oomcast_scenario", "?")
    sha = attrs.get("oomcast_scenario_sha256")
    path_text = attrs.get("oomcast_scenario_path")
    if not sha or not path_text:
        out.append("the run records no scenario hash or path")
    elif not Path(path_text).is_file():
        out.append(f"scenario {name}: its file is gone")
    elif (now := scenario_sha256(Path(path_text))) != sha:
        out.append(f"scenario {name}: file changed since the run "
                   f"(recorded SHA-256 {sha[:12]}, now {now[:12]})")
    return out


def _provenance_record_failures(attrs: dict, data_dir: Path) -> list[str]:
    """Provenance JSONs (vintage = the run's "now", rows) that changed since the run; runs
    written before this attr existed record none and are not checked."""
    try:
        recorded = json.loads(attrs.get("oomcast_provenance_sha256") or "{}")
    except (TypeError, json.JSONDecodeError):
        return ["the run's oomcast_provenance_sha256 attr is not JSON"]
    if not isinstance(recorded, dict):
        return ["the run's oomcast_provenance_sha256 attr is not a JSON object"]
    return _changed_data_files(recorded, data_dir, ".provenance.json",
                               "provenance record (vintage, rows)")


def _changed_data_files(recorded: dict, data_dir: Path, suffix: str, what: str) -> list[str]:
    """One failure per recorded STREAM whose data_dir/STREAM{suffix} is gone or whose SHA-256
    differs from the one the run recorded."""
    out = []
    for stream, sha in sorted(recorded.items()):
        path = data_dir / f"{stream}{suffix}"
        if not path.is_file():
            out.append(f"data stream {stream}: its {what} is gone from the run's data directory")
        elif (now := file_sha256(path)) != sha:
            out.append(f"data stream {stream}: {what} changed since the run "
                       f"(recorded SHA-256 {str(sha)[:12]}, now {now[:12]})")
    return out


def gate_failures(diag: dict, headline: dict, attrs: dict,
                  data_dir: Path | None = None) -> list[str]:
    """Every reason not to publish, in a stable order (empty: publish)."""
    return (convergence_failures(diag) + mcse_failures(headline)
            + provenance_failures(attrs, data_dir))


def one_line(failures: list[str], keep: int = 3) -> str:
    """Every failure in one line: convergence problems beyond `keep` are counted, with the worst
    named; MCSE and file problems are always listed in full."""
    rhat = [f for f in failures if f.startswith("R-hat of ")]
    ess = [f for f in failures if re.match(r"(bulk|tail) ESS of ", f)]
    if len(rhat) + len(ess) <= keep:
        return "; ".join(failures)
    parts = []
    if rhat:
        worst = max(rhat, key=lambda f: float(re.search(r" is ([\d.]+) >", f).group(1)))
        name, value = re.match(r"R-hat of (\S+) is ([\d.]+)", worst).groups()
        parts.append(f"R-hat > {RHAT_MAX} for {len(rhat)} variables (worst {name}: {value})")
    if ess:
        worst = min(ess, key=lambda f: float(re.search(r" is ([\d.]+) <", f).group(1)))
        name, value = re.match(r"\w+ ESS of (\S+) is ([\d.]+)", worst).groups()
        parts.append(f"ESS < {ESS_MIN} in {len(ess)} cases (worst {name}: {value})")
    return "; ".join(parts + [f for f in failures if f not in rhat and f not in ess])
