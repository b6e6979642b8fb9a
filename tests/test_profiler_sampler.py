"""The estimator: Wilson intervals (hand-computed), adaptive stopping, monotone levels."""

from __future__ import annotations

import pytest

from skillir.profiler.sampler import CAP, Verdict, effective_level, verdict, wilson


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        # p = 0.5, n = 10: centre 0.5, half = 1.96*sqrt(0.025+0.009604)/1.38415 = 0.26340
        (5, 10, 0.23659, 0.76341),
        # k = n = 4: centre (1+0.48020)/1.96040 = 0.75505, half = 1.96*sqrt(0.06002)/1.96040
        (4, 4, 0.51010, 1.0),
        (0, 4, 0.0, 0.48990),
        # 12/12: lower = 1/(1+3.84146/12) = 0.75749
        (12, 12, 0.75749, 1.0),
        (1, 3, 0.06149, 0.79231),
    ],
)
def test_wilson_against_hand_computed(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson(k, n)
    assert got == pytest.approx((lo, hi), abs=1e-4)


def test_wilson_bounds_and_errors() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(5, 4)


def test_adaptive_stopping() -> None:
    assert verdict(3, 3) is Verdict.MORE  # fewer than START runs
    assert verdict(0, 4) is Verdict.FAIL  # upper 0.49 < 0.6: stop at 4
    assert verdict(4, 4) is Verdict.MORE  # lower 0.51 straddles 0.6
    assert verdict(5, 5) is Verdict.MORE  # lower 0.566
    assert verdict(6, 6) is Verdict.PASS  # lower 0.610
    assert verdict(6, 10) is Verdict.MORE  # 0.31..0.83 straddles
    assert verdict(7, CAP) is Verdict.UNCERTAIN  # cap reached, still straddling
    assert verdict(12, CAP) is Verdict.PASS
    assert verdict(1, 6, cap=6) is Verdict.FAIL  # 0.03..0.56
    assert verdict(0, 3, start=3, cap=6) is Verdict.FAIL  # --quick: upper 0.56


def test_effective_level_is_monotone_and_records_inversions() -> None:
    P, F, U = Verdict.PASS, Verdict.FAIL, Verdict.UNCERTAIN
    assert effective_level({1: P, 2: P, 3: P}).level == 3
    assert effective_level({1: P, 2: F, 3: P}) == effective_level({1: P, 2: F, 3: P})
    inv = effective_level({1: P, 2: F, 3: P})
    assert (inv.level, inv.inversions) == (1, (3,))
    assert effective_level({1: F, 2: P, 3: P}).level == 0
    assert effective_level({1: F, 2: P, 3: P}).inversions == (2, 3)
    assert effective_level({1: U, 2: P, 3: F}).level == 0  # uncertain is not a pass
    assert effective_level({}).level == 0
