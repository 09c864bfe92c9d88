"""The PyMC model, from the curated tables and a scenario.

Blocks (DESIGN.md), with t in decimal years, t_ref the scenario's reference year and every
quantity in log10 units (OOMs):

1. Physical compute of the LARGEST training run. Four streams share one set of growth rates, so
   they add up coherently:
       GPU FP32 price-performance   y_j = h_ref + g_hw (t_j - t_ref)                       + e_j
       accelerators, tensor FP16    y_k = a_ref + g_hw (t_k - t_ref)                       + e_k
       frontier training cost       y_j = s_ref - dS(t_j) (1 - L_j) + g_spend (t_j - t_ref)
                                          + D(t_j) + e_j
       frontier compute             y_i = c_ref - dC (1 - L_i) + g_phys (t_i - t_ref)      + e_i
   g_phys = g_hw + g_spend + g_other, Student-t errors; for compute, sd_i^2 = scatter^2 +
   err(Confidence_i)^2 so that Epoch's label widens the error of each estimate.
   The frontier envelope: c_ref and s_ref are the trend of each calendar year's LARGEST run
   (L_i = 1 for the row with the most compute, resp. cost, of a year with at least
   LARGEST_RUN_MIN_ROWS_PER_YEAR rows); every other row is a typical frontier model, dC
   (`largest_run_premium_oom`) resp. dS (`largest_run_cost_premium_oom`) below it. So the
   forecast starts at the largest run (E_now below, the spending headroom in forecast.py), as the
   requirement anchors ("GPT-4 + 5 OOM", Cotra's FLOP) are stated, and a published preset's level
   prior (its model's largest run) keeps its meaning. The cost premium changes over time,
       dS(t) = dS + dS' (t - t_ref)
   (`largest_run_cost_premium_oom` at the reference year, `..._trend_oom_per_year`): the gap
   between each year's costliest run and the rest of Cottier et al.'s sample fell from
   1.2-1.9 OOM (2016-2021) to 0.4-0.9 OOM (2022-2025), which one constant dS cannot follow
   (priors/README.md, "Spending", for what it changed). The spending rate drifts (a local
   linear trend): at each calendar-year boundary b (an integer year) the rate steps by
   eta_b = sigma_g z_b, z_b ~ N(0, 1) (non-centred, `spending_rate_drift_z`;
   sigma_g = `spending_rate_drift_sd_oom_per_year`),
   pinned at the cutoff t_a: g_spend is the spending rate AT THE CUTOFF and D(t_a) = 0, so
       D(t) = sum_b eta_b |t - b|   over the boundaries b in (t, t_a] (t before t_a)
                                    or (t_a, t] (t after t_a),
   the integral from t_a to t of a rate deviation that is a random walk in calendar years
   (`spending_drift_design`). A row h years past the cutoff has Var D = sigma_g^2 sum_b (t - b)^2
   ~ sigma_g^2 h^3 / 3: a persistent change of the spending rate (the 2023-2025 rows sit ~0.65
   OOM above the 2016-2022 trend) widens the predictive of later years (model/simulate.py, the
   backtest's predictive), where memoryless row errors or year shocks cannot. Only the cost stream
   carries D; the compute stream keeps its line (g_phys), so a drift that compute does not show is
   absorbed by g_other = g_phys - g_hw - g_spend. The forecast (forecast.py) uses g_spend, the
   fitted rate at the cutoff, and s_ref + g_spend (t_a - t_ref), the level at the cutoff; it does
   not propagate future drift (the projection's rates stay constant until a wall). The year's
   maximum is an order statistic,
   modelled as a location shift with the same scatter: an approximation, checked by recovery on
   data simulated with that shift (tests/test_recovery.py) and by the streams' PPC / LOO-PIT.
   Hardware: data-centre accelerators at training precision (Epoch ML hardware, 2017-2024) pin
   g_hw. The FP32 file (Hobbhahn & Besiroglu 2022, general GPUs 2005-2021) shares the rate with
   its own intercept and scatter only when settings.use_gpu_fp32_stream is on (off by default:
   it mixes consumer and data-centre GPUs in one Student-t, and its LOO-PIT leaves the band);
   off, its window is empty, so h_ref and its scatter stay at their priors and touch no datum.
   What g_other is (the spending / "other" double count): with N chips of peak speed F (FLOP/s)
   and price P, utilisation u, run length D and amortisation life L, compute is
   C = N F u D and Cottier et al.'s amortised cost is K = N P D / L (+ energy), so
       log10 C = log10 K + log10(F / P) + log10 u + log10 L:
   run length D cancels. Spending (K) already grows with longer runs, so g_other is only
   utilisation, precision gains not in the price streams, and hardware life: never duration.
   Geometry: each stream's intercept is sampled at its data's mean year t_c, x_c = x_ref - g
   (t_ref - t_c), which removes the intercept-slope correlation (0.93 for the GPU stream, whose
   data end in 2021). The prior stays the scenario's prior on x_ref, independent of g: for a
   location family, x_c | g ~ Prior(loc - g (t_ref - t_c)) has exactly that joint density (a
   shear, Jacobian 1). x_ref is kept as a deterministic with the scenario's name.
   Sampled coordinates (SAMPLED_AS; the public names stay, as deterministics):
   - The physical growth as one sum. The frontier stream pins g_phys and the cost stream g_spend,
     so g_spend and g_other = g_phys - g_hw - g_spend are strongly anti-correlated (-0.92) when
     g_other is sampled. The map (g_hw, g_spend, g_other) -> (g_hw, g_spend, g_phys) is
     triangular with a unit diagonal (a shear, Jacobian 1), so
         p(g_hw, g_spend, g_phys) = p_hw(g_hw) p_spend(g_spend) p_other(g_phys - g_hw - g_spend):
     g_phys | g_hw, g_spend ~ Prior_other shifted by (g_hw + g_spend), exact for a location
     family; g_other = g_phys - g_hw - g_spend is the deterministic. (A Fixed or non-location
     g_other prior keeps the old coordinates.)
   - A HalfNormal(s) label error e that enters only as e^2 is sampled as x ~ Normal(0, s) with
     e = |x|: the density of |x| is 2 N(e; 0, s) on [0, inf), exactly HalfNormal(s), and the
     likelihood sees x^2 = e^2. NUTS then moves on the raw scale, where a posterior with mass at
     e ~ 0 is smooth, instead of log e, where it becomes a long left tail (the lowest tail ESS).
     The capability block's horizon scatter s_h is one too: it enters only as
     sqrt(s_h^2 + meas_sd_i^2) (model/capability.py), and with METR's measurement sd beside it
     the data leave mass at s_h ~ 0 (its tail ESS was the gate's lowest at 4 x 500; issue 15).
   - The spending rate and the cost level at the cost data's centre year t_c, not at the cutoff.
     The data pin the level and the rate where the rows are (mid-window); the rate at the cutoff
     g_a rests on the last year or two, so with g_a and the intercept sampled, NUTS met
     g_a ~ -0.8 correlated with the intercept and ~0.5-0.6 with the last steps z_b, and took 126
     leapfrog steps per draw (55 before the drift). The same drift pinned at t_c:
         g(t) = g_c + sum_b eta_b over b in (t_c, t] (minus over (t, t_c]),
         level(t) = L_c + g_c (t - t_c) + D_c(t),   D_c(t) = sum_b eta_b |t - b| over the
                                                     boundaries between t_c and t,
     is the same curve: D_a(t) - D_a(t_c) = D_c(t) - (g_a - g_c)(t - t_c), with
     g_a = g_c + r . eta (r_b = +1 for b in (t_c, t_a], -1 for b in (t_a, t_c]) and
     s_ref = L_c + shift, shift = g_a (t_ref - t_c) - (r . eta)(t_a - t_c) + D_c(t_a)
     (`spending_drift_maps`, `cost_level_shift`). Both maps are shears (g_c | eta is g_a moved
     by r . eta; L_c | g_a, eta is s_ref moved by shift; Jacobian 1), so g_c | eta ~ Prior_spend
     shifted by -(r . eta) and L_c | g_a, eta ~ Prior_s_ref shifted by -shift keep the
     scenario's priors on g_a and s_ref, independent of the drift, exactly as before: the same
     model, 63 leapfrog steps per draw at target_accept 0.98 (issue 15). The free
     `log10_training_cost_at_centre_usd` is now the cost trend's level at t_c (the drift
     included), and `spending_growth_at_cost_centre_oom_per_year` the rate there.
2. Algorithmic efficiency, rate g_d for domain d, partially pooled on the log scale:
       ln g_d = mu + tau z_d,  z_d ~ N(0, 1)   (non-centred; rates are positive)
   Streams:
   - Hernandez & Brown series s (compute to reach a fixed level):
       log10 C_j = b_s - g_{d(s)} (t_j - tbar_s) + e_j
   - ImageNet models inside a scaling law in effective compute (as Erdil & Besiroglu: performance
     depends on compute made effective by the algorithms of its date, not on raw compute):
       logit(top-1 error_j) = a + delta extra_j
                              - beta [(log10 C_j - mean) + g_vision (t_j - tbar)] + e_j
   - Ho et al. 2024, a published estimate used as a summary likelihood:
       ln(rate_published) ~ N(ln g_language, se), se from its 95% interval.
   - Optional, off by default (settings.use_inference_price_stream): Epoch's LLM inference-price
     decline at fixed capability (published_estimates row epoch2025_inference_price_decline),
     log10(factor per year) ~ N(g_language + g_hw, se), se from its 90% range. A price at fixed
     capability falls with algorithms AND hardware (and with margins, distillation and
     inference-only tricks, which only the wide se absorbs), so it informs g_language net of g_hw,
     weakly: ~40x/yr is 1.6 OOM/yr with se 0.61 OOM/yr.
3./4. Unhobbling and the limits act only after the cutoff: see projection.py.
Capability evidence (DESIGN.md block 5: METR horizons, ECI vs effective compute): capability.py.
5./6. The requirement enters only through "no AGI yet at the cutoff", marginalised analytically
   (requirement.py): log P(not yet | E_now) is the log-likelihood of the observed
   `no_agi_by_cutoff`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.dist_math import normal_lcdf

from model.capability import (
    CAPABILITY_OBSERVED,
    CAPABILITY_PARAMETERS,
    add_capability_block,
    capability_coords,
    capability_observations,
    capability_terms_graph,
)
from model.distributions import Fixed, HalfNormal
from model.projection import effective_compute_at_cutoff
from model.requirement import anchor_means_at_reference, blend_pieces, requirement_pieces
from model.scenario import CONFIDENCE_LABELS, DOMAINS, Scenario

EFFICIENCY_SERIES = ("alexnet_level", "resnet50_level", "seq2seq_level", "gnmt_level")

#: The free parameters' names in the posterior (the public contract; tests pin it).
FREE_PARAMETERS = (
    "log10_frontier_compute_at_centre_flop", "hardware_growth_oom_per_year",
    "spending_growth_oom_per_year", "other_growth_oom_per_year",
    "log10_flop_per_s_per_usd_at_centre", "log10_training_cost_at_centre_usd",
    "frontier_compute_scatter_oom", "hardware_scatter_oom", "training_cost_scatter_oom",
    "largest_run_premium_oom", "largest_run_cost_premium_oom",
    "largest_run_cost_premium_trend_oom_per_year", "spending_rate_drift_sd_oom_per_year",
    "spending_rate_drift_z",
    "log10_accelerator_flop_per_s_per_usd_at_centre", "accelerator_scatter_oom",
    "algorithmic_log_rate_mean", "algorithmic_log_rate_domain_sd", "algorithmic_log_rate_z",
    "log10_efficiency_series_flop", "efficiency_series_scatter_oom",
    "imagenet_logit_error_at_center", "imagenet_scaling_per_oom", "imagenet_extra_data_shift",
    "imagenet_scatter_logit", "not_yet_agi_softness_oom", "compute_error_likely_oom",
    "compute_error_speculative_oom", "compute_error_unknown_oom", *CAPABILITY_PARAMETERS,
)
#: Public name -> the coordinate NUTS samples in its place (module docstring, "Sampled
#: coordinates"), when the scenario's prior allows it (see `sampled_as`). The public name is then
#: a deterministic, so summaries, figures and the gate read the same names as before.
SAMPLED_AS = {
    "other_growth_oom_per_year": "physical_compute_growth_oom_per_year",
    "spending_growth_oom_per_year": "spending_growth_at_cost_centre_oom_per_year",
    "compute_error_likely_oom": "compute_error_likely_signed_oom",
    "compute_error_speculative_oom": "compute_error_speculative_signed_oom",
    "compute_error_unknown_oom": "compute_error_unknown_signed_oom",
    "capability_horizon_scatter_oom": "capability_horizon_scatter_signed_oom",
}
#: The SAMPLED_AS entries drawn as |Normal(0, s)| (a HalfNormal(s) that enters only squared).
SAMPLED_AS_ABS_NORMAL = ("compute_error_likely_oom", "compute_error_speculative_oom",
                         "compute_error_unknown_oom", "capability_horizon_scatter_oom")
OBSERVED_STREAMS = ("frontier_log10_flop", "gpu_log10_flop_per_s_per_usd",
                    "accelerator_log10_flop_per_s_per_usd", "training_log10_cost_usd",
                    "efficiency_log10_flop", "imagenet_logit_top1_error",
                    "ho2024_log_algorithmic_growth", "no_agi_by_cutoff", *CAPABILITY_OBSERVED)
#: Streams a scenario setting switches on (off by default): setting -> observed variable.
OPTIONAL_STREAMS = {"use_inference_price_stream": "inference_price_log10_decline"}
#: Observed variable -> (Observations field, dims). Each value enters the graph as a `pm.Data`
#: container named f"{variable}_observed", so a compiled model can take new data without
#: recompiling (SBC: nutpie's `with_data`, or `pm.set_data`). `no_agi_by_cutoff` is always 1.
OBSERVED_DATA = {
    "frontier_log10_flop": ("frontier_log10_flop", "frontier_model"),
    "gpu_log10_flop_per_s_per_usd": ("gpu_log10_flop_per_s_per_usd", "gpu"),
    "accelerator_log10_flop_per_s_per_usd": ("accelerator_log10_flop_per_s_per_usd",
                                             "accelerator"),
    "training_log10_cost_usd": ("training_log10_cost_usd", "cost_model"),
    "efficiency_log10_flop": ("efficiency_log10_flop", "efficiency_point"),
    "imagenet_logit_top1_error": ("imagenet_logit_top1_error", "imagenet_model"),
    "ho2024_log_algorithmic_growth": ("ho2024_log_rate", None),
    "inference_price_log10_decline": ("inference_price_log10_decline", None),
    **CAPABILITY_OBSERVED,
}


@dataclass(frozen=True)
class Observations:
    """Every datum the model conditions on, as NumPy arrays (shared with the NumPy simulator)."""

    cutoff_year: float
    frontier_year: np.ndarray
    frontier_log10_flop: np.ndarray
    frontier_confidence_idx: np.ndarray
    frontier_model: np.ndarray
    frontier_is_largest_of_year: np.ndarray  # 1.0 for the year's largest run (see docstring)
    gpu_year: np.ndarray
    gpu_log10_flop_per_s_per_usd: np.ndarray
    accelerator_year: np.ndarray
    accelerator_log10_flop_per_s_per_usd: np.ndarray
    accelerator_model: np.ndarray
    cost_year: np.ndarray
    training_log10_cost_usd: np.ndarray
    cost_model: np.ndarray
    cost_is_largest_of_year: np.ndarray
    efficiency_year: np.ndarray
    efficiency_log10_flop: np.ndarray
    efficiency_series_idx: np.ndarray
    efficiency_series_mid_year: np.ndarray  # (len(EFFICIENCY_SERIES),)
    imagenet_year: np.ndarray
    imagenet_log10_flop: np.ndarray
    imagenet_extra_data: np.ndarray
    imagenet_logit_top1_error: np.ndarray
    ho2024_log_rate: float
    ho2024_log_rate_se: float
    # optional stream (see module docstring); NaN when the data have no such row
    inference_price_log10_decline: float = float("nan")
    inference_price_log10_decline_se: float = float("nan")
    # capability streams (model/capability.py: capability_observations); empty = no such data
    horizon_year: np.ndarray = field(default_factory=lambda: np.zeros(0))
    horizon_log10_minutes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    horizon_log10_sd: np.ndarray = field(default_factory=lambda: np.zeros(0))
    horizon_model: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    eci_year: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eci_points: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eci_log10_flop: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eci_model: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))

    @property
    def centre_years(self) -> dict[str, float]:
        """Mean observation year per stream: where each intercept is sampled (see docstring)."""
        def mean(years):
            return float(np.mean(years)) if years.size else self.cutoff_year
        return {"frontier": mean(self.frontier_year), "gpu": mean(self.gpu_year),
                "accelerator": mean(self.accelerator_year), "cost": mean(self.cost_year)}

    @property
    def ho2024_withheld(self) -> bool:
        """Ho et al. 2024 published after the cutoff: its likelihood is flat (WITHHELD_SE)."""
        return self.ho2024_log_rate_se == WITHHELD_SE

    def sizes(self) -> dict[str, int]:
        """Rows per data stream (the published estimates: `published_estimates_used`)."""
        return {"frontier_compute": self.frontier_year.size, "hardware": self.gpu_year.size,
                "accelerators": self.accelerator_year.size,
                "training_cost": self.cost_year.size, "efficiency": self.efficiency_year.size,
                "imagenet": self.imagenet_year.size, "time_horizon": self.horizon_year.size,
                "eci": self.eci_year.size}

    def published_estimates_used(self, scenario: Scenario) -> list[str]:
        """The published_estimates rows that condition the fit (public at the cutoff, and
        switched on by the scenario where optional)."""
        used = [] if self.ho2024_withheld else ["ho2024_lm_halving"]
        if (scenario.settings.get("use_inference_price_stream")
                and self.inference_price_log10_decline_se != WITHHELD_SE):
            used.append("epoch2025_inference_price_decline")
        return used


def _window(df, column: str, start: float, cutoff: float):
    return df[(df[column] >= start) & (df[column] <= cutoff)]


#: A calendar year's largest row marks the frontier envelope only if the year has at least this
#: many rows: with one or two, the "largest" is hardly above a typical model (the expected
#: maximum of n draws is ~0.85 sd above the mean for n = 3, 0.56 for n = 2, 0 for n = 1).
LARGEST_RUN_MIN_ROWS_PER_YEAR = 3


def largest_of_year(years: np.ndarray, values: np.ndarray,
                    min_rows: int = LARGEST_RUN_MIN_ROWS_PER_YEAR) -> np.ndarray:
    """1.0 for the row with the largest value of each calendar year that has >= min_rows rows,
    else 0.0 (ties: the first such row)."""
    years = np.asarray(years, float)
    values = np.asarray(values, float)
    out = np.zeros(years.size)
    calendar = np.floor(years)
    for y in np.unique(calendar):
        rows = np.flatnonzero(calendar == y)
        if rows.size >= min_rows:
            out[rows[np.argmax(values[rows])]] = 1.0
    return out


#: Standard error that makes a withheld summary likelihood flat in practice (a published estimate
#: whose publication_date is after the cutoff): 100 in ln OOM/yr (Ho et al.) or OOM/yr (prices)
#: against posterior spreads of ~0.1, so the term is constant to 1e-6 over every plausible rate
#: while the graph keeps its shape (SBC and the backtests swap data, never structure).
WITHHELD_SE = 100.0


def published_by(row, cutoff_year: float) -> bool:
    """Whether a published_estimates row was public at the cutoff (decimal year)."""
    from model.data import decimal_year

    return decimal_year(row["publication_date"]) <= cutoff_year


def ho2024_summary(row) -> tuple[float, float]:
    """Published halving time (months, with a central interval) -> ln(OOM/yr) and its sd.

    rate = log10(2) / (halving_months / 12); the interval maps to ln-rate bounds, and
    se = (ln r_hi - ln r_lo) / (2 z), z the normal quantile of the interval level.
    """
    from scipy import stats

    def to_rate(months):
        return np.log10(2.0) / (months / 12.0)

    z = stats.norm.ppf(0.5 + float(row["interval_level"]) / 2.0)
    log_rate = np.log(to_rate(float(row["central"])))
    se = (np.log(to_rate(float(row["lower"]))) - np.log(to_rate(float(row["upper"])))) / (2 * z)
    return float(log_rate), float(se)


def inference_price_summary(row) -> tuple[float, float]:
    """Published price-decline factor per year (with a central range) -> OOM/yr and its sd:
    y = log10(central), se = (log10 upper - log10 lower) / (2 z), z the range's normal quantile."""
    from scipy import stats

    z = stats.norm.ppf(0.5 + float(row["interval_level"]) / 2.0)
    se = (np.log10(float(row["upper"])) - np.log10(float(row["lower"]))) / (2 * z)
    return float(np.log10(float(row["central"]))), float(se)


