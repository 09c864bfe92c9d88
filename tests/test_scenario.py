"""Scenario files: every kind of mistake gives one clear error naming the file and key path."""

import re
import subprocess
import sys

import pytest

from model.scenario import PARAMETERS, PRIORS_DIR, PriorSpecError, load_scenario

DEFAULT = (PRIORS_DIR / "default.toml").read_text()
#: The default's `preset_version = N` line (N changes with every logged prior change).
VERSION_LINE = re.search(r"^preset_version = \d+$", DEFAULT, re.M).group(0)


def test_committed_scenarios_load():
    for path in sorted(PRIORS_DIR.glob("*.toml")):
        s = load_scenario(path)
        assert set(s.priors) == set(PARAMETERS)
        total = s.requirement.no_path_weight + sum(a.weight for a in s.requirement.anchors)
        if s.requirement.capability is not None:  # the blend's weights are scaled by 1 - w_c
            total += s.requirement.capability.weight
        assert total == pytest.approx(1.0, abs=1e-6)
        for prior in s.priors.values():
            assert prior.source.strip() and prior.rationale.strip()


BROKEN = {
    "unknown key": (
        ('[priors.hardware_growth_oom_per_year]\ndist = "Normal"',
         '[priors.hardware_growth_oom_per_year]\nmean = 3\ndist = "Normal"'),
        "priors.hardware_growth_oom_per_year.mean"),
    "unknown parameter": (
        ("[priors.hardware_growth_oom_per_year]", "[priors.hardwear_growth]\ndist = \"Normal\"\n"
         "mu = 0.1\nsigma = 0.1\nsource = \"x\"\nrationale = \"y\"\n\n"
         "[priors.hardware_growth_oom_per_year]"),
        "priors.hardwear_growth"),
    "unknown distribution": (
        ('[priors.hardware_growth_oom_per_year]\ndist = "Normal"',
         '[priors.hardware_growth_oom_per_year]\ndist = "Gaussian"'),
        "priors.hardware_growth_oom_per_year.dist"),
    "negative scale": (
        ("mu = 0.15\nsigma = 0.1", "mu = 0.15\nsigma = -0.1"),
        "priors.hardware_growth_oom_per_year.sigma"),
    "lower >= upper": (
        ("mu = 0.5\nsigma = 0.3\nlower = 0.0", "mu = 0.5\nsigma = 0.3\nlower = 0.0\nupper = -1.0"),
        "priors.other_remaining_oom"),
    "weights do not sum to 1": (
        ("no_path_weight = 0.05", "no_path_weight = 0.15"), "requirement.anchors"),
    "missing source": (
        ('source = "Aschenbrenner 2024, \'Situational Awareness\': Moore\'s law gave 1-1.5 OOM per '
         'decade"\n', ""),
        "priors.hardware_growth_oom_per_year.source"),
    "impossible support": (
        ('[priors.hardware_scatter_oom]\ndist = "HalfNormal"\nsigma = 1.0',
         '[priors.hardware_scatter_oom]\ndist = "Normal"\nmu = 0.0\nsigma = 1.0'),
        "priors.hardware_scatter_oom"),
    "not TOML": (("schema_version = 1", "schema_version = = 1"), "not valid TOML"),
}

# The capability anchor, [requirement.capability] (model/capability.py).
_CAPANCHOR = "[requirement.capability]\nweight = 0.2"
BROKEN.update({
    "capability: weight outside (0, 1)": ((_CAPANCHOR, _CAPANCHOR.replace("0.2", "1.2")),
                                          "requirement.capability.weight"),
    "capability: unknown key": ((_CAPANCHOR, _CAPANCHOR + "\nhorizon_hours = 167"),
                                "requirement.capability.horizon_hours"),
    "capability: sigma not > 0": (("log10_horizon_minutes_sigma = 0.66",
                                   "log10_horizon_minutes_sigma = 0.0"),
                                  "requirement.capability.log10_horizon_minutes_sigma"),
    "capability: floor not > 0": (("horizon_per_oom_floor = 0.02", "horizon_per_oom_floor = -1"),
                                  "requirement.capability.horizon_per_oom_floor"),
    "capability: number as text": (("log10_horizon_minutes_mu = 4.0",
                                    'log10_horizon_minutes_mu = "4.0"'),
                                   "requirement.capability.log10_horizon_minutes_mu"),
})

# A requirement made of the capability anchor alone (priors/time-horizon-extrapolation.toml).
THX = (PRIORS_DIR / "time-horizon-extrapolation.toml").read_text()
_THX_CAPABILITY = re.search(r"^\[requirement\.capability\]\n(?:[^\[].*\n|\n)*?(?=^# |^\[)",
                            THX, re.M).group(0)
