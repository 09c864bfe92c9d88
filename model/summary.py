"""Headline numbers of an arrival distribution, each with its Monte Carlo standard error.

Arrival draws are (chain, draw) arrays of decimal years with +inf for "after the horizon".
Quantiles and probabilities are computed on the draws; their MCSEs come from ArviZ
(`az.mcse`, which accounts for autocorrelation through the effective sample size):

- quantile q: the draws' empirical q-quantile, MCSE by `method="quantile"`;
- P(T <= y): the mean of the indicator 1[T <= y], MCSE by `method="mean"` on that indicator;
- P(after horizon) = mean of 1[T = +inf].

For these statistics +inf is replaced by horizon + 1 (any value past the horizon keeps the order);
a quantile past the horizon is reported as `null` with `after_horizon: true`.

Weighted draws (importance reweighting in model/studies/: a prior changed without a refit) go
through the same function with `weights` (normalised, one per draw), and the same keys, rounding
and censoring:

- quantile q: the weighted quantile that reduces to np.quantile's default (linear, "type 7") for
  equal weights: sorted draws x_(i) sit at plotting positions (S_i - w_i) / (1 - w_(n)), S_i the
  cumulative weight;
- P(T <= y) = sum_i w_i 1[x_i <= y];
- MCSEs of self-normalised importance sampling from MCMC draws (Vehtari et al. 2024, PSIS):
  var(sum w h) ~ sum_i w_i^2 (h_i - sum w h)^2 / r_eff, r_eff = ESS_bulk / n of the unweighted
  arrival draws (autocorrelation); a quantile's MCSE maps the MCSE of P(T <= q) through the
  weighted quantile function: (Q(p + se) - Q(p - se)) / 2;
- `ess_bulk` is the draws' bulk ESS times the importance efficiency (1 / sum w^2) / n.

Rao-Blackwellised estimates (the posterior path): when the per-draw conditional CDFs
F_theta(y) = P(T <= y | theta) are given on a year grid (model/forecast.py
`arrival_cdf_by_draw`), the requirement is integrated out exactly and

- P(T <= y) = mean_theta F_theta(y) (weighted mean with `weights`), MCSE = `az.mcse(mean)` of
  F_theta(y) (the weighted formula above with `weights`);
- quantile q = the year where the mean CDF reaches q (linear between grid points), MCSE by the
  delta method: MCSE(F(y_q)) / f(y_q), f the mean CDF's slope over +-0.5 yr.

Both estimate the same quantities; the Rao-Blackwellised one has a smaller MCSE because the
requirement's draw-to-draw noise is gone.
"""

from __future__ import annotations

import warnings

import numpy as np

#: The project's one list of credible-interval probabilities (equal-tailed).
INTERVAL_PROBS = (0.5, 0.8, 0.9)
#: The project's one list of years at which P(arrival by year) is reported.
REPORT_YEARS = (2027, 2030, 2035, 2040, 2050, 2075, 2100)


def _az():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


def _as_chain_draw(values) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    return a[None, :] if a.ndim == 1 else a


def censored(values, horizon_year: float) -> np.ndarray:
    """Arrival draws with +inf replaced by horizon + 1 (for ranks, ESS and MCSE)."""
    a = _as_chain_draw(values)
    return np.where(np.isfinite(a), a, horizon_year + 1.0)


def mcse_quantile(values, prob: float) -> float:
    return float(np.ravel(_az().mcse(_as_chain_draw(values), method="quantile", prob=prob))[0])


def mcse_mean(values) -> float:
    a = _as_chain_draw(values)
    if np.all(a == a.flat[0]):
        return 0.0
    return float(np.ravel(_az().mcse(a, method="mean"))[0])


def _quantile_entry(x: np.ndarray, prob: float, horizon_year: float) -> dict:
    value = float(np.quantile(x, prob))
    beyond = value > horizon_year
    return {"value": None if beyond else round(value, 4), "after_horizon": bool(beyond),
            "mcse": None if beyond else round(mcse_quantile(x, prob), 4)}


def probability_by(values, year: float) -> tuple[float, float]:
    """(P(T <= year), its MCSE)."""
    ind = (_as_chain_draw(values) <= year).astype(float)
    return float(ind.mean()), mcse_mean(ind)


def _mean_and_mcse(h: np.ndarray, w, r_eff: float) -> tuple[float, float]:
    """Mean of a (chain, draw) statistic and its MCSE, plain or importance-weighted."""
    if w is None:
        return float(h.mean()), mcse_mean(h)
    flat = h.ravel()
    return float(np.sum(w * flat)), _weighted_mcse_mean(flat, w, r_eff)


