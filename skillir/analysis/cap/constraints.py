"""Notes checked against the skill: a pass never adds a note naming what the skill forbids.

A prohibition is a clause from a negation ("do not", "don't", "never", "must not", "avoid")
to the end of its sentence, in the skill's prose, steps, bullets, quotes and `skill.constraint`
ops (and, for a concept with `instead` patterns, an "instead of" clause of those or of the
frontmatter); a demand is a positive ordering word ("one at a time", "sequentially") in the
section a note goes to. The concepts that make a note and a prohibition clash (sub-agents,
parallel runs, installs, scripts, handing work to the user, running commands, requests made by
hand) are data, in
`skillir/data/note_conflicts.toml`. `conflict` says why a note may not be added, or None.

    >>> conflict_text("Do NOT use the spawn_agent tool.", "Give each to its own sub-agent.")
    'hands steps to sub-agents, but the skill says "Do NOT use the spawn_agent tool"'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from xdsl.ir import Operation

from skillir.data import load
from skillir.dialects import skill

CONFLICTS_VERSION = "skillir-note-conflicts/1"
NEGATION = re.compile(
    r"\b(?:do\s+not|does\s+not|don['’]t|doesn['’]t|never|must\s+not|mustn['’]t|should\s+not|"
    r"shouldn['’]t|avoid|no\s+need\s+to)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n\s*\n|\s[—–]\s")
_TEXT_OPS = (skill.ProseOp, skill.StepOp, skill.BulletOp, skill.QuoteOp)
_NEGATIVE = ("must-not", "never", "should-not")
ORIGIN = "cap.origin"


@dataclass(frozen=True)
class Concept:
    id: str
    what: str
    forbid: re.Pattern[str]
    demand: re.Pattern[str] | None
    note: re.Pattern[str]
    # what "use A instead of B" forbids (B), for concepts a plain mention cannot trigger
    instead: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Prohibition:
    """A clause of the skill that forbids something, and the line it is on."""

    text: str
    line: int


def _join(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@cache
def concepts() -> tuple[Concept, ...]:
    """The concepts of `skillir/data/note_conflicts.toml`, read once."""
    data = load("note_conflicts.toml")
    if data.get("version") != CONFLICTS_VERSION:
        raise ValueError(f"note_conflicts.toml: version {data.get('version')!r}")
    return tuple(
        Concept(
            c["id"],
            c["what"],
            _join(c["forbid"]),
            _join(c["demand"]) if c.get("demand") else None,
            _join(c["note"]),
            _join(c["instead"]) if c.get("instead") else None,
        )
        for c in data["concept"]
    )


# "does not" bans only with the skill or the agent as its subject ("This skill does not push",
# "- Does not modify files"); "the scaffold does not install Wix Stores", "Your project does
# not have `expo-dev-client` installed" describe the world
_THIRD_PERSON = re.compile(r"does\s+not|doesn['’]t", re.IGNORECASE)
_AGENT_SUBJECT = re.compile(
    r"(?:\b(?:this|the)\s+(?:skill|agent|assistant|model)|\bclaude|\bcodex)\W*\Z|\A\W*\Z",
    re.IGNORECASE,
)


# "do not" right after a noun is that noun's ("plugin configs do not install", "if the scopes
# do not include ..."); after a pronoun of the reader, a conjunction or punctuation it tells
_PLURAL = re.compile(r"do\s+not|don['’]t", re.IGNORECASE)
_NOUN_SUBJECT = re.compile(
    r"\b(?!(?:you|we|i|please|and|or|then|so|but|just|also|simply|still|to|that|which|who"
    r"|must|should|please|if|when|and|here|now|therefore|thus|otherwise|ever|always)\b)"
    r"[a-z][a-z'’-]*[a-z]s\s+\Z",
    re.IGNORECASE,
)


def clauses(text: str) -> list[str]:
    """Each negated clause of `text`: from the negation to the end of its sentence."""
    out = []
    for m in NEGATION.finditer(text):
        starts = [e.end() for e in _SENTENCE_END.finditer(text, 0, m.start())]
        before = text[starts[-1] if starts else 0 : m.start()]
        if _THIRD_PERSON.fullmatch(m.group()):
            if not _AGENT_SUBJECT.search(before):
                continue
        elif _PLURAL.fullmatch(m.group()) and _NOUN_SUBJECT.search(before):
            continue  # "Published plugin configs do not install ...", "If scopes do not include"
        end = _SENTENCE_END.search(text, m.end())
        clause = text[m.start() : end.start() if end else len(text)]
        out.append(" ".join(clause.split()))
    return out


def _line(op: Operation) -> int:
    span = op.properties.get("span")
    return span.data[0] if isinstance(span, skill.SpanAttr) else 0


def _own_text(op: Operation) -> str | None:
    if ORIGIN in op.attributes:
        return None  # a note an earlier pass added is not the skill's word
    if isinstance(op, skill.ConstraintOp):
        return op.text.data if op.modality.data in _NEGATIVE else None
    if isinstance(op, _TEXT_OPS):
        return op.text.data  # type: ignore[attr-defined]
    return None


_INSTEAD = re.compile(r"\binstead\s+of\b", re.IGNORECASE)


def alternatives(root: Operation) -> list[Prohibition]:
    """Every "instead of X" clause of the skill under `root` and of its frontmatter ("use this
    skill instead of calling the API directly"): what a concept's `instead` patterns forbid."""
    texts: list[tuple[str, int]] = []
    front = root.field("frontmatter") if isinstance(root, skill.SkillSkillOp) else None
    if isinstance(front, str):
        texts += [(line.rstrip("\"'"), 1) for line in front.splitlines()]
    texts += [(t, _line(op)) for op in skill.walk_ops(root) if (t := _own_text(op))]
    found: dict[str, Prohibition] = {}
    for text, line in texts:
        for m in _INSTEAD.finditer(text):
            end = _SENTENCE_END.search(text, m.end())
            clause = " ".join(text[m.start() : end.start() if end else len(text)].split())
            found.setdefault(clause, Prohibition(clause, line))
    return list(found.values())


def prohibitions(root: Operation) -> list[Prohibition]:
    """Every negated clause of the skill under `root`, in document order."""
    found: dict[str, Prohibition] = {}
    for op in skill.walk_ops(root):
        text = _own_text(op)
        if text and NEGATION.search(text):
            for clause in clauses(text):
                found.setdefault(clause, Prohibition(clause, _line(op)))
    return list(found.values())


def _section(op: Operation) -> Operation:
    """The nearest section (or the skill) holding `op`."""
    parent = op
    while parent is not None and not isinstance(parent, (skill.SectionOp, skill.SkillSkillOp)):
        parent = parent.parent_op()
    return parent if parent is not None else op


def _demands(section: Operation, concept: Concept) -> Prohibition | None:
    """A positive demand of `concept` in the section's own text (not in its subsections)."""
    assert concept.demand is not None
    for op in skill.walk_ops(section):
        if op is not section and isinstance(op, skill.SectionOp):
            continue
        inner = op.parent_op()
        while inner is not None and inner is not section:
            if isinstance(inner, skill.SectionOp):
                break
            inner = inner.parent_op()
        if inner is not section:
            continue
        text = _own_text(op)
        m = concept.demand.search(text) if text else None
        if m:
            return Prohibition(m.group(0), _line(op))
    return None


def _root(op: Operation) -> Operation:
    while (parent := op.parent_op()) is not None and not isinstance(op, skill.SkillSkillOp):
        op = parent
    return op


def conflict(anchor: Operation, note: str) -> str | None:
    """Why `note`, to be placed at `anchor`, contradicts the skill; None when it does not."""
    wanted = [c for c in concepts() if c.note.search(note)]
    if not wanted:
        return None
    listed = prohibitions(_root(anchor))
    for concept in wanted:
        clauses_of = listed + (alternatives(_root(anchor)) if concept.instead else [])
        for prohibition in clauses_of:
            pattern = concept.instead if prohibition not in listed else concept.forbid
            if pattern is not None and pattern.search(prohibition.text):
                return (
                    f'{concept.what}, but the skill says "{prohibition.text}" '
                    f"(line {prohibition.line})"
                )
        if concept.demand is not None:
            demand = _demands(_section(anchor), concept)
            if demand is not None:
                return f'{concept.what}, but the skill says "{demand.text}" (line {demand.line})'
    return None


def conflict_text(skill_text: str, note: str) -> str | None:
    """`conflict` on plain text: the first concept of `note` that a clause of `skill_text`
    forbids (for tests and the doctest)."""
    for concept in concepts():
        if not concept.note.search(note):
            continue
        for clause in clauses(skill_text):
            if concept.forbid.search(clause):
                return f'{concept.what}, but the skill says "{clause}"'
    return None
