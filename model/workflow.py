"""`oomcast run` end to end: load, fit, check, summarise, draw, and write the run atomically.

A run directory holds
    posterior.nc     InferenceData (posterior, sample_stats, observed and constant data) whose
                     attrs carry the provenance (scenario and data hashes, seed, sampler
                     settings, versions, git commit, command) and the wall time per phase
    derived.nc       written later, by the first command that needs them: log_likelihood,
                     log_prior, prior and prior_predictive (model/run_groups.py); not hashed
    summary.json     headline numbers with MCSEs, diagnostics and the same provenance
    arrival.png      arrival-year CDF and density
    trajectory.png   effective-compute fan chart with history and the requirement band

Everything is written into a hidden sibling directory first and renamed into place only when
complete, so a crash or Ctrl-C never leaves a half-written run.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import data as data_mod
from model.build import prepare_observations
from model.capability import capability_line, capability_summary
from model.forecast import anchor_algorithms_rule, projection_inputs, trajectory_parameters
from model.inference import (
    SamplerSettings,
    add_forecast,
    attach_attrs,
    diagnostics,
    provenance_attrs,
    sample_model,
    save_idata,
)
from model.output_dir import (  # noqa: F401 - RunExistsError, staged_dir re-exported
    RunExistsError,
    check_output_dir,
    output_lock,
    staged_dir,
)
from model.phases import PHASE_ATTR, PhaseTimes
from model.projection import effective_compute_path
from model.report.figures import arrival_figure, trajectory_figure
from model.requirement import anchor_labels, prior_weights
from model.requirement_update import requirement_update, update_document
from model.run_integrity import PRIOR_ONLY_FILES, RUN_FILES
from model.scenario import CONFIDENCE_LABELS, Scenario, load_scenario
from model.simulate import cost_premium_oom
from model.summary import (
    format_anchor_table,
    format_limits_table,
    format_table,
    summarize_arrival,
    summarize_limits,
    summarize_posterior_by_anchor,
    summarize_prior_by_anchor,
)


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    summary: dict
    diagnostics: dict
    table: str
    phases: PhaseTimes | None = None  # wall time per phase (model/phases.py)


def default_cutoff_year(streams: dict) -> float:
    """"Now" is the vintage of the frontier-compute export: the date the data describe."""
    return data_mod.decimal_year(streams["frontier_compute"].provenance["vintage"])


def parse_as_of(text: str) -> float:
    """`--as-of` accepts an ISO date (2019-01-01) or a decimal year (2019.0)."""
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value):
            raise ValueError(f"--as-of: not a finite decimal year: {text!r}")
        return value
    try:
        return data_mod.decimal_year(text)
    except Exception as exc:  # noqa: BLE001 - reported as a clean usage error
        raise ValueError(f"--as-of: not a date or decimal year: {text!r}") from exc


def _run_inputs(scenario_path, out_dir, overwrite: bool, data_dir):
    """(out_dir, scenario, streams, data cutoff) for a run, refusing an existing out_dir unless
    overwrite: what `execute_run` and `execute_prior_only` both start from."""
    out_dir = check_output_dir(out_dir, overwrite)
    scenario = load_scenario(scenario_path)
    streams = data_mod.load_all(data_dir or data_mod.DATA_DIR)
    return out_dir, scenario, streams, default_cutoff_year(streams)


def _refuse_after_vintage(cutoff: float, data_cutoff: float) -> None:
    """`--as-of` later than the data is refused for fits and prior-only runs alike: 'now' cannot
    be later than the latest observation the model has (a prior-only run would otherwise count
    every draw below the requirement there as 'arrived' at the start)."""
    if cutoff > data_cutoff + 1e-9:
        raise ValueError(f"--as-of {cutoff:.2f} is after the data's vintage ({data_cutoff:.2f}); "
                         "the model cannot condition on data it does not have")


def _check_cutoff(cutoff: float, default: float, scenario: Scenario) -> None:
    _refuse_after_vintage(cutoff, default)
    if cutoff <= scenario.settings["compute_fit_start_year"] + 2:
        raise ValueError(f"--as-of {cutoff:.2f} leaves too little frontier-compute data "
                         f"(fit starts {scenario.settings['compute_fit_start_year']:.0f})")


def draw_figures(idata, scenario: Scenario, obs, summary: dict, caption: str,
                 out_dir: Path) -> None:
    post = idata.posterior
    arrival = post["arrival_year"].to_numpy()
    arrival_figure(arrival, summary, obs.cutoff_year, scenario.horizon_year,
                   f"When does effective compute reach the AGI requirement? "
                   f"Scenario '{scenario.name}'", caption, out_dir / "arrival.png")
    inputs = projection_inputs(trajectory_parameters(post, scenario), scenario, obs.cutoff_year)
    rng = np.random.default_rng(0)
    keep = rng.choice(inputs.size, size=min(2000, inputs.size), replace=False)
    sub = type(inputs)(**{k: getattr(inputs, k)[keep] for k in inputs.__dataclass_fields__})
    years = np.arange(2010.0, 2061.0, 0.25)
    paths = effective_compute_path(years, sub, obs.cutoff_year)
    g_alg = np.median(post["algorithmic_growth_oom_per_year"].sel(
        domain=scenario.forecast_domain).to_numpy())
    points = obs.frontier_log10_flop + g_alg * (obs.frontier_year - scenario.reference_year)
    confidence = np.array([CONFIDENCE_LABELS[i] for i in obs.frontier_confidence_idx])
    trajectory_figure(years, paths, obs.cutoff_year, obs.frontier_year, points, confidence,
                      post["requirement_log10_flop"].to_numpy().ravel(), scenario.reference_year,
                      f"Effective compute of the largest training run vs the AGI requirement "
                      f"(scenario '{scenario.name}')", caption, out_dir / "trajectory.png")


def limits_of_draws(inputs, scenario: Scenario, cutoff: float, n_chains: int = 1):
    """(summary.json's `limits` block, the per-draw binding start years) of the draws."""
    from model.projection import limit_binding_start_years

    start = limit_binding_start_years(inputs, cutoff, scenario.horizon_year)
    limits = summarize_limits(inputs, cutoff, scenario.horizon_year, n_chains, start)
    return {**limits, "binding_walls": list(scenario.binding_walls)}, start


def draw_limits_figure(inputs, start_years, scenario: Scenario, cutoff: float, caption: str,
                       path: Path, title: str) -> None:
    """limits.png: physical compute against the walls (paths of 2000 draws) and when each limit
    binds (every draw, as in summary.json)."""
    from model.projection import physical_compute_path, uncapped_physical_compute_path, wall_paths
    from model.report.limit_figures import limits_figure

    keep = np.random.default_rng(0).choice(inputs.size, size=min(2000, inputs.size),
                                           replace=False)
    sub = type(inputs)(**{k: getattr(inputs, k)[keep] for k in inputs.__dataclass_fields__})
    years = np.arange(np.floor(cutoff) - 3.0, 2061.0, 0.25)
    limits_figure(years, physical_compute_path(years, sub, cutoff),
                  uncapped_physical_compute_path(years, sub, cutoff),
                  wall_paths(years, sub, cutoff), scenario.binding_walls, start_years, cutoff,
                  title, caption, path)


def execute_run(scenario_path: str | Path, out_dir: Path, settings: SamplerSettings,
                as_of: float | None = None, overwrite: bool = False,
                data_dir: Path | None = None, command: str = "oomcast run") -> RunResult:
    """Fit one scenario and write its run directory atomically (see module docstring). The
    output folder is claimed (model/output_dir.py lock) before sampling, so of two concurrent
    runs into one folder the second is refused at once instead of both "succeeding"."""
    check_output_dir(out_dir, overwrite)
    with output_lock(Path(out_dir)):
        return _execute_run(scenario_path, out_dir, settings, as_of, overwrite, data_dir, command)


def _execute_run(scenario_path, out_dir, settings: SamplerSettings, as_of, overwrite: bool,
                 data_dir, command: str) -> RunResult:
    """See execute_run. Each phase's wall time goes into posterior.nc (model/phases.py); the
    netCDF write itself, the last phase, only into the RunResult."""
    phases = PhaseTimes()
    with phases.phase("load"):
        out_dir, scenario, streams, default_cutoff = _run_inputs(scenario_path, out_dir,
                                                                 overwrite, data_dir)
        cutoff = default_cutoff if as_of is None else as_of
        _check_cutoff(cutoff, default_cutoff, scenario)
        obs = prepare_observations({k: s.table for k, s in streams.items()}, scenario, cutoff)

    from model.build import build_model

    with phases.phase("build"):
        model = build_model(obs, scenario)
    idata = sample_model(model, settings, phases)
    with phases.phase("forecast_and_diagnostics"):
        add_forecast(idata, scenario, cutoff, settings.seed)
        diag = diagnostics(idata, scenario.horizon_year)
    return _summarise_and_write(idata, diag, scenario, streams, obs, settings, cutoff, command,
                                out_dir, overwrite, phases)


def _summarise_and_write(idata, diag, scenario, streams, obs, settings, cutoff, command,
                         out_dir, overwrite, phases: PhaseTimes) -> RunResult:
    started = time.perf_counter()
    summary, by_anchor = summarize_posterior_by_anchor(idata.posterior, scenario, cutoff)
    vintages = {k: s.provenance["vintage"] for k, s in streams.items()}
    attrs = provenance_attrs(scenario, data_mod.data_hashes(streams), vintages, settings,
                             cutoff, command)
    attrs["oomcast_provenance_sha256"] = json.dumps(data_mod.provenance_hashes(streams),
                                                    sort_keys=True)
    anchor_rule = anchor_algorithms_rule(scenario, conditioned=True)
    if anchor_rule is not None:
        attrs["oomcast_anchor_algorithms"] = anchor_rule
    attach_attrs(idata, attrs)
    growth = {name: _interval(idata.posterior[name]) for name in (
        "hardware_growth_oom_per_year", "spending_growth_oom_per_year",
        "other_growth_oom_per_year", "physical_compute_growth_oom_per_year")}
    growth["algorithmic_growth_oom_per_year"] = {
        d: _interval(idata.posterior["algorithmic_growth_oom_per_year"].sel(domain=d))
        for d in idata.posterior["domain"].values.tolist()}
    start = largest_run_at_cutoff(idata.posterior, scenario, cutoff)
    inputs = projection_inputs(trajectory_parameters(idata.posterior, scenario), scenario, cutoff)
    limits, start_years = limits_of_draws(inputs, scenario, cutoff,
                                          idata.posterior.sizes["chain"])
    document = {
        "schema_version": 1,
        "arrival_year": summary,
        "limits": limits,
        "requirement_by_anchor": by_anchor,
        "requirement_update": update_document(
            requirement_update(trajectory_parameters(idata.posterior, scenario), scenario,
                               cutoff), scenario.reference_year),
        "forecast_run": FORECAST_RUN,
        "largest_run_at_cutoff": start,
        "growth_rates": growth,
        "capability": capability_summary(idata.posterior),
        "diagnostics": {k: v for k, v in diag.items() if k != "per_variable"},
        "diagnostics_per_variable": diag["per_variable"],
        "cutoff_year": round(cutoff, 4),
        "observations": obs.sizes(),
        "published_estimates_used": obs.published_estimates_used(scenario),
        # the command (with its --out path) lives in posterior.nc's attrs, so that the same
        # seed gives a byte-identical summary.json wherever it is written
        "provenance": {k: (json.loads(v) if isinstance(v, str) and v.startswith("{") else v)
                       for k, v in attrs.items() if k != "oomcast_command"},
    }
    caption = (f"oomcast · scenario {scenario.name} ({scenario.sha256[:10]}) · data cutoff "
               f"{cutoff:.2f}, frontier vintage {vintages['frontier_compute']} · seed "
               f"{settings.seed} · {summary['n_draws']} draws · commit "
               f"{attrs['oomcast_git_commit'][:10]}")
    phases.add("summary", time.perf_counter() - started)

    with staged_dir(out_dir, "run", overwrite, hashed=RUN_FILES,
                    refuse_new=None if overwrite else "while sampling") as tmp:
        with phases.phase("figures"):
            draw_figures(idata, scenario, obs, summary, caption, tmp)
            draw_limits_figure(inputs, start_years, scenario, cutoff, caption,
                               tmp / "limits.png", f"Physical compute of the largest run "
                               f"against the walls (scenario '{scenario.name}')")
        with phases.phase("write"):
            (tmp / "summary.json").write_text(json.dumps(document, indent=2, sort_keys=True)
                                              + "\n")
            idata.posterior.attrs[PHASE_ATTR] = phases.as_attr()  # all but this write
            save_idata(idata, tmp / "posterior.nc")
    note = "" if anchor_rule is None else f"note: anchors' algorithms: {anchor_rule}\n"
    return RunResult(out_dir, summary, diag,
                     note + format_table(summary) + "\n" + format_anchor_table(by_anchor) + "\n"
                     + largest_run_line(start) + "\n"
                     + capability_line(document["capability"]) + "\n"
                     + format_limits_table(limits), phases)


#: Which run the forecast is about (summary.json `forecast_run`; the CLI and report say it too).
FORECAST_RUN = ("the largest training run: the trend of each calendar year's largest frontier "
                "run, a fitted premium above the typical Epoch frontier model (model/build.py)")


def largest_run_at_cutoff(posterior, scenario: Scenario, cutoff: float) -> dict:
    """Where the forecast starts, median and 90% interval per quantity:
    log10 C_now = c_ref + g_phys (t_cutoff - t_ref) (physical FLOP of the largest run),
    E_now (the same at reference-year algorithms), and the premiums over a typical model."""
    c_now = (posterior["log10_frontier_compute_at_ref_flop"]
             + posterior["physical_compute_growth_oom_per_year"]
             * (cutoff - scenario.reference_year))
    return {"log10_physical_flop": _interval(c_now),
            "log10_effective_flop": _interval(posterior["log10_effective_compute_at_cutoff"]),
            "premium_over_typical_frontier_model_oom": _interval(
                posterior["largest_run_premium_oom"]),
            "cost_premium_over_typical_costed_model_oom": _interval(
                cost_premium_oom(posterior, cutoff, scenario.reference_year))}


def largest_run_line(start: dict) -> str:
    """One line for the CLI: the run the forecast refers to and its level at the cutoff."""
    c, p = start["log10_physical_flop"], start["premium_over_typical_frontier_model_oom"]
    return (f"forecast run: the largest training run, {c['median']:.2f} log10 FLOP at the cutoff "
            f"(90% {c['q05']:.2f}-{c['q95']:.2f}), {p['median']:.2f} OOM above a typical "
            f"frontier model (90% {p['q05']:.2f}-{p['q95']:.2f})")


def _interval(values) -> dict:
    x = np.asarray(values).ravel()
    lo, med, hi = np.quantile(x, [0.05, 0.5, 0.95])
    return {"median": round(float(med), 4), "q05": round(float(lo), 4),
            "q95": round(float(hi), 4)}


# ---------------------------------------------------------------- prior-only (forward) runs
#: Draws of a `--prior-only` run (independent, so MCSEs are plain binomial / quantile ones).
PRIOR_ONLY_DRAWS = 100_000
#: Prior predictive data sets simulated for the checks (each is a full copy of the data).
PRIOR_PREDICTIVE_DRAWS = 1000


@dataclass(frozen=True)
class PriorOnlyResult:
    out_dir: Path
    summary: dict
    table: str
    warnings: list[str]
    draw_seconds: float
    cutoff_year: float
    cutoff_source: str


def prior_only_cutoff(scenario: Scenario, as_of: float | None,
                      data_cutoff: float) -> tuple[float, str]:
    """"Now" of a forward Monte Carlo run, and where it came from.

    `--as-of` wins; else the scenario's `settings.prior_only_start_year` (a published model's own
    start, with the preset's level priors, e.g. spending and compute, stated there); else the
    data cutoff, so that a data-conditioned scenario's prior-only run starts where its posterior
    run does. The projection always starts at this year: E(t_now) = c_ref + (g_phys + g_alg)
    (t_now - t_ref), then the capped growth of model/projection.py.
    """
    if as_of is not None:
        _refuse_after_vintage(float(as_of), data_cutoff)
        return float(as_of), "--as-of"
    start = scenario.settings.get("prior_only_start_year")
    if start is not None:
        return float(start), "settings.prior_only_start_year"
    return float(data_cutoff), "data cutoff (frontier-compute vintage)"


def prior_only_forecast(scenario: Scenario, cutoff_year: float, seed: int,
                        n_draws: int = PRIOR_ONLY_DRAWS) -> tuple[dict, dict]:
    """Forward Monte Carlo: every parameter drawn from its prior (model/simulate.py
    `draw_parameters`, vectorised), R from its prior mixture, and the same projection and exact
    arrival solver as the posterior path (model/forecast.py `forecast_draws`, conditioned=False).
    Returns (parameter draws, forecast draws)."""
    from model.forecast import forecast_draws
    from model.simulate import draw_parameters

    if n_draws < 1:
        raise ValueError(f"--draws must be >= 1 (got {n_draws})")
    rng = np.random.default_rng([seed, 2])
    params = draw_parameters(scenario, rng, size=n_draws)
    return params, forecast_draws(params, scenario, cutoff_year, rng, conditioned=False)


def _prior_idata(params: dict, draws: dict, scenario: Scenario, attrs: dict):
    """The draws as an InferenceData `prior` group (chain 1; parameters stored as float32)."""
    import warnings as _warnings

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", FutureWarning)
        import arviz as az

    from model.build import EFFICIENCY_SERIES
    from model.scenario import DOMAINS

    group, dims = {}, {}
    for name, values in {**params, **draws}.items():
        v = np.asarray(values)
        keep64 = name in ("arrival_year", "requirement_log10_flop")
        group[name] = (v if keep64 else v.astype(np.float32))[None, ...]
        if v.ndim == 2:
            dims[name] = ["efficiency_series" if v.shape[1] == len(EFFICIENCY_SERIES)
                          else "domain"]
    idata = az.from_dict(prior=group, dims=dims,
                         coords={"domain": list(DOMAINS),
                                 "efficiency_series": list(EFFICIENCY_SERIES)})
    idata.prior["arrival_year"].attrs["units"] = "decimal year; +inf = after the horizon"
    idata.prior["requirement_log10_flop"].attrs["units"] = (
        f"log10 FLOP at {scenario.reference_year:g} algorithms; +inf = no path")
    if "requirement_anchor" in idata.prior:
        idata.prior["requirement_anchor"].attrs["units"] = (
            "index of the anchor R was drawn from, in the order of the anchors attr; -1 = no path")
        idata.prior["requirement_anchor"].attrs["anchors"] = json.dumps(
            anchor_labels(scenario.requirement))
    attach_attrs(idata, attrs)
    return idata


def _prior_only_attrs(scenario: Scenario, streams: dict, seed: int, n_draws: int,
                      cutoff: float, cutoff_source: str, command: str) -> dict:
    from model.inference import git_commit, package_versions

    return {
        "oomcast_mode": "prior_only",
        "oomcast_scenario": scenario.name,
        "oomcast_scenario_path": str(scenario.path),
        "oomcast_scenario_sha256": scenario.sha256,
        "oomcast_preset_version": scenario.preset_version_attr,
        "oomcast_data_sha256": json.dumps(data_mod.data_hashes(streams), sort_keys=True),
        "oomcast_seed": int(seed),
        "oomcast_prior_draws": int(n_draws),
        "oomcast_versions": json.dumps(package_versions(), sort_keys=True),
        "oomcast_git_commit": git_commit(),
        "oomcast_cutoff_year": float(cutoff),
        "oomcast_cutoff_source": cutoff_source,
        "oomcast_reference_year": float(scenario.reference_year),
        "oomcast_horizon_year": float(scenario.horizon_year),
        "oomcast_forecast_domain": scenario.forecast_domain,
        "oomcast_command": command,
    }


def execute_prior_only(scenario_path: str | Path, out_dir: Path, seed: int = 20231,
                       n_draws: int = PRIOR_ONLY_DRAWS, as_of: float | None = None,
                       overwrite: bool = False, data_dir: Path | None = None,
                       command: str = "oomcast run --prior-only") -> PriorOnlyResult:
    """`oomcast run --prior-only`: forward Monte Carlo of a scenario, no data conditioning.

    Writes, atomically like `execute_run`: summary.json (the same `summarize_arrival` headline
    numbers, MCSEs of independent draws; prior intervals of the growth rates and requirement;
    prior predictive checks), arrival.png, trajectory.png, prior_predictive.png and
    prior_draws.nc (the draws as an InferenceData `prior` group with provenance attrs).
    """
    check_output_dir(out_dir, overwrite)
    with output_lock(Path(out_dir)):  # claimed for the whole run, like execute_run
        return _execute_prior_only(scenario_path, out_dir, seed, n_draws, as_of, overwrite,
                                   data_dir, command)


def _execute_prior_only(scenario_path, out_dir, seed: int, n_draws: int, as_of, overwrite: bool,
                        data_dir, command: str) -> PriorOnlyResult:
    import time

    from model.prior_predictive import prior_predictive
    from model.report.prior_figures import prior_predictive_figure, prior_trajectory_figure
    from model.scenario import DOMAINS

    out_dir, scenario, streams, data_cutoff = _run_inputs(scenario_path, out_dir, overwrite,
                                                          data_dir)
    cutoff, cutoff_source = prior_only_cutoff(scenario, as_of, data_cutoff)
    if not cutoff < scenario.horizon_year:
        raise ValueError(f"start year {cutoff:.2f} ({cutoff_source}) is not before the horizon "
                         f"{scenario.horizon_year:g}")

    start = time.perf_counter()
    params, draws = prior_only_forecast(scenario, cutoff, seed, n_draws)
    seconds = time.perf_counter() - start
    summary = summarize_arrival(draws["arrival_year"], scenario.horizon_year)
    summary["estimator"] = "arrival draws counted (independent prior draws)"

    obs = prepare_observations({k: s.table for k, s in streams.items()}, scenario, data_cutoff)
    pp = prior_predictive(scenario, obs, np.random.default_rng([seed, 3]),
                          min(PRIOR_PREDICTIVE_DRAWS, n_draws))
    attrs = _prior_only_attrs(scenario, streams, seed, n_draws, cutoff, cutoff_source, command)
    anchor_rule = anchor_algorithms_rule(scenario, conditioned=False)
    if anchor_rule is not None:
        attrs["oomcast_anchor_algorithms"] = anchor_rule
    g_alg = np.asarray(params["algorithmic_growth_oom_per_year"])
    growth = {name: _interval(params[name]) for name in (
        "hardware_growth_oom_per_year", "spending_growth_oom_per_year",
        "other_growth_oom_per_year", "physical_compute_growth_oom_per_year")}
    growth["algorithmic_growth_oom_per_year"] = {
        d: _interval(g_alg[:, i]) for i, d in enumerate(DOMAINS)}
    r = draws["requirement_log10_flop"]
    by_anchor = summarize_prior_by_anchor(
        draws["arrival_year"], draws["requirement_anchor"], anchor_labels(scenario.requirement),
        list(prior_weights(scenario.requirement)[:-1]), scenario.requirement.no_path_weight)
    inputs = projection_inputs({**params, **draws}, scenario, cutoff)
    limits, start_years = limits_of_draws(inputs, scenario, cutoff)
    document = {
        "schema_version": 1,
        "mode": "prior_only",
        "arrival_year": summary,
        "limits": limits,
        "requirement_by_anchor": by_anchor,
        "growth_rates": growth,
        "requirement_log10_flop": {**_interval(r[np.isfinite(r)]),
                                   "p_no_path": round(float(np.mean(~np.isfinite(r))), 5)},
        "cutoff_year": round(cutoff, 4),
        "cutoff_source": cutoff_source,
        "prior_predictive": pp.as_dict(),
        "provenance": {k: (json.loads(v) if isinstance(v, str) and v.startswith("{") else v)
                       for k, v in attrs.items() if k != "oomcast_command"},
    }
    caption = (f"oomcast · scenario {scenario.name} ({scenario.sha256[:10]}) · PRIOR ONLY (no "
               f"data conditioning) · start {cutoff:.2f} ({cutoff_source}) · seed {seed} · "
               f"{n_draws} draws · commit {attrs['oomcast_git_commit'][:10]}")

    with staged_dir(out_dir, "prior_only_run", overwrite, hashed=PRIOR_ONLY_FILES,
                    refuse_new=None if overwrite else "while drawing") as tmp:
        save_idata(_prior_idata(params, draws, scenario, attrs), tmp / "prior_draws.nc")
        (tmp / "summary.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        arrival_figure(draws["arrival_year"], summary, cutoff, scenario.horizon_year,
                       f"Prior only (no data): when does effective compute reach the "
                       f"requirement? Scenario '{scenario.name}'", caption,
                       tmp / "arrival.png", conditioned=False)
        _prior_trajectory(params, draws, scenario, cutoff, obs, caption,
                          tmp / "trajectory.png", prior_trajectory_figure)
        draw_limits_figure(inputs, start_years, scenario, cutoff, caption, tmp / "limits.png",
                           f"Prior only: physical compute of the largest run against the walls "
                           f"(scenario '{scenario.name}')")
        prior_predictive_figure(pp, f"Prior predictive check: scenario '{scenario.name}' "
                                f"(data to {data_cutoff:.2f})", caption,
                                tmp / "prior_predictive.png")
    return PriorOnlyResult(out_dir, summary,
                           format_table(summary) + "\n" + format_anchor_table(by_anchor)
                           + "\n" + format_limits_table(limits),
                           pp.warnings, seconds, cutoff, cutoff_source)


def _prior_trajectory(params, draws, scenario: Scenario, cutoff: float, obs, caption: str,
                      path: Path, figure) -> None:
    """Fan chart of the prior's effective-compute paths with the data and the requirement."""
    inputs = projection_inputs({**params, **draws}, scenario, cutoff)
    rng = np.random.default_rng(0)
    keep = rng.choice(inputs.size, size=min(4000, inputs.size), replace=False)
    sub = type(inputs)(**{k: getattr(inputs, k)[keep] for k in inputs.__dataclass_fields__})
    years = np.arange(min(2010.0, cutoff - 5.0), max(2061.0, cutoff + 30.0), 0.25)
    g_alg = float(np.median(inputs.algorithmic_growth_oom_per_year))
    figure(years, effective_compute_path(years, sub, cutoff), cutoff, obs.frontier_year,
           obs.frontier_log10_flop + g_alg * (obs.frontier_year - scenario.reference_year),
           draws["requirement_log10_flop"], scenario.reference_year,
           f"Prior only: effective training compute vs the AGI requirement "
           f"(scenario '{scenario.name}')", caption, path)
