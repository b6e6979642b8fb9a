"""How the model asks for tools: native tool calling, or one JSON object per reply.

`NativeProtocol` passes the tools as OpenAI-style functions and reads `tool_calls` (several per
turn, run concurrently). `JsonProtocol` is the fallback for models without native tool calls or
whose profile says they format calls badly (`tool.call.format` below L2): each reply is one
object of a discriminated union over the tools plus `done`, shown by three short examples. When
the backend can constrain decoding to a JSON schema (`response_format`), the reply cannot be
anything else; that is what makes a 135M model usable as an agent. Without constraint, the first
JSON object in the reply is taken.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from typing import Any

from skillir.runtime.llm import LLM, Reply, ToolCall

# name -> (description, {param: (description, max length)})
TOOL_SIGNATURES: dict[str, tuple[str, dict[str, tuple[str, int]]]] = {
    "read_file": ("Read a text file in the work directory.", {"path": ("relative path", 200)}),
    "write_file": (
        "Create or overwrite a text file in the work directory.",
        {"path": ("relative path", 200), "content": ("the whole file content", 4000)},
    ),
    "list_directory": ("List a directory in the work directory.", {"path": ("relative path", 200)}),
    "execute_command": (
        "Run a bash command in the work directory; returns its output and exit code.",
        {"command": ("the command line", 1000)},
    ),
}
RUN_VERBS = ("run", "execute", "call", "invoke", "launch", "start")
DONE = ("done", "Finish: the task is complete.", {"answer": ("a one-line summary", 600)})

# Shown in the system prompt of the JSON protocol (as text: as chat turns, SmolLM2-135M copies
# the last one). Measured on ten one-call tasks: the right tool for 10 of 10 with these five
# examples, 8 of 10 with the first three only.
_EXAMPLES = [
    ("Save the word blue in colour.txt.", "write_file", {"path": "colour.txt", "content": "blue"}),
    ("Run `ls -la`.", "execute_command", {"command": "ls -la"}),
    ("What does notes/plan.md say?", "read_file", {"path": "notes/plan.md"}),
    ("Write 'x = 1' to setup.cfg.", "write_file", {"path": "setup.cfg", "content": "x = 1"}),
    ("Execute `make test`.", "execute_command", {"command": "make test"}),
]


@dataclass(frozen=True)
class Turn:
    """What one reply asks for: tool calls, or the final answer, or an error to show back."""

    calls: tuple[ToolCall, ...] = ()
    answer: str | None = None
    error: str | None = None


@dataclass
class TaskLog:
    """One task given to an agent and its turns: (reply, calls, their outputs, parse error).
    `label` is its first line (how it is shown once finished); `files` the work directory's
    listing shown with it (grounding for weak models)."""

    task: str
    turns: list[tuple[Reply, tuple[ToolCall, ...], list[str], str | None]] = field(
        default_factory=list
    )
    answer: str = ""
    label: str = ""
    files: str = ""

    @property
    def short(self) -> str:
        return self.label or one_line(self.task, 200)


class NativeProtocol:
    """Tools as functions; a reply without tool calls is the final answer."""

    name = "native"
    for_weak_models = False

    def instructions(self) -> str:
        return "Use the tools to do the task. When it is done, reply with a short summary."

    def request(self, task: str, reply_tokens: int = 512, label: str = "") -> dict[str, Any]:
        tools = []
        for name, (description, params) in TOOL_SIGNATURES.items():
            props = {p: {"type": "string", "description": d} for p, (d, _) in params.items()}
            schema = {"type": "object", "properties": props, "required": list(params)}
            tools.append(
                {
                    "type": "function",
                    "function": {"name": name, "description": description, "parameters": schema},
                }
            )
        return {"tools": tools}

    def parse(self, reply: Reply) -> Turn:
        if reply.tool_calls:
            bad = [c for c in reply.tool_calls if "__invalid__" in c.arguments]
            if bad:
                return Turn(error=f"the arguments of {bad[0].name} are not a JSON object")
            return Turn(calls=reply.tool_calls)
        return Turn(answer=reply.content.strip())

    def render(self, system: str, log: list[TaskLog]) -> list[dict[str, Any]]:
        """The whole conversation, as chat messages with native tool turns."""
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        for entry in log:
            task = entry.task if entry is log[-1] else entry.short
            messages.append({"role": "user", "content": f"Task: {task}"})
            for reply, calls, outputs, error in entry.turns:
                messages.append(_assistant(reply))
                if error is not None:
                    messages.append({"role": "user", "content": f"error: {error}. Try again."})
                for call, out in zip(calls, outputs, strict=True):
                    messages.append(
                        {"role": "tool", "tool_call_id": call.id, "name": call.name, "content": out}
                    )
        return messages


def _assistant(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for c in reply.tool_calls
        ]
    return message


class JsonProtocol:
    """One JSON object per reply: `{"tool": NAME, ...arguments}` or `{"tool": "done", ...}`."""

    name = "json"
    # The protocol of models that format calls badly: the loop and the executor compensate
    # for them (a repeated successful call ends the task; a step quoting one command is done
    # after it), as docs/runtime.md describes.
    for_weak_models = True

    def __init__(self, constrained: bool) -> None:
        self.constrained = constrained
        if constrained:
            self.name = "json-constrained"

    def schema(
        self, commands: tuple[str, ...] = (), run_only: bool = False, reply_tokens: int = 512
    ) -> dict[str, Any]:
        """The union of calls; `command` limited to `commands` when there are any, and only
        `execute_command` (or done) when `run_only`. No string may be longer than the reply
        can hold (`string_bound`): a bound the model cannot reach invites truncated JSON."""
        alternatives = []
        bound = string_bound(reply_tokens)
        for name, (_, params) in [*TOOL_SIGNATURES.items(), (DONE[0], DONE[1:])]:
            if run_only and name not in ("execute_command", DONE[0]):
                continue
            props: dict[str, Any] = {"tool": {"const": name}}
            for param, (_, most) in params.items():
                props[param] = {"type": "string", "maxLength": min(most, bound)}
                if param == "command" and commands:
                    props[param] = {"enum": list(commands)}
            alternatives.append({"type": "object", "properties": props, "required": list(props)})
        return {"anyOf": alternatives}

    def instructions(self) -> str:
        calls = ", ".join(
            f"{name}({', '.join(params)})"
            for name, (_, params) in [*TOOL_SIGNATURES.items(), (DONE[0], DONE[1:])]
        )
        lines = [f"You act only by replying with one JSON tool call: {calls}.", "", "Examples:"]
        for task, name, args in _EXAMPLES:
            lines += [f"Task: {task}", f"Reply: {json.dumps({'tool': name, **args})}"]
        lines += [
            "Task: Save the word blue in colour.txt.",
            "Done: write_file colour.txt blue -> ok, wrote 4 bytes",
            'Reply: {"tool": "done", "answer": "Saved blue in colour.txt."}',
        ]
        return "\n".join(lines)

    def request(self, task: str, reply_tokens: int = 512, label: str = "") -> dict[str, Any]:
        """Constrained decoding: one call of the union, no string longer than `reply_tokens`
        can hold; when the task quotes commands, the command is one of them (a weak model
        copies a quoted command badly: it drops arguments or invents a program name), and a
        task whose first line (`label`, else the task) says "Run `...`" (at its start, or
        "..., run `...`" in it) is a command."""
        if not self.constrained:
            return {}
        commands = quoted_commands(task)
        words = re.sub(r"^\W+", "", label or task).split(None, 1)
        says_run = bool(words) and words[0].lower() in RUN_VERBS
        says_run = says_run or bool(re.search(r"\b(?:run|execute)\s+`", label, re.IGNORECASE))
        run_only = bool(commands) and says_run
        schema = {
            "name": "tool_call",
            "schema": self.schema(commands, run_only, reply_tokens),
            "strict": True,
        }
        return {"response_format": {"type": "json_schema", "json_schema": schema}}

    def parse(self, reply: Reply) -> Turn:
        obj = _first_object(reply.content)
        if obj is None:
            return Turn(error="the reply is not a JSON object")
        name = obj.get("tool")
        if name == DONE[0]:
            return Turn(answer=str(obj.get("answer", "")))
        if name not in TOOL_SIGNATURES:
            return Turn(error=f"unknown tool {json.dumps(name)}")
        params = TOOL_SIGNATURES[name][1]
        missing = [p for p in params if not isinstance(obj.get(p), str)]
        if missing:
            return Turn(error=f"{name} needs {', '.join(missing)}")
        return Turn(calls=(ToolCall(name, {p: obj[p] for p in params}),))

    def render(self, system: str, log: list[TaskLog]) -> list[dict[str, Any]]:
        """One prompt in the form of the examples: finished tasks, the task, what was done."""
        lines = [f"Earlier: {e.short} -> {one_line(e.answer, 300)}" for e in log[:-1]]
        if log[-1].files:
            lines.append(f"Files in the work directory: {log[-1].files}")
        lines.append(f"Task: {log[-1].task}")
        for reply, calls, outputs, error in log[-1].turns:
            if error is not None:
                lines.append(f"Error: {error} in {reply.content[:200]!r}")
            for call, out in zip(calls, outputs, strict=True):
                args = " ".join(str(v) for v in call.arguments.values())
                lines.append(f"Done: {call.name} {args[:300]} -> {one_line(out)}")
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": "\n".join(lines)},
        ]


def one_line(text: str, most: int = 300) -> str:
    """`text` on one printable line of at most `most` characters."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text[: most * 4]).split())
    return flat if len(flat) <= most else flat[:most] + " ..."


