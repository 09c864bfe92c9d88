"""A reference posterior in the posteriordb manner: summary statistics of a long, checked run of a
scenario (with its seed, sampler settings, diagnostics and a `checks_made` record), small enough
to commit under tests/reference/, and the comparison of a fresh fit against it.

Stored per key quantity: the posterior mean, sd, 5% and 95% quantiles, each with its Monte Carlo
standard error (ArviZ `mcse`, mean and quantile methods, which account for autocorrelation); per
headline number (arrival median, P(by year)) the value and MCSE from the run's summary.json. A
fresh fit agrees when every difference is within `Z_MAX` combined standard errors,
|a - b| <= Z_MAX sqrt(mcse_a^2 + mcse_b^2): with ~40 comparisons, 4 sd keeps the chance of a
false alarm under 0.3% for a correct sampler, while a shifted posterior (a changed model or data)
fails at once.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

#: Quantities summarised: (posterior variable, domain or None).
KEY_QUANTITIES = (
    ("hardware_growth_oom_per_year", None), ("spending_growth_oom_per_year", None),
    ("other_growth_oom_per_year", None), ("physical_compute_growth_oom_per_year", None),
    ("algorithmic_growth_oom_per_year", "language_models"),
    ("algorithmic_growth_oom_per_year", "vision"),
    ("algorithmic_growth_oom_per_year", "translation"),
    ("log10_frontier_compute_at_ref_flop", None), ("log10_effective_compute_at_cutoff", None),
    ("frontier_compute_scatter_oom", None), ("not_yet_agi_softness_oom", None),
)
HEADLINE_YEARS = ("2030", "2040", "2050")
Z_MAX = 4.0
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "tests" / "reference"


def _label(name: str, domain: str | None) -> str:
    return f"{name}[{domain}]" if domain else name


def summarise_run(run_dir: Path | str) -> dict:
    """Key statistics with MCSEs, headline numbers and diagnostics of a finished run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz as az

    from model.inference import load_idata

    run_dir = Path(run_dir)
    idata = load_idata(run_dir / "posterior.nc")
    summary = json.loads((run_dir / "summary.json").read_text())
    post = idata.posterior
    stats = {}
    for name, domain in KEY_QUANTITIES:
        if name not in post:
            continue
        x = post[name].sel(domain=domain) if domain else post[name]
        x = x.to_numpy()
        if float(np.ptp(x)) == 0:
            continue  # a Fixed prior: a constant
        entry = {"mean": float(x.mean()), "sd": float(x.std()),
                 "mcse_mean": _mcse(az, x, method="mean"),
                 # the delta method: az.mcse(method="sd") fails on NumPy 2 in ArviZ 0.23
                 "mcse_sd": _mcse(az, (x - x.mean()) ** 2, method="mean") / (2 * x.std())}
        for prob in (0.05, 0.95):
            entry[f"q{int(prob * 100):02d}"] = float(np.quantile(x, prob))
            entry[f"mcse_q{int(prob * 100):02d}"] = _mcse(az, x, method="quantile", prob=prob)
        stats[_label(name, domain)] = {k: round(v, 6) for k, v in entry.items()}
    arrival = summary["arrival_year"]
    headline = {"median": {"value": arrival["median"]["value"],
                           "mcse": arrival["median"]["mcse"]}}
    for year in HEADLINE_YEARS:
        headline[f"p_by_{year}"] = {"value": arrival["p_by_year"][year]["p"],
                                    "mcse": arrival["p_by_year"][year]["mcse"]}
    return {"statistics": stats, "headline": headline, "diagnostics": summary["diagnostics"],
            "provenance": summary["provenance"], "cutoff_year": summary["cutoff_year"]}


def _mcse(az, x: np.ndarray, **kwargs) -> float:
    """az.mcse of a (chain, draw) array as a float."""
    return float(np.ravel(az.mcse(x, **kwargs))[0])


def compare(reference: dict, fresh: dict, z_max: float = Z_MAX) -> list[str]:
    """Disagreements (empty when the fresh fit agrees within Monte Carlo error)."""
    problems = []
    for name, ref in reference["statistics"].items():
        new = fresh["statistics"].get(name)
        if new is None:
            problems.append(f"{name}: missing from the fresh fit")
            continue
        for stat in ("mean", "sd", "q05", "q95"):
            se = np.hypot(ref[f"mcse_{stat}"], new[f"mcse_{stat}"])
            z = abs(ref[stat] - new[stat]) / se
            if z > z_max:
                problems.append(f"{name} {stat}: reference {ref[stat]:.4f}, fresh "
                                f"{new[stat]:.4f} ({z:.1f} combined MCSE)")
    for name, ref in reference["headline"].items():
        new = fresh["headline"][name]
        if ref["value"] is None or new["value"] is None:
            if ref["value"] != new["value"]:
                problems.append(f"{name}: reference {ref['value']}, fresh {new['value']}")
            continue
        se = np.hypot(ref["mcse"], new["mcse"])
        if abs(ref["value"] - new["value"]) > z_max * se:
            problems.append(f"{name}: reference {ref['value']:.4f}, fresh {new['value']:.4f} "
                            f"({abs(ref['value'] - new['value']) / se:.1f} combined MCSE)")
    return problems


def write_reference(run_dir: Path | str, path: Path, command: str, checks: list[str]) -> dict:
    """The reference record (posteriordb-like) of a finished long run."""
    name = json.loads((Path(run_dir) / "summary.json").read_text())["provenance"][
        "oomcast_scenario"]
    doc = {"schema_version": 1, "name": name, "command": command, **summarise_run(run_dir),
           "checks_made": checks,
           "comparison": {"z_max": Z_MAX, "rule": "|a - b| <= z_max sqrt(mcse_a^2 + mcse_b^2) "
                          "for mean, sd, 5% and 95% quantiles and the headline numbers"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return doc
