"""Backtests: fit on the data before a cutoff, score the predictive distribution of every later
observation.

For each cutoff c:
1. Fit the model to `prepare_observations(tables, scenario, c)` (every stream's rows dated
   <= c; "no AGI yet" at c). A published estimate is dated by its publication_date: Ho et al.
   (2024) was public from 2024-03-09 (arXiv:2403.05812), so for earlier c
   `prepare_observations` withholds it (se = `model.build.WITHHELD_SE`, a flat likelihood over
   every plausible rate), and it becomes a later observation to score instead.
2. The posterior predictive of every observation dated after c (up to the data vintage), by
   the model's own equations in model/simulate.py `simulate_observations` (one simulated data
   set per posterior draw, at the later rows' dates and covariates): a forecast of data the fit
   never saw. The later cost rows' spending drift is a new random walk from the cutoff (the
   fitted rows' steps are not carried over), so its variance grows like h^3 with the lead h
   (model/build.py, block 1). Two centrings are carried over from the fit so that each
   parameter keeps its meaning: the Hernandez & Brown series' mid-years are the fitted data's,
   and the ImageNet intercept is moved to the later rows' means,
   a' = a - beta [(mC_later - mC_fit) + g_vision (mt_later - mt_fit)], which is the fitted
   equation written around other centres;
   likewise the ECI intercept (model/capability.py), a_e' = a_e + b_e [(mF_later - mF_fit) +
   g_llm (mt_later - mt_fit)]. The capability streams (METR is_sota horizons, ECI scores) are
   scored like the others: the capability backtest of issue 6.
3. Scores per observation: PIT = P(y_rep <= y) (uniform if the forecast is calibrated) and
   whether y lies in the central 50/80/90% predictive interval; per stream and overall:
   coverage, mean PIT, and the mean of the later observations' errors in predictive sd.
4. Several cutoffs (a rolling origin, e.g. --as-of 2020.0 ... 2023.0): every stream's later rows
   pooled over the cutoffs, with a block bootstrap over the rows' calendar years for the
   coverage's uncertainty and coverage by lead time (model/studies/coverage.py): one cutoff's
   rows are a few correlated years, not independent checks.

Fits are cached with the shared executor (model/studies/executor.py, inline), so re-running a
backtest with the same inputs only re-scores.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from model.studies.coverage import format_pooled_table, pooled_coverage
from model.summary import INTERVAL_PROBS

#: Posterior draws used for the predictive distributions.
PREDICTIVE_DRAWS = 1000
#: Streams scored, with their outcome field, year field and unit label.
STREAMS = {
    "frontier_compute": ("frontier_log10_flop", "frontier_year", "log10 FLOP"),
    "hardware": ("gpu_log10_flop_per_s_per_usd", "gpu_year", "log10 FLOP/s per USD"),
    "accelerators": ("accelerator_log10_flop_per_s_per_usd", "accelerator_year",
                     "log10 FLOP/s per USD"),
    "training_cost": ("training_log10_cost_usd", "cost_year", "log10 USD"),
    "efficiency": ("efficiency_log10_flop", "efficiency_year", "log10 FLOP"),
    "imagenet": ("imagenet_logit_top1_error", "imagenet_year", "logit top-1 error"),
    "time_horizon": ("horizon_log10_minutes", "horizon_year", "log10 minutes (METR 50% horizon)"),
    "eci": ("eci_points", "eci_year", "ECI points"),
}


def split_observations(full, fit, cutoff_year: float):
    """The rows of `full` dated after the cutoff, as an Observations template whose centring
    (series mid-years) is the fit's (module docstring, 2.)."""
    from model.simulate import STREAM_FIELDS

    changes = {}
    for stream, fields in STREAM_FIELDS.items():
        year = np.asarray(getattr(full, STREAMS[stream][1]))
        keep = year > cutoff_year
        for name in fields:
            changes[name] = np.asarray(getattr(full, name))[keep]
    return replace(full, efficiency_series_mid_year=fit.efficiency_series_mid_year,
                   cutoff_year=cutoff_year, **changes)


