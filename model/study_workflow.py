"""`oomcast sensitivity`, `oomcast sweep` and `oomcast compare` end to end.

Computation lives in model/studies/ and drawing in model/report/study_figures.py; this module
loads, calls both and writes the outputs atomically (a temporary name in the same folder, then
os.replace), so a crash never leaves a half-written file that a reader such as `oomcast publish`
could pick up.

    sensitivity(RUN_DIR)  -> RUN_DIR/sensitivity.json, RUN_DIR/sensitivity.png
    sweep(SPEC)           -> OUT/sweep.csv, sweep.json, tornado.png, cdfs.png (OUT replaced whole)
    compare(RUN_DIR...)   -> one PNG of the runs' arrival CDFs overlaid
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.output_dir import (
    check_output_dir,
    check_output_file,
    safe_component,
    staged_dir,
    verify_hashes,
)
from model.report.study_figures import (
    cdf_overlay_figure,
    power_scaled_arrival_figure,
    scenario_colour,
    tornado_figure,
)
from model.run_integrity import PRIOR_ONLY_FILES
from model.studies import sensitivity as sens
from model.studies import sweep as sw
from model.studies.cache import DEFAULT_CACHE_DIR, ResultCache, content_hash, file_sha256
from model.studies.executor import Outcome, Task, map_cached
from model.studies.rundir import LoadedRun, load_run


class StudyError(ValueError):
    """A study cannot start: bad run directory, spec or data (a clean one-line message)."""


# ---------------------------------------------------------------------------- atomic writes


def _atomic_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_figure(path: Path, draw, *args, **kwargs) -> None:
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        draw(*args, path=tmp, **kwargs)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _median(summary: dict) -> float | None:
    return None if summary["median"]["after_horizon"] else summary["median"]["value"]


def _load(run_dir, groups: tuple[str, ...] = ()) -> LoadedRun:
    """The run with the deferred `groups` it needs (model/run_groups.py)."""
    from model.studies.rundir import RunDirError

    try:
        return load_run(run_dir, groups=groups)
    except RunDirError as exc:
        raise StudyError(str(exc)) from None


# ---------------------------------------------------------------------------- sensitivity


@dataclass(frozen=True)
class SensitivityResult:
    document: dict
    json_path: Path
    png_path: Path


COMPONENT_LABELS = {"prior": "prior (all fitted)", "likelihood": "likelihood (all streams)",
                    "prior:requirement": "requirement: 'no AGI yet' softness",
                    "prior:requirement_density": "requirement: anchor density p(R)",
                    "prior:requirement_weights": "requirement: anchor weights (Dirichlet)"}


def sensitivity(run_dir: Path | str) -> SensitivityResult:
    run = _load(run_dir, groups=("log_prior", "log_likelihood"))
    inputs = sens.run_inputs(run)
    results = sens.power_scaling(inputs)
    grid, cdf = run.arrival_cdf()
    scaled = sens.power_scaled_arrival(run, inputs, summarize=lambda w: run.summary(w, (grid,
                                                                                        cdf)))
    scaled_req = sens.power_scaled_requirement(run, inputs)
    doc = sens.sensitivity_document(run, results, inputs, scaled, scaled_req)
    flat = cdf.reshape(-1, grid.size)
    curves = [{"alpha": a, "cdf": w @ flat, "pareto_k": k, "flag": f, "median": _median(s)}
              for a, w, k, f, s in zip(scaled["alphas"], scaled["weights"], scaled["pareto_k"],
                                       scaled["pareto_k_flag"], scaled["summaries"],
                                       strict=True)]
    bars = []
    for comp in doc["components"]:
        label = COMPONENT_LABELS.get(comp["id"]) or comp["id"].split(":", 1)[1]
        if comp["scope"] == "stream":
            label = "data: " + label
        bars.append({"label": label, "kind": comp["kind"], "flag": comp["pareto_k_flag"],
                     "sensitivity": doc["sensitivity"][comp["id"]]["arrival_year"]})
    run_dir = Path(run_dir)
    json_path, png_path = run_dir / "sensitivity.json", run_dir / "sensitivity.png"
    _atomic_figure(png_path, power_scaled_arrival_figure, grid, curves, bars, sens.THRESHOLD,
                   run.cutoff_year, run.scenario.horizon_year,
                   title=f"Power-scaling sensitivity of the arrival year, scenario "
                         f"'{run.scenario.name}'",
                   caption=f"oomcast sensitivity · {run.caption()} · Kallioinen et al. 2023, "
                           "delta 0.01, PSIS weights", caveat=REQUIREMENT_CAVEAT)
    if scaled_req:
        _requirement_sensitivity_figure(run, doc, scaled_req,
                                        run_dir / REQUIREMENT_SENSITIVITY_FIGURE)
    _atomic_text(json_path, json.dumps(doc, indent=2, sort_keys=False, allow_nan=False) + "\n")
    return SensitivityResult(doc, json_path, png_path)


#: The requirement's power-scaling figure, written beside sensitivity.png.
REQUIREMENT_SENSITIVITY_FIGURE = "sensitivity_requirement.png"


def _requirement_sensitivity_figure(run, doc: dict, scaled_req: dict, path: Path) -> None:
    """sensitivity_requirement.png: the arrival CDF (weighted arrival draws counted) with the
    requirement's density, and its weights, power-scaled by each alpha."""
    from model.report.requirement_figures import power_scaled_requirement_figure

    years = np.arange(np.floor(run.cutoff_year), run.scenario.horizon_year + 0.01, 0.25)
    arrival = run.idata.posterior["arrival_year"].to_numpy().ravel()
    below = arrival[:, None] <= years[None, :]
    panels = []
    for cid, entry in scaled_req.items():
        curves = [{"alpha": a, "cdf": w @ below, "pareto_k": k, "median": _median(s)}
                  for a, w, k, s in zip(entry["alphas"], entry["weights"], entry["pareto_k"],
                                        entry["summaries"], strict=True)]
        panels.append({"label": COMPONENT_LABELS[cid], "curves": curves,
                       "sensitivity": doc["sensitivity"][cid]["arrival_year"]})
    _atomic_figure(path, power_scaled_requirement_figure, years, panels,
                   title=f"Power-scaling the requirement, scenario '{run.scenario.name}'",
                   caption=f"oomcast sensitivity · {run.caption()} · importance weights on "
                           "(theta, R) draws, arrival draws counted")


