"""Step prompts from the compiled IR: what a plan step shows the model.

The folder's SKILL.md (the compiled one in a compiled folder, whose `**Note:**` quotes are the
notes the compiler anchored) is parsed into the `skill` dialect once. A plan task names its step
by text and source line; its prompt is, in this order of priority (and of display):

1. the step's own content: its text, nested items, code blocks (commands) and prose;
2. the notes anchored to the step (`**Note:**` quotes inside it: compensation, env, par);
3. the skill-level context: the notes anchored to the skill or to the sections around the
   step, the skill's constraints (MUST / NEVER / ... sentences), and the section it sits in.

A note asking to run `bash env-setup.sh` is left out: the runtime has run it.

A step that does not fit `budget` tokens (estimated at `CHARS_PER_TOKEN` characters a token)
loses the lowest priority first: constraints, then section notes and path, then the step's own
notes, and last the tail of its own content. `StepPrompt.cut` says what was left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from xdsl.ir import Operation

CHARS_PER_TOKEN = 3.0  # SmolLM2's tokenizer on skill text: 3.3-4 characters; kept cautious
DEFAULT_BUDGET = 1200  # tokens for a step's prompt text on a weak model (8k context)
NOTE = "**Note:** "
SETUP_SCRIPT = "`bash env-setup.sh`"  # how the compiler's env note names the script


def tokens(text: str) -> int:
    """The estimated token count of `text`."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class StepPrompt:
    """A step's prompt: `label` (its first line), `text` (what the model is given), its source
    `line`, and the parts `cut` to fit the budget."""

    label: str
    text: str
    line: int | None = None
    cut: tuple[str, ...] = ()
    parts: dict[str, int] = field(default_factory=dict)  # part -> estimated tokens kept
    own: str = ""  # the step's text and its notes: where its commands are taken from

    @property
    def scope(self) -> str:
        return self.own or self.text


def _span_line(op: Operation) -> int | None:
    span = op.properties.get("span")
    return span.data[0] if span is not None else None  # type: ignore[attr-defined]


def _is_note(op: Operation) -> bool:
    from skillir.dialects import skill

    return type(op) is skill.QuoteOp and op.text.data.startswith(NOTE)


def _for_the_runtime(note: str) -> bool:
    """A note asking someone to run the folder's setup script (`bash env-setup.sh`): skill-run
    runs it before the first step, and a missing dependency is the run's warning, so the note
    is not shown to the model (which cannot ask the user, and would try to run it again)."""
    return SETUP_SCRIPT in note


def _render(op: Operation, depth: int, out: list[str]) -> None:
    """The markdown of a block op and its nested blocks (notes excluded), indented by depth."""
    from skillir.dialects import skill

    pad = "  " * depth
    if _is_note(op):
        return
    if type(op) is skill.StepOp:
        out.append(f"{pad}{op.number.data}. {op.text.data}")
    elif type(op) is skill.BulletOp:
        out.append(f"{pad}- {op.text.data}")
    elif type(op) is skill.CodeOp:
        body = op.text.data.rstrip("\n")
        out.append(f"{pad}```{op.lang.data}")
        out += [f"{pad}{line}" for line in body.splitlines()]
        out.append(f"{pad}```")
    elif type(op) is skill.SectionOp:
        out.append(f"{pad}{'#' * op.level.data} {op.title.data}")
    elif isinstance(op, (skill.ProseOp, skill.TableOp)):
        out += [f"{pad}{line}" for line in op.text.data.splitlines()]
    elif type(op) is skill.QuoteOp:
        out += [f"{pad}> {line}" for line in op.text.data.splitlines()]
    else:
        return
    if type(op) in (skill.StepOp, skill.BulletOp, skill.SectionOp):
        inner = depth if type(op) is skill.SectionOp else depth + 1
        for child in op.regions[0].block.ops:
            _render(child, inner, out)


def _notes(op: Operation, nested: bool) -> list[str]:
    """The `**Note:**` quotes directly in `op` (and, when `nested`, in its nested blocks)."""
    from skillir.dialects import skill

    found: list[str] = []
    for child in op.regions[0].block.ops if op.regions else ():
        if _is_note(child) and not _for_the_runtime(child.text.data):
            found.append(child.text.data.removeprefix(NOTE).strip())
        elif nested and type(child) in (skill.StepOp, skill.BulletOp):
            found += _notes(child, True)
    return found


