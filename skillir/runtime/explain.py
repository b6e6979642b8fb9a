"""`skill-run --explain TRACE_DIR`: a run's trace as a readable timeline.

Reads `trace.jsonl` (and `summary.json` when present) of one run and writes one line per event:
the plan nodes with their label and `SKILL.md:LINE`, each model call with its tokens, seconds
and reply, each tool call with its result, the setup script, errors and the end. `prompts=True`
also prints every prompt the model was sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from skillir.runtime.progress import call_text
from skillir.runtime.protocol import one_line


class ExplainError(Exception):
    """A trace directory that cannot be read (the message names it)."""


def _events(trace_dir: Path) -> list[dict[str, Any]]:
    path = trace_dir / "trace.jsonl"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ExplainError(f"{path}: error: cannot read the trace: {err}") from err
    events = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ExplainError(f"{path}:{number}:{err.colno}: error: {err.msg}") from err
        if isinstance(record, dict):
            events.append(record)
    return events


def _line(event: dict[str, Any], prompts: bool) -> list[str]:
    kind = event.get("event")
    agent = event.get("agent", "")
    if kind == "start":
        return [
            f"start: skill {event.get('skill') or '(none)'}, model {event.get('model')}, "
            f"sandbox {event.get('sandbox')}, work directory {event.get('workdir')}"
        ]
    if kind == "staged":
        return [f"staged {len(event.get('files', []))} skill file(s)"]
    if kind == "env":
        if not event.get("ran"):
            return [f"env-setup.sh not run: {one_line(event.get('reason', ''), 160)}"]
        found = "" if event.get("ok") else f": {one_line(str(event.get('output', '')), 160)}"
        return [f"env-setup.sh {'ok' if event.get('ok') else 'failed'}{found}"]
    if kind == "node_start":
        if event.get("kind") == "step":
            where = f" ({event['span']})" if event.get("span") else ""
            size = sum((event.get("tokens") or {}).values())
            cut = f"; cut: {'; '.join(event['cut'])}" if event.get("cut") else ""
            label = one_line(str(event.get("label", "")), 100)
            on = "" if agent == event["node"] else f" on {agent}"
            return [f"step {event['node']}{on}: {label}{where} [~{size} tokens{cut}]"]
        items = f" over {len(event['items'])} items" if event.get("items") else ""
        return [f"{event.get('kind')} region {event.get('node')}{items}: {event.get('reason', '')}"]
    if kind == "node_end":
        status = event.get("status")
        why = "" if status == "ok" else f": {one_line(str(event.get('message', '')), 160)}"
        return [f"end {event.get('node')}: {status} in {event.get('seconds', 0):.1f} s{why}"]
    if kind == "prompt":
        if not prompts:
            return []
        out = [f"  prompt to {agent}:"]
        for message in event.get("messages", []):
            out.append(f"    [{message.get('role')}]")
            out += [f"      {line}" for line in str(message.get("content") or "").splitlines()]
        return out
    if kind == "llm":
        reply = one_line(str(event.get("content", "")), 160)
        calls = [call_text(c["name"], c.get("arguments", {})) for c in event.get("tool_calls", [])]
        shown = "; ".join(calls) if calls else reply
        return [
            f"  model {agent}: {event.get('prompt_tokens')}+{event.get('completion_tokens')} "
            f"tokens, {event.get('latency_s', 0):.1f} s -> {shown}"
        ]
    if kind == "llm_error":
        return [f"  model {agent} failed: {one_line(str(event.get('message', '')), 160)}"]
    if kind == "tool":
        status = "ok" if event.get("ok") else "failed"
        if event.get("exit_code") is not None:
            status += f" (exit {event['exit_code']})"
        output = one_line(str(event.get("output", "")), 120)
        return [
            f"  tool {agent}: {call_text(event.get('name', '?'), event.get('arguments') or {})}"
            f" -> {status}: {output}"
        ]
    if kind == "warning":
        return [f"warning: {one_line(str(event.get('message', '')), 200)}"]
    if kind == "error":
        return [f"error: {event.get('type')}: {one_line(str(event.get('message', '')), 200)}"]
    if kind == "end":
        return [f"end: {event.get('status')} ({one_line(str(event.get('message', '')), 200)})"]
    return []


def explain(trace_dir: Path, prompts: bool = False) -> str:
    """The timeline of the run whose trace is in `trace_dir`."""
    lines = []
    for event in _events(trace_dir):
        for text in _line(event, prompts):
            lines.append(f"{event.get('t', 0):8.2f}s  {text}")
    try:
        summary = json.loads((trace_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = None
    if isinstance(summary, dict):
        lines.append(f"answer: {summary.get('answer', '')}")
        lines.append(
            f"totals: {summary.get('llm_calls', 0)} model calls, "
            f"{summary.get('prompt_tokens', 0)}+{summary.get('completion_tokens', 0)} tokens, "
            f"{summary.get('tool_calls', 0)} tool calls ({summary.get('tool_failures', 0)} "
            f"failed), {summary.get('wall_s', 0):.1f} s"
        )
    return "\n".join(lines) + "\n"
