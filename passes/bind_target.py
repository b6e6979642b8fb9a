"""`bind-target`: bind a skill to the capability profile of one (harness, model) pair.

Reads the profile store (`profile_dir`, else `$SKILLIR_PROFILES`, else the user cache dir) or
one file (`profile`); writes a `cap.target` op at the head of each `skill.skill` region with
the profile's effective levels, the recorded ones when they differ, and the catalog version.
Profile warnings (inversions, unmeasured primitives) are reported at their line in the
profile file, once per file and process (compiling many skills for one target says them once).
Replaces a target already bound; an unknown profile is an error and leaves the IR
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from skillir.analysis.cap.catalog import load_catalog
from skillir.analysis.cap.profiles import Profile, ProfileError, load_profile, open_store
from skillir.diagnostics import Severity, active_sink
from skillir.dialects import cap, skill


def resolve_profile(harness: str, model: str, profile: str, profile_dir: str) -> Profile:
    """The profile named by the pass options; raises ProfileError (positioned) or LookupError."""
    if profile:
        return load_profile(Path(profile), harness, model)
    if not model:
        raise LookupError('bind-target needs model="provider/model" or profile="file.json"')
    store = open_store(profile_dir or None)
    found = store.find(harness, model)
    if found is None:
        raise LookupError(
            f"no profile for harness '{harness}' and model '{model}' in {store.root}"
            " (set --profile-dir or SKILLIR_PROFILES)"
        )
    return found


# profile files whose warnings this process has reported
_WARNED: set[str] = set()


def report_warnings(profile: Profile) -> None:
    """Report the profile's own warnings at their place in its file, the first time only."""
    sink = active_sink()
    where = str(profile.path) if profile.path else sink.path
    key = str(Path(where).resolve()) if profile.path else ""
    if key and key in _WARNED:
        return
    if key:
        _WARNED.add(key)
    for warning in profile.warnings:
        sink.emit(Severity.WARNING, warning.line, warning.col, warning.message, path=where)


def target_op(profile: Profile) -> cap.TargetOp:
    order = list(load_catalog().primitives)
    levels = cap.LevelsAttr(tuple((p, profile.levels.get(p, 0)) for p in order))
    recorded = tuple((p, profile.recorded.get(p, 0)) for p in order)
    return cap.TargetOp.build_op(
        harness=profile.harness,
        model=profile.model,
        catalog=load_catalog().version,
        source=str(profile.path) if profile.path else None,
        levels=levels,
        recorded=cap.LevelsAttr(recorded) if recorded != levels.data else None,
    )


@dataclass(frozen=True)
class BindProfile(RewritePattern):
    """Each skill gets `cap.target` of `profile` at the head of its region, replacing the one
    bound before."""

    profile: Profile

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        if (old := cap.target_of(op)) is not None:
            rewriter.erase(old)
        rewriter.insert(target_op(self.profile), InsertPoint.at_start(op.body.block))


@dataclass(frozen=True)
class BindTarget(ModulePass):
    """Attach a target capability profile: `{harness=bare model="qwen/qwen3.5-9b"}`
    resolves from the store, `{profile="path.json"}` reads one file."""

    name = "bind-target"

    harness: str = "bare"
    model: str = ""
    profile: str = ""
    profile_dir: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        sink = active_sink()
        try:
            profile = resolve_profile(self.harness, self.model, self.profile, self.profile_dir)
        except ProfileError as err:
            sink.emit(Severity.ERROR, err.line, err.col, err.message, path=str(err.path))
            return
        except LookupError as err:
            sink.error(1, 1, str(err))
            return
        report_warnings(profile)
        PatternRewriteWalker(BindProfile(profile), apply_recursively=False).rewrite_module(op)
