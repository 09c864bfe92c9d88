"""The requirement explorer in a real browser (headless Chromium from Debian's packages).

A driver script, put in front of the page, waits for the explorer, then works its controls as a
reader would (native inputs: a value is set and the input's own `input`/`change` event is
dispatched): switch to one normal, set a median, change the spread, move the median, set "no
path", switch back to anchors, pick another anchor set, reweight an anchor, turn the importance
reweighting off. After each step it reads the numbers the page shows (the table cells carry the
full-precision value in `data-value` beside the rounded text) and the requirement the page
used (`data-settings`), and times the step with performance.now() around the event dispatch
(recompute, table and figure, synchronously). The same sequence runs twice: at once after load
(the anchor sets not computed yet: cold) and after the page has warmed them, as it does in idle
time after load (done at once by the driver: headless Chromium runs timers on virtual time, where
performance.now() stands still, so everything timed runs inside the load handler, in real time).
The driver also evaluates the page's special functions at fixed arguments. The result goes to a
host page, printed by --dump-dom.

Python then evaluates the same settings with model/report/explorer.py `explorer_summary`
(requirement.conditional_cdf, forecast.arrival_cdf_by_draw) on the same thinned draws and
compares. Identical float64 draws and bit-identical effective-compute paths leave only the
rounding of Phi and Owen's T (~1e-16) between the two: tolerance 1e-10 on every probability and
1e-9 years on every quantile; the rounded text shown must equal Python's rounding.

Two pages: the published report of the shared short run (120 draws: integration, no errors, the
run's own numbers), and the explorer alone on 1,000 draws (that run's draws repeated, the size a
published run embeds), where response times are measured and screenshots taken at desktop
and phone width (kept in the test's temporary directory; `OOMCAST_SHOTS=DIR` copies them there).
"""

import json
import os
import re
import shutil

import numpy as np
import pytest
import xarray as xr
from publish_helpers import draft_report_dir, short_run_dir
from test_publish_browser import CHROMIUM, chromium

