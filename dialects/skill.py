"""The `skill` dialect: a SKILL.md document as written.

The first IR level. Block ops mirror the Markdown structure (sections from headings, prose,
ordered steps, bullets, code, tables, quotes, HTML, rules); inline annotations
(`skill.constraint`, `skill.resource_ref`) sit in the region of the block whose text they come
from and print nothing back. Every op carries its source span, so a diagnostic after any pass
still points at `SKILL.md:LINE:COL`.

Text properties hold the content relative to the enclosing container's indentation. A `raw`
property appears only where the canonical Markdown rendering of an op would differ from the
source (a setext heading, `*` bullets, odd indentation ...), and `blank` counts the blank lines
after an op's own text: printing the unmodified IR back gives the document byte for byte.

    skill.skill "pdf-report" frontmatter "---\\nname: pdf-report\\n---\\n" blank 1 at 1:1 to 9:1 {
      skill.section 1 "PDF report" blank 1 at 5:1 to 5:13 {
        skill.step 1 "Run `scripts/extract.py`." at 7:1 to 7:29 {
          skill.resource_ref "scripts/extract.py" "scripts" at 7:10 to 7:28
        }
      }
    }
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from typing import ClassVar, Self

from xdsl.dialects.builtin import IntAttr, UnitAttr
from xdsl.ir import Attribute, Block, Data, Dialect, Operation, Region
from xdsl.irdl import (
    BaseAttr,
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    region_def,
    traits_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException

from skillir.dialects.xdsl_private import new_field_op, verify_only
from skillir.dialects.xdsl_private import walk_ops as walk_ops  # the walk every pass uses

MODALITIES = ("must", "must-not", "never", "always", "should", "should-not")
RESOURCE_KINDS = ("scripts", "references", "assets", "file")


def quote_text(text: str) -> str:
    """A string literal that keeps UTF-8 raw; escapes only quotes, backslashes and controls."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):02X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


