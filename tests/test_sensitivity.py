"""Power-scaling sensitivity: the machinery on a closed-form model, then on a (short) real run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from study_helpers import short_run_dir

from model.studies import sensitivity as sens

DELTA = sens.DELTA


# ---------------------------------------------------------------- conjugate normal-normal model
# y_i ~ N(theta, sigma^2), i = 1..n, with ybar = 0 exactly; theta ~ N(mu0, tau0^2). Power-scaling
# the prior by alpha gives N(mu0, tau0^2 / alpha), so every power-scaled posterior is normal in
# closed form and the diagnostic's finite difference can be computed without draws.


def conjugate_draws(mu0, tau0=1.0, n=20, sigma=1.0, seed=0, shape=(4, 2000)):
    rng = np.random.default_rng(seed)
    y = rng.normal(0.0, sigma, n)
    y -= y.mean()
    v = 1.0 / (1.0 / tau0**2 + n / sigma**2)
    m = v * (mu0 / tau0**2 + y.sum() / sigma**2)
    theta = rng.normal(m, np.sqrt(v), shape)  # exact posterior draws
    log_prior = stats.norm(mu0, tau0).logpdf(theta)
    log_lik = stats.norm(theta[..., None], sigma).logpdf(y).sum(-1)
    inputs = sens.SensitivityInputs(
        {"theta": theta}, {"theta": log_prior}, {"y": log_lik},
        [sens.Component("prior", "prior", "all", ("theta",)),
         sens.Component("likelihood", "likelihood", "all", ("y",))])
    return inputs, theta, y


def closed_form_sensitivity(kind, mu0, y, support, tau0=1.0, sigma=1.0, delta=DELTA):
    """The same CJS finite difference as az.psens, on exact normal CDFs over `support`."""
    n = y.size

    def posterior(alpha):
        a_p, a_l = (alpha, 1.0) if kind == "prior" else (1.0, alpha)
        v = 1.0 / (a_p / tau0**2 + a_l * n / sigma**2)
        return stats.norm(v * (a_p * mu0 / tau0**2 + a_l * y.sum() / sigma**2), np.sqrt(v))

    x = np.linspace(*support, 20001)
    dx = x[1] - x[0]

    def half(p, q):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(p > 0, p * (np.log2(p) - np.log2((p + q) / 2)), 0.0)
        return max(np.sum(t) * dx + 0.5 / np.log(2) * (np.sum(q) - np.sum(p)) * dx, 0.0)

    def cjs(a, b):
        out = []
        for f in ("cdf", "sf"):  # the draws and their reflection, as psens takes the max
            p, q = getattr(a, f)(x), getattr(b, f)(x)
            out.append(np.sqrt((half(p, q) + half(q, p)) / ((p.sum() + q.sum()) * dx)))
        return max(out)

    base = posterior(1.0)
    return ((cjs(base, posterior(1 / (1 + delta))) + cjs(base, posterior(1 + delta)))
            / (2 * np.log2(1 + delta)))


@pytest.mark.parametrize("mu0", [0.0, 1.0, 3.0])
def test_matches_closed_form(mu0):
    inputs, theta, y = conjugate_draws(mu0)
    result = sens.power_scaling(inputs)
    support = (theta.min(), theta.max())
    for kind in ("prior", "likelihood"):
        expected = closed_form_sensitivity(kind, mu0, y, support)
        got = result[kind]["sensitivity"]["theta"]
        assert got == pytest.approx(expected, rel=0.1, abs=0.002), kind
        assert result[kind]["pareto_k"] < sens.PARETO_K_MAX


def test_threshold_side_and_monotone_in_conflict():
    prior_sens, labels = [], []
    for mu0 in (0.0, 0.5, 1.0, 2.0, 3.0, 5.0):
        r = sens.power_scaling(conjugate_draws(mu0)[0])
        p, li = r["prior"]["sensitivity"]["theta"], r["likelihood"]["sensitivity"]["theta"]
        prior_sens.append(p)
        labels.append(sens.diagnosis(p, li))
    assert prior_sens[0] < sens.THRESHOLD  # agreeing prior
    assert prior_sens[-2] > sens.THRESHOLD and prior_sens[-1] > sens.THRESHOLD  # conflict
    assert np.all(np.diff(prior_sens) > 0)  # more conflict, more sensitivity
    assert labels[0] == "-" and labels[-1] == "prior-data conflict"


def test_strong_prior_weak_likelihood_label():
    # a prior far tighter than the likelihood: the prior decides, the data barely move it
    r = sens.power_scaling(conjugate_draws(0.0, tau0=0.02, n=2)[0])
    p, li = r["prior"]["sensitivity"]["theta"], r["likelihood"]["sensitivity"]["theta"]
    assert sens.diagnosis(p, li) == "strong prior / weak likelihood"


def test_bounded_weights_are_not_flagged():
    # many draws share the largest log weight (a log-likelihood exactly 0): no tail to fit
    lw = np.zeros(4000)
    lw[:300] = -np.linspace(0.1, 3.0, 300)
    log_w, k = sens.psis(0.01 * lw)
    assert k == 0.0 and np.isclose(np.exp(log_w).sum(), 1.0)


# ---------------------------------------------------------------- a real (short) run


@pytest.fixture(scope="module")
def run():
    from model.studies.rundir import load_run

    return load_run(short_run_dir(), groups=("log_prior", "log_likelihood"))


def test_scipy_log_prior_matches_pymc(run):
    """The densities the sweep reweights with are PyMC's log_prior, term by term."""
    terms = sens.log_prior_terms(run.idata.posterior, run.scenario)
    assert set(terms) == set(run.idata.log_prior.data_vars)
    for name, values in terms.items():
        var = run.idata.log_prior[name]
        stored = var.sum([d for d in var.dims if d not in ("chain", "draw")]).to_numpy()
        np.testing.assert_allclose(values, stored, atol=1e-5, err_msg=name)


