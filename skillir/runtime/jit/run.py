"""Running a candidate program on a task, and the runtime's `--jit` hook.

`execute` binds the parameters (extractors over the request, the work directory and earlier
outputs; types and the security rules of `parameters.check`), runs each step in the sandbox
(commands by argv, `pipeline.run_items`; file writes through the sandbox's own `write_file`)
and checks the postcondition. `solidified` is what `run_skill` calls before the model is
asked: the first promoted candidate of the run's (skill digest, model, harness) whose
parameters all bind runs; on success the run is done (a `jit` trace event with the candidate
id, parameters and duration, and a `tool` event per step under agent `jit`), on failure the
files it created are removed, the failure is counted (`store.DEMOTE_AFTER` in a row demote
it) and the model does the task.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillir.runtime.jit import parameters, postcondition, store
from skillir.runtime.jit.pipeline import run_items
from skillir.runtime.jit.program import params_in, render
from skillir.runtime.llm import ToolCall
from skillir.runtime.sandbox import Sandbox, ToolResult
from skillir.runtime.trace import Hooks


@dataclass
class Outcome:
    """What running a candidate gave: `reason` is None on success."""

    reason: str | None
    values: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[ToolCall, ToolResult]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    ran: bool = False  # a step ran (the work directory may have changed)


def visible_files(root: Path) -> tuple[str, ...]:
    """The work directory's regular files (relative, sorted), hidden entries and links out."""
    found = []
    for current, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = Path(current) / name
            if not name.startswith(".") and not path.is_symlink() and path.is_file():
                found.append(path.relative_to(root).as_posix())
    return tuple(sorted(found))


def _positional(argv: list[list[Any]], index: int) -> bool:
    """Whether argv word `index` is a whole parameter before any `--` (an option there would
    be read as an option)."""
    word = argv[index]
    whole = len(word) == 1 and not isinstance(word[0], str)
    return index > 0 and whole and ["--"] not in argv[:index]


class _Binder:
    """Parameter values for one task, bound on first use and checked."""

    def __init__(self, program: dict[str, Any], task: parameters.Task, root: Path) -> None:
        self.declared = {p["name"]: p for p in program["parameters"]}
        self.task, self.root = task, root
        self.values: dict[str, str] = {}

    def value(self, name: str, positional: bool) -> str:
        param = self.declared[name]
        if name not in self.values:
            self.values[name] = parameters.extract(param["extractor"], self.task)
        return parameters.check(self.values[name], param["type"], positional, self.root)

    def word(self, word: list[Any], positional: bool = False) -> str:
        for name in params_in(word):
            self.value(name, positional)
        return render(word, self.values)

    def bind_static(self) -> None:
        """Bind every parameter that reads no step output (fails before anything runs)."""
        for name, param in self.declared.items():
            if param["extractor"]["from"] != "result":
                self.value(name, False)


def _render_items(items: list[dict[str, Any]], binder: _Binder) -> list[dict[str, Any]]:
    rendered = []
    for item in items:
        pipeline = []
        for c in item["pipeline"]:
            argv = [binder.word(w, _positional(c["argv"], i)) for i, w in enumerate(c["argv"])]
            redirects = []
            for r in c["redirects"]:
                r = dict(r)
                if "target" in r:
                    rendered_target = binder.word(r["target"])
                    if params_in(r["target"]):  # a constant (`2>/dev/null`) is the run's own
                        parameters.check(rendered_target, "path", False, binder.root)
                    r["target"] = rendered_target
                redirects.append(r)
            pipeline.append({"argv": argv, "redirects": redirects})
        rendered.append({"op": item["op"], "pipeline": pipeline})
    return rendered


