"""Speed and memory of oomcast, printed as one JSON document (issue: performance).

    python scripts/bench.py [--quick] [--samplers nutpie[,pymc-numba,numpyro]] [--compare-draws 200]
                            [--baseline-draws 100] [--out bench.json]
    python scripts/bench.py --gains [--gains-seeds 1,2] [--gains-draws 500] [--deferred-only]
                            [--out gains.json]
    python scripts/bench.py --targets [--out targets.json]
    python scripts/bench.py --refit [--out refit.json]

`--gains` measures only each performance route's before/after ratio in one process (gains()).
`--targets` measures only the issue's end-to-end targets (end_to_end_targets(): a cold then a warm
`oomcast run` of the default, their summary.json compared byte for byte, peak memory, diagnostics);
the machine's load average is recorded, since the targets are for an idle 2-core machine.
`--refit` times one refit of `oomcast sweep` (sweep_refit(): the default run's settings on one
core, warm caches).

Every figure is measured in this run, on this machine; ratios compare against a baseline measured
in the same process where one exists:
- import time of the CLI and of the sampling stack (fresh interpreters);
- model build + logp/gradient compile, cold (empty PyTensor compile dir) and warm;
- end-to-end `oomcast run` wall time (a fresh process, default settings, warm compile cache);
  PyMC's NUTS is measured inside that run (its sampling_time and diagnostics);
- per sampler (PyMC, nutpie with its numba compile included; on request PyMC on PyTensor's numba
  backend and numpyro when installed): sampling
  wall time, ESS per second for the slowest free parameter and for the arrival year,
  divergences; the same model with the requirement sampled directly as a mixture (no analytic
  marginalisation, model.build.sampled_requirement_graph) as the baseline, so the gain from
  marginalising is a ratio;
- prior-only Monte Carlo draws per second and arrival-solver draws per second;
- scaling: solver and summary time against the number of draws, and logp+gradient time against
  the number of observations (each ratio should be ~ the size ratio or less: linear or better);
- peak resident memory of this process and of the end-to-end run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.simplefilter("ignore")


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def import_times() -> dict:
    out = {}
    for label, stmt in (("cli", "import model.cli"), ("sampling_stack", "import model.inference")):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", stmt], check=True, cwd=ROOT,
                       env=os.environ | {"PYTHONWARNINGS": "ignore"})
        out[f"{label}_s"] = round(time.perf_counter() - start, 3)
    return out


def _observations():
    from model.build import prepare_observations
    from model.data import load_all
    from model.scenario import load_scenario
    from model.workflow import default_cutoff_year

    scenario = load_scenario("default")
    streams = load_all()
    obs = prepare_observations({k: s.table for k, s in streams.items()}, scenario,
                               default_cutoff_year(streams))
    return scenario, obs


COMPILE_SNIPPET = """
import time, warnings; warnings.simplefilter("ignore")
t = time.perf_counter()
import sys; sys.path.insert(0, {root!r})
from scripts.bench import _observations
from model.build import build_model
scenario, obs = _observations()
model = build_model(obs, scenario)
f = model.logp_dlogp_function(ravel_inputs=True)
f.set_extra_values({{}})
ip = model.initial_point()
import numpy as np
x = np.concatenate([np.ravel(ip[v.name]) for v in model.value_vars])
f(x)
print(time.perf_counter() - t)
"""


def start_cold_compile(compiledir: str) -> subprocess.Popen:
    """Build + compile logp and gradient in a fresh process with an empty compile dir. It runs
    beside the bench's light single-threaded sections (imports, gradient timing, NumPy paths):
    gcc uses one core, they the other."""
    env = os.environ | {"PYTENSOR_FLAGS": f"compiledir={compiledir}"}
    return subprocess.Popen([sys.executable, "-c", COMPILE_SNIPPET.format(root=str(ROOT))],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)


def compile_times(cold_proc: subprocess.Popen, compiledir: str) -> dict:
    """The cold compile's time (from start_cold_compile), then the same again, warm."""
    out, _ = cold_proc.communicate()
    if cold_proc.returncode != 0:
        raise RuntimeError(f"cold compile failed (exit {cold_proc.returncode})")
    cold = float(out.strip().splitlines()[-1])
    env = os.environ | {"PYTENSOR_FLAGS": f"compiledir={compiledir}"}
    warm = float(subprocess.run([sys.executable, "-c", COMPILE_SNIPPET.format(root=str(ROOT))],
                                capture_output=True, text=True, env=env,
                                check=True).stdout.strip().splitlines()[-1])
    return {"build_compile_cold_s": round(cold, 2), "build_compile_warm_s": round(warm, 2),
            "cold_over_warm": round(cold / warm, 2)}


