"""`oomcast priors show`: every prior of a scenario as a table and figures, what they imply.

Writes into one directory (replaced atomically, like a run directory):
    priors.md              the table with full sources and rationales
    priors_<block>.png     a grid of prior densities per block of the generative model
    requirement.png        the anchors and their mixture (log10 FLOP, reference-year algorithms)
    arrival_prior.png      the implied prior distribution of the arrival year (forward Monte
                           Carlo: model/workflow.py `prior_only_forecast`, the run's own code)
    prior_predictive.png   prior predictive draws of each data stream against the data
and returns the plain-text table, the arrival summary and the prior predictive warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from model import data as data_mod
from model.build import prepare_observations
from model.capability import CAPABILITY_ANCHOR_PARAMETERS, capability_requirement_draws
from model.distributions import Fixed
from model.output_dir import check_output_dir, safe_component, staged_dir
from model.scenario import PARAMETERS, Anchor, Prior, Scenario, load_scenario
from model.summary import format_table, summarize_arrival

QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Row:
    name: str
    block: str
    distribution: str
    quantiles: tuple[float, float, float]
    source: str
    rationale: str


@dataclass(frozen=True)
class ShowResult:
    out_dir: Path
    table: str
    arrival_table: str
    warnings: list[str]
    files: list[str]
    cutoff_year: float
    cutoff_source: str
    rows: list[Row]
    summary: dict


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def prior_row(prior: Prior) -> Row:
    dist = prior.dist
    params = ", ".join(f"{k}={_fmt(v)}" for k, v in dist.model_dump().items()
                       if k != "dist" and np.isfinite(v))
    if isinstance(dist, Fixed):
        qs = (dist.value,) * 3
    else:
        qs = tuple(float(q) for q in dist.scipy().ppf(QUANTILES))
    return Row(prior.name, PARAMETERS[prior.name].block, f"{dist.dist}({params})", qs,
               prior.source, prior.rationale)


def anchor_quantiles(anchor: Anchor, probs=QUANTILES) -> tuple[float, ...]:
    """Quantiles of an anchor at its own algorithms year (split normal: each side's scale)."""
    lo, hi = anchor.sigmas_log10_flop
    z = stats.norm.ppf(probs)
    return tuple(float(anchor.median_log10_flop + (lo if zi < 0 else hi) * zi) for zi in z)


def anchor_row(anchor: Anchor) -> Row:
    if anchor.is_split:
        form = (f"SplitNormal(median={_fmt(anchor.median_log10_flop)}, "
                f"below={_fmt(anchor.sigma_below_log10_flop)}, "
                f"above={_fmt(anchor.sigma_above_log10_flop)})")
    else:
        form = (f"Normal(median={_fmt(anchor.median_log10_flop)}, "
                f"sigma={_fmt(anchor.sigma_log10_flop)})")
    return Row(f"anchor {anchor.name}", "requirement",
               f"w={anchor.weight:.4g} x {form} @ {anchor.algorithms_year:g} algorithms",
               anchor_quantiles(anchor), anchor.source, anchor.rationale)


def prior_rows(scenario: Scenario) -> list[Row]:
    rows = [prior_row(scenario.priors[name]) for name in PARAMETERS]
    rows += [anchor_row(a) for a in scenario.requirement.anchors]
    req = scenario.requirement
    if req.capability is not None:
        rows.append(capability_anchor_row(scenario))
    rows.append(Row("no path", "requirement", f"w={req.no_path_weight:.4g} (R = +inf)",
                    (np.nan,) * 3, req.source, req.rationale))
    return rows


def _capability_prior_draws(scenario: Scenario, n: int = 100_000):
    """R_cap at the priors of a_h and b_h (model/capability.py): finite draws, "no path" share."""
    rng = np.random.default_rng(0)
    a_h, b_h = (scenario.priors[name].dist.sample(rng, n)
                for name in CAPABILITY_ANCHOR_PARAMETERS)
    return capability_requirement_draws(scenario.requirement.capability, a_h, b_h, rng)


def capability_anchor_row(scenario: Scenario) -> Row:
    cap = scenario.requirement.capability
    r, never = _capability_prior_draws(scenario)
    form = (f"w={cap.weight:.4g} x [25 + (log10 H* - a_h) / b_h], log10 H* ~ "
            f"N({_fmt(cap.log10_horizon_minutes_mu)}, {_fmt(cap.log10_horizon_minutes_sigma)}) "
            f"min; b_h < {_fmt(cap.horizon_per_oom_floor)}: no path ({never:.1%} at the priors)")
    return Row(f"anchor {cap.name}", "requirement", form,
               tuple(float(x) for x in np.quantile(r, QUANTILES)), cap.source, cap.rationale)


def format_rows(rows: list[Row], source_width: int = 60) -> str:
    """A plain-text table: name, block, distribution and parameters, 5/50/95%, source."""
    head = ("prior", "block", "distribution", "5%", "50%", "95%", "source")
    body = []
    for r in rows:
        qs = ["" if not np.isfinite(q) else _fmt(q) for q in r.quantiles]
        src = r.source if len(r.source) <= source_width else r.source[:source_width - 1] + "…"
        body.append((r.name, r.block, r.distribution, *qs, src))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
    widths[2] = min(widths[2], 70)
    lines = []
    for line in (head, *body):
        cells = [str(c) if i != 2 or len(str(c)) <= widths[2] else str(c)[:widths[2] - 1] + "…"
                 for i, c in enumerate(line)]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_rows(rows: list[Row], title: str) -> str:
    out = [f"# Priors of {title}", "", "| prior | block | distribution | 5% | 50% | 95% | source "
           "| rationale |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        qs = ["" if not np.isfinite(q) else _fmt(q) for q in r.quantiles]
        cells = [r.name, r.block, r.distribution, *qs, r.source, r.rationale]
        out.append("| " + " | ".join(str(c).replace("|", "/").replace("\n", " ").strip()
                                     for c in cells) + " |")
    return "\n".join(out) + "\n"


def _requirement_curves(scenario: Scenario, g_alg: float):
    """Each anchor's density at reference-year algorithms (moved with rate g_alg), weighted."""
    anchors = scenario.requirement.anchors
    shift = [g_alg * (scenario.reference_year - a.algorithms_year) for a in anchors]
    lo = min(a.median_log10_flop - s - 4 * a.sigmas_log10_flop[0] for a, s in zip(
        anchors, shift, strict=True))
    hi = max(a.median_log10_flop - s + 4 * a.sigmas_log10_flop[1] for a, s in zip(
        anchors, shift, strict=True))
    grid = np.linspace(lo, hi, 600)
    comps = []
    for a, s in zip(anchors, shift, strict=True):
        m = a.median_log10_flop - s
        below, above = a.sigmas_log10_flop  # equal for a normal anchor
        # a split normal's halves have mass 1/2 each: phi of each side's scale on its side
        dens = np.where(grid < m, stats.norm.pdf(grid, m, below), stats.norm.pdf(grid, m, above))
        comps.append((a.name, a.weight, dens))
    cap = scenario.requirement.capability
    if cap is not None:  # its prior density from draws (a histogram on the grid), at the priors
        r, never = _capability_prior_draws(scenario)
        counts, edges = np.histogram(r, bins=np.append(grid - (grid[1] - grid[0]) / 2,
                                                       grid[-1] + (grid[1] - grid[0]) / 2))
        dens = counts / (r.size * np.diff(edges)) * (1.0 - never)
        comps.append((cap.name, cap.weight, dens))
    mixture = sum(w * d for _, w, d in comps)
    return grid, comps, mixture


def show_priors(name_or_path: str | Path, out_dir: Path | None = None, n_draws: int = 100_000,
                seed: int = 20231, data_dir: Path | None = None) -> ShowResult:
    """Table, figures, implied arrival distribution and prior predictive checks of a scenario."""
    from model.prior_predictive import prior_predictive
    from model.report.figures import arrival_figure
    from model.report.prior_figures import (
        prior_block_figure,
        prior_predictive_figure,
        requirement_figure,
    )
    from model.workflow import (
        PRIOR_PREDICTIVE_DRAWS,
        default_cutoff_year,
        prior_only_cutoff,
        prior_only_forecast,
    )

    scenario = load_scenario(name_or_path)
    out_dir = Path(out_dir) if out_dir is not None else Path(
        f"runs/{safe_component(scenario.name, 'scenario name')}-priors")
    check_output_dir(out_dir, overwrite=True)  # refused before any work
    streams = data_mod.load_all(data_dir or data_mod.DATA_DIR)
    data_cutoff = default_cutoff_year(streams)
    cutoff, cutoff_source = prior_only_cutoff(scenario, None, data_cutoff)
    rows = prior_rows(scenario)
    params, draws = prior_only_forecast(scenario, cutoff, seed, n_draws)
    summary = summarize_arrival(draws["arrival_year"], scenario.horizon_year)
    obs = prepare_observations({k: s.table for k, s in streams.items()}, scenario, data_cutoff)
    pp = prior_predictive(scenario, obs, np.random.default_rng([seed, 3]),
                          min(PRIOR_PREDICTIVE_DRAWS, n_draws))
    caption = (f"oomcast priors show · scenario {scenario.name} ({scenario.sha256[:10]}) · "
               f"prior only · start {cutoff:.2f} ({cutoff_source}) · seed {seed} · "
               f"{n_draws} draws")

    files = []
    with staged_dir(out_dir, "priors_show") as tmp:
        (tmp / "priors.md").write_text(markdown_rows(rows, f"'{scenario.name}' "
                                                     f"({scenario.path})"))
        files.append("priors.md")
        blocks: dict[str, list[Prior]] = {}
        for name in PARAMETERS:
            blocks.setdefault(PARAMETERS[name].block, []).append(scenario.priors[name])
        for block, priors in blocks.items():
            fname = f"priors_{block}.png"
            prior_block_figure(block, priors, f"Priors of scenario '{scenario.name}'", caption,
                               tmp / fname)
            files.append(fname)
        g_med = float(np.median(_forecast_rate(params, scenario)))
        grid, comps, mixture = _requirement_curves(scenario, g_med)
        no_path = scenario.requirement.no_path_weight
        if scenario.requirement.capability is not None:  # its mass where b_h < floor
            no_path += scenario.requirement.capability.weight * _capability_prior_draws(
                scenario)[1]
        requirement_figure(grid, comps, mixture, no_path,
                           scenario.reference_year,
                           f"Requirement prior of scenario '{scenario.name}' (anchors moved to "
                           f"{scenario.reference_year:g} algorithms at the prior median rate "
                           f"{g_med:.2f} OOM/yr)", caption, tmp / "requirement.png")
        files.append("requirement.png")
        arrival_figure(draws["arrival_year"], summary, cutoff, scenario.horizon_year,
                       f"Implied prior of the arrival year, scenario '{scenario.name}' "
                       "(no data)", caption, tmp / "arrival_prior.png", conditioned=False)
        files.append("arrival_prior.png")
        prior_predictive_figure(pp, f"Prior predictive check: scenario '{scenario.name}' "
                                f"(data to {data_cutoff:.2f})", caption,
                                tmp / "prior_predictive.png")
        files.append("prior_predictive.png")
    return ShowResult(out_dir, format_rows(rows), format_table(summary), pp.warnings, files,
                      cutoff, cutoff_source, rows, summary)


def _forecast_rate(params: dict, scenario: Scenario) -> np.ndarray:
    from model.forecast import forecast_algorithmic_growth

    return forecast_algorithmic_growth(params, scenario)