def execute(program: dict[str, Any], request: str, sandbox: Sandbox) -> Outcome:
    """Run `program` for `request` in `sandbox`'s work directory and check its postcondition."""
    from skillir.runtime.execute import files_written, snapshot_files

    start = time.monotonic()
    root = sandbox.root
    task = parameters.Task(request, visible_files(root))
    binder = _Binder(program, task, root)
    outcome = Outcome(None)
    try:
        binder.bind_static()
    except parameters.Unbound as err:
        return Outcome(f"does not match: {err}", dict(binder.values))
    before = snapshot_files(root)
    codes: list[int | None] = []
    outputs: list[str] = []
    try:
        for step in program["steps"]:
            binder.task = parameters.Task(request, task.files, tuple(outputs))
            if step["tool"] == "write_file":
                path = binder.word(step["path"])
                if params_in(step["path"]):
                    parameters.check(path, "path", False, root)
                call = ToolCall(
                    "write_file", {"path": path, "content": binder.word(step["content"])}
                )
                outcome.ran = True
                result = sandbox.call(call.name, call.arguments)
            else:
                items = _render_items(step["items"], binder)
                call = ToolCall("execute_command", {"argv": items})
                outcome.ran = True
                result = run_items(sandbox, items, sandbox.timeout_s)
                codes.append(result.exit_code)
                outputs.append(result.output)
            outcome.calls.append((call, result))
            if result.timed_out or (step["tool"] == "write_file" and not result.ok):
                outcome.reason = f"step {len(outcome.calls)} failed: {result.output[-200:]}"
                break
    except parameters.Unbound as err:
        outcome.reason = f"does not match: {err}"
    outcome.values = dict(binder.values)
    outcome.written = files_written(before, root)
    if outcome.reason is None:
        post = program["postcondition"]
        expected = [binder.word(f["path"]) for f in post["files"]]
        outcome.reason = postcondition.check(post, codes, outputs, outcome.written, expected, root)
        if outcome.reason is not None:
            outcome.reason = f"postcondition: {outcome.reason}"
    outcome.duration_s = time.monotonic() - start
    return outcome


def _undo(root: Path, before: set[str], written: list[str]) -> None:
    """Remove the files a failed candidate created (changed files stay as they are)."""
    for name in written:
        if name not in before:
            try:
                (root / name).unlink()
            except OSError:
                pass


def solidified(
    store_root: Path, summary: dict[str, Any], request: str, sandbox: Sandbox, trace: Hooks
) -> Any:
    """The `Timed` result of a promoted candidate that did the task, or None (the model
    does it). Never raises: a broken store or a crash is a `jit_error` event."""
    try:
        return _solidified(store_root, summary, request, sandbox, trace)
    except Exception as err:  # the hook's boundary: the model still gets the task
        event = getattr(trace, "event", None)
        if event:
            event("jit_error", message=f"{type(err).__name__}: {err}")
        return None


def _solidified(
    store_root: Path, summary: dict[str, Any], request: str, sandbox: Sandbox, trace: Hooks
) -> Any:
    from skillir.runtime.agent import AgentResult, Status
    from skillir.runtime.execute import Timed

    key = {k: str(summary.get(k)) for k in ("skill_digest", "model", "harness")}
    if summary.get("skill_digest") is None:
        return None
    key["skill"] = str(summary.get("skill") or "")
    event = getattr(trace, "event", None)
    try:
        data = store.load(store_root, key)
    except store.StoreError as err:
        if event:
            event("jit_error", message=str(err))
        return None
    if data is None:
        return None
    path = store.key_file(store_root, key)
    for candidate in data["candidates"]:
        if candidate.get("status") != "promoted":
            continue
        before = set(visible_files(sandbox.root))
        outcome = execute(candidate, request, sandbox)
        if not outcome.ran:
            if event:
                event("jit_skip", candidate=candidate["id"], reason=outcome.reason)
            continue
        for call, result in outcome.calls:
            trace.after_tool("jit", call, result)
        ok = outcome.reason is None
        if event:
            event(
                "jit",
                candidate=candidate["id"],
                parameters=outcome.values,
                duration_s=round(outcome.duration_s, 4),
                ok=ok,
                **({} if ok else {"reason": outcome.reason}),
            )
        store.count(store_root, path, candidate["id"], ok)
        if ok:
            summary["jit"] = candidate["id"]
            shown = ", ".join(outcome.written) or "no file"
            answer = f"(solidified {candidate['id']}) files written: {shown}"
            result = AgentResult("jit", Status.OK, f"done (jit {candidate['id']})", answer)
            result.wall_s = outcome.duration_s
            return Timed([result], outcome.duration_s)
        _undo(sandbox.root, before, outcome.written)
        summary["jit_fallback"] = candidate["id"]
        return None
    return None
