"""Adaptive recompilation, measured: `skill-adapt` on a suite, then `skill-bench` on the tasks
it held out, under original, compiled and adaptive.

    python bench/adaptive_loop.py [--suite bench/adaptive_tasks] [--profile FILE]
                                  [--model ID] [--rounds N] [--repeats N] [--max-steps N] OUT

The default profile is a planted error: `lit_tests/golden-targets/Inputs/strong.json` claims
L3 on every primitive, which the embedded model does not have. Prints the held-out table
(score with Wilson 95 % interval, median tokens and wall time per condition) and what the loop
did (rounds, levels lowered, candidates rejected); `OUT/report/` holds the bench's report.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "bench" / "adaptive_tasks"
PLANTED = ROOT / "lit_tests" / "golden-targets" / "Inputs" / "strong.json"


def _tool(name: str, *args: str, ok: tuple[int, ...] = (0,)) -> None:
    argv = [sys.executable, "-m", f"skillir.tools.{name}", *args]
    print("$", " ".join(argv[2:]), file=sys.stderr)
    code = subprocess.run(argv).returncode
    if code not in ok:
        raise SystemExit(f"{name} exited {code}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--skill", type=Path, help="default: the suite's _skills/<only one>")
    parser.add_argument("--profile", type=Path, default=PLANTED)
    parser.add_argument("--model", default="local/smollm2-135m")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--max-steps", type=int, default=4)
    parser.add_argument("--held-out", default="0.4", help="share of tasks held out")
    parser.add_argument("--skip-adapt", action="store_true", help="reuse OUT/adapt")
    args = parser.parse_args()
    skill = args.skill or next((args.suite / "_skills").iterdir())
    adapt_dir = args.out / "adapt"
    if not args.skip_adapt:
        _adapt(args, skill, adapt_dir)
    outcome = json.loads((adapt_dir / "outcome.json").read_text(encoding="utf-8"))
    held = [str(args.suite / task) for task in outcome["held_out_tasks"]]
    results = args.out / "heldout.jsonl"
    results.unlink(missing_ok=True)
    _tool(
        "skill_bench",
        "run",
        *held,
        "--conditions",
        "original,compiled,adaptive",
        "--model",
        args.model,
        "--profile",
        str(args.profile),
        "--repeats",
        str(args.repeats),
        "--max-steps",
        str(args.max_steps),
        "--jobs",
        "1",
        "-q",
        "-o",
        str(results),
        ok=(0, 1),  # 1: no run ended ok, a result like any other
    )
    _tool("skill_bench", "report", str(results), "-o", str(args.out / "report"))
    print(_table(results))
    print(f"rounds: {len(outcome['rounds'])}, candidates rejected: {outcome['rejected']}")
    for r in outcome["rounds"]:
        lowered = ", ".join(f"{k} -> L{v}" for k, v in r["lowered"].items()) or "none"
        print(
            f"round {r['round']}: evidence {r['evidence_passed']}/{r['evidence_runs']} passed, "
            f"{r['observations']} observations, {len(r['unattributed'])} unattributed, "
            f"lowered: {lowered}, ops changed: {len(r['changed_ops'])}; {r['verdict']}"
        )
    return 0


def _adapt(args: argparse.Namespace, skill: Path, adapt_dir: Path) -> None:
    _tool(
        "skill_adapt",
        str(skill),
        "--tasks",
        str(args.suite),
        "--model",
        args.model,
        "--profile",
        str(args.profile),
        "--rounds",
        str(args.rounds),
        "--repeats",
        str(args.repeats),
        "--max-steps",
        str(args.max_steps),
        "--held-out",
        args.held_out,
        "-q",
        "-o",
        str(adapt_dir),
    )


def _table(results: Path) -> str:
    from skillir.bench.results import load
    from skillir.bench.stats import wilson

    records = load(results)
    rows = [
        "| condition | passed | rate [95 % CI] | median tokens | median wall s |",
        "|---|---|---|---|---|",
    ]
    for condition in ("original", "compiled", "adaptive"):
        runs = [r for r in records if r["condition"] == condition]
        if not runs:
            continue
        passes = sum(bool(r["passed"]) for r in runs)
        rate = wilson(passes, len(runs))
        low, high = rate.low, rate.high
        tokens = sorted(
            (r.get("prompt_tokens") or 0) + (r.get("completion_tokens") or 0) for r in runs
        )
        wall = sorted(r.get("wall_s") or 0.0 for r in runs)
        mid = len(runs) // 2
        rows.append(
            f"| {condition} | {passes}/{len(runs)} | {rate.value:.2f} [{low:.2f}, {high:.2f}] "
            f"| {tokens[mid]} | {wall[mid]:.1f} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
