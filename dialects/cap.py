"""The `cap` dialect: what a skill needs of its target, what the target has, and what was done.

Ops sit in the region of the `skill` op they concern: `cap.require` (a primitive at a level,
with the rule that found it and the evidence span), `cap.gap` (required above available),
`cap.compensate` (the rewrite a compensation pass applied there). The bound target
(`cap.target`, its 26 levels) and the guard's `cap.baseline` head the `skill.skill` region.
None of them prints back to Markdown.

    skill.skill "csv-report" ... {
      cap.target "bare-agent" "qwen/qwen3.5-9b" catalog "skillir-catalog/1" levels #cap.levels<...>
      skill.code "python" "import pandas ..." at 9:1 to 14:3 {
        cap.require "gen.code.python" 3 rule "python-third-party" reason "imports pandas"
        cap.gap "gen.code.python" 3 2 "weak" at 9:1 to 14:3
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from xdsl.dialects.builtin import IntAttr, UnitAttr
from xdsl.ir import Data, Dialect, Operation
from xdsl.irdl import irdl_attr_definition, irdl_op_definition, opt_prop_def, prop_def
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from skillir.dialects.skill import (
    FieldOp,
    SkillSkillOp,
    SpanAttr,
    TextAttr,
    int_attr,
    text_attr,
    unit_attr,
)

LEVEL_RANGE = range(0, 4)
GAP_KINDS = ("missing", "weak")
STRATEGIES = ("degrade", "substitute", "eliminate")


@irdl_attr_definition
class LevelsAttr(Data[tuple[tuple[str, int], ...]]):
    """Primitive → level, in catalog order: `#cap.levels<gen.code.python = 3, tool.exec = 0>`."""

    name = "cap.levels"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[tuple[str, int], ...]:
        def entry() -> tuple[str, int]:
            key = parser.parse_identifier()
            parser.parse_punctuation("=")
            return key, parser.parse_integer(allow_negative=False)

        return tuple(parser.parse_comma_separated_list(parser.Delimiter.ANGLE, entry))

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string("<" + ", ".join(f"{k} = {v}" for k, v in self.data) + ">")

    def as_dict(self) -> dict[str, int]:
        return dict(self.data)


def _check_level(what: str, level: int) -> None:
    if level not in LEVEL_RANGE:
        raise VerifyException(f"{what} level {level} is outside L0..L3")


@irdl_op_definition
class TargetOp(FieldOp):
    """The bound target: harness, model, the profile's effective levels and where they came
    from. `uncertain` lists primitives whose measurement has an inversion (a higher level passed
    above a failed one); `recorded` holds the levels as the profile file recorded them."""

    name = "cap.target"
    POSITIONAL: ClassVar[int] = 2
    harness = prop_def(TextAttr)
    model = prop_def(TextAttr)
    catalog = prop_def(TextAttr)
    source = opt_prop_def(TextAttr)
    levels = prop_def(LevelsAttr)
    recorded = opt_prop_def(LevelsAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        harness: str,
        model: str,
        catalog: str,
        source: str | None = None,
        levels: LevelsAttr,
        recorded: LevelsAttr | None = None,
    ) -> TargetOp:
        return cls.from_properties(
            span,
            children,
            {
                "harness": TextAttr(harness),
                "model": TextAttr(model),
                "catalog": TextAttr(catalog),
                "source": text_attr(source),
                "levels": levels,
                "recorded": recorded,
            },
        )

    def verify_(self) -> None:
        if not isinstance(self.parent_op(), SkillSkillOp):
            raise VerifyException("cap.target must be in a skill.skill region")
        for key, level in self.levels.data:
            _check_level(key, level)

    def level(self, primitive: str) -> int:
        return self.levels.as_dict().get(primitive, 0)

    def recorded_level(self, primitive: str) -> int:
        source = self.recorded if self.recorded is not None else self.levels
        return source.as_dict().get(primitive, 0)


@irdl_op_definition
class RequireOp(FieldOp):
    """The enclosing op needs `primitive` at `level`; `rule` found it, `reason` says why."""

    name = "cap.require"
    POSITIONAL: ClassVar[int] = 2
    primitive = prop_def(TextAttr)
    level = prop_def(IntAttr)
    rule = prop_def(TextAttr)
    reason = opt_prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        primitive: str,
        level: int,
        rule: str,
        reason: str | None = None,
    ) -> RequireOp:
        return cls.from_properties(
            span,
            children,
            {
                "primitive": TextAttr(primitive),
                "level": IntAttr(level),
                "rule": TextAttr(rule),
                "reason": text_attr(reason),
            },
        )

    def verify_(self) -> None:
        _check_level(self.primitive.data, self.level.data)
        if self.level.data == 0:
            raise VerifyException("a requirement at L0 requires nothing")


@irdl_op_definition
class GapOp(FieldOp):
    """The target reaches `available` where `required` is needed: `missing` when it has
    nothing (L0), else `weak`; `uncertain` when the profile's measurement was inverted."""

    name = "cap.gap"
    POSITIONAL: ClassVar[int] = 4
    primitive = prop_def(TextAttr)
    required = prop_def(IntAttr)
    available = prop_def(IntAttr)
    kind = prop_def(TextAttr)
    uncertain = opt_prop_def(UnitAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        primitive: str,
        required: int,
        available: int,
        kind: str,
        uncertain: bool = False,
    ) -> GapOp:
        return cls.from_properties(
            span,
            children,
            {
                "primitive": TextAttr(primitive),
                "required": IntAttr(required),
                "available": IntAttr(available),
                "kind": TextAttr(kind),
                "uncertain": unit_attr(uncertain),
            },
        )

    @property
    def size(self) -> int:
        return self.required.data - self.available.data

    def verify_(self) -> None:
        _check_level(self.primitive.data, self.required.data)
        _check_level(self.primitive.data, self.available.data)
        if self.size <= 0:
            raise VerifyException(
                f"no gap: {self.primitive.data} available at L{self.available.data}, "
                f"required L{self.required.data}"
            )
        expected = "missing" if self.available.data == 0 else "weak"
        if self.kind.data != expected:
            raise VerifyException(f"gap kind is '{self.kind.data}', expected '{expected}'")