def gradient_scaling(scenario, obs) -> dict:
    """Microseconds per logp+gradient with the frontier, GPU and cost rows x1 and x4."""
    from model.build import build_model
    from model.simulate import replicate_rows

    out = {}
    for factor in (1, 4):
        o = obs if factor == 1 else replicate_rows(obs, factor)
        model = build_model(o, scenario)
        f = model.logp_dlogp_function(ravel_inputs=True)
        f.set_extra_values({})
        ip = model.initial_point()
        x = np.concatenate([np.ravel(ip[v.name]) for v in model.value_vars])
        f(x)
        n = 1000
        start = time.perf_counter()
        for _ in range(n):
            f(x)
        out[f"x{factor}"] = {"observations": int(sum(o.sizes().values())),
                             "us_per_logp_grad": round((time.perf_counter() - start) / n * 1e6, 1)}
    out["time_ratio_x4_over_x1"] = round(out["x4"]["us_per_logp_grad"]
                                         / out["x1"]["us_per_logp_grad"], 2)
    out["observation_ratio"] = round(out["x4"]["observations"] / out["x1"]["observations"], 2)
    return out


def _sampler_entry(sampler: str, requirement: str, wall: float, diag: dict,
                   extra: dict | None = None) -> dict:
    per = diag["per_variable"]
    slowest = min((k for k in per if k != "arrival_year"), key=lambda k: per[k]["ess_bulk_min"])
    out = {"sampler": sampler, "requirement": requirement, "sampling_wall_s": round(wall, 2),
           "divergences": diag["divergences"], "rhat_max": round(diag["rhat_max"], 4),
           "slowest_parameter": slowest,
           "ess_bulk_slowest": round(per[slowest]["ess_bulk_min"], 1),
           "ess_bulk_per_s_slowest": round(per[slowest]["ess_bulk_min"] / wall, 1),
           "ess_bulk_per_s_arrival_year": round(per["arrival_year"]["ess_bulk_min"] / wall, 1),
           "ess_tail_min": round(diag["ess_tail_min"], 1)}
    return out | (extra or {})


def sample_with(sampler: str, scenario, obs, draws: int, tune: int, chains: int, seed: int,
                requirement: str = "marginalised", sampled_coordinates: bool = True) -> dict:
    """Sample in this process; the wall time is pm.sample's (nutpie's numba compile included,
    as it is paid by every process; PyMC's compile and step assignment also included)."""
    from model.build import build_model
    from model.inference import SamplerSettings, add_forecast, diagnostics, sample_model

    mode = "NUMBA" if sampler == "pymc-numba" else "C"
    settings = SamplerSettings(draws=draws, tune=tune, chains=chains, seed=seed,
                               sampler=sampler.removesuffix("-numba"), prior_draws=10,
                               compile_mode=mode)
    model = build_model(obs, scenario, requirement=requirement,
                        sampled_coordinates=sampled_coordinates)
    idata = sample_model(model, settings)
    wall = float(idata.posterior.attrs["oomcast_sample_wall_s"])
    add_forecast(idata, scenario, obs.cutoff_year, seed)
    diag = diagnostics(idata, scenario.horizon_year)
    extra = {"gate_passed": diag["converged"], "ess_bulk_min": round(diag["ess_bulk_min"], 1)}
    if "n_steps" in idata.sample_stats:
        extra["leapfrog_steps_per_draw"] = round(float(idata.sample_stats["n_steps"].mean()), 1)
    if "process_time_diff" in idata.sample_stats:
        extra["us_per_leapfrog_step"] = _us_per_leapfrog_step(idata)
    extra["ess_tail_min_per_s"] = round(diag["ess_tail_min"] / wall, 2)
    if requirement == "sampled":
        import arviz as az

        latent = idata.posterior[["requirement_log10_flop_latent"]]
        extra["ess_bulk_requirement_latent"] = round(
            float(az.ess(latent)["requirement_log10_flop_latent"]), 1)
        extra["rhat_requirement_latent"] = round(
            float(az.rhat(latent)["requirement_log10_flop_latent"]), 4)
        extra["note"] = ("arrival-year ESS here uses the exact conditional draw of R after "
                         "sampling, as every run does; the latent's own ESS shows the cost")
    return _sampler_entry(sampler, requirement, wall, diag, extra)


def _ratio(a: float, b: float) -> float:
    return round(a / max(b, 1e-9), 2)


