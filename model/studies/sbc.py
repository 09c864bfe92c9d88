"""Simulation-based calibration (Talts et al. 2018; Modrak et al. 2023) of the full model.

For simulation i = 0..N-1, with its own generator `default_rng([seed, i])`:

1. theta~ ~ p(theta | no AGI by the cutoff). The model always observes `no_agi_by_cutoff = 1`, so
   the joint it conditions on is p(theta) p(no AGI | theta) p(y | theta). Drawing theta from the
   prior (model/simulate.py `draw_parameters`) and keeping it only when one simulated world says
   "not yet" (`simulate_no_agi_by_cutoff`: R from the anchor mixture, eps from the softness) is
   rejection sampling from exactly that conditional prior. Without this step every theta that
   would already have produced AGI would be a draw the posterior can never reach, and the ranks
   of the growth rates and the compute level would be biased low by construction.
2. y~ ~ p(y | theta~) from the NumPy simulator (`simulate_observations`), at the real data's
   dates, sizes and covariates (the template), written apart from the PyMC graph.
3. The posterior p(theta | y~, no AGI) by NUTS. The model is compiled ONCE per process (nutpie,
   numba backend) and every simulation only swaps the observed values: build.py puts each
   observed stream in a `pm.Data` container ("<variable>_observed"), and nutpie's
   `compiled.with_data(...)` replaces them without recompiling.
4. Ranks. The posterior draws (all chains, in order) are thinned to `n_ranks` = L equally spaced
   draws (L ~ the effective sample size of a short fit, so the thinned draws are nearly
   independent, as Talts et al. advise); the rank of a quantity is #{l : q_l < q~} in 0..L, ties
   (an arrival year after the horizon, +inf, against +inf) broken uniformly at random. If the
   inference is calibrated, every rank is uniform on {0..L} (the data-averaged posterior equals
   the prior). The fit's minimum bulk ESS is recorded: where it is below L the thinned draws are
   autocorrelated and ranks pile up at the ends even for a correct sampler (`ess_below_ranks`).

Quantities ranked: every free parameter of the graph (build.FREE_PARAMETERS whose prior is not
Fixed, but NOT_RANKED; per-domain and per-series parameters element by element), the physical
growth rate, the language-model algorithmic rate, and two derived quantities:
- `arrival_year`: per posterior draw as model/forecast.py does for a run (projection-only
  parameters from their priors, R from p(R | theta, not yet), the exact arrival solver); the true
  value is the same pipeline applied to theta~, i.e. one world's (R~, phi~) drawn from the joint
  that step 1's rejection conditioned on (drawing R from its conditional given theta~ and "not
  yet" has the same law as keeping the rejection step's R).
- `log_likelihood`: the total observed log density log p(y~, no AGI | theta) of the graph (all
  streams), at each thinned draw and at theta~. Ranking a data-dependent quantity catches
  miscalibration that no single parameter shows (Modrak et al. 2023).

Uniformity, per quantity, on randomised PIT values u = (rank + V) / (L + 1), V ~ U(0, 1), which
are exactly U(0, 1) under calibration: (a) the simultaneous ECDF test of Saeilynoja et al. (2022):
the 95% band for the ECDF at K points is found by simulation (the `gamma` adjusted so that 95% of
uniform samples stay inside at every point at once), and the test's p-value is the share of
uniform samples whose most extreme point is more extreme than the data's; (b) a chi-square test
of ranks in `n_bins` equal bins. A quantity fails when the band test's p-value is below
0.05 / (number of quantities) (Bonferroni: ~30 correlated quantities).

Runs through model/studies/executor.py: one task per simulation, cached under a content hash of
what determines its result (scenario text, data hashes, cutoff, settings, simulation index and
the files of the model it runs), so a killed study resumes and a repeated one costs nothing.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import stats

from model.build import EFFICIENCY_SERIES, FREE_PARAMETERS
from model.scenario import DOMAINS, Scenario

#: Quantities that are not free parameters of the graph (see the module docstring).
DERIVED = ("physical_compute_growth_oom_per_year",
           "algorithmic_growth_oom_per_year[language_models]", "arrival_year", "log_likelihood")
#: Bump when the meaning of a cached simulation result changes (rank code, quantities).
RESULT_VERSION = 1
#: Model files a simulation's result depends on (hashed into its cache key; figure and summary
#: code in this module is not, so editing a plot does not invalidate 200 fits).
_RESULT_FILES = ("build.py", "simulate.py", "forecast.py", "projection.py", "requirement.py",
                 "distributions.py", "scenario.py", "capability.py")
_CENTRED = {"log10_frontier_compute_at_ref_flop": "frontier",
            "log10_flop_per_s_per_usd_at_ref": "gpu",
            "log10_accelerator_flop_per_s_per_usd_at_ref": "accelerator"}
_RATE_OF = {"frontier": "physical_compute_growth_oom_per_year",
            "gpu": "hardware_growth_oom_per_year",
            "accelerator": "hardware_growth_oom_per_year"}
#: Free parameters not ranked: the spending rate's per-year steps z_b (their sd,
#: spending_rate_drift_sd_oom_per_year, is ranked; the log-likelihood quantity sees them through
#: the cost stream). Their truth is drawn in `simulate_one`.
NOT_RANKED = {"spending_rate_drift_z"}
_LABELS = {"algorithmic_log_rate_z": DOMAINS, "log10_efficiency_series_flop": EFFICIENCY_SERIES,
           "algorithmic_growth_oom_per_year": DOMAINS}


@dataclass(frozen=True)
class SBCSettings:
    """One SBC study. Short fits: 2 chains x 500 draws give a bulk ESS of ~200-1000 per
    parameter here, comfortably above the L = 100 thinned draws ranked."""

    n_sims: int = 200
    draws: int = 500
    tune: int = 500
    chains: int = 2
    seed: int = 20240
    n_ranks: int = 100
    target_accept: float = 0.9
    max_prior_tries: int = 1000

    def __post_init__(self):
        for name in ("n_sims", "draws", "tune", "chains", "n_ranks", "max_prior_tries"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1 (got {getattr(self, name)})")
        if self.n_ranks > self.draws * self.chains:
            raise ValueError("n_ranks cannot exceed draws x chains")


# ---------------------------------------------------------------- ranks (pure NumPy, tested)

def rank_of(true_value: float, draws: np.ndarray, rng: np.random.Generator) -> int:
    """#{draws < true}, plus a uniform share of the ties (so +inf vs +inf is not always L)."""
    draws = np.asarray(draws, dtype=float)
    below = int(np.sum(draws < true_value))
    ties = int(np.sum(draws == true_value))
    return below + (int(rng.integers(0, ties + 1)) if ties else 0)


