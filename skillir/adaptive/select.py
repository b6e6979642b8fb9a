"""Variant selection on held-out tasks.

Tasks are split into an evidence set and a held-out set before anything runs (`split`: a
fixed share of the tasks, picked by a seeded hash of the task id, so the split does not depend
on order or on results). A variant
replaces the current one only when, on the held-out set, its paired pass/fail results beat the
current variant's with an exact one-sided sign test (McNemar's exact test on the discordant
pairs) at `ALPHA`; otherwise the current variant is kept and the verdict says "no significant
change" with the numbers. The mean paired score difference is reported with the bench's paired
bootstrap 95 % interval alongside.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.05


def split(task_ids: Sequence[str], held_out: float, seed: int) -> tuple[list[str], list[str]]:
    """(evidence, held-out) task ids: the `round(held_out * n)` tasks (at least one, and one
    less than all, when there are two or more) whose seeded hash of the id is lowest."""
    ids = sorted(set(task_ids))

    def draw(task: str) -> bytes:
        return hashlib.sha256(f"{seed}:{task}".encode()).digest()

    count = min(max(round(held_out * len(ids)), 1), len(ids) - 1) if len(ids) >= 2 else 0
    held = sorted(ids, key=draw)[:count]
    return [t for t in ids if t not in held], sorted(held)


def sign_test(wins: int, losses: int) -> float:
    """One-sided exact p-value of `wins` or more among `wins + losses` discordant pairs under
    no difference (each pair a fair coin)."""
    n = wins + losses
    if n == 0:
        return 1.0
    return sum(math.comb(n, k) for k in range(wins, n + 1)) / 2**n


@dataclass(frozen=True)
class Verdict:
    """The comparison of a candidate with the current variant over paired held-out runs."""

    pairs: int
    wins: int  # candidate passed, current failed
    losses: int  # current passed, candidate failed
    p_value: float
    mean_diff: float
    interval: tuple[float, float]
    accepted: bool

    def describe(self) -> str:
        low, high = self.interval
        head = "better: keep the candidate" if self.accepted else "no significant change"
        return (
            f"{head} ({self.wins} wins, {self.losses} losses over {self.pairs} paired runs, "
            f"one-sided sign test p = {self.p_value:.3f} vs alpha {ALPHA}; mean score "
            f"difference {self.mean_diff:+.3f} [{low:+.3f}, {high:+.3f}])"
        )


def compare(
    current: Sequence[tuple[float, bool]], candidate: Sequence[tuple[float, bool]]
) -> Verdict:
    """Paired (score, passed) results of the same held-out tasks and repeats, in one order."""
    if len(current) != len(candidate):
        raise ValueError("paired results differ in length")
    wins = sum(1 for a, b in zip(current, candidate, strict=True) if b[1] and not a[1])
    losses = sum(1 for a, b in zip(current, candidate, strict=True) if a[1] and not b[1])
    from skillir.bench.stats import paired_bootstrap

    diff = paired_bootstrap([a[0] for a in current], [b[0] for b in candidate])
    p = sign_test(wins, losses)
    return Verdict(
        len(current),
        wins,
        losses,
        p,
        diff.value,
        (diff.low, diff.high),
        p < ALPHA and wins > losses,
    )
