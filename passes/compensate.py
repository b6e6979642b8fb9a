"""Compensation passes: rewrite `skill` ops where the bound target is weak or strong.

| pass | acts on | rewrite (and record) |
|---|---|---|
| `compensate-substitute` | a certain gap whose `substitute_with` | a `**Note:**` quote with |
|                         | primitives the target all has at L2+ | the substitution; `substitute` |
| `compensate-degrade` | a certain gap left uncompensated | a quote with the catalog guidance |
|                      | | for each step down; `degrade` |
| `compensate-eliminate` | prose, bullet, quote or code that only teaches | removes the op; |
|                        | a primitive the target has at L3 | `eliminate` on its parent |
| `compensate` | everything | eliminate, then substitute, then degrade |

A step down marked "none feasible" in the catalog is skipped; a gap with no guidance at all
gets a warning and no rewrite.

Place: a guide lands only where the skill asks for the work (`_asks_for_work`): in its
procedure (`in_procedure`: a numbered step, a procedure section, the text above any
sub-heading), in a section on the answer's shape ("Output format"), or at an instruction of
its own ("Use the decimal module ...", "NEVER round ...") in any section; never at a
reference section's description or code, a worked example or one variant of several: there,
on skills held out from tuning, fewer than one guide in five helped. The first such anchor
of a gap kind gets the note. A guide that hands the primitive over (below) is the exception:
it is meant for the incidental places outside the procedure.

Evidence: each guide is about a construct (`about_*` in the catalog: requirement rules or
constructs of `skillir/data/requirement_rules.toml`, found by the detectors of
`infer-capabilities`); it is attached only where that construct is in the anchored op, so
`mkdir -p results` never gets advice about pipelines; nor where a construct it is `against`
is in the anchor's step (the guide would contradict the step: "avoid separate script files"
where the step creates a script, "one script, run once" over a chain with a login or a
question to the user). A guide that hands the primitive over
(`hands_over`: "do not run commands: give the user ...") is not added where the skill's own
steps need the primitive (see `core_need`): one warning says the target cannot run the skill
well instead. Every note, here and in the lowering passes, goes through `place_note`, which
refuses a note that names what the skill forbids (`skillir.analysis.cap.constraints`), with a
warning.

Policy details:
- An *uncertain* gap (the profile recorded a higher level than its effective one: the target
  passed harder probes but failed an easier one) is not compensated.
- Growth budget (checked again by the guard): 30 % of the original size when the target
  lacks a primitive the skill needs (a certain `missing` gap), else 0 %: a target that has
  every capability the skill uses, if not always at the level asked, gets no longer than the
  original, its notes paid for by what eliminate removed.
- Larger gaps first; a note that would go over the budget is not added, with a warning.
- Once per gap kind: the first anchor of a (primitive, required, available) gap gets the note;
  later anchors of the same gap only get a `cap.compensate` pointing at it.
- The note goes right after the anchor's text: inside a step or bullet (before its nested
  blocks), after a paragraph or code block, at the head of a section or of the document.
- Eliminate never removes an op that holds a constraint, a bundled-file reference, inline code,
  or a cap annotation, nor a heading, nor the first copy of a code block.
- Before the first rewrite, `cap.baseline` records what the guard checks afterwards.

Each rewrite inserts or erases whole ops through xDSL's rewriter; no text is rewritten in place.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from skillir.analysis.cap.catalog import Primitive, load_catalog
from skillir.analysis.cap.constraints import ORIGIN, conflict
from skillir.analysis.cap.requirements import construct_anchors
from skillir.analysis.env.need import in_procedure
from skillir.analysis.par.dataflow import first_word
from skillir.analysis.par.effects import rules
from skillir.diagnostics import active_sink
from skillir.dialects import cap, skill
from skillir.frontend.markdown import child_indent, render_op, render_skill
from skillir.passes.infer_capabilities import insert_after_cap_head

DEFAULT_BUDGET_PERCENT = 30
CODE_PRIMITIVES = {
    "python": "gen.code.python",
    "py": "gen.code.python",
    "bash": "gen.code.shell",
    "sh": "gen.code.shell",
    "shell": "gen.code.shell",
    "zsh": "gen.code.shell",
    "javascript": "gen.code.javascript",
    "js": "gen.code.javascript",
    "typescript": "gen.code.javascript",
    "ts": "gen.code.javascript",
    "sql": "gen.code.sql",
    "html": "gen.code.html",
}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def baseline_of(
    rewriter: PatternRewriter, root: skill.SkillSkillOp, chars: int | None = None
) -> cap.BaselineOp:
    """The skill's `cap.baseline`, recorded now (before any rewrite) when absent; `chars` is
    the length of the rendered skill when the caller has measured it."""
    for op in root.body.block.ops:
        if type(op) is cap.BaselineOp:
            return op
    ops = skill.walk_ops(root)
    headings = [op.title.data for op in ops if type(op) is skill.SectionOp]
    codes = [digest(op.text.data) for op in ops if type(op) is skill.CodeOp]
    gaps = [op for op in ops if type(op) is cap.GapOp and op.uncertain is None]
    has_all = all(gap.kind.data != "missing" for gap in gaps)
    baseline = cap.BaselineOp.build_op(
        frontmatter=digest(root.field("frontmatter") or ""),
        headings=digest("\n".join(headings)),
        code=" ".join(codes),
        chars=len(render_skill(root)) if chars is None else chars,
        budget=0 if has_all else DEFAULT_BUDGET_PERCENT,
    )
    target = cap.target_of(root)
    point = InsertPoint.after(target) if target else InsertPoint.at_start(root.body.block)
    rewriter.insert(baseline, point)
    return baseline


def note_op(text: str, origin: str) -> skill.QuoteOp:
    note = skill.QuoteOp.build_op(text=f"**Note:** {text}", blank="\n")
    note.attributes[ORIGIN] = StringAttr(origin)
    return note


def place_note(
    anchor: Operation, note: skill.QuoteOp, rewriter: PatternRewriter | None = None
) -> bool:
    """Put a note right after the anchor's own text (see the module docstring), unless it names
    something the skill forbids: then warn, leave the note out and return False. A pass gives
    its `rewriter`; outside a pass, one is made at the anchor."""
    why = conflict(anchor, note.text.data.removeprefix("**Note:** "))
    if why is not None:
        line, col = _position(anchor)
        active_sink().warning(line, col, f"note not added: it {why}")
        return False
    _insert_note(rewriter or PatternRewriter(anchor), anchor, note)
    return True


def _position(op: Operation) -> tuple[int, int]:
    """The op's line and column, else those of the nearest ancestor with a span."""
    while op is not None:
        span = op.properties.get("span")
        if isinstance(span, skill.SpanAttr):
            return span.data[0], span.data[1]
        op = op.parent_op()  # type: ignore[assignment]
    return 1, 1


