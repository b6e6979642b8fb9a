"""Issue 16 item 2: plans only for procedures, not catalogues, checklists or guideline lists."""

from __future__ import annotations

from skillir.analysis.par.dataflow import procedures
from skillir.diagnostics import DiagnosticSink
from skillir.dialects import cap
from skillir.frontend.parser import parse_skill


def steps_of(body: str) -> list[int]:
    text = "---\nname: t\ndescription: A test skill. Use in tests.\n---\n\n" + body
    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    (root,) = cap.skills(module)
    return [len(p.tasks) for p in procedures(root)]


def numbered(items: list[str]) -> str:
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1)) + "\n"


def test_a_catalogue_of_38_named_patterns_is_not_a_plan() -> None:
    patterns = [f"**Pattern {n}**: write the sentence with the verb up front." for n in range(38)]
    assert steps_of("# Writing\n\n## Patterns\n\n" + numbered(patterns)) == []
    assert steps_of("# Writing\n\n## The catalogue\n\n" + numbered(patterns)) == []


def test_a_list_of_41_guidelines_is_not_a_plan() -> None:
    rules = [f"Write paragraph {n} in the active voice." for n in range(41)]
    assert steps_of("# Style\n\n## Guidelines\n\n" + numbered(rules[:8])) == []
    assert steps_of("# Style\n\n## Writing well\n\n" + numbered(rules)) == []  # too long


def test_procedures_keep_their_plan() -> None:
    steps = [
        "Read `data.csv`.",
        "Count the rows with `wc -l data.csv > rows.txt`.",
        "Write `report.md`.",
    ]
    assert steps_of("# Report\n\n## Workflow\n\n" + numbered(steps)) == [3]
    named = [f"**Stage {n}**: run `make stage{n}`." for n in range(10)]
    assert steps_of("# Build\n\n## Build it\n\n" + numbered(named)) == [10]  # commands: a run
    setup = ["Delete `requirements.txt`.", "Run `uv init --bare`.", "Run `uv sync`."]
    assert steps_of("# Py\n\n## From requirements.txt + pip\n\n" + numbered(setup)) == [3]
