"""`verify-target`: check the level contract after the lowering to the target level.

Reads each `skill.skill` after `lower-cap-to-target`, `lower-env-to-target` and
`lower-par-to-target`; reports an error at each op the emitter would ignore
(`skillir.dialects.target.unlowered`): a skill with no `target.harness`, an `env.dep` or
`par.graph` with no `target.file` that emits it, a `target`, `env.dep` or `par.graph` op below
the head of the skill region, an op of a dialect the emitter does not read. The `cap` ops and the
`skill` annotations are records the emitter ignores by design and pass. The IR is never
changed; `skill-translate` runs the same check before it writes a folder.
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

from skillir.diagnostics import active_sink
from skillir.dialects import skill, target


def _position(op: Operation | None) -> tuple[int, int]:
    """Where an op came from in SKILL.md: its span, else its nearest ancestor's, else 1:1."""
    while op is not None:
        span = op.properties.get("span")
        if isinstance(span, skill.SpanAttr):
            return span.line, span.col
        op = op.parent_op()
    return 1, 1


class CheckLowered(RewritePattern):
    """A skill's ops the emitter would ignore: an error at each."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        for found, why in target.unlowered(op):
            line, col = _position(found)
            active_sink().error(line, col, f"verify-target: {why}")


@dataclass(frozen=True)
class VerifyTarget(ModulePass):
    name = "verify-target"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(CheckLowered(), apply_recursively=False).rewrite_module(op)
