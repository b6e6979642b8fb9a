"""The last lowering, from `cap` / `env` / `par` to what one harness loads (`target` dialect).

- `lower-cap-to-target{harness model text}`: from `cap.target` and the skill folder, a
  `target.harness` head and a `target.file` per bundled file; tool names in the text become
  the harness's ("the `Bash` tool" is "the `execute_command` tool" for the bare agent).
- `lower-env-to-target{mode text}`: from `env.dep`, `target.file "env-setup.sh"` and a note
  saying to run it (`mode=script`) or that the dependencies are installed (`preinstalled`).
- `lower-par-to-target{harness text}`: from the `par` regions, `target.file "plan.json"` and a
  note per region the harness can run at once (parallel tool calls, sub-agents, a concurrent
  map); none where it cannot, so those steps stay serial, and no sub-agent note unless two
  chains or more carry real work (`skillir.analysis.par.work`) and the skill itself says the
  work may run apart ("independently", "in parallel", "in any order").

Notes are `**Note:**` quotes placed like compensation notes (right after the anchored step's
text) and marked with their origin. `text=false` adds the files but changes no text, so the
compiled SKILL.md is the original byte for byte. Each pass is a rewrite pattern on
`skill.skill` (and, for tool names, on each text op) driven by xDSL's `PatternRewriteWalker`;
an unknown harness or mode is a usage error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from skillir.analysis.env.values import MANAGERS, shown
from skillir.analysis.par.work import chain_work
from skillir.diagnostics import active_sink
from skillir.dialects import cap, env, par, skill, target
from skillir.frontend.markdown import render_op
from skillir.passes.build_dataflow import insert_after_head
from skillir.passes.compensate import ORIGIN, note_op, place_note
from skillir.passes.validate_skill import skill_folder
from skillir.skill_files import Listing, list_files, read_head, resolve
from skillir.targets.harnesses import ROLES, Harness, harness, harnesses
from skillir.targets.recompile import generated_names

_SKILL_FILES = {"SKILL.md", "skill.md"}
# tool names harnesses used before their current ones (Claude Code's `Task` became `Agent`)
_FORMER_NAMES = {"Task": "subagent", "TodoWrite": "todo", "LS": "list", "MultiEdit": "edit"}
# when one name serves several roles (Codex `apply_patch`: write and edit), the first listed
_ROLE_PREFERENCE = ("shell", "edit", "write", "read", "grep", "glob", "list", "web_fetch",
                    "web_search", "subagent", "todo")  # fmt: skip
_TEXT_OPS = frozenset((
    skill.ProseOp, skill.StepOp, skill.BulletOp, skill.QuoteOp, skill.TableOp, skill.SectionOp,
))  # fmt: skip


def _check_harness(pass_name: str, name: str) -> None:
    """A harness option that is not a row of the table: ValueError naming the pass and the
    known harnesses (a usage error on the command line)."""
    try:
        harness(name)
    except LookupError as err:
        raise ValueError(f"{pass_name}: {err}") from None


# ---------------------------------------------------------------------------------------------
# tool names


@cache
def tool_roles() -> dict[str, str]:
    """Every harness tool name (and former name) → its role."""
    found: dict[str, set[str]] = {}
    for h in harnesses().values():
        for role, name in h.tools.items():
            found.setdefault(name, set()).add(role)
    roles = {name: min(rs, key=_ROLE_PREFERENCE.index) for name, rs in found.items()}
    roles.update(_FORMER_NAMES)
    assert set(roles.values()) <= set(ROLES)
    return roles


_THE = re.compile(r"\b[Tt]he\s+\Z")


def _distinctive(name: str) -> bool:
    """A name no English sentence uses by accident: CamelCase or snake_case."""
    return "_" in name or bool(re.search(r"[a-z][A-Z]", name)) or name in _FORMER_NAMES


def _alternatives() -> str:
    return "|".join(re.escape(n) for n in sorted(tool_roles(), key=len, reverse=True))


@cache
def _tool_pattern() -> re.Pattern[str]:
    # `Name` anywhere for distinctive names; any name followed by "tool(s)"
    return re.compile(
        rf"(?<![\w/.-])(`?)({_alternatives()})(`?)(?=(\s+tools?\b)|[\s.,;:)]|$)", re.MULTILINE
    )


@cache
def _quoted_name() -> re.Pattern[str]:
    return re.compile(f"`(?:{_alternatives()})`")


def rewrite_tool_names(text: str, to: Harness) -> str:
    """Tool names of any harness, as the target harness calls them: "the `Bash` tool" becomes
    "the `execute_command` tool" for the bare agent. Only a name followed by "tool", or a
    distinctive name in backticks, is a tool name; code spans with more in them are left."""
    if "tool" not in text and not _quoted_name().search(text):
        return text  # a tool name is only ever rewritten in backticks or before "tool"
    roles = tool_roles()

    def swap(m: re.Match[str]) -> str:
        open_tick, name, close_tick, tool_word = m.group(1), m.group(2), m.group(3), m.group(4)
        quoted = open_tick == close_tick == "`"
        if open_tick != close_tick:
            return m.group(0)
        if tool_word:
            # "the Read tool", "the `read` tool": a bare word needs the article ("Write tools
            # that are small" is English, not a tool)
            if not quoted and not _distinctive(name) and not _THE.search(m.string, 0, m.start()):
                return m.group(0)
        elif not (quoted and _distinctive(name)):
            return m.group(0)
        new = to.tool(roles[name])
        if new is None or new == name:
            return m.group(0)
        return f"{open_tick}{new}{close_tick}"

    return _tool_pattern().sub(swap, text)


@lru_cache(maxsize=8192)
def _rewritten(text: str, harness_id: str) -> str:
    """`rewrite_tool_names` for a harness of the table, kept per text."""
    return rewrite_tool_names(text, harness(harness_id))


def _rewrite_op(op: Operation, to: Harness, rewriter: PatternRewriter) -> None:
    props = op.properties
    changed = False
    for key in ("text", "title", "raw"):
        attr = props.get(key)
        if type(attr) is skill.TextAttr and ("`" in attr.data or "tool" in attr.data):
            new = _rewritten(attr.data, to.id)
            if new != attr.data:
                props[key] = skill.TextAttr(new)
                changed = True
    if changed:
        rewriter.notify_op_modified(op)


# ---------------------------------------------------------------------------------------------
# files


def bundled_files(folder: Path) -> Iterator[str]:
    """Every file of a skill folder besides its SKILL.md and what an earlier compile generated
    there (`skillir.targets.recompile.generated_names`), as relative POSIX paths, in path order,
    under
    the walk policy of `skillir.skill_files` (links that leave the folder, special files and
    tool caches are left out)."""
    return _bundled(list_files(folder), folder)


def _bundled(listing: Listing, folder: Path) -> Iterator[str]:
    skip = _SKILL_FILES | generated_names(folder)
    return (file.rel for file in listing.files if file.rel not in skip)


def _left_out(listing: Listing) -> None:
    """Warn about what the walk left out of the compiled folder."""
    for rel, why in listing.skipped:
        active_sink().warning(1, 1, f"not bundled: {shown(rel, 200)} ({why})")
    if listing.truncated:
        active_sink().warning(1, 1, "the skill folder holds too many files; the rest are left out")


def _replace_target_ops(
    rewriter: PatternRewriter, root: skill.SkillSkillOp, kinds: tuple[str, ...]
) -> None:
    for old in [o for o in root.body.block.ops if type(o) is target.FileOp]:
        if old.kind.data in kinds:
            rewriter.erase(old)


def _file(path: str, kind: str) -> target.FileOp:
    return target.FileOp.build_op(path=path, kind=kind)  # type: ignore[return-value]


def _first_section(root: skill.SkillSkillOp) -> Operation:
    return next((op for op in root.body.block.ops if isinstance(op, skill.SectionOp)), root)


def _note(rewriter: PatternRewriter, anchor: Operation, text: str, origin: str) -> None:
    place_note(anchor, note_op(text, origin), rewriter)


def _drop_notes(rewriter: PatternRewriter, root: skill.SkillSkillOp, origin: str) -> None:
    """Remove the notes an earlier run of a lowering added, so running it again changes
    nothing."""
    mark = StringAttr(origin)
    for old in [
        o for o in skill.walk_ops(root) if o.attributes and o.attributes.get(ORIGIN) == mark
    ]:
        rewriter.erase(old)


def _generated(
    rewriter: PatternRewriter, root: skill.SkillSkillOp, path: str, marker: bytes
) -> None:
    """A bundled file at a generated file's path is replaced by it; say so unless it is an
    earlier skillir output (a folder compiled again)."""
    for op in [o for o in root.body.block.ops if type(o) is target.FileOp]:
        if op.kind.data == "bundled" and op.path.data == path:
            folder = skill_folder(root)
            file = resolve(folder, path) if folder is not None else None
            try:
                data = read_head(folder, file.real, 200) if folder and file else b""
            except OSError:
                data = b""
            if marker not in data[:200]:
                active_sink().warning(
                    1, 1, f"the skill's own '{path}' is replaced by the generated one"
                )
            rewriter.erase(op)


def _regenerate(
    rewriter: PatternRewriter,
    root: skill.SkillSkillOp,
    path: str,
    kind: str,
    origin: str,
    marker: bytes,
) -> None:
    """Replace what an earlier compile added for generated file `path` (its `target.file` of
    `kind`, the notes of pass `origin`, a bundled file at that path) with a fresh
    `target.file`."""
    _replace_target_ops(rewriter, root, (kind,))
    _drop_notes(rewriter, root, origin)
    _generated(rewriter, root, path, marker)
    insert_after_head(rewriter, root, [_file(path, kind)])


# ---------------------------------------------------------------------------------------------
# passes


@dataclass(frozen=True)
class HarnessHead(RewritePattern):
    """A skill gets the harness's `target.harness` head and a `target.file` per bundled file
    (earlier ones replaced); warnings for what the walk left out and for a listing the harness
    would cut."""

    to: Harness
    model: str

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        for old in [o for o in op.body.block.ops if isinstance(o, target.HarnessOp)]:
            rewriter.erase(old)
        _replace_target_ops(rewriter, op, ("bundled",))
        bound = cap.target_of(op)
        model = self.model or (bound.field("model") if bound is not None else None)
        source = bound.field("source") if bound is not None else None
        measured = bound.field("harness") if bound is not None else None
        borrowed = None
        if isinstance(measured, str) and harness_id(measured) != self.to.id:
            borrowed = measured
        head = target.HarnessOp.build_op(
            harness=self.to.id,
            model=model or None,
            injection=self.to.injection,
            folder=self.to.folder(op.skill_name.data),
            profile=Path(source).name if isinstance(source, str) else None,
            borrowed=borrowed,
        )
        folder = skill_folder(op)
        files = []
        if folder is not None:
            listing = list_files(folder)
            files = [_file(p, "bundled") for p in _bundled(listing, folder)]
            _left_out(listing)
        insert_after_head(rewriter, op, [head, *files])
        _check_frontmatter(op, self.to)


@dataclass(frozen=True)
class HarnessToolNames(RewritePattern):
    """Tool names in a text op, as the harness calls them (`rewrite_tool_names`)."""

    to: Harness

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self,
        op: skill.ProseOp
        | skill.StepOp
        | skill.BulletOp
        | skill.QuoteOp
        | skill.TableOp
        | skill.SectionOp,
        rewriter: PatternRewriter,
    ) -> None:
        _rewrite_op(op, self.to, rewriter)


@dataclass(frozen=True)
class LowerCapToTarget(ModulePass):
    name = "lower-cap-to-target"

    harness: str = "bare"
    model: str = ""
    text: bool = True

    def __post_init__(self) -> None:
        _check_harness(self.name, self.harness)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        to = harness(self.harness)
        patterns: list[RewritePattern] = [HarnessHead(to, self.model)]
        if self.text:
            patterns.append(HarnessToolNames(to))
        PatternRewriteWalker(
            GreedyRewritePatternApplier(patterns, dce_enabled=False), apply_recursively=False
        ).rewrite_module(op)


# frontmatter keys that limit what the agent may do; a harness that does not read one lets the
# agent do it anyway
_TOOL_LIMITS = ("allowed-tools", "disallowed-tools")


def _check_frontmatter(root: skill.SkillSkillOp, to: Harness) -> None:
    """Warn, at the key's line, when the harness's skill listing would cut the skill's entry
    (`Harness.listing_problem`) and when the skill limits its tools with a key the harness does
    not read."""
    raw = root.field("frontmatter")
    if not isinstance(raw, str):
        return
    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend.frontmatter import load_frontmatter, split_frontmatter

    lines = raw.splitlines(True)
    block = split_frontmatter(lines)
    data = load_frontmatter(block, DiagnosticSink()).data if block is not None else None
    if not isinstance(data, dict):
        return

    def line_of(key: str) -> int:
        return next((i for i, t in enumerate(lines, 1) if t.startswith(f"{key}:")), 1)

    problem = to.listing_problem(data)
    if problem is not None:
        active_sink().warning(line_of("description"), 1, problem)
    read = {key.split(".")[0] for key in to.frontmatter}
    for key in _TOOL_LIMITS:
        if key in data and key not in read:
            active_sink().warning(
                line_of(key),
                1,
                f"{to.name} does not read `{key}`: the tool limits it declares do not hold there",
            )


def harness_id(name: str) -> str:
    """The table id of a harness name as profiles spell it (`bare-agent` is `bare`)."""
    lowered = name.strip().lower()
    return "bare" if lowered in ("bare", "bare-agent") else lowered


_INSTALLABLE = ("pip", "npm", "system", "binary")


EnvMode = Literal["script", "preinstalled"]


def _one_platform(dep: env.DepOp) -> bool:
    """A package of one platform's manager other than Debian's (`brew install 1password-cli`
    alone): the script installs it there and skips it elsewhere, so the note, which is the
    same everywhere, does not name it."""
    manager = dep.manager.data if dep.manager is not None else None
    return manager is not None and dep.provides is None and MANAGERS[manager] != "debian"


@dataclass(frozen=True)
class EnvSetupFile(RewritePattern):
    """A skill gets `target.file "env-setup.sh"` and, with `text`, a note saying to run it
    (`mode=script`) or that its dependencies are installed (earlier ones replaced)."""

    mode: str
    text: bool

    @op_type_rewrite_pattern
    def match_and_rewrite(self, root: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        _regenerate(
            rewriter, root, "env-setup.sh", "env-setup", "lower-env", b"Generated by skillir"
        )
        # what the script requires (not what the skill only mentions), an any-of group once,
        # by the program its entries provide
        deps = [
            d
            for d in root.body.block.ops
            if isinstance(d, env.DepOp) and not d.optional and not _one_platform(d)
        ]
        installable = list(
            dict.fromkeys(
                d.provides.data if d.provides is not None else d.dep.data
                for d in deps
                if d.kind.data in _INSTALLABLE
            )
        )
        variables = [d.dep.data for d in deps if d.kind.data == "env"]
        if not self.text or not (installable or variables):
            return
        shown = [f"`{n}`" for n in installable[:6]]
        if len(installable) > 6:
            shown.append(f"{len(installable) - 6} more")
        named = _and(shown)
        # a target that cannot run commands well asks the user to run the script
        weak_exec = any(
            type(g) is cap.GapOp and g.primitive.data == "tool.exec" for g in skill.walk_ops(root)
        )
        who = "ask the user to run" if weak_exec else "run"
        parts = []
        if installable and self.mode == "script":
            parts.append(
                f"Before the first step, {who} `bash env-setup.sh` in this skill's folder: "
                f"it checks {named}, and installs only what is missing."
            )
        elif installable:
            parts.append(f"{named} are installed already; do not install anything.")
        if variables:
            listed = _and([f"`{v}`" for v in variables])
            parts.append(f"It needs {listed} set in the environment; never invent a value.")
        _note(rewriter, _first_section(root), " ".join(parts), "lower-env")


@dataclass(frozen=True)
class LowerEnvToTarget(ModulePass):
    name = "lower-env-to-target"

    mode: EnvMode = "script"
    text: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pattern = EnvSetupFile(self.mode, self.text)
        PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(op)


_ANCHOR_OPS = frozenset((skill.StepOp, skill.SectionOp))
_REGION_OPS = frozenset((par.IlpOp, par.DlpOp, par.TlpOp))


def _anchors_and_regions(
    root: skill.SkillSkillOp,
) -> tuple[dict[tuple[int, ...], Operation], list[par.RegionOp]]:
    """Steps and sections by span (the later of two with one span), and every `par` region."""
    anchors: dict[tuple[int, ...], Operation] = {}
    regions: list[par.RegionOp] = []
    for o in skill.walk_ops(root):
        if type(o) in _ANCHOR_OPS:
            if o.span is not None:
                anchors[o.span.data] = o
        elif type(o) in _REGION_OPS:
            regions.append(o)  # type: ignore[arg-type]
    return anchors, regions


def _and(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def _steps(labels: list[str]) -> str:
    """`step 3`, `steps 1 and 2`, `steps 1–4` (a consecutive run), `steps 1, 2 and 5`."""
    if len(labels) == 1:
        return f"step {labels[0]}"
    numbers = [int(x) for x in labels if x.isdigit()]
    if len(numbers) == len(labels) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"steps {labels[0]}–{labels[-1]}"
    return "steps " + _and(labels)


_SHELL_LANGS = {"bash", "sh", "shell", "zsh", "console", ""}
# programs that treat each file argument on its own, in place (so mapping them one file per
# process changes nothing but the time); an aggregating program (`tar`, `cat`, `zip`) is not one
_PER_FILE = {
    "gzip", "bzip2", "xz", "zstd", "mogrify", "optipng", "pngquant", "jpegoptim", "dos2unix",
    "sed", "clang-format", "prettier", "black", "touch", "chmod", "shellcheck",
}  # fmt: skip


def concurrent_command(step: Operation) -> str | None:
    """The step's one shell command over a glob, as a concurrent map: `mogrify -resize 800
    assets/*.png` becomes `printf '%s\\0' assets/*.png | xargs -0 -n 1 -P 4 mogrify -resize
    800`. None unless the step holds exactly one simple command of a per-file program whose
    last word is the glob."""
    commands = [
        line.strip().removeprefix("$ ")
        for op in skill.walk_ops(step)
        if isinstance(op, skill.CodeOp) and op.lang.data.strip().lower() in _SHELL_LANGS
        for line in op.text.data.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    text = step.properties.get("text")
    if isinstance(text, skill.TextAttr):
        commands += [
            m.group(1).strip() for m in re.finditer(r"`([^`\n]+)`", text.data) if " " in m.group(1)
        ]
    globbed = [c for c in commands if re.search(r"[*?]", c)]
    if len(globbed) != 1 or re.search(r"[|;&<>$`(){}]", globbed[0]) or "\\" in globbed[0]:
        return None
    words = globbed[0].split()
    if words[0] not in _PER_FILE or (words[0] in ("sed", "clang-format") and "-i" not in words):
        return None
    if (
        len(words) < 2
        or not re.search(r"[*?]", words[-1])
        or re.search(r"[*?]", " ".join(words[:-1]))
    ):
        return None
    return f"printf '%s\\0' {words[-1]} | xargs -0 -n 1 -P 4 {' '.join(words[:-1])}"


def _ancestors(task: par.TaskOp) -> list[par.TaskOp]:
    """The tasks `task` waits for, directly or through others."""
    seen: dict[int, par.TaskOp] = {}
    todo = [task]
    while todo:
        for dep in todo.pop().deps:
            owner = dep.owner
            if isinstance(owner, par.TaskOp) and id(owner) not in seen:
                seen[id(owner)] = owner
                todo.append(owner)
    return list(seen.values())


def _parts_of_one_project(branches: list[list[par.TaskOp]]) -> bool:
    """Whether every chain writes files after one earlier task that wrote the whole project
    (`apify create`, then the code, the schemas and the config of that one project):
    sub-agents that do not see each other's work would write its parts apart."""
    if not all(any(t.writes.data for t in b) for b in branches):
        return False
    scaffolds = [
        {id(a) for t in b for a in _ancestors(t) if "dir:." in {w.data for w in a.writes.data}}
        for b in branches
    ]
    return bool(set.intersection(*scaffolds))


# the skill's own word that work may run apart: "independently", "in parallel", "at the same
# time", "side by side", "in any order", "do not depend on each other", "sub-agents"
_INDEPENDENT = re.compile(
    r"\b(?:independent(?:ly)?|(?:in\s+)?parallel(?:ly|i[sz]e)?|concurrent(?:ly)?"
    r"|simultaneous(?:ly)?|at\s+the\s+same\s+time|side\s+by\s+side|in\s+any\s+order|sub-?agents?"
    r"|(?:do\s+not|don't|doesn't|does\s+not)\s+depend)\b",
    re.IGNORECASE,
)


def _said_independent(ops: list[Operation]) -> bool:
    """Whether the skill says the work of these steps or sections may run apart: in their own
    text, in the text before them in their section, or in the heading above them. The dataflow
    sees files and names, not meaning ("the schemas describe the input the code reads"), so a
    split into sub-agents, which do not see each other's work, needs the author's word."""
    texts: list[str] = []
    for op in ops:
        texts.append(render_op(op))
        previous = op.prev_op
        while previous is not None and not isinstance(previous, skill.SectionOp):
            if not isinstance(previous, skill.StepOp):
                texts.append(render_op(previous))
            previous = previous.prev_op
        parent = op.parent_op()
        while parent is not None and not isinstance(parent, skill.SectionOp):
            parent = parent.parent_op()
        if isinstance(parent, skill.SectionOp):
            texts.append(parent.title.data)
    return any(_INDEPENDENT.search(text) for text in texts)


def region_note(
    region: par.RegionOp,
    to: Harness,
    anchor: Operation | None = None,
    steps: Mapping[tuple[int, ...], Operation] | None = None,
) -> str | None:
    """How the harness runs the region at once; None when it cannot (the steps stay serial),
    or, for a `par.tlp`, when fewer than two chains carry work worth a sub-agent
    (`skillir.analysis.par.work`; `steps`: the step or section of each task, by span)."""
    if isinstance(region, par.IlpOp):
        if not to.parallel_tool_calls:
            return None
        labels = [t.label.data for t in region.tasks()]
        return (
            f"{_steps(labels).capitalize()} are independent: make their tool calls together, "
            "in one turn."
        )
    if isinstance(region, par.DlpOp):
        (task,) = region.tasks()
        over = re.sub(r"^(?:for|in|on)\s+", "", region.over.data, flags=re.IGNORECASE)
        command = concurrent_command(anchor) if anchor is not None else None
        if command is not None and "shell" in to.tools:
            return (
                f"Step {task.label.data} treats each item ({over}) on its own: run the items "
                f"concurrently with `{command}`."
            )
        if to.parallel_tool_calls:
            return (
                f"Step {task.label.data} treats each item ({over}) on its own: process the items "
                "concurrently, several tool calls per turn, or with one command that runs them "
                "in parallel (e.g. `xargs -P 4`)."
            )
        return None
    if isinstance(region, par.TlpOp):
        if not to.subagents:
            return None
        branches = [
            [t for t in skill.walk_ops(branch) if isinstance(t, par.TaskOp)]
            for branch in region.branches
        ]
        if _parts_of_one_project(branches):
            return None
        found = steps or {}
        ops = [[found.get(t.span.data) if t.span else None for t in b] for b in branches]
        if sum(chain_work(b, o) for b, o in zip(branches, ops, strict=True)) < 2:
            return None
        if not _said_independent([o for chain in ops for o in chain if o is not None]):
            return None
        chains = [_steps([t.label.data for t in b]) for b in branches]
        via = f" (the `{to.tools['subagent']}` tool)" if "subagent" in to.tools else ""
        return (
            f"These chains are independent: {'; '.join(chains)}. Give each to its own "
            f"sub-agent{via}, and wait for all of them before going on."
        )
    return None


# "## Workflow C: Parallel Testing", "### Fan-out": the skill says where work runs at once
_PARALLEL_TITLE = re.compile(r"\b(?:parallel\w*|concurren\w*|fan[- ]?out)\b", re.IGNORECASE)


def _plans_its_own_parallelism(root: skill.SkillSkillOp) -> bool:
    """Whether a section of the skill is about running its work in parallel: its author chose
    where that is safe (named sessions, separate browsers), so no region note adds more."""
    return any(
        isinstance(op, skill.SectionOp) and _PARALLEL_TITLE.search(op.title.data)
        for op in skill.walk_ops(root)
    )


@dataclass(frozen=True)
class PlanFile(RewritePattern):
    """A skill gets `target.file "plan.json"` and, with `text`, a note per region the harness
    can run at once, at the step of its first task (earlier ones replaced)."""

    to: Harness
    text: bool

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        _regenerate(rewriter, op, "plan.json", "plan", "lower-par", b'"format": "skillir-plan"')
        if not self.text or _plans_its_own_parallelism(op):
            return
        anchors, regions = _anchors_and_regions(op)
        for region in regions:
            if isinstance(region.parent_op(), par.RegionOp):
                continue  # a region inside a tlp branch: the branch's sub-agent decides
            first = min(
                (t for t in region.tasks() if t.span is not None),
                key=lambda t: t.span.data,  # type: ignore[union-attr]
                default=None,
            )
            if first is None or first.span.data not in anchors:
                continue
            note = region_note(region, self.to, anchors[first.span.data], anchors)
            if note is not None:
                _note(rewriter, anchors[first.span.data], note, "lower-par")


@dataclass(frozen=True)
class LowerParToTarget(ModulePass):
    name = "lower-par-to-target"

    harness: str = "bare"
    text: bool = True

    def __post_init__(self) -> None:
        _check_harness(self.name, self.harness)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pattern = PlanFile(harness(self.harness), self.text)
        PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(op)
