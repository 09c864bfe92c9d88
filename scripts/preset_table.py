"""Fit every shipped preset and print one Markdown table of what a reviewer checks after a model
change: the headline, the diagnostics, where the largest run starts, the fitted hardware and
spending rates, and when each physical limit binds.

    python scripts/preset_table.py [--presets default,skeptic] [--runs runs/presets]
                                   [--seed 20231] [--reuse] [--out presets.md]

Each preset is fitted by `oomcast run --priors NAME --out RUNS/NAME --overwrite --draft` in a fresh
process (so a failed fit is a row, not a crash); `--reuse` reads a finished run folder instead of
refitting it. Every number comes from the run's summary.json: medians and P(by year) with their
MCSEs, rates and the start level as median (90% interval), P(limit binds by 2030 / 2035).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEARS = ("2027", "2030", "2035")
LIMITS = ("power", "chips", "data", "latency", "spending")


def preset_names() -> list[str]:
    """The shipped presets (priors/*.toml), default first."""
    names = sorted(p.stem for p in (ROOT / "priors").glob("*.toml"))
    return sorted(names, key=lambda n: n != "default")


def fit(name: str, out: Path, seed: int) -> tuple[int, float]:
    """Run one preset in a fresh process; (exit code, wall seconds)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "model.cli", "run", "--priors", name,
                           "--out", str(out), "--seed", str(seed), "--overwrite", "--draft"],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{name}: exit {done.returncode}: {done.stderr.strip()[-300:]}", file=sys.stderr)
    return done.returncode, time.perf_counter() - start


def _median_text(entry: dict) -> str:
    return "after horizon" if entry["after_horizon"] else f"{entry['value']:.1f}"


def _interval_text(entry: dict, digits: int = 3) -> str:
    return f"{entry['median']:.{digits}f} ({entry['q05']:.{digits}f}-{entry['q95']:.{digits}f})"


def row(name: str, summary: dict, wall_s: float | None) -> str:
    """One table row from a run's summary.json."""
    a, d = summary["arrival_year"], summary["diagnostics"]
    p_by = "/".join(f"{100 * a['p_by_year'][y]['p']:.1f}" for y in YEARS)
    mcse = max(100 * a["p_by_year"][y]["mcse"] for y in YEARS)
    rates = summary["growth_rates"]
    start = summary["largest_run_at_cutoff"]["log10_physical_flop"]
    limits = summary["limits"]["limits"]
    binds = ", ".join(
        f"{k} {100 * limits[k]['p_binds_by']['2030']['p']:.0f}/"
        f"{100 * limits[k]['p_binds_by']['2035']['p']:.0f}" for k in LIMITS if k in limits)
    version = summary["provenance"].get("oomcast_preset_version", "?")
    wall = "" if wall_s is None else f"{wall_s:.0f}"
    return (f"| {name} ({version}) | {_median_text(a['median'])}; {p_by}% (MCSE <= {mcse:.2f} pp)"
            f" | {d['divergences']}, {d['rhat_max']:.3f}, {d['ess_bulk_min']:.0f}/"
            f"{d['ess_tail_min']:.0f} | {_interval_text(start, 2)} | "
            f"{_interval_text(rates['hardware_growth_oom_per_year'])} | "
            f"{_interval_text(rates['spending_growth_oom_per_year'])} | {binds} | {wall} |")


HEADER = ("| preset (version) | median; P(by 2027/2030/2035) | divergences, max R-hat, min ESS "
          "bulk/tail | largest run at cutoff, log10 FLOP | hardware OOM/yr | spending OOM/yr | "
          "P(limit binds by 2030/2035) % | wall s |\n|---|---|---|---|---|---|---|---|")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default=None, help="comma-separated names (default: all)")
    ap.add_argument("--runs", type=Path, default=ROOT / "runs" / "presets")
    ap.add_argument("--seed", type=int, default=20231)
    ap.add_argument("--reuse", action="store_true", help="read finished runs, do not refit")
    ap.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = ap.parse_args(argv)
    names = args.presets.split(",") if args.presets else preset_names()
    lines = [HEADER]
    for name in names:
        out = args.runs / name
        wall = None
        if not (args.reuse and (out / "summary.json").is_file()):
            code, wall = fit(name, out, args.seed)
            if not (out / "summary.json").is_file():
                lines.append(f"| {name} | failed (exit {code}) | | | | | | {wall:.0f} |")
                continue
        summary = json.loads((out / "summary.json").read_text())
        lines.append(row(name, summary, wall))
        print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
