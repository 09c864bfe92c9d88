"""The requirement R: log10 effective FLOP (reference-year algorithms) that AGI needs.

Prior: a mixture of named anchors plus an optional "no path" mass (R = +inf),

    R ~ w_0 delta(+inf) + sum_k w_k N(m_k, s_k^2),    m_k = median_k - g_alg (t_ref - y_k)

where anchor k is stated in FLOP at the algorithms of year y_k and is moved to the reference year
t_ref with the forecast domain's algorithmic rate g_alg (better algorithms need fewer FLOP).

The present as an observation: AGI has not arrived by the cutoff. With today's effective compute
E_now and a softness s (is today's best system AGI? a fuzzy judgement), "not yet" means
R + eps > E_now with eps ~ N(0, s^2), so the likelihood of the observation given R is
Phi((R - E_now) / s), and marginally over the mixture

    P(not yet | E_now) = w_0 + sum_k w_k Phi((m_k - E_now) / sqrt(s_k^2 + s^2)).

That is the only place R touches the data, so NUTS never sees R. Afterwards R is drawn exactly,
per posterior draw, from p(R | not yet, E_now): pick a component with probability proportional to
its term above; within anchor k, let Z = R + eps ~ N(m_k, s_k^2 + s^2) truncated to Z > E_now,
then R | Z ~ N(m_k + s_k^2 (Z - m_k) / (s_k^2 + s^2), s_k^2 s^2 / (s_k^2 + s^2)).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from model.scenario import Requirement


def anchor_arrays(req: Requirement) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(weights, medians, sigmas, algorithm years) of the anchors, in file order."""
    return (np.array([a.weight for a in req.anchors]),
            np.array([a.median_log10_flop for a in req.anchors]),
            np.array([a.sigma_log10_flop for a in req.anchors]),
            np.array([a.algorithms_year for a in req.anchors]))


def anchor_means_at_reference(medians, algorithms_years, algorithmic_growth_oom_per_year,
                              reference_year):
    """m_k = median_k - g_alg (t_ref - y_k); broadcasts (n, 1) rates against (K,) anchors.
    Pure arithmetic, so NumPy and PyTensor share it."""
    return medians - algorithmic_growth_oom_per_year * (reference_year - algorithms_years)


def log_prob_not_yet(req: Requirement, e_now, algorithmic_growth_oom_per_year, softness_oom,
                     reference_year) -> np.ndarray:
    """log P(not yet | E_now), per draw (NumPy; the PyMC graph uses the same formula)."""
    w, med, sig, years = anchor_arrays(req)
    e_now = np.asarray(e_now, dtype=float)[:, None]
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)[:, None]
    s = np.asarray(softness_oom, dtype=float)[:, None]
    means = anchor_means_at_reference(med, years, g, reference_year)
    terms = np.log(w) + special.log_ndtr((means - e_now) / np.sqrt(sig**2 + s**2))
    if req.no_path_weight > 0:
        terms = np.concatenate([terms, np.full((terms.shape[0], 1),
                                               np.log(req.no_path_weight))], axis=1)
    return special.logsumexp(terms, axis=1)


def draw_prior(rng: np.random.Generator, req: Requirement, algorithmic_growth_oom_per_year,
               reference_year: float) -> np.ndarray:
    """One draw of R per element of the rate array, from the unconditioned mixture."""
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)
    w, med, sig, years = anchor_arrays(req)
    probs = np.append(w, req.no_path_weight)
    k = rng.choice(probs.size, size=g.size, p=probs / probs.sum())
    is_anchor = k < w.size
    kk = np.where(is_anchor, k, 0)
    means = anchor_means_at_reference(med[kk], years[kk], g, reference_year)
    r = means + sig[kk] * rng.standard_normal(g.size)
    return np.where(is_anchor, r, np.inf)


def draw_conditional(rng: np.random.Generator, req: Requirement, e_now,
                     algorithmic_growth_oom_per_year, softness_oom,
                     reference_year: float) -> np.ndarray:
    """Exact draw of R | (not yet at the cutoff), one per posterior draw (see module docstring)."""
    e_now = np.asarray(e_now, dtype=float)
    g = np.asarray(algorithmic_growth_oom_per_year, dtype=float)
    s = np.asarray(softness_oom, dtype=float)
    n = e_now.size
    w, med, sig, years = anchor_arrays(req)
    means = anchor_means_at_reference(med, years, g[:, None], reference_year)  # (n, K)
    total_sd = np.sqrt(sig**2 + s[:, None] ** 2)
    log_terms = np.log(w) + special.log_ndtr((means - e_now[:, None]) / total_sd)
    no_path = np.full((n, 1), np.log(req.no_path_weight) if req.no_path_weight > 0 else -np.inf)
    log_terms = np.concatenate([log_terms, no_path], axis=1)
    probs = np.exp(log_terms - special.logsumexp(log_terms, axis=1, keepdims=True))
    cum = np.cumsum(probs, axis=1)
    k = (rng.random(n)[:, None] > cum).sum(axis=1)
    k = np.minimum(k, w.size)  # guard rounding at the top end
    is_anchor = k < w.size
    kk = np.where(is_anchor, k, 0)
    rows = np.arange(n)
    m, sk, tsd = means[rows, kk], sig[kk], total_sd[rows, kk]
    # Z ~ N(m, tsd^2) truncated below at E_now, by inversion on the log scale for stability.
    a = (e_now - m) / tsd
    z = m + tsd * _truncated_standard_normal_above(rng, a)
    shrink = sk**2 / tsd**2
    r_mean = m + shrink * (z - m)
    r_sd = np.sqrt(sk**2 * s**2) / tsd
    r = r_mean + r_sd * rng.standard_normal(n)
    return np.where(is_anchor, r, np.inf)


def _truncated_standard_normal_above(rng: np.random.Generator, a: np.ndarray) -> np.ndarray:
    """Draws of X ~ N(0, 1) conditioned on X > a, exact (scipy's truncnorm, vectorised)."""
    return stats.truncnorm.rvs(a, np.inf, random_state=rng, size=a.shape)
