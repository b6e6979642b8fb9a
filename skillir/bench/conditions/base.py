"""The condition interface: prepare the skill for one run, say how the runtime runs it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from skillir.bench.staging import Stage, stage_skill
from skillir.bench.tasks import Task


class ConditionError(Exception):
    """The condition cannot prepare this task (e.g. compilation failed); the run scores 0."""


@dataclass(frozen=True)
class Target:
    """What a compiled skill is compiled for."""

    harness: str = "bare"
    model: str = "local/smollm2-135m"
    profile: Path | None = None


class Condition:
    """A condition: `skill_path` stages what the agent gets (None: no skill); `parallel` is how
    the runtime executes a plan."""

    name: ClassVar[str]
    parallel: ClassVar[bool] = True

    def skill_path(self, task: Task, stage: Stage, target: Target) -> Path | None:
        raise NotImplementedError

    @staticmethod
    def staged_skill(task: Task, stage: Stage) -> Path:
        """The task's (first) skill, copied outside the work directory."""
        if task.skill_problem:
            raise ConditionError(task.skill_problem)
        if not task.skills:
            raise ConditionError(f"task {task.id} names no skill")
        return stage_skill(task.skills[0], stage)
