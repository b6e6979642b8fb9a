"""Markdown rendering of `skill` IR: the inverse of the frontend.

Each op has a *canonical* rendering of its own text at a given indentation. The frontend keeps
an op's source text as `raw` only where it differs from that rendering, so rendering the
unmodified IR gives the document back byte for byte, and ops that passes create (no `raw`)
come out in the canonical form at the indentation of the container they are placed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.utils.target import Target

from skillir.dialects import skill

BOM = "\ufeff"


def item_width(op: skill.StepOp | skill.BulletOp) -> int:
    """Columns from the list marker to the item's text in the canonical form (`1. `, `- `)."""
    if isinstance(op, skill.StepOp):
        return len(f"{op.number.data}{op.field('delim') or '.'} ")
    return len(f"{op.field('marker') or '-'} ")


def child_indent(op: Operation, indent: int) -> int:
    """Indentation (in columns) of the blocks nested in `op`, itself at `indent`."""
    if isinstance(op, (skill.StepOp, skill.BulletOp)):
        offset = op.field("indent")
        return indent + (item_width(op) if offset is None else int(offset))
    return indent


def _lines(text: str, first: str, rest: str) -> str:
    """Prefix the first line with `first`, the others with `rest` (nothing on empty lines)."""
    out = []
    for index, line in enumerate(text.split("\n")):
        prefix = first if index == 0 else rest
        out.append((prefix + line if line or index == 0 else "") + "\n")
    return "".join(out)


def _body_lines(text: str, prefix: str) -> str:
    """Lines of a code body (each already ending in a newline), indented unless empty."""
    return "".join(prefix + line if line.strip("\n") else line for line in text.splitlines(True))


_KINDS: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("skill", skill.SkillSkillOp),
    ("section", skill.SectionOp),
    ("item", (skill.StepOp, skill.BulletOp)),
    ("code", skill.CodeOp),
    ("quote", skill.QuoteOp),
    ("rule", skill.RuleOp),
    ("text", (skill.ProseOp, skill.TableOp, skill.HtmlOp)),
)


@cache
def _kind(cls: type) -> str | None:
    """How ops of class `cls` render: a `_KINDS` name, "" for no text of their own, None for
    ops that print nothing (annotations, other dialects)."""
    if issubclass(cls, skill.ANNOTATION_OPS) or not issubclass(cls, skill.SkillOp):
        return None
    return next((kind for kind, classes in _KINDS if issubclass(cls, classes)), "")


def canonical_text(op: Operation, indent: int) -> str:
    """The op's own text (children and trailing blank lines excluded) in canonical form."""
    return _canonical(op, _kind(type(op)), indent)


def _canonical(op: Operation, kind: str | None, indent: int) -> str:
    pad = " " * indent
    if kind == "skill":
        return (BOM if op.bom is not None else "") + (op.field("frontmatter") or "")
    if kind == "section":
        return f"{pad}{'#' * op.level.data} {op.title.data}\n"
    if kind == "item":
        head = (
            f"{op.number.data}{op.field('delim') or '.'} "
            if isinstance(op, skill.StepOp)
            else f"{op.field('marker') or '-'} "
        )
        text = _lines(op.text.data, pad + head, pad + " " * item_width(op))
        return text if op.text.data else text.rstrip(" \n") + "\n"
    if kind == "code":
        fence = op.field("fence")
        if fence == "":
            return _body_lines(op.text.data, pad + "    ")
        fence = fence or "```"
        info = op.field("info") or op.lang.data
        close = "" if op.unclosed is not None else f"{pad}{fence}\n"
        return f"{pad}{fence}{info}\n{_body_lines(op.text.data, pad)}{close}"
    if kind == "quote":
        return "".join(
            f"{pad}> {line}\n" if line else f"{pad}>\n" for line in op.text.data.split("\n")
        )
    if kind == "rule":
        return f"{pad}---\n"
    if kind == "text":
        return _lines(op.text.data, pad, pad)
    return ""


def render_op(op: Operation, indent: int = 0) -> str:
    """The op with its children, as Markdown."""
    out: list[str] = []
    _render(op, indent, out)
    return "".join(out)


def _render(op: Operation, indent: int, out: list[str]) -> None:
    kind = _kind(type(op))
    if kind is None:
        return
    fields, props = op.FIELDS, op.properties
    raw = getattr(props.get("raw"), "data", None) if "raw" in fields else None
    out.append(raw if isinstance(raw, str) else _canonical(op, kind, indent))
    blank = getattr(props.get("blank"), "data", None) if "blank" in fields else None
    if blank:
        out.append(blank)
    inner = child_indent(op, indent) if kind == "item" else indent
    child = op.regions[0].block.first_op
    while child is not None:
        _render(child, inner, out)
        child = child.next_op


def render_skill(op: skill.SkillSkillOp) -> str:
    text = render_op(op)
    return text.replace("\n", "\r\n") if op.field("eol") == "crlf" else text


def render_module(module: ModuleOp) -> str:
    """Every `skill.skill` in the module, as the Markdown it denotes."""
    return "".join(render_skill(op) for op in module.ops if isinstance(op, skill.SkillSkillOp))


@dataclass(frozen=True)
class MarkdownTarget(Target):
    """`-t markdown`: the skill document printed back from IR."""

    name = "markdown"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        output.write(render_module(module))
