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

Physical walls (model/walls.py: power, chips, data, latency) cap physical compute after the
cutoff. With C_now = log10 C(t_now) and wall lines W_k(t_now + tau) = W_k0 + g_k tau,

    P(tau) = min(U(tau), min_k D_k(tau)),   D_k(tau) = max(W_k0 - C_now + g_k tau, 0)
    U(tau) = min(g_hw tau, H_hw) + S(tau) + min(g_other tau, H_other)
    E(t_now + tau) = E_now + P(tau) + min(g_alg tau, H_alg) + min(g_unhob tau, H_unhob)

(the floor at 0: a wall drawn below today's run holds compute at today's level until the wall
passes it, rather than undoing a run that exists; then E is not concave, which the solver does
not need). E is piecewise linear in tau. Its kinks are the five caps' kinks, and for each wall
the tau where it meets today's level (a wall below today rising to it, or one above falling to
it: D_k's floor at 0), where it crosses U on each of U's linear pieces, and
where it crosses each other wall: between consecutive kinks every term is linear, so the first
time E reaches a requirement R is found exactly, segment by segment: no grid, no root finder.
Arrival year T = first t >= t_now with E(t) >= R; T = t_now when E_now >= R already (possible
only through the softness of the "no AGI yet" observation); T = +inf ("after the horizon") when R
is not reached by the horizon year.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

AFTER_HORIZON = np.inf
TIE_TOLERANCE_ULPS = 16  # levels this many float spacings below R reach it (ties at caps)
BINDING_TOLERANCE = 1e-9  # OOM (and years): a wall closer than this to U is a tie, not binding


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


#: ProjectionInputs fields that hold one column per wall, (n, K), in model.walls.WALL_NAMES order.
WALL_FIELDS = ("wall_log10_flop_at_cutoff", "wall_growth_oom_per_year")


@dataclass(frozen=True)
class ProjectionInputs:
    """Per-draw arrays (shape (n,), the walls (n, K)) that define E(t) after the cutoff. The
    wall fields are optional: without them no wall caps (K = 0), and the physical compute at the
    cutoff, which only the walls need, defaults to E_now."""

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
    physical_compute_at_cutoff_log10_flop: np.ndarray | None = None  # C_now
    wall_log10_flop_at_cutoff: np.ndarray | None = None  # (n, K) W_k0; +inf: wall inactive
    wall_growth_oom_per_year: np.ndarray | None = None  # (n, K) g_k

    def __post_init__(self):
        n = self.effective_compute_at_cutoff.shape[0]
        if self.physical_compute_at_cutoff_log10_flop is None:
            object.__setattr__(self, "physical_compute_at_cutoff_log10_flop",
                               self.effective_compute_at_cutoff)
        if self.wall_log10_flop_at_cutoff is None:
            object.__setattr__(self, "wall_log10_flop_at_cutoff", np.full((n, 0), np.inf))
            object.__setattr__(self, "wall_growth_oom_per_year", np.zeros((n, 0)))

    @classmethod
    def from_mapping(cls, values: dict) -> ProjectionInputs:
        arrays = {f.name: np.asarray(values[f.name], dtype=float).ravel() for f in fields(cls)
                  if f.name in values and f.name not in WALL_FIELDS}
        n = {a.shape for a in arrays.values()}
        if len(n) != 1:
            n_max = max(a.size for a in arrays.values())
            arrays = {k: np.broadcast_to(v, (n_max,)) if v.size == 1 else v
                      for k, v in arrays.items()}
        n_rows = arrays["effective_compute_at_cutoff"].size
        for name in WALL_FIELDS:
            if name in values:
                wall = np.asarray(values[name], dtype=float)
                arrays[name] = np.broadcast_to(wall, (n_rows, wall.shape[-1]))
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


def _column(tau):
    return (lambda a: a[:, None]) if tau.ndim >= 1 else (lambda a: a)


def uncapped_physical_gain_oom(tau_years, p: ProjectionInputs) -> np.ndarray:
    """U(tau): physical compute's gain from hardware, spending (to its cap) and the residual,
    before the walls. `tau_years` broadcasts against (n, 1): pass (n, k) or (k,)."""
    tau = np.asarray(tau_years, dtype=float)
    col = _column(tau)
    spend = np.minimum(col(p.spending_growth_oom_per_year) * tau,
                       np.maximum(col(p.spending_headroom_oom), 0.0)
                       + col(p.gwp_growth_oom_per_year) * tau)
    return (_capped(col(p.hardware_growth_oom_per_year), col(p.hardware_remaining_oom), tau)
            + spend
            + _capped(col(p.other_growth_oom_per_year), col(p.other_remaining_oom), tau))