def _rb_quantile(grid, mean_cdf, cdf, prob, w, r_eff):
    if mean_cdf[-1] < prob:
        return {"value": None, "after_horizon": True, "mcse": None}
    j = int(np.argmax(mean_cdf >= prob))
    if j == 0:
        value = float(grid[0])
    else:
        lo, hi = mean_cdf[j - 1], mean_cdf[j]
        frac = 0.0 if hi <= lo else (prob - lo) / (hi - lo)
        value = float(grid[j - 1] + frac * (grid[j] - grid[j - 1]))
    idx = np.nonzero((grid >= value - 0.5) & (grid <= value + 0.5))[0]
    density = 0.0
    if idx.size >= 2 and grid[idx[-1]] > grid[idx[0]]:
        density = (mean_cdf[idx[-1]] - mean_cdf[idx[0]]) / (grid[idx[-1]] - grid[idx[0]])
    _, se_f = _mean_and_mcse(cdf[..., j], w, r_eff)
    mcse = se_f / density if density > 0 else float("nan")
    return {"value": round(value, 4), "after_horizon": False, "mcse": round(mcse, 4)}


def _summarize_cdf(x, cdf, grid, horizon_year: float, weights) -> dict:
    """Rao-Blackwellised summary from per-draw CDFs (chain, draw, grid); see module docstring."""
    cdf = np.asarray(cdf, dtype=float)
    grid = np.asarray(grid, dtype=float)
    if cdf.shape[:2] != x.shape or cdf.shape[2] != grid.size:
        raise ValueError(f"CDFs of shape {cdf.shape} do not match draws {x.shape} and grid "
                         f"{grid.size}")
    w = None if weights is None else normalised_weights(weights, x.size)
    r_eff = _relative_efficiency(x) if w is not None else 1.0
    flat = cdf.reshape(-1, grid.size)
    mean_cdf = flat.mean(axis=0) if w is None else w @ flat
    p_by = {}
    for year in REPORT_YEARS:
        j = int(np.searchsorted(grid, year))
        if j >= grid.size or grid[j] != year:
            raise ValueError(f"report year {year} is not on the arrival grid")
        p, se = _mean_and_mcse(cdf[..., j], w, r_eff)
        p_by[str(year)] = {"p": round(p, 5), "mcse": round(se, 5)}
    intervals = []
    for prob in INTERVAL_PROBS:
        lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
        intervals.append({"prob": prob,
                          "lower": _rb_quantile(grid, mean_cdf, cdf, lo, w, r_eff),
                          "upper": _rb_quantile(grid, mean_cdf, cdf, hi, w, r_eff)})
    p_after, se_after = _mean_and_mcse(1.0 - cdf[..., -1], w, r_eff)
    ess = float(_az().ess(x, method="bulk")) if x.size > 4 else float("nan")
    if w is not None:
        ess = ess / (float(np.sum(w**2)) * x.size)
    return {
        "estimator": "rao-blackwellised: requirement integrated out per posterior draw",
        "n_draws": int(x.size),
        "n_chains": int(x.shape[0]),
        "ess_bulk": round(ess, 1),
        "horizon_year": horizon_year,
        "median": _rb_quantile(grid, mean_cdf, cdf, 0.5, w, r_eff),
        "intervals": intervals,
        "p_by_year": p_by,
        "p_after_horizon": {"p": round(p_after, 5), "mcse": round(se_after, 5)},
    }


