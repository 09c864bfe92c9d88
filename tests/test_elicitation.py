"""Elicitation: PreliZ fits reproduce stated expert judgements, and `priors fit` writes them back.

Like PreliZ's own tests, the first test is a table of statements and the parameters they must
give; the second checks every committed prior file against its own elicitation blocks within a
tolerance table (a file may round its parameters, never change them).
"""

import math
import subprocess
import sys

import pytest

from model.distributions import HalfNormal, LogNormal, Normal, StudentT, TruncatedNormal
from model.elicitation import fit_anchor, fit_file, fit_prior, fit_scenario
from model.scenario import PRIORS_DIR, PriorSpecError, load_scenario

pytestmark = pytest.mark.filterwarnings("ignore")


def _el(**kw):
    kw.setdefault("transform", "identity")
    return kw


# statement -> (prior it fits, expected parameters); rel. tolerance 1e-3 (PreliZ-style table)
EXPECTED = [
    ("95% of the cap between 0.004% and 5% of GWP, log10 share",
     _el(method="maxent", lower=4e-5, upper=0.05, mass=0.95, transform="log10", family="Normal"),
     Normal(dist="Normal", mu=0, sigma=1), {"mu": -2.849485, "sigma": 0.790043}),
    ("algorithmic cap 2.25-12.1 OOM (80%), equal-tailed lognormal",
     _el(method="maxent", lower=2.25, upper=12.1, mass=0.8, transform="ln", family="Normal"),
     LogNormal(dist="LogNormal", mu=0, sigma=1), {"mu": 1.652071, "sigma": 0.656343}),
    ("spending growth quartiles 47.6/62.7/77.8%/yr, log10(1 + g)",
     _el(method="quartile", q1=1.476, q2=1.627, q3=1.778, transform="log10", family="Normal"),
     Normal(dist="Normal", mu=0, sigma=1), {"mu": 0.210336, "sigma": 0.059971}),
    ("90% of a scale below 1 (half-normal)",
     _el(method="maxent", lower=0.0, upper=1.0, mass=0.9, family="HalfNormal"),
     HalfNormal(dist="HalfNormal", sigma=1), {"sigma": 1 / 1.644854}),
    ("90% between -1 and 1 with nu = 4 held",
     _el(method="maxent", lower=-1.0, upper=1.0, mass=0.9, family="StudentT"),
     StudentT(dist="StudentT", nu=4, mu=0, sigma=1), {"mu": 0.0, "sigma": 0.469077}),
]


@pytest.mark.parametrize("statement, elicitation, dist, expected", EXPECTED,
                         ids=[e[0] for e in EXPECTED])
def test_statement_gives_expected_parameters(statement, elicitation, dist, expected):
    fitted = fit_prior(elicitation, dist)
    assert set(fitted) == set(expected)
    for key, value in expected.items():
        assert fitted[key] == pytest.approx(value, rel=1e-3, abs=1e-6), (statement, key)


def test_truncated_normal_keeps_its_bounds_and_meets_the_mass():
    dist = TruncatedNormal(dist="TruncatedNormal", mu=1, sigma=1, lower=0.0)
    fitted = fit_prior(_el(method="maxent", lower=0.5, upper=8.0, mass=0.9,
                           family="TruncatedNormal"), dist)
    sp = TruncatedNormal(dist="TruncatedNormal", lower=0.0, **fitted).scipy()
    assert sp.cdf(8.0) - sp.cdf(0.5) == pytest.approx(0.9, abs=1e-3)


def test_anchor_quantiles_give_a_split_normal_through_them():
    fitted = fit_anchor({"p10": 26.6, "p50": 28.9, "p90": 33.6})
    z = 1.2815515655446004
    assert fitted == pytest.approx({"median_log10_flop": 28.9,
                                    "sigma_below_log10_flop": 2.3 / z,
                                    "sigma_above_log10_flop": 4.7 / z})
    assert set(fit_anchor({"p10": 1.0, "p50": 2.0, "p90": 3.0})) == {"median_log10_flop",
                                                                      "sigma_log10_flop"}


def test_impossible_statement_is_a_clear_error():
    with pytest.raises(PriorSpecError, match="no HalfNormal has mass"):
        fit_prior(_el(method="maxent", lower=5.0, upper=6.0, mass=0.9, family="HalfNormal"),
                  HalfNormal(dist="HalfNormal", sigma=1))


#: How far a committed file's parameter may sit from its fitted value (rounding to a few
#: significant digits when a file was written by hand); anything larger is a changed prior.
TOLERANCE = {"mu": 0.005, "sigma": 0.005, "lower": 0.005, "upper": 0.005,
             "median_log10_flop": 1e-6, "sigma_log10_flop": 1e-4,
             "sigma_below_log10_flop": 1e-4, "sigma_above_log10_flop": 1e-4}


@pytest.mark.parametrize("path", sorted(PRIORS_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_committed_prior_files_reproduce_their_elicitation(path):
    fits = fit_scenario(load_scenario(path))
    for fit in fits:
        assert set(fit.fitted) <= set(fit.current), f"{path.name}: {fit.key} changes form"
        for key, value in fit.fitted.items():
            assert math.isclose(fit.current[key], value, abs_tol=TOLERANCE[key]), (
                f"{path.name}: {fit.key}.{key} = {fit.current[key]} but its elicitation gives "
                f"{value:.6g} (run `oomcast priors fit {path}`)")


def test_presets_have_elicitations():
    for name in ("default", "cotra-2020", "direct-approach-2023", "skeptic"):
        assert fit_scenario(load_scenario(name)), name


def test_fit_writes_back_keeping_comments_and_is_idempotent(tmp_path):
    text = (PRIORS_DIR / "default.toml").read_text()
    old = "mu = -2.85\nsigma = 0.79\n"
    assert old in text
    path = tmp_path / "copy.toml"
    path.write_text(text.replace(old, "mu = -1.0\nsigma = 0.3\n"))
    _, fits, written = fit_file(path)
    assert written and len(fits) == 3
    new = path.read_text()
    assert "# ---------------------------------------------------------------- 4. limits" in new
    assert "mu = -2.84948\nsigma = 0.790043\n" in new
    # every other line is untouched
    changed = [b for a, b in zip(text.splitlines(), new.splitlines(), strict=True) if a != b]
    assert len(changed) == 6 and all(c.startswith(("mu = ", "sigma = ")) for c in changed)
    _, _, again = fit_file(path)
    assert not again
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_fit_of_a_broken_file_exits_2_with_one_line_and_leaves_it_untouched(tmp_path):
    text = (PRIORS_DIR / "default.toml").read_text()
    path = tmp_path / "bad.toml"
    path.write_text(text.replace('mass = 0.95, transform = "log10"',
                                 'mass = 1.95, transform = "log10"'))
    before = path.read_bytes()
    out = subprocess.run([sys.executable, "-m", "model.cli", "priors", "fit", str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.toml: priors.log10_spending_cap_share_of_gwp.elicitation.mass" \
        in lines[0]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]
