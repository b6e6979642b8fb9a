"""Runs read from their traces, grouped by (skill digest, model, harness) and aligned step by
step.

A run is a trace directory (`trace.jsonl`, `summary.json`, optionally `grade.json` written by
a grader: `{"passed": bool}`). Its steps are the tool calls that changed something and
succeeded: `execute_command` (read into argv structure, `skillir.runtime.jit.argv`) and
`write_file`; reads, listings and failed calls are left out. Only runs that ended `ok`, were
not themselves solidified, and did not fail a grader are used; the others are skipped with the
reason. Runs of one key are aligned on the most common step signature: a run whose steps hold
it as a subsequence joins the alignment with its extra steps dropped.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillir.runtime.jit.argv import shape, structure


@dataclass(frozen=True)
class Step:
    """One effectful tool call: `execute_command` with its `items` (None: not argv-able) or
    `write_file`; what it printed and its exit code."""

    tool: str
    arguments: dict[str, Any]
    items: list[dict[str, Any]] | None
    exit_code: int | None
    output: str

    @property
    def signature(self) -> str:
        if self.tool == "write_file":
            return "write_file"
        if self.items is None:
            return "opaque:" + str(self.arguments.get("command", ""))
        return "command:" + json.dumps(shape(self.items))


@dataclass
class Run:
    """A traced run: its key, request, work directory, what it wrote, and its steps."""

    dir: Path
    key: tuple[str, str, str]  # skill digest, model, harness
    skill: str
    request: str
    workdir: Path
    written: list[str]
    steps: list[Step]
    passed: bool | None = None
    status: str | None = None
    solidified: str | None = None  # the candidate that ran instead of the model
    aligned: list[Step] = field(default_factory=list)

    @property
    def files_before(self) -> tuple[str, ...]:
        """The work directory's visible regular files other than those the run wrote (what it
        started with, as far as a kept work directory tells)."""
        found = []
        if not self.workdir.is_dir():
            return ()
        for path in sorted(self.workdir.rglob("*")):
            rel = path.relative_to(self.workdir).as_posix()
            if any(p.startswith(".") for p in rel.split("/")) or rel in self.written:
                continue
            if not path.is_symlink() and path.is_file():
                found.append(rel)
        return tuple(found)


class TraceError(Exception):
    """A trace directory that cannot be read (the message names it)."""


def read_run(folder: Path) -> Run:
    """The run recorded in `folder`; TraceError when it is not a readable trace."""
    try:
        summary = json.loads((folder / "summary.json").read_text())
        lines = (folder / "trace.jsonl").read_text().splitlines()
    except (OSError, ValueError) as err:
        raise TraceError(f"{folder}: error: not a readable trace: {err}") from err
    if not isinstance(summary, dict):
        raise TraceError(f"{folder}/summary.json:1:1: error: not a run summary")
    steps = []
    for n, line in enumerate(lines, 1):
        try:
            event = json.loads(line)
        except ValueError as err:
            raise TraceError(f"{folder}/trace.jsonl:{n}:1: error: {err}") from err
        if not isinstance(event, dict) or event.get("event") != "tool" or not event.get("ok"):
            continue
        if event.get("agent") == "jit" or event.get("name") not in (
            "execute_command",
            "write_file",
        ):
            continue
        args = event.get("arguments") or {}
        items = None
        if event["name"] == "execute_command" and isinstance(args.get("command"), str):
            items = structure(args["command"])
        steps.append(
            Step(event["name"], args, items, event.get("exit_code"), event.get("output", ""))
        )
    passed = None
    grade = folder / "grade.json"
    if grade.is_file():
        try:
            passed = bool(json.loads(grade.read_text()).get("passed"))
        except (OSError, ValueError, AttributeError):
            passed = False
    key = (
        str(summary.get("skill_digest")),
        str(summary.get("model")),
        str(summary.get("harness", "bare")),
    )
    return Run(
        folder,
        key,
        str(summary.get("skill") or ""),
        str(summary.get("request") or ""),
        Path(str(summary.get("workdir", ""))),
        [str(w) for w in summary.get("files_written") or []],
        steps,
        passed,
        summary.get("status"),
        summary.get("jit"),
    )


def usable(run: Run) -> str | None:
    """Why a run cannot be mined (None when it can)."""
    if run.status != "ok":
        return f"ended {run.status}"
    if run.solidified:
        return "was itself a solidified run"
    if run.passed is False:
        return "failed its grader"
    if run.key[0] == "None":
        return "has no skill digest"
    if not run.steps:
        return "changed nothing (no successful command or write)"
    if not run.workdir.is_dir():
        return f"its work directory {run.workdir} is gone"
    return None


def _subsequence(steps: list[Step], reference: list[str]) -> list[Step] | None:
    """The steps matching `reference` in order (greedy), or None when they do not hold it."""
    found, at = [], 0
    for step in steps:
        if at < len(reference) and step.signature == reference[at]:
            found.append(step)
            at += 1
    return found if at == len(reference) else None


def align(runs: list[Run]) -> list[list[Run]]:
    """Runs of one key in aligned clusters (largest first): each run's `aligned` steps agree
    in signature position by position with the others' of its cluster."""
    left = list(runs)
    clusters = []
    while left:
        common = Counter(tuple(s.signature for s in r.steps) for r in left).most_common(1)[0][0]
        cluster, rest = [], []
        for run in left:
            matched = _subsequence(run.steps, list(common))
            if matched is None:
                rest.append(run)
            else:
                run.aligned = matched
                cluster.append(run)
        clusters.append(cluster)
        left = rest
    return clusters
