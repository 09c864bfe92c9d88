"""`oomcast` commands: parse arguments, call the rest, report errors as one clear line.

    oomcast run [--priors FILE] [--out DIR] [--seed N] [--draws N] [--tune N] [--chains N]
                [--sampler pymc|nutpie] [--as-of DATE] [--overwrite] [--draft] [--prior-only]
    oomcast publish RUN_DIR [--format html|md] [--out DIR] [--draft]
    oomcast priors check FILE...
    oomcast priors fit FILE...
    oomcast priors show FILE [--out DIR] [--draws N] [--seed N]
    oomcast sensitivity RUN_DIR
    oomcast sweep SPEC [--run DIR] [--out DIR] [--cache-dir DIR] [--scheduler ADDRESS|inline]
                  [--workers N] [--refit-all] [--draws N] [--tune N] [--chains N]
    oomcast compare RUN_DIR... [--out FILE.png] [--labels LABEL...]
    oomcast sbc [--sims N] [--priors FILE] [--scheduler ADDRESS|inline] [--out DIR]
    oomcast backtest --as-of DATE [--as-of DATE ...] [--out DIR]
    oomcast ppc RUN_DIR

Exit status: 0 success; 1 the run finished but failed its diagnostics (kept only with --draft),
or `publish` refused a run that fails the publication gate, or a sweep variant failed (the
table is still written); 2 bad input (prior file, data
file, arguments) or an existing output directory.
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_DIAGNOSTICS, EXIT_INPUT = 0, 1, 2

DATA_DIR_HELP = "curated data folder (default: the data shipped with oomcast)"

#: Option -> smallest accepted value, one rule for every command that has the option.
MINIMUM = {"draws": 1, "chains": 1, "sims": 1, "ranks": 1, "workers": 1, "tune": 0, "seed": 0}

#: Total draws below which the Monte Carlo standard errors printed beside every probability are
#: themselves unreliable: ESS and MCSE estimates need about 100 draws per chain over 4 chains
#: (Vehtari et al. 2021, "Rank-normalization, folding, and localization"), and with N independent
#: prior draws the MCSE of a probability is sqrt(p (1 - p) / N), up to 2.5 pp at N = 400.
MIN_DRAWS_FOR_MCSE = 400

#: Commands whose positional RUN_DIR(s) must be existing run directories.
RUN_DIR_COMMANDS = {"publish": "run_dir", "sensitivity": "run_dir", "ppc": "run_dir",
                    "compare": "run_dirs"}


class UsageError(ValueError):
    """A command-line argument that fails validation (one line, exit 2)."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="oomcast", description="Bayesian AGI-arrival model: "
                                "counting the OOMs of effective training compute.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND",
                           title="commands (oomcast COMMAND --help for each)")

    run = sub.add_parser("run", help="fit a scenario and write a run directory")
    run.add_argument("--priors", default="default",
                     help="scenario: a path to a .toml file, or a NAME looked up as "
                          "./priors/NAME.toml, then among the shipped presets (default: default)")
    run.add_argument("--out", default=None, type=Path,
                     help="run directory to write (default: runs/default; with --prior-only "
                          "runs/NAME-prior-only)")
    run.add_argument("--seed", type=int, default=20231, help="random seed (default 20231)")
    run.add_argument("--draws", type=int, default=None,
                     help="posterior draws per chain (default 1000); with --prior-only the "
                          "number of prior draws (default 100000)")
    run.add_argument("--tune", type=int, default=500,
                     help="tuning steps per chain (default 500)")
    run.add_argument("--chains", type=int, default=4, help="MCMC chains (default 4)")
    run.add_argument("--sampler", choices=("pymc", "nutpie"), default="pymc",
                     help="NUTS implementation (default pymc; nutpie needs the extra)")
    run.add_argument("--as-of", dest="as_of", default=None,
                     help="drop every observation after DATE (ISO date or decimal year) and "
                          "move 'now' there")
    run.add_argument("--data-dir", type=Path, default=None, help=DATA_DIR_HELP)
    run.add_argument("--overwrite", action="store_true", help="replace an existing run directory")
    run.add_argument("--draft", action="store_true",
                     help="exit 0 even when diagnostics fail (the run is kept either way)")
    run.add_argument("--prior-only", dest="prior_only", action="store_true",
                     help="forward Monte Carlo from the priors, no data conditioning; starts at "
                          "--as-of, else settings.prior_only_start_year, else the data cutoff")

    pub = sub.add_parser("publish", help="write the citable report and intervals.json of a run")
    pub.add_argument("run_dir", type=Path, help="a run directory written by `oomcast run`")
    pub.add_argument("--format", choices=("html", "md"), default="html",
                     help="one self-contained HTML file (default) or Markdown with PNGs")
    pub.add_argument("--out", type=Path, default=None,
                     help="output directory (default: RUN_DIR/report)")
    pub.add_argument("--draft", action="store_true",
                     help="publish even if the publication gate fails, marked DRAFT")

    priors = sub.add_parser("priors", help="scenario files")
    psub = priors.add_subparsers(dest="priors_command", metavar="SUBCOMMAND")
    check = psub.add_parser("check", help="validate scenario files")
    check.add_argument("files", nargs="+", help="scenario names or .toml paths")
    fit = psub.add_parser("fit", help="fit elicitation blocks (PreliZ) and write the parameters "
                          "back into the files")
    fit.add_argument("files", nargs="+", help="scenario names or .toml paths (rewritten in place)")
    show = psub.add_parser("show", help="table and figures of every prior, the implied arrival "
                           "distribution and prior predictive checks")
    show.add_argument("file", help="scenario name or .toml path")
    show.add_argument("--out", type=Path, default=None,
                      help="figure directory (default: runs/NAME-priors), replaced if present")
    show.add_argument("--draws", type=int, default=100_000, help="forward Monte Carlo draws")
    show.add_argument("--seed", type=int, default=20231, help="random seed (default 20231)")
    show.add_argument("--data-dir", type=Path, default=None, help=DATA_DIR_HELP)
    _add_study_commands(sub)
    from model.validation_workflow import add_validation_commands

    add_validation_commands(sub)  # sbc, backtest, ppc
    return p