def summarize_arrival(arrival_years, horizon_year: float, weights=None, cdf_by_draw=None,
                      grid_years=None) -> dict:
    """Median, equal-tailed intervals, P(by each report year), P(after horizon), with MCSEs.

    weights: optional importance weights, one per draw in (chain, draw) order (see docstring).
    cdf_by_draw, grid_years: per-draw conditional CDFs (chain, draw, grid) on a year grid that
    holds the report years: the Rao-Blackwellised estimates (see docstring).
    """
    x = censored(arrival_years, horizon_year)
    if cdf_by_draw is not None:
        return _summarize_cdf(x, cdf_by_draw, grid_years, horizon_year, weights)
    if weights is not None:
        return _summarize_weighted(x, weights, horizon_year)
    az = _az()
    ess = round(float(az.ess(x, method="bulk")), 1) if x.size > 4 else None
    after = (x > horizon_year).astype(float)
    p_by = {}
    for year in REPORT_YEARS:
        p, se = probability_by(x, year)
        p_by[str(year)] = {"p": round(p, 5), "mcse": round(se, 5)}
    intervals = []
    for prob in INTERVAL_PROBS:
        lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
        intervals.append({"prob": prob, "lower": _quantile_entry(x, lo, horizon_year),
                          "upper": _quantile_entry(x, hi, horizon_year)})
    return {
        "estimator": "arrival draws counted",
        "n_draws": int(x.size),
        "n_chains": int(x.shape[0]),
        "ess_bulk": ess,
        "horizon_year": horizon_year,
        "median": _quantile_entry(x, 0.5, horizon_year),
        "intervals": intervals,
        "p_by_year": p_by,
        "p_after_horizon": {"p": round(float(after.mean()), 5), "mcse": round(mcse_mean(after), 5)},
    }


def normalised_weights(weights, size: int) -> np.ndarray:
    """Importance weights as a flat array summing to 1 (raises on a wrong length or no mass)."""
    w = np.asarray(weights, dtype=float).ravel()
    if w.size != size:
        raise ValueError(f"{w.size} weights for {size} draws")
    if not (np.all(w >= 0) and np.all(np.isfinite(w)) and w.sum() > 0):
        raise ValueError("weights must be finite, >= 0 and not all zero")
    return w / w.sum()


def weighted_quantile(values, prob: float, weights) -> float:
    """The weighted quantile (linear interpolation; np.quantile's default for equal weights)."""
    x = np.asarray(values, dtype=float).ravel()
    w = normalised_weights(weights, x.size)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    keep = ws > 0
    xs, ws = xs[keep], ws[keep]
    if xs.size == 1:
        return float(xs[0])
    positions = (np.cumsum(ws) - ws) / (1.0 - ws[-1])
    return float(np.interp(prob, positions, xs))


def _relative_efficiency(x: np.ndarray) -> float:
    """ESS_bulk / n of the unweighted draws, in (0, 1]: autocorrelation in the weighted MCSEs."""
    if x.shape[0] < 2 and x.size <= 4:
        return 1.0
    ess = float(_az().ess(x, method="bulk"))
    return float(np.clip(ess / x.size, 1e-3, 1.0)) if np.isfinite(ess) else 1.0


def _weighted_mcse_mean(h: np.ndarray, w: np.ndarray, r_eff: float) -> float:
    m = float(np.sum(w * h))
    return float(np.sqrt(np.sum(w**2 * (h - m) ** 2) / r_eff))


def _summarize_weighted(x: np.ndarray, weights, horizon_year: float) -> dict:
    flat = x.ravel()
    w = normalised_weights(weights, flat.size)
    r_eff = _relative_efficiency(x)

    def quantile_entry(prob):
        value = weighted_quantile(flat, prob, w)
        if value > horizon_year:
            return {"value": None, "after_horizon": True, "mcse": None}
        se_p = _weighted_mcse_mean((flat <= value).astype(float), w, r_eff)
        lo = weighted_quantile(flat, max(prob - se_p, 0.0), w)
        hi = weighted_quantile(flat, min(prob + se_p, 1.0), w)
        return {"value": round(value, 4), "after_horizon": False,
                "mcse": round(min((hi - lo) / 2.0, horizon_year + 1 - value), 4)}

    p_by = {}
    for year in REPORT_YEARS:
        ind = (flat <= year).astype(float)
        p_by[str(year)] = {"p": round(float(np.sum(w * ind)), 5),
                           "mcse": round(_weighted_mcse_mean(ind, w, r_eff), 5)}
    intervals = []
    for prob in INTERVAL_PROBS:
        lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
        intervals.append({"prob": prob, "lower": quantile_entry(lo),
                          "upper": quantile_entry(hi)})
    after = (flat > horizon_year).astype(float)
    return {
        "estimator": "arrival draws counted, importance-weighted",
        "n_draws": int(flat.size),
        "n_chains": int(x.shape[0]),
        "ess_bulk": round(r_eff * flat.size / (float(np.sum(w**2)) * flat.size), 1),
        "horizon_year": horizon_year,
        "median": quantile_entry(0.5),
        "intervals": intervals,
        "p_by_year": p_by,
        "p_after_horizon": {"p": round(float(np.sum(w * after)), 5),
                            "mcse": round(_weighted_mcse_mean(after, w, r_eff), 5)},
    }


