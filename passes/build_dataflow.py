"""`build-dataflow`: each procedure of a skill becomes a `par.graph` of `par.task` ops.

Tasks carry their kind, read and write sets and the `after(...)` dependencies that
`skillir.analysis.par.dataflow` finds (hazards on files, values and effects; ordering words; step
references;
references to an earlier result), each with its reason. Graphs go after the leading `cap`/`env`
ops of the `skill.skill` region; old graphs are replaced, so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from skillir.analysis.par.dataflow import Procedure, dependencies, procedures
from skillir.dialects import par, skill
from skillir.passes.validate_skill import skill_folder


def graph_op(proc: Procedure) -> par.GraphOp:
    """The `par.graph` of one procedure, tasks in document order."""
    edges = dependencies(proc.tasks)
    tokens: list[SSAValue] = []
    ops: list[Operation] = []
    for j, task in enumerate(proc.tasks):
        deps = [(tokens[i], why) for i, k, why in edges if k == j]
        op = par.TaskOp.build_task(
            task.label,
            task.kind,
            deps,
            sorted(task.reads),
            sorted(task.writes),
            task.over,
            task.items,
            task.span,
        )
        tokens.append(op.token)
        ops.append(op)
    graph = par.GraphOp.build_op(proc.span, title=proc.title)
    graph.body.block.add_ops(ops)
    return graph


def insert_after_head(
    rewriter: PatternRewriter, root: skill.SkillSkillOp, ops: list[Operation]
) -> None:
    """Insert after the leading non-`skill` ops (cap, env, par) of the skill's region."""
    block = root.body.block
    head = None
    for child in block.ops:
        if isinstance(child, skill.SkillOp):
            break
        head = child
    point = InsertPoint.after(head) if head is not None else InsertPoint.at_start(block)
    rewriter.insert(ops, point)


@dataclass(frozen=True)
class ProcedureGraphs(RewritePattern):
    """A skill's procedures become `par.graph` ops after its head (earlier graphs replaced)."""

    assume: str

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        for old in [o for o in op.body.block.ops if isinstance(o, par.GraphOp)]:
            rewriter.erase(old)
        graphs = [graph_op(p) for p in procedures(op, skill_folder(op), self.assume)]
        if graphs:
            insert_after_head(rewriter, op, graphs)


@dataclass(frozen=True)
class BuildDataflow(ModulePass):
    """`assume=conservative` (default): what a step does not name it may touch, so the order is
    kept; `assume=stated`: a step touches only what it names (an upper bound for statistics,
    never a plan to run)."""

    name = "build-dataflow"

    assume: Literal["conservative", "stated"] = "conservative"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pattern = ProcedureGraphs(self.assume)
        PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(op)