def posterior_parameter_draws(posterior, scenario, n: int, seed: int) -> list[dict]:
    """`n` posterior draws (evenly spaced) as simulator parameter dicts (Fixed priors filled)."""
    from model.forecast import flatten_draws
    from model.simulate import with_derived

    total = posterior.sizes["chain"] * posterior.sizes["draw"]
    idx = np.linspace(0, total - 1, min(n, total)).astype(int)
    flat = {name: flatten_draws(posterior, name)[idx] for name in scenario.fitted()
            if name in posterior}
    flat["algorithmic_log_rate_z"] = flatten_draws(posterior, "algorithmic_log_rate_z")[idx]
    if "spending_rate_drift_z" in posterior:  # the fitted rows' drift (ppc); see `predictive`
        flat["spending_rate_drift_z"] = flatten_draws(posterior, "spending_rate_drift_z")[idx]
    out = []
    for i in range(idx.size):
        p = {k: (v[i] if v.ndim > 1 else float(v[i])) for k, v in flat.items()}
        for name, prior in scenario.fitted().items():
            if name not in p:  # only Fixed priors are absent from a posterior
                p[name] = prior.dist.value
        out.append(with_derived(p))
    return out


def imagenet_recentred(params: dict, fit, later) -> dict:
    """ImageNet intercept moved from the fit's centres to the later rows' (module docstring)."""
    if later.imagenet_year.size == 0 or fit.imagenet_year.size == 0:
        return params
    from model.scenario import DOMAINS

    g_v = params["algorithmic_growth_oom_per_year"][DOMAINS.index("vision")]
    shift = ((later.imagenet_log10_flop.mean() - fit.imagenet_log10_flop.mean())
             + g_v * (later.imagenet_year.mean() - fit.imagenet_year.mean()))
    return {**params, "imagenet_logit_error_at_center":
            params["imagenet_logit_error_at_center"] - params["imagenet_scaling_per_oom"] * shift}


def eci_recentred(params: dict, fit, later) -> dict:
    """ECI intercept moved from the fit's centres (F_c, T_c) to the later rows' (module
    docstring): a' = a + b [(mF_later - mF_fit) + g_llm (mt_later - mt_fit)]."""
    if later.eci_year.size == 0 or fit.eci_year.size == 0:
        return params
    shift = ((later.eci_log10_flop.mean() - fit.eci_log10_flop.mean())
             + params["capability_eci_algorithmic_growth_oom_per_year"]
             * (later.eci_year.mean() - fit.eci_year.mean()))
    return {**params, "capability_eci_points_at_centre":
            params["capability_eci_points_at_centre"]
            + params["capability_eci_points_per_oom"] * shift}


def predictive(draws: list[dict], fit, later, scenario, seed: int) -> dict[str, np.ndarray]:
    """Per stream, (draw, row) simulated later observations; 'ho2024' when it is withheld."""
    from model.simulate import simulate_observations

    rng = np.random.default_rng([seed, 3])
    out = {s: [] for s in STREAMS}
    ho = []
    for p in draws:
        # later rows lie after the cutoff: their spending drift is a new random walk from it
        # (model/simulate.py), so the fitted rows' steps z_b are not carried over
        p = {k: v for k, v in p.items() if k != "spending_rate_drift_z"}
        p = eci_recentred(imagenet_recentred(p, fit, later), fit, later)
        sim = simulate_observations(p, later, scenario, rng)
        for stream, (field, _, _) in STREAMS.items():
            out[stream].append(getattr(sim, field))
        ho.append(sim.ho2024_log_rate)
    result = {s: np.array(v) for s, v in out.items()}
    result["ho2024"] = np.array(ho)[:, None]
    return result