def logp_grad_by_backend(scenario, obs, n: int = 400, rounds: int = 7) -> dict:
    """Microseconds per logp+gradient on C and on NUMBA (fastmath off), the two timed in
    alternation and the fastest round of each kept, so that other jobs on the machine slow both
    alike (a ratio that survives a loaded machine, unlike a sampling wall time)."""
    from model.build import build_model
    from model.inference import numba_without_fastmath

    model = build_model(obs, scenario)
    fns = {"C": model.logp_dlogp_function(ravel_inputs=True)}
    with numba_without_fastmath():
        fns["NUMBA"] = model.logp_dlogp_function(ravel_inputs=True, mode="NUMBA")
    ip = model.initial_point()
    x = np.concatenate([np.ravel(ip[v.name]) for v in model.value_vars])
    best = {}
    for f in fns.values():
        f.set_extra_values({})
        f(x)
    for _ in range(rounds):
        for name, f in fns.items():
            start = time.perf_counter()
            for _ in range(n):
                f(x)
            best[name] = min(best.get(name, np.inf), (time.perf_counter() - start) / n * 1e6)
    same = np.allclose(fns["C"](x)[0], fns["NUMBA"](x)[0], rtol=1e-10, atol=1e-10)
    return {"us_per_logp_grad_c": round(best["C"], 1),
            "us_per_logp_grad_numba": round(best["NUMBA"], 1),
            "ratio_c_over_numba": _ratio(best["C"], best["NUMBA"]),
            "same_logp_to_1e-10": bool(same)}


def _us_per_leapfrog_step(idata) -> dict:
    """CPU and wall microseconds per leapfrog step from PyMC's per-draw stats (compile
    excluded). CPU time (process_time) is what other jobs on the machine disturb least."""
    st = idata.sample_stats
    steps = float(st["n_steps"].sum())
    return {"cpu_us": round(float(st["process_time_diff"].sum()) / steps * 1e6, 1),
            "wall_us": round(float(st["perf_counter_diff"].sum()) / steps * 1e6, 1)}


def leapfrog_step_by_backend(scenario, obs, draws: int = 150, rounds: int = 2) -> dict:
    """Per leapfrog step, one chain in this process, C and NUMBA (fastmath off) alternated:
    the gradient plus PyMC's Python NUTS loop around it (the fastest round of each kept)."""
    import pymc as pm

    from model.build import build_model
    from model.inference import numba_without_fastmath

    model = build_model(obs, scenario)
    best: dict[str, dict] = {}
    for _ in range(rounds):
        for mode in ("C", "NUMBA"):
            kwargs = dict(draws=draws, tune=draws, chains=1, cores=1, random_seed=3,
                          progressbar=False, compute_convergence_checks=False,
                          target_accept=SamplerSettings().target_accept)
            with model:
                if mode == "C":
                    idata = pm.sample(**kwargs)
                else:
                    with numba_without_fastmath():
                        idata = pm.sample(**kwargs, compile_kwargs={"mode": "NUMBA"})
            us = _us_per_leapfrog_step(idata)
            if mode not in best or us["cpu_us"] < best[mode]["cpu_us"]:
                best[mode] = us
    return {"us_per_leapfrog_step_c": best["C"], "us_per_leapfrog_step_numba": best["NUMBA"],
            "cpu_ratio_c_over_numba": _ratio(best["C"]["cpu_us"], best["NUMBA"]["cpu_us"])}


def summary_threads_gain(scenario, n_draws: int = 4000, cutoff: float = 2025.9) -> dict:
    """The summary's per-anchor CDFs (forecast.arrival_cdf_by_anchor on the report grid) on one
    thread (before) and on the default thread count (after), at n_draws prior draws of the
    scenario, alternated twice; the two results must be bit-identical."""
    from model.forecast import arrival_cdf_by_anchor, arrival_grid_years
    from model.row_chunks import THREADS_ENV, thread_count
    from model.summary import REPORT_YEARS
    from model.workflow import prior_only_forecast

    drawn, forecast = prior_only_forecast(scenario, cutoff, seed=1, n_draws=n_draws)
    params = drawn | forecast  # the projection-only parameters the forecast drew
    grid = arrival_grid_years(cutoff, scenario.horizon_year, REPORT_YEARS)
    saved = os.environ.pop(THREADS_ENV, None)
    threads = thread_count()
    times = {"serial": [], "threads": []}
    results = {}
    try:
        for _ in range(2):
            for label, value in (("serial", "1"), ("threads", str(threads))):
                os.environ[THREADS_ENV] = value
                seconds, results[label] = _timed(arrival_cdf_by_anchor, params, scenario,
                                                 cutoff, grid)
                times[label].append(seconds)
    finally:
        os.environ.pop(THREADS_ENV, None)
        if saved is not None:
            os.environ[THREADS_ENV] = saved
    return {"threads": threads, "draws": n_draws, "grid": int(grid.size),
            "serial_s": round(min(times["serial"]), 2),
            "threads_s": round(min(times["threads"]), 2),
            "ratio_serial_over_threads": _ratio(min(times["serial"]), min(times["threads"])),
            "bit_identical": bool(np.array_equal(results["serial"], results["threads"]))}


