"""Running a skill: load it, check its environment, execute its plan, write the evidence.

A skill folder as written runs as one agent on the user's task. A folder compiled by
`skill-translate --target=bare` also has `env-setup.sh` (its checks run first; installs only when
allowed) and `plan.json`, whose schedule is executed for real: steps in order on the main agent,
an `ilp` or `tlp` region as concurrent sub-agents (one per task or branch), a `dlp` region as a
concurrent map over the items it names when they are files in the work directory. With
`parallel=False` the same schedule runs depth-first, one step at a time, which is the serial
baseline the speedups are measured against. What each region's sub-agents did joins the main
agent's conversation as finished steps.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from skillir.runtime.agent import Agent, AgentResult, Limits, Status
from skillir.runtime.llm import LLM, ModelError
from skillir.runtime.protocol import Protocol, TaskLog, choose, quoted_commands
from skillir.runtime.sandbox import Sandbox
from skillir.runtime.trace import Hooks, Trace, write_json_atomic

RUNTIME_FILES = ("plan.json", "env-setup.sh")
ENV_TIMEOUT_S = 600


class SkillError(Exception):
    """A skill path that cannot be run (the message names the path)."""


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    body: str
    folder: Path
    plan: dict[str, Any] | None = None
    env_setup: Path | None = None


def _frontmatter(text: str) -> tuple[dict[str, str], str]:
    """(name/description fields, body) of a SKILL.md; empty fields when they cannot be read."""
    import yaml

    from skillir.frontmatter import UnterminatedFrontmatter, split_frontmatter

    lines = text.splitlines(keepends=True)
    try:
        block = split_frontmatter(lines)
    except UnterminatedFrontmatter:
        return {}, text
    if block is None:
        return {}, text
    try:
        data = yaml.safe_load(block.yaml) or {}
    except yaml.YAMLError:
        data = {}
    meta = {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return meta, "".join(lines[block.end_line :]).lstrip("\n")


def load_skill(path: Path, planned: bool = True) -> Skill:
    """A skill folder (or its SKILL.md): a compiled one with its plan and env script; one as
    written with the plan computed here (`planned=False`: none, one agent does everything)."""
    folder = path.parent if path.name == "SKILL.md" else path
    skill_md = folder / "SKILL.md"
    if not skill_md.is_file():
        raise SkillError(f"{path}: error: not a skill folder (no SKILL.md)")
    try:
        text = skill_md.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SkillError(f"{skill_md}: error: cannot read: {err}") from err
    meta, body = _frontmatter(text)
    plan = None
    if (folder / "plan.json").is_file():
        try:
            plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            line = getattr(err, "lineno", 1)
            col = getattr(err, "colno", 1)
            raise SkillError(f"{folder / 'plan.json'}:{line}:{col}: error: {err}") from err
        if not isinstance(plan, dict) or plan.get("format") != "skillir-plan":
            raise SkillError(f"{folder / 'plan.json'}:1:1: error: not a skillir plan")
    elif planned:
        plan = plan_of_source(folder)
    env_setup = folder / "env-setup.sh"
    return Skill(
        name=meta.get("name", folder.name),
        description=meta.get("description", ""),
        body=body,
        folder=folder,
        plan=plan,
        env_setup=env_setup if env_setup.is_file() else None,
    )


def plan_of_source(folder: Path) -> dict[str, Any]:
    """The plan of a skill folder as written (what `skill-translate -t plan-json` prints)."""
    from skillir.diagnostics import Severity
    from skillir.plan import plan
    from skillir.tools.skill_opt import load_module

    driver, module = load_module("skill-run", str(folder), "build-dataflow,extract-parallelism")
    if module is None:
        errors = [d for d in driver.sink.diagnostics if d.severity is Severity.ERROR]
        raise SkillError((errors[0] if errors else driver.sink.diagnostics[-1]).render())
    return plan(module, str(folder / "SKILL.md"))


SKILL_COPY = ".skill"  # where `list` injection puts SKILL.md in the work directory


def system_prompt(skill: Skill, request: str, inject: str = "full") -> str:
    """The bare harness's injection: the skill's text in the system prompt (`full`); only its
    listing, SKILL.md being read on demand (`list`); or for a step of a plan only the skill's
    name and description (`step`: the step is the task)."""
    head = f"You are an agent working in a work directory. The user's request: {request}"
    if inject == "step":
        return f"{head}\nYou do one step of the skill {skill.name}: {skill.description}"
    if inject == "list":
        listing = (
            "<available_skills>\n  <skill>\n"
            f"    <name>{escape(skill.name)}</name>\n"
            f"    <description>{escape(skill.description)}</description>\n"
            f"    <location>{SKILL_COPY}/{escape(skill.name)}/SKILL.md</location>\n"
            "  </skill>\n</available_skills>"
        )
        return f"{head}\n\n{listing}\nBefore using a skill, read its SKILL.md with read_file."
    return f'{head}\n\n<skill name="{skill.name}">\n{skill.body.strip()}\n</skill>'


def stage_files(skill: Skill, workdir: Path, inject: str = "full") -> list[str]:
    """Copy the skill's bundled files into the work directory (never over a file there), and
    its SKILL.md under `.skill/NAME/` when the prompt only lists the skill."""
    copied = []
    if inject == "list":
        listed = workdir / SKILL_COPY / skill.name / "SKILL.md"
        listed.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(skill.folder / "SKILL.md", listed)
        copied.append(listed.relative_to(workdir).as_posix())
    for source in sorted(skill.folder.rglob("*")):
        relative = source.relative_to(skill.folder)
        if (
            not source.is_file()
            or relative.as_posix() in ("SKILL.md", *RUNTIME_FILES)
            or any(part.startswith(".") for part in relative.parts)
        ):
            continue
        target = workdir / relative
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied.append(relative.as_posix())
    return copied


@dataclass
class Timed:
    """A schedule node's outcome: its agents' results and its critical-path seconds."""

    results: list[AgentResult]
    critical_s: float

    @property
    def failed(self) -> AgentResult | None:
        return next((r for r in self.results if r.status is not Status.OK), None)


@dataclass
class Executor:
    """Runs one request with one skill over one sandbox."""

    llm: LLM
    protocol: Protocol
    sandbox: Sandbox
    skill: Skill
    request: str
    limits: Limits = field(default_factory=Limits)
    hooks: Sequence[Hooks] = ()
    parallel: bool = True
    inject: str = "full"
    _count: int = 0

    def agent(self, label: str) -> Agent:
        planned = bool(_graphs(self.skill.plan))
        return Agent(
            self.llm,
            self.protocol,
            self.sandbox,
            system_prompt(
                self.skill,
                self.request,
                self.inject if planned or self.inject == "list" else "full",
            ),
            self.limits,
            self.hooks,
            label,
        )

    async def _concurrently(self, jobs: list[Any]) -> list[Timed]:
        if self.parallel:
            return list(await asyncio.gather(*jobs))
        return [await job for job in jobs]

    def _calls(self, text: str, single: bool) -> int | None:
        """How many successful calls finish a step: one for a region's single-call task, and
        for a weak model (JSON protocol) a step that quotes exactly one command."""
        if single:
            return 1
        if self.protocol.for_weak_models and len(quoted_commands(text)) == 1:
            return 1
        return None

    async def _step(self, agent: Agent, text: str, single: bool = False) -> Timed:
        result = await agent.run(text, self._calls(text, single))
        return Timed([result], result.wall_s)

    async def _sub(self, label: str, text: str, single: bool = False) -> Timed:
        return await self._step(self.agent(label), text, single)

    async def sequence(self, agent: Agent, nodes: list[dict[str, Any]], tasks: dict) -> Timed:
        """Run schedule `nodes` in order on `agent`; stop at the first failure."""
        done: list[AgentResult] = []
        critical = 0.0
        for node in nodes:
            timed = await self.node(agent, node, tasks)
            done += timed.results
            critical += timed.critical_s
            if timed.failed:
                break
        return Timed(done, critical)

    async def node(self, agent: Agent, node: dict[str, Any], tasks: dict) -> Timed:
        self._count += 1
        region = f"r{self._count}"
        if "task" in node:
            return await self._step(agent, tasks[node["task"]]["text"])
        if "ilp" in node:
            ids = node["ilp"]
            jobs = [self._sub(f"{region}.{i}", tasks[i]["text"], True) for i in ids]
            return self._join(
                agent, [tasks[i]["text"] for i in ids], await self._concurrently(jobs)
            )
        if "tlp" in node:
            branches = node["tlp"]
            jobs = [
                self.sequence(self.agent(f"{region}.b{n}"), branch, tasks)
                for n, branch in enumerate(branches, 1)
            ]
            texts = ["; ".join(tasks[t]["text"] for t in _task_ids(branch)) for branch in branches]
            return self._join(agent, texts, await self._concurrently(jobs))
        if "dlp" in node:
            task = tasks[node["dlp"]]
            items = self.items(task, node.get("over"))
            if not items:
                return await self._step(agent, task["text"])
            texts = [for_item(task["text"], item) for item in items]
            jobs = [self._sub(f"{region}.{n}", t) for n, t in enumerate(texts, 1)]
            return self._join(agent, texts, await self._concurrently(jobs))
        raise SkillError(f"plan.json: error: unknown schedule node {json.dumps(node)[:80]}")

    def _join(self, agent: Agent, texts: list[str], parts: list[Timed]) -> Timed:
        """Sub-agents' results enter the main conversation as finished steps."""
        results = [r for part in parts for r in part.results]
        for text, part in zip(texts, parts, strict=True):
            answer = "; ".join(r.answer or r.message for r in part.results)
            agent.log.append(TaskLog(text, answer=answer))
        return Timed(results, max((p.critical_s for p in parts), default=0.0))

    def items(self, task: dict[str, Any], over: Any) -> list[str]:
        """The files a mapped task runs over, when its `over` names them in the work directory."""
        root = self.sandbox.root
        names = [r.split(":", 1)[1] for r in task.get("reads", []) if r.startswith("glob:")]
        if isinstance(over, str) and any(c in over for c in "*?["):
            names.append(over.strip("`"))
        found: list[str] = []
        for pattern in names:
            for path in sorted(root.glob(pattern)):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and rel not in found:
                    found.append(rel)
        if isinstance(over, list):
            found += [str(i) for i in over if (root / str(i)).is_file()]
        return [f for f in found if not fnmatch.fnmatch(f, ".*")]

    async def run(self, procedures: Sequence[int] | None = None) -> Timed:
        """The whole request: the plan's procedures in order, or one agent when there is none."""
        main = self.agent("main")
        graphs = _graphs(self.skill.plan)
        if procedures:
            bad = [i for i in procedures if not 1 <= i <= len(graphs)]
            if bad:
                raise SkillError(f"--procedure {bad[0]}: the plan has {len(graphs)} procedure(s)")
            graphs = [graphs[i - 1] for i in procedures]
        if not graphs:
            return await self._step(main, self.request)
        done: list[AgentResult] = []
        critical = 0.0
        for graph in graphs:
            tasks = {t["id"]: t for t in graph["tasks"]}
            timed = await self.sequence(main, graph["schedule"], tasks)
            done += timed.results
            critical += timed.critical_s
            if timed.failed:
                break
        return Timed(done, critical)


