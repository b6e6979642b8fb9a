"""The bare agent's loop: ask the model, run the tools it asks for, repeat until done or a limit.

An `Agent` keeps one conversation; `await agent.run(task)` drives it until the model says done
(status `ok`) or a limit ends it: steps (`max-steps`), wall time (`timeout`), total tokens
(`max-tokens`), a model that cannot be reached or keeps replying without a valid call
(`model-error`), or tools that keep failing (`tool-error`). Nothing raises out of `run`: every
end is a status with a message. The tool calls of one turn run concurrently.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from skillir.runtime.llm import LLM, ModelError, ToolCall
from skillir.runtime.protocol import Protocol, TaskLog, one_line
from skillir.runtime.sandbox import Sandbox, ToolResult
from skillir.runtime.trace import Hooks


class Status(StrEnum):
    OK = "ok"
    MAX_STEPS = "max-steps"
    TIMEOUT = "timeout"
    MAX_TOKENS = "max-tokens"
    MODEL_ERROR = "model-error"
    TOOL_ERROR = "tool-error"
    ENV_ERROR = "env-error"  # the compiled skill's dependencies are missing
    PLAN_ERROR = "plan-error"  # plan.json is not a valid plan, or names what cannot run
    ERROR = "error"  # the run crashed (the message has the exception's type)


@dataclass(frozen=True)
class Limits:
    """Per agent run: model turns, seconds, tokens (prompt + completion), reply length, and how
    many invalid replies or failed tool calls in a row end it."""

    max_steps: int = 12
    timeout_s: float = 600.0
    max_tokens: int = 200_000
    reply_tokens: int = 512
    max_invalid: int = 3
    max_tool_failures: int = 4


@dataclass
class AgentResult:
    label: str
    status: Status
    message: str
    answer: str = ""
    steps: int = 0
    wall_s: float = 0.0
    tokens: int = 0
    outcome: str = ""  # what the conversation records: the answer, else the last output


@dataclass
class Agent:
    """One conversation with the model over one sandbox."""

    llm: LLM
    protocol: Protocol
    sandbox: Sandbox
    system: str
    limits: Limits = field(default_factory=Limits)
    hooks: Sequence[Hooks] = ()
    label: str = "main"
    log: list[TaskLog] = field(default_factory=list)
    tokens: int = 0
    grounding: bool = False  # show the work directory's listing with each turn (weak models)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """What the model is sent next."""
        system = f"{self.system}\n\n{self.protocol.instructions()}".strip()
        return self.protocol.render(system, self.log)

    def _hook(self, name: str, *args: Any) -> None:
        for hook in self.hooks:
            getattr(hook, name)(self.label, *args)

    async def _tool(self, call: ToolCall, remaining: float) -> ToolResult:
        sandbox = self.sandbox
        if call.name == "execute_command" and remaining < sandbox.timeout_s:
            sandbox = replace(sandbox, timeout_s=max(1.0, remaining))
        result = await asyncio.to_thread(sandbox.call, call.name, call.arguments)
        self._hook("after_tool", call, result)
        return result

    async def run(
        self, task: str, max_calls: int | None = None, label: str = "", scope: str = ""
    ) -> AgentResult:
        """Work on `task` (after the tasks this agent already did) until done or a limit;
        `max_calls` successful tool calls end it too (a plan step known to be one call).
        `label` is how the task is shown once done (its first line); `scope` the part of it
        whose commands the grammar allows (default: all of it). The result's `answer`
        is the model's own final message, empty when the runtime ended the task for it."""
        start = time.monotonic()
        deadline = start + self.limits.timeout_s
        entry = TaskLog(task, label=label)
        self.log.append(entry)
        succeeded: set[str] = set()
        invalid = failures = steps = calls = 0
        reply_tokens = self.limits.reply_tokens
        last_invalid = ""

        def end(status: Status, message: str, answer: str = "", shown: str = "") -> AgentResult:
            entry.answer = answer or shown or message
            wall = time.monotonic() - start
            return AgentResult(
                self.label, status, message, answer, steps, wall, self.tokens, entry.answer
            )

        while True:
            if steps >= self.limits.max_steps:
                return end(Status.MAX_STEPS, f"no answer after {steps} model turns")
            if self.tokens >= self.limits.max_tokens:
                return end(Status.MAX_TOKENS, f"{self.tokens} tokens used")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return end(Status.TIMEOUT, f"over {self.limits.timeout_s:g} s")
            steps += 1
            if self.grounding:
                entry.files = await asyncio.to_thread(self.sandbox.listing)
            messages = self.messages
            self._hook("before_llm", messages)
            try:
                async with asyncio.timeout(remaining):
                    reply = await self.llm.complete(
                        messages,
                        max_tokens=self.limits.reply_tokens,
                        **self.protocol.request(scope or task, reply_tokens, label),
                    )
            except TimeoutError:
                return end(Status.TIMEOUT, f"over {self.limits.timeout_s:g} s (model call)")
            except ModelError as err:
                self._hook("llm_failed", str(err))
                return end(Status.MODEL_ERROR, str(err))
            self.tokens += reply.prompt_tokens + reply.completion_tokens
            self._hook("after_llm", reply)
            turn = self.protocol.parse(reply)
            if turn.error is not None:
                error = turn.error
                if reply.completion_tokens >= self.limits.reply_tokens:
                    error = f"truncated at {reply.completion_tokens} tokens"
                    reply_tokens = max(16, reply_tokens // 2)  # ask for shorter strings
                entry.turns.append((reply, (), [], error))
                invalid += 1
                if reply.content == last_invalid and self.llm.temperature == 0:
                    return end(
                        Status.MODEL_ERROR,
                        f"the same invalid reply twice under greedy decoding ({error}); "
                        "asking again would repeat it",
                    )
                last_invalid = reply.content
                if invalid >= self.limits.max_invalid:
                    return end(
                        Status.MODEL_ERROR,
                        f"no valid tool call in {invalid} replies in a row ({error})",
                    )
                continue
            invalid = 0
            last_invalid = ""
            if turn.answer is not None:
                return end(Status.OK, "done", turn.answer)
            keys = {_key(c) for c in turn.calls}
            if self.protocol.for_weak_models and keys <= succeeded:
                return end(
                    Status.OK,
                    "done (the model repeated a call that had succeeded)",
                    shown=_last_output(entry),
                )
            remaining = deadline - time.monotonic()
            try:
                async with asyncio.timeout(max(remaining, 0.001)):
                    results = await asyncio.gather(*(self._tool(c, remaining) for c in turn.calls))
            except TimeoutError:
                return end(Status.TIMEOUT, f"over {self.limits.timeout_s:g} s (tool call)")
            except Exception as err:  # a tool failing inside skillir, not a refused call
                return end(Status.TOOL_ERROR, f"tool failed: {type(err).__name__}: {err}")
            succeeded |= {_key(c) for c, r in zip(turn.calls, results, strict=True) if r.ok}
            entry.turns.append((reply, turn.calls, [_shown(r) for r in results], None))
            calls += sum(r.ok for r in results)
            if max_calls is not None and calls >= max_calls:
                return end(
                    Status.OK,
                    f"done ({calls} call{'s' * (calls > 1)})",
                    shown=_last_output(entry),
                )
            failures = 0 if any(r.ok for r in results) else failures + len(results)
            if failures >= self.limits.max_tool_failures:
                last = results[-1].output.strip().splitlines()
                return end(
                    Status.TOOL_ERROR,
                    f"{failures} tool calls in a row failed (last: {last[-1] if last else '?'})",
                )


def _key(call: ToolCall) -> str:
    return json.dumps([call.name, call.arguments], sort_keys=True)


def _last_output(entry: TaskLog) -> str:
    """What the last call gave, on one line (the answer of a task the model did not close)."""
    for _, calls, outputs, _ in reversed(entry.turns):
        if calls:
            return f"{calls[-1].name}: {one_line(outputs[-1], 200)}"
    return ""


def _shown(result: ToolResult) -> str:
    if result.exit_code is not None:
        return f"exit code {result.exit_code}, {result.output}"
    return f"ok, {result.output}" if result.ok else result.output
