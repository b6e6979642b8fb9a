"""Markdown rendering of `skill` IR: the inverse of the frontend.

Each op has a *canonical* rendering of its own text at a given indentation. The frontend keeps
an op's source text as `raw` only where it differs from that rendering, so rendering the
unmodified IR gives the document back byte for byte, and ops that passes create (no `raw`)
come out in the canonical form at the indentation of the container they are placed in.
"""

from __future__ import annotations

from collections.abc import Callable
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
    return len(_marker(op))


def _marker(op: skill.StepOp | skill.BulletOp) -> str:
    """An item's list marker in canonical form, with the space after it."""
    return _step_marker(op) if isinstance(op, skill.StepOp) else _bullet_marker(op)


def _step_marker(op: skill.StepOp) -> str:
    return f"{op.properties['number'].data}{op.field('delim') or '.'} "


def _bullet_marker(op: skill.BulletOp) -> str:
    return f"{op.field('marker') or '-'} "


def child_indent(op: Operation, indent: int) -> int:
    """Indentation (in columns) of the blocks nested in `op`, itself at `indent`."""
    if isinstance(op, (skill.StepOp, skill.BulletOp)):
        offset = op.field("indent")
        return indent + (item_width(op) if offset is None else int(offset))
    return indent


def _lines(text: str, first: str, rest: str) -> str:
    """Prefix the first line with `first`, the others with `rest` (nothing on empty lines)."""
    if not rest or "\n" not in text:
        return f"{first}{text}\n"
    head, *tail = text.split("\n")
    return f"{first}{head}\n" + "".join(f"{rest}{line}\n" if line else "\n" for line in tail)


def _body_lines(text: str, prefix: str) -> str:
    """Lines of a code body (each already ending in a newline), indented unless empty."""
    if not prefix:
        return text
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
    text = _CANONICAL.get(kind or "")
    return text(op, " " * indent) if text is not None else ""


def _skill_text(op: skill.SkillSkillOp, pad: str) -> str:
    return (BOM if op.bom is not None else "") + (op.field("frontmatter") or "")


def _section_text(op: skill.SectionOp, pad: str) -> str:
    return f"{pad}{'#' * op.level.data} {op.title.data}\n"


def _item_text(op: skill.StepOp | skill.BulletOp, pad: str, head: str | None = None) -> str:
    """The canonical text of a list item at indentation `pad`; `head` is its `_marker`."""
    head = _marker(op) if head is None else head
    text = op.properties["text"].data
    lines = _lines(text, pad + head, pad + " " * len(head))
    return lines if text else lines.rstrip(" \n") + "\n"


def _code_text(op: skill.CodeOp, pad: str) -> str:
    fence = op.field("fence")
    if fence == "":
        return _body_lines(op.text.data, pad + "    ")
    fence = fence or "```"
    info = op.field("info") or op.lang.data
    close = "" if op.unclosed is not None else f"{pad}{fence}\n"
    return f"{pad}{fence}{info}\n{_body_lines(op.text.data, pad)}{close}"


def _quote_text(op: skill.QuoteOp, pad: str) -> str:
    return "".join(f"{pad}> {line}\n" if line else f"{pad}>\n" for line in op.text.data.split("\n"))


def _rule_text(op: skill.RuleOp, pad: str) -> str:
    return f"{pad}---\n"


def _plain_text(op: skill.ProseOp | skill.TableOp | skill.HtmlOp, pad: str) -> str:
    return _lines(op.text.data, pad, pad)


_CANONICAL = {
    "skill": _skill_text,
    "section": _section_text,
    "item": _item_text,
    "code": _code_text,
    "quote": _quote_text,
    "rule": _rule_text,
    "text": _plain_text,
}


_Style = tuple[str, bool, bool, Callable[[Operation], str] | None]


@cache
def _style(cls: type) -> _Style | None:
    """`_kind` of class `cls`, whether its ops have `raw` and `blank` fields, and for list
    items the `_marker` function that fits them."""
    kind = _kind(cls)
    if kind is None:
        return None
    marker = None
    if kind == "item":
        marker = _step_marker if issubclass(cls, skill.StepOp) else _bullet_marker
    return kind, "raw" in cls.FIELDS, "blank" in cls.FIELDS, marker


def render_op(op: Operation, indent: int = 0) -> str:
    """The op with its children, as Markdown (walked with a stack, not recursion: the input
    chooses the nesting depth)."""
    out: list[str] = []
    style = _style(type(op))
    if style is None:
        return ""
    # where to go on after the ops being rendered: the next sibling of each open container
    # and that container's indentation
    stack: list[tuple[Operation | None, int]] = []
    child, inner = op.regions[0].block.first_op, _render(op, style, indent, out)
    while True:
        while child is not None:
            child_style = _style(type(child))
            if child_style is not None:
                nested = _render(child, child_style, inner, out)
                first = child.regions[0].block.first_op
                if first is not None:
                    stack.append((child.next_op, inner))
                    child, inner = first, nested
                    continue
            child = child.next_op
        if not stack:
            break
        child, inner = stack.pop()
    return "".join(out)


def _render(op: Operation, style: _Style, indent: int, out: list[str]) -> int:
    """Append the op's own text and blank lines to `out`; the indentation of its children."""
    kind, has_raw, has_blank, marker = style
    props = op.properties
    raw = getattr(props.get("raw"), "data", None) if has_raw else None
    inner = indent
    if marker is not None:  # a list item: its text and `child_indent` in one, one marker
        head = marker(op)
        out.append(raw if isinstance(raw, str) else _item_text(op, " " * indent, head))
        offset = op.field("indent")
        inner += len(head) if offset is None else int(offset)
    else:
        out.append(raw if isinstance(raw, str) else _canonical(op, kind, indent))
    if has_blank and (blank := getattr(props.get("blank"), "data", None)):
        out.append(blank)
    return inner


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