def _insert_note(rewriter: PatternRewriter, anchor: Operation, note: Operation) -> None:
    if isinstance(anchor, (skill.SkillSkillOp, skill.SectionOp, skill.StepOp, skill.BulletOp)):
        block = anchor.regions[0].block
        last_annotation = None
        for child in block.ops:
            if isinstance(child, skill.BLOCK_OPS):
                break
            last_annotation = child
        if last_annotation is None:
            rewriter.insert(note, InsertPoint.at_start(block))
        else:
            rewriter.insert(note, InsertPoint.after(last_annotation))
    else:
        rewriter.insert(note, InsertPoint.after(anchor))


_MARKDOWN_BLOCKS = frozenset((skill.SkillSkillOp, *skill.BLOCK_OPS))


def _added_chars(root: skill.SkillSkillOp, note: skill.QuoteOp) -> int | None:
    """How much a note just placed lengthens `render_skill(root)`: its own Markdown at the
    indentation of its container (every op renders on its own, at the indentation its
    ancestors give). None when an ancestor is not a Markdown block: then render it all."""
    chain = []
    parent = note.parent_op()
    while parent is not root:
        if parent is None or type(parent) not in _MARKDOWN_BLOCKS:
            return None
        chain.append(parent)
        parent = parent.parent_op()
    indent = 0
    for op in reversed(chain):
        indent = child_indent(op, indent)
    text = render_op(note, indent)
    return len(text) + (text.count("\n") if root.field("eol") == "crlf" else 0)


def line_of(op: Operation) -> int:
    span = op.properties.get("span")
    return span.data[0] if isinstance(span, skill.SpanAttr) else 0


def _compensated(gap: cap.GapOp) -> bool:
    return any(
        type(op) is cap.CompensateOp and op.primitive.data == gap.primitive.data
        for op in gap.parent_block().ops  # type: ignore[union-attr]
    )


