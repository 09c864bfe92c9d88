"""A finished run directory, loaded for a study, with the scenario it was fitted to.

A run stores its scenario's path and SHA-256 (posterior.nc attrs); the scenario file is read
again and must still hash to the same value, since studies reweight the run with that scenario's
prior densities. Per-draw parameters come out flat, in (chain, draw) order: the order of
`posterior.stack(sample=("chain", "draw"))`, which every study uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.scenario import Scenario, load_scenario


class RunDirError(ValueError):
    """The run directory is missing, incomplete, or its scenario file changed."""


@dataclass(frozen=True)
class LoadedRun:
    path: Path
    idata: object  # arviz.InferenceData
    scenario: Scenario
    cutoff_year: float
    seed: int
    data_sha256: dict
    attrs: dict

    @property
    def n_chains(self) -> int:
        return int(self.idata.posterior.sizes["chain"])

    @property
    def n_draws(self) -> int:
        return int(self.idata.posterior.sizes["draw"])

    def flat(self, name: str, group: str = "posterior") -> np.ndarray:
        """(sample, *extra dims) array of one variable, samples in (chain, draw) order."""
        return flatten(self.idata[group][name])

    def forecast_params(self) -> dict[str, np.ndarray]:
        """Flat per-draw parameters of the run's own forecast: the fitted ones the projection
        reads, the projection-only draws stored by add_forecast, and the softness."""
        from model.studies.sweep import FORECAST_FITTED

        post = self.idata.posterior
        n = self.n_chains * self.n_draws
        params = {name: self.flat(name) for name in FORECAST_FITTED if name in post}
        for name in self.scenario.projection_only():
            params[name] = self.flat(name)
        for name, prior in self.scenario.fitted().items():
            if name not in params and name in FORECAST_FITTED:
                params[name] = prior.dist.sample(np.random.default_rng(0), n)
        return params

    def arrival_cdf(self) -> tuple[np.ndarray, np.ndarray]:
        """(grid years, per-draw arrival CDFs (chain, draw, grid)): the run's Rao-Blackwellised
        estimator (model/forecast.py), as `oomcast run` computes its summary."""
        from model.forecast import arrival_cdf_by_draw, arrival_grid_years
        from model.summary import REPORT_YEARS

        grid = arrival_grid_years(self.cutoff_year, self.scenario.horizon_year, REPORT_YEARS)
        cdf = arrival_cdf_by_draw(self.forecast_params(), self.scenario, self.cutoff_year, grid)
        return grid, cdf.reshape(self.n_chains, self.n_draws, grid.size)

    def summary(self, weights=None, cdf=None) -> dict:
        """model/summary.py numbers of the run's arrival year (optionally importance-weighted)."""
        from model.summary import summarize_arrival

        grid, cdf = cdf if cdf is not None else self.arrival_cdf()
        return summarize_arrival(self.idata.posterior["arrival_year"].to_numpy(),
                                 self.scenario.horizon_year, weights=weights, cdf_by_draw=cdf,
                                 grid_years=grid)

    def caption(self) -> str:
        return (f"run {self.path.name} · scenario {self.scenario.name} "
                f"({self.scenario.sha256[:10]}) · data cutoff {self.cutoff_year:.2f} · "
                f"{self.n_chains}x{self.n_draws} draws · commit "
                f"{str(self.attrs.get('oomcast_git_commit', 'unknown'))[:10]}")


def flatten(var) -> np.ndarray:
    extra = [d for d in var.dims if d not in ("chain", "draw")]
    return var.stack(sample=("chain", "draw")).transpose("sample", *extra).to_numpy()


def _same_densities(scenario: Scenario, idata) -> bool:
    """A scenario whose text changed (comments, sources, elicitation notes) may still define the
    run's model: every fitted prior must reproduce the stored log_prior (computed while the file
    was unchanged: posterior.nc of an old run, or derived.nc), and every projection-only draw must
    lie in its prior's support. Cheap, and strict enough to catch a changed density."""
    import numpy as np

    from model.studies.sensitivity import log_prior_terms

    post, stored = idata.posterior, idata.log_prior
    try:
        recomputed = log_prior_terms(post, scenario)
    except (KeyError, ValueError):
        return False
    for name, values in recomputed.items():
        if name not in stored or not np.allclose(values, _sum_extra(stored[name]), atol=1e-6):
            return False
    return set(recomputed) == set(stored.data_vars)


def _sum_extra(var):
    extra = [d for d in var.dims if d not in ("chain", "draw")]
    return (var.sum(extra) if extra else var).transpose("chain", "draw").to_numpy()


def load_run(run_dir: Path | str, scenario_path: Path | str | None = None,
             groups: tuple[str, ...] = (), data_dir: Path | str | None = None) -> LoadedRun:
    """Load RUN_DIR/posterior.nc and its scenario (optionally from another path, same hash),
    with the deferred `groups` the caller needs (model/run_groups.py: computed on first use
    from the run's model, rebuilt with the data in `data_dir`, default data/)."""
    from model.run_groups import RunGroupsError, ensure_groups, stored_groups
    from model.run_integrity import RunIntegrityError, load_verified_run

    run_dir = Path(run_dir)
    try:
        nc, idata = load_verified_run(run_dir)  # hashes, groups, attrs, finite arrival draws
    except RunIntegrityError as exc:
        raise RunDirError(str(exc)) from None
    attrs = dict(idata.posterior.attrs)
    for key in ("oomcast_scenario_path", "oomcast_scenario_sha256", "oomcast_cutoff_year",
                "oomcast_seed", "oomcast_data_sha256"):
        if key not in attrs:
            raise RunDirError(f"{nc}: attrs lack {key} (not written by `oomcast run`?)")
    path = Path(scenario_path or attrs["oomcast_scenario_path"])
    if not path.is_file():
        raise RunDirError(f"{run_dir}: its scenario file {path} is not there; pass the scenario "
                          f"(same SHA-256 {attrs['oomcast_scenario_sha256'][:12]}...)")
    scenario = load_scenario(path)
    try:
        if scenario.sha256 != attrs["oomcast_scenario_sha256"]:
            # the stored log_prior is the only record of the run's priors; computing it now
            # would use the changed file and prove nothing
            if "log_prior" not in stored_groups(run_dir, idata):
                raise RunDirError(
                    f"{run_dir}: scenario file {path} changed since the run (SHA-256 "
                    f"{scenario.sha256[:12]}... vs {attrs['oomcast_scenario_sha256'][:12]}...) "
                    "and the run has no stored log_prior to check its priors against: restore "
                    "the file or re-run")
            ensure_groups(run_dir, ("log_prior",), idata)
            if not _same_densities(scenario, idata):
                raise RunDirError(
                    f"{run_dir}: scenario file {path} changed since the run (SHA-256 "
                    f"{scenario.sha256[:12]}... vs {attrs['oomcast_scenario_sha256'][:12]}...) "
                    "and so did its priors: re-run it, or keep published scenarios immutable")
        if groups:
            ensure_groups(run_dir, groups, idata, scenario=scenario, data_dir=data_dir)
    except RunGroupsError as exc:
        raise RunDirError(str(exc)) from None
    return LoadedRun(path=run_dir, idata=idata, scenario=scenario,
                     cutoff_year=float(attrs["oomcast_cutoff_year"]),
                     seed=int(attrs["oomcast_seed"]),
                     data_sha256=json.loads(attrs["oomcast_data_sha256"]), attrs=attrs)
