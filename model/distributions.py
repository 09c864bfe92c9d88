"""Prior distributions a scenario file may name, and their two faces.

Every prior in `priors/*.toml` is one of these declarative objects. Each knows how to become a PyMC
random variable (for the parameters the data condition, sampled by NUTS) and how to draw NumPy
samples (for prior-only Monte Carlo and for projection-only parameters, whose posterior equals
their prior because no datum depends on them). Keeping both faces on one object keeps the PyMC
graph and the NumPy simulator reading the same numbers.

Parameterisations (x is the parameter):
- Fixed(value):                     x = value
- Normal(mu, sigma):                x ~ N(mu, sigma^2)
- LogNormal(mu, sigma):             ln x ~ N(mu, sigma^2)
- HalfNormal(sigma):                x = |z|, z ~ N(0, sigma^2)
- StudentT(nu, mu, sigma):          (x - mu) / sigma ~ t_nu
- TruncatedNormal(mu, sigma, lower, upper): N(mu, sigma^2) restricted to [lower, upper]
- Uniform(lower, upper):            x ~ U(lower, upper)
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Location families can be shifted by a tensor: x + shift has the same family.
    location_family: ClassVar[bool] = False

    def to_pymc_shifted(self, name, shift, **kwargs):
        """The distribution of (x + shift) as a PyMC variable; location families only."""
        raise NotImplementedError(f"{self.dist} is not a location family")

    def support(self) -> tuple[float, float]:
        """Closed hull of the distribution's support."""
        return (-math.inf, math.inf)

    def mean_for_display(self) -> float:
        return float(np.mean(self.sample(np.random.default_rng(0), 20_000)))


def _positive(value: float, what: str) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{what} must be a finite number > 0 (got {value})")


class Fixed(_Dist):
    dist: Literal["Fixed"]
    value: float

    def support(self):
        return (self.value, self.value)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value, dtype=float)

    def to_pymc(self, name: str, shape=None, **kwargs):
        import pytensor.tensor as pt

        value = pt.constant(self.value, dtype="float64", name=name)
        return value if shape is None else pt.full(shape, value)

    location_family: ClassVar[bool] = True

    def to_pymc_shifted(self, name, shift, **kwargs):
        return self.value + shift

    def scipy(self):
        return None


class Normal(_Dist):
    dist: Literal["Normal"]
    mu: float
    sigma: float

    @model_validator(mode="after")
    def _check(self):
        _positive(self.sigma, "sigma")
        return self

    def scipy(self):
        return stats.norm(self.mu, self.sigma)

    def sample(self, rng, size):
        return rng.normal(self.mu, self.sigma, size)

    def to_pymc(self, name, **kwargs):
        import pymc as pm

        return pm.Normal(name, mu=self.mu, sigma=self.sigma, **kwargs)

    location_family: ClassVar[bool] = True

    def to_pymc_shifted(self, name, shift, **kwargs):
        import pymc as pm

        return pm.Normal(name, mu=self.mu + shift, sigma=self.sigma, **kwargs)


class LogNormal(_Dist):
    dist: Literal["LogNormal"]
    mu: float
    sigma: float

    @model_validator(mode="after")
    def _check(self):
        _positive(self.sigma, "sigma")
        return self

    def support(self):
        return (0.0, math.inf)

    def scipy(self):
        return stats.lognorm(s=self.sigma, scale=math.exp(self.mu))

    def sample(self, rng, size):
        return rng.lognormal(self.mu, self.sigma, size)

    def to_pymc(self, name, **kwargs):
        import pymc as pm

        return pm.LogNormal(name, mu=self.mu, sigma=self.sigma, **kwargs)


class HalfNormal(_Dist):
    dist: Literal["HalfNormal"]
    sigma: float

    @model_validator(mode="after")
    def _check(self):
        _positive(self.sigma, "sigma")
        return self

    def support(self):
        return (0.0, math.inf)

    def scipy(self):
        return stats.halfnorm(scale=self.sigma)

    def sample(self, rng, size):
        return np.abs(rng.normal(0.0, self.sigma, size))

    def to_pymc(self, name, **kwargs):
        import pymc as pm

        return pm.HalfNormal(name, sigma=self.sigma, **kwargs)


class StudentT(_Dist):
    dist: Literal["StudentT"]
    nu: float
    mu: float
    sigma: float

    @model_validator(mode="after")
    def _check(self):
        _positive(self.sigma, "sigma")
        _positive(self.nu, "nu")
        return self

    def scipy(self):
        return stats.t(df=self.nu, loc=self.mu, scale=self.sigma)

    def sample(self, rng, size):
        return self.mu + self.sigma * rng.standard_t(self.nu, size)

    def to_pymc(self, name, **kwargs):
        import pymc as pm

        return pm.StudentT(name, nu=self.nu, mu=self.mu, sigma=self.sigma, **kwargs)

    location_family: ClassVar[bool] = True

    def to_pymc_shifted(self, name, shift, **kwargs):
        import pymc as pm

        return pm.StudentT(name, nu=self.nu, mu=self.mu + shift, sigma=self.sigma, **kwargs)


class TruncatedNormal(_Dist):
    dist: Literal["TruncatedNormal"]
    mu: float
    sigma: float
    lower: float = -math.inf
    upper: float = math.inf

    @model_validator(mode="after")
    def _check(self):
        _positive(self.sigma, "sigma")
        if not self.lower < self.upper:
            raise ValueError(f"lower must be < upper (got lower={self.lower}, upper={self.upper})")
        return self

    def support(self):
        return (self.lower, self.upper)

    def scipy(self):
        a = (self.lower - self.mu) / self.sigma
        b = (self.upper - self.mu) / self.sigma
        return stats.truncnorm(a, b, loc=self.mu, scale=self.sigma)

    def sample(self, rng, size):
        return self.scipy().rvs(size=size, random_state=rng)

    def to_pymc(self, name, **kwargs):
        import pymc as pm

        lower = None if math.isinf(self.lower) else self.lower
        upper = None if math.isinf(self.upper) else self.upper
        return pm.TruncatedNormal(name, mu=self.mu, sigma=self.sigma, lower=lower, upper=upper,
                                  **kwargs)


class Uniform(_Dist):
    dist: Literal["Uniform"]
    lower: float
    upper: float

    @model_validator(mode="after")
    def _check(self):
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)):
            raise ValueError("Uniform bounds must be finite")
        if not self.lower < self.upper:
            raise ValueError(f"lower must be < upper (got lower={self.lower}, upper={self.upper})")
        return self

    def support(self):
        return (self.lower, self.upper)

    def scipy(self):
        return stats.uniform(self.lower, self.upper - self.lower)

    def sample(self, rng, size):
        return rng.uniform(self.lower, self.upper, size)

    def to_pymc(self, name, **kwargs):
        import pymc as pm

        return pm.Uniform(name, lower=self.lower, upper=self.upper, **kwargs)


Distribution = Annotated[
    Fixed | Normal | LogNormal | HalfNormal | StudentT | TruncatedNormal | Uniform,
    Field(discriminator="dist"),
]

DISTRIBUTION_NAMES = ("Fixed", "Normal", "LogNormal", "HalfNormal", "StudentT",
                      "TruncatedNormal", "Uniform")
