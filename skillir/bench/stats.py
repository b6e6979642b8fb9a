"""Statistics of a bench: Wilson intervals for pass rates, paired bootstrap intervals for the
difference between two conditions over the same tasks, and for the serial/parallel speedup."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """The pass rate `successes / n` with its Wilson score interval (95 % by default)."""
    if n <= 0:
        return Interval(math.nan, math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # rounding can put centre - half a hair above 0 when p = 0 (and likewise at 1)
    return Interval(p, min(p, max(0.0, center - half)), max(p, min(1.0, center + half)))


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], resamples: int = 10_000, seed: int = 0
) -> Interval:
    """Mean of `b[i] - a[i]` (paired by task) with a percentile bootstrap 95 % interval:
    tasks are resampled with replacement `resamples` times (numpy, seeded)."""
    import numpy as np

    if len(a) != len(b):
        raise ValueError("paired samples differ in length")
    if not a:
        return Interval(math.nan, math.nan, math.nan)
    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Interval(float(diff.mean()), float(low), float(high))


def bootstrap_ratio(
    num: Sequence[float], den: Sequence[float], resamples: int = 10_000, seed: int = 0
) -> Interval:
    """sum(num) / sum(den) over paired tasks (e.g. serial over parallel wall time) with a
    percentile bootstrap 95 % interval over tasks."""
    import numpy as np

    if len(num) != len(den) or not num or sum(den) <= 0:
        return Interval(math.nan, math.nan, math.nan)
    x, y = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), size=(resamples, len(x)))
    ratios = x[idx].sum(axis=1) / np.maximum(y[idx].sum(axis=1), 1e-12)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return Interval(float(x.sum() / y.sum()), float(low), float(high))
