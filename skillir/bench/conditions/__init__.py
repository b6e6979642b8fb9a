"""Conditions: how a task's skill reaches the agent. One class per module; `CONDITIONS` maps
each name to its class (adding a condition is one module and one line here)."""

from __future__ import annotations

from skillir.bench.conditions.adaptive import Adaptive
from skillir.bench.conditions.base import Condition, ConditionError, Target
from skillir.bench.conditions.compiled import Compiled
from skillir.bench.conditions.compiled_serial import CompiledSerial
from skillir.bench.conditions.jit import Jit
from skillir.bench.conditions.no_skill import NoSkill
from skillir.bench.conditions.original import Original

CONDITIONS: dict[str, type[Condition]] = {
    c.name: c for c in (NoSkill, Original, Compiled, CompiledSerial, Adaptive, Jit)
}

__all__ = ["CONDITIONS", "Condition", "ConditionError", "Target"]