@irdl_op_definition
class CompensateOp(FieldOp):
    """A compensation applied here: strategy, primitive, and what it did (`detail`)."""

    name = "cap.compensate"
    POSITIONAL: ClassVar[int] = 2
    strategy = prop_def(TextAttr)
    primitive = prop_def(TextAttr)
    detail = opt_prop_def(TextAttr)
    tokens = opt_prop_def(IntAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        strategy: str,
        primitive: str,
        detail: str | None = None,
        tokens: int | None = None,
    ) -> CompensateOp:
        return cls.from_properties(
            span,
            children,
            {
                "strategy": TextAttr(strategy),
                "primitive": TextAttr(primitive),
                "detail": text_attr(detail),
                "tokens": int_attr(tokens),
            },
        )

    def verify_(self) -> None:
        if self.strategy.data not in STRATEGIES:
            raise VerifyException(
                f"unknown strategy '{self.strategy.data}' (expected one of {', '.join(STRATEGIES)})"
            )


@irdl_op_definition
class BaselineOp(FieldOp):
    """What the guard compares against after compensation: digests of the frontmatter, the
    headings and each original code block, the original size, and the growth budget."""

    name = "cap.baseline"
    POSITIONAL: ClassVar[int] = 0
    frontmatter = prop_def(TextAttr)
    headings = prop_def(TextAttr)
    code = prop_def(TextAttr)
    chars = prop_def(IntAttr)
    budget = prop_def(IntAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        frontmatter: str,
        headings: str,
        code: str,
        chars: int,
        budget: int,
    ) -> BaselineOp:
        return cls.from_properties(
            span,
            children,
            {
                "frontmatter": TextAttr(frontmatter),
                "headings": TextAttr(headings),
                "code": TextAttr(code),
                "chars": IntAttr(chars),
                "budget": IntAttr(budget),
            },
        )


def target_of(root: SkillSkillOp) -> TargetOp | None:
    """The target bound to a skill, if any."""
    return next((op for op in root.body.block.ops if isinstance(op, TargetOp)), None)


def skills(module: Operation) -> list[SkillSkillOp]:
    return [op for op in module.regions[0].block.ops if isinstance(op, SkillSkillOp)]


Cap = Dialect("cap", [TargetOp, RequireOp, GapOp, CompensateOp, BaselineOp], [LevelsAttr])