def prepare_observations(tables: dict, scenario: Scenario, cutoff_year: float) -> Observations:
    """Select each stream's fit window and drop everything after the cutoff (`--as-of`).

    Rows are dated by their year_decimal; a published estimate by its publication_date: one
    published after the cutoff is withheld (its se set to WITHHELD_SE, a flat likelihood).
    """
    s = scenario.settings
    fc = _window(tables["frontier_compute"], "year_decimal", s["compute_fit_start_year"],
                 cutoff_year)
    hw = _window(tables["hardware_price_performance"], "year_decimal",
                 s["hardware_fit_start_year"], cutoff_year)
    if not s["use_gpu_fp32_stream"]:  # off: no rows, the graph keeps its shape (docstring)
        hw = hw.iloc[0:0]
    acc = _window(tables["ml_accelerators"], "year_decimal", s["hardware_fit_start_year"],
                  cutoff_year)
    tc = _window(tables["training_cost"], "year_decimal", s["cost_fit_start_year"], cutoff_year)
    ae = tables["algorithmic_efficiency"]
    ae = ae[ae["year_decimal"] <= cutoff_year]
    series_idx = np.array([EFFICIENCY_SERIES.index(x) for x in ae["series"]], dtype=int)
    mids = np.array([ae.loc[ae["series"] == name, "year_decimal"].mean()
                     if (ae["series"] == name).any() else scenario.reference_year
                     for name in EFFICIENCY_SERIES])
    im = tables["imagenet_models"]
    im = im[im["year_decimal"] <= cutoff_year]
    err = im["top1_error_pct"].to_numpy(float) / 100.0
    pe = tables["published_estimates"]
    ho = pe[pe["estimate_id"] == "ho2024_lm_halving"].iloc[0]
    ho_log_rate, ho_se = ho2024_summary(ho)
    if not published_by(ho, cutoff_year):
        ho_se = WITHHELD_SE
    price = pe[pe["estimate_id"] == "epoch2025_inference_price_decline"]
    price_y, price_se = inference_price_summary(price.iloc[0]) if len(price) else (np.nan, np.nan)
    if scenario.settings.get("use_inference_price_stream") and not np.isfinite(price_se):
        raise ValueError("settings.use_inference_price_stream is on but published_estimates has "
                         "no epoch2025_inference_price_decline row")
    if len(price) and not published_by(price.iloc[0], cutoff_year):
        price_se = WITHHELD_SE
    return Observations(
        cutoff_year=float(cutoff_year),
        frontier_year=fc["year_decimal"].to_numpy(float),
        frontier_log10_flop=fc["log10_flop"].to_numpy(float),
        frontier_confidence_idx=np.array([CONFIDENCE_LABELS.index(c) for c in fc["confidence"]],
                                         dtype=int),
        frontier_model=fc["model"].to_numpy(str),
        frontier_is_largest_of_year=largest_of_year(fc["year_decimal"], fc["log10_flop"]),
        gpu_year=hw["year_decimal"].to_numpy(float),
        gpu_log10_flop_per_s_per_usd=hw["log10_flop_per_s_per_usd"].to_numpy(float),
        accelerator_year=acc["year_decimal"].to_numpy(float),
        accelerator_log10_flop_per_s_per_usd=acc["log10_flop_per_s_per_usd"].to_numpy(float),
        accelerator_model=acc["hardware"].to_numpy(str),
        cost_year=tc["year_decimal"].to_numpy(float),
        training_log10_cost_usd=tc["log10_cost_usd"].to_numpy(float),
        cost_model=tc["model"].to_numpy(str),
        cost_is_largest_of_year=largest_of_year(tc["year_decimal"], tc["log10_cost_usd"]),
        efficiency_year=ae["year_decimal"].to_numpy(float),
        efficiency_log10_flop=ae["log10_flop"].to_numpy(float),
        efficiency_series_idx=series_idx,
        efficiency_series_mid_year=mids,
        imagenet_year=im["year_decimal"].to_numpy(float),
        imagenet_log10_flop=im["log10_flop"].to_numpy(float),
        imagenet_extra_data=im["extra_data"].to_numpy(float),
        imagenet_logit_top1_error=np.log(err / (1.0 - err)),
        ho2024_log_rate=ho_log_rate,
        ho2024_log_rate_se=ho_se,
        inference_price_log10_decline=price_y,
        inference_price_log10_decline_se=price_se,
        **capability_observations(tables, cutoff_year),
    )


