"""The argument-validation layer of model/cli.py and the scenario lookup (model/shipped.py):
one rule and one wording per option for every command, reported before any import-heavy work."""

import argparse
import os
import shutil
import subprocess
import sys

import pytest

from model.cli import _parser
from model.scenario import PRIORS_DIR, PriorSpecError, resolve_scenario_path

NO_HEAVY_IMPORTS = ("numpy", "pandas", "pymc", "arviz", "matplotlib", "scipy")


def oomcast_in_process(*args, cwd=None):
    """`main(args)` in a fresh interpreter -> (exit code, stderr, heavy modules loaded)."""
    code = ("import sys; from model.cli import main; rc = main(sys.argv[1:]); "
            f"print(sorted(m for m in {NO_HEAVY_IMPORTS!r} if m in sys.modules)); sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       timeout=120, cwd=cwd)
    return r.returncode, r.stderr, r.stdout


def test_oomcast_alone_lists_every_command():
    rc, _, out = oomcast_in_process()
    assert rc == 0
    for command in ("run", "publish", "priors", "sensitivity", "sweep", "compare", "sbc",
                    "backtest", "ppc"):
        assert f"\n    {command}" in out, command


def _all_parsers(parser):
    yield parser.prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_parsers(sub)


def test_every_option_has_help_text():
    missing = [f"{prog} {a.dest}" for prog, p in _all_parsers(_parser()) for a in p._actions
               if not isinstance(a, argparse._SubParsersAction) and not (a.help or "").strip()]
    assert missing == []


@pytest.mark.parametrize("args", [
    ["run", "--draws", "0"],
    ["run", "--prior-only", "--draws", "0"],
    ["sweep", "default", "--draws", "0"],
    ["sbc", "--draws", "0"],
    ["backtest", "--as-of", "2020", "--draws", "0"],
])
def test_draws_below_one_is_the_same_error_everywhere_and_imports_nothing_heavy(args):
    rc, err, out = oomcast_in_process(*args)
    assert rc == 2
    assert err.strip() == "oomcast: error: --draws must be >= 1 (got 0)"
    assert out.strip() == "[]"  # reported before numpy/pymc were imported


@pytest.mark.parametrize("command", ["publish", "sensitivity", "ppc", "compare"])
def test_a_missing_run_directory_is_reported_before_heavy_imports(command, tmp_path):
    rc, err, out = oomcast_in_process(command, str(tmp_path / "nope"))
    assert rc == 2 and err.strip() == f"oomcast: error: {tmp_path / 'nope'}: no such run directory"
    assert out.strip() == "[]"


def test_bad_as_of_and_labels_are_usage_errors():
    rc, err, _ = oomcast_in_process("run", "--prior-only", "--as-of", "last tuesday")
    assert rc == 2 and "--as-of: not a date or decimal year" in err
    rc, err, _ = oomcast_in_process("compare", ".", ".", "--labels", "one")
    assert rc == 2 and "--labels: 1 labels for 2 runs" in err


def test_a_typo_lists_the_presets_and_suggests_the_nearest(tmp_path):
    rc, err, out = oomcast_in_process("run", "--priors", "skeptik", cwd=tmp_path)
    assert rc == 2 and out.strip() == "[]"
    assert "available: " in err and "default" in err and "did you mean 'skeptic'?" in err
    with pytest.raises(PriorSpecError, match="did you mean 'default'"):
        resolve_scenario_path("defualt")


def test_a_scenario_in_the_working_directory_wins_over_the_shipped_preset(tmp_path, monkeypatch):
    (tmp_path / "priors").mkdir()
    mine = tmp_path / "priors" / "mycotra.toml"
    shutil.copy(PRIORS_DIR / "cotra-2020.toml", mine)
    shadow = tmp_path / "priors" / "default.toml"
    shutil.copy(PRIORS_DIR / "skeptic.toml", shadow)
    monkeypatch.chdir(tmp_path)
    assert resolve_scenario_path("mycotra") == tmp_path / "priors" / "mycotra.toml"
    assert resolve_scenario_path("default") == shadow
    assert resolve_scenario_path("cotra-2022") == PRIORS_DIR / "cotra-2022.toml"
    # a path always works, wherever the working directory is
    assert resolve_scenario_path(str(PRIORS_DIR / "default.toml")) == PRIORS_DIR / "default.toml"
    rc, err, _ = oomcast_in_process("priors", "check", "mycotra", cwd=tmp_path)
    assert rc == 0, err


def test_too_few_draws_for_the_printed_mcse_warns_but_runs_validation_only():
    from model.cli import validate_args

    args = _parser().parse_args(["run", "--draws", "10", "--chains", "4"])
    [warning] = validate_args(args)
    assert "--draws 10 x --chains 4 = 40 draws is below 400" in warning
    args = _parser().parse_args(["run", "--prior-only", "--draws", "50"])
    assert "--draws 50 is below 400" in validate_args(args)[0]
    assert validate_args(_parser().parse_args(["run", "--draws", "100"])) == []  # 100 x 4 chains


def test_a_bad_thread_count_stops_a_run_before_it_samples(tmp_path):
    out = tmp_path / "run"
    r = subprocess.run([sys.executable, "-m", "model.cli", "run", "--out", str(out)],
                       capture_output=True, text=True, timeout=300,
                       env=os.environ | {"OOMCAST_THREADS": "0"})
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "oomcast: error: OOMCAST_THREADS must be a positive integer (got '0')")
    assert "NUTS" not in r.stderr and not out.exists()


def test_run_defaults_are_the_sampler_settings_defaults():
    """`oomcast run`'s --tune and --chains defaults (kept as literals, so the parser imports
    nothing heavy) are SamplerSettings' own: a changed default cannot split the two."""
    from model.inference import SamplerSettings

    args = _parser().parse_args(["run"])
    defaults = SamplerSettings()
    assert (args.tune, args.chains, args.seed) == (defaults.tune, defaults.chains, defaults.seed)
