"""`oomcast run` end to end: load, fit, check, summarise, draw, and write the run atomically.

A run directory holds
    posterior.nc     InferenceData (posterior, prior, log_likelihood, log_prior, observed and
                     constant data) whose attrs carry the provenance (scenario and data hashes,
                     seed, sampler settings, versions, git commit, command)
    summary.json     headline numbers with MCSEs, diagnostics and the same provenance
    arrival.png      arrival-year CDF and density
    trajectory.png   effective-compute fan chart with history and the requirement band

Everything is written into a hidden sibling directory first and renamed into place only when
complete, so a crash or Ctrl-C never leaves a half-written run.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import data as data_mod
from model.build import prepare_observations
from model.forecast import arrival_cdf_by_draw, arrival_grid_years, projection_inputs
from model.inference import (
    SamplerSettings,
    add_forecast,
    attach_attrs,
    diagnostics,
    provenance_attrs,
    sample_model,
    save_idata,
)
from model.projection import effective_compute_path
from model.report.figures import arrival_figure, trajectory_figure
from model.scenario import CONFIDENCE_LABELS, Scenario, load_scenario
from model.summary import REPORT_YEARS, format_table, summarize_arrival


class RunExistsError(FileExistsError):
    """The output directory exists and overwriting was not asked for."""


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    summary: dict
    diagnostics: dict
    table: str


def default_cutoff_year(streams: dict) -> float:
    """"Now" is the vintage of the frontier-compute export: the date the data describe."""
    return data_mod.decimal_year(streams["frontier_compute"].provenance["vintage"])


def parse_as_of(text: str) -> float:
    """`--as-of` accepts an ISO date (2019-01-01) or a decimal year (2019.0)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return data_mod.decimal_year(text)
    except Exception as exc:  # noqa: BLE001 - reported as a clean usage error
        raise ValueError(f"--as-of: not a date or decimal year: {text!r}") from exc


def _check_cutoff(cutoff: float, default: float, scenario: Scenario) -> None:
    if cutoff > default + 1e-9:
        raise ValueError(f"--as-of {cutoff:.2f} is after the data's vintage ({default:.2f}); "
                         "the model cannot condition on data it does not have")
    if cutoff <= scenario.settings["compute_fit_start_year"] + 2:
        raise ValueError(f"--as-of {cutoff:.2f} leaves too little frontier-compute data "
                         f"(fit starts {scenario.settings['compute_fit_start_year']:.0f})")


def summarize_posterior_arrival(idata, scenario: Scenario, cutoff_year: float) -> dict:
    """The headline numbers of a fitted run (Rao-Blackwellised; model/summary.py)."""
    post = idata.posterior
    params = _posterior_params(post)
    params["not_yet_agi_softness_oom"] = post["not_yet_agi_softness_oom"].stack(
        sample=("chain", "draw")).to_numpy() if "not_yet_agi_softness_oom" in post else \
        scenario.priors["not_yet_agi_softness_oom"].dist.sample(np.random.default_rng(0),
                                                                post.sizes["chain"]
                                                                * post.sizes["draw"])
    grid = arrival_grid_years(cutoff_year, scenario.horizon_year, REPORT_YEARS)
    cdf = arrival_cdf_by_draw(params, scenario, cutoff_year, grid)
    cdf = cdf.reshape(post.sizes["chain"], post.sizes["draw"], grid.size)
    return summarize_arrival(post["arrival_year"].to_numpy(), scenario.horizon_year,
                             cdf_by_draw=cdf, grid_years=grid)


def _posterior_params(post) -> dict:
    names = ("log10_frontier_compute_at_ref_flop", "hardware_growth_oom_per_year",
             "spending_growth_oom_per_year", "other_growth_oom_per_year",
             "log10_training_cost_at_ref_usd", "algorithmic_growth_oom_per_year",
             "log10_spending_cap_share_of_gwp", "log10_gwp_at_ref_usd", "gwp_growth_oom_per_year",
             "hardware_remaining_oom", "other_remaining_oom", "algorithms_remaining_oom",
             "unhobbling_growth_oom_per_year", "unhobbling_remaining_oom")
    out = {}
    for name in names:
        v = post[name]
        extra = [d for d in v.dims if d not in ("chain", "draw")]
        out[name] = v.stack(sample=("chain", "draw")).transpose("sample", *extra).to_numpy()
    return out


