"""The requirement explorer of the HTML report: the data it embeds and the Python reference
computation that the page's JavaScript (explorer.js) must reproduce.

The requirement R is the one input the data cannot settle, so the report lets the reader choose
it (an anchor set from this run's scenario or a preset in priors/, reweighted, or one normal given
by a median and a spread) while the growth trajectories stay the run's posterior draws. For each
draw theta, exactly as the run's own headline (model/forecast.py `arrival_cdf_by_draw`),

    P(T <= y | theta) = F_{R | no AGI yet, theta}(M_theta(y)),

F the conditional CDF of the reader's requirement given "no AGI yet" at the cutoff
(model/requirement.py `conditional_cdf`, with m_k = median_k - g_alg (t_ref - year_k)) and
M_theta(y) the running maximum of the projected effective compute on the grid of
`arrival_grid_years`. The arrival CDF is the average over draws (Rao-Blackwellised). With
`reweight` (the default), draws are importance-weighted by

    w_theta  proportional to  P_new(no AGI yet | theta) / P_run(no AGI yet | theta),

which turns the run's posterior into the one a refit with the reader's requirement would give
(the "no AGI yet" term is the only place the requirement meets the growth parameters; the same
weights as model/studies/sweep.py, without Pareto smoothing). Median and equal-tailed intervals:
where the mean CDF reaches each probability, linear between grid points (model/summary.py's
Rao-Blackwellised rule); P(by year) the mean CDF at report years, with the standard error of a
self-normalised weighted mean, sqrt(sum w^2 (F - mean)^2), treating the thinned draws as
independent.

The capability anchor (model/capability.py), when the run's scenario (or a picked anchor set)
has one, is held at its stated values on the page and is not a slider: it is a normal piece
whose median and scale differ per draw, m = E_c + (mu_H - a_h) / b, s = sigma_H / b, b = max(b_h,
floor), from the run's per-draw a_h and b_h (stored as two more columns); where b_h < floor its
mass is "no path" in that draw. The other anchors' shares fill 1 - w_0 - w_cap.

What is stored (the smaller exact choice): per thinned draw, the twelve inputs of the
piecewise-linear projection (model/projection.py `ProjectionInputs`: E_now, rates, caps,
spending headroom; per applied wall its gap to today's run and its growth), the softness, and
log P_run(no AGI yet | theta), as little-endian float64 in
base64 (constant columns once). The page recomputes M_theta on the grid in the same operations
and order as NumPy, so the paths are bit-identical; 14 numbers a draw instead of ~300 path
points. What differs is rounding in the special functions (Phi, Owen's T), ~1e-16 each.
"""

from __future__ import annotations

import base64
import json
import warnings
from dataclasses import asdict, astuple, dataclass, fields, replace
from pathlib import Path

import numpy as np

from model import requirement
from model.capability import CAPABILITY_ANCHOR_PARAMETERS, HORIZON_CENTRE_LOG10_FLOP
from model.forecast import (
    arrival_cdf_by_draw,
    arrival_grid_years,
    projection_inputs,
    trajectory_parameters,
)
from model.projection import WALL_FIELDS, ProjectionInputs
from model.scenario import (
    PRIORS_DIR,
    Anchor,
    CapabilityAnchor,
    PriorSpecError,
    Requirement,
    load_scenario,
)
from model.summary import INTERVAL_PROBS, REPORT_YEARS

#: Posterior draws kept for the page (evenly spaced over chains and draws).
EXPLORER_DRAWS = 1000
#: Key of the run's own anchor set among the presets.
RUN_PRESET = "run"
JS_PATH = Path(__file__).with_name("explorer.js")


@dataclass(frozen=True)
class ExplorerDraws:
    """The thinned posterior draws the page works from, and what the reference needs."""

    scenario: object            # the run's Scenario
    params: dict                # thinned trajectory + projection-only parameters, softness
    inputs: ProjectionInputs    # E(t)'s inputs for those draws (what the page stores)
    softness: np.ndarray
    log_p_not_yet_run: np.ndarray
    grid_years: np.ndarray
    cutoff_year: float
    draw_index: np.ndarray      # positions in the flattened (chain, draw) order
    n_total: int

    @property
    def size(self) -> int:
        return self.draw_index.size


