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
import os
import posixpath
import re
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from skillir.runtime.agent import Agent, AgentResult, Limits, Status
from skillir.runtime.confine import ResourceLimits, process_limit
from skillir.runtime.llm import LLM, ModelError
from skillir.runtime.protocol import Protocol, TaskLog, choose, one_line, quoted_commands
from skillir.runtime.sandbox import NO_SANDBOX as NO_SANDBOX_MESSAGE
from skillir.runtime.sandbox import Sandbox, SandboxError, open_directory
from skillir.runtime.steps import CHARS_PER_TOKEN, DEFAULT_BUDGET, SkillDoc, StepPrompt, tokens
from skillir.runtime.trace import Hooks, Trace, write_json_atomic
from skillir.skill_files import list_files, open_file
from skillir.targets.manifest import MANIFEST, generated_file

RUNTIME_FILES = ("plan.json", "env-setup.sh", MANIFEST)
ENV_TIMEOUT_S = 600
MAX_PLAN_BYTES = 4_000_000
MAX_SKILL_BYTES = 4_000_000
SKILL_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


class SkillError(Exception):
    """A skill path that cannot be run (the message names the path)."""


class PlanError(SkillError):
    """A plan.json that is not a valid plan (the run ends `plan-error` with this message)."""


@dataclass(frozen=True)
class Skill:
    """A loaded skill. `env_setup` holds the bytes of a compiler-generated env-setup.sh whose
    digest the folder's manifest records; `env_refused` says why a script found beside it is
    not run."""

    name: str
    description: str
    body: str
    folder: Path
    plan: dict[str, Any] | None = None
    env_setup: bytes | None = None
    env_refused: str | None = None
    text: str = ""  # the whole SKILL.md (step prompts are built from its IR)

    @property
    def slug(self) -> str:
        """The skill's name as a safe single path component (`[a-z0-9-]`, at most 64)."""
        if SKILL_NAME.fullmatch(self.name):
            return self.name
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:64].strip("-")
        return slug or "skill"


def _frontmatter(text: str) -> tuple[dict[str, str], str]:
    """(name/description fields, body) of a SKILL.md; empty fields when they cannot be read."""
    import yaml

    from skillir.frontend.frontmatter import UnterminatedFrontmatter, split_frontmatter

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
    written with the plan computed here (`planned=False`: none, one agent does everything).
    A plan.json that is not a valid plan raises PlanError."""
    folder = path.parent if path.name == "SKILL.md" else path
    skill_md = folder / "SKILL.md"
    if not skill_md.is_file():
        raise SkillError(f"{path}: error: not a skill folder (no SKILL.md)")
    try:
        text = _read_regular(skill_md, MAX_SKILL_BYTES, SkillError).decode("utf-8")
    except UnicodeDecodeError as err:
        raise SkillError(f"{skill_md}: error: cannot read: {err}") from err
    meta, body = _frontmatter(text)
    plan = None
    if os.path.lexists(folder / "plan.json"):
        plan = read_plan(folder)
    elif planned:
        plan = plan_of_source(folder)
    env_setup = generated_file(folder, "env-setup.sh")
    refused = None
    if env_setup is None and os.path.lexists(folder / "env-setup.sh"):
        refused = (
            f"{folder / 'env-setup.sh'} is not run: only a script the compiler generated, "
            f"with its digest recorded in {MANIFEST}, is (this one is unlisted, edited, or the "
            "folder has no valid manifest)"
        )
    return Skill(
        name=meta.get("name", folder.name),
        description=meta.get("description", ""),
        body=body,
        folder=folder,
        plan=plan,
        env_setup=env_setup,
        env_refused=refused,
        text=text,
    )


NO_SKILL = Skill("", "", "", Path("."))  # `--no-skill`: the same loop and tools, no skill


def read_plan(folder: Path) -> dict[str, Any]:
    """The folder's plan.json, validated (schema, then references and globs); the compiled
    bytes when the manifest records them, else the file as found (untrusted either way)."""
    where = folder / "plan.json"
    raw = generated_file(folder, "plan.json")
    if raw is None:
        raw = _read_regular(where, MAX_PLAN_BYTES)
    try:
        plan = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise PlanError(f"{where}:1:1: error: not UTF-8: {err}") from err
    except json.JSONDecodeError as err:
        raise PlanError(f"{where}:{err.lineno}:{err.colno}: error: {err.msg}") from err
    except RecursionError as err:
        raise PlanError(f"{where}:1:1: error: nested too deeply") from err
    if not isinstance(plan, dict) or plan.get("format") != "skillir-plan":
        raise PlanError(f"{where}:1:1: error: not a skillir plan")
    problem = plan_problem(plan)
    if problem is not None:
        raise PlanError(f"{where}: error: {problem}")
    return plan


def _read_regular(path: Path, limit: int, error: type[SkillError] = PlanError) -> bytes:
    """At most `limit` bytes of a regular file, never through a final symlink (one could
    hand a host file to the model); `error` for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        reason = "a symbolic link (not followed)" if path.is_symlink() else err.strerror or err
        raise error(f"{path}:1:1: error: cannot read: {reason}") from err
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"{path}:1:1: error: not a regular file")
        data = os.read(fd, limit + 1)
        while len(data) <= limit and (chunk := os.read(fd, limit + 1 - len(data))):
            data += chunk
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(f"{path}:1:1: error: over the {limit} byte limit")
    return data


