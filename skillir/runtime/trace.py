"""The evidence a run leaves: hooks into the agent loop, a JSONL trace and a summary.

`Hooks` is the loop's extension interface (JIT solidification and adaptive recompilation attach
here). `Trace` is itself a set of hooks: it appends one JSON line per LLM call and per tool call
as they happen (flushed, so a crash leaves the trace up to that point) and totals them for the
summary, which is written atomically when the run ends, whatever its status.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from skillir.runtime.llm import Reply, ToolCall
    from skillir.runtime.sandbox import ToolResult

TRACE_TEXT_LIMIT = 4000
PROMPT_TEXT_LIMIT = 32000  # a prompt message is kept whole up to here


class Hooks:
    """Called by the agent loop; override what you need. `agent` is the sub-agent's label."""

    def before_llm(self, agent: str, messages: list[dict[str, Any]]) -> None:
        """Before each model call, with the messages about to be sent."""

    def after_llm(self, agent: str, reply: Reply) -> None:
        """After each successful model call."""

    def llm_failed(self, agent: str, message: str) -> None:
        """When a model call fails for good (after its retries)."""

    def warning(self, message: str) -> None:
        """When the run goes on despite a problem (a dependency env-setup.sh found missing)."""

    def after_tool(self, agent: str, call: ToolCall, result: ToolResult) -> None:
        """After each tool call, with its result."""

    def after_run(self, summary: dict[str, Any]) -> None:
        """Once, when the run ends, with the summary."""

    def node_start(self, agent: str, info: dict[str, Any]) -> None:
        """When a plan node starts: `node`, `kind` (step, ilp, tlp, dlp), and for a step its
        `label`, `span` (`SKILL.md:LINE`), prompt `tokens` by part and what was `cut`."""

    def node_end(self, agent: str, info: dict[str, Any]) -> None:
        """When a plan node ends: `node`, `kind`, `status`, `seconds`."""


def _clip(value: Any, most: int = TRACE_TEXT_LIMIT) -> Any:
    if isinstance(value, str) and len(value) > most:
        return value[:most] + f"[... {len(value) - most} more chars]"
    if isinstance(value, dict):
        return {k: _clip(v, most) for k, v in value.items()}
    if isinstance(value, list):
        return [_clip(v, most) for v in value]
    return value


@dataclass
class Totals:
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_s: float = 0.0
    llm_errors: int = 0
    tool_calls: int = 0
    tool_failures: int = 0
    tool_s: float = 0.0
    tool_bytes: int = 0


@dataclass
class Trace(Hooks):
    """Writes `path` (JSONL) as the run goes; `summary()` totals it."""

    path: Path | None
    start: float = field(default_factory=time.monotonic)
    totals: Totals = field(default_factory=Totals)
    _out: TextIO | None = None

    def __post_init__(self) -> None:
        if self.path is not None:
            _real_directory(self.path.parent)
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK
            fd = os.open(self.path, flags | os.O_CLOEXEC, 0o644)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise OSError(f"{self.path}: not a regular file")
            self._out = os.fdopen(fd, "w", encoding="utf-8")

    def event(self, kind: str, /, most: int = TRACE_TEXT_LIMIT, **fields: Any) -> None:
        """Append one record; strings over `most` characters are clipped."""
        if self._out is None:
            return
        record = {"t": round(time.monotonic() - self.start, 4), "event": kind, **fields}
        self._out.write(json.dumps(_clip(record, most), ensure_ascii=False) + "\n")
        self._out.flush()

    def before_llm(self, agent: str, messages: list[dict[str, Any]]) -> None:
        self.event("prompt", PROMPT_TEXT_LIMIT, agent=agent, messages=messages)

    def node_start(self, agent: str, info: dict[str, Any]) -> None:
        self.event("node_start", agent=agent, **info)

    def node_end(self, agent: str, info: dict[str, Any]) -> None:
        self.event("node_end", agent=agent, **info)

    def after_llm(self, agent: str, reply: Reply) -> None:
        t = self.totals
        t.llm_calls += 1
        t.prompt_tokens += reply.prompt_tokens
        t.completion_tokens += reply.completion_tokens
        t.llm_s += reply.latency_s
        self.event(
            "llm",
            agent=agent,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            latency_s=round(reply.latency_s, 4),
            attempts=reply.attempts,
            content=reply.content,
            tool_calls=[{"name": c.name, "arguments": c.arguments} for c in reply.tool_calls],
        )

    def warning(self, message: str) -> None:
        self.event("warning", message=message)

    def llm_failed(self, agent: str, message: str) -> None:
        self.totals.llm_errors += 1
        self.event("llm_error", agent=agent, message=message)

    def after_tool(self, agent: str, call: ToolCall, result: ToolResult) -> None:
        t = self.totals
        t.tool_calls += 1
        t.tool_failures += 0 if result.ok else 1
        t.tool_s += result.duration_s
        t.tool_bytes += result.bytes
        self.event(
            "tool",
            agent=agent,
            name=call.name,
            arguments=call.arguments,
            ok=result.ok,
            exit_code=result.exit_code,
            duration_s=round(result.duration_s, 4),
            bytes=result.bytes,
            truncated=result.truncated,
            timed_out=result.timed_out,
            output=result.output,
        )

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


def _real_directory(folder: Path) -> None:
    """Make `folder` (and its parents) if missing; OSError when it is a symlink."""
    folder.mkdir(parents=True, exist_ok=True)
    if folder.is_symlink() or not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a directory (a symlink is not followed)")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` as indented JSON to `path`, atomically: a new file (O_EXCL) beside it,
    renamed over the name, so a symlink planted at `path` is replaced, never written through."""
    _real_directory(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(data, indent=2) + "\n")
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