def _centred_intercept(scenario: Scenario, name_at_ref: str, rate, centre_year: float):
    """(x_ref, x_c): the intercept at the reference year and at the data's centre year.

    Sampled as x_c | rate ~ Prior(loc - rate (t_ref - t_c)) when the prior is a location family,
    so NUTS sees decorrelated coordinates while the joint prior of (x_ref, rate) is unchanged.
    """
    dist = scenario.priors[name_at_ref].dist
    delta = scenario.reference_year - centre_year
    if dist.location_family:
        x_c = dist.to_pymc_shifted(name_at_ref.replace("_at_ref", "_at_centre"), -rate * delta)
        x_ref = pm.Deterministic(name_at_ref, x_c + rate * delta)
    else:
        x_ref = dist.to_pymc(name_at_ref)
        x_c = x_ref - rate * delta
    return x_ref, x_c


def sampled_as(scenario: Scenario, name: str, enabled: bool = True) -> str:
    """The variable NUTS samples for public parameter `name` under this scenario (itself when
    its prior does not allow the reparametrisation of SAMPLED_AS, or when not `enabled`)."""
    if not enabled or name not in SAMPLED_AS or name not in scenario.priors:
        return name
    dist = scenario.priors[name].dist
    if name in ("other_growth_oom_per_year", "spending_growth_oom_per_year"):
        ok = dist.location_family and not isinstance(dist, Fixed)
    else:
        ok = isinstance(dist, HalfNormal)
    return SAMPLED_AS[name] if ok else name