@cache
def _plan_validator() -> Any:
    from importlib.resources import files

    from jsonschema import Draft202012Validator

    schema = json.loads(files("skillir.data").joinpath("plan.schema.json").read_text())
    return Draft202012Validator(schema)


def plan_problem(plan: dict[str, Any]) -> str | None:
    """Why `plan` cannot be run: the first schema violation (docs/plan-schema.md), a schedule
    naming a task the graph lacks, a task id used twice, or a glob that is absolute or leaves
    the work directory. None when it can run."""
    try:
        return _plan_problem(plan)
    except RecursionError:
        return "nested too deeply"


def _plan_problem(plan: dict[str, Any]) -> str | None:
    errors = list(_plan_validator().iter_errors(plan))
    if errors:
        error = min(errors, key=lambda e: len(e.path))
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        return f"at {where}: {error.message[:300]}"
    for s, skill in enumerate(plan["skills"]):
        for g, graph in enumerate(skill["graphs"]):
            where = f"skills/{s}/graphs/{g}"
            ids: set[str] = set()
            twice = None
            for task in graph["tasks"]:
                if task["id"] in ids and twice is None:
                    twice = task["id"]
                ids.add(task["id"])
            if twice is not None:
                return f"at {where}/tasks: task id {json.dumps(twice)[:80]} is used twice"
            unknown = [i for i in plan_task_ids(graph["schedule"]) if i not in ids]
            if unknown:
                return f"at {where}/schedule: unknown task id {json.dumps(unknown[0])[:80]}"
            for task in graph["tasks"]:
                for pattern in _globs(task, task.get("over")):
                    if not _inside(pattern):
                        return (
                            f"at {where}/tasks: task {json.dumps(task['id'])[:80]} maps over "
                            f"{json.dumps(pattern)[:120]}, which is not a relative path inside "
                            "the work directory"
                        )
    return None


def _globs(task: dict[str, Any], over: Any) -> list[str]:
    """The glob patterns a task maps over: its `glob:` reads and a glob-shaped `over`."""
    names = [r.split(":", 1)[1] for r in task.get("reads", []) if r.startswith("glob:")]
    if isinstance(over, str) and any(c in over for c in "*?["):
        names.append(over.strip("`"))
    return names


def _inside(pattern: str) -> bool:
    """Whether a glob or path is relative and, taken lexically, stays in the work directory."""
    if not pattern or pattern.startswith(("/", "~")) or "\x00" in pattern:
        return False
    normal = posixpath.normpath(pattern)
    return normal != ".." and not normal.startswith("../") and ".." not in pattern.split("/")