BROKEN_THX = {
    "no anchors at all": ((_THX_CAPABILITY, ""), "requirement.anchors"),
    "no_path_weight without published anchors": (
        ("[requirement]\n", "[requirement]\nno_path_weight = 0.1\n"),
        "requirement.no_path_weight"),
    "capability weight above 1 when alone": (("[requirement.capability]\nweight = 1.0",
                                              "[requirement.capability]\nweight = 1.5"),
                                             "requirement.capability.weight"),
}


def test_capability_anchor_alone_is_the_whole_requirement():
    """No published anchors: w_c = capability.weight (1 here), "no path" = 1 - w_c."""
    req = load_scenario("time-horizon-extrapolation").requirement
    assert req.anchors == () and req.capability.weight == 1.0 and req.no_path_weight == 0.0


def test_capability_alone_with_a_weight_below_1_leaves_the_rest_to_no_path(tmp_path):
    path = tmp_path / "partial.toml"
    path.write_text(THX.replace("[requirement.capability]\nweight = 1.0",
                                "[requirement.capability]\nweight = 0.9", 1))
    req = load_scenario(path).requirement
    assert req.capability.weight == 0.9
    assert req.no_path_weight == pytest.approx(0.1, abs=1e-12)


def test_a_capability_weight_of_1_beside_published_anchors_is_refused(tmp_path):
    path = tmp_path / "all-capability.toml"
    path.write_text(DEFAULT.replace(_CAPANCHOR, "[requirement.capability]\nweight = 1.0", 1))
    with pytest.raises(PriorSpecError, match=r"requirement\.capability\.weight: must be in "
                                             r"\(0, 1\)"):
        load_scenario(path)


