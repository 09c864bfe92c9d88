"""Scenario sweeps: variants of a fitted run's scenario, each answered without a refit when that
is exact or reliable, and by a refit otherwise.

Power-scaling (sensitivity.py) probes local changes of the fitted priors only. A sweep asks the
questions people argue about (another requirement, a lower spending cap, another domain's
algorithmic rate, an extra data stream) one at a time, against a finished base run.

The spec (TOML; `priors/sweeps/default.toml` is the shipped one, `oomcast sweep default`)
-------------------------------------------------------------------------------------
    schema_version = 1
    name = "default"
    title = "..."
    base_run = "runs/default"          # the run to reweight (`oomcast sweep --run` overrides)

    [refit]                            # optional sampler settings for refits; default: the base
    draws = 1000                       #   run's own (seed, draws, tune, chains), cores = 1
    tune = 1000
    chains = 4

    [[scenario]]                       # a whole scenario file, compared with the base
    file = "skeptic"                   # a name in priors/, or a path (relative to the spec's
                                       #   folder, the working directory or priors/)

    [[vary]]                           # one prior, two sides: full replacement distributions
    parameter = "log10_spending_cap_share_of_gwp"
    low = {dist = "Normal", mu = -4.0, sigma = 0.5}
    high = {dist = "Normal", mu = -1.5, sigma = 0.5}

    [[vary]]                           # one side only, changing a second prior with it
    parameter = "unhobbling_growth_oom_per_year"
    high = {dist = "TruncatedNormal", mu = 0.2, sigma = 0.1, lower = 0.0}
    with = {unhobbling_remaining_oom = {dist = "TruncatedNormal", mu = 2.0, sigma = 1.0,
                                        lower = 0.0}}

    [[vary]]
    parameter = "hardware_growth_oom_per_year"
    shift = 0.05                       # low: mu - 0.05, high: mu + 0.05 (`mu`, else `value`)

    [[vary]]
    parameter = "spending_growth_oom_per_year"
    scale = 2.0                        # narrow: sigma / 2, wide: sigma * 2

    [[vary]]
    setting = "forecast_domain"        # one variant per value
    values = ["vision", "translation"]

    [[vary]]
    anchors = "requirement anchor family"   # each family alone (weights renormalised to
    [vary.families]                          #   1 - no_path_weight, proportions kept inside)
    cotra_2020 = ["lifetime", "short_horizon", "genome", "medium_horizon", "long_horizon",
                  "evolution"]

    [[vary]]
    no_path_weight = [0.0, 0.15]       # anchors rescaled to keep summing to 1 with it

Any [[vary]] or [[scenario]] may add `label = "..."`, `note = "..."` (written into the variant's
source/rationale) and `method = "refit"` (never reweight). Every variant is a complete scenario,
validated by model/scenario.py, so a mistake is reported with its key path.

How a variant is answered (the table's `method` and `reason` columns)
---------------------------------------------------------------------
Let theta be the fitted parameters (NUTS), phi the projection-only ones (caps, unhobbling: role
"projection" in model/scenario.py PARAMETERS), R the requirement. The posterior factorises as

    p(theta, phi, R | y) = p(theta | y) p(phi) p(R | theta, no AGI yet)

- `exact`: only p(phi), or the horizon, differ. The base run's theta draws are kept and phi, R and
  T are redrawn with the variant's scenario (model/forecast.py `forecast_draws`, same seed as the
  run, so an unchanged scenario reproduces the run's draws exactly).
- `reweight`: fitted priors, the requirement mixture or the forecast domain differ. The run's
  theta draws are importance-weighted by
      log w = sum_changed [log p_new(theta_j) - log p_old(theta_j)]
              + log P_new(no AGI yet | theta) - log P_old(no AGI yet | theta)
  (the second line only when the requirement or the forecast domain changed: that likelihood
  term is the one place they meet the data), Pareto-smoothed (`az.psislw`); then phi, R, T are
  redrawn as above. Used when Pareto k-hat < 0.7.
- `refit`: k-hat >= 0.7, a setting that changes the data or the likelihood (fit windows, an
  optional stream, the reference year), a Fixed prior that changes (no density to reweight), a
  new prior whose support is not inside the old one, or `method = "refit"`. The variant is fitted
  afresh (model/inference.py `fit`, cores = 1 inside a Dask worker).

Every variant's numbers come from model/summary.py `summarize_arrival` with the run's own
estimator (Rao-Blackwellised on the model/forecast.py arrival grid, weighted when reweighted).
"""

