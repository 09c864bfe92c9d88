"""The arrival solver against brute force, and its monotonicity (property tests)."""

import os

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from model.projection import (
    BINDING_TOLERANCE,
    ProjectionInputs,
    arrival_year,
    effective_compute_gain_oom,
    effective_compute_path,
    limit_binding_start_years,
    physical_compute_path,
    uncapped_physical_gain_oom,
)

CUTOFF, HORIZON = 2025.5, 2100.0


def make_inputs(n=1, **overrides):
    base = dict(
        effective_compute_at_cutoff=27.5, hardware_growth_oom_per_year=0.12,
        spending_growth_oom_per_year=0.45, other_growth_oom_per_year=0.08,
        algorithmic_growth_oom_per_year=0.45, unhobbling_growth_oom_per_year=0.0,
        gwp_growth_oom_per_year=0.0128, spending_headroom_oom=3.0, hardware_remaining_oom=4.0,
        other_remaining_oom=1.0, algorithms_remaining_oom=5.0, unhobbling_remaining_oom=0.0)
    base.update(overrides)
    return ProjectionInputs.from_mapping({k: np.broadcast_to(np.asarray(v, float), (n,))
                                          for k, v in base.items()})


def brute_force_arrival(requirement, p, step=1e-4):
    """First grid year with E >= R (grid of `step` years): an independent, slow reference."""
    years = np.arange(CUTOFF, HORIZON + step, step)
    out = np.empty(p.size)
    for i in range(p.size):
        one = ProjectionInputs(**{k: getattr(p, k)[i:i + 1] for k in p.__dataclass_fields__})
        e = one.effective_compute_at_cutoff[0] + effective_compute_gain_oom(years - CUTOFF, one)[0]
        hit = np.nonzero(e >= requirement[i])[0]
        out[i] = years[hit[0]] if hit.size else np.inf
    return out


rates = st.floats(0.0, 0.8)
caps = st.floats(0.0, 8.0)


def assert_arrival_matches_brute_force(p, need):
    """The exact arrival year for R = E_now + need agrees with the grid search within 2e-4 yr;
    where the grid finds none, the exact one lies past the horizon or within one grid step of it
    (brute force may miss a crossing there)."""
    r = p.effective_compute_at_cutoff + need
    exact = arrival_year(r, p, CUTOFF, HORIZON)
    brute = brute_force_arrival(r, p)
    if np.isinf(brute[0]):
        assert np.isinf(exact[0]) or exact[0] > HORIZON - 1e-3
    else:
        assert abs(exact[0] - brute[0]) <= 2e-4, (exact, brute)


@settings(max_examples=40, deadline=None)
# CI found this one: a requirement met exactly when the residual cap binds (float tie)
@example(g_hw=0.0, g_s=0.0, g_o=0.25, g_a=0.0, head=0.0, c_hw=0.0, c_o=1.6802346162487738,
         c_a=0.0, need=1.6802346162487738)
@given(g_hw=rates, g_s=rates, g_o=st.floats(-0.2, 0.3), g_a=rates, head=st.floats(-2, 6),
       c_hw=caps, c_o=caps, c_a=caps, need=st.floats(-1.0, 25.0))
def test_solver_matches_brute_force(g_hw, g_s, g_o, g_a, head, c_hw, c_o, c_a, need):
    p = make_inputs(hardware_growth_oom_per_year=g_hw, spending_growth_oom_per_year=g_s,
                    other_growth_oom_per_year=g_o, algorithmic_growth_oom_per_year=g_a,
                    spending_headroom_oom=head, hardware_remaining_oom=c_hw,
                    other_remaining_oom=c_o, algorithms_remaining_oom=c_a)
    assert_arrival_matches_brute_force(p, need)


@settings(max_examples=60, deadline=None)
@given(need=st.floats(0.0, 20.0), extra=st.floats(0.01, 5.0), head=st.floats(-1, 5),
       g_s=rates, g_a=rates)
def test_later_requirement_means_later_arrival(need, extra, head, g_s, g_a):
    p = make_inputs(spending_headroom_oom=head, spending_growth_oom_per_year=g_s,
                    algorithmic_growth_oom_per_year=g_a)
    r = p.effective_compute_at_cutoff + need
    early = arrival_year(r, p, CUTOFF, HORIZON)[0]
    late = arrival_year(r + extra, p, CUTOFF, HORIZON)[0]
    assert late >= early - 1e-9


@settings(max_examples=60, deadline=None)
@given(need=st.floats(0.1, 20.0), base=rates, boost=st.floats(0.01, 0.5),
       which=st.sampled_from(["hardware_growth_oom_per_year", "spending_growth_oom_per_year",
                              "algorithmic_growth_oom_per_year", "other_growth_oom_per_year"]))