def draw_figures(idata, scenario: Scenario, obs, summary: dict, caption: str,
                 out_dir: Path) -> None:
    post = idata.posterior
    arrival = post["arrival_year"].to_numpy()
    arrival_figure(arrival, summary, obs.cutoff_year, scenario.horizon_year,
                   f"When does effective compute reach the AGI requirement? "
                   f"Scenario '{scenario.name}'", caption, out_dir / "arrival.png")
    inputs = projection_inputs(_posterior_params(post), scenario, obs.cutoff_year)
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
                      f"Effective training compute of the frontier run vs the AGI requirement "
                      f"(scenario '{scenario.name}')", caption, out_dir / "trajectory.png")


def _replace_dir(tmp: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def execute_run(scenario_path: str | Path, out_dir: Path, settings: SamplerSettings,
                as_of: float | None = None, overwrite: bool = False,
                data_dir: Path | None = None, command: str = "oomcast run") -> RunResult:
    """Fit one scenario and write its run directory atomically (see module docstring)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise RunExistsError(f"{out_dir} already exists; pass --overwrite to replace it")
    scenario = load_scenario(scenario_path)
    streams = data_mod.load_all(data_dir or data_mod.DATA_DIR)
    default_cutoff = default_cutoff_year(streams)
    cutoff = default_cutoff if as_of is None else as_of
    _check_cutoff(cutoff, default_cutoff, scenario)
    obs = prepare_observations({k: s.table for k, s in streams.items()}, scenario, cutoff)

    from model.build import build_model

    idata = sample_model(build_model(obs, scenario), settings)
    add_forecast(idata, scenario, cutoff, settings.seed)
    diag = diagnostics(idata, scenario.horizon_year)
    summary = summarize_posterior_arrival(idata, scenario, cutoff)
    vintages = {k: s.provenance["vintage"] for k, s in streams.items()}
    attrs = provenance_attrs(scenario, data_mod.data_hashes(streams), vintages, settings,
                             cutoff, command)
    attach_attrs(idata, attrs)
    growth = {name: _interval(idata.posterior[name]) for name in (
        "hardware_growth_oom_per_year", "spending_growth_oom_per_year",
        "other_growth_oom_per_year", "physical_compute_growth_oom_per_year")}
    growth["algorithmic_growth_oom_per_year"] = {
        d: _interval(idata.posterior["algorithmic_growth_oom_per_year"].sel(domain=d))
        for d in idata.posterior["domain"].values.tolist()}
    document = {
        "schema_version": 1,
        "arrival_year": summary,
        "growth_rates": growth,
        "diagnostics": {k: v for k, v in diag.items() if k != "per_variable"},
        "diagnostics_per_variable": diag["per_variable"],
        "cutoff_year": round(cutoff, 4),
        "observations": obs.sizes(),
        # the command (with its --out path) lives in posterior.nc's attrs, so that the same
        # seed gives a byte-identical summary.json wherever it is written
        "provenance": {k: (json.loads(v) if isinstance(v, str) and v.startswith("{") else v)
                       for k, v in attrs.items() if k != "oomcast_command"},
    }
    caption = (f"oomcast · scenario {scenario.name} ({scenario.sha256[:10]}) · data cutoff "
               f"{cutoff:.2f}, frontier vintage {vintages['frontier_compute']} · seed "
               f"{settings.seed} · {summary['n_draws']} draws · commit "
               f"{attrs['oomcast_git_commit'][:10]}")

    tmp = out_dir.with_name(f".{out_dir.name}.partial-{uuid.uuid4().hex[:8]}")
    tmp.mkdir(parents=True)
    try:
        save_idata(idata, tmp / "posterior.nc")
        (tmp / "summary.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        draw_figures(idata, scenario, obs, summary, caption, tmp)
        if out_dir.exists() and not overwrite:
            raise RunExistsError(f"{out_dir} appeared while sampling; not replaced")
        _replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunResult(out_dir, summary, diag, format_table(summary))


def _interval(values) -> dict:
    x = np.asarray(values).ravel()
    lo, med, hi = np.quantile(x, [0.05, 0.5, 0.95])
    return {"median": round(float(med), 4), "q05": round(float(lo), 4),
            "q95": round(float(hi), 4)}
