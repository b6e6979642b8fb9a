"""`infer-capabilities`: the primitive capabilities each part of a skill needs.

Reads the `skill` IR and applies the data-driven rules of `skillir/data/requirement_rules.toml`
(`skillir.analysis.cap.requirements`); writes one `cap.require` per (op, primitive) — the highest
level any
rule asked for there, with that rule's id, reason and the op's span as evidence — at the head of
the region of the op that needs it. Existing `cap.require` ops are replaced, so running it twice
changes nothing. A skill with no requirement gets a note saying why.

Requirements come only from these deterministic rules. A refinement step (e.g. asking an LLM)
would be a separate pass that reads and rewrites `cap.require` ops, leaving this one unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from skillir.analysis.cap.requirements import Requirement, infer_requirements, no_requirement_reason
from skillir.diagnostics import Severity, active_sink
from skillir.dialects import cap, skill


def strongest(requirements: list[Requirement]) -> list[Requirement]:
    """One requirement per (anchor, primitive): the highest level, first rule on ties."""
    best: dict[tuple[int, str], Requirement] = {}
    for req in requirements:
        key = (id(req.anchor), req.primitive)
        if key not in best or req.level > best[key].level:
            best[key] = req
    return list(best.values())


def require_op(req: Requirement) -> cap.RequireOp:
    span = req.anchor.properties.get("span")
    return cap.RequireOp.build_op(
        span if isinstance(span, skill.SpanAttr) else None,
        primitive=req.primitive,
        level=req.level,
        rule=req.rule,
        reason=req.reason or None,
    )


def insert_after_cap_head(
    rewriter: PatternRewriter, anchor: Operation, ops: list[Operation]
) -> None:
    """Insert after the `cap.target`/`cap.baseline` head of a region, before anything else."""
    block = anchor.regions[0].block
    head = None
    for child in block.ops:
        if not isinstance(child, (cap.TargetOp, cap.BaselineOp)):
            break
        head = child
    point = InsertPoint.after(head) if head is not None else InsertPoint.at_start(block)
    rewriter.insert(ops, point)


class RequireCapabilities(RewritePattern):
    """A skill's `cap.require` ops, found again from its `skill` ops (earlier ones replaced)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        for old in [o for o in skill.walk_ops(op) if isinstance(o, cap.RequireOp)]:
            rewriter.erase(old)
        found = strongest(infer_requirements(op))
        by_anchor: dict[int, list[Requirement]] = {}
        for req in found:
            by_anchor.setdefault(id(req.anchor), []).append(req)
        for reqs in by_anchor.values():
            insert_after_cap_head(rewriter, reqs[0].anchor, [require_op(r) for r in reqs])
        if not found:
            reason = no_requirement_reason(op) or "no rule matched"
            active_sink().emit(Severity.NOTE, 1, 1, f"no capability requirements: {reason}")


@dataclass(frozen=True)
class InferCapabilities(ModulePass):
    name = "infer-capabilities"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(RequireCapabilities(), apply_recursively=False).rewrite_module(op)