def thin_indices(n_total: int, n_keep: int) -> np.ndarray:
    """`n_keep` equally spaced indices into `n_total` draws (chains one after another)."""
    if n_keep > n_total:
        raise ValueError(f"cannot keep {n_keep} of {n_total} draws")
    return np.floor(np.arange(n_keep) * (n_total / n_keep)).astype(int)


def ranks(truth: dict[str, float], draws: dict[str, np.ndarray],
          rng: np.random.Generator) -> dict[str, int]:
    """Rank of every quantity in `truth` among its (already thinned) posterior draws."""
    return {name: rank_of(truth[name], draws[name], rng) for name in truth}


def pit_values(rank_array: np.ndarray, n_ranks: int, rng: np.random.Generator) -> np.ndarray:
    """Randomised PIT u = (rank + V) / (L + 1): exactly U(0, 1) when ranks are uniform."""
    r = np.asarray(rank_array, dtype=float)
    return (r + rng.random(r.shape)) / (n_ranks + 1)


def _binomial_tail_min(ecdf_counts: np.ndarray, z: np.ndarray, n: int) -> np.ndarray:
    """Per row, min over points of 2 min(P(X <= k), P(X >= k)), X ~ Binomial(n, z)."""
    lo = stats.binom.cdf(ecdf_counts, n, z)
    hi = stats.binom.sf(ecdf_counts - 1, n, z)
    return np.min(2 * np.minimum(lo, hi), axis=-1)


def ecdf_points(n: int) -> np.ndarray:
    k = min(n, 100)
    return np.arange(1, k + 1) / (k + 1)