#: What power-scaling cannot see, written on sensitivity.png and under the CLI table: a low
#: number for the requirement is not evidence that the requirement does not matter.
REQUIREMENT_CAVEAT = (
    "the requirement is power-scaled through each draw's exact R (anchor density) and, with a "
    "Dirichlet, its weights (sensitivity_requirement.png); power-scaling cannot see uniform "
    "priors, hard bounds or a change of the anchors themselves: measure those with scenario "
    "sweeps (oomcast sweep, tornado.png).")


def format_sensitivity(doc: dict) -> str:
    """Plain-text table: per quantity, prior and likelihood sensitivity and the diagnosis."""
    lines = [f"power-scaling sensitivity (CJS, threshold {doc['method']['threshold']}), "
             f"scenario {doc['run']['scenario']}:",
             f"  {'quantity':46s} {'prior':>7s} {'likel.':>7s}  diagnosis"]
    for q, d in doc["diagnosis"].items():
        lines.append(f"  {q:46s} {d['prior']:7.3f} {d['likelihood']:7.3f}  {d['label']}")
    lines.append("arrival year, by prior block:")
    for r in doc["ranking"]["arrival_year"]:
        lines.append(f"  {r['component']:46s} {r['sensitivity']:7.3f}")
    flagged = [f"{c['id']} (k-hat {c['pareto_k']:.2f}, max weight ratio "
               f"{c['max_weight_ratio']:.3g})" for c in doc["components"] if c["pareto_k_flag"]]
    if flagged:
        lines.append("Pareto k-hat > 0.7 (unreliable): " + ", ".join(flagged))
    lines.append("caveat: " + REQUIREMENT_CAVEAT)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- sweep


@dataclass(frozen=True)
class SweepResult:
    out_dir: Path
    outcomes: list[Outcome]
    rows: list[dict]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def _prepare_payloads(variants, run: LoadedRun, sampler: dict, refit_all: bool, grid,
                      data_dir) -> tuple[list, dict]:
    from model import data as data_mod
    from model.build import prepare_observations
    from model.scenario import parse_scenario

    streams = data_mod.load_all(data_dir or data_mod.DATA_DIR)
    hashes = data_mod.data_hashes(streams)
    changed = sorted(k for k in set(hashes) | set(run.data_sha256)
                     if hashes.get(k) != run.data_sha256.get(k))
    if changed:
        raise StudyError(f"{run.path} was fitted on data that differ from the data now "
                         f"({', '.join(changed)}): re-run it before sweeping, so that reweighted "
                         "and refitted variants condition on the same data")
    tables = {k: s.table for k, s in streams.items()}
    payloads = []
    for v in variants:
        obs, err = None, None
        scenario = parse_scenario(v.scenario_text, Path(v.label))
        try:
            obs = prepare_observations(tables, scenario, run.cutoff_year)
        except ValueError as exc:
            err = f"{type(exc).__name__}: {exc}"
        payloads.append(sw.VariantPayload(variant=v, obs=obs, obs_error=err, sampler=sampler,
                                          force_refit=refit_all or v.force_refit,
                                          grid_years=grid(scenario.horizon_year)))
    return payloads, hashes