def wall_gaps_oom(tau_years, p: ProjectionInputs) -> np.ndarray:
    """D_k(tau) = max(W_k0 - C_now + g_k tau, 0), shape (n, K) for scalar tau, (n, K, k) for
    tau of shape (k,) or (n, k). +inf for an inactive wall."""
    tau = np.asarray(tau_years, dtype=float)
    gap0 = p.wall_log10_flop_at_cutoff - p.physical_compute_at_cutoff_log10_flop[:, None]
    rate = p.wall_growth_oom_per_year
    if tau.ndim >= 1:
        gap0, rate = gap0[:, :, None], rate[:, :, None]
        tau = tau[:, None, :] if tau.ndim == 2 else tau
    with np.errstate(invalid="ignore"):
        line = np.where(np.isfinite(gap0), gap0 + rate * tau, np.inf)
    return np.maximum(line, 0.0)


def physical_gain_oom(tau_years, p: ProjectionInputs) -> np.ndarray:
    """P(tau) = min(U(tau), min_k D_k(tau)): log10 C(t_now + tau) - C_now."""
    walls = np.min(wall_gaps_oom(tau_years, p), axis=1, initial=np.inf)
    return np.minimum(uncapped_physical_gain_oom(tau_years, p), walls)


def effective_compute_gain_oom(tau_years, p: ProjectionInputs) -> np.ndarray:
    """E(t_now + tau) - E_now. `tau_years` broadcasts against (n, 1): pass (n, k) or (k,)."""
    tau = np.asarray(tau_years, dtype=float)
    col = _column(tau)
    return (physical_gain_oom(tau, p)
            + _capped(col(p.algorithmic_growth_oom_per_year), col(p.algorithms_remaining_oom), tau)
            + _capped(col(p.unhobbling_growth_oom_per_year), col(p.unhobbling_remaining_oom), tau))


def _kink(rate, remaining):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tau = np.where(rate > 0, remaining / rate, np.inf)
    return np.where(np.isfinite(tau), tau, np.inf)


def spending_cap_kink_years(p: ProjectionInputs) -> np.ndarray:
    """tau at which spending meets its cap (0 when already there; +inf when it never does)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        spend_excess = p.spending_growth_oom_per_year - p.gwp_growth_oom_per_year
        return np.where(spend_excess > 0,
                        np.maximum(p.spending_headroom_oom, 0.0) / spend_excess, np.inf)


def _cap_breakpoints_years(p: ProjectionInputs, span_years: float) -> np.ndarray:
    """Sorted (n, 7): 0, the five caps' kinks (clipped to the span), and the span."""
    kinks = np.stack([
        np.zeros(p.size),
        _kink(p.hardware_growth_oom_per_year, p.hardware_remaining_oom),
        spending_cap_kink_years(p),
        _kink(p.other_growth_oom_per_year, p.other_remaining_oom),
        _kink(p.algorithmic_growth_oom_per_year, p.algorithms_remaining_oom),
        _kink(p.unhobbling_growth_oom_per_year, p.unhobbling_remaining_oom),
        np.full(p.size, span_years),
    ], axis=1)
    return np.sort(np.clip(kinks, 0.0, span_years), axis=1)


def _wall_breakpoints_years(p: ProjectionInputs, caps: np.ndarray) -> np.ndarray:
    """(n, K (1 + S) + K (K - 1) / 2) kinks the walls add (+inf where none; module docstring):
    where each wall line meets today's level (rising or falling), crosses U on each of the S
    segments between the caps' kinks `caps`, and crosses each other wall."""
    gap0 = p.wall_log10_flop_at_cutoff - p.physical_compute_at_cutoff_log10_flop[:, None]
    rate = p.wall_growth_oom_per_year
    n, n_walls = gap0.shape
    out = []
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # a wall meets today's level rising from below or falling from above (D_k's floor)
        out.append(np.where(gap0 * rate < 0, -gap0 / rate, np.inf))
        u = uncapped_physical_gain_oom(caps, p)  # (n, S + 1), linear between columns
        d = gap0[:, :, None] + rate[:, :, None] * caps[:, None, :] - u[:, None, :]
        d0, d1 = d[:, :, :-1], d[:, :, 1:]
        t0, t1 = caps[:, None, :-1], caps[:, None, 1:]
        cross = t0 + d0 / (d0 - d1) * (t1 - t0)
        out.append(np.where(d0 * d1 < 0, cross, np.inf).reshape(n, -1))
        for j in range(n_walls):
            for k in range(j + 1, n_walls):
                tau = (gap0[:, k] - gap0[:, j]) / (rate[:, j] - rate[:, k])
                out.append(tau[:, None])
    kinks = np.concatenate(out, axis=1) if out else np.empty((n, 0))
    return np.where(np.isfinite(kinks), kinks, np.inf)