def gains(scenario, obs, draws: int, seeds: list[int]) -> dict:
    """Each route's before/after, measured in this process (ratios, not absolute targets: the
    machine is shared), at 4 x draws + draws tuning:
    - geometry: PyMC's NUTS (C backend) with every public name sampled as itself (before) and
      with build.SAMPLED_AS (after), per seed: sampling wall, leapfrog steps per draw, tail ESS
      per second, and whether each passes the gate;
    - backend: the new geometry on C (before) and NUMBA with fastmath off (after), first seed
      (a short NUMBA fit first warms numba's cache, as every run after the first finds it);
    - both: the old geometry on C against the new one on NUMBA;
    - deferred groups: deferred_groups(draws, first seed);
    - summary threads: the per-anchor CDFs serial against threaded (summary_threads_gain).
    Sampling wall is pm.sample's (compile, step assignment and tuning included)."""
    summary_threads = summary_threads_gain(scenario)
    fits = {}
    gradient = logp_grad_by_backend(scenario, obs) | leapfrog_step_by_backend(scenario, obs)
    for seed in seeds:
        for label, coords in (("before", False), ("after", True)):
            fits[f"geometry_{label}_seed{seed}"] = sample_with(
                "pymc", scenario, obs, draws, draws, 4, seed, sampled_coordinates=coords)
    sample_with("pymc-numba", scenario, obs, 10, 10, 1, seeds[0])  # numba cache warm-up
    fits[f"numba_seed{seeds[0]}"] = sample_with("pymc-numba", scenario, obs, draws, draws, 4,
                                                seeds[0])
    before = [fits[f"geometry_before_seed{s}"] for s in seeds]
    after = [fits[f"geometry_after_seed{s}"] for s in seeds]

    def total(entries, key):
        return sum(e[key] for e in entries)

    c_new, numba = fits[f"geometry_after_seed{seeds[0]}"], fits[f"numba_seed{seeds[0]}"]
    c_old = fits[f"geometry_before_seed{seeds[0]}"]
    from model.inference import SamplerSettings

    out = {"settings": (f"4 x {draws} + {draws} tuning, target_accept "
                        f"{SamplerSettings().target_accept}, seeds {seeds}"),
           "geometry": {
               "gate_passed_before": f"{sum(e['gate_passed'] for e in before)} of {len(seeds)}",
               "gate_passed_after": f"{sum(e['gate_passed'] for e in after)} of {len(seeds)}",
               "sampling_wall_ratio_before_over_after": _ratio(
                   total(before, "sampling_wall_s"), total(after, "sampling_wall_s")),
               "leapfrog_steps_per_draw_before": [e["leapfrog_steps_per_draw"] for e in before],
               "leapfrog_steps_per_draw_after": [e["leapfrog_steps_per_draw"] for e in after],
               "ess_tail_min_before": [e["ess_tail_min"] for e in before],
               "ess_tail_min_after": [e["ess_tail_min"] for e in after],
               "ess_tail_per_s_ratio_after_over_before": _ratio(
                   total(after, "ess_tail_min_per_s"), total(before, "ess_tail_min_per_s"))},
           "backend": {
               **gradient,
               "sampling_wall_ratio_c_over_numba": _ratio(c_new["sampling_wall_s"],
                                                          numba["sampling_wall_s"]),
               "ess_tail_per_s_ratio_numba_over_c": _ratio(numba["ess_tail_min_per_s"],
                                                           c_new["ess_tail_min_per_s"]),
               "gate_passed_numba": numba["gate_passed"]},
           "geometry_and_backend": {
               "sampling_wall_ratio": _ratio(c_old["sampling_wall_s"], numba["sampling_wall_s"]),
               "ess_tail_per_s_ratio": _ratio(numba["ess_tail_min_per_s"],
                                              c_old["ess_tail_min_per_s"])},
           "deferred_groups": deferred_groups(draws, seeds[0]),
           "summary_threads": summary_threads,
           "fits": fits}
    return out


