"""The published headline of a run: arrival-year intervals and probabilities, each with its MCSE.

Builds on model/summary.py (median, equal-tailed intervals, P(by year), P(after horizon), MCSEs)
and adds highest-density intervals:

- HDI: `az.hdi` of the draws with "after the horizon" (+inf) censored to horizon + 1, exactly as
  summary.py does for every other statistic. An HDI that reaches the censored draws is reported
  open-ended (`after_horizon: true`, value null): "from L to after the horizon".
- MCSE of an HDI bound b: the quantile MCSE (`az.mcse(method="quantile")`) at b's empirical level
  F_n(b). This is first-order: it treats the level as fixed and ignores that the HDI's level
  itself is estimated, so it is a lower bound on the bound's true Monte Carlo error.

`intervals_document` assembles `intervals.json`: numbers, the inputs that determine them (scenario
and data hashes, seed, sampler settings, cutoff) and the gate's verdict, with no paths and no
timestamps, so that re-running the recorded command reproduces it byte for byte. The code version
(git commit, package versions) is left to the report and posterior.nc: it names where the numbers
came from, not what they are, and would differ on a re-run from a later commit that changes none.
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from model.summary import (
    INTERVAL_PROBS,
    REPORT_YEARS,
    censored,
    mcse_quantile,
    summarize_arrival,
)

#: Version of intervals.json's layout (README: "intervals.json").
INTERVALS_SCHEMA_VERSION = 1


def _az():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


def _bound_entry(x: np.ndarray, value: float, horizon_year: float) -> dict:
    if value > horizon_year:
        return {"value": None, "after_horizon": True, "mcse": None}
    flat = x.ravel()
    level = float(np.mean(flat <= value))
    level = min(max(level, 0.5 / flat.size), 1.0 - 0.5 / flat.size)
    return {"value": round(float(value), 4), "after_horizon": False,
            "mcse": round(mcse_quantile(x, level), 4)}


def hdi_intervals(arrival_years, horizon_year: float,
                  probs: tuple[float, ...] = INTERVAL_PROBS) -> list[dict]:
    """Highest-density intervals of the arrival year (see the module docstring)."""
    x = censored(arrival_years, horizon_year)
    out = []
    for prob in probs:
        lo, hi = np.asarray(_az().hdi(x.ravel(), hdi_prob=prob), dtype=float)
        out.append({"prob": prob, "lower": _bound_entry(x, lo, horizon_year),
                    "upper": _bound_entry(x, hi, horizon_year)})
    return out


def headline_numbers(arrival_years, horizon_year: float, summary: dict | None = None) -> dict:
    """summary.py's numbers plus HDIs, with the draw and chain counts they rest on.

    summary: the run's own `summarize_arrival` result when it used a better estimator than
    counting draws (the Rao-Blackwellised one); by default the draws are counted.
    """
    s = summary if summary is not None else summarize_arrival(arrival_years, horizon_year)
    return {
        "estimator": s.get("estimator", "arrival draws counted"),
        "hdi_estimator": "az.hdi of the arrival draws (after the horizon censored at "
                         "horizon + 1)",
        "n_draws": s["n_draws"],
        "n_chains": s["n_chains"],
        "ess_bulk": s["ess_bulk"],
        "horizon_year": s["horizon_year"],
        "median": s["median"],
        "equal_tailed": s["intervals"],
        "hdi": hdi_intervals(arrival_years, horizon_year),
        "p_by_year": s["p_by_year"],
        "p_after_horizon": s["p_after_horizon"],
    }


#: Above this share of draws after the horizon, highest-density intervals are not shown: the
#: density after the horizon is unknown (the draws are censored), so an HDI there is set by the
#: censoring and by the start year (its lower bound collapses onto the cutoff), not by the forecast.
HDI_MAX_P_AFTER_HORIZON = 0.05


def hdi_hidden_reason(headline: dict) -> str | None:
    """Why the report hides the HDIs of this headline, or None when they are shown."""
    p_after = headline["p_after_horizon"]["p"]
    if p_after <= HDI_MAX_P_AFTER_HORIZON:
        return None
    return (f"Highest-density intervals are not shown: {p_after:.0%} of the draws arrive after "
            f"{headline['horizon_year']:.0f} (more than {HDI_MAX_P_AFTER_HORIZON:.0%}), where the "
            f"density is unknown, so an HDI would be set by the censoring at the horizon and would "
            f"start at the data cutoff rather than say where arrival is most likely. The "
            f"equal-tailed intervals need no density and are open-ended where they reach the "
            f"horizon. intervals.json keeps the HDIs for completeness.")


def headline_probabilities(headline: dict) -> dict[str, dict]:
    """Label -> {p, mcse} for every headline probability (the gate checks their MCSE)."""
    out = {f"P(by {y})": v for y, v in headline["p_by_year"].items()}
    out[f"P(after {headline['horizon_year']:.0f})"] = headline["p_after_horizon"]
    return out


def _json_attr(attrs: dict, key: str):
    value = attrs.get(key)
    if isinstance(value, str) and value[:1] in "{[":
        return json.loads(value)
    return value


def intervals_document(headline: dict, attrs: dict, gate_failures: list[str],
                       draft: bool) -> dict:
    """The machine-readable headline (intervals.json); README documents each key."""
    settings = _json_attr(attrs, "oomcast_sampler_settings") or {}
    return {
        "schema_version": INTERVALS_SCHEMA_VERSION,
        "quantity": ("arrival year of AGI: the first decimal year at which the largest "
                     "training run's effective compute reaches the AGI requirement; "
                     "'after_horizon' = not reached by the horizon year"),
        "status": "draft" if draft else "published",
        "gate": {"passed": not gate_failures, "failures": list(gate_failures)},
        "interval_probs": list(INTERVAL_PROBS),
        "report_years": list(REPORT_YEARS),
        "arrival_year": headline,
        "run": {
            "scenario": attrs.get("oomcast_scenario"),
            "scenario_sha256": attrs.get("oomcast_scenario_sha256"),
            "data_sha256": _json_attr(attrs, "oomcast_data_sha256"),
            "data_vintages": _json_attr(attrs, "oomcast_data_vintages"),
            "seed": attrs.get("oomcast_seed"),
            "sampler_settings": settings,
            "cutoff_year": attrs.get("oomcast_cutoff_year"),
            "reference_year": attrs.get("oomcast_reference_year"),
            "horizon_year": attrs.get("oomcast_horizon_year"),
            "forecast_domain": attrs.get("oomcast_forecast_domain"),
        },
    }


def dumps(document: dict) -> str:
    """Canonical JSON text: sorted keys, fixed indentation, trailing newline."""
    return json.dumps(_plain(document), indent=2, sort_keys=True, allow_nan=False) + "\n"


def _plain(value):
    """NumPy scalars -> Python numbers, recursively (json cannot write them)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