@lru_cache(maxsize=16)
def simultaneous_band(n: int, prob: float = 0.95, n_sim: int = 2000,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z, lower, upper, null minima): a simultaneous `prob` band for the ECDF of n uniforms.

    Saeilynoja et al. (2022), simulation method: for uniform samples, the smallest two-sided
    pointwise binomial tail probability over the points z; gamma = its (1 - prob) quantile;
    the band is the pointwise Binomial(n, z) central interval of level 1 - gamma, divided by n.
    The null minima are kept for the test's p-value (`band_test`).
    """
    rng = np.random.default_rng(seed)
    z = ecdf_points(n)
    u = np.sort(rng.random((n_sim, n)), axis=1)
    counts = np.stack([np.searchsorted(row, z, side="right") for row in u])
    minima = _binomial_tail_min(counts, z, n)
    gamma = float(np.quantile(minima, 1 - prob))
    lower = stats.binom.ppf(gamma / 2, n, z) / n
    upper = stats.binom.ppf(1 - gamma / 2, n, z) / n
    return z, lower, upper, minima


def band_test(u: np.ndarray, null_minima: np.ndarray) -> float:
    """p-value of the simultaneous ECDF test: share of uniform samples at least as extreme."""
    u = np.sort(np.asarray(u, dtype=float))
    n = u.size
    z = ecdf_points(n)
    observed = _binomial_tail_min(np.searchsorted(u, z, side="right")[None, :], z, n)[0]
    return float((np.sum(null_minima <= observed) + 1) / (null_minima.size + 1))


def chi_square_test(u: np.ndarray, n_bins: int | None = None) -> tuple[float, int]:
    """(p-value, bins) of a chi-square test of PIT values in equal bins (>= 5 expected per bin)."""
    u = np.asarray(u, dtype=float)
    n_bins = n_bins or int(max(2, min(20, u.size // 5)))
    counts = np.histogram(u, bins=n_bins, range=(0.0, 1.0))[0]
    return float(stats.chisquare(counts).pvalue), n_bins


def uniformity(rank_table: dict[str, np.ndarray], n_ranks: int, seed: int = 0,
               band_prob: float = 0.95) -> dict[str, dict]:
    """Per quantity: both tests, the fail flag (Bonferroni over quantities) and the PIT values."""
    rng = np.random.default_rng([seed, 7])
    names = list(rank_table)
    out = {}
    for name in names:
        r = np.asarray(rank_table[name])
        u = pit_values(r, n_ranks, rng)
        z, lower, upper, minima = simultaneous_band(u.size, band_prob, seed=seed)
        p_band = band_test(u, minima)
        p_chi2, bins = chi_square_test(u)
        out[name] = {"n": int(u.size), "p_ecdf_band": p_band, "p_chi_square": p_chi2,
                     "chi_square_bins": bins, "mean_pit": float(u.mean()),
                     "fails": bool(p_band < 0.05 / len(names)), "pit": u}
    return out


# ---------------------------------------------------------------- quantities of theta

def quantity_names(scenario: Scenario) -> list[str]:
    """Every ranked quantity, in a stable order (module docstring)."""
    out = []
    for name in FREE_PARAMETERS:
        if name in NOT_RANKED or (name in scenario.priors and _is_fixed(scenario, name)):
            continue
        labels = _LABELS.get(name)
        out += [f"{name}[{x}]" for x in labels] if labels else [name]
    return out + list(DERIVED)


def _is_fixed(scenario: Scenario, name: str) -> bool:
    from model.distributions import Fixed

    return isinstance(scenario.priors[name].dist, Fixed)


def quantities(params: dict[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """Per-draw (n,) arrays of named quantities from (n,) / (n, dim) parameter arrays."""
    out = {}
    for q in names:
        if q in ("arrival_year", "log_likelihood"):
            continue
        if q.endswith("]"):
            base, label = q[:-1].split("[")
            out[q] = np.asarray(params[base])[:, list(_LABELS[base]).index(label)]
        else:
            out[q] = np.asarray(params[q])
    return out


def centred_intercepts(params: dict, template, reference_year: float) -> dict:
    """The coordinates the graph samples for the truth's intercepts and spending rate:
    x_c = x_ref - rate (t_ref - t_c) for each intercept sampled at its data's centre, and the
    cost stream's level and rate at its centre (build.spending_centre_values)."""
    from model.build import spending_centre_values, spending_drift_maps

    out = {}
    for name, stream in _CENTRED.items():
        rate = np.asarray(params[_RATE_OF[stream]], dtype=float)
        out[name.replace("_at_ref", "_at_centre")] = (
            np.asarray(params[name], dtype=float)
            - rate * (reference_year - template.centre_years[stream]))
    maps = spending_drift_maps(template.cost_year, template.centre_years["cost"],
                               template.cutoff_year)
    out.update(spending_centre_values(params, maps, reference_year))
    return out


