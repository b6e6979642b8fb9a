"""Dump every compiler output over the corpus, for before/after diffs of behaviour-preserving work.

Runs the tools in one process (their ``main``), for every corpus skill: each harness's folder
(profiles cycled weak, medium, strong), the compiled IR, the env script and manifest, the plan,
the prompt, the markdown, the stats and the diagnostics of each. Paths under the output folder
are stable, so ``diff -r BEFORE AFTER`` lists every change.

    python bench/dump_outputs.py OUT [--corpus DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

from skillir.targets.harnesses import harnesses
from skillir.tools import skill_opt, skill_translate

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
PROFILES = ROOT.parent / "shared" / "profiles" / "skvm"
LEVELS = [
    PROFILES / "bare-agent__qwen--qwen3.5-9b.json",
    PROFILES / "bare-agent__deepseek--deepseek-v3.2.json",
    PROFILES / "bare-agent__anthropic--claude-opus-4.6.json",
]


def run(main, argv: list[str], out: Path) -> None:
    """Run a tool's ``main`` on ``argv``; write its stdout, stderr and exit status to ``out``."""
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    code: object
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code
    stdout.flush()
    stderr.flush()
    Path(f"{out}.out").write_bytes(stdout.buffer.getvalue())
    text = stderr.buffer.getvalue().decode("utf-8", "replace").replace(str(CORPUS), "CORPUS")
    Path(f"{out}.err").write_text(f"{text}exit={code}\n", encoding="utf-8")


def dump_skill(skill: Path, key: str, out: Path, scratch: Path) -> None:
    """Every output of one skill into ``out/key.*``."""
    src = str(skill)
    for index, harness in enumerate(sorted(harnesses())):
        profile = str(LEVELS[index % len(LEVELS)])
        folder = scratch / key / harness
        run(
            skill_translate.main,
            [src, f"--target={harness}", "--profile", profile, "-o", str(folder), "--force"],
            out / f"{key}.{harness}",
        )
        if folder.is_dir():
            shutil.copytree(folder, out / f"{key}.{harness}.folder")
    profile = str(LEVELS[0])
    for target in ("env-setup", "env-manifest", "plan-json", "prompt", "markdown"):
        run(
            skill_translate.main,
            [src, f"--target={target}", "--profile", profile],
            out / f"{key}.{target}",
        )
    run(
        skill_translate.main,
        [src, "--target=bare", "--profile", profile, "--stats"],
        out / f"{key}.stats",
    )
    run(
        skill_opt.main,
        [src, "-p", f'compile{{harness=codex profile="{profile}"}}'],
        out / f"{key}.compile-ir",
    )
    run(skill_opt.main, [src, "-p", "validate-skill"], out / f"{key}.validate")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    os.environ.setdefault("NO_COLOR", "1")
    with tempfile.TemporaryDirectory() as scratch:
        for skill_md in sorted(args.corpus.rglob("SKILL.md")):
            skill = skill_md.parent
            key = str(skill.relative_to(args.corpus)).replace("/", "__")
            dump_skill(skill, key, args.out, Path(scratch))
    print(f"dumped {sum(1 for _ in args.out.rglob('*'))} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
