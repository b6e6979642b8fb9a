"""`analyze-gaps`: compare each requirement with the bound target.

Reads `cap.require` ops and the skill's `cap.target`; writes a `cap.gap` right after each
requirement whose level is above the target's effective level (`missing` at L0, else `weak`;
`uncertain` when the profile recorded a higher level than its effective one, i.e. the
measurement had an inversion). Old gaps are replaced. Without a bound target it reports an error
and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from skillir.diagnostics import active_sink
from skillir.dialects import cap, skill


def gap_for(req: cap.RequireOp, target: cap.TargetOp) -> cap.GapOp | None:
    primitive, required = req.primitive.data, req.level.data
    available = target.level(primitive)
    if available >= required:
        return None
    return cap.GapOp.build_op(
        req.span,
        primitive=primitive,
        required=required,
        available=available,
        kind="missing" if available == 0 else "weak",
        uncertain=target.recorded_level(primitive) > available,
    )


def _target_above(op: Operation) -> cap.TargetOp | None:
    """The target bound to the skill that holds `op`."""
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, skill.SkillSkillOp):
        parent = parent.parent_op()
    return cap.target_of(parent) if parent is not None else None


class RequireTarget(RewritePattern):
    """A skill without a bound target: an error; its requirements are left as they are."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        if cap.target_of(op) is None:
            active_sink().error(1, 1, "analyze-gaps needs a bound target: run bind-target first")


class DropOldGap(RewritePattern):
    """A gap of an earlier run is erased (the walk meets only the gaps that were there)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: cap.GapOp, rewriter: PatternRewriter) -> None:
        if _target_above(op) is not None:
            rewriter.erase(op)


class GapAfterRequire(RewritePattern):
    """A requirement above the target's level gets its `cap.gap` right after it."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: cap.RequireOp, rewriter: PatternRewriter) -> None:
        target = _target_above(op)
        if target is not None and (gap := gap_for(op, target)) is not None:
            rewriter.insert(gap, InsertPoint.after(op))


@dataclass(frozen=True)
class AnalyzeGaps(ModulePass):
    name = "analyze-gaps"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns = [RequireTarget(), DropOldGap(), GapAfterRequire()]
        PatternRewriteWalker(
            GreedyRewritePatternApplier(patterns, dce_enabled=False), apply_recursively=False
        ).rewrite_module(op)
