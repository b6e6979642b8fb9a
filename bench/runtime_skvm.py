"""The reference system's tasks (`../shared/tasks/skvm`, with `bench/tasks` ones to reach ten
that have a skill) under no skill, the original skill and the compiled skill, on the embedded
model: plan steps, prompt tokens per model call, completion, and whether original and compiled
prompts differ. Runs against whichever `skillir` is imported, so the same script measures an
older checkout (see docs/runtime.md, "Measured"):

    python bench/runtime_skvm.py --out OUT [--prompts-only] [--max-calls 3] [--max-steps 2]
    PYTHONPATH=SHIM python bench/runtime_skvm.py --out BEFORE ...   # an older checkout
    python bench/runtime_skvm.py --table BEFORE/results.json OUT/results.json

Prompts (no model call): every plan step's first-turn messages, built as the runtime builds
them (the step's content from the IR where the runtime has `Executor.prompt`, its plan text
before; a skill without a plan: its one prompt with the skill injected), counted with SmolLM2's
own tokenizer (`--prompts-only` stops there, keeping the runs already in OUT). A task counts
as `differs` when some step's prompt differs between the original and the compiled skill
(`skill-translate -t bare` with the bare-agent profile of qwen3.5-9b, the weakest published
one).

Runs: each task in each mode, `--max-steps` model turns per agent, at most `--max-calls` model
calls per run (a run stopped there ends `error` with `call budget`) and `--reply-tokens` per
reply. Completion is the task's own check: the weighted score of its `grade.py`, the share of
the files its `*.test.ts` checks with `existsSync("...")` (bun is not run), or a `bench/tasks`
task's `file-check`/`script` graders. Results go to OUT/results.json (written after each run).

`--table` prints, per task and per mode, before -> after: plan steps, the median prompt tokens
per model call, the completion and the status; then per mode the median over tasks of those
medians and the mean completion with a 95 % bootstrap interval over tasks (decoding is greedy,
so repeats of a run are the same run; the interval is over tasks).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.util
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TASKS = REPO.parent / "shared" / "tasks" / "skvm"
OWN_TASKS = REPO / "bench" / "tasks"
EXTRA = ("csv-sum", "run-script")  # own tasks added to reach ten with a skill
PROFILE = REPO.parent / "shared" / "profiles" / "skvm" / "bare-agent__qwen--qwen3.5-9b.json"
MODES = ("none", "original", "compiled")


class CallBudget(Exception):
    """The bench's cap on model calls per run."""


