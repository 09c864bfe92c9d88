"""Power-scaling sensitivity of a run to its prior and likelihood (Kallioinen et al. 2023).

Power-scaling raises one component of the posterior p(theta | y) ~ p(theta) p(y | theta) to a
power alpha near 1, p_alpha ~ p(theta)^alpha p(y | theta) (prior) or p(theta) p(y | theta)^alpha
(likelihood), and measures how much each quantity's distribution moves: the cumulative
Jensen-Shannon distance (CJS) between the posterior and the power-scaled posterior, as a finite
difference at alpha = 1/(1 + delta) and 1 + delta (delta = 0.01), divided by 2 log2(1 + delta).
No refit: the power-scaled posterior is the run's draws with Pareto-smoothed importance weights
w ~ exp((alpha - 1) log p_component(theta)) (`az.psens`, `az.psislw`). A sensitivity >= 0.05
means the component matters for that quantity; with both (Kallioinen et al.'s diagnosis):

    prior >= 0.05 and likelihood >= 0.05  ->  "prior-data conflict"
    prior >= 0.05 and likelihood <  0.05  ->  "strong prior / weak likelihood"
    otherwise                             ->  "-"

Components
----------
- `prior`: every term of the run's `log_prior` group (the fitted parameters' priors, PyMC's
  `compute_log_prior`, without Jacobians). The figure's power-scaled arrival distribution uses
  these weights, for alpha from 0.8 to 1.25.
- `prior:BLOCK`: the terms of one block of the generative model (`PARAMETERS[name].block` in
  model/scenario.py; a free intercept `*_at_centre` belongs to its `*_at_ref` parameter, whose prior
  it carries exactly (a shear, build.py); the non-centred `algorithmic_log_rate_z` to
  "algorithms", the spending rate's steps `spending_rate_drift_z` to "spending"). The
  projection-only blocks (`limits`, `unhobbling`: caps, the spending cap share, unhobbling) touch
  no datum, so their posterior draws are prior draws; their log densities (scipy, per draw) are
  power-scaled the same way. Their label is "no data (projection-only)" when >= 0.05: the answer
  rests on that assumption alone. Fixed priors have no density and are invisible here.
- `likelihood`: every term of the `log_likelihood` group, summed over observations;
  `likelihood:STREAM` one observed variable. For `no_agi_by_cutoff` the joint term
  log Phi((R - E_now) / softness) of the drawn requirement R is used instead of the stored
  marginal log P(not yet | theta): R is part of every arrival draw, so power-scaling the joint term
  reweights (theta, R) pairs exactly; scaling the marginal would leave R | theta unscaled.

- `prior:requirement_density`: the requirement's prior density log p(R | theta) (the anchor
  mixture, model/requirement.py `log_prior_density`) at each draw's R. NUTS never samples R (it
  is marginalised), but every posterior draw carries an exact draw of R from p(R | theta, not
  yet), so (theta, R) pairs are draws of the joint posterior and power-scaling p(R | theta)
  reweights them exactly as for any other prior; "no path" draws (R = +inf) carry log w_0.
- `prior:requirement_weights` (when the scenario sets `weights_concentration`): the Dirichlet
  on the anchor weights, log Dir(w; c w_bar), at weights w drawn exactly per draw from
  p(w | theta, R) (model/requirement.py `draw_weights_given_requirement`, seed 0).
  Both requirement components reweight (theta, R) pairs, so their arrival summaries count
  weighted arrival draws (the Rao-Blackwellised CDFs integrate R out and cannot be reweighted
  by R); `power_scaled_requirement` holds them for alpha 0.8-1.25.

Blind spots (cover them with scenario sweeps, `oomcast sweep`): uniform priors and hard bounds
do not change under power-scaling; alpha near 1 probes local, not large, changes (the anchors'
medians, a discrete choice, are probed by sweeps).

Quantities: each growth rate (hardware, spending, other, physical total, algorithmic per domain),
the arrival year (+inf censored at horizon + 1 as model/summary.py `censored` does), and the
indicator 1[T <= 2030], whose mean is P(by 2030).

Pareto k-hat of the importance weights is reported per component (the larger of the two alphas of
the finite difference) and flagged above 0.7, where the weights (so the sensitivity) are not
reliable. The figure's alphas carry their own k-hats.

`RUN_DIR/sensitivity.json` (schema_version 1; read by `oomcast publish` when present):

    {"schema_version": 1,
     "kind": "oomcast.sensitivity",
     "run": {"dir", "scenario", "scenario_sha256", "git_commit", "cutoff_year", "n_draws",
             "n_chains"},
     "method": {"reference", "delta", "threshold", "pareto_k_max", "figure_alphas"},
     "quantities": [{"name", "meaning"}, ...],
     "components": [{"id", "kind": "prior"|"likelihood", "scope": "all"|"block"|"stream",
                     "variables": [...], "pareto_k", "pareto_k_flag": bool,
                     "max_weight_ratio": n x largest normalised weight, "note"}, ...],
     "sensitivity": {component_id: {quantity: CJS sensitivity}},
     "diagnosis": {quantity: {"prior", "likelihood", "label"}},
     "block_diagnosis": {block: {quantity: label}},
     "ranking": {"arrival_year": [{"component", "sensitivity"}, ...],   # prior blocks, largest
                 "agi_by_2030": [...]},                                  #   first
     "power_scaled_arrival": {"component": "prior", "alphas": [...], "pareto_k": [...],
                              "pareto_k_flag": [...], "summaries": [model/summary.py
                              summarize_arrival dicts, one per alpha]},
     "power_scaled_requirement": {component_id: {the same keys, counted arrival draws}},
     "notes": [...]}

Quantity and component ids are stable strings; numbers are rounded to 4 decimals.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import xarray as xr
from scipy import special

from model.scenario import DOMAINS, PARAMETERS
from model.summary import censored

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    import arviz as az

SCHEMA_VERSION = 1
THRESHOLD = 0.05
PARETO_K_MAX = 0.7
DELTA = 0.01
FIGURE_ALPHAS = (0.8, 0.9, 1.0, 1.1, 1.25)
P_BY_YEAR = 2030
REFERENCE = ("Kallioinen, Paananen, Buerkner & Vehtari (2023), 'Detecting and diagnosing prior "
             "and likelihood sensitivity with power-scaling', Statistics and Computing 34:57")
PROJECTION_BLOCKS = ("limits", "unhobbling")
GROWTH_RATES = ("hardware_growth_oom_per_year", "spending_growth_oom_per_year",
                "other_growth_oom_per_year", "physical_compute_growth_oom_per_year")


@dataclass(frozen=True)
class Component:
    """One power-scaled component: the sum of the named log-density variables."""

    id: str
    kind: str  # "prior" | "likelihood"
    scope: str  # "all" | "block" | "stream"
    variables: tuple[str, ...]
    note: str = ""


@dataclass
class SensitivityInputs:
    """(chain, draw) arrays: quantities, log-prior and log-likelihood terms, and components."""

    quantities: dict[str, np.ndarray]
    log_prior: dict[str, np.ndarray]
    log_likelihood: dict[str, np.ndarray]
    components: list[Component]
    meanings: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------- generic machinery


def _dataset(arrays: dict[str, np.ndarray]) -> xr.Dataset:
    return xr.Dataset({k: (("chain", "draw"), np.asarray(v, dtype=float))
                       for k, v in arrays.items()})


def component_draws(inputs: SensitivityInputs, component: Component) -> np.ndarray:
    """Sum of the component's log densities, (chain, draw)."""
    source = inputs.log_prior if component.kind == "prior" else inputs.log_likelihood
    return np.sum([source[v] for v in component.variables], axis=0)


