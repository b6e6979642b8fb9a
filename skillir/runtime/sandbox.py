"""The bare agent's tools, confined to one work directory.

`read_file`, `write_file`, `list_directory` and `execute_command` take paths relative to the
work directory; an absolute path outside it, a `..` escape or a symlink that leads out is
refused. Commands run with `bash -c` in the work directory, in their own process group, with a
timeout (the whole group is killed) and their combined output capped (the rest is drained and
counted, never held in memory). Every call returns a `ToolResult`; nothing raises to the agent.

    >>> Sandbox(Path(".")).call("list_directory", {"path": "."}).ok
    True
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOOLS = ("read_file", "write_file", "list_directory", "execute_command")


class SandboxError(Exception):
    """A tool call the sandbox refuses (the message is shown to the model)."""


@dataclass(frozen=True)
class ToolResult:
    """What a tool call gave: output (capped), exit code for commands, duration, byte count."""

    ok: bool
    output: str
    exit_code: int | None = None
    duration_s: float = 0.0
    bytes: int = 0
    truncated: bool = False
    timed_out: bool = False


def _cap(data: bytes, limit: int, total: int) -> tuple[str, bool]:
    text = data[:limit].decode("utf-8", "replace")
    if total > limit:
        return text + f"\n[... output truncated: {total - limit} more bytes ...]", True
    return text, False


@dataclass
class Sandbox:
    """Tools over `root`. Limits: `timeout_s` per command, `max_output` bytes of output shown,
    `max_file_bytes` per file read or written."""

    root: Path
    timeout_s: float = 30.0
    max_output: int = 32_000
    max_file_bytes: int = 5_000_000

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        if not self.root.is_dir():
            raise SandboxError(f"work directory '{self.root}' does not exist")

    def resolve(self, path: str) -> Path:
        """The real path of `path` inside the work directory; SandboxError if it leaves it."""
        if not isinstance(path, str) or not path.strip():
            raise SandboxError("a path is required")
        if "\x00" in path:
            raise SandboxError("a path cannot contain NUL")
        given = Path(path)
        candidate = given if given.is_absolute() else self.root / given
        real = Path(os.path.realpath(candidate))
        if real != self.root and not real.is_relative_to(self.root):
            raise SandboxError(f"'{path}' is outside the work directory")
        return real

    # --- tools ---------------------------------------------------------------------------

    def read_file(self, path: str) -> ToolResult:
        target = self.resolve(path)
        if not target.is_file():
            raise SandboxError(f"'{path}' is not a file")
        size = target.stat().st_size
        if size > self.max_file_bytes:
            raise SandboxError(f"'{path}' is {size} bytes; the limit is {self.max_file_bytes}")
        data = target.read_bytes()
        text, truncated = _cap(data, self.max_output, len(data))
        return ToolResult(True, text, bytes=len(data), truncated=truncated)

    def write_file(self, path: str, content: str) -> ToolResult:
        if not isinstance(content, str):
            raise SandboxError("content must be text")
        data = content.encode("utf-8")
        if len(data) > self.max_file_bytes:
            raise SandboxError(f"{len(data)} bytes is over the {self.max_file_bytes} limit")
        target = self.resolve(path)
        if target == self.root or target.is_dir():
            raise SandboxError(f"'{path}' is a directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.resolve(str(target.parent))  # a parent created through a symlink stays inside
        target.write_bytes(data)
        return ToolResult(True, f"wrote {len(data)} bytes to {path}", bytes=len(data))

    def list_directory(self, path: str = ".") -> ToolResult:
        target = self.resolve(path or ".")
        if not target.is_dir():
            raise SandboxError(f"'{path}' is not a directory")
        lines = []
        for entry in sorted(target.iterdir()):
            lines.append(entry.name + ("/" if entry.is_dir() else ""))
        text, truncated = _cap("\n".join(lines).encode(), self.max_output, len("\n".join(lines)))
        return ToolResult(True, text, truncated=truncated)

    def execute_command(self, command: str) -> ToolResult:
        if not isinstance(command, str) or not command.strip():
            raise SandboxError("a command is required")
        start = time.monotonic()
        proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert proc.stdout is not None
        kept = bytearray()
        total = 0
        timed_out = False
        deadline = start + self.timeout_s
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                if not selector.select(timeout=min(remaining, 0.5)):
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                total += len(chunk)
                if len(kept) < self.max_output:
                    kept.extend(chunk[: self.max_output - len(kept)])
        if timed_out:
            _kill_group(proc)
        try:
            code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
            code = proc.wait()
        proc.stdout.close()
        text, truncated = _cap(bytes(kept), self.max_output, total)
        if timed_out:
            text += f"\n[command timed out after {self.timeout_s:g} s and was killed]"
        return ToolResult(
            not timed_out and code == 0,
            text,
            exit_code=None if timed_out else code,
            duration_s=time.monotonic() - start,
            bytes=total,
            truncated=truncated,
            timed_out=timed_out,
        )

    def call(self, name: str, args: dict[str, Any]) -> ToolResult:
        """Run one tool call; a refusal or a bad argument becomes a failed result."""
        start = time.monotonic()
        try:
            if name == "read_file":
                result = self.read_file(args.get("path", ""))
            elif name == "write_file":
                result = self.write_file(args.get("path", ""), args.get("content", ""))
            elif name == "list_directory":
                result = self.list_directory(args.get("path", "."))
            elif name == "execute_command":
                return self.execute_command(args.get("command", ""))
            else:
                raise SandboxError(f"unknown tool '{name}' (tools: {', '.join(TOOLS)})")
        except SandboxError as err:
            return ToolResult(False, f"error: {err}", duration_s=time.monotonic() - start)
        except OSError as err:
            return ToolResult(
                False, f"error: {err.strerror or err}", duration_s=time.monotonic() - start
            )
        return ToolResult(
            result.ok,
            result.output,
            result.exit_code,
            time.monotonic() - start,
            result.bytes,
            result.truncated,
        )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
