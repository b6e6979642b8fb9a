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
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

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


@dataclass(frozen=True)
class AnalyzeGaps(ModulePass):
    name = "analyze-gaps"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for root in cap.skills(op):
            target = cap.target_of(root)
            if target is None:
                active_sink().error(
                    1, 1, "analyze-gaps needs a bound target: run bind-target first"
                )
                continue
            ops = skill.walk_ops(root)
            for old in [o for o in ops if type(o) is cap.GapOp]:
                Rewriter.erase_op(old)
            for req in [o for o in ops if type(o) is cap.RequireOp]:
                if (gap := gap_for(req, target)) is not None:
                    Rewriter.insert_op(gap, InsertPoint.after(req))