from __future__ import annotations

import copy
import json
import logging
import math
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.scenario import (
    PARAMETERS,
    PRIORS_DIR,
    SETTINGS_DEFAULTS,
    PriorSpecError,
    Scenario,
    parse_scenario,
    resolve_scenario_path,
)

SPEC_SCHEMA_VERSION = 1
#: Sweep specs live beside the scenarios, in their own folder (priors/*.toml are scenarios).
SWEEPS_DIR = PRIORS_DIR / "sweeps"
PARETO_K_MAX = 0.7
#: Settings that change only the forecast (everything else changes data or likelihood: refit).
FORECAST_SETTINGS = ("forecast_domain", "horizon_year")
#: Settings a fitted run never reads (they only steer `oomcast run --prior-only`).
UNUSED_SETTINGS = ("prior_only_start_year",)
BASELINE = "baseline"


class SweepSpecError(ValueError):
    """A sweep spec is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Variant:
    label: str
    group: str  # one row of the tornado chart (a parameter, a setting, the anchors...)
    side: str  # "low" / "high" / a value / a family / a scenario name
    scenario_text: str = field(repr=False)
    force_refit: bool = False
    kind: str = "vary"  # "baseline" | "vary" | "scenario"


@dataclass(frozen=True)
class SweepSpec:
    path: Path
    name: str
    title: str
    base_run: str | None
    refit: dict
    raw: dict = field(repr=False)


# ---------------------------------------------------------------------------- the spec


def _err(path, key: str, message: str) -> SweepSpecError:
    return SweepSpecError(f"{path}: {key}: {message}")


def resolve_spec_path(name_or_path: Path | str) -> Path:
    """`default` -> priors/sweeps/default.toml; an existing path is used as is."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    return SWEEPS_DIR / f"{name_or_path}.toml"


