"""The capability pipeline over ../shared/corpus × three real profiles.

Per profile: p50/p99 ms per skill (parse + bind-target + infer-capabilities + analyze-gaps +
compensate + guard), the median prompt-token change (o200k_base), and how many skills got which
action. Also the distribution of inferred requirements over the corpus.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TARGETS = {
    "weak qwen3.5-9b": "bare-agent__qwen--qwen3.5-9b.json",
    "medium qwen3.5-35b-a3b": "bare-agent__qwen--qwen3.5-35b-a3b.json",
    "strong gpt-5.4": "bare-agent__openai--gpt-5.4.json",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        print(f"corpus not found at {corpus}", file=sys.stderr)
        return 1
    from skillir.analysis.cap.pipeline import compile_for
    from skillir.analysis.cap.report import count_tokens
    from skillir.diagnostics import ACTIVE, DiagnosticSink
    from skillir.dialects import cap
    from skillir.frontend.markdown import render_module
    from skillir.frontend.parser import parse_skill

    files = sorted(corpus.rglob("SKILL.md"))
    originals = {p: p.read_bytes().decode("utf-8") for p in files}
    before = {p: count_tokens(t) for p, t in originals.items()}
    requirements: Counter[str] = Counter()
    print(f"## Capability pipeline, {len(files)} skills x {args.rounds} rounds\n")
    print("| target | p50 ms | p99 ms | median token change | max | skills changed | actions |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for label, profile in TARGETS.items():
        times: list[float] = []
        changes: list[float] = []
        actions: Counter[str] = Counter()
        changed = 0
        for round_index in range(args.rounds):
            for path in files:
                sink = DiagnosticSink(str(path))
                token = ACTIVE.set(sink)
                t0 = time.perf_counter()
                module = parse_skill(path.read_bytes(), str(path), sink)
                compile_for(module, str(SHARED / "profiles" / "skvm" / profile))
                times.append(time.perf_counter() - t0)
                ACTIVE.reset(token)
                if round_index:
                    continue
                text = render_module(module)
                after = count_tokens(text)
                changes.append(100 * (after - before[path]) / before[path])
                changed += text != originals[path]
                for op in module.walk():
                    if isinstance(op, cap.CompensateOp):
                        actions[op.strategy.data] += 1
                    if isinstance(op, cap.RequireOp) and label.startswith("weak"):
                        requirements[f"{op.primitive.data} L{op.level.data}"] += 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(actions.items())) or "none"
        print(
            f"| {label} | {percentile(times, 0.5) * 1e3:.1f} | {percentile(times, 0.99) * 1e3:.1f}"
            f" | {statistics.median(changes):+.1f}% | {max(changes):+.1f}% | {changed}"
            f" | {summary} |"
        )
    print("\n## Requirements inferred over the corpus\n")
    print("| requirement | skills' ops |")
    print("|---|---:|")
    for key, count in sorted(requirements.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"| {key} | {count} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