def thinned_indices(n_total: int, n: int = EXPLORER_DRAWS) -> np.ndarray:
    """n positions spread evenly over 0 .. n_total - 1 (all of them when n >= n_total)."""
    if n >= n_total:
        return np.arange(n_total)
    return np.unique(np.round(np.linspace(0, n_total - 1, n)).astype(int))


def explorer_draws(posterior, scenario, cutoff_year: float,
                   n_draws: int = EXPLORER_DRAWS) -> ExplorerDraws:
    """Thin a run's posterior to `n_draws` and derive what the page and the reference use."""
    full = trajectory_parameters(posterior, scenario)
    n_total = posterior.sizes["chain"] * posterior.sizes["draw"]
    idx = thinned_indices(n_total, n_draws)
    params = {k: np.asarray(v)[idx] for k, v in full.items()}
    inputs = projection_inputs(params, scenario, cutoff_year)
    softness = np.asarray(params["not_yet_agi_softness_oom"], dtype=float)
    lp = requirement.log_prob_not_yet(scenario.requirement, inputs.effective_compute_at_cutoff,
                                      inputs.algorithmic_growth_oom_per_year, softness,
                                      scenario.reference_year,
                                      requirement.capability_draws(scenario.requirement, params,
                                                                   scenario.reference_year))
    grid = arrival_grid_years(cutoff_year, scenario.horizon_year, REPORT_YEARS)
    return ExplorerDraws(scenario, params, inputs, softness, lp, grid, float(cutoff_year),
                         idx, int(n_total))


def load_explorer_draws(run_dir: Path | str, n_draws: int = EXPLORER_DRAWS) -> ExplorerDraws:
    """`explorer_draws` of a run directory (its posterior.nc and recorded scenario file)."""
    from model.inference import load_idata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = load_idata(Path(run_dir) / "posterior.nc")
    attrs = idata.posterior.attrs
    scenario = load_scenario(Path(attrs["oomcast_scenario_path"]))
    return explorer_draws(idata.posterior, scenario, float(attrs["oomcast_cutoff_year"]),
                          n_draws)


# ------------------------------------------------------------------ requirement settings


def anchor_record(a: Anchor) -> dict:
    """An anchor as the page and `explorer_summary` take it (JSON)."""
    out = {"name": a.name, "weight": a.weight, "median_log10_flop": a.median_log10_flop,
           "algorithms_year": a.algorithms_year}
    if a.is_split:
        out["sigma_below_log10_flop"] = a.sigma_below_log10_flop
        out["sigma_above_log10_flop"] = a.sigma_above_log10_flop
    else:
        out["sigma_log10_flop"] = a.sigma_log10_flop
    out["source"] = a.source
    return out


def _preset(key: str, label: str, req: Requirement) -> dict:
    out = {"key": key, "label": label, "no_path_weight": req.no_path_weight,
           "anchors": [anchor_record(a) for a in req.anchors]}
    if req.capability is not None:  # held at its values on the page (not a slider)
        out["capability"] = asdict(req.capability)
    return out


def _requirement_key(req: Requirement) -> tuple:
    return (req.no_path_weight, tuple((a.weight, a.median_log10_flop, a.sigma_log10_flop,
                                       a.sigma_below_log10_flop, a.sigma_above_log10_flop,
                                       a.algorithms_year) for a in req.anchors),
            None if req.capability is None else astuple(req.capability))


