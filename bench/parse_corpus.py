"""Parse + verify + print over every SKILL.md in ../shared/corpus, and tool cold start.

Prints two tables: per-skill in-process times (p50/p99, skills/s) for each phase, and the
cold start of `skill-opt SKILL.md -p validate-skill` against `xdsl-opt` on an empty module,
measured side by side (interleaved runs) so machine load affects both alike.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def in_process(files: list[Path], rounds: int) -> dict[str, list[float]]:
    import io

    from xdsl.printer import Printer

    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend.markdown import render_module
    from skillir.frontend.parser import parse_skill

    phases: dict[str, list[float]] = {"parse": [], "verify": [], "print IR": [], "markdown": []}
    phases["total"] = []
    for _ in range(rounds):
        for path in files:
            data = path.read_bytes()
            t0 = time.perf_counter()
            module = parse_skill(data, str(path), DiagnosticSink(str(path)))
            t1 = time.perf_counter()
            module.verify()
            t2 = time.perf_counter()
            Printer(stream=io.StringIO()).print_op(module)
            t3 = time.perf_counter()
            assert render_module(module).encode() == data, path
            t4 = time.perf_counter()
            for name, value in zip(
                phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0), strict=True
            ):
                phases[name].append(value)
    return phases


def cold_start(skill: Path, runs: int) -> dict[str, list[float]]:
    bindir = Path(sys.executable).parent
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as empty:
        empty.write("builtin.module {}\n")
    commands = {
        "xdsl-opt empty.mlir": [str(bindir / "xdsl-opt"), empty.name],
        "skill-opt SKILL.md -p validate-skill": [
            str(bindir / "skill-opt"),
            str(skill),
            "-p",
            "validate-skill",
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():  # warm the OS cache and lark's parser cache
        subprocess.run(cmd, capture_output=True, check=False)
    for _ in range(runs):
        for name, cmd in commands.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=False)
            times[name].append(time.perf_counter() - t0)
    Path(empty.name).unlink()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the corpus")
    parser.add_argument("--runs", type=int, default=15, help="cold starts per command")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 1
    files = sorted(CORPUS.rglob("SKILL.md"))
    phases = in_process(files, args.rounds)
    total = sum(phases["total"]) / args.rounds
    print(
        f"## In-process, {len(files)} skills x {args.rounds} rounds "
        f"({len(files) / total:.0f} skills/s, parse+verify+print+markdown)\n"
    )
    print("| phase | p50 ms | p99 ms | mean ms |")
    print("|---|---:|---:|---:|")
    for name, values in phases.items():
        print(
            f"| {name} | {percentile(values, 0.5) * 1e3:.2f} | "
            f"{percentile(values, 0.99) * 1e3:.2f} | {statistics.fmean(values) * 1e3:.2f} |"
        )
    example = REPO / "examples" / "pdf-report" / "SKILL.md"
    times = cold_start(example, args.runs)
    base = statistics.median(times["xdsl-opt empty.mlir"])
    print(f"\n## Cold start, {args.runs} interleaved runs each\n")
    print("| command | median s | p99 s | ratio to xdsl-opt |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| `{name}` | {median:.3f} | {percentile(values, 0.99):.3f} | {median / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
