"""Concurrency over ../shared/corpus: how many skills have parallel regions, of which kind, the
ideal speedup (work / critical path) they reach, and what `build-dataflow` +
`extract-parallelism` cost per skill.

A skill's speedup is over all its procedures (their work over their critical paths, summed);
a mapped task of unknown size counts `--dlp-items` items. Two columns: `conservative` (the
default and the only plan skillir runs: what a step does not name it may touch) and `stated`
(an upper bound: a step touches only what it names).
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
    from skillir.frontend.parser import parse_skill
    from skillir.passes.build_dataflow import BuildDataflow
    from skillir.passes.extract_parallelism import ExtractParallelism
    from skillir.targets.plan import plan

    files = sorted(CORPUS.rglob("SKILL.md"))
    ctx = Context()
    results = {}
    for assume in ("conservative", "stated"):
        kinds: Counter[str] = Counter()
        speedups: list[float] = []
        times: list[float] = []
        with_graph = with_region = 0
        for round_no in range(args.rounds):
            for path in files:
                module = parse_skill(path.read_bytes(), str(path), DiagnosticSink(str(path)))
                start = time.perf_counter()
                BuildDataflow(assume=assume).apply(ctx, module)
                ExtractParallelism(dlp_items=args.dlp_items).apply(ctx, module)
                times.append((time.perf_counter() - start) * 1000)
                if round_no:
                    continue
                (doc,) = plan(module)["skills"]
                found = set().union(*(kinds_of(g["schedule"]) for g in doc["graphs"]))
                kinds.update(found)
                with_graph += bool(doc["graphs"])
                with_region += bool(found)
                speedups.append(doc["speedup"])
        results[assume] = (kinds, speedups, times, with_graph, with_region)
    n = len(files)
    print(f"{n} skills, {results['conservative'][3]} with at least one procedure\n")
    print(f"{'skills with a region':<24}{'conservative':>14}{'stated':>10}")
    for kind in ("any", "ilp", "dlp", "tlp"):
        row = []
        for assume in ("conservative", "stated"):
            kinds, _, _, _, with_region = results[assume]
            count = with_region if kind == "any" else kinds[kind]
            row.append(f"{count} ({count / n:.0%})")
        print(f"{kind:<24}{row[0]:>14}{row[1]:>10}")
    print(f"\nideal speedup (work / critical path; dlp items = {args.dlp_items})")
    print(f"{'':<24}{'conservative':>14}{'stated':>10}")
    for name in ("median, all skills", "median, parallel ones", "max", "skills >= 1.5x"):
        row = []
        for assume in ("conservative", "stated"):
            speedups = results[assume][1]
            parallel = [x for x in speedups if x > 1] or [1.0]
            value = {
                "median, all skills": statistics.median(speedups),
                "median, parallel ones": statistics.median(parallel),
                "max": max(speedups),
                "skills >= 1.5x": sum(x >= 1.5 for x in speedups),
            }[name]
            row.append(f"{value:.2f}" if isinstance(value, float) else str(value))
        print(f"{name:<24}{row[0]:>14}{row[1]:>10}")
    times = results["conservative"][2]
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"\nbuild-dataflow + extract-parallelism per skill: p50 {statistics.median(times):.2f} ms,"
        f" p99 {p99:.2f} ms ({args.rounds} rounds)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
