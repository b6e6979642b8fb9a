"""`guard-compensation`: fail when compensation broke what it must keep.

Reads each skill's `cap.baseline` (recorded by the first compensation rewrite) and the current
IR; reports an error (and so fails the pipeline) when the frontmatter or the headings changed,
an original code block is gone (unless a `cap.compensate "substitute"` owns that change by
naming `code:<digest>` of the block in its detail), the
rendered skill grew by more than the baseline's budget (percent of the original size), or a
bundled-file reference now points outside the skill folder. A skill without a baseline was not
rewritten and passes. The IR is never changed.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from skillir.diagnostics import active_sink
from skillir.dialects import cap, skill
from skillir.frontend.markdown import render_skill
from skillir.passes.compensate import digest


def violations(root: skill.SkillSkillOp) -> list[str]:
    baseline = next((op for op in root.body.block.ops if type(op) is cap.BaselineOp), None)
    if baseline is None:
        return []
    found: list[str] = []
    if digest(root.field("frontmatter") or "") != baseline.frontmatter.data:
        found.append("the frontmatter changed")
    ops = skill.walk_ops(root)
    headings = [op.title.data for op in ops if type(op) is skill.SectionOp]
    if digest("\n".join(headings)) != baseline.headings.data:
        found.append("the headings changed")
    owned = {
        word.removeprefix("code:")
        for op in ops
        if type(op) is cap.CompensateOp and op.strategy.data == "substitute" and op.detail
        for word in op.detail.data.split()
        if word.startswith("code:")
    }
    now = {digest(op.text.data) for op in ops if type(op) is skill.CodeOp}
    lost = [d for d in baseline.code.data.split() if d not in now and d not in owned]
    if lost:
        found.append(f"{len(lost)} original code block(s) are gone")
    size, budget = len(render_skill(root)), baseline.budget.data
    if size > baseline.chars.data * (100 + budget) / 100:
        growth = 100 * (size - baseline.chars.data) / max(baseline.chars.data, 1)
        found.append(f"the skill grew by {growth:.0f}%, over the {budget}% budget")
    for ref in ops:
        if type(ref) is skill.ResourceRefOp:
            path = posixpath.normpath(ref.path.data)
            if path.startswith("/") or path.split("/")[0] == "..":
                found.append(f"'{ref.path.data}' is outside the skill folder")
    return found


class CheckCompensation(RewritePattern):
    """One error per violation of a rewritten skill; the IR is left as it is."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        for problem in violations(op):
            active_sink().error(1, 1, f"compensation guard: {problem}")


@dataclass(frozen=True)
class GuardCompensation(ModulePass):
    name = "guard-compensation"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(CheckCompensation(), apply_recursively=False).rewrite_module(op)
