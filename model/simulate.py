"""A NumPy simulator of every data stream the model conditions on.

Written independently of the PyMC graph in `model/build.py` (no PyMC or PyTensor here; only the
`Observations` container and the naming constants are shared), so that fitting the model to data
simulated here is a check of the graph, not of the graph against itself (parameter recovery, SBC).

Notation: t in decimal years, t_ref = scenario.reference_year, nu = student_t_nu, every quantity
in log10 units (OOMs) unless stated; t_nu is a standard Student-t draw with nu degrees of freedom
(`rng.standard_t(nu)`), z a standard normal draw, one fresh draw per datum.

1. Physical compute of the largest run, one set of growth rates for four streams:
       GPU FP32 price-perf.   y_j = h_ref + g_hw (t_j - t_ref)                        + sd_hw t_nu
       accelerators (FP16)    y_k = a_ref + g_hw (t_k - t_ref)                        + sd_acc t_nu
       frontier training cost y_j = s_ref - dS(t_j) (1 - L_j) + g_spend (t_j - t_ref) + D(t_j)
                                    + sd_cost t_nu
       frontier compute       y_i = c_ref - dC (1 - L_i) + (g_hw + g_spend + g_other) (t_i - t_ref)
                                    + sd_i t_nu
   with sd_i = sqrt(scatter^2 + err(label_i)^2), err(label) = compute_error_<label>_oom for the
   template's Epoch `Confidence` label of row i; L = the template's largest-of-year flags
   (frontier_is_largest_of_year, cost_is_largest_of_year), dC = largest_run_premium_oom,
   dS(t) = largest_run_cost_premium_oom + largest_run_cost_premium_trend_oom_per_year (t - t_ref):
   c_ref and s_ref are the largest run's levels. D(t) is the spending rate's drift (a local
   linear trend), pinned at the template's cutoff t_a: the rate deviation delta(t) is 0 in the
   calendar year of t_a and steps by eta_b = sigma_g z_b (sigma_g =
   spending_rate_drift_sd_oom_per_year) at each integer year b crossed walking from t_a to t, and
   D(t) is its integral from t_a (so D(t_a) = 0 and g_spend is the rate at the cutoff). Walked
   here year by year (`spending_drift_oom`), independently of build.py's closed form
   D(t) = sum_b eta_b |t - b|. z_b: params["spending_rate_drift_z"] (one per boundary year of
   build.spending_drift_design, ascending) where given (SBC's truth), else fresh draws, made
   after every other stream's noise: the backtest's predictive (model/studies/backtest.py), whose
   later rows lie after t_a, so their D is a new random walk and a row h years ahead has
   Var D ~ sigma_g^2 h^3 / 3. Params without sigma_g (a run from before this parameter) have no
   drift and draw nothing.
2. Algorithmic efficiency. Domain rates g_d = exp(mu + tau z_d), z_d ~ N(0, 1), d in DOMAINS.
   - Hernandez & Brown series s (domain d(s): alexnet/resnet50 -> vision, seq2seq/gnmt ->
     translation), at the template's per-series mid-year tbar_s:
       log10 C_j = b_s - g_{d(s)} (t_j - tbar_s) + sd_eff t_nu
   - ImageNet: the template's log10 compute, dates and extra-data flags are covariates (kept); the
     logit top-1 error is simulated, centred on the template's means as build.py does:
       logit e_j = a + delta extra_j
                   - beta [(log10 C_j - mean_j' log10 C_j') + g_vision (t_j - mean_j' t_j')]
                   + sd_img t_nu
   - Ho et al. 2024, a published summary estimate of the language-model rate:
       ln(rate_published) = ln g_language + se z,   se = template.ho2024_log_rate_se
3. Capability (model/capability.py), drawn after every other stream so that their draws do not
   change with it; E(t) = c_ref + (g_phys + g_forecast) (t - t_ref), the largest run's effective
   compute, E_c = 25 (capability.HORIZON_CENTRE_LOG10_FLOP):
       METR horizons   log10 H_i = a_h + b_h (E(t_i) - E_c) + sqrt(scatter_h^2 + meas_sd_i^2) t_nu
       ECI             score_j = a_e + b_e [(log10 C_j - F_c) + g_llm (t_j - T_c)] + s_e t_nu
   with meas_sd_i, the ECI rows' log10 compute and dates taken from the template, and F_c, T_c
   the template's mean ECI log10 compute and year.
4. "No AGI yet at the cutoff" is not part of `Observations`: the model always observes it as 1.
   `simulate_no_agi_by_cutoff` draws it from the generative story (R from the anchor mixture,
   with a capability anchor: log10 H* ~ N(mu, sigma), R = 25 + (log10 H* - a_h) / b_h, or never
   when b_h is below the floor;
   eps ~ N(0, softness^2), "not yet" iff R + eps > E_now, E_now = c_ref + (g_phys + g_forecast)
   (t_cutoff - t_ref)), so that a recovery study can keep only parameter draws under which the
   observed value 1 was generated (rejection: those draws come from the prior conditioned on it).

Every array of the template other than the simulated outcomes (dates, sizes, labels, series
indices, flags, model names, series mid-years, cutoff, Ho et al.'s se) is carried over unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from model.build import EFFICIENCY_SERIES, Observations
from model.capability import HORIZON_CENTRE_LOG10_FLOP
from model.distributions import Fixed
from model.scenario import CONFIDENCE_LABELS, DOMAINS, Scenario

#: Domain of each Hernandez & Brown series (by name, independent of build.py's index array).
SERIES_DOMAIN = {"alexnet_level": "vision", "resnet50_level": "vision",
                 "seq2seq_level": "translation", "gnmt_level": "translation"}

#: Parameters drawn per element of a dim rather than as scalars.
_VECTOR_SIZES = {"log10_efficiency_series_flop": len(EFFICIENCY_SERIES)}


def derived_parameters(params: dict) -> dict[str, np.ndarray | float]:
    """Deterministic functions of the fitted parameters that the model also reports."""
    z = np.asarray(params["algorithmic_log_rate_z"], dtype=float)
    mean = np.asarray(params["algorithmic_log_rate_mean"], dtype=float)
    sd = np.asarray(params["algorithmic_log_rate_domain_sd"], dtype=float)
    log_rate = mean[..., None] + sd[..., None] * z  # (domain,) or (draw, domain)
    physical = np.asarray(params["hardware_growth_oom_per_year"]
                          + params["spending_growth_oom_per_year"]
                          + params["other_growth_oom_per_year"], dtype=float)
    return {
        "algorithmic_growth_oom_per_year": np.exp(log_rate),
        "physical_compute_growth_oom_per_year": float(physical) if physical.ndim == 0
        else physical,
    }


def with_derived(params: dict) -> dict:
    """A copy of `params` with the derived quantities recomputed (use after editing params)."""
    out = dict(params)
    out.update(derived_parameters(out))
    return out


def draw_parameters(scenario: Scenario, rng: np.random.Generator,
                    size: int | None = None) -> dict:
    """One draw of every fitted parameter from the scenario's priors, plus derived quantities.

    Scalars are floats; `log10_efficiency_series_flop` has one value per EFFICIENCY_SERIES entry
    and `algorithmic_log_rate_z` one standard normal per DOMAINS entry. Adds
    `algorithmic_growth_oom_per_year` = exp(mean + sd z) (per domain) and
    `physical_compute_growth_oom_per_year` = g_hw + g_spend + g_other.

    With `size`, `size` independent draws at once (vectorised, for the prior-only Monte Carlo):
    every scalar becomes a (size,) array and every per-dim one a (size, dim) array.
    """
    if size is not None:
        params = {}
        for name, prior in scenario.fitted().items():
            dim = _VECTOR_SIZES.get(name)
            x = np.asarray(prior.dist.sample(rng, size * (dim or 1)), dtype=float)
            params[name] = x.reshape(size, dim) if dim else x
        params["algorithmic_log_rate_z"] = rng.standard_normal((size, len(DOMAINS)))
        return with_derived(params)
    params: dict = {}
    for name, prior in scenario.fitted().items():
        size = _VECTOR_SIZES.get(name)
        x = np.asarray(prior.dist.sample(rng, size or 1), dtype=float)
        params[name] = x if size else float(x[0])
    params["algorithmic_log_rate_z"] = rng.standard_normal(len(DOMAINS))
    return with_derived(params)


def cost_premium_oom(params: dict, year, reference_year: float):
    """dS(t) = dS + dS' (t - t_ref): the costliest run's premium over a typical costed model
    at year t (module docstring, 1.); broadcasts over draws and years."""
    return (np.asarray(params["largest_run_cost_premium_oom"], dtype=float)
            + np.asarray(params["largest_run_cost_premium_trend_oom_per_year"], dtype=float)
            * (np.asarray(year, dtype=float) - reference_year))


def spending_drift_oom(params: dict, cost_year, anchor_year: float,
                       rng: np.random.Generator) -> np.ndarray:
    """D(t_j) per cost row: the rate's random walk integrated from the anchor t_a (module
    docstring, 1.), one calendar-year segment at a time, in both directions from t_a."""
    t = np.asarray(cost_year, dtype=float)
    sigma = params.get("spending_rate_drift_sd_oom_per_year")
    if sigma is None or t.size == 0:
        return np.zeros(t.size)
    bounds = np.arange(np.floor(min(t.min(), anchor_year)) + 1,
                       np.floor(max(t.max(), anchor_year)) + 1)
    z = params.get("spending_rate_drift_z")
    z = rng.standard_normal(bounds.size) if z is None else np.asarray(z, dtype=float)
    if z.shape != bounds.shape:
        raise ValueError(f"spending_rate_drift_z has shape {z.shape}; the template has "
                         f"{bounds.size} year boundaries")
    eta = float(sigma) * z
    drift = np.zeros(t.size)
    for side, order in ((t > anchor_year, range(bounds.size)),
                        (t < anchor_year, range(bounds.size - 1, -1, -1))):
        rate, pos = np.zeros(t.size), np.full(t.size, float(anchor_year))
        for k in order:  # walk away from t_a, crossing the boundaries in order
            b = bounds[k]
            crossed = side & ((anchor_year < b) & (b <= t) | (t < b) & (b <= anchor_year))
            drift[crossed] += rate[crossed] * (b - pos[crossed])
            pos[crossed] = b
            # forward: the rate after b is the rate before it + eta_b; backward: minus
            rate[crossed] += eta[k] if b > anchor_year else -eta[k]
        drift[side] += rate[side] * (t[side] - pos[side])
    return drift


def _t_noise(rng: np.random.Generator, nu: float, sd, size: int) -> np.ndarray:
    return np.asarray(sd, dtype=float) * rng.standard_t(nu, size)


def simulate_observations(params: dict, template: Observations, scenario: Scenario,
                          rng: np.random.Generator) -> Observations:
    """New data for every stream at the template's design (see the module docstring)."""
    t_ref = scenario.reference_year
    nu = float(params["student_t_nu"])
    g_hw = params["hardware_growth_oom_per_year"]
    g_spend = params["spending_growth_oom_per_year"]
    g_other = params["other_growth_oom_per_year"]
    z = np.asarray(params["algorithmic_log_rate_z"], dtype=float)
    g_alg = np.exp(params["algorithmic_log_rate_mean"]
                   + params["algorithmic_log_rate_domain_sd"] * z)  # recomputed, not trusted

    # 1. physical compute
    t = template.frontier_year
    label_err = np.array([params[f"compute_error_{label.lower()}_oom"]
                          for label in CONFIDENCE_LABELS], dtype=float)
    sd_c = np.sqrt(params["frontier_compute_scatter_oom"] ** 2
                   + label_err[template.frontier_confidence_idx] ** 2)
    typical = 1.0 - np.asarray(template.frontier_is_largest_of_year, dtype=float)
    frontier = (params["log10_frontier_compute_at_ref_flop"]
                - params["largest_run_premium_oom"] * typical
                + (g_hw + g_spend + g_other) * (t - t_ref) + _t_noise(rng, nu, sd_c, t.size))
    t = template.gpu_year
    gpu = (params["log10_flop_per_s_per_usd_at_ref"] + g_hw * (t - t_ref)
           + _t_noise(rng, nu, params["hardware_scatter_oom"], t.size))
    t = template.accelerator_year
    accelerator = (params["log10_accelerator_flop_per_s_per_usd_at_ref"] + g_hw * (t - t_ref)
                   + _t_noise(rng, nu, params["accelerator_scatter_oom"], t.size))
    t = template.cost_year
    typical = 1.0 - np.asarray(template.cost_is_largest_of_year, dtype=float)
    cost = (params["log10_training_cost_at_ref_usd"]
            - cost_premium_oom(params, t, t_ref) * typical + g_spend * (t - t_ref)
            + _t_noise(rng, nu, params["training_cost_scatter_oom"], t.size))

    # 2. algorithmic efficiency
    series = template.efficiency_series_idx
    series_rate = np.array([g_alg[DOMAINS.index(SERIES_DOMAIN[s])] for s in EFFICIENCY_SERIES])
    b = np.asarray(params["log10_efficiency_series_flop"], dtype=float) * np.ones(
        len(EFFICIENCY_SERIES))
    t = template.efficiency_year
    eff = (b[series] - series_rate[series] * (t - template.efficiency_series_mid_year[series])
           + _t_noise(rng, nu, params["efficiency_series_scatter_oom"], t.size))

    t, flop = template.imagenet_year, template.imagenet_log10_flop
    if t.size:
        effective = (flop - flop.mean()) + g_alg[DOMAINS.index("vision")] * (t - t.mean())
    else:
        effective = np.zeros(0)
    logit_err = (params["imagenet_logit_error_at_center"]
                 + params["imagenet_extra_data_shift"] * template.imagenet_extra_data
                 - params["imagenet_scaling_per_oom"] * effective
                 + _t_noise(rng, nu, params["imagenet_scatter_logit"], t.size))

    ho = float(np.log(g_alg[DOMAINS.index("language_models")])
               + template.ho2024_log_rate_se * rng.standard_normal())

    # the spending rate's drift, after the others' noise
    cost = cost + spending_drift_oom(params, template.cost_year, template.cutoff_year, rng)

    extra = {}
    if scenario.settings.get("use_inference_price_stream"):  # optional stream, drawn last
        extra["inference_price_log10_decline"] = float(
            g_alg[DOMAINS.index("language_models")] + g_hw
            + template.inference_price_log10_decline_se * rng.standard_normal())

    extra.update(_simulate_capability(params, template, scenario, g_alg, rng))
    return replace(template, frontier_log10_flop=frontier, gpu_log10_flop_per_s_per_usd=gpu,
                   accelerator_log10_flop_per_s_per_usd=accelerator,
                   training_log10_cost_usd=cost, efficiency_log10_flop=eff,
                   imagenet_logit_top1_error=logit_err, ho2024_log_rate=ho, **extra)