def test_every_block_and_stream_is_a_component(run):
    inputs = sens.run_inputs(run)
    ids = {c.id for c in inputs.components}
    assert {"prior", "likelihood", "prior:compute", "prior:hardware", "prior:spending",
            "prior:algorithms", "prior:requirement", "prior:limits"} <= ids
    assert {f"likelihood:{v}" for v in run.idata.log_likelihood.data_vars} <= ids
    blocks = [v for c in inputs.components if c.scope == "block" and c.kind == "prior"
              for v in c.variables]
    prior_all = next(c for c in inputs.components if c.id == "prior").variables
    # every fitted log_prior term sits in exactly one block; projection blocks add their own
    assert sorted(v for v in blocks if v in prior_all) == sorted(prior_all)
    assert "log10_spending_cap_share_of_gwp" in blocks
    assert {"arrival_year", "agi_by_2030", "algorithmic_growth_oom_per_year[vision]"} <= set(
        inputs.quantities)


def test_sensitivity_command_writes_json_and_figure(run, tmp_path, capsys):
    from model.cli import main

    assert main(["sensitivity", str(run.path)]) == 0
    # the caveat names what power-scaling still cannot see, and the requirement is seen
    out = capsys.readouterr().out
    assert "caveat: the requirement is power-scaled" in out and "uniform" in out
    doc = json.loads((run.path / "sensitivity.json").read_text())
    assert doc["schema_version"] == 1 and doc["kind"] == "oomcast.sensitivity"
    assert doc["method"]["threshold"] == 0.05 and doc["method"]["pareto_k_max"] == 0.7
    quantities = [q["name"] for q in doc["quantities"]]
    for comp in doc["components"]:
        assert set(doc["sensitivity"][comp["id"]]) == set(quantities)
        assert comp["pareto_k_flag"] == (comp["pareto_k"] > 0.7)
    assert set(doc["diagnosis"]["arrival_year"]) == {"prior", "likelihood", "label"}
    scaled = doc["power_scaled_arrival"]
    assert min(scaled["alphas"]) <= 0.8 and max(scaled["alphas"]) >= 1.25
    assert len(scaled["summaries"]) == len(scaled["alphas"]) == len(scaled["pareto_k"])
    at_one = scaled["summaries"][scaled["alphas"].index(1.0)]
    assert at_one == json.loads((run.path / "summary.json").read_text())["arrival_year"]
    ranks = [r["sensitivity"] for r in doc["ranking"]["arrival_year"]]
    assert ranks == sorted(ranks, reverse=True)
    assert (run.path / "sensitivity.png").stat().st_size > 10_000
    # the requirement is visible: its density and weights are components with their own curves
    req = doc["power_scaled_requirement"]
    assert set(req) == {"prior:requirement_density", "prior:requirement_weights"}
    for cid, entry in req.items():
        assert doc["sensitivity"][cid]["arrival_year"] > 0
        assert entry["summaries"][entry["alphas"].index(1.0)]["n_draws"] == \
            doc["run"]["n_draws"]
    assert (run.path / "sensitivity_requirement.png").stat().st_size > 10_000
    # no temporaries left (the output marker is the run's own)
    assert [p.name for p in run.path.iterdir() if p.name.startswith(".")] == [
        ".oomcast-output.json"]


