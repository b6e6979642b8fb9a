"""The `env` dialect: ops print and parse back equal; the verifier rejects bad kinds."""

from __future__ import annotations

import io
from pathlib import Path

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
    brew = env.DepOp.build_op(
        skill.SpanAttr((5, 15, 5, 15)),
        kind="system",
        dep="ffmpeg",
        manager="brew",
        provides="ffmpeg",
        children=[env.CheckOp.build_op(command="command -v -- ffmpeg >/dev/null 2>&1")],
    )
    return ModuleOp([skill.SkillSkillOp.build_op(name="x", children=[dep, tool, brew])])


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
        assert 'env.dep "system" "ffmpeg" manager "brew" provides "ffmpeg" at 5:15' in (
            out.getvalue()
        )


def test_unknown_kind_is_rejected() -> None:
    bad = env.DepOp.build_op(kind="gem", dep="rails")
    with pytest.raises(VerifyException, match="unknown dependency kind 'gem'"):
        ModuleOp([skill.SkillSkillOp.build_op(name="x", children=[bad])]).verify()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "env", "dep": 'X:-}" ] || touch CANARY ; [ "${Y'}, "environment variable"),
        ({"kind": "env", "dep": "${$(touch x)}"}, "environment variable"),
        ({"kind": "npm", "dep": "--registry=http://evil.example"}, "npm package name"),
        ({"kind": "npm", "dep": "lodash", "version": "1.0\ntouch CANARY"}, "npm version range"),
        ({"kind": "pip", "dep": "-e"}, "PEP 508"),
        ({"kind": "pip", "dep": "requests", "version": "==2$(id)"}, "PEP 440"),
        ({"kind": "system", "dep": "jq", "version": "1.6\ntouch CANARY\n#"}, "Debian"),
        ({"kind": "binary", "dep": "jq; rm -rf ~"}, "program name"),
        ({"kind": "binary", "dep": "jq", "package": "-o=APT::x"}, "system package name"),
        ({"kind": "binary", "dep": "jq", "file": "../../etc/passwd"}, "relative path"),
        ({"kind": "binary", "dep": "jq", "file": "scripts/a\n#.py"}, "control characters"),
        ({"kind": "service", "dep": "localhost:80/x"}, "host:port"),
        ({"kind": "tool", "dep": "shell", "version": "1"}, "takes no version"),
        ({"kind": "system", "dep": "jq", "manager": "curl|sh"}, "unknown package manager"),
        ({"kind": "system", "dep": "jq", "provides": "jq; id"}, "program name"),
        ({"kind": "binary", "dep": "jq", "manager": "brew"}, "only a system package"),
        ({"kind": "pip", "dep": "jq", "provides": "jq"}, "only a system or globally installed"),
        ({"kind": "npm", "dep": "eas-cli", "provides": "eas"}, "or globally installed npm"),
        ({"kind": "pip", "dep": "jq", "globally": True}, "only an npm package"),
    ],
)
def test_values_off_their_grammar_are_rejected(fields: dict[str, str], message: str) -> None:
    bad = env.DepOp.build_op(**fields)
    with pytest.raises(VerifyException, match=message):
        ModuleOp([skill.SkillSkillOp.build_op(name="x", children=[bad])]).verify()


def test_a_global_npm_package_and_an_optional_one_round_trip() -> None:
    deps = [
        env.DepOp.build_op(kind="npm", dep="wrangler", globally=True),
        env.DepOp.build_op(kind="binary", dep="gnina", optional=True),
    ]
    module = ModuleOp([skill.SkillSkillOp.build_op(name="x", children=deps)])
    module.verify()
    out = io.StringIO()
    Printer(stream=out).print_op(module)
    assert 'env.dep "npm" "wrangler" globally' in out.getvalue()
    assert 'env.dep "binary" "gnina" optional' in out.getvalue()
    ctx = Context()
    for dialect in (Builtin, skill.Skill, env.Env):
        ctx.load_dialect(dialect)
    assert Parser(ctx, out.getvalue()).parse_module().is_structurally_equivalent(module)


@pytest.mark.parametrize("op", [env.CheckOp, env.InstallOp])
def test_commands_are_one_line(op: type[env.CheckOp]) -> None:
    dep = env.DepOp.build_op(kind="binary", dep="jq", children=[op.build_op(command="a\nb")])
    with pytest.raises(VerifyException, match="one-line command"):
        ModuleOp([skill.SkillSkillOp.build_op(name="x", children=[dep])]).verify()


def test_ir_with_a_hostile_value_is_refused_by_the_tools(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skillir.tools.skill_translate import main as translate

    source = tmp_path / "in.skir"
    source.write_text(
        'builtin.module {\n  skill.skill "demo" {\n'
        '    env.dep "env" "A}\\" ]; touch CANARY; : \\"${B" at 2:1 to 2:1\n  }\n}\n'
    )
    assert translate([str(source), "-t", "env-setup"]) != 0
    captured = capsys.readouterr()
    assert "touch CANARY" not in captured.out and "environment variable" in captured.err
