"""`extract-parallelism{dlp-items=4}`: group the tasks of each `par.graph` into fork/join regions.

Independent single tool calls become a `par.ilp`, independent chains a `par.tlp` (one branch
per chain), a task mapped over items a `par.dlp`; each region says why running it at once is
safe. The graph gets its work and critical-path length in task units
(`skillir.analysis.par.parallelism`).
Regions from an earlier run are dissolved first, so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntAttr, ModuleOp
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from skillir.analysis.par.parallelism import DLP_ITEMS, plan_regions
from skillir.dialects import par

ILP_REASON = "independent single tool calls: none reads or writes what another writes"
TLP_REASON = "independent chains: no branch reads or writes what another writes"
DLP_REASON = "one operation per item: no item reads what another writes"


def single_call(task: par.TaskOp) -> bool:
    """A task that is one tool call: a read of named things, or one file written."""
    reads, writes = task.read_set(), task.write_set()
    if task.over is not None or "dir:." in reads or "dir:." in writes:
        return False
    if task.kind.data == "gather":
        return True
    files = [w for w in writes if w.startswith("file:")]
    return task.kind.data == "act" and len(files) == len(writes) == 1


_TASK_PROPERTIES = ("label", "kind", "why", "reads", "writes", "over", "items", "span")


def _emit(task: par.TaskOp, waits: list[SSAValue]) -> tuple[Operation, SSAValue]:
    """The task as `par.TaskOp.build_task` makes it of its fields (sharing the immutable
    attributes), waiting for `waits`, in a `par.dlp` when it maps over items; and the token a
    later task waits for."""
    props = task.properties
    new = par.TaskOp.create(
        operands=waits,
        result_types=[par.TOKEN],
        properties={key: props[key] for key in _TASK_PROPERTIES if key in props},
    )
    if task.over is None:
        return new, new.token
    body = Region(Block([new, par.JoinOp.create(operands=[new.token])]))
    props = {"reason": par.TextAttr(DLP_REASON), "over": par.TextAttr(task.over.data)}
    if task.items is not None:
        props["items"] = IntAttr(task.items.data)
    dlp = par.DlpOp.create(result_types=[par.TOKEN], properties=props, regions=[body])
    return dlp, dlp.outs[0]


def regroup(graph: par.GraphOp, dlp_items: int, rewriter: PatternRewriter) -> None:
    """Replace the graph's body by its tasks grouped into regions (`plan_regions`), and record
    its work and critical path."""
    tasks = list(graph.tasks())
    index = {t.token: i for i, t in enumerate(tasks)}
    waits = [[index[par.producer(v).token] for v in t.deps] for t in tasks]
    edges = [(i, j) for j, before in enumerate(waits) for i in before]
    mapped = {i: (t.items.data if t.items else None) for i, t in enumerate(tasks) if t.over}
    single = {i for i, t in enumerate(tasks) if single_call(t)}
    plan = plan_regions(len(tasks), edges, single, mapped, dlp_items)
    done: dict[int, SSAValue] = {}  # task index → what a later task waits for

    def emit(i: int) -> Operation:
        op, done[i] = _emit(tasks[i], [done[k] for k in waits[i]])
        return op

    ops: list[Operation] = []
    for group, kind in zip(plan.levels, plan.kinds, strict=True):
        if kind is None:
            ops.extend(emit(i) for chain in group for i in chain)
            continue
        regions = []
        for chain in group:
            body = [emit(i) for i in chain]
            regions.append((body, done[chain[-1]]))
        if kind == "ilp":
            inner = [op for body, _ in regions for op in body]
            outs = [out for _, out in regions]
            join = par.JoinOp.create(operands=outs)
            region_op = par.IlpOp.create(
                result_types=[par.TOKEN] * len(outs),
                properties={"reason": par.TextAttr(ILP_REASON)},
                regions=[Region(Block([*inner, join]))],
            )
        else:
            region_op = par.TlpOp.create(
                result_types=[par.TOKEN] * len(regions),
                properties={"reason": par.TextAttr(TLP_REASON)},
                regions=[
                    Region(Block([*body, par.JoinOp.create(operands=[out])]))
                    for body, out in regions
                ],
            )
        for chain, result in zip(group, region_op.outs, strict=True):
            done[chain[-1]] = result
        ops.append(region_op)
    for old in reversed(list(graph.body.block.ops)):
        rewriter.erase(old, safe_erase=False)
    rewriter.insert(ops, InsertPoint.at_end(graph.body.block))
    graph.properties["work"] = IntAttr(plan.work)
    graph.properties["critical"] = IntAttr(plan.critical)
    rewriter.notify_op_modified(graph)


@dataclass(frozen=True)
class RegroupGraph(RewritePattern):
    """A `par.graph`'s tasks regrouped into fork/join regions (earlier regions dissolved)."""

    dlp_items: int

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: par.GraphOp, rewriter: PatternRewriter) -> None:
        regroup(op, self.dlp_items, rewriter)


@dataclass(frozen=True)
class ExtractParallelism(ModulePass):
    name = "extract-parallelism"

    dlp_items: int = DLP_ITEMS

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pattern = RegroupGraph(self.dlp_items)
        PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(op)