def _record(
    rewriter: PatternRewriter, anchor_of_gap: cap.GapOp, strategy: str, detail: str
) -> None:
    record = cap.CompensateOp.build_op(
        strategy=strategy, primitive=anchor_of_gap.primitive.data, detail=detail
    )
    rewriter.insert(record, InsertPoint.after(anchor_of_gap))


def _open_gaps(root: skill.SkillSkillOp) -> list[cap.GapOp]:
    return [
        op
        for op in skill.walk_ops(root)
        if type(op) is cap.GapOp and op.uncertain is None and not _compensated(op)
    ]


_STEP_SECTION = re.compile(
    r"^\s*(?:(?:step|phase|stage|part)\s*\d+|ステップ\s*\d+|フェーズ\s*\d+|第\s*\d+\s*[步章]|步骤\s*\d+)",
    re.IGNORECASE,
)


# "### Example 2: Story Has Gaps": a worked example shows a run; the guide belongs where the
# skill asks for the work itself ("## Example Output" is the answer's shape, not a run)
_EXAMPLE_SECTION = re.compile(
    r"^\W*(?:examples?|sample|worked example)\b"
    r"(?!\s+(?:outputs?|reports?|formats?|responses?|results?|templates?)\b)",
    re.IGNORECASE,
)


def _in_example(op: Operation) -> bool:
    """Inside a section titled as an example."""
    parent = op.parent_op()
    while parent is not None:
        if isinstance(parent, skill.SectionOp) and _EXAMPLE_SECTION.match(parent.title.data):
            return True
        parent = parent.parent_op()
    return False


# "## Output format", "### Report template": the shape of what the agent produces
_ANSWER_SECTION = re.compile(
    r"\b(?:output|format|template|response|answer|report)s?\b", re.IGNORECASE
)


def _asks_for_work(op: Operation) -> bool:
    """Whether the skill asks for work at `op`: it is in the procedure (`in_procedure`) or in
    a section on the shape of the answer ("Output format"), or it is an instruction of its
    own in any section: text led by a verb or a rule word of `build-dataflow` ("Use the
    decimal module ...", "NEVER round ..."); for a code block, its lead-in or bullet."""
    for said in _step_of(op):  # when the skill applies, wherever it stands, is no work
        own = getattr(said, "text", None)
        if not isinstance(said, skill.CodeOp) and hasattr(own, "data") and _SCOPE.match(own.data):
            return False
    title = op.title.data if isinstance(op, skill.SectionOp) else _section_title(op)
    if in_procedure(op) or _ANSWER_SECTION.search(title):
        return True
    if isinstance(op, skill.SectionOp) and any(
        isinstance(child, skill.StepOp) for child in op.body.block.ops
    ):
        return True  # a section of numbered steps is a procedure, whatever its heading
    words = rules().verbs.keys() | rules().guideline
    for said in _step_of(op):  # a code block is asked for by its lead-in or its bullet
        text = getattr(said, "text", None)
        if not isinstance(said, skill.CodeOp) and hasattr(text, "data"):
            if first_word(text.data) in words:
                return True
    return False


# "**Do not use when:** ...", "Use this skill when ...": when the skill applies, not its work
_SCOPE = re.compile(
    r"[\W_]*(?:do\s+not|don't|never)?\s*use\s+(?:this\s+skill\s+|it\s+)?(?:when|for|if)\b",
    re.IGNORECASE,
)


def _in_step(op: Operation) -> bool:
    """Inside a numbered step, or under a "Step N" / "Phase N" section."""
    parent: Operation | None = op
    while parent is not None:
        if isinstance(parent, skill.StepOp):
            return True
        if isinstance(parent, skill.SectionOp) and _STEP_SECTION.match(parent.title.data):
            return True
        parent = parent.parent_op()
    return False


def _section_title(op: Operation) -> str:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, skill.SectionOp):
        parent = parent.parent_op()
    return parent.title.data if isinstance(parent, skill.SectionOp) else ""


