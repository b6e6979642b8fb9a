"""`skill-adapt`: correct the profile from runtime evidence, recompile, keep a better variant.

    skill-adapt SKILL --tasks SUITE --model ID [--harness H] [--profile FILE] [--rounds N]
                [--repeats N] [--held-out F] [--seed S] -o OUT_DIR

Writes OUT_DIR/skill (the kept variant), OUT_DIR/profile.json (the profile it was compiled
with: the input profile when no candidate was kept), OUT_DIR/report.md, OUT_DIR/outcome.json,
OUT_DIR/held-out/report.{md,html} (the bench's report of the held-out runs, with plots), and
every variant and revised profile under OUT_DIR/variants and OUT_DIR/profiles. Exit 0 on
success, 2 on bad input. See docs/adaptive.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from skillir.runtime.llm import DEFAULT_MODEL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skill-adapt", description=__doc__.splitlines()[0])
    parser.add_argument("skill", type=Path, metavar="SKILL")
    parser.add_argument("--tasks", type=Path, nargs="+", required=True, metavar="SUITE")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"litellm id ({DEFAULT_MODEL})")
    parser.add_argument("--harness", default="bare")
    parser.add_argument("--profile", type=Path, help="the profile to start from")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="runs per task and variant")
    parser.add_argument("--held-out", type=float, default=0.5, help="share of tasks held out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, help="caps each task's maxSteps")
    parser.add_argument("--timeout", type=float, help="caps each task's timeout (seconds)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT_DIR")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return parser


def _usage(parser: argparse.ArgumentParser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"skill-adapt: error: {message}", file=sys.stderr)
    return 2


def _profile(options: argparse.Namespace) -> Path:
    """The starting profile: --profile, else the store's entry for (harness, model)."""
    if options.profile is not None:
        return options.profile
    from skillir.analysis.cap.profiles import canonical_harness, open_store

    found = open_store().find(canonical_harness(options.harness), options.model)
    if found is None or found.path is None:
        raise LookupError(
            f"no profile for harness '{options.harness}' and model '{options.model}': "
            "give one with --profile"
        )
    return found.path


def main(args: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(args)
    from skillir.adaptive.incremental import RecompileError
    from skillir.adaptive.loop import Settings, adapt, summary, write_json
    from skillir.adaptive.report import render
    from skillir.analysis.cap.profiles import ProfileError, load_profile
    from skillir.bench.tasks import TaskError

    if not (options.skill / "SKILL.md").is_file():
        return _usage(parser, f"{options.skill}: not a skill folder (no SKILL.md)")
    if options.rounds < 1 or options.repeats < 1 or not 0.0 < options.held_out < 1.0:
        return _usage(parser, "--rounds and --repeats must be >= 1, --held-out in (0, 1)")
    if options.output.resolve() == options.skill.resolve():
        return _usage(parser, "-o must not be the skill folder")
    try:
        profile = _profile(options)
        load_profile(profile, options.harness, options.model)
    except (LookupError, ProfileError) as err:
        return _usage(parser, f"--profile: {err}")
    settings = Settings(
        skill=options.skill,
        tasks=tuple(options.tasks),
        model=options.model,
        profile=Path(profile),
        harness=options.harness,
        rounds=options.rounds,
        repeats=options.repeats,
        seed=options.seed,
        held_out=options.held_out,
        max_steps=options.max_steps,
        timeout_s=options.timeout,
        jobs=options.jobs,
    )
    out = options.output
    out.mkdir(parents=True, exist_ok=True)
    try:
        with _progress(options.quiet) as progress:
            outcome = adapt(settings, out, progress)
    except TaskError as err:
        return _usage(parser, f"--tasks: {err}")
    except RecompileError as err:
        print(f"{options.skill}/SKILL.md:1:1: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("skill-adapt: interrupted; variants so far are in " + str(out), file=sys.stderr)
        return 130
    kept = out / "skill"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(outcome.variant, kept)
    shutil.copyfile(outcome.profile, out / "profile.json")
    write_json(out / "outcome.json", summary(outcome))
    from skillir.atomic import write_text_atomic

    write_text_atomic(out / "report.md", render(outcome, options.skill.name))
    held = [
        r | {"condition": f"{kind} (round {rnd.number})"}
        for rnd in outcome.rounds
        for kind, runs in (("current", rnd.current_runs), ("candidate", rnd.candidate_runs))
        for r in runs
    ]
    if held:
        from skillir.bench.report import write_report

        write_report(held, out / "held-out")  # report.md + report.html with plots
    from skillir.adaptive.store import save

    stored = save(options.skill, options.model, options.harness, kept, out / "profile.json")
    last = outcome.rounds[-1]
    verdict = last.verdict.describe() if last.verdict else last.stopped
    print(f"skill-adapt: {len(outcome.rounds)} round(s); {verdict}")
    print(f"report: {out / 'report.md'}; variant kept for the bench's adaptive condition: {stored}")
    return 0


class _progress:
    """A rich progress bar over the runs of each phase (nothing with --quiet)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        if self.quiet:
            return None
        from rich.progress import Progress

        self.bar = Progress(transient=False)
        self.bar.__enter__()
        return self.update

    def update(self, what: str, done: int, total: int) -> None:
        if what not in self.tasks:
            self.tasks[what] = self.bar.add_task(what, total=total)
        self.bar.update(self.tasks[what], completed=done)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


if __name__ == "__main__":
    sys.exit(main())