def draw_conditioned_prior(scenario: Scenario, cutoff_year: float, rng: np.random.Generator,
                           max_tries: int = 1000) -> tuple[dict, int]:
    """theta ~ p(theta | no AGI by the cutoff) by rejection (module docstring, step 1)."""
    from model.simulate import draw_parameters, simulate_no_agi_by_cutoff

    for tries in range(1, max_tries + 1):
        params = draw_parameters(scenario, rng)
        if simulate_no_agi_by_cutoff(params, cutoff_year, scenario, rng):
            return params, tries
    raise RuntimeError(f"no prior draw without AGI by {cutoff_year} in {max_tries} tries")


def _forecast_inputs(params: dict, scenario: Scenario) -> dict:
    names = ("log10_frontier_compute_at_ref_flop", "hardware_growth_oom_per_year",
             "spending_growth_oom_per_year", "other_growth_oom_per_year",
             "log10_training_cost_at_ref_usd", "algorithmic_growth_oom_per_year",
             "not_yet_agi_softness_oom")
    if scenario.requirement.capability is not None:  # its R given theta reads a_h, b_h
        from model.capability import CAPABILITY_ANCHOR_PARAMETERS

        names += CAPABILITY_ANCHOR_PARAMETERS
    n = np.asarray(params["hardware_growth_oom_per_year"]).size
    out = {}
    for name in names:
        if name in params:
            out[name] = np.asarray(params[name], dtype=float)
        else:  # a Fixed prior: a constant of the graph
            out[name] = np.full(n, scenario.priors[name].dist.value)
    return out


