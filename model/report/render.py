"""Render an assembled report (publish.py `Report`) as one self-contained HTML file or Markdown.

HTML: figures are embedded as base64 PNG, each with a phone-width version chosen by a media query
(`<picture>`); no script, font or stylesheet is loaded from anywhere (a Content-Security-Policy
says so), so the file can be mailed, archived and opened offline. Tables reflow into labelled
cards on narrow screens. A draft carries a fixed DRAFT watermark and the gate's reasons at the top.

Markdown: the same sections, with the desktop PNGs in a folder beside the file.
"""

from __future__ import annotations

import base64
import datetime
import html
import json
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

from model.inference import ESS_MIN, RHAT_MAX
from model.report.explorer import EXPLORER_CSS, explorer_html
from model.report.gate import MCSE_PROB_MAX
from model.report.headline import hdi_hidden_reason
from model.scenario import PARAMETERS
from model.summary import INTERVAL_PROBS

PHONE_MAX_WIDTH_PX = 640

CSS = f"""
:root {{ --ink: #1d2733; --muted: #5b6673; --rule: #d9dee4; --accent: #1f4e79;
        --warn: #a4262c; --bg: #ffffff; --band: #f4f6f8; }}
* {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }}
body {{ margin: 0; background: var(--bg); color: var(--ink);
       font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
       sans-serif; }}
main {{ max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }}
h1 {{ font-size: 1.7rem; line-height: 1.25; margin: 0.2rem 0 0.4rem; }}
h2 {{ font-size: 1.3rem; margin: 2.4rem 0 0.6rem; padding-top: 0.6rem;
     border-top: 1px solid var(--rule); }}
h3 {{ font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }}
p, li {{ max-width: 46rem; overflow-wrap: anywhere; }}  /* long names, phone width */
.sub {{ color: var(--muted); margin: 0 0 1rem; }}
.lede {{ font-size: 1.12rem; background: var(--band); border-left: 4px solid var(--accent);
        padding: 0.8rem 1rem; margin: 1rem 0; }}
nav.toc {{ font-size: 0.92rem; color: var(--muted); }}
nav.toc a {{ margin-right: 0.9rem; white-space: nowrap; }}
a {{ color: var(--accent); overflow-wrap: anywhere; }}
code, pre, .mono {{ font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
                   font-size: 0.86em; }}
pre {{ background: var(--band); padding: 0.7rem 0.9rem; overflow-x: auto;
      white-space: pre-wrap; overflow-wrap: anywhere; }}
.hash {{ font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
        font-size: 0.8em; overflow-wrap: anywhere; word-break: break-all; }}
.scroll {{ overflow-x: auto; margin: 0.6rem 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.92rem; }}
th, td {{ text-align: left; vertical-align: top; padding: 0.35rem 0.55rem;
         border-bottom: 1px solid var(--rule); }}
th {{ background: var(--band); font-weight: 600; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
tr.fail td {{ color: var(--warn); font-weight: 600; }}
caption {{ caption-side: top; text-align: left; font-weight: 600; padding: 0.3rem 0; }}
table.fixed {{ table-layout: fixed; }}
table.fixed td {{ overflow-wrap: anywhere; }}
table.headline {{ max-width: 40rem; }}
table.narrow {{ max-width: 24rem; }}
small {{ color: var(--muted); }}
code.wrap {{ overflow-wrap: anywhere; word-break: break-all; }}
table.diag th.num {{ white-space: normal; }}
table.headline td:first-child {{ white-space: nowrap; }}
nav.toc {{ line-height: 2; }}
figure {{ margin: 1rem 0 2rem; }}
figure img {{ display: block; width: 100%; height: auto; border: 1px solid var(--rule); }}
figcaption {{ color: var(--muted); font-size: 0.92rem; margin-top: 0.4rem; }}
.ok {{ color: #2e7d32; font-weight: 600; }}
.bad {{ color: var(--warn); font-weight: 600; }}
.banner {{ border: 2px solid var(--warn); color: var(--warn); background: #fdf1f1;
          padding: 0.8rem 1rem; margin: 1rem 0; }}
.banner ul {{ margin: 0.3rem 0 0; padding-left: 1.2rem; }}
.watermark {{ position: fixed; inset: 0; display: flex; align-items: center;
             justify-content: center; pointer-events: none; z-index: 10; }}
.watermark span {{ font: 700 18vw/1 system-ui, sans-serif; color: rgba(164, 38, 44, 0.13);
                  transform: rotate(-30deg); letter-spacing: 0.05em; }}
footer {{ color: var(--muted); font-size: 0.85rem; margin-top: 3rem; }}
@media (max-width: {PHONE_MAX_WIDTH_PX}px) {{
  body {{ font-size: 15px; }}
  main {{ padding: 1rem 0.8rem 3rem; }}
  h1 {{ font-size: 1.35rem; }}
  h2 {{ font-size: 1.15rem; }}
  table {{ font-size: 0.86rem; }}
  th, td {{ padding: 0.3rem 0.35rem; }}
  table.stack thead {{ display: none; }}
  table.stack, table.stack tbody, table.stack tr, table.stack td {{ display: block;
    width: 100%; }}
  table.stack colgroup {{ display: none; }}
  table.stack caption {{ display: block; }}
  table.stack tr {{ border: 1px solid var(--rule); margin: 0 0 0.7rem; padding: 0.3rem 0.5rem; }}
  table.stack td {{ border: 0; padding: 0.15rem 0; white-space: normal; text-align: left; }}
  table.stack td::before {{ content: attr(data-label); display: block; font-size: 0.78rem;
    color: var(--muted); font-weight: 600; }}
}}
@media print {{ .watermark {{ position: absolute; }} nav.toc {{ display: none; }} }}
"""

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")



