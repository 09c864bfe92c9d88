"""The requirement R: log10 effective FLOP (reference-year algorithms) that AGI needs.

Prior: a mixture of named anchors plus an optional "no path" mass (R = +inf),

    R ~ w_0 delta(+inf) + sum_k w_k p_k(R),    m_k = median_k - g_alg (t_ref - y_k)

where anchor k is stated in FLOP at the algorithms of year y_k and is moved to the reference year
t_ref with the forecast domain's algorithmic rate g_alg (better algorithms need fewer FLOP).
p_k is a normal N(m_k, s_k^2), or a split normal with median m_k: half the mass below m_k as a
half-normal of scale s_lo, half above with scale s_hi (published anchors are asymmetric). A split
normal is a mixture of two truncated normals with weights 1/2, so everything below works on
*pieces*: a full normal (side 0), or the lower (side -1) or upper (side +1) half of one, each with
its weight (w_k or w_k / 2), median, scale and algorithms year (`requirement_pieces`).

The present as an observation: AGI has not arrived by the cutoff. With today's effective compute
E_now and a softness s (is today's best system AGI? a fuzzy judgement), "not yet" means
R + eps > E_now with eps ~ N(0, s^2), so the likelihood of the observation given R is
Phi((R - E_now) / s), and marginally over the mixture

    P(not yet | E_now) = w_0 + sum_pieces w_j S_j(E_now),

with, for a piece of scale s_j, tau_j = sqrt(s_j^2 + s^2), k_j = (E_now - m_j) / tau_j and
alpha_j = s_j / s,

    S_j = Phi(-k_j)                         full normal
    S_j = Phi(-k_j) + 2 T(k_j, alpha_j)     upper half  (R > m_j)
    S_j = Phi(-k_j) - 2 T(k_j, alpha_j)     lower half  (R < m_j)

where T is Owen's T function: with U = (R - m_j) / s_j and V = (R + eps - m_j) / tau_j, standard
normals with correlation rho_j = s_j / tau_j, a half's survival is 2 P(+-U > 0, V > k_j), and
P(U > 0, V > k) = int_k^inf phi(v) Phi(alpha v) dv is a skew-normal tail. The two halves of a
symmetric anchor add up to Phi(-k_j). The lower half is a difference of two terms: where it is
tiny (E_now far above the median) it carries an absolute rounding error of ~1e-16, negligible
next to the upper half, which then dominates the anchor.

That is the only place R touches the data, so NUTS never sees R. Afterwards R is drawn exactly,
per posterior draw, from p(R | not yet, E_now): pick a piece with probability proportional to its
term above; within a full normal, Z = R + eps ~ N(m, s_j^2 + s^2) truncated to Z > E_now, then
R | Z ~ N(m + s_j^2 (Z - m) / (s_j^2 + s^2), s_j^2 s^2 / (s_j^2 + s^2)); within a half, V is
drawn from its skew-normal law truncated to V > k_j by inverting S_j (bisection to machine
precision), then U | V ~ N(rho_j V, 1 - rho_j^2) truncated to the half (+-U > 0), R = m + s_j U.

The conditional CDF is also available in closed form (used to Rao-Blackwellise the arrival
probabilities: P(T <= y) = E_theta[ F(max E_theta up to y) ]). With G_j(x) = P(U <= x, V > k_j)
= Phi(x) - Phi2(x, k_j; rho_j) and a_j = (r - m_j) / s_j,

    F(r) = sum_pieces w_j c_j [G_j(hi_j) - G_j(lo_j)] / P(not yet),

(lo, hi, c) = (-inf, a, 1) for a full normal, (0, max(a, 0), 2) for an upper half and
(-inf, min(a, 0), 2) for a lower half (c: a half's density is twice the normal's). Phi2, the
bivariate normal CDF, is computed exactly through Owen's T function.

The capability anchor (model/capability.py, scenario `[requirement.capability]`): given theta,
R_cap ~ N(E_c + (mu_H - a_h) / b, sigma_H / b), b = max(b_h, floor), already at reference-year
algorithms. It is a normal piece whose median and scale differ per posterior draw, so Pieces
fields may be (P,) or (n_draws, P) and every function here broadcasts over the leading draw axis;
it is the LAST piece (anchor index len(req.anchors), label "capability"). Where b_h < floor the
piece is marked `never`: its mass counts as "no path" (survival 1, R = +inf, no CDF mass). The
marginal P(not yet) stays exact: the piece is one more normal term S_j = Phi(-k_j).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from model.capability import capability_requirement
from model.scenario import Requirement

#: Floor for probabilities taken to the log (a half's survival can round to 0 or below).
_TINY = 1e-300


@dataclass(frozen=True)
class Pieces:
    """The requirement mixture as normal pieces, in file order (see module docstring)."""

    weights: np.ndarray
    medians: np.ndarray
    sigmas: np.ndarray
    years: np.ndarray
    sides: np.ndarray  # 0 full normal, -1 lower half, +1 upper half
    anchor_index: np.ndarray
    #: (n, P) bool or None: the piece's mass is "no path" in that draw (capability, b_h < floor)
    never: np.ndarray | None = None

    @property
    def size(self) -> int:
        return self.sides.size

    @property
    def per_draw(self) -> bool:
        return np.ndim(self.weights) == 2

    @property
    def has_halves(self) -> bool:
        return bool(np.any(self.sides != 0))


@dataclass(frozen=True)
class CapabilityDraws:
    """Per-draw parameters the capability anchor reads (model/capability.py)."""

    log10_horizon_minutes_at_centre: np.ndarray
    horizon_per_oom: np.ndarray
    reference_year: float

    @classmethod
    def from_params(cls, params: dict, reference_year: float) -> CapabilityDraws:
        return cls(np.asarray(params["capability_horizon_log10_minutes_at_centre"], float),
                   np.asarray(params["capability_horizon_per_oom"], float), reference_year)


def capability_draws(req: Requirement, params: dict, reference_year: float):
    """CapabilityDraws from a per-draw parameter dict, or None without a capability anchor."""
    return None if req.capability is None else CapabilityDraws.from_params(params,
                                                                           reference_year)


def requirement_pieces(req: Requirement, capability: CapabilityDraws | None = None) -> Pieces:
    """A normal anchor is one piece (weight w); a split anchor two halves (weight w / 2 each).
    With `capability` (required when the requirement has a capability anchor), the capability
    anchor is appended as a per-draw normal piece and every field becomes (n_draws, P)."""
    base = blend_pieces(req)
    if req.capability is None:
        return base
    if capability is None:
        raise ValueError("the requirement has a capability anchor: pass its per-draw "
                         "parameters (requirement.CapabilityDraws)")
    b_h = np.atleast_1d(capability.horizon_per_oom)
    mean, sd = capability_requirement(req.capability,
                                      np.atleast_1d(capability.log10_horizon_minutes_at_centre),
                                      b_h)
    n = b_h.size

    def per_draw(x, last):
        return np.concatenate([np.broadcast_to(x, (n, x.size)), np.reshape(last, (n, 1))], 1)

    return Pieces(weights=per_draw(base.weights, np.full(n, req.capability.weight)),
                  medians=per_draw(base.medians, mean), sigmas=per_draw(base.sigmas, sd),
                  years=np.append(base.years, capability.reference_year),
                  sides=np.append(base.sides, 0),
                  anchor_index=np.append(base.anchor_index, len(req.anchors)),
                  never=per_draw(np.zeros(base.size, bool),
                                 b_h < req.capability.horizon_per_oom_floor))


def pieces_of_draws(pieces: Pieces, rows) -> Pieces:
    """The pieces of some draws (`rows` indexes the draw axis); (P,) fields are shared."""
    if not pieces.per_draw:
        return pieces

    def take(x):
        return None if x is None else x[rows]

    return Pieces(weights=take(pieces.weights), medians=take(pieces.medians),
                  sigmas=take(pieces.sigmas), years=pieces.years, sides=pieces.sides,
                  anchor_index=pieces.anchor_index, never=take(pieces.never))


def blend_pieces(req: Requirement) -> Pieces:
    """The named anchors' pieces only (the capability anchor, if any, left out): (P,) fields."""
    rows = []
    for i, a in enumerate(req.anchors):
        if a.is_split:
            rows.append((a.weight / 2, a.median_log10_flop, a.sigma_below_log10_flop,
                         a.algorithms_year, -1, i))
            rows.append((a.weight / 2, a.median_log10_flop, a.sigma_above_log10_flop,
                         a.algorithms_year, 1, i))
        else:
            rows.append((a.weight, a.median_log10_flop, a.sigma_log10_flop, a.algorithms_year,
                         0, i))
    cols = list(zip(*rows, strict=True)) or [()] * 6  # no named anchors: zero pieces
    return Pieces(*(np.array(c, dtype=float) for c in cols[:4]),
                  sides=np.array(cols[4], dtype=int), anchor_index=np.array(cols[5], dtype=int))