def plan_of_source(folder: Path) -> dict[str, Any]:
    """The plan of a skill folder as written (what `skill-translate -t plan-json` prints)."""
    from skillir.api import apply, parse
    from skillir.targets.plan import plan

    try:
        result = apply(parse(folder), "build-dataflow,extract-parallelism")
    except OSError as err:
        raise SkillError(f"{folder}: error: {err.strerror or err}") from None
    if not result.ok:
        found = result.errors or result.diagnostics
        raise SkillError(found[0].render() if found else f"{folder}: error: cannot be planned")
    return plan(result.module, str(folder / "SKILL.md"))


SKILL_COPY = ".skill"  # where `list` injection puts SKILL.md in the work directory


def system_prompt(
    skill: Skill, request: str, inject: str = "full", budget: int | None = None
) -> str:
    """The bare harness's injection: the skill's text in the system prompt (`full`, its tail
    cut past `budget` tokens); only its listing, SKILL.md being read on demand (`list`); or for
    a step of a plan only the skill's name and description (`step`: the step is the task)."""
    head = f"You are an agent working in a work directory. The user's request: {request}"
    if skill is NO_SKILL:
        return head
    if inject == "step":
        return f"{head}\nYou do one step of the skill {skill.name}: {skill.description}"
    if inject == "list":
        listing = (
            "<available_skills>\n  <skill>\n"
            f"    <name>{escape(skill.name)}</name>\n"
            f"    <description>{escape(skill.description)}</description>\n"
            f"    <location>{SKILL_COPY}/{skill.slug}/SKILL.md</location>\n"
            "  </skill>\n</available_skills>"
        )
        return f"{head}\n\n{listing}\nBefore using a skill, read its SKILL.md with read_file."
    return f'{head}\n\n<skill name="{skill.name}">\n{_clipped(skill.body, budget)[0]}\n</skill>'


def _clipped(body: str, budget: int | None) -> tuple[str, str | None]:
    """The skill body within `budget` tokens, and what was cut (None when nothing was)."""
    body = body.strip()
    if budget is None or tokens(body) <= budget:
        return body, None
    most = int(budget * CHARS_PER_TOKEN)
    return body[:most] + "\n[... the rest of the skill is cut]", (
        f"skill text after {most} of {len(body)} chars"
    )


STAGE_BUDGET = 50_000_000  # bytes of bundled files copied into a work directory, in all


def stage_files(skill: Skill, workdir: Path, inject: str = "full") -> list[str]:
    """Copy the skill's bundled files into the work directory, and its SKILL.md to
    `.skill/SLUG/` when the prompt only lists the skill. The files are those the one walk policy
    lists (`skillir.skill_files`: a link only when it names a regular file inside the skill,
    copied as that file's content); hidden ones, hard-linked ones (another name may lie outside
    the skill) and what would pass `STAGE_BUDGET` are left out. Never over an entry already
    there, never through a symlink in the work directory."""
    copied: list[str] = []
    if skill is NO_SKILL:
        return copied
    budget = [STAGE_BUDGET]
    if inject == "list":
        listed = f"{SKILL_COPY}/{skill.slug}/SKILL.md"
        if _stage_file(skill.folder, "SKILL.md", workdir, listed, budget):
            copied.append(listed)
    for found in list_files(skill.folder).files:
        parts = found.rel.split("/")
        if any(p.startswith(".") for p in parts) or found.rel in ("SKILL.md", *RUNTIME_FILES):
            continue
        if _stage_file(skill.folder, found.real, workdir, found.rel, budget):
            copied.append(found.rel)
    return copied


