"""The full pipeline (`compile` + emitting the folder) over ../shared/corpus.

Prints, per harness × reference profile, the median prompt tokens (o200k_base) of the original
and compiled SKILL.md and their ratio; p50/p99 ms per skill in-process (parse → emit; over all
compiles, and over each skill's first compile, before the scans cached by text can help) and
through the CLI (`skill-translate --target=claude-code`, a process per skill); and the cold start of
`skill-opt --help` against `xdsl-opt --help`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PROFILES = {
    "weak": "bare-agent__qwen--qwen3.5-9b.json",
    "medium": "bare-agent__qwen--qwen3.5-35b-a3b.json",
    "strong": "bare-agent__openai--gpt-5.4.json",
}
HARNESSES = ("bare", "claude-code", "codex", "opencode", "openclaw", "hermes")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cli-skills", type=int, default=20, help="skills timed via the CLI")
    parser.add_argument("--cold-runs", type=int, default=9)
    args = parser.parse_args()
    if not (SHARED / "corpus").is_dir():
        print(f"corpus not found at {SHARED / 'corpus'}", file=sys.stderr)
        return 1
    from xdsl.context import Context

    from skillir.cap_report import count_tokens
    from skillir.diagnostics import ACTIVE, DiagnosticError, DiagnosticSink, Severity
    from skillir.emit import folder_files
    from skillir.frontend import parse_skill
    from skillir.passes.compile import passes_for

    files = sorted((SHARED / "corpus").rglob("SKILL.md"))
    times: list[float] = []
    first: list[float] = []  # each skill's first compile: no cache holds its text yet
    tokens: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for name in HARNESSES:
        for level, profile in PROFILES.items():
            path = str(SHARED / "profiles" / "skvm" / profile)
            for skill in files:
                sink = DiagnosticSink(str(skill))
                token = ACTIVE.set(sink)
                try:
                    start = time.perf_counter()
                    data = skill.read_bytes()
                    module = parse_skill(data, str(skill), sink)
                    if any(d.severity is Severity.ERROR for d in sink.diagnostics):
                        continue
                    for step in passes_for(name, path):
                        step.apply(Context(), module)
                    compiled = folder_files(module)["SKILL.md"].data.decode()
                    times.append((time.perf_counter() - start) * 1000)
                    if name == HARNESSES[0] and level == "weak":
                        first.append(times[-1])
                except DiagnosticError:
                    continue
                finally:
                    ACTIVE.reset(token)
                before = count_tokens(data.decode("utf-8", "replace"))
                tokens.setdefault((name, level), []).append((before, count_tokens(compiled)))
    print(f"{len(files)} skills × {len(HARNESSES)} harnesses × {len(PROFILES)} profiles\n")
    print("prompt tokens (o200k_base), median per skill")
    print(f"{'harness':<13}{'profile':<8}{'original':>10}{'compiled':>10}{'ratio':>8}")
    for (name, level), pairs in tokens.items():
        before = statistics.median(b for b, _ in pairs)
        after = statistics.median(a for _, a in pairs)
        ratio = statistics.median(a / b for b, a in pairs if b)
        print(f"{name:<13}{level:<8}{before:>10.0f}{after:>10.0f}{ratio:>8.3f}")
    print(
        f"\nin-process, parse → compile → folder: p50 {statistics.median(times):.2f} ms, "
        f"p99 {percentile(times, 0.99):.2f} ms ({len(times)} compiles); "
        f"first compile of each skill: p50 {statistics.median(first):.2f} ms, "
        f"p99 {percentile(first, 0.99):.2f} ms"
    )
    cli: list[float] = []
    profile = str(SHARED / "profiles" / "skvm" / PROFILES["strong"])
    for skill in files[: args.cli_skills]:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "skillir.tools.skill_translate", str(skill.parent),
             "--target=claude-code", "--profile", profile],
            capture_output=True,
            check=False,
        )  # fmt: skip
        cli.append((time.perf_counter() - start) * 1000)
    print(
        f"CLI, skill-translate --target=claude-code: p50 {statistics.median(cli):.0f} ms, "
        f"p99 {percentile(cli, 0.99):.0f} ms ({len(cli)} skills)"
    )
    cold: dict[str, list[float]] = {"skill-opt --help": [], "xdsl-opt --help": []}
    bindir = Path(sys.executable).parent
    for _ in range(args.cold_runs):
        for label in cold:
            tool = bindir / label.split()[0]
            start = time.perf_counter()
            subprocess.run([str(tool), "--help"], capture_output=True, check=False)
            cold[label].append((time.perf_counter() - start) * 1000)
    ours, theirs = (statistics.median(v) for v in cold.values())
    print(
        f"cold start: skill-opt --help {ours:.0f} ms, xdsl-opt --help {theirs:.0f} ms, "
        f"ratio {ours / theirs:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
