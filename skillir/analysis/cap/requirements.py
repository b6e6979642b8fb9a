"""Capability requirement inference: which primitive, at which level, each part of a skill needs.

The rules are data, `skillir/data/requirement_rules.toml`, read and checked once. Each names a
detector, a function registered in `DETECTORS`, with its parameters; the detector looks at one
`skill.skill` op and reports the ops it found something on, with a detail for the reason. A rule
then asks for its primitive at its level there. `infer_requirements` keeps, per (op, primitive),
the highest level asked for, so adding a rule for a higher level only needs the signal that lifts
it. Deterministic: no model and no network; the same IR gives the same list in the same order.

Text rules search one concatenation of the skill's text ops: each pattern's leading literal is
looked up with `str.find` first and the full regular expression runs only on the ops holding it,
which keeps inference over a typical skill near a millisecond. Code is analysed by language:
Python with `ast`, shell by `skillir.frontend.shell` (its `sniff` reading),
SQL, JavaScript and HTML with patterns over the code without comments.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from xdsl.ir import Operation

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.analysis.cap.facts import (
    SkillFacts,
    StepRun,
    TextUnit,
    structure_depth,
)
from skillir.analysis.cap.rules import (
    DEFAULT_TEXT_OPS,
    DETAIL_LIMIT,
    DETECTORS,
    MIN_PROSE_WORDS,
    Finding,
    Patterns,
    Requirement,
    Rule,
    detector,
    load_rules,
)
from skillir.dialects import skill
from skillir.frontend import shell

# --- detectors -----------------------------------------------------------------------------


def clip(text: str, limit: int = DETAIL_LIMIT) -> str:
    """Whitespace collapsed, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _names(items: Iterable[str], limit: int = 4) -> str:
    items = list(dict.fromkeys(items))
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _excluded(rule: Rule, unit: TextUnit, match: re.Match[str], raw: bool) -> bool:
    """Whether `exclude` matches in the 60 characters before the match and the match itself,
    or `exclude_after` right after it (in the text as written)."""
    exclude: Patterns | None = rule.get("exclude")
    text = unit.raw if raw else unit.masked
    if exclude is not None and exclude.regex.search(text, max(0, match.start() - 60), match.end()):
        return True
    after: Patterns | None = rule.get("exclude_after")
    return after is not None and after.regex.match(unit.raw, match.end()) is not None


@detector(
    "text",
    required=("patterns",),
    patterns="patterns",
    ops="strings",
    raw="bool",
    inside_code="bool",
    case_sensitive="bool",
    exclude="patterns",
    exclude_after="patterns",
    min_n="int",
    unless_skill="patterns",
    unless_run="bool",
)
def detect_text(facts: SkillFacts, rule: Rule) -> list[Finding]:
    """Ops whose text matches one of `patterns` (`min_n`: a `(?P<n>...)` number at least).

    With `raw`, inline code stays visible, but a match must begin outside it unless
    `inside_code`. `unless_skill`: nothing in a skill whose frontmatter matches (its stated
    purpose gives the phrase another meaning). `unless_run`: no match whose `(?P<thing>...)`
    names something a shell command of the skill makes (`ts audit report`, `--report`,
    `report.html`): a program writes it, not the model."""
    unless: Patterns | None = rule.get("unless_skill")
    if unless is not None and unless.regex.search(facts.purpose):
        return []
    # the memo is keyed by the skill's text alone; `unless_run` also reads its commands
    shipped = facts.book is load_rules() and not rule.get("unless_run", False)
    found = facts.memo.text.get(rule.index) if shipped else None
    if found is None:
        found = _text_findings(facts, rule)
        if shipped:
            facts.memo.text[rule.index] = found
    units = facts.doc.units
    return [(units[index].op, detail) for index, detail in found]


_QUOTED = re.compile(r"\s*[\"“][^\"“”]*[\"”][.,]?\s*")