def _simulate_capability(params: dict, template: Observations, scenario: Scenario,
                         g_alg: np.ndarray, rng: np.random.Generator) -> dict:
    """Capability outcomes (module docstring, 3.) at the template's design."""
    nu = float(params["student_t_nu"])
    t_ref = scenario.reference_year
    g_f = g_alg[DOMAINS.index(scenario.forecast_domain)]
    g_phys = (params["hardware_growth_oom_per_year"] + params["spending_growth_oom_per_year"]
              + params["other_growth_oom_per_year"])
    t = template.horizon_year
    e = params["log10_frontier_compute_at_ref_flop"] + (g_phys + g_f) * (t - t_ref)
    sd = np.sqrt(params["capability_horizon_scatter_oom"] ** 2 + template.horizon_log10_sd ** 2)
    horizon = (params["capability_horizon_log10_minutes_at_centre"]
               + params["capability_horizon_per_oom"] * (e - HORIZON_CENTRE_LOG10_FLOP)
               + _t_noise(rng, nu, sd, t.size))
    t, flop = template.eci_year, template.eci_log10_flop
    centred = ((flop - flop.mean()) + params["capability_eci_algorithmic_growth_oom_per_year"]
               * (t - t.mean())) if t.size else np.zeros(0)
    eci = (params["capability_eci_points_at_centre"]
           + params["capability_eci_points_per_oom"] * centred
           + _t_noise(rng, nu, params["capability_eci_scatter_points"], t.size))
    return {"horizon_log10_minutes": horizon, "eci_points": eci}


