"""One schema per op: the IRDL definition. `FIELDS` is derived from it, each op's typed
`build_op` takes exactly its properties, and a built op prints and parses back equal."""

from __future__ import annotations

import inspect
import io

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, IntAttr, ModuleOp, UnitAttr
from xdsl.irdl import OptPropertyDef
from xdsl.parser import Parser
from xdsl.printer import Printer

from skillir.dialects import cap, env, par, skill, target

DIALECTS = (skill.Skill, cap.Cap, env.Env, par.Par, target.Target)
FIELD_OPS = [op for d in DIALECTS for op in d.operations if issubclass(op, skill.FieldOp)]

# the annotation a builder parameter of each kind has, and a value of it
_TYPES = {"str": "str", "blank": "str", "int": "int", "unit": "bool", "attr": "LevelsAttr"}
_LEVELS = cap.LevelsAttr((("gen.code.python", 2), ("tool.exec", 1)))
_VALUES = {"str": "x y", "blank": "\n\n", "int": 2, "unit": True, "attr": _LEVELS}
# values the verifiers accept, where the kind's sample is not one
_VALID = {
    ("skill.skill", "eol"): "crlf",
    ("skill.section", "level"): 2,
    ("skill.constraint", "modality"): "must",
    ("skill.resource_ref", "path"): "scripts/a.py",
    ("skill.resource_ref", "kind"): "scripts",
    ("cap.require", "primitive"): "gen.code.python",
    ("cap.gap", "available"): 1,
    ("cap.gap", "kind"): "weak",
    ("cap.compensate", "strategy"): "degrade",
    ("env.dep", "kind"): "system",
    ("env.dep", "dep"): "jq",
    ("env.dep", "version"): "1.6",
    ("env.dep", "package"): "jq",
    ("env.dep", "file"): "scripts/a.sh",
    ("env.dep", "manager"): "brew",
    ("env.dep", "provides"): "jq",
    ("target.harness", "injection"): "folder",
    ("target.file", "path"): "scripts/a.py",
    ("target.file", "kind"): "bundled",
}


def _params(cls: type[skill.FieldOp]) -> dict[str, inspect.Parameter]:
    signature = inspect.signature(cls.build_op)  # type: ignore[attr-defined]
    return {name: p for name, p in signature.parameters.items() if p.kind is p.KEYWORD_ONLY}


def _value(cls: type[skill.FieldOp], key: str, kind: str) -> object:
    return _VALID.get((cls.name, key), _VALUES[kind])


@pytest.mark.parametrize("cls", FIELD_OPS, ids=lambda c: c.name)
def test_fields_come_from_the_irdl_definition(cls: type[skill.FieldOp]) -> None:
    props = cls.get_irdl_definition().properties
    assert list(cls.FIELDS) == [key for key in props if key != "span"]
    for key, kind in cls.FIELDS.items():
        constr = props[key].constr
        expected = {skill.TextAttr: "str", IntAttr: "int", UnitAttr: "unit"}.get(
            constr.attr,  # type: ignore[attr-defined]
            "attr",
        )
        assert kind == ("blank" if key == "blank" else expected)


@pytest.mark.parametrize("cls", FIELD_OPS, ids=lambda c: c.name)
def test_builder_takes_exactly_the_properties(cls: type[skill.FieldOp]) -> None:
    """Same names in the same order, required where the property is, typed by its kind."""
    params = _params(cls)
    props = cls.get_irdl_definition().properties
    assert list(params) == list(cls.FIELDS)
    for key, param in params.items():
        optional = isinstance(props[key], OptPropertyDef)
        assert (param.default is not param.empty) == optional, key
        annotation = str(param.annotation)
        assert annotation.split(" |")[0] == _TYPES[cls.FIELDS[key]], (key, annotation)
        assert ("None" in annotation or annotation == "bool") == optional, (key, annotation)
    with pytest.raises(TypeError):
        cls.build_op(misspelt="x", **_required(cls))  # type: ignore[attr-defined]


def _required(cls: type[skill.FieldOp]) -> dict[str, object]:
    return {
        key: _value(cls, key, cls.FIELDS[key])
        for key, param in _params(cls).items()
        if param.default is param.empty
    }


def _context() -> Context:
    ctx = Context()
    for dialect in (Builtin, *DIALECTS):
        ctx.load_dialect(dialect)
    return ctx


_IN_SKILL = (
    cap.TargetOp,
    cap.BaselineOp,
    env.DepOp,
    par.GraphOp,
    target.HarnessOp,
    target.FileOp,
    skill.SectionOp,
)


def _holder(op: skill.FieldOp) -> ModuleOp:
    """The op where its verifier wants it: a root, or in a skill's region (or a step's)."""
    if isinstance(op, skill.SkillSkillOp):
        return ModuleOp([op])
    if isinstance(op, _IN_SKILL):
        return ModuleOp([skill.SkillSkillOp.build_op(name="s", children=[op])])
    if isinstance(op, env.CheckOp | env.InstallOp):
        dep = env.DepOp.build_op(kind="binary", dep="jq", children=[op])
        return ModuleOp([skill.SkillSkillOp.build_op(name="s", children=[dep])])
    step = skill.StepOp.build_op(number=1, text="t", children=[op])
    return ModuleOp([skill.SkillSkillOp.build_op(name="s", children=[step])])


@pytest.mark.parametrize("cls", FIELD_OPS, ids=lambda c: c.name)
@pytest.mark.parametrize("full", [True, False], ids=["every-field", "required-only"])
def test_built_op_holds_its_values_and_round_trips(cls: type[skill.FieldOp], full: bool) -> None:
    values = (
        {key: _value(cls, key, kind) for key, kind in cls.FIELDS.items()}
        if full
        else _required(cls)
    )
    if cls is cap.CompensateOp and full:
        values["tokens"] = 42
    if cls is env.DepOp and full:
        # `globally` is an npm package's, `manager` / `provides` a system package's: no one
        # dependency has both (tests/test_env_dialect.py checks `globally`)
        del values["globally"]
    span = skill.SpanAttr((3, 1, 3, 9))
    op = cls.build_op(span, **values)  # type: ignore[attr-defined]
    assert list(op.properties) == ["span", *values]
    for key, value in values.items():
        expected = value.data if isinstance(value, cap.LevelsAttr) else value
        assert op.field(key) == expected, key
    module = _holder(op)
    module.verify()
    for generic in (False, True):
        out = io.StringIO()
        Printer(stream=out, print_generic_format=generic).print_op(module)
        back = Parser(_context(), out.getvalue()).parse_module()
        assert back.is_structurally_equivalent(module), out.getvalue()
