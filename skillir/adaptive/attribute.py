"""Attribution: which primitive capabilities a run's trace is evidence about.

Reads a run's JSONL trace (`skillir.runtime.trace`), the SKILL.md the run executed and, where
there is one, the grader's verdict; writes `Observation`s (a primitive at the level a step
requires, passed or failed, with a weight) and `Unattributed` failures.

The chain is trace node → the `skill.step`/`skill.section` op at the node's span
(`SKILL.md:LINE` of the file that ran) → the requirements the rules find for that op and the ops
nested in it (`infer_requirements`). Events belong to the node open on their agent. A run
without plan nodes is one node covering the whole skill, at half weight (the evidence is not
localised).

The rule, per failure signal in a node (`_signals`), with its weight:

- `execute_command` fails or times out: `tool.exec` and the command's language
  (`gen.code.shell`, `gen.code.python`, `gen.code.javascript`), 1.0 — unless it failed on a
  missing file (`No such file or directory`), an input an earlier step should have made:
  unattributed;
- a step that runs a command makes other tool calls but never `execute_command`:
  `tool.exec` and the code primitives the step requires, 0.5;
- `read_file` fails: `tool.file.read`, 1.0; `write_file` fails: `tool.file.write`, 1.0;
- `write_file` of a `.json` file that does not parse: `gen.text.structured`, 1.0;
- the node ends with no valid tool call: `tool.call.format`, 1.0;
- the node runs out of turns (`max-steps`) or repeats one call 3 times: `follow.procedure`, 0.5.

A node is one trial: each primitive gets at most one failure from it (the strongest signal),
so a call repeated four times is not four failures. A step that requires a tool primitive
(`tool.file.*`, `tool.exec`) also requires `tool.call.format` at L1: using a tool at all takes
a well-formed call. A signal counts only against a primitive the node requires (at the level
it requires); a signal whose primitives the node does not require, a node that fails without
any signal (a timeout, a model error), and a run the grader fails with no signal anywhere are
`Unattributed`: recorded, never forced onto a primitive. When the grader passes the run, every
node that ended `ok` is a pass for each primitive it requires (weight 1.0); a failed run gives
no passes.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xdsl.ir import Operation

WHOLE_SKILL_WEIGHT = 0.5
REPEATS = 3  # the same call this many times in one node is a repeated step
LANGUAGE_OF = {
    "python": "gen.code.python",
    "python3": "gen.code.python",
    "node": "gen.code.javascript",
    "bash": "gen.code.shell",
    "sh": "gen.code.shell",
}
TOOL_PRIMITIVES = ("tool.file.", "tool.exec")
MISSING = "No such file or directory"
CODE = ("gen.code.shell", "gen.code.python", "gen.code.javascript")
SHELL_MARKS = ("|", "&&", "||", ";", ">", "<", "$(")


@dataclass(frozen=True)
class Observation:
    """Runtime evidence about `primitive` at `level`: a pass or a failure of one node of a run."""

    primitive: str
    level: int
    passed: bool
    weight: float
    run: str
    node: str
    signal: str


@dataclass(frozen=True)
class Unattributed:
    """A failure that points at no required primitive, with why."""

    run: str
    node: str
    reason: str


@dataclass
class Attribution:
    observations: list[Observation] = field(default_factory=list)
    unattributed: list[Unattributed] = field(default_factory=list)

    def extend(self, other: Attribution) -> None:
        self.observations += other.observations
        self.unattributed += other.unattributed


@dataclass
class _Node:
    """The events of one plan node (or of the whole run)."""

    id: str
    line: int | None
    events: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"
    message: str = ""


def read_trace(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL trace; a torn last line (a killed run) is left out."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _nodes(records: list[dict[str, Any]]) -> list[_Node]:
    """Step nodes with their events; events outside any step go to a whole-run node."""
    whole = _Node("run", None)
    steps: list[_Node] = []
    open_on: dict[str, _Node] = {}
    for record in records:
        kind, agent = record.get("event"), str(record.get("agent", ""))
        if kind == "node_start" and record.get("kind") == "step":
            span = str(record.get("span") or "")
            line = int(span.rsplit(":", 1)[1]) if span.rpartition(":")[2].isdigit() else None
            node = _Node(str(record.get("node", "")), line)
            steps.append(node)
            open_on[agent] = node
        elif kind == "node_end" and record.get("kind") == "step":
            node = open_on.pop(agent, None)
            if node is not None:
                node.status = str(record.get("status", "ok"))
                node.message = str(record.get("message", ""))
        elif kind == "end":
            whole.status = str(record.get("status", "ok"))
            whole.message = str(record.get("message", ""))
        elif kind in ("tool", "llm"):
            open_on.get(agent, whole).events.append(record)
    return steps if steps else [whole]


def requirements_by_line(skill_md: Path) -> tuple[dict[int, dict[str, int]], dict[str, int]]:
    """(start line of each step or section → {primitive: level} it and its nested ops require,
    and for a step also what the sections around it require themselves (a procedure's
    `follow.procedure`); {primitive: highest level} over the whole skill), from the rules of
    `infer-capabilities`."""
    from skillir.analysis.cap.requirements import infer_requirements
    from skillir.diagnostics import DiagnosticSink
    from skillir.dialects import cap, skill
    from skillir.frontend.parser import parse_skill

    module = parse_skill(skill_md.read_bytes(), str(skill_md), DiagnosticSink(str(skill_md)))
    roots = cap.skills(module)
    if not roots:
        return {}, {}
    by_line: dict[int, dict[str, int]] = {}
    whole: dict[str, int] = {}
    procedure: dict[int, dict[str, int]] = {}  # id of a section -> what it requires itself

    def need(table: dict[str, int], primitive: str, level: int) -> None:
        table[primitive] = max(table.get(primitive, 0), level)

    for req in infer_requirements(roots[0]):
        need(whole, req.primitive, req.level)
        if type(req.anchor) is skill.SectionOp:
            need(procedure.setdefault(id(req.anchor), {}), req.primitive, req.level)
        op: Operation | None = req.anchor
        while op is not None and not isinstance(op, skill.SkillSkillOp):
            if type(op) in (skill.StepOp, skill.SectionOp):
                span = op.properties.get("span")
                if isinstance(span, skill.SpanAttr):
                    need(by_line.setdefault(span.data[0], {}), req.primitive, req.level)
            op = op.parent_op()
    for step in skill.walk_ops(roots[0]):  # a step inherits its procedure's own requirements
        span = step.properties.get("span")
        if type(step) is not skill.StepOp or not isinstance(span, skill.SpanAttr):
            continue
        outer = step.parent_op()
        while outer is not None and not isinstance(outer, skill.SkillSkillOp):
            for primitive, level in procedure.get(id(outer), {}).items():
                need(by_line.setdefault(span.data[0], {}), primitive, level)
            outer = outer.parent_op()
    for needs in (*by_line.values(), whole):
        if any(p.startswith(TOOL_PRIMITIVES) for p in needs):
            needs.setdefault("tool.call.format", 1)
    return by_line, whole


def _signals(node: _Node, exec_step: bool) -> list[tuple[tuple[str, ...], float, str]]:
    """(primitives, weight, what happened) for each failure signal of the node; `exec_step`:
    the step's own content runs a command."""
    found: list[tuple[tuple[str, ...], float, str]] = []
    calls: Counter[str] = Counter()
    for event in node.events:
        if event.get("event") != "tool":
            continue
        name, args = event.get("name"), event.get("arguments") or {}
        calls[json.dumps([name, args], sort_keys=True)] += 1
        ok = bool(event.get("ok")) and not event.get("timed_out")
        if name == "execute_command" and not ok:
            command = str(args.get("command", ""))
            if MISSING in str(event.get("output", "")):
                found.append(((), 1.0, f"missing input (an earlier step's?): {command[:80]}"))
            else:
                found.append((_command_primitives(command), 1.0, f"command failed: {command[:80]}"))
        elif name == "read_file" and not ok:
            found.append((("tool.file.read",), 1.0, f"read failed: {args.get('path')}"))
        elif name == "write_file" and not ok:
            found.append((("tool.file.write",), 1.0, f"write failed: {args.get('path')}"))
        elif name == "write_file" and str(args.get("path", "")).endswith(".json"):
            try:
                json.loads(str(args.get("content", "")))
            except json.JSONDecodeError:
                found.append((("gen.text.structured",), 1.0, f"invalid JSON: {args.get('path')}"))
    tools = [e.get("name") for e in node.events if e.get("event") == "tool"]
    if exec_step and tools and "execute_command" not in tools:
        found.append((("tool.exec", *CODE), 0.5, "the step's command was never run"))
    if node.status == "model-error" and "valid tool call" in node.message:
        found.append((("tool.call.format",), 1.0, node.message))
    repeated = [key for key, n in calls.items() if n >= REPEATS]
    if node.status == "max-steps" or repeated:
        found.append((("follow.procedure",), 0.5, node.message or "a call repeated"))
    return found