def deferred_groups(draws: int, seed: int) -> dict:
    """The deferred groups (model/run_groups.py), in this process: `oomcast run` of the default
    scenario (execute_run, 4 x draws + draws tuning), which no longer computes them, then the
    first command that needs them all (ensure_groups: the run's model rebuilt, log-likelihood,
    log-prior and prior predictive computed, derived.nc written) and a second one (read back).
    "before" is the run plus the two computations as the run used to make them (the same PyMC
    calls; the rebuild and the write are the deferral's own cost and are reported apart)."""
    from model.inference import SamplerSettings
    from model.phases import PhaseTimes
    from model.run_groups import DEFERRED_GROUPS, ensure_groups
    from model.workflow import execute_run

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"
        start = time.perf_counter()
        result = execute_run("default", run_dir, SamplerSettings(draws=draws, tune=draws,
                                                                 seed=seed), command="bench")
        run_s = time.perf_counter() - start
        first = PhaseTimes()
        start = time.perf_counter()
        ensure_groups(run_dir, DEFERRED_GROUPS, phases=first)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        ensure_groups(run_dir, DEFERRED_GROUPS)
        second_s = time.perf_counter() - start
    moved = first.seconds["log_likelihood_and_prior"] + first.seconds["prior_predictive"]
    return {"settings": f"4 x {draws} + {draws} tuning, seed {seed}",
            "run_wall_s_after": round(run_s, 1),
            "run_wall_s_before": round(run_s + moved, 1),
            "run_wall_ratio_before_over_after": _ratio(run_s + moved, run_s),
            "run_phases_after": {k: round(v, 2) for k, v in result.phases.seconds.items()},
            "first_use_s": round(first_s, 1),
            "first_use_phases": {k: round(v, 2) for k, v in first.seconds.items()},
            "second_use_s": round(second_s, 2)}


def register_jax_erfcx() -> None:
    """JAX has no erfcx, which PyMC's normal_lcdf uses (the "no AGI yet" term); PyTensor
    otherwise asks for tfp-nightly. erfcx(x) = exp(x^2) erfc(x) for x < 20 (both finite in
    float64 there), and the asymptotic series 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!!/(2x^2)^k
    (six terms: relative error < 1e-13) beyond."""
    import jax
    import jax.numpy as jnp
    from pytensor.link.jax.dispatch import jax_funcify
    from pytensor.scalar.math import Erfcx

    @jax_funcify.register(Erfcx)
    def _erfcx(op, **kwargs):
        def erfcx(x):
            small = jnp.minimum(x, 20.0)
            direct = jnp.exp(small * small) * jax.scipy.special.erfc(small)
            y = 1.0 / (2.0 * jnp.maximum(x, 1.0) ** 2)
            series = 1 - y * (1 - 3 * y * (1 - 5 * y * (1 - 7 * y * (1 - 9 * y * (1 - 11 * y)))))
            return jnp.where(x < 20.0, direct, series / (jnp.maximum(x, 1.0) * jnp.sqrt(jnp.pi)))
        return erfcx


def sample_numpyro(scenario, obs, draws: int, tune: int, chains: int, seed: int) -> dict:
    """numpyro's NUTS through PyMC's JAX bridge (chains vectorised), when installed."""
    from pymc.sampling.jax import sample_numpyro_nuts

    from model.build import build_model
    from model.inference import SamplerSettings, add_forecast, diagnostics

    register_jax_erfcx()
    model = build_model(obs, scenario)
    with model:
        wall, idata = _timed(sample_numpyro_nuts, draws=draws, tune=tune, chains=chains,
                             target_accept=SamplerSettings().target_accept, random_seed=seed,
                             chain_method="vectorized", progressbar=False,
                             idata_kwargs={"log_likelihood": False})
    add_forecast(idata, scenario, obs.cutoff_year, seed)
    diag = diagnostics(idata, scenario.horizon_year)
    return _sampler_entry("numpyro", "marginalised", wall, diag,
                          {"note": "wall time includes JAX tracing and XLA compilation"})


def solver_and_prior_only(scenario) -> dict:
    from model.forecast import forecast_draws
    from model.projection import ProjectionInputs, arrival_year

    out = {}
    rng = np.random.default_rng(0)
    for n in (100_000, 1_000_000):
        p = ProjectionInputs.from_mapping({
            "effective_compute_at_cutoff": rng.normal(27.5, 0.3, n),
            "hardware_growth_oom_per_year": rng.normal(0.12, 0.02, n),
            "spending_growth_oom_per_year": rng.normal(0.45, 0.05, n),
            "other_growth_oom_per_year": rng.normal(0.08, 0.05, n),
            "algorithmic_growth_oom_per_year": rng.normal(0.45, 0.1, n),
            "unhobbling_growth_oom_per_year": np.zeros(n),
            "gwp_growth_oom_per_year": np.full(n, 0.0128),
            "spending_headroom_oom": rng.normal(2.5, 1.0, n),
            "hardware_remaining_oom": rng.uniform(0, 8, n),
            "other_remaining_oom": rng.uniform(0, 2, n),
            "algorithms_remaining_oom": rng.lognormal(1.65, 0.65, n),
            "unhobbling_remaining_oom": np.zeros(n)})
        r = 27.5 + rng.uniform(0, 15, n)
        wall, _ = _timed(arrival_year, r, p, 2025.83, 2100.0)
        out[f"solver_{n}"] = {"wall_s": round(wall, 3), "draws_per_s": round(n / wall)}
    out["solver_time_ratio_1e6_over_1e5"] = round(out["solver_1000000"]["wall_s"]
                                                  / out["solver_100000"]["wall_s"], 2)
    # before/after of chunking, in this process: the same 1e6 draws as one block
    wall_one_block, _ = _timed(arrival_year, r, p, 2025.83, 2100.0, chunk=n)
    out["solver_1000000_one_block"] = {"wall_s": round(wall_one_block, 3),
                                       "draws_per_s": round(n / wall_one_block)}
    out["solver_chunking_speedup"] = round(wall_one_block / out["solver_1000000"]["wall_s"], 2)
    n = 100_000
    start = time.perf_counter()
    params = _draw_many(scenario, rng, n)
    forecast_draws(params, scenario, 2025.83, rng, conditioned=False)
    wall = time.perf_counter() - start
    out["prior_only_100000"] = {"wall_s": round(wall, 3), "draws_per_s": round(n / wall)}
    return out


