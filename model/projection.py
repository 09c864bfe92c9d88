"""Trajectories of effective compute and the exact arrival-year solver (NumPy).

One implementation, used by the posterior, the prior-only Monte Carlo, the figures and the
studies alike.

Effective compute, in log10 FLOP at the algorithms of the reference year t_ref:

    E(t) = log10 C(t) + log10 A(t) + U(t)

Up to the data cutoff t_now the fitted trends are straight lines:

    log10 C(t) = c_ref + (g_hw + g_spend + g_other) (t - t_ref)
    log10 A(t) = g_alg (t - t_ref)                      (A(t_ref) = 1, so E(t_ref) = log10 C)

After the cutoff, with tau = t - t_now, each component grows at its rate until its cap:

    E(t_now + tau) = E_now + min(g_hw tau, H_hw) + S(tau) + min(g_other tau, H_other)
                           + min(g_alg tau, H_alg) + min(g_unhob tau, H_unhob)

(a component with a non-positive rate is not capped), and spending grows at g_spend until it meets
the affordable cap, a share of gross world product, after which it grows with the economy:

    S(tau) = min(g_spend tau, max(h, 0) + g_gwp tau),   h = log10 cap(t_now) - log10 spend(t_now)

E is piecewise linear in tau with at most five kinks (one per cap), so the first time E reaches a
requirement R is found exactly, segment by segment: no grid, no root finder.
Arrival year T = first t >= t_now with E(t) >= R; T = t_now when E_now >= R already (possible
only through the softness of the "no AGI yet" observation); T = +inf ("after the horizon") when R
is not reached by the horizon year.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

AFTER_HORIZON = np.inf
TIE_TOLERANCE_ULPS = 16  # levels this many float spacings below R reach it (ties at caps)


def effective_compute_at_cutoff(log10_frontier_compute_at_ref_flop, physical_growth_oom_per_year,
                                algorithmic_growth_oom_per_year, cutoff_year, reference_year):
    """E_now = c_ref + (g_physical + g_alg) (t_now - t_ref). Works on NumPy and PyTensor alike."""
    years = cutoff_year - reference_year
    return (log10_frontier_compute_at_ref_flop
            + (physical_growth_oom_per_year + algorithmic_growth_oom_per_year) * years)


def spending_headroom_oom(log10_training_cost_at_ref_usd, spending_growth_oom_per_year,
                          log10_gwp_at_ref_usd, gwp_growth_oom_per_year,
                          log10_spending_cap_share_of_gwp, cutoff_year, reference_year):
    """h = log10(share x GWP(t_now)) - log10 spend(t_now), both trends taken at the cutoff."""
    years = cutoff_year - reference_year
    cap = log10_gwp_at_ref_usd + gwp_growth_oom_per_year * years + log10_spending_cap_share_of_gwp
    spend = log10_training_cost_at_ref_usd + spending_growth_oom_per_year * years
    return cap - spend


@dataclass(frozen=True)
class ProjectionInputs:
    """Per-draw arrays (all the same shape (n,)) that define E(t) after the cutoff."""

    effective_compute_at_cutoff: np.ndarray  # E_now, log10 FLOP at reference-year algorithms
    hardware_growth_oom_per_year: np.ndarray
    spending_growth_oom_per_year: np.ndarray
    other_growth_oom_per_year: np.ndarray
    algorithmic_growth_oom_per_year: np.ndarray
    unhobbling_growth_oom_per_year: np.ndarray
    gwp_growth_oom_per_year: np.ndarray
    spending_headroom_oom: np.ndarray
    hardware_remaining_oom: np.ndarray
    other_remaining_oom: np.ndarray
    algorithms_remaining_oom: np.ndarray
    unhobbling_remaining_oom: np.ndarray

    @classmethod
    def from_mapping(cls, values: dict) -> ProjectionInputs:
        arrays = {f.name: np.asarray(values[f.name], dtype=float).ravel() for f in fields(cls)}
        n = {a.shape for a in arrays.values()}
        if len(n) != 1:
            n_max = max(a.size for a in arrays.values())
            arrays = {k: np.broadcast_to(v, (n_max,)) if v.size == 1 else v
                      for k, v in arrays.items()}
        return cls(**arrays)

    @property
    def size(self) -> int:
        return self.effective_compute_at_cutoff.size

    @property
    def historic_growth_oom_per_year(self) -> np.ndarray:
        """Slope of E(t) before the cutoff: physical plus algorithmic growth."""
        return (self.hardware_growth_oom_per_year + self.spending_growth_oom_per_year
                + self.other_growth_oom_per_year + self.algorithmic_growth_oom_per_year)


def _capped(rate, remaining, tau):
    """min(rate tau, remaining) for positive rates; rate tau otherwise."""
    grown = rate * tau
    return np.where(rate > 0, np.minimum(grown, remaining), grown)


def effective_compute_gain_oom(tau_years, p: ProjectionInputs) -> np.ndarray:
    """E(t_now + tau) - E_now. `tau_years` broadcasts against (n, 1): pass (n, k) or (k,)."""
    tau = np.asarray(tau_years, dtype=float)
    col = (lambda a: a[:, None]) if tau.ndim >= 1 else (lambda a: a)
    spend = np.minimum(col(p.spending_growth_oom_per_year) * tau,
                       np.maximum(col(p.spending_headroom_oom), 0.0)
                       + col(p.gwp_growth_oom_per_year) * tau)
    return (_capped(col(p.hardware_growth_oom_per_year), col(p.hardware_remaining_oom), tau)
            + spend
            + _capped(col(p.other_growth_oom_per_year), col(p.other_remaining_oom), tau)
            + _capped(col(p.algorithmic_growth_oom_per_year), col(p.algorithms_remaining_oom), tau)
            + _capped(col(p.unhobbling_growth_oom_per_year), col(p.unhobbling_remaining_oom), tau))


def _kink(rate, remaining):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tau = np.where(rate > 0, remaining / rate, np.inf)
    return np.where(np.isfinite(tau), tau, np.inf)


def breakpoints_years(p: ProjectionInputs, span_years: float) -> np.ndarray:
    """Sorted (n, 7) array: 0, the five kinks of E (clipped to the span), and the span."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        spend_excess = p.spending_growth_oom_per_year - p.gwp_growth_oom_per_year
        spend_kink = np.where(spend_excess > 0,
                              np.maximum(p.spending_headroom_oom, 0.0) / spend_excess, np.inf)
    kinks = np.stack([
        np.zeros(p.size),
        _kink(p.hardware_growth_oom_per_year, p.hardware_remaining_oom),
        spend_kink,
        _kink(p.other_growth_oom_per_year, p.other_remaining_oom),
        _kink(p.algorithmic_growth_oom_per_year, p.algorithms_remaining_oom),
        _kink(p.unhobbling_growth_oom_per_year, p.unhobbling_remaining_oom),
        np.full(p.size, span_years),
    ], axis=1)
    return np.sort(np.clip(kinks, 0.0, span_years), axis=1)