_PLACEHOLDER = re.compile(r"<(?:file|path|filename|item)>|\{(?:file|path|item)?\}|\$?\bFILE\b")


def for_item(text: str, item: str) -> str:
    """A mapped step's text for one item: placeholders (`<file>`, `{path}`, `FILE`, ...) in
    its quoted commands become the item, and the step says which item it is for."""
    filled = re.sub(r"`[^`\n]+`", lambda m: _PLACEHOLDER.sub(item, m.group(0)), text)
    return f"{filled}\nDo this for `{item}` only."


def _graphs(plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not plan:
        return []
    return [g for skill in plan.get("skills", []) for g in skill.get("graphs", [])]


def _task_ids(nodes: list[dict[str, Any]]) -> list[str]:
    ids = []
    for node in nodes:
        if "task" in node:
            ids.append(node["task"])
        elif "ilp" in node:
            ids += node["ilp"]
        elif "dlp" in node:
            ids.append(node["dlp"])
        elif "tlp" in node:
            ids += [t for branch in node["tlp"] for t in _task_ids(branch)]
    return ids


def check_env(skill: Skill, allow_install: bool, trace: Trace) -> tuple[bool, str]:
    """Run the compiled skill's env-setup.sh: checks only, or checks and installs."""
    if skill.env_setup is None:
        return True, "no env-setup.sh"
    command = ["bash", str(skill.env_setup)] + ([] if allow_install else ["--check"])
    start = time.monotonic()
    try:
        run = subprocess.run(
            command, cwd=skill.folder, capture_output=True, text=True, timeout=ENV_TIMEOUT_S
        )
        ok, output = run.returncode == 0, (run.stdout + run.stderr).strip()
    except subprocess.TimeoutExpired:
        ok, output = False, f"env-setup.sh did not finish in {ENV_TIMEOUT_S} s"
    trace.event(
        "env",
        install=allow_install,
        ok=ok,
        duration_s=round(time.monotonic() - start, 4),
        output=output,
    )
    missing = [line.strip() for line in output.splitlines() if line.startswith("  ")]
    if ok:
        return True, "dependencies satisfied"
    hint = "" if allow_install else " (--allow-install installs them)"
    return False, "missing dependencies: " + (", ".join(missing) or output[-200:]) + hint


def call_format_level(model: str, profile: Path | None) -> int | None:
    """`tool.call.format` of the model on the bare harness: the given profile, else the store's
    entry, else unknown."""
    from skillir.profiles import ProfileError, load_profile, open_store

    try:
        found = load_profile(profile) if profile else open_store(None).find("bare-agent", model)
    except (ProfileError, OSError):
        return None
    return found.level("tool.call.format") if found else None


@dataclass
class RunConfig:
    skill_path: Path
    request: str
    workdir: Path
    trace_dir: Path
    model: str
    api_base: str | None = None
    profile: Path | None = None
    allow_install: bool = False
    parallel: bool = True
    limits: Limits = field(default_factory=Limits)
    command_timeout_s: float = 60.0
    procedures: tuple[int, ...] = ()
    planned: bool = True
    protocol: str = "auto"
    inject: str | None = None  # full | list | step; default: step for weak models (JSON)
    hooks: Sequence[Hooks] = ()


def run_skill(config: RunConfig) -> dict[str, Any]:
    """Run a skill end to end; the summary (also written to `trace_dir/summary.json`). Bad
    models, tools and environments end in a status, never an exception; SkillError is raised
    only for a skill path that cannot be run, before anything is written."""
    skill = load_skill(config.skill_path, config.planned)
    config.workdir.mkdir(parents=True, exist_ok=True)
    trace = Trace(config.trace_dir / "trace.jsonl")
    start = time.monotonic()
    summary: dict[str, Any] = {
        "skill": skill.name,
        "request": config.request,
        "model": config.model,
        "workdir": str(config.workdir),
        "parallel": config.parallel,
        "plan": skill.plan is not None,
    }
    llm = LLM(config.model, api_base=config.api_base)
    status, message, answer, agents, critical, run_s = Status.OK, "", "", [], 0.0, 0.0
    try:
        trace.event("start", **summary)
        llm.check()
        level = call_format_level(config.model, config.profile)
        protocol = choose(llm, level, config.protocol)
        summary["protocol"] = protocol.name
        ok, env_message = check_env(skill, config.allow_install, trace)
        if not ok:
            status, message = Status.ENV_ERROR, env_message
        else:
            inject = config.inject or ("full" if protocol.name == "native" else "step")
            staged = stage_files(skill, config.workdir, inject)
            trace.event("staged", files=staged)
            executor = Executor(
                llm,
                protocol,
                Sandbox(config.workdir, timeout_s=config.command_timeout_s),
                skill,
                config.request,
                config.limits,
                [trace, *config.hooks],
                config.parallel,
                inject,
            )
            began = time.monotonic()
            timed = asyncio.run(executor.run(config.procedures))
            run_s = time.monotonic() - began
            agents = timed.results
            critical = timed.critical_s
            failed = timed.failed
            status = failed.status if failed else Status.OK
            message = f"{failed.label}: {failed.message}" if failed else "done"
            answer = agents[-1].answer if agents and not failed else ""
    except ModelError as err:
        status, message = Status.MODEL_ERROR, str(err)
    except SkillError as err:
        status, message = Status.PLAN_ERROR, str(err)
    finally:
        summary.update(
            status=str(status),
            message=message,
            answer=answer,
            wall_s=round(time.monotonic() - start, 4),
            run_s=round(run_s, 4),
            critical_path_s=round(critical, 4),
            **{
                k: round(v, 4) if isinstance(v, float) else v for k, v in vars(trace.totals).items()
            },
            agents=[
                {
                    "label": r.label,
                    "status": str(r.status),
                    "steps": r.steps,
                    "wall_s": round(r.wall_s, 4),
                    "answer": r.answer,
                    "message": r.message,
                }
                for r in agents
            ],
        )
        trace.event("end", status=summary["status"], message=message)
        trace.close()
        write_json_atomic(config.trace_dir / "summary.json", summary)
        for hook in [trace, *config.hooks]:
            hook.after_run(summary)
    return summary