def psis(log_weights) -> tuple[np.ndarray, float]:
    """Pareto-smoothed, normalised log weights (flat) and Pareto k-hat (`az.psislw`).

    Bounded weights, whose largest value is shared by many draws (e.g. a log-likelihood that is
    exactly 0 for every "no path" draw), leave PSIS no tail to fit (`az.psislw` then says
    k = inf); such weights need no smoothing and are safe, so they are used as they are and
    k-hat is reported as 0. Draws of log weight -inf keep weight 0.
    """
    raw = np.asarray(log_weights, dtype=float).ravel()
    finite = np.isfinite(raw)
    if not finite.any():
        raise ValueError("every importance weight is zero")
    x = np.where(finite, raw, raw[finite].min() - 745.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        lw, k = az.psislw(x.copy())
    k = float(np.ravel(k)[0])
    top = x.max()
    if not np.isfinite(k) and np.sum(x >= top - 1e-9 * max(1.0, abs(top))) > 4:
        lw, k = x, 0.0
    lw = np.where(finite, lw, -np.inf)
    return lw - special.logsumexp(lw), k


def power_scaled_log_weights(log_component: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """PSIS log weights (flat, (chain, draw) order) and k-hat for scaling a component by alpha:
    raw log weights (alpha - 1) log p_component."""
    return psis((alpha - 1.0) * np.asarray(log_component, dtype=float))


def diagnosis(prior: float, likelihood: float, threshold: float = THRESHOLD) -> str:
    if prior >= threshold and likelihood >= threshold:
        return "prior-data conflict"
    if prior >= threshold and likelihood < threshold:
        return "strong prior / weak likelihood"
    return "-"


def power_scaling(inputs: SensitivityInputs, delta: float = DELTA) -> dict[str, dict]:
    """Per component: {"sensitivity": {quantity: CJS}, "pareto_k", "max_weight_ratio"}
    (az.psens; the ratio is n times the largest normalised weight: near 1, the weights are
    nearly uniform whatever k-hat says).

    az.psens 0.23 ignores `coords` / `component_coords`, so every quantity and every component
    variable is its own (chain, draw) array here and components are chosen by
    `component_var_names` only.
    """
    idata = az.InferenceData(posterior=_dataset(inputs.quantities),
                             log_prior=_dataset(inputs.log_prior),
                             log_likelihood=_dataset(inputs.log_likelihood))
    # a constant quantity (a Fixed growth rate; P(by 2030) of 0 or 1 in every draw) cannot move
    # under any weights: its sensitivity is 0 (CJS would divide 0 by 0)
    names = [q for q, v in inputs.quantities.items() if np.ptp(v) > 0]
    out = {}
    for comp in inputs.components:
        sens = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # PSIS k warnings: reported below
            if names:
                sens = az.psens(idata, component=comp.kind,
                                component_var_names=list(comp.variables), var_names=names,
                                delta=delta)
            if isinstance(sens, xr.DataArray):  # one quantity: extract returns a DataArray
                sens = sens.to_dataset(name=names[0])
            draws = component_draws(inputs, comp)
            scaled = [power_scaled_log_weights(draws, a) for a in (1.0 / (1.0 + delta),
                                                                  1.0 + delta)]
        out[comp.id] = {"sensitivity": {q: float(sens[q]) if q in names else 0.0
                                        for q in inputs.quantities},
                        "pareto_k": max(k for _, k in scaled),
                        "max_weight_ratio": max(float(np.exp(lw.max()) * lw.size)
                                                for lw, _ in scaled)}
    return out


# ---------------------------------------------------------------------------- a fitted run


def block_of(variable: str) -> str:
    """The generative-model block of a log_prior variable (see module docstring)."""
    from model.build import SAMPLED_AS

    variable = {v: k for k, v in SAMPLED_AS.items()}.get(variable, variable)  # public name
    if variable in PARAMETERS:
        return PARAMETERS[variable].block
    at_ref = variable.replace("_at_centre", "_at_ref")
    if at_ref in PARAMETERS:
        return PARAMETERS[at_ref].block
    if variable.startswith("algorithmic_log_rate_"):
        return "algorithms"
    if variable == "spending_rate_drift_z":  # the rate's steps z_b: their sd's block
        return PARAMETERS["spending_rate_drift_sd_oom_per_year"].block
    raise KeyError(f"log_prior variable {variable!r} has no block in model/scenario.py "
                   "PARAMETERS")


def log_prior_terms(post, scenario) -> dict[str, np.ndarray]:
    """The scenario's fitted-prior log densities at the posterior draws, named and shaped as
    PyMC's `log_prior` group ((chain, draw), summed over extra dims), computed with scipy.

    The free intercept x_c = `*_at_centre` of a location-family prior has log density
    log p(x_ref) (build.py's shear), so it is evaluated at the deterministic `*_at_ref`. The
    same holds for build.SAMPLED_AS: the physical growth, sampled as one sum, has log density
    log p_other(g_other); a label error e = |x|, x ~ Normal(0, s), has log N(x; 0, s) =
    log HalfNormal(e; s) - log 2. A test checks these against PyMC's `compute_log_prior`: the
    sweep reweights with the same densities.
    """
    from model.build import sampled_as
    from model.distributions import Fixed, HalfNormal

    out = {}
    for name, prior in scenario.fitted().items():
        dist = prior.dist
        if isinstance(dist, Fixed):
            continue
        var = sampled_as(scenario, name)
        if "_at_ref" in name and dist.location_family:
            var = name.replace("_at_ref", "_at_centre")
        values = dist.scipy().logpdf(post[name].to_numpy())
        if var != name and isinstance(dist, HalfNormal):  # drawn as |Normal(0, s)|
            values = values - np.log(2.0)
        out[var] = values.reshape(values.shape[0], values.shape[1], -1).sum(axis=2)
    for name in ("algorithmic_log_rate_z", "spending_rate_drift_z"):  # N(0, 1), non-centred
        if name in post:
            z = post[name].transpose("chain", "draw", ...).to_numpy()
            out[name] = (-0.5 * z**2 - 0.5 * np.log(2 * np.pi)).sum(axis=2)
    return out


def _chain_draw(var) -> np.ndarray:
    extra = [d for d in var.dims if d not in ("chain", "draw")]
    v = var.sum(extra) if extra else var
    return v.transpose("chain", "draw").to_numpy().astype(float)


def joint_no_agi_log_likelihood(post, scenario) -> np.ndarray:
    """log Phi((R - E_now) / s) per draw: the 'no AGI yet' observation given the drawn R."""
    r = post["requirement_log10_flop"].to_numpy()
    e_now = post["log10_effective_compute_at_cutoff"].to_numpy()
    if "not_yet_agi_softness_oom" in post:
        s = post["not_yet_agi_softness_oom"].to_numpy()
    else:
        s = np.full(r.shape, scenario.priors["not_yet_agi_softness_oom"].dist.value)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (r - e_now) / np.where(s > 0, s, 1.0),
                     np.where(r > e_now, np.inf, -np.inf))
    out = np.where(np.isfinite(r), special.log_ndtr(z), 0.0)
    return out


#: The requirement's power-scalable components (module docstring) and their notes.
REQUIREMENT_NOTES = {
    "requirement_density": "the anchor mixture's density p(R | theta) at each draw's exact R, "
                           "the capability anchor's per-draw normal included ('no path': log "
                           "of its mass, w_0, plus w_cap where b_h is below the floor)",
    "requirement_weights": "Dirichlet(c w) on the anchor weights, at weights drawn exactly "
                           "from p(w | theta, R)",
}


def requirement_log_densities(post, scenario, seed: int = 0) -> dict[str, np.ndarray]:
    """(chain, draw) log densities of the requirement's prior components at the run's draws:
    `requirement_density` always, `requirement_weights` when the scenario has a Dirichlet."""
    from model import requirement
    from model.capability import CAPABILITY_ANCHOR_PARAMETERS

    req = scenario.requirement
    r = post["requirement_log10_flop"].transpose("chain", "draw").to_numpy()
    g = post["algorithmic_growth_oom_per_year"]
    if "domain" in g.dims:
        g = g.sel(domain=scenario.forecast_domain)
    g = g.transpose("chain", "draw").to_numpy()
    t_ref = scenario.reference_year
    capability = requirement.capability_draws(
        req, {name: post[name].transpose("chain", "draw").to_numpy().ravel()
              for name in CAPABILITY_ANCHOR_PARAMETERS if name in post}, t_ref)
    out = {"requirement_density": requirement.log_prior_density(
        req, r.ravel(), g.ravel(), t_ref, capability=capability).reshape(r.shape)}
    if req.weights_concentration is not None:
        w = requirement.draw_weights_given_requirement(np.random.default_rng(seed), req,
                                                       r.ravel(), g.ravel(), t_ref,
                                                       capability)
        out["requirement_weights"] = requirement.log_dirichlet_density(
            w, requirement.dirichlet_parameters(req)).reshape(r.shape)
    return out


def run_inputs(run) -> SensitivityInputs:
    """Quantities, log densities and components of a loaded run (model/studies/rundir.py)."""
    post = run.idata.posterior
    scenario = run.scenario
    horizon = scenario.horizon_year
    quantities, meanings = {}, {}
    for name in GROWTH_RATES:
        quantities[name] = _chain_draw(post[name])
        meanings[name] = "OOM/yr"
    for d in DOMAINS:
        name = f"algorithmic_growth_oom_per_year[{d}]"
        quantities[name] = post["algorithmic_growth_oom_per_year"].sel(domain=d).to_numpy()
        meanings[name] = f"OOM/yr, {d}" + (" (forecast domain)"
                                           if d == scenario.forecast_domain else "")
    arrival = censored(post["arrival_year"].to_numpy(), horizon)
    quantities["arrival_year"] = arrival
    meanings["arrival_year"] = f"decimal year, after the horizon counted as {horizon + 1:g}"
    quantities[f"agi_by_{P_BY_YEAR}"] = (arrival <= P_BY_YEAR).astype(float)
    meanings[f"agi_by_{P_BY_YEAR}"] = f"indicator 1[T <= {P_BY_YEAR}]; its mean is P(by 2030)"

    log_prior = {v: _chain_draw(run.idata.log_prior[v]) for v in run.idata.log_prior.data_vars}
    blocks: dict[str, list[str]] = {}
    for v in log_prior:
        blocks.setdefault(block_of(v), []).append(v)
    fitted = tuple(log_prior)
    for name, prior in scenario.projection_only().items():
        frozen = prior.dist.scipy() if hasattr(prior.dist, "scipy") else None
        if frozen is None or name not in post:
            continue  # Fixed: no density
        log_prior[name] = frozen.logpdf(post[name].to_numpy())
        blocks.setdefault(PARAMETERS[name].block, []).append(name)

    requirement_terms = requirement_log_densities(post, scenario)
    log_prior.update(requirement_terms)

    log_lik = {v: _chain_draw(run.idata.log_likelihood[v])
               for v in run.idata.log_likelihood.data_vars}
    if "no_agi_by_cutoff" in log_lik:
        log_lik["no_agi_by_cutoff"] = joint_no_agi_log_likelihood(post, scenario)

    components = [Component("prior", "prior", "all", fitted,
                            "every fitted parameter's prior (the log_prior group)")]
    for block in sorted(blocks):
        note = ("projection-only: no datum; posterior draws are prior draws"
                if block in PROJECTION_BLOCKS else "")
        components.append(Component(f"prior:{block}", "prior", "block", tuple(blocks[block]),
                                    note))
    for v in requirement_terms:
        components.append(Component(f"prior:{v}", "prior", "block", (v,),
                                    REQUIREMENT_NOTES[v]))
    components.append(Component("likelihood", "likelihood", "all", tuple(log_lik),
                                "every observed stream"))
    for v in log_lik:
        note = ("joint term log Phi((R - E_now)/softness) of the drawn requirement"
                if v == "no_agi_by_cutoff" else "")
        components.append(Component(f"likelihood:{v}", "likelihood", "stream", (v,), note))
    return SensitivityInputs(quantities, log_prior, log_lik, components, meanings)


def _r(x: float) -> float:
    return round(float(x), 4)


def power_scaled_arrival(run, inputs: SensitivityInputs, alphas=FIGURE_ALPHAS,
                         summarize=None) -> dict:
    """Weights, k-hats and arrival summaries of the prior (as a whole) scaled by each alpha.

    `summarize(weights or None) -> summary dict` (default: model/summary.py on the arrival
    draws); alpha = 1 passes None, so that its summary is the run's own."""
    from model.summary import summarize_arrival

    prior = next(c for c in inputs.components if c.id == "prior")
    draws = component_draws(inputs, prior)
    arrival = run.idata.posterior["arrival_year"].to_numpy()
    out = {"component": "prior", "alphas": list(alphas), "pareto_k": [], "pareto_k_flag": [],
           "summaries": [], "weights": []}
    for alpha in alphas:
        if alpha == 1.0:
            w, k = np.full(draws.size, 1.0 / draws.size), 0.0
        else:
            lw, k = power_scaled_log_weights(draws, alpha)
            w = np.exp(lw - special.logsumexp(lw))
        out["pareto_k"].append(_r(k))
        out["pareto_k_flag"].append(bool(k > PARETO_K_MAX))
        out["weights"].append(w)
        w_or_none = None if alpha == 1.0 else w  # alpha = 1: the run's own numbers, exactly
        out["summaries"].append(summarize(w_or_none) if summarize else summarize_arrival(
            arrival, run.scenario.horizon_year, weights=w_or_none))
    return out


def power_scaled_requirement(run, inputs: SensitivityInputs, alphas=FIGURE_ALPHAS) -> dict:
    """Per requirement component: alphas, k-hats, weights and arrival summaries (counted
    arrival draws, importance-weighted: the weights depend on R; module docstring)."""
    from model.summary import summarize_arrival

    arrival = run.idata.posterior["arrival_year"].to_numpy()
    out = {}
    for comp in inputs.components:
        if not comp.id.startswith("prior:requirement_"):
            continue
        draws = component_draws(inputs, comp)
        entry = {"alphas": list(alphas), "pareto_k": [], "pareto_k_flag": [], "summaries": [],
                 "weights": []}
        for alpha in alphas:
            if alpha == 1.0:
                w, k = None, 0.0
            else:
                lw, k = power_scaled_log_weights(draws, alpha)
                w = np.exp(lw - special.logsumexp(lw))
            entry["pareto_k"].append(_r(k))
            entry["pareto_k_flag"].append(bool(k > PARETO_K_MAX))
            entry["weights"].append(np.full(draws.size, 1.0 / draws.size) if w is None else w)
            entry["summaries"].append(summarize_arrival(arrival, run.scenario.horizon_year,
                                                        weights=w))
        out[comp.id] = entry
    return out


def sensitivity_document(run, results: dict, inputs: SensitivityInputs, scaled: dict,
                         scaled_requirement: dict | None = None) -> dict:
    """The sensitivity.json document (schema in the module docstring)."""
    quantities = list(inputs.quantities)
    sens = {cid: {q: _r(v) for q, v in r["sensitivity"].items()} for cid, r in results.items()}
    diag = {}
    for q in quantities:
        p, li = results["prior"]["sensitivity"][q], results["likelihood"]["sensitivity"][q]
        diag[q] = {"prior": _r(p), "likelihood": _r(li), "label": diagnosis(p, li)}
    block_diag: dict[str, dict] = {}
    for comp in inputs.components:
        if comp.scope != "block":
            continue
        block = comp.id.split(":", 1)[1]
        labels = {}
        for q in quantities:
            p = results[comp.id]["sensitivity"][q]
            if block in PROJECTION_BLOCKS:
                labels[q] = "no data (projection-only)" if p >= THRESHOLD else "-"
            else:
                labels[q] = diagnosis(p, results["likelihood"]["sensitivity"][q])
        block_diag[block] = labels
    ranking = {}
    for q in ("arrival_year", f"agi_by_{P_BY_YEAR}"):
        rows = [{"component": c.id, "sensitivity": _r(results[c.id]["sensitivity"][q])}
                for c in inputs.components if c.scope == "block"]
        ranking[q] = sorted(rows, key=lambda r: -r["sensitivity"])
    components = [{"id": c.id, "kind": c.kind, "scope": c.scope, "variables": list(c.variables),
                   "pareto_k": _r(results[c.id]["pareto_k"]),
                   "pareto_k_flag": bool(results[c.id]["pareto_k"] > PARETO_K_MAX),
                   "max_weight_ratio": _r(results[c.id]["max_weight_ratio"]),
                   "note": c.note} for c in inputs.components]
    flagged = [c["id"] for c in components if c["pareto_k_flag"]]
    notes = [
        "The requirement is power-scaled through its exact per-draw R (prior:requirement_density)"
        " and, with a Dirichlet, its weights (prior:requirement_weights); uniform priors and "
        "bounds are invisible to power-scaling, and the anchors' medians are a discrete choice: "
        "see scenario sweeps (oomcast sweep).",
        "prior:requirement holds only the 'no AGI yet' softness prior.",
    ]
    if flagged:
        notes.append("Pareto k-hat > 0.7 (unreliable weights) for: " + ", ".join(
            f"{c['id']} (max weight ratio {c['max_weight_ratio']:.3g})" for c in components
            if c["pareto_k_flag"]) + "; a ratio near 1 means nearly uniform weights, where the "
            "tail fit is uninformative")
    post = run.idata.posterior
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "oomcast.sensitivity",
        "run": {"dir": str(run.path), "scenario": run.scenario.name,
                "scenario_sha256": run.scenario.sha256,
                "git_commit": str(run.attrs.get("oomcast_git_commit", "unknown")),
                "cutoff_year": _r(run.cutoff_year), "n_chains": int(post.sizes["chain"]),
                "n_draws": int(post.sizes["chain"] * post.sizes["draw"])},
        "method": {"reference": REFERENCE, "delta": DELTA, "threshold": THRESHOLD,
                   "pareto_k_max": PARETO_K_MAX, "figure_alphas": list(scaled["alphas"])},
        "quantities": [{"name": q, "meaning": inputs.meanings.get(q, "")} for q in quantities],
        "components": components,
        "sensitivity": sens,
        "diagnosis": diag,
        "block_diagnosis": block_diag,
        "ranking": ranking,
        "power_scaled_arrival": {k: v for k, v in scaled.items() if k != "weights"},
        "power_scaled_requirement": {
            cid: {k: v for k, v in entry.items() if k != "weights"}
            for cid, entry in (scaled_requirement or {}).items()},
        "notes": notes,
    }
