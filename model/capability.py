"""Capability evidence (DESIGN.md block 5): what frontier models can do, tied to their OOMs.

Two curated streams (model/data.py), both Student-t with the model's shared `student_t_nu`:

1. METR 50% time horizons (suite v1.1), METR's `is_sota` rows only (a frontier model, so the
   largest run is the right compute to tie it to; training compute is unknown for most of them):
       log10 H_i = a_h + b_h (E(t_i) - E_c) + e_i,
       E(t)      = c_ref + (g_phys + g_alg) (t - t_ref)     (projection.effective_compute_at_cutoff)
       e_i / s_i ~ t_nu,   s_i = sqrt(scatter_h^2 + meas_sd_i^2)
   E(t) is the largest run's effective compute (log10 FLOP at reference-year algorithms) along
   the fitted trajectory at the release date: the physical compute trend of the year's largest
   run (c_ref is that envelope: block 1 of build.py) plus algorithmic progress of the forecast
   domain (language models by default) since t_ref. meas_sd_i is METR's 95% interval width on
   the log10 scale / 3.92 (data.py). E_c = HORIZON_CENTRE_LOG10_FLOP (a constant near the data's
   centre, so a_h and b_h are nearly uncorrelated): a_h is log10 minutes at E = 10^25 effective
   FLOP. b_h (log10 minutes per OOM) is what turns a capability threshold into OOMs; b_h near 0
   means capability does not grow with compute, i.e. "never" for the capability anchor
   (requirement.py), and is never divided by there.

2. Epoch Capabilities Index, models with known training compute (mostly open-weight models,
   below the frontier: this stream informs the score-compute slope, not the frontier's level):
       score_j = a_e + b_e [(log10 C_j - F_c) + g_llm (t_j - T_c)] + e_j,   e_j / s_e ~ t_nu
   with its own LLM algorithmic rate g_llm (OOM/yr: effective compute = FLOP x algorithms of the
   release date), estimated from the data alone and kept apart from the model's g_alg, as a check
   against Ho et al. 2024 (8-month halving, 95% CI 5-14: 0.26-0.72 OOM/yr). F_c and T_c are the
   stream's mean log10 FLOP and mean year (centring, as the ImageNet block does).

Observations are dated by release date; a fit with `--as-of c` keeps only rows with t <= c.
"""

from __future__ import annotations

import numpy as np

from model.projection import effective_compute_at_cutoff

#: E_c: effective compute (log10 FLOP at reference-year algorithms) at which a_h is stated.
HORIZON_CENTRE_LOG10_FLOP = 25.0

#: Fitted parameters of the block (scenario.PARAMETERS; posterior names).
CAPABILITY_PARAMETERS = (
    "capability_horizon_log10_minutes_at_centre", "capability_horizon_per_oom",
    "capability_horizon_scatter_oom", "capability_eci_points_at_centre",
    "capability_eci_points_per_oom", "capability_eci_algorithmic_growth_oom_per_year",
    "capability_eci_scatter_points",
)
#: Observed variable -> (Observations field, dim): build.OBSERVED_DATA's entries for this block.
CAPABILITY_OBSERVED = {
    "horizon_log10_p50_minutes": ("horizon_log10_minutes", "horizon_model"),
    "eci_points": ("eci_points", "eci_model"),
}


def capability_observations(tables: dict, cutoff_year: float) -> dict[str, np.ndarray]:
    """The block's Observations fields: is_sota horizon rows and ECI rows dated <= cutoff.

    Tables without the capability streams give empty arrays (the block then touches no datum)."""
    out = {k: np.zeros(0) for k in ("horizon_year", "horizon_log10_minutes", "horizon_log10_sd",
                                     "eci_year", "eci_points", "eci_log10_flop")}
    out["horizon_model"] = out["eci_model"] = np.array([], dtype=str)
    th = tables.get("capability_time_horizon")
    if th is not None:
        th = th[th["is_sota"].astype(bool) & (th["year_decimal"] <= cutoff_year)]
        out.update(horizon_year=th["year_decimal"].to_numpy(float),
                   horizon_log10_minutes=th["log10_p50_horizon_minutes"].to_numpy(float),
                   horizon_log10_sd=th["log10_p50_horizon_sd"].to_numpy(float),
                   horizon_model=th["model"].to_numpy(str))
    eci = tables.get("capability_eci")
    if eci is not None:
        eci = eci[eci["year_decimal"] <= cutoff_year]
        out.update(eci_year=eci["year_decimal"].to_numpy(float),
                   eci_points=eci["eci_points"].to_numpy(float),
                   eci_log10_flop=eci["log10_flop"].to_numpy(float),
                   eci_model=eci["model"].to_numpy(str))
    return out


