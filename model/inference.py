"""Sampling, diagnostics, and the self-describing InferenceData of a run.

`fit` samples the fitted parameters with NUTS (PyMC's sampler or nutpie), then per posterior draw
adds the projection-only parameters, the requirement R and the arrival year T
(model/forecast.py). The groups only some later commands need (log_likelihood, log_prior, prior
and prior predictive) are not computed here: model/run_groups.py computes them on first use.
Every attr is a string or a number (netCDF cannot store None).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from model.build import FREE_PARAMETERS, Observations, build_model
from model.capability import CAPABILITY_ANCHOR_PARAMETERS
from model.distributions import Fixed
from model.forecast import forecast_draws
from model.phases import PhaseTimes
from model.scenario import Scenario
from model.summary import censored

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    import arviz as az

#: Diagnostic thresholds a run must meet to be called converged (issue: core model, item 6).
RHAT_MAX = 1.01
ESS_MIN = 400


#: Environment variable that sets SamplerSettings' default backend ("C" or "NUMBA").
COMPILE_MODE_ENV = "OOMCAST_COMPILE_MODE"
COMPILE_MODES = ("C", "NUMBA")


def default_compile_mode() -> str:
    """NUMBA, unless COMPILE_MODE_ENV names another backend (an unknown name is rejected by
    SamplerSettings, naming the variable)."""
    return os.environ.get(COMPILE_MODE_ENV, "").strip().upper() or "NUMBA"


@dataclass(frozen=True)
class SamplerSettings:
    draws: int = 1000
    # tune 500 and target_accept 0.95 since the spending rate is sampled at the cost data's
    # centre (build.py, "Sampled coordinates"): the step size settles within ~200 tuning
    # iterations; at 0.9 the default passed the gate in 6 of 6 seeds (4 x 1000 + 500), but the
    # direct-approach-2023 preset did not (tail ESS 33 of the drift sd, whose posterior reaches
    # towards 0) and skeptic had a divergence; at 0.95 both pass (README, Performance)
    tune: int = 500
    chains: int = 4
    seed: int = 20231
    sampler: str = "pymc"
    target_accept: float = 0.95
    cores: int | None = None
    # draws of the prior predictive, computed when a command first needs it (run_groups.py)
    prior_draws: int = 1000
    # PyTensor backend of PyMC's sampler: "NUMBA" (default; fastmath off, see sample_model) or
    # "C"; the environment variable COMPILE_MODE_ENV overrides the default (see README,
    # Performance)
    compile_mode: str = field(default_factory=lambda: default_compile_mode())

    def __post_init__(self):
        for name in ("draws", "tune", "chains", "prior_draws"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1 (got {getattr(self, name)})")
        if self.sampler not in ("pymc", "nutpie"):
            raise ValueError(f"sampler must be 'pymc' or 'nutpie' (got {self.sampler!r})")
        if self.compile_mode not in COMPILE_MODES:
            raise ValueError(f"compile_mode must be 'C' or 'NUMBA' (got {self.compile_mode!r}; "
                             f"the default comes from ${COMPILE_MODE_ENV})")
        if not 0 < self.target_accept < 1:
            raise ValueError("target_accept must be in (0, 1)")


def show_progress() -> bool:
    """Progress bars on an interactive terminal only, never in CI logs."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _flatten(posterior: xr.Dataset, name: str) -> np.ndarray:
    v = posterior[name]
    extra = [d for d in v.dims if d not in ("chain", "draw")]
    return v.stack(sample=("chain", "draw")).transpose("sample", *extra).to_numpy()


def add_forecast(idata, scenario: Scenario, cutoff_year: float, seed: int) -> None:
    """Add projection-only parameters, requirement and arrival year to the posterior group."""
    post = idata.posterior
    n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
    params = {name: _flatten(post, name) for name in (
        "log10_frontier_compute_at_ref_flop", "hardware_growth_oom_per_year",
        "spending_growth_oom_per_year", "other_growth_oom_per_year",
        "log10_training_cost_at_ref_usd", "algorithmic_growth_oom_per_year",
        "not_yet_agi_softness_oom", *CAPABILITY_ANCHOR_PARAMETERS) if name in post}
    # every fitted parameter the forecast reads comes from the posterior; only those absent
    # from it (Fixed priors, constants of the graph) are drawn from their priors below
    for name, prior in scenario.fitted().items():
        params.setdefault(name, prior.dist.sample(np.random.default_rng(0), n_chain * n_draw))
        if name not in post and isinstance(prior.dist, Fixed) and name in FREE_PARAMETERS:
            # a Fixed prior is a constant of the graph: put it in the posterior under its name
            # so that every reader of a run finds every growth parameter (e.g. a preset with no
            # residual growth, other_growth_oom_per_year = Fixed(0))
            post[name] = (("chain", "draw"), np.full((n_chain, n_draw), prior.dist.value))
    rng = np.random.default_rng([seed, 1])
    draws = forecast_draws(params, scenario, cutoff_year, rng, conditioned=True)
    for name, values in draws.items():
        post[name] = (("chain", "draw"), values.reshape(n_chain, n_draw))
    post["arrival_year"].attrs["units"] = "decimal year; +inf = after the horizon"
    post["requirement_log10_flop"].attrs["units"] = (
        f"log10 FLOP at {scenario.reference_year:g} algorithms; +inf = no path")