def presets(scenario, priors_dir: Path = PRIORS_DIR) -> list[dict]:
    """The anchor sets a reader may pick: this run's scenario first, then every scenario file
    in priors/ whose requirement differs from it (files that do not parse are left out)."""
    out = [_preset(RUN_PRESET, f"this run's scenario ({scenario.name})", scenario.requirement)]
    seen = {_requirement_key(scenario.requirement)}
    for path in sorted(Path(priors_dir).glob("*.toml")):
        try:
            other = load_scenario(path)
        except PriorSpecError:
            continue
        key = _requirement_key(other.requirement)
        if key in seen:
            continue
        seen.add(key)
        out.append(_preset(other.name, f"{other.name}: {other.title}", other.requirement))
    return out


def requirement_from_settings(settings: dict) -> Requirement:
    """settings = {"anchors": [anchor records], "no_path_weight": p, "reweight": bool,
    "capability": scenario.CapabilityAnchor's fields (optional)}: the
    reader's requirement, anchors with zero weight left out (they contribute nothing)."""
    anchors = []
    for i, a in enumerate(settings["anchors"]):
        if not float(a["weight"]) > 0:
            continue
        split = a.get("sigma_below_log10_flop") is not None
        anchors.append(Anchor(
            name=str(a.get("name", f"anchor_{i}")), weight=float(a["weight"]),
            median_log10_flop=float(a["median_log10_flop"]),
            sigma_log10_flop=None if split else float(a["sigma_log10_flop"]),
            sigma_below_log10_flop=float(a["sigma_below_log10_flop"]) if split else None,
            sigma_above_log10_flop=float(a["sigma_above_log10_flop"]) if split else None,
            algorithms_year=float(a["algorithms_year"]), source="explorer", rationale="reader"))
    if not anchors:
        raise ValueError("the requirement needs at least one anchor with a positive weight")
    capability = settings.get("capability")
    return Requirement(tuple(anchors), float(settings.get("no_path_weight", 0.0)),
                       "explorer", "reader's settings",
                       capability=None if capability is None else CapabilityAnchor(**capability))


def quantile_from_cdf(grid: np.ndarray, mean_cdf: np.ndarray, prob: float) -> float | None:
    """The year where the mean CDF first reaches prob, linear between grid points; None after
    the horizon. The value rule of model/summary.py's Rao-Blackwellised quantiles."""
    if mean_cdf[-1] < prob:
        return None
    j = int(np.argmax(mean_cdf >= prob))
    if j == 0:
        return float(grid[0])
    lo, hi = mean_cdf[j - 1], mean_cdf[j]
    frac = 0.0 if hi <= lo else (prob - lo) / (hi - lo)
    return float(grid[j - 1] + frac * (grid[j] - grid[j - 1]))


def _mean_se(values: np.ndarray, w: np.ndarray) -> dict:
    mean = float(np.sum(w * values))
    return {"p": mean, "se": float(np.sqrt(np.sum(w**2 * (values - mean) ** 2)))}


def explorer_summary(draws: ExplorerDraws, settings: dict) -> dict:
    """The numbers the page shows for `settings`, computed the model's way: per-draw conditional
    CDFs from `arrival_cdf_by_draw` with the reader's requirement, importance weights from
    `requirement.log_prob_not_yet` (when settings["reweight"], default True). Unrounded."""
    req = requirement_from_settings(settings)
    scenario = replace(draws.scenario, requirement=req)
    cdf = arrival_cdf_by_draw(draws.params, scenario, draws.cutoff_year, draws.grid_years)
    n = draws.size
    if settings.get("reweight", True):
        lw = requirement.log_prob_not_yet(req, draws.inputs.effective_compute_at_cutoff,
                                          draws.inputs.algorithmic_growth_oom_per_year,
                                          draws.softness, scenario.reference_year,
                                          requirement.capability_draws(
                                              req, draws.params, scenario.reference_year))
        lw = lw - draws.log_p_not_yet_run
        w = np.exp(lw - lw.max())
        w = w / w.sum()
    else:
        w = np.full(n, 1.0 / n)
    mean_cdf = w @ cdf
    grid = draws.grid_years
    p_by = {str(y): _mean_se(cdf[:, int(np.searchsorted(grid, y))], w) for y in REPORT_YEARS}
    intervals = [{"prob": p, "lower": quantile_from_cdf(grid, mean_cdf, (1 - p) / 2),
                  "upper": quantile_from_cdf(grid, mean_cdf, 1 - (1 - p) / 2)}
                 for p in INTERVAL_PROBS]
    return {"mean_cdf": mean_cdf, "median": quantile_from_cdf(grid, mean_cdf, 0.5),
            "intervals": intervals, "p_by_year": p_by,
            "p_after_horizon": _mean_se(1.0 - cdf[:, -1], w),
            "ess_importance": float(1.0 / np.sum(w**2)), "n_draws": n}