def anchor_arrays(req: Requirement) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(weights, medians, sigmas, algorithm years) of the anchors, in file order.

    Normal anchors only: a scenario with split anchors must use `requirement_pieces`."""
    if any(a.is_split for a in req.anchors):
        raise ValueError("the requirement has split-normal anchors; use requirement_pieces()")
    return (np.array([a.weight for a in req.anchors]),
            np.array([a.median_log10_flop for a in req.anchors]),
            np.array([a.sigma_log10_flop for a in req.anchors]),
            np.array([a.algorithms_year for a in req.anchors]))


def anchor_means_at_reference(medians, algorithms_years, algorithmic_growth_oom_per_year,
                              reference_year):
    """m_k = median_k - g_alg (t_ref - y_k); broadcasts (n, 1) rates against (K,) anchors.
    Pure arithmetic, so NumPy and PyTensor share it."""
    return medians - algorithmic_growth_oom_per_year * (reference_year - algorithms_years)


def log_piece_survival(k, alpha, sides) -> np.ndarray:
    """log S_j: log P(R + eps > E_now | piece), k = (E_now - m) / tau, alpha = s_j / s."""
    base = special.log_ndtr(-k)
    sides = np.broadcast_to(sides, np.shape(k))
    if not np.any(sides != 0):
        return base
    t2 = 2.0 * special.owens_t(k, alpha)
    upper = np.logaddexp(base, np.log(np.maximum(t2, _TINY)))
    lower = np.log(np.maximum(special.ndtr(-k) - t2, _TINY))
    return np.where(sides == 0, base, np.where(sides > 0, upper, lower))


def _piece_log_terms(pieces: Pieces, e_now, g, s, reference_year):
    """(n, P) log w_j S_j and the means (n, P); e_now, g, s are (n, 1). A `never` piece has
    survival 1 (its mass is "no path" in that draw)."""
    means = anchor_means_at_reference(pieces.medians, pieces.years, g, reference_year)
    tau = np.sqrt(pieces.sigmas**2 + s**2)
    k = (e_now - means) / tau
    with np.errstate(divide="ignore"):
        alpha = pieces.sigmas / s
    log_s = log_piece_survival(k, alpha, pieces.sides)
    if pieces.never is not None:
        log_s = np.where(pieces.never, 0.0, log_s)
    return np.log(pieces.weights) + log_s, means


def _at(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """x[rows, cols] for a per-draw (n, P) field, x[cols] for a (P,) one."""
    return x[rows, cols] if np.ndim(x) == 2 else x[cols]


def _column(x: np.ndarray, j: int):
    """Piece j of a field: an (n, 1) column of a per-draw field, a scalar of a (P,) one."""
    return x[:, j:j + 1] if np.ndim(x) == 2 else x[j]


def log_prob_not_yet(req: Requirement, e_now, algorithmic_growth_oom_per_year, softness_oom,
                     reference_year, capability: CapabilityDraws | None = None) -> np.ndarray:
    """log P(not yet | E_now), per draw (NumPy; the PyMC graph uses the same formula)."""
    e_now = np.asarray(e_now, dtype=float)[:, None]
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)[:, None]
    s = np.asarray(softness_oom, dtype=float)[:, None]
    terms, _ = _piece_log_terms(requirement_pieces(req, capability), e_now, g, s,
                                reference_year)
    if req.no_path_weight > 0:
        terms = np.concatenate([terms, np.full((terms.shape[0], 1),
                                               np.log(req.no_path_weight))], axis=1)
    return special.logsumexp(terms, axis=1)


def draw_prior(rng: np.random.Generator, req: Requirement, algorithmic_growth_oom_per_year,
               reference_year: float, capability: CapabilityDraws | None = None) -> np.ndarray:
    """One draw of R per element of the rate array, from the unconditioned mixture."""
    return draw_prior_with_anchor(rng, req, algorithmic_growth_oom_per_year, reference_year,
                                  capability)[0]


def draw_prior_with_anchor(rng: np.random.Generator, req: Requirement,
                           algorithmic_growth_oom_per_year, reference_year: float,
                           capability: CapabilityDraws | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """(R, the index of its anchor in req.anchors (len(req.anchors): capability), -1 for "no
    path") per element of the rate array, from the unconditioned mixture (the same random
    stream as draw_prior)."""
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)
    p = requirement_pieces(req, capability)
    if p.per_draw:  # per-draw weights: one uniform per draw against the cumulative weights
        probs = np.concatenate([p.weights, np.full((g.size, 1), req.no_path_weight)], axis=1)
        cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        k = np.minimum((rng.random(g.size)[:, None] > cum).sum(axis=1), p.size)
    else:
        probs = np.append(p.weights, req.no_path_weight)
        k = rng.choice(probs.size, size=g.size, p=probs / probs.sum())
    is_anchor = k < p.size
    kk = np.where(is_anchor, k, 0)
    rows = np.arange(g.size)
    if p.never is not None:
        is_anchor &= ~p.never[rows, kk]
    means = anchor_means_at_reference(_at(p.medians, rows, kk), p.years[kk], g, reference_year)
    z = rng.standard_normal(g.size)
    side = p.sides[kk]
    r = means + _at(p.sigmas, rows, kk) * np.where(side == 0, z, side * np.abs(z))
    return np.where(is_anchor, r, np.inf), np.where(is_anchor, p.anchor_index[kk], -1)


def draw_conditional(rng: np.random.Generator, req: Requirement, e_now,
                     algorithmic_growth_oom_per_year, softness_oom,
                     reference_year: float,
                     capability: CapabilityDraws | None = None) -> np.ndarray:
    """Exact draw of R | (not yet at the cutoff), one per posterior draw (see module docstring)."""
    e_now = np.asarray(e_now, dtype=float)
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)
    s = np.asarray(softness_oom, dtype=float)
    n = e_now.size
    p = requirement_pieces(req, capability)
    log_terms, means = _piece_log_terms(p, e_now[:, None], g[:, None], s[:, None],
                                        reference_year)
    total_sd = np.sqrt(p.sigmas**2 + s[:, None] ** 2)
    no_path = np.full((n, 1), np.log(req.no_path_weight) if req.no_path_weight > 0 else -np.inf)
    log_terms = np.concatenate([log_terms, no_path], axis=1)
    probs = np.exp(log_terms - special.logsumexp(log_terms, axis=1, keepdims=True))
    cum = np.cumsum(probs, axis=1)
    k = (rng.random(n)[:, None] > cum).sum(axis=1)
    k = np.minimum(k, p.size)  # guard rounding at the top end
    is_anchor = k < p.size
    kk = np.where(is_anchor, k, 0)
    rows = np.arange(n)
    if p.never is not None:
        is_anchor &= ~p.never[rows, kk]
    m, sk, tsd = means[rows, kk], _at(p.sigmas, rows, kk), total_sd[rows, kk]
    # Z ~ N(m, tsd^2) truncated below at E_now, by inversion on the log scale for stability.
    a = (e_now - m) / tsd
    z = m + tsd * _truncated_standard_normal_above(rng, a)
    shrink = sk**2 / tsd**2
    r_mean = m + shrink * (z - m)
    r_sd = np.sqrt(sk**2 * s**2) / tsd
    r = r_mean + r_sd * rng.standard_normal(n)
    half = is_anchor & (p.sides[kk] != 0)
    if p.has_halves and half.any():
        r[half] = _draw_half_conditional(rng, m[half], sk[half], s[half], e_now[half],
                                         p.sides[kk][half])
    return np.where(is_anchor, r, np.inf)


def _draw_half_conditional(rng, m, sigma, softness, e_now, sides) -> np.ndarray:
    """Exact draws of R | R + eps > E_now within one half of a normal (module docstring)."""
    tau = np.sqrt(sigma**2 + softness**2)
    k = (e_now - m) / tau
    alpha = sigma / softness
    rho = sigma / tau
    target = np.log(rng.random(m.size)) + log_piece_survival(k, alpha, sides)
    lo, hi = k.copy(), np.maximum(k, 0.0) + 40.0
    for _ in range(64):  # bisection: log S is decreasing in v; width < 80 / 2^64
        mid = 0.5 * (lo + hi)
        above = log_piece_survival(mid, alpha, sides) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    v = 0.5 * (lo + hi)
    sd = softness / tau  # sqrt(1 - rho^2)
    bound = -rho * v / sd
    a = np.where(sides > 0, bound, -np.inf)
    b = np.where(sides > 0, np.inf, bound)
    u = rho * v + sd * stats.truncnorm.rvs(a, b, random_state=rng, size=m.size)
    return m + sigma * u


def _truncated_standard_normal_above(rng: np.random.Generator, a: np.ndarray) -> np.ndarray:
    """Draws of X ~ N(0, 1) conditioned on X > a, exact (scipy's truncnorm, vectorised)."""
    return stats.truncnorm.rvs(a, np.inf, random_state=rng, size=a.shape)


def bivariate_normal_cdf(h, k, rho):
    """P(X <= h, Y <= k) for standard normals with correlation rho, via Owen's T (Owen 1956):

        Phi2 = (Phi(h) + Phi(k)) / 2 - T(h, a_h) - T(k, a_k) - beta,
        a_h = (k - rho h) / (h sqrt(1 - rho^2)),  a_k = (h - rho k) / (k sqrt(1 - rho^2)),
        beta = 1/2 if h k < 0 else 0.
    """
    h, k, rho = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float),
                                    np.asarray(rho, float))
    h = np.clip(h, -40.0, 40.0)
    k = np.clip(k, -40.0, 40.0)
    tiny = 1e-10
    h = np.where(np.abs(h) < tiny, tiny, h)
    k = np.where(np.abs(k) < tiny, tiny, k)
    root = np.sqrt(np.maximum(1.0 - rho**2, 1e-300))
    a_h = (k - rho * h) / (h * root)
    a_k = (h - rho * k) / (k * root)
    beta = np.where(h * k < 0, 0.5, 0.0)
    out = (0.5 * (special.ndtr(h) + special.ndtr(k)) - special.owens_t(h, a_h)
           - special.owens_t(k, a_k) - beta)
    return np.clip(out, 0.0, 1.0)


