"""A skill's procedures as dataflow graphs: tasks with read/write sets and the order they need.

A procedure is an ordered list of imperative steps (or a run of "Step N" sections); each step is
one task. Its kind comes from its first verb (`gather` reads, `reason` thinks on what was read,
`act` changes things, `control` branches or loops, `unknown` when no rule applies); its read
and write sets come from its code blocks and inline code (`skillir.analysis.par.effects`) and the
verb.
What a rule cannot see is assumed, never guessed: a task without explicit resources, a
conditional, a loop or an unknown verb reads and writes everything, so the order is kept.

Dependencies are the read-after-write, write-after-read and write-after-write conflicts between
tasks, plus the ordering words ("then", "finally"), step references ("from step 2") and
references to an earlier result ("the output", "the loaded file", "per the prompt") the text
contains; `dependencies` returns them transitively reduced, each with its reason. A step that
says "one at a time", "in order", "wait for", "STOP" or "do not proceed until" is a barrier, and
a list introduced by such words ("For each phase 1..6, in order:") is one chain.

    >>> [t.label for t in procedures(parse("1. Read `a`.\\n2. Read `b`.\\n"))[0].tasks]
    ['1', '2']
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from xdsl.ir import Block, Operation

from skillir.analysis.env.deps import is_command_span
from skillir.analysis.par import plan_rule
from skillir.analysis.par.effects import (
    EVERYTHING,
    path_resource,
    python_effects,
    rules,
    shell_effects,
)
from skillir.dialects import skill
from skillir.frontend.inline import INLINE_CODE
from skillir.frontend.languages import canonical

_STEP_TITLE = re.compile(r"(?:step|phase|stage|part)\s*(\d+)\b|(\d+)[.):]\s", re.IGNORECASE)
_PROCEDURE_TITLE = re.compile(
    r"\b(?:steps?|workflow|procedure|process|how to|instructions|usage|quick ?start|phases?)\b"
    r"|手順|步骤|流程|ワークフロー|フロー|工作流",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^\s*\*\*([^*]+)\*\*\s*[:：—–-]?\s*|^\s*__([^_]+)__\s*[:：—–-]?\s*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_STEP_REF = re.compile(r"\bsteps?\s+(\d+)(?:\s*(?:-|–|to|and|&)\s*(\d+))?", re.IGNORECASE)
# verbs whose object is written; verbs whose object is read and then rewritten
_CREATE = {
    "write", "create", "save", "generate", "export", "output", "produce", "store", "render",
    "compose", "draft", "scaffold", "make", "build", "assemble", "package", "bundle", "archive",
}  # fmt: skip
_MODIFY = {
    "edit", "update", "modify", "fix", "refactor", "rename", "append", "insert", "replace",
    "format", "migrate", "bump", "clean", "cleanup", "delete", "remove", "move", "fill", "add",
    "set", "configure", "mark", "sign", "resize", "crop", "compress", "optimize", "optimise",
    "rewrite", "apply", "change",
}  # fmt: skip
_TARGET_PREP = {"to", "into", "as", "in", "at"}
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "each", "every", "its", "their",
                "your", "our", "any", "all", "some", "no"}  # fmt: skip


@dataclass
class Task:
    """One step: label, kind, anchor span, read/write sets and the cues that order it."""

    label: str
    kind: str
    span: skill.SpanAttr | None
    text: str
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    over: str | None = None
    items: int | None = None
    order: str | None = None
    refs: list[str] = field(default_factory=list)
    anaphora: str | None = None


@dataclass
class Procedure:
    title: str
    span: skill.SpanAttr | None
    tasks: list[Task]


# ---------------------------------------------------------------------------------------------
# resources


def _norm(path: str) -> str:
    path = posixpath.normpath(path) if path not in ("", ".") else "."
    return path[2:] if path.startswith("./") else path


def _literal_prefix(pattern: str) -> str:
    cut = re.search(r"[*?\[]", pattern)
    head = pattern[: cut.start()] if cut else pattern
    return head.rsplit("/", 1)[0] if "/" in head else ""


def _under(path: str, folder: str) -> bool:
    return folder == "." or path == folder or path.startswith(folder.rstrip("/") + "/")


class _Resource(NamedTuple):
    """A resource split once: its text, kind, name, and the name as a normalised path."""

    text: str
    kind: str
    name: str
    path: str


_NAMED = frozenset(("value", "effect"))


def _resource(text: str) -> _Resource:
    kind, _, name = text.partition(":")
    return _Resource(text, kind, name, name if kind in _NAMED else _norm(name))


def overlaps(a: str, b: str) -> bool:
    """Whether two resources may name the same thing (conservative: when unsure, yes)."""
    return _overlap(_resource(a), _resource(b))


def _overlap(a: _Resource, b: _Resource) -> bool:
    ka, kb = a.kind, b.kind
    if ka in _NAMED or kb in _NAMED:
        na, nb = a.name, b.name
        return ka == kb and (na == nb or fnmatch.fnmatchcase(na, nb) or fnmatch.fnmatchcase(nb, na))
    na, nb = a.path, b.path
    if ka == "dir" or kb == "dir":
        (dk, dn), (ok, on) = ((ka, na), (kb, nb)) if ka == "dir" else ((kb, nb), (ka, na))
        if ok == "glob":
            prefix = _literal_prefix(on) or "."
            return _under(prefix, dn) or _under(dn, prefix)
        return _under(on, dn) or (ok == "dir" and _under(dn, on))
    if ka == "file" and kb == "file":
        return na == nb
    if ka == "glob" and kb == "glob":
        if fnmatch.fnmatchcase(na, nb) or fnmatch.fnmatchcase(nb, na):
            return True
        ea, eb = posixpath.splitext(na)[1], posixpath.splitext(nb)[1]
        if ea and eb and not _GLOBBY.search(ea + eb) and ea != eb:
            return False
        pa, pb = _literal_prefix(na) or ".", _literal_prefix(nb) or "."
        return _under(pa, pb) or _under(pb, pa)
    pattern, name = (na, nb) if ka == "glob" else (nb, na)
    return fnmatch.fnmatchcase(name, pattern)


_GLOBBY = re.compile(r"[*?\[]")


def _hazard(kind: str, a: _Resource, b: _Resource) -> bool:
    """Whether `a` (earlier) and `b` (later) conflict. A finding (`value:found.N`) is written
    once, by its task, so reading "every finding" does not conflict with a later one."""
    if kind == "war" and b.text.startswith("value:found."):
        return False
    return _overlap(a, b)


def _resources(task: Task) -> tuple[list[_Resource], list[_Resource]]:
    """The task's read and write sets, sorted."""
    return [_resource(r) for r in sorted(task.reads)], [_resource(w) for w in sorted(task.writes)]


