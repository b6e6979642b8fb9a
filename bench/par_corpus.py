"""Concurrency over ../shared/corpus: how many skills have parallel regions, of which kind, the
ideal speedup (work / critical path) they reach, and what `build-dataflow` +
`extract-parallelism` cost per skill.

A skill's speedup is over all its procedures (their work over their critical paths, summed);
a mapped task of unknown size counts `--dlp-items` items.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def kinds_of(nodes: list[dict]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        found |= {k for k in ("ilp", "dlp", "tlp") if k in node}
        for branch in node.get("tlp", []):
            found |= kinds_of(branch)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dlp-items", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 1
    from xdsl.context import Context

    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend import parse_skill
    from skillir.passes.build_dataflow import BuildDataflow
    from skillir.passes.extract_parallelism import ExtractParallelism
    from skillir.plan import plan

    files = sorted(CORPUS.rglob("SKILL.md"))
    ctx = Context()
    kinds: Counter[str] = Counter()
    task_kinds: Counter[str] = Counter()
    speedups: list[float] = []
    with_graph = with_region = 0
    times: list[float] = []
    for round_no in range(args.rounds):
        for path in files:
            module = parse_skill(path.read_bytes(), str(path), DiagnosticSink(str(path)))
            start = time.perf_counter()
            BuildDataflow().apply(ctx, module)
            ExtractParallelism(dlp_items=args.dlp_items).apply(ctx, module)
            times.append((time.perf_counter() - start) * 1000)
            if round_no:
                continue
            (doc,) = plan(module)["skills"]
            found = set().union(*(kinds_of(g["schedule"]) for g in doc["graphs"]))
            kinds.update(found)
            task_kinds.update(t["kind"] for g in doc["graphs"] for t in g["tasks"])
            with_graph += bool(doc["graphs"])
            with_region += bool(found)
            speedups.append(doc["speedup"])
    n = len(files)
    print(f"{n} skills, {with_graph} with at least one procedure\n")
    print(f"{'parallel region':<22}{'skills':>7}{'share':>8}")
    print(f"{'any':<22}{with_region:>7}{with_region / n:>8.1%}")
    for kind in ("ilp", "dlp", "tlp"):
        print(f"{kind:<22}{kinds[kind]:>7}{kinds[kind] / n:>8.1%}")
    parallel = sorted(s for s in speedups if s > 1)
    print(f"\nideal speedup (work / critical path), dlp items = {args.dlp_items}")
    print(f"{'':<22}{'all':>7}{'>1 only':>9}")
    for name, fn in (("median", statistics.median), ("max", max)):
        print(f"{name:<22}{fn(speedups):>7.2f}{fn(parallel) if parallel else 1:>9.2f}")
    buckets = Counter(
        "1.0" if s <= 1 else "1.0-1.5" if s < 1.5 else "1.5-2.0" if s < 2 else ">=2.0"
        for s in speedups
    )
    print(
        "\nspeedup histogram: "
        + ", ".join(f"{k}: {buckets[k]}" for k in ("1.0", "1.0-1.5", "1.5-2.0", ">=2.0"))
    )
    print("task kinds: " + ", ".join(f"{k} {v}" for k, v in task_kinds.most_common()))
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"\nbuild-dataflow + extract-parallelism per skill: p50 {statistics.median(times):.2f} ms,"
        f" p99 {p99:.2f} ms ({args.rounds} rounds)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
