"""Which ordered lists a plan executes: procedures, not catalogues, checklists or guidelines.

`skillir.analysis.par.dataflow` first keeps a list whose steps mostly start with a verb (or whose
section
title names a procedure) and are not mostly rules ("Use ...", "Avoid ..."). `executable` then
leaves out, unless the section's title names a procedure (steps, workflow, process, ...):

1. a list under a title that names a non-procedure: guidelines, rules, principles, best
   practices, tips, patterns, examples, checklists, requirements, prerequisites, output or
   format, reference, notes, pitfalls, criteria, conventions, overview, purpose (`_NOT_TITLE`);
2. a catalogue: more than `CATALOGUE` items, two thirds or more opening with a bold name
   (`**Name**: ...`), none carrying a command (inline or fenced code);
3. a list of more than `LONGEST` items (a procedure that long is a reference, not a run).

A skill with no list left runs as one agent with the skill injected.
"""

from __future__ import annotations

import re

from skillir.dialects import skill

LONGEST = 15
CATALOGUE = 8
_PROCEDURE_TITLE = re.compile(
    r"\b(?:steps?|workflow|procedure|process|how to|instructions|quick ?start|phases?|"
    r"implementation|setup|set up|install(?:ation)?|migration|cycle)\b"
    r"|手順|步骤|流程|ワークフロー|フロー|工作流",
    re.IGNORECASE,
)
_NOT_TITLE = re.compile(
    r"\b(?:guidelines?|rules?|principles?|best practices?|tips?|patterns?|anti-?patterns?|"
    r"examples?|checklists?|requirements?|prerequisites?|output|format|reference|notes?|"
    r"pitfalls?|mistakes?|criteria|conventions?|standards?|overview|purpose|catalog(?:ue)?s?|"
    r"do'?s|don'?ts|constraints?|limitations?|when to)\b(?!\.\w)"
    r"|原则|规则|注意|ルール|原則|注意点|チェックリスト",
    re.IGNORECASE,
)  # a word, not part of a file name (`requirements.txt`)
_BOLD_HEAD = re.compile(r"^\s*(?:\*\*|__)[^*_]+(?:\*\*|__)")


def _has_command(step: skill.StepOp) -> bool:
    return "`" in step.text.data or any(type(op) is skill.CodeOp for op in skill.walk_ops(step))


def why_not(steps: list[skill.StepOp], title: str) -> str | None:
    """Why a list the dataflow rules took for a procedure is not one a plan runs; None when
    it is (see the module docstring)."""
    if _PROCEDURE_TITLE.search(title):
        return None
    m = _NOT_TITLE.search(title)
    if m:
        return f"its section is about {m.group(0).lower()}"
    bold = sum(bool(_BOLD_HEAD.match(s.text.data)) for s in steps)
    named = bold * 3 >= len(steps) * 2 and len(steps) > CATALOGUE
    if named and not any(_has_command(s) for s in steps):
        return "a catalogue: named items, no commands"
    if len(steps) > LONGEST:
        return f"{len(steps)} items (a procedure runs at most {LONGEST} steps)"
    return None


def executable(steps: list[skill.StepOp], title: str) -> bool:
    """Whether a plan runs this list as a procedure."""
    return why_not(steps, title) is None
