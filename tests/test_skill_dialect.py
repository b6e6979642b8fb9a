"""The `skill` dialect: every op prints and parses back to an equal op, in both formats."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, IntAttr, ModuleOp
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from skillir.dialects import skill


def _context() -> Context:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(skill.Skill)
    return ctx


def _round_trip(module: ModuleOp, generic: bool) -> ModuleOp:
    out = io.StringIO()
    Printer(stream=out, print_generic_format=generic).print_op(module)
    return Parser(_context(), out.getvalue()).parse_module()


def _every_op() -> ModuleOp:
    span = skill.SpanAttr((3, 1, 4, 9))
    step = skill.StepOp.build_op(
        span,
        number=2,
        text="Run `scripts/a.py`",
        delim=")",
        indent=4,
        raw="2)  Run `scripts/a.py`\n",
        blank="\n\n",
        children=[
            skill.ResourceRefOp.build_op(span, path="scripts/a.py", kind="scripts"),
            skill.ConstraintOp.build_op(span, modality="must-not", text="You MUST NOT."),
            skill.CodeOp.build_op(span, lang="py", text="x = 1\n", info="py title", fence="~~~"),
            skill.BulletOp.build_op(span, text="sub", marker="*"),
        ],
    )
    body = [
        skill.ProseOp.build_op(span, text="Hello"),
        skill.TableOp.build_op(span, text="| a |\n|---|"),
        skill.QuoteOp.build_op(span, text="quoted"),
        skill.HtmlOp.build_op(span, text="<!-- c -->"),
        skill.RuleOp.build_op(span, raw="***\n"),
        skill.CodeOp.build_op(span, lang="", text="x\n", fence="", unclosed=True),
        step,
    ]
    section = skill.SectionOp.build_op(span, level=1, title="Title", children=body)
    root = skill.SkillSkillOp.build_op(
        span,
        name="demo",
        frontmatter="---\nname: demo\n---\n",
        path="demo/SKILL.md",
        eol="crlf",
        bom=True,
        blank="\n",
        children=[section],
    )
    return ModuleOp([root])


@pytest.mark.parametrize("generic", [False, True])
def test_every_op_round_trips(generic: bool) -> None:
    module = _every_op()
    module.verify()
    assert _round_trip(module, generic).is_structurally_equivalent(module)


def test_custom_format_is_readable() -> None:
    out = io.StringIO()
    Printer(stream=out).print_op(_every_op())
    text = out.getvalue()
    assert 'skill.step 2 "Run `scripts/a.py`" delim ")" indent 4' in text
    assert "blank 2 at 3:1 to 4:9" in text
    assert 'skill.resource_ref "scripts/a.py" "scripts"' in text


@given(st.text())
def test_any_text_round_trips(text: str) -> None:
    module = ModuleOp(
        [
            skill.SkillSkillOp.build_op(
                name=text,
                children=[
                    skill.ProseOp.build_op(text=text),
                ],
            )
        ]
    )
    for generic in (False, True):
        assert _round_trip(module, generic).is_structurally_equivalent(module)


def test_cjk_emoji_and_controls_print_raw() -> None:
    text = '中文 ✓ 😀 "q" \\ \x01\x7f\t\n'
    module = ModuleOp([skill.SkillSkillOp.build_op(name=text)])
    out = io.StringIO()
    Printer(stream=out).print_op(module)
    assert "中文 ✓ 😀" in out.getvalue()
    assert _round_trip(module, False).is_structurally_equivalent(module)


def _verify_error(*ops) -> str:
    module = ModuleOp([skill.SkillSkillOp.build_op(name="x", children=list(ops))])
    with pytest.raises(VerifyException) as err:
        module.verify()
    return str(err.value)


def test_verifier_section_nesting() -> None:
    inner = skill.SectionOp.build_op(level=2, title="b")
    outer = skill.SectionOp.build_op(level=2, title="a", children=[inner])
    assert "level-2 section nested in a level-2 section" in _verify_error(outer)


def test_verifier_step_numbering() -> None:
    steps = [skill.StepOp.build_op(number=n, text="s") for n in (1, 2, 4)]
    assert "step 4 follows step 2" in _verify_error(*steps)


def test_verifier_new_delimiter_starts_a_new_list() -> None:
    steps = [skill.StepOp.build_op(number=1, text="s", delim=d) for d in (None, ")")]
    ModuleOp([skill.SkillSkillOp.build_op(name="x", children=steps)]).verify()
    assert "step 1 follows step 1" in _verify_error(
        *[skill.StepOp.build_op(number=1, text="s") for _ in range(2)]
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/etc/passwd", "must be relative"),
        ("../other/x.md", "outside the skill folder"),
        ("scripts/../../x.py", "outside the skill folder"),
    ],
)
def test_verifier_resource_paths(path: str, message: str) -> None:
    ref = skill.ResourceRefOp.build_op(path=path, kind="file")
    assert message in _verify_error(skill.ProseOp.build_op(text="t", children=[ref]))


def test_verifier_enumerations() -> None:
    assert "unknown modality" in _verify_error(
        skill.ConstraintOp.build_op(modality="may", text="t")
    )
    assert "unknown resource kind" in _verify_error(
        skill.ResourceRefOp.build_op(path="a.md", kind="docs")
    )
    assert "outside 1..6" in _verify_error(skill.SectionOp.build_op(level=7, title="t"))


def test_walk_and_render_take_any_depth() -> None:
    """Deeper than Python's recursion limit: the walkers use a stack."""
    from skillir.frontend.markdown import render_op

    depth = 5000
    root = inner = skill.BulletOp.build_op(text="0")
    for level in range(1, depth):
        child = skill.BulletOp.build_op(text=str(level))
        inner.body.block.add_op(child)
        inner = child
    walked = skill.walk_ops(root)
    assert [op.text.data for op in walked] == [str(level) for level in range(depth)]
    rendered = render_op(root).splitlines()
    assert rendered[-1] == " " * 2 * (depth - 1) + f"- {depth - 1}"
    assert len(rendered) == depth


def test_negative_child_offset_prints_and_parses_back() -> None:
    """A nested item left of its first sibling has children left of where its parent's start
    (`indent -1`): the IR parser takes the negative offset the printer writes."""
    item = skill.BulletOp.build_op(text="c", indent=-1)
    (back,) = _round_trip(ModuleOp([item]), generic=False).ops
    assert back.field("indent") == -1
    step = skill.StepOp.build_op(number=1, text="x")
    step.properties["number"] = IntAttr(-3)
    with pytest.raises(VerifyException, match="step number -3 is negative"):
        step.verify()
