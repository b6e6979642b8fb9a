"""`extract-deps` reaches precision and recall >= 0.95 on the hand-labelled set
(`tests/data/deps_accuracy/`; the corpus part needs ../shared and is left out without it)."""

from __future__ import annotations

from bench.deps_accuracy import evaluate


def test_precision_and_recall_at_least_095() -> None:
    score = evaluate()
    assert score.skills >= 13
    details = "\n".join(score.misses)
    assert score.precision() >= 0.95, details
    assert score.recall() >= 0.95, details
