"""How many corpus skills get a plan, and how many steps: the rule that says which ordered lists
are procedures (`skillir.analysis.par.plan_rule`), measured on `../shared/corpus`.

    python bench/plan_procedures.py [--list N]

Prints the number of skills, those with at least one procedure, the steps per planned skill
(median, max) and the N largest plans with their section titles and first steps. With
`PYTHONPATH` naming an older checkout's package (docs/runtime.md, "Measured") it measures that
checkout's rule.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def main() -> int:
    from skillir.analysis.par.dataflow import procedures
    from skillir.diagnostics import DiagnosticSink
    from skillir.dialects import cap
    from skillir.frontend.parser import parse_skill

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", type=int, default=0)
    args = parser.parse_args()
    files = sorted(CORPUS.rglob("SKILL.md"))
    if not files:
        print(f"{CORPUS}: no skills", file=sys.stderr)
        return 2
    steps: list[int] = []
    largest: list[tuple[int, str, list[str]]] = []
    for path in files:
        try:
            module = parse_skill(path.read_bytes(), str(path), DiagnosticSink(str(path)))
        except Exception:
            continue
        for root in cap.skills(module):
            found = procedures(root, path.parent)
            count = sum(len(p.tasks) for p in found)
            if count:
                steps.append(count)
                largest.append(
                    (
                        count,
                        str(path.relative_to(CORPUS)),
                        [f"{p.title}: {p.tasks[0].text[:50]}" for p in found],
                    )
                )
    print(
        f"skills: {len(files)}; with a plan: {len(steps)}; steps per plan: median "
        f"{statistics.median(steps):g}, max {max(steps)}"
    )
    for count, name, titles in sorted(largest, reverse=True)[: args.list]:
        print(f"{count:4d} {name}: {' | '.join(titles)[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
