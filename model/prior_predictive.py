"""Prior predictive checks: do the observed data look like data the priors could have made?

Each prior draw of the fitted parameters (model/simulate.py `draw_parameters`) simulates every
data stream at the observed design (`simulate_observations`, independent of the PyMC graph), and a
summary statistic of each stream is compared with the same statistic of the observed data:

- frontier compute, GPU price-performance, training cost: the OLS slope of log10 value on year
  (OOM/yr) and the mean level;
- Hernandez & Brown series: the pooled within-series OLS slope (OOM/yr);
- ImageNet: the OLS slope of logit top-1 error on year;
- Ho et al. (2024): the published ln(OOM/yr) itself;
- no AGI yet at the cutoff: the prior predictive probability of the observed 1.

A statistic is flagged when the observed value lies outside the central `TAIL_MASS` (99%) of its
prior predictive draws: the prior and the data disagree, so a conditioned run will be driven by
the data against the prior (or a misspecified prior will bend the fit). Flagged checks are
warnings, never errors: a published prior set that history has overtaken is still worth running.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.build import Observations
from model.scenario import Scenario
from model.simulate import draw_parameters, simulate_no_agi_by_cutoff, simulate_observations

#: Central prior predictive mass outside which an observed statistic is flagged.
TAIL_MASS = 0.99


def level_mean(y: np.ndarray) -> float:
    """The mean of a stream's values; NaN (the check is skipped) for a stream with no rows, such
    as one the scenario does not fit, without NumPy's empty-slice warning."""
    y = np.asarray(y, float)
    return float(y.mean()) if y.size else float("nan")


def ols_slope(x: np.ndarray, y: np.ndarray) -> float:
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if x.size < 2 or np.ptp(x) == 0:
        return float("nan")
    xc = x - x.mean()
    return float(np.sum(xc * (y - y.mean())) / np.sum(xc**2))


def within_series_slope(x: np.ndarray, y: np.ndarray, series: np.ndarray) -> float:
    """Pooled slope after removing each series' mean (Hernandez & Brown series differ in level)."""
    xc, yc = np.array(x, float), np.array(y, float)
    for s in np.unique(series):
        sel = series == s
        xc[sel] -= xc[sel].mean()
        yc[sel] -= yc[sel].mean()
    denom = np.sum(xc**2)
    return float(np.sum(xc * yc) / denom) if denom > 0 else float("nan")


#: (stream, statistic) -> (label, units, function of Observations).
STATISTICS = {
    ("frontier_compute", "slope"): (
        "frontier compute trend", "OOM/yr",
        lambda o: ols_slope(o.frontier_year, o.frontier_log10_flop)),
    ("frontier_compute", "mean"): (
        "frontier compute level", "log10 FLOP", lambda o: level_mean(o.frontier_log10_flop)),
    ("hardware", "slope"): (
        "GPU price-performance trend", "OOM/yr",
        lambda o: ols_slope(o.gpu_year, o.gpu_log10_flop_per_s_per_usd)),
    ("hardware", "mean"): (
        "GPU price-performance level", "log10 FLOP/s/USD",
        lambda o: level_mean(o.gpu_log10_flop_per_s_per_usd)),
    ("accelerators", "slope"): (
        "accelerator price-performance trend (tensor FP16)", "OOM/yr",
        lambda o: ols_slope(o.accelerator_year, o.accelerator_log10_flop_per_s_per_usd)),
    ("accelerators", "mean"): (
        "accelerator price-performance level (tensor FP16)", "log10 FLOP/s/USD",
        lambda o: level_mean(o.accelerator_log10_flop_per_s_per_usd)),
    ("training_cost", "slope"): (
        "training cost trend", "OOM/yr",
        lambda o: ols_slope(o.cost_year, o.training_log10_cost_usd)),
    ("training_cost", "mean"): (
        "training cost level", "log10 USD", lambda o: level_mean(o.training_log10_cost_usd)),
    ("efficiency", "slope"): (
        "compute to fixed performance, within series", "OOM/yr",
        lambda o: within_series_slope(o.efficiency_year, o.efficiency_log10_flop,
                                      o.efficiency_series_idx)),
    ("imagenet", "slope"): (
        "ImageNet logit error trend", "logit/yr",
        lambda o: ols_slope(o.imagenet_year, o.imagenet_logit_top1_error)),
    ("ho2024", "value"): (
        "Ho et al. 2024 language-model rate", "ln OOM/yr", lambda o: float(o.ho2024_log_rate)),
    ("time_horizon", "slope"): (
        "METR 50% horizon trend (frontier models)", "log10 min/yr",
        lambda o: ols_slope(o.horizon_year, o.horizon_log10_minutes)),
    ("eci", "slope"): (
        "ECI score per OOM of training compute", "points/OOM",
        lambda o: ols_slope(o.eci_log10_flop, o.eci_points)),
}


