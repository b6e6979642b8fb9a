"""Progress while a run goes: one line per event on stderr, a status line during model calls.

`Progress` is a `Hooks`: plan steps starting and ending (label, `SKILL.md:LINE`, status),
each tool call (its short form and result), each model call (tokens, seconds) and warnings
(missing dependencies the run goes on without). On a
terminal, with `rich` installed, a spinner shows the model calls in flight; elsewhere a
`still waiting` line is written whenever nothing was printed for `HEARTBEAT_S` seconds, so a
run is never silent for long. `skill-run -q` leaves it out.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from skillir.runtime.protocol import one_line
from skillir.runtime.trace import Hooks

if TYPE_CHECKING:
    from skillir.runtime.llm import Reply, ToolCall
    from skillir.runtime.sandbox import ToolResult

HEARTBEAT_S = 30.0


def call_text(name: str, arguments: dict[str, Any], most: int = 80) -> str:
    """A tool call in short form: `execute_command ls -la`, `write_file a.txt (12 chars)`."""
    if name == "write_file":
        content = str(arguments.get("content", ""))
        return f"write_file {one_line(str(arguments.get('path', '')), most)} ({len(content)} chars)"
    shown = " ".join(str(v) for v in arguments.values())
    return f"{name} {one_line(shown, most)}".strip()


def result_text(result: ToolResult) -> str:
    """A tool result in short form: `ok`, `exit 1`, `timed out`, `failed: reason`."""
    if result.timed_out:
        return "timed out"
    if result.exit_code is not None:
        return "ok" if result.exit_code == 0 else f"exit {result.exit_code}"
    return "ok" if result.ok else f"failed: {one_line(result.output, 100)}"


class Progress(Hooks):
    """Writes the run's events to `out` (stderr) as they happen."""

    def __init__(
        self, out: TextIO | None = None, spinner: bool | None = None, preamble: Sequence[str] = ()
    ) -> None:
        self.out = out or sys.stderr
        self.preamble = list(preamble)  # written before the first event (the run started)
        self.start = time.monotonic()
        self.last = self.start
        self.calls: dict[str, float] = {}  # agent -> when its model call began
        self.lock = threading.Lock()
        self.status: Any = None
        self.console: Any = None
        if spinner is None:
            spinner = self.out.isatty()
        if spinner:
            try:
                from rich.console import Console
            except ImportError:
                spinner = False
            else:
                self.console = Console(file=self.out, highlight=False, markup=False)
        self.done = threading.Event()
        self.beat = threading.Thread(target=self._heartbeat, daemon=True)
        self.beat.start()

    def line(self, text: str) -> None:
        with self.lock:
            self.last = time.monotonic()
            lines = [*self.preamble, f"[{self.last - self.start:7.1f}s] {text}"]
            self.preamble = []
            for stamped in lines:
                if self.console is not None:
                    self.console.print(stamped, soft_wrap=True)
                else:
                    self.out.write(stamped + "\n")
            self.out.flush()

    def _waiting(self) -> str:
        now = time.monotonic()
        calls = ", ".join(f"{a} {now - t:.0f} s" for a, t in sorted(self.calls.items()))
        return f"model call: {calls}" if calls else "tools running"

    def _heartbeat(self) -> None:
        while not self.done.wait(1.0):
            if self.status is not None:
                with self.lock:
                    self.status.update(self._waiting())
            if time.monotonic() - self.last >= HEARTBEAT_S:
                self.line(f"... still waiting ({self._waiting()})")

    def _spin(self) -> None:
        with self.lock:
            if self.console is None:
                return
            if self.calls and self.status is None:
                self.status = self.console.status(self._waiting())
                self.status.start()
            elif not self.calls and self.status is not None:
                self.status.stop()
                self.status = None

    def node_start(self, agent: str, info: dict[str, Any]) -> None:
        if info.get("kind") == "step":
            where = f" ({info['span']})" if info.get("span") else ""
            cut = f" [cut: {'; '.join(info['cut'])}]" if info.get("cut") else ""
            on = "" if agent == info["node"] else f" on {agent}"
            self.line(f"step {info['node']}{on}: {one_line(info['label'], 90)}{where}{cut}")
        else:
            items = f" over {len(info['items'])} items" if info.get("items") else ""
            self.line(f"{info['kind']} region {info['node']}{items}: {info.get('reason', '')}")

    def node_end(self, agent: str, info: dict[str, Any]) -> None:
        mark = "done" if info["status"] == "ok" else info["status"]
        why = "" if info["status"] == "ok" else f": {one_line(info.get('message', ''), 120)}"
        what = (
            f"step {info['node']}" if info["kind"] == "step" else f"{info['kind']} {info['node']}"
        )
        self.line(f"{what} {mark} in {info['seconds']:.1f} s{why}")

    def before_llm(self, agent: str, messages: list[dict[str, Any]]) -> None:
        self.calls[agent] = time.monotonic()
        self._spin()

    def after_llm(self, agent: str, reply: Reply) -> None:
        self.calls.pop(agent, None)
        self._spin()
        self.line(
            f"  model {agent}: {reply.prompt_tokens}+{reply.completion_tokens} tokens, "
            f"{reply.latency_s:.1f} s"
        )

    def llm_failed(self, agent: str, message: str) -> None:
        self.calls.pop(agent, None)
        self._spin()
        self.line(f"  model {agent} failed: {one_line(message, 160)}")

    def warning(self, message: str) -> None:
        self.line(f"warning: {one_line(message, 200)}")

    def after_tool(self, agent: str, call: ToolCall, result: ToolResult) -> None:
        self.line(
            f"  tool {agent}: {call_text(call.name, call.arguments)} -> {result_text(result)}"
        )

    def after_run(self, summary: dict[str, Any]) -> None:
        self.done.set()
        self.calls.clear()
        self._spin()
        self.line(f"run {summary['status']}: {one_line(summary.get('message', ''), 160)}")