def core_need(root: skill.SkillSkillOp, primitive: str) -> cap.RequireOp | None:
    """The requirement showing that the skill's own work needs `primitive`, or None when the
    need is incidental: one place only, outside the steps, in a section titled like the
    catalog's `incidental_sections` ("Submitting Feedback", "Troubleshooting")."""
    requires = [
        op
        for op in skill.walk_ops(root)
        if type(op) is cap.RequireOp and op.primitive.data == primitive
    ]
    if not requires:
        return None
    anchors = {id(r.parent_op()): r.parent_op() for r in requires}
    incidental = load_catalog().incidental_sections
    if len(anchors) == 1 and incidental is not None:
        (anchor,) = anchors.values()
        assert anchor is not None
        if not _in_step(anchor) and incidental.search(_section_title(anchor)):
            return None
    return requires[0]


def _about_present(
    primitive: Primitive, step: tuple[int, int] | str, anchor: Operation, found: dict[str, set[int]]
) -> bool:
    """Whether what the guide for `step` is about is in `anchor` (always, when it names none),
    and nothing it is `against` is in the anchor's step (see `_step_of`)."""
    ids = primitive.about.get(step)
    if ids is not None and not any(id(anchor) in found[rule] for rule in ids):
        return False
    against = primitive.against.get(step, ())
    return not any(id(op) in found[rule] for rule in against for op in _step_of(anchor))


def _step_of(anchor: Operation) -> list[Operation]:
    """The anchor, the text op that introduces it (a code block's lead-in) and the step or
    bullet holding it: where a step's own words are when the anchor is its code."""
    ops = [anchor]
    previous = anchor.prev_op
    while previous is not None and not isinstance(previous, skill.BLOCK_OPS):
        previous = previous.prev_op
    if isinstance(anchor, skill.CodeOp) and previous is not None:
        ops.append(previous)
    parent = anchor.parent_op()
    if isinstance(parent, (skill.StepOp, skill.BulletOp)):
        ops.append(parent)
    return ops


def _enclosing_step(op: Operation) -> Operation | None:
    """The numbered step `op` is, or is inside; None outside the steps."""
    node: Operation | None = op
    while node is not None and not isinstance(node, skill.StepOp):
        node = node.parent_op()
    return node


def _compensate_gaps(
    rewriter: PatternRewriter,
    root: skill.SkillSkillOp,
    target: cap.TargetOp,
    strategy: str,
    size: int | None,
) -> int | None:
    """Note the open gaps with `strategy`; `size` is the rendered skill's length when known,
    kept up to date note by note rather than rendered again, and returned."""
    catalog = load_catalog()
    noted: dict[tuple[str, int, int], int] = {}
    noted_text: dict[tuple[str, int], int] = {}
    gaps = _open_gaps(root)
    if not gaps:
        return size
    order = {id(g): i for i, g in enumerate(gaps)}
    # where each guide's construct (and what it is against) is, found before any note is added
    constructs: list[str] = []
    for g in gaps:
        primitive = catalog.primitive(g.primitive.data)
        for lists in (primitive.about, primitive.against):
            constructs.extend(rule for ids in lists.values() for rule in ids)
    found = construct_anchors(root, constructs)
    handed: dict[str, tuple[cap.GapOp, cap.RequireOp]] = {}
    needs: dict[str, cap.RequireOp | None] = {}
    infeasible: dict[tuple[str, int, int], list[tuple[int, int]]] = {}
    for gap in sorted(gaps, key=lambda g: (-g.size, order[id(g)])):
        primitive = catalog.primitive(gap.primitive.data)
        key = (gap.primitive.data, gap.required.data, gap.available.data)
        anchor = gap.parent_op()
        assert anchor is not None
        if _in_example(anchor):
            continue
        at_work = _asks_for_work(anchor)
        if strategy == "substitute":
            usable = primitive.substitute_with and all(
                target.level(sub) >= 2 for sub in primitive.substitute_with
            )
            present = at_work and _about_present(primitive, "substitute", anchor, found)
            text = primitive.substitute_guide if usable and present else None
        else:
            steps = primitive.steps_for(gap.required.data, gap.available.data)
            guides = []
            for step, guide in steps:
                handing = step == (1, 0) and primitive.hands_over
                if not (at_work or handing) or not _about_present(primitive, step, anchor, found):
                    continue  # outside the procedure, or its construct is not there
                if handing:
                    if primitive.id not in needs:  # notes add no requirement: one walk each
                        needs[primitive.id] = core_need(root, primitive.id)
                    need = needs[primitive.id]
                    if need is not None:
                        handed.setdefault(primitive.id, (gap, need))
                        continue
                guides.append(guide)
            text = " ".join(guides) if guides else None
            if not steps:
                infeasible.setdefault(key, []).append(
                    tuple(gap.span.data[:2]) if gap.span else (1, 1)
                )
        if not text:
            continue
        if size is None:
            size = len(render_skill(root))
        baseline = baseline_of(rewriter, root, size)
        # the same gap kind, or the same guide in the same step (a substitute guide does not
        # depend on the level: the step's heading and its body would get it twice)
        step = _enclosing_step(anchor)
        seen = noted.get(key) or (noted_text.get((text, id(step))) if step else None)
        if seen is not None:
            _record(rewriter, gap, strategy, f"see the note at line {seen}")
            continue
        note = note_op(text, f"{strategy} {gap.primitive.data}")
        if not place_note(anchor, note, rewriter):
            continue
        added = _added_chars(root, note)
        grown = len(render_skill(root)) if added is None else size + added
        if grown > baseline.chars.data * (100 + baseline.budget.data) / 100:
            rewriter.erase(note)
            line, col = (gap.span.data[:2]) if gap.span else (1, 1)
            active_sink().warning(
                line,
                col,
                f"{gap.primitive.data} not compensated: the note would take the skill over "
                f"its {baseline.budget.data}% growth budget",
            )
            continue
        size = grown
        noted[key] = line_of(anchor)
        if step is not None:
            noted_text[(text, id(step))] = noted[key]
        _record(rewriter, gap, strategy, f"L{gap.required.data}->L{gap.available.data}: {text}")
    for (primitive_id, required, available), places in infeasible.items():
        # one warning per gap kind, at its first place: the others are named, not repeated
        (line, col), *rest = sorted(places)
        also = f"; also at line {', '.join(str(ln) for ln, _ in rest)}" if rest else ""
        active_sink().warning(
            line,
            col,
            f"no compensation feasible for {primitive_id} "
            f"(L{required} needed, L{available} available{also})",
        )
    if handed:
        _warn_handed_over(target, handed)
    return size