def score(y: np.ndarray, y_rep: np.ndarray) -> dict[str, np.ndarray]:
    """Per observation: PIT, inside each central interval, standardised error."""
    y = np.asarray(y, dtype=float)
    pit = np.mean(y_rep <= y[None, :], axis=0)
    out = {"pit": pit, "z": (y - y_rep.mean(axis=0)) / y_rep.std(axis=0)}
    for prob in INTERVAL_PROBS:
        lo, hi = np.quantile(y_rep, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        out[f"in_{int(prob * 100)}"] = (y >= lo) & (y <= hi)
    return out


def summarise_scores(scores: dict[str, np.ndarray]) -> dict:
    n = int(scores["pit"].size)
    row = {"n": n}
    if n == 0:
        return row
    for prob in INTERVAL_PROBS:
        pct = int(prob * 100)
        row[f"coverage_{pct}"] = round(float(np.mean(scores[f"in_{pct}"])), 3)
    row["mean_pit"] = round(float(np.mean(scores["pit"])), 3)
    row["mean_z"] = round(float(np.mean(scores["z"])), 3)
    return row


# ---------------------------------------------------------------- fitting (cached)

def _fit_cutoff(payload: dict) -> dict:
    """Fit one cutoff; return thinned posterior draws of the fitted parameters + diagnostics."""
    from model import data as data_mod
    from model.build import build_model, prepare_observations
    from model.inference import SamplerSettings, sample_model
    from model.scenario import load_scenario

    scenario = load_scenario(payload["scenario_path"])
    streams = data_mod.load_all(Path(payload["data_dir"]) if payload["data_dir"]
                                else data_mod.DATA_DIR)
    tables = {k: s.table for k, s in streams.items()}
    obs = prepare_observations(tables, scenario, payload["cutoff"])
    settings = SamplerSettings(**payload["settings"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = sample_model(build_model(obs, scenario), settings)
    post = idata.posterior
    keep = [n for n in post.data_vars if "chain" in post[n].dims]
    stats = idata.sample_stats
    return {"posterior": post[keep].load(),
            "divergences": int(stats["diverging"].sum()) if "diverging" in stats else 0}


@dataclass
class BacktestResult:
    out_dir: Path
    rows: list[dict]
    per_cutoff: dict
    pooled: dict  # per stream, over every cutoff (model/studies/coverage.py)


def run_backtest(scenario_path, cutoffs: list[float], out_dir: Path, settings, data_dir=None,
                 cache_dir: Path | None = None) -> BacktestResult:
    """Fit every cutoff (cached), score, and write backtest.csv/.json and the figures."""

    from model import data as data_mod
    from model.build import prepare_observations
    from model.output_dir import check_output_dir, staged_dir
    from model.scenario import load_scenario
    from model.studies.cache import DEFAULT_CACHE_DIR, ResultCache, content_hash
    from model.studies.executor import INLINE, Task, map_cached
    from model.studies.sbc import model_files_sha256
    from model.workflow import default_cutoff_year

    check_output_dir(out_dir, overwrite=True)  # refused before any work
    scenario = load_scenario(scenario_path)
    streams = data_mod.load_all(Path(data_dir) if data_dir else data_mod.DATA_DIR)
    tables = {k: s.table for k, s in streams.items()}
    vintage = default_cutoff_year(streams)
    full = prepare_observations(tables, scenario, vintage)
    tasks = []
    for c in cutoffs:
        if not scenario.settings["compute_fit_start_year"] + 2 < c < vintage:
            raise ValueError(f"--as-of {c:.2f} must lie between the fit start + 2 and the data "
                             f"vintage ({vintage:.2f})")
        payload = {"scenario_path": str(scenario.path), "data_dir": str(data_dir) if data_dir
                   else None, "cutoff": float(c), "settings": asdict(settings)}
        identity = {"study": "backtest-fit", "version": 1, "scenario_sha256": scenario.sha256,
                    "data_sha256": data_mod.data_hashes(streams), "cutoff": float(c),
                    "settings": asdict(settings), "model_files_sha256": model_files_sha256()}
        tasks.append(Task(content_hash(identity), f"backtest {c:.2f}", payload, identity))
    outcomes = map_cached(_fit_cutoff, tasks, cache=ResultCache(cache_dir or DEFAULT_CACHE_DIR),
                          scheduler=INLINE, name="backtest")
    rows, per_cutoff, panels, pits = [], {}, [], {}
    records = {stream: [] for stream in STREAMS}  # per stream, one record per cutoff (pooled)
    for c, outcome in zip(cutoffs, outcomes, strict=True):
        if not outcome.ok:
            raise RuntimeError(f"backtest fit at {c:.2f} failed: {outcome.error}")
        fit = prepare_observations(tables, scenario, c)
        later = split_observations(full, fit, c)
        post = outcome.value["posterior"]
        draws = posterior_parameter_draws(post, scenario, PREDICTIVE_DRAWS, settings.seed)
        y_rep = predictive(draws, fit, later, scenario, settings.seed)
        all_scores = []
        for stream, (field, year_field, unit) in STREAMS.items():
            y = np.asarray(getattr(later, field), dtype=float)
            if y.size == 0:
                continue
            s = score(y, y_rep[stream])
            all_scores.append(s)
            rows.append({"cutoff": round(c, 2), "stream": stream, **summarise_scores(s)})
            pits.setdefault(stream, []).append(s["pit"])
            records[stream].append({"cutoff": c, "year": getattr(later, year_field), **s})
            q = {prob: np.quantile(y_rep[stream], [(1 - prob) / 2, (1 + prob) / 2], axis=0)
                 for prob in INTERVAL_PROBS}
            panels.append({"title": f"{stream}, fitted to {c:.1f}", "cutoff": c,
                           "train_x": getattr(fit, year_field), "train_y": getattr(fit, field),
                           "x": getattr(later, year_field), "y": y, "q": q,
                           "median": np.median(y_rep[stream], axis=0), "ylabel": unit})
        if fit.ho2024_withheld:
            full_ho = prepare_observations(tables, scenario, vintage)
            s = score(np.array([full_ho.ho2024_log_rate]), y_rep["ho2024"])
            all_scores.append(s)
            rows.append({"cutoff": round(c, 2), "stream": "ho2024 (published 2024)",
                         **summarise_scores(s)})
        merged = {k: np.concatenate([s[k] for s in all_scores]) for k in all_scores[0]}
        rows.append({"cutoff": round(c, 2), "stream": "ALL", **summarise_scores(merged)})
        growth = {name: _interval(post[name].values.ravel()) for name in (
            "hardware_growth_oom_per_year", "spending_growth_oom_per_year",
            "physical_compute_growth_oom_per_year")}
        growth["algorithmic_growth_oom_per_year[language_models]"] = _interval(
            post["algorithmic_growth_oom_per_year"].values[..., 0].ravel())
        per_cutoff[f"{c:.2f}"] = {"observations_fitted": fit.sizes(),
                                  "observations_later": later.sizes(),
                                  "divergences": outcome.value["divergences"],
                                  "arrival_year_median": _arrival_median(post, scenario, c,
                                                                         settings.seed),
                                  "growth_rates": growth}
    pooled = pooled_coverage(records, settings.seed)
    with staged_dir(Path(out_dir), "backtest") as stage:
        _write_backtest(stage, rows, per_cutoff, pooled, panels, pits, scenario, vintage,
                        cutoffs, settings)
    return BacktestResult(Path(out_dir), rows, per_cutoff, pooled)


def _write_backtest(out_dir: Path, rows, per_cutoff, pooled, panels, pits, scenario, vintage,
                    cutoffs, settings) -> None:
    """backtest.csv, backtest.json and the two figures, into the staging folder out_dir."""
    import pandas as pd

    pd.DataFrame(rows).to_csv(out_dir / "backtest.csv", index=False)
    (out_dir / "backtest.json").write_text(json.dumps(
        {"schema_version": 2, "scenario": scenario.name, "data_vintage": vintage,
         "settings": asdict(settings), "rows": rows, "per_cutoff": per_cutoff,
         "pooled_over_cutoffs": pooled},
        indent=2) + "\n")
    from model.report.validation_figures import backtest_fan_figure, pit_histogram_figure

    caption = (f"oomcast backtest · scenario {scenario.name} · cutoffs "
               f"{', '.join(f'{c:.1f}' for c in cutoffs)} · data vintage {vintage:.2f} · "
               f"{settings.chains}x{settings.draws} draws, seed {settings.seed}")
    backtest_fan_figure(panels, caption, out_dir / "backtest_fan.png")
    pit_histogram_figure({k: np.concatenate(v) for k, v in pits.items()}, caption,
                         out_dir / "backtest_pit.png",
                         "Backtest PIT of later observations, all cutoffs (uniform = calibrated)")


def _arrival_median(post, scenario, cutoff: float, seed: int) -> float | None:
    """Median arrival year forecast at the cutoff (model/forecast.py per draw; None = after
    the horizon)."""
    from model.forecast import flatten_draws
    from model.studies.sbc import arrival_draws

    flat = {n: flatten_draws(post, n) for n in post.data_vars}
    t = np.median(arrival_draws(flat, scenario, cutoff, np.random.default_rng([seed, 5])))
    return round(float(t), 2) if np.isfinite(t) else None


def _interval(x: np.ndarray) -> dict:
    lo, med, hi = np.quantile(x, [0.05, 0.5, 0.95])
    return {"median": round(float(med), 3), "q05": round(float(lo), 3), "q95": round(float(hi), 3)}


def format_table(result: BacktestResult) -> str:
    head = (f"{'cutoff':>7} {'stream':26s} {'n':>4} {'cov50':>6} {'cov80':>6} {'cov90':>6} "
            f"{'meanPIT':>8} {'mean z':>7}")
    lines = [head]
    for r in result.rows:
        if r["n"] == 0:
            continue
        lines.append(f"{r['cutoff']:7.2f} {r['stream']:26s} {r['n']:4d} {r['coverage_50']:6.2f} "
                     f"{r['coverage_80']:6.2f} {r['coverage_90']:6.2f} {r['mean_pit']:8.2f} "
                     f"{r['mean_z']:7.2f}")
    if len(result.per_cutoff) > 1:
        lines += ["", format_pooled_table(result.pooled)]
    return "\n".join(lines)
