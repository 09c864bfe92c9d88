"""Elicitation: fit a prior's parameters to what an expert said, and write them into its file.

A prior (or requirement anchor) in `priors/*.toml` may carry an `elicitation` block, validated by
model/scenario.py, that states what a source said in the source's own numbers:

    elicitation = {method = "maxent", lower = 4e-5, upper = 0.05, mass = 0.95,
                   transform = "log10", statement = "95% between 0.004% and 5% of GWP"}
    elicitation = {method = "quartile", q1 = 0.2, q2 = 0.35, q3 = 0.6}
    elicitation = {method = "quantiles", p10 = 26.6, p50 = 28.9, p90 = 33.6}   # anchors only

- `maxent` (PreliZ `maxent`): the maximum-entropy member of the family with `mass` between
  `lower` and `upper` (for a Normal, the symmetric interval: mu = (l + u) / 2,
  sigma = (u - l) / (2 z), z the normal quantile of (1 + mass) / 2);
- `quartile` (PreliZ `quartile`): the member whose quartiles are q1, q2, q3 (least squares when
  the family has fewer than three free parameters);
- `quantiles` (anchors): a split normal with median p50 and sigma_below = (p50 - p10) / z_0.9,
  sigma_above = (p90 - p50) / z_0.9, which meets all three exactly; closed form.

`transform` (identity, log10, ln) is applied to the numbers before fitting, so a statement in
natural units ("0.004% of GWP") fits a parameter in log units; `family` names the family fitted on
that scale: the prior's own, or Normal with `transform = "ln"` for a LogNormal prior (a LogNormal
is a Normal on the ln scale, so this gives the equal-tailed fit). Parameters a family holds fixed
come from the prior itself: StudentT's `nu`, TruncatedNormal's `lower` and `upper`.

`fit_file` (the `oomcast priors fit FILE` command) writes the fitted parameters back with tomlkit,
keeping the file's comments and layout, through a temporary file and `os.replace`, and only after
the new text has been validated: a failure leaves the file as it was.
"""

from __future__ import annotations

import math
import os
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from scipy import stats

from model.scenario import Anchor, Prior, PriorSpecError, Scenario, load_scenario, parse_scenario

#: Free parameters each family fits (the rest are held at the prior's values).
FITTED_PARAMETERS = {
    "Normal": ("mu", "sigma"),
    "LogNormal": ("mu", "sigma"),
    "HalfNormal": ("sigma",),
    "StudentT": ("mu", "sigma"),
    "TruncatedNormal": ("mu", "sigma"),
    "Uniform": ("lower", "upper"),
}
ANCHOR_PARAMETERS = ("median_log10_flop", "sigma_below_log10_flop", "sigma_above_log10_flop")
#: z_0.9, the 90th percentile of the standard normal.
Z90 = float(stats.norm.ppf(0.9))
#: Largest acceptable miss of a maxent fit's mass (PreliZ warns but returns a fit).
MASS_TOLERANCE = 1e-3
#: Significant digits written back into a file.
DIGITS = 6


def _preliz():
    """PreliZ, imported lazily (slow) and made to work with Matplotlib >= 3.11 (PreliZ 0.24
    reaches `matplotlib.style.core` as an attribute, which 3.11 no longer imports eagerly)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.style.core  # noqa: F401
        import preliz
    return preliz


def _transform(x: float, transform: str) -> float:
    return {"identity": x, "log10": math.log10(x) if x > 0 else math.nan,
            "ln": math.log(x) if x > 0 else math.nan}[transform]


def _family(pz, family: str, dist):
    """The PreliZ distribution to fit, with the prior's structural parameters held."""
    if family == "StudentT":
        return pz.StudentT(nu=dist.nu)
    if family == "TruncatedNormal":
        return pz.TruncatedNormal(lower=dist.lower, upper=dist.upper)
    return getattr(pz, family)()