from model.report.explorer import (
    EXPLORER_CSS,
    explorer_data,
    explorer_draws,
    explorer_html,
    explorer_summary,
    load_explorer_draws,
    run_settings,
)
from model.report.render import CSP, CSS

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (.ci/run installs Debian's chromium)")

PROB_TOL = 1e-10
YEAR_TOL = 1e-9

#: (label, JavaScript that changes one control). `set`, `pick`, `radio`, `tick` dispatch the
#: control's own event, as the browser does when a person moves it.
STEPS = [
    ("one normal", "radio('ex-mode-normal')"),
    ("median 31", "set('ex-median', 31)"),
    ("spread 1.5", "set('ex-sigma', 1.5)"),
    ("median 33.5", "set('ex-median', 33.5)"),
    ("no path 0.1", "set('ex-nopath', 0.1)"),
    ("anchor sets", "radio('ex-mode-anchors')"),
    ("cotra-2020 anchors", "pick('ex-preset', 'cotra-2020')"),
    ("reweight first anchor", "set('ex-w-0', 0.6)"),
    ("no importance weights", "tick('ex-reweight', false)"),
    ("the run's anchors", "pick('ex-preset', 'run')"),
    ("importance weights back on", "tick('ex-reweight', true)"),
]

#: Arguments at which the page's special functions are compared with SciPy.
SPECIAL = {
    "phi": [-38.5, -30.0, -20.0, -8.3, -3.1, -1e-12, 0.0, 0.3, 1.7, 5.0, 8.99, 12.0],
    "owens_t": [[0.0, 0.5], [0.3, 0.2], [1.2, 0.9], [2.5, 0.75], [2.5, -0.75], [0.7, 3.0],
                [4.0, 20.0], [-1.5, 150.0], [8.0, 0.999], [0.05, 1e4], [6.0, 1e-3]],
    "bvn": [[0.3, -0.2, 0.99], [-1.0, -1.2, 0.999], [2.0, 0.5, 0.9], [-3.0, 1.5, 0.95],
            [0.5, 0.5, 0.2], [1e-12, 0.7, 0.995], [-6.0, -5.5, 0.9999]],
}

DRIVER = """<script>
(function () {
  var seen = [];
  window.addEventListener("error", function (e) { seen.push("error: " + e.message); }, true);
  document.addEventListener("securitypolicyviolation", function (e) {
    seen.push("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
  });
  function el(id) { return document.getElementById(id); }
  function set(id, v) { var e = el(id); e.value = String(v);
    e.dispatchEvent(new Event("input", {bubbles: true})); }
  function pick(id, v) { var e = el(id); e.value = v;
    e.dispatchEvent(new Event("change", {bubbles: true})); }
  function radio(id) { var e = el(id); e.checked = true;
    e.dispatchEvent(new Event("change", {bubbles: true})); }
  function tick(id, on) { var e = el(id); e.checked = on;
    e.dispatchEvent(new Event("change", {bubbles: true})); }
  function read(label, ms) {
    var root = el("ex-results"), cells = {};
    Array.prototype.forEach.call(root.querySelectorAll("[data-key]"), function (c) {
      var text = c.tagName === "TD" ? c.childNodes[0].textContent : c.textContent;
      cells[c.getAttribute("data-key")] = {value: c.getAttribute("data-value"), text: text};
    });
    var published = Array.prototype.map.call(root.querySelectorAll("#ex-tbody tr"),
      function (tr) { return tr.lastElementChild.textContent; });
    return {label: label, ms: ms, page_ms: Number(root.getAttribute("data-ms")),
            settings: JSON.parse(root.getAttribute("data-settings")),
            error: root.getAttribute("data-error"), cells: cells, published: published};
  }
  function run(steps) {
    var out = [read("initial", null)];
    steps.forEach(function (s) {
      var t = performance.now();
      s[1]();
      out.push(read(s[0], performance.now() - t));
    });
    return out;
  }
  function controls() {
    return Array.prototype.map.call(
      el("oomcast-explorer").querySelectorAll("input, select, button"), function (c) {
        return {id: c.id, tag: c.tagName, labelled: c.tagName === "BUTTON"
          ? c.textContent.trim().length > 0 : (c.labels ? c.labels.length : 0) > 0,
          tabindex: c.tabIndex};
      });
  }
  var STEPS = [%STEPS%], SPECIAL = %SPECIAL%;
  window.addEventListener("load", function () {
    var X = window.OomcastExplorer, page = window.OomcastExplorerPage;
    var result = {errors: seen, ready: el("oomcast-explorer").getAttribute("data-ready"),
                  first_ms: page ? page.lastMs : null, controls: controls(),
                  viewport: window.innerWidth, page_width: document.documentElement.scrollWidth,
                  special: {
                    phi: SPECIAL.phi.map(function (x) { return X.Phi(x); }),
                    phi_fast: SPECIAL.phi.map(function (x) { return X.PhiFast(x); }),
                    owens_t: SPECIAL.owens_t.map(function (a) { return X.owensT(a[0], a[1]); }),
                    bvn: SPECIAL.bvn.map(function (a) { return X.bvn(a[0], a[1], a[2]); })}};
    result.cold = run(%COLD%);
    // What idle time does after load, done here at once: timers run on virtual time in
    // headless Chromium, where performance.now() stands still; this handler runs in real time.
    var t = performance.now();
    while (page.warmStep()) {}
    result.warm_ms = performance.now() - t;
    result.warm = run(STEPS);
    parent.postMessage(JSON.stringify(result), "*");
  });
})();
</script>"""


def driver(cold_steps: bool = True) -> str:
    steps = ",".join(f"[{json.dumps(label)}, function () {{ {js}; }}]" for label, js in STEPS)
    return (DRIVER.replace("%STEPS%", steps).replace("%SPECIAL%", json.dumps(SPECIAL))
            .replace("%COLD%", "STEPS" if cold_steps else "[]"))


def probe(tmp_path, html: str, width: int, cold_steps: bool = True) -> dict:
    page = tmp_path / f"driven-{width}.html"
    page.write_text(html.replace("<head>", "<head>" + driver(cold_steps), 1))
    result = chromium(tmp_path, page, width, "--dump-dom", height=1200)
    match = re.search(r'<pre id="oomcast-probe">(.*?)</pre>', result.stdout, re.S)
    assert match, f"no driver output; chromium said: {result.stderr[-3000:]}"
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&")
                      .replace("&lt;", "<").replace("&gt;", ">"))