def sweep(spec_path: Path | str, run_dir: Path | str | None = None,
          out_dir: Path | str | None = None, cache_dir: Path | str = DEFAULT_CACHE_DIR,
          scheduler: str | None = None, workers: int = 2, refit_all: bool = False,
          sampler_overrides: dict | None = None, data_dir: Path | None = None,
          progress: bool | None = None, task_fn=None) -> SweepResult:
    """Answer every variant of a sweep spec (cached), then write the table and figures."""
    from model.forecast import arrival_grid_years
    from model.summary import REPORT_YEARS

    try:
        spec = sw.load_spec(spec_path)
        run_dir = run_dir or spec.base_run
        if not run_dir:
            raise StudyError(f"{spec_path}: no base run: set base_run in the spec or pass --run")
        run = _load(run_dir)
        base_text = Path(run.scenario.path).read_text(encoding="utf-8")
        variants = sw.build_variants(spec, run.scenario, base_text)
        sampler = sw.sampler_for_refits(run, spec, sampler_overrides or {})
    except sw.SweepSpecError as exc:
        raise StudyError(str(exc)) from None
    out_dir = Path(out_dir or Path("runs") / f"sweep-{safe_component(spec.name, 'sweep name')}")
    check_output_dir(out_dir, overwrite=True)  # refused before any work

    def grid(horizon_year):
        return arrival_grid_years(run.cutoff_year, horizon_year, REPORT_YEARS)

    payloads, hashes = _prepare_payloads(variants, run, sampler, refit_all, grid, data_dir)
    base = sw.base_draws(run, file_sha256(run.path / "posterior.nc"))
    tasks = []
    for p in payloads:
        desc = sw.payload_description(p.variant, base, hashes, sampler, p.force_refit,
                                      p.grid_years)
        tasks.append(Task(key=content_hash(desc), label=p.variant.label, payload=p,
                          description=desc))
    outcomes = map_cached(task_fn or sw.answer_variant, tasks, cache=ResultCache(cache_dir),
                          scheduler=scheduler, n_workers=workers, shared=base,
                          name=f"sweep {spec.name}", progress=progress)
    rows = [sw.table_row(o) for o in outcomes]
    _write_sweep(out_dir, spec, run, variants, outcomes, rows)
    return SweepResult(out_dir, outcomes, rows)


def _csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=sw.table_columns(), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("inf" if isinstance(v, float) and np.isinf(v) else v)
                         for k, v in row.items()})
    return buf.getvalue()