@dataclass(frozen=True)
class Check:
    stream: str
    statistic: str
    label: str
    units: str
    observed: float
    predictive: np.ndarray  # prior predictive draws of the statistic

    @property
    def quantile(self) -> float:
        """Share of prior predictive draws at or below the observed value."""
        d = self.predictive[np.isfinite(self.predictive)]
        return float(np.mean(d <= self.observed)) if d.size else float("nan")

    @property
    def central(self) -> tuple[float, float]:
        lo = (1 - TAIL_MASS) / 2
        return tuple(float(v) for v in np.nanquantile(self.predictive, [lo, 1 - lo]))

    @property
    def in_tail(self) -> bool:
        lo, hi = self.central
        return bool(self.observed < lo or self.observed > hi)

    def message(self) -> str:
        lo, hi = self.central
        side = "above" if self.observed > hi else "below"
        return (f"prior predictive check: {self.label} {self.observed:.3g} {self.units} is "
                f"{side} the central {TAIL_MASS:.0%} of its prior predictive draws "
                f"({lo:.3g} to {hi:.3g}; observed at quantile {self.quantile:.4f})")

    def as_dict(self) -> dict:
        lo, hi = self.central
        return {"stream": self.stream, "statistic": self.statistic, "units": self.units,
                "observed": round(self.observed, 5), "predictive_low": round(lo, 5),
                "predictive_median": round(float(np.nanmedian(self.predictive)), 5),
                "predictive_high": round(hi, 5), "observed_quantile": round(self.quantile, 5),
                "in_tail": self.in_tail}


@dataclass(frozen=True)
class PriorPredictive:
    """Simulated data sets (one per prior draw), the checks, and P(no AGI yet)."""

    observed: Observations
    simulated: list[Observations]
    checks: list[Check]
    p_no_agi_by_cutoff: float

    @property
    def warnings(self) -> list[str]:
        out = [c.message() for c in self.checks if c.in_tail]
        if self.p_no_agi_by_cutoff < (1 - TAIL_MASS) / 2:
            out.append(f"prior predictive check: the priors give only "
                       f"{self.p_no_agi_by_cutoff:.2%} to 'no AGI yet at the cutoff', which is "
                       "observed")
        return out

    def as_dict(self) -> dict:
        return {"n_draws": len(self.simulated), "tail_mass": TAIL_MASS,
                "checks": [c.as_dict() for c in self.checks],
                "p_no_agi_by_cutoff": round(self.p_no_agi_by_cutoff, 5),
                "warnings": self.warnings}


def prior_predictive(scenario: Scenario, obs: Observations, rng: np.random.Generator,
                     n_draws: int = 1000) -> PriorPredictive:
    """Simulate every stream `n_draws` times from the priors and check the observed data."""
    simulated, no_agi = [], []
    for _ in range(n_draws):
        params = draw_parameters(scenario, rng)
        simulated.append(simulate_observations(params, obs, scenario, rng))
        no_agi.append(simulate_no_agi_by_cutoff(params, obs.cutoff_year, scenario, rng))
    checks = []
    for (stream, stat), (label, units, fn) in STATISTICS.items():
        observed = fn(obs)
        if not np.isfinite(observed):
            continue
        checks.append(Check(stream, stat, label, units, observed,
                            np.array([fn(s) for s in simulated])))
    return PriorPredictive(obs, simulated, checks, float(np.mean(no_agi)))