@irdl_attr_definition
class TextAttr(Data[str]):
    """Text that prints as raw UTF-8 in both the custom and the generic format.

    xDSL's `StringAttr` prints non-ASCII as hex escapes and parses those back as bytes, so it
    cannot carry a non-English skill through print → parse; this attribute can.
    """

    name = "skill.text"
    __post_init__ = verify_only

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> str:
        with parser.in_angle_brackets():
            return parse_text(parser)

    def print_parameter(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string(quote_text(self.data))


@irdl_attr_definition
class SpanAttr(Data[tuple[int, int, int, int]]):
    """Source span: first line and column, last line and column (1-based, inclusive end)."""

    name = "skill.span"
    __post_init__ = verify_only

    @property
    def line(self) -> int:
        return self.data[0]

    @property
    def col(self) -> int:
        return self.data[1]

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[int, int, int, int]:
        with parser.in_angle_brackets():
            return parse_span(parser)

    def print_parameter(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string(span_text(self))


def span_text(span: SpanAttr) -> str:
    """A span as the custom syntax writes it: `L:C to L:C`."""
    line, col, end_line, end_col = span.data
    return f"{line}:{col} to {end_line}:{end_col}"


def parse_span(parser: AttrParser) -> tuple[int, int, int, int]:
    """The four numbers of a span written `L:C to L:C`."""
    line = parser.parse_integer(allow_negative=False)
    parser.parse_punctuation(":")
    col = parser.parse_integer(allow_negative=False)
    parser.parse_keyword("to")
    end_line = parser.parse_integer(allow_negative=False)
    parser.parse_punctuation(":")
    end_col = parser.parse_integer(allow_negative=False)
    return (line, col, end_line, end_col)


_KINDS: dict[type[Attribute], str] = {TextAttr: "str", IntAttr: "int", UnitAttr: "unit"}


class _Schema:
    """`FieldOp.FIELDS`, read from the op's IRDL definition the first time a class asks."""

    def __get__(self, op: FieldOp | None, cls: type[FieldOp]) -> dict[str, str]:
        fields: dict[str, str] = {}
        for key, prop in cls.get_irdl_definition().properties.items():
            if key == "span":
                continue
            base = prop.constr.attr if isinstance(prop.constr, BaseAttr) else None
            kind = _KINDS.get(base, "attr")  # type: ignore[arg-type]
            fields[key] = "blank" if key == "blank" and kind == "str" else kind
        cls.FIELDS = fields  # the class's own copy from now on
        return fields


class FieldOp(IRDLOperation):
    """Base of the ops of skillir's dialects: one region, a span and a compact custom syntax.

    Syntax: `<dialect>.<op> POSITIONAL... (KEYWORD VALUE)... (at L:C to L:C)?` then
    `(attributes {...})? region?`.
    The op's properties are its schema: `FIELDS` lists them (but the span) in definition order
    with the kind their syntax takes, derived from the property's attribute type (`TextAttr` is
    `str`, `IntAttr` `int`, `UnitAttr` `unit`, any other attribute `attr`, printed in xDSL's
    syntax); the `blank` property is `blank`, a count of newlines. The first `POSITIONAL` are
    printed bare, the rest as keyword pairs when present. Each op's `build_op` takes the
    properties as typed keyword parameters of the same names.
    """

    FIELDS: ClassVar[dict[str, str]] = _Schema()  # type: ignore[assignment]
    POSITIONAL: ClassVar[int] = 0

    traits = traits_def(NoTerminator())
    span = opt_prop_def(SpanAttr)
    body = region_def("single_block")

    @classmethod
    def from_properties(
        cls,
        span: SpanAttr | None,
        children: Iterable[Operation],
        properties: dict[str, Attribute | None],
    ) -> Self:
        """The op with `span`, the `properties` that are not None (in this order, after the
        span) and `children` in its region."""
        props: dict[str, Attribute] = {} if span is None else {"span": span}
        for key, value in properties.items():
            if value is not None:
                props[key] = value
        op = new_field_op(cls, props)
        block = op.regions[0].first_block
        for child in children:
            block.add_op(child)  # type: ignore[union-attr]
        return op

    def field(self, key: str) -> str | int | bool | None:
        """The Python value of a property, None when absent."""
        attr = self.properties.get(key)
        if attr is None:
            return None
        if type(attr) in _PLAIN_DATA:  # the common case, without the slower ABC check below
            return attr.data  # type: ignore[attr-defined]
        if isinstance(attr, UnitAttr):
            return True
        return attr.data  # type: ignore[attr-defined]

    @property
    def children(self) -> Iterator[Operation]:
        return iter(self.body.block.ops)

    def print(self, printer: Printer) -> None:
        for index, (key, kind) in enumerate(self.FIELDS.items()):
            attr = self.properties.get(key)
            if index >= self.POSITIONAL:
                if attr is None:
                    continue
                printer.print_string(f" {key}")
                if kind == "unit":
                    continue
            printer.print_string(" ")
            if kind == "attr":
                printer.print_attribute(attr)  # type: ignore[arg-type]
            else:
                printer.print_string(_format_value(kind, attr))
        if self.span is not None:
            printer.print_string(" at " + span_text(self.span))
        printer.print_op_attributes(self.attributes, print_keyword=True)
        if self.body.block.ops:
            printer.print_string(" ")
            printer.print_region(self.body, print_entry_block_args=False)

    @classmethod
    def parse(cls, parser: Parser) -> FieldOp:
        props: dict[str, Attribute] = {}
        items = list(cls.FIELDS.items())
        for key, kind in items[: cls.POSITIONAL]:
            props[key] = _parse_value(parser, kind)
        keywords = {key: kind for key, kind in items[cls.POSITIONAL :]}
        while (key := parser.parse_optional_keyword_in(keywords)) is not None:
            props[key] = (
                UnitAttr() if keywords[key] == "unit" else _parse_value(parser, keywords[key])
            )
        if parser.parse_optional_keyword("at") is not None:
            props["span"] = SpanAttr(parse_span(parser))
        attributes = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_optional_region()
        if region is None or not region.blocks:
            region = Region(Block())
        op = cls.create(properties=props, regions=[region])
        if attributes is not None:
            op.attributes.update(attributes.data)
        return op


def text_attr(value: str | None) -> TextAttr | None:
    """A builder's text parameter as a property (None: absent)."""
    return None if value is None else TextAttr(value)


def int_attr(value: int | None) -> IntAttr | None:
    """A builder's integer parameter as a property (None: absent)."""
    return None if value is None else IntAttr(value)


def unit_attr(value: bool) -> UnitAttr | None:
    """A builder's flag as a property: present when set."""
    return UnitAttr() if value else None


class SkillOp(FieldOp):
    """Base of every `skill` op."""


def _format_value(kind: str, attr: Attribute | None) -> str:
    assert attr is not None
    if kind == "int":
        return str(attr.data)  # type: ignore[attr-defined]
    text = attr.data  # type: ignore[attr-defined]
    if kind == "blank" and text == "\n" * len(text):
        return str(len(text))
    return quote_text(text)


def _parse_value(parser: Parser, kind: str) -> Attribute:
    if kind == "attr":
        return parser.parse_attribute()
    if kind == "int":  # `indent` may be negative: children left of the first child
        return IntAttr(parser.parse_integer(allow_negative=True))
    if (
        kind == "blank"
        and (count := parser.parse_optional_integer(allow_negative=False)) is not None
    ):
        return TextAttr("\n" * count)
    return TextAttr(parse_text(parser))


def parse_text(parser: AttrParser) -> str:
    """A string literal as text: xDSL lexes escaped non-ASCII literals as bytes; decode them."""
    text = parser.parse_optional_str_literal()
    if text is not None:
        return text
    data = parser.parse_optional_bytes_literal()
    if data is None:
        parser.raise_error("string literal expected")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        parser.raise_error("string literal is not valid UTF-8")


_PLAIN_DATA = frozenset((TextAttr, IntAttr))


@irdl_op_definition
class SkillSkillOp(SkillOp):
    """The document: the name from the frontmatter, the raw frontmatter block and the body."""

    name = "skill.skill"
    POSITIONAL: ClassVar[int] = 1
    skill_name = prop_def(TextAttr, prop_name="name")
    frontmatter = opt_prop_def(TextAttr)
    path = opt_prop_def(TextAttr)
    eol = opt_prop_def(TextAttr)
    bom = opt_prop_def(UnitAttr)
    blank = opt_prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        name: str,
        frontmatter: str | None = None,
        path: str | None = None,
        eol: str | None = None,
        bom: bool = False,
        blank: str | None = None,
    ) -> SkillSkillOp:
        return cls.from_properties(
            span,
            children,
            {
                "name": TextAttr(name),
                "frontmatter": text_attr(frontmatter),
                "path": text_attr(path),
                "eol": text_attr(eol),
                "bom": unit_attr(bom),
                "blank": text_attr(blank),
            },
        )

    def verify_(self) -> None:
        parent = self.parent_op()
        if parent is not None and parent.name != "builtin.module":
            raise VerifyException("skill.skill must be at the top level of a module")
        if self.eol is not None and self.eol.data != "crlf":
            raise VerifyException(f"unknown line ending '{self.eol.data}' (expected 'crlf')")


@irdl_op_definition
class SectionOp(SkillOp):
    """A heading and everything up to the next heading of the same or a higher level."""

    name = "skill.section"
    POSITIONAL: ClassVar[int] = 2
    level = prop_def(IntAttr)
    title = prop_def(TextAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        level: int,
        title: str,
        raw: str | None = None,
        blank: str | None = None,
    ) -> SectionOp:
        return cls.from_properties(
            span,
            children,
            {
                "level": IntAttr(level),
                "title": TextAttr(title),
                "raw": text_attr(raw),
                "blank": text_attr(blank),
            },
        )

    def verify_(self) -> None:
        if not 1 <= self.level.data <= 6:
            raise VerifyException(f"heading level {self.level.data} is outside 1..6")
        parent = self.parent_op()
        if isinstance(parent, SectionOp) and parent.level.data >= self.level.data:
            raise VerifyException(
                f"level-{self.level.data} section nested in a level-{parent.level.data} section"
            )


class _TextBlockOp(SkillOp):
    POSITIONAL: ClassVar[int] = 1
    text = prop_def(TextAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        text: str,
        raw: str | None = None,
        blank: str | None = None,
    ) -> Self:
        return cls.from_properties(
            span,
            children,
            {"text": TextAttr(text), "raw": text_attr(raw), "blank": text_attr(blank)},
        )


@irdl_op_definition
class ProseOp(_TextBlockOp):
    """A paragraph."""

    name = "skill.prose"


@irdl_op_definition
class TableOp(_TextBlockOp):
    """A pipe table, its lines as written."""

    name = "skill.table"


@irdl_op_definition
class QuoteOp(_TextBlockOp):
    """A block quote; `text` is the content without the `>` markers."""

    name = "skill.quote"


@irdl_op_definition
class HtmlOp(_TextBlockOp):
    """An HTML block (comments included)."""

    name = "skill.html"


@irdl_op_definition
class RuleOp(SkillOp):
    """A thematic break (`---`, `***`, `___`)."""

    name = "skill.rule"
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        raw: str | None = None,
        blank: str | None = None,
    ) -> RuleOp:
        return cls.from_properties(
            span, children, {"raw": text_attr(raw), "blank": text_attr(blank)}
        )