def conflicts(earlier: Task, later: Task) -> list[str]:
    """The hazards that order `earlier` before `later`: `raw R`, `war R`, `waw R`."""
    return _conflicts(*_resources(earlier), *_resources(later))


def _conflicts(
    reads: list[_Resource],
    writes: list[_Resource],
    later_reads: list[_Resource],
    later_writes: list[_Resource],
) -> list[str]:
    """`conflicts` on the sorted read and write sets of the earlier and the later task."""
    out = []
    for kind, first, second in (
        ("raw", writes, later_reads),
        ("waw", writes, later_writes),
        ("war", reads, later_writes),
    ):
        if not second:
            continue
        for a in first:
            hit = next((b.text for b in second if _hazard(kind, a, b)), None)
            if hit is not None:
                shown = hit if _GLOBBY.search(a.text) and not _GLOBBY.search(hit) else a.text
                out.append(f"{kind} {shown}")
                break
    return out


# ---------------------------------------------------------------------------------------------
# steps to tasks


_EACH_CLAUSE = re.compile(
    r"\s*(?:for (?:each|every|all)|in each|on each)\b[^,]*,\s*", re.IGNORECASE
)


def _lead(text: str) -> tuple[str, str | None]:
    """The step's text without a bold label prefix or ordering word, and the ordering word."""
    r = rules()
    m = _LABEL.match(text)
    body = text
    if m:
        label = (m.group(1) or m.group(2)).strip()
        rest = text[m.end() :]
        # a label that is itself an instruction ("**Analyze impact**: find ...") leads
        body = label + " " + rest if _verb_of(label) and not _verb_of(rest) else rest
    each = _EACH_CLAUSE.match(body)
    if each:
        body = body[each.end() :]
    low = body.lower().lstrip()
    for word in r.order:  # longest first
        if low.startswith(word) and not low[len(word) : len(word) + 1].isalpha():
            rest = body.lstrip()[len(word) :]
            if word == "once":  # "Once the build is done, ..." - the order word spans a clause
                rest = rest.split(",", 1)[1] if "," in rest else rest
            return rest.lstrip(" ,:;—-"), "finally" if word in ("finally", "lastly") else word
    return body, None


