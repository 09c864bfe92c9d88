"""Which seeds pass the publication gate at a given number of draws, and why the others fail.

    python scripts/gate_sweep.py --seeds 1,2,3,4,5,6 [--draws 500] [--tune 500] [--jobs 2]
                                 [--priors default] [--runs-dir runs/gate] [--out table.json]
    python scripts/gate_sweep.py --seeds 1,2 --collect-only   # re-read existing run folders

Each seed is one `python -m model.cli run --draft` in a fresh process (at most --jobs at once),
writing runs/gate/<label>-seed<N>/. Read back from that run's summary.json and posterior.nc, one
row per seed (printed as one JSON document):
- divergences, max R-hat, min bulk and tail ESS over every free parameter and the censored
  arrival year (the gate's own numbers: model/inference.py `diagnostics`), and WHICH variable
  is lowest for bulk ESS, tail ESS and highest for R-hat;
- leapfrog steps per draw (sample_stats n_steps, mean over chains and kept draws) and the
  adapted step size;
- the wall time of pm.sample (attr oomcast_sample_wall_s) and every phase's wall time;
- passed: the gate's convergence conditions (the MCSE condition of `oomcast publish` is left
  out: it depends on the headline, not on the geometry).
Times are measured beside whatever else the machine is running: compare them as ratios within
one sweep, never across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_dir(runs_dir: Path, label: str, seed: int) -> Path:
    return runs_dir / f"{label}-seed{seed}"


def launch(seed: int, args) -> tuple[int, int, float, str]:
    """One `oomcast run` in a fresh process: (seed, exit code, wall seconds, stderr tail)."""
    out = run_dir(args.runs_dir, args.label, seed)
    cmd = [sys.executable, "-m", "model.cli", "run", "--priors", args.priors, "--seed", str(seed),
           "--draws", str(args.draws), "--tune", str(args.tune), "--chains", str(args.chains),
           "--out", str(out), "--overwrite", "--draft"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env=os.environ | {"PYTHONWARNINGS": "ignore"})
    return seed, proc.returncode, time.perf_counter() - start, proc.stderr[-400:]


def _argext(per_variable: dict, key: str, pick) -> tuple[str, float]:
    name = pick(per_variable, key=lambda n: per_variable[n][key])
    return name, per_variable[name][key]


def collect(path: Path) -> dict:
    """The gate row of one run folder (see the module docstring)."""
    import numpy as np

    from model.inference import load_idata
    from model.phases import PHASE_ATTR

    summary = json.loads((path / "summary.json").read_text())
    diag, per_var = summary["diagnostics"], summary["diagnostics_per_variable"]
    idata = load_idata(path / "posterior.nc")
    stats = idata.sample_stats
    bulk_name, bulk = _argext(per_var, "ess_bulk_min", min)
    tail_name, tail = _argext(per_var, "ess_tail_min", min)
    rhat_name, rhat = _argext(per_var, "rhat_max", max)
    attrs = idata.posterior.attrs
    return {"divergences": diag["divergences"],
            "rhat_max": round(rhat, 4), "rhat_max_of": rhat_name,
            "ess_bulk_min": round(bulk), "ess_bulk_min_of": bulk_name,
            "ess_tail_min": round(tail), "ess_tail_min_of": tail_name,
            "leapfrog_steps_per_draw": round(float(np.mean(stats["n_steps"].values)), 1),
            "step_size": round(float(np.mean(stats["step_size"].values)), 4),
            "sample_wall_s": attrs.get("oomcast_sample_wall_s"),
            "phase_wall_s": json.loads(attrs.get(PHASE_ATTR, "{}")),
            "backend": attrs.get("oomcast_compile_mode_used"),
            "passed": bool(diag["converged"]), "problems": diag["problems"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", required=True, help="comma-separated integer seeds")
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--priors", default="default")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (default 2)")
    parser.add_argument("--label", default="d500", help="run folder prefix (default d500)")
    parser.add_argument("--runs-dir", type=Path, default=ROOT / "runs" / "gate")
    parser.add_argument("--collect-only", action="store_true",
                        help="only read back existing run folders")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    launched = {}
    if not args.collect_only:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for seed, rc, wall, err in pool.map(lambda s: launch(s, args), seeds):
                launched[seed] = {"exit_code": rc, "process_wall_s": round(wall, 1)}
                if rc not in (0, 1):
                    launched[seed]["stderr_tail"] = err
                print(f"seed {seed}: exit {rc}, {wall:.0f} s", file=sys.stderr, flush=True)
    rows = {}
    for seed in seeds:
        path = run_dir(args.runs_dir, args.label, seed)
        row = collect(path) if (path / "summary.json").exists() else {"missing": str(path)}
        rows[str(seed)] = launched.get(seed, {}) | row
    document = {"draws": args.draws, "tune": args.tune, "chains": args.chains,
                "priors": args.priors, "seeds": rows,
                "passed": sum(bool(r.get("passed")) for r in rows.values()),
                "of": len(rows)}
    text = json.dumps(document, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