def anchor_labels(req: Requirement) -> list[str]:
    """The anchors' names in mixture order (the rows of every per-anchor output); the capability
    anchor, when the requirement has one, is the last, labelled "capability"."""
    return [a.name for a in req.anchors] + (["capability"] if req.capability is not None else [])


def number_of_anchors(pieces: Pieces) -> int:
    """How many anchors the pieces belong to (a split anchor is two pieces of one anchor)."""
    return int(np.max(pieces.anchor_index)) + 1


def _pieces(req: Requirement, pieces: Pieces | None,
            capability: CapabilityDraws | None) -> Pieces:
    """The pieces a per-anchor function works on: given, or built (capability included)."""
    return requirement_pieces(req, capability) if pieces is None else pieces


def _never_column(p: Pieces, j: int):
    """(n, 1) bool: piece j's mass is "no path" in that draw; False (a scalar) without `never`."""
    return False if p.never is None else p.never[:, j:j + 1]


def joint_cdf_by_anchor(req: Requirement, r, e_now, algorithmic_growth_oom_per_year,
                        softness_oom, reference_year: float, pieces: Pieces | None = None,
                        capability: CapabilityDraws | None = None) -> np.ndarray:
    """F_k(r) = P(R <= r, anchor k | not yet at the cutoff), per anchor and draw: (K, n, m).

    The same closed form as `conditional_cdf` (module docstring), its sum over pieces restricted
    to anchor k's pieces:

        F_k(r) = sum_{j in k} w_j c_j [G_j(hi_j) - G_j(lo_j)] / P(not yet),

    so sum_k F_k(r) = F(r) exactly, and F_k(+inf) = P(anchor k | not yet), the anchor's
    posterior responsibility at this draw. r is (n, m), the rest (n,); a Pieces field may be
    (P,) or per draw (n, P). K = number_of_anchors(pieces), the capability anchor (if any) last.
    A piece marked `never` in a draw adds no CDF mass there and its weight enters P(not yet)
    with survival 1 (it is "no path" in that draw).
    """
    r = np.asarray(r, dtype=float)
    e_now = np.asarray(e_now, dtype=float)[:, None]
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)[:, None]
    s = np.asarray(softness_oom, dtype=float)[:, None]
    p = _pieces(req, pieces, capability)
    numerator = np.zeros((number_of_anchors(p), *r.shape))
    denominator = np.full((r.shape[0], 1), req.no_path_weight)
    for j in range(p.size):
        w, sig, side = _column(p.weights, j), _column(p.sigmas, j), int(p.sides[j])
        never = _never_column(p, j)
        denominator = denominator + np.where(never, w, 0.0)
        w = np.where(never, 0.0, w)
        m = anchor_means_at_reference(_column(p.medians, j), p.years[j], g, reference_year)
        total = np.sqrt(sig**2 + s**2)
        a = (r - m) / sig
        b = (e_now - m) / total
        rho = sig / total

        def below(x, b=b, rho=rho):  # G(x) = P(U <= x, V > b)
            return special.ndtr(np.clip(x, -40, 40)) - bivariate_normal_cdf(x, b, rho)

        if side == 0:
            term = w * below(a)
        elif side > 0:
            term = 2 * w * np.maximum(below(np.maximum(a, 0.0)) - below(np.zeros_like(a)), 0.0)
        else:
            term = 2 * w * below(np.minimum(a, 0.0))
        numerator[p.anchor_index[j]] += term
        denominator = denominator + w * np.exp(log_piece_survival(b, sig / s, side))
    return np.clip(numerator / denominator, 0.0, 1.0)


