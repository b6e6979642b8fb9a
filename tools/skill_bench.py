"""`skill-bench`: run tasks × conditions × repeats with graders, report with intervals and plots.

    skill-bench run TASK_OR_SUITE... --conditions no-skill,original,compiled --model ID
                    [--profile FILE] [--repeats N] [--seed S] [--temperature T]
                    [--jit-store STORE] -o RESULTS.jsonl [--resume]
                    [--executor local|ray] [--ray-address ADDR] [--judge-model ID] [--jobs N]
    skill-bench report RESULTS.jsonl -o REPORT_DIR
    skill-bench list TASK_OR_SUITE...

A TASK_OR_SUITE is a task folder (task.json, task.toml or task.md inside) or a folder of them.
Exit 0 on success, 1 when `run` recorded no ok run, 2 on bad input. See docs/bench.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from skillir.bench.conditions import CONDITIONS
from skillir.bench.conditions.compiled import Compiled
from skillir.bench.executors import execute
from skillir.bench.results import ResultsError, append, load, run_key
from skillir.bench.runner import SAMPLING_TEMPERATURE, RunSpec, decoding
from skillir.bench.tasks import TaskError, discover
from skillir.executors import ExecutorError, add_arguments, check_arguments
from skillir.runtime.llm import DEFAULT_MODEL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skill-bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the grid, appending to RESULTS.jsonl")
    run.add_argument("tasks", type=Path, nargs="+", metavar="TASK_OR_SUITE")
    run.add_argument("--conditions", default="no-skill,original,compiled")
    run.add_argument("--model", default=DEFAULT_MODEL, help=f"litellm id ({DEFAULT_MODEL})")
    run.add_argument("--harness", default="bare", choices=("bare",))
    run.add_argument("--profile", type=Path, help="the model's profile (compiled conditions)")
    run.add_argument("--repeats", type=int, default=1)
    run.add_argument("--seed", type=int, default=0, help="first seed (repeat r gets S + r)")
    run.add_argument(
        "--temperature",
        type=float,
        help=f"sampling temperature (default: 0, greedy, for one repeat; "
        f"{SAMPLING_TEMPERATURE:g} for several)",
    )
    run.add_argument("-o", "--output", type=Path, required=True, metavar="RESULTS.jsonl")
    run.add_argument("--resume", action="store_true", help="skip runs already in RESULTS")
    add_arguments(run, "runs")
    run.add_argument("--judge-model", help="litellm id of the llm-judge model")
    run.add_argument("--max-steps", type=int, help="caps each task's maxSteps")
    run.add_argument("--timeout", type=float, help="caps each task's timeout (seconds)")
    run.add_argument("--setup-timeout", type=float, default=120.0, help="seconds for _setup.sh")
    run.add_argument("--grader-timeout", type=float, default=60.0, help="seconds per grader")
    run.add_argument("--keep", type=Path, metavar="DIR", help="keep run directories under DIR")
    run.add_argument(
        "--jit-store", type=Path, metavar="STORE", help="the jit condition's store (skill-jit mine)"
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    report = sub.add_parser("report", help="write report.md and report.html")
    report.add_argument("results", type=Path, metavar="RESULTS.jsonl")
    report.add_argument("-o", "--output", type=Path, required=True, metavar="REPORT_DIR")
    listing = sub.add_parser("list", help="tasks, eval methods, runnable here or why not")
    listing.add_argument("tasks", type=Path, nargs="+", metavar="TASK_OR_SUITE")
    return parser


def _list(paths: list[Path]) -> int:
    for task in discover(paths):
        state = f"not runnable here: {task.not_runnable}" if task.not_runnable else "runnable"
        missing = task.missing_fixtures()
        if missing:
            state = f"missing fixture {', '.join(missing)}: its runs fail"
        skills = ",".join(p.name for p in task.skills) or "-"
        if task.skill_problem:
            skills += " (unknown skill: runs with a skill fail)"
        print(f"{task.id}\t{task.format}\t{','.join(task.methods)}\tskill={skills}\t{state}")
    return 0


def _specs(options: argparse.Namespace, conditions: list[str]) -> list[RunSpec]:
    tasks = discover(options.tasks)
    return [
        RunSpec(
            task_dir=str(task.folder),
            task=task.id,
            condition=c,
            repeat=r,
            seed=options.seed + r,
            model=options.model,
            temperature=options.temperature,
            harness=options.harness,
            profile=str(options.profile.resolve()) if options.profile else None,
            judge_model=options.judge_model,
            max_steps=options.max_steps,
            timeout_s=options.timeout,
            setup_timeout_s=options.setup_timeout,
            grader_timeout_s=options.grader_timeout,
            keep_dir=str(options.keep.resolve()) if options.keep else None,
            jit_store=str(options.jit_store.resolve()) if options.jit_store else None,
        )
        for r in range(options.repeats)
        for task in tasks
        for c in conditions
    ]


def _run(parser: argparse.ArgumentParser, options: argparse.Namespace) -> int:
    conditions = [c.strip() for c in options.conditions.split(",") if c.strip()]
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown or not conditions:
        parser.error(f"--conditions: unknown {unknown} (known: {', '.join(CONDITIONS)})")
    check_arguments(parser, options)
    for name in ("repeats", "max_steps", "timeout", "setup_timeout", "grader_timeout"):
        value = getattr(options, name)
        if value is not None and value <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if options.temperature is None:
        options.temperature = 0.0 if options.repeats == 1 else SAMPLING_TEMPERATURE
    elif not 0 <= options.temperature <= 2:
        parser.error("--temperature must lie in [0, 2]")
    if "jit" in conditions and options.jit_store is None:
        parser.error("the jit condition needs --jit-store STORE (made by skill-jit mine)")
    if options.jit_store is not None and "jit" not in conditions:
        parser.error("--jit-store is used by the jit condition only")
    if options.jit_store is not None and not options.jit_store.is_dir():
        parser.error(f"--jit-store {options.jit_store}: no such directory")
    compiled = any(issubclass(CONDITIONS[c], Compiled) for c in conditions)
    if compiled and options.profile is None and not os.environ.get("SKILLIR_PROFILES"):
        parser.error("compiled conditions need --profile FILE (or $SKILLIR_PROFILES)")
    if options.profile is not None and not options.profile.is_file():
        parser.error(f"--profile {options.profile}: no such file")
    if options.keep is not None:
        options.keep.mkdir(parents=True, exist_ok=True)
    from skillir.runtime.llm import LLM, ModelError

    try:
        LLM(options.model).precheck()
        if options.judge_model:
            LLM(options.judge_model).precheck()
    except ModelError as err:
        print(f"skill-bench: error: {err}", file=sys.stderr)
        return 2
    specs = _specs(options, conditions)
    done = load(options.output)
    if done and not options.resume:
        print(
            f"{options.output}: error: holds {len(done)} runs already: add --resume to "
            "continue it, or name another file",
            file=sys.stderr,
        )
        return 2
    finished = {run_key(r) for r in done}
    todo = [s for s in specs if s.key() not in finished]
    if not options.quiet:
        print(
            f"skill-bench: {len(specs)} runs ({len(specs) - len(todo)} done already), "
            f"decoding {decoding(options.temperature)}",
            file=sys.stderr,
        )
    return _drive(todo, options)


def _drive(todo: list[RunSpec], options: argparse.Namespace) -> int:
    """Run `todo`, appending each record as it ends, with a progress bar on stderr."""
    ok = failed = 0
    progress = None
    if not options.quiet and todo:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        progress = Progress(
            TextColumn("[bold]bench"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("failed {task.fields[failed]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        progress.start()
        bar = progress.add_task("runs", total=len(todo), failed=0)
    began = time.monotonic()
    try:
        for record in execute(todo, options.executor, options.jobs, options.ray_address):
            append(options.output, record)
            ok += record["status"] == "ok"
            failed += record["status"] != "ok"
            if progress is not None:
                progress.update(bar, advance=1, failed=failed)
    finally:
        if progress is not None:
            progress.stop()
    if not options.quiet:
        print(
            f"skill-bench: {ok} ok, {failed} not ok, in {time.monotonic() - began:.1f} s; "
            f"results: {options.output}",
            file=sys.stderr,
        )
    return 0 if ok or not todo else 1


def main(args: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(args)
    try:
        if options.command == "list":
            return _list(options.tasks)
        if options.command == "report":
            from skillir.bench.report import write_report

            records = load(options.results)
            if not records:
                print(f"{options.results}: error: no run records", file=sys.stderr)
                return 2
            for path in write_report(records, options.output):
                print(path)
            return 0
        return _run(parser, options)
    except (TaskError, ResultsError, ExecutorError) as err:
        print(err, file=sys.stderr)
        return 2
    except BrokenPipeError:  # `skill-bench list ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("skill-bench: interrupted (finished runs are in the results)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