def _anchor_sd(an) -> str:
    """The anchor's scale: one sd, or 'below / above' the median for a split normal."""
    below, above = an.sigmas_log10_flop
    return f"{below:g}" if below == above else f"{below:g} below / {above:g} above"


def _anchor_shape(an) -> str:
    below, above = an.sigmas_log10_flop
    if below == above:
        return f"N({an.median_log10_flop:g}, {below:g}²)"
    return f"split normal (median {an.median_log10_flop:g}, sd {below:g} below / {above:g} above)"

def _e(text) -> str:
    return html.escape(str(text), quote=True)


# ------------------------------------------------------------------ numbers as text


def year_text(entry: dict, horizon: float) -> str:
    return f"after {horizon:.0f}" if entry["after_horizon"] else f"{entry['value']:.1f}"


def mcse_year_text(entry: dict) -> str:
    return "—" if entry["after_horizon"] or entry["mcse"] is None else f"±{entry['mcse']:.2f}"


def pct(p: float) -> str:
    return f"{p * 100:.1f}%"


def interval_text(iv: dict, horizon: float) -> str:
    return f"{year_text(iv['lower'], horizon)} – {year_text(iv['upper'], horizon)}"


def interval_mcse_text(iv: dict) -> str:
    return f"MCSE {mcse_year_text(iv['lower'])} / {mcse_year_text(iv['upper'])}"


def interval_rows(h: dict) -> list[tuple[str, str, str, str, str]]:
    """(interval, equal-tailed, its MCSE, highest-density, its MCSE) rows; the first row is the
    median (a point, in the equal-tailed columns)."""
    horizon = h["horizon_year"]
    hidden = hdi_hidden_reason(h) is not None
    rows = [("median", year_text(h["median"], horizon), f"MCSE {mcse_year_text(h['median'])}",
             "", "")]
    for et, hdi in zip(h["equal_tailed"], h["hdi"], strict=True):
        rows.append((f"{int(et['prob'] * 100)}%", interval_text(et, horizon),
                     interval_mcse_text(et),
                     "not shown (see below)" if hidden else interval_text(hdi, horizon),
                     "" if hidden else interval_mcse_text(hdi)))
    return rows


def probability_rows(h: dict) -> list[tuple[str, str, str]]:
    """(event, probability, MCSE) rows: P(by each report year) and P(after the horizon)."""
    rows = [(f"by {year}", pct(e["p"]), f"±{e['mcse'] * 100:.2f} pp")
            for year, e in h["p_by_year"].items()]
    pa = h["p_after_horizon"]
    rows.append((f"after {h['horizon_year']:.0f}", pct(pa["p"]), f"±{pa['mcse'] * 100:.2f} pp"))
    return rows


def draws_text(h: dict) -> str:
    return (f"every entry rests on the same {h['n_draws']:,} posterior draws "
            f"({h['n_chains']} chains; bulk ESS of the arrival year {h['ess_bulk']})")


def lede_text(report) -> str:
    h = report.headline
    horizon = h["horizon_year"]
    by80 = next(iv for iv in h["equal_tailed"] if abs(iv["prob"] - 0.8) < 1e-9) \
        if 0.8 in INTERVAL_PROBS else h["equal_tailed"][-1]
    p2030 = h["p_by_year"].get("2030")
    parts = [f"Median arrival {year_text(h['median'], horizon)}",
             f"{int(by80['prob'] * 100)}% interval {year_text(by80['lower'], horizon)} – "
             f"{year_text(by80['upper'], horizon)}"]
    if p2030:
        parts.append(f"P(by 2030) {pct(p2030['p'])}")
    parts.append(f"P(after {horizon:.0f}) {pct(h['p_after_horizon']['p'])}")
    return "; ".join(parts) + "."


def dist_text(dist) -> str:
    params = {k: v for k, v in dist.model_dump().items() if k != "dist"}
    return f"{dist.dist}(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                       for k, v in params.items()) + ")"