def compile_skill(skill: Path, out: Path) -> Path:
    """`skill-translate SKILL -t bare -o OUT` with the imported skillir (once per OUT)."""
    if not out.exists():
        subprocess.run(
            [sys.executable, "-m", "skillir.tools.skill_translate", str(skill), "--target=bare",
             "--profile", str(PROFILE), "-o", str(out)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    return out


def tasks(extra: tuple[str, ...]) -> list[dict[str, Any]]:
    """The skvm tasks, then the named `bench/tasks` ones: id, prompt, folder, skill (or None)."""
    found = []
    paths = sorted(TASKS.glob("*/task.json")) + [OWN_TASKS / e / "task.json" for e in extra]
    for path in paths:
        data = json.loads(path.read_text())
        skill = (path.parent / data.get("skill", "")).resolve()
        if path.is_relative_to(TASKS):  # skvm's `../../skills/x` is copied to `_skills/x`
            skill = TASKS / "_skills" / Path(data.get("skill", "")).name
        found.append(
            {
                "id": data["id"],
                "prompt": data["prompt"],
                "dir": path.parent,
                "eval": data.get("eval", []),
                "skill": skill if (skill / "SKILL.md").is_file() else None,
            }
        )
    return found


def expected_files(task_dir: Path) -> list[str]:
    """The paths a task's `*.test.ts` checks with `existsSync("x")` or `` existsSync(`${ROOT}/x`)
    `` (with `const ROOT = "..."`)."""
    names: list[str] = []
    for test in (task_dir / "fixtures").glob("*.test.ts"):
        text = test.read_text()
        root = re.search(r'const ROOT = "([^"]+)"', text)
        names += re.findall(r'existsSync\("([^"]+)"\)', text)
        if root:
            names += [
                found.replace("${ROOT}", root.group(1))
                for found in re.findall(r"existsSync\(`([^`]+)`\)", text)
            ]
            names += [root.group(1)] if re.search(r"existsSync\(ROOT\)", text) else []
    return sorted(set(names))


def _own_grade(entry: dict[str, Any], work: Path) -> float:
    """A `bench/tasks` grader: `file-check` (equals) or `script` (exit code and output)."""
    if entry["method"] == "file-check":
        path = work / entry["path"]
        found = path.read_text(errors="replace").strip() if path.is_file() else None
        return float(found == str(entry.get("expected", "")).strip())
    run = subprocess.run(
        ["bash", "-c", entry["command"]], cwd=work, capture_output=True, text=True, timeout=60
    )
    ok = run.returncode == entry.get("expectedExitCode", 0)
    want = entry.get("expectedOutput")
    return float(ok and (want is None or run.stdout.strip() == str(want).strip()))


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
    own = [e for e in task["eval"] if e.get("method") in ("file-check", "script")]
    if own:
        total = sum(e.get("weight", 1.0) for e in own)
        return round(sum(_own_grade(e, work) * e.get("weight", 1.0) for e in own) / total, 3)
    files = expected_files(task["dir"])
    return round(sum((work / f).exists() for f in files) / len(files), 3) if files else 0.0


def step_prompts(folder: Path, request: str, vocab: Any) -> dict[str, Any]:
    """Each plan step's first-turn messages as the imported runtime builds them: tokens and a
    digest per step."""
    from skillir.runtime.agent import Agent
    from skillir.runtime.execute import (
        Executor,
        load_skill,
        plan_graphs,
        plan_task_ids,
        system_prompt,
    )
    from skillir.runtime.protocol import JsonProtocol, TaskLog

    skill = load_skill(folder)
    protocol = JsonProtocol(constrained=True)
    executor = Executor(None, protocol, None, skill, request, inject="step")  # type: ignore[arg-type]
    agent = Agent(None, protocol, None, system_prompt(skill, request, "step"))  # type: ignore[arg-type]
    logs: list[Any] = []
    for graph in plan_graphs(skill.plan):
        by_id = {t["id"]: t for t in graph["tasks"]}
        for task_id in plan_task_ids(graph["schedule"]):
            task = by_id[task_id]
            if hasattr(executor, "prompt"):
                step = executor.prompt(task)
                logs.append(TaskLog(step.text, label=step.label))
            else:
                logs.append(TaskLog(task["text"]))
    if not logs:  # no plan: one agent on the request with the skill injected whole
        try:  # cut to the step budget where the runtime does so
            agent.system = system_prompt(skill, request, "full", executor.budget)  # type: ignore[call-arg]
        except (TypeError, AttributeError):
            agent.system = system_prompt(skill, request, "full")
        logs.append(TaskLog(request))
    counts: list[int] = []
    digests: list[str] = []
    for log in logs:
        agent.log = [log]
        text = "".join(str(m["content"]) for m in agent.messages)
        counts.append(len(vocab.tokenize(text.encode(), add_bos=False, special=True)))
        digests.append(hashlib.sha256(text.encode()).hexdigest()[:16])
    return {"tokens": counts, "digests": digests}


def run_one(task: dict[str, Any], mode: str, skill: Path | None, out: Path, args: Any) -> dict:
    """One run of `task` in `mode` with the imported runtime; its record."""
    from skillir.runtime import execute
    from skillir.runtime.agent import Limits
    from skillir.runtime.sandbox import Sandbox
    from skillir.runtime.trace import Hooks

    first: list[str] = []

    class Cap(Hooks):
        calls = 0

        def before_llm(self, agent: str, messages: list) -> None:
            if not first:
                first.append(hashlib.sha256(json.dumps(messages).encode()).hexdigest()[:16])
            Cap.calls += 1
            if Cap.calls > args.max_calls:
                raise CallBudget(f"call budget of {args.max_calls} spent")

    work = out / "work" / f"{task['id']}-{mode}"
    trace = out / "trace" / f"{task['id']}-{mode}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(trace, ignore_errors=True)
    work.mkdir(parents=True)
    for fixture in (task["dir"] / "fixtures").glob("*"):
        if not fixture.name.endswith(".test.ts"):
            shutil.copy(fixture, work / fixture.name)
    if (work / "_setup.sh").exists():
        sandbox = Sandbox(work, timeout_s=120)
        sandbox.call("execute_command", {"command": "bash _setup.sh && rm _setup.sh"})
        sandbox.close()
    fields = {f.name for f in dataclasses.fields(execute.RunConfig)}
    options: dict[str, Any] = {"hooks": [Cap()]}
    if "step_budget" in fields and args.step_budget:
        options["step_budget"] = args.step_budget
    config = execute.RunConfig(
        skill_path=skill,  # type: ignore[arg-type]
        request=task["prompt"],
        workdir=work,
        trace_dir=trace,
        model="local/smollm2-135m",
        limits=Limits(
            max_steps=args.max_steps, timeout_s=args.timeout, reply_tokens=args.reply_tokens
        ),
        **options,
    )
    began = time.monotonic()
    summary = execute.run_skill(config)
    events = [json.loads(line) for line in (trace / "trace.jsonl").open()]
    return {
        "task": task["id"],
        "mode": mode,
        "status": summary["status"],
        "message": summary["message"][:200],
        "calls": summary["llm_calls"],
        "prompt_tokens": [e["prompt_tokens"] for e in events if e["event"] == "llm"],
        "completion_tokens": summary["completion_tokens"],
        "steps": sum(e["event"] == "node_start" and e.get("kind") == "step" for e in events),
        "first_prompt": first[0] if first else None,
        "completion": completion(task, work),
        "seconds": round(time.monotonic() - began, 1),
    }


def plan_steps(folder: Path) -> int:
    from skillir.runtime.execute import load_skill, plan_graphs, plan_task_ids

    plan = load_skill(folder).plan
    return sum(len(plan_task_ids(g["schedule"])) for g in plan_graphs(plan))


def measure(args: Any) -> int:
    from llama_cpp import Llama

    import skillir
    from skillir.runtime import execute
    from skillir.runtime.local import model_path

    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [t for t in tasks(EXTRA) if not args.only or t["id"] in args.only.split(",")]
    no_skill = hasattr(execute, "NO_SKILL")  # the runtime has a no-skill mode
    results: dict[str, Any] = {"skillir": str(Path(skillir.__file__).parent), "settings": {
        k: v for k, v in vars(args).items() if k in
        ("max_calls", "max_steps", "reply_tokens", "timeout", "step_budget")
    }, "tasks": {}, "runs": []}  # fmt: skip
    vocab = Llama(model_path=str(model_path("smollm2-135m")), vocab_only=True, verbose=False)
    for task in chosen:
        entry: dict[str, Any] = {"skill": task["skill"].name if task["skill"] else None}
        if task["skill"] is not None:
            compiled = compile_skill(task["skill"], args.out / "compiled" / task["skill"].name)
            for mode, folder in (("original", task["skill"]), ("compiled", compiled)):
                entry[mode] = step_prompts(folder, task["prompt"], vocab)
                entry[mode]["plan_steps"] = plan_steps(folder)
            entry["differs"] = entry["original"]["digests"] != entry["compiled"]["digests"]
        results["tasks"][task["id"]] = entry
        print(json.dumps({"task": task["id"], **{
            m: entry[m]["tokens"] for m in ("original", "compiled") if m in entry
        }, "differs": entry.get("differs")}), flush=True)  # fmt: skip
    saved = args.out / "results.json"
    if args.prompts_only:  # keep the runs of an earlier measurement in OUT
        if saved.is_file():
            results["runs"] = json.loads(saved.read_text()).get("runs", [])
        saved.write_text(json.dumps(results, indent=1, default=str))
        return 0
    saved.write_text(json.dumps(results, indent=1, default=str))
    for task in chosen:
        for mode in args.modes.split(","):
            if (mode == "none" and not no_skill) or (mode != "none" and task["skill"] is None):
                continue
            skill = {"none": None, "original": task["skill"]}.get(mode)
            if mode == "compiled":
                skill = args.out / "compiled" / task["skill"].name
            record = run_one(task, mode, skill, args.out, args)
            results["runs"].append(record)
            (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str))
            print(json.dumps({k: v for k, v in record.items() if k != "prompt_tokens"}), flush=True)
    return 0


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _interval(values: list[float], rounds: int = 2000) -> str:
    """The mean of `values` with a 95 % bootstrap interval (seeded)."""
    if not values:
        return "-"
    rng = random.Random(0)
    means = sorted(statistics.fmean(rng.choices(values, k=len(values))) for _ in range(rounds))
    low, high = means[int(rounds * 0.025)], means[int(rounds * 0.975) - 1]
    return f"{statistics.fmean(values):.2f} [{low:.2f}, {high:.2f}]"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def regrade(saved: Path) -> None:
    """Grade again every run of `saved` (a results.json) from the work directory kept beside
    it, with this script's graders."""
    data = json.loads(saved.read_text())
    found = {t["id"]: t for t in tasks(EXTRA)}
    for record in data["runs"]:
        work = saved.parent / "work" / f"{record['task']}-{record['mode']}"
        if work.is_dir() and record["task"] in found:
            record["completion"] = completion(found[record["task"]], work)
    saved.write_text(json.dumps(data, indent=1, default=str))


def table(before_path: Path, after_path: Path) -> int:
    """Print the before/after tables of two results.json files."""
    before, after = (json.loads(p.read_text()) for p in (before_path, after_path))

    def runs(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(r["task"], r["mode"]): r for r in data["runs"]}

    old, new = runs(before), runs(after)
    ids = list(after["tasks"])

    def pair(key: tuple[str, str], field: str) -> str:
        values = []
        for found in (old, new):
            record = found.get(key)
            if record is None:
                values.append("n/a")
            elif field == "tokens":
                values.append(_num(_median(record["prompt_tokens"])) if record["calls"] else "0")
            else:
                values.append(str(record[field]))
        return " -> ".join(values)

    def steps(data: dict[str, Any], task: str) -> str:
        entry = data["tasks"].get(task, {})
        return "/".join(str(entry[m]["plan_steps"]) for m in ("original", "compiled") if m in entry)

    print("Per task, before -> after (plan steps original/compiled; prompt tokens per model call,")
    print("median; completion):\n")
    print("| task | plan steps | tokens/call: none | original | compiled | completion: none | "
          "original | compiled | prompts differ |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for task in ids:
        differs = [d["tasks"].get(task, {}).get("differs") for d in (before, after)]
        shown = " -> ".join("-" if d is None else ("yes" if d else "no") for d in differs)
        cells = [pair((task, m), "tokens") for m in MODES]
        cells += [pair((task, m), "completion") for m in MODES]
        print(f"| {task} | {steps(before, task) or '-'} -> {steps(after, task) or '-'} | "
              f"{' | '.join(cells)} | {shown} |")  # fmt: skip
    print("\nPer mode (tasks with a skill, and every task for no skill):\n")
    print("| mode | version | runs | tokens/call (median of task medians) | completion tokens "
          "(median) | completion (mean, 95 % interval over tasks) | ok | call budget | env-error "
          "| other |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for mode in MODES:
        for name, found in (("before", old), ("after", new)):
            chosen = [r for (t, m), r in found.items() if m == mode]
            if not chosen:
                print(f"| {mode} | {name} | 0 | n/a | n/a | n/a | - | - | - | - |")
                continue
            medians = [_median(r["prompt_tokens"]) for r in chosen if r["prompt_tokens"]]
            budget = sum(r["message"].startswith("CallBudget") for r in chosen)
            ok = sum(r["status"] == "ok" for r in chosen)
            env = sum(r["status"] == "env-error" for r in chosen)
            print(
                f"| {mode} | {name} | {len(chosen)} | {_num(_median(medians))} | "
                f"{_num(_median([r['completion_tokens'] for r in chosen]))} | "
                f"{_interval([r['completion'] for r in chosen])} | "
                f"{ok} | {budget} | {env} | {len(chosen) - ok - budget - env} |"
            )
    for name, data in (("before", before), ("after", after)):
        entries = [e for e in data["tasks"].values() if "differs" in e]
        per_step = [n for e in entries for m in ("original", "compiled") for n in e[m]["tokens"]]
        print(
            f"\n{name}: original and compiled step prompts differ on "
            f"{sum(e['differs'] for e in entries)} of {len(entries)} tasks; step prompt tokens "
            f"(first turn) median {_num(_median(per_step))}, max {max(per_step, default=0)}"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--table", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--prompts-only", action="store_true")
    parser.add_argument("--regrade", action="store_true", help="with --table: grade again")
    parser.add_argument("--max-calls", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--reply-tokens", type=int, default=192)
    parser.add_argument("--step-budget", type=int, default=0, help="0: the runtime's default")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--only", default="", help="comma-separated task ids")
    args = parser.parse_args()
    if args.table:
        for saved in args.table if args.regrade else ():
            regrade(saved)
        return table(*args.table)
    if args.out is None:
        parser.error("--out or --table is required")
    if not TASKS.is_dir():
        print(f"{TASKS}: not present", file=sys.stderr)
        return 2
    return measure(args)


if __name__ == "__main__":
    sys.exit(main())