def test_faster_growth_means_earlier_arrival(need, base, boost, which):
    slow = make_inputs(**{which: base})
    fast = make_inputs(**{which: base + boost})
    r = slow.effective_compute_at_cutoff + need
    # up to float rounding (1e-9 yr): the two solves take different arithmetic paths
    assert (arrival_year(r, fast, CUTOFF, HORIZON)[0]
            <= arrival_year(r, slow, CUTOFF, HORIZON)[0] + 1e-9)


def test_closed_form_cases():
    # no caps bind: E grows at 1.1 OOM/yr, 2.2 OOM takes 2 years
    p = make_inputs(spending_headroom_oom=100.0, hardware_remaining_oom=100.0,
                    other_remaining_oom=100.0, algorithms_remaining_oom=100.0)
    assert arrival_year(p.effective_compute_at_cutoff + 2.2, p, CUTOFF, HORIZON)[0] == \
        __import__("pytest").approx(CUTOFF + 2.0, abs=1e-9)
    # already reached -> the cutoff; no path -> after the horizon
    assert arrival_year(p.effective_compute_at_cutoff - 0.1, p, CUTOFF, HORIZON)[0] == CUTOFF
    assert np.isinf(arrival_year(np.array([np.inf]), p, CUTOFF, HORIZON)[0])
    # everything capped at zero: never arrives
    q = make_inputs(hardware_remaining_oom=0, other_remaining_oom=0, algorithms_remaining_oom=0,
                    spending_headroom_oom=0, gwp_growth_oom_per_year=0.0)
    assert np.isinf(arrival_year(q.effective_compute_at_cutoff + 0.5, q, CUTOFF, HORIZON)[0])


def test_spending_cap_slows_growth_to_the_economy():
    p = make_inputs(spending_headroom_oom=1.0, hardware_growth_oom_per_year=0.0,
                    other_growth_oom_per_year=0.0, algorithmic_growth_oom_per_year=0.0)
    years = np.array([CUTOFF, CUTOFF + 1.0, CUTOFF + 10.0])
    e = effective_compute_path(years, p, CUTOFF)[0] - 27.5
    # 0.45 OOM/yr until the 1-OOM headroom is used (at tau = 1 / (0.45 - 0.0128)), then GWP growth
    assert e[1] == __import__("pytest").approx(0.45)
    assert e[2] == __import__("pytest").approx(1.0 + 0.0128 * 10.0)


def test_solver_vectorised_equals_one_by_one():
    rng = np.random.default_rng(3)
    n = 500
    p = make_inputs(n, spending_headroom_oom=rng.normal(2, 2, n),
                    algorithmic_growth_oom_per_year=rng.uniform(0, 0.8, n),
                    algorithms_remaining_oom=rng.uniform(0, 8, n))
    r = p.effective_compute_at_cutoff + rng.uniform(-1, 20, n)
    together = arrival_year(r, p, CUTOFF, HORIZON)
    for i in range(0, n, 50):
        one = ProjectionInputs(**{k: getattr(p, k)[i:i + 1] for k in p.__dataclass_fields__})
        assert arrival_year(r[i:i + 1], one, CUTOFF, HORIZON)[0] == together[i]


@pytest.mark.parametrize("g_hw, g_o, g_a, c_hw, c_o, c_a", [
    (0.79439828, 0.77606216, 0.09069606, 6.96423111, 2.57906269, 0.32732406),
    (0.58011627, 0.0, 0.28578472, 6.31435949, 4.06250597, 2.29069717),
    (0.0, 0.56809809, 0.10048383, 1.1459236, 1.64524681, 3.47897306),
    (0.0, 0.0, 0.37596742, 7.42698057, 0.78465295, 3.09376978),
])
def test_requirement_equal_to_the_plateau_is_met_at_the_last_kink(g_hw, g_o, g_a, c_hw, c_o, c_a):
    """Float ties: R equal to E's plateau (every growing part capped) is reached at the last
    kink, not at the horizon (these cases returned 2100 before the tie tolerance)."""
    p = make_inputs(hardware_growth_oom_per_year=g_hw, spending_growth_oom_per_year=0.0,
                    other_growth_oom_per_year=g_o, algorithmic_growth_oom_per_year=g_a,
                    hardware_remaining_oom=c_hw, other_remaining_oom=c_o,
                    algorithms_remaining_oom=c_a)
    parts = [(g, c) for g, c in [(g_hw, c_hw), (g_o, c_o), (g_a, c_a)] if g > 0]
    need = sum(c for _, c in parts)
    last_kink = max(c / g for g, c in parts)
    got = arrival_year(p.effective_compute_at_cutoff + need, p, CUTOFF, HORIZON)[0]
    assert got == pytest.approx(CUTOFF + last_kink, abs=1e-6)


