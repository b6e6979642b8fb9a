"""One run of the grid: stage a fresh directory, prepare the condition's skill, run the agent
(`run_skill`), grade outside the agent's view, and return the record (never raises)."""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from skillir.bench.conditions import CONDITIONS, ConditionError, Target
from skillir.bench.conditions.jit import Jit
from skillir.bench.graders import GRADER_TIMEOUT_S, grade
from skillir.bench.staging import SETUP_TIMEOUT_S, StageError, new_stage, stage_skill, stage_task
from skillir.bench.tasks import TaskError, load_task
from skillir.runtime.trace import write_json_atomic

# With several repeats the model samples (each repeat its own seed), so the repeats measure
# the model's variation; one repeat decodes greedily.
SAMPLING_TEMPERATURE = 0.7


def decoding(temperature: float) -> str:
    """How a run decodes, as its record says it."""
    if temperature == 0:
        return "greedy (temperature 0)"
    return f"sampled (temperature {temperature:g}, the run's seed)"


@dataclass(frozen=True)
class RunSpec:
    """One cell of the grid, self-contained so that a worker process or a Ray task can run it."""

    task_dir: str
    task: str
    condition: str
    repeat: int
    seed: int
    model: str
    temperature: float = 0.0
    harness: str = "bare"
    profile: str | None = None
    judge_model: str | None = None
    max_steps: int | None = None  # caps the task's own maxSteps
    timeout_s: float | None = None  # caps the task's own timeout
    setup_timeout_s: float = SETUP_TIMEOUT_S
    grader_timeout_s: float = GRADER_TIMEOUT_S
    keep_dir: str | None = None  # keep run directories under this folder
    skill_dir: str | None = None  # a prepared skill folder (skill-adapt's variants), staged as is
    jit_store: str | None = None  # the `jit` condition's JIT store (docs/jit.md)

    def key(self) -> tuple[str, str, str, int]:
        return (self.task, self.condition, self.model, self.repeat)


def _cost(model: str, prompt: int, completion: int) -> float | None:
    """The price litellm knows for these tokens, or None (local models, unknown prices)."""
    if model.startswith("local/"):
        return None
    try:
        from skillir.runtime.llm import litellm_module

        p, c = litellm_module().cost_per_token(
            model=model, prompt_tokens=prompt, completion_tokens=completion
        )
        return round(p + c, 6)
    except Exception:  # litellm has no price for it
        return None


def run_one(spec: RunSpec) -> dict[str, Any]:
    """Run `spec` and return its record; every failure is a status with its reason, score 0."""
    from skillir.runtime.agent import Limits
    from skillir.runtime.execute import RunConfig, SkillError, run_skill

    began = time.monotonic()
    record: dict[str, Any] = {
        **{k: v for k, v in asdict(spec).items() if k not in ("task_dir", "keep_dir")},
        "decoding": decoding(spec.temperature),
        "status": "error",
        "message": "",
        "score": 0.0,
        "automated": None,
        "judged": None,
        "passed": False,
        "parts": [],
    }
    stage = new_stage(Path(spec.keep_dir) if spec.keep_dir else None)
    try:
        task = load_task(Path(spec.task_dir))
        if task.not_runnable:
            record |= {"status": "not-runnable", "message": task.not_runnable}
            return record
        condition = CONDITIONS["compiled" if spec.skill_dir else spec.condition]()
        jit = Jit.store(spec.jit_store) if isinstance(condition, Jit) else None
        stage_task(task, stage, spec.setup_timeout_s)
        target = Target(spec.harness, spec.model, Path(spec.profile) if spec.profile else None)
        if spec.skill_dir:
            skill = stage_skill(Path(spec.skill_dir), stage)
        else:
            skill = condition.skill_path(task, stage, target)
        limits = Limits(
            max_steps=min(task.max_steps, spec.max_steps or task.max_steps),
            timeout_s=min(task.timeout_s, spec.timeout_s or task.timeout_s),
        )
        summary = run_skill(
            RunConfig(
                skill_path=skill,
                request=task.prompt,
                workdir=stage.work,
                trace_dir=stage.trace,
                model=spec.model,
                profile=target.profile,
                parallel=condition.parallel,
                limits=limits,
                temperature=spec.temperature,
                seed=spec.seed,
                jit=jit,
            )
        )
        record |= {
            "status": summary["status"],
            "message": summary["message"],
            **{
                k: summary.get(k)
                for k in ("wall_s", "run_s", "critical_path_s", "llm_calls", "prompt_tokens")
                + ("completion_tokens", "tool_calls", "tool_failures", "protocol", "sandbox")
            },
        }
        if jit is not None:  # which candidate did the task, or which failed and gave it back
            record |= {
                "jit": summary.get("jit"),
                "jit_fired": int(summary.get("jit") is not None),
                "jit_fallback": summary.get("jit_fallback"),
            }
        record["cost_usd"] = _cost(
            spec.model, summary["prompt_tokens"], summary["completion_tokens"]
        )
        result = grade(task, stage, spec.judge_model, spec.grader_timeout_s)
        # beside the trace, so `skill-jit mine KEEP/*/trace` leaves out runs that failed it
        write_json_atomic(stage.trace / "grade.json", {"passed": result.score >= 1.0 - 1e-9})
        counts = summary["status"] == "ok"  # a timeout or an error scores 0, still counted
        record |= {
            "score": round(result.score, 6) if counts else 0.0,
            "graded_score": round(result.score, 6),  # what the graders found in the work
            "automated": result.automated if counts else 0.0,
            "judged": result.judged if counts or result.judged is None else 0.0,
            "basis": result.basis,
            "passed": counts and result.score >= 1.0 - 1e-9,
            "parts": [vars(p) for p in result.parts],
            "judge_prompt_tokens": result.judge_prompt_tokens,
            "judge_completion_tokens": result.judge_completion_tokens,
        }
    except (TaskError, StageError, ConditionError, SkillError) as err:
        kind = {StageError: "stage-error", ConditionError: "condition-error"}.get(type(err))
        record |= {"status": kind or "task-error", "message": str(err)}
    except Exception as err:  # the run boundary: recorded and counted, never lost
        record |= {"status": "error", "message": f"{type(err).__name__}: {err}"}
    finally:
        record["bench_wall_s"] = round(time.monotonic() - began, 4)
        if spec.keep_dir:
            record["run_dir"] = str(stage.root)
        else:
            shutil.rmtree(stage.root, ignore_errors=True)
    return record