def sampled_values(params: dict) -> dict:
    """The SAMPLED_AS coordinates from public parameter values (arrays): the inverse of the
    deterministics, for callers that evaluate the graph at given public values (SBC's truth).
    g_phys = g_hw + g_spend + g_other; a signed label error is the error itself (+|x| = e).
    The spending rate's coordinate needs the cost stream's drift: `spending_centre_values`."""
    out = {}
    if {"hardware_growth_oom_per_year", "spending_growth_oom_per_year",
            "other_growth_oom_per_year"} <= set(params):
        out[SAMPLED_AS["other_growth_oom_per_year"]] = (
            np.asarray(params["hardware_growth_oom_per_year"])
            + np.asarray(params["spending_growth_oom_per_year"])
            + np.asarray(params["other_growth_oom_per_year"]))
    for name in SAMPLED_AS_ABS_NORMAL:
        if name in params:
            out[SAMPLED_AS[name]] = np.asarray(params[name])
    return out


def _physical_growth(scenario: Scenario, g_hw, g_spend, enabled: bool):
    """g_phys = g_hw + g_spend + g_other, sampled as one sum where the prior allows (module
    docstring); g_other is then the deterministic g_phys - g_hw - g_spend."""
    name = "other_growth_oom_per_year"
    if sampled_as(scenario, name, enabled) == name:
        return pm.Deterministic(SAMPLED_AS[name], g_hw + g_spend + _prior(scenario, name))
    g_phys = scenario.priors[name].dist.to_pymc_shifted(SAMPLED_AS[name], g_hw + g_spend)
    pm.Deterministic(name, g_phys - g_hw - g_spend)
    return g_phys