Protocol = NativeProtocol | JsonProtocol


def string_bound(reply_tokens: int) -> int:
    """The longest string argument a reply of `reply_tokens` tokens can hold: the JSON around
    it takes about 24 tokens, and text runs at 1.5 characters a token or more (prose runs at
    3-4; digits and markup, such as an iCalendar file, at under 2)."""
    return max(16, (reply_tokens - 24) * 3 // 2)


_FENCE = re.compile(r"^\s*```(?:bash|sh|shell|console|zsh)?[ \t]*\n(.*?)^\s*```", re.M | re.S)


def quoted_commands(text: str) -> tuple[str, ...]:
    """The inline code spans of `text`, and the lines of its shell code blocks, that are
    command lines: they start with a program on PATH or a script path."""
    found = []
    lines = [
        line.strip().removeprefix("$ ") for b in _FENCE.findall(text) for line in b.split("\n")
    ]
    for span in [*re.findall(r"`([^`\n]+)`", _FENCE.sub("", text)), *lines]:
        if not span or span.startswith("#"):
            continue
        words = span.split()
        program = words[0] if words else ""
        if shutil.which(program) or program.startswith("./") or program.endswith((".py", ".sh")):
            if span not in found:
                found.append(span)
    return tuple(found)


def _first_object(text: str) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            obj, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


PROTOCOLS = ("auto", "native", "json", "json-constrained")


def choose(llm: LLM, call_format_level: int | None, name: str = "auto") -> Protocol:
    """Native calls when the model has them and formats calls well (`tool.call.format` ≥ L2, or
    unmeasured); otherwise JSON replies, constrained when the backend can. `name` forces one."""
    if name != "auto":
        return NativeProtocol() if name == "native" else JsonProtocol(name == "json-constrained")
    weak = call_format_level is not None and call_format_level < 2
    if not weak and llm.supports_tools():
        return NativeProtocol()
    return JsonProtocol(constrained=llm.supports_schema())
