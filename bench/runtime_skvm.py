"""The reference system's tasks (`../shared/tasks/skvm`) under no skill, the original skill and
the compiled skill, on the embedded model: prompt tokens per plan step and completion.

    python bench/runtime_skvm.py --out OUT [--prompts-only] [--max-calls 8] [--max-steps 3]

Prompts (`--prompts-only` stops here; no model call): for every plan step of the original and
the compiled skill (`skill-translate -t bare`, the bare-agent profile of qwen3.5-9b, the weakest
published one), the first turn's messages are built as the runtime builds them and counted with
SmolLM2's own tokenizer: `before` is the form before issue 16 (the step's first line only),
`after` the step's content from the IR within the budget. A task counts as `differs` when some
step's prompt differs between the original and the compiled skill.

Runs: each task in each mode, with `--max-steps` model turns per agent and at most
`--max-calls` model calls per run (a run stopped there ends `error` with `call budget`; a 135M
model on a 2-core machine is slow). Completion is the task's own artifacts: the files its
`*.test.ts` checks with `existsSync("...")`, or the weighted score of its `grade.py`.
Results go to OUT/results.json and a table on stdout.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TASKS = REPO.parent / "shared" / "tasks" / "skvm"
PROFILE = REPO.parent / "shared" / "profiles" / "skvm" / "bare-agent__qwen--qwen3.5-9b.json"
MODES = ("none", "original", "compiled")


class CallBudget(Exception):
    """The bench's cap on model calls per run."""


def compile_skill(skill: Path, out: Path) -> Path:
    if not out.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "skillir.tools.skill_translate",
                str(skill),
                "--target=bare",
                "--profile",
                str(PROFILE),
                "-o",
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return out


def tasks() -> list[dict[str, Any]]:
    found = []
    for path in sorted(TASKS.glob("*/task.json")):
        data = json.loads(path.read_text())
        name = Path(data.get("skill", "")).name
        skill = TASKS / "_skills" / name
        found.append(
            {
                "id": data["id"],
                "prompt": data["prompt"],
                "dir": path.parent,
                "skill": skill if (skill / "SKILL.md").is_file() else None,
            }
        )
    return found


def expected_files(task_dir: Path) -> list[str]:
    names: list[str] = []
    for test in (task_dir / "fixtures").glob("*.test.ts"):
        text = test.read_text()
        root = re.search(r'const ROOT = "([^"]+)"', text)
        names += re.findall(r'existsSync\("([^"]+)"\)', text)
        if root:
            names.append(root.group(1))
    return sorted(set(names))


def completion(task: dict[str, Any], work: Path) -> float:
    grader = task["dir"] / "grade.py"
    if grader.is_file():
        spec = importlib.util.spec_from_file_location(f"grade_{task['id']}", grader)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        try:
            spec.loader.exec_module(module)  # type: ignore[union-attr]
            records = module.grade([], str(work))
            return round(sum(r["score"] * r["weight"] for r in records), 3)
        except Exception:
            return 0.0
    files = expected_files(task["dir"])
    return round(sum((work / f).exists() for f in files) / len(files), 3) if files else 0.0


def prompt_tokens(folder: Path, request: str) -> dict[str, list[int] | list[str]]:
    """Tokens of each plan step's first-turn prompt, before and after this issue, and the
    after-prompts themselves (to compare original with compiled)."""
    from llama_cpp import Llama

    from skillir.runtime.agent import Agent
    from skillir.runtime.execute import Executor, _graphs, _task_ids, load_skill, system_prompt
    from skillir.runtime.local import model_path
    from skillir.runtime.protocol import JsonProtocol, TaskLog

    vocab = _vocab(Llama, model_path("smollm2-135m"))
    skill = load_skill(folder)
    protocol = JsonProtocol(constrained=True)
    executor = Executor(None, protocol, None, skill, request, inject="step")  # type: ignore[arg-type]
    system = system_prompt(skill, request, "step")
    before: list[int] = []
    after: list[int] = []
    texts: list[str] = []
    for graph in _graphs(skill.plan):
        tasks_by_id = {t["id"]: t for t in graph["tasks"]}
        for task_id in _task_ids(graph["schedule"]):
            task = tasks_by_id[task_id]
            step = executor.prompt(task)
            agent = Agent(None, protocol, None, system)  # type: ignore[arg-type]
            agent.log = [TaskLog(task["text"])]
            before.append(_count(vocab, agent.messages))
            agent.log = [TaskLog(step.text, label=step.label)]
            after.append(_count(vocab, agent.messages))
            texts.append(step.text)
    return {"before": before, "after": after, "texts": texts}


