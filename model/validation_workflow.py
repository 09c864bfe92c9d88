"""`oomcast sbc / backtest / ppc`: arguments and end-to-end calls of the validation studies
(model/studies/sbc.py, backtest.py, ppc.py). cli.py only registers these and dispatches."""

from __future__ import annotations

import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
COMMANDS = ("sbc", "backtest", "ppc")


def add_validation_commands(sub) -> None:
    sbc = sub.add_parser("sbc", help="simulation-based calibration of the full model (compiled "
                         "once, data swapped per simulation), on Dask, cached and resumable")
    sbc.add_argument("--sims", type=int, default=200, help="simulations (default 200)")
    sbc.add_argument("--priors", default="default", help="scenario name or file")
    sbc.add_argument("--out", type=Path, default=None, help="output dir (default runs/sbc-NAME)")
    sbc.add_argument("--scheduler", default=None,
                     help="address of a Dask scheduler (default: a local cluster; 'inline' runs "
                          "in this process, compiling once)")
    sbc.add_argument("--workers", type=int, default=2,
                     help="local cluster workers (default 2; each compiles the model once)")
    sbc.add_argument("--cache-dir", type=Path, default=Path(".oomcast-cache"),
                     help="result cache (default: .oomcast-cache)")
    sbc.add_argument("--draws", type=int, default=500, help="draws per chain per fit (default 500)")
    sbc.add_argument("--tune", type=int, default=500, help="tuning steps per chain (default 500)")
    sbc.add_argument("--chains", type=int, default=2, help="chains per fit (default 2)")
    sbc.add_argument("--ranks", type=int, default=100, help="thinned draws ranked per fit (L)")
    sbc.add_argument("--seed", type=int, default=20240, help="random seed (default 20240)")
    sbc.add_argument("--data-dir", type=Path, default=None,
                     help="curated data folder (default: the shipped data)")

    bt = sub.add_parser("backtest", help="fit on data before each --as-of cutoff and score the "
                        "predictive distribution of every later observation")
    bt.add_argument("--as-of", dest="as_of", action="append", required=True,
                    help="cutoff (ISO date or decimal year); repeat for several")
    bt.add_argument("--priors", default="default", help="scenario name or file")
    bt.add_argument("--out", type=Path, default=Path("runs/backtest"),
                    help="output dir (default runs/backtest)")
    bt.add_argument("--draws", type=int, default=500, help="draws per chain (default 500)")
    bt.add_argument("--tune", type=int, default=500, help="tuning steps per chain (default 500)")
    bt.add_argument("--chains", type=int, default=2, help="chains per fit (default 2)")
    bt.add_argument("--seed", type=int, default=20231, help="random seed (default 20231)")
    bt.add_argument("--sampler", choices=("pymc", "nutpie"), default="pymc",
                    help="NUTS implementation (default pymc)")
    bt.add_argument("--data-dir", type=Path, default=None,
                    help="curated data folder (default: the shipped data)")

    ppc = sub.add_parser("ppc", help="posterior predictive checks of every stream and LOO-PIT "
                         "of a run -> RUN_DIR/ppc.png, loo_pit.png, ppc.json")
    ppc.add_argument("run_dir", type=Path, help="a run directory written by `oomcast run`")


def main(args) -> int:
    from model.data import DataError
    from model.scenario import PriorSpecError

    start = time.perf_counter()
    try:
        if args.command == "sbc":
            return _sbc(args, start)
        if args.command == "backtest":
            return _backtest(args, start)
        return _ppc(args, start)
    except (PriorSpecError, DataError, ValueError) as exc:
        print(f"oomcast: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("oomcast: interrupted; finished simulations/fits are kept", file=sys.stderr)
        return 130


def _sbc(args, start: float) -> int:
    from model.scenario import resolve_scenario_path
    from model.studies.sbc import SBCSettings, format_summary, run_sbc

    settings = SBCSettings(n_sims=args.sims, draws=args.draws, tune=args.tune,
                           chains=args.chains, seed=args.seed, n_ranks=args.ranks)
    out = args.out or Path(f"runs/sbc-{resolve_scenario_path(args.priors).stem}")
    result = run_sbc(args.priors, out, settings, scheduler=args.scheduler,
                     n_workers=args.workers, cache_dir=args.cache_dir, data_dir=args.data_dir)
    print(format_summary(result.summary))
    print(f"wrote {out}/ (sbc.json, ranks.csv, diagnostics.csv, sbc_ecdf.png, sbc_ranks.png): "
          f"{result.n_done} simulations ({result.n_cached} cached) in "
          f"{time.perf_counter() - start:.0f} s")
    if result.failed:
        print(f"oomcast: {len(result.failed)} simulation(s) failed; re-run to retry them",
              file=sys.stderr)
    return EXIT_FAILED if result.failed or result.summary["failing"] else EXIT_OK


def _backtest(args, start: float) -> int:
    from model.inference import SamplerSettings
    from model.studies.backtest import format_table, run_backtest
    from model.workflow import parse_as_of

    cutoffs = [parse_as_of(a) for a in args.as_of]
    settings = SamplerSettings(draws=args.draws, tune=args.tune, chains=args.chains,
                               seed=args.seed, sampler=args.sampler, prior_draws=1)
    result = run_backtest(args.priors, cutoffs, args.out, settings, data_dir=args.data_dir)
    print(format_table(result))
    print(f"wrote {args.out}/ (backtest.csv, backtest.json, backtest_fan.png, backtest_pit.png) "
          f"in {time.perf_counter() - start:.0f} s")
    return EXIT_OK


def _ppc(args, start: float) -> int:
    from model.studies.ppc import run_ppc

    result = run_ppc(args.run_dir)
    from model.studies.ppc import STREAM_TITLES

    for stream, r in result["streams"].items():
        print(f"{STREAM_TITLES.get(stream, stream):44s} n={r['n']:4d}  inside 50%: "
              f"{r['inside_50']:.0%}  90%: {r['inside_90']:.0%}  LOO-PIT KS "
              f"p={r['loo_pit_ks_p']:.3f}" + ("  FLAGGED" if r["flags"] else ""))
    for stream, r in result["streams"].items():
        for flag in r["flags"]:
            print(f"oomcast: warning: {STREAM_TITLES.get(stream, stream)}: {flag}",
                  file=sys.stderr)
    print(f"wrote {args.run_dir}/ (ppc.png, loo_pit.png, ppc.json) in "
          f"{time.perf_counter() - start:.0f} s")
    return EXIT_OK
