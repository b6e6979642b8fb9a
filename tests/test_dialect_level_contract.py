"""The level contract (docs/architecture.md): after the lowerings to `target` a skill holds
everything the emitter needs; `target.unlowered` names what it would ignore, and the emitter
refuses such IR instead of leaving it out of the folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from xdsl.context import Context
from xdsl.dialects import test as xdsl_test
from xdsl.dialects.builtin import ModuleOp

from skillir.diagnostics import ACTIVE, DiagnosticSink
from skillir.dialects import cap, env, skill, target
from skillir.frontend.parser import parse_skill
from skillir.passes.bind_env import BindEnv
from skillir.passes.build_dataflow import BuildDataflow
from skillir.passes.extract_deps import ExtractDeps
from skillir.passes.lower_to_target import LowerCapToTarget, LowerEnvToTarget, LowerParToTarget
from skillir.targets.emit import folder_files

REPORT = Path(__file__).resolve().parent.parent / "lit_tests/passes/verify-target/Inputs/report.md"
LOWERINGS = {
    "cap": LowerCapToTarget(harness="codex"),
    "env": LowerEnvToTarget(),
    "par": LowerParToTarget(harness="codex"),
}


def _compiled(*lowered: str) -> ModuleOp:
    """The report skill with its deps and dataflow, lowered by the named lowerings only."""
    sink = DiagnosticSink(str(REPORT))
    token = ACTIVE.set(sink)
    try:
        module = parse_skill(REPORT.read_bytes(), str(REPORT), sink)
        for step in (ExtractDeps(), BindEnv(platform="debian"), BuildDataflow()):
            step.apply(Context(), module)
        for name in lowered:
            LOWERINGS[name].apply(Context(), module)
    finally:
        ACTIVE.reset(token)
    return module


def _why(module: ModuleOp) -> list[str]:
    (root,) = cap.skills(module)
    return [why for _, why in target.unlowered(root)]


def test_a_lowered_skill_is_complete_and_emits() -> None:
    module = _compiled("cap", "env", "par")
    assert _why(module) == []
    files = folder_files(module)
    assert {"SKILL.md", "env-setup.sh", "plan.json"} <= set(files)
    assert b"pypdf" in files["env-setup.sh"].data


@pytest.mark.parametrize(
    ("lowered", "message"),
    [
        (("cap", "par"), "env.dep is left behind: no target.file of kind 'env-setup'"),
        (("cap", "env"), "par.graph is left behind: no target.file of kind 'plan'"),
        (("env", "par"), "no target.harness: the skill is not lowered to a target"),
    ],
)
def test_the_emitter_refuses_what_it_would_ignore(lowered: tuple[str, ...], message: str) -> None:
    module = _compiled(*lowered)
    assert [why for why in _why(module) if message in why]
    with pytest.raises(ValueError, match="the skill is not lowered to the target level: "):
        folder_files(module)


def test_records_pass_and_foreign_or_nested_ops_do_not() -> None:
    module = _compiled("cap", "env", "par")
    (root,) = cap.skills(module)
    section = next(op for op in root.body.block.ops if isinstance(op, skill.SectionOp))
    section.body.block.add_op(cap.CompensateOp.build_op(strategy="degrade", primitive="p"))
    assert _why(module) == []  # a cap record is ignored by design
    section.body.block.add_op(xdsl_test.TestOp())
    section.body.block.add_op(env.DepOp.build_op(kind="binary", dep="jq"))
    second = target.HarnessOp.build_op(harness="bare", injection="system-prompt")
    root.body.block.add_op(second)
    assert _why(module) == [
        "a second target.harness: a skill is lowered for one harness",
        "test.op is not an op the emitter reads",
        "env.dep is nested in skill.section: the emitter reads it only at the head of the skill "
        "region",
    ]