@contextmanager
def numba_without_fastmath():
    """PyTensor's numba backend with fastmath off, here and in chain processes started meanwhile.

    With fastmath on (PyTensor's default) a cold-compiled run drew different values from the
    same seed than later, cache-loaded runs; off, cold and warm draws are bit-identical
    (tests/test_backend.py) at a cost of a few per cent of sampling time. Chain processes
    forked from this one inherit the flag; spawned ones read it from PYTENSOR_FLAGS.
    """
    import pytensor

    from model import numba_cache

    numba_cache.prepare()  # so numba's cache holds the log density across processes
    before = os.environ.get("PYTENSOR_FLAGS")
    os.environ["PYTENSOR_FLAGS"] = ",".join(x for x in (before, "numba__fastmath=False") if x)
    try:
        with pytensor.config.change_flags(numba__fastmath=False):
            yield
    finally:
        if before is None:
            os.environ.pop("PYTENSOR_FLAGS", None)
        else:
            os.environ["PYTENSOR_FLAGS"] = before


def _is_numba_failure(exc: BaseException) -> bool:
    """A failure of the numba backend itself (an Op it cannot compile, a typing error)."""
    return (isinstance(exc, NotImplementedError)
            or type(exc).__module__.split(".")[0] == "numba")


def _pymc_sample(kwargs: dict, compile_mode: str):
    """pm.sample on the given backend; NUMBA falls back to C, with a warning, when numba cannot
    compile the model. Returns (idata, the backend used)."""
    import pymc as pm

    if compile_mode == "C":
        return pm.sample(**kwargs), "C"
    try:
        with numba_without_fastmath():
            return pm.sample(**kwargs, compile_kwargs={"mode": "NUMBA"}), "NUMBA"
    except Exception as exc:  # noqa: BLE001 - only numba's own failures fall back (below)
        if not _is_numba_failure(exc):
            raise
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        print(f"oomcast: warning: the numba backend failed ({type(exc).__name__}: "
              f"{first_line}); sampling with the C backend", file=sys.stderr)
        return pm.sample(**kwargs), "C"


def sample_model(model, settings: SamplerSettings, phases: PhaseTimes | None = None):
    """pm.sample (phase "sample", timed into `phases` when given). The log-likelihood,
    log-prior and prior-predictive groups are deferred (model/run_groups.py)."""
    import pymc as pm

    from model.interrupts import check_complete

    phases = phases if phases is not None else PhaseTimes()

    kwargs = dict(draws=settings.draws, tune=settings.tune, chains=settings.chains,
                  random_seed=settings.seed, progressbar=show_progress(),
                  target_accept=settings.target_accept)
    if settings.sampler == "nutpie":
        kwargs["nuts_sampler"] = "nutpie"
    else:
        kwargs["cores"] = settings.cores or min(settings.chains, os.cpu_count() or 1)
        kwargs["compute_convergence_checks"] = False
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        start = time.perf_counter()
        with phases.phase("sample"):
            if settings.sampler == "nutpie":
                idata, backend = pm.sample(**kwargs), "nutpie"
            else:
                idata, backend = _pymc_sample(kwargs, settings.compile_mode)
        # pm.sample swallows Ctrl-C and returns the chains it has: refuse a truncated trace
        check_complete(idata, settings.chains, settings.draws)
        # wall time of pm.sample: compile (nutpie's included), tuning and draws
        idata.posterior.attrs["oomcast_sample_wall_s"] = round(time.perf_counter() - start, 3)
        idata.posterior.attrs["oomcast_compile_mode_used"] = backend
    return idata


#: Names of the per-variable diagnostics in `diagnostics`' problem lines.
LABELS = {"rhat_max": "R-hat", "ess_bulk_min": "bulk ESS", "ess_tail_min": "tail ESS"}


def _defined_extreme(fn, values) -> float:
    """fn (max or min) over values, or NaN if any is undefined (NaN): an R-hat or ESS that
    cannot be computed must not hide behind the defined elements, and NumPy's all-NaN warning
    must not reach a terminal."""
    v = np.asarray(values, dtype=float)
    return float(fn(v)) if v.size and not np.isnan(v).any() else float("nan")


