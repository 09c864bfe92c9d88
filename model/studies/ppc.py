"""Posterior predictive checks of every data stream of a finished run, and LOO-PIT.

Replicated data: for every posterior draw theta_s, one data set y_rep,s ~ p(y | theta_s) from
model/simulate.py `simulate_observations` at the run's own design (the model's equations in
NumPy, not a second copy). Checks:
- per stream, the share of observations inside their 50% and 90% posterior predictive intervals
  (about 50% and 90% when the model fits; far fewer means the noise model is too narrow or the
  trend wrong, far more that it is too wide), drawn over time in ppc.png;
- LOO-PIT (ArviZ `az.loo_pit`, PSIS-LOO weights from the run's log_likelihood group, computed
  on first use and kept in derived.nc, model/run_groups.py): for each
  observation, P(y_rep_i <= y_i | y_-i); uniform when the model is calibrated for data it has not
  seen. A U shape means overconfident predictions, a hump underconfident, a slope bias. Its
  ECDF with simultaneous bands is in loo_pit.png (`az.plot_loo_pit(..., ecdf=True)`); the
  Kolmogorov-Smirnov p-value against U(0, 1) is a rough summary (LOO-PIT values are not quite
  independent).

`no_agi_by_cutoff` is a single always-1 datum with no continuous predictive: it is left out.
Writes RUN_DIR/ppc.png, loo_pit.png and ppc.json.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
from scipy import stats

from model.studies.backtest import STREAMS

#: observed variable in the run -> (stream of STREAMS or "ho2024", Observations field, year field)
OBSERVED = {
    "frontier_log10_flop": ("frontier_compute", "frontier_log10_flop", "frontier_year"),
    "gpu_log10_flop_per_s_per_usd": ("hardware", "gpu_log10_flop_per_s_per_usd", "gpu_year"),
    "accelerator_log10_flop_per_s_per_usd": ("accelerators",
                                             "accelerator_log10_flop_per_s_per_usd",
                                             "accelerator_year"),
    "training_log10_cost_usd": ("training_cost", "training_log10_cost_usd", "cost_year"),
    "efficiency_log10_flop": ("efficiency", "efficiency_log10_flop", "efficiency_year"),
    "imagenet_logit_top1_error": ("imagenet", "imagenet_logit_top1_error", "imagenet_year"),
    "ho2024_log_algorithmic_growth": ("ho2024", "ho2024_log_rate", None),
}


#: Stream -> the title a reader sees (figures, CLI, report).
STREAM_TITLES = {
    "frontier_compute": "Frontier training compute",
    "hardware": "GPU price-performance",
    "training_cost": "Frontier training cost",
    "efficiency": "Algorithmic efficiency (Hernandez & Brown)",
    "imagenet": "ImageNet models (top-1 error)",
    "ho2024": "Ho et al. 2024 (language-model rate)",
}

#: A stream is flagged when a coverage lies outside the central 99% of what n calibrated
#: observations would give (binomial, normal approximation: |share - q| > 2.58 sqrt(q(1-q)/n)),
#: or when the LOO-PIT Kolmogorov-Smirnov p-value is below LOO_PIT_P_MIN.
COVERAGE_Z = 2.58
LOO_PIT_P_MIN = 0.05


def stream_flags(entry: dict) -> list[str]:
    """Why a stream's checks fail (empty when they pass); entry is one ppc.json stream."""
    n, flags = entry["n"], []
    if n < 5:
        return flags  # too few observations to test coverage or uniformity
    for q, key in ((0.5, "inside_50"), (0.9, "inside_90")):
        tol = COVERAGE_Z * np.sqrt(q * (1 - q) / n)
        if abs(entry[key] - q) > tol:
            flags.append(f"{entry[key]:.1%} inside the {q:.0%} interval (expected {q:.0%} "
                         f"± {tol:.1%})")
    if entry["loo_pit_ks_p"] < LOO_PIT_P_MIN:
        flags.append(f"LOO-PIT not uniform (KS p = {entry['loo_pit_ks_p']:.3f} < "
                     f"{LOO_PIT_P_MIN})")
    return flags


def replicate(idata, scenario, obs, seed: int) -> dict[str, np.ndarray]:
    """(chain, draw, row) replicated values of every stream, one data set per posterior draw."""
    from model.simulate import simulate_observations
    from model.studies.backtest import posterior_parameter_draws

    post = idata.posterior
    n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
    draws = posterior_parameter_draws(post, scenario, n_chain * n_draw, seed)
    rng = np.random.default_rng([seed, 4])
    reps = {name: [] for name in OBSERVED}
    for p in draws:
        sim = simulate_observations(p, obs, scenario, rng)
        for name, (_, field, _) in OBSERVED.items():
            reps[name].append(np.atleast_1d(getattr(sim, field)))
    return {name: np.array(v).reshape(n_chain, n_draw, -1) for name, v in reps.items()}


def add_posterior_predictive(idata, reps: dict[str, np.ndarray]) -> None:
    import xarray as xr

    group = {}
    for name, values in reps.items():
        dims = idata.observed_data[name].dims
        group[name] = xr.DataArray(values, dims=("chain", "draw", *dims),
                                   coords={d: idata.observed_data[d].values for d in dims})
    ds = xr.Dataset(group, coords={"chain": idata.posterior["chain"].values,
                                   "draw": idata.posterior["draw"].values})
    if "posterior_predictive" in idata.groups():
        del idata["posterior_predictive"]
    idata.add_groups(posterior_predictive=ds)