def _vocab(llama_class: Any, path: Path) -> Any:
    return llama_class(model_path=str(path), vocab_only=True, verbose=False)


def _count(vocab: Any, messages: list[dict[str, Any]]) -> int:
    text = "".join(str(m["content"]) for m in messages)
    return len(vocab.tokenize(text.encode(), add_bos=False, special=True))


def run_one(task: dict[str, Any], mode: str, skill: Path | None, out: Path, args: Any) -> dict:
    from skillir.runtime.agent import Limits
    from skillir.runtime.execute import RunConfig, run_skill
    from skillir.runtime.sandbox import Sandbox
    from skillir.runtime.trace import Hooks

    class Cap(Hooks):
        calls = 0

        def before_llm(self, agent: str, messages: list) -> None:
            Cap.calls += 1
            if Cap.calls > args.max_calls:
                raise CallBudget(f"call budget of {args.max_calls} spent")

    work = out / "work" / f"{task['id']}-{mode}"
    trace = out / "trace" / f"{task['id']}-{mode}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for fixture in (task["dir"] / "fixtures").glob("*"):
        if not fixture.name.endswith(".test.ts"):
            shutil.copy(fixture, work / fixture.name)
    if (work / "_setup.sh").exists():
        sandbox = Sandbox(work, timeout_s=120)
        sandbox.call("execute_command", {"command": "bash _setup.sh && rm _setup.sh"})
        sandbox.close()
    config = RunConfig(
        skill_path=skill,
        request=task["prompt"],
        workdir=work,
        trace_dir=trace,
        model="local/smollm2-135m",
        limits=Limits(
            max_steps=args.max_steps, timeout_s=args.timeout, reply_tokens=args.reply_tokens
        ),
        hooks=[Cap()],
        grounding=args.grounding,
    )
    summary = run_skill(config)
    events = [json.loads(line) for line in (trace / "trace.jsonl").open()]
    prompts = [e["prompt_tokens"] for e in events if e["event"] == "llm"]
    return {
        "task": task["id"],
        "mode": mode,
        "status": summary["status"],
        "message": summary["message"][:200],
        "calls": summary["llm_calls"],
        "prompt_tokens": prompts,
        "files_written": summary.get("files_written", []),
        "completion": completion(task, work),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--prompts-only", action="store_true")
    parser.add_argument("--max-calls", type=int, default=8)
    parser.add_argument("--max-steps", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--reply-tokens", type=int, default=512)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--grounding", default="auto", choices=("auto", "on", "off"))
    parser.add_argument("--only", default="", help="comma-separated task ids")
    args = parser.parse_args()
    if not TASKS.is_dir():
        print(f"{TASKS}: not present", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [t for t in tasks() if not args.only or t["id"] in args.only.split(",")]
    results: dict[str, Any] = {"prompts": {}, "runs": []}
    print(
        "| task | skill steps | before: tokens/step (median, max) | after: original | after: "
        "compiled | differs |"
    )
    print("|---|---|---|---|---|---|")
    for task in chosen:
        if task["skill"] is None:
            continue
        compiled = compile_skill(task["skill"], args.out / "compiled" / task["skill"].name)
        original = prompt_tokens(task["skill"], task["prompt"])
        comp = prompt_tokens(compiled, task["prompt"])
        differs = original["texts"] != comp["texts"]
        results["prompts"][task["id"]] = {
            "original": original,
            "compiled": comp,
            "differs": differs,
            "before_differs": original["before"] != comp["before"],
        }

        def stat(values: list[int]) -> str:
            return f"{statistics.median(values):.0f}, {max(values)}" if values else "-"

        print(
            f"| {task['id']} | {len(original['after'])} / {len(comp['after'])} | "
            f"{stat(original['before'])} | {stat(original['after'])} | "
            f"{stat(comp['after'])} | {'yes' if differs else 'no'} |"
        )
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    if args.prompts_only:
        return 0
    for task in chosen:
        for mode in args.modes.split(","):
            if mode != "none" and task["skill"] is None:
                continue
            skill = None
            if mode == "original":
                skill = task["skill"]
            elif mode == "compiled":
                skill = args.out / "compiled" / task["skill"].name
            record = run_one(task, mode, skill, args.out, args)
            results["runs"].append(record)
            (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str))
            print(json.dumps({k: v for k, v in record.items() if k != "prompt_tokens"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
