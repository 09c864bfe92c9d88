"""Write tests/reference/default.json: the reference posterior of the default scenario.

    python scripts/make_reference_posterior.py                 # long run (4 x 5000), then write
    python scripts/make_reference_posterior.py --run RUN_DIR   # summarise an existing long run

The long run is 4 x 5000 draws, nutpie, seed 20231, target_accept 0.95; its
diagnostics must pass (model/inference.py thresholds) before a reference is written. Regenerate
whenever the default scenario, the data or the model changes (the slow test
tests/test_reference.py then fails, naming what moved).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.studies.reference import REFERENCE_DIR, summarise_run, write_reference

COMMAND = ("python scripts/make_reference_posterior.py  # execute_run('default', ..., "
           "SamplerSettings(draws=5000, tune=1000, chains=4, seed=20231, sampler='nutpie', "
           "target_accept=0.95))")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, default=None, help="an existing run of COMMAND")
    ap.add_argument("--out", type=Path, default=REFERENCE_DIR / "default.json")
    ap.add_argument("--check-against", type=Path, default=None,
                    help="another finished run of the scenario to compare with (recorded)")
    args = ap.parse_args()
    run_dir = args.run
    if run_dir is None:
        from model.inference import SamplerSettings
        from model.workflow import execute_run

        run_dir = Path("runs/reference-default")
        execute_run("default", run_dir, SamplerSettings(draws=5000, tune=1000, chains=4,
                                                        seed=20231, sampler="nutpie",
                                                        target_accept=0.95),
                    overwrite=True, command=COMMAND)
    summary = summarise_run(run_dir)
    d = summary["diagnostics"]
    if not d["converged"]:
        print("diagnostics failed: " + "; ".join(d["problems"]), file=sys.stderr)
        return 1
    checks = [
        f"diagnostics: {d['divergences']} divergences, max R-hat {d['rhat_max']:.4f} <= 1.01, "
        f"min bulk ESS {d['ess_bulk_min']:.0f} and min tail ESS {d['ess_tail_min']:.0f} >= 400 "
        "(every free parameter and the arrival year)",
        "MCSE of every stored statistic from az.mcse (mean and quantile methods; sd by the "
        "delta method)",
        "independent check: tests/test_reference.py (slow) refits with PyMC's NUTS (another "
        "sampler, another seed) and compares within 4 combined MCSE",
    ]
    if args.check_against is not None:
        from model.studies.reference import compare

        other = summarise_run(args.check_against)
        problems = compare(summary, other)
        settings = other["provenance"]["oomcast_sampler_settings"]
        checks.append(f"agreement with an independent run ({settings}): "
                      + ("all statistics within 4 combined MCSE" if not problems
                         else "; ".join(problems)))
        if problems:
            print("disagrees with --check-against: " + "; ".join(problems), file=sys.stderr)
            return 1
    write_reference(run_dir, args.out, COMMAND, checks)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
