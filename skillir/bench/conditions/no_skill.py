"""`no-skill`: the same agent loop and tools without a skill."""

from __future__ import annotations

from pathlib import Path

from skillir.bench.conditions.base import Condition, Target
from skillir.bench.staging import Stage
from skillir.bench.tasks import Task


class NoSkill(Condition):
    name = "no-skill"

    def skill_path(self, task: Task, stage: Stage, target: Target) -> Path | None:
        return None