@pytest.mark.parametrize("kind", sorted(BROKEN_THX))
def test_broken_capability_only_copies_name_file_and_key(tmp_path, kind):
    (old, new), key = BROKEN_THX[kind]
    assert old in THX, f"test fixture out of date for {kind}"
    path = tmp_path / f"broken-{kind.replace(' ', '-')}.toml"
    path.write_text(THX.replace(old, new, 1))
    with pytest.raises(PriorSpecError) as err:
        load_scenario(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {key}:")
    assert "\n" not in message


def test_cli_says_which_key_when_a_requirement_has_no_anchor(tmp_path):
    path = tmp_path / "empty-requirement.toml"
    path.write_text(THX.replace(_THX_CAPABILITY, "", 1))
    out = subprocess.run([sys.executable, "-m", "model.cli", "priors", "check", str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert lines[0].endswith(f"{path}: requirement.anchors: needs at least one named anchor "
                             "table or a [requirement.capability] anchor (none given)")

# Elicitation blocks, split-normal anchors and the prior-only start (issue: priors as data).
_CAP = ('elicitation = {method = "maxent", lower = 4e-5, upper = 0.05, mass = 0.95, '
        'transform = "log10"')
_CAP_KEY = "priors.log10_spending_cap_share_of_gwp.elicitation"
_LIFE = "weight = 0.027957\nmedian_log10_flop = 28.9\nsigma_log10_flop = 2.731"
_LIFE_KEY = "requirement.anchors.lifetime"
BROKEN.update({
    "elicitation: unknown method": ((_CAP, _CAP.replace('"maxent"', '"guess"')),
                                    f"{_CAP_KEY}.method"),
    "elicitation: unknown key": ((_CAP, _CAP.replace("mass = 0.95", "mass = 0.95, confidence = 2")),
                                 f"{_CAP_KEY}.confidence"),
    "elicitation: mass outside (0, 1)": ((_CAP, _CAP.replace("mass = 0.95", "mass = 95")),
                                         f"{_CAP_KEY}.mass"),
    "elicitation: lower >= upper": ((_CAP, _CAP.replace("upper = 0.05", "upper = 1e-5")),
                                    f"{_CAP_KEY}.upper"),
    "elicitation: missing number": ((_CAP, _CAP.replace("lower = 4e-5, ", "")),
                                    f"{_CAP_KEY}.lower"),
    "elicitation: number as text": ((_CAP, _CAP.replace("lower = 4e-5", 'lower = "4e-5"')),
                                    f"{_CAP_KEY}.lower"),
    "elicitation: family cannot give the prior": (
        (_CAP, _CAP.replace('method = "maxent"', 'method = "maxent", family = "LogNormal"')),
        f"{_CAP_KEY}.family"),
    "elicitation: log of a negative number": (
        (_CAP, _CAP.replace("lower = 4e-5", "lower = -4e-5")), f"{_CAP_KEY}.transform"),
    "elicitation: unknown transform": (
        (_CAP, _CAP.replace('transform = "log10"', 'transform = "sqrt"')),
        f"{_CAP_KEY}.transform"),
    "elicitation: not a table": ((_CAP, 'elicitation = "95% between 0.004% and 5%"'
                                  ' # {method = "maxent"'), _CAP_KEY),
    "anchor: both sigma forms": (
        (_LIFE, _LIFE + "\nsigma_below_log10_flop = 2.0\nsigma_above_log10_flop = 4.0"),
        f"{_LIFE_KEY}.sigma_below_log10_flop"),
    "anchor: half a split normal": (
        (_LIFE, _LIFE.replace("sigma_log10_flop = 2.731", "sigma_below_log10_flop = 2.0")),
        f"{_LIFE_KEY}.sigma_above_log10_flop"),
    "anchor: negative split scale": (
        (_LIFE, _LIFE.replace("sigma_log10_flop = 2.731",
                              "sigma_below_log10_flop = 2.0\nsigma_above_log10_flop = -4.0")),
        f"{_LIFE_KEY}.sigma_above_log10_flop"),
    "anchor: elicitation out of order": (
        (_LIFE, _LIFE + '\nelicitation = {method = "quantiles", p10 = 30, p50 = 28.9, p90 = 33.6}'),
        f"{_LIFE_KEY}.elicitation.p50"),
    "anchor: prior elicitation method": (
        (_LIFE, _LIFE + '\nelicitation = {method = "maxent", lower = 26, upper = 33, mass = 0.8}'),
        f"{_LIFE_KEY}.elicitation.method"),
    "requirement: weights_concentration <= 0": (
        ("weights_concentration = 10.0", "weights_concentration = 0"),
        "requirement.weights_concentration"),
    "requirement: weights_concentration infinite": (
        ("weights_concentration = 10.0", "weights_concentration = inf"),
        "requirement.weights_concentration"),
    "requirement: weights_concentration as text": (
        ("weights_concentration = 10.0", 'weights_concentration = "10"'),
        "requirement.weights_concentration"),
    "walls: unknown wall": (
        ('binding = ["power", "chips", "data", "latency"]', 'binding = ["power", "money"]'),
        "walls.binding"),
    "walls: not a list": (
        ('binding = ["power", "chips", "data", "latency"]', 'binding = "power"'),
        "walls.binding"),
    "walls: a wall twice": (
        ('binding = ["power", "chips", "data", "latency"]', 'binding = ["power", "power"]'),
        "walls.binding"),
    "walls: no rationale": (
        ("rationale = \"This project's physical view", "reason = \"This project's physical view"),
        "walls.reason"),
    "preset_version: not an integer": ((VERSION_LINE, "preset_version = 1.5"),
                                        "preset_version"),
    "preset_version: zero": ((VERSION_LINE, "preset_version = 0"), "preset_version"),
    "preset_version: text": ((VERSION_LINE, 'preset_version = "v1"'), "preset_version"),
    "preset_version: boolean": ((VERSION_LINE, "preset_version = true"),
                                "preset_version"),
    "settings: prior-only start after the horizon": (
        ("reference_year = 2023.0", "reference_year = 2023.0\nprior_only_start_year = 2200.0"),
        "settings.prior_only_start_year"),
})


def test_preset_version_is_optional_outside_the_presets(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(DEFAULT.replace(VERSION_LINE + "\n", "", 1))
    s = load_scenario(path)
    assert s.preset_version is None and s.preset_version_attr == "unversioned"
    version = load_scenario("default").preset_version_attr
    assert isinstance(version, int) and f"preset_version = {version}" == VERSION_LINE


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_copies_name_file_and_key(tmp_path, kind):
    (old, new), key = BROKEN[kind]
    assert old in DEFAULT, f"test fixture out of date for {kind}"
    path = tmp_path / f"broken-{kind.replace(' ', '-')}.toml"
    path.write_text(DEFAULT.replace(old, new, 1))
    with pytest.raises(PriorSpecError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message
    assert key in message
    assert "\n" not in message


def test_cli_priors_check_exits_non_zero_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(DEFAULT.replace("mu = 0.15\nsigma = 0.1", "mu = 0.15\nsigma = -0.1", 1))
    before = sorted(p.name for p in tmp_path.iterdir())
    out = subprocess.run([sys.executable, "-m", "model.cli", "priors", "check", str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(r"bad\.toml: priors\.hardware_growth_oom_per_year\.sigma",
                                         lines[0])
    assert "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_weights_concentration_is_optional_and_read():
    default = load_scenario("default").requirement
    assert default.weights_concentration == 10.0
    assert load_scenario("cotra-2020").requirement.weights_concentration is None