def load_spec(path: Path | str) -> SweepSpec:
    from model.input_checks import (
        check_numbers,
        check_schema_version_type,
        parse_toml,
        read_input_text,
    )

    path = resolve_spec_path(path)
    raw = parse_toml(read_input_text(path, SweepSpecError, "sweep spec"), path, SweepSpecError)
    check_numbers(raw, path, SweepSpecError)  # finite, not absurd, not over-deep
    check_schema_version_type(raw, path, SweepSpecError)
    known = {"schema_version", "name", "title", "description", "base_run", "refit", "scenario",
             "vary"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _err(path, unknown[0], "unknown key; known: " + ", ".join(sorted(known)))
    if raw.get("schema_version") != SPEC_SCHEMA_VERSION:
        raise _err(path, "schema_version", f"must be {SPEC_SCHEMA_VERSION}")
    refit = raw.get("refit", {})
    if not isinstance(refit, dict) or set(refit) - {"draws", "tune", "chains", "seed"}:
        raise _err(path, "refit", "a table of draws, tune, chains, seed")
    for k, v in refit.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise _err(path, f"refit.{k}", "must be an integer >= 1")
    if not raw.get("scenario") and not raw.get("vary"):
        raise _err(path, "vary", "the spec lists no [[scenario]] and no [[vary]]")
    return SweepSpec(path=path, name=str(raw.get("name", path.stem)),
                     title=str(raw.get("title", raw.get("name", path.stem))),
                     base_run=raw.get("base_run"), refit=dict(refit), raw=raw)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-")[:60]


def _dump(raw: dict) -> str:
    import tomlkit

    return tomlkit.dumps(raw)


def _prior_table(dist: Any, where: str, spec: SweepSpec, side: str, note: str) -> dict:
    if not isinstance(dist, dict) or "dist" not in dist:
        raise _err(spec.path, where, "must be an inline table with `dist` and its parameters")
    table = dict(dist)
    table.setdefault("source", f"sweep spec {spec.path.name}: one-at-a-time variation ({side})")
    table.setdefault("rationale", note or f"sensitivity of the forecast to this prior ({side})")
    return table


def _shifted(table: dict, key: str, amount: float, where: str, spec: SweepSpec) -> dict:
    if key not in table:
        raise _err(spec.path, where, f"the base prior ({table.get('dist')}) has no `{key}`")
    out = dict(table)
    out[key] = float(table[key]) + amount if key != "sigma" else float(table[key]) * amount
    return out


def _vary_entries(spec: SweepSpec, base: Scenario, i: int, entry: dict) -> list[Variant]:
    where = f"vary[{i}]"
    if not isinstance(entry, dict):
        raise _err(spec.path, where, "must be a table")
    note = str(entry.get("note", ""))
    method = entry.get("method", "auto")
    if method not in ("auto", "refit"):
        raise _err(spec.path, f"{where}.method", "must be 'auto' or 'refit'")
    sides: list[tuple[str, dict]] = []  # (side, edited raw scenario)
    kinds = [k for k in ("parameter", "setting", "anchors", "no_path_weight") if k in entry]
    if len(kinds) != 1:
        raise _err(spec.path, where, "needs exactly one of parameter, setting, anchors, "
                   "no_path_weight")
    kind = kinds[0]
    if kind == "parameter":
        name = entry["parameter"]
        if name not in PARAMETERS:
            raise _err(spec.path, f"{where}.parameter", f"unknown parameter {name!r}")
        group = str(entry.get("label", name))
        base_table = {k: v for k, v in base.raw["priors"][name].items()}
        given = [m for m in ("low", "high") if m in entry]
        modes = (["low"] if given else []) + [m for m in ("shift", "scale") if m in entry]
        if len(modes) != 1:
            raise _err(spec.path, where, "give low and/or high, or shift, or scale")
        if modes[0] == "low":
            pairs = [(side, _prior_table(entry[side], f"{where}.{side}", spec, side, note))
                     for side in given]
        elif modes[0] == "shift":
            amount = float(entry["shift"])
            key = "mu" if "mu" in base_table else "value"
            pairs = [("low", _shifted(base_table, key, -amount, f"{where}.shift", spec)),
                     ("high", _shifted(base_table, key, amount, f"{where}.shift", spec))]
        else:
            factor = float(entry["scale"])
            if not factor > 0:
                raise _err(spec.path, f"{where}.scale", "must be > 0")
            pairs = [("narrow", _shifted(base_table, "sigma", 1 / factor, f"{where}.scale",
                                         spec)),
                     ("wide", _shifted(base_table, "sigma", factor, f"{where}.scale", spec))]
        together = entry.get("with", {})
        if not isinstance(together, dict) or set(together) - set(PARAMETERS):
            raise _err(spec.path, f"{where}.with", "a table: parameter -> distribution")
        for side, table in pairs:
            if modes[0] != "low":
                table["rationale"] = (f"sweep {spec.path.name}: {modes[0]} "
                                      f"{entry[modes[0]]} ({side}) of: {table['rationale']}")
            raw = copy.deepcopy(base.raw)
            raw["priors"][name] = table
            for other, dist in together.items():
                raw["priors"][other] = _prior_table(dist, f"{where}.with.{other}", spec, side,
                                                    note)
            sides.append((side, raw))
    elif kind == "setting":
        key = entry["setting"]
        if key not in SETTINGS_DEFAULTS:
            raise _err(spec.path, f"{where}.setting", f"unknown setting {key!r}")
        values = entry.get("values")
        if not isinstance(values, list) or not values:
            raise _err(spec.path, f"{where}.values", "a non-empty list")
        group = str(entry.get("label", key))
        for v in values:
            raw = copy.deepcopy(base.raw)
            raw.setdefault("settings", {})[key] = v
            sides.append((str(v).lower() if isinstance(v, bool) else str(v), raw))
    elif kind == "anchors":
        families = entry.get("families")
        if not isinstance(families, dict) or not families:
            raise _err(spec.path, f"{where}.families", "a table: family name -> anchor names")
        group = str(entry.get("label", entry["anchors"]))
        names = [a.name for a in base.requirement.anchors]
        for fam, members in families.items():
            missing = [m for m in members if m not in names]
            if missing or not members:
                raise _err(spec.path, f"{where}.families.{fam}", f"unknown anchor(s) {missing}; "
                           f"the base scenario has {names}")
            raw = copy.deepcopy(base.raw)
            anchors = raw["requirement"]["anchors"]
            total = sum(anchors[m]["weight"] for m in members)
            keep = 1.0 - float(raw["requirement"].get("no_path_weight", 0.0))
            raw["requirement"]["anchors"] = {
                m: {**anchors[m], "weight": round(anchors[m]["weight"] * keep / total, 12)}
                for m in members}
            # the family alone: a capability anchor ([requirement.capability]) leaves too
            raw["requirement"].pop("capability", None)
            _fix_weight_rounding(raw)
            sides.append((fam, raw))
    else:
        values = entry["no_path_weight"]
        if not isinstance(values, list) or not values:
            raise _err(spec.path, f"{where}.no_path_weight", "a non-empty list of weights")
        group = str(entry.get("label", "no_path_weight"))
        old = float(base.raw["requirement"].get("no_path_weight", 0.0))
        for v in values:
            if not 0 <= float(v) < 1:
                raise _err(spec.path, f"{where}.no_path_weight", "weights in [0, 1)")
            raw = copy.deepcopy(base.raw)
            raw["requirement"]["no_path_weight"] = float(v)
            for a in raw["requirement"]["anchors"].values():
                a["weight"] = round(a["weight"] * (1 - float(v)) / (1 - old), 12)
            _fix_weight_rounding(raw)
            sides.append((f"{float(v):g}", raw))
    out = []
    for side, raw in sides:
        raw["name"] = f"{base.name}~{_slug(group)}={_slug(side)}"
        out.append(Variant(label=f"{group}: {side}", group=group, side=side,
                           scenario_text=_dump(raw), force_refit=method == "refit"))
    return out


def _fix_weight_rounding(raw: dict) -> None:
    """Put the rounding residue on the largest anchor so weights sum to 1 exactly enough."""
    anchors = raw["requirement"]["anchors"]
    total = sum(a["weight"] for a in anchors.values()) + raw["requirement"].get(
        "no_path_weight", 0.0)
    biggest = max(anchors, key=lambda k: anchors[k]["weight"])
    anchors[biggest]["weight"] = round(anchors[biggest]["weight"] + 1.0 - total, 12)


def build_variants(spec: SweepSpec, base: Scenario, base_text: str) -> list[Variant]:
    """The baseline (the base scenario itself) followed by the spec's variants, validated."""
    variants = [Variant(label=BASELINE, group=BASELINE, side=base.name, scenario_text=base_text,
                        kind=BASELINE)]
    for i, entry in enumerate(spec.raw.get("scenario", []) or []):
        where = f"scenario[{i}]"
        if not isinstance(entry, dict) or "file" not in entry:
            raise _err(spec.path, where, "needs `file`")
        path = Path(entry["file"])
        candidates = [spec.path.parent / path, path, PRIORS_DIR / path,
                      resolve_scenario_path(entry["file"])]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise _err(spec.path, f"{where}.file", f"no such scenario file {entry['file']!r}")
        text = found.read_text(encoding="utf-8")
        name = parse_scenario(text, found).name
        variants.append(Variant(label=str(entry.get("label", f"scenario: {name}")),
                                group="scenario files", side=name, scenario_text=text,
                                force_refit=entry.get("method") == "refit", kind="scenario"))
    for i, entry in enumerate(spec.raw.get("vary", []) or []):
        variants.extend(_vary_entries(spec, base, i, entry))
    labels = [v.label for v in variants]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise _err(spec.path, "vary", f"repeated variant label(s) {dup}: add `label`")
    for v in variants:
        try:
            parse_scenario(v.scenario_text, Path(f"{spec.path}#{v.label}"))
        except PriorSpecError as exc:
            raise SweepSpecError(str(exc)) from None
    return variants


# ---------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Plan:
    refit_reason: str | None
    changed_fitted: tuple[str, ...]
    not_yet_changed: bool  # requirement or forecast domain: the "no AGI yet" likelihood term
    forecast_changed: bool


def _requirement_key(req) -> tuple:
    """Everything of the requirement that its density depends on (not sources or notes)."""
    from dataclasses import asdict

    text = ("source", "rationale", "elicitation")
    return (round(req.no_path_weight, 12),
            tuple(tuple(sorted((k, v) for k, v in asdict(a).items() if k not in text))
                  for a in req.anchors))


def plan_variant(base: Scenario, new: Scenario) -> Plan:
    """What differs between two scenarios and hence how the variant can be answered."""
    from model.distributions import Fixed

    refit = None
    for key in SETTINGS_DEFAULTS:
        if key in FORECAST_SETTINGS or key in UNUSED_SETTINGS:
            continue
        if base.settings.get(key) != new.settings.get(key):
            refit = f"settings.{key} changes the data or the likelihood"
            break
    changed = []
    for name, prior in new.fitted().items():
        old = base.priors[name].dist
        if prior.dist == old:
            continue
        if isinstance(old, Fixed) or isinstance(prior.dist, Fixed):
            refit = refit or f"{name}: a Fixed prior changes (no density to reweight)"
        else:
            (lo_o, hi_o), (lo_n, hi_n) = old.support(), prior.dist.support()
            if lo_n < lo_o or hi_n > hi_o:
                refit = refit or (f"{name}: the new prior's support [{lo_n:g}, {hi_n:g}] is not "
                                  f"inside the old [{lo_o:g}, {hi_o:g}]")
        changed.append(name)
    requirement = _requirement_key(base.requirement) != _requirement_key(new.requirement)
    domain = base.forecast_domain != new.forecast_domain
    projection = any(base.priors[n].dist != p.dist for n, p in new.projection_only().items())
    forecast = (requirement or domain or projection or base.horizon_year != new.horizon_year
                or bool(changed))
    return Plan(refit, tuple(changed), requirement or domain, forecast)


# ---------------------------------------------------------------------------- answering


#: Posterior variables a variant needs (flat, (chain, draw) order): fitted parameters the
#: forecast reads, the deterministic intercepts at the reference year, and every free parameter.
FORECAST_FITTED = ("log10_frontier_compute_at_ref_flop", "hardware_growth_oom_per_year",
                   "spending_growth_oom_per_year", "other_growth_oom_per_year",
                   "log10_training_cost_at_ref_usd", "algorithmic_growth_oom_per_year",
                   "not_yet_agi_softness_oom",
                   # the capability anchor's R given theta (model/capability.py)
                   "capability_horizon_log10_minutes_at_centre", "capability_horizon_per_oom")


@dataclass
class BaseDraws:
    """What every variant needs from the base run (sent to each Dask worker once)."""

    scenario_text: str
    scenario_path: str
    cutoff_year: float
    seed: int
    n_chains: int
    n_draws: int
    params: dict[str, np.ndarray]  # fitted parameters, flat (sample, ...)
    run_sha256: str


def base_draws(run, run_sha256: str) -> BaseDraws:
    """From a loaded run (rundir.py): every fitted parameter with a prior, as flat arrays."""
    post = run.idata.posterior
    names = set(FORECAST_FITTED) | {n for n in run.scenario.fitted() if n in post}
    params = {n: run.flat(n) for n in sorted(names) if n in post}
    return BaseDraws(scenario_text=Path(run.scenario.path).read_text(encoding="utf-8"),
                     scenario_path=str(run.scenario.path), cutoff_year=run.cutoff_year,
                     seed=run.seed, n_chains=run.n_chains, n_draws=run.n_draws, params=params,
                     run_sha256=run_sha256)


@dataclass(frozen=True)
class VariantPayload:
    variant: Variant
    obs: Any  # model.build.Observations for a refit, or None
    obs_error: str | None
    sampler: dict  # SamplerSettings fields for a refit
    force_refit: bool
    grid_years: np.ndarray = field(repr=False)


def _fill_fixed(params: dict, scenario: Scenario, n: int) -> dict:
    """Fitted parameters with Fixed priors are constants, not posterior variables."""
    out = dict(params)
    for name, prior in scenario.fitted().items():
        if name not in out:
            out[name] = prior.dist.sample(np.random.default_rng(0), n)
    return out


def not_yet_log_prob(params: dict, scenario: Scenario, cutoff_year: float) -> np.ndarray:
    """log P(no AGI by the cutoff | theta) under a scenario's requirement and forecast domain."""
    from model.forecast import forecast_algorithmic_growth
    from model.projection import effective_compute_at_cutoff
    from model.requirement import capability_draws, log_prob_not_yet

    g_alg = forecast_algorithmic_growth(params, scenario)
    g_phys = (params["hardware_growth_oom_per_year"] + params["spending_growth_oom_per_year"]
              + params["other_growth_oom_per_year"])
    e_now = effective_compute_at_cutoff(params["log10_frontier_compute_at_ref_flop"], g_phys,
                                        g_alg, cutoff_year, scenario.reference_year)
    return log_prob_not_yet(scenario.requirement, e_now, g_alg,
                            params["not_yet_agi_softness_oom"], scenario.reference_year,
                            capability_draws(scenario.requirement, params,
                                             scenario.reference_year))


def reweight_log_weights(params: dict, base: Scenario, new: Scenario, plan: Plan,
                         cutoff_year: float) -> np.ndarray | None:
    """Raw log importance weights new/old per draw, or None when nothing fitted changes."""
    if not plan.changed_fitted and not plan.not_yet_changed:
        return None
    n = np.asarray(params["hardware_growth_oom_per_year"]).shape[0]
    lw = np.zeros(n)
    with np.errstate(divide="ignore"):
        for name in plan.changed_fitted:
            x = np.asarray(params[name], dtype=float)
            old_dist, new_dist = base.priors[name].dist, new.priors[name].dist
            diff = new_dist.scipy().logpdf(x) - old_dist.scipy().logpdf(x)
            lw += diff.reshape(n, -1).sum(axis=1)
    if plan.not_yet_changed:
        lw += (not_yet_log_prob(params, new, cutoff_year)
               - not_yet_log_prob(params, base, cutoff_year))
    return lw


def psis_weights(log_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Normalised PSIS weights and Pareto k-hat (sensitivity.py `psis`)."""
    from model.studies.sensitivity import psis

    lw, k = psis(log_weights)
    w = np.exp(lw)
    return w / w.sum(), k


def _forecast(params: dict, scenario: Scenario, cutoff_year: float, seed: int, grid):
    """Redraw phi, R, T with the scenario (the run's seed) and the per-draw arrival CDFs."""
    from model.forecast import arrival_cdf_by_draw, forecast_draws

    rng = np.random.default_rng([seed, 1])  # as model/inference.py add_forecast
    draws = forecast_draws(params, scenario, cutoff_year, rng, conditioned=True)
    full = dict(params)
    full.update({k: v for k, v in draws.items() if k in scenario.projection_only()})
    cdf = arrival_cdf_by_draw(full, scenario, cutoff_year, grid)
    return draws["arrival_year"], cdf


def answer_variant(payload: VariantPayload, base: BaseDraws) -> dict:
    """One variant's arrival summary: exact, reweighted, or refitted (module docstring)."""
    from model.summary import summarize_arrival

    start = time.perf_counter()
    v = payload.variant
    scenario = parse_scenario(v.scenario_text, Path(f"{v.label}.toml"))
    base_sc = parse_scenario(base.scenario_text, Path(base.scenario_path))
    plan = plan_variant(base_sc, scenario)
    grid = payload.grid_years
    n = base.n_chains * base.n_draws
    result = {"label": v.label, "group": v.group, "side": v.side, "kind": v.kind,
              "pareto_k": None, "importance_ess": None, "diagnostics": None}
    refit_reason = plan.refit_reason or ("forced (method = refit)" if payload.force_refit
                                         else None)
    weights = None
    if refit_reason is None:
        params = _fill_fixed(base.params, scenario, n)
        lw = reweight_log_weights(params, base_sc, scenario, plan, base.cutoff_year)
        if lw is None:
            method = "exact"
            reason = ("no change" if not plan.forecast_changed else
                      "projection-only priors / forecast settings: forecast redrawn")
        else:
            w, k = psis_weights(lw)
            result["pareto_k"] = round(k, 4)
            if k < PARETO_K_MAX:
                method, weights = "reweight", w
                result["importance_ess"] = round(1.0 / float(np.sum(w**2)), 1)
                changed = list(plan.changed_fitted) + (
                    ["no-AGI-yet likelihood"] if plan.not_yet_changed else [])
                reason = "PSIS k-hat < 0.7, reweighted: " + ", ".join(changed)
            else:
                refit_reason = f"PSIS k-hat {k:.2f} >= {PARETO_K_MAX}"
    if refit_reason is not None:
        method, reason = "refit", refit_reason
        arrival, cdf, n_chains, result["diagnostics"] = _refit(payload, scenario)
    else:
        arrival, cdf = _forecast(params, scenario, base.cutoff_year, base.seed, grid)
        n_chains = base.n_chains
    arrival = np.asarray(arrival, dtype=float).reshape(n_chains, -1)
    cdf = np.asarray(cdf, dtype=float).reshape(n_chains, arrival.shape[1], grid.size)
    summary = summarize_arrival(arrival, scenario.horizon_year, weights=weights,
                                cdf_by_draw=cdf, grid_years=grid)
    flat = cdf.reshape(-1, grid.size)
    mean_cdf = flat.mean(axis=0) if weights is None else weights @ flat
    result.update({"method": method, "reason": reason, "summary": summary,
                   "grid_years": np.asarray(grid, dtype=float),
                   "mean_cdf": mean_cdf.astype(float),
                   "horizon_year": scenario.horizon_year, "scenario_name": scenario.name,
                   "wall_s": round(time.perf_counter() - start, 3)})
    return result


def _refit(payload: VariantPayload, scenario: Scenario):
    from model.inference import SamplerSettings, diagnostics, fit

    if payload.obs_error:
        raise ValueError(payload.obs_error)
    settings = SamplerSettings(**{**payload.sampler, "cores": 1})
    logger = logging.getLogger("pymc")  # a worker's sampler chatter would garble the progress
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        idata = fit(payload.obs, scenario, settings)
    finally:
        logger.setLevel(level)
    post = idata.posterior
    from model.studies.rundir import flatten

    params = {n: flatten(post[n]) for n in FORECAST_FITTED if n in post}
    params = _fill_fixed(params, scenario, post.sizes["chain"] * post.sizes["draw"])
    for name in scenario.projection_only():
        params[name] = flatten(post[name])
    from model.forecast import arrival_cdf_by_draw

    cdf = arrival_cdf_by_draw(params, scenario, payload.obs.cutoff_year, payload.grid_years)
    d = diagnostics(idata, scenario.horizon_year)
    diag = {"converged": bool(d["converged"]), "divergences": int(d["divergences"]),
            "rhat_max": round(float(d["rhat_max"]), 4),
            "ess_bulk_min": round(float(d["ess_bulk_min"]), 1),
            "problems": list(d["problems"])[:5]}
    return post["arrival_year"].to_numpy(), cdf, post.sizes["chain"], diag


# ---------------------------------------------------------------------------- the table


def table_columns() -> list[str]:
    from model.summary import INTERVAL_PROBS, REPORT_YEARS

    cols = ["variant", "group", "side", "method", "reason", "pareto_k", "importance_ess",
            "median", "median_mcse"]
    for p in INTERVAL_PROBS:
        cols += [f"lower_{int(p * 100)}", f"upper_{int(p * 100)}"]
    cols += [f"p_by_{y}" for y in REPORT_YEARS]
    cols += ["p_after_horizon", "n_draws", "ess_bulk", "refit_converged", "cached", "wall_s",
             "error"]
    return cols


def _year(entry: dict) -> float:
    return math.inf if entry["after_horizon"] else entry["value"]


def table_row(outcome) -> dict:
    """One CSV row from an executor Outcome (an error leaves the numbers blank)."""
    row = dict.fromkeys(table_columns(), "")
    row["variant"] = outcome.label
    row["cached"] = outcome.cached
    if not outcome.ok:
        row["error"] = outcome.error
        row["method"] = "failed"
        return row
    r = outcome.value
    s = r["summary"]
    row.update({"group": r["group"], "side": r["side"], "method": r["method"],
                "reason": r["reason"], "pareto_k": "" if r["pareto_k"] is None else r["pareto_k"],
                "importance_ess": "" if r["importance_ess"] is None else r["importance_ess"],
                "median": _year(s["median"]), "median_mcse": s["median"]["mcse"] or "",
                "p_after_horizon": s["p_after_horizon"]["p"], "n_draws": s["n_draws"],
                "ess_bulk": s["ess_bulk"], "wall_s": r["wall_s"]})
    for iv in s["intervals"]:
        row[f"lower_{int(iv['prob'] * 100)}"] = _year(iv["lower"])
        row[f"upper_{int(iv['prob'] * 100)}"] = _year(iv["upper"])
    for y, e in s["p_by_year"].items():
        row[f"p_by_{y}"] = e["p"]
    if r["diagnostics"] is not None:
        row["refit_converged"] = r["diagnostics"]["converged"]
    return row


def payload_description(variant: Variant, base: BaseDraws, data_sha256: dict, sampler: dict,
                        force_refit: bool, grid: np.ndarray) -> dict:
    """Everything a variant's result depends on: hashed into its cache key."""
    import hashlib

    from model.studies.cache import code_version

    return {"kind": "oomcast.sweep.variant", "version": 1,
            "scenario_sha256": hashlib.sha256(variant.scenario_text.encode()).hexdigest(),
            "label": variant.label, "base_run_sha256": base.run_sha256,
            "base_scenario_sha256": hashlib.sha256(base.scenario_text.encode()).hexdigest(),
            "data_sha256": data_sha256, "sampler": sampler, "force_refit": force_refit,
            "grid": [float(grid[0]), float(grid[-1]), int(grid.size)],
            "code": code_version(__name__)}


def sampler_for_refits(run, spec: SweepSpec, overrides: dict) -> dict:
    """The base run's sampler settings, then the spec's [refit], then the command line's."""
    settings = json.loads(run.attrs.get("oomcast_sampler_settings", "{}"))
    from model.inference import SamplerSettings

    fields = set(SamplerSettings.__dataclass_fields__)
    out = {k: v for k, v in settings.items() if k in fields}
    out.update(spec.refit)
    out.update({k: v for k, v in overrides.items() if v is not None})
    out["cores"] = 1
    out["prior_draws"] = min(int(out.get("prior_draws", 1000)), 50)
    return asdict(SamplerSettings(**out))