def summarize_posterior(posterior, scenario, cutoff_year: float) -> dict:
    """The headline numbers of a fitted run: Rao-Blackwellised per-draw CDFs (module docstring)
    from the run's posterior group (which holds the projection-only parameters it used)."""
    return summarize_posterior_by_anchor(posterior, scenario, cutoff_year)[0]


def posterior_anchor_cdfs(posterior, scenario, cutoff_year: float) -> dict:
    """Per-anchor joint CDFs of a run on the arrival grid (model/forecast.py
    `arrival_cdf_by_anchor`), computed once for the headline, summary.json and the report:
    `grid` (G,), `by_anchor` (K, chain, draw, G), `responsibilities` (chain, draw, K + 1),
    `labels` (K anchor names)."""
    from model.forecast import (
        anchor_responsibilities,
        arrival_cdf_by_anchor,
        arrival_grid_years,
        trajectory_parameters,
    )
    from model.requirement import anchor_labels

    params = trajectory_parameters(posterior, scenario)
    grid = arrival_grid_years(cutoff_year, scenario.horizon_year, REPORT_YEARS)
    shape = (posterior.sizes["chain"], posterior.sizes["draw"])
    by_anchor = arrival_cdf_by_anchor(params, scenario, cutoff_year, grid)
    resp = anchor_responsibilities(params, scenario, cutoff_year)
    return {"grid": grid, "by_anchor": by_anchor.reshape(by_anchor.shape[0], *shape, grid.size),
            "responsibilities": resp.reshape(*shape, -1),
            "labels": anchor_labels(scenario.requirement)}


def summarize_posterior_by_anchor(posterior, scenario, cutoff_year: float,
                                  cdfs: dict | None = None) -> tuple[dict, dict]:
    """(the headline as `summarize_posterior`, summary.json's `requirement_by_anchor`).

    The per-anchor joint CDFs P(T <= y, anchor k | theta) (`posterior_anchor_cdfs`, or `cdfs`
    if already computed) are computed once; their sum over anchors is the headline's per-draw
    CDF, so the contributions add up to the headline by construction."""
    c = posterior_anchor_cdfs(posterior, scenario, cutoff_year) if cdfs is None else cdfs
    headline = summarize_arrival(posterior["arrival_year"].to_numpy(), scenario.horizon_year,
                                 cdf_by_draw=c["by_anchor"].sum(axis=0), grid_years=c["grid"])
    from model.requirement import prior_weights

    req = scenario.requirement
    prior = list(prior_weights(req)[:-1])  # anchors in anchor_labels order, capability last
    contributions = summarize_by_anchor(c["by_anchor"], c["grid"], c["responsibilities"],
                                        c["labels"], prior, req.no_path_weight)
    return headline, contributions


def summarize_by_anchor(cdf_by_anchor, grid_years, responsibilities, labels, prior_weights,
                        no_path_weight: float) -> dict:
    """Each anchor's contribution to P(T <= y) and its posterior responsibility, with MCSEs.

    cdf_by_anchor: (K, chain, draw, grid) joint CDFs P(T <= y, anchor k | theta);
    responsibilities: (chain, draw, K + 1) P(anchor k | not yet, theta), last "no path".

        P(T <= y, anchor k | data) = mean_theta P(T <= y, anchor k | theta)
        P(anchor k | not yet, data) = mean_theta P(anchor k | not yet, theta)

    Both Rao-Blackwellised means, MCSE by `az.mcse(mean)`. Summed over anchors the first is the
    headline P(T <= y); the responsibilities sum to 1 - P(no path | not yet, data)."""
    cdf = np.asarray(cdf_by_anchor, dtype=float)
    grid = np.asarray(grid_years, dtype=float)
    resp = np.asarray(responsibilities, dtype=float)
    anchors = {}
    for k, name in enumerate(labels):
        p_by = {}
        for year in REPORT_YEARS:
            j = int(np.searchsorted(grid, year))
            p, se = _mean_and_mcse(cdf[k, ..., j], None, 1.0)
            p_by[str(year)] = {"p": round(p, 5), "mcse": round(se, 5)}
        r, se_r = _mean_and_mcse(resp[..., k], None, 1.0)
        weight = prior_weights[k]
        anchors[name] = {"order": k, "prior_weight": None if np.isnan(weight) else weight,
                         "posterior_responsibility": {"p": round(r, 5), "mcse": round(se_r, 5)},
                         "p_by_year": p_by}
    r0, se0 = _mean_and_mcse(resp[..., -1], None, 1.0)
    return {
        "estimator": "rao-blackwellised: P(T <= y, anchor | theta) averaged over posterior draws",
        "anchors": anchors,
        "no_path": {"prior_weight": no_path_weight,
                    "posterior_responsibility": {"p": round(r0, 5), "mcse": round(se0, 5)}},
    }