def anchor_responsibilities(req: Requirement, e_now, algorithmic_growth_oom_per_year,
                            softness_oom, reference_year: float, pieces: Pieces | None = None,
                            capability: CapabilityDraws | None = None) -> np.ndarray:
    """P(anchor k | not yet, theta) per draw, (n, K + 1), the last column "no path":

        P(k | not yet) = sum_{j in k} w_j S_j(E_now) / P(not yet),  P(no path | not yet)
        = (w_0 + sum_{j never} w_j) / P(not yet),

    the terms of the marginal likelihood of "not yet" (module docstring), so each row sums to 1;
    a piece marked `never` in a draw (capability, b_h below the floor) is "no path" there.
    Averaged over posterior draws: P(anchor k | not yet, data)."""
    e_now = np.asarray(e_now, dtype=float)[:, None]
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)[:, None]
    s = np.asarray(softness_oom, dtype=float)[:, None]
    p = _pieces(req, pieces, capability)
    log_terms, _ = _piece_log_terms(p, e_now, g, s, reference_year)
    n_draws = log_terms.shape[0]
    never = (np.zeros(log_terms.shape, bool) if p.never is None
             else np.broadcast_to(p.never, log_terms.shape))
    n_anchor = number_of_anchors(p)
    by_anchor = np.full((n_draws, n_anchor + 1), -np.inf)
    for k in range(n_anchor):
        by_anchor[:, k] = special.logsumexp(
            np.where(never, -np.inf, log_terms)[:, p.anchor_index == k], axis=1)
    no_path = np.where(never, log_terms, -np.inf)
    if req.no_path_weight > 0:
        no_path = np.concatenate([no_path, np.full((n_draws, 1),
                                                   np.log(req.no_path_weight))], axis=1)
    by_anchor[:, -1] = special.logsumexp(no_path, axis=1)
    return np.exp(by_anchor - special.logsumexp(by_anchor, axis=1, keepdims=True))