def _warn_handed_over(
    target: cap.TargetOp, handed: dict[str, tuple[cap.GapOp, cap.RequireOp]]
) -> None:
    """One warning: the target lacks primitives the skill's own steps need."""
    parts = []
    for primitive, (gap, need) in handed.items():
        line = need.span.data[0] if need.span else 0
        parts.append(
            f"{primitive} (L{gap.required.data} needed from line {line}, "
            f"L{gap.available.data} available)"
        )
    first = next(iter(handed.values()))[1]
    line, col = first.span.data[:2] if first.span else (1, 1)
    active_sink().warning(
        line,
        col,
        f"the target model {target.model.data} cannot run this skill well: "
        f"its steps need {', '.join(parts)}; no note hands that work to the user. Compile for "
        "a model that has it, or expect to do those steps yourself",
    )


@dataclass(frozen=True)
class EliminateRule:
    id: str
    primitive: str
    ops: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


@cache
def eliminate_rules() -> tuple[EliminateRule, ...]:
    from skillir import data

    raw = tomllib.loads((Path(data.__file__).parent / "eliminate_rules.toml").read_text())
    return tuple(
        EliminateRule(
            r["id"],
            r["primitive"],
            tuple(r["ops"]),
            tuple(re.compile(p, re.IGNORECASE) for p in r["patterns"]),
        )
        for r in raw["rule"]
    )


_OP_KINDS = {skill.ProseOp: "prose", skill.BulletOp: "bullet", skill.QuoteOp: "quote"}


TASK_ANNOTATIONS = (skill.ConstraintOp, skill.ResourceRefOp, cap.GapOp, cap.CompensateOp)
GENERIC_CODE_SPAN = re.compile(r"[^/.\s]{1,6}(?: -{1,2}\w+)*")


def _has_task_annotations(op: Operation) -> bool:
    """A constraint, a bundled-file reference, or a gap or compensation of this target; a
    requirement the target meets says nothing beyond the op itself."""
    return any(isinstance(child, TASK_ANNOTATIONS) for child in op.regions[0].block.ops)


def _gap_signature(op: Operation) -> set[tuple[str, int, int]]:
    return {
        (g.primitive.data, g.required.data, g.available.data)
        for g in op.regions[0].block.ops
        if isinstance(g, cap.GapOp)
    }