def summarize_prior_by_anchor(arrival_years, anchor_index, labels, prior_weights,
                              no_path_weight: float) -> dict:
    """Each anchor's contribution to P(T <= y) in a prior-only run, counted over its independent
    draws (model/forecast.py `forecast_draws`, conditioned=False, which records the anchor each
    draw's R came from: 0..K-1 in `labels` order, -1 "no path"):

        P(T <= y, anchor k) = mean_i 1[t_i <= y, a_i = k],  share_k = mean_i 1[a_i = k],

    MCSE sqrt(p (1 - p) / n) (independent draws). Summed over anchors the first is the prior-only
    headline's P(T <= y) exactly; the shares sum to 1 - share of "no path" (which includes the
    capability anchor's draws below its floor). Same layout as `summarize_by_anchor`, with
    `share_of_draws` where a fitted run has `posterior_responsibility`."""
    t = np.asarray(arrival_years, dtype=float).ravel()
    a = np.asarray(anchor_index).ravel()
    n = t.size

    def entry(hits: np.ndarray) -> dict:
        p = float(np.mean(hits))
        return {"p": round(p, 5), "mcse": round(float(np.sqrt(p * (1 - p) / n)), 5)}

    anchors = {}
    for k, name in enumerate(labels):
        mine = a == k
        weight = prior_weights[k]
        anchors[name] = {"order": k, "prior_weight": None if np.isnan(weight) else weight,
                         "share_of_draws": entry(mine),
                         "p_by_year": {str(y): entry(mine & (t <= y)) for y in REPORT_YEARS}}
    return {"estimator": "independent prior draws counted: P(T <= y, anchor) = share of draws "
                         "from the anchor arriving by y",
            "anchors": anchors,
            "no_path": {"prior_weight": no_path_weight, "share_of_draws": entry(a < 0)}}


def _share(entry: dict) -> dict:
    """An anchor's weight after the data (a fitted run) or among the draws (prior only)."""
    return entry.get("posterior_responsibility") or entry["share_of_draws"]


#: Report years shown in the CLI's per-anchor table (summary.json has them all).
ANCHOR_TABLE_YEARS = ("2027", "2030", "2035", "2050", "2100")


def format_anchor_table(by_anchor: dict) -> str:
    """A compact plain-text table of `summarize_by_anchor`: percentage points of P(by year)
    each anchor contributes, its posterior responsibility and prior weight."""
    head = "".join(f" {'by ' + y:>7}" for y in ANCHOR_TABLE_YEARS)
    prior_only = "share_of_draws" in by_anchor["no_path"]
    lines = [("Requirement anchors (prior only): contribution to P(by year) in pp; share of the "
              "draws vs prior weight" if prior_only else
              "Requirement anchors: contribution to P(by year) in pp; P(anchor | not yet, data) "
              "vs prior weight") + " (MCSEs in summary.json requirement_by_anchor)",
             f"  {'anchor':<28}{head}   {'draws' if prior_only else 'posterior':>9}  prior"]
    rows = sorted(by_anchor["anchors"].items(), key=lambda kv: kv[1]["order"])
    for name, e in rows:
        prior = e["prior_weight"]
        lines.append(f"  {name:<28}" + "".join(
            f" {e['p_by_year'][y]['p'] * 100:7.1f}" for y in ANCHOR_TABLE_YEARS)
            + f"   {_share(e)['p'] * 100:8.1f}%"
            + ("    n/a" if prior is None else f" {prior * 100:5.1f}%"))
    npath = by_anchor["no_path"]
    lines.append(f"  {'no path (never arrives)':<28}" + " " * (8 * len(ANCHOR_TABLE_YEARS))
                 + f"   {_share(npath)['p'] * 100:8.1f}%"
                 + f" {npath['prior_weight'] * 100:5.1f}%")
    total = {y: sum(e["p_by_year"][y]["p"] for _, e in rows) for y in ANCHOR_TABLE_YEARS}
    lines.append(f"  {'sum = headline P(by year)':<28}"
                 + "".join(f" {total[y] * 100:7.1f}" for y in ANCHOR_TABLE_YEARS))
    return "\n".join(lines)


