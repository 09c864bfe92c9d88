"""Scenario files (`priors/*.toml`): schema, parsing and validation.

A scenario is every prior of the model, each a named declarative object with a `source` and a
`rationale`, plus the requirement prior (a mixture of named anchors) and a few settings. Input is
parsed with `tomllib` (data only, never evaluated) and validated here; any mistake raises a
`PriorSpecError` whose message names the file and the key path, e.g.

    priors/default.toml: priors.hardware_growth_oom_per_year.sigma: must be a finite number > 0

The parameter registry `PARAMETERS` is the public contract: it lists every parameter a scenario
must define, its block of the generative model (DESIGN.md), the support it needs, and its role:
`fitted` parameters enter the likelihood and are sampled by NUTS; `projection` parameters act only
after the data cutoff (caps, unhobbling), so no datum depends on them and their posterior equals
their prior: they are drawn exactly with NumPy, per posterior draw.

Optional, all within schema_version 1 (files without them stay valid):
- an `elicitation` block per prior or anchor: the source's statement and the method that turns it
  into parameters (`maxent`, `quartile`; `quantiles` for anchors), validated here and fitted by
  model/elicitation.py (`oomcast priors fit`);
- split-normal anchors: `sigma_below_log10_flop` and `sigma_above_log10_flop` instead of
  `sigma_log10_flop` (half the mass on each side of the median, so three stated percentiles are
  met exactly; model/requirement.py);
- `settings.prior_only_start_year`: "now" of a `--prior-only` run (a published model's own start);
- a requirement made of the capability anchor alone (`[requirement.capability]`, no
  `[requirement.anchors.*]`): the blend is then "no path" alone, so w_c = capability.weight, which
  may be 1, and "no path" = 1 - w_c (`no_path_weight` is refused). A requirement with neither a
  published anchor nor a capability anchor is an error naming `requirement.anchors`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from model.distributions import DISTRIBUTION_NAMES, Distribution, Fixed
from model.shipped import PresetNotFound, resolve_preset, shipped_dir
from model.walls import WALL_NAMES

SCHEMA_VERSION = 1
#: The shipped presets (model/shipped.py): the checkout's priors/, or the installed package's copy.
PRIORS_DIR = shipped_dir("priors")

#: Algorithmic-efficiency domains, partially pooled. The order is the `domain` dim's order.
DOMAINS = ("language_models", "vision", "translation")

#: Epoch `Confidence` labels, in the order of the measurement-error parameters.
CONFIDENCE_LABELS = ("Confident", "Likely", "Speculative", "Unknown")


@dataclass(frozen=True)
class ParameterInfo:
    block: str
    support: str  # "real" | "positive" | "nonnegative" | "unit_interval"
    role: str  # "fitted" | "projection"
    meaning: str


def _p(block, support, role, meaning):
    return ParameterInfo(block, support, role, meaning)


PARAMETERS: dict[str, ParameterInfo] = {
    # 1. physical compute of the frontier training run
    "log10_frontier_compute_at_ref_flop": _p(
        "compute", "real", "fitted",
        "trend of the year's largest training run's compute at the reference year"),
    "largest_run_premium_oom": _p(
        "compute", "nonnegative", "fitted",
        "OOM of compute by which the year's largest run exceeds a typical frontier model"),
    "hardware_growth_oom_per_year": _p(
        "hardware", "real", "fitted", "growth of FLOP/s per dollar (price-performance)"),
    "spending_growth_oom_per_year": _p(
        "spending", "real", "fitted", "growth of spending on the frontier training run"),
    "other_growth_oom_per_year": _p(
        "compute", "real", "fitted",
        "residual growth: utilisation, precision, hardware life (not run length: in the cost)"),
    "log10_flop_per_s_per_usd_at_ref": _p(
        "hardware", "real", "fitted", "GPU FP32 FLOP/s per 2020 USD trend at the reference year"),
    "log10_accelerator_flop_per_s_per_usd_at_ref": _p(
        "hardware", "real", "fitted",
        "data-centre accelerators' tensor FP16/BF16 FLOP/s per list USD at the reference year"),
    "accelerator_scatter_oom": _p(
        "hardware", "positive", "fitted", "scatter of accelerators about their trend"),
    "log10_training_cost_at_ref_usd": _p(
        "spending", "real", "fitted", "the year's largest run's training cost trend at ref year"),
    "largest_run_cost_premium_oom": _p(
        "spending", "nonnegative", "fitted",
        "OOM of cost by which the year's costliest run exceeds a typical costed model, at the "
        "reference year"),
    "largest_run_cost_premium_trend_oom_per_year": _p(
        "spending", "real", "fitted",
        "change per year of the cost premium of the year's costliest run over a typical one"),
    "spending_rate_drift_sd_oom_per_year": _p(
        "spending", "nonnegative", "fitted",
        "sd of the spending rate's step at each calendar-year boundary (a random walk in the "
        "rate; the rate at the cutoff is spending_growth_oom_per_year)"),
    "frontier_compute_scatter_oom": _p(
        "compute", "positive", "fitted", "scatter of frontier models about the compute trend"),
    "hardware_scatter_oom": _p(
        "hardware", "positive", "fitted", "scatter of GPUs about the price-performance trend"),
    "training_cost_scatter_oom": _p(
        "spending", "positive", "fitted", "scatter of training costs about the spending trend"),
    "compute_error_confident_oom": _p(
        "compute", "nonnegative", "fitted", "measurement sd of a 'Confident' compute estimate"),
    "compute_error_likely_oom": _p(
        "compute", "nonnegative", "fitted", "measurement sd of a 'Likely' compute estimate"),
    "compute_error_speculative_oom": _p(
        "compute", "nonnegative", "fitted", "measurement sd of a 'Speculative' estimate"),
    "compute_error_unknown_oom": _p(
        "compute", "nonnegative", "fitted", "measurement sd of an unlabelled estimate"),
    "student_t_nu": _p("compute", "positive", "fitted", "degrees of freedom of robust likelihoods"),
    # 2. algorithmic efficiency
    "algorithmic_log_rate_mean": _p(
        "algorithms", "real", "fitted", "population mean of ln(algorithmic OOM/yr) over domains"),
    "algorithmic_log_rate_domain_sd": _p(
        "algorithms", "positive", "fitted", "between-domain sd of ln(algorithmic OOM/yr)"),
    "log10_efficiency_series_flop": _p(
        "algorithms", "real", "fitted", "compute to reach a fixed level, at the series' mid-date"),
    "efficiency_series_scatter_oom": _p(
        "algorithms", "positive", "fitted", "scatter of Hernandez & Brown points about trend"),
    "imagenet_logit_error_at_center": _p(
        "algorithms", "real", "fitted", "logit top-1 error at mean effective compute"),
    "imagenet_scaling_per_oom": _p(
        "algorithms", "positive", "fitted", "fall in logit error per OOM of effective compute"),
    "imagenet_extra_data_shift": _p(
        "algorithms", "real", "fitted", "logit error shift for models with extra training data"),
    "imagenet_scatter_logit": _p(
        "algorithms", "positive", "fitted", "scatter of ImageNet models about the scaling law"),
    # 6. the present as an observation
    "not_yet_agi_softness_oom": _p(
        "requirement", "positive", "fitted",
        "softness of 'no AGI yet' in OOM of effective compute"),
    # 4. limits (act after the cutoff only)
    "log10_spending_cap_share_of_gwp": _p(
        "limits", "real", "projection", "largest affordable run as a share of gross world product"),
    "log10_gwp_at_ref_usd": _p("limits", "real", "projection", "gross world product at ref year"),
    "gwp_growth_oom_per_year": _p("limits", "real", "projection", "growth of gross world product"),
    "hardware_remaining_oom": _p(
        "limits", "nonnegative", "projection", "price-performance OOMs left after the cutoff"),
    "algorithms_remaining_oom": _p(
        "limits", "nonnegative", "projection", "algorithmic OOMs left after the cutoff"),
    "other_remaining_oom": _p(
        "limits", "nonnegative", "projection", "residual OOMs left after the cutoff"),
    # 3. unhobbling
    "unhobbling_growth_oom_per_year": _p(
        "unhobbling", "nonnegative", "projection", "extra effective OOM/yr after the cutoff"),
    "unhobbling_remaining_oom": _p(
        "unhobbling", "nonnegative", "projection", "cap on total unhobbling OOMs"),
}

#: 4b. Physical walls on the run's physical compute (model/walls.py; act after the cutoff only).
#: Levels are stated for 2030 (model.walls.WALL_YEAR); each wall grows log-linearly from there.
WALL_PARAMETERS: dict[str, ParameterInfo] = {
    "log10_training_duration_s": _p(
        "walls", "real", "projection", "length of the largest run (power and chip walls)"),
    "log10_power_per_run_2030_gw": _p(
        "walls", "real", "projection", "power one training run can draw in 2030, GW"),
    "power_per_run_growth_oom_per_year": _p(
        "walls", "nonnegative", "projection", "growth of the power one run can draw"),
    "log10_flop_per_joule_2030": _p(
        "walls", "real", "projection",
        "training FLOP per joule of facility energy in 2030 (utilisation, overhead included)"),
    "flop_per_joule_growth_oom_per_year": _p(
        "walls", "nonnegative", "projection", "growth of hardware energy efficiency"),
    "log10_h100e_available_2030": _p(
        "walls", "real", "projection", "H100-equivalent accelerators available for AI by 2030"),
    "h100e_available_growth_oom_per_year": _p(
        "walls", "nonnegative", "projection", "growth of the H100-equivalent stock"),
    "log10_run_share_of_h100e": _p(
        "walls", "real", "projection", "share of the H100-equivalents one run can use"),
    "log10_flop_per_s_per_h100e": _p(
        "walls", "real", "projection",
        "training FLOP/s one H100-equivalent delivers (precision and utilisation included)"),
    "log10_training_tokens_2030": _p(
        "walls", "real", "projection", "training tokens available in 2030, multimodal included"),
    "training_tokens_growth_oom_per_year": _p(
        "walls", "nonnegative", "projection", "growth of the available training tokens"),
    "log10_latency_wall_2030_flop": _p(
        "walls", "real", "projection", "largest run the latency wall allows in 2030"),
    "latency_wall_growth_oom_per_year": _p(
        "walls", "nonnegative", "projection", "growth of the latency wall"),
}
PARAMETERS.update(WALL_PARAMETERS)

#: 5. Capability evidence (model/capability.py): METR horizons and ECI against effective compute.
CAPABILITY_PARAMETER_INFO: dict[str, ParameterInfo] = {
    "capability_horizon_log10_minutes_at_centre": _p(
        "capability", "real", "fitted",
        "log10 METR 50% horizon (minutes) at 10^25 effective FLOP (reference-year algorithms)"),
    "capability_horizon_per_oom": _p(
        "capability", "nonnegative", "fitted",
        "log10 minutes of 50% horizon per OOM of effective compute (0: capability never grows)"),
    "capability_horizon_scatter_oom": _p(
        "capability", "positive", "fitted", "scatter of frontier horizons about the relation"),
    "capability_eci_points_at_centre": _p(
        "capability", "real", "fitted", "ECI score at the ECI stream's mean compute and date"),
    "capability_eci_points_per_oom": _p(
        "capability", "nonnegative", "fitted", "ECI points per OOM of effective compute"),
    "capability_eci_algorithmic_growth_oom_per_year": _p(
        "capability", "positive", "fitted",
        "LLM algorithmic progress estimated from ECI alone (a check against Ho et al. 2024)"),
    "capability_eci_scatter_points": _p(
        "capability", "positive", "fitted", "scatter of ECI scores about the relation"),
}
PARAMETERS.update(CAPABILITY_PARAMETER_INFO)

SETTINGS_DEFAULTS: dict[str, Any] = {
    "reference_year": 2023.0,
    "horizon_year": 2100.0,
    "forecast_domain": "language_models",
    "compute_fit_start_year": 2010.0,
    "hardware_fit_start_year": 2005.0,
    "cost_fit_start_year": 2016.0,
    # Optional likelihood term (DESIGN.md block 2, off by default): Epoch's inference-price
    # decline at fixed capability as weak evidence on g_alg(language) + g_hw; see model/build.py.
    "use_inference_price_stream": False,
    # The FP32 GPU file (Hobbhahn & Besiroglu 2022) as a second hardware stream, off by default:
    # it mixes consumer and data-centre GPUs in one Student-t and its LOO-PIT leaves the band
    # (KS p = 0.006); g_hw is then fitted on data-centre accelerators at training precision.
    "use_gpu_fp32_stream": False,
    # "Now" of a `--prior-only` run (forward Monte Carlo): a published model's own start year,
    # with the preset's level priors stated there. Unset: the data cutoff, as a conditioned run.
    "prior_only_start_year": None,
}


class PriorSpecError(ValueError):
    """A scenario file is malformed; the message names the file and the key path."""


@dataclass(frozen=True)
class Prior:
    name: str
    dist: Any  # one of model.distributions' classes
    source: str
    rationale: str
    elicitation: dict | None = None


@dataclass(frozen=True)
class Anchor:
    """One requirement anchor: a normal in log10 FLOP (`sigma_log10_flop`), or a split normal
    (`sigma_below_log10_flop`, `sigma_above_log10_flop`): half the mass below the median as a
    half-normal of the first scale, half above with the second, so that stated 10th/50th/90th
    percentiles are met exactly (sigma = (p50 - p10) / z_0.9 below, (p90 - p50) / z_0.9 above);
    its density steps at the median when the scales differ (R never enters NUTS, so harmless)."""

    name: str
    weight: float
    median_log10_flop: float
    sigma_log10_flop: float | None
    algorithms_year: float
    source: str
    rationale: str
    sigma_below_log10_flop: float | None = None
    sigma_above_log10_flop: float | None = None
    elicitation: dict | None = None
    #: Per-anchor algorithmic progress (prior-only runs; see ANCHOR_ALGORITHM_KEYS): None means
    #: the scenario's shared rate / cap.
    algorithmic_growth_oom_per_year: Any = None
    algorithms_remaining_oom: Any = None

    @property
    def overrides_algorithms(self) -> bool:
        return (self.algorithmic_growth_oom_per_year is not None
                or self.algorithms_remaining_oom is not None)

    @property
    def is_split(self) -> bool:
        return self.sigma_below_log10_flop is not None

    @property
    def sigmas_log10_flop(self) -> tuple[float, float]:
        """(below, above) the median; equal for a symmetric anchor."""
        if self.is_split:
            return (self.sigma_below_log10_flop, self.sigma_above_log10_flop)
        return (self.sigma_log10_flop, self.sigma_log10_flop)


@dataclass(frozen=True)
class CapabilityAnchor:
    """AGI as a capability threshold (model/capability.py): a METR 50% horizon of H* minutes,
    log10 H* ~ N(mu, sigma), turned into log10 effective FLOP at reference-year algorithms through
    the fitted horizon relation; a slope below `horizon_per_oom_floor` sends the anchor's mass to
    "no path". It is the LAST anchor (index len(anchors)), labelled "capability"."""

    weight: float
    log10_horizon_minutes_mu: float
    log10_horizon_minutes_sigma: float
    horizon_per_oom_floor: float
    source: str
    rationale: str
    name: str = "capability"


@dataclass(frozen=True)
class Requirement:
    """The requirement mixture: anchors with weights w_k, and "no path" with weight w_0; with a
    capability anchor of weight w_c, the anchors and "no path" carry their blend weights times
    (1 - w_c) (the file states the blend's own weights, summing to 1).

    `weights_concentration` c (optional, `[requirement] weights_concentration`) states how sure
    the scenario is of its weights: (w_1, ..., w_K, w_c, w_0) ~ Dirichlet(c w_bar), w_bar the
    weights above (anchors, capability, "no path": requirement.anchor_labels + "no path"), so
    E[w] = w_bar and each weight is Beta(c w_k, c (1 - w_k)) (c = 10: a weight of 0.2 has a 90%
    interval of ~0.04-0.43). The headline does not change with c: the likelihood of "not yet"
    and the joint law of (R, T) are linear in the weights (R ~ sum_k w_k p_k), so integrating w
    out leaves only E[w] = w_bar. The uncertainty shows in the sensitivity study
    (model/studies/sensitivity.py power-scales the Dirichlet) and in sweeps. None: the weights
    are taken as known."""

    anchors: tuple[Anchor, ...]
    no_path_weight: float
    source: str
    rationale: str
    weights_concentration: float | None = None
    capability: CapabilityAnchor | None = None  # [requirement.capability]; None: absent


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    path: Path
    sha256: str
    settings: dict[str, Any]
    priors: dict[str, Prior]
    requirement: Requirement
    description: str = ""
    raw: dict = field(default_factory=dict, repr=False)
    binding_walls: tuple[str, ...] = ()  # `[walls] binding`: the walls applied (model/walls.py)
    #: `preset_version`: bumped on any change to a log density (priors/README.md, "Preset
    #: versions"); None for a file that does not state one (a user's own scenario).
    preset_version: int | None = None

    @property
    def reference_year(self) -> float:
        return float(self.settings["reference_year"])

    @property
    def horizon_year(self) -> float:
        return float(self.settings["horizon_year"])

    @property
    def forecast_domain(self) -> str:
        return self.settings["forecast_domain"]

    @property
    def preset_version_attr(self) -> int | str:
        """The run attr `oomcast_preset_version`: the integer, or "unversioned" (attrs hold no
        None)."""
        return self.preset_version if self.preset_version is not None else "unversioned"

    @property
    def anchors_override_algorithms(self) -> bool:
        """True when some anchor has its own algorithmic rate or cap (used by prior-only runs)."""
        return any(a.overrides_algorithms for a in self.requirement.anchors)

    def fitted(self) -> dict[str, Prior]:
        return {k: v for k, v in self.priors.items() if PARAMETERS[k].role == "fitted"}

    def projection_only(self) -> dict[str, Prior]:
        return {k: v for k, v in self.priors.items() if PARAMETERS[k].role == "projection"}


_DIST_ADAPTER = TypeAdapter(Distribution)
_PRIOR_META = {"source", "rationale", "elicitation"}
#: Optional anchor keys (a distribution table each, as a prior's) that replace the shared
#: algorithmic rate and cap for draws whose requirement comes from that anchor, as in Cotra
#: 2020 where progress differs by anchor. Exact only where the whole trajectory is projected:
#: prior-only runs that start at the reference year, with the anchor stated at that year. The
#: fitted model's requirement marginalisation (model/requirement.py) uses one rate, so a
#: conditioned run uses the shared fitted rate and cap for every anchor (model/forecast.py
#: `anchor_algorithms_rule`).
ANCHOR_ALGORITHM_KEYS = {"algorithmic_growth_oom_per_year": "real",
                         "algorithms_remaining_oom": "nonnegative"}
_ANCHOR_KEYS = {"weight", "median_log10_flop", "sigma_log10_flop", "sigma_below_log10_flop",
                "sigma_above_log10_flop", "algorithms_year", "source", "rationale", "elicitation",
                *ANCHOR_ALGORITHM_KEYS}

#: Elicitation methods (model/elicitation.py fits them): the keys each needs, in stated order.
ELICITATION_METHODS = {
    "maxent": ("lower", "upper", "mass"),    # PreliZ maxent: `mass` between lower and upper
    "quartile": ("q1", "q2", "q3"),          # PreliZ quartile: the three quartiles
    "quantiles": ("p10", "p50", "p90"),      # anchors only: a split normal, closed form
}
_ELICITATION_OPTIONAL = {"family", "transform", "statement"}
#: `transform` maps the statement's numbers onto the scale the family is fitted on.
ELICITATION_TRANSFORMS = ("identity", "log10", "ln")
#: Families an elicitation can fit (PreliZ names = this project's names).
ELICITATION_FAMILIES = ("Normal", "LogNormal", "HalfNormal", "StudentT", "TruncatedNormal",
                        "Uniform")


def _err(path: Path, key: str, message: str) -> PriorSpecError:
    return PriorSpecError(f"{path}: {key}: {message}")


def _require_text(table: dict, key: str, path: Path, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _err(path, f"{where}.{key}", "missing (every prior needs a non-empty "
                   f"'{key}' string)")
    return value


def _number(table: dict, key: str, path: Path, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err(path, f"{where}.{key}", f"must be a number (got {value!r})")
    return float(value)


def _check_support(dist, info: ParameterInfo, path: Path, where: str) -> None:
    lo, hi = dist.support()
    need = {"real": (-math.inf, math.inf), "positive": (0.0, math.inf),
            "nonnegative": (0.0, math.inf), "unit_interval": (0.0, 1.0)}[info.support]
    ok = lo >= need[0] and hi <= need[1]
    if info.support == "positive" and isinstance(dist, Fixed):
        ok = dist.value > 0
    if not ok:
        raise _err(path, where, f"impossible prior for a {info.support} parameter: "
                   f"{dist.dist} has support [{lo}, {hi}]")


def elicitation_family(elicitation: dict, dist_name: str) -> str:
    """The family fitted to the statement: as given, else the prior's own family (a Normal on
    the ln scale for a LogNormal prior whose statement is transformed with ln)."""
    if "family" in elicitation:
        return elicitation["family"]
    if dist_name == "LogNormal" and elicitation.get("transform") == "ln":
        return "Normal"
    return dist_name


def _parse_elicitation(table: Any, path: Path, where: str, dist_name: str | None) -> dict | None:
    """Validate an `elicitation` block (schema only; model/elicitation.py fits it).

    Priors take `method = "maxent"` (lower, upper, mass) or `"quartile"` (q1, q2, q3), with an
    optional `family`, `transform` (identity | log10 | ln, applied to the numbers first) and
    `statement` (the expert's words). Anchors (dist_name None) take `method = "quantiles"`
    (p10, p50, p90), which gives a split normal in closed form.
    """
    if table is None:
        return None
    where = f"{where}.elicitation"
    if not isinstance(table, dict):
        raise _err(path, where, "must be a table, e.g. {method = \"maxent\", lower = 1, "
                   "upper = 2, mass = 0.9}")
    allowed_methods = ("quantiles",) if dist_name is None else ("maxent", "quartile")
    method = table.get("method")
    if method not in allowed_methods:
        raise _err(path, f"{where}.method", f"must be one of {', '.join(allowed_methods)} "
                   f"(got {method!r})")
    needed = ELICITATION_METHODS[method]
    optional = {"statement"} if dist_name is None else _ELICITATION_OPTIONAL
    unknown = set(table) - {"method", *needed, *optional}
    if unknown:
        raise _err(path, f"{where}.{sorted(unknown)[0]}", f"unknown key for method {method!r}")
    if dist_name == "Fixed":
        raise _err(path, where, "a Fixed prior has nothing to fit")
    values = {}
    for key in needed:
        if key not in table:
            raise _err(path, f"{where}.{key}", f"missing (method {method!r} needs "
                       + ", ".join(needed) + ")")
        values[key] = _number(table, key, path, where)
        if not math.isfinite(values[key]):
            raise _err(path, f"{where}.{key}", "must be finite")
    statement = table.get("statement", "")
    if not isinstance(statement, str):
        raise _err(path, f"{where}.statement", "must be a string")
    transform = table.get("transform", "identity")
    if transform not in ELICITATION_TRANSFORMS:
        raise _err(path, f"{where}.transform", "must be one of "
                   + ", ".join(ELICITATION_TRANSFORMS) + f" (got {transform!r})")
    if method == "maxent":
        if not values["lower"] < values["upper"]:
            raise _err(path, f"{where}.upper", f"must be > lower (got lower={values['lower']}, "
                       f"upper={values['upper']})")
        if not 0.0 < values["mass"] < 1.0:
            raise _err(path, f"{where}.mass", f"must be in (0, 1) (got {values['mass']})")
    else:
        a, b, c = (values[k] for k in needed)
        if not a < b < c:
            raise _err(path, f"{where}.{needed[1]}", f"must have {needed[0]} < {needed[1]} < "
                       f"{needed[2]} (got {a}, {b}, {c})")
    if transform != "identity":
        numbers = [values[k] for k in needed if k != "mass"]
        if min(numbers) <= 0:
            raise _err(path, f"{where}.transform", f"{transform} needs positive numbers")
    out = {"method": method, **values, "transform": transform, "statement": statement}
    if dist_name is not None:
        family = elicitation_family(table, dist_name)
        if family not in ELICITATION_FAMILIES:
            raise _err(path, f"{where}.family", f"unknown family {family!r}; known: "
                       + ", ".join(ELICITATION_FAMILIES))
        same = family == dist_name
        lognormal_on_ln = (dist_name == "LogNormal" and family == "Normal"
                           and transform == "ln")
        if not (same or lognormal_on_ln):
            raise _err(path, f"{where}.family", f"a {family} fit cannot give the {dist_name} "
                       "prior (use the prior's family, or family Normal with transform ln for "
                       "a LogNormal)")
        out["family"] = family
    return out


def _parse_prior(name: str, table: Any, path: Path) -> Prior:
    where = f"priors.{name}"
    if not isinstance(table, dict):
        raise _err(path, where, "must be a table with 'dist', its parameters, source, rationale")
    if "dist" not in table:
        raise _err(path, f"{where}.dist", "missing")
    if table["dist"] not in DISTRIBUTION_NAMES:
        raise _err(path, f"{where}.dist", f"unknown distribution {table['dist']!r}; known: "
                   + ", ".join(DISTRIBUTION_NAMES))
    source = _require_text(table, "source", path, where)
    rationale = _require_text(table, "rationale", path, where)
    elicitation = _parse_elicitation(table.get("elicitation"), path, where, table["dist"])
    params = {k: v for k, v in table.items() if k not in _PRIOR_META}
    try:
        dist = _DIST_ADAPTER.validate_python(params)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"] if str(p) != table["dist"]]
        key = ".".join([where, *loc]) if loc else where
        msg = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            msg = f"unknown key for {table['dist']}"
        named = msg.split(" ", 1)[0]
        if not loc and named in params:  # a cross-field check names its parameter first
            key = f"{where}.{named}"
        raise _err(path, key, msg) from None
    _check_support(dist, PARAMETERS[name], path, where)
    return Prior(name, dist, source, rationale, elicitation)


def _parse_requirement(table: Any, path: Path) -> Requirement:
    if not isinstance(table, dict):
        raise _err(path, "requirement", "missing table [requirement]")
    unknown = set(table) - {"source", "rationale", "no_path_weight", "anchors",
                            "weights_concentration", "capability"}
    if unknown:
        raise _err(path, f"requirement.{sorted(unknown)[0]}", "unknown key")
    source = _require_text(table, "source", path, "requirement")
    rationale = _require_text(table, "rationale", path, "requirement")
    no_path = _number(table, "no_path_weight", path, "requirement") \
        if "no_path_weight" in table else 0.0
    if not 0.0 <= no_path < 1.0:
        raise _err(path, "requirement.no_path_weight", f"must be in [0, 1) (got {no_path})")
    anchors_table = table.get("anchors", {})
    has_capability = table.get("capability") is not None
    if not isinstance(anchors_table, dict) or not (anchors_table or has_capability):
        raise _err(path, "requirement.anchors", "needs at least one named anchor table or a "
                   "[requirement.capability] anchor (none given)")
    if not anchors_table:  # capability alone: the blend is "no path" alone (module docstring)
        if "no_path_weight" in table:
            raise _err(path, "requirement.no_path_weight", "not used without published anchors: "
                       "'no path' is 1 - requirement.capability.weight")
        no_path = 1.0
    anchors = []
    for name, a in anchors_table.items():
        where = f"requirement.anchors.{name}"
        if not isinstance(a, dict):
            raise _err(path, where, "must be a table")
        unknown = set(a) - _ANCHOR_KEYS
        if unknown:
            raise _err(path, f"{where}.{sorted(unknown)[0]}", "unknown key")
        weight = _number(a, "weight", path, where)
        if not weight > 0:
            raise _err(path, f"{where}.weight", f"must be > 0 (got {weight})")
        split_keys = [k for k in ("sigma_below_log10_flop", "sigma_above_log10_flop") if k in a]
        if split_keys and "sigma_log10_flop" in a:
            raise _err(path, f"{where}.{split_keys[0]}", "give either sigma_log10_flop "
                       "(normal) or sigma_below_log10_flop and sigma_above_log10_flop (split "
                       "normal), not both")
        if len(split_keys) == 1:
            other = ({"sigma_below_log10_flop", "sigma_above_log10_flop"} - set(split_keys)).pop()
            raise _err(path, f"{where}.{other}", "missing (a split normal needs both "
                       "sigma_below_log10_flop and sigma_above_log10_flop)")
        sigmas = {}
        for key in split_keys or ["sigma_log10_flop"]:
            sigmas[key] = _number(a, key, path, where)
            if not (sigmas[key] > 0 and math.isfinite(sigmas[key])):
                raise _err(path, f"{where}.{key}", f"must be a finite number > 0 "
                           f"(got {sigmas[key]})")
        overrides = {key: _parse_anchor_distribution(a[key], key, support, path, where)
                     for key, support in ANCHOR_ALGORITHM_KEYS.items() if key in a}
        anchors.append(Anchor(
            **overrides,
            name=name, weight=weight,
            median_log10_flop=_number(a, "median_log10_flop", path, where),
            sigma_log10_flop=sigmas.get("sigma_log10_flop"),
            sigma_below_log10_flop=sigmas.get("sigma_below_log10_flop"),
            sigma_above_log10_flop=sigmas.get("sigma_above_log10_flop"),
            algorithms_year=_number(a, "algorithms_year", path, where),
            source=_require_text(a, "source", path, where),
            rationale=_require_text(a, "rationale", path, where),
            elicitation=_parse_elicitation(a.get("elicitation"), path, where, None)))
    total = no_path + sum(a.weight for a in anchors)
    if abs(total - 1.0) > 1e-6:
        raise _err(path, "requirement.anchors", f"weights (with no_path_weight) must sum to 1 "
                   f"(they sum to {total:.6g})")
    concentration = None
    if "weights_concentration" in table:
        concentration = _number(table, "weights_concentration", path, "requirement")
        if not (concentration > 0 and math.isfinite(concentration)):
            raise _err(path, "requirement.weights_concentration",
                       f"must be a finite number > 0 (got {concentration})")
    capability = _parse_capability_anchor(table.get("capability"), path, alone=not anchors)
    if capability is not None:  # the blend keeps its proportions, scaled by 1 - w_c
        keep = 1.0 - capability.weight
        anchors = [dataclasses.replace(a, weight=a.weight * keep) for a in anchors]
        no_path *= keep
    return Requirement(tuple(anchors), no_path, source, rationale, concentration, capability)


_CAPABILITY_KEYS = {"weight", "log10_horizon_minutes_mu", "log10_horizon_minutes_sigma",
                    "horizon_per_oom_floor", "source", "rationale"}


def _parse_capability_anchor(table: Any, path: Path,
                             alone: bool = False) -> CapabilityAnchor | None:
    """[requirement.capability]: weight in (0, 1), or (0, 1] when it is the requirement's only
    anchor (`alone`), sigma > 0, floor > 0 (module docstring)."""
    if table is None:
        return None
    where = "requirement.capability"
    if not isinstance(table, dict):
        raise _err(path, where, "must be a table")
    unknown = set(table) - _CAPABILITY_KEYS
    if unknown:
        raise _err(path, f"{where}.{sorted(unknown)[0]}", "unknown key; known: "
                   + ", ".join(sorted(_CAPABILITY_KEYS)))
    values = {k: _number(table, k, path, where) for k in ("weight", "log10_horizon_minutes_mu",
                                                          "log10_horizon_minutes_sigma",
                                                          "horizon_per_oom_floor")}
    if not (0.0 < values["weight"] < 1.0 or (alone and values["weight"] == 1.0)):
        interval = "(0, 1] (the only anchor)" if alone else "(0, 1)"
        raise _err(path, f"{where}.weight", f"must be in {interval} (got {values['weight']})")
    for k in ("log10_horizon_minutes_sigma", "horizon_per_oom_floor"):
        if not (values[k] > 0 and math.isfinite(values[k])):
            raise _err(path, f"{where}.{k}", f"must be a finite number > 0 (got {values[k]})")
    return CapabilityAnchor(**values, source=_require_text(table, "source", path, where),
                            rationale=_require_text(table, "rationale", path, where))


def _parse_anchor_distribution(table: Any, key: str, support: str, path: Path, where: str):
    """A per-anchor algorithmic override: a distribution table, validated as a prior's."""
    where = f"{where}.{key}"
    if not isinstance(table, dict) or table.get("dist") not in DISTRIBUTION_NAMES:
        raise _err(path, where, "must be a distribution table, e.g. {dist = \"Uniform\", "
                   "lower = 0.086, upper = 0.15}; known: " + ", ".join(DISTRIBUTION_NAMES))
    try:
        dist = _DIST_ADAPTER.validate_python(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _err(path, where, first["msg"].removeprefix("Value error, ")) from None
    _check_support(dist, ParameterInfo("algorithms", support, "projection", key), path, where)
    return dist


def _check_anchor_algorithms(requirement: Requirement, settings: dict, path: Path) -> None:
    """Per-anchor algorithmic overrides need a trajectory that is projected from the reference
    year on: settings.prior_only_start_year = reference_year = the anchor's algorithms_year."""
    for a in requirement.anchors:
        if not a.overrides_algorithms:
            continue
        key = next(k for k in ANCHOR_ALGORITHM_KEYS if getattr(a, k) is not None)
        where = f"requirement.anchors.{a.name}.{key}"
        ref = settings["reference_year"]
        if settings["prior_only_start_year"] != ref or a.algorithms_year != ref:
            raise _err(path, where, "per-anchor algorithmic progress needs "
                       "settings.prior_only_start_year and the anchor's algorithms_year equal to "
                       f"settings.reference_year ({ref:g}): it acts only on the projected "
                       "trajectory of a prior-only run")


def _parse_settings(table: Any, path: Path) -> dict[str, Any]:
    table = {} if table is None else table
    if not isinstance(table, dict):
        raise _err(path, "settings", "must be a table")
    settings = dict(SETTINGS_DEFAULTS)
    for key, value in table.items():
        if key not in SETTINGS_DEFAULTS:
            raise _err(path, f"settings.{key}", "unknown key; known: "
                       + ", ".join(SETTINGS_DEFAULTS))
        if key == "forecast_domain":
            if value not in DOMAINS:
                raise _err(path, "settings.forecast_domain", f"unknown domain {value!r}; known: "
                           + ", ".join(DOMAINS))
        elif isinstance(SETTINGS_DEFAULTS[key], bool):
            if not isinstance(value, bool):
                raise _err(path, f"settings.{key}", f"must be true or false (got {value!r})")
        else:
            value = _number(table, key, path, "settings")
        settings[key] = value
    if not settings["horizon_year"] > settings["reference_year"]:
        raise _err(path, "settings.horizon_year", "must be after settings.reference_year")
    start = settings["prior_only_start_year"]
    if start is not None and not start < settings["horizon_year"]:
        raise _err(path, "settings.prior_only_start_year", "must be before settings.horizon_year")
    return settings


def parse_scenario(text: str, path: Path) -> Scenario:
    """Validate the TOML text of a scenario; `path` is used for messages and the name."""
    from model.input_checks import check_scenario_numbers, parse_toml

    raw = parse_toml(text, path, PriorSpecError)
    check_scenario_numbers(raw, path, PriorSpecError)  # finite, typed, in range (one line)
    known_top = {"schema_version", "preset_version", "name", "title", "description",
                 "settings", "priors", "requirement", "walls"}
    unknown = set(raw) - known_top
    if unknown:
        raise _err(path, sorted(unknown)[0], "unknown key; known: " + ", ".join(sorted(known_top)))
    version = raw.get("schema_version")
    if version != SCHEMA_VERSION:
        raise _err(path, "schema_version", f"must be {SCHEMA_VERSION} (got {version!r})")
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not name:
        raise _err(path, "name", "must be a non-empty string")
    priors_table = raw.get("priors")
    if not isinstance(priors_table, dict):
        raise _err(path, "priors", "missing table [priors]")
    for key in priors_table:
        if key not in PARAMETERS:
            raise _err(path, f"priors.{key}", "unknown parameter; see model/scenario.py "
                       "PARAMETERS for the list")
    missing = [k for k in PARAMETERS if k not in priors_table]
    if missing:
        raise _err(path, f"priors.{missing[0]}", "missing (every parameter needs a prior)")
    priors = {k: _parse_prior(k, priors_table[k], path) for k in PARAMETERS}
    settings = _parse_settings(raw.get("settings"), path)
    requirement = _parse_requirement(raw.get("requirement"), path)
    _check_anchor_algorithms(requirement, settings, path)
    return Scenario(
        name=name,
        title=str(raw.get("title", name)),
        description=str(raw.get("description", "")),
        path=path,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        settings=settings,
        priors=priors,
        requirement=requirement,
        raw=raw,
        binding_walls=_parse_walls(raw.get("walls"), path),
        preset_version=_parse_preset_version(raw, path),
    )


def _parse_preset_version(raw: dict, path: Path) -> int | None:
    """`preset_version`: an integer >= 1, or absent (None). Not a bool (TOML true is no version)."""
    if "preset_version" not in raw:
        return None
    value = raw["preset_version"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _err(path, "preset_version", f"must be an integer >= 1 (got {value!r})")
    return value


def _parse_walls(table: Any, path: Path) -> tuple[str, ...]:
    """`[walls]`: `binding` (the walls applied, a list of WALL_NAMES) and a `rationale`.
    A file without the table applies no wall."""
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise _err(path, "walls", "must be a table with 'binding' and 'rationale'")
    unknown = set(table) - {"binding", "rationale"}
    if unknown:
        raise _err(path, f"walls.{sorted(unknown)[0]}", "unknown key; known: binding, rationale")
    _require_text(table, "rationale", path, "walls")
    binding = table.get("binding")
    if not isinstance(binding, list) or not all(isinstance(w, str) for w in binding):
        raise _err(path, "walls.binding", "must be a list of wall names, e.g. [\"power\", "
                   "\"chips\", \"data\", \"latency\"] (or [] for none)")
    for w in binding:
        if w not in WALL_NAMES:
            raise _err(path, "walls.binding", f"unknown wall {w!r}; known: "
                       + ", ".join(WALL_NAMES))
    if len(set(binding)) != len(binding):
        raise _err(path, "walls.binding", "lists a wall twice")
    return tuple(w for w in WALL_NAMES if w in binding)


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A path is used as is; a name NAME is ./priors/NAME.toml in the working directory if that
    exists, else the shipped preset PRIORS_DIR/NAME.toml (model/shipped.py `resolve_preset`). An
    unknown name raises PriorSpecError listing the presets and suggesting the nearest."""
    try:
        return resolve_preset(name_or_path)
    except PresetNotFound as exc:
        raise PriorSpecError(str(exc)) from None


def load_scenario(name_or_path: str | Path = "default") -> Scenario:
    from model.input_checks import read_input_text

    path = resolve_scenario_path(name_or_path)
    # a directory, FIFO, symlink loop or oversized file: one line, never a hang
    text = read_input_text(path, PriorSpecError, "scenario file")
    return parse_scenario(text, path)