def effective_compute_at_cutoff(params: dict, cutoff_year: float, scenario: Scenario) -> float:
    """E_now = c_ref + (g_phys + g_alg[forecast domain]) (t_cutoff - t_ref)."""
    p = with_derived(params)
    g_f = p["algorithmic_growth_oom_per_year"][DOMAINS.index(scenario.forecast_domain)]
    return float(p["log10_frontier_compute_at_ref_flop"]
                 + (p["physical_compute_growth_oom_per_year"] + g_f)
                 * (cutoff_year - scenario.reference_year))


def simulate_no_agi_by_cutoff(params: dict, cutoff_year: float, scenario: Scenario,
                              rng: np.random.Generator) -> int:
    """1 if, in one simulated world, AGI has not arrived by the cutoff (module docstring, 3.).

    R is drawn from the requirement mixture itself (an anchor picked by weight, or "no path",
    R = +inf), each anchor moved to reference-year algorithms with the forecast domain's rate;
    a split-normal anchor is median + sigma_below z for z < 0 and median + sigma_above z else.
    """
    req = scenario.requirement
    p = with_derived(params)
    g_f = p["algorithmic_growth_oom_per_year"][DOMAINS.index(scenario.forecast_domain)]
    weights = np.array([a.weight for a in req.anchors] + [req.no_path_weight])
    cap = req.capability
    if cap is not None:  # the capability anchor, drawn last (its own index)
        weights = np.append(weights, cap.weight)
    k = rng.choice(weights.size, p=weights / weights.sum())
    if k == len(req.anchors):
        return 1
    if k == len(req.anchors) + 1:
        # AGI = a 50% horizon of H*: log10 H* ~ N(mu, sigma); never reached if b_h < floor,
        # else R = E_c + (log10 H* - a_h) / b_h (already at reference-year algorithms)
        b_h = params["capability_horizon_per_oom"]
        if b_h < cap.horizon_per_oom_floor:
            return 1
        z = rng.standard_normal()
        log_h = cap.log10_horizon_minutes_mu + cap.log10_horizon_minutes_sigma * z
        r = (HORIZON_CENTRE_LOG10_FLOP
             + (log_h - params["capability_horizon_log10_minutes_at_centre"]) / b_h)
        eps = params["not_yet_agi_softness_oom"] * rng.standard_normal()
        return int(r + eps > effective_compute_at_cutoff(params, cutoff_year, scenario))
    a = req.anchors[k]
    mean = a.median_log10_flop - g_f * (scenario.reference_year - a.algorithms_year)
    z = rng.standard_normal()
    if a.is_split:  # split normal: the half below or above the median by the sign of z
        r = mean + (a.sigma_below_log10_flop if z < 0 else a.sigma_above_log10_flop) * z
    else:
        r = mean + a.sigma_log10_flop * z
    eps = params["not_yet_agi_softness_oom"] * rng.standard_normal()
    return int(r + eps > effective_compute_at_cutoff(params, cutoff_year, scenario))