def _add_study_commands(sub) -> None:
    """`sensitivity`, `sweep`, `compare` (model/study_workflow.py)."""
    sens = sub.add_parser("sensitivity", help="power-scaling prior/likelihood sensitivity of a "
                          "run -> RUN_DIR/sensitivity.json and sensitivity.png")
    sens.add_argument("run_dir", type=Path, help="a run directory written by `oomcast run`")
    sweep = sub.add_parser("sweep", help="answer a sweep spec's scenario variants by reweighting "
                           "a run or refitting, on Dask, cached")
    sweep.add_argument("spec", help="sweep spec: a name in priors/sweeps/ or a .toml path")
    sweep.add_argument("--run", type=Path, default=None,
                       help="base run directory (default: the spec's base_run)")
    sweep.add_argument("--out", type=Path, default=None,
                       help="output directory, replaced if present (default: runs/sweep-NAME)")
    sweep.add_argument("--cache-dir", type=Path, default=Path(".oomcast-cache"),
                       help="result cache (default: .oomcast-cache)")
    sweep.add_argument("--scheduler", default=None,
                       help="address of an existing Dask scheduler (default: a local cluster; "
                            "'inline' runs without Dask)")
    sweep.add_argument("--workers", type=int, default=2, help="local cluster workers (default 2)")
    sweep.add_argument("--refit-all", action="store_true", help="refit every variant")
    for name in ("draws", "tune", "chains"):
        sweep.add_argument(f"--{name}", type=int, default=None,
                           help=f"{name} of refits (default: the spec's [refit], else the run's)")
    sweep.add_argument("--data-dir", type=Path, default=None, help=DATA_DIR_HELP)
    comp = sub.add_parser("compare", help="overlay the arrival CDFs of finished runs")
    comp.add_argument("run_dirs", type=Path, nargs="+", help="run directories to overlay")
    comp.add_argument("--out", type=Path, default=Path("compare.png"),
                      help="figure to write (default: compare.png)")
    comp.add_argument("--labels", nargs="+", default=None, help="one label per run")


