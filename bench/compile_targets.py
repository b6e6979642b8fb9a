"""The full pipeline (`compile` + emitting the folder) over ../shared/corpus.

Prints, per harness × reference profile, the median prompt tokens (o200k_base) of the original
and compiled SKILL.md, the median change per skill (compiled − original), their ratio and how
many skills got longer, then the same per profile over every harness (`--tokens-only` stops
there); p50/p99 ms per skill in-process (parse → emit; over all
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


Notes = dict[str, int]


def note_tokens(module, count) -> Notes:  # noqa: ANN001 - a ModuleOp, count_tokens
    """Tokens of the `**Note:**` quotes (with the blank line after each) each kind of pass
    added: compensation, env, par."""
    from skillir.dialects import skill
    from skillir.passes.compensate import ORIGIN

    out: Notes = {}
    for op in skill.walk_ops(module):
        if isinstance(op, skill.QuoteOp) and ORIGIN in op.attributes:
            origin = op.attributes[ORIGIN].data  # type: ignore[attr-defined]
            kind = {"lower-env": "env", "lower-par": "par"}.get(origin.split()[0], "compensation")
            out[kind] = out.get(kind, 0) + count(f"> {op.text.data}\n\n")  # and its blank line
    return out


def token_row(pairs: list[tuple[int, int]]) -> str:
    """Median original and compiled tokens, median change and ratio, the skills that got longer
    and the largest growth, of (original, compiled) token counts."""
    changes = [a - b for b, a in pairs]
    longer = sum(c > 0 for c in changes)
    return (
        f"{statistics.median(b for b, _ in pairs):>9.0f}"
        f"{statistics.median(a for _, a in pairs):>9.0f}"
        f"{statistics.median(changes):>+8.0f}"
        f"{statistics.median(a / b for b, a in pairs if b):>7.3f}"
        f"{f'{longer}/{len(pairs)}':>11}{max(changes):>+6d}"
    )


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
    parser.add_argument("--tokens-only", action="store_true", help="no timings")
    args = parser.parse_args()
    if not (SHARED / "corpus").is_dir():
        print(f"corpus not found at {SHARED / 'corpus'}", file=sys.stderr)
        return 1
    from xdsl.context import Context

    from skillir.analysis.cap.report import count_tokens
    from skillir.diagnostics import ACTIVE, DiagnosticError, DiagnosticSink, Severity
    from skillir.frontend.parser import parse_skill
    from skillir.passes.compile import passes_for
    from skillir.targets.emit import folder_files

    files = sorted((SHARED / "corpus").rglob("SKILL.md"))

    def compile_once(skill: Path, harness: str, profile: str) -> tuple[float, str, Notes] | None:
        """(ms, compiled SKILL.md, its notes' tokens by kind) of parse → compile → folder, or
        None for a refused skill."""
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
            ms = (time.perf_counter() - start) * 1000
            return ms, compiled, note_tokens(module, count_tokens)
        except DiagnosticError:
            return None
        finally:
            ACTIVE.reset(token)

    # each skill's first compile (no cache holds its text): caches emptied before each round,
    # the fastest round per skill (the others measure the machine's noise, not the compiler)
    weak = str(SHARED / "profiles" / "skvm" / PROFILES["weak"])
    first: dict[Path, list[float]] = {}
    for _ in range(0 if args.tokens_only else args.rounds):
        clear_text_caches()
        for skill in files:
            if (result := compile_once(skill, HARNESSES[0], weak)) is not None:
                first.setdefault(skill, []).append(result[0])
    clear_text_caches()
    times: list[float] = []
    compiled: dict[tuple[str, str], list[tuple[Path, str]]] = {}
    notes: dict[str, list[Notes]] = {}
    for name in HARNESSES:
        for level, profile in PROFILES.items():
            path = str(SHARED / "profiles" / "skvm" / profile)
            for skill in files:
                if (result := compile_once(skill, name, path)) is not None:
                    times.append(result[0])
                    compiled.setdefault((name, level), []).append((skill, result[1]))
                    notes.setdefault(level, []).append(result[2])
    print(f"{len(files)} skills × {len(HARNESSES)} harnesses × {len(PROFILES)} profiles\n")
    print("prompt tokens (o200k_base), median per skill; change = compiled − original")
    header = f"{'original':>9}{'compiled':>9}{'change':>8}{'ratio':>7}{'longer':>11}{'max':>6}"
    print(f"{'harness':<13}{'profile':<8}{header}")
    per_profile: dict[str, list[tuple[int, int]]] = {}
    for (name, level), outputs in compiled.items():
        pairs = [
            (count_tokens(skill.read_bytes().decode("utf-8", "replace")), count_tokens(text))
            for skill, text in outputs
        ]
        per_profile.setdefault(level, []).extend(pairs)
        print(f"{name:<13}{level:<8}{token_row(pairs)}")
    print(f"\nper profile, over the {len(HARNESSES)} harnesses")
    print(f"{'profile':<8}{header}")
    for level, pairs in per_profile.items():
        print(f"{level:<8}{token_row(pairs)}")
    print(
        "\nwhere the change comes from, per profile: median tokens per compile of each kind of "
        "note (compiles with one); rest = change minus notes (what eliminate removed, negative, "
        "and the indentation of notes inside list items); compensated = compensation notes + rest "
        "(compiles where it is positive)"
    )
    kinds = ("compensation", "env", "par")
    print(f"{'profile':<8}" + "".join(f"{k:>13}" for k in (*kinds, "rest", "compensated")))
    for level, pairs in per_profile.items():
        rows = notes[level]
        rest = [a - b - sum(n.values()) for (b, a), n in zip(pairs, rows, strict=True)]
        comp = [n.get("compensation", 0) + r for n, r in zip(rows, rest, strict=True)]
        cells = [
            f"{statistics.median(n.get(k, 0) for n in rows):.0f} ({sum(k in n for n in rows)})"
            for k in kinds
        ]
        grew = sum(c > 0 for c in comp)
        print(
            f"{level:<8}"
            + "".join(f"{c:>13}" for c in cells)
            + f"{statistics.median(rest):>+13.0f}"
            + f"{f'{statistics.median(comp):+.0f} ({grew} > 0)':>18}"
        )
    if args.tokens_only:
        return 0
    single = [runs[0] for runs in first.values()]
    best = [min(runs) for runs in first.values()]
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
