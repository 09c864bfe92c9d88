"""`oomcast` commands: parse arguments, call the rest, report errors as one clear line.

    oomcast run [--priors FILE] [--out DIR] [--seed N] [--draws N] [--tune N] [--chains N]
                [--sampler pymc|nutpie] [--as-of DATE] [--overwrite] [--draft]
    oomcast priors check FILE...

Exit status: 0 success; 1 the run finished but failed its diagnostics (kept only with --draft);
2 bad input (prior file, data file, arguments) or an existing output directory.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_DIAGNOSTICS, EXIT_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="oomcast", description="Bayesian AGI-arrival model: "
                                "counting the OOMs of effective training compute.")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="fit a scenario and write a run directory")
    run.add_argument("--priors", default="default",
                     help="scenario name in priors/ or a path to a .toml file (default: default)")
    run.add_argument("--out", default="runs/default", type=Path,
                     help="run directory to write (default: runs/default)")
    run.add_argument("--seed", type=int, default=20231)
    run.add_argument("--draws", type=int, default=1000, help="posterior draws per chain")
    run.add_argument("--tune", type=int, default=1000, help="tuning steps per chain")
    run.add_argument("--chains", type=int, default=4)
    run.add_argument("--sampler", choices=("pymc", "nutpie"), default="pymc")
    run.add_argument("--as-of", dest="as_of", default=None,
                     help="drop every observation after DATE (ISO date or decimal year) and "
                          "move 'now' there")
    run.add_argument("--data-dir", type=Path, default=None, help="curated data (default: data/)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing run directory")
    run.add_argument("--draft", action="store_true",
                     help="exit 0 even when diagnostics fail (the run is kept either way)")

    priors = sub.add_parser("priors", help="scenario files")
    psub = priors.add_subparsers(dest="priors_command", required=True)
    check = psub.add_parser("check", help="validate scenario files")
    check.add_argument("files", nargs="+")
    return p


def _error(message: str) -> int:
    print(f"oomcast: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def cmd_run(args) -> int:
    from model.data import DataError
    from model.inference import SamplerSettings
    from model.scenario import PriorSpecError
    from model.workflow import RunExistsError, execute_run, parse_as_of

    try:
        settings = SamplerSettings(draws=args.draws, tune=args.tune, chains=args.chains,
                                   seed=args.seed, sampler=args.sampler)
        as_of = parse_as_of(args.as_of) if args.as_of is not None else None
        command = "oomcast " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        start = time.perf_counter()
        result = execute_run(args.priors, args.out, settings, as_of=as_of,
                             overwrite=args.overwrite, data_dir=args.data_dir, command=command)
    except (PriorSpecError, DataError, RunExistsError, ValueError) as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        print("oomcast: interrupted; nothing was written", file=sys.stderr)
        return 130
    elapsed = time.perf_counter() - start
    print(result.table)
    d = result.diagnostics
    print(f"diagnostics: {d['divergences']} divergences, max R-hat {d['rhat_max']:.3f}, "
          f"min bulk ESS {d['ess_bulk_min']:.0f}, min tail ESS {d['ess_tail_min']:.0f}")
    print(f"wrote {result.out_dir}/ (posterior.nc, summary.json, arrival.png, trajectory.png) "
          f"in {elapsed:.0f} s")
    if not d["converged"]:
        print("oomcast: diagnostics FAILED: " + "; ".join(d["problems"]), file=sys.stderr)
        if args.draft:
            print("oomcast: kept as a draft (--draft)", file=sys.stderr)
            return EXIT_OK
        return EXIT_DIAGNOSTICS
    return EXIT_OK


def cmd_priors_check(args) -> int:
    from model.scenario import PriorSpecError, load_scenario

    status = EXIT_OK
    for f in args.files:
        try:
            s = load_scenario(f)
            print(f"{s.path}: ok ({len(s.priors)} priors, {len(s.requirement.anchors)} anchors)")
        except PriorSpecError as exc:
            status = _error(str(exc))
    return status


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "priors" and args.priors_command == "check":
        return cmd_priors_check(args)
    return _error(f"unknown command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
