"""`skillir.dialects.xdsl_private` does what the public xDSL API it replaces does, for every op
of the five dialects, and no other module touches a private name of xDSL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects import test as xdsl_test
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.ir import Attribute, Block, Data, Operation, Region
from xdsl.parser import Parser
from xdsl.utils.exceptions import VerifyException

from skillir.dialects import cap, env, par, skill, target
from skillir.dialects.xdsl_private import new_field_op, verify_only, walk_ops

DIALECTS = (skill.Skill, cap.Cap, env.Env, par.Par, target.Target)
ROOT = Path(__file__).resolve().parent.parent

# every op of the five dialects, nested as the compiler nests them, with two blocks in a region
# and ops after nested regions (what the walk's stack must get right)
EVERY_OP = r"""
skill.skill "all" frontmatter "---\nname: all\n---\n" at 1:1 to 30:1 {
  cap.target "bare-agent" "m" catalog "c/1" levels #cap.levels<tool.exec = 1>
  cap.baseline frontmatter "a" headings "b" code "" chars 10 budget 30
  target.harness "bare" injection "system-prompt"
  target.file "env-setup.sh" kind "env-setup"
  env.dep "pip" "pypdf" version ">=4" {
    env.check "python3 -c 'import pypdf'"
    env.install "python3 -m pip install 'pypdf>=4'"
  }
  skill.section 1 "Title" {
    skill.prose "Run `scripts/a.py`. You MUST NOT stop." {
      skill.resource_ref "scripts/a.py" "scripts"
      skill.constraint "must-not" "You MUST NOT stop."
    }
    skill.step 1 "Sum it" {
      cap.require "reason.arithmetic" 2 rule "r"
      cap.gap "reason.arithmetic" 2 0 "missing"
      cap.compensate "substitute" "reason.arithmetic"
      skill.bullet "nested"
    }
    skill.code "py" "x = 1\n"
    skill.table "| a |\n|---|"
    skill.quote "q"
    skill.html "<br>"
    skill.rule
    par.graph "Workflow" {
      %0, %1 = par.ilp "independent" {
        %2 = par.task "1" gather reads ["file:a"]
        %3 = par.task "2" gather reads ["file:b"]
        par.join %2, %3
      }
      %4 = par.dlp "map" over "*.md" {
        %5 = par.task "3" act after(%0 "context") over "*.md"
        par.join %5
      }
      %6, %7 = par.tlp "chains" ({
        %8 = par.task "4" act after(%4 "order")
        par.join %8
      }, {
        %9 = par.task "5" act after(%1 "order")
        par.join %9
      })
      %10 = par.task "6" control after(%6 "order", %7 "order")
    }
  }
}
"""


def _module() -> ModuleOp:
    ctx = Context()
    for dialect in (Builtin, *DIALECTS):
        ctx.load_dialect(dialect)
    module = Parser(ctx, EVERY_OP).parse_module()
    extra = skill.ProseOp.build_op(text="second block")
    module.body.add_block(Block([extra]))  # a region of two blocks
    return module


def _field_op_classes() -> list[type[skill.FieldOp]]:
    return [op for d in DIALECTS for op in d.operations if issubclass(op, skill.FieldOp)]


def test_the_module_holds_every_op_of_the_five_dialects() -> None:
    names = {op.name for op in _module().walk()}
    assert names >= {op.name for dialect in DIALECTS for op in dialect.operations}


def test_walk_ops_is_walk_from_every_op_and_region() -> None:
    module = _module()
    for op in module.walk():
        assert walk_ops(op) == list(op.walk()), op.name
        for region in op.regions:
            assert walk_ops(region) == list(region.walk()), op.name
    # the dialect modules re-export the same function the passes call
    assert skill.walk_ops is walk_ops


@st.composite
def _trees(draw: st.DrawFn, depth: int = 0) -> Operation:
    """Random nesting: 0-2 regions of 0-2 blocks of 0-3 ops (empty blocks included)."""
    regions = []
    for _ in range(draw(st.integers(0, 2 if depth < 4 else 0))):
        blocks = []
        for _ in range(draw(st.integers(0, 2))):
            ops = [draw(_trees(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
            blocks.append(Block(ops))
        regions.append(Region(blocks))
    return xdsl_test.TestOp(regions=regions) if regions else skill.RuleOp.build_op()


@settings(max_examples=200, deadline=None)
@given(_trees())
def test_walk_ops_is_walk_on_any_nesting(root: Operation) -> None:
    assert walk_ops(root) == list(root.walk())
    for region in root.regions:
        assert walk_ops(region) == list(region.walk())


@pytest.mark.parametrize("cls", _field_op_classes(), ids=lambda c: c.name)
def test_new_field_op_is_create(cls: type[skill.FieldOp]) -> None:
    """For every field op of the five dialects, with the properties it has in `EVERY_OP`:
    the op `new_field_op` builds has the fields `Operation.create` sets, and behaves the same
    (children, verify, clone, print, erase)."""
    sample = next(op for op in _module().walk() if type(op) is cls)
    props = dict(sample.properties)
    built = new_field_op(cls, dict(props))
    made = cls.create(properties=dict(props), regions=[Region(Block())])
    assert built.is_structurally_equivalent(made)
    for ours, theirs in [
        (built, made),
        (built.regions[0], made.regions[0]),
        (built.regions[0].block, made.regions[0].block),
    ]:
        assert vars(ours).keys() == vars(theirs).keys()
    for field in ("operands", "results", "successors", "properties", "attributes", "location"):
        assert getattr(built, field) == getattr(made, field), field
    assert list(built.properties) == list(made.properties)  # same order: same generic print
    for op in (built, made):
        op.regions[0].block.add_op(skill.RuleOp.build_op())
    assert built.regions[0].parent is built
    assert built.regions[0].block.parent_op() is built
    assert built.regions[0].block.first_op.parent_op() is built
    assert _verify_message(built) == _verify_message(made)
    assert built.clone().is_structurally_equivalent(made.clone())
    assert str(built) == str(made)
    holder = ModuleOp([built])
    built.detach()
    built.erase()
    assert not holder.body.block.ops


def _verify_message(op: Operation) -> str:
    try:
        op.verify()
    except VerifyException as err:
        return str(err)
    return ""


def test_builders_use_new_field_op() -> None:
    """`build_op` gives what `create` gives from the same properties."""
    span = skill.SpanAttr((1, 2, 3, 4))
    built = cap.GapOp.build_op(
        span, primitive="p", required=2, available=0, kind="missing", uncertain=True
    )
    made = cap.GapOp.create(properties=dict(built.properties), regions=[Region(Block())])
    assert built.is_structurally_equivalent(made)
    assert list(built.properties) == ["span", "primitive", "required", "available", "kind"] + [
        "uncertain"
    ]


def _data_attributes() -> list[type[Attribute]]:
    return [attr for d in DIALECTS for attr in d.attributes]


@pytest.mark.parametrize("cls", _data_attributes(), ids=lambda c: c.name)
def test_verify_only_holds_where_it_is_used(cls: type[Attribute]) -> None:
    """`verify_only` drops only `Attribute.__post_init__`'s check that the class is a `Data` or
    a `ParametrizedAttribute`, so it may replace it only on a `Data` subclass, and what it
    builds passes the full check."""
    if cls.__post_init__ is not verify_only:
        return
    assert issubclass(cls, Data)
    value = {skill.TextAttr: "中文 ✓", skill.SpanAttr: (1, 2, 3, 4)}[cls]  # type: ignore[index]
    attr = cls(value)  # type: ignore[call-arg]
    Attribute.__post_init__(attr)
    assert attr == cls.new(value) and hash(attr) == hash(cls.new(value))  # type: ignore[attr-defined]


# what private xDSL API looks like: a private field of its IR classes, or a replaced __post_init__
_PRIVATE = re.compile(
    r"\._(first|last|next|prev)_(op|block)\b|\._(operands|operand_uses|successors|"
    r"successor_uses|args|parent|ops)\b|__post_init__\s*=\s*\w+|from xdsl[\w.]* import [^\n]*\b_\w"
)


def test_no_other_module_touches_private_xdsl_api() -> None:
    found = []
    for folder in ("dialects", "passes", "skillir", "tools"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "xdsl_private.py":
                continue
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in _PRIVATE.finditer(text)]
    assert [f for f in found if "__post_init__ = verify_only" not in f] == []