def standalone_page(payload: dict, text: str) -> str:
    """The explorer alone, in the report's own CSP, styles and markup."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><meta '
            f'http-equiv="Content-Security-Policy" content="{CSP}"><title>explorer</title>'
            f"<style>{CSS}{EXPLORER_CSS}</style></head><body><main>"
            f"{explorer_html(payload, text)}</main></body></html>")


def year_text(v, horizon):
    return f"after {horizon:.0f}" if v is None else f"{v:.1f}"


def pct_text(p):
    return f"{p * 100:.1f}%"


def near_boundary(value, digits):
    """True when value lies within 1e-9 of a rounding boundary (tie rules may differ)."""
    scaled = value * 10**digits
    return abs(scaled - np.floor(scaled) - 0.5) < 1e-9 * max(1.0, abs(scaled))


def compare(step: dict, ref: dict, horizon: float) -> dict:
    """Largest |page - Python| over the step's numbers; asserts the text shown is Python's."""
    cells, worst = step["cells"], {"prob": 0.0, "year": 0.0}

    def check_year(key, want):
        got = cells[key]
        if want is None:
            assert got["value"] == "null" and got["text"] == f"after {horizon:.0f}", (key, got)
            return
        diff = abs(float(got["value"]) - want)
        worst["year"] = max(worst["year"], diff)
        assert diff <= YEAR_TOL, (step["label"], key, got, want)
        if not near_boundary(want, 1):
            assert got["text"] == year_text(want, horizon), (step["label"], key, got, want)

    def check_prob(key, want):
        got = cells[key]
        diff = abs(float(got["value"]) - want)
        worst["prob"] = max(worst["prob"], diff)
        assert diff <= PROB_TOL, (step["label"], key, got, want)
        if not near_boundary(want * 100, 1):
            assert got["text"] == pct_text(want), (step["label"], key, got, want)

    check_year("median", ref["median"])
    for iv in ref["intervals"]:
        check_year(f"lower-{iv['prob']}", iv["lower"])
        check_year(f"upper-{iv['prob']}", iv["upper"])
    for y, e in ref["p_by_year"].items():
        check_prob(f"p-{y}", e["p"])
    check_prob("p-after", ref["p_after_horizon"]["p"])
    return worst


def tiled_posterior(posterior, copies: int):
    """The short run's draws repeated `copies` times along `draw` (a stand-in of the size a
    published run embeds; only the page's speed and arithmetic are tested on it)."""
    tiled = xr.concat([posterior] * copies, dim="draw")
    return tiled.assign_coords(draw=np.arange(tiled.sizes["draw"]))


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return short_run_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return draft_report_dir(tmp_path_factory) / "report.html"