def _draw_many(scenario, rng, n):
    """Fitted-parameter prior draws, n at a time (what a prior-only run needs)."""
    params = {name: prior.dist.sample(rng, n) for name, prior in scenario.fitted().items()}
    z = rng.standard_normal((n, 3))
    params["algorithmic_growth_oom_per_year"] = np.exp(
        params["algorithmic_log_rate_mean"][:, None]
        + params["algorithmic_log_rate_domain_sd"][:, None] * z)
    return params


def summary_scaling(scenario) -> dict:
    from model.summary import summarize_arrival

    rng = np.random.default_rng(1)
    out = {}
    summarize_arrival(rng.normal(2035, 5, (4, 100)), 2100.0)  # warm-up: ArviZ's lazy imports
    for n in (4_000, 40_000):
        x = rng.normal(2035, 5, (4, n // 4))
        wall, _ = _timed(summarize_arrival, x, 2100.0)
        out[f"summary_{n}_s"] = round(wall, 3)
    out["summary_time_ratio_10x_draws"] = round(out["summary_40000_s"] / out["summary_4000_s"], 2)
    return out


def end_to_end(seed: int) -> dict:
    """`oomcast run` of the default scenario in a fresh process (warm compile cache), and
    PyMC's sampler as that run saw it (its sampling_time attr and diagnostics)."""
    import arviz as az

    from model.inference import diagnostics

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "model.cli", "run", "--out",
                               str(run_dir), "--seed", str(seed), "--draft"],
                              cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        out = {"oomcast_run_wall_s": round(wall, 1), "exit_status": proc.returncode,
               "peak_rss_children_mb": round(peak_kb / 1024, 1)}
        if proc.returncode != 0:
            return out | {"stderr_tail": proc.stderr[-2000:]}
        idata = az.from_netcdf(str(run_dir / "posterior.nc"))
        diag = diagnostics(idata, float(idata.posterior.attrs["oomcast_horizon_year"]))
        sampling = float(idata.posterior.attrs["oomcast_sample_wall_s"])
    out["pymc_in_run"] = _sampler_entry("pymc", "marginalised", sampling, diag)
    out["outside_sampling_s"] = round(wall - sampling, 1)
    return out


RUN_WRAPPER = """
import json, os, resource, runpy, sys
sys.argv = ["oomcast"] + sys.argv[1:]
try:
    runpy.run_module("model.cli", run_name="__main__")
finally:
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    with open(os.environ["OOMCAST_BENCH_PEAK"], "w") as fh:
        json.dump({"peak_rss_mb": round(peak_kb / 1024, 1)}, fh)
"""

#: Issue "Performance", deliverable 1: the end-to-end targets `--targets` checks.
TARGETS = {"warm_wall_s": 20.0, "cold_wall_s": 45.0, "peak_rss_mb": 1024.0, "ess_min": 400,
           "rhat_max": 1.01}


def _one_run(run_dir: Path, seed: int, env: dict) -> dict:
    """`oomcast run` (defaults) in a fresh process through RUN_WRAPPER: wall seconds, exit
    status, the largest resident set of the run or any sampler process, its phase timings
    (posterior.nc attr oomcast_phase_wall_s) and its diagnostics (summary.json)."""
    peak_file = run_dir.parent / f"{run_dir.name}.peak.json"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RUN_WRAPPER, "run", "--out", str(run_dir),
                           "--seed", str(seed), "--draft"], cwd=ROOT, capture_output=True,
                          text=True, env=env | {"OOMCAST_BENCH_PEAK": str(peak_file)})
    out = {"wall_s": round(time.perf_counter() - start, 1), "exit_status": proc.returncode}
    if peak_file.is_file():
        out |= json.loads(peak_file.read_text())
    if proc.returncode != 0:
        return out | {"stderr_tail": proc.stderr[-2000:]}
    import arviz as az

    from model.phases import PHASE_ATTR

    attrs = az.from_netcdf(str(run_dir / "posterior.nc")).posterior.attrs
    out["phases_s"] = json.loads(attrs[PHASE_ATTR])
    summary = json.loads((run_dir / "summary.json").read_text())
    d = summary["diagnostics"]
    out["diagnostics"] = {"divergences": d["divergences"], "rhat_max": round(d["rhat_max"], 4),
                          "ess_bulk_min": round(d["ess_bulk_min"], 1),
                          "ess_tail_min": round(d["ess_tail_min"], 1),
                          "arrival_year_ess_bulk": summary["arrival_year"]["ess_bulk"]}
    return out