def _label_error(scenario: Scenario, name: str, enabled: bool):
    """A label error (or scatter) that enters only squared: HalfNormal(s) drawn as
    |Normal(0, s)|."""
    if sampled_as(scenario, name, enabled) == name:
        return _prior(scenario, name)
    signed = pm.Normal(SAMPLED_AS[name], 0.0, scenario.priors[name].dist.sigma)
    return pm.Deterministic(name, pt.abs(signed))


def spending_drift_design(cost_year, anchor_year: float) -> tuple[np.ndarray, np.ndarray]:
    """(boundary years b, W) with D(t_j) = sum_b W[j, b] eta_b (module docstring, block 1):
    W[j, b] = |t_j - b| for the integer years b in (t_j, t_a] or (t_a, t_j], else 0; b runs over
    every integer year between the earliest of the rows and t_a and the latest of them."""
    t = np.asarray(cost_year, dtype=float)
    if t.size == 0:
        return np.zeros(0, dtype=int), np.zeros((0, 0))
    b = np.arange(np.floor(min(t.min(), anchor_year)) + 1, np.floor(max(t.max(), anchor_year)) + 1)
    return b.astype(int), drift_weights(t, anchor_year, b)


def drift_weights(t, anchor_year: float, boundaries) -> np.ndarray:
    """W[j, b] = |t_j - b| for the boundaries b in (t_j, anchor] or (anchor, t_j], else 0: the
    drift D(t_j) = sum_b W[j, b] eta_b of a rate pinned at the anchor (module docstring)."""
    tj = np.asarray(t, dtype=float)[:, None]
    bb = np.asarray(boundaries, dtype=float)[None, :]
    between = ((bb > anchor_year) & (bb <= tj)) | ((bb > tj) & (bb <= anchor_year))
    return np.where(between, np.abs(tj - bb), 0.0)


@dataclass(frozen=True)
class SpendingDriftMaps:
    """The linear maps from the steps eta_b to what the cost stream sees, with the drift pinned
    at the cost data's centre year t_c (module docstring, block 1, "Sampled coordinates"):
    rows: W_c[j, b] (D_c(t_j) = W_c eta); at_cutoff: w[b] (D_c(t_a) = w . eta);
    rate_change: r[b] (g_a - g_c = r . eta: +1 for b in (t_c, t_a], -1 for b in (t_a, t_c])."""

    years: np.ndarray
    rows: np.ndarray
    at_cutoff: np.ndarray
    rate_change: np.ndarray
    centre_year: float
    cutoff_year: float


