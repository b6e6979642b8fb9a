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
from collections.abc import Iterator, Mapping
from functools import cache
from typing import ClassVar

from xdsl.dialects.builtin import UNKNOWN_LOC, IntAttr, UnitAttr
from xdsl.ir import Attribute, Block, Data, Dialect, Operation, Region, SSAValues
from xdsl.irdl import (
    AttributeDef,
    IRDLOperation,
    OptionalDef,
    PropertyDef,
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


def walk_ops(node: Operation | Region) -> list[Operation]:
    """What `node.walk()` yields (an op itself, then every op nested in it, in order), as a
    list; it follows xDSL's linked lists of blocks and ops directly, a few times faster, and
    with a stack instead of recursion, so any nesting depth walks."""
    out: list[Operation] = []
    pending: list[Operation] = []  # where to go on: the first op still to walk of each level
    if isinstance(node, Region):
        _push_blocks((node,), pending)
    else:
        out.append(node)
        _push_blocks(node.regions, pending)
    while pending:
        child: Operation | None = pending.pop()
        while child is not None:
            out.append(child)
            for region in child.regions:
                first = region._first_block
                if first is not None and (
                    first._first_op is not None or first._next_block is not None
                ):
                    break
            else:  # nothing nested: on to the next sibling
                child = child._next_op
                continue
            if child._next_op is not None:
                pending.append(child._next_op)
            if len(child.regions) == 1 and first._next_block is None:
                child = first._first_op  # the common case, one block: walk it now
            else:
                _push_blocks(child.regions, pending)
                break
    return out


def _push_blocks(regions: tuple[Region, ...], pending: list[Operation]) -> None:
    """Push the first op of every block of `regions`, the first block's last (popped first)."""
    firsts = []
    for region in regions:
        block = region._first_block
        while block is not None:
            if block._first_op is not None:
                firsts.append(block._first_op)
            block = block._next_block
    pending.extend(reversed(firsts))


def _verify_only(self: Attribute) -> None:
    """`Attribute.__post_init__` less its check that the class is a `Data` or a
    `ParametrizedAttribute` (a subclass of `Data` always is): making the attribute takes
    half the time, and the frontend makes a few per block."""
    self.verify()


@irdl_attr_definition
class TextAttr(Data[str]):
    """Text that prints as raw UTF-8 in both the custom and the generic format.

    xDSL's `StringAttr` prints non-ASCII as hex escapes and parses those back as bytes, so it
    cannot carry a non-English skill through print → parse; this attribute can.
    """

    name = "skill.text"
    __post_init__ = _verify_only

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
    __post_init__ = _verify_only

    @property
    def line(self) -> int:
        return self.data[0]

    @property
    def col(self) -> int:
        return self.data[1]

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[int, int, int, int]:
        with parser.in_angle_brackets():
            return _parse_span_body(parser)

    def print_parameter(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string(_span_body(self))


def _span_body(span: SpanAttr) -> str:
    line, col, end_line, end_col = span.data
    return f"{line}:{col} to {end_line}:{end_col}"


def _parse_span_body(parser: AttrParser) -> tuple[int, int, int, int]:
    line = parser.parse_integer(allow_negative=False)
    parser.parse_punctuation(":")
    col = parser.parse_integer(allow_negative=False)
    parser.parse_keyword("to")
    end_line = parser.parse_integer(allow_negative=False)
    parser.parse_punctuation(":")
    end_col = parser.parse_integer(allow_negative=False)
    return (line, col, end_line, end_col)


class FieldOp(IRDLOperation):
    """Base of the ops of skillir's dialects: one region, a span and a compact custom syntax.

    Syntax: `<dialect>.<op> POSITIONAL... (KEYWORD VALUE)... (at L:C to L:C)?` then
    `(attributes {...})? region?`.
    `FIELDS` maps each property to its kind (`str`, `int`, `unit`, `blank`, or `attr` for any
    attribute in xDSL's syntax); the first `POSITIONAL` are printed bare, the rest as keyword
    pairs when present.
    """

    FIELDS: ClassVar[dict[str, str]] = {}
    POSITIONAL: ClassVar[int] = 0

    traits = traits_def(NoTerminator())
    span = opt_prop_def(SpanAttr)
    body = region_def("single_block")

    @classmethod
    def build_op(cls, span: SpanAttr | None = None, children=(), **fields) -> FieldOp:
        """Build from plain Python values (`str`, `int`, `bool` for unit, an attribute for
        `attr`; None = absent)."""
        props: dict[str, Attribute] = {} if span is None else {"span": span}
        kinds = cls.FIELDS
        for key, value in fields.items():
            if value is None or value is False:
                continue
            props[key] = _to_attr(kinds[key], value)
        op = _create_field_op(cls, props)
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
            printer.print_string(" at " + _span_body(self.span))
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
            props["span"] = SpanAttr(_parse_span_body(parser))
        attributes = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_optional_region()
        if region is None or not region.blocks:
            region = Region(Block())
        op = cls.create(properties=props, regions=[region])
        if attributes is not None:
            op.attributes.update(attributes.data)
        return op


class SkillOp(FieldOp):
    """Base of every `skill` op."""


_NO_VALUES: SSAValues = SSAValues()


@cache
def _defaults(cls: type[IRDLOperation]) -> tuple[dict[str, Attribute], dict[str, Attribute]]:
    """The properties and attributes IRDL's `__post_init__` fills in when absent."""
    op_def = cls.get_irdl_definition()

    def filled(fields: Mapping[str, PropertyDef | AttributeDef]) -> dict[str, Attribute]:
        return {
            name: field.default_value
            for name, field in fields.items()
            if not isinstance(field, OptionalDef) and field.default_value is not None
        }

    return filled(op_def.properties), filled(op_def.attributes)


def _create_field_op(cls: type[FieldOp], properties: dict[str, Attribute]) -> FieldOp:
    """What `cls.create(properties=properties, regions=[Region(Block())])` returns, built in
    a fifth of the time (the parser builds some 80 ops per skill); it keeps `properties`.

    `Operation.__init__` is generic: it builds use lists for zero operands and successors,
    SSA results for zero result types, attaches the region and block through checks that a
    fresh region and block always pass, and IRDL's `__post_init__` looks the definition up to
    fill in defaults. A `FieldOp` has no operands, results or successors and one single-block
    region, so this sets the fields those steps leave behind directly (defaults from a
    per-class table). It writes xDSL's private fields (`_operands`, `_first_block`, ...) as
    `Operation.__init__`, `Block.__init__` and `Region.add_block` of xdsl 0.74 do; the pin
    (`xdsl>=0.74,<0.75`) keeps them, and a test compares the result with `create`'s.
    """
    block = Block.__new__(Block)
    block._args = ()
    block._first_op = block._last_op = None
    region = Region.__new__(Region)
    region._first_block = region._last_block = block
    block.parent = region
    op = cls.__new__(cls)
    op._operands = _NO_VALUES
    op._operand_uses = ()
    op.results = _NO_VALUES
    default_props, default_attrs = _defaults(cls)
    for name, value in default_props.items():
        properties.setdefault(name, value)
    op.properties = properties
    op.attributes = dict(default_attrs)
    op.location = UNKNOWN_LOC
    op._successors = ()
    op._successor_uses = ()
    op.regions = (region,)
    region.parent = op
    return op


def _to_attr(kind: str, value: str | int | bool | Attribute) -> Attribute:
    if not isinstance(value, (str, int)) and isinstance(value, Attribute):  # the ABC check is slow
        return value
    if kind == "int":
        return IntAttr(int(value))
    if kind == "unit":
        return UnitAttr()
    return TextAttr(str(value))


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


_LAYOUT = {"raw": "str", "blank": "blank"}
_PLAIN_DATA = frozenset((TextAttr, IntAttr))


@irdl_op_definition
class SkillSkillOp(SkillOp):
    """The document: the name from the frontmatter, the raw frontmatter block and the body."""

    name = "skill.skill"
    FIELDS: ClassVar[dict[str, str]] = {
        "name": "str",
        "frontmatter": "str",
        "path": "str",
        "eol": "str",
        "bom": "unit",
    } | {"blank": "blank"}
    POSITIONAL: ClassVar[int] = 1
    skill_name = prop_def(TextAttr, prop_name="name")
    frontmatter = opt_prop_def(TextAttr)
    path = opt_prop_def(TextAttr)
    eol = opt_prop_def(TextAttr)
    bom = opt_prop_def(UnitAttr)
    blank = opt_prop_def(TextAttr)

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
    FIELDS: ClassVar[dict[str, str]] = {"level": "int", "title": "str"} | _LAYOUT
    POSITIONAL: ClassVar[int] = 2
    level = prop_def(IntAttr)
    title = prop_def(TextAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)

    def verify_(self) -> None:
        if not 1 <= self.level.data <= 6:
            raise VerifyException(f"heading level {self.level.data} is outside 1..6")
        parent = self.parent_op()
        if isinstance(parent, SectionOp) and parent.level.data >= self.level.data:
            raise VerifyException(
                f"level-{self.level.data} section nested in a level-{parent.level.data} section"
            )


class _TextBlockOp(SkillOp):
    FIELDS: ClassVar[dict[str, str]] = {"text": "str"} | _LAYOUT
    POSITIONAL: ClassVar[int] = 1
    text = prop_def(TextAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)


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
    FIELDS: ClassVar[dict[str, str]] = dict(_LAYOUT)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)


@irdl_op_definition
class StepOp(SkillOp):
    """An ordered-list item: its number, its lead paragraph, and nested blocks in its region.

    Sibling steps with the same delimiter form one list and are numbered consecutively (the
    frontend numbers `1. 1. 1.` as 1, 2, 3 and keeps the written markers in `raw`).
    `delim` is `)` when written `1)`; `indent` is the column offset of nested blocks when it
    differs from the marker width.
    """

    name = "skill.step"
    FIELDS: ClassVar[dict[str, str]] = {
        "number": "int",
        "text": "str",
        "delim": "str",
        "indent": "int",
    } | _LAYOUT
    POSITIONAL: ClassVar[int] = 2
    number = prop_def(IntAttr)
    text = prop_def(TextAttr)
    delim = opt_prop_def(TextAttr)
    indent = opt_prop_def(IntAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)

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
    FIELDS: ClassVar[dict[str, str]] = {"text": "str", "marker": "str", "indent": "int"} | _LAYOUT
    POSITIONAL: ClassVar[int] = 1
    text = prop_def(TextAttr)
    marker = opt_prop_def(TextAttr)
    indent = opt_prop_def(IntAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)


@irdl_op_definition
class CodeOp(SkillOp):
    """A code block: language, body; `info` is the full info string when it says more than
    the language, `fence` the fence when not three backticks (empty for indented code)."""

    name = "skill.code"
    FIELDS: ClassVar[dict[str, str]] = {
        "lang": "str",
        "text": "str",
        "info": "str",
        "fence": "str",
        "unclosed": "unit",
    } | (_LAYOUT)
    POSITIONAL: ClassVar[int] = 2
    lang = prop_def(TextAttr)
    text = prop_def(TextAttr)
    info = opt_prop_def(TextAttr)
    fence = opt_prop_def(TextAttr)
    unclosed = opt_prop_def(UnitAttr)
    raw = opt_prop_def(TextAttr)
    blank = opt_prop_def(TextAttr)


@irdl_op_definition
class ConstraintOp(SkillOp):
    """A MUST / MUST NOT / NEVER / ALWAYS / SHOULD sentence found in its parent's text."""

    name = "skill.constraint"
    FIELDS: ClassVar[dict[str, str]] = {"modality": "str", "text": "str"}
    POSITIONAL: ClassVar[int] = 2
    modality = prop_def(TextAttr)
    text = prop_def(TextAttr)

    def verify_(self) -> None:
        _require_member("modality", self.modality.data, MODALITIES)


@irdl_op_definition
class ResourceRefOp(SkillOp):
    """A reference to a file bundled with the skill (`scripts/x.py`, `references/y.md`, ...);
    `link` when it is the target of a Markdown link rather than a path named in text or code."""

    name = "skill.resource_ref"
    FIELDS: ClassVar[dict[str, str]] = {"path": "str", "kind": "str", "link": "unit"}
    POSITIONAL: ClassVar[int] = 2
    path = prop_def(TextAttr)
    kind = prop_def(TextAttr)
    link = opt_prop_def(UnitAttr)

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
