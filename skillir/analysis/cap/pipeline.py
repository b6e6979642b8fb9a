"""The capability pipeline as one call, for tests and benchmarks; `skill-opt -p` spells it
`bind-target{...},infer-capabilities,analyze-gaps,compensate,guard-compensation`."""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from skillir.passes.analyze_gaps import AnalyzeGaps
from skillir.passes.bind_target import BindTarget
from skillir.passes.compensate import Compensate
from skillir.passes.guard_compensation import GuardCompensation
from skillir.passes.infer_capabilities import InferCapabilities


def capability_passes(profile: str) -> list[ModulePass]:
    return [
        BindTarget(profile=profile),
        InferCapabilities(),
        AnalyzeGaps(),
        Compensate(),
        GuardCompensation(),
    ]


def compile_for(module: ModuleOp, profile: str) -> ModuleOp:
    """Run the capability pipeline in place for the profile file `profile`; returns `module`."""
    ctx = Context()
    for compile_pass in capability_passes(profile):
        compile_pass.apply(ctx, module)
    return module
