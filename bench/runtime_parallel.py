"""Serial against plan-parallel execution of skills on the embedded model (SmolLM2-135M).

Each skill's plan (computed from the folder as written) runs `--repeats` times in each mode,
alternating, after one warm-up run that pays litellm's and llama.cpp's first-call costs. A run
counts only if it ends `ok` and its output files are right. Prints, per skill, the median time
the agents took (`run_s`: setup excluded), the median wall time, the critical path, the share
of that time spent in model calls, and the speedup serial / parallel.

The suite: `word-stats` (an ILP region of three quick commands, then a join: model-bound),
`fetch-pages` (an ILP region of four commands that each wait 1 s, standing in for network
latency) and `two-chains` (a TLP region: two branches of two steps, each starting with a 1 s
wait). On this 2-core machine concurrent model calls share two cores, so the model-bound part
gains at most 2x; waiting tools overlap fully.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from skillir.runtime.execute import RunConfig, run_skill

REPO = Path(__file__).resolve().parents[1]


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.is_file() else []


SUITE: dict[str, tuple[Path, str, Callable[[Path], bool]]] = {
    "word-stats": (
        REPO / "examples" / "word-stats",
        "Compute the word statistics of texts/.",
        lambda w: _lines(w / "report.txt") == ["words: 24", "lines: 5", "chars: 120"],
    ),
    "fetch-pages": (
        REPO / "bench" / "skills" / "fetch-pages",
        "Collect the status pages.",
        lambda w: all(
            _lines(w / f"{n}.txt") == [f"{n}: up"] for n in ("alpha", "beta", "gamma", "delta")
        ),
    ),
    "two-chains": (
        REPO / "bench" / "skills" / "two-chains",
        "Make the sorted lists.",
        lambda w: (
            _lines(w / "cities.sorted") == ["Accra", "Hanoi", "Lima", "Oslo"]
            and _lines(w / "rivers.sorted") == ["Amazon", "Danube", "Mekong", "Nile"]
        ),
    ),
}


def once(root: Path, skill: Path, request: str, parallel: bool, model: str) -> dict:
    work = Path(tempfile.mkdtemp(dir=root))
    config = RunConfig(skill, request, work / "work", work / "trace", model, parallel=parallel)
    summary = run_skill(config)
    summary["work"] = work / "work"
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", default="local/smollm2-135m")
    parser.add_argument("--only", action="append", choices=sorted(SUITE), default=[])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, (skill, request, correct) in SUITE.items():
            if args.only and name not in args.only:
                continue
            once(root, skill, request, True, args.model)  # warm-up
            runs: dict[bool, list[dict]] = {False: [], True: []}
            for _ in range(args.repeats):
                for parallel in (False, True):
                    summary = once(root, skill, request, parallel, args.model)
                    summary["correct"] = summary["status"] == "ok" and correct(summary["work"])
                    runs[parallel].append(summary)
            rows.append((name, runs))
            print(f"{name}: done", file=sys.stderr)

    def med(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"{args.model}, median of {args.repeats} runs per mode (seconds)\n")
    head = (
        f"{'skill':<12} {'mode':<9} {'ok':>5} {'agents':>7} {'wall':>6} {'critical':>8} "
        f"{'llm %':>6} {'calls':>5}"
    )
    print(head)
    print("-" * len(head))
    speedups = []
    for name, runs in rows:
        for parallel in (False, True):
            group = runs[parallel]
            ok = sum(r["correct"] for r in group)
            llm_share = statistics.median(r["llm_s"] / max(r["run_s"], 1e-9) for r in group)
            print(
                f"{name:<12} {'parallel' if parallel else 'serial':<9} {ok:>2}/{len(group):<2} "
                f"{med(group, 'run_s'):>7.2f} {med(group, 'wall_s'):>6.2f} "
                f"{med(group, 'critical_path_s'):>8.2f} {100 * llm_share:>5.0f}% "
                f"{med(group, 'llm_calls'):>5.0f}"
            )
        speedup = med(runs[False], "run_s") / med(runs[True], "run_s")
        speedups.append(speedup)
        print(f"{name:<12} speedup   {speedup:>12.2f}x\n")
    if speedups:
        print(f"median speedup over the suite: {statistics.median(speedups):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