def spending_drift_maps(cost_year, centre_year: float, cutoff_year: float) -> SpendingDriftMaps:
    """The maps of `SpendingDriftMaps` over the boundary years of `spending_drift_design`."""
    years = spending_drift_design(cost_year, cutoff_year)[0]
    b = years.astype(float)
    rate_change = (((b > centre_year) & (b <= cutoff_year)).astype(float)
                   - ((b > cutoff_year) & (b <= centre_year)).astype(float))
    return SpendingDriftMaps(years, drift_weights(cost_year, centre_year, years),
                             drift_weights([cutoff_year], centre_year, years)[0], rate_change,
                             float(centre_year), float(cutoff_year))


def cost_level_shift(g_a, eta, maps: SpendingDriftMaps, reference_year: float):
    """shift = s_ref - L_c = g_a (t_ref - t_c) - (r . eta)(t_a - t_c) + w . eta: the
    reference-year level s_ref (the line of slope g_a through the level at the cutoff) from the
    level at the centre year L_c. NumPy ((n,) rates, (n, B) steps) or PyTensor alike."""
    delta = eta @ maps.rate_change
    return (g_a * (reference_year - maps.centre_year)
            - delta * (maps.cutoff_year - maps.centre_year) + eta @ maps.at_cutoff)


def spending_centre_values(params: dict, maps: SpendingDriftMaps, reference_year: float) -> dict:
    """The sampled spending coordinates from public values ((n,) arrays; z (n, B)):
    g_c = g_a - r . eta and L_c = s_ref - shift (`cost_level_shift`), for callers that evaluate
    the graph at given public values (SBC's truth)."""
    g_a = np.asarray(params["spending_growth_oom_per_year"], dtype=float)
    sigma = np.asarray(params["spending_rate_drift_sd_oom_per_year"], dtype=float)
    z = np.asarray(params.get("spending_rate_drift_z", np.zeros((g_a.size, maps.years.size))),
                   dtype=float).reshape(g_a.size, maps.years.size)
    eta = sigma.reshape(-1, 1) * z
    return {SAMPLED_AS["spending_growth_oom_per_year"]: g_a - eta @ maps.rate_change,
            "log10_training_cost_at_centre_usd":
                np.asarray(params["log10_training_cost_at_ref_usd"], dtype=float)
                - cost_level_shift(g_a, eta, maps, reference_year)}


def _spending_block(scenario: Scenario, obs, enabled: bool):
    """(g_a, g_c, L_c, D_c(t_j) per row) of the cost stream (module docstring, block 1):
    eta_b = sigma_g z_b non-centred; g_c | eta ~ Prior_spend shifted by -(r . eta) and
    L_c | g_a, eta ~ Prior_s_ref shifted by -shift, where the priors allow it (location
    families), so g_a and s_ref keep the scenario's priors, as deterministics. Not `enabled`
    (the benchmark's baseline): the curve pinned at the cutoff, s_c + g_a (t - t_c) + D_a(t),
    with g_a and s_c = s_ref - g_a (t_ref - t_c) sampled, as before issue 15's step."""
    maps = spending_drift_maps(obs.cost_year, obs.centre_years["cost"], obs.cutoff_year)
    sigma_g = _prior(scenario, "spending_rate_drift_sd_oom_per_year")
    if maps.years.size:
        z = pm.Normal("spending_rate_drift_z", 0.0, 1.0, dims="spending_drift_year")
        eta = sigma_g * z
        delta, drift_c = eta @ maps.rate_change, pt.dot(pt.constant(maps.rows), eta)
    else:
        eta, delta, drift_c = pt.zeros(0), 0.0, 0.0
    name = "spending_growth_oom_per_year"
    if not enabled:  # the geometry baseline: rate and intercept of the cutoff-pinned curve
        g_a = _prior(scenario, name)
        _, s_c = _centred_intercept(scenario, "log10_training_cost_at_ref_usd", g_a,
                                    maps.centre_year)
        w_a = drift_weights(obs.cost_year, obs.cutoff_year, maps.years)
        return g_a, g_a, s_c, (pt.dot(pt.constant(w_a), eta) if maps.years.size else 0.0)
    if sampled_as(scenario, name) == name:
        g_a = _prior(scenario, name)
        g_c = g_a - delta
    else:
        g_c = scenario.priors[name].dist.to_pymc_shifted(SAMPLED_AS[name], -delta)
        g_a = pm.Deterministic(name, g_c + delta)
    shift = cost_level_shift(g_a, eta, maps, scenario.reference_year)
    name = "log10_training_cost_at_ref_usd"
    dist = scenario.priors[name].dist
    if dist.location_family:
        l_c = dist.to_pymc_shifted("log10_training_cost_at_centre_usd", -shift)
        pm.Deterministic(name, l_c + shift)
    else:
        l_c = dist.to_pymc(name) - shift
    return g_a, g_c, l_c, drift_c


def _prior(scenario: Scenario, name: str, dims: str | None = None, size: int | None = None):
    dist = scenario.priors[name].dist
    if isinstance(dist, Fixed):
        return dist.to_pymc(name, shape=size)
    return dist.to_pymc(name, dims=dims) if dims else dist.to_pymc(name)


def log_prob_not_yet_graph(scenario: Scenario, e_now, g_alg, softness, capability=None):
    """PyTensor twin of requirement.log_prob_not_yet (same formula; a test checks they agree).
    capability: (a_h, b_h) tensors when the requirement has a capability anchor."""
    req = scenario.requirement
    p = blend_pieces(req)
    means = anchor_means_at_reference(p.medians, p.years, g_alg, scenario.reference_year)
    tau = pt.sqrt(p.sigmas**2 + softness**2)
    # Phi((m_j - E_now) / tau_j) is the normal cdf at m_j of N(E_now, tau_j^2)
    log_survival = normal_lcdf(e_now, tau, means)
    if p.has_halves:  # split-normal anchors: S_j = Phi(-k) +- 2 T(k, alpha) (requirement.py)
        t2 = 2.0 * pt.owens_t((e_now - means) / tau, p.sigmas / softness)
        upper = pt.logaddexp(log_survival, pt.log(pt.maximum(t2, 1e-300)))
        lower = pt.log(pt.maximum(pt.exp(log_survival) - t2, 1e-300))
        log_survival = pt.switch(pt.eq(p.sides, 0), log_survival,
                                 pt.switch(pt.gt(p.sides, 0), upper, lower))
    terms = np.log(p.weights) + log_survival
    if req.capability is not None:
        return pm.math.logsumexp(pt.concatenate([terms, capability_terms_graph(
            req, e_now, softness, *capability)]))
    if req.no_path_weight > 0:
        terms = pt.concatenate([terms, pt.as_tensor([np.log(req.no_path_weight)])])
    return pm.math.logsumexp(terms)