def run_settings(scenario) -> dict:
    """The settings that reproduce the run's own requirement (the page's starting point)."""
    req = scenario.requirement
    out = {"anchors": [anchor_record(a) for a in req.anchors],
           "no_path_weight": req.no_path_weight, "reweight": True}
    if req.capability is not None:  # the capability anchor (its weights already in the rest)
        out["capability"] = asdict(req.capability)
    return out


# ------------------------------------------------------------------ the page's data


def _b64(values) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f8").tobytes()).decode("ascii")


def _column(values) -> str | float:
    v = np.asarray(values, dtype=float)
    return float(v[0]) if v.size and np.all(v == v[0]) else _b64(v)


def explorer_payload(draws: ExplorerDraws, headline: dict, published_mean_cdf,
                     preset_list: list[dict]) -> dict:
    """Everything the page needs, JSON-ready: draws (float64, base64), the grid, the run's
    published numbers and mean CDF (all draws) to draw against, and the anchor presets."""
    inputs = draws.inputs
    cols = {f.name: _column(getattr(inputs, f.name)) for f in fields(ProjectionInputs)
            if f.name not in (*WALL_FIELDS, "physical_compute_at_cutoff_log10_flop")}
    # the walls the run applies, as D_k's line: W_k0 - C_now and g_k (projection.wall_gaps_oom)
    gap0 = inputs.wall_log10_flop_at_cutoff - inputs.physical_compute_at_cutoff_log10_flop[:, None]
    walls = [k for k in range(gap0.shape[1]) if np.all(np.isfinite(gap0[:, k]))]
    for j, k in enumerate(walls):
        cols[f"wall_gap_at_cutoff_oom_{j}"] = _column(gap0[:, k])
        cols[f"wall_growth_oom_per_year_{j}"] = _column(inputs.wall_growth_oom_per_year[:, k])
    cols["not_yet_agi_softness_oom"] = _column(draws.softness)
    cols["log_p_not_yet_run"] = _column(draws.log_p_not_yet_run)
    for name in CAPABILITY_ANCHOR_PARAMETERS:  # the capability anchor's a_h, b_h per draw
        if name in draws.params:
            cols[name] = _column(np.broadcast_to(np.asarray(draws.params[name], float),
                                                 (draws.size,)))
    s = draws.scenario
    return {
        "version": 1, "n_draws": draws.size, "n_total": draws.n_total,
        "cutoff_year": draws.cutoff_year, "reference_year": s.reference_year,
        "horizon_year": s.horizon_year, "report_years": list(REPORT_YEARS),
        "interval_probs": list(INTERVAL_PROBS), "grid_years": _b64(draws.grid_years),
        "draws": cols, "presets": preset_list, "n_walls": len(walls),
        "capability_centre_log10_flop": HORIZON_CENTRE_LOG10_FLOP,
        "published": {
            "mean_cdf": _b64(published_mean_cdf),
            "median": headline["median"]["value"],
            "intervals": [{"prob": iv["prob"], "lower": iv["lower"]["value"],
                           "upper": iv["upper"]["value"]} for iv in headline["equal_tailed"]],
            "p_by_year": {y: e["p"] for y, e in headline["p_by_year"].items()},
            "p_after_horizon": headline["p_after_horizon"]["p"],
            "n_draws": headline["n_draws"],
        },
        "effective_compute_at_cutoff_median": float(
            np.median(draws.inputs.effective_compute_at_cutoff)),
    }


