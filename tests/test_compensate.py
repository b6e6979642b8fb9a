"""Compensation keeps the rendered size note by note instead of rendering the skill again:
what it adds up must be what rendering says, wherever a note goes."""

from __future__ import annotations

import pytest
from xdsl.rewriter import InsertPoint, Rewriter

from skillir.diagnostics import DiagnosticSink
from skillir.dialects import skill
from skillir.frontend import parse_skill
from skillir.markdown import render_skill
from skillir.passes.compensate import _added_chars, note_op, place_note

SKILL = """---
name: nested
description: A skill with nested blocks. Use when testing.
---

# Nested

Intro with `scripts/run.py`.

1. Run it:

   ```bash
   python3 scripts/run.py
   ```

   - a bullet
     1) a nested step
        > a quote

2. Check the output.

* another list
"""


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_a_note_adds_what_rendering_it_adds(eol: str) -> None:
    text = SKILL.replace("\n", eol)
    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    (root,) = module.ops
    assert isinstance(root, skill.SkillSkillOp) and render_skill(root) == text
    for anchor in skill.walk_ops(root):
        before = len(render_skill(root))
        note = note_op("Mind the gap.\nTwice.", "test")
        place_note(anchor, note)
        assert _added_chars(root, note) == len(render_skill(root)) - before, anchor.name
        Rewriter.erase_op(note)


def test_a_note_below_an_annotation_is_measured_by_rendering() -> None:
    module = parse_skill(SKILL.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    (root,) = module.ops
    ref = next(op for op in skill.walk_ops(root) if isinstance(op, skill.ResourceRefOp))
    note = note_op("Hidden.", "test")
    Rewriter.insert_op(note, InsertPoint.at_start(ref.body.block))
    assert _added_chars(root, note) is None  # the caller renders the skill instead