def _check_as_of(text: str) -> None:
    """`--as-of` syntax: a decimal year or an ISO date (converted later by workflow.parse_as_of;
    whether it is after the data's vintage needs the data, checked there for fits and
    prior-only runs alike)."""
    try:
        float(text)
        return
    except ValueError:
        pass
    try:
        datetime.date.fromisoformat(str(text)[:10])
    except ValueError:
        raise UsageError(f"--as-of: not a date or decimal year: {text!r}") from None


def validate_args(args) -> list[str]:
    """The one argument-validation layer, run before any import-heavy work (it needs only the
    standard library and model/shipped.py), with the same rules and wording for every command.
    Raises UsageError; returns warnings to print (draws too few for the printed MCSEs)."""
    from model.shipped import PresetNotFound, resolve_preset

    for name, minimum in MINIMUM.items():
        value = getattr(args, name, None)
        if value is not None and value < minimum:
            raise UsageError(f"--{name.replace('_', '-')} must be >= {minimum} (got {value})")
    for name in ("run_dir", "run_dirs", "run"):
        value = getattr(args, name, None)
        if name == "run_dir" and args.command not in RUN_DIR_COMMANDS:
            continue
        for d in (value if isinstance(value, list) else [value] if value is not None else []):
            if not Path(d).is_dir():
                raise UsageError(f"{d}: no such run directory")
    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None and not Path(data_dir).is_dir():
        raise UsageError(f"{data_dir}: --data-dir: no such directory")
    scenarios = [args.priors] if getattr(args, "priors", None) else []
    scenarios += getattr(args, "files", None) or []
    scenarios += [args.file] if getattr(args, "file", None) else []
    for value in scenarios:
        try:
            path = resolve_preset(value)
        except PresetNotFound as exc:
            raise UsageError(str(exc)) from None
        if not path.is_file():
            raise UsageError(f"{path}: no such scenario file")
    as_of = getattr(args, "as_of", None)
    for text in (as_of if isinstance(as_of, list) else [as_of] if as_of is not None else []):
        _check_as_of(text)
    labels = getattr(args, "labels", None)
    if labels is not None and len(labels) != len(args.run_dirs):
        raise UsageError(f"--labels: {len(labels)} labels for {len(args.run_dirs)} runs")
    return _draws_warnings(args)


