"""The full pipeline (`compile` + emitting the folder) over ../shared/corpus.

Prints, per harness × reference profile, the median prompt tokens (o200k_base) of the original
and compiled SKILL.md and their ratio; p50/p99 ms per skill in-process (parse → emit; over all
compiles, and over each skill's first compile, with the caches kept by text emptied: the
fastest of `--rounds` rounds and the first round alone) and through the CLI
(`skill-translate --target=claude-code`, a process per skill); and the cold start of
`skill-opt --help` against `xdsl-opt --help`.
"""

from __future__ import annotations

import argparse
import functools
import gc
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


def clear_text_caches() -> None:
    """Empty the caches skillir keeps by input text (the bounded `lru_cache`s), so that the next
    compile of a skill is its first again."""
    for obj in gc.get_objects():
        if (
            isinstance(obj, functools._lru_cache_wrapper)
            and obj.cache_parameters()["maxsize"] is not None
            and obj.__module__.startswith("skillir")
        ):
            obj.cache_clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cli-skills", type=int, default=20, help="skills timed via the CLI")
    parser.add_argument("--cold-runs", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of first compiles")
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

    def compile_once(skill: Path, harness: str, profile: str) -> tuple[float, str] | None:
        """(ms, compiled SKILL.md) of parse → compile → folder, or None for a refused skill."""
        sink = DiagnosticSink(str(skill))
        token = ACTIVE.set(sink)
        try:
            start = time.perf_counter()
            module = parse_skill(skill.read_bytes(), str(skill), sink)
            if any(d.severity is Severity.ERROR for d in sink.diagnostics):
                return None
            for step in passes_for(harness, profile):
                step.apply(Context(), module)
            compiled = folder_files(module)["SKILL.md"].data.decode()
            return (time.perf_counter() - start) * 1000, compiled
        except DiagnosticError:
            return None
        finally:
            ACTIVE.reset(token)

    # each skill's first compile (no cache holds its text): caches emptied before each round,
    # the fastest round per skill (the others measure the machine's noise, not the compiler)
    weak = str(SHARED / "profiles" / "skvm" / PROFILES["weak"])
    first: dict[Path, list[float]] = {}
    for _ in range(args.rounds):
        clear_text_caches()
        for skill in files:
            if (result := compile_once(skill, HARNESSES[0], weak)) is not None:
                first.setdefault(skill, []).append(result[0])
    single = [runs[0] for runs in first.values()]
    best = [min(runs) for runs in first.values()]
    clear_text_caches()
    times: list[float] = []
    compiled: dict[tuple[str, str], list[tuple[Path, str]]] = {}
    for name in HARNESSES:
        for level, profile in PROFILES.items():
            path = str(SHARED / "profiles" / "skvm" / profile)
            for skill in files:
                if (result := compile_once(skill, name, path)) is not None:
                    times.append(result[0])
                    compiled.setdefault((name, level), []).append((skill, result[1]))
    print(f"{len(files)} skills × {len(HARNESSES)} harnesses × {len(PROFILES)} profiles\n")
    print("prompt tokens (o200k_base), median per skill")
    print(f"{'harness':<13}{'profile':<8}{'original':>10}{'compiled':>10}{'ratio':>8}")
    for (name, level), outputs in compiled.items():
        pairs = [
            (count_tokens(skill.read_bytes().decode("utf-8", "replace")), count_tokens(text))
            for skill, text in outputs
        ]
        before = statistics.median(b for b, _ in pairs)
        after = statistics.median(a for _, a in pairs)
        ratio = statistics.median(a / b for b, a in pairs if b)
        print(f"{name:<13}{level:<8}{before:>10.0f}{after:>10.0f}{ratio:>8.3f}")
    print(
        f"\nin-process, parse → compile → folder: p50 {statistics.median(times):.2f} ms, "
        f"p99 {percentile(times, 0.99):.2f} ms ({len(times)} compiles, a skill's later "
        "compiles for other targets reuse what is cached by text)"
    )
    print(
        f"first compile of each skill (caches emptied): p50 {statistics.median(best):.2f} ms, "
        f"p99 {percentile(best, 0.99):.2f} ms (fastest of {args.rounds} rounds); "
        f"first round alone: p50 {statistics.median(single):.2f} ms, "
        f"p99 {percentile(single, 0.99):.2f} ms"
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