def explorer_data(posterior, scenario, cutoff_year: float, headline: dict,
                  n_draws: int = EXPLORER_DRAWS) -> tuple[dict, str]:
    """(payload, its JSON for a <script type="application/json"> element) for a run."""
    draws = explorer_draws(posterior, scenario, cutoff_year, n_draws)
    full = trajectory_parameters(posterior, scenario)
    published = arrival_cdf_by_draw(full, scenario, cutoff_year, draws.grid_years).mean(axis=0)
    payload = explorer_payload(draws, headline, published, presets(scenario))
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return payload, text.replace("</", "<\\/")


# ------------------------------------------------------------------ the page's markup

EXPLORER_CSS = """
.explorer { border: 1px solid var(--rule); background: #fbfcfd; padding: 0.8rem 1rem 1rem;
            margin: 1rem 0 2rem; }
.explorer fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
.explorer legend { font-weight: 600; padding: 0; margin-bottom: 0.3rem; }
.ex-grid { display: grid; grid-template-columns: minmax(0, 22rem) minmax(0, 1fr); gap: 1.2rem; }
.ex-row { display: grid; grid-template-columns: minmax(0, 1fr) 9rem 4.2rem; gap: 0.2rem 0.5rem;
          align-items: center; margin: 0.25rem 0; }
.ex-row label { font-size: 0.9rem; }
.ex-row small { display: block; }
.ex-row input[type=range] { width: 100%; margin: 0; }
.ex-row output { font-variant-numeric: tabular-nums; text-align: right; font-size: 0.9rem; }
.ex-modes label { display: block; margin: 0.15rem 0; }
.ex-select label { display: block; font-size: 0.9rem; margin-top: 0.5rem; }
.ex-select select { width: 100%; font: inherit; font-size: 0.9rem; padding: 0.25rem; }
.explorer button { font: inherit; font-size: 0.88rem; margin: 0.4rem 0; padding: 0.25rem 0.7rem; }
.ex-check { display: block; margin-top: 0.6rem; font-size: 0.9rem; }
#ex-chart { display: block; width: 100%; height: 460px; }
#ex-status { font-size: 0.9rem; color: var(--muted); min-height: 2.6em; margin: 0 0 0.4rem; }
.ex-key { font-size: 0.88rem; margin: 0.3rem 0; }
.ex-key span { white-space: nowrap; margin-right: 1rem; }
.ex-swatch { display: inline-block; width: 1.6rem; height: 0; vertical-align: middle;
             margin-right: 0.3rem; }
.explorer table td small { color: var(--muted); }
#ex-table { table-layout: fixed; }
#ex-table th:first-child { width: 34%; }
#ex-table td.num, #ex-table th.num { white-space: normal; }
.ex-summary { font-weight: 600; font-size: 0.92rem; margin: 0.6rem 0 0; padding: 0.4rem 0; }
@media (max-width: 800px) {
  .ex-grid { grid-template-columns: minmax(0, 1fr); }
  .ex-summary { position: sticky; bottom: 0; background: #fbfcfd; border-top: 1px solid
                var(--rule); z-index: 1; }
}
@media (max-width: 640px) {
  .explorer { padding: 0.6rem 0.6rem 0.8rem; }
  .ex-row { grid-template-columns: minmax(0, 1fr) 3.6rem; }
  .ex-row input[type=range] { grid-column: 1 / -1; grid-row: 2; }
  .ex-row output { grid-row: 1; grid-column: 2; }
}
"""


