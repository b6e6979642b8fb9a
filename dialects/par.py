"""The `par` dialect: a skill's procedures as dataflow graphs, and the regions that may run at once.

A `par.graph` holds one procedure (an ordered list of steps, or a run of "Step N" sections).
Each `par.task` is one unit of work anchored to its `skill` op by span, with read and write
sets (`file:`, `dir:`, `glob:`, `value:`, `effect:` resources) and one `!par.token` result;
its operands are the tasks it must wait for, each with the reason (`raw file:a.csv`, `order
then`, `context` ...). `extract-parallelism` groups independent tasks into regions with
fork/join structure: `par.ilp` (independent single tool calls, one turn), `par.dlp` (one task
mapped over many items), `par.tlp` (independent chains, one region per sub-agent). Each region
ends in `par.join`, whose operands become the region's results.

    par.graph "Workflow" work 4 critical 3 at 7:1 to 12:30 {
      %0 = par.task "1" gather reads ["file:a.csv"] at 7:1 to 7:20
      %1 = par.task "2" gather reads ["file:b.csv"] at 8:1 to 8:20
      %2 = par.task "3" act after(%0 "raw file:a.csv", %1 "context") writes ["file:r.md"] ...
    }

The graph verifier checks that every use is dominated by its definition (which makes the graph
acyclic), that tasks of one `par.ilp` do not wait for each other, and that `par.tlp` branches
and `par.dlp` bodies only reach outward, never into a sibling.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar

from xdsl.dialects.builtin import ArrayAttr, IntAttr
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_region_def,
    var_result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import IsTerminator
from xdsl.utils.exceptions import VerifyException

from skillir.dialects.skill import (
    FieldOp,
    SpanAttr,
    TextAttr,
    int_attr,
    parse_span,
    parse_text,
    quote_text,
    span_text,
)
from skillir.dialects.xdsl_private import walk_ops

TASK_KINDS = ("gather", "reason", "act", "control", "unknown")
RESOURCE_KINDS = ("file", "dir", "glob", "value", "effect")


@irdl_attr_definition
class TokenType(ParametrizedAttribute, TypeAttribute):
    """Completion of a task or region: what a later task waits for."""

    name = "par.token"


TOKEN = TokenType()
"""The one `!par.token` (an attribute is immutable: ops share it rather than build their own)."""


def _texts(values: Sequence[str]) -> ArrayAttr[TextAttr]:
    return ArrayAttr([TextAttr(v) for v in values])


def _print_list(printer: Printer, key: str, values: ArrayAttr[TextAttr]) -> None:
    if values.data:
        printer.print_string(f" {key} [" + ", ".join(quote_text(v.data) for v in values) + "]")


def _parse_list(parser: Parser) -> ArrayAttr[TextAttr]:
    items = parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE, lambda: TextAttr(parse_text(parser))
    )
    return ArrayAttr(items)


def _print_tail(printer: Printer, op: Operation) -> None:
    span = op.properties.get("span")
    if isinstance(span, SpanAttr):
        printer.print_string(" at " + span_text(span))
    printer.print_op_attributes(op.attributes, print_keyword=True)


def _parse_tail(parser: Parser, props: dict[str, Attribute]) -> dict[str, Attribute]:
    if parser.parse_optional_keyword("at") is not None:
        props["span"] = SpanAttr(parse_span(parser))
    attributes = parser.parse_optional_attr_dict_with_keyword()
    return {} if attributes is None else dict(attributes.data)


@irdl_op_definition
class TaskOp(IRDLOperation):
    """One unit of work: label (step number), kind, what it waits for and why, its read and
    write sets, and for a mapped task what it maps over (`items`: how many, when known)."""

    name = "par.task"
    deps = var_operand_def(TokenType)
    token = result_def(TokenType)
    label = prop_def(TextAttr)
    kind = prop_def(TextAttr)
    why = prop_def(ArrayAttr[TextAttr])
    reads = prop_def(ArrayAttr[TextAttr])
    writes = prop_def(ArrayAttr[TextAttr])
    over = opt_prop_def(TextAttr)
    items = opt_prop_def(IntAttr)
    span = opt_prop_def(SpanAttr)

    @classmethod
    def build_task(
        cls,
        label: str,
        kind: str,
        deps: Sequence[tuple[SSAValue, str]] = (),
        reads: Sequence[str] = (),
        writes: Sequence[str] = (),
        over: str | None = None,
        items: int | None = None,
        span: SpanAttr | None = None,
    ) -> TaskOp:
        props: dict[str, Attribute] = {
            "label": TextAttr(label),
            "kind": TextAttr(kind),
            "why": _texts([why for _, why in deps]),
            "reads": _texts(reads),
            "writes": _texts(writes),
        }
        if over is not None:
            props["over"] = TextAttr(over)
        if items is not None:
            props["items"] = IntAttr(items)
        if span is not None:
            props["span"] = span
        return cls.create(
            operands=[value for value, _ in deps], result_types=[TOKEN], properties=props
        )

    def read_set(self) -> list[str]:
        return [a.data for a in self.reads]

    def write_set(self) -> list[str]:
        return [a.data for a in self.writes]

    def waits(self) -> Iterator[tuple[SSAValue, str]]:
        """(operand, reason) pairs."""
        return zip(self.deps, (a.data for a in self.why), strict=True)

    def verify_(self) -> None:
        if self.kind.data not in TASK_KINDS:
            raise VerifyException(
                f"unknown task kind '{self.kind.data}' (expected one of {', '.join(TASK_KINDS)})"
            )
        if len(self.why) != len(self.deps):
            raise VerifyException(
                f"task '{self.label.data}' waits for {len(self.deps)} values but gives "
                f"{len(self.why)} reasons"
            )
        if self.token in self.deps:
            raise VerifyException(f"task '{self.label.data}' waits for itself")
        for res in (*self.reads, *self.writes):
            kind, sep, name = res.data.partition(":")
            if not sep or kind not in RESOURCE_KINDS or not name:
                raise VerifyException(
                    f"malformed resource '{res.data}' (expected KIND:NAME, KIND one of "
                    f"{', '.join(RESOURCE_KINDS)})"
                )

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {quote_text(self.label.data)} {self.kind.data}")
        if self.deps:
            printer.print_string(" after(")
            printer.print_list(
                list(self.waits()),
                lambda pair: (
                    printer.print_operand(pair[0]),
                    printer.print_string(" " + quote_text(pair[1])),
                ),
            )
            printer.print_string(")")
        _print_list(printer, "reads", self.reads)
        _print_list(printer, "writes", self.writes)
        if self.over is not None:
            printer.print_string(f" over {quote_text(self.over.data)}")
        if self.items is not None:
            printer.print_string(f" items {self.items.data}")
        _print_tail(printer, self)

    @classmethod
    def parse(cls, parser: Parser) -> TaskOp:
        label = parse_text(parser)
        kind = parser.parse_identifier()
        deps: list[tuple[SSAValue, str]] = []
        if parser.parse_optional_keyword("after") is not None:

            def one() -> tuple[SSAValue, str]:
                return parser.parse_operand(TOKEN), parse_text(parser)

            deps = parser.parse_comma_separated_list(parser.Delimiter.PAREN, one)
        reads: Sequence[str] = ()
        writes: Sequence[str] = ()
        if parser.parse_optional_keyword("reads") is not None:
            reads = [a.data for a in _parse_list(parser)]
        if parser.parse_optional_keyword("writes") is not None:
            writes = [a.data for a in _parse_list(parser)]
        over = parse_text(parser) if parser.parse_optional_keyword("over") else None
        items = (
            parser.parse_integer(allow_negative=False)
            if parser.parse_optional_keyword("items")
            else None
        )
        props: dict[str, Attribute] = {}
        attributes = _parse_tail(parser, props)
        op = cls.build_task(label, kind, deps, reads, writes, over, items, props.get("span"))  # type: ignore[arg-type]
        op.attributes.update(attributes)
        return op


@irdl_op_definition
class JoinOp(IRDLOperation):
    """End of a region: the tokens that leave it, one per region result."""

    name = "par.join"
    values = var_operand_def(TokenType)
    traits = traits_def(IsTerminator())

    assembly_format = "($values^)? attr-dict"


class RegionOp(IRDLOperation):
    """Base of the fork/join region ops; `reason` says why running them at once is safe."""

    reason = prop_def(TextAttr)
    span = opt_prop_def(SpanAttr)
    outs = var_result_def(TokenType)

    def joins(self) -> Iterator[JoinOp]:
        for region in self.regions:
            last = region.block.last_op
            if isinstance(last, JoinOp):
                yield last

    def tasks(self) -> Iterator[TaskOp]:
        for op in walk_ops(self):
            if type(op) is TaskOp:
                yield op

    def verify_(self) -> None:
        joined = sum(len(j.values) for j in self.joins())
        if joined != len(self.outs):
            raise VerifyException(
                f"{self.name} joins {joined} values but has {len(self.outs)} results"
            )
        for join in self.joins():
            for value in join.values:
                owner = value.owner
                if (
                    not isinstance(owner, Operation)
                    or owner.parent_block() is not join.parent_block()
                ):
                    raise VerifyException(f"{self.name} joins a value it does not define")


def _print_region_head(printer: Printer, op: RegionOp, extra: str = "") -> None:
    printer.print_string(f" {quote_text(op.reason.data)}{extra}")
    _print_tail(printer, op)


@irdl_op_definition
class IlpOp(RegionOp):
    """Independent single tool calls the agent may issue in one turn."""

    name = "par.ilp"
    body = region_def("single_block")

    def verify_(self) -> None:
        super().verify_()
        mine = {t.token for t in self.tasks()}
        for task in self.tasks():
            if mine.intersection(task.deps):
                raise VerifyException(
                    f"par.ilp task '{task.label.data}' waits for a task of the same region"
                )
        if len(mine) < 2:
            raise VerifyException("par.ilp needs at least two tasks")

    def print(self, printer: Printer) -> None:
        _print_region_head(printer, self)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False)

    @classmethod
    def parse(cls, parser: Parser) -> IlpOp:
        reason = parse_text(parser)
        props: dict[str, Attribute] = {"reason": TextAttr(reason)}
        attributes = _parse_tail(parser, props)
        region = parser.parse_region()
        return _finish(cls, props, attributes, [region])


@irdl_op_definition
class DlpOp(RegionOp):
    """One task mapped over many items (`items`: how many, when the skill says)."""

    name = "par.dlp"
    over = prop_def(TextAttr)
    items = opt_prop_def(IntAttr)
    body = region_def("single_block")

    def verify_(self) -> None:
        super().verify_()
        if len(list(self.tasks())) != 1:
            raise VerifyException("par.dlp maps exactly one task")

    def print(self, printer: Printer) -> None:
        extra = f" over {quote_text(self.over.data)}"
        if self.items is not None:
            extra += f" items {self.items.data}"
        _print_region_head(printer, self, extra)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False)

    @classmethod
    def parse(cls, parser: Parser) -> DlpOp:
        props: dict[str, Attribute] = {"reason": TextAttr(parse_text(parser))}
        parser.parse_keyword("over")
        props["over"] = TextAttr(parse_text(parser))
        if parser.parse_optional_keyword("items") is not None:
            props["items"] = IntAttr(parser.parse_integer(allow_negative=False))
        attributes = _parse_tail(parser, props)
        region = parser.parse_region()
        return _finish(cls, props, attributes, [region])


@irdl_op_definition
class TlpOp(RegionOp):
    """Independent chains of tasks, one region (one sub-agent) each."""

    name = "par.tlp"
    branches = var_region_def("single_block")

    def verify_(self) -> None:
        super().verify_()
        if len(self.branches) < 2:
            raise VerifyException("par.tlp needs at least two branches")
        for branch in self.branches:
            last = branch.block.last_op
            if not isinstance(last, JoinOp) or len(last.values) != 1:
                raise VerifyException("each par.tlp branch ends in a par.join of one value")

    def print(self, printer: Printer) -> None:
        _print_region_head(printer, self)
        printer.print_string(" (")
        printer.print_list(
            self.branches, lambda r: printer.print_region(r, print_entry_block_args=False)
        )
        printer.print_string(")")

    @classmethod
    def parse(cls, parser: Parser) -> TlpOp:
        props: dict[str, Attribute] = {"reason": TextAttr(parse_text(parser))}
        attributes = _parse_tail(parser, props)
        regions = parser.parse_comma_separated_list(parser.Delimiter.PAREN, parser.parse_region)
        return _finish(cls, props, attributes, regions)


def _finish(
    cls: type[RegionOp],
    props: dict[str, Attribute],
    attributes: dict[str, Attribute],
    regions: list[Region],
) -> RegionOp:
    outs = 0
    for region in regions:
        last = region.block.last_op if region.blocks else None
        if isinstance(last, JoinOp):
            outs += len(last.values)
    op = cls.create(result_types=[TOKEN] * outs, properties=props, regions=regions)
    op.attributes.update(attributes)
    return op


@irdl_op_definition
class GraphOp(FieldOp):
    """One procedure: its title (the section heading), total work and critical-path length in
    task units (set by `extract-parallelism`), and its tasks and regions."""

    name = "par.graph"
    POSITIONAL: ClassVar[int] = 1
    title = prop_def(TextAttr)
    work = opt_prop_def(IntAttr)
    critical = opt_prop_def(IntAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        title: str,
        work: int | None = None,
        critical: int | None = None,
    ) -> GraphOp:
        return cls.from_properties(
            span,
            children,
            {"title": TextAttr(title), "work": int_attr(work), "critical": int_attr(critical)},
        )

    def tasks(self) -> Iterator[TaskOp]:
        for op in walk_ops(self):
            if type(op) is TaskOp:
                yield op

    def verify_(self) -> None:
        labels: set[str] = set()
        for task in self.tasks():
            if task.label.data in labels:
                raise VerifyException(f"two tasks are labelled '{task.label.data}'")
            labels.add(task.label.data)
        _check_dominance(self.body.block, set())


def producer(value: SSAValue) -> TaskOp:
    """The task whose completion a token stands for (through region results)."""
    owner = value.owner
    while isinstance(owner, RegionOp):
        joined = [v for join in owner.joins() for v in join.values]
        value = joined[list(owner.outs).index(value)]
        owner = value.owner
    if not isinstance(owner, TaskOp):
        raise VerifyException("a par token that no task produces")
    return owner


def _check_dominance(block: Block, visible: set[SSAValue]) -> None:
    """Every operand defined before its use, in this block or an enclosing one (so no cycle)."""
    seen = set(visible)
    for op in block.ops:
        for operand in op.operands:
            if operand not in seen:
                label = op.label.data if isinstance(op, TaskOp) else op.name
                raise VerifyException(
                    f"'{label}' uses a value not defined before it in an enclosing scope"
                )
        for region in op.regions:
            for inner in region.blocks:
                _check_dominance(inner, seen)
        seen.update(op.results)


Par = Dialect("par", [GraphOp, TaskOp, JoinOp, IlpOp, DlpOp, TlpOp], [TokenType])
