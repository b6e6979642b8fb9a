"""`compiled`: the skill compiled by `skill-translate` for the run's target, plan in parallel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from skillir.bench.conditions.base import Condition, ConditionError, Target
from skillir.bench.staging import Stage
from skillir.bench.tasks import Task

COMPILE_TIMEOUT_S = 300.0


class Compiled(Condition):
    name = "compiled"

    def skill_path(self, task: Task, stage: Stage, target: Target) -> Path | None:
        source = self.staged_skill(task, stage)
        out = stage.skill / f"{source.name}.compiled"
        argv = [sys.executable, "-m", "skillir.tools.skill_translate", str(source)]
        argv += [f"--target={target.harness}", "--model", target.model, "-q", "-o", str(out)]
        if target.profile is not None:
            argv += ["--profile", str(target.profile)]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise ConditionError(
                f"skill-translate timed out after {COMPILE_TIMEOUT_S:g} s"
            ) from None
        if proc.returncode != 0:
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            raise ConditionError(f"skill-translate exited {proc.returncode}: {tail}")
        return out