#: Where the sampled-requirement baseline puts "no path" (log10 FLOP): never reached by 2100.
NO_PATH_BASELINE_LOG10_FLOP = 80.0
REQUIREMENT_TREATMENTS = ("marginalised", "sampled")


def sampled_requirement_graph(scenario: Scenario, e_now, g_alg, softness, capability=None):
    """The benchmark's baseline (scripts/bench.py), not used by any run: R as a latent variable
    that NUTS samples, instead of marginalised in closed form.

        log p(R) = logsumexp_j [log w_j + log f_j(R)],
        f_j = N(m_j, s_j) for a normal anchor, 2 N(m_j, s_j) on its side for a split half,
        "no path" = N(NO_PATH_BASELINE_LOG10_FLOP, 1) (a continuous stand-in for R = +inf);
        log P(not yet | R) = log Phi((R - E_now) / s),   s = the softness.

    Integrating R out of this joint gives log_prob_not_yet_graph's likelihood exactly (up to the
    stand-in's ~1e-300 chance of being reached), so both treatments have the same posterior; the
    baseline only shows what sampling the multimodal R costs NUTS.
    """
    req = scenario.requirement
    p = requirement_pieces(req)
    means = anchor_means_at_reference(p.medians, p.years, g_alg, scenario.reference_year)
    # R = start + offset, offset ~ Uniform(-60, 60): a constant density over every log10 FLOP
    # with mass (0 to 100 around start ~ 33), so p(R) is the mixture alone, and proper, so that
    # PyMC's prior predictive can draw it (a Flat cannot be drawn)
    start = float(np.sum(p.weights * p.medians) / np.sum(p.weights))
    r = pm.Deterministic("requirement_log10_flop_latent",
                         start + pm.Uniform("requirement_latent_offset_oom", -60.0, 60.0))
    log_f = pm.logp(pm.Normal.dist(mu=means, sigma=p.sigmas), r)
    on_side = pt.eq(p.sides, 0) | pt.gt(p.sides * (r - means), 0)
    log_f = pt.switch(on_side, log_f + np.log(np.where(p.sides == 0, 1.0, 2.0)), -np.inf)
    terms = np.log(p.weights) + log_f
    if req.no_path_weight > 0:
        no_path = pm.logp(pm.Normal.dist(mu=NO_PATH_BASELINE_LOG10_FLOP, sigma=1.0), r)
        terms = pt.concatenate([terms, pt.stack([np.log(req.no_path_weight) + no_path])])
    pm.Potential("requirement_log_prior", pm.math.logsumexp(terms))
    return normal_lcdf(e_now, softness, r)