def _write_sweep(out_dir: Path, spec, run: LoadedRun, variants, outcomes, rows) -> None:
    with staged_dir(out_dir, "sweep") as tmp:
        (tmp / "sweep.csv").write_text(_csv_text(rows), encoding="utf-8")
        doc = {"schema_version": 1, "kind": "oomcast.sweep", "spec": str(spec.path),
               "name": spec.name, "title": spec.title, "base_run": str(run.path),
               "base_scenario": run.scenario.name, "variants": []}
        for o in outcomes:
            entry = {"label": o.label, "cached": o.cached, "error": o.error}
            if o.ok:
                entry.update({k: o.value[k] for k in ("group", "side", "kind", "method", "reason",
                                                       "pareto_k", "importance_ess",
                                                       "diagnostics", "summary", "wall_s")})
            doc["variants"].append(entry)
        (tmp / "sweep.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        _sweep_figures(tmp, spec, run, outcomes)


def _sweep_figures(out: Path, spec, run: LoadedRun, outcomes) -> None:
    ok = [o.value for o in outcomes if o.ok]
    base = next((r for r in ok if r["kind"] == sw.BASELINE), None)
    horizon = run.scenario.horizon_year
    caption = f"oomcast sweep {spec.name} · base {run.caption()}"
    groups: dict[str, list[dict]] = {}
    for r in ok:
        if r["kind"] != sw.BASELINE:
            groups.setdefault(r["group"], []).append(r)
    base_median = _median(base["summary"]) if base else None
    beyond = horizon + 1.0

    def span(rs):
        meds = [beyond if _median(r["summary"]) is None else _median(r["summary"]) for r in rs]
        b = beyond if base_median is None else base_median
        return max(meds + [b]) - min(meds + [b])

    tornado_rows = [{"group": g, "points": [{"side": r["side"], "median": _median(r["summary"]),
                                             "method": r["method"]} for r in rs]}
                    for g, rs in groups.items() if g != "scenario files"]
    tornado_rows.sort(key=lambda row: -span(groups[row["group"]]))
    if tornado_rows:
        _atomic_figure(out / "tornado.png", tornado_figure, tornado_rows, base_median, horizon,
                       title=f"Arrival median, one prior at a time (sweep '{spec.name}'; "
                             f"baseline {run.scenario.name})", caption=caption)
    panels = [{"title": g, "curves": [{"label": f"{r['side']} ({r['method']})",
                                       "grid": r["grid_years"], "cdf": r["mean_cdf"],
                                       "dashed": r["method"] == "refit"} for r in rs]}
              for g, rs in groups.items()]
    baseline = None if base is None else {"label": f"baseline ({run.scenario.name})",
                                          "grid": base["grid_years"], "cdf": base["mean_cdf"]}
    if panels:
        _atomic_figure(out / "cdfs.png", cdf_overlay_figure, panels, baseline, run.cutoff_year,
                       horizon, title=f"Arrival CDFs by variation (sweep '{spec.name}'); "
                                      "dashed = refitted", caption=caption)


def format_sweep(result: SweepResult) -> str:
    lines = [f"{'variant':48s} {'method':9s} {'k-hat':>6s} {'median':>8s} {'P(2030)':>8s}"]
    for row in result.rows:
        if row["method"] == "failed":
            lines.append(f"{row['variant'][:48]:48s} FAILED    {row['error'][:60]}")
            continue
        med = "after" if row["median"] == np.inf else f"{row['median']:.1f}"
        k = "" if row["pareto_k"] == "" else f"{row['pareto_k']:.2f}"
        cached = " (cached)" if row["cached"] else ""
        lines.append(f"{row['variant'][:48]:48s} {row['method']:9s} {k:>6s} {med:>8s} "
                     f"{row['p_by_2030'] * 100:7.1f}%{cached}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- compare


@dataclass(frozen=True)
class CompareResult:
    path: Path
    summaries: dict[str, dict]
    table_paths: tuple[Path, ...] = ()  # compare.csv and compare.md beside the figure


def _run_curve(run_dir: Path) -> tuple[dict, dict, str, float, float]:
    """(curve, summary, caption, cutoff, horizon) of a finished run, by the run's own estimator:
    Rao-Blackwellised for a fitted run, counted draws for a `--prior-only` run."""
    from model.forecast import arrival_grid_years
    from model.inference import load_idata
    from model.summary import REPORT_YEARS

    run_dir = Path(run_dir)
    if (run_dir / "posterior.nc").is_file():
        run = _load(run_dir)
        grid, cdf = run.arrival_cdf()
        summary = run.summary(cdf=(grid, cdf))
        curve = {"grid": grid, "cdf": cdf.reshape(-1, grid.size).mean(axis=0)}
        curve["scenario"] = run.scenario.name
        return (curve, summary, run.caption(), run.cutoff_year, run.scenario.horizon_year)
    if (run_dir / "prior_draws.nc").is_file():
        problem = verify_hashes(run_dir, PRIOR_ONLY_FILES)
        if problem:
            raise StudyError(problem)
        idata = load_idata(run_dir / "prior_draws.nc")
        attrs = idata.prior.attrs
        cutoff, horizon = float(attrs["oomcast_cutoff_year"]), float(attrs["oomcast_horizon_year"])
        summary = json.loads((run_dir / "summary.json").read_text())["arrival_year"]
        grid = arrival_grid_years(cutoff, horizon, REPORT_YEARS)
        x = idata.prior["arrival_year"].to_numpy().ravel()
        curve = {"grid": grid, "cdf": (x[:, None] <= grid[None, :]).mean(axis=0), "dashed": True,
                 "scenario": str(attrs.get("oomcast_scenario", run_dir.name))}
        caption = (f"run {run_dir.name} · scenario {attrs.get('oomcast_scenario')} · PRIOR ONLY "
                   f"· start {cutoff:.2f} · {x.size} draws")
        return curve, summary, caption, cutoff, horizon
    raise StudyError(f"{run_dir}: not a run directory (no posterior.nc or prior_draws.nc)")


#: Figure formats `oomcast compare --out` writes (matplotlib picks the format by suffix).
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def compare(run_dirs: list[Path | str], out_path: Path | str,
            labels: list[str] | None = None) -> CompareResult:
    """Overlay the arrival CDFs of finished runs (the sweep's overlay, one panel); prior-only
    runs are dashed."""
    if labels is not None and len(labels) != len(run_dirs):
        raise StudyError(f"{len(labels)} labels for {len(run_dirs)} runs")
    if Path(out_path).suffix.lower() not in FIGURE_SUFFIXES:
        raise StudyError(f"--out {out_path}: name a figure file ending in "
                         f"{', '.join(FIGURE_SUFFIXES)} (e.g. compare.png)")
    check_output_file(out_path)
    curves, summaries, captions, cutoffs, horizons, rows = [], {}, [], [], [], []
    for i, run_dir in enumerate(run_dirs):
        curve, summary, caption, cutoff, horizon = _run_curve(Path(run_dir))
        kind = "prior only" if curve.get("dashed") else "posterior"
        name = labels[i] if labels else _unique(
            curve["scenario"] + (" (prior only)" if curve.get("dashed") else ""), summaries)
        med = _median(summary)
        text = "after horizon" if med is None else f"{med:.1f}"
        curves.append({**curve, "label": f"{name}: median {text}", "median": med,
                       "colour": scenario_colour(curve["scenario"])})
        summaries[name] = summary
        rows.append(compare_row(name, curve["scenario"], kind, cutoff, summary, Path(run_dir)))
        captions.append(caption)
        cutoffs.append(cutoff)
        horizons.append(horizon)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_figure(out_path, cdf_overlay_figure, [{"title": "", "curves": curves}], None,
                   min(cutoffs), max(horizons), title=compare_title(curves),
                   caption="oomcast compare · " + " | ".join(captions))
    table_paths = write_compare_tables(rows, out_path.with_suffix(".csv"),
                                       out_path.with_suffix(".md"))
    return CompareResult(out_path, summaries, table_paths)


def compare_title(curves: list[dict]) -> str:
    """The overlay's title; it explains dashed curves only when one is drawn."""
    title = "Arrival year: finished runs compared"
    if any(c.get("dashed") for c in curves):
        title += " (dashed: prior only, not conditioned on 'no AGI yet')"
    return title


def _unique(name: str, taken: dict) -> str:
    """`name`, or `name #2`, `name #3` ... when two runs share a scenario."""
    out, k = name, 2
    while out in taken:
        out, k = f"{name} #{k}", k + 1
    return out


#: Columns of compare.csv / compare.md: one row per run, the same numbers as each run's summary.
COMPARE_COLUMNS = ("run", "scenario", "kind", "cutoff", "median", "80% interval", "P(by 2030)",
                   "P(by 2050)", "P(after horizon)", "draws", "run_dir")


def compare_row(name: str, scenario: str, kind: str, cutoff_year: float, summary: dict,
                run_dir: Path) -> dict:
    """One run's row of the comparison table (years to 0.1, probabilities in percent)."""
    from model.report.render import date_text

    def year(entry):
        return "after horizon" if entry["after_horizon"] else f"{entry['value']:.1f}"

    iv80 = next((iv for iv in summary["intervals"] if abs(iv["prob"] - 0.8) < 1e-9), None)
    p_by = summary["p_by_year"]
    return {"run": name, "scenario": scenario, "kind": kind, "cutoff": date_text(cutoff_year),
            "median": year(summary["median"]),
            "80% interval": f"{year(iv80['lower'])} - {year(iv80['upper'])}" if iv80 else "",
            "P(by 2030)": f"{p_by['2030']['p']:.1%}" if "2030" in p_by else "",
            "P(by 2050)": f"{p_by['2050']['p']:.1%}" if "2050" in p_by else "",
            "P(after horizon)": f"{summary['p_after_horizon']['p']:.1%}",
            "draws": summary.get("n_draws", ""), "run_dir": str(run_dir)}


def write_compare_tables(rows: list[dict], csv_path: Path, md_path: Path) -> tuple[Path, Path]:
    """The comparison as CSV (for a spreadsheet) and a Markdown table (for a README or issue)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COMPARE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    _atomic_text(csv_path, buf.getvalue())
    lines = ["| " + " | ".join(COMPARE_COLUMNS) + " |",
             "|" + "|".join("---" for _ in COMPARE_COLUMNS) + "|"]
    lines += ["| " + " | ".join(str(r[c]).replace("|", "/") for c in COMPARE_COLUMNS) + " |"
              for r in rows]
    _atomic_text(md_path, "\n".join(lines) + "\n")
    return csv_path, md_path