def test_requirement_components_reweight_the_drawn_requirement(run):
    """The requirement's log densities are those of its draws: the mixture density integrates
    to 1 - w_0 over R (1 - w_0 - w_cap where the capability anchor's b_h is below the floor),
    "no path" draws carry the log of their mass, and weights drawn given R have the Dirichlet's
    mean when R comes from the prior (so the joint law is right), capability anchor included."""
    from model import requirement

    post = run.idata.posterior
    terms = sens.requirement_log_densities(post, run.scenario)
    r = post["requirement_log10_flop"].to_numpy()
    req = run.scenario.requirement
    assert req.capability is not None  # the default: the capability anchor is the last
    b_h = post["capability_horizon_per_oom"].to_numpy()
    never = b_h < req.capability.horizon_per_oom_floor
    assert terms["requirement_density"].shape == r.shape
    np.testing.assert_allclose(terms["requirement_density"][np.isinf(r)],
                               np.log(req.no_path_weight
                                      + req.capability.weight * never[np.isinf(r)]))
    assert np.all(np.isfinite(terms["requirement_weights"]))
    grid = np.linspace(5, 80, 30001)
    a_h = float(np.median(post["capability_horizon_log10_minutes_at_centre"]))
    floor = req.capability.horizon_per_oom_floor
    for slope, finite_mass in ((float(np.median(b_h)), 1 - req.no_path_weight),
                               (0.5 * floor, 1 - req.no_path_weight - req.capability.weight)):
        cap = requirement.CapabilityDraws(np.full(grid.size, a_h), np.full(grid.size, slope),
                                          2023.0)
        dens = np.exp(requirement.log_prior_density(req, grid, np.full(grid.size, 0.4), 2023.0,
                                                    capability=cap))
        assert np.trapezoid(dens, grid) == pytest.approx(finite_mass, abs=1e-6)
    rng = np.random.default_rng(1)
    n = 100_000
    g = np.full(n, 0.4)
    slopes = np.where(np.arange(n) % 4 == 0, 0.5 * floor, float(np.median(b_h)))
    cap = requirement.CapabilityDraws(np.full(n, a_h), slopes, 2023.0)
    w = requirement.draw_weights_given_requirement(
        rng, req, requirement.draw_prior(rng, req, g, 2023.0, cap), g, 2023.0, cap)
    mean = requirement.dirichlet_parameters(req) / req.weights_concentration
    assert w.shape[1] == len(requirement.anchor_labels(req)) + 1
    np.testing.assert_allclose(w.mean(axis=0), mean, atol=0.004)
    # each weight is Beta(c w, c (1 - w)): Aschenbrenner's 20% of the blend is 16% beside the
    # capability anchor, Beta(1.6, 8.4) with concentration 10, 90% interval ~2.4-37%
    from scipy import stats

    c = req.weights_concentration
    for k in (requirement.anchor_labels(req).index("situational_awareness_2024"), -2):
        wk = requirement.prior_weights(req)[k]
        lo, hi = np.quantile(w[:, k], [0.05, 0.95])
        want = stats.beta(c * wk, c * (1 - wk)).ppf([0.05, 0.95])
        assert lo == pytest.approx(want[0], abs=0.005) and hi == pytest.approx(want[1], abs=0.01)