def date_text(decimal_year: float) -> str:
    """Decimal year -> ISO calendar date, the inverse of model/data.py `decimal_year`
    (year + days since 1 January / days in that year), e.g. 2025.8329 -> 2025-11-01."""
    year = int(decimal_year // 1)
    start = datetime.date(year, 1, 1)
    days_in_year = (datetime.date(year + 1, 1, 1) - start).days
    days = min(round((decimal_year - year) * days_in_year), days_in_year - 1)
    return (start + datetime.timedelta(days=days)).isoformat()


def package_version() -> str:
    """The installed oomcast version (pyproject.toml), or 'unknown' when run from a bare tree."""
    try:
        return _dist_version("oomcast")
    except PackageNotFoundError:
        return "unknown"


def citation_text(report, today: datetime.date | None = None) -> str:
    """One citable line: package version, the calendar date it was published, the scenario and
    data by hash and calendar date, seed, draws and commit."""
    a = report.attrs
    vint = json.loads(a.get("oomcast_data_vintages", "{}") or "{}")
    today = today or datetime.datetime.now(datetime.UTC).date()
    return (f"oomcast {package_version()}, AGI arrival-year posterior, published "
            f"{today.isoformat()}, scenario '{a.get('oomcast_scenario')}' "
            f"(SHA-256 {str(a.get('oomcast_scenario_sha256', ''))[:12]}), data cutoff "
            f"{date_text(float(a['oomcast_cutoff_year']))} (frontier-compute vintage "
            f"{vint.get('frontier_compute', '?')}), seed {a.get('oomcast_seed')}, "
            f"{report.headline['n_draws']:,} posterior draws, code commit "
            f"{commit_text(a)}.")


def commit_text(attrs: dict) -> str:
    """Short git commit, flagged when the run's working tree had uncommitted changes."""
    commit = str(attrs.get("oomcast_git_commit", "unknown"))
    return commit[:12] + (" (with uncommitted changes)" if commit.endswith("-dirty") else "")


PPC_HINT = ("No posterior predictive checks were run for this run directory (no ppc.json): "
            "run `oomcast ppc RUN_DIR`, then publish again, to show how well the model "
            "reproduces each data stream and its LOO-PIT calibration here.")
SENSITIVITY_HINT = ("No sensitivity analysis was run for this run directory (no "
                    "sensitivity.json): run `oomcast sensitivity RUN_DIR`, then publish again. "
                    "Until then, the scenario's priors below are the main stated assumption "
                    "behind the interval.")


def ppc_rows(ppc: dict) -> list[list[str]]:
    """(stream, n, inside 50%, inside 90%, LOO-PIT KS p, flags) per stream of ppc.json."""
    rows = []
    for stream, r in ppc["streams"].items():
        flags = r.get("flags") or []
        rows.append([str(r.get("title", stream)), str(r["n"]), f"{r['inside_50']:.0%}",
                     f"{r['inside_90']:.0%}", f"{r['loo_pit_ks_p']:.3f}",
                     "FLAGGED: " + "; ".join(flags) if flags else "ok"])
    return rows


PPC_COLUMNS = ["stream", "n", "inside 50%", "inside 90%", "LOO-PIT KS p", "flags"]
PPC_NOTE = ("Posterior predictive checks (oomcast ppc): the share of observations inside their "
            "50% and 90% posterior predictive intervals (about 50% and 90% when the model fits) "
            "and the Kolmogorov-Smirnov p-value of the LOO-PIT values against uniform. A stream "
            "is flagged when a share lies outside the central 99% binomial range for its n, or "
            "when the KS p-value is below 0.05. Figures: ppc.png and loo_pit.png in the run "
            "directory.")


def flatten_json(value, prefix: str = "") -> list[tuple[str, str]]:
    """(key path, value) pairs of an arbitrary JSON value (the sensitivity summary's shape is
    another module's contract; shown as it comes)."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += flatten_json(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(value, list) and value and all(not isinstance(v, dict | list) for v in value):
        return [(prefix, ", ".join(_short(v) for v in value))]
    if isinstance(value, list):
        out = []
        for i, v in enumerate(value):
            out += flatten_json(v, f"{prefix}[{i}]")
        return out
    return [(prefix, _short(value))]


def _short(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "null" if v is None else str(v)


def sensitivity_tables(value) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, columns, rows) tables of RUN_DIR/sensitivity.json: the power-scaling summary of
    model/studies/sensitivity.py (kind "oomcast.sensitivity") as diagnosis, ranking and
    power-scaled tables; any other JSON generically (lists of records as tables, the rest as
    key/value rows)."""
    if isinstance(value, dict) and value.get("kind") == "oomcast.sensitivity":
        try:
            return _power_scaling_tables(value)
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # an unexpected layout: show it as it comes
    return _generic_tables(value)


def _power_scaling_tables(doc: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    threshold = doc["method"]["threshold"]
    meaning = {q["name"]: q.get("meaning", "") for q in doc["quantities"]}
    rows = [[f"{q} — {meaning.get(q, '')}".rstrip(" —"), _short(d["prior"]),
             _short(d["likelihood"]), d["label"]] for q, d in doc["diagnosis"].items()]
    tables = [(f"Power-scaling sensitivity (CJS; {threshold:g} or more matters)",
               ["quantity", "prior", "likelihood", "diagnosis"], rows)]
    rank = doc["ranking"]["arrival_year"]
    other = {k: {r["component"]: r["sensitivity"] for r in v}
             for k, v in doc["ranking"].items() if k != "arrival_year"}
    labels = doc.get("block_diagnosis", {})
    comps = {c["id"]: c for c in doc["components"]}
    rows = []
    for r in rank:
        cid = r["component"]
        block = cid.split(":", 1)[-1]
        extra = [_short(v.get(cid)) for v in other.values()]
        flag = " (Pareto k > 0.7)" if comps.get(cid, {}).get("pareto_k_flag") else ""
        rows.append([cid, _short(r["sensitivity"]), *extra,
                     labels.get(block, {}).get("arrival_year", "") + flag])
    tables.append(("Prior blocks, largest effect on the arrival year first",
                   ["prior block", "arrival year", *other.keys(), "diagnosis (arrival)"], rows))
    ps = doc.get("power_scaled_arrival")
    if ps:
        rows = []
        for alpha, k, summ in zip(ps["alphas"], ps["pareto_k"], ps["summaries"], strict=True):
            med = summ["median"]
            rows.append([f"{alpha:g}", "after horizon" if med["after_horizon"]
                         else f"{med['value']:.1f}",
                         pct(summ["p_by_year"]["2030"]["p"]) if "2030" in summ["p_by_year"]
                         else "", _short(k)])
        tables.append((f"Arrival year with the {ps['component']} power-scaled by alpha",
                       ["alpha", "median", "P(by 2030)", "Pareto k"], rows))
    notes = doc.get("notes") or []
    if notes:
        tables.append(("Notes", ["note"], [[n] for n in notes]))
    return tables


def _generic_tables(value) -> list[tuple[str, list[str], list[list[str]]]]:
    tables, rest = [], {}
    items = value.items() if isinstance(value, dict) else [("sensitivity", value)]
    for key, v in items:
        if isinstance(v, list) and v and all(isinstance(r, dict) for r in v):
            cols = []
            for r in v:
                cols += [c for c in r if c not in cols]
            tables.append((str(key), cols, [[_cell(r.get(c)) for c in cols] for r in v]))
        else:
            rest[key] = v
    if rest:
        tables.insert(0, ("summary", ["key", "value"],
                          [[k, v] for k, v in flatten_json(rest)]))
    return tables


def _cell(v) -> str:
    if isinstance(v, dict | list):
        return "; ".join(f"{k}: {x}" for k, x in flatten_json(v)) if v else ""
    return _short(v)


#: Report years in the per-anchor table (all of them are in summary.json).
ANCHOR_YEARS = ("2030", "2035", "2050", "2100")


def anchor_rows(doc: dict) -> tuple[list[str], list[list[str]]]:
    """The per-anchor contributions (summary.json requirement_by_anchor) as (columns, rows):
    percentage points of P(by year) with MCSE, posterior probability of the anchor, prior
    weight; then "no path" and the sum, which is the headline."""
    cols = (["anchor"] + [f"by {y} (pp)" for y in ANCHOR_YEARS]
            + ["P(anchor | data)", "prior weight"])
    rows, total = [], dict.fromkeys(ANCHOR_YEARS, 0.0)
    for name, e in sorted(doc["anchors"].items(), key=lambda kv: kv[1]["order"]):
        cells = [name.replace("_", " ")]
        for y in ANCHOR_YEARS:
            p = e["p_by_year"][y]
            total[y] += p["p"]
            cells.append(f"{p['p'] * 100:.1f} ± {p['mcse'] * 100:.2f}")
        r = e["posterior_responsibility"]
        w = e["prior_weight"]
        cells += [f"{r['p']:.1%} ± {r['mcse'] * 100:.2f} pp",
                  "n/a" if w is None else f"{w:.1%}"]
        rows.append(cells)
    npath = doc["no_path"]
    rows.append(["no path (never arrives)"] + [""] * len(ANCHOR_YEARS)
                + [f"{npath['posterior_responsibility']['p']:.1%}",
                   f"{npath['prior_weight']:.1%}"])
    rows.append(["sum = headline"] + [f"{total[y] * 100:.1f}" for y in ANCHOR_YEARS]
                + ["100%", "100%"])
    return cols, rows


ANCHOR_NOTE = ("Each anchor's share of P(AGI by year), in percentage points with its MCSE: "
               "P(T <= y, anchor | data), Rao-Blackwellised per posterior draw, so the rows add "
               "up to the headline. P(anchor | data) is the anchor's posterior probability "
               "given no AGI yet; the prior weights are the scenario's (see its requirement "
               "rationale for where they come from).")


# ------------------------------------------------------------------ HTML


def _table(columns, rows, cls: str = "", numeric: set[int] = frozenset(),
           row_classes: list[str] | None = None, caption: str = "",
           widths: tuple[int, ...] = ()) -> str:
    """An HTML table; cls "stack" reflows rows into labelled cards on phones; widths (percent
    per column) fix the desktop layout of text-heavy tables."""
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    cols = ("<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths)
            + "</colgroup>") if widths else ""
    if widths:
        cls = f"{cls} fixed".strip()
    head = "".join(f'<th class="num">{_e(c)}</th>' if i in numeric else f"<th>{_e(c)}</th>"
                   for i, c in enumerate(columns))
    body = []
    for r_i, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            attrs = f' data-label="{_e(columns[i])}"' + (' class="num"' if i in numeric else "")
            cells.append(f"<td{attrs}>{cell}</td>")
        rc = f' class="{row_classes[r_i]}"' if row_classes and row_classes[r_i] else ""
        body.append(f"<tr{rc}>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table class="{cls}">{cap}{cols}<thead><tr>{head}</tr>'
            f"</thead><tbody>{''.join(body)}</tbody></table></div>")


def _img(path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _figure_html(f) -> str:
    source = (f'<source media="(max-width: {PHONE_MAX_WIDTH_PX}px)" srcset="{_img(f.narrow)}">'
              if f.narrow is not None else "")
    return (f'<figure id="fig-{_e(f.key)}"><h3>{_e(f.title)}</h3><picture>{source}'
            f'<img src="{_img(f.wide)}" alt="{_e(f.title)}: {_e(f.description)}" '
            f'decoding="sync"></picture><figcaption>{_e(f.description)}</figcaption></figure>')


def _diag_rows(report):
    rows, classes = [], []
    for name, d in report.diagnostics["per_variable"].items():
        ok = (d["rhat_max"] <= RHAT_MAX and d["ess_bulk_min"] >= ESS_MIN
              and d["ess_tail_min"] >= ESS_MIN)
        rows.append([f'<code class="wrap">{_e(name)}</code>', f"{d['rhat_max']:.3f}",
                     f"{d['ess_bulk_min']:.0f}", f"{d['ess_tail_min']:.0f}",
                     '<span class="ok">pass</span>' if ok else '<span class="bad">FAIL</span>'])
        classes.append("" if ok else "fail")
    return rows, classes


def render_html(report) -> str:
    a, h = report.attrs, report.headline
    horizon = h["horizon_year"]
    name = report.run_name
    parts = [f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{'DRAFT · ' if report.draft else ''}When does AGI arrive? oomcast · {_e(name)}</title>
<style>{CSS}{EXPLORER_CSS}</style></head><body>"""]
    if report.draft:
        parts.append('<div class="watermark" aria-hidden="true"><span>DRAFT</span></div>')
    parts.append("<main>")
    parts.append(f"<h1>When does AGI arrive? The oomcast posterior, scenario “{_e(name)}”</h1>")
    parts.append(f'<p class="sub">Arrival year = the first year the largest training run\'s '
                 f"effective compute (physical FLOP × algorithmic efficiency, at "
                 f"{float(a['oomcast_reference_year']):g} algorithms) reaches the AGI "
                 f"requirement. Data cutoff {date_text(float(a['oomcast_cutoff_year']))}; horizon "
                 f"{horizon:.0f}.</p>")
    if report.draft:
        items = "".join(f"<li>{_e(r)}</li>" for r in report.failures)
        parts.append(f'<div class="banner" role="alert"><strong>DRAFT — not for citation.</strong>'
                     f" This run fails the publication gate:<ul>{items}</ul></div>")
    parts.append('<nav class="toc">' + " ".join(
        f'<a href="#{k}">{t}</a>' for k, t in (
            ("headline", "Headline"), ("cite", "Cite"), ("figures", "Figures"),
            ("explorer", "Explorer"),
            ("references", "Published forecasts"), ("diagnostics", "Diagnostics"),
            ("sensitivity", "Sensitivity"), ("scenario", "Scenario"), ("data", "Data"),
            ("reproduce", "Reproduce"))) + "</nav>")

    parts.append('<h2 id="headline">Headline</h2>')
    parts.append(f'<p class="lede">{_e(lede_text(report))}</p>')
    rows = [[f"<strong>{_e(r[0])}</strong>", f"{_e(r[1])}<br><small>{_e(r[2])}</small>",
             f"{_e(r[3])}<br><small>{_e(r[4])}</small>" if r[3] else ""]
            for r in interval_rows(h)]
    parts.append(_table(["arrival year", "equal-tailed", "highest-density"], rows,
                        cls="headline", caption=f"Arrival year: median and credible "
                        f"intervals (MCSE in years; {h['n_draws']:,} draws)"))
    if hdi_hidden_reason(h):
        parts.append(f"<p><small>{_e(hdi_hidden_reason(h))}</small></p>")
    rows = [[f"P(AGI {_e(r[0])})", _e(r[1]), _e(r[2]), f"{h['n_draws']:,}"]
            for r in probability_rows(h)]
    parts.append(_table(["probability", "estimate", "MCSE", "draws"], rows, cls="headline",
                        numeric={1, 2, 3}, caption="Probability that AGI has arrived by each "
                        "year, and after the horizon"))
    if getattr(report, "anchors", None) is not None:
        cols, rows = anchor_rows(report.anchors["doc"])
        parts.append(_table(cols, [[_e(c) for c in r] for r in rows], cls="stack",
                            numeric=set(range(1, len(cols))),
                            caption="Which requirement anchor the probability comes from"))
        parts.append(f"<p><small>{_e(ANCHOR_NOTE)}</small></p>")
    est = ("the same expectation as counting arrival draws, with the requirement's own "
           "sampling noise removed" if str(h.get("estimator", "")).startswith("rao-black")
           else None)
    parts.append(
        f"<p>Monte Carlo: {_e(draws_text(h))}. Median, equal-tailed intervals and "
        f"probabilities: {_e(h.get('estimator', 'arrival draws counted'))}"
        f"{'; ' + _e(est) if est else ''}. Highest-density intervals: "
        f"{_e(h.get('hdi_estimator', 'az.hdi'))}; an HDI bound's MCSE is the quantile MCSE at "
        f"the bound's probability level (first-order, so a lower bound). MCSE is the Monte "
        f"Carlo standard error, accounting for autocorrelation (ArviZ). Draws that do not "
        f"arrive by {horizon:.0f} count as “after {horizon:.0f}”, never dropped; an interval "
        f"that reaches them is open-ended. The same numbers are in <code>intervals.json</code> "
        f"beside this file.</p>")

    parts.append('<h2 id="cite">How to cite</h2>')
    parts.append(f"<pre>{_e(citation_text(report))}</pre>")
    parts.append("<p>Quote an interval together with its scenario: the requirement prior "
                 "(below) drives the tail. A number from a DRAFT report is not citable.</p>")

    parts.append('<h2 id="figures">Figures</h2>')
    parts += [_figure_html(f) for f in report.figures]
    if getattr(report, "explorer", None) is not None:
        parts.append(explorer_html(*report.explorer))
    elif getattr(report, "explorer_problem", None):
        parts.append(f'<h2 id="explorer">Explore the requirement</h2><p>'
                     f'{_e(report.explorer_problem)}</p>')

    parts.append('<h2 id="references">Published forecasts shown for reference</h2>')
    parts.append("<p>Each forecasts its own milestone; none is this model's "
                 "“effective compute reaches the requirement”. They are context, not "
                 "validation.</p>")
    rows = []
    for r in report.references:
        pts = "<br>".join(f"{p * 100:.0f}% by {y:.0f}" for y, p in r.points)
        rows.append([f"<strong>{_e(r.label)}</strong><br>{_e(r.date)}<br>"
                     f"<small>{_e(r.milestone)}</small>",
                     f"median {r.median_year:.0f}<br>{pts}",
                     f'{_e(r.source)}<br><a href="{_e(r.url)}">{_e(r.url)}</a>'
                     + (f"<br><small>{_e(r.note)}</small>" if r.note else "")])
    parts.append(_table(["forecast, date, milestone", "published numbers", "source"], rows,
                        cls="stack", widths=(24, 16, 60)))

    d = report.diagnostics
    parts.append('<h2 id="diagnostics">Diagnostics</h2>')
    gate = ('<span class="ok">passed</span>' if not report.failures
            else f'<span class="bad">failed ({len(report.failures)} '
            f'{"reason" if len(report.failures) == 1 else "reasons"}, listed at the top)</span>')
    parts.append(
        f"<p>Publication gate: {gate}. Conditions: R-hat ≤ {RHAT_MAX}, bulk and tail ESS ≥ "
        f"{ESS_MIN} for every free parameter and the arrival year, no divergent transitions, "
        f"MCSE of every headline probability ≤ {MCSE_PROB_MAX * 100:.1f} percentage points, and "
        f"the data and scenario files unchanged since the run. Divergences: "
        f"{d['divergences']}; max R-hat {d['rhat_max']:.3f}; min bulk ESS "
        f"{d['ess_bulk_min']:.0f}; min tail ESS {d['ess_tail_min']:.0f}.</p>")
    rows, classes = _diag_rows(report)
    parts.append(_table(["variable", "R-hat (max)", "bulk ESS (min)", "tail ESS (min)", ""],
                        rows, numeric={1, 2, 3}, row_classes=classes, cls="diag"))

    if report.ppc is None:
        parts.append(f"<p>{_e(PPC_HINT)}</p>")
    elif "error" in report.ppc:
        parts.append(f'<p class="bad">{_e(report.ppc["error"])}</p>')
    else:
        parts.append(f"<p>{_e(PPC_NOTE)}</p>")
        rows = ppc_rows(report.ppc)
        parts.append(_table(PPC_COLUMNS, [[_e(c) for c in r] for r in rows], numeric={1, 2, 3, 4},
                            row_classes=["bad" if r[5] != "ok" else "" for r in rows],
                            cls="diag"))

    parts.append('<h2 id="sensitivity">Prior sensitivity</h2>')
    if report.sensitivity is None:
        parts.append(f"<p>{_e(SENSITIVITY_HINT)}</p>")
    else:
        if report.sensitivity_problem:
            parts.append(f'<p class="bad">{_e(report.sensitivity_problem)}</p>')
        parts.append("<p>From <code>sensitivity.json</code> in the run directory "
                     "(<code>oomcast sensitivity RUN_DIR</code>).</p>")
        for title, cols, trows in sensitivity_tables(report.sensitivity):
            parts.append(f"<h3>{_e(title)}</h3>")
            parts.append(_table(cols, [[_e(c) for c in r] for r in trows], cls="stack"))
        for fig in (report.sensitivity_figure,
                    getattr(report, "sensitivity_requirement_figure", None)):
            if fig is not None:
                parts.append(_figure_html(fig))

    parts.append('<h2 id="scenario">Scenario: every prior, its source and rationale</h2>')
    s = report.scenario
    if report.scenario_problem:
        parts.append(f'<p class="bad">{_e(report.scenario_problem)}</p>')
    parts.append(f"<p>Scenario <strong>{_e(a.get('oomcast_scenario'))}</strong>, SHA-256 "
                 f'<span class="hash">{_e(a.get("oomcast_scenario_sha256"))}</span>.</p>')
    if s is not None:
        parts.append(f"<p><strong>{_e(s.title)}</strong></p>")
        if s.description.strip():
            parts.append(f"<p>{_e(s.description.strip())}</p>")
        settings = ", ".join(f"{k} = {v}" for k, v in s.settings.items())
        parts.append(f"<p>Settings: {_e(settings)}.</p>")
        rows = []
        for pname, prior in s.priors.items():
            info = PARAMETERS.get(pname)
            meaning = f"{info.meaning} ({info.block}; {info.role})" if info else ""
            rows.append([f"<code>{_e(pname)}</code><br><small>{_e(meaning)}</small><br>"
                         f"<code>{_e(dist_text(prior.dist))}</code>",
                         _e(prior.source), _e(prior.rationale)])
        parts.append(_table(["parameter and prior", "source", "rationale"], rows,
                            cls="stack", widths=(36, 32, 32)))
        req = s.requirement
        parts.append("<h3>Requirement: a mixture of named anchors</h3>")
        conc = getattr(req, "weights_concentration", None)
        parts.append(f"<p>{_e(req.source)} — {_e(req.rationale)} “No path” weight: "
                     f"{req.no_path_weight:g}."
                     + ("" if conc is None else
                        f" Weights ~ Dirichlet({conc:g} × weights): their uncertainty, which "
                        f"leaves the headline unchanged (linear in the weights) and enters "
                        f"the sensitivity study.") + "</p>")
        rows = [[f"<strong>{_e(an.name)}</strong><br>weight {an.weight:.3g}<br>"
                 f"log10 FLOP ~ {_anchor_shape(an)} at "
                 f"{an.algorithms_year:g} algorithms", _e(an.source), _e(an.rationale)]
                for an in req.anchors]
        parts.append(_table(["anchor", "source", "rationale"], rows, cls="stack",
                            widths=(30, 35, 35)))

    parts.append('<h2 id="data">Data</h2>')
    rows = []
    for r in report.data:
        status = ('<span class="ok">unchanged</span>' if r["matches"]
                  else '<span class="bad">changed since the run</span>')
        links = " ".join(f'<a href="{_e(u)}">{_e(u)}</a>' for u in r["urls"])
        rows.append([f"<code>{_e(r['stream'])}</code><br>{_e(r['title'])}<br>"
                     f"<small>vintage {_e(r['vintage'])}, retrieved {_e(r['retrieved'])}</small>",
                     f'<span class="hash">{_e(r["sha256"])}</span><br>{status}',
                     _e(r["licence"]), f"{_e(r['citation'])}<br>{links}"])
    parts.append(_table(["stream, vintage", "SHA-256 of the CSV", "licence", "citation"],
                        rows, cls="stack", widths=(24, 20, 26, 30)))

    parts.append('<h2 id="reproduce">Software and reproduction</h2>')
    settings = json.loads(a.get("oomcast_sampler_settings", "{}") or "{}")
    versions = json.loads(a.get("oomcast_versions", "{}") or "{}")
    parts.append(f"<p>Git commit <span class=\"hash\">{_e(a.get('oomcast_git_commit'))}</span>"
                 f"; seed {_e(a.get('oomcast_seed'))}; sampler "
                 f"{_e(', '.join(f'{k} = {v}' for k, v in settings.items()))}.</p>")
    parts.append(_table(["package", "version"],
                        [[_e(k), _e(v)] for k, v in versions.items()], numeric={1},
                        cls="narrow"))
    parts.append("<p>The exact command that produced the run (from the repository at that "
                 "commit):</p>")
    parts.append(f"<pre>{_e(report.command)}</pre>")
    parts.append("<p>Re-running it (with any <code>--out</code>) and publishing the result "
                 "reproduces <code>intervals.json</code> byte for byte.</p>")
    parts.append(f"<footer>{_e(report.caption)}</footer>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


# ------------------------------------------------------------------ Markdown


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(columns, rows) -> str:
    lines = ["| " + " | ".join(_md(c) for c in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def render_markdown(report, figure_dir: str) -> str:
    a, h = report.attrs, report.headline
    horizon = h["horizon_year"]
    out = [f"# When does AGI arrive? The oomcast posterior, scenario “{report.run_name}”", ""]
    if report.draft:
        out += ["> **DRAFT — not for citation.** This run fails the publication gate:", ">"]
        out += [f"> - {r}" for r in report.failures]
        out.append("")
    out += [f"Arrival year = the first year the largest training run's effective compute (at "
            f"{float(a['oomcast_reference_year']):g} algorithms) reaches the AGI requirement. "
            f"Data cutoff {date_text(float(a['oomcast_cutoff_year']))}; horizon {horizon:.0f}.", "",
            "## Headline", "", f"**{lede_text(report)}**", "",
            _md_table(["arrival year", "equal-tailed", "MCSE (yr)", "highest-density",
                       "MCSE (yr)"], interval_rows(h)), "",
            *([hdi_hidden_reason(h), ""] if hdi_hidden_reason(h) else []),
            _md_table(["P(AGI ...)", "estimate", "MCSE", "draws"],
                      [(*r, f"{h['n_draws']:,}") for r in probability_rows(h)]), "",
            f"Monte Carlo: {draws_text(h)}. Estimator: {h.get('estimator')}; HDI: "
            f"{h.get('hdi_estimator')}. Draws that do not arrive by {horizon:.0f} count as "
            f"after the horizon. Machine-readable: `intervals.json`.", "",
            *(["### Which requirement anchor the probability comes from", "",
               _md_table(*anchor_rows(report.anchors["doc"])), "", ANCHOR_NOTE, ""]
              if getattr(report, "anchors", None) is not None else []),
            "## How to cite", "", citation_text(report), "",
            "## Figures", ""]
    for f in report.figures:
        out += [f"### {f.title}", "", f"![{f.title}]({figure_dir}/{f.wide.name})", "",
                f.description, ""]
    out += ["## Published forecasts shown for reference", "",
            _md_table(["forecast", "date", "milestone", "median", "points", "source"],
                      [[r.label, r.date, r.milestone, f"{r.median_year:.0f}",
                        ", ".join(f"{pct(p)} by {y:.0f}" for y, p in r.points),
                        f"{r.source} <{r.url}>"] for r in report.references]), ""]
    d = report.diagnostics
    out += ["## Diagnostics", "",
            f"Gate: {'passed' if not report.failures else 'FAILED'}. Divergences "
            f"{d['divergences']}; max R-hat {d['rhat_max']:.3f}; min bulk ESS "
            f"{d['ess_bulk_min']:.0f}; min tail ESS {d['ess_tail_min']:.0f}.", "",
            _md_table(["variable", "max R-hat", "min bulk ESS", "min tail ESS"],
                      [[k, f"{v['rhat_max']:.3f}", f"{v['ess_bulk_min']:.0f}",
                        f"{v['ess_tail_min']:.0f}"]
                       for k, v in d["per_variable"].items()]), "",
            *([PPC_HINT, ""] if report.ppc is None else
              [report.ppc["error"], ""] if "error" in report.ppc else
              [PPC_NOTE, "", _md_table(PPC_COLUMNS, ppc_rows(report.ppc)), ""]),
            "## Prior sensitivity", ""]
    if report.sensitivity is None:
        out += [SENSITIVITY_HINT, ""]
    else:
        if report.sensitivity_problem:
            out += [f"**{report.sensitivity_problem}**", ""]
        for title, cols, rows in sensitivity_tables(report.sensitivity):
            out += [f"### {title}", "", _md_table(cols, rows), ""]
        for f in (report.sensitivity_figure,
                  getattr(report, "sensitivity_requirement_figure", None)):
            if f is not None:
                out += [f"![{f.title}]({figure_dir}/{f.wide.name})", "", f.description, ""]
    out += ["## Scenario", ""]
    if report.scenario_problem:
        out += [f"**{report.scenario_problem}**", ""]
    out += [f"Scenario `{a.get('oomcast_scenario')}`, SHA-256 "
            f"`{a.get('oomcast_scenario_sha256')}`.", ""]
    s = report.scenario
    if s is not None:
        out += [_md_table(["parameter", "prior", "source", "rationale"],
                          [[p, dist_text(pr.dist), pr.source, pr.rationale]
                           for p, pr in s.priors.items()]), "",
                f"Requirement: {s.requirement.source}. No-path weight "
                f"{s.requirement.no_path_weight:g}.", "",
                _md_table(["anchor", "weight", "median log10 FLOP", "sd", "source",
                           "rationale"],
                          [[an.name, f"{an.weight:g}", f"{an.median_log10_flop:g}",
                            _anchor_sd(an), an.source, an.rationale]
                           for an in s.requirement.anchors]), ""]
    out += ["## Data", "",
            _md_table(["stream", "vintage", "SHA-256", "unchanged", "licence", "citation"],
                      [[r["stream"], r["vintage"], r["sha256"], "yes" if r["matches"] else "NO",
                        r["licence"], r["citation"]] for r in report.data]), "",
            "## Software and reproduction", "",
            f"Git commit `{a.get('oomcast_git_commit')}`, seed {a.get('oomcast_seed')}, "
            f"sampler settings `{a.get('oomcast_sampler_settings')}`, versions "
            f"`{a.get('oomcast_versions')}`.", "", "```", report.command, "```", "",
            "Re-running this command and publishing the result reproduces `intervals.json` "
            "byte for byte.", ""]
    return "\n".join(out)