def conditional_cdf(req: Requirement, r, e_now, algorithmic_growth_oom_per_year, softness_oom,
                    reference_year: float,
                    capability: CapabilityDraws | None = None) -> np.ndarray:
    """F(r) = P(R <= r | not yet at the cutoff), per draw: r is (n, m), the rest (n,). The sum
    over anchors of `joint_cdf_by_anchor` (one computation for both)."""
    return np.clip(joint_cdf_by_anchor(req, r, e_now, algorithmic_growth_oom_per_year,
                                       softness_oom, reference_year,
                                       capability=capability).sum(axis=0), 0.0, 1.0)


def log_prior_density(req: Requirement, r, algorithmic_growth_oom_per_year,
                      reference_year: float, pieces: Pieces | None = None,
                      capability: CapabilityDraws | None = None) -> np.ndarray:
    """log p(R | theta) of the prior mixture at each draw's R, (n,); "no path" (R = +inf) is a
    point mass, so its draws get log of its mass (density and mass on one scale: power-scaling
    the mixture scales the atom's weight as it scales the anchors' densities).

        p(R | theta) = sum_j w_j c_j phi((R - m_j) / s_j) / s_j,  restricted to a half's side,

    c_j = 2 for a half, 1 for a full normal (module docstring). The capability anchor's piece
    is per draw; in a draw where it is `never`, its weight joins the "no path" mass,
    w_0 + w_cap."""
    r = np.asarray(r, dtype=float)
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)
    p = _pieces(req, pieces, capability)
    dens = special.logsumexp(_log_density_by_anchor(req, r, g, reference_year, p), axis=1)
    with np.errstate(divide="ignore"):
        no_path = np.log(req.no_path_weight + _never_weight(p, r.size))
    return np.where(np.isfinite(r), dens - 0.5 * np.log(2 * np.pi), no_path)