@irdl_op_definition
class StepOp(SkillOp):
    """An ordered-list item: its number, its lead paragraph, and nested blocks in its region.

    Sibling steps with the same delimiter form one list and are numbered consecutively (the
    frontend numbers `1. 1. 1.` as 1, 2, 3 and keeps the written markers in `raw`).
    `delim` is `)` when written `1)`; `indent` is the column offset of nested blocks when it
    differs from the marker width.
    """

    name = "skill.step"
    POSITIONAL: ClassVar[int] = 2
    number = prop_def(IntAttr)
    text = prop_def(TextAttr)
    delim = opt_prop_def(TextAttr)
    indent = opt_prop_def(IntAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        number: int,
        text: str,
        delim: str | None = None,
        indent: int | None = None,
        raw: str | None = None,
        blank: str | None = None,
    ) -> StepOp:
        return cls.from_properties(
            span,
            children,
            {
                "number": IntAttr(number),
                "text": TextAttr(text),
                "delim": text_attr(delim),
                "indent": int_attr(indent),
                "raw": text_attr(raw),
                "blank": text_attr(blank),
            },
        )

    def verify_(self) -> None:
        if self.number.data < 0:
            raise VerifyException(f"step number {self.number.data} is negative")
        previous = self.prev_op
        while previous is not None and not isinstance(previous, BLOCK_OPS):
            previous = previous.prev_op
        if isinstance(previous, StepOp) and previous.field("delim") == self.field("delim"):
            before, now = previous.number.data, self.number.data
            if now != before + 1:
                raise VerifyException(f"step {now} follows step {before} in the same list")