#: Years by which the probability that each limit binds is reported.
LIMIT_REPORT_YEARS = (2030, 2035)


def summarize_limits(inputs, cutoff_year: float, horizon_year: float, n_chains: int = 1,
                     start_years: np.ndarray | None = None) -> dict:
    """Which limit holds the run's physical compute, and when (the "decade or bust" numbers).

    Per limit (the spending cap, then each wall; model.walls.LIMIT_NAMES), from
    projection.limit_binding_start_years: P(it starts binding by each LIMIT_REPORT_YEARS year)
    as the mean of the indicator, and the median year it starts (`after_horizon` when more than
    half the draws never see it bind), each with its MCSE as for the arrival year. Also the run's
    physical compute, median and 90% interval of log10 FLOP, in those years. `inputs` are the
    draws' ProjectionInputs, chains one after another; `start_years` the binding start years if
    already computed.
    """
    from model.projection import limit_binding_start_years, physical_compute_path
    from model.walls import LIMIT_NAMES

    start = (limit_binding_start_years(inputs, cutoff_year, horizon_year)
             if start_years is None else start_years)
    out = {"limits": {}, "physical_compute_log10_flop": {}}
    for i, name in enumerate(LIMIT_NAMES):
        x = start[:, i].reshape(n_chains, -1)
        p_by = {}
        for year in LIMIT_REPORT_YEARS:
            p, se = probability_by(x, year)
            p_by[str(year)] = {"p": round(p, 5), "mcse": round(se, 5)}
        out["limits"][name] = {"p_binds_by": p_by, "median_start_year": _quantile_entry(
            censored(x, horizon_year), 0.5, horizon_year)}
    years = np.asarray(LIMIT_REPORT_YEARS, dtype=float)
    paths = physical_compute_path(years, inputs, cutoff_year)
    for j, year in enumerate(LIMIT_REPORT_YEARS):
        lo, med, hi = np.quantile(paths[:, j], [0.05, 0.5, 0.95])
        out["physical_compute_log10_flop"][str(year)] = {
            "median": round(float(med), 3), "q05": round(float(lo), 3),
            "q95": round(float(hi), 3),
            "mcse_median": round(mcse_quantile(paths[:, j].reshape(n_chains, -1), 0.5), 4)}
    return out


def format_limits_table(limits: dict) -> str:
    """A short plain-text table of summarize_limits' numbers."""
    years = list(next(iter(limits["limits"].values()))["p_binds_by"])
    lines = ["Limits on the run's physical compute: P(binds by year), median start year",
             "  limit      " + "".join(f"  by {y}" for y in years) + "   median start"]
    for name, entry in limits["limits"].items():
        med = entry["median_start_year"]
        when = "after horizon" if med["after_horizon"] else f"{med['value']:.1f}"
        lines.append(f"  {name:<10} " + "".join(
            f" {entry['p_binds_by'][y]['p'] * 100:5.1f}%" for y in years) + f"   {when}")
    phys = "; ".join(f"{y}: 10^{v['median']:.2f} (90% 10^{v['q05']:.2f}-10^{v['q95']:.2f})"
                     for y, v in limits["physical_compute_log10_flop"].items())
    lines.append(f"  physical compute of the run, median FLOP: {phys}")
    return "\n".join(lines)


def format_table(summary: dict) -> str:
    """A short plain-text table of the headline numbers."""

    def year(entry):
        return "after horizon" if entry["after_horizon"] else f"{entry['value']:.1f}"

    def se(entry):
        return "" if entry["after_horizon"] else f" (±{entry['mcse']:.2f})"

    lines = [f"AGI arrival year: {summary['n_draws']} draws, "
             f"{summary['n_chains']} chains, bulk ESS {summary['ess_bulk']}",
             f"  median            {year(summary['median'])}{se(summary['median'])}"]
    for iv in summary["intervals"]:
        lines.append(f"  {int(iv['prob'] * 100)}% interval      {year(iv['lower'])} – "
                     f"{year(iv['upper'])}")
    for y, entry in summary["p_by_year"].items():
        lines.append(f"  P(by {y})        {entry['p'] * 100:5.1f}% (±{entry['mcse'] * 100:.2f} pp)")
    pa = summary["p_after_horizon"]
    lines.append(f"  P(after {summary['horizon_year']:.0f})    {pa['p'] * 100:5.1f}% "
                 f"(±{pa['mcse'] * 100:.2f} pp)")
    return "\n".join(lines)
