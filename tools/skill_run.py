"""`skill-run SKILL --task "..."`: run a skill (as written, or compiled) with an agent.

The model is any litellm id (`openai/gpt-4o`, `anthropic/...`, `ollama/...`, `hosted_vllm/...`
with `--api-base`); without `--model`, the embedded SmolLM2-135M runs in-process (no key, no
network). A compiled folder (`skill-translate --target=bare -o DIR`) has its dependency checks
run first (a missing one is a warning; `--require-env` makes it end the run) and its parallel
plan executed; `--serial` runs the same plan one step at a time.
Commands and setup scripts run in a sandbox (bubblewrap, else Landlock; see docs/runtime.md)
with a cleared environment: `--pass-env NAME` hands a variable over, `--allow-network` lets
commands reach the network, `--unsafe-host` runs them unconfined where no sandbox exists.
Every run writes `trace.jsonl` and `summary.json` (default: a new temporary directory, outside
the work directory, announced and kept unless `--clean`); `--explain TRACE_DIR` prints a run's
timeline. Progress goes to stderr, one line per event (`-q` silences it). `--no-skill` runs the
same loop and tools without a skill; `--check-env` runs only a compiled folder's dependency checks,
as a run would, with no model. Exit 0 when the run ends `ok`, 1 for any other status, 2
on usage errors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from skillir.runtime.agent import Limits
from skillir.runtime.confine import ENV_NAME, LEVELS, ResourceLimits
from skillir.runtime.execute import (
    PlanError,
    RunConfig,
    SkillError,
    load_skill,
    run_skill,
    trace_dir_problem,
)
from skillir.runtime.llm import DEFAULT_MODEL
from skillir.runtime.protocol import PROTOCOLS
from skillir.version import PrintVersion


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skill-run", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=PrintVersion)
    parser.add_argument(
        "skill", type=Path, nargs="?", help="a skill folder (or compiled folder) or SKILL.md"
    )
    parser.add_argument("--task", help="the user's request")
    parser.add_argument(
        "--no-skill", action="store_true", help="the same loop and tools with no skill"
    )
    parser.add_argument(
        "--explain", type=Path, metavar="TRACE_DIR", help="print the timeline of a run's trace"
    )
    parser.add_argument(
        "--prompts", action="store_true", help="with --explain: print every prompt too"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--clean",
        action="store_true",
        help="remove the default (temporary) work and trace directories after the run",
    )
    parser.add_argument(
        "--grounding",
        choices=("auto", "on", "off"),
        default="auto",
        help="show the work directory's listing with each turn (auto: for a weak "
        "tool.file.read, as the profile says; unmeasured, with the weak-model protocol)",
    )
    parser.add_argument(
        "--step-budget",
        type=int,
        metavar="TOKENS",
        help="tokens a plan step's prompt may take (default 1200 for weak models, else 8000)",
    )
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"litellm id ({DEFAULT_MODEL})")
    parser.add_argument("--api-base", help="endpoint URL (hosted_vllm, ollama, proxies)")
    parser.add_argument("--profile", type=Path, help="the model's profile (chooses the protocol)")
    parser.add_argument("--workdir", type=Path, help="where tools act (default: a new temp dir)")
    parser.add_argument("--trace-dir", type=Path, help="trace.jsonl and summary.json go here")
    parser.add_argument("--allow-install", action="store_true", help="let env-setup.sh install")
    parser.add_argument(
        "--require-env",
        action="store_true",
        help="a missing dependency ends the run env-error (default: warn and run)",
    )
    parser.add_argument("--serial", action="store_true", help="run the plan one step at a time")
    parser.add_argument(
        "--no-plan",
        action="store_true",
        help="one agent on the request, no plan (a folder as written)",
    )
    parser.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        default="auto",
        help="how tools are called (auto: native when the model has it and its profile "
        "formats calls well, else constrained JSON)",
    )
    parser.add_argument(
        "--inject",
        choices=("full", "list", "step"),
        help="the system prompt holds the whole skill, only its listing (SKILL.md is read on "
        "demand), or for plan steps only their step (default: full with native tool calls, "
        "step for weak models)",
    )
    parser.add_argument(
        "--procedure",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="run only the plan's N-th procedure (repeatable)",
    )
    parser.add_argument(
        "--max-steps", type=int, default=Limits.max_steps, help="model turns per agent"
    )
    parser.add_argument("--timeout", type=float, default=Limits.timeout_s, help="seconds per agent")
    parser.add_argument(
        "--max-tokens", type=int, default=Limits.max_tokens, help="tokens per agent"
    )
    parser.add_argument("--command-timeout", type=float, default=60.0, help="seconds per command")
    sandbox = parser.add_argument_group("sandbox")
    sandbox.add_argument(
        "--sandbox",
        choices=("auto", *LEVELS),
        default="auto",
        help="confinement of commands (auto: bubblewrap, else landlock; $SKILLIR_SANDBOX)",
    )
    sandbox.add_argument(
        "--allow-network", action="store_true", help="commands may use the network"
    )
    sandbox.add_argument(
        "--pass-env",
        action="append",
        default=[],
        metavar="NAME",
        help="hand this environment variable to commands (repeatable; none is by default)",
    )
    sandbox.add_argument(
        "--unsafe-host",
        action="store_true",
        help="where no sandbox exists, run commands unconfined on the host (else refused)",
    )
    defaults = ResourceLimits()
    sandbox.add_argument(
        "--max-processes",
        type=int,
        default=defaults.processes,
        metavar="N",
        help=f"processes per command ({defaults.processes})",
    )
    sandbox.add_argument(
        "--max-memory-mb",
        type=int,
        default=defaults.memory_bytes >> 20,
        metavar="MIB",
        help=f"address space per process ({defaults.memory_bytes >> 20} MiB)",
    )
    sandbox.add_argument(
        "--max-file-mb",
        type=int,
        default=defaults.file_bytes >> 20,
        metavar="MIB",
        help=f"size of a file a command writes ({defaults.file_bytes >> 20} MiB)",
    )
    sandbox.add_argument(
        "--max-cpu",
        type=int,
        default=defaults.cpu_s,
        metavar="S",
        help=f"CPU seconds per process ({defaults.cpu_s})",
    )
    parser.add_argument(
        "--jit",
        type=Path,
        nargs="?",
        const="",
        metavar="STORE",
        help="run a promoted solidified program of this skill before asking the model "
        "(STORE: default $SKILLIR_JIT_STORE or ~/.local/share/skillir/jit; docs/jit.md)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--check-env",
        action="store_true",
        help="only run the compiled folder's env-setup.sh --check in the sandbox, as a run "
        "would (no model, no --task): exit 0 when every dependency is present, else 1",
    )
    return parser


def main(args: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(args)
    if options.explain is not None:
        from skillir.runtime.explain import ExplainError, explain

        try:
            sys.stdout.write(explain(options.explain, options.prompts))
        except ExplainError as err:
            print(err, file=sys.stderr)
            return 2
        return 0
    if options.check_env:
        if options.skill is None:
            parser.error("--check-env needs a SKILL path")
        return _check_env(options)
    if options.task is None:
        parser.error("--task is required")
    if options.no_skill and options.skill is not None:
        parser.error("--no-skill runs without a skill: leave out the SKILL path")
    if not options.no_skill and options.skill is None:
        parser.error("a SKILL path is required (or --no-skill)")
    if options.step_budget is not None and options.step_budget <= 0:
        parser.error("--step-budget must be positive")
    numbers = ("max_steps", "timeout", "max_tokens", "command_timeout", "max_processes")
    numbers += ("max_memory_mb", "max_file_mb", "max_cpu")
    for name in numbers:
        if getattr(options, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if options.sandbox == "unsafe-host" and not options.unsafe_host:
        parser.error("--sandbox unsafe-host runs commands unconfined: add --unsafe-host")
    passed = {}
    for name in options.pass_env:
        if not ENV_NAME.fullmatch(name):
            parser.error(f"--pass-env {name}: not an environment variable name")
        if name not in os.environ:
            parser.error(f"--pass-env {name}: not set in this environment")
        passed[name] = os.environ[name]
    try:
        if options.skill is not None:  # a bad path fails before anything is made
            load_skill(options.skill, planned=False)
    except PlanError:
        pass  # the run reports it (status plan-error, with a trace)
    except SkillError as err:
        print(err, file=sys.stderr)
        return 2
    if options.profile is not None:
        from skillir.analysis.cap.profiles import ProfileError, load_profile

        try:
            load_profile(options.profile)
        except ProfileError as err:
            print(err, file=sys.stderr)
            return 2
        except OSError as err:
            print(f"{options.profile}: error: {err.strerror or err}", file=sys.stderr)
            return 2
    try:
        from skillir.runtime.llm import LLM, ModelError

        LLM(options.model, api_base=options.api_base).precheck()
    except ModelError as err:
        print(f"skill-run: error: {err}", file=sys.stderr)
        return 2
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="skill-run-"))
    if workdir.exists() and not workdir.is_dir():
        print(f"{workdir}: error: the work directory is not a directory", file=sys.stderr)
        return 2
    workdir = workdir.resolve()
    if options.trace_dir is not None:
        problem = trace_dir_problem(workdir, options.trace_dir)
        if problem is not None:
            print(problem, file=sys.stderr)
            return 2
    trace_dir = (options.trace_dir or Path(tempfile.mkdtemp(prefix="skill-run-trace-"))).resolve()
    made = [
        d for d, given in ((workdir, options.workdir), (trace_dir, options.trace_dir)) if not given
    ]
    hooks = []
    if not options.quiet:
        from skillir.runtime.progress import Progress

        fate = "removed after the run: --clean" if options.clean else "kept"
        names = ((workdir, "work"), (trace_dir, "trace"))
        told = [f"{what} directory: {folder} ({fate})" for folder, what in names if folder in made]
        hooks.append(Progress(preamble=told))
    config = RunConfig(
        skill_path=None if options.no_skill else options.skill,
        request=options.task,
        workdir=workdir,
        trace_dir=trace_dir,
        model=options.model,
        api_base=options.api_base,
        profile=options.profile,
        allow_install=options.allow_install,
        require_env=options.require_env,
        parallel=not options.serial,
        limits=Limits(
            max_steps=options.max_steps,
            timeout_s=options.timeout,
            max_tokens=options.max_tokens,
        ),
        command_timeout_s=options.command_timeout,
        procedures=tuple(options.procedure),
        planned=not options.no_plan,
        inject=options.inject,
        protocol=options.protocol,
        network=options.allow_network,
        passed_env=passed,
        resources=ResourceLimits(
            processes=options.max_processes,
            memory_bytes=options.max_memory_mb << 20,
            file_bytes=options.max_file_mb << 20,
            cpu_s=options.max_cpu,
        ),
        sandbox_level=None if options.sandbox == "auto" else options.sandbox,
        unsafe_host=options.unsafe_host,
        hooks=hooks,
        grounding=options.grounding,
        step_budget=options.step_budget,
        jit=_jit_store(options.jit),
    )
    try:
        summary = run_skill(config)
    except SkillError as err:
        for folder in made:  # nothing was written there
            shutil.rmtree(folder, ignore_errors=True)
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("skill-run: interrupted", file=sys.stderr)
        return 130
    finally:
        if options.clean:
            for folder in made:
                shutil.rmtree(folder, ignore_errors=True)
    try:
        _report(summary, config, options.json, made if options.clean else [])
    except BrokenPipeError:  # `skill-run ... | head`: stop writing, keep the exit status
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0 if summary["status"] == "ok" else 1


def _check_env(options: argparse.Namespace) -> int:
    """`--check-env`: load the skill as a run does and run its verified env-setup.sh with
    `--check` in the sandbox, in a throwaway work directory; print what it found."""
    from skillir.runtime.execute import ENV_TIMEOUT_S, check_env
    from skillir.runtime.sandbox import Sandbox, SandboxError
    from skillir.runtime.trace import Trace

    try:
        skill = load_skill(options.skill, planned=False)
    except SkillError as err:
        print(err, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="skill-run-check-") as scratch:
        work, events = Path(scratch, "work"), Path(scratch, "trace.jsonl")
        work.mkdir()
        try:
            setup = Sandbox(
                work,
                timeout_s=ENV_TIMEOUT_S,
                level=None if options.sandbox == "auto" else options.sandbox,
                unsafe_host=options.unsafe_host,
            )
        except SandboxError as err:
            print(f"skill-run: error: {err}", file=sys.stderr)
            return 1
        trace = Trace(events)
        try:
            ok, message = check_env(skill, False, trace, setup)
        finally:
            setup.close()
            trace.close()
        for line in events.read_text().splitlines():
            event = json.loads(line)
            if event["event"] == "env":
                print(event.get("output") or event.get("reason", ""))
    print(f"{skill.folder}: {message}")
    return 0 if ok else 1


def _jit_store(given: Path | str | None) -> Path | None:
    """The JIT store of `--jit` (None without the flag; the default store for a bare flag)."""
    if given is None:
        return None
    from skillir.runtime.jit.store import default_store

    return Path(given) if given != "" else default_store()


def _report(summary: dict, config: RunConfig, as_json: bool, removed: list[Path]) -> None:
    gone = " (removed)"
    workdir = f"{config.workdir}{gone * (config.workdir in removed)}"
    trace = f"{config.trace_dir / 'trace.jsonl'}{gone * (config.trace_dir in removed)}"
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            "".join(f"warning: {w}\n" for w in summary.get("warnings", []))
            + f"status: {summary['status']} ({summary['message']})\n"
            f"answer: {summary['answer']}\n"
            f"model: {summary['model']} via {summary.get('protocol', '?')}; "
            f"{summary['llm_calls']} model calls, "
            f"{summary['prompt_tokens']}+{summary['completion_tokens']} tokens; "
            f"{summary['tool_calls']} tool calls ({summary['tool_failures']} failed); "
            f"sandbox: {summary.get('sandbox', '?')}\n"
            f"wall: {summary['wall_s']:.2f} s (agents {summary['run_s']:.2f} s, critical path "
            f"{summary['critical_path_s']:.2f} s)\n"
            f"workdir: {workdir}\n"
            f"trace: {trace}"
            + (
                ""
                if config.trace_dir in removed
                else f"\nexplain: skill-run --explain {config.trace_dir}"
            )
        )


if __name__ == "__main__":
    sys.exit(main())
