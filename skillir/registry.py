"""What the tools can load, by name, imported only when used (xDSL's lazy-dialect habit)."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass


def _skill_dialect() -> Dialect:
    from skillir.dialects.skill import Skill

    return Skill


def _builtin_dialect() -> Dialect:
    from xdsl.dialects.builtin import Builtin

    return Builtin


def _validate_skill() -> type[ModulePass]:
    from skillir.passes.validate_skill import ValidateSkill

    return ValidateSkill


DIALECTS: dict[str, Callable[[], Dialect]] = {
    "builtin": _builtin_dialect,
    "skill": _skill_dialect,
}

PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "validate-skill": _validate_skill,
}