def _draws_warnings(args) -> list[str]:
    """A warning when the total draws cannot support the MCSEs that will be printed."""
    if args.command not in ("run", "backtest") or getattr(args, "draws", None) is None:
        return []
    prior_only = getattr(args, "prior_only", False)
    total = args.draws if prior_only else args.draws * args.chains
    if total >= MIN_DRAWS_FOR_MCSE:
        return []
    what = f"--draws {args.draws}" if prior_only else \
        f"--draws {args.draws} x --chains {args.chains} = {total} draws"
    return [f"{what} is below {MIN_DRAWS_FOR_MCSE}: the printed probabilities, their Monte Carlo "
            "errors (+- pp) and the convergence checks are unreliable; use such runs only to "
            "smoke-test"]


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def _error(message: str) -> int:
    from model.interrupts import EXIT_INTERRUPTED, interrupted

    if interrupted():  # a library turned Ctrl-C into an error (PyMC: "Not enough samples")
        print("oomcast: interrupted; no output was installed", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"oomcast: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def cmd_run(args) -> int:
    from model.data import DataError
    from model.inference import SamplerSettings
    from model.row_chunks import thread_count
    from model.scenario import PriorSpecError
    from model.workflow import RunExistsError, execute_run, parse_as_of

    if args.prior_only:
        return cmd_run_prior_only(args)
    args.out = args.out if args.out is not None else Path("runs/default")
    args.draws = args.draws if args.draws is not None else 1000
    try:
        settings = SamplerSettings(draws=args.draws, tune=args.tune, chains=args.chains,
                                   seed=args.seed, sampler=args.sampler)
        thread_count()  # a bad OOMCAST_THREADS fails here, not after sampling
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
    print(f"wrote {result.out_dir}/ (posterior.nc, summary.json, arrival.png, trajectory.png, "
          f"limits.png) "
          f"in {elapsed:.0f} s")
    if result.phases is not None:
        print(result.phases.line())
    if not d["converged"]:
        print("oomcast: diagnostics FAILED: " + "; ".join(d["problems"]), file=sys.stderr)
        if args.draft:
            print("oomcast: kept as a draft (--draft)", file=sys.stderr)
            return EXIT_OK
        return EXIT_DIAGNOSTICS
    return EXIT_OK


def cmd_run_prior_only(args) -> int:
    from model.data import DataError
    from model.scenario import PriorSpecError, resolve_scenario_path
    from model.workflow import PRIOR_ONLY_DRAWS, RunExistsError, execute_prior_only, parse_as_of

    name = resolve_scenario_path(args.priors).stem
    out = args.out if args.out is not None else Path(f"runs/{name}-prior-only")
    try:
        as_of = parse_as_of(args.as_of) if args.as_of is not None else None
        command = "oomcast " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        result = execute_prior_only(args.priors, out, seed=args.seed,
                                    n_draws=PRIOR_ONLY_DRAWS if args.draws is None else args.draws,
                                    as_of=as_of,
                                    overwrite=args.overwrite, data_dir=args.data_dir,
                                    command=command)
    except (PriorSpecError, DataError, RunExistsError, ValueError) as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        print("oomcast: interrupted; nothing was written", file=sys.stderr)
        return 130
    print(f"prior only (no data conditioning), start {result.cutoff_year:.2f} "
          f"({result.cutoff_source})")
    print(result.table)
    for line in result.warnings:
        print(f"oomcast: warning: {line}", file=sys.stderr)
    print(f"drew {result.summary['n_draws']} in {result.draw_seconds:.2f} s; wrote "
          f"{result.out_dir}/ (prior_draws.nc, summary.json, arrival.png, trajectory.png, "
          f"limits.png, prior_predictive.png)")
    return EXIT_OK


def cmd_priors_fit(args) -> int:
    from model.elicitation import fit_file, format_fits
    from model.scenario import PriorSpecError

    status = EXIT_OK
    for f in args.files:
        try:
            path, fits, written = fit_file(f)
        except PriorSpecError as exc:
            status = _error(str(exc))
            continue
        print(f"{path}: {len(fits)} elicitation(s) fitted; "
              + ("parameters written" if written else "file already up to date"))
        print(format_fits(fits))
    return status


def cmd_priors_show(args) -> int:
    from model.data import DataError
    from model.prior_report import show_priors
    from model.scenario import PriorSpecError

    try:
        result = show_priors(args.file, args.out, n_draws=args.draws, seed=args.seed,
                             data_dir=args.data_dir)
    except (PriorSpecError, DataError, ValueError) as exc:
        return _error(str(exc))
    print(result.table)
    print()
    print(f"implied prior distribution of the arrival year (forward Monte Carlo, start "
          f"{result.cutoff_year:.2f}, {result.cutoff_source}):")
    print(result.arrival_table)
    for line in result.warnings:
        print(f"oomcast: warning: {line}", file=sys.stderr)
    print(f"wrote {result.out_dir}/ ({', '.join(result.files)})")
    return EXIT_OK


def cmd_publish(args) -> int:
    from model.report.publish import GateRefused, PublishError, publish

    try:
        result = publish(args.run_dir, args.out, fmt=args.format, draft=args.draft)
    except GateRefused as exc:
        print(f"oomcast: {exc}", file=sys.stderr)
        return EXIT_DIAGNOSTICS
    except PublishError as exc:
        return _error(str(exc))
    from model.report.gate import one_line

    print(f"headline: {result.lede}")
    if result.failures:
        print(f"publication gate: FAILED ({len(result.failures)} problem(s)): "
              + one_line(result.failures))
    else:
        print("publication gate: passed (convergence, MCSE of every headline number, run files)")
    print(f"wrote {result.report_path} and {result.intervals_path}")
    if result.draft:
        print("oomcast: published as a DRAFT: " + one_line(result.failures), file=sys.stderr)
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


def cmd_study(args) -> int:
    from model.data import DataError
    from model.scenario import PriorSpecError
    from model.study_workflow import (
        StudyError,
        compare,
        format_sensitivity,
        format_sweep,
        sensitivity,
        sweep,
    )

    try:
        start = time.perf_counter()
        if args.command == "sensitivity":
            result = sensitivity(args.run_dir)
            print(format_sensitivity(result.document))
            print(f"wrote {result.json_path} and {result.png_path} in "
                  f"{time.perf_counter() - start:.0f} s")
            return EXIT_OK
        if args.command == "compare":
            result = compare(args.run_dirs, args.out, args.labels)
            for name, s in result.summaries.items():
                med = s["median"]
                text = "after horizon" if med["after_horizon"] else f"{med['value']:.1f}"
                print(f"{name}: median {text}, P(by 2030) {s['p_by_year']['2030']['p']:.1%}")
            print(f"wrote {result.path}, " + ", ".join(str(p) for p in result.table_paths))
            return EXIT_OK
        result = sweep(args.spec, args.run, args.out, args.cache_dir, args.scheduler,
                       args.workers, args.refit_all,
                       {"draws": args.draws, "tune": args.tune, "chains": args.chains},
                       args.data_dir)
    except (StudyError, PriorSpecError, DataError, ValueError) as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        print("oomcast: interrupted; finished variants are cached", file=sys.stderr)
        return 130
    print(format_sweep(result))
    print(f"wrote {result.out_dir}/ (sweep.csv, sweep.json, tornado.png, cdfs.png) in "
          f"{time.perf_counter() - start:.0f} s")
    if result.failed:
        print(f"oomcast: {len(result.failed)} variant(s) failed (see the table)", file=sys.stderr)
        return EXIT_DIAGNOSTICS
    return EXIT_OK


def _dispatch(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None or (args.command == "priors" and args.priors_command is None):
        # `oomcast` (or `oomcast priors`) alone: list the commands.
        (parser if args.command is None else _subparser(parser, "priors")).print_help()
        return EXIT_OK
    try:
        warnings = validate_args(args)
    except UsageError as exc:
        return _error(str(exc))
    for line in warnings:
        print(f"oomcast: warning: {line}", file=sys.stderr)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "publish":
        return cmd_publish(args)
    if args.command in ("sbc", "backtest", "ppc"):
        from model.validation_workflow import main as validation_main

        return validation_main(args)
    if args.command in ("sensitivity", "sweep", "compare"):
        return cmd_study(args)
    if args.command == "priors" and args.priors_command == "check":
        return cmd_priors_check(args)
    if args.command == "priors" and args.priors_command == "fit":
        return cmd_priors_fit(args)
    if args.command == "priors" and args.priors_command == "show":
        return cmd_priors_show(args)
    return _error(f"unknown command {args.command}")


def _input_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that are the user's input, not a bug: one line, exit 2."""
    from model.data import DataError
    from model.output_dir import OutputPathError
    from model.scenario import PriorSpecError

    return (PriorSpecError, DataError, OutputPathError, ValueError, OSError)


def main(argv: list[str] | None = None) -> int:
    """Every command, wrapped so that no traceback reaches a user: domain errors -> one line and
    exit 2 (EXIT_INPUT), Ctrl-C / SIGTERM -> one line and 130 (the output folder untouched,
    model/output_dir.py), anything unforeseen -> one line and exit 1 (OOMCAST_DEBUG=1 re-raises
    it with its traceback)."""
    import os

    from model.interrupts import (
        EXIT_INTERRUPTED,
        install_handlers,
        interrupted,
        restore_handlers,
    )

    previous = install_handlers()
    try:
        return _dispatch(argv)
    except KeyboardInterrupt as exc:
        detail = f" ({exc})" if str(exc) else ""
        print(f"oomcast: interrupted{detail}; no output was installed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit:
        raise
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("OOMCAST_DEBUG"):
            raise
        if isinstance(exc, _input_errors()) or interrupted():
            return _error(" ".join(str(exc).split()) or type(exc).__name__)
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"oomcast: internal error: {type(exc).__name__}: {message} (set OOMCAST_DEBUG=1 "
              "for the traceback)", file=sys.stderr)
        return EXIT_DIAGNOSTICS
    finally:
        restore_handlers(previous)


if __name__ == "__main__":
    sys.exit(main())