def _never_weight(p: Pieces, n: int) -> np.ndarray:
    """(n,) the weight of the pieces marked `never` in each draw (0 without such pieces)."""
    if p.never is None:
        return np.zeros(n)
    return np.sum(np.where(p.never, np.broadcast_to(p.weights, p.never.shape), 0.0), axis=1)


def _log_density_by_anchor(req: Requirement, r, g, reference_year, p: Pieces) -> np.ndarray:
    """log w_k p_k(R) + log sqrt(2 pi) per draw and anchor, (n, K) (the constant cancels in
    every use but the density itself); -inf for R = +inf and for a piece marked `never`."""
    finite = np.isfinite(r)
    rr = np.where(finite, r, 0.0)[:, None]
    means = anchor_means_at_reference(p.medians, p.years, g[:, None], reference_year)
    z = (rr - means) / p.sigmas
    on_side = (p.sides == 0) | (np.sign(z) == p.sides) | (z == 0)
    if p.never is not None:
        on_side = on_side & ~p.never
    terms = np.where(on_side, np.log(p.weights) + np.where(p.sides == 0, 0.0, np.log(2.0))
                     - 0.5 * z**2 - np.log(p.sigmas), -np.inf)
    out = np.full((r.size, number_of_anchors(p)), -np.inf)
    for k in range(out.shape[1]):
        out[:, k] = special.logsumexp(terms[:, p.anchor_index == k], axis=1)
    return np.where(finite[:, None], out, -np.inf)