def diagnostics(idata, horizon_year: float) -> dict:
    """Divergences, R-hat and bulk/tail ESS of every free parameter and the arrival year."""
    post = idata.posterior
    # constants (parameters with a Fixed prior) have no R-hat or ESS
    names = [n for n in FREE_PARAMETERS if n in post and float(np.ptp(post[n].values)) > 0]
    ds = post[names].copy()
    ds["arrival_year"] = (("chain", "draw"), censored(post["arrival_year"].to_numpy(),
                                                       horizon_year))
    rhat = az.rhat(ds)
    ess_bulk = az.ess(ds, method="bulk")
    ess_tail = az.ess(ds, method="tail")
    per_var = {}
    for name in ds.data_vars:
        per_var[name] = {"rhat_max": _defined_extreme(np.max, rhat[name].values),
                         "ess_bulk_min": _defined_extreme(np.min, ess_bulk[name].values),
                         "ess_tail_min": _defined_extreme(np.min, ess_tail[name].values)}
    divergences = int(idata.sample_stats["diverging"].sum()) \
        if "diverging" in idata.sample_stats else 0
    problems = []
    if divergences:
        problems.append(f"{divergences} divergent transitions")
    for name, d in per_var.items():
        undefined = [k for k in LABELS if np.isnan(d[k])]
        if undefined:
            problems.append(f"{', '.join(LABELS[k] for k in undefined)} of {name} undefined "
                            "(fewer than 2 chains, or a chain that never moved)")
        if d["rhat_max"] > RHAT_MAX:
            problems.append(f"R-hat of {name} is {d['rhat_max']:.3f} > {RHAT_MAX}")
        if d["ess_bulk_min"] < ESS_MIN:
            problems.append(f"bulk ESS of {name} is {d['ess_bulk_min']:.0f} < {ESS_MIN}")
        if d["ess_tail_min"] < ESS_MIN:
            problems.append(f"tail ESS of {name} is {d['ess_tail_min']:.0f} < {ESS_MIN}")
    return {"divergences": divergences,
            "rhat_max": _defined_extreme(np.max, [d["rhat_max"] for d in per_var.values()]),
            "ess_bulk_min": _defined_extreme(np.min, [d["ess_bulk_min"] for d in per_var.values()]),
            "ess_tail_min": _defined_extreme(np.min, [d["ess_tail_min"] for d in per_var.values()]),
            "per_variable": per_var, "problems": problems, "converged": not problems,
            "thresholds": {"rhat_max": RHAT_MAX, "ess_min": ESS_MIN}}


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, timeout=5)
        commit = out.stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True,
                               cwd=Path(__file__).resolve().parent, timeout=5).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def package_versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("pymc", "pytensor", "arviz", "numpy", "scipy", "xarray", "pandas", "nutpie",
                "oomcast"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def provenance_attrs(scenario: Scenario, data_hashes: dict, data_vintages: dict,
                     settings: SamplerSettings, cutoff_year: float, command: str) -> dict:
    """JSON-able attrs (strings and numbers only) for the InferenceData's groups."""
    return {
        "oomcast_scenario": scenario.name,
        "oomcast_scenario_path": str(scenario.path),
        "oomcast_scenario_sha256": scenario.sha256,
        "oomcast_preset_version": scenario.preset_version_attr,
        "oomcast_data_sha256": json.dumps(data_hashes, sort_keys=True),
        "oomcast_data_vintages": json.dumps(data_vintages, sort_keys=True),
        "oomcast_seed": int(settings.seed),
        "oomcast_sampler_settings": json.dumps(asdict(settings), sort_keys=True),
        "oomcast_versions": json.dumps(package_versions(), sort_keys=True),
        "oomcast_git_commit": git_commit(),
        "oomcast_cutoff_year": float(cutoff_year),
        "oomcast_reference_year": float(scenario.reference_year),
        "oomcast_horizon_year": float(scenario.horizon_year),
        "oomcast_forecast_domain": scenario.forecast_domain,
        "oomcast_command": command,
    }


def fit(obs: Observations, scenario: Scenario, settings: SamplerSettings):
    """Build, sample and complete the InferenceData of one run (no provenance attrs yet)."""
    model = build_model(obs, scenario)
    idata = sample_model(model, settings)
    add_forecast(idata, scenario, obs.cutoff_year, settings.seed)
    return idata


def attach_attrs(idata, attrs: dict) -> None:
    for group in idata.groups():
        idata[group].attrs.update(attrs)


def save_idata(idata, path: Path) -> None:
    idata.to_netcdf(str(path), engine="h5netcdf")


def load_idata(path: Path):
    return az.from_netcdf(str(path), engine="h5netcdf")