@dataclass
class SkillDoc:
    """The parsed SKILL.md of a skill folder, for building step prompts."""

    root: Any  # skill.SkillSkillOp
    constraints: list[str]
    _used: set[int] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str, path: str) -> SkillDoc | None:
        """The document, or None when it does not parse (steps then show their plan text)."""
        from skillir.diagnostics import DiagnosticError, DiagnosticSink
        from skillir.dialects import cap, skill
        from skillir.frontend.parser import parse_skill

        try:
            module = parse_skill(text.encode("utf-8"), path, DiagnosticSink(path))
        except (DiagnosticError, RecursionError, ValueError):
            return None
        roots = cap.skills(module)
        if not roots:
            return None
        seen: list[str] = []
        for op in skill.walk_ops(roots[0]):
            if type(op) is skill.ConstraintOp and op.text.data not in seen:
                seen.append(op.text.data)
        return cls(roots[0], seen)

    def find(self, text: str, line: int | None) -> Operation | None:
        """The step or section a plan task names: same text, nearest line, not used before."""
        from skillir.dialects import skill

        candidates = []
        for op in skill.walk_ops(self.root):
            if type(op) is skill.StepOp and op.text.data == text:
                candidates.append(op)
            elif type(op) is skill.SectionOp and op.title.data == text:
                candidates.append(op)
        if not candidates:
            return None
        fresh = [op for op in candidates if id(op) not in self._used] or candidates

        def distance(op: Operation) -> int:
            found = _span_line(op)
            return abs(found - line) if found is not None and line is not None else 0

        best = min(fresh, key=distance)
        self._used.add(id(best))
        return best

    def prompt(self, text: str, line: int | None, budget: int = DEFAULT_BUDGET) -> StepPrompt:
        """The prompt of the plan task with `text` at source `line`, within `budget` tokens."""
        op = self.find(text, line)
        if op is None:
            return _fit(text, [("step", text)], budget, line)
        own: list[str] = []
        _render(op, 0, own)
        own[0] = text  # the step's own line without its number or heading marks
        parts: list[tuple[str, str]] = [("step", "\n".join(own))]
        notes = _notes(op, nested=True)
        if notes:
            parts.append(("step notes", "\n".join(f"Note: {n}" for n in notes)))
        path, outer = self._context(op)
        if path:
            parts.append(("section", f'(This step is in the skill\'s part "{path[-1]}".)'))
        if outer:
            parts.append(("skill notes", "\n".join(f"Note: {n}" for n in outer)))
        rules = [c for c in self.constraints if c not in parts[0][1]]
        if rules:
            parts.append(("constraints", "Rules: " + " ".join(rules)))
        return _fit(text, parts, budget, _span_line(op) or line)

    def _context(self, op: Operation) -> tuple[list[str], list[str]]:
        """(titles of the sections around `op`, outermost first; notes anchored to them or to
        the skill)."""
        from skillir.dialects import skill

        titles: list[str] = []
        notes: list[str] = []
        parent = op.parent_op()
        while parent is not None:
            if type(parent) is skill.SectionOp:
                titles.insert(0, parent.title.data)
                notes = _notes(parent, False) + notes
            elif type(parent) is skill.SkillSkillOp:
                notes = _notes(parent, False) + notes
                break
            parent = parent.parent_op()
        return titles, notes


ORDER = ("step", "step notes", "skill notes", "constraints", "section")  # as shown
PRIORITY = ("step", "step notes", "skill notes", "section", "constraints")  # as kept


def _fit(label: str, parts: list[tuple[str, str]], budget: int, line: int | None) -> StepPrompt:
    """Join the parts in display order, leaving out the lowest priorities until the estimate
    fits `budget`; the step's own text is clipped last, never dropped."""
    kept = dict(parts)
    cut: list[str] = []
    for name in reversed(PRIORITY):
        if sum(tokens(t) for t in kept.values()) <= budget:
            break
        if name in kept and name != "step":
            cut.append(f"{name} ({tokens(kept.pop(name))} tokens)")
    step = kept["step"]
    room = budget - sum(tokens(t) for n, t in kept.items() if n != "step")
    if tokens(step) > room:
        most = max(80, int(room * CHARS_PER_TOKEN))
        cut.append(f"step text after {most} of {len(step)} chars")
        kept["step"] = step[:most] + " [...]"
    text = "\n".join(kept[n] for n in ORDER if n in kept)
    first = label.strip().splitlines()[0] if label.strip() else label
    own = "\n".join(kept[n] for n in ("step", "step notes") if n in kept)
    return StepPrompt(first, text, line, tuple(cut), {n: tokens(t) for n, t in kept.items()}, own)