def _stage_file(folder: Path, real: str, workdir: Path, relative: str, budget: list[int]) -> bool:
    """Copy the regular file `folder/real` to `workdir/relative`; False when it is skipped: not
    a regular file, hard-linked, over what is left of `budget`, a name already there, a
    symlink on the way in the work directory."""
    parts = relative.split("/")
    try:
        src = open_file(folder, real)
        try:
            info = os.fstat(src)
            if info.st_nlink > 1 or info.st_size > budget[0]:
                return False
            with open_directory(workdir, parts[:-1], create=True) as parent:
                create = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
                dst = os.open(parts[-1], create, stat.S_IMODE(info.st_mode) & 0o755, dir_fd=parent)
                with os.fdopen(dst, "wb") as out, os.fdopen(os.dup(src), "rb") as data:
                    left = budget[0]
                    while chunk := data.read(min(1 << 20, left + 1)):
                        left -= len(chunk)
                        if left < 0:  # it grew since fstat: keep nothing of it
                            out.truncate(0)
                            return False
                        out.write(chunk)
                    budget[0] = left
        finally:
            os.close(src)
    except (OSError, SandboxError):
        return False
    return True


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
    grounding: bool = False
    budget: int = DEFAULT_BUDGET
    _count: int = 0
    _doc: SkillDoc | None = None

    def __post_init__(self) -> None:
        if self.skill.text and plan_graphs(self.skill.plan):
            self._doc = SkillDoc.parse(self.skill.text, "SKILL.md")

    def _hook(self, name: str, agent: str, info: dict[str, Any]) -> None:
        for hook in self.hooks:
            getattr(hook, name)(agent, info)

    def prompt(self, task: dict[str, Any]) -> StepPrompt:
        """The prompt of a plan task: its step's content from the IR within the budget (the
        plan's text alone when the SKILL.md does not parse)."""
        if self._doc is None:
            return StepPrompt(task["text"], task["text"], task.get("line"))
        return self._doc.prompt(task["text"], task.get("line"), self.budget)

    def agent(self, label: str) -> Agent:
        planned = bool(plan_graphs(self.skill.plan))
        return Agent(
            self.llm,
            self.protocol,
            self.sandbox,
            system_prompt(
                self.skill,
                self.request,
                self.inject if planned or self.inject == "list" else "full",
                self.budget if self.protocol.for_weak_models else None,
            ),
            self.limits,
            self.hooks,
            label,
            grounding=self.grounding,
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

    async def _step(
        self, agent: Agent, step: StepPrompt, single: bool = False, node: str = ""
    ) -> Timed:
        """One step on `agent`, between `node_start` and `node_end` events."""
        info: dict[str, Any] = {"node": node or f"r{self._count}", "kind": "step"}
        info |= {"label": step.label, "span": f"SKILL.md:{step.line}" if step.line else None}
        info |= {"tokens": step.parts, "cut": list(step.cut)}
        self._hook("node_start", agent.label, info)
        calls = self._calls(step.scope, single)  # commands of the step, not of its context
        result = await agent.run(step.text, calls, step.label, step.scope)
        end = {"node": info["node"], "kind": "step", "label": step.label}
        end |= {"status": str(result.status), "message": result.message}
        self._hook("node_end", agent.label, end | {"seconds": round(result.wall_s, 4)})
        return Timed([result], result.wall_s)

    async def _sub(self, label: str, step: StepPrompt, single: bool = False) -> Timed:
        return await self._step(self.agent(label), step, single, label)

    async def _region(self, agent: Agent, info: dict[str, Any], job: Any) -> Timed:
        """A region node between `node_start` and `node_end` events."""
        self._hook("node_start", agent.label, info)
        timed: Timed = await job
        failed = timed.failed
        status = str(failed.status) if failed else "ok"
        end = {"node": info["node"], "kind": info["kind"], "status": status}
        self._hook("node_end", agent.label, end | {"seconds": round(timed.critical_s, 4)})
        return timed

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
        info: dict[str, Any] = {"node": region, "reason": node.get("reason", "")}
        if "task" in node:
            return await self._step(agent, self.prompt(tasks[node["task"]]), node=region)
        if "ilp" in node:
            ids = node["ilp"]
            steps = [self.prompt(tasks[i]) for i in ids]
            jobs = [self._sub(f"{region}.{i}", s, True) for i, s in zip(ids, steps, strict=True)]
            labels = [s.label for s in steps]
            return await self._region(
                agent, info | {"kind": "ilp"}, self._joined(agent, labels, jobs)
            )
        if "tlp" in node:
            branches = node["tlp"]
            jobs = [
                self.sequence(self.agent(f"{region}.b{n}"), branch, tasks)
                for n, branch in enumerate(branches, 1)
            ]
            texts = [
                "; ".join(tasks[t]["text"] for t in plan_task_ids(branch)) for branch in branches
            ]
            return await self._region(
                agent, info | {"kind": "tlp"}, self._joined(agent, texts, jobs)
            )
        if "dlp" in node:
            task = tasks[node["dlp"]]
            step = self.prompt(task)
            items = self.items(task, node.get("over"))
            if not items:
                return await self._step(agent, step, node=region)
            mapped = [
                StepPrompt(
                    f"{step.label} ({item})",
                    for_item(step.text, item),
                    step.line,
                    step.cut,
                    step.parts,
                    for_item(step.scope, item),
                )
                for item in items
            ]
            jobs = [self._sub(f"{region}.{n}", m) for n, m in enumerate(mapped, 1)]
            labels = [m.label for m in mapped]
            return await self._region(
                agent, info | {"kind": "dlp", "items": items}, self._joined(agent, labels, jobs)
            )
        raise SkillError(f"plan.json: error: unknown schedule node {json.dumps(node)[:80]}")

    async def _joined(self, agent: Agent, texts: list[str], jobs: list[Any]) -> Timed:
        return self._join(agent, texts, await self._concurrently(jobs))

    def _join(self, agent: Agent, texts: list[str], parts: list[Timed]) -> Timed:
        """Sub-agents' results enter the main conversation as finished steps."""
        results = [r for part in parts for r in part.results]
        for text, part in zip(texts, parts, strict=True):
            answer = "; ".join(r.outcome or r.message for r in part.results)
            agent.log.append(TaskLog(text, answer=answer, label=one_line(text, 200)))
        return Timed(results, max((p.critical_s for p in parts), default=0.0))

    def items(self, task: dict[str, Any], over: Any) -> list[str]:
        """The files a mapped task runs over, when its `over` names them in the work directory
        (relative globs only; links and anything outside are left out)."""
        root = self.sandbox.root
        found: list[str] = []
        for pattern in _globs(task, over):
            if not _inside(pattern):
                continue
            for path in sorted(root.glob(pattern)):
                rel = path.relative_to(root).as_posix()
                if _plain_file(root, rel) and rel not in found:
                    found.append(rel)
        if isinstance(over, list):
            found += [str(i) for i in over if _inside(str(i)) and _plain_file(root, str(i))]
        return [f for f in found if not fnmatch.fnmatch(f, ".*")]

    async def run(self, procedures: Sequence[int] | None = None) -> Timed:
        """The whole request: the plan's procedures in order, or one agent when there is none."""
        main = self.agent("main")
        graphs = plan_graphs(self.skill.plan)
        if procedures:
            bad = [i for i in procedures if not 1 <= i <= len(graphs)]
            if bad:
                raise SkillError(f"--procedure {bad[0]}: the plan has {len(graphs)} procedure(s)")
            graphs = [graphs[i - 1] for i in procedures]
        if not graphs:
            inject = self.inject if self.inject == "list" else "full"
            weak = inject == "full" and self.protocol.for_weak_models
            cut = _clipped(self.skill.body, self.budget)[1] if weak else None
            request = StepPrompt(one_line(self.request, 80), self.request, cut=(cut,) * bool(cut))
            return await self._step(main, request, node="main")
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


def _plain_file(root: Path, relative: str) -> bool:
    """Whether `root/relative` is a regular file reached without any symlink."""
    path = root
    for part in relative.split("/"):
        path = path / part
        if path.is_symlink():
            return False
    return path.is_file()


_PLACEHOLDER = re.compile(r"<(?:file|path|filename|item)>|\{(?:file|path|item)?\}|\$?\bFILE\b")


def for_item(text: str, item: str) -> str:
    """A mapped step's text for one item: placeholders (`<file>`, `{path}`, `FILE`, ...) in
    its quoted commands become the item, and the step says which item it is for."""
    filled = re.sub(r"`[^`\n]+`", lambda m: _PLACEHOLDER.sub(item, m.group(0)), text)
    return f"{filled}\nDo this for `{item}` only."


def plan_graphs(plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not plan:
        return []
    return [g for skill in plan.get("skills", []) for g in skill.get("graphs", [])]


def plan_task_ids(nodes: list[dict[str, Any]]) -> list[str]:
    ids = []
    for node in nodes:
        if "task" in node:
            ids.append(node["task"])
        elif "ilp" in node:
            ids += node["ilp"]
        elif "dlp" in node:
            ids.append(node["dlp"])
        elif "tlp" in node:
            ids += [t for branch in node["tlp"] for t in plan_task_ids(branch)]
    return ids


def check_env(
    skill: Skill, allow_install: bool, trace: Trace, sandbox: Sandbox
) -> tuple[bool, str]:
    """Run the compiled skill's verified env-setup.sh in `sandbox`: checks only, or checks and
    installs. A script the manifest does not vouch for is not run (the trace says why)."""
    if skill.env_setup is None:
        if skill.env_refused is not None:
            trace.event("env", ran=False, ok=False, reason=skill.env_refused)
        return True, "no env-setup.sh"
    args = [] if allow_install else ["--check"]
    result = sandbox.call_script(skill.env_setup, args, ENV_TIMEOUT_S)
    output = result.output.strip()
    if result.timed_out:
        output = f"env-setup.sh did not finish in {ENV_TIMEOUT_S} s"
    trace.event(
        "env",
        ran=True,
        install=allow_install,
        sandbox=sandbox.sandbox_level,
        network=sandbox.network,
        ok=result.ok,
        duration_s=round(result.duration_s, 4),
        output=output,
    )
    missing = [line.strip() for line in output.splitlines() if line.startswith("  ")]
    if result.ok:
        return True, "dependencies satisfied"
    by_hand = {m for m in missing if f"missing:   {m} (install it by hand" in output}
    hint = ""
    if by_hand:
        hint = f" ({', '.join(sorted(by_hand))}: install by hand)"
    elif not allow_install:
        hint = " (--allow-install installs them)"
    return False, "missing dependencies: " + (", ".join(missing) or output[-200:]) + hint


def call_format_level(
    model: str, profile: Path | None, primitive: str = "tool.call.format"
) -> int | None:
    """The model's level of `primitive` on the bare harness: the given profile, else the
    store's entry, else unknown (None)."""
    from skillir.analysis.cap.profiles import ProfileError, load_profile, open_store

    try:
        found = load_profile(profile) if profile else open_store(None).find("bare-agent", model)
    except (ProfileError, OSError):
        return None
    return found.level(primitive) if found else None


def wants_grounding(read_level: int | None, protocol: Protocol, choice: str = "auto") -> bool:
    """Whether agents see the work directory's listing with each turn: the compensation of a
    weak `tool.file.read` (below L2), decided by the profile as the protocol is; unmeasured,
    for the models the weak-model protocol serves. `choice` on/off forces it."""
    if choice != "auto":
        return choice == "on"
    return read_level < 2 if read_level is not None else protocol.for_weak_models


def snapshot_files(root: Path, most: int = 20_000) -> dict[str, tuple[int, int]]:
    """(size, mtime) of the work directory's regular files, links never followed."""
    found: dict[str, tuple[int, int]] = {}
    for current, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != SKILL_COPY)
        for name in files:
            path = Path(current) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found[path.relative_to(root).as_posix()] = (info.st_size, info.st_mtime_ns)
            if len(found) >= most:
                return found
    return found


def files_written(before: dict[str, tuple[int, int]], root: Path) -> list[str]:
    """The files of `root` that are new or changed since the snapshot `before`."""
    after = snapshot_files(root)
    return sorted(name for name, seen in after.items() if before.get(name) != seen)


def final_answer(agents: list[AgentResult], written: list[str]) -> str:
    """What a run answers: the last agent's own final message, else the files it wrote."""
    if agents and agents[-1].answer:
        return agents[-1].answer
    if written:
        shown = ", ".join(written[:10]) + (f" and {len(written) - 10} more" if written[10:] else "")
        return f"(no final message) files written: {shown}"
    return "(no final message, no file written)"


@dataclass
class RunConfig:
    """One run. The trace directory must lie outside the work directory (commands cannot
    reach it). Commands run at sandbox `sandbox_level` (None: the best available), with the
    network when `network` (setup scripts also with `allow_install`), the environment
    variables `passed_env` (name → value) and the resource `resources`; `unsafe_host` allows
    commands unconfined where no sandbox exists."""

    skill_path: Path | None  # None: no skill (the same loop and tools)
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
    network: bool = False
    passed_env: Mapping[str, str] = field(default_factory=dict)
    resources: ResourceLimits = field(default_factory=ResourceLimits)
    sandbox_level: str | None = None
    unsafe_host: bool = False
    grounding: str = "auto"  # auto | on | off: the work directory's listing in each turn
    step_budget: int | None = None  # tokens per step prompt (default: by protocol)
    jit: Path | None = None  # a JIT store: a promoted candidate runs before the model
    require_env: bool = False  # a missing dependency ends the run env-error (default: a warning)
    temperature: float = 0.0  # 0: greedy decoding
    seed: int = 0  # the model's sampling seed (recorded in the summary)


def _digest(skill: Skill) -> str | None:
    """The skill's digest (JIT candidates are keyed by it); None without a skill."""
    if skill is NO_SKILL or not (skill.folder / "SKILL.md").is_file():
        return None
    from skillir.runtime.jit.digest import skill_digest

    return skill_digest(skill.folder)


def trace_dir_problem(workdir: Path, trace_dir: Path) -> str | None:
    """Why `trace_dir` cannot hold a run's trace: inside (or holding) the work directory."""
    work, trace = workdir.resolve(), trace_dir.resolve()
    if trace == work or trace.is_relative_to(work) or work.is_relative_to(trace):
        return (
            f"{trace_dir}: error: the trace directory must lie outside the work directory "
            "(commands can write there)"
        )
    return None


def run_skill(config: RunConfig) -> dict[str, Any]:
    """Run a skill end to end; the summary (also written to `trace_dir/summary.json`). Bad
    plans, models, tools, environments and crashes end in a status, never an exception and
    never `ok`; SkillError is raised only for a skill path that cannot be run or a trace
    directory inside the work directory, before anything is written."""
    problem = trace_dir_problem(config.workdir, config.trace_dir)
    if problem is not None:
        raise SkillError(problem)
    pending: Exception | None = None  # raised again inside the run, which records it
    try:
        skill = (
            NO_SKILL if config.skill_path is None else load_skill(config.skill_path, config.planned)
        )
    except Exception as err:
        if isinstance(err, SkillError) and not isinstance(err, PlanError):
            raise
        pending = err
        folder = config.skill_path or Path(".")
        folder = folder.parent if folder.name == "SKILL.md" else folder
        skill = Skill(folder.name, "", "", folder)
    try:
        config.workdir.mkdir(parents=True, exist_ok=True)
        trace = Trace(config.trace_dir / "trace.jsonl")
    except OSError as err:
        raise SkillError(f"{config.trace_dir}: error: cannot write the trace: {err}") from err
    start = time.monotonic()
    summary: dict[str, Any] = {
        "skill": skill.name if skill is not NO_SKILL else None,
        "request": config.request,
        "model": config.model,
        "workdir": str(config.workdir),
        "parallel": config.parallel,
        "temperature": config.temperature,
        "seed": config.seed,
        "plan": skill.plan is not None,
        "sandbox": "none",
        "harness": "bare",
        "skill_digest": _digest(skill),
    }
    status, message, answer, agents, critical, run_s = Status.OK, "", "", [], 0.0, 0.0
    sandbox: Sandbox | None = None
    sandbox_error = None
    if pending is None:
        try:
            sandbox = Sandbox(
                config.workdir,
                timeout_s=config.command_timeout_s,
                level=config.sandbox_level,
                network=config.network,
                passed_env=config.passed_env,
                limits=config.resources,
                unsafe_host=config.unsafe_host,
            )
            summary["sandbox"] = sandbox.sandbox_level
        except SandboxError as err:
            sandbox_error = str(err)
    try:
        trace.event(
            "start",
            **summary,
            network=config.network,
            passed_env=sorted(config.passed_env),
            resources=vars(config.resources),
            process_limit=process_limit(),
            **({"refused": NO_SANDBOX_MESSAGE} if sandbox and not sandbox.confinement else {}),
        )
        if pending is not None:
            raise pending
        if sandbox is None:
            raise SandboxError(sandbox_error or NO_SANDBOX_MESSAGE)
        llm = LLM(
            config.model,
            api_base=config.api_base,
            temperature=config.temperature,
            seed=config.seed,
        )
        if config.jit is None:
            llm.check()
        else:  # litellm's import (seconds) waits until the model is needed (docs/jit.md)
            llm.precheck()
        level = call_format_level(config.model, config.profile)
        protocol = choose(llm, level, config.protocol)
        summary["protocol"] = protocol.name
        setup = Sandbox(
            config.workdir,
            timeout_s=ENV_TIMEOUT_S,
            level=config.sandbox_level,
            network=config.network or config.allow_install,
            passed_env=config.passed_env,
            limits=config.resources,
            unsafe_host=config.unsafe_host,
        )
        try:
            ok, env_message = check_env(skill, config.allow_install, trace, setup)
        finally:
            setup.close()
        if not ok and not config.require_env:  # the skill as written would run: so does this
            warning = f"{env_message}; running anyway (--require-env stops here)"
            summary["warnings"] = [warning]
            for hook in [trace, *config.hooks]:
                hook.warning(warning)
        if not ok and config.require_env:
            status, message = Status.ENV_ERROR, env_message
        else:
            inject = config.inject or ("full" if protocol.name == "native" else "step")
            staged = stage_files(skill, config.workdir, inject)
            trace.event("staged", files=staged)
            read_level = call_format_level(config.model, config.profile, "tool.file.read")
            grounding = wants_grounding(read_level, protocol, config.grounding)
            budget = config.step_budget or (DEFAULT_BUDGET if protocol.for_weak_models else 8000)
            summary |= {"grounding": grounding, "step_budget": budget}
            before = snapshot_files(config.workdir)
            executor = Executor(
                llm,
                protocol,
                sandbox,
                skill,
                config.request,
                config.limits,
                [trace, *config.hooks],
                config.parallel,
                inject,
                grounding,
                budget,
            )
            began = time.monotonic()
            fired = None
            if config.jit is not None:  # docs/jit.md: a solidified program, else the model
                from skillir.runtime.jit.run import solidified

                fired = solidified(config.jit, summary, config.request, sandbox, trace)
                if fired is None:
                    llm.check()
            timed = fired or asyncio.run(executor.run(config.procedures))
            run_s = time.monotonic() - began
            agents = timed.results
            critical = timed.critical_s
            failed = timed.failed
            status = failed.status if failed else Status.OK
            message = f"{failed.label}: {failed.message}" if failed else "done"
            written = files_written(before, config.workdir)
            summary["files_written"] = written
            answer = final_answer(agents, written) if not failed else ""
    except ModelError as err:
        status, message = Status.MODEL_ERROR, str(err)
    except SkillError as err:
        status, message = Status.PLAN_ERROR, str(err)
    except SandboxError as err:
        status, message = Status.ERROR, f"sandbox: {err}"
        trace.event("error", type=type(err).__name__, message=str(err))
    except Exception as err:  # the run boundary: a crash is recorded, never as ok
        status, message = Status.ERROR, f"{type(err).__name__}: {err}"
        trace.event("error", type=type(err).__name__, message=str(err))
    finally:
        if sandbox is not None:
            sandbox.close()
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