def end_to_end_targets(seed: int) -> dict:
    """The issue's end-to-end targets, measured: `oomcast run` with empty PyTensor and numba
    caches (cold, a fresh machine), then again on the caches it left (warm); whether the two
    summary.json files are byte-identical; the peak memory of either; the diagnostics."""
    with tempfile.TemporaryDirectory(prefix="oomcast-bench-targets-") as tmp:
        tmp = Path(tmp)
        env = os.environ | {"PYTENSOR_FLAGS": f"base_compiledir={tmp / 'pytensor'}",
                            "NUMBA_CACHE_DIR": str(tmp / "numba")}
        cold = _one_run(tmp / "cold", seed, env)
        warm = _one_run(tmp / "warm", seed, env)
        identical = all(r["exit_status"] == 0 for r in (cold, warm)) and (
            (tmp / "cold" / "summary.json").read_bytes()
            == (tmp / "warm" / "summary.json").read_bytes())
    diag = warm.get("diagnostics", {})
    peak = max(cold.get("peak_rss_mb", float("inf")), warm.get("peak_rss_mb", float("inf")))
    met = {
        "warm_wall_s": warm["wall_s"] <= TARGETS["warm_wall_s"],
        "cold_wall_s": cold["wall_s"] <= TARGETS["cold_wall_s"],
        "peak_rss_mb": peak < TARGETS["peak_rss_mb"],
        "diagnostics": bool(diag) and diag["divergences"] == 0
        and diag["rhat_max"] <= TARGETS["rhat_max"]
        and min(diag["ess_bulk_min"], diag["ess_tail_min"],
                diag["arrival_year_ess_bulk"]) >= TARGETS["ess_min"],
        "summary_json_identical_cold_warm": identical}
    return {"cold": cold, "warm": warm, "summary_json_identical_cold_warm": identical,
            "targets": TARGETS, "met": met}


def sweep_refit(seed: int) -> dict:
    """One refit as `oomcast sweep` runs it (model/studies/sweep.py `_refit`): `fit` of the
    default scenario at the run's default settings on ONE core, after a 10-draw fit in this
    process has loaded (or filled) the compile caches. Wall time of the fit, its sampling
    phase, leapfrog steps per draw and whether it passes the gate."""
    from model.inference import SamplerSettings, diagnostics, fit

    scenario, obs = _observations()
    fit(obs, scenario, SamplerSettings(draws=10, tune=10, chains=1, cores=1, seed=seed))
    settings = SamplerSettings(cores=1, seed=seed)
    start = time.perf_counter()
    idata = fit(obs, scenario, settings)
    wall = time.perf_counter() - start
    diag = diagnostics(idata, scenario.horizon_year)
    return {"settings": f"{settings.chains} x {settings.draws} + {settings.tune}, target_accept "
                        f"{settings.target_accept}, one core, {settings.compile_mode}",
            "refit_wall_s": round(wall, 1),
            "sample_wall_s": float(idata.posterior.attrs["oomcast_sample_wall_s"]),
            "leapfrog_steps_per_draw": round(float(idata.sample_stats["n_steps"].mean()), 1),
            "gate_passed": bool(diag["converged"])}


def _section(report: dict, name: str, fn, *args):
    """report[name] = fn(*args), or the error: one failing measurement never loses the rest.
    Progress goes to stderr (the JSON alone to stdout)."""
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        report[name] = fn(*args)
    except ImportError as exc:
        report[name] = {"skipped": f"not installed ({exc.name})"}
    except Exception as exc:  # noqa: BLE001 - recorded in the JSON, the bench goes on
        report[name] = {"error": f"{type(exc).__name__}: {exc}"}
    print(f"bench: {name} done in {time.perf_counter() - start:.0f} s", file=sys.stderr,
          flush=True)
    return report[name]


