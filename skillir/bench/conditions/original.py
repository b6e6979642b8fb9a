"""`original`: the skill as its author wrote it (the runtime plans it on the spot)."""

from __future__ import annotations

from pathlib import Path

from skillir.bench.conditions.base import Condition, Target
from skillir.bench.staging import Stage
from skillir.bench.tasks import Task


class Original(Condition):
    name = "original"

    def skill_path(self, task: Task, stage: Stage, target: Target) -> Path | None:
        return self.staged_skill(task, stage)