#: Per stream, the Observations fields holding one value per row (names from Observations.sizes()).
STREAM_FIELDS = {
    "frontier_compute": ("frontier_year", "frontier_log10_flop", "frontier_confidence_idx",
                         "frontier_model", "frontier_is_largest_of_year"),
    "hardware": ("gpu_year", "gpu_log10_flop_per_s_per_usd"),
    "accelerators": ("accelerator_year", "accelerator_log10_flop_per_s_per_usd",
                     "accelerator_model"),
    "training_cost": ("cost_year", "training_log10_cost_usd", "cost_model",
                      "cost_is_largest_of_year"),
    "efficiency": ("efficiency_year", "efficiency_log10_flop", "efficiency_series_idx"),
    "imagenet": ("imagenet_year", "imagenet_log10_flop", "imagenet_extra_data",
                 "imagenet_logit_top1_error"),
    "time_horizon": ("horizon_year", "horizon_log10_minutes", "horizon_log10_sd",
                     "horizon_model"),
    "eci": ("eci_year", "eci_points", "eci_log10_flop", "eci_model"),
}
_LABEL_FIELDS = ("frontier_model", "cost_model", "accelerator_model", "horizon_model",
                 "eci_model")


def replicate_rows(template: Observations, factor: int,
                   streams: tuple[str, ...] | None = None) -> Observations:
    """A larger design: every row of the named streams (default: all) repeated `factor` times.

    Meant as a template for `simulate_observations` (the outcomes are copies until re-simulated).
    Label fields get a `#k` suffix on copy k >= 1 so that they stay unique coordinate values. Per
    series mid-years and the ImageNet means are unchanged by tiling.
    """
    if factor < 1:
        raise ValueError(f"factor must be >= 1 (got {factor})")
    streams = tuple(STREAM_FIELDS) if streams is None else streams
    changes = {}
    for stream in streams:
        for name in STREAM_FIELDS[stream]:
            x = np.asarray(getattr(template, name))
            if name in _LABEL_FIELDS:
                changes[name] = np.concatenate(
                    [x] + [np.char.add(x.astype(str), f"#{k}") for k in range(1, factor)])
            else:
                changes[name] = np.tile(x, factor)
    return replace(template, **changes)


def is_fixed(scenario: Scenario, name: str) -> bool:
    """Whether a prior is a point mass (such parameters are constants, not posterior variables)."""
    return isinstance(scenario.priors[name].dist, Fixed)