# ---------------------------------------------------------------- physical walls
def walled_inputs(wall_gap0, wall_rate, n=1, **overrides):
    """make_inputs plus walls: W_k0 - C_now = wall_gap0[k], growing at wall_rate[k]; C_now 27."""
    base = make_inputs(n, **overrides)
    values = {k: getattr(base, k) for k in base.__dataclass_fields__}
    values["physical_compute_at_cutoff_log10_flop"] = np.full(n, 27.0)
    values["wall_log10_flop_at_cutoff"] = 27.0 + np.broadcast_to(
        np.asarray(wall_gap0, float), (n, len(wall_gap0)))
    values["wall_growth_oom_per_year"] = np.broadcast_to(np.asarray(wall_rate, float),
                                                         (n, len(wall_rate)))
    return ProjectionInputs.from_mapping(values)


def limits_holding(p, years):
    """(1 + K, len(years)) which limit holds physical compute at each year, evaluated pointwise
    from the capped parts: an independent reference. The tie rule of
    limit_binding_start_years: the spending cap holds when spending is capped and U is at most
    BINDING_TOLERANCE above the lowest wall; wall k when it is the lowest (the first on a tie)
    and more than BINDING_TOLERANCE below U."""
    tau = years - CUTOFF
    u = uncapped_physical_gain_oom(tau, p)[0]
    gaps = np.maximum(p.wall_log10_flop_at_cutoff[0][:, None] - 27.0
                      + p.wall_growth_oom_per_year[0][:, None] * tau, 0.0)
    lowest = gaps.min(axis=0)
    cap = np.maximum(p.spending_headroom_oom[0], 0) + p.gwp_growth_oom_per_year[0] * tau
    spend_capped = p.spending_growth_oom_per_year[0] * tau > cap
    holds = [spend_capped & (u <= lowest + BINDING_TOLERANCE)]
    holds += [(np.argmin(gaps, axis=0) == k) & (lowest < u - BINDING_TOLERANCE)
              for k in range(gaps.shape[0])]
    return np.array(holds)


def brute_force_binding(p, step=1e-3):
    """First grid year at which each limit holds physical compute."""
    years = np.arange(CUTOFF, HORIZON, step)
    return np.array([years[np.argmax(h)] if h.any() else np.inf
                     for h in limits_holding(p, years)])


wall_gaps = st.lists(st.floats(-1.0, 6.0), min_size=1, max_size=4)
#: (W_k0 - C_now, g_k) per wall, drawn together so that explicit @examples can name them
walls = st.lists(st.tuples(st.floats(-1.0, 6.0), st.floats(-0.1, 0.6)), min_size=1, max_size=4)
#: OOMCAST_PROPERTY_EXAMPLES=3000 runs the binding-start property test at length (by hand)
BINDING_EXAMPLES = int(os.environ.get("OOMCAST_PROPERTY_EXAMPLES", "30"))


def holds_just_after(p, start_year, limit):
    """Whether `limit` holds at some year start + d, d = BINDING_TOLERANCE sqrt(2)^j up to 4e-3
    years: a limit that starts binding at `start` holds on a segment [start, start + L] with L >
    BINDING_TOLERANCE where its margin is linear, so it holds on [L/4, L/2] or [L/2, 3L/4] after
    the start, and ratio-sqrt(2) offsets land in both."""
    offsets = BINDING_TOLERANCE * np.sqrt(2.0) ** np.arange(0, 2 * np.log2(4e-3 / 1e-9) + 1)
    return bool(limits_holding(p, start_year + offsets)[limit].any())


@settings(max_examples=40, deadline=None)
@given(g_hw=rates, g_s=rates, g_a=rates, head=st.floats(-2, 6), c_hw=caps, c_a=caps,
       need=st.floats(-1.0, 25.0), gaps0=wall_gaps, data=st.data())
def test_walled_solver_matches_brute_force(g_hw, g_s, g_a, head, c_hw, c_a, need, gaps0, data):
    rates_k = data.draw(st.lists(st.floats(-0.1, 0.6), min_size=len(gaps0),
                                 max_size=len(gaps0)))
    p = walled_inputs(gaps0, rates_k, hardware_growth_oom_per_year=g_hw,
                      spending_growth_oom_per_year=g_s, algorithmic_growth_oom_per_year=g_a,
                      spending_headroom_oom=head, hardware_remaining_oom=c_hw,
                      algorithms_remaining_oom=c_a)
    assert_arrival_matches_brute_force(p, need)