def explorer_html(payload: dict, payload_json: str) -> str:
    """The explorer section: controls (native, labelled inputs), the figure (a canvas with
    an ARIA description that the script keeps current), the table of numbers, the data and the
    script. Without JavaScript it says so and the rest of the report is unaffected."""
    t_ref = payload["reference_year"]
    e_now = payload["effective_compute_at_cutoff_median"]
    script = JS_PATH.read_text(encoding="utf-8").replace("</", "<\\/")
    return f"""<h2 id="explorer">Explore the requirement</h2>
<p>The data settle how fast effective compute grows, not how much of it AGI needs. Set that
requirement here: an anchor set (this run's, or a published model's from <code>priors/</code>),
reweighted as you like, or one normal distribution in log10 FLOP at {t_ref:g} algorithms. The
page recomputes the arrival year from {payload['n_draws']:,} of this run's
{payload['n_total']:,} posterior draws of the growth trajectories, with “no AGI yet” at the
data cutoff applied to your requirement exactly as in the model (per draw, the requirement given
that it exceeds today's effective compute, softly, integrated in closed form).</p>
<p>With the reweighting ticked, draws are also weighted by how well they explain “no AGI yet”
under your requirement, as a refit would. Today's effective compute (posterior median) is about
10<sup>{e_now:.1f}</sup> FLOP at {t_ref:g} algorithms. Dashed grey: this run as published, from
all its draws.</p>
<div class="explorer" id="oomcast-explorer">
<noscript><p>The explorer needs JavaScript; the rest of this report does not.</p></noscript>
<div class="ex-grid">
<form class="ex-controls" id="ex-form" onsubmit="return false">
<fieldset class="ex-modes"><legend>Requirement</legend>
<label><input type="radio" name="ex-mode" id="ex-mode-anchors" value="anchors" checked>
an anchor set</label>
<label><input type="radio" name="ex-mode" id="ex-mode-normal" value="normal">
one normal: median and spread</label>
</fieldset>
<div id="ex-anchors-panel">
<div class="ex-select"><label for="ex-preset">Anchor set</label>
<select id="ex-preset"></select></div>
<p class="ex-key" id="ex-weights-note">Anchor weights (relative; shares shown):</p>
<div id="ex-weights"></div>
<button type="button" id="ex-reset">Reset the weights</button>
</div>
<div id="ex-normal-panel" hidden>
<div class="ex-row"><label for="ex-median">median <small>FLOP at {t_ref:g} algorithms (a
log10 scale)</small></label><input type="range" id="ex-median" min="26" max="45" step="0.1"
value="32"><output id="ex-median-out" for="ex-median"></output></div>
<div class="ex-row"><label for="ex-sigma">spread <small>standard deviation, in OOM (powers
of ten)</small></label>
<input type="range" id="ex-sigma" min="0.25" max="8" step="0.05" value="2"><output
id="ex-sigma-out" for="ex-sigma"></output></div>
</div>
<div class="ex-row"><label for="ex-nopath">no path <small>probability that no amount of
compute suffices</small></label><input type="range" id="ex-nopath" min="0" max="0.5"
step="0.01" value="0"><output id="ex-nopath-out" for="ex-nopath"></output></div>
<label class="ex-check"><input type="checkbox" id="ex-reweight" checked> reweight the growth
posterior by “no AGI yet” under this requirement</label>
<p class="ex-summary" id="ex-summary" aria-live="polite"></p>
</form>
<div id="ex-results">
<p id="ex-status"></p>
<p class="ex-key"><span><span class="ex-swatch" style="border-top:3px solid #1f4e79"></span>your
requirement</span><span><span class="ex-swatch" style="border-top:3px dashed #8a939c"></span>this
run, published</span></p>
<canvas id="ex-chart" role="img" aria-label="Arrival-year figure of the explorer"></canvas>
<div class="scroll"><table class="headline" id="ex-table"><caption>Arrival year under your
requirement (± Monte Carlo standard error of the {payload['n_draws']:,} draws) and as
published</caption><thead><tr><th>quantity</th><th class="num">your requirement</th>
<th class="num">as published</th></tr></thead><tbody id="ex-tbody"></tbody></table></div>
</div>
</div>
</div>
<script type="application/json" id="oomcast-explorer-data">{payload_json}</script>
<script>{script}</script>"""