def first_word(text: str) -> str:
    """The step's first word, lower-case, past a bold label, an ordering word and an adverb
    ("**Docs**: then carefully write ..." → `write`); "" when it has none."""
    for m in _WORD.finditer(_lead(text)[0]):
        word = m.group(0).lower()
        if not (word.endswith("ly") or word in ("please", "then", "now", "also")):
            return word
    return ""


def _verb_of(text: str) -> str | None:
    verbs = rules().verbs
    for i, m in enumerate(_WORD.finditer(text)):
        word = m.group(0).lower()
        if word in verbs:
            return word
        if i >= 2 or not (word.endswith("ly") or word in ("please", "then", "now", "also")):
            return None
    return None


@cache
def _word_re(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")


@cache
def _any_word_re(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])")


def _has_word(text: str, words: tuple[str, ...]) -> str | None:
    """The first of `words` (in their order) that `text` holds as a whole word. One search for
    all of them first: most texts hold none."""
    low = text.lower()
    if not _any_word_re(words).search(low):
        return None
    for w in words:
        if w in low and _word_re(w).search(low):
            return w
    return None


def _code_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Each inline code span: its start and end offsets and its text."""
    if "`" in text:
        for m in INLINE_CODE.finditer(text):
            yield m.start(), m.end(), m.group(2).strip()


@lru_cache(maxsize=256)
def _masked(text: str) -> str:
    """`text` with its inline code blanked out (a word inside code is no verb: `setup.py`)."""
    return INLINE_CODE.sub(lambda m: " " * len(m.group(0)), text) if "`" in text else text


def _governing_verb(text: str, at: int) -> str | None:
    """The last verb of the rule lexicon before offset `at`, within its sentence, outside
    inline code."""
    verbs = rules().verbs
    text = _masked(text)
    start = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at)) + 1
    found = None
    previous = ""
    for m in _WORD.finditer(text, start, at):
        word = m.group(0).lower()
        if word in verbs and previous not in _DETERMINERS:  # "the output" is a noun
            found = word
        previous = word
    return found


# "Add `uv.lock` to version control", "Commit `a.py`": the git index is written, the file read
_TO_VCS = re.compile(
    r"[^.;:!?\n]{0,40}?\b(?:to|into|in|under) (?:version control|source control|git|the (?:git )?"
    r"repo(?:sitory)?)\b",
    re.IGNORECASE,
)
_VCS_VERBS = frozenset(("commit", "stage", "track"))
# verbs whose "from X" changes X ("Remove the `[tool.black]` table from `pyproject.toml`")
_TAKE_FROM = frozenset(("remove", "delete", "drop", "strip", "clean", "cleanup", "clear"))
# a config file's section or table (`[tool.mypy]`, `[[tool.uv.index]]`, `[settings]`), alone or
# after the file's name (`pyproject.toml [tool.black]`)
_SECTION = re.compile(r"(?:(?P<file>\S+)\s+)?(?P<section>\[\[?[A-Za-z][\w.\-\"' ]+\]\]?)")
# sections only pyproject.toml holds (PEP 518 `[tool.*]`, PEP 621 `[project]`, PEP 735)
_PYPROJECT_SECTION = re.compile(r"\[\[?(?:tool|project|build-system|dependency-groups)\b")
_CONFIG_EXTENSIONS = (".toml", ".ini", ".cfg", ".conf", ".yaml", ".yml", ".json")


def _section_files(span: str, text: str) -> list[str] | None:
    """The files a config section named in `span` lives in: the file named with it, else
    pyproject.toml for its own tables, else the config files the text names in inline code,
    else the whole work directory (some config file); None when `span` is no section."""
    m = _SECTION.fullmatch(span)
    if m is None:
        return None
    named = path_resource(m.group("file")) if m.group("file") else None
    if named is not None:
        return [named]
    if _PYPROJECT_SECTION.match(m.group("section")):
        return ["file:pyproject.toml"]
    configs = [
        res
        for _, _, other in _code_spans(text)
        if (res := path_resource(other)) is not None and res.endswith(_CONFIG_EXTENSIONS)
    ]
    return configs or ["dir:."]


def _text_resources(task: Task, text: str, skill_dir: Path | None) -> None:
    """Paths and commands named in inline code, read or written as the verb governing each
    says ("Read `a.csv` and write the totals to `b.csv`" reads a.csv, writes b.csv). A config
    section (`[tool.mypy]`) stands for the file that holds it; "from `f`" after a removing
    verb rewrites `f`; adding or committing a file to version control writes the git index
    (`effect:git`) and only reads the file."""
    verbs = rules().verbs
    for at, end, span in _code_spans(text):
        if is_command_span(span):
            r, w = shell_effects(span[2:] if span.startswith("$ ") else span, skill_dir)
            task.reads.update(r)
            task.writes.update(w)
            continue
        res = path_resource(span)
        found = [res] if res is not None else _section_files(span, text)
        if not found:
            continue
        before = text[:at].lower().split()
        prep = before[-1] if before else ""
        verb = _governing_verb(text, at)
        acting = verbs.get(verb or "") == "act"
        if verb in _VCS_VERBS or (verb == "add" and _TO_VCS.match(text, end)):
            task.reads.update(found)
            task.writes.add("effect:git")
        elif prep == "from" and acting and verb in _TAKE_FROM:
            task.reads.update(found)
            task.writes.update(found)
        elif prep == "from" or not acting:
            task.reads.update(found)
        elif prep in _TARGET_PREP or verb in _CREATE:
            task.writes.update(found)
        elif verb in _MODIFY:
            task.reads.update(found)
            task.writes.update(found)
        else:
            task.reads.update(found)


OVER_LIMIT = 80
# where a long "for each" clause may end: before a relative clause, a dash or a bracket
_CLAUSE_CUT = re.compile(r"\s+(?:that|which|who|whom|whose|where|when|so that)\b|\s+[—–(]|\s-\s")


def over_label(clause: str) -> str | None:
    """The items a mapped step runs over, as a whole phrase: the clause itself, else its head
    up to a relative clause ("every caller that consumes ..." → "every caller"); None when no
    whole phrase fits `OVER_LIMIT` characters (a label never ends mid-sentence)."""
    clause = " ".join(clause.split())
    if len(clause) <= OVER_LIMIT:
        return clause
    cut = _CLAUSE_CUT.search(clause)
    if cut is not None and 0 < cut.start() <= OVER_LIMIT and " " in clause[: cut.start()]:
        return clause[: cut.start()]
    return None


_TIMES = re.compile(
    r"\s+(?:time|run|day|week|month|year|hour|minute|second|session|turn|cycle|iteration"
    r"|invocation|execution|morning|night|evening)s?\b",
    re.IGNORECASE,
)


def _dlp(
    task: Task, text: str, resources: set[str], composite: bool, verb: str | None = None
) -> None:
    """One operation over many items: "for each ...", "every ...", a glob, or several files
    (in the step's own text; a composite task is mapped only when its title says so). A "for
    each" step with nothing of its own to run per item (no file, glob or command) is mapped
    only when its verb is a tool call (`per_item_verbs`)."""
    r = rules()
    if task.kind not in ("gather", "act") or _has_word(text, ("then",)):
        return
    word = _has_word(text, r.each)
    if word is not None:
        if not resources and verb not in r.per_item_verbs:
            return
        at = text.lower().find(word)
        if _TIMES.match(text, at + len(word)):
            return  # "what the agent does every run": how often, not over which items
        clause = re.split(r"[,.;:](?:\s|$)|\n", text[at:], maxsplit=1)[0]
        task.over = over_label(clause)
        return
    if composite:
        return
    globs = sorted(x for x in resources if x.startswith("glob:"))
    if globs:
        task.over = globs[0][len("glob:") :]
        return
    files = sorted(
        (x for x in task.reads | task.writes if x.startswith("file:")),
        key=lambda x: (text.find(x[len("file:") :]) % (len(text) + 1), x),
    )
    read = {x for x in task.reads if x.startswith("file:")}
    written = {x for x in task.writes if x.startswith("file:")}
    if read and written and read != written:
        return  # reads some files to write others (`cat a b c > all`): a join, not a map
    exts = {posixpath.splitext(f)[1] for f in files}
    if len(files) >= 3 and len(exts) == 1:
        # the same operation on three or more files of one type, written out in the step
        task.over = ", ".join(f[len("file:") :] for f in files)
        task.items = len(files)


_SKILL_OPS = frozenset(skill.Skill.operations)  # every concrete `skill.SkillOp` class
_PROSE_OPS = frozenset((skill.ProseOp, skill.StepOp, skill.BulletOp))


def _descendant_texts(op: skill.SkillOp) -> Iterator[skill.SkillOp]:
    for child in skill.walk_ops(op)[1:]:
        if type(child) in _SKILL_OPS:
            yield child


def make_task(
    label: str,
    head: str,
    body: list[skill.SkillOp],
    span: skill.SpanAttr | None,
    skill_dir: Path | None,
    section: bool = False,
    assume: str = "conservative",
) -> Task:
    """A task from its heading text (the step's own line, or the section title) and the ops
    under it; a section is a composite task."""
    r = rules()
    text, order = _lead(head)
    verb = _verb_of(text)
    if _has_word(head, r.conditional) or _has_word(head, r.loop) or r.serial.search(head):
        kind = "control"
    else:
        kind = r.verbs.get(verb or "", "unknown")
    task = Task(label, kind, span, head, order=order)
    texts = [head]
    for op in body:
        if type(op) is skill.CodeOp:
            lang = canonical(op.lang.data) if op.lang.data.strip() else "shell"
            code = op.text.data
            effects = (
                shell_effects(code, skill_dir)
                if lang == "shell"
                else python_effects(code)
                if lang == "python"
                else None
            )
            if effects is not None:
                task.reads.update(effects[0])
                task.writes.update(effects[1])
            if _SLOT.search(code):
                task.reads.add("value:*")  # `find [directory]`: filled in from what came before
        elif type(op) in _PROSE_OPS:
            texts.append(op.text.data)
    for t in texts:
        _text_resources(task, t, skill_dir)
    explicit = set(task.reads | task.writes)
    task.refs = [m.group(0) for m in _STEP_REF.finditer(head)]
    task.anaphora = _has_word(head, r.anaphora)
    composite = section or any(type(op) is skill.StepOp for op in body)
    _dlp(task, head, explicit, composite, verb)
    if assume == "stated":
        _stated(task)
    else:
        _conservative(task, explicit, composite)
        if verb in _CARRY and task.kind == "act" and not any(map(_is_path, task.reads)):
            # "Copy the metadata to `[project]`": what is copied comes from a place unnamed
            task.reads.add("dir:.")
    return task


# a placeholder argument of a command (`find [directory]`, `ls <dir>`, `cd {project}`)
_SLOT = re.compile(
    r"(?:^|[\s=])(?:\[[a-z][\w -]*\]|<[a-z][\w -]*>|\{[a-z][\w-]*\})(?=[\s/;|]|$)", re.M
)


# verbs that take what they write from somewhere: with no path read, that place is unknown
_CARRY = frozenset(("copy", "move", "migrate", "port", "transfer", "merge"))


def _is_path(resource: str) -> bool:
    return resource.startswith(("file:", "dir:", "glob:"))


def _stated(task: Task) -> None:
    """The upper bound: a step touches only what it names; branches and loops still order."""
    if task.kind == "control":
        task.reads.update(EVERYTHING)
        task.writes.update(EVERYTHING)
    elif task.kind in ("reason", "act", "unknown"):
        task.reads.add("value:*")
    if task.kind != "control":
        task.writes.add(f"value:found.{task.label}")


def _conservative(task: Task, explicit: set[str], composite: bool) -> None:
    """What the rules cannot see is assumed: unknown work reads and writes everything, and so
    does a composite task (a section, or a step with sub-steps) that is not a pure gather."""
    finding = f"value:found.{task.label}"
    barrier = task.kind in ("control", "unknown") or (task.kind == "act" and not task.writes)
    if barrier or (composite and task.kind != "gather"):
        task.reads.update(EVERYTHING)
        task.writes.update(EVERYTHING)
    elif task.kind == "act":
        task.reads.add("value:*")  # what it writes is decided on what was found before
    elif task.kind == "reason" or composite or not explicit:
        # thinking, or looking at things the step does not name: it depends on what came before
        task.reads.update(EVERYTHING)
        task.writes.add(finding)
    else:  # gather with named objects
        task.writes.add(finding)


# ---------------------------------------------------------------------------------------------
# procedures


def _section_title(op) -> str:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, skill.SectionOp):
        if isinstance(parent, skill.SkillSkillOp):
            return parent.field("name") or "skill"
        parent = parent.parent_op()
    return parent.title.data if parent is not None else "skill"


# blocks that may sit between two items of one numbered list: the list goes on after them
# when the next item continues its numbering (`2. Add the relationship:`, a fenced block, `3.`)
_INSIDE_LIST = frozenset(
    (skill.CodeOp, skill.ProseOp, skill.QuoteOp, skill.TableOp, skill.HtmlOp, skill.BulletOp,
     skill.ConstraintOp)
)  # fmt: skip


class _Item(NamedTuple):
    """A list item and the blocks between it and the next item (its body too)."""

    step: skill.StepOp
    after: list[Operation]


def _lists(ops: list[Operation]) -> Iterator[list[_Item]]:
    """The numbered lists among `ops`: runs of steps, a `1.` starting a new one. Blocks between
    two items (a code block, a paragraph) do not end a list when the next item's number
    continues it; they belong to the item before them."""
    run: list[_Item] = []
    between: list[Operation] = []
    for op in ops:
        if type(op) is skill.StepOp:
            number = op.number.data
            if run and number != 1 and (not between or number == run[-1].step.number.data + 1):
                run[-1].after.extend(between)
                run.append(_Item(op, []))
                between = []
                continue
            if len(run) >= 2:
                yield run
            run, between = [_Item(op, [])], []
            continue
        if run and type(op) in _INSIDE_LIST:
            between.append(op)
            continue
        if len(run) >= 2:
            yield run
        run, between = [], []
    if len(run) >= 2:
        yield run


def item_blocks(step: skill.StepOp) -> list[Operation]:
    """The blocks after a list item that belong to it: those between it and the next item of
    its list, when the next item continues its numbering (as `_lists` reads them)."""
    blocks: list[Operation] = []
    op = step.next_op
    while op is not None and type(op) in _INSIDE_LIST:
        blocks.append(op)
        op = op.next_op
    if blocks and type(op) is skill.StepOp and op.number.data == step.number.data + 1:
        return blocks
    return []


def _between_order(blocks: list[Operation]) -> str | None:
    """The ordering word ("then", "finally") a paragraph between two items starts with."""
    for op in blocks:
        if type(op) is skill.ProseOp:
            order = _lead(op.text.data)[1]
            if order is not None:
                return order
    return None


def _item_body(item: _Item) -> list[skill.SkillOp]:
    """The ops under a list item and in the blocks after it that belong to it."""
    body = list(_descendant_texts(item.step))
    for op in item.after:
        body.extend(o for o in skill.walk_ops(op) if type(o) in _SKILL_OPS)
    return body


def unique_labels(numbers: list[str]) -> list[str]:
    """Task labels from the items' numbers, a repeated number lettered by its occurrence:
    `3) Draft` followed by `3. Send` (two adjacent lists, valid Markdown) gives `3`, `3b`."""
    seen: dict[str, int] = {}
    labels = []
    taken = set(numbers)
    for number in numbers:
        seen[number] = seen.get(number, 0) + 1
        label = number
        n = seen[number]
        while n > 1 and label in taken:
            label = f"{number}{_letters(n)}"
            n += 1
        taken.add(label)
        labels.append(label)
    return labels


def _letters(n: int) -> str:
    """2 → b, 26 → z, 27 → ab: a suffix for the n-th occurrence of a number."""
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def serial_intro(first: skill.StepOp) -> str | None:
    """The ordering words ("in order", "one at a time") of what introduces a list: the prose
    right before its first step, the step or bullet it is nested in, or its section's title;
    None when they say nothing of order."""
    serial = rules().serial
    texts = []
    before = first.prev_op
    if type(before) is skill.ProseOp:
        texts.append(before.text.data)
    parent = first.parent_op()
    if type(parent) in (skill.StepOp, skill.BulletOp):
        texts.append(parent.text.data)  # type: ignore[attr-defined]
    elif type(parent) is skill.SectionOp:
        texts.append(parent.title.data)
    for text in texts:
        m = serial.search(text)
        if m:
            return m.group(0).lower()
    return None


# "**Using brand.yml in Quarto?** → Read `references/quarto.md`", "If a web app → ...": one
# case of a decision tree, which the agent picks one of
_CHOICE_ITEM = re.compile(
    r"^[^\n]{0,150}\?[*_\s]*(?:→|->|⇒|:|—|–)|^\W*(?:if|when)\b[^\n]{0,150}(?:→|->|⇒)",
    re.IGNORECASE,
)


def _is_procedure(steps: list[skill.StepOp], title: str) -> bool:
    if sum(_CHOICE_ITEM.search(s.text.data) is not None for s in steps) * 2 >= len(steps):
        return False  # cases to choose from, not steps to take
    guideline = rules().guideline
    heads = [_lead(s.text.data)[0] for s in steps]
    first = [_WORD.match(h.lstrip()) for h in heads]
    rulelike = sum(m is not None and m.group(0).lower() in guideline for m in first)
    verbs = sum(_verb_of(h) is not None for h in heads)
    procedural = verbs * 2 >= len(steps) or bool(_PROCEDURE_TITLE.search(title))
    return procedural and rulelike * 2 < len(steps)


def _cover(first: skill.SkillOp, last: skill.SkillOp) -> skill.SpanAttr | None:
    """A span from the start of `first` to the end of `last` (the ops nested in it included)."""
    if first.span is None:
        return None
    end = max(
        (o.span.data[2:] for o in skill.walk_ops(last) if getattr(o, "span", None)), default=None
    )
    return skill.SpanAttr(first.span.data[:2] + (end or first.span.data[2:]))


ASSUMPTIONS = ("conservative", "stated")


def procedures(
    root: skill.SkillSkillOp, skill_dir: Path | None = None, assume: str = "conservative"
) -> list[Procedure]:
    """Every procedure of a skill, in document order. `assume="stated"` takes each step to
    touch only what it names (an upper bound on parallelism, not a safe plan)."""
    out: list[Procedure] = []

    def visit(block: Block) -> None:
        ops: list[Operation] = []
        numbered: list[skill.SectionOp] = []
        has_steps = False
        op = block.first_op
        while op is not None:
            ops.append(op)
            if type(op) is skill.StepOp:
                has_steps = True
            elif type(op) is skill.SectionOp and _STEP_TITLE.match(op.title.data):
                numbered.append(op)
            op = op.next_op
        if len(numbered) >= 2:
            tasks = []
            for index, sec in enumerate(numbered, 1):
                m = _STEP_TITLE.match(sec.title.data)
                label = (m.group(1) or m.group(2)) if m else str(index)
                head = sec.title.data[m.end() :].lstrip(" :.-—") if m else sec.title.data
                tasks.append(
                    make_task(
                        label, head, list(_descendant_texts(sec)), sec.span, skill_dir, True, assume
                    )
                )
            if len({t.label for t in tasks}) == len(tasks):
                parent = numbered[0].parent_op()
                title = parent.title.data if isinstance(parent, skill.SectionOp) else "steps"
                out.append(Procedure(title, _cover(numbered[0], numbered[-1]), tasks))
        for items in _lists(ops) if has_steps else ():
            steps = [item.step for item in items]
            title = _section_title(steps[0])
            if not (_is_procedure(steps, title) and plan_rule.executable(steps, title)):
                continue
            tasks = [
                make_task(
                    label,
                    item.step.text.data,
                    _item_body(item),
                    item.step.span,
                    skill_dir,
                    False,
                    assume,
                )  # fmt: skip
                for item, label in zip(
                    items, unique_labels([str(s.number.data) for s in steps]), strict=True
                )
            ]
            for before, task in zip(items, tasks[1:], strict=False):
                # "Then:" between two items orders the next one
                task.order = task.order or _between_order(before.after)
            intro = serial_intro(steps[0])
            if intro is not None:
                for task in tasks[1:]:
                    task.order = task.order or intro
            out.append(Procedure(title, _cover(steps[0], steps[-1]), tasks))
        # steps, and "Step N" sections when they form a procedure, are tasks: not searched
        skip = set(numbered) if len(numbered) >= 2 else set()
        for op in ops:
            if type(op) is skill.StepOp or (skip and op in skip):
                continue
            for region in op.regions:
                inner = region.first_block
                while inner is not None:
                    if inner.first_op is not None:
                        visit(inner)
                    inner = inner.next_block

    visit(root.body.block)
    out.sort(key=lambda p: p.span.data if p.span is not None else (0, 0, 0, 0))
    return out


def dependencies(tasks: list[Task]) -> list[tuple[int, int, str]]:
    """(earlier, later, reason) edges between task indices, transitively reduced."""
    reasons: dict[tuple[int, int], list[str]] = {}

    def edge(i: int, j: int, why: str) -> None:
        reasons.setdefault((i, j), []).append(why)

    labels = {t.label: i for i, t in enumerate(tasks)}
    # tasks with the same read and write sets conflict alike: each pair of sets is tried once
    sets: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    shape = [
        sets.setdefault((tuple(sorted(t.reads)), tuple(sorted(t.writes))), len(sets)) for t in tasks
    ]
    parsed = [
        ([_resource(r) for r in reads], [_resource(w) for w in writes]) for reads, writes in sets
    ]
    hazards: dict[tuple[int, int], list[str]] = {}
    # above[j]: bit i set when task j already depends on task i through an edge found so far;
    # an earlier task that a later predecessor of j depends on needs no edge of its own (the
    # transitive reduction would drop it), so its hazards are not even looked at: a procedure
    # whose steps all conflict takes linear time, not quadratic
    above = [0] * len(tasks)
    for j, later in enumerate(tasks):
        extra: list[tuple[int, str]] = []
        if j and later.order == "finally":
            extra += [(i, "order finally") for i in range(j)]
        elif j and later.order:
            extra.append((j - 1, f"order {later.order}"))
        for ref in later.refs:
            m = _STEP_REF.match(ref)
            assert m is not None
            lo = int(m.group(1))
            hi = int(m.group(2) or lo)
            for n in range(lo, hi + 1):
                if str(n) in labels and labels[str(n)] < j:
                    extra.append((labels[str(n)], f"ref step {n}"))
        if j and later.anaphora and not later.refs:  # "the output of step 2" names its step
            extra.append((j - 1, f"ref {later.anaphora}"))
        implied = 0
        for i, _ in extra:
            implied |= above[i]
        direct = 0
        for i in reversed(range(j)):
            if implied >> i & 1:
                continue
            pair = (shape[i], shape[j])
            if pair not in hazards:
                hazards[pair] = _conflicts(*parsed[pair[0]], *parsed[pair[1]])
            for why in hazards[pair]:
                edge(i, j, why)
            if hazards[pair]:
                implied |= above[i]
                direct |= 1 << i
        for i, why in extra:
            edge(i, j, why)
            direct |= 1 << i
        above[j] = implied | direct
    return [(i, j, reasons[(i, j)][0]) for i, j in _transitive_reduction(len(tasks), reasons)]


def _transitive_reduction(size: int, edges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The edges `(i, j)`, all with `i < j`, that no longer path implies, sorted."""
    successors: list[list[int]] = [[] for _ in range(size)]
    for i, j in edges:
        successors[i].append(j)
    below = [0] * size  # bit k set: task k is reachable in one edge or more
    for i in reversed(range(size)):
        for j in successors[i]:
            below[i] |= (1 << j) | below[j]
    kept = []
    for i in range(size):
        implied = 0
        for j in successors[i]:
            implied |= below[j]
        kept.extend((i, j) for j in successors[i] if not implied >> j & 1)
    return sorted(kept)