def _command_primitives(command: str) -> tuple[str, ...]:
    words = command.split()
    first = words[0].rsplit("/", 1)[-1] if words else ""
    language = LANGUAGE_OF.get(first)
    if language is None and any(mark in command for mark in SHELL_MARKS):
        language = "gen.code.shell"
    return ("tool.exec", language) if language else ("tool.exec",)


def attribute(trace: Path, skill_md: Path, passed: bool | None, run: str = "") -> Attribution:
    """The evidence of one run: `trace` (JSONL), the `skill_md` it executed, and whether the
    grader passed it (None: no grader; then only failure signals count)."""
    run = run or trace.parent.name
    by_line, whole = requirements_by_line(skill_md)
    out = Attribution()
    nodes = _nodes(read_trace(trace))
    any_signal = False
    for node in nodes:
        if node.line is None:
            needs, weight = whole, WHOLE_SKILL_WEIGHT
        else:
            needs, weight = by_line.get(node.line, {}), 1.0
        signals = _signals(node, node.line is not None and "tool.exec" in needs)
        any_signal |= bool(signals)
        strongest: dict[str, tuple[float, str]] = {}  # one trial per node and primitive
        for primitives, strength, what in signals:
            hit = [p for p in primitives if p in needs]
            for primitive in hit:
                if strength > strongest.get(primitive, (0.0, ""))[0]:
                    strongest[primitive] = (strength, what)
            if not primitives:
                out.unattributed.append(Unattributed(run, node.id, what))
            elif not hit:
                listed = ", ".join(primitives)
                out.unattributed.append(
                    Unattributed(run, node.id, f"{what} (the step requires none of {listed})")
                )
        out.observations += [
            Observation(p, needs[p], False, strength * weight, run, node.id, what)
            for p, (strength, what) in sorted(strongest.items())
        ]
        if not signals and node.status not in ("ok", ""):
            out.unattributed.append(
                Unattributed(run, node.id, f"{node.status}: {node.message}".strip(": "))
            )
        if passed and node.status == "ok" and not signals:
            out.observations += [
                Observation(p, level, True, weight, run, node.id, "run passed")
                for p, level in sorted(needs.items())
            ]
    if passed is False and not any_signal:
        out.unattributed.append(Unattributed(run, "run", "the grader failed the run; no signal"))
    out.unattributed = list(dict.fromkeys(out.unattributed))  # a reason once per node
    return out
