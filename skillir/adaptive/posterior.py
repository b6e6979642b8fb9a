"""The profile update: a Beta posterior per (primitive, level) from the profile and the runs.

Prior: the profile's probe counts at that level, `Beta(1 + passes, 1 + failures)`; where the
profile gives only a level (a compact profile, or a level it did not probe), a pseudo-count
prior of strength `PRIOR_STRENGTH` centred on `CLAIMED_RATE` when the profile claims the level
and `UNCLAIMED_RATE` when it does not. Runtime observations add their weights to the pass and
failure counts.

Decision: a claimed level is withdrawn when the posterior probability that its pass rate is
below `THRESHOLD` (the profiler's pass threshold) exceeds `CONFIDENCE`; the primitive's new
level is then one below the lowest withdrawn level (never raised: runtime evidence lowers a
level, only a new profile run raises one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from skillir.adaptive.attribute import Observation

THRESHOLD = 0.6
CONFIDENCE = 0.9
PRIOR_STRENGTH = 4.0
CLAIMED_RATE = 0.8
UNCLAIMED_RATE = 0.3


def beta_cdf(x: float, a: float, b: float) -> float:
    """P(X <= x) for X ~ Beta(a, b): the regularized incomplete beta function, by the
    continued fraction (modified Lentz), using the symmetry where it converges faster."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _fraction(1.0 - x, b, a) / b


def _fraction(x: float, a: float, b: float) -> float:
    tiny, eps = 1e-300, 1e-14
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


@dataclass(frozen=True)
class Cell:
    """The posterior of one (primitive, level): prior and runtime counts, and the verdict."""

    primitive: str
    level: int
    prior_passes: float
    prior_failures: float
    runtime_passes: float
    runtime_failures: float
    claimed: bool

    @property
    def alpha(self) -> float:
        return self.prior_passes + self.runtime_passes

    @property
    def beta(self) -> float:
        return self.prior_failures + self.runtime_failures

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def p_below(self) -> float:
        """P(pass rate < THRESHOLD) under the posterior."""
        return beta_cdf(THRESHOLD, self.alpha, self.beta)

    @property
    def prior_p_below(self) -> float:
        return beta_cdf(THRESHOLD, self.prior_passes, self.prior_failures)

    @property
    def withdrawn(self) -> bool:
        """The profile claims this level and the evidence says, confidently, it does not hold."""
        return self.claimed and self.p_below > CONFIDENCE


def prior(profile, primitive: str, level: int) -> tuple[float, float]:
    """(pseudo-passes, pseudo-failures) the profile gives `primitive` at `level`."""
    for ev in profile.evidence.get(primitive, ()):
        if ev.level == level and ev.total_count > 0:
            return 1.0 + ev.pass_count, 1.0 + ev.total_count - ev.pass_count
    rate = CLAIMED_RATE if profile.level(primitive) >= level else UNCLAIMED_RATE
    return PRIOR_STRENGTH * rate, PRIOR_STRENGTH * (1.0 - rate)


def posterior(profile, observations: Iterable[Observation]) -> list[Cell]:
    """A cell for each (primitive, level) the observations are about, in sorted order."""
    counts: dict[tuple[str, int], list[float]] = {}
    for obs in observations:
        pair = counts.setdefault((obs.primitive, obs.level), [0.0, 0.0])
        pair[0 if obs.passed else 1] += obs.weight
    cells = []
    for (primitive, level), (passes, failures) in sorted(counts.items()):
        a, b = prior(profile, primitive, level)
        claimed = profile.level(primitive) >= level
        cells.append(Cell(primitive, level, a, b, passes, failures, claimed))
    return cells


def revised_levels(profile, cells: Iterable[Cell]) -> dict[str, int]:
    """{primitive: new level} for each primitive a withdrawn cell lowers."""
    lowered: dict[str, int] = {}
    for cell in cells:
        if cell.withdrawn:
            new = min(profile.level(cell.primitive), cell.level - 1)
            lowered[cell.primitive] = min(lowered.get(cell.primitive, new), new)
    return lowered
