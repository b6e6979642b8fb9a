"""The capability report: requirement, evidence line, target level, gap, action; and prompt
tokens before and after compensation (o200k_base via `bpe-openai`, imported only here)."""

from __future__ import annotations

from functools import cache

from xdsl.dialects.builtin import ModuleOp

from skillir.dialects import cap, skill
from skillir.frontend.markdown import render_module


@cache
def _encoding():
    import bpe_openai

    return bpe_openai.get_encoding("o200k_base")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def report(module: ModuleOp, original: str) -> str:
    """A Markdown table of every requirement of every skill, then the token counts."""
    lines = []
    for root in cap.skills(module):
        target = cap.target_of(root)
        if target is not None:
            lines.append(
                f"skill {root.skill_name.data}: target {target.harness.data} "
                f"{target.model.data}, catalog {target.catalog.data}\n"
            )
        lines.append(_row(["requirement", "line", "rule", "target", "gap", "action"]))
        lines.append(_row(["---"] * 6))
        for req in [op for op in skill.walk_ops(root) if isinstance(op, cap.RequireOp)]:
            primitive = req.primitive.data
            siblings = list(req.parent_block().ops)  # type: ignore[union-attr]
            gap = next(
                (g for g in siblings if isinstance(g, cap.GapOp) and g.primitive.data == primitive),
                None,
            )
            actions = [
                f"{c.strategy.data}: {c.detail.data if c.detail else ''}".strip(": ")
                for c in siblings
                if isinstance(c, cap.CompensateOp)
                and c.primitive.data == primitive
                and c.strategy.data != "eliminate"
            ]
            gap_text = "-"
            if gap is not None:
                gap_text = f"{gap.kind.data} by {gap.size}"
                gap_text += " (uncertain: not compensated)" if gap.uncertain else ""
            lines.append(
                _row(
                    [
                        f"{primitive} L{req.level.data}",
                        str(req.span.data[0]) if req.span else "-",
                        req.rule.data,
                        f"L{target.level(primitive)}" if target else "unbound",
                        gap_text,
                        "; ".join(actions) or "none",
                    ]
                )
            )
        for record in skill.walk_ops(root):
            if isinstance(record, cap.CompensateOp) and record.strategy.data == "eliminate":
                detail = record.detail.data if record.detail else ""
                lines.append(
                    _row([record.primitive.data, "-", "-", "L3", "-", f"eliminate: {detail}"])
                )
    before, after = count_tokens(original), count_tokens(render_module(module))
    change = 100 * (after - before) / max(before, 1)
    lines.append("")
    lines.append(f"prompt tokens (o200k_base): {before} before, {after} after ({change:+.1f}%)")
    return "\n".join(lines) + "\n"
