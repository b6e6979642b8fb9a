"""Hostile inputs (issue 14): processing time linear in the input, diagnostics capped.

Each shape of `bench/hostile_inputs.py` once took time quadratic in its size (42 s for 50,000
blank lines in indented code). Doubling one must at most about double its CPU time: both sizes
are measured side by side, best of three, and the ratio has a wide margin (quadratic is 4).
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skillir.diagnostics import MAX_PER_FILE, DiagnosticSink, Severity
from skillir.frontend import block_lexer, inline

BENCH = Path(__file__).resolve().parents[1] / "bench" / "hostile_inputs.py"
_spec = importlib.util.spec_from_file_location("hostile_inputs", BENCH)
assert _spec is not None and _spec.loader is not None
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

SHAPES = [name for name in hostile.SHAPES if name != "plain prose"]
# the slowest shapes start smaller; all end well past where quadratic time shows
SIZE = {"frontmatter keys": 10_000, "links to missing files": 15_000, "paths in one line": 15_000}


@pytest.mark.parametrize("shape", SHAPES)
def test_doubling_a_hostile_input_at_most_about_doubles_its_time(
    shape: str, tmp_path: Path
) -> None:
    build = hostile.SHAPES[shape]
    size = SIZE.get(shape, 25_000)
    small, large = build(size), build(2 * size)
    folder = tmp_path / "hostile"
    folder.mkdir()
    times: dict[str, list[float]] = {"small": [], "large": []}
    for _ in range(3):
        times["small"].append(hostile.cpu_time(small, folder))
        times["large"].append(hostile.cpu_time(large, folder))
    ratio = min(times["large"]) / min(times["small"])
    assert ratio < 3.5, f"{shape}: {min(times['small']):.3f} s, then {min(times['large']):.3f} s"


@pytest.mark.parametrize("shape", list(hostile.COMPILE_SHAPES))
def test_doubling_a_hostile_input_at_most_about_doubles_its_compile_time(
    shape: str, tmp_path: Path
) -> None:
    build = hostile.COMPILE_SHAPES[shape]
    small, large = build(10_000), build(20_000)
    folder = tmp_path / "hostile"
    folder.mkdir()
    times: dict[str, list[float]] = {"small": [], "large": []}
    for _ in range(3):
        times["small"].append(hostile.compile_cpu_time(small, folder))
        times["large"].append(hostile.compile_cpu_time(large, folder))
    ratio = min(times["large"]) / min(times["small"])
    assert ratio < 3.5, f"{shape}: {min(times['small']):.3f} s, then {min(times['large']):.3f} s"


def _cpu(pattern: re.Pattern[str], text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        pattern.match(text)
        sum(1 for _ in pattern.finditer(text))
        best = min(best, time.process_time() - start)
    return best


# Lines that made a pattern backtrack quadratically (or would have, had it been written so).
REGEX_CASES = [
    (block_lexer.HTML_RE, "<a{}", " "),
    (block_lexer.TABLE_DELIM_RE, "{}x", " "),
    (block_lexer.TABLE_DELIM_RE, "|-{}x", " "),
    (block_lexer.RULE_RE, "-{}x", " -"),
    (block_lexer.FENCE_RE, "```{}", " `"),
    (inline._patterns()[1], "{}", "[]("),
    (inline._patterns()[1], "{}", "["),
    (inline._patterns()[1], "[a]({}", "(("),
    (inline._patterns()[0], "MUST{}x", " "),
    (inline._patterns()[0], "{}", "``a"),
]


@pytest.mark.parametrize(("pattern", "frame", "unit"), REGEX_CASES)
def test_lexer_patterns_take_linear_time(pattern: re.Pattern[str], frame: str, unit: str) -> None:
    small = frame.format(unit * 200_000)
    large = frame.format(unit * 400_000)
    # below a millisecond the clock measures the machine, not the pattern
    ratio = _cpu(pattern, large) / max(_cpu(pattern, small), 1e-3)
    assert ratio < 3.5


def test_diagnostics_are_deduplicated_and_capped() -> None:
    sink = DiagnosticSink("SKILL.md", ["x\n"])
    for index in range(MAX_PER_FILE + 250):
        sink.warning(1, 1, f"warning {index}")
        sink.warning(1, 1, f"warning {index}")  # the same one again: kept once
    assert len(sink.diagnostics) == MAX_PER_FILE
    assert not sink.has_errors
    sink.error(1, 1, "an error past the cap")
    assert sink.has_errors  # counted though not kept
    out = io.StringIO()
    sink.flush(out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == "SKILL.md: note: 251 more diagnostics not shown"
    assert sum(line.startswith("SKILL.md:1:1: warning:") for line in lines) == MAX_PER_FILE
    assert sink.diagnostics == [] and sink.dropped == 0


def test_thousands_of_missing_links_print_a_bounded_report(tmp_path: Path) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "SKILL.md").write_text(hostile.SHAPES["links to missing files"](66_000))
    result = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_opt", str(folder), "-p", "validate-skill"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 1
    heads = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(heads) == MAX_PER_FILE
    assert "[resource-missing]" in heads[0]
    assert re.fullmatch(
        r".*SKILL\.md: note: \d+ more diagnostics not shown", result.stderr.splitlines()[-1]
    )
    assert Severity.ERROR.value in heads[-1]
