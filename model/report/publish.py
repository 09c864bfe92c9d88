"""`oomcast publish RUN_DIR`: the citable report of a run, its intervals.json, and the gate.

Steps: load the run's InferenceData -> headline numbers with MCSEs (headline.py) -> diagnostics
(model/inference.py) -> publication gate (gate.py; refuse unless `draft`) -> figures
(figures.py, each drawn at desktop and phone width) -> the scenario's priors, the data's
provenance, software and the recorded command -> report (render.py: one self-contained HTML file,
or Markdown with PNGs beside it) and intervals.json beside it.

Nothing here samples: the report describes the run exactly as recorded, and the gate says when
the files it recorded have changed since.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.forecast import projection_inputs, trajectory_parameters
from model.inference import diagnostics
from model.output_dir import staged_dir
from model.projection import (
    effective_compute_path,
    growth_rate_path,
    limit_binding_start_years,
    physical_compute_path,
    uncapped_physical_compute_path,
    wall_paths,
)
from model.report import figures
from model.report.gate import (
    file_sha256,
    gate_failures,
    one_line,
    recorded_data_dir,
)
from model.report.headline import dumps, headline_numbers, intervals_document
from model.report.limit_figures import limits_figure
from model.report.references import load_references
from model.scenario import CONFIDENCE_LABELS, PriorSpecError, load_scenario
from model.summary import (
    censored,
    posterior_anchor_cdfs,
    summarize_arrival,
    summarize_posterior_by_anchor,
)

FORMATS = ("html", "md")
SENSITIVITY_FILE = "sensitivity.json"
PPC_FILE = "ppc.json"

#: Parameters shown in the rank plots: every growth rate that is sampled, the softness of
#: "no AGI yet" (the one parameter the present informs directly), and the arrival year.
RANK_VARIABLES = ("hardware_growth_oom_per_year", "spending_growth_oom_per_year",
                  "other_growth_oom_per_year", "algorithmic_growth_oom_per_year",
                  "not_yet_agi_softness_oom", "arrival_year")

#: Growth rates compared prior against posterior (label, variable, domain or None).
GROWTH_RATES = (
    ("hardware price-performance", "hardware_growth_oom_per_year", None),
    ("spending on the largest run", "spending_growth_oom_per_year", None),
    ("other (longer runs, utilisation)", "other_growth_oom_per_year", None),
    ("physical compute (sum)", "physical_compute_growth_oom_per_year", None),
    ("algorithms: language models", "algorithmic_growth_oom_per_year", "language_models"),
    ("algorithms: vision", "algorithmic_growth_oom_per_year", "vision"),
    ("algorithms: translation", "algorithmic_growth_oom_per_year", "translation"),
    ("gross world product", "gwp_growth_oom_per_year", None),
    ("unhobbling (after the cutoff)", "unhobbling_growth_oom_per_year", None),
)


class PublishError(ValueError):
    """The run directory cannot be published (missing or unreadable files, bad arguments)."""


class GateRefused(RuntimeError):
    """The run fails the publication gate; `failures` lists every reason."""

    def __init__(self, failures: list[str]):
        self.failures = list(failures)
        super().__init__("publication refused: " + one_line(self.failures)
                         + " (--draft publishes it marked DRAFT, listing every reason)")


@dataclass
class Figure:
    key: str
    title: str
    description: str
    wide: Path
    narrow: Path | None = None


@dataclass
class Report:
    """Everything the renderer needs; built by `assemble`."""

    run_name: str
    headline: dict
    intervals: dict
    failures: list[str]
    draft: bool
    diagnostics: dict
    attrs: dict
    scenario: object | None
    scenario_problem: str | None
    data: list[dict]
    references: list
    sensitivity: object | None
    command: str
    figures: list[Figure] = field(default_factory=list)
    sensitivity_problem: str | None = None
    sensitivity_figure: Figure | None = None
    #: sensitivity_requirement.png (oomcast sensitivity): the requirement power-scaled
    sensitivity_requirement_figure: Figure | None = None
    explorer: tuple[dict, str] | None = None  # (payload, its JSON): the requirement explorer
    explorer_problem: str | None = None
    ppc: dict | None = None  # RUN_DIR/ppc.json (oomcast ppc), or None when it was not run
    #: per-anchor contributions (`_run_summary`): `doc` as summary.json's requirement_by_anchor,
    #: `grid`, `mean_cdf` (K, G), `labels`, `no_path`; None when the scenario file has changed
    anchors: dict | None = None

    @property
    def caption(self) -> str:
        a = self.attrs
        vint = _json(a.get("oomcast_data_vintages")) or {}
        return (f"oomcast · scenario {a.get('oomcast_scenario')} "
                f"({str(a.get('oomcast_scenario_sha256', ''))[:10]}) · data cutoff "
                f"{float(a.get('oomcast_cutoff_year', np.nan)):.2f}, frontier vintage "
                f"{vint.get('frontier_compute', '?')} · seed {a.get('oomcast_seed')} · "
                f"{self.headline['n_draws']} draws · commit "
                f"{str(a.get('oomcast_git_commit', ''))[:10]}"
                f"{'-dirty' if str(a.get('oomcast_git_commit', '')).endswith('-dirty') else ''}")


@dataclass(frozen=True)
class PublishResult:
    out_dir: Path
    report_path: Path
    intervals_path: Path
    failures: list[str]
    draft: bool
    lede: str = ""  # the headline in one line (render.lede_text), printed by `oomcast publish`


def _json(value):
    if isinstance(value, str) and value[:1] in "{[":
        return json.loads(value)
    return value


def _attrs(idata) -> dict:
    return {k: (v.item() if isinstance(v, np.generic) else v)
            for k, v in idata.posterior.attrs.items()}


def reproduce_command(command: str, out_dir: Path | str) -> list[str]:
    """The recorded `oomcast run ...` command as argv, writing to `out_dir` instead."""
    tokens = shlex.split(command)
    if tokens[:2] != ["oomcast", "run"]:
        raise PublishError(f"recorded command is not an `oomcast run`: {command!r}")
    out, i, replaced = [], 0, False
    while i < len(tokens):
        tok = tokens[i]
        if tok == "--out":
            out += ["--out", str(out_dir)]
            i += 2
            replaced = True
            continue
        if tok.startswith("--out="):
            out.append(f"--out={out_dir}")
            replaced = True
        else:
            out.append(tok)
        i += 1
    if not replaced:
        out += ["--out", str(out_dir)]
    return out


def _data_provenance(attrs: dict) -> list[dict]:
    recorded = _json(attrs.get("oomcast_data_sha256")) or {}
    vintages = _json(attrs.get("oomcast_data_vintages")) or {}
    data_dir = recorded_data_dir(attrs)
    rows = []
    for stream, sha in sorted(recorded.items()):
        csv, prov_path = data_dir / f"{stream}.csv", data_dir / f"{stream}.provenance.json"
        try:
            prov = json.loads(prov_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            prov = {}
        urls = prov.get("source_url", [])
        rows.append({
            "stream": stream, "title": prov.get("title", "(provenance record missing)"),
            "vintage": vintages.get(stream, prov.get("vintage", "?")),
            "sha256": sha, "matches": csv.is_file() and file_sha256(csv) == sha,
            "licence": prov.get("licence", "?"), "citation": prov.get("citation", "?"),
            "urls": urls if isinstance(urls, list) else [urls],
            "retrieved": prov.get("retrieved", "?"),
        })
    return rows


def _scenario(attrs: dict):
    path = attrs.get("oomcast_scenario_path")
    if not path:
        return None, "the run records no scenario path"
    try:
        scenario = load_scenario(Path(path))
    except PriorSpecError as exc:
        return None, f"the scenario file cannot be read now: {exc}"
    if scenario.sha256 != attrs.get("oomcast_scenario_sha256"):
        return scenario, ("the scenario file has changed since the run: the priors below are "
                          "the file as it is now, not necessarily those the run used")
    return scenario, None


def _sensitivity(run_dir: Path, attrs: dict):
    """(the sensitivity summary or None, a problem with it or None, its figure or None)."""
    path = run_dir / SENSITIVITY_FILE
    if not path.is_file():
        return None, None, None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return {"error": f"{SENSITIVITY_FILE} could not be read: {exc}"}, None, None
    problem = None
    recorded = doc.get("run", {}) if isinstance(doc, dict) else {}
    if (isinstance(recorded, dict) and recorded.get("scenario_sha256")
            and recorded["scenario_sha256"] != attrs.get("oomcast_scenario_sha256")):
        problem = (f"{SENSITIVITY_FILE} was computed for another scenario file "
                   f"(SHA-256 {str(recorded['scenario_sha256'])[:12]}), not this run's")
    png = run_dir / "sensitivity.png"
    figure = Figure("sensitivity", "Power-scaled arrival distribution",
                    "The arrival-year distribution with the prior power-scaled (alpha from "
                    "about 0.8 to 1.25), by importance weighting of this run's draws "
                    "(oomcast sensitivity).", png) if png.is_file() else None
    return doc, problem, figure


def _requirement_sensitivity_figure(run_dir: Path) -> Figure | None:
    """sensitivity_requirement.png of `oomcast sensitivity`, when the run directory has it."""
    png = run_dir / "sensitivity_requirement.png"
    if not png.is_file():
        return None
    return Figure("sensitivity_requirement", "Power-scaling the requirement",
                  "The arrival-year CDF with the requirement's anchor density (top) and, where "
                  "the scenario states a Dirichlet on them, its anchor weights (bottom) "
                  "power-scaled, alpha from about 0.8 to 1.25: importance weights on the "
                  "posterior draws of (theta, R), R drawn exactly per draw (oomcast "
                  "sensitivity).", png)


def _requirement_panel(idata, scenario) -> dict | None:
    """Prior and posterior of the requirement R (log10 FLOP at reference-year algorithms).

    Prior: model/requirement.py `draw_prior` (the unconditioned mixture) at the prior draws of
    the forecast domain's algorithmic rate, which moves anchors stated at other years' algorithms
    to the reference year. Posterior: the run's exact conditional draws. 'No path' (R = +inf)
    draws are left out of the densities and their shares given in the note."""
    from model.capability import CAPABILITY_ANCHOR_PARAMETERS
    from model.requirement import capability_draws, draw_prior

    post = idata.posterior
    rate = "algorithmic_growth_oom_per_year"
    req = getattr(scenario, "requirement", None)
    if (req is None or "requirement_log10_flop" not in post or "prior" not in idata.groups()
            or rate not in idata.prior):
        return None
    g = idata.prior[rate]
    if "domain" in g.dims:
        g = g.sel(domain=scenario.forecast_domain)
    capability = None
    if req.capability is not None:  # its prior: the prior draws of a_h and b_h
        if not all(n in idata.prior for n in CAPABILITY_ANCHOR_PARAMETERS):
            return None
        capability = capability_draws(req, {n: idata.prior[n].to_numpy().ravel()
                                            for n in CAPABILITY_ANCHOR_PARAMETERS},
                                      scenario.reference_year)
    prior = draw_prior(np.random.default_rng(0), req, g.to_numpy().ravel(),
                       scenario.reference_year, capability)
    posterior = post["requirement_log10_flop"].to_numpy().ravel()
    return {"label": "requirement R", "prior": prior, "posterior": posterior,
            "unit": f"log10 FLOP at {scenario.reference_year:g} algorithms",
            "note": f"no path: prior {np.mean(np.isinf(prior)):.0%}, "
                    f"posterior {np.mean(np.isinf(posterior)):.0%}"}


def _ppc(run_dir: Path) -> dict | None:
    """RUN_DIR/ppc.json written by `oomcast ppc`, or None; an unreadable file is reported."""
    path = run_dir / PPC_FILE
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return {"error": f"{PPC_FILE} could not be read: {exc}"}
    if not isinstance(doc, dict) or not isinstance(doc.get("streams"), dict):
        return {"error": f"{PPC_FILE} has no 'streams' table"}
    return doc


def _draw_figures(report: Report, idata, scenario, fig_dir: Path) -> list[Figure]:
    """Every figure of the report, each at desktop width and at phone width."""
    post, attrs = idata.posterior, report.attrs
    cutoff = float(attrs["oomcast_cutoff_year"])
    horizon = float(attrs["oomcast_horizon_year"])
    ref_year = float(attrs["oomcast_reference_year"])
    domain = attrs.get("oomcast_forecast_domain", "language_models")
    name = report.run_name
    arrival = post["arrival_year"].to_numpy()
    out: list[Figure] = []

    def both(key, draw):
        wide, narrow = fig_dir / f"{key}.png", fig_dir / f"{key}-phone.png"
        draw(wide, False)
        draw(narrow, True)
        return wide, narrow

    summary_like = dict(report.headline, intervals=report.headline["equal_tailed"])
    wide, narrow = both("arrival", lambda p, nar: figures.arrival_figure(
        arrival, summary_like, cutoff, horizon,
        f"When does effective compute reach the AGI requirement? Scenario '{name}'",
        report.caption, p, references=report.references, narrow=nar))
    out.append(Figure("arrival", "Arrival year: cumulative probability and density",
                      "Top: P(AGI has arrived by year), with the report years marked and the "
                      "published forecasts listed below as references (their milestones differ "
                      "from this model's; compare shapes, not definitions). Bottom: probability "
                      "per calendar year, the equal-tailed intervals, and the published "
                      "medians.", wide, narrow))

    inputs = projection_inputs(trajectory_parameters(post, scenario), scenario, cutoff)
    keep = np.random.default_rng(0).choice(inputs.size, size=min(2000, inputs.size),
                                           replace=False)
    sub = type(inputs)(**{k: getattr(inputs, k)[keep] for k in inputs.__dataclass_fields__})

    years = np.arange(2010.0, 2061.0, 0.25)
    paths = effective_compute_path(years, sub, cutoff)
    g_alg = np.median(post["algorithmic_growth_oom_per_year"].sel(domain=domain).to_numpy())
    f_year = idata.constant_data["frontier_year"].to_numpy()
    points = (idata.observed_data["frontier_log10_flop"].to_numpy()
              + g_alg * (f_year - ref_year))
    conf = np.array([CONFIDENCE_LABELS[int(i)] for i in
                     idata.constant_data["frontier_confidence_idx"].to_numpy()])
    req = post["requirement_log10_flop"].to_numpy().ravel()
    wide, narrow = both("trajectory", lambda p, nar: figures.trajectory_figure(
        years, paths, cutoff, f_year, points, conf, req, ref_year,
        f"Effective training compute of the frontier run vs the AGI requirement "
        f"(scenario '{name}')", report.caption, p, narrow=nar))
    out.append(Figure("trajectory", "Effective compute against the requirement",
                      f"Fan chart (50/80/90% bands, 2,000 posterior draws) of log10 effective "
                      f"training FLOP at {ref_year:g} algorithms; dots are frontier models' "
                      f"recorded compute moved to {ref_year:g} algorithms with the posterior "
                      f"median algorithmic rate; the orange band is the requirement's "
                      f"posterior 50% interval.", wide, narrow))

    cal_years = np.arange(2015.0, 2060.0, 1.0)
    growth = growth_rate_path(cal_years, sub, cutoff)
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = sub.spending_growth_oom_per_year - sub.gwp_growth_oom_per_year
        tau = np.where(excess > 0, np.maximum(sub.spending_headroom_oom, 0.0) / excess, np.inf)
    cap_years = cutoff + tau
    wide, narrow = both("decade", lambda p, nar: figures.growth_figure(
        cal_years, growth, arrival, cutoff, horizon, cap_years,
        f"This decade or bust? Growth of effective compute and the arrival year "
        f"(scenario '{name}')", report.caption, p, narrow=nar))
    out.append(Figure("decade", "\u201cThis decade or bust\u201d",
                      "Top: growth of effective compute in OOM per year over each calendar "
                      "year (posterior bands); before the data cutoff it is the fitted trend, "
                      "after it each component grows until its cap, and spending slows to the "
                      "economy's growth once it meets its affordable share of world product "
                      "(orange: when). Bottom: probability that AGI arrives in each year.",
                      wide, narrow))

    lim_years = np.arange(np.floor(cutoff) - 3.0, 2061.0, 0.25)
    wide, narrow = both("limits", lambda p, nar: limits_figure(
        lim_years, physical_compute_path(lim_years, sub, cutoff),
        uncapped_physical_compute_path(lim_years, sub, cutoff),
        wall_paths(lim_years, sub, cutoff), scenario.binding_walls,
        limit_binding_start_years(sub, cutoff, horizon), cutoff,
        f"Physical compute of the largest run against the walls (scenario '{name}')",
        report.caption, p, narrow=nar))
    walls = ", ".join(scenario.binding_walls) or "none in this scenario"
    out.append(Figure("limits", "Which limit binds, and when",
                      "Top: the run's physical training FLOP (posterior median and 90% band), "
                      "its median without the physical walls (dotted), and each applied wall "
                      f"({walls}; Sevilla et al. 2024) as a median line with its 90% band. "
                      "Bottom: probability that each limit (the spending cap or a wall) has "
                      "started to hold physical compute, by year.", wide, narrow))

    panels = []
    for label, var, dom in GROWTH_RATES:
        if var not in post:
            continue
        sel = {"domain": dom} if dom else {}
        prior = (idata.prior[var].sel(**sel).to_numpy()
                 if "prior" in idata.groups() and var in idata.prior else None)
        panels.append({"label": label, "posterior": post[var].sel(**sel).to_numpy(),
                       "prior": prior})
    requirement = _requirement_panel(idata, scenario)
    if requirement is not None:
        panels.append(requirement)
    wide, narrow = both("prior_posterior", lambda p, nar: figures.prior_posterior_figure(
        panels, report.caption, p, narrow=nar))
    out.append(Figure("prior_posterior", "Prior against posterior: growth rates and the "
                      "requirement",
                      "Density lines. Grey dashed: prior; blue: posterior. Rates that act only "
                      "after the cutoff (world product, unhobbling) touch no datum, so their "
                      "posterior is their prior, drawn exactly (dotted). The requirement panel "
                      "shows how 'no AGI yet' and the fitted algorithmic rate update the "
                      "requirement prior (finite draws; 'no path' counted in its note).",
                      wide, narrow))

    out += _requirement_figures(report, idata, scenario, both)

    ds = post[[v for v in RANK_VARIABLES if v in post]].copy()
    ds = ds.drop_vars("arrival_year", errors="ignore")  # ranked below, ties at random
    ds[RANK_ARRIVAL_NAME] = (("chain", "draw"),
                             figures.ranks_ties_at_random(censored(arrival, horizon)))
    var_names = list(ds.data_vars)
    wide, narrow = both("rank", lambda p, nar: figures.rank_figure(
        ds, var_names, report.caption, p, narrow=nar))
    out.append(Figure("rank", "Rank plots",
                      f"Ranks of each draw among all chains, histogram per chain "
                      f"({report.headline['n_chains']} chains): flat, overlapping histograms "
                      f"mean the chains explore the same distribution. Arrival year: the "
                      f"draws after {horizon:.0f} are tied, so they are ranked in random order "
                      f"among themselves (otherwise they would share one rank and pile into "
                      f"the last bar of every chain, looking like a convergence failure). "
                      f"The diagnostics table covers every free parameter.", wide, narrow))
    return out


def _requirement_figures(report: Report, idata, scenario, both) -> list[Figure]:
    """anchors.png and requirement.png (model/report/requirement_figures.py), when the run's
    scenario file is unchanged (the per-anchor numbers need it)."""
    from model.report.requirement_figures import anchors_figure, requirement_figure
    from model.requirement_update import requirement_update

    if report.anchors is None:
        return []
    a, name = report.anchors, report.run_name
    cutoff = float(report.attrs["oomcast_cutoff_year"])
    out = []
    wide, narrow = both("anchors", lambda p, nar: anchors_figure(
        a["grid"], a["mean_cdf"], a["labels"], a["no_path"], cutoff,
        f"Which requirement anchor carries the arrival probability? (scenario '{name}')",
        report.caption, p, narrow=nar))
    out.append(Figure("anchors", "Arrival probability by requirement anchor",
                      "P(AGI has arrived by year) stacked by the anchor the requirement comes "
                      "from (Rao-Blackwellised per posterior draw; the stack's top is the "
                      "headline CDF). Hatched at the top: P(no path | no AGI yet, data), the "
                      "mass that never arrives; the white gap between is a requirement that "
                      "exists but is met later. The table under the headline gives the numbers "
                      "with MCSEs.", wide, narrow))
    update = requirement_update(trajectory_parameters(idata.posterior, scenario), scenario,
                                cutoff)
    wide, narrow = both("requirement", lambda p, nar: requirement_figure(
        update, f"The requirement R: prior against posterior per anchor (scenario '{name}')",
        report.caption, p, narrow=nar))
    out.append(Figure("requirement", "The requirement's update, anchor by anchor",
                      "Density of R (log10 effective FLOP at reference-year algorithms) per "
                      "anchor and for the blend given a path: grey dashed the prior (the "
                      "anchors at prior draws of the algorithmic rate and, for the capability "
                      "anchor, of the horizon relation), blue the posterior given the data and "
                      "no AGI yet. A published anchor learns almost only from 'not yet'; the "
                      "capability anchor also learns from the horizon data. "
                      "Titles: the anchor's prior weight and posterior probability. The 'no "
                      "path' mass is drawn as bars on its own axis in the blend panel.",
                      wide, narrow))
    return out


def _add_prior(run_dir: Path, idata) -> None:
    """The prior group the prior-against-posterior figures draw (model/run_groups.py: computed
    on first use, kept in derived.nc). When it cannot be had (the scenario file or the data
    changed since the run), the report is made without prior lines and a warning says why."""
    from model.run_groups import RunGroupsError, ensure_groups

    try:
        ensure_groups(run_dir, ("prior",), idata)
    except RunGroupsError as exc:
        print(f"oomcast: warning: {exc}; the figures show no prior", file=sys.stderr)


#: The rank plot's name for the arrival year, ranked with ties (after the horizon) at random.
RANK_ARRIVAL_NAME = "arrival_year (ties at random)"


def assemble(run_dir: Path, draft: bool = False) -> tuple[Report, object]:
    """Load the run, compute the headline and the gate; refuse unless draft (GateRefused)."""
    from model.run_integrity import RunIntegrityError, load_verified_run

    run_dir = Path(run_dir)
    try:  # the run itself: recorded hashes, groups, attrs, finite arrival draws
        nc, idata = load_verified_run(run_dir)
    except RunIntegrityError as exc:
        raise PublishError(str(exc)) from None
    attrs = _attrs(idata)
    missing = [k for k in ("oomcast_horizon_year", "oomcast_cutoff_year",
                           "oomcast_reference_year", "oomcast_command")
               if k not in attrs]
    if missing or "arrival_year" not in idata.posterior:
        lacks = ", ".join(missing or ["arrival_year"])
        raise PublishError(f"{nc}: not an oomcast run (lacks {lacks})")
    horizon = float(attrs["oomcast_horizon_year"])
    scenario, problem = _scenario(attrs)
    sensitivity, sens_problem, sens_figure = _sensitivity(run_dir, attrs)
    summary, anchors = _run_summary(idata, scenario if problem is None else None, attrs)
    headline = headline_numbers(idata.posterior["arrival_year"].to_numpy(), horizon, summary)
    diag = diagnostics(idata, horizon)
    failures = gate_failures(diag, headline, attrs)
    if failures and not draft:
        raise GateRefused(failures)
    _add_prior(run_dir, idata)  # only for a report that will be written
    is_draft = bool(failures)
    report = Report(
        run_name=str(attrs.get("oomcast_scenario", run_dir.name)), headline=headline,
        intervals=intervals_document(headline, attrs, failures, is_draft), failures=failures,
        draft=is_draft, diagnostics=diag, attrs=attrs, scenario=scenario,
        scenario_problem=problem, data=_data_provenance(attrs), references=load_references(),
        sensitivity=sensitivity, command=str(attrs["oomcast_command"]),
        sensitivity_problem=sens_problem, sensitivity_figure=sens_figure, ppc=_ppc(run_dir),
        anchors=anchors, sensitivity_requirement_figure=_requirement_sensitivity_figure(run_dir))
    return report, idata



def _run_summary(idata, scenario, attrs: dict) -> tuple[dict, dict | None]:
    """(the headline with the estimator `oomcast run` uses for summary.json, the per-anchor
    contributions or None): Rao-Blackwellised (the requirement integrated out per draw,
    model/forecast.py `arrival_cdf_by_anchor`, summed over anchors for the headline) when the
    run's scenario file is unchanged; otherwise the arrival draws counted, since they alone do
    not depend on the file (the gate then fails anyway), and no contributions."""
    post = idata.posterior
    horizon = float(attrs["oomcast_horizon_year"])
    arrival = post["arrival_year"].to_numpy()
    if scenario is None:
        return summarize_arrival(arrival, horizon), None
    cutoff = float(attrs["oomcast_cutoff_year"])
    cdfs = posterior_anchor_cdfs(post, scenario, cutoff)
    summary, doc = summarize_posterior_by_anchor(post, scenario, cutoff, cdfs)
    k = len(cdfs["labels"])
    return summary, {"doc": doc, "grid": cdfs["grid"], "labels": cdfs["labels"],
                     "mean_cdf": cdfs["by_anchor"].reshape(k, -1, cdfs["grid"].size).mean(axis=1),
                     "no_path": float(cdfs["responsibilities"][..., -1].mean())}


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def publish(run_dir: Path, out_dir: Path | None = None, fmt: str = "html",
            draft: bool = False) -> PublishResult:
    """Write the report and intervals.json into out_dir (default RUN_DIR/report)."""
    from model.report.render import lede_text, render_html, render_markdown

    if fmt not in FORMATS:
        raise PublishError(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    run_dir = Path(run_dir)
    out_dir = Path(out_dir) if out_dir is not None else run_dir / "report"
    report, idata = assemble(run_dir, draft=draft)
    scenario = report.scenario or _fallback_scenario(report.attrs)
    name = "report.html" if fmt == "html" else "report.md"
    # the whole folder is staged and renamed into place (model/output_dir.py): an existing
    # out_dir is replaced only if oomcast wrote it
    with staged_dir(out_dir, "report") as stage, \
            tempfile.TemporaryDirectory(prefix=".figures-", dir=stage) as tmp:
        fig_dir = Path(tmp)
        report.figures = _draw_figures(report, idata, scenario, fig_dir)
        if fmt == "html":
            report.explorer, report.explorer_problem = _explorer(report, idata)
            _write_atomic(stage / name, render_html(report).encode())
        else:
            figs_out = stage / "figures"
            figs_out.mkdir(exist_ok=True)
            for f in report.figures + [report.sensitivity_figure,
                                       report.sensitivity_requirement_figure]:
                if f is not None:
                    shutil.copyfile(f.wide, figs_out / f.wide.name)
            _write_atomic(stage / name, render_markdown(report, "figures").encode())
        _write_atomic(stage / "intervals.json", dumps(report.intervals).encode())
    report_path, intervals_path = out_dir / name, out_dir / "intervals.json"
    return PublishResult(out_dir, report_path, intervals_path, report.failures, report.draft,
                         lede_text(report))


def _explorer(report: Report, idata) -> tuple[tuple[dict, str] | None, str | None]:
    """The requirement explorer's data (model/report/explorer.py), or why there is none: it
    needs the run's own requirement, so the scenario file must be the one the run used."""
    from model.report.explorer import explorer_data

    if report.scenario is None or report.scenario_problem:
        return None, (f"The requirement explorer is left out: {report.scenario_problem or ''}"
                      .rstrip(": ") + ".")
    return explorer_data(idata.posterior, report.scenario,
                         float(report.attrs["oomcast_cutoff_year"]), report.headline), None


def _fallback_scenario(attrs: dict):
    """Only reference year and forecast domain are needed to project; used when the scenario
    file cannot be read (the report says so)."""
    from types import SimpleNamespace

    return SimpleNamespace(reference_year=float(attrs["oomcast_reference_year"]),
                           forecast_domain=attrs.get("oomcast_forecast_domain",
                                                     "language_models"))