def prior_weights(req: Requirement) -> np.ndarray:
    """(w_1, ..., w_K, w_cap, w_0): the anchors' weights in `anchor_labels` order (the capability
    anchor's included when present), then "no path"."""
    cap = [req.capability.weight] if req.capability is not None else []
    return np.array([a.weight for a in req.anchors] + cap + [req.no_path_weight])


def dirichlet_parameters(req: Requirement) -> np.ndarray:
    """c * (w_1, ..., w_K, w_cap, w_0): the Dirichlet on the weights, anchors (capability last)
    then "no path" (scenario.Requirement docstring); raises if the scenario sets no
    concentration."""
    if req.weights_concentration is None:
        raise ValueError("the requirement has no weights_concentration")
    return req.weights_concentration * prior_weights(req)


def draw_weights_given_requirement(rng: np.random.Generator, req: Requirement, r,
                                   algorithmic_growth_oom_per_year, reference_year: float,
                                   capability: CapabilityDraws | None = None) -> np.ndarray:
    """Exact draws of the weights w | (theta, R, not yet), one row per draw, (n, K + 1).

    With w ~ Dirichlet(a), a = c w_bar, and R | w ~ sum_k w_k p_k (the "not yet" factor
    Phi((R - E_now) / s) does not involve w once R is given),

        p(w | R) ~ Dir(w; a) sum_k w_k p_k(R) = sum_k pi_k Dir(w; a + e_k),
        pi_k ~ (a_k / sum a) p_k(R) ~ w_bar_k p_k(R),

    since w_k Dir(w; a) = (a_k / sum a) Dir(w; a + e_k): pick k with probability pi_k, then
    draw Dir(a + e_k). When R = +inf the atom's components are "no path" and, in a draw where
    the capability piece is `never`, the capability anchor (pi ~ w_bar_0, w_bar_cap)."""
    a = dirichlet_parameters(req)
    r = np.asarray(r, dtype=float)
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)
    p = requirement_pieces(req, capability)
    log_pi = _log_density_by_anchor(req, r, g, reference_year, p)
    infinite = ~np.isfinite(r)
    if p.never is not None:  # the capability anchor is the last anchor and its piece the last
        log_w_cap = np.log(req.capability.weight)
        log_pi[:, -1] = np.where(infinite & p.never[:, -1], log_w_cap, log_pi[:, -1])
    with np.errstate(divide="ignore"):
        no_path = np.where(infinite, np.log(req.no_path_weight), -np.inf)[:, None]
    log_pi = np.concatenate([log_pi, no_path], axis=1)
    probs = np.exp(log_pi - special.logsumexp(log_pi, axis=1, keepdims=True))
    k = np.minimum((rng.random(r.size)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1),
                   a.size - 1)
    gam = rng.standard_gamma(a[None, :] + np.eye(a.size)[k])
    return gam / gam.sum(axis=1, keepdims=True)


def log_dirichlet_density(w, a) -> np.ndarray:
    """log Dir(w; a) per row of w (weights floored at 1e-300: a component drawn as 0.0 in
    floating point has a finite, very small weight)."""
    w = np.maximum(np.asarray(w, dtype=float), 1e-300)
    a = np.asarray(a, dtype=float)
    return (special.gammaln(a.sum()) - special.gammaln(a).sum()
            + np.sum((a - 1.0) * np.log(w), axis=1))