def capability_coords(obs) -> dict[str, list]:
    return {"horizon_model": list(obs.horizon_model), "eci_model": list(obs.eci_model)}


def eci_centres(eci_log10_flop: np.ndarray, eci_year: np.ndarray,
                reference_year: float) -> tuple[float, float]:
    """(F_c, T_c): the ECI stream's mean log10 FLOP and mean year (fallbacks when empty)."""
    if eci_year.size == 0:
        return HORIZON_CENTRE_LOG10_FLOP, float(reference_year)
    return float(np.mean(eci_log10_flop)), float(np.mean(eci_year))


def horizon_mean(a_h, b_h, c_ref, g_phys, g_forecast, years, reference_year):
    """a_h + b_h (E(t) - E_c): the expected log10 50% horizon (NumPy or PyTensor)."""
    e = effective_compute_at_cutoff(c_ref, g_phys, g_forecast, years, reference_year)
    return a_h + b_h * (e - HORIZON_CENTRE_LOG10_FLOP)


def eci_mean(a_e, b_e, g_llm, log10_flop, years, centres):
    """a_e + b_e [(log10 C - F_c) + g_llm (t - T_c)] (NumPy or PyTensor)."""
    flop_c, year_c = centres
    return a_e + b_e * ((log10_flop - flop_c) + g_llm * (years - year_c))


def add_capability_block(obs, scenario, prior, y: dict, nu, c_ref, g_phys, g_forecast):
    """The block's priors and likelihoods, inside the caller's `pm.Model` context; returns
    (a_h, b_h), which the capability anchor of the requirement reads.

    prior(scenario, name) -> the PyMC variable of a scenario prior (build.py: in its sampled
    coordinates, build.SAMPLED_AS, e.g. the horizon scatter as |Normal|); y: the
    observed-value containers (build.OBSERVED_DATA, keyed by observed variable)."""
    import pymc as pm
    import pytensor.tensor as pt

    t_ref = scenario.reference_year
    a_h = prior(scenario, "capability_horizon_log10_minutes_at_centre")
    b_h = prior(scenario, "capability_horizon_per_oom")
    scatter_h = prior(scenario, "capability_horizon_scatter_oom")
    years = pm.Data("horizon_year", obs.horizon_year, dims="horizon_model")
    meas_sd = pm.Data("horizon_log10_sd", obs.horizon_log10_sd, dims="horizon_model")
    pm.StudentT("horizon_log10_p50_minutes", nu=nu,
                mu=horizon_mean(a_h, b_h, c_ref, g_phys, g_forecast, years, t_ref),
                sigma=pt.sqrt(scatter_h**2 + meas_sd**2),
                observed=y["horizon_log10_p50_minutes"], dims="horizon_model")

    a_e = prior(scenario, "capability_eci_points_at_centre")
    b_e = prior(scenario, "capability_eci_points_per_oom")
    g_llm = prior(scenario, "capability_eci_algorithmic_growth_oom_per_year")
    eci_year = pm.Data("eci_year", obs.eci_year, dims="eci_model")
    eci_flop = pm.Data("eci_log10_flop", obs.eci_log10_flop, dims="eci_model")
    centres = eci_centres(obs.eci_log10_flop, obs.eci_year, t_ref)
    pm.StudentT("eci_points", nu=nu, mu=eci_mean(a_e, b_e, g_llm, eci_flop, eci_year, centres),
                sigma=prior(scenario, "capability_eci_scatter_points"),
                observed=y["eci_points"], dims="eci_model")
    return a_h, b_h


#: Ho et al. 2024's language-model halving time, months (central, 95% interval): the published
#: value the ECI rate is compared with (data/published_estimates.csv, ho2024_lm_halving).
HO2024_HALVING_MONTHS = (8.0, 5.0, 14.0)


def _interval_with_mcse(x) -> dict:
    """Median with its MCSE and the 90% interval of (chain, draw) values."""
    import arviz as az

    x = np.asarray(x, dtype=float)
    lo, med, hi = np.quantile(x, [0.05, 0.5, 0.95])
    mcse = float(az.mcse(x, method="quantile", prob=0.5)) if x.ndim == 2 else float("nan")
    return {"median": round(float(med), 4), "median_mcse": round(mcse, 4),
            "q05": round(float(lo), 4), "q95": round(float(hi), 4)}