@irdl_op_definition
class BulletOp(SkillOp):
    """An unordered-list item; `marker` is `*` or `+` when not `-`."""

    name = "skill.bullet"
    POSITIONAL: ClassVar[int] = 1
    text = prop_def(TextAttr)
    marker = opt_prop_def(TextAttr)
    indent = opt_prop_def(IntAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        text: str,
        marker: str | None = None,
        indent: int | None = None,
        raw: str | None = None,
        blank: str | None = None,
    ) -> BulletOp:
        return cls.from_properties(
            span,
            children,
            {
                "text": TextAttr(text),
                "marker": text_attr(marker),
                "indent": int_attr(indent),
                "raw": text_attr(raw),
                "blank": text_attr(blank),
            },
        )


@irdl_op_definition
class CodeOp(SkillOp):
    """A code block: language, body; `info` is the full info string when it says more than
    the language, `fence` the fence when not three backticks (empty for indented code)."""

    name = "skill.code"
    POSITIONAL: ClassVar[int] = 2
    lang = prop_def(TextAttr)
    text = prop_def(TextAttr)
    info = opt_prop_def(TextAttr)
    fence = opt_prop_def(TextAttr)
    unclosed = opt_prop_def(UnitAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        lang: str,
        text: str,
        info: str | None = None,
        fence: str | None = None,
        unclosed: bool = False,
        raw: str | None = None,
        blank: str | None = None,
    ) -> CodeOp:
        return cls.from_properties(
            span,
            children,
            {
                "lang": TextAttr(lang),
                "text": TextAttr(text),
                "info": text_attr(info),
                "fence": text_attr(fence),
                "unclosed": unit_attr(unclosed),
                "raw": text_attr(raw),
                "blank": text_attr(blank),
            },
        )


@irdl_op_definition
class ConstraintOp(SkillOp):
    """A MUST / MUST NOT / NEVER / ALWAYS / SHOULD sentence found in its parent's text."""

    name = "skill.constraint"
    POSITIONAL: ClassVar[int] = 2
    modality = prop_def(TextAttr)
    text = prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        modality: str,
        text: str,
    ) -> ConstraintOp:
        return cls.from_properties(
            span, children, {"modality": TextAttr(modality), "text": TextAttr(text)}
        )

    def verify_(self) -> None:
        _require_member("modality", self.modality.data, MODALITIES)


@irdl_op_definition
class ResourceRefOp(SkillOp):
    """A reference to a file bundled with the skill (`scripts/x.py`, `references/y.md`, ...);
    `link` when it is the target of a Markdown link rather than a path named in text or code."""

    name = "skill.resource_ref"
    POSITIONAL: ClassVar[int] = 2
    path = prop_def(TextAttr)
    kind = prop_def(TextAttr)
    link = opt_prop_def(UnitAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        path: str,
        kind: str,
        link: bool = False,
    ) -> ResourceRefOp:
        return cls.from_properties(
            span,
            children,
            {"path": TextAttr(path), "kind": TextAttr(kind), "link": unit_attr(link)},
        )

    def verify_(self) -> None:
        path = self.path.data
        _require_member("resource kind", self.kind.data, RESOURCE_KINDS)
        if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
            raise VerifyException(f"resource path '{path}' must be relative to the skill folder")
        if posixpath.normpath(path).split("/")[0] == "..":
            raise VerifyException(f"resource path '{path}' points outside the skill folder")


def _require_member(what: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise VerifyException(f"unknown {what} '{value}' (expected one of {', '.join(allowed)})")


ANNOTATION_OPS = (ConstraintOp, ResourceRefOp)
BLOCK_OPS = (SectionOp, ProseOp, StepOp, BulletOp, CodeOp, TableOp, QuoteOp, HtmlOp, RuleOp)

Skill = Dialect(
    "skill",
    [SkillSkillOp, *BLOCK_OPS, *ANNOTATION_OPS],
    [TextAttr, SpanAttr],
)
