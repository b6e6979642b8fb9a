"""What the tools can load, by name, imported only when used (xDSL's lazy-dialect habit)."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass


def _skill_dialect() -> Dialect:
    from skillir.dialects.skill import Skill

    return Skill


def _cap_dialect() -> Dialect:
    from skillir.dialects.cap import Cap

    return Cap


def _env_dialect() -> Dialect:
    from skillir.dialects.env import Env

    return Env


def _par_dialect() -> Dialect:
    from skillir.dialects.par import Par

    return Par


def _target_dialect() -> Dialect:
    from skillir.dialects.target import Target

    return Target


def _builtin_dialect() -> Dialect:
    from xdsl.dialects.builtin import Builtin

    return Builtin


def _pass(module: str, cls: str) -> Callable[[], type[ModulePass]]:
    def load() -> type[ModulePass]:
        import importlib

        return getattr(importlib.import_module(f"skillir.passes.{module}"), cls)

    return load


DIALECTS: dict[str, Callable[[], Dialect]] = {
    "builtin": _builtin_dialect,
    "skill": _skill_dialect,
    "cap": _cap_dialect,
    "env": _env_dialect,
    "par": _par_dialect,
    "target": _target_dialect,
}

PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "validate-skill": _pass("validate_skill", "ValidateSkill"),
    "bind-target": _pass("bind_target", "BindTarget"),
    "infer-capabilities": _pass("infer_capabilities", "InferCapabilities"),
    "analyze-gaps": _pass("analyze_gaps", "AnalyzeGaps"),
    "compensate-substitute": _pass("compensate", "CompensateSubstitute"),
    "compensate-degrade": _pass("compensate", "CompensateDegrade"),
    "compensate-eliminate": _pass("compensate", "CompensateEliminate"),
    "compensate": _pass("compensate", "Compensate"),
    "guard-compensation": _pass("guard_compensation", "GuardCompensation"),
    "extract-deps": _pass("extract_deps", "ExtractDeps"),
    "bind-env": _pass("bind_env", "BindEnv"),
    "build-dataflow": _pass("build_dataflow", "BuildDataflow"),
    "extract-parallelism": _pass("extract_parallelism", "ExtractParallelism"),
    "lower-cap-to-target": _pass("lower_to_target", "LowerCapToTarget"),
    "lower-env-to-target": _pass("lower_to_target", "LowerEnvToTarget"),
    "lower-par-to-target": _pass("lower_to_target", "LowerParToTarget"),
    "verify-target": _pass("verify_target", "VerifyTarget"),
    "compile": _pass("compile", "Compile"),
}

DESCRIPTIONS: dict[str, str] = {
    "validate-skill": "check each skill against the Agent Skills spec (and a harness's keys)",
    "bind-target": "bind the capability profile of a (harness, model) pair or of one file",
    "infer-capabilities": "find what each part of the skill requires, with the evidence",
    "analyze-gaps": "compare the requirements with the bound profile: one cap.gap per shortfall",
    "compensate-substitute": "notes that move a gap to a primitive the target has at L2+",
    "compensate-degrade": "notes with the catalog's guidance for each level step down",
    "compensate-eliminate": "remove content that only teaches what the target does at L3",
    "compensate": "eliminate, then substitute and degrade within the growth budget",
    "guard-compensation": "fail when compensation changed what it must not, or grew too much",
    "extract-deps": "the skill's dependencies (packages, binaries, variables) as env.dep ops",
    "bind-env": "bind the dependencies to a platform's package managers",
    "build-dataflow": "what each step reads and writes, as a dependency graph",
    "extract-parallelism": "the regions that can run at once (ilp, dlp, tlp)",
    "lower-cap-to-target": "the harness head, the bundled files and the harness's tool names",
    "lower-env-to-target": "env-setup.sh and a note saying to run it",
    "lower-par-to-target": "plan.json and a note per region the harness can run at once",
    "verify-target": "fail when the emitter would ignore an op (the level contract)",
    "compile": "the whole pipeline from a SKILL.md to what one harness and model load",
}
"""One line per pass, for `skill-opt --list-passes`."""
