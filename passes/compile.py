"""`compile{harness model profile profile-dir borrow no-compensate env}`: the whole pipeline,
from a parsed SKILL.md to what one (harness, model) pair loads, as a registered pipeline of the
passes below (`skill-opt` runs them one by one, so `--print-ir-after-all`, `--print-ir-after=P`
and `--time-passes` show each).

    validate-skill{harness strict=false} → bind-target → infer-capabilities → analyze-gaps →
    compensate → guard-compensation → extract-deps → bind-env{platform=auto} →
    build-dataflow → extract-parallelism → lower-cap-to-target → lower-env-to-target →
    lower-par-to-target → verify-target

The profile is the store's entry for (harness, model), else `profile=PATH`; the same model
measured on another harness is used only with `borrow=true`, with a warning naming it.
`no-compensate=true` skips compensation and every text change of the lowering, so the compiled
SKILL.md is the original byte for byte. The input's spec problems are reported as warnings;
after a pass reports an error the rest of the pipeline does not run. An unknown harness is a
usage error.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from skillir.diagnostics import active_sink
from skillir.passes.analyze_gaps import AnalyzeGaps
from skillir.passes.bind_env import BindEnv
from skillir.passes.bind_target import BindTarget
from skillir.passes.build_dataflow import BuildDataflow
from skillir.passes.compensate import Compensate
from skillir.passes.extract_deps import ExtractDeps
from skillir.passes.extract_parallelism import ExtractParallelism
from skillir.passes.guard_compensation import GuardCompensation
from skillir.passes.infer_capabilities import InferCapabilities
from skillir.passes.lower_to_target import (
    EnvMode,
    LowerCapToTarget,
    LowerEnvToTarget,
    LowerParToTarget,
    harness_id,
)
from skillir.passes.validate_skill import ValidateSkill
from skillir.passes.verify_target import VerifyTarget
from skillir.targets.harnesses import harness


def profile_for(harness: str, model: str, profile: str, profile_dir: str, borrow: bool) -> str:
    """The profile file to compile for; LookupError says what is missing."""
    if profile:
        return profile
    from skillir.analysis.cap.profiles import canonical_harness, open_store

    if not model:
        raise LookupError(
            'needs a model (--model ID, model="ID") or a profile (--profile FILE, profile="FILE")'
        )
    store = open_store(profile_dir or None)
    found = store.find(canonical_harness(harness), model)
    if found is None and borrow:
        others = store.find_model_any_harness(model)
        if others:
            found = others[0]
            active_sink().warning(
                1,
                1,
                f"no profile of '{model}' on '{harness}': borrowing the one measured on "
                f"'{found.harness}' ({found.path})",
            )
    if found is None:
        hint = "" if borrow else "; borrow=true uses one measured on another harness"
        raise LookupError(
            f"no profile for harness '{harness}' and model '{model}' in {store.root}{hint}"
        )
    return str(found.path)


def passes_for(
    harness: str, profile: str, model: str = "", compensate: bool = True, env_mode: str = "script"
) -> list[ModulePass]:
    """The pipeline for one harness and a resolved profile file (`model` picks the entry of a
    file of several); without a profile (`--no-compensate`) nothing is bound."""
    text = compensate
    middle: list[ModulePass] = (
        [Compensate(), GuardCompensation()] if compensate else [GuardCompensation()]
    )
    bound: list[ModulePass] = [
        BindTarget(harness=harness, model=model, profile=profile),
        InferCapabilities(),
        AnalyzeGaps(),
        *middle,
    ]
    return [
        ValidateSkill(harness=harness_id(harness), strict=False),
        *(bound if profile else []),
        ExtractDeps(),
        BindEnv(platform="auto"),
        BuildDataflow(),
        ExtractParallelism(),
        LowerCapToTarget(harness=harness_id(harness), model=model, text=text),
        LowerEnvToTarget(mode=env_mode, text=text),
        LowerParToTarget(harness=harness_id(harness), text=text),
        VerifyTarget(),
    ]


@dataclass(frozen=True)
class Compile(ModulePass):
    name = "compile"

    harness: str = "bare"
    model: str = ""
    profile: str = ""
    profile_dir: str = ""
    borrow: bool = False
    no_compensate: bool = False
    env: EnvMode = "script"

    def __post_init__(self) -> None:
        try:
            harness(self.harness)
        except LookupError as err:
            raise ValueError(f"{self.name}: {err}") from None

    def expand(self) -> tuple[ModulePass, ...]:
        """The passes this compile runs (`passes_for`) with the profile resolved; none after an
        error, which goes to the active sink (as do the warnings of borrowing a profile)."""
        sink = active_sink()
        try:
            path = (
                ""  # the text stays as written: no profile needed
                if self.no_compensate and not (self.model or self.profile)
                else profile_for(
                    self.harness, self.model, self.profile, self.profile_dir, self.borrow
                )
            )
        except LookupError as err:
            sink.error(1, 1, f"compile: {err}")
            return ()
        if self.profile:
            from skillir.analysis.cap.profiles import ProfileError, canonical_harness, load_profile

            try:
                measured = load_profile(path, self.harness, self.model).harness
            except ProfileError:
                measured = None  # bind-target reports it at its position
            if measured and canonical_harness(measured) != canonical_harness(self.harness):
                sink.warning(
                    1, 1, f"compiling for '{self.harness}' with a profile measured on '{measured}'"
                )
        return tuple(passes_for(self.harness, path, self.model, not self.no_compensate, self.env))

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        sink = active_sink()
        for step in self.expand():
            step.apply(ctx, op)
            if sink.has_errors:
                return