def run_ppc(run_dir: Path | str, data_dir=None) -> dict:
    """Checks of one run (module docstring); returns the ppc.json document."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az

    from model import data as data_mod
    from model.build import prepare_observations
    from model.report.validation_figures import ppc_figure
    from model.studies.rundir import load_run

    run = load_run(run_dir, groups=("log_likelihood",), data_dir=data_dir)
    run_dir = Path(run_dir)
    streams = data_mod.load_all(Path(data_dir) if data_dir else data_mod.DATA_DIR)
    obs = prepare_observations({k: s.table for k, s in streams.items()}, run.scenario,
                               run.cutoff_year)
    idata = run.idata
    for name, (_, field, _) in OBSERVED.items():
        stored = np.atleast_1d(idata.observed_data[name].values)
        if stored.shape != np.atleast_1d(getattr(obs, field)).shape or not np.allclose(
                stored, getattr(obs, field)):
            raise ValueError(f"{run_dir}: the data in data/ are not the data of this run "
                             f"({name} differs); pass the run's --data-dir")
    reps = replicate(idata, run.scenario, obs, run.seed)
    add_posterior_predictive(idata, reps)
    doc = {"schema_version": 1, "run": str(run_dir), "streams": {}}
    panels, loo = [], {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (stream, field, year_field) in OBSERVED.items():
            y = np.atleast_1d(getattr(obs, field)).astype(float)
            if y.size == 0:  # a stream the scenario switches off (no rows)
                continue
            flat = reps[name].reshape(-1, y.size)
            q50 = np.quantile(flat, [0.25, 0.75], axis=0)
            q90 = np.quantile(flat, [0.05, 0.95], axis=0)
            pit = _loo_pit(az, idata, name, flat, y)
            loo[name] = pit
            doc["streams"][stream] = {
                "variable": name, "title": STREAM_TITLES.get(stream, stream), "n": int(y.size),
                "inside_50": float(np.mean((y >= q50[0]) & (y <= q50[1]))),
                "inside_90": float(np.mean((y >= q90[0]) & (y <= q90[1]))),
                "loo_pit_mean": float(pit.mean()),
                "loo_pit_ks_p": float(stats.kstest(pit, "uniform").pvalue),
            }
            doc["streams"][stream]["flags"] = stream_flags(doc["streams"][stream])
            if year_field is not None:
                unit = STREAMS[stream][2]
                panels.append({"title": STREAM_TITLES.get(stream, stream),
                               "x": getattr(obs, year_field), "y": y, "q50": q50, "q90": q90,
                               "ylabel": unit, "flags": doc["streams"][stream]["flags"]})
    caption = run.caption()
    ppc_figure(panels, caption, run_dir / "ppc.png")
    _loo_pit_figure(idata, [n for n in OBSERVED if np.size(loo.get(n, ())) > 1], caption,
                    run_dir / "loo_pit.png", doc["streams"])
    (run_dir / "ppc.json").write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def _loo_pit(az, idata, name: str, flat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """az.loo_pit for a stream; for a single datum (Ho et al.), where ArviZ's shape check
    fails, the same PSIS-weighted P(y_rep <= y) by hand."""
    if y.size > 1:
        return np.asarray(az.loo_pit(idata, y=name)).ravel()
    ll = idata.log_likelihood[name].values.reshape(-1)
    log_w, _ = az.psislw(-ll)
    w = np.exp(log_w - np.max(log_w))
    return np.array([float(np.sum(w * (flat[:, 0] <= y[0])) / np.sum(w))])


def _loo_pit_figure(idata, names: list[str], caption: str, path: Path,
                    results: dict | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz as az

        from model.report.figures import _finish

        fig, axes = plt.subplots(2, 3, figsize=(12.6, 6.8), squeeze=False)
        for ax, name in zip(axes.ravel(), names, strict=False):
            az.plot_loo_pit(idata, y=name, ecdf=True, ax=ax)
            stream = OBSERVED[name][0]
            r = (results or {}).get(stream)
            p_text = "" if r is None else f"\nKS p = {r['loo_pit_ks_p']:.3f}"
            failed = r is not None and r["loo_pit_ks_p"] < LOO_PIT_P_MIN
            ax.set_title(f"{STREAM_TITLES.get(stream, stream)}{p_text}"
                         + (" FLAGGED: not uniform" if failed else ""), fontsize=9,
                         color="#b71c1c" if failed else "black")
            ax.set_xlabel("LOO-PIT value", fontsize=8)
            if ax is not axes.ravel()[0] and ax.get_legend() is not None:
                ax.get_legend().remove()
            elif ax.get_legend() is not None:
                ax.legend(fontsize=7, loc="lower left")
            ax.tick_params(labelsize=7)
        for ax in axes.ravel()[len(names):]:
            ax.set_visible(False)
        fig.suptitle("LOO-PIT ECDF difference per stream with 94% simultaneous band "
                     "(inside = calibrated)", fontsize=10)
        _finish(fig, caption, path)