@pytest.fixture(scope="module")
def big(run_dir, tmp_path_factory):
    """(page HTML, ExplorerDraws) with 1,000 draws, some with the capability anchor's slope
    below its floor."""
    from model.inference import load_idata

    idata = load_idata(run_dir / "posterior.nc")
    attrs = idata.posterior.attrs
    small = load_explorer_draws(run_dir)
    post = tiled_posterior(idata.posterior, -(-1000 // small.size))
    # every 7th draw's horizon slope below the floor: the capability anchor's mass is "no path"
    # there, on the page as in Python (the run's fit never goes there, so it is set here)
    b_h = post["capability_horizon_per_oom"]
    below = (np.arange(b_h.sizes["draw"]) % 7 == 0)[None, :]
    floor = small.scenario.requirement.capability.horizon_per_oom_floor
    post["capability_horizon_per_oom"] = b_h.copy(data=np.where(below, 0.5 * floor, b_h))
    cutoff = float(attrs["oomcast_cutoff_year"])
    draws = explorer_draws(post, small.scenario, cutoff)
    assert draws.size == 1000
    assert 0 < np.mean(draws.params["capability_horizon_per_oom"] < floor) < 0.5
    headline = json.loads((draft_report_dir(tmp_path_factory) / "intervals.json").read_text())
    payload, text = explorer_data(post, small.scenario, cutoff, headline["arrival_year"])
    return standalone_page(payload, text), draws


# ------------------------------------------------------------------ tests


def test_report_explorer_starts_at_the_runs_own_numbers(report, run_dir, tmp_path):
    """In the published report (120 draws): ready, no error, every control labelled and
    reachable by keyboard, and the first numbers are the run's requirement, computed exactly."""
    result = probe(tmp_path, report.read_text(), 1280, cold_steps=False)
    assert result["errors"] == [] and result["ready"] == "true"
    assert result["controls"] and all(c["labelled"] and c["tabindex"] >= 0
                                      for c in result["controls"]), result["controls"]
    draws = load_explorer_draws(run_dir)
    initial = result["warm"][0]
    want = run_settings(draws.scenario)
    got = initial["settings"]
    assert got["no_path_weight"] == want["no_path_weight"] and got["reweight"] is True
    for a, b in zip(got["anchors"], want["anchors"], strict=True):
        assert a["weight"] == pytest.approx(b["weight"], rel=1e-12)
        assert a["median_log10_flop"] == b["median_log10_flop"]
    horizon = draws.scenario.horizon_year
    compare(initial, explorer_summary(draws, got), horizon)
    # the "published" column is intervals.json's headline
    doc = json.loads((report.parent / "intervals.json").read_text())["arrival_year"]
    assert initial["published"][0] == year_text(doc["median"]["value"], horizon)
    for step in result["warm"][1:]:
        assert step["error"] is None, step
        compare(step, explorer_summary(draws, step["settings"]), horizon)


def test_controls_drive_numbers_that_match_python_and_respond_fast(big, tmp_path, capsys):
    html, draws = big
    result = probe(tmp_path, html, 1280)
    assert result["errors"] == [] and result["ready"] == "true"
    assert result["warm_ms"] > 0 and all(s["ms"] > 0 for s in result["warm"][1:]), result
    horizon = draws.scenario.horizon_year
    tref = draws.scenario.reference_year

    # the settings each step produced are the ones a reader set
    steps = {s["label"]: s for s in result["warm"]}
    normal = steps["median 33.5"]["settings"]
    keep = 1 - draws.scenario.requirement.no_path_weight  # one normal: no capability anchor
    assert "capability" not in normal
    assert normal["anchors"] == [{"name": "reader", "weight": pytest.approx(keep),
                                  "median_log10_flop": 33.5, "sigma_log10_flop": 1.5,
                                  "algorithms_year": tref}]
    assert steps["median 31"]["settings"]["anchors"][0]["median_log10_flop"] == 31
    assert steps["no path 0.1"]["settings"]["no_path_weight"] == 0.1
    cotra = steps["cotra-2020 anchors"]["settings"]
    assert len(cotra["anchors"]) == 6 and "sigma_below_log10_flop" in cotra["anchors"][0]
    assert sum(a["weight"] for a in cotra["anchors"]) == pytest.approx(1 - 0.07)
    shares = [a["weight"] for a in steps["reweight first anchor"]["settings"]["anchors"]]
    assert shares[0] / shares[1] == pytest.approx(0.6 / 0.21)
    assert steps["no importance weights"]["settings"]["reweight"] is False
    # the run's anchor set carries the capability anchor, held at the run's values: the page
    # models its per-draw piece (the numbers below agree with Python), other sets do not
    cap = draws.scenario.requirement.capability
    assert steps["the run's anchors"]["settings"]["capability"]["weight"] == cap.weight
    assert sum(a["weight"] for a in steps["the run's anchors"]["settings"]["anchors"]) == (
        pytest.approx(1 - draws.scenario.requirement.no_path_weight - cap.weight))
    assert "capability" not in cotra

    # every number shown equals Python's, cold and warm (the same draws: rounding only)
    worst = {"prob": 0.0, "year": 0.0}
    cache = {}
    for step in result["cold"] + result["warm"]:
        assert step["error"] is None, step
        key = json.dumps(step["settings"], sort_keys=True)
        if key not in cache:
            cache[key] = explorer_summary(draws, step["settings"])
        w = compare(step, cache[key], horizon)
        worst = {k: max(worst[k], w[k]) for k in worst}
    # moving the median by 2.5 OOM moves the arrival: the page is not showing a stale result
    assert float(steps["median 31"]["cells"]["p-2030"]["value"]) > float(
        steps["median 33.5"]["cells"]["p-2030"]["value"])

    # the page's special functions against SciPy
    from scipy import special

    from model.requirement import bivariate_normal_cdf

    sp = result["special"]
    phi = special.ndtr(SPECIAL["phi"])
    assert np.max(np.abs(np.array(sp["phi"]) - phi)) <= 1e-15
    assert np.max(np.abs(np.array(sp["phi_fast"]) - phi)) <= 1e-15
    lower = (np.array(SPECIAL["phi"]) < -3) & (phi > 1e-300)
    assert np.all(np.abs(np.array(sp["phi"])[lower] / phi[lower] - 1) < 1e-12)
    owen = np.array([special.owens_t(h, a) for h, a in SPECIAL["owens_t"]])
    assert np.max(np.abs(np.array(sp["owens_t"]) - owen)) <= 1e-15
    bvn = np.array([bivariate_normal_cdf(*a) for a in SPECIAL["bvn"]]).ravel()
    assert np.max(np.abs(np.array(sp["bvn"]) - bvn)) <= 1e-14

    # response time: performance.now() around each control's event (recompute + render)
    warm_ms = [s["ms"] for s in result["warm"][1:]]
    cold_ms = [s["ms"] for s in result["cold"][1:]]
    timings = {s["label"]: (round(c["ms"], 1), round(s["ms"], 1))
               for c, s in zip(result["cold"][1:], result["warm"][1:], strict=True)}
    with capsys.disabled():
        print(f"\nexplorer, 1,000 draws: first result {result['first_ms']:.0f} ms; per step "
              f"(cold, warm) ms {timings}; max |page - Python| probability "
              f"{worst['prob']:.1e}, year {worst['year']:.1e}; HTML {len(html):,} bytes")
    assert float(np.median(warm_ms)) < 100, timings
    assert max(warm_ms) < 400 and max(cold_ms) < 1500, timings  # a loaded CI machine


@pytest.mark.parametrize("width", [390, 1280])
def test_explorer_fits_and_screenshots(big, tmp_path, width):
    html, _ = big
    result = probe(tmp_path, html, width, cold_steps=False)
    assert result["errors"] == [] and result["viewport"] == width
    assert result["page_width"] <= width, "the explorer scrolls sideways"
    page = tmp_path / "explorer.html"
    page.write_text(html)
    shot = tmp_path / f"explorer-{width}.png"
    out = chromium(tmp_path, page, width, f"--screenshot={shot}", height=1900)
    assert shot.is_file() and shot.stat().st_size > 20_000, out.stderr[-2000:]
    if os.environ.get("OOMCAST_SHOTS"):
        shutil.copyfile(shot, os.path.join(os.environ["OOMCAST_SHOTS"], shot.name))