def test_a_wall_caps_physical_compute_on_its_line():
    # physical growth 0.65 OOM/yr, wall 2 OOM above today growing 0.2 OOM/yr: they meet at
    # tau = 2 / (0.65 - 0.2) = 4.444; after that physical compute follows the wall
    p = walled_inputs([2.0], [0.2], spending_headroom_oom=20.0, algorithmic_growth_oom_per_year=0.0)
    years = np.array([CUTOFF + 1.0, CUTOFF + 2 / 0.45, CUTOFF + 10.0])
    c = physical_compute_path(years, p, CUTOFF)[0]
    assert c == pytest.approx([27.65, 27.0 + 0.65 * 2 / 0.45, 27.0 + 2.0 + 0.2 * 10.0])
    assert arrival_year(np.array([27.5 + 4.0]), p, CUTOFF, HORIZON)[0] == pytest.approx(
        CUTOFF + (4.0 - 2.0) / 0.2)
    start = limit_binding_start_years(p, CUTOFF, HORIZON)[0]
    assert start[1] == pytest.approx(CUTOFF + 2 / 0.45)
    assert np.isinf(start[0])  # the spending cap (20 OOM away) never holds compute


def test_a_wall_below_today_holds_compute_at_today_until_it_passes():
    p = walled_inputs([-1.0], [0.25], algorithmic_growth_oom_per_year=0.0)
    c = physical_compute_path(np.array([CUTOFF, CUTOFF + 2.0, CUTOFF + 6.0]), p, CUTOFF)[0]
    assert c == pytest.approx([27.0, 27.0, 27.0 + 0.5])


def test_inactive_walls_change_nothing():
    rng = np.random.default_rng(5)
    n = 400
    kw = dict(spending_headroom_oom=rng.normal(2, 2, n),
              algorithmic_growth_oom_per_year=rng.uniform(0, 0.8, n))
    plain = make_inputs(n, **kw)
    walled = walled_inputs([np.inf, np.inf], [0.0, 0.0], n=n, **kw)
    r = plain.effective_compute_at_cutoff + rng.uniform(-1, 20, n)
    assert np.array_equal(arrival_year(r, plain, CUTOFF, HORIZON),
                          arrival_year(r, walled, CUTOFF, HORIZON))
    start = limit_binding_start_years(walled, CUTOFF, HORIZON)
    assert np.isinf(start[:, 1:]).all()


@settings(max_examples=BINDING_EXAMPLES, deadline=None)
# a fresh-clone CI run: headroom 0 and a wall 1e-9 OOM above today with zero rates: the spending
# cap holds for ~1.1e-8 years (longer than BINDING_TOLERANCE), then the wall; the 1e-3-year grid
# sees only the wall, so the reference checks just after the exact start
@example(g_hw=0.0, g_s=0.5, head=0.0, c_hw=0.0, walls=[(1e-9, 0.0)])
# 3000 examples found these: a falling wall that reaches today's level (tau = 10.67, 16) kinks
# D_k (its floor at 0) and ties with the floored wall 2; the solver lacked that kink
@example(g_hw=0.0, g_s=0.0, head=0.0, c_hw=0.0, walls=[(1.0, -0.09375), (0.0, -0.0625)])
@example(g_hw=0.0, g_s=0.0, head=0.0, c_hw=0.0, walls=[(1.0, -0.0625), (0.0, -0.0625)])
@given(g_hw=rates, g_s=rates, head=st.floats(-2, 6), c_hw=caps, walls=walls)
def test_binding_start_matches_brute_force(g_hw, g_s, head, c_hw, walls):
    """Tie rule (limit_binding_start_years): a limit starts binding at the left end of the first
    segment longer than BINDING_TOLERANCE on which it holds. Against the 1e-3-year grid: a start
    the grid also finds agrees within two steps; an earlier one (a segment shorter than a step)
    must hold just after it; the exact solver never starts a limit later than the grid does."""
    gaps0, rates_k = [w[0] for w in walls], [w[1] for w in walls]
    p = walled_inputs(gaps0, rates_k, hardware_growth_oom_per_year=g_hw,
                      spending_growth_oom_per_year=g_s, spending_headroom_oom=head,
                      hardware_remaining_oom=c_hw)
    exact = limit_binding_start_years(p, CUTOFF, HORIZON)[0]
    brute = brute_force_binding(p)
    for i, (e, b) in enumerate(zip(exact, brute, strict=True)):
        if np.isinf(b) and np.isinf(e):
            continue
        assert np.isfinite(e), (i, exact, brute)  # the grid saw it hold: the solver must too
        if np.isfinite(b):
            assert e <= b + 2e-3, (i, exact, brute)
            if e >= b - 2e-3:
                continue
        assert holds_just_after(p, e, i), (i, exact, brute)