def breakpoints_years(p: ProjectionInputs, span_years: float) -> np.ndarray:
    """Sorted (n, m) array from 0 to the span: every kink of E in between (module docstring);
    m = 7 without walls. Kinks outside [0, span] are clipped to its ends (harmless repeats)."""
    caps = _cap_breakpoints_years(p, span_years)
    if p.wall_log10_flop_at_cutoff.shape[1] == 0:
        return caps
    kinks = np.concatenate([caps, _wall_breakpoints_years(p, caps)], axis=1)
    return np.sort(np.clip(kinks, 0.0, span_years), axis=1)


def limit_binding_start_years(p: ProjectionInputs, cutoff_year: float, horizon_year: float,
                              chunk: int = 16_384) -> np.ndarray:
    """(n, 1 + K): the first year each limit holds physical compute, +inf if not by the horizon.

    Column 0 is the spending cap, then the walls in WALL_NAMES order. On each segment between
    consecutive kinks (all of E's kinks, so nothing crosses inside one), the limit that holds
    physical compute is read at the midpoint: wall k when D_k < U - BINDING_TOLERANCE and D_k
    is the lowest wall (the first in order on a tie, e.g. two walls both floored at today's
    level); the spending cap when spending is past its cap and U <= min_k D_k +
    BINDING_TOLERANCE. Tie rule: a limit starts binding at the left end of the first segment
    longer than BINDING_TOLERANCE (years) on which it holds, so a limit that holds for 1e-8
    years at the start binds there, and a float tie (a wall touching U, a segment of a few
    ulps) does not. Exact, like the arrival solver; no grid. Works in chunks of `chunk` draws.
    """
    if p.size > chunk:
        return np.concatenate([
            limit_binding_start_years(_rows(p, slice(i, i + chunk)), cutoff_year, horizon_year,
                                      chunk) for i in range(0, p.size, chunk)])
    knots = breakpoints_years(p, horizon_year - cutoff_year)
    mids = 0.5 * (knots[:, :-1] + knots[:, 1:])
    real = knots[:, 1:] - knots[:, :-1] > BINDING_TOLERANCE
    u = uncapped_physical_gain_oom(mids, p)
    gaps = wall_gaps_oom(mids, p)  # (n, K, m)
    lowest = np.min(gaps, axis=1, initial=np.inf)
    active = [real & (mids > spending_cap_kink_years(p)[:, None])
              & (u <= lowest + BINDING_TOLERANCE)]
    if gaps.shape[1]:
        which = np.argmin(gaps, axis=1)
        active += [real & (which == k) & (lowest < u - BINDING_TOLERANCE)
                   for k in range(gaps.shape[1])]
    out = np.full((p.size, len(active)), np.inf)
    for i, holds in enumerate(active):
        first = np.argmax(holds, axis=1)
        out[:, i] = np.where(holds.any(axis=1),
                             cutoff_year + knots[np.arange(p.size), first], np.inf)
    return out


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


def physical_compute_path(years, p: ProjectionInputs, cutoff_year: float) -> np.ndarray:
    """(n, len(years)) log10 physical FLOP of the run: the fitted trend before the cutoff, the
    capped and walled projection after it."""
    years = np.asarray(years, dtype=float)
    tau = years - cutoff_year
    c_now = p.physical_compute_at_cutoff_log10_flop[:, None]
    g_phys = (p.hardware_growth_oom_per_year + p.spending_growth_oom_per_year
              + p.other_growth_oom_per_year)[:, None]
    after = c_now + physical_gain_oom(np.maximum(tau, 0.0), p)
    return np.where(tau < 0, c_now + g_phys * np.minimum(tau, 0.0), after)


def uncapped_physical_compute_path(years, p: ProjectionInputs, cutoff_year: float) -> np.ndarray:
    """(n, len(years)) log10 physical FLOP without the walls (C_now + U after the cutoff)."""
    tau = np.maximum(np.asarray(years, dtype=float) - cutoff_year, 0.0)
    return p.physical_compute_at_cutoff_log10_flop[:, None] + uncapped_physical_gain_oom(tau, p)


def wall_paths(years, p: ProjectionInputs, cutoff_year: float) -> np.ndarray:
    """(n, K, len(years)) each wall's line W_k(t) = W_k0 + g_k (t - t_now), +inf if inactive."""
    tau = np.asarray(years, dtype=float) - cutoff_year
    with np.errstate(invalid="ignore"):
        return (p.wall_log10_flop_at_cutoff[:, :, None]
                + p.wall_growth_oom_per_year[:, :, None] * tau)


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
