"""The `env` dialect: ops print and parse back equal; the verifier rejects bad kinds."""

from __future__ import annotations

import io

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from skillir.dialects import env, skill


def _module() -> ModuleOp:
    dep = env.DepOp.build_op(
        skill.SpanAttr((3, 1, 3, 9)),
        kind="pip",
        dep="pypdf",
        version=">=4",
        children=[
            env.CheckOp.build_op(command="python3 -c 'import pypdf'"),
            env.InstallOp.build_op(command="python3 -m pip install 'pypdf>=4'"),
        ],
    )
    tool = env.DepOp.build_op(
        kind="binary", dep="pdftotext", package="poppler-utils", file="scripts/extract.sh"
    )
    return ModuleOp([skill.SkillSkillOp.build_op(name="x", children=[dep, tool])])


@pytest.mark.parametrize("generic", [False, True])
def test_env_ops_round_trip(generic: bool) -> None:
    module = _module()
    module.verify()
    out = io.StringIO()
    Printer(stream=out, print_generic_format=generic).print_op(module)
    ctx = Context()
    for dialect in (Builtin, skill.Skill, env.Env):
        ctx.load_dialect(dialect)
    assert Parser(ctx, out.getvalue()).parse_module().is_structurally_equivalent(module)
    if not generic:
        assert 'env.dep "pip" "pypdf" version ">=4" at 3:1 to 3:9' in out.getvalue()


def test_unknown_kind_is_rejected() -> None:
    bad = env.DepOp.build_op(kind="gem", dep="rails")
    with pytest.raises(VerifyException, match="unknown dependency kind 'gem'"):
        ModuleOp([skill.SkillSkillOp.build_op(name="x", children=[bad])]).verify()