def arrival_draws(params: dict, scenario: Scenario, cutoff_year: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Arrival year per draw, exactly as a run computes it (model/forecast.py)."""
    from model.forecast import forecast_draws

    return forecast_draws(_forecast_inputs(params, scenario), scenario, cutoff_year, rng,
                          conditioned=True)["arrival_year"]


# ---------------------------------------------------------------- the compiled engine

class LogLikelihood:
    """log p(y, no AGI | theta) of the graph, compiled once, for constrained parameter values
    (the model with its value transforms removed) and swappable data."""

    def __init__(self, model, mode=None):
        from pymc.model.transform.conditioning import remove_value_transforms

        self.model = remove_value_transforms(model)
        self._fn = self.model.compile_logp(vars=self.model.observed_RVs, jacobian=False,
                                           sum=True, mode=mode)
        self.free = [rv.name for rv in self.model.free_RVs]

    def __call__(self, data: dict[str, np.ndarray], params: dict[str, np.ndarray]) -> np.ndarray:
        """Per draw; `data` maps container names to values, `params` holds (n,) / (n, dim)
        arrays of the free variables."""
        from model.build import sampled_values

        for name, value in data.items():
            self.model.set_data(name, value)
        params = {**sampled_values(params), **params}  # public values -> sampled coordinates
        n = np.asarray(params[self.free[0]]).shape[0]
        return np.array([self._fn({v: np.asarray(params[v][i], dtype=float) for v in self.free})
                         for i in range(n)])


def data_values(model, obs) -> dict[str, np.ndarray]:
    """The observed-value containers of `model` (build.OBSERVED_DATA) filled from `obs`."""
    from model.build import OBSERVED_DATA

    names = {d.name for d in model.data_vars}
    return {f"{var}_observed": np.asarray(getattr(obs, field), dtype=float)
            for var, (field, _) in OBSERVED_DATA.items() if f"{var}_observed" in names}


class Engine:
    """The model compiled once (nutpie) plus its log-likelihood; `sample(observations)` swaps
    the observed values in and samples."""

    def __init__(self, scenario: Scenario, template, settings: SBCSettings):
        import nutpie

        from model import numba_cache
        from model.build import build_model

        numba_cache.prepare()  # nutpie compiles with numba: a cacheable graph (numba_cache.py)
        self.scenario, self.template, self.settings = scenario, template, settings
        self.model = build_model(template, scenario)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.compiled = nutpie.compile_pymc_model(self.model)
        self.compile_s = time.perf_counter() - start
        self._ll = LogLikelihood(self.model)

    def sample(self, obs, seed: int):
        import nutpie

        s = self.settings
        compiled = self.compiled.with_data(**data_values(self.model, obs))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return nutpie.sample(compiled, draws=s.draws, tune=s.tune, chains=s.chains,
                                 seed=seed, progress_bar=False, target_accept=s.target_accept)

    def log_likelihood(self, obs, params: dict[str, np.ndarray]) -> np.ndarray:
        return self._ll(data_values(self.model, obs), params)


_ENGINES: dict[str, Engine] = {}


def engine_for(context: dict) -> Engine:
    """This process's engine for a study context (compiled on first use, then reused)."""
    key = context["key"]
    if key not in _ENGINES:
        scenario, template = load_context(context)
        _ENGINES[key] = Engine(scenario, template, SBCSettings(**context["settings"]))
    return _ENGINES[key]


def load_context(context: dict):
    from model import data as data_mod
    from model.build import prepare_observations
    from model.scenario import load_scenario

    scenario = load_scenario(context["scenario_path"])
    streams = data_mod.load_all(Path(context["data_dir"]) if context.get("data_dir")
                                else data_mod.DATA_DIR)
    template = prepare_observations({k: s.table for k, s in streams.items()}, scenario,
                                    context["cutoff_year"])
    return scenario, template


def simulate_one(index: int, scenario: Scenario, template, settings: SBCSettings):
    """(theta~, y~, rejection tries, generator) of simulation `index` (deterministic)."""
    from model.build import spending_drift_design
    from model.simulate import simulate_observations

    rng = np.random.default_rng([settings.seed, index])
    params, tries = draw_conditioned_prior(scenario, template.cutoff_year, rng,
                                           settings.max_prior_tries)
    n_bounds = spending_drift_design(template.cost_year, template.cutoff_year)[0].size
    params["spending_rate_drift_z"] = rng.standard_normal(n_bounds)  # truth of z_b
    sim = simulate_observations(params, template, scenario, rng)
    return params, sim, tries, rng


def run_simulation(index: int, context: dict) -> dict:
    """One SBC simulation on this process's engine: ranks and the fit's diagnostics."""
    start = time.perf_counter()
    eng = engine_for(context)
    scenario, template, s = eng.scenario, eng.template, eng.settings
    params, sim, tries, rng = simulate_one(index, scenario, template, s)
    sample_start = time.perf_counter()
    trace = eng.sample(sim, seed=int(rng.integers(2**31)))
    sample_s = time.perf_counter() - sample_start
    post = trace.posterior
    n_total = post.sizes["chain"] * post.sizes["draw"]
    keep = thin_indices(n_total, s.n_ranks)
    flat = {}
    for name in post.data_vars:
        v = post[name]
        extra = [d for d in v.dims if d not in ("chain", "draw")]
        flat[name] = v.stack(sample=("chain", "draw")).transpose("sample", *extra).to_numpy()[keep]
    names = quantity_names(scenario)
    truth_params = {k: np.asarray(v, dtype=float)[None, ...] for k, v in params.items()}
    truth_params.update(centred_intercepts(truth_params, template, scenario.reference_year))
    truth = {k: float(v[0]) for k, v in quantities(truth_params, names).items()}
    draws = quantities(flat, names)
    truth["arrival_year"] = float(arrival_draws(truth_params, scenario, template.cutoff_year,
                                                rng)[0])
    draws["arrival_year"] = arrival_draws(flat, scenario, template.cutoff_year, rng)
    truth["log_likelihood"] = float(eng.log_likelihood(sim, truth_params)[0])
    draws["log_likelihood"] = eng.log_likelihood(sim, flat)
    return {"index": index, "ranks": ranks(truth, draws, rng), "truth": truth,
            "diagnostics": {**fit_diagnostics(trace, scenario, s.n_ranks),
                            "prior_tries": tries, "sample_s": round(sample_s, 2),
                            "wall_s": round(time.perf_counter() - start, 2)}}


def fit_diagnostics(trace, scenario: Scenario, n_ranks: int) -> dict:
    """Divergences, max R-hat and min bulk ESS over the free parameters of one short fit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz as az

        post = trace.posterior
        names = [n for n in FREE_PARAMETERS if n in post]
        rhat = az.rhat(post[names])
        ess = az.ess(post[names], method="bulk")
    rhat_max = float(max(np.nanmax(rhat[n].values) for n in names))
    ess_min = float(min(np.nanmin(ess[n].values) for n in names))
    stats_ = trace.sample_stats
    div = int(stats_["diverging"].sum()) if "diverging" in stats_ else 0
    return {"divergences": div, "rhat_max": round(rhat_max, 4), "ess_bulk_min": round(ess_min, 1),
            "ess_below_ranks": bool(ess_min < n_ranks)}


# ---------------------------------------------------------------- the study

def model_files_sha256() -> str:
    """SHA-256 over the model files a simulation's result depends on (`_RESULT_FILES`)."""
    import hashlib

    from model.studies.cache import MODEL_DIR

    h = hashlib.sha256()
    for name in _RESULT_FILES:
        h.update(name.encode() + b"\0" + (MODEL_DIR / name).read_bytes() + b"\0")
    return h.hexdigest()


def study_context(scenario_path, settings: SBCSettings, data_dir=None,
                  cutoff_year: float | None = None) -> dict:
    """What determines every simulation's result, and its content hash (the engine's key)."""
    from model import data as data_mod
    from model.scenario import load_scenario
    from model.studies.cache import content_hash
    from model.workflow import default_cutoff_year

    scenario = load_scenario(scenario_path)
    streams = data_mod.load_all(Path(data_dir) if data_dir else data_mod.DATA_DIR)
    cutoff = float(cutoff_year if cutoff_year is not None else default_cutoff_year(streams))
    identity = {"study": "sbc", "result_version": RESULT_VERSION,
                "scenario_sha256": scenario.sha256, "data_sha256": data_mod.data_hashes(streams),
                "cutoff_year": cutoff, "model_files_sha256": model_files_sha256(),
                "settings": {k: v for k, v in asdict(settings).items() if k != "n_sims"}}
    return {"key": content_hash(identity), "identity": identity,
            "scenario_path": str(scenario.path), "data_dir": str(data_dir) if data_dir else None,
            "cutoff_year": cutoff, "settings": asdict(settings), "scenario_name": scenario.name}


def _task(fn_index: int, context: dict):
    from model.studies.cache import content_hash
    from model.studies.executor import Task

    return Task(key=content_hash({"study_key": context["key"], "simulation": fn_index}),
                label=f"sbc {fn_index}", payload=fn_index,
                description={**context["identity"], "simulation": fn_index})


@dataclass
class SBCResult:
    out_dir: Path
    summary: dict
    failed: list[str]
    n_done: int
    n_cached: int


def run_sbc(scenario_path, out_dir: Path, settings: SBCSettings, *, scheduler: str | None = None,
            n_workers: int = 2, cache_dir: Path | None = None, data_dir=None,
            progress: bool | None = None) -> SBCResult:
    """Run (or resume) the study through the shared executor and write `out_dir`:
    ranks.csv, diagnostics.csv, sbc.json, sbc_ecdf.png, sbc_ranks.png."""
    import importlib.util

    from model.studies.cache import DEFAULT_CACHE_DIR, ResultCache
    from model.studies.executor import map_cached

    if importlib.util.find_spec("nutpie") is None:
        raise ValueError("oomcast sbc compiles the model once with nutpie, which is not "
                         "installed: python -m pip install -e '.[nutpie]'")
    from model.output_dir import check_output_dir, staged_dir

    check_output_dir(out_dir, overwrite=True)  # refused before any work
    context = study_context(scenario_path, settings, data_dir)
    tasks = [_task(i, context) for i in range(settings.n_sims)]
    outcomes = map_cached(run_simulation, tasks, cache=ResultCache(cache_dir or DEFAULT_CACHE_DIR),
                          scheduler=scheduler, n_workers=n_workers, shared=context, name="sbc",
                          progress=progress)
    done = [o.value for o in outcomes if o.ok]
    failed = [f"{o.label}: {o.error}" for o in outcomes if not o.ok]
    with staged_dir(Path(out_dir), "sbc") as tmp:
        summary = write_outputs(done, context, tmp, failed)
    return SBCResult(Path(out_dir), summary, failed, len(done), sum(o.cached for o in outcomes))


def write_outputs(results: list[dict], context: dict, out_dir: Path, failed: list[str]) -> dict:
    """Tables, the uniformity summary and the figures of finished simulations."""
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    settings = SBCSettings(**context["settings"])
    results = sorted(results, key=lambda r: r["index"])
    if not results:
        raise RuntimeError("no SBC simulation finished: " + "; ".join(failed[:3]))
    names = list(results[0]["ranks"])
    rank_df = pd.DataFrame([{"simulation": r["index"], **r["ranks"]} for r in results])
    diag_df = pd.DataFrame([{"simulation": r["index"], **r["diagnostics"]} for r in results])
    rank_df.to_csv(out_dir / "ranks.csv", index=False)
    diag_df.to_csv(out_dir / "diagnostics.csv", index=False)
    table = {n: rank_df[n].to_numpy() for n in names}
    tests = uniformity(table, settings.n_ranks, seed=settings.seed)
    summary = {
        "schema_version": 1,
        "scenario": context["scenario_name"], "cutoff_year": context["cutoff_year"],
        "settings": asdict(settings), "study_key": context["key"],
        "n_simulations": len(results), "n_failed": len(failed), "failed": failed,
        "fail_threshold_p": 0.05 / len(names),
        "quantities": {n: {k: (round(v, 4) if isinstance(v, float) else v)
                           for k, v in t.items() if k != "pit"} for n, t in tests.items()},
        "failing": [n for n, t in tests.items() if t["fails"]],
        "diagnostics": {
            "divergent_fits": int((diag_df["divergences"] > 0).sum()),
            "divergences_total": int(diag_df["divergences"].sum()),
            "rhat_over_1.01": int((diag_df["rhat_max"] > 1.01).sum()),
            "ess_below_ranks": int(diag_df["ess_below_ranks"].sum()),
            "ess_bulk_min_median": float(diag_df["ess_bulk_min"].median()),
            "prior_tries_mean": float(diag_df["prior_tries"].mean()),
            "sample_s_median": float(diag_df["sample_s"].median()),
            "wall_s_median": float(diag_df["wall_s"].median()),
        },
    }
    (out_dir / "sbc.json").write_text(json.dumps(summary, indent=2) + "\n")
    from model.report.validation_figures import sbc_ecdf_figure, sbc_rank_figure

    band = simultaneous_band(len(results), 0.95, seed=settings.seed)
    caption = (f"oomcast SBC · scenario {context['scenario_name']} · cutoff "
               f"{context['cutoff_year']:.2f} · {len(results)} simulations · "
               f"{settings.chains}x{settings.draws} draws, ranks among {settings.n_ranks} "
               f"thinned draws · key {context['key'][:10]}")
    sbc_ecdf_figure({n: tests[n]["pit"] for n in names}, band[:3],
                    {n: tests[n]["p_ecdf_band"] for n in names}, caption, out_dir / "sbc_ecdf.png")
    sbc_rank_figure(table, settings.n_ranks, caption, out_dir / "sbc_ranks.png")
    return summary


def format_summary(summary: dict) -> str:
    """One line per quantity: both p-values and the verdict; then the fits' diagnostics."""
    lines = [f"SBC of scenario {summary['scenario']}: {summary['n_simulations']} simulations "
             f"({summary['n_failed']} failed); a quantity fails when its ECDF-band p < "
             f"{summary['fail_threshold_p']:.4f}",
             f"{'quantity':58s} {'p_band':>7} {'p_chi2':>7} {'mean u':>7}"]
    for name, q in summary["quantities"].items():
        lines.append(f"{name:58s} {q['p_ecdf_band']:7.3f} {q['p_chi_square']:7.3f} "
                     f"{q['mean_pit']:7.3f}{'  FAILS' if q['fails'] else ''}")
    d = summary["diagnostics"]
    lines.append(f"fits: {d['divergent_fits']} with divergences ({d['divergences_total']} in "
                 f"all), {d['rhat_over_1.01']} with R-hat > 1.01, {d['ess_below_ranks']} with "
                 f"bulk ESS below the {summary['settings']['n_ranks']} ranked draws; median "
                 f"sampling {d['sample_s_median']:.1f} s per fit")
    return "\n".join(lines)
