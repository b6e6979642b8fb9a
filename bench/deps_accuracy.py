"""Precision and recall of `extract-deps` against the hand-labelled set in
`tests/data/deps_accuracy/` (own skills, plus corpus skills when ../shared is present).

Prints a table per dependency kind and, with `--details`, every disagreement.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "data" / "deps_accuracy"
CORPUS = REPO.parent / "shared" / "corpus"


@dataclass
class Score:
    """Counts per kind and the disagreements, per labelled skill."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    skills: int = 0
    misses: list[str] = field(default_factory=list)

    def precision(self, kind: str | None = None) -> float:
        tp, fp = self._get(kind)[:2]
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, kind: str | None = None) -> float:
        tp, _, fn = self._get(kind)
        return tp / (tp + fn) if tp + fn else 1.0

    def _get(self, kind: str | None) -> tuple[int, int, int]:
        if kind is None:
            return self.tp.total(), self.fp.total(), self.fn.total()
        return self.tp[kind], self.fp[kind], self.fn[kind]


def extracted(folder: Path) -> set[str]:
    """`kind:name` of every dependency the pass finds; a skill that does not parse has none."""
    from skillir.analysis.env.deps import skill_deps
    from skillir.diagnostics import DiagnosticError, DiagnosticSink
    from skillir.dialects import cap
    from skillir.frontend.parser import parse_skill

    path = folder / "SKILL.md"
    try:
        module = parse_skill(path.read_bytes(), str(path), DiagnosticSink(str(path)))
    except DiagnosticError:
        return set()
    found: set[str] = set()
    for root in cap.skills(module):
        deps, _ = skill_deps(root, folder)
        found |= {f"{d.kind}:{d.name}" for d in deps}
    return found


def evaluate(labels_dir: Path = LABELS, corpus: Path = CORPUS) -> Score:
    """Score every labelled skill that is present (corpus ones need ../shared)."""
    score = Score()
    entries = tomllib.loads((labels_dir / "labels.toml").read_text(encoding="utf-8"))["skill"]
    for entry in entries:
        rel: str = entry["path"]
        folder = corpus / rel[len("corpus:") :] if rel.startswith("corpus:") else labels_dir / rel
        if not folder.is_dir():
            continue
        score.skills += 1
        got, want = extracted(folder), set(entry["deps"])
        for dep in got & want:
            score.tp[dep.split(":")[0]] += 1
        for dep in sorted(got - want):
            score.fp[dep.split(":")[0]] += 1
            score.misses.append(f"{rel}: false positive {dep}")
        for dep in sorted(want - got):
            score.fn[dep.split(":")[0]] += 1
            score.misses.append(f"{rel}: false negative {dep}")
    return score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--details", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    score = evaluate()
    if not CORPUS.is_dir():
        print(f"(corpus not found at {CORPUS}: own skills only)", file=sys.stderr)
    print(f"{score.skills} labelled skills\n")
    print(f"{'kind':<9}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}")
    kinds = sorted(set(score.tp) | set(score.fp) | set(score.fn))
    for kind in [*kinds, None]:
        tp, fp, fn = score._get(kind)
        name = kind or "all"
        print(
            f"{name:<9}{tp:>5}{fp:>5}{fn:>5}"
            f"{score.precision(kind):>11.3f}{score.recall(kind):>8.3f}"
        )
    if args.details:
        print("\n" + "\n".join(score.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
