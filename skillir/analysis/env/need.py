"""Which of a skill's dependencies it requires and which it only mentions.

`extract-deps` reads everything a skill names; a dependency is *required* only when the skill
runs it on every use: in its procedure (a numbered step, a block placed between the steps of
a list, a section titled as a step, phase, workflow, usage, setup or prerequisites, or the
skill's own text above any sub-heading) or in a bundled file that procedure runs (a script it
names, a local module such a script imports, the requirements or package file beside it).
What a reference section, an example or one product's section among several names is
*optional*: `env-setup.sh` checks and reports it, never installs it unasked and never fails
on it, and the environment note does not name it.

    >>> procedure_title("Integration with Scoring Functions")
    False
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skillir.analysis.env.deps import Dependency

# words that make a heading a procedure section ("Workflow", "Quick Start", "Setup")
_PROCEDURE_WORD = re.compile(
    r"steps?|phases?|stages?|workflow|procedures?|process|instructions?|usage|use|using|run|running"
    r"|quick|start|started|getting|set|setup|up|install|installation|installing"
    r"|prerequisites?|requirements|dependencies|how|to",
    re.IGNORECASE,
)
# words that qualify such a heading without naming a topic of its own ("Basic Usage",
# "Command-Line Usage"); any other word does ("Docker Usage", "MongoDB Setup")
_GENERIC_WORD = re.compile(
    r"basic|simple|core|main|general|typical|standard|recommended|default|primary|full"
    r"|complete|environment|local|initial|first|cli|command|line|commands|skill|this|the|a|an"
    r"|and|of|for|with|your|guide|overview|required|system|&|/|-|:",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[\w&/]+|[-:]")
# "Step 2: Build", "Phase 1 - Plan": a step of the skill's procedure whatever its topic
_STEP_TITLE = re.compile(r"\s*(?:step|phase|stage)\s*\d|\s*(?:step|phase|stage)\b", re.I)
# "工作流", "作業手順", "步骤": workflow, procedure, steps
_CJK_PROCEDURE = re.compile(
    r"工作流|流程|手順|手顺|步骤|步驟|ワークフロー|ステップ|使い方|使用方法"
)
# "# Example: ...": a code block that shows, not runs
_EXAMPLE_HEAD = re.compile(r"\s*(?:#|//)\s*(?:for\s+)?example\b", re.IGNORECASE)


def procedure_title(title: str) -> bool:
    """Whether a heading names the skill's procedure: a step or phase, or a procedure word
    ("Usage", "Quick Start", "Installation") with only generic qualifiers.

    >>> [procedure_title(t) for t in ("Step 2: Build", "Basic Usage", "Docker Usage")]
    [True, True, False]
    """
    if _STEP_TITLE.match(title) or _CJK_PROCEDURE.search(title):
        return True
    words = [w.lower() for w in _WORDS.findall(title.replace("*", "").replace("`", ""))]
    return any(_PROCEDURE_WORD.fullmatch(w) for w in words) and all(
        _PROCEDURE_WORD.fullmatch(w) or _GENERIC_WORD.fullmatch(w) for w in words
    )


_VARIANT = re.compile(r"\b(?:options?|alternatives?|examples?|variants?|methods?)\b", re.I)
# a heading that says what the skill needs ("Testing Requirements"), whatever it qualifies
_DECLARATION = re.compile(r"\b(?:prerequisites?|requirements|dependencies)\b", re.IGNORECASE)


# where a service runs: "### Local Server" beside "### Remote Server", "Cloud" beside "Self-hosted"
_MODE_TITLE = re.compile(
    r"\b(?:local|remote|cloud|self[- ]?hosted|hosted|on[- ]?prem(?:ise)?s?|self[- ]?managed"
    r"|managed|stdio|sse)\b",
    re.IGNORECASE,
)


def service_mode(title: str) -> str | None:
    """The place a service runs that a heading or a table column names ("Remote Server":
    "remote"), else None."""
    m = _MODE_TITLE.search(title)
    return m.group().lower().replace(" ", "-") if m else None


def _one_mode(section: Any) -> bool:
    """Whether a section is for one of the places a service may run: its title names one
    (`_MODE_TITLE`) and another heading of the skill names another ("### Local Server" and
    "### Remote Server"; then also "### Test Local Server Config")."""
    from skillir.dialects.skill import SectionOp, walk_ops

    mode = service_mode(section.title.data)
    if mode is None:
        return False
    root = section
    while root.parent_op() is not None:
        root = root.parent_op()
    return any(
        isinstance(o, SectionOp) and service_mode(o.title.data) not in (None, mode)
        for o in walk_ops(root)
    )


def _procedure_words(title: str) -> set[str]:
    return {w.lower() for w in _WORDS.findall(title) if _PROCEDURE_WORD.fullmatch(w)}


def _variant(section: Any) -> bool:
    """Whether a section names one of several ways or products rather than a part of its
    parent: a platform, an install route or an option ("### macOS", "Docker Usage",
    "Installation Options"), or a procedure heading with a topic that a sibling heading
    shares with another topic ("MongoDB Setup" beside "PostgreSQL Setup")."""
    from skillir.analysis.env.deps import ROUTE_TITLE, platform_named
    from skillir.dialects.skill import SectionOp

    title = section.title.data
    if (
        platform_named(title) is not None
        or ROUTE_TITLE.match(title) is not None
        or _VARIANT.search(title) is not None
    ):
        return True
    if _one_mode(section):
        return True
    siblings = section.parent.ops if section.parent is not None else ()
    words = _procedure_words(title)
    if not words or procedure_title(title) or _DECLARATION.search(title):
        return False
    return any(
        isinstance(o, SectionOp)
        and o is not section
        and words & _procedure_words(o.title.data)
        and not procedure_title(o.title.data)
        for o in siblings
    )


def _section_procedure(section: Any) -> bool:
    """Whether a section (below the document title) is part of the procedure: its heading, or
    the part before its colon, says so ("Core Workflow: OpenMM"), or it is a part (not one
    variant) of a procedure section ("### 1. System Preparation" under a workflow)."""
    from skillir.dialects.skill import SectionOp

    title = section.title.data
    if (
        procedure_title(title)
        or procedure_title(title.split(":", 1)[0])
        or _DECLARATION.search(title) is not None
    ):
        return True
    parent = section.parent_op()
    return (
        isinstance(parent, SectionOp)
        and parent.level.data > 1
        and not _variant(section)
        and _section_procedure(parent)
    )


def in_procedure(op: Any) -> bool:
    """Whether block `op` of SKILL.md is part of what the skill does on every use: inside or
    after a numbered step of its list, in a procedure section (`_section_procedure`, the
    nearest heading below the document title), or in text with no sub-heading above it."""
    from skillir.dialects.skill import SectionOp, StepOp

    node = op
    while node is not None and not isinstance(node, SectionOp):
        if isinstance(node, StepOp):
            return True
        previous = node.prev_op
        while previous is not None:
            if isinstance(previous, StepOp):
                return True  # a block that cuts a numbered list, or follows it in its section
            previous = previous.prev_op
        node = node.parent_op()
    if not isinstance(node, SectionOp) or node.level.data == 1:
        return True
    return _section_procedure(node)


# a dependency named in this many sections of SKILL.md, or in at least this share of the
# sections that name any, is the skill's staple: required wherever those sections stand
STAPLE = 3
STAPLE_SHARE = 0.5


def _section(op: Any) -> Any:
    """The section holding `op`, None above every heading."""
    from skillir.dialects.skill import SectionOp

    node = op.parent_op()
    while node is not None and not isinstance(node, SectionOp):
        node = node.parent_op()
    return node


def _in_variant(op: Any) -> bool:
    """Whether `op` is under a heading (below the document title) naming one of several ways
    or products (`_variant`)."""
    node = _section(op)
    while node is not None and node.level.data > 1:
        if _variant(node):
            return True
        node = _section(node)
    return False


# a list item offering a way out or an extra: "**Fallback: Firecrawl scrape** (if WebFetch
# fails)", "Optional: ...", "If that fails, ..."
_FALLBACK_ITEM = re.compile(
    r"[*_\s]*(?:fallback|optional(?:ly)?|alternatively|as\s+a\s+last\s+resort"
    r"|if\s+(?:that|this|it|the\s+\w+)\s+fails"
    r"|if\s+`?[\w.+-]+`?\s+(?:is\s+not|isn.t)\s+(?:installed|available|found))\b",
    re.IGNORECASE,
)
# a harness's skill folder: a section copying the skill there installs the skill itself
_SKILL_FOLDER = re.compile(
    r"\.(?:claude|codex|agents|gemini|copilot|cursor|github)/skills\b|\bskills?\s+(?:add|install)\b"
)


_INSTALL_TITLE = re.compile(r"\binstall(?:ation|ing)?\b", re.IGNORECASE)


# a bullet for one case: "For `method:python` profiles: `pip install ...`", "If on Windows: ..."
_CASE_ITEM = re.compile(
    r"[*_\s]*(?:for|if|when)\s+(?!each\b|every\b|all\b|any\b)[^:\n]{1,60}:", re.IGNORECASE
)


# a list introduced as ways to try until one works: "Try these methods in order and stop
# after the first successful one:", "Use any one of the following:"
_WAYS_INTRO = re.compile(
    r"\b(?:stop|done)\s+(?:after|at|with)\s+the\s+first\b"
    r"|\bfirst\s+(?:one\s+)?(?:that|which)\s+(?:works|succeeds)\b"
    r"|\b(?:any|either)\s+(?:one\s+)?of\s+(?:the\s+following|these)\b"
    r"|\beither\s*:\s*\Z",  # "Then either:"
    re.IGNORECASE,
)


def _list_intro(item: Any) -> str:
    """The text just before the list that holds item `item`: the item it is nested in when
    nothing comes between ("" when none)."""
    from skillir.dialects.skill import BulletOp, StepOp

    before = item.prev_op
    while isinstance(before, type(item)):
        before = before.prev_op
    if before is None and isinstance(item.parent_op(), (StepOp, BulletOp)):
        before = item.parent_op()  # a list nested in an item: that item's own text
    text = getattr(before, "text", None)
    return text.data if text is not None else ""


# a list of what other tools do instead of this skill: "Use other tools when:", "Do not use
# this skill for:", "以下情况使用其他能力" (in these cases use other capabilities)
_OTHERS_INTRO = re.compile(
    r"\b(?:use\s+(?:other|another|different)\s+(?:tools?|skills?|capabilit(?:y|ies))"
    r"|(?:do\s+not|don.t)\s+use\s+this\s+skill|when\s+not\s+to\s+use)\b"
    r"|使用其他|不使用本|不适用",
    re.IGNORECASE,
)


def _ways_list(item: Any) -> bool:
    """Whether list item `item` is one of a list the text before it offers as ways to try
    until one works (`_WAYS_INTRO`), or as what other tools do instead (`_OTHERS_INTRO`)."""
    intro = _list_intro(item)
    return _WAYS_INTRO.search(intro) is not None or _OTHERS_INTRO.search(intro) is not None


# "For production apps or when session data exceeds cookie size limits, use ...", "If you need
# SSO, ...": a section for a need some uses have
_WHEN_NEEDED = re.compile(
    r"\s*(?:for\s+(?:production|large|larger|bigger|advanced|enterprise|high[- ]\w+)\b"
    r"|(?:if|when)\s+you\s+(?:need|want|prefer)\b)",
    re.IGNORECASE,
)


def _case_section(op: Any) -> bool:
    """Whether `op` is in a variant section (`_variant`) that opens with the case it is for
    ("## Using with Shiny for Python" / "When the user wants to apply brand.yml to a Shiny
    for Python app:"), or in a section on a topic that opens with a need some uses have
    ("## Stateful Setup with Redis" / "For production apps ..."): one case, not every use."""
    node = _section(op)
    while node is not None and node.level.data > 1:
        first = next((o for o in node.body.block.ops if hasattr(o, "text")), None)
        if _one_mode(node) or (
            first is not None
            and (
                (_variant(node) and _CASE_STEP.match(first.text.data))
                or (not procedure_title(node.title.data) and _WHEN_NEEDED.match(first.text.data))
            )
        ):
            return True
        node = _section(node)
    return False


def _in_fallback(op: Any) -> bool:
    """Whether `op` is, or is inside, a list item offered as a fallback or an option, or a
    bullet for one case of several."""
    from skillir.dialects.skill import BulletOp, StepOp

    node = op
    while node is not None:
        if isinstance(node, (StepOp, BulletOp)) and _FALLBACK_ITEM.match(node.text.data):
            return True
        if isinstance(node, (StepOp, BulletOp)) and _ways_list(node):
            return True
        if isinstance(node, BulletOp) and _CASE_ITEM.match(node.text.data):
            return True
        node = node.parent_op()
    return False


def _installs_the_skill(op: Any) -> bool:
    """Whether `op` is in an installation section that installs the skill itself (copies it
    into `~/.claude/skills/`, `npx skills add ...`): what a person runs once, not what the
    skill runs."""
    from skillir.dialects.skill import SectionOp, walk_ops

    node = _section(op)
    while node is not None and node.level.data > 1:
        if _INSTALL_TITLE.search(node.title.data):
            texts = [o.text.data for o in walk_ops(node) if hasattr(o, "text")]
            return any(_SKILL_FOLDER.search(t) for t in texts)
        parent = node.parent_op()
        node = parent if isinstance(parent, SectionOp) else None
    return False


_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_QUOTED_TITLE = re.compile(r"[\"“\[]([^\"”\]\n]{4,80})[\"”\]]")


def _cited_setups(root: Any) -> frozenset[str]:
    """Lower-cased quoted names cited inside a variant section that has a variant sibling
    ("### Option A: With Extension" says 'see "Extension Setup" below', beside "### Option B:
    CDP Fallback"): a section of that name is the setup of one way only."""
    from skillir.dialects.skill import SectionOp, walk_ops

    cited: set[str] = set()
    for way in walk_ops(root):
        if not isinstance(way, SectionOp) or way.level.data == 1 or not _variant(way):
            continue
        siblings = way.parent.ops if way.parent is not None else ()
        if any(isinstance(o, SectionOp) and o is not way and _variant(o) for o in siblings):
            for o in walk_ops(way):
                if hasattr(o, "text"):
                    cited.update(m.lower() for m in _QUOTED_TITLE.findall(o.text.data))
    return frozenset(cited)


@dataclass
class Mentions:
    """Where SKILL.md names each dependency (by kind and name): whether in its procedure, and
    in which sections that show what the skill does (no variant, example or one case of
    several)."""

    procedure: set[tuple[str, str]] = field(default_factory=set)
    sections: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    # names of sections that one of several ways cites as its setup (`_cited_setups`)
    one_way: frozenset[str] | None = None

    def add(self, op: Any, keys: Iterable[tuple[str, str]], shown: bool) -> None:
        """Record `keys` found in block `op`; `shown` is False for a block that only shows an
        example or one case of several."""
        from skillir.dialects.skill import CodeOp

        if (
            not shown
            or (isinstance(op, CodeOp) and _EXAMPLE_HEAD.match(op.text.data))
            or _in_fallback(op)
            or _installs_the_skill(op)
            or _case_section(op)
        ):
            return
        keys = list(keys)
        section = _section(op)
        if section is not None and section.level.data > 1:
            if self.one_way is None:
                root = section
                while root.parent_op() is not None:
                    root = root.parent_op()
                self.one_way = _cited_setups(root)
            if _PARENTHESES.sub("", section.title.data).strip(" *_`").lower() in self.one_way:
                return  # the setup of one way of several: needed for that way only
        if in_procedure(op):
            self.procedure.update(keys)
        if not _in_variant(op):
            for key in keys:
                self.sections.setdefault(key, set()).add(0 if section is None else id(section))

    def required(self, key: tuple[str, str]) -> bool:
        """In the procedure, or the skill's staple (`STAPLE`, `STAPLE_SHARE`)."""
        if key in self.procedure:
            return True
        named = len(self.sections.get(key, ()))
        total = len(set().union(*self.sections.values())) if self.sections else 0
        return named >= STAPLE or (named > 0 and named >= STAPLE_SHARE * total)


# a section that helps the reader choose one of several products or platforms
_CHOICE_TITLE = re.compile(
    r"\b(?:selection|choos(?:e|ing)|which\b.*\b(?:use|pick)|decision|comparison)\b", re.I
)
_GROUP_HEAD = re.compile(r"\s*#\s*([^#\n]+?)\s*\Z")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{2,}")


# in the frontmatter's `compatibility`: words that make a clause optional, and sentences that
# open with the case they apply to ("For remote sessions, also requires `X`")
_SPARING = re.compile(
    r"\boptional(?:ly)?\b|\bnot\s+(?:required|needed)\b|\bisn.t\s+(?:required|needed)\b"
    r"|\bif\s+(?:available|installed|present)\b",
    re.IGNORECASE,
)
_CASE_SENTENCE = re.compile(r"\s*(?:for|if|when)\b", re.IGNORECASE)  # not "Only requires X"
_EITHER = re.compile(r"`?([\w@./+-]+)`?\s+or\s+`?([\w@./+-]+)`?", re.IGNORECASE)
_DECLARED_NAME = re.compile(r"[\w@./+-]+")


def declared_optional(frontmatter: str) -> frozenset[str]:
    """Lower-cased names the skill's `compatibility` field spares: named optionally or as not
    required ("optionally `jq`", "`jq` ... is not required"), in a sentence for one case ("For
    remote sessions, also requires `KEY`"), or as one of two ("pnpm or npm").

    >>> sorted(declared_optional('compatibility: "Node 18+ with pnpm or npm; optionally jq."'))
    ['jq', 'npm', 'pnpm']
    """
    import yaml

    try:
        data = yaml.safe_load(frontmatter.strip().strip("-"))
    except yaml.YAMLError:
        return frozenset()
    text = data.get("compatibility") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return frozenset()
    names: set[str] = set()
    for sentence in re.split(r"(?<=[.;])\s+", text):
        case = _CASE_SENTENCE.match(sentence) is not None
        for part in re.split(r",\s*|\(|\)", sentence):
            if case or _SPARING.search(part):
                names.update(_DECLARED_NAME.findall(part))
            for pair in _EITHER.findall(part):
                names.update(pair)
    return frozenset(name.lower().strip(".") for name in names) - {"optional", "optionally"}


def declared_required(frontmatter: str) -> list[tuple[str, str, int]]:
    r"""(kind, name, line) of what the frontmatter declares the skill cannot run without:
    OpenClaw's gate `metadata.openclaw.requires` (`bins`, `env`; `metadata.clawdbot` is its
    old name) and Hermes' `required_environment_variables` (names, or entries with a `name`).
    `line` is where the name stands in SKILL.md (the frontmatter starts at line 1). Values are
    not checked here: the caller validates them like any other dependency.

    >>> declared_required("---\nmetadata:\n  openclaw:\n    requires:\n      bins: [browse]\n---\n")
    [('binary', 'browse', 5)]
    """
    import yaml

    try:
        data = yaml.safe_load(frontmatter.strip().strip("-"))
    except yaml.YAMLError:
        return []
    if not isinstance(data, dict):
        return []
    found: list[tuple[str, str]] = []
    metadata = data.get("metadata")
    for key in ("openclaw", "clawdbot"):
        gate = metadata.get(key) if isinstance(metadata, dict) else None
        requires = gate.get("requires") if isinstance(gate, dict) else None
        if isinstance(requires, dict):
            for field_name, kind in (("bins", "binary"), ("env", "env")):
                names = requires.get(field_name)
                if isinstance(names, list):
                    found += [(kind, n) for n in names if isinstance(n, str)]
    hermes = data.get("required_environment_variables")
    if isinstance(hermes, list):
        for entry in hermes:
            name = entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(name, str):
                found.append(("env", name))
    lines = frontmatter.splitlines()

    def line_of(name: str) -> int:
        return next((i for i, t in enumerate(lines, 1) if name in t), 1)

    return [(kind, name, line_of(name)) for kind, name in dict.fromkeys(found)]


def choice_text(ops: Iterable[Any]) -> str:
    """The lower-cased text of the sections that help choose a product ("Platform Selection",
    "Choose MongoDB When:"), their sub-sections included."""
    from skillir.dialects.skill import SectionOp

    chosen = []
    for op in ops:
        if not hasattr(op, "text"):
            continue
        node = _section(op)
        while node is not None and not _CHOICE_TITLE.search(node.title.data):
            node = _section(node)
        if node is not None and isinstance(node, SectionOp):
            chosen.append(op.text.data)
    return "\n".join(chosen).lower()


def product_lines(op: Any, choices: str) -> set[int]:
    """The document lines of code block `op` that belong to one product of several: the block
    is cut by comment headings ("# Docker", "# GCP Cloud Run") of which two or more name
    something the skill's choice section (`choice_text`) names."""
    if not choices:
        return set()
    first = op.span.data[0] + 1 if op.span is not None else 1
    groups: list[tuple[bool, list[int]]] = []
    for index, line in enumerate(op.text.data.split("\n")):
        head = _GROUP_HEAD.match(line)
        if head:
            names = _NAME.findall(head.group(1))
            named = any(re.search(rf"\b{re.escape(n.lower())}\b", choices) for n in names)
            groups.append((named, []))
        elif groups and line.strip():
            groups[-1][1].append(first + index)
    products = [lines for named, lines in groups if named and lines]
    return {n for lines in products for n in lines} if len(products) >= 2 else set()


def required_groups(deps: list[Dependency]) -> list[Dependency]:
    """An any-of group's install lines are required when the program they provide is."""
    required = {d.name for d in deps if d.kind == "binary" and not d.optional}
    return [
        replace(d, optional=False) if d.optional and d.provides in required else d for d in deps
    ]


_LOCAL_IMPORT = re.compile(
    r"^\s*(?:from\s+([\w.]+)\s+import\s+\(?([\w, ]+)|import\s+([\w., ]+))", re.MULTILINE
)
# `source "$SCRIPT_DIR/../../_lib/common.sh"`, `. /opt/lib.sh`: the path a script sources
SOURCED = re.compile(r"(?:^|[\s;&|(])(?:source|\.)\s+[\"']?([^\s\"';&|]+)", re.MULTILINE)


def _named(rel: str, text: str, unique: bool = True) -> bool:
    """Whether `text` names bundled file `rel` by its path or, for a file deeper than the
    skill's top folder whose name no other bundled file has (`unique`), by its file name."""
    path = PurePosixPath(rel)
    names = {rel, path.name} if len(path.parts) > 1 and unique else {rel}
    return any(re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w-])", text) for n in names)


def _importer(rels: Sequence[str]) -> Callable[[str], list[str]]:
    """A function from a text to the bundled Python modules it imports (`import helpers`,
    `from lib.kernel import X`), by file stem."""
    stems: dict[str, list[str]] = {}
    for rel in rels:
        path = PurePosixPath(rel)
        if path.suffix == ".py":
            stems.setdefault(path.stem, []).append(rel)

    def imported(text: str) -> list[str]:
        names = re.findall(r"\w+", " ".join(" ".join(m) for m in _LOCAL_IMPORT.findall(text)))
        return [rel for name in names for rel in stems.get(name, [])]

    return imported


def modules_of(scripts: set[str], rels: Sequence[str], texts: dict[str, str]) -> set[str]:
    """The bundled modules `scripts` import, directly or through each other: they run in the
    scripts' interpreter (for a PEP 723 script under `uv run`, the environment uv builds)."""
    imported = _importer(rels)
    found: set[str] = set()
    todo = list(scripts)
    while todo:
        for rel in imported(texts.get(todo.pop(), "")):
            if rel not in found and rel not in scripts:
                found.add(rel)
                todo.append(rel)
    return found


def run_files(rels: Sequence[str], procedure_text: str, texts: dict[str, str]) -> set[str]:
    """The bundled files the procedure runs: those `procedure_text` names or imports, the local
    modules and sourced files they use (to a fixed point), and each `requirements.txt` /
    `package.json` at the top of the skill or beside a file that runs."""
    imported = _importer(rels)
    # "Update `package.json`" names no one of seven starter kits' package.json files
    counts: dict[str, int] = {}
    for rel in rels:
        counts[PurePosixPath(rel).name] = counts.get(PurePosixPath(rel).name, 0) + 1

    def named(rel: str, text: str) -> bool:
        return _named(rel, text, counts[PurePosixPath(rel).name] == 1)

    running = {rel for rel in rels if named(rel, procedure_text)} | set(imported(procedure_text))
    todo = list(running)
    while todo:
        text = texts.get(todo.pop(), "")
        used = imported(text)
        used += [rel for rel in rels if any(named(rel, s) for s in SOURCED.findall(text))]
        for rel in used:
            if rel not in running:
                running.add(rel)
                todo.append(rel)
    folders = {str(PurePosixPath(rel).parent) for rel in running}
    declared = {
        rel
        for rel in rels
        if PurePosixPath(rel).name in ("requirements.txt", "package.json")
        and (str(PurePosixPath(rel).parent) in folders | {"."} or named(rel, procedure_text))
    }
    return running | declared


def procedure_text(ops: Iterable[Any]) -> str:
    """The text of SKILL.md's blocks that are part of its procedure (`in_procedure`), but not
    a step for one case ("If the user wants JavaScript, run the transpile script")."""
    return "\n".join(
        op.text.data
        for op in ops
        if hasattr(op, "text") and in_procedure(op) and not _CASE_STEP.match(op.text.data)
    )


_CASE_STEP = re.compile(r"\s*(?:if|when|only\s+if)\s+(?:the\s+user|you)\b", re.IGNORECASE)
