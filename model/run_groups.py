"""The groups of a run that only some commands need: computed on first use, kept in derived.nc.

`oomcast run` writes posterior.nc without them (issue 15: they took ~40% of a warm run's wall
time and ~19 s of a cold compile). The first command that needs one calls `ensure_groups`:

    log_likelihood    log p(y_i | theta_s) per observation i and posterior draw s
                      (pm.compute_log_likelihood)                      ppc (LOO-PIT), sensitivity
    log_prior         log p(theta_s) per fitted parameter, no Jacobians
                      (pm.compute_log_prior)            sensitivity, rundir's changed-scenario check
    prior,            theta ~ p(theta) and y ~ p(y | theta), prior_draws of the run's sampler
    prior_predictive  settings (pm.sample_prior_predictive, seed PRIOR_PREDICTIVE_SEED_OFFSET +
                      the run's seed)                                  publish (prior lines)

The model is rebuilt as `oomcast run` built it: build_model(prepare_observations(data, scenario,
cutoff), scenario) from the run's recorded scenario file (its SHA-256 must equal the recorded
one), data (every stream's SHA-256 must equal the recorded one) and cutoff; anything else is a
RunGroupsError naming the file. The log densities are deterministic functions of the stored
draws, and the prior predictive's seed derives from the run's seed, so a deferred group has the
same values whenever and wherever it is computed (tests/test_run_groups.py).

Storage: RUN_DIR/derived.nc (netCDF through h5netcdf; never a pickle). Every group's attrs record
    oomcast_posterior_sha256   SHA-256 of the posterior.nc it was computed from (the gate's
                               marker records the same hash, model/output_dir.py)
    oomcast_group_sha256       `content_sha256` of the group's values, dims and coords
A group whose first record is not the run's posterior.nc (the run was overwritten, the file
copied from another run) or whose second does not match its contents (edited) is never used: a
one-line note goes to stderr and the group is computed again. posterior.nc and summary.json
(RUN_FILES, hashed by the gate) are never touched, so the gate still verifies.

Writes are atomic: a temporary file in the run folder (`.derived.nc.PID-HEX.tmp`), then
os.replace, so a reader sees the old file or the new one, never a partial one. An error or an
interrupt (Ctrl-C or SIGTERM, which model/interrupts.py turns into an exception) removes the
temporary file; one left by a killed (SIGKILL) writer is removed by the next writer. Two
commands racing on one run each write a complete file and the last replace wins; neither can
corrupt it. Each writer first merges the valid groups the file on disk holds, so the loser's
groups are at worst computed again by a later command.

Old runs whose posterior.nc still holds a group use it as it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: The file beside posterior.nc that holds the deferred groups.
DERIVED_FILE = "derived.nc"
#: Groups a command may ask for; "prior" and "prior_predictive" are computed together.
DEFERRED_GROUPS = ("log_likelihood", "log_prior", "prior", "prior_predictive")
#: The prior predictive's seed is the run's seed plus this (what `oomcast run` used before).
PRIOR_PREDICTIVE_SEED_OFFSET = 1
POSTERIOR_SHA_ATTR = "oomcast_posterior_sha256"
GROUP_SHA_ATTR = "oomcast_group_sha256"
_TMP_RE = re.compile(re.escape(f".{DERIVED_FILE}.") + r"(\d+)-[0-9a-f]+\.tmp")


class RunGroupsError(ValueError):
    """A deferred group cannot be computed (one line naming the file and the reason)."""


def prior_predictive_seed(run_seed: int) -> int:
    return int(run_seed) + PRIOR_PREDICTIVE_SEED_OFFSET


def ensure_groups(run_dir: Path | str, needed, idata=None, scenario=None, data_dir=None,
                  phases=None):
    """The run's InferenceData with every group in `needed` (DEFERRED_GROUPS) present.

    A group comes from posterior.nc when it is there (old runs), else from a valid derived.nc,
    else it is computed and derived.nc rewritten. `idata` (the run's posterior.nc, already
    verified) is extended in place and returned; when None, the run is loaded and verified
    (model/run_integrity.py). `scenario` defaults to the run's recorded scenario file. The wall
    time of each step goes into `phases` (model/phases.py PhaseTimes) when given."""
    from model.run_integrity import RunIntegrityError, load_verified_run

    run_dir = Path(run_dir)
    needed = _expand(needed)
    if idata is None:
        try:
            _, idata = load_verified_run(run_dir)
        except RunIntegrityError as exc:
            raise RunGroupsError(str(exc)) from None
    missing = [g for g in needed if g not in idata.groups()]
    if not missing:
        return idata
    posterior_sha = recorded_posterior_sha256(run_dir)
    stored = read_derived(run_dir, posterior_sha)
    compute = [g for g in missing if g not in stored]
    if compute:
        stored.update(compute_groups(run_dir, idata, compute, scenario, data_dir, phases))
        try:
            with _phase(phases, "write_derived"):
                write_derived(run_dir, posterior_sha, stored)
        except OSError as exc:  # a read-only run folder: use the groups unsaved
            print(f"oomcast: note: {run_dir / DERIVED_FILE} not written "
                  f"({exc.strerror or exc}); computed groups used unsaved", file=sys.stderr)
    idata.add_groups({g: stored[g] for g in missing})
    return idata


def stored_groups(run_dir: Path | str, idata) -> set[str]:
    """Deferred groups available without computing: in posterior.nc or a valid derived.nc."""
    have = {g for g in DEFERRED_GROUPS if g in idata.groups()}
    if have == set(DEFERRED_GROUPS):
        return have
    return have | set(read_derived(Path(run_dir), recorded_posterior_sha256(run_dir), quiet=True))


def _expand(needed) -> list[str]:
    needed = [needed] if isinstance(needed, str) else list(needed)
    unknown = [g for g in needed if g not in DEFERRED_GROUPS]
    if unknown:
        raise ValueError(f"not a deferred group: {', '.join(unknown)} (one of "
                         f"{', '.join(DEFERRED_GROUPS)})")
    if "prior" in needed or "prior_predictive" in needed:
        needed += [g for g in ("prior", "prior_predictive") if g not in needed]
    return needed


def recorded_posterior_sha256(run_dir: Path | str) -> str:
    """SHA-256 of posterior.nc as the run's marker records it (the gate checks the file)."""
    from model.output_dir import MARKER_NAME, read_marker

    marker = read_marker(Path(run_dir)) or {}
    sha = (marker.get("files_sha256") or {}).get("posterior.nc")
    if not isinstance(sha, str):
        raise RunGroupsError(f"{Path(run_dir) / MARKER_NAME}: records no SHA-256 of "
                             "posterior.nc")
    return sha