def capability_summary(posterior) -> dict:
    """summary.json `capability`: the fitted relations, and the ECI rate against Ho et al."""
    b_h = posterior["capability_horizon_per_oom"].values
    g_llm = posterior["capability_eci_algorithmic_growth_oom_per_year"].values
    halving = 12.0 * np.log10(2.0) / g_llm
    lo, hi = HO2024_HALVING_MONTHS[1:]
    h_lo, h_hi = np.quantile(halving, [0.05, 0.95])
    return {
        "horizon_per_oom_log10_minutes": _interval_with_mcse(b_h),
        "horizon_log10_minutes_at_1e25_effective_flop": _interval_with_mcse(
            posterior["capability_horizon_log10_minutes_at_centre"].values),
        "eci_points_per_oom": _interval_with_mcse(
            posterior["capability_eci_points_per_oom"].values),
        "eci_algorithmic_growth_oom_per_year": _interval_with_mcse(g_llm),
        "eci_algorithmic_halving_months": _interval_with_mcse(halving),
        "ho2024_halving_months": {"central": HO2024_HALVING_MONTHS[0], "lower_95": lo,
                                  "upper_95": hi},
        "eci_90pct_overlaps_ho2024_95pct": bool(h_lo <= hi and lo <= h_hi),
    }


# ---------------------------------------------------------------- the capability anchor

def capability_requirement(anchor, a_h, b_h, maximum=np.maximum):
    """(mean, sd) of R_cap given theta, log10 effective FLOP at reference-year algorithms.

    AGI = a 50% horizon of H* minutes, log10 H* ~ N(mu_H, sigma_H) (scenario.CapabilityAnchor).
    Inverting log10 H = a_h + b_h (E - E_c) at H = H*:
        R_cap = E_c + (log10 H* - a_h) / b_h  ~  N(E_c + (mu_H - a_h) / b,  sigma_H / b),
    with b = max(b_h, floor): a slope below the floor means "never" (the caller sends the
    anchor's mass to "no path"), and the clip keeps the division finite there. `maximum` is
    np.maximum or pytensor's pt.maximum, so NumPy and the PyMC graph share the formula."""
    b = maximum(b_h, anchor.horizon_per_oom_floor)
    return (HORIZON_CENTRE_LOG10_FLOP + (anchor.log10_horizon_minutes_mu - a_h) / b,
            anchor.log10_horizon_minutes_sigma / b)


#: Posterior variables the capability anchor reads, per draw.
CAPABILITY_ANCHOR_PARAMETERS = ("capability_horizon_log10_minutes_at_centre",
                                "capability_horizon_per_oom")


def capability_terms_graph(req, e_now, softness, a_h, b_h):
    """PyTensor: the capability anchor's and "no path"'s log terms of log P(not yet | E_now)
    (requirement.py, exact): [log w_c + log Phi((m_c - E_now) / tau_c), log(w_0 + w_c [b_h <
    floor])] with tau_c = sqrt(s_c^2 + softness^2); below the floor the anchor's term is -inf
    and its weight joins "no path" (never reached, survival 1)."""
    import pytensor.tensor as pt
    from pymc.distributions.dist_math import normal_lcdf

    cap = req.capability
    mean, sd = capability_requirement(cap, a_h, b_h, maximum=pt.maximum)
    ok = pt.ge(b_h, cap.horizon_per_oom_floor)
    tau = pt.sqrt(sd**2 + softness**2)
    term = pt.switch(ok, np.log(cap.weight) + normal_lcdf(e_now, tau, mean), -np.inf)
    w0 = req.no_path_weight
    no_path = pt.switch(ok, np.log(w0) if w0 > 0 else -np.inf, np.log(w0 + cap.weight))
    return pt.stack([term, no_path])


def capability_line(summary: dict) -> str:
    """One line for the CLI from capability_summary's dict."""
    b = summary["horizon_per_oom_log10_minutes"]
    h = summary["eci_algorithmic_halving_months"]
    ho = summary["ho2024_halving_months"]
    overlap = "overlaps" if summary["eci_90pct_overlaps_ho2024_95pct"] else "does not overlap"
    return (f"capability: METR 50% horizon {b['median']:.2f} log10 min per OOM of effective "
            f"compute (90% {b['q05']:.2f}-{b['q95']:.2f}); ECI-implied LLM algorithmic halving "
            f"{h['median']:.1f} months (90% {h['q05']:.1f}-{h['q95']:.1f}), which {overlap} Ho et "
            f"al. 2024's {ho['central']:g} months (95% {ho['lower_95']:g}-{ho['upper_95']:g})")


def capability_requirement_draws(anchor, a_h, b_h, rng) -> tuple[np.ndarray, float]:
    """Draws of R_cap (one per (a_h, b_h) pair; log10 H* drawn from its prior) where b_h is at
    or above the floor, and the share below it ("no path"), for prior tables and figures."""
    a_h, b_h = np.asarray(a_h, float), np.asarray(b_h, float)
    ok = b_h >= anchor.horizon_per_oom_floor
    mean, sd = capability_requirement(anchor, a_h[ok], b_h[ok])
    return mean + sd * rng.standard_normal(mean.size), float(1.0 - ok.mean())
