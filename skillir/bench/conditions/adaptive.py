"""`adaptive`: the variant `skill-adapt` selected for this skill, model and harness."""

from __future__ import annotations

from pathlib import Path

from skillir.bench.conditions.base import Condition, ConditionError, Target
from skillir.bench.staging import Stage, stage_skill
from skillir.bench.tasks import Task


class Adaptive(Condition):
    name = "adaptive"

    def skill_path(self, task: Task, stage: Stage, target: Target) -> Path | None:
        from skillir.adaptive.store import entry

        if task.skill_problem or not task.skills:
            raise ConditionError(task.skill_problem or f"task {task.id} names no skill")
        source = task.skills[0]
        found = entry(source, target.model, target.harness) / source.resolve().name
        if not (found / "SKILL.md").is_file():
            raise ConditionError(
                f"no adapted variant of {source.name} for {target.model} on {target.harness}: "
                "run skill-adapt first"
            )
        return stage_skill(found, stage)
