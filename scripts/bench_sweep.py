"""Benchmark: a one-at-a-time sweep answered by reweighting a run against refitting every variant.

    python scripts/bench_sweep.py --run runs/default [--refit-draws 500 --refit-tune 500
                                  --refit-chains 2] [--workers 2] [--out bench.json]

Builds >= 20 variants of fitted priors (each prior's mean moved by -/+ half its sd, or its scale
halved / doubled, plus the requirement anchor families), so that both methods have work to do
(projection-only priors are answered exactly either way). Runs the sweep twice on the same local
Dask cluster size, each with a fresh cache: once as `oomcast sweep` does (reweight where Pareto
k-hat < 0.7, else refit), once with every variant refitted. Prints JSON: wall time of each, the
largest absolute difference in the arrival median and in P(by 2030) between the two answers, and
per variant both answers with the refit's MCSE (a difference within ~2 MCSE is Monte Carlo noise).
Refits may use fewer draws than the run (--refit-*); the JSON says which settings were used.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: (parameter, kind): shift the mean by -/+ half the prior sd, or scale the sd by 1/2 and 2.
VARIED = (
    ("hardware_growth_oom_per_year", "shift"),
    ("spending_growth_oom_per_year", "shift"),
    ("other_growth_oom_per_year", "shift"),
    ("log10_frontier_compute_at_ref_flop", "shift"),
    ("log10_training_cost_at_ref_usd", "shift"),
    ("algorithmic_log_rate_mean", "shift"),
    ("imagenet_logit_error_at_center", "shift"),
    ("imagenet_scaling_per_oom", "shift"),
    ("algorithmic_log_rate_domain_sd", "scale"),
    ("not_yet_agi_softness_oom", "scale"),
)


def spec_text(scenario) -> str:
    lines = ["schema_version = 1", 'name = "bench"', ""]
    for name, kind in VARIED:
        prior = scenario.raw["priors"][name]
        lines.append("[[vary]]")
        lines.append(f'parameter = "{name}"')
        if kind == "shift":
            lines.append(f"shift = {0.5 * float(prior['sigma']):.6g}")
        else:
            lines.append("scale = 2.0")
        lines.append("")
    names = [a.name for a in scenario.requirement.anchors]
    cotra = [n for n in names if n not in ("davidson_2023", "situational_awareness_2024")]
    lines += ["[[vary]]", 'anchors = "requirement anchor family"', "[vary.families]",
              f"cotra_2020 = {json.dumps(cotra)}", 'davidson_2023 = ["davidson_2023"]',
              'aschenbrenner_2024 = ["situational_awareness_2024"]', ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--run", type=Path, required=True)
    p.add_argument("--refit-draws", type=int, default=500)
    p.add_argument("--refit-tune", type=int, default=500)
    p.add_argument("--refit-chains", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = p.parse_args(argv)

    from model.studies.rundir import load_run
    from model.study_workflow import sweep

    run = load_run(args.run)
    refit = {"draws": args.refit_draws, "tune": args.refit_tune, "chains": args.refit_chains}
    with tempfile.TemporaryDirectory(prefix="oomcast-bench-") as tmp:
        tmp = Path(tmp)
        spec = tmp / "bench.toml"
        spec.write_text(spec_text(run.scenario))
        timings, results = {}, {}
        for mode in ("reweight", "refit"):
            start = time.perf_counter()
            results[mode] = sweep(spec, args.run, tmp / f"out-{mode}", tmp / f"cache-{mode}",
                                  workers=args.workers, refit_all=mode == "refit",
                                  sampler_overrides=refit)
            timings[mode] = round(time.perf_counter() - start, 1)
    rows = []
    for a, b in zip(results["reweight"].rows, results["refit"].rows, strict=True):
        if a["variant"] == "baseline":
            continue
        ok = a["method"] != "failed" and b["method"] != "failed"
        rows.append({
            "variant": a["variant"], "method": a["method"], "pareto_k": a["pareto_k"],
            "median_reweight": a["median"], "median_refit": b["median"],
            "median_refit_mcse": b["median_mcse"],
            "abs_diff_median": round(abs(a["median"] - b["median"]), 3) if ok else None,
            "p2030_reweight": a["p_by_2030"], "p2030_refit": b["p_by_2030"],
            "abs_diff_p2030": round(abs(a["p_by_2030"] - b["p_by_2030"]), 4) if ok else None,
            "refit_converged": b["refit_converged"],
            "wall_s_reweight": a["wall_s"], "wall_s_refit": b["wall_s"],
            "error": a["error"] or b["error"]})
    compared = [r for r in rows if r["abs_diff_median"] is not None]
    reweighted = [r for r in compared if r["method"] != "refit"]
    out = {
        "run": str(args.run), "n_variants": len(rows),
        "n_answered_without_refit": sum(r["method"] in ("reweight", "exact") for r in rows),
        "workers": args.workers, "refit_settings": refit,
        "base_run_draws": run.n_chains * run.n_draws,
        "wall_s": timings,
        "speedup": round(timings["refit"] / max(timings["reweight"], 1e-9), 1),
        "max_abs_diff_median_years": max((r["abs_diff_median"] for r in reweighted), default=None),
        "max_abs_diff_p2030": max((r["abs_diff_p2030"] for r in reweighted), default=None),
        "variants": rows,
    }
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