def _adds_nothing(copy: skill.CodeOp, first: skill.CodeOp) -> bool:
    """A repeated code block carries nothing of its own: no constraint, bundled-file reference
    or compensation, and only gaps its first copy has too."""
    own = (skill.ConstraintOp, skill.ResourceRefOp, cap.CompensateOp)
    if any(isinstance(child, own) for child in copy.regions[0].block.ops):
        return False
    return _gap_signature(copy) <= _gap_signature(first)


def _task_specific(op: Operation) -> bool:
    """Whether an op carries something the task needs (see the module docstring): task
    annotations, nested blocks, or inline code other than a short generic command or operator
    (`cd`, `|`, `ls -la`; never a path or file name)."""
    if _has_task_annotations(op):
        return True
    if any(isinstance(c, skill.BLOCK_OPS) for c in op.regions[0].block.ops):
        return True
    text = op.properties["text"].data  # type: ignore[attr-defined]
    spans = re.findall(r"`([^`]+)`", text)
    return not all(GENERIC_CODE_SPAN.fullmatch(span) for span in spans)


def _eliminate(rewriter: PatternRewriter, root: skill.SkillSkillOp, target: cap.TargetOp) -> None:
    seen_code: dict[tuple[str, str], skill.CodeOp] = {}
    rules = {
        kind: [r for r in eliminate_rules() if kind in r.ops and target.level(r.primitive) == 3]
        for kind in _OP_KINDS.values()
    }
    for op in skill.walk_ops(root):
        code = type(op) is skill.CodeOp
        kind = _OP_KINDS.get(type(op))
        if not (code or (kind and rules[kind])):
            continue
        if op.parent_op() is None or ORIGIN in op.attributes:
            continue
        removal: tuple[str, str] | None = None
        if code:
            key = (op.lang.data, op.text.data)
            primitive = CODE_PRIMITIVES.get(op.lang.data.lower())
            first = seen_code.setdefault(key, op)
            if first is not op and primitive and target.level(primitive) == 3:
                if op.text.data.count("\n") >= 2 and _adds_nothing(op, first):
                    removal = ("duplicate-code", primitive)
        elif kind and not _task_specific(op):
            text = op.properties["text"].data  # type: ignore[attr-defined]
            for rule in rules[kind]:
                if any(p.search(text) for p in rule.patterns):
                    removal = (rule.id, rule.primitive)
                    break
        if removal is None:
            continue
        baseline_of(rewriter, root)
        parent = op.parent_op()
        assert parent is not None
        record = cap.CompensateOp.build_op(
            strategy="eliminate",
            primitive=removal[1],
            detail=f"[{removal[0]}] removed the {op.name} at line {line_of(op)}",
        )
        insert_after_cap_head(rewriter, parent, [record])
        rewriter.erase(op)


@dataclass(frozen=True)
class CompensateSkill(RewritePattern):
    """Runs `steps` on a skill with a bound target; an error naming `name` without one."""

    name: str
    steps: tuple[str, ...]

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        target = cap.target_of(op)
        if target is None:
            active_sink().error(1, 1, f"{self.name} needs a bound target (bind-target)")
            return
        size = None  # the rendered skill's length, once a note needs it
        for step in self.steps:
            if step == "eliminate":
                _eliminate(rewriter, op, target)
                size = None
            else:
                size = _compensate_gaps(rewriter, op, target, step, size)


class _CompensationPass(ModulePass):
    """Runs `steps` on every skill (`CompensateSkill`)."""

    steps: ClassVar[tuple[str, ...]] = ()

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pattern = CompensateSkill(self.name, self.steps)
        PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(op)


@dataclass(frozen=True)
class CompensateSubstitute(_CompensationPass):
    name = "compensate-substitute"
    steps = ("substitute",)


@dataclass(frozen=True)
class CompensateDegrade(_CompensationPass):
    name = "compensate-degrade"
    steps = ("degrade",)


@dataclass(frozen=True)
class CompensateEliminate(_CompensationPass):
    name = "compensate-eliminate"
    steps = ("eliminate",)


@dataclass(frozen=True)
class Compensate(_CompensationPass):
    """The whole policy: eliminate first (its savings pay for notes within the budget), then
    substitute, then degrade what is left."""

    name = "compensate"
    steps = ("eliminate", "substitute", "degrade")
