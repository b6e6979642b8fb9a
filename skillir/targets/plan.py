"""`skill-translate --target=plan-json` (the workflow the runtime executes, schema in
`docs/plan-schema.md`) and `--target=plan-mermaid` (the same as a flowchart for docs).

A skill whose procedures are not yet graphs gets `build-dataflow` and `extract-parallelism`
run here first, so `skill-translate SKILL -t plan-json` is enough.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import IO, Any

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.utils.target import Target

from skillir.dialects import cap, par, skill

SCHEMA = "skillir-plan"
VERSION = 1


def ensure_plan(ctx: Context, module: ModuleOp) -> None:
    """Build the graphs and regions the IR does not have yet."""
    from skillir.passes.build_dataflow import BuildDataflow
    from skillir.passes.extract_parallelism import ExtractParallelism

    if not any(isinstance(o, par.GraphOp) for o in skill.walk_ops(module)):
        BuildDataflow().apply(ctx, module)
    if any(isinstance(o, par.GraphOp) and o.work is None for o in skill.walk_ops(module)):
        ExtractParallelism().apply(ctx, module)


def _texts(root: skill.SkillSkillOp) -> dict[tuple[int, ...], str]:
    """Instruction text of the step or section each task is anchored to, by span."""
    out: dict[tuple[int, ...], str] = {}
    for op in skill.walk_ops(root):
        if type(op) is skill.StepOp and op.span is not None:
            out[op.span.data] = op.text.data
        elif type(op) is skill.SectionOp and op.span is not None:
            out[op.span.data] = op.title.data
    return out


def _schedule(ops: list[Operation]) -> list[dict[str, Any]]:
    """The region tree as nested JSON nodes, in execution order."""
    nodes: list[dict[str, Any]] = []
    for op in ops:
        if isinstance(op, par.TaskOp):
            nodes.append({"task": op.label.data})
        elif isinstance(op, par.IlpOp):
            nodes.append({"ilp": [t.label.data for t in op.tasks()], "reason": op.reason.data})
        elif isinstance(op, par.DlpOp):
            (task,) = op.tasks()
            items = op.items.data if op.items is not None else None
            nodes.append(
                {
                    "dlp": task.label.data,
                    "over": op.over.data,
                    "items": items,
                    "reason": op.reason.data,
                }
            )
        elif isinstance(op, par.TlpOp):
            branches = [
                _schedule([o for o in r.block.ops if not isinstance(o, par.JoinOp)])
                for r in op.branches
            ]
            nodes.append({"tlp": branches, "reason": op.reason.data})
    return nodes


def graph_json(graph: par.GraphOp, texts: dict[tuple[int, ...], str]) -> dict[str, Any]:
    tasks = []
    ordered = sorted(graph.tasks(), key=lambda t: t.span.data if t.span is not None else ())
    for task in ordered:  # document order; `schedule` has the execution order
        span = task.span.data if task.span is not None else None
        tasks.append(
            {
                "id": task.label.data,
                "kind": task.kind.data,
                "text": texts.get(span, "") if span else "",
                "line": span[0] if span else None,
                "reads": task.read_set(),
                "writes": task.write_set(),
                "after": [
                    {"task": par.producer(v).label.data, "why": why} for v, why in task.waits()
                ],
                "over": task.over.data if task.over is not None else None,
                "items": task.items.data if task.items is not None else None,
            }
        )
    work = graph.work.data if graph.work is not None else len(tasks)
    critical = graph.critical.data if graph.critical is not None else len(tasks)
    return {
        "title": graph.title.data,
        "line": graph.span.data[0] if graph.span is not None else None,
        "work": work,
        "critical": critical,
        "speedup": round(work / critical, 3) if critical else 1.0,
        "tasks": tasks,
        "schedule": _schedule(list(graph.body.block.ops)),
    }


def plan(module: ModuleOp, source: str | None = None) -> dict[str, Any]:
    """The plan document of every skill in the module."""
    skills = []
    for root in cap.skills(module):
        texts = _texts(root)
        graphs = [graph_json(g, texts) for g in root.body.block.ops if isinstance(g, par.GraphOp)]
        work = sum(g["work"] for g in graphs)
        critical = sum(g["critical"] for g in graphs)
        skills.append(
            {
                "skill": root.skill_name.data,
                "source": source or root.field("path"),
                "work": work,
                "critical": critical,
                "speedup": round(work / critical, 3) if critical else 1.0,
                "graphs": graphs,
            }
        )
    return {"format": SCHEMA, "version": VERSION, "skills": skills}


def dumps(doc: Any) -> str:
    """`json.dumps(doc, indent=2, ensure_ascii=False)` for a document of dicts with string
    keys, lists and scalars, a few times faster: the standard library indents in pure Python,
    a generator per level."""
    out: list[str] = []
    _dump(doc, "\n", out)
    return "".join(out)


def _dump(value: Any, newline: str, out: list[str]) -> None:
    if not isinstance(value, (dict, list, tuple)):
        out.append(_scalar(value))
        return
    is_dict = isinstance(value, dict)
    if not value:
        out.append("{}" if is_dict else "[]")
        return
    inner = newline + "  "
    sep = ("{" if is_dict else "[") + inner
    items = (
        ((encode_basestring(key) + ": ", item) for key, item in value.items())
        if is_dict
        else (("", item) for item in value)
    )
    for head, item in items:
        if isinstance(item, (dict, list, tuple)):
            out.append(sep + head)
            _dump(item, inner, out)
        else:
            out.append(sep + head + _scalar(item))
        sep = "," + inner
    out.append(newline + ("}" if is_dict else "]"))


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    return json.dumps(value)  # a float as json writes it (NaN, Infinity); else raises as json


def _mermaid_id(graph_no: int, label: str) -> str:
    return f"g{graph_no}_" + "".join(c if c.isalnum() else "_" for c in label)


def _mermaid_text(text: str) -> str:
    text = text.replace('"', "'").replace("`", "")
    return text if len(text) <= 48 else text[:45] + "..."


def mermaid(module: ModuleOp) -> str:
    """A `flowchart TD` per skill: tasks as nodes, regions as subgraphs, waits as edges."""
    lines = ["flowchart TD"]
    for root in cap.skills(module):
        texts = _texts(root)
        graphs = [g for g in root.body.block.ops if isinstance(g, par.GraphOp)]
        for n, graph in enumerate(graphs):
            lines.append(f'  subgraph g{n}["{_mermaid_text(graph.title.data)}"]')
            _mermaid_ops(list(graph.body.block.ops), n, texts, lines, "    ", [0])
            lines.append("  end")
            for task in graph.tasks():
                for value, why in task.waits():
                    src = _mermaid_id(n, par.producer(value).label.data)
                    dst = _mermaid_id(n, task.label.data)
                    lines.append(f'  {src} -->|"{_mermaid_text(why)}"| {dst}')
    return "\n".join(lines) + "\n"


def _mermaid_ops(
    ops: list[Operation],
    n: int,
    texts: dict[tuple[int, ...], str],
    lines: list[str],
    pad: str,
    counter: list[int],
) -> None:
    for op in ops:
        if isinstance(op, par.TaskOp):
            text = texts.get(op.span.data, "") if op.span is not None else ""
            label = op.label.data
            shown = text if text.lstrip().startswith(label) else f"{label}. {text}"
            lines.append(f'{pad}{_mermaid_id(n, label)}["{_mermaid_text(shown)}"]')
        elif isinstance(op, par.RegionOp):
            kind = op.name.split(".")[1].upper()
            counter[0] += 1
            rid = f"g{n}_region{counter[0]}"
            lines.append(f'{pad}subgraph {rid}["{kind}"]')
            for k, region in enumerate(op.regions, 1):
                inner = pad + "  "
                if isinstance(op, par.TlpOp):  # one subgraph per sub-agent
                    counter[0] += 1
                    lines.append(f'{inner}subgraph g{n}_region{counter[0]}["branch {k}"]')
                    inner += "  "
                _mermaid_ops(list(region.block.ops), n, texts, lines, inner, counter)
                if isinstance(op, par.TlpOp):
                    lines.append(f"{pad}  end")
            lines.append(f"{pad}end")


@dataclass(frozen=True)
class PlanJsonTarget(Target):
    name = "plan-json"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        ensure_plan(ctx, module)
        output.write(dumps(plan(module)) + "\n")


@dataclass(frozen=True)
class PlanMermaidTarget(Target):
    name = "plan-mermaid"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        ensure_plan(ctx, module)
        output.write(mermaid(module))
