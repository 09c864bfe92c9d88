"""Headline numbers of an arrival distribution, each with its Monte Carlo standard error.

Arrival draws are (chain, draw) arrays of decimal years with +inf for "after the horizon".
Quantiles and probabilities are computed on the draws; their MCSEs come from ArviZ
(`az.mcse`, which accounts for autocorrelation through the effective sample size):

- quantile q: the draws' empirical q-quantile, MCSE by `method="quantile"`;
- P(T <= y): the mean of the indicator 1[T <= y], MCSE by `method="mean"` on that indicator;
- P(after horizon) = mean of 1[T = +inf].

For these statistics +inf is replaced by horizon + 1 (any value past the horizon keeps the order);
a quantile past the horizon is reported as `null` with `after_horizon: true`.
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


def summarize_arrival(arrival_years, horizon_year: float) -> dict:
    """Median, equal-tailed intervals, P(by each report year), P(after horizon), with MCSEs."""
    x = censored(arrival_years, horizon_year)
    az = _az()
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
        "n_draws": int(x.size),
        "n_chains": int(x.shape[0]),
        "ess_bulk": round(float(az.ess(x, method="bulk")), 1) if x.shape[0] > 1 or x.size > 4
        else None,
        "horizon_year": horizon_year,
        "median": _quantile_entry(x, 0.5, horizon_year),
        "intervals": intervals,
        "p_by_year": p_by,
        "p_after_horizon": {"p": round(float(after.mean()), 5), "mcse": round(mcse_mean(after), 5)},
    }


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
        lines.append(f"  P(by {y})        {entry['p'] * 100:5.1f}% (±{entry['mcse'] * 100:.1f} pp)")
    pa = summary["p_after_horizon"]
    lines.append(f"  P(after {summary['horizon_year']:.0f})    {pa['p'] * 100:5.1f}% "
                 f"(±{pa['mcse'] * 100:.1f} pp)")
    return "\n".join(lines)
