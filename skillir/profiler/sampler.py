"""Adaptive sampling per (primitive, level) and the monotone effective level.

A cell starts with `START` instances and keeps sampling while the Wilson 95 % interval of its
pass rate straddles `THRESHOLD` (0.6), up to a cap. Its verdict is `pass` when the interval's
lower bound is at or above the threshold, `fail` when its upper bound is below it, `uncertain`
when the cap is reached first. The effective level of a primitive is the highest level L whose
cell passes with every level below it passing too: monotone by construction. A level that
passes above one that does not is an inversion, recorded, not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

THRESHOLD = 0.6
Z95 = 1.959963984540054
START = 4
CAP = 12
QUICK_CAP = 6
QUICK_START = 3  # 0/3 already has an upper bound of 0.56 < 0.6


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNCERTAIN = "uncertain"
    MORE = "more"


def wilson(passes: int, runs: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of `passes` out of `runs`; (0, 1) for no runs."""
    if runs == 0:
        return 0.0, 1.0
    if not 0 <= passes <= runs:
        raise ValueError(f"passes {passes} not within 0..{runs}")
    p = passes / runs
    denom = 1 + z * z / runs
    centre = (p + z * z / (2 * runs)) / denom
    half = z * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs * runs)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def verdict(
    passes: int, runs: int, threshold: float = THRESHOLD, start: int = START, cap: int = CAP
) -> Verdict:
    """What a cell's counts say: sample `MORE`, or its final verdict."""
    if runs < min(start, cap):
        return Verdict.MORE
    lo, hi = wilson(passes, runs)
    if lo >= threshold:
        return Verdict.PASS
    if hi < threshold:
        return Verdict.FAIL
    return Verdict.UNCERTAIN if runs >= cap else Verdict.MORE


def pass_reachable(passes: int, runs: int, cap: int, threshold: float = THRESHOLD) -> bool:
    """Whether the cell could still pass by the cap, were every remaining run to pass."""
    best = passes + max(0, cap - runs)
    return wilson(best, max(runs, cap))[0] >= threshold


@dataclass(frozen=True)
class Effective:
    level: int
    inversions: tuple[int, ...]  # levels that pass above the effective level


def effective_level(verdicts: dict[int, Verdict]) -> Effective:
    """The highest level passing with every lower level passing, and the inverted levels."""
    level = 0
    while verdicts.get(level + 1) is Verdict.PASS:
        level += 1
    above = tuple(k for k in sorted(verdicts) if k > level and verdicts[k] is Verdict.PASS)
    return Effective(level, above)