def _emit(report: dict, out: Path | None) -> int:
    """Print the report as JSON (and write it to `out`); the exit status."""
    text = json.dumps(report, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short chains (for a smoke test)")
    ap.add_argument("--samplers", default="nutpie",
                    help="samplers compared with PyMC's (which the end-to-end run measures), "
                         "comma-separated: nutpie, pymc-numba (PyMC's NUTS on PyTensor's numba "
                         "backend), numpyro (not a dependency: skipped, saying so, where it is "
                         "not installed); each adds ~1 minute")
    ap.add_argument("--baseline-draws", type=int, default=100,
                    help="draws (= tuning steps) per chain of the sampled-requirement baseline, "
                         "which is ~10x slower per draw (default 100)")
    ap.add_argument("--compare-draws", type=int, default=200,
                    help="draws (= tuning steps) per chain for the compared samplers and the "
                         "baseline: ESS per second is a rate, so short runs keep the bench "
                         "near 5 minutes (default 200)")
    ap.add_argument("--deferred-only", action="store_true",
                    help="with --gains: only the deferred-groups route (deferred_groups())")
    ap.add_argument("--gains", action="store_true",
                    help="only each route's before/after ratio, in this process (geometry: "
                         "build.SAMPLED_AS; backend: C against NUMBA); see gains()")
    ap.add_argument("--gains-draws", type=int, default=500,
                    help="draws (= tuning steps) per chain for --gains (default 500)")
    ap.add_argument("--gains-seeds", default="1,2",
                    help="comma-separated seeds for --gains' geometry fits (default 1,2)")
    ap.add_argument("--targets", action="store_true",
                    help="only the issue's end-to-end targets: a cold then a warm `oomcast run`")
    ap.add_argument("--refit", action="store_true",
                    help="only one sweep refit as `oomcast sweep` runs it (sweep_refit())")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    import logging

    for name in ("pymc", "pymc.stats.convergence", "numba", "jax"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if args.gains or args.targets or args.refit:
        start = time.perf_counter()
        report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                              "load_average_1min_at_start": round(os.getloadavg()[0], 2)}}
        if args.targets:
            report["targets"] = end_to_end_targets(20231)
        elif args.refit:
            report["sweep_refit"] = sweep_refit(20231)
        elif args.deferred_only:
            report["gains"] = {"deferred_groups": deferred_groups(
                args.gains_draws, int(args.gains_seeds.split(",")[0]))}
        else:
            scenario, obs = _observations()
            report["gains"] = gains(scenario, obs, args.gains_draws,
                                    [int(x) for x in args.gains_seeds.split(",")])
        report["bench_wall_s"] = round(time.perf_counter() - start, 1)
        return _emit(report, args.out)
    n = 100 if args.quick else args.compare_draws
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
              "settings": {"run": "oomcast run defaults",
                           "compared_samplers": f"4 x {n} + {n} tuning"}}
    bench_start = time.perf_counter()
    compiledir = tempfile.mkdtemp(prefix="oomcast-bench-compiledir-")
    try:
        cold_proc = start_cold_compile(compiledir)
        _section(report, "import", import_times)
        scenario, obs = _observations()
        _section(report, "gradient_scaling", gradient_scaling, scenario, obs)
        _section(report, "numpy_paths",
                 lambda: solver_and_prior_only(scenario) | summary_scaling(scenario))
        _section(report, "compile", compile_times, cold_proc, compiledir)
    finally:
        shutil.rmtree(compiledir, ignore_errors=True)
    samplers = {}
    if not args.quick:
        e2e = _section(report, "end_to_end", end_to_end, 20231)
        if "pymc_in_run" in e2e:
            samplers["pymc"] = e2e.pop("pymc_in_run")
    for name in args.samplers.split(","):
        runner = (lambda: sample_numpyro(scenario, obs, n, n, 4, 20231)) if name == "numpyro" \
            else (lambda name=name: sample_with(name, scenario, obs, n, n, 4, 20231))
        samplers[name] = _section(report, f"sampler_{name}", runner)
        report.pop(f"sampler_{name}")
    report["sampling"] = samplers
    nb = 50 if args.quick else args.baseline_draws
    report["settings"]["baseline"] = f"4 x {nb} + {nb} tuning"
    baseline = _section(report, "baseline_sampled_requirement", sample_with, "pymc", scenario,
                        obs, nb, nb, 4, 20231, "sampled")
    marg = samplers.get("pymc", {})
    if "ess_bulk_per_s_slowest" in marg and "ess_bulk_per_s_slowest" in baseline:
        report["marginalisation_gain"] = {
            "ess_per_s_slowest_ratio": round(marg["ess_bulk_per_s_slowest"]
                                             / max(baseline["ess_bulk_per_s_slowest"], 1e-9), 2),
            "ess_per_s_arrival_year_ratio": round(
                marg["ess_bulk_per_s_arrival_year"]
                / max(baseline["ess_bulk_per_s_arrival_year"], 1e-9), 2)}
    report["peak_rss_self_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                       1)
    report["bench_wall_s"] = round(time.perf_counter() - bench_start, 1)
    return _emit(report, args.out)


if __name__ == "__main__":
    sys.exit(main())
