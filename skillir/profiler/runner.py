"""Run one instance on a target through the runtime's agent loop and sandbox, then check it.

The fixtures are staged in a fresh work directory (the only place the confined commands may
write); the agent runs with the bare harness's system prompt and the given limits; afterwards
the checker runs in a child process (`skillir.profiler.check`) with a timeout, outside the
agent's reach. A timeout or error of the agent counts as a failure with its status recorded; a
checker that raises is a generator error, not a failure of the model. `run_work` is the unit the
executors run: a picklable `Work` in, an `Outcome` out, the agent's parts built once per process.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from skillir.profiler.base import Instance
from skillir.profiler.check import CHECKER_ERROR, FAIL, PASS
from skillir.profiler.generators import make_instance

CHECK_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Target:
    """A model id, the harness (only `bare` runs here) and the protocol of its tool calls."""

    model: str
    harness: str = "bare"
    protocol: str = "auto"
    api_base: str | None = None


@dataclass(frozen=True)
class Outcome:
    """One instance's result: passed, the agent's status, tokens, seconds, and a message."""

    primitive: str
    level: int
    seed: int
    passed: bool
    status: str
    tokens: int
    wall_s: float
    cost_usd: float | None
    message: str = ""
    checker_error: bool = False


@dataclass(frozen=True)
class Work:
    """One instance to run on a target under the agent's limits (picklable: it crosses to a
    worker process or a Ray task)."""

    target: Target
    limits: Any  # skillir.runtime.agent.Limits (a frozen dataclass)
    primitive: str
    level: int
    seed: int


class RunnerError(Exception):
    """The target cannot run at all (unknown model, unsupported harness)."""


def stage(instance: Instance, work: Path) -> None:
    """Write the instance's fixture files (never its solutions or checker) under `work`."""
    for name, content in instance.task.files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def evaluate(instance: Instance, work: Path, transcript: str, timeout_s: float) -> tuple[bool, str]:
    """Run the checker in a child process with a timeout: (passed, problem or '')."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(transcript)
    argv = [sys.executable, "-m", "skillir.profiler.check", instance.primitive]
    argv += [str(instance.level), str(instance.seed), str(work), f.name]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False, f"checker timed out after {timeout_s:g}s"
    finally:
        Path(f.name).unlink(missing_ok=True)
    if proc.returncode == CHECKER_ERROR:
        return False, "checker error: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
    if proc.returncode not in (PASS, FAIL):
        return False, f"checker exited {proc.returncode}: {proc.stderr.strip()[-300:]}"
    return proc.returncode == PASS, ""


def make_agent_parts(target: Target):  # noqa: ANN201 - runtime objects
    """The LLM and protocol of `target`; RunnerError for an unknown model or harness."""
    from skillir.runtime.llm import LLM, ModelError
    from skillir.runtime.protocol import choose

    if target.harness not in ("bare", "bare-agent"):
        raise RunnerError(f"harness '{target.harness}' cannot be profiled here (only bare)")
    llm = LLM(target.model, api_base=target.api_base)
    try:
        llm.check()
    except ModelError as err:
        raise RunnerError(str(err)) from None
    return llm, choose(llm, None, target.protocol)


@cache
def agent_parts(target: Target):  # noqa: ANN201 - runtime objects
    """`make_agent_parts(target)`, once per process (a worker loads its model once)."""
    return make_agent_parts(target)


def run_work(work: Work) -> Outcome:
    """Generate `work`'s instance and run it on its target (in this process)."""
    llm, protocol = agent_parts(work.target)
    instance = make_instance(work.primitive, work.level, work.seed)
    return run_instance(instance, llm, protocol, work.limits)


def protocol_names(llm, protocol) -> tuple[str, bool]:  # noqa: ANN001 - runtime objects
    """The name of `protocol` (`native`, `json`, `json-constrained`) and whether it is the one
    the runtime picks for `llm` by default (`skill-run --protocol auto`, no profile)."""
    from skillir.runtime.protocol import choose

    return protocol.name, protocol.name == choose(llm, None, "auto").name


def run_instance(
    instance: Instance,
    llm,  # noqa: ANN001 - skillir.runtime.llm.LLM
    protocol,  # noqa: ANN001 - skillir.runtime.protocol.Protocol
    limits,  # noqa: ANN001 - skillir.runtime.agent.Limits
    check_timeout_s: float = CHECK_TIMEOUT_S,
) -> Outcome:
    """Run `instance` as a task of the bare agent in a sandboxed work directory; check it."""
    from skillir.runtime.agent import Agent, Status
    from skillir.runtime.execute import NO_SKILL, system_prompt
    from skillir.runtime.sandbox import Sandbox

    root = Path(tempfile.mkdtemp(prefix="skill-profile-"))
    work = root / "work"
    work.mkdir()
    try:
        stage(instance, work)
        sandbox = Sandbox(work)
        prompt = instance.task.prompt
        agent = Agent(llm, protocol, sandbox, system_prompt(NO_SKILL, prompt), limits)
        try:
            result = asyncio.run(agent.run(prompt))
        finally:
            sandbox.close()
        transcript = "\n".join(f"{entry.task}\n{entry.answer}" for entry in agent.log)
        passed, problem = evaluate(instance, work, transcript, check_timeout_s)
        status = str(result.status)
        message = problem or (result.message if result.status is not Status.OK else "")
        return Outcome(
            instance.primitive,
            instance.level,
            instance.seed,
            passed,
            status,
            result.tokens,
            round(result.wall_s, 3),
            0.0 if llm.local else None,
            message,
            problem.startswith("checker error"),
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