def build_model(obs: Observations, scenario: Scenario,
                requirement: str = "marginalised", sampled_coordinates: bool = True) -> pm.Model:
    """The PyMC model. Variable and dim names are a public contract (see FREE_PARAMETERS).

    requirement: "marginalised" (every run) or "sampled" (the benchmark's baseline, see
    sampled_requirement_graph). sampled_coordinates: False samples every public name as itself
    (the benchmark's geometry baseline; the same prior and posterior, see SAMPLED_AS).
    """
    if requirement == "sampled" and scenario.requirement.capability is not None:
        raise ValueError("the sampled-requirement baseline does not support a capability anchor")
    if requirement not in REQUIREMENT_TREATMENTS:
        raise ValueError(f"requirement must be one of {REQUIREMENT_TREATMENTS} "
                         f"(got {requirement!r})")
    t_ref = scenario.reference_year
    # alexnet, resnet50 -> vision; seq2seq, gnmt -> translation
    domain_of_series = np.array([1, 1, 2, 2])
    coords = {
        "domain": list(DOMAINS),
        "efficiency_series": list(EFFICIENCY_SERIES),
        "frontier_model": list(obs.frontier_model),
        "gpu": np.arange(obs.gpu_year.size),
        "accelerator": list(obs.accelerator_model),
        "cost_model": list(obs.cost_model),
        "spending_drift_year": spending_drift_design(obs.cost_year, obs.cutoff_year)[0],
        "efficiency_point": np.arange(obs.efficiency_year.size),
        "imagenet_model": np.arange(obs.imagenet_year.size),
        **capability_coords(obs),
    }
    with pm.Model(coords=coords) as model:
        frontier_year = pm.Data("frontier_year", obs.frontier_year, dims="frontier_model")
        confidence_idx = pm.Data("frontier_confidence_idx", obs.frontier_confidence_idx,
                                 dims="frontier_model")
        frontier_largest = pm.Data("frontier_is_largest_of_year",
                                   obs.frontier_is_largest_of_year, dims="frontier_model")
        gpu_year = pm.Data("gpu_year", obs.gpu_year, dims="gpu")
        acc_year = pm.Data("accelerator_year", obs.accelerator_year, dims="accelerator")
        cost_year = pm.Data("cost_year", obs.cost_year, dims="cost_model")
        cost_largest = pm.Data("cost_is_largest_of_year", obs.cost_is_largest_of_year,
                               dims="cost_model")
        eff_year = pm.Data("efficiency_year", obs.efficiency_year, dims="efficiency_point")
        eff_series = pm.Data("efficiency_series_idx", obs.efficiency_series_idx,
                             dims="efficiency_point")
        img_year = pm.Data("imagenet_year", obs.imagenet_year, dims="imagenet_model")
        img_flop = pm.Data("imagenet_log10_flop", obs.imagenet_log10_flop, dims="imagenet_model")
        img_extra = pm.Data("imagenet_extra_data", obs.imagenet_extra_data, dims="imagenet_model")
        # observed values as containers (OBSERVED_DATA): SBC compiles once and swaps them
        y = {name: pm.Data(f"{name}_observed", getattr(obs, field), dims=dims)
             for name, (field, dims) in OBSERVED_DATA.items()
             if name != "inference_price_log10_decline"
             or scenario.settings.get("use_inference_price_stream")}

        nu = _prior(scenario, "student_t_nu")

        # 1. physical compute of the largest run: hardware x spending x residual, one set of
        # rates for four streams
        g_hw = _prior(scenario, "hardware_growth_oom_per_year")
        g_spend, g_spend_c, s_c, drift_s = _spending_block(scenario, obs, sampled_coordinates)
        g_phys = _physical_growth(scenario, g_hw, g_spend, sampled_coordinates)
        c_ref, c_c = _centred_intercept(scenario, "log10_frontier_compute_at_ref_flop", g_phys,
                                        obs.centre_years["frontier"])
        _, h_c = _centred_intercept(scenario, "log10_flop_per_s_per_usd_at_ref", g_hw,
                                    obs.centre_years["gpu"])
        _, a_c = _centred_intercept(scenario, "log10_accelerator_flop_per_s_per_usd_at_ref",
                                    g_hw, obs.centre_years["accelerator"])
        premium_c = _prior(scenario, "largest_run_premium_oom")
        premium_s = (_prior(scenario, "largest_run_cost_premium_oom")
                     + _prior(scenario, "largest_run_cost_premium_trend_oom_per_year")
                     * (cost_year - t_ref))  # dS(t_j), per row

        scatter_c = _prior(scenario, "frontier_compute_scatter_oom")
        label_err = pt.stack([_label_error(scenario, f"compute_error_{label.lower()}_oom",
                                           sampled_coordinates)
                              for label in CONFIDENCE_LABELS])
        sd_c = pt.sqrt(scatter_c**2 + label_err[confidence_idx] ** 2)
        centre = obs.centre_years
        pm.StudentT("frontier_log10_flop", nu=nu,
                    mu=(c_c - premium_c * (1.0 - frontier_largest)
                        + g_phys * (frontier_year - centre["frontier"])),
                    sigma=sd_c, observed=y["frontier_log10_flop"], dims="frontier_model")
        pm.StudentT("gpu_log10_flop_per_s_per_usd", nu=nu,
                    mu=h_c + g_hw * (gpu_year - centre["gpu"]),
                    sigma=_prior(scenario, "hardware_scatter_oom"),
                    observed=y["gpu_log10_flop_per_s_per_usd"], dims="gpu")
        pm.StudentT("accelerator_log10_flop_per_s_per_usd", nu=nu,
                    mu=a_c + g_hw * (acc_year - centre["accelerator"]),
                    sigma=_prior(scenario, "accelerator_scatter_oom"),
                    observed=y["accelerator_log10_flop_per_s_per_usd"], dims="accelerator")
        pm.StudentT("training_log10_cost_usd", nu=nu,
                    mu=(s_c - premium_s * (1.0 - cost_largest)
                        + g_spend_c * (cost_year - centre["cost"]) + drift_s),
                    sigma=_prior(scenario, "training_cost_scatter_oom"),
                    observed=y["training_log10_cost_usd"], dims="cost_model")

        # 2. algorithmic efficiency, partially pooled across domains on the log-rate scale
        mu_log = _prior(scenario, "algorithmic_log_rate_mean")
        tau_log = _prior(scenario, "algorithmic_log_rate_domain_sd")
        z = pm.Normal("algorithmic_log_rate_z", 0.0, 1.0, dims="domain")
        log_g = mu_log + tau_log * z
        g_alg = pm.Deterministic("algorithmic_growth_oom_per_year", pt.exp(log_g), dims="domain")

        b_series = _prior(scenario, "log10_efficiency_series_flop", dims="efficiency_series",
                          size=len(EFFICIENCY_SERIES))
        mids = pt.constant(obs.efficiency_series_mid_year)
        g_series = g_alg[domain_of_series]
        pm.StudentT("efficiency_log10_flop", nu=nu,
                    mu=b_series[eff_series] - g_series[eff_series] * (eff_year - mids[eff_series]),
                    sigma=_prior(scenario, "efficiency_series_scatter_oom"),
                    observed=y["efficiency_log10_flop"], dims="efficiency_point")

        vision = DOMAINS.index("vision")
        flop_mean = float(obs.imagenet_log10_flop.mean()) if obs.imagenet_year.size else 0.0
        year_mean = float(obs.imagenet_year.mean()) if obs.imagenet_year.size else t_ref
        effective = (img_flop - flop_mean) + g_alg[vision] * (img_year - year_mean)
        pm.StudentT("imagenet_logit_top1_error", nu=nu,
                    mu=(_prior(scenario, "imagenet_logit_error_at_center")
                        + _prior(scenario, "imagenet_extra_data_shift") * img_extra
                        - _prior(scenario, "imagenet_scaling_per_oom") * effective),
                    sigma=_prior(scenario, "imagenet_scatter_logit"),
                    observed=y["imagenet_logit_top1_error"], dims="imagenet_model")

        language = DOMAINS.index("language_models")
        pm.Normal("ho2024_log_algorithmic_growth", mu=log_g[language],
                  sigma=obs.ho2024_log_rate_se, observed=y["ho2024_log_algorithmic_growth"])
        if scenario.settings.get("use_inference_price_stream"):
            pm.Normal("inference_price_log10_decline", mu=g_alg[language] + g_hw,
                      sigma=obs.inference_price_log10_decline_se,
                      observed=y["inference_price_log10_decline"])

        # 6. the present: no AGI yet at the cutoff, requirement marginalised analytically
        forecast = DOMAINS.index(scenario.forecast_domain)
        def prior(scenario, name):  # the block's priors, in SAMPLED_AS coordinates where set
            if name in SAMPLED_AS_ABS_NORMAL:
                return _label_error(scenario, name, sampled_coordinates)
            return _prior(scenario, name)

        cap = add_capability_block(obs, scenario, prior, y, nu, c_ref, g_phys, g_alg[forecast])
        e_now = pm.Deterministic("log10_effective_compute_at_cutoff", effective_compute_at_cutoff(
            c_ref, g_phys, g_alg[forecast], obs.cutoff_year, t_ref))
        softness = _prior(scenario, "not_yet_agi_softness_oom")
        graph = (log_prob_not_yet_graph if requirement == "marginalised"
                 else sampled_requirement_graph)
        log_p = pm.Deterministic("log_prob_no_agi_by_cutoff",
                                 graph(scenario, e_now, g_alg[forecast], softness, cap))
        pm.Bernoulli("no_agi_by_cutoff", p=pt.exp(log_p), observed=1)
    return model