def content_sha256(ds) -> str:
    """SHA-256 of a group's data variables (name, dims, dtype, shape, bytes) and coordinates
    (name, values as text), in sorted order; attrs are not covered."""
    h = hashlib.sha256()
    for name in sorted(ds.data_vars):
        v = ds[name]
        values = np.ascontiguousarray(v.to_numpy())
        h.update(json.dumps([name, list(v.dims), str(values.dtype), list(values.shape)])
                 .encode())
        h.update(values.tobytes())
    for name in sorted(ds.coords):
        h.update(json.dumps([name, [str(x) for x in np.asarray(ds[name].values).ravel()]])
                 .encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------- reading


def read_derived(run_dir: Path, posterior_sha: str, quiet: bool = False) -> dict:
    """{group: Dataset} of RUN_DIR/derived.nc's valid groups (module docstring), loaded into
    memory; {} when the file is absent. Invalid groups are left out with a note on stderr."""
    path = Path(run_dir) / DERIVED_FILE
    if not path.is_file():
        return {}
    groups, problems = _open_derived(path)
    out = {}
    for name, ds in groups.items():
        problem = group_problem(ds, posterior_sha)
        if problem:
            problems.append(f"{name}: {problem}")
        else:
            out[name] = ds
    if problems and not quiet:
        print(f"oomcast: note: {path}: not used ({'; '.join(problems)}); computing it again",
              file=sys.stderr)
    return out


def _open_derived(path: Path) -> tuple[dict, list[str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz as az

        try:
            idata = az.from_netcdf(str(path), engine="h5netcdf")
            groups = {g: idata[g].load() for g in idata.groups() if g in DEFERRED_GROUPS}
        except Exception as exc:  # noqa: BLE001 - an unreadable file is recomputed, not trusted
            return {}, [f"cannot be read ({type(exc).__name__})"]
    return groups, []


def group_problem(ds, posterior_sha: str) -> str | None:
    """Why a stored group may not be used (None when it may)."""
    if ds.attrs.get(POSTERIOR_SHA_ATTR) != posterior_sha:
        return "computed from another posterior.nc"
    if ds.attrs.get(GROUP_SHA_ATTR) != content_sha256(ds):
        return "its contents changed since it was written"
    return None


# ---------------------------------------------------------------------------- computing


def compute_groups(run_dir: Path, idata, groups, scenario=None, data_dir=None,
                   phases=None) -> dict:
    """{group: Dataset} of `groups` for the run, from its rebuilt model (module docstring);
    phases "rebuild_model", "log_likelihood_and_prior" and "prior_predictive" timed into
    `phases` when given (the last two are what `oomcast run` used to spend on them)."""
    import pymc as pm

    groups = _expand(groups)
    attrs = idata.posterior.attrs
    with _phase(phases, "rebuild_model"):
        model = rebuild_model(run_dir, attrs, scenario, data_dir)
    posterior = _posterior_only(idata)
    out = {}
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        with _phase(phases, "log_likelihood_and_prior"):
            if "log_likelihood" in groups:
                out["log_likelihood"] = pm.compute_log_likelihood(
                    posterior, extend_inferencedata=False, progressbar=False)
            if "log_prior" in groups:
                out["log_prior"] = pm.compute_log_prior(posterior, extend_inferencedata=False,
                                                        progressbar=False)
        if "prior" in groups:
            seed = prior_predictive_seed(attrs["oomcast_seed"])
            draws = _prior_draws(attrs)
            with _phase(phases, "prior_predictive"), _quiet_pymc():
                prior = pm.sample_prior_predictive(draws=draws, random_seed=seed)
            for name in ("prior", "prior_predictive"):
                out[name] = prior[name]
                out[name].attrs["oomcast_prior_predictive_seed"] = seed
                out[name].attrs["oomcast_prior_draws"] = draws
    return out


@contextmanager
def _quiet_pymc():
    """PyMC logs the list of sampled variables ("Sampling: [...]") on stderr: a command's
    stderr is kept to its own one-line messages."""
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _phase(phases, name: str):
    from contextlib import nullcontext

    return nullcontext() if phases is None else phases.phase(name)


def _posterior_only(idata):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz as az

    return az.InferenceData(posterior=idata.posterior)


def _prior_draws(attrs) -> int:
    from model.inference import SamplerSettings

    settings = json.loads(attrs.get("oomcast_sampler_settings") or "{}")
    return int(settings.get("prior_draws", SamplerSettings.prior_draws))


def rebuild_model(run_dir: Path, attrs, scenario=None, data_dir=None):
    """The run's PyMC model from its recorded scenario, data and cutoff (RunGroupsError when the
    scenario file or the data no longer hash to the recorded values)."""
    from model import data as data_mod
    from model.build import build_model, prepare_observations
    from model.scenario import load_scenario

    for key in ("oomcast_scenario_path", "oomcast_scenario_sha256", "oomcast_data_sha256",
                "oomcast_cutoff_year", "oomcast_seed"):
        if key not in attrs:
            raise RunGroupsError(f"{run_dir / 'posterior.nc'}: attrs lack {key} (not written by "
                                 "`oomcast run`?)")
    if scenario is None:
        path = Path(attrs["oomcast_scenario_path"])
        if not path.is_file():
            raise RunGroupsError(f"{run_dir}: its scenario file {path} is not there: the model "
                                 "cannot be rebuilt to compute the deferred groups")
        scenario = load_scenario(path)
    if scenario.sha256 != attrs["oomcast_scenario_sha256"]:
        raise RunGroupsError(f"{run_dir}: scenario file {scenario.path} changed since the run "
                             f"(SHA-256 {scenario.sha256[:12]}... vs "
                             f"{attrs['oomcast_scenario_sha256'][:12]}...): the run's model "
                             "cannot be rebuilt; restore the file or re-run")
    data_dir = Path(data_dir) if data_dir else data_mod.DATA_DIR
    streams = data_mod.load_all(data_dir)
    recorded = json.loads(attrs["oomcast_data_sha256"])
    now = data_mod.data_hashes(streams)
    changed = sorted(k for k in set(now) | set(recorded) if now.get(k) != recorded.get(k))
    if changed:
        raise RunGroupsError(f"{run_dir}: the data in {data_dir} are not the data of this run "
                             f"({', '.join(changed)} differ): the run's model cannot be rebuilt")
    obs = prepare_observations({k: s.table for k, s in streams.items()}, scenario,
                               float(attrs["oomcast_cutoff_year"]))
    return build_model(obs, scenario)


# ---------------------------------------------------------------------------- writing


def write_derived(run_dir: Path, posterior_sha: str, groups: dict) -> Path:
    """Write `groups` (merged with the valid groups on disk now) to RUN_DIR/derived.nc
    atomically (module docstring); returns its path."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz as az

    from model.interrupts import raise_if_interrupted

    run_dir = Path(run_dir)
    _remove_dead_writers_files(run_dir)
    on_disk = read_derived(run_dir, posterior_sha, quiet=True)
    merged = {**on_disk, **groups}
    for ds in merged.values():
        ds.attrs[POSTERIOR_SHA_ATTR] = posterior_sha
        ds.attrs[GROUP_SHA_ATTR] = content_sha256(ds)
    final = run_dir / DERIVED_FILE
    tmp = run_dir / f".{DERIVED_FILE}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            az.InferenceData(**{g: merged[g] for g in DEFERRED_GROUPS if g in merged}) \
                .to_netcdf(str(tmp), engine="h5netcdf")
        raise_if_interrupted()  # a Ctrl-C some library swallowed while writing
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final


def _remove_dead_writers_files(run_dir: Path) -> None:
    from model.output_dir import _pid_alive

    for p in run_dir.glob(f".{DERIVED_FILE}.*.tmp"):
        m = _TMP_RE.fullmatch(p.name)
        if m and not _pid_alive(int(m.group(1))):
            p.unlink(missing_ok=True)
