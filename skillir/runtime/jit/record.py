"""Recording a run whose tool calls a script chooses instead of a model, through the
runtime's own sandbox and trace writer: the same `trace.jsonl` and `summary.json` a model run
leaves (start event with the skill digest, one `tool` event per call, end event), so mining,
validation and execution can be exercised and measured when the model seldom solves a task.
Such traces say `"scripted": true` in their start event and summary."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from skillir.runtime.execute import files_written, load_skill, snapshot_files, stage_files
from skillir.runtime.jit.digest import HARNESS, skill_digest
from skillir.runtime.llm import ToolCall
from skillir.runtime.sandbox import Sandbox
from skillir.runtime.trace import Trace, write_json_atomic


def record_run(
    skill_path: Path,
    request: str,
    workdir: Path,
    trace_dir: Path,
    calls: Sequence[tuple[str, dict[str, Any]]],
    model: str,
) -> dict[str, Any]:
    """Run `calls` (tool name, arguments) in order in a sandbox over `workdir` and write the
    trace of it to `trace_dir` as if `model` had asked for them; the summary. The run is `ok`
    when every call succeeded."""
    skill = load_skill(skill_path, planned=False)
    trace = Trace(trace_dir / "trace.jsonl")
    summary: dict[str, Any] = {
        "skill": skill.name,
        "request": request,
        "model": model,
        "workdir": str(workdir),
        "harness": HARNESS,
        "skill_digest": skill_digest(skill.folder),
        "scripted": True,
    }
    start = time.monotonic()
    sandbox = Sandbox(workdir)
    try:
        trace.event("start", **summary, sandbox=sandbox.sandbox_level)
        trace.event("staged", files=stage_files(skill, workdir))
        before = snapshot_files(workdir)
        ok = True
        for name, arguments in calls:
            result = sandbox.call(name, arguments)
            trace.after_tool("main", ToolCall(name, arguments), result)
            ok = ok and result.ok
        summary["files_written"] = files_written(before, workdir)
    finally:
        sandbox.close()
    status = "ok" if ok else "tool-error"
    summary |= {"status": status, "wall_s": round(time.monotonic() - start, 4)}
    summary |= {k: v for k, v in vars(trace.totals).items()}
    trace.event("end", status=status, message="scripted")
    trace.close()
    write_json_atomic(trace_dir / "summary.json", summary)
    return summary