def _text_findings(facts: SkillFacts, rule: Rule) -> list[tuple[int, str]]:
    raw = rule.get("raw", False)
    outside = raw and not rule.get("inside_code", False)
    min_n = rule.get("min_n")
    made = facts.command_words if rule.get("unless_run", False) else frozenset()
    patterns: Patterns = rule.params["patterns"]
    index = facts.unit_index
    done: set[int] = set()
    found: list[tuple[int, str]] = []
    for unit, match in facts.matches(patterns, rule.get("ops", DEFAULT_TEXT_OPS), raw):
        if id(unit.op) in done or _excluded(rule, unit, match, raw):
            continue
        if _QUOTED.fullmatch(unit.raw):
            continue  # a whole quoted request ("Copy/paste prompts"): what a user might say
        if outside and unit.masked[match.start()] != unit.raw[match.start()]:
            continue
        thing = match.groupdict().get("thing")
        if thing and thing.lower() in made:
            continue
        if min_n is not None:
            number = patterns.number(match)
            if number is not None and number < min_n:
                continue
        done.add(id(unit.op))
        found.append((index[id(unit)], clip(match.group(0))))
    return found


@detector(
    "keyword_count",
    required=("patterns", "min_count"),
    patterns="pattern-list",
    min_count="int",
    ops="strings",
    case_sensitive="bool",
)
def detect_keyword_count(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Sections (or the skill) whose own text matches at least `min_count` distinct patterns."""
    kinds = rule.get("ops", DEFAULT_TEXT_OPS)
    hits: dict[int, dict[int, str]] = {}
    holders: dict[int, Operation] = {}
    for index, patterns in enumerate(rule.params["patterns"]):
        for unit, match in facts.matches(patterns, kinds, False):
            holder = _enclosing_section(unit.op, facts.root)
            holders[id(holder)] = holder
            hits.setdefault(id(holder), {}).setdefault(index, match.group(0))
    for key in sorted(hits, key=lambda k: facts.order[k]):
        found = hits[key]
        if len(found) >= rule.params["min_count"]:
            phrases = [f'"{clip(found[i], 30)}"' for i in sorted(found)]
            yield holders[key], f"{len(found)} rules: {_names(phrases)}"


def _enclosing_section(op: Operation, root: Operation) -> Operation:
    parent = op.parent_op()
    while parent is not None and parent is not root and not isinstance(parent, skill.SectionOp):
        parent = parent.parent_op()
    return parent if parent is not None else root


@detector(
    "python_code",
    feature="str",
    modules="strings",
)
def detect_python(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Python blocks: `feature` any | file-io | stdlib | third-party, or imports of `modules`."""
    feature = rule.get("feature", "any")
    wanted: tuple[str, ...] = rule.get("modules", ())
    book = facts.book
    for block in facts.code:
        if block.lang != "python" or not block.text.strip():
            continue
        info = facts.python(block)
        if wanted:
            hits = [m for m in info.modules if any(m == w or m.startswith(w + ".") for w in wanted)]
            if hits:
                yield block.op, f"imports {_names(_top_modules(hits, keep_dotted=True))}"
            continue
        if feature == "any":
            yield block.op, f"{info.lines} line{'s' if info.lines != 1 else ''}"
        elif feature == "file-io":
            if info.file_io:
                yield block.op, _names(info.file_io)
        else:
            tops = _top_modules(info.modules)
            tops = [m for m in tops if m not in book.ignore_modules]
            stdlib = [m for m in tops if m in sys.stdlib_module_names]
            if feature == "stdlib" and stdlib:
                yield block.op, _names(stdlib)
            elif feature == "third-party":
                local = book.local_modules | facts.bundled_modules
                others = [m for m in tops if m not in sys.stdlib_module_names and m not in local]
                if others:
                    yield block.op, _names(others)


def _top_modules(modules: Iterable[str], keep_dotted: bool = False) -> list[str]:
    tops: list[str] = []
    for module in modules:
        name = module if keep_dotted else module.split(".", 1)[0]
        if keep_dotted and any(name.startswith(t + ".") for t in tops):
            continue
        tops.append(name)
    return list(dict.fromkeys(tops))


@detector("shell_code", features="strings", commands="strings", all="bool")
def detect_shell(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Shell blocks with one of `features` (command, pipe, redirect, loop, and-or, subst, if,
    sed, awk, xargs, find-exec, heredoc, text-pipeline; with `all`, every one of them) or
    running one of `commands`."""
    wanted = set(rule.get("features", ()))
    every = rule.get("all", False)
    commands = set(rule.get("commands", ()))
    for block in facts.code:
        if block.lang != "shell":
            continue
        info = facts.shell(block)
        programs = tuple(dict.fromkeys(shell.command_name(c.argv) for c in info.commands))
        if commands:
            names = [n for n in programs if n in commands]
            if names:
                yield block.op, _names(names)
            continue
        if wanted == {"command"}:
            if "command" in info.features:
                count = len(info.commands)
                shown = _names(programs, 3)
                yield block.op, f"{count} command{'s' if count != 1 else ''}: {shown}"
            continue
        hits = sorted(info.features & wanted)
        if hits and (not every or len(hits) == len(wanted)):
            yield block.op, _names(hits)


@detector(
    "code",
    required=("languages",),
    languages="strings",
    patterns="patterns",
    case_sensitive="bool",
)
def detect_code(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Code blocks in `languages` (canonical names), optionally matching `patterns` outside
    comments."""
    languages = set(rule.params["languages"])
    patterns: Patterns | None = rule.get("patterns")
    for block in facts.code:
        if block.lang not in languages or not block.text.strip():
            continue
        if patterns is None:
            lines = sum(1 for ln in block.text.splitlines() if ln.strip())
            yield block.op, f"{lines} line{'s' if lines != 1 else ''}"
            continue
        code = facts.clean_code(block)
        hits = [clip(m.group(0), 30) for m in patterns.regex.finditer(code)]
        if hits:
            yield block.op, _names(hits, 3)


# a heading that names a language: "### Python", "### JavaScript / TypeScript", "Node.js"
_LANGUAGE_TITLE = re.compile(
    r"\W*(?:(?:python|javascript|typescript|node(?:\.js)?|js|ts|curl|shell|bash|go|rust|java"
    r"|ruby|c#|\.net)\b\W*)+",
    re.IGNORECASE,
)


@detector("language_route", required=("languages", "twins"), languages="strings", twins="strings")
def detect_language_route(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Code blocks in `languages` given as one route of several per-language ones: the next or
    previous code block of the same parent is in `twins`, or the block's section is titled by
    a language and a sibling section so titled holds a block in `twins` ("### Python" beside
    "### JavaScript")."""
    languages, twins = set(rule.params["languages"]), set(rule.params["twins"])
    by_op = {id(b.op): b for b in facts.code}
    blocks = list(facts.code)
    for index, block in enumerate(blocks):
        if block.lang not in languages:
            continue
        near = [blocks[i] for i in (index - 1, index + 1) if 0 <= i < len(blocks)]
        if any(b.lang in twins and b.op.parent_op() is block.op.parent_op() for b in near):
            yield block.op, f"beside a {'/'.join(sorted(twins))} block"
            continue
        section = block.op.parent_op()
        if not isinstance(section, skill.SectionOp):
            continue
        if not _LANGUAGE_TITLE.fullmatch(section.title.data):
            continue
        siblings = section.parent.ops if section.parent is not None else ()
        for other in siblings:
            if (
                isinstance(other, skill.SectionOp)
                and other is not section
                and _LANGUAGE_TITLE.fullmatch(other.title.data)
                and any(
                    by_op.get(id(op)) is not None and by_op[id(op)].lang in twins
                    for op in other.body.block.ops
                )
            ):
                yield block.op, f'a route of its own beside "{other.title.data}"'
                break


@detector("regex_code", required=("min_grade",), min_grade="int", patterns="patterns")
def detect_regex(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Code blocks with a regular expression of at least `min_grade` (see `regex_grade`), and
    matching `patterns` when given (e.g. only lookaround among the grade-3 features)."""
    floor = rule.params["min_grade"]
    patterns: Patterns | None = rule.get("patterns")
    for block in facts.code:
        if block.lang not in ("python", "shell", "javascript"):
            continue
        found = [
            (grade, regex)
            for grade, regex in facts.regexes(block)
            if grade >= floor and (patterns is None or patterns.regex.search(regex))
        ]
        if found:
            best = max(found)
            yield block.op, clip(best[1], 40)


@detector(
    "structured_example",
    required=("languages", "context"),
    languages="strings",
    context="patterns",
    exclude="patterns",
    min_depth="int",
    min_bytes="int",
)
def detect_structured(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """JSON/YAML blocks introduced as output (`context`, unless `exclude` says it is what a
    tool prints), at least `min_depth` deep or `min_bytes` long."""
    languages = set(rule.params["languages"])
    context: Patterns = rule.params["context"]
    exclude: Patterns | None = rule.get("exclude")
    min_depth = rule.get("min_depth", 1)
    min_bytes = rule.get("min_bytes")
    for block in facts.code:
        if block.lang not in languages or not block.text.strip():
            continue
        intro = facts.context_text(block.op)
        if not context.regex.search(intro) or (exclude and exclude.regex.search(intro)):
            continue
        depth = structure_depth(block.text, block.lang)
        size = len(block.text.encode("utf-8"))
        if depth >= min_depth or (min_bytes is not None and size >= min_bytes):
            yield block.op, f"{block.lang.upper()}, {size} bytes, depth {depth}"


_TREE = re.compile(r"[├└│]|^\s*[\w.\-\[\]()+]+/\s*$", re.M)
_TEMPLATE_SLOT = re.compile(r"<[^<>\n]{1,40}>|\{[^{}\n]{1,40}\}|\[[^\[\]\n]{1,40}\]|_{3,}")


@detector(
    "output_template",
    required=("languages", "context"),
    languages="strings",
    context="patterns",
    min_placeholders="int",
)
def detect_template(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Text or Markdown blocks introduced as the answer's form, with placeholders to fill
    (directory trees are not templates)."""
    languages = set(rule.params["languages"])
    context: Patterns = rule.params["context"]
    floor = rule.get("min_placeholders", 1)
    for block in facts.code:
        if block.lang not in languages or not block.text.strip():
            continue
        if not context.regex.search(facts.context_text(block.op)) or _TREE.search(block.text):
            continue
        slots = _TEMPLATE_SLOT.findall(block.text)
        if len(slots) >= floor:
            yield block.op, f"{len(slots)} placeholder{'s' if len(slots) != 1 else ''}"


def _step_runs(facts: SkillFacts) -> list[StepRun]:
    """(container, steps, walk roots) for each op holding a run of steps not inside a step;
    steps include nested steps and `Step N` subsections."""
    if facts.step_runs is not None:
        return facts.step_runs
    runs = []
    headings = facts.book.step_headings
    containers: dict[int, Operation] = {}
    for op in facts.by_name.get("skill.step", ()):
        parent = op.parent_op()
        if parent is not None and not isinstance(parent, skill.StepOp):
            containers.setdefault(id(parent), parent)
    for op in facts.by_name.get("skill.section", ()):
        parent = op.parent_op()
        if parent is not None and headings.match(op.title.data.strip()):  # type: ignore
            containers.setdefault(id(parent), parent)
    for op in sorted(containers.values(), key=lambda o: facts.order[id(o)]):
        if _inside_step(op, facts.root):
            continue
        children = list(op.regions[0].block.ops)
        top = [c for c in children if c.name == "skill.step"]
        sections = [
            c
            for c in children
            if c.name == "skill.section" and headings.match(c.title.data.strip())  # type: ignore
        ]
        if not top and len(sections) < 2:
            continue
        steps: list[Operation] = []
        for step in top:
            steps.extend(o for o in skill.walk_ops(step) if o.name == "skill.step")
        steps.extend(sections)
        runs.append((op, steps, [*top, *sections]))
    facts.step_runs = runs
    return runs


def _inside_step(op: Operation, root: Operation) -> bool:
    parent = op.parent_op()
    while parent is not None and parent is not root:
        if isinstance(parent, skill.StepOp):
            return True
        parent = parent.parent_op()
    return False


@detector("procedure", required=("min_steps",), min_steps="int", patterns="patterns")
def detect_procedure(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Containers holding at least `min_steps` steps (nested ones count), and with `patterns`
    somewhere in the steps' text."""
    patterns: Patterns | None = rule.get("patterns")
    for container, steps, roots in _step_runs(facts):
        if len(steps) < rule.params["min_steps"]:
            continue
        detail = f"{len(steps)} steps"
        if patterns is not None:
            hit = patterns.regex.search(facts.run_text(container, roots))
            if hit is None:
                continue
            detail += f' with "{clip(hit.group(0).strip(" .;:,!?"), 30)}"'
        yield container, detail


@detector(
    "exec_chain", required=("min_steps",), min_steps="int", patterns="patterns", breaks="patterns"
)
def detect_exec_chain(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Containers where at least `min_steps` steps run something: a shell block in the step,
    or step text matching `patterns` (a run instruction with inline code). With `breaks`, only
    those where a step from the first running one on (its text, nested text and code) matches
    it: a login, a question to the user, a fallback, which one script run once cannot hold."""
    patterns: Patterns | None = rule.get("patterns")
    breaks: Patterns | None = rule.get("breaks")
    shell_blocks = {id(b.op): b for b in facts.code if b.lang == "shell"}
    for container, steps, _ in _step_runs(facts):
        running = []
        for step in steps:
            if not isinstance(step, skill.StepOp):
                continue
            has_block = any(
                id(c) in shell_blocks and facts.shell(shell_blocks[id(c)]).commands
                for c in step.children
            )
            unit = facts.unit_of.get(id(step))
            says = patterns is not None and unit is not None and patterns.regex.search(unit.raw)
            if has_block or says:
                running.append(step)
        if len(running) < rule.params["min_steps"]:
            continue
        numbers = ", ".join(str(s.number.data) for s in running[:6])  # type: ignore
        if breaks is None:
            yield container, f"{len(running)} steps run commands: {numbers}"
            continue
        later = [s for s in steps if isinstance(s, skill.StepOp)]
        for step in later[later.index(running[0]) :]:
            hit = breaks.regex.search(_step_text(facts, step))
            if hit is not None:
                yield container, f'step {step.number.data}: "{clip(hit.group(0), 30)}"'
                break


def _step_text(facts: SkillFacts, step: skill.StepOp) -> str:
    """A step's own text and that of the ops nested in it, code included, one line each."""
    parts = []
    for op in skill.walk_ops(step):
        if isinstance(op, skill.CodeOp):
            parts.append(op.text.data)
        elif id(op) in facts.unit_of:
            parts.append(facts.unit_of[id(op)].raw)
    return "\n".join(parts)


@detector(
    "resource_refs",
    required=("kinds",),
    kinds="strings",
    context="patterns",
    also="patterns",
    in_code="bool",
)
def detect_resource_refs(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Ops referring to bundled files of `kinds`; with `context`, only where the text around
    the reference matches it (a reference inside a code block counts when `in_code`), and
    `also` when given."""
    kinds = set(rule.params["kinds"])
    context: Patterns | None = rule.get("context")
    also: Patterns | None = rule.get("also")
    in_code = rule.get("in_code", False)
    holders: dict[int, tuple[Operation, list[str]]] = {}
    judged: dict[int, bool] = {}  # a holder's text is searched once, however many refs it has
    for op in facts.by_name.get("skill.resource_ref", ()):
        if not isinstance(op, skill.ResourceRefOp) or op.kind.data not in kinds:
            continue
        holder = op.parent_op()
        if holder is None:
            continue
        if id(holder) not in judged:
            judged[id(holder)] = _refs_count_in(facts, holder, context, also, in_code)
        if judged[id(holder)]:
            holders.setdefault(id(holder), (holder, []))[1].append(op.path.data)
    for holder, paths in holders.values():
        yield holder, _names(paths, 3)


def _refs_count_in(
    facts: SkillFacts,
    holder: Operation,
    context: Patterns | None,
    also: Patterns | None,
    in_code: bool,
) -> bool:
    """Whether references held by `holder` count for a resource-ref rule (see below)."""
    text = facts.unit_of[id(holder)].masked if id(holder) in facts.unit_of else ""
    if isinstance(holder, skill.CodeOp):
        parent = holder.parent_op()
        if parent is not None and id(parent) in facts.unit_of:
            text += " " + facts.unit_of[id(parent)].masked
    in_run_code = in_code and isinstance(holder, skill.CodeOp)
    if context is not None and not in_run_code and not context.regex.search(text):
        return False
    return also is None or also.regex.search(text) is not None


@detector("constraints", required=("min_count",), min_count="int", modalities="strings")
def detect_constraints(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """The skill, when it holds at least `min_count` constraints (of `modalities`)."""
    allowed = rule.get("modalities")
    found = [
        op.modality.data
        for op in facts.by_name.get("skill.constraint", ())
        if isinstance(op, skill.ConstraintOp) and (allowed is None or op.modality.data in allowed)
    ]
    if len(found) >= rule.params["min_count"]:
        counts = Counter(found)
        shown = ", ".join(
            f"{counts[m]} {m.upper().replace('-', ' ')}" for m in skill.MODALITIES if m in counts
        )
        noun = "constraint" if len(found) == 1 else "constraints"
        yield facts.root, f"{len(found)} {noun} ({shown})"


@detector(
    "constraint_text",
    required=("patterns",),
    patterns="patterns",
    modalities="strings",
    case_sensitive="bool",
)
def detect_constraint_text(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Ops holding a constraint (of `modalities`) whose sentence matches `patterns`."""
    allowed = rule.get("modalities")
    patterns: Patterns = rule.params["patterns"]
    done: set[int] = set()
    for op in facts.by_name.get("skill.constraint", ()):
        if not isinstance(op, skill.ConstraintOp):
            continue
        if allowed is not None and op.modality.data not in allowed:
            continue
        holder = op.parent_op()
        if holder is None or id(holder) in done:
            continue
        if patterns.regex.search(op.text.data):
            done.add(id(holder))
            yield holder, clip(op.text.data)


# --- inference -----------------------------------------------------------------------------


def construct_anchors(root: skill.SkillSkillOp, ids: Iterable[str]) -> dict[str, set[int]]:
    """For each requirement rule or construct named in `ids`, the `id()` of every op where its
    detector finds it (what a compensation guide is about is present there)."""
    book = load_rules()
    facts = SkillFacts(root, book)
    return {
        rule_id: {id(anchor) for anchor, _ in DETECTORS[rule.detector].fn(facts, rule)}
        for rule_id in dict.fromkeys(ids)
        for rule in (book.rule(rule_id),)
    }


def infer_requirements(root: skill.SkillSkillOp) -> list[Requirement]:
    """Every requirement the rules find in `root`: one per (op, primitive), the highest level
    any rule asked for there (the first rule in the file on ties), in document order, then by
    primitive."""
    book = load_rules()
    facts = SkillFacts(root, book)
    best: dict[tuple[int, str], tuple[Rule, Operation, str]] = {}
    for rule in book.rules:
        for anchor, detail in DETECTORS[rule.detector].fn(facts, rule):
            key = (id(anchor), rule.primitive)
            current = best.get(key)
            if current is None or rule.level > current[0].level:
                best[key] = (rule, anchor, detail)
    ordered = sorted(best.items(), key=lambda item: (facts.order[item[0][0]], item[0][1]))
    return [
        Requirement(rule.primitive, rule.level, anchor, rule.id, rule.explain(detail))
        for _, (rule, anchor, detail) in ordered
    ]


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD = re.compile(f"[^\\W{_CJK}]+")


def no_requirement_reason(root: skill.SkillSkillOp) -> str | None:
    """Why `root` needs nothing, when no rule found anything; None when some rule did."""
    if infer_requirements(root):
        return None
    ops = skill.walk_ops(root)[1:]
    blocks = [op for op in ops if isinstance(op, skill.BLOCK_OPS)]
    if not blocks:
        return "the body is empty"
    text = " ".join(
        str(op.field("text") or "")  # type: ignore[attr-defined]
        for op in blocks
        if isinstance(op, (skill.ProseOp, skill.BulletOp, skill.StepOp, skill.QuoteOp))
    )
    words, cjk = len(_WORD.findall(text)), len(_CJK_CHAR.findall(text))
    if cjk > words:
        return (
            f"no rule matched: the text is mostly CJK ({cjk} characters), which the English "
            "phrase rules do not read"
        )
    steps = sum(isinstance(op, skill.StepOp) for op in ops)
    code = [op for op in ops if isinstance(op, skill.CodeOp)]
    if not code and steps < 3 and words < MIN_PROSE_WORDS:
        return f"the body has no actionable content (only prose under {MIN_PROSE_WORDS} words)"
    parts = [f"{words} words of prose"]
    if steps:
        parts.append(f"{steps} step{'s' if steps != 1 else ''}")
    if code:
        langs = sorted({op.lang.data or "unlabelled" for op in code})
        parts.append(f"code only in {', '.join(langs)}, which no rule covers")
    return "no rule matched: " + "; ".join(parts)


def distribution(requirements: Iterable[Requirement]) -> dict[str, Counter[int]]:
    """Primitive → count per level, primitives in catalog order."""
    table: dict[str, Counter[int]] = {}
    for req in requirements:
        table.setdefault(req.primitive, Counter())[req.level] += 1
    return {p: table[p] for p in PRIMITIVE_IDS if p in table}


def format_distribution(table: Mapping[str, Counter[int]]) -> str:
    """One line per primitive: `gen.code.shell  57  (L1 40, L2 12, L3 5)`."""
    lines = []
    for primitive, levels in table.items():
        per = ", ".join(f"L{lv} {levels[lv]}" for lv in sorted(levels))
        lines.append(f"{primitive:<22} {sum(levels.values()):>5}  ({per})")
    return "\n".join(lines)