def _rows(p: ProjectionInputs, rows: slice) -> ProjectionInputs:
    return ProjectionInputs(**{k: getattr(p, k)[rows] for k in p.__dataclass_fields__})


def arrival_year(requirement_log10_flop, p: ProjectionInputs, cutoff_year: float,
                 horizon_year: float, chunk: int = 65_536) -> np.ndarray:
    """Exact first year t >= cutoff with E(t) >= R, per draw; +inf when after the horizon.

    requirement_log10_flop: (n,) requirement R in log10 FLOP at reference-year algorithms
    (+inf for "no path"). Works in chunks of `chunk` draws so that the (n, 7) temporaries stay
    in cache: time is linear in n.
    """
    r = np.asarray(requirement_log10_flop, dtype=float)
    if p.size <= chunk:
        return _arrival_year_block(r, p, cutoff_year, horizon_year)
    out = np.empty(p.size)
    for start in range(0, p.size, chunk):
        rows = slice(start, start + chunk)
        out[rows] = _arrival_year_block(r[rows], _rows(p, rows), cutoff_year, horizon_year)
    return out


def _arrival_year_block(requirement_log10_flop, p: ProjectionInputs, cutoff_year: float,
                        horizon_year: float) -> np.ndarray:
    # A requirement met exactly where E(t) plateaus (a cap binds) is met at the kink; rounding
    # puts the computed level a few ulps either side, so levels within TIE_TOLERANCE_ULPS float
    # spacings of R count as reaching it (~1e-13 OOM at R ~ 30: no effect beyond such ties).
    r_exact = np.asarray(requirement_log10_flop, dtype=float)
    with np.errstate(invalid="ignore"):
        ulp = np.where(np.isfinite(r_exact), np.spacing(np.abs(r_exact)), 0.0)
    r = r_exact - TIE_TOLERANCE_ULPS * ulp
    e_now = p.effective_compute_at_cutoff
    span = horizon_year - cutoff_year
    knots = breakpoints_years(p, span)
    level = e_now[:, None] + effective_compute_gain_oom(knots, p)
    a, b = level[:, :-1], level[:, 1:]
    crossed = (a < r[:, None]) & (b >= r[:, None])
    any_crossed = crossed.any(axis=1)
    j = np.argmax(crossed, axis=1)
    rows = np.arange(p.size)
    a_j, b_j = a[rows, j], b[rows, j]
    t0, t1 = knots[rows, j], knots[rows, j + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(b_j > a_j, (r_exact - a_j) / (b_j - a_j), 0.0)
    tau = t0 + np.clip(frac, 0.0, 1.0) * (t1 - t0)
    out = np.where(any_crossed, cutoff_year + tau, AFTER_HORIZON)
    return np.where(r <= e_now, cutoff_year, out)


def effective_compute_path(years, p: ProjectionInputs, cutoff_year: float) -> np.ndarray:
    """(n, len(years)) log10 effective FLOP on a year grid: the fitted trend before the cutoff,
    the capped projection after it."""
    years = np.asarray(years, dtype=float)
    tau = years - cutoff_year
    before = (p.effective_compute_at_cutoff[:, None]
              + p.historic_growth_oom_per_year[:, None] * np.minimum(tau, 0.0))
    after = p.effective_compute_at_cutoff[:, None] + effective_compute_gain_oom(
        np.maximum(tau, 0.0), p)
    return np.where(tau < 0, before, after)


def growth_rate_path(years, p: ProjectionInputs, cutoff_year: float,
                     step_years: float = 1.0) -> np.ndarray:
    """(n, len(years)) growth of E in OOM/yr over [year, year + step): the "decade or bust" view."""
    years = np.asarray(years, dtype=float)
    upper = effective_compute_path(years + step_years, p, cutoff_year)
    lower = effective_compute_path(years, p, cutoff_year)
    return (upper - lower) / step_years