def fit_prior(elicitation: dict, dist, where: str = "prior") -> dict[str, float]:
    """The family's free parameters that meet the elicitation (see module docstring)."""
    pz = _preliz()
    family = elicitation["family"]
    tr = elicitation["transform"]
    fitted = _family(pz, family, dist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if elicitation["method"] == "maxent":
            lo, hi = _transform(elicitation["lower"], tr), _transform(elicitation["upper"], tr)
            pz.maxent(fitted, lo, hi, elicitation["mass"], plot=False)
            mass = float(fitted.cdf(hi) - fitted.cdf(lo))
            if abs(mass - elicitation["mass"]) > MASS_TOLERANCE:
                raise PriorSpecError(f"{where}.elicitation: no {family} has mass "
                                     f"{elicitation['mass']} in [{lo:g}, {hi:g}] (best fit: "
                                     f"{mass:.4f})")
        else:
            q = [_transform(elicitation[k], tr) for k in ("q1", "q2", "q3")]
            pz.quartile(fitted, *q, plot=False)
    opt = getattr(fitted, "opt", None)
    if opt is not None and not getattr(opt, "success", True):
        raise PriorSpecError(f"{where}.elicitation: PreliZ could not fit a {family}: "
                             f"{getattr(opt, 'message', 'optimisation failed')}")
    return {name: float(getattr(fitted, name)) for name in FITTED_PARAMETERS[family]}


def fit_anchor(elicitation: dict) -> dict[str, float]:
    """Split normal from p10/p50/p90 (closed form); a normal when the two sides are equal."""
    p10, p50, p90 = (elicitation[k] for k in ("p10", "p50", "p90"))
    below, above = (p50 - p10) / Z90, (p90 - p50) / Z90
    if math.isclose(below, above, rel_tol=1e-9):
        return {"median_log10_flop": p50, "sigma_log10_flop": below}
    return {"median_log10_flop": p50, "sigma_below_log10_flop": below,
            "sigma_above_log10_flop": above}


def prior_parameters(prior: Prior) -> dict[str, float]:
    return {k: v for k, v in prior.dist.model_dump().items() if k != "dist"}


def anchor_parameters(anchor: Anchor) -> dict[str, float]:
    out = {"median_log10_flop": anchor.median_log10_flop}
    if anchor.is_split:
        out["sigma_below_log10_flop"] = anchor.sigma_below_log10_flop
        out["sigma_above_log10_flop"] = anchor.sigma_above_log10_flop
    else:
        out["sigma_log10_flop"] = anchor.sigma_log10_flop
    return out


@dataclass(frozen=True)
class Fit:
    """One elicited prior: where it lives, the file's parameters and the fitted ones."""

    key: str  # "priors.NAME" or "requirement.anchors.NAME"
    statement: str
    current: dict[str, float]
    fitted: dict[str, float]

    def largest_change(self) -> float:
        """max |fitted - current| over the fitted parameters (inf if the form changes)."""
        if set(self.fitted) - set(self.current):
            return math.inf
        return max(abs(v - self.current[k]) for k, v in self.fitted.items())


def fit_scenario(scenario: Scenario) -> list[Fit]:
    """Fit every elicitation of a validated scenario (nothing is written)."""
    fits = []
    for name, prior in scenario.priors.items():
        if prior.elicitation:
            where = f"{scenario.path}: priors.{name}"
            fits.append(Fit(f"priors.{name}", prior.elicitation.get("statement", ""),
                            prior_parameters(prior), fit_prior(prior.elicitation, prior.dist,
                                                               where)))
    for anchor in scenario.requirement.anchors:
        if anchor.elicitation:
            fits.append(Fit(f"requirement.anchors.{anchor.name}",
                            anchor.elicitation.get("statement", ""), anchor_parameters(anchor),
                            fit_anchor(anchor.elicitation)))
    return fits


def _rounded(x: float) -> float:
    return float(f"{x:.{DIGITS}g}")


def updated_text(text: str, fits: list[Fit]) -> str:
    """The file's text with the fitted parameters written in (tomlkit keeps the layout)."""
    import tomlkit

    doc = tomlkit.parse(text)
    for fit in fits:
        table = doc
        for part in fit.key.split("."):
            table = table[part]
        if fit.key.startswith("requirement.anchors."):
            for key in ("sigma_log10_flop", "sigma_below_log10_flop", "sigma_above_log10_flop"):
                if key in table and key not in fit.fitted:
                    del table[key]
        for key, value in fit.fitted.items():
            table[key] = _rounded(value)
    return tomlkit.dumps(doc)


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and os.replace."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def fit_file(name_or_path: str | Path) -> tuple[Path, list[Fit], bool]:
    """`oomcast priors fit`: fit every elicitation of a file and write the parameters back.

    Returns (path, fits, written). The file is validated before and after (the new text is
    parsed before it replaces the old one), so a mistake never leaves a half-fitted file.
    """
    scenario = load_scenario(name_or_path)
    fits = fit_scenario(scenario)
    text = scenario.path.read_text(encoding="utf-8")
    new_text = updated_text(text, fits)
    parse_scenario(new_text, scenario.path)  # raises PriorSpecError: the file is untouched
    if new_text == text:
        return scenario.path, fits, False
    write_atomically(scenario.path, new_text)
    return scenario.path, fits, True


def format_fits(fits: list[Fit]) -> str:
    if not fits:
        return "no elicitation blocks"
    lines = []
    for fit in fits:
        params = ", ".join(f"{k}={_rounded(v):g}" for k, v in fit.fitted.items())
        was = ", ".join(f"{k}={v:g}" for k, v in fit.current.items())
        lines.append(f"{fit.key}: {params}  (file: {was})"
                     + (f"  <- {fit.statement}" if fit.statement else ""))
    return "\n".join(lines)
