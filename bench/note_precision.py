"""Precision of the notes a compile adds, on the labelled set in `tests/data/note_precision/`.

`skills.txt` lists the skills (`corpus/OWNER__REPO/SKILL` under ../shared, or `own/NAME` under
`tests/data/note_precision/`); each is compiled in-process (`compile`'s passes) for every
profile in `PROFILES` and harness in `HARNESSES`, and every `**Note:**` a pass added (a quote
carrying `cap.origin`) is looked up in `labels.json` by its key: skill, profile, harness,
origin, the line of the op it is anchored to, and a digest of its text, so a changed note reads
as unlabelled. Labels: `useful`, `irrelevant`, `harmful` (contradicts the skill, disables it, or
is wrong). Prints per origin pass the counts, precision (useful / labelled) and harmful count;
`--unlabelled FILE` writes the unlabelled notes (with their anchor's text) as JSON to label.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "note_precision"
SHARED = REPO.parent / "shared"
PROFILES = {
    "weak": SHARED / "profiles" / "skvm" / "bare-agent__qwen--qwen3.5-9b.json",
    "medium": SHARED / "profiles" / "skvm" / "bare-agent__qwen--qwen3.5-35b-a3b.json",
}
HARNESSES = ("claude-code", "codex")
LABELS = ("useful", "irrelevant", "harmful")


@dataclass(frozen=True)
class Note:
    """One note a compile added, and where."""

    skill: str
    profile: str
    harness: str
    origin: str
    line: int
    text: str

    @property
    def key(self) -> str:
        digest = hashlib.sha256(self.text.encode()).hexdigest()[:12]
        pass_ = self.origin.split()[0]
        return f"{self.skill}|{self.profile}|{self.harness}|{pass_}|{self.line}|{digest}"


@dataclass(frozen=True)
class Compiled:
    """What one compile added: its notes and its warnings (line, message)."""

    notes: list[Note]
    warnings: list[tuple[int, str]]


def skill_path(name: str) -> Path:
    """`corpus/X/Y` → ../shared/corpus/X/Y; `own/NAME` → tests/data/note_precision/own/NAME."""
    if name.startswith("corpus/"):
        return SHARED / name
    return DATA / name


def skill_names() -> list[str]:
    lines = (DATA / "skills.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def _anchor_line(note) -> int:  # noqa: ANN001 - a skill.QuoteOp
    """The line of the op a note follows (its previous block sibling), else of its parent."""
    from skillir.dialects import skill

    op = note.prev_op
    while op is not None:
        if isinstance(op, skill.BLOCK_OPS) and isinstance(
            op.properties.get("span"), skill.SpanAttr
        ):
            return op.properties["span"].data[0]
        op = op.prev_op
    parent = note.parent_op()
    span = parent.properties.get("span") if parent is not None else None
    return span.data[0] if isinstance(span, skill.SpanAttr) else 0


def compile_notes(name: str, profile: str, harness: str) -> Compiled:
    """Compile one skill for (profile, harness) and collect the notes the passes added."""
    from xdsl.context import Context

    from skillir.diagnostics import ACTIVE, DiagnosticError, DiagnosticSink, Severity
    from skillir.dialects import skill
    from skillir.frontend.parser import parse_skill
    from skillir.passes.compensate import ORIGIN
    from skillir.passes.compile import passes_for

    path = skill_path(name) / "SKILL.md"
    sink = DiagnosticSink(str(path))
    token = ACTIVE.set(sink)
    try:
        module = parse_skill(path.read_bytes(), str(path), sink)
        if not sink.has_errors:
            for step in passes_for(harness, str(PROFILES[profile])):
                step.apply(Context(), module)
                if sink.has_errors:
                    break
    except DiagnosticError:
        pass
    finally:
        ACTIVE.reset(token)
    notes = [
        Note(
            name,
            profile,
            harness,
            op.attributes[ORIGIN].data,  # type: ignore[attr-defined]
            _anchor_line(op),
            op.text.data.removeprefix("**Note:** "),
        )
        for op in skill.walk_ops(module)
        if isinstance(op, skill.QuoteOp) and ORIGIN in op.attributes
    ]
    warnings = [(d.pos.line, d.message) for d in sink.diagnostics if d.severity is Severity.WARNING]
    return Compiled(notes, warnings)


def load_labels() -> dict[str, dict[str, str]]:
    path = DATA / "labels.json"
    return json.loads(path.read_text()) if path.is_file() else {}


@dataclass
class Report:
    """Counts per origin pass, and the notes with no label."""

    counts: dict[str, Counter[str]]
    unlabelled: list[Note]
    warnings: int

    def total(self) -> Counter[str]:
        return sum(self.counts.values(), Counter())

    @staticmethod
    def precision(counts: Counter[str]) -> float:
        labelled = sum(counts[label] for label in LABELS)
        return counts["useful"] / labelled if labelled else 1.0


def evaluate(names: list[str] | None = None) -> Report:
    """Compile the set and look every note up in the labels."""
    labels = load_labels()
    counts: dict[str, Counter[str]] = {}
    unlabelled: list[Note] = []
    warnings = 0
    for name in names or skill_names():
        for profile in PROFILES:
            for harness in HARNESSES:
                compiled = compile_notes(name, profile, harness)
                warnings += len(compiled.warnings)
                for note in compiled.notes:
                    origin = note.origin.split()[0]
                    entry = labels.get(note.key)
                    label = entry["label"] if entry else "unlabelled"
                    counts.setdefault(origin, Counter())[label] += 1
                    if entry is None:
                        unlabelled.append(note)
    return Report(counts, unlabelled, warnings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--unlabelled", type=Path, help="write the unlabelled notes here (JSON)")
    args = parser.parse_args()
    if not (SHARED / "corpus").is_dir():
        print(f"corpus not found at {SHARED / 'corpus'}", file=sys.stderr)
        return 1
    report = evaluate()
    print(
        f"{'pass':<12} {'notes':>5} {'useful':>6} {'irrel.':>6} {'harmful':>7} "
        f"{'unlab.':>6} {'precision':>9}"
    )
    for origin, counts in sorted(report.counts.items()) + [("all", report.total())]:
        print(
            f"{origin:<12} {sum(counts.values()):>5} {counts['useful']:>6} "
            f"{counts['irrelevant']:>6} {counts['harmful']:>7} {counts['unlabelled']:>6} "
            f"{Report.precision(counts):>9.2f}"
        )
    print(f"compile warnings: {report.warnings}")
    if args.unlabelled:
        args.unlabelled.write_text(
            json.dumps([asdict(n) | {"key": n.key} for n in report.unlabelled], indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
