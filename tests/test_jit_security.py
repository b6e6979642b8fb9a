"""Hostile parameter values: passed literally as one argv element, never through a shell; paths
confined to the work directory; option-like values refused in positional places."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skillir.runtime.jit.parameters import Unbound, check
from skillir.runtime.jit.pipeline import run_items
from skillir.runtime.jit.run import _positional, execute
from skillir.runtime.jit.validate import mine_dirs
from skillir.runtime.sandbox import Sandbox
from tests.test_jit_mine import make_skill, record

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")


@pytest.fixture(scope="module")
def note_program(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`echo TEXT > FILE` mined from three recorded runs."""
    tmp = tmp_path_factory.mktemp("note")
    skill = make_skill(tmp / "s", "note", "echo TEXT > FILE")
    rows = [("hello world", "a.txt"), ("good morning", "b.txt"), ("see you", "c.txt")]
    traces = [
        record(skill, tmp / f"r{n}", f'Write "{text}" into {out}.', {}, [f'echo "{text}" > {out}'])
        for n, (text, out) in enumerate(rows)
    ]
    [program], _ = mine_dirs(traces)
    assert program["status"] == "promoted"
    assert [p["type"] for p in program["parameters"]] == ["text", "path"]
    return program


def run(program: dict, request: str, work: Path) -> tuple:
    work.mkdir(exist_ok=True)
    (work / "keep.txt").write_text("still here\n")
    sandbox = Sandbox(work)
    try:
        return execute(program, request, sandbox), work
    finally:
        sandbox.close()


@pytest.mark.parametrize("value", ["; rm -rf ~", "$(id)", "`id`", "a && touch pwned", "| cat"])
def test_shell_syntax_in_a_value_is_one_literal_argument(
    note_program: dict, tmp_path: Path, value: str
) -> None:
    outcome, work = run(note_program, f'Write "{value}" into out.txt.', tmp_path / "w")
    assert outcome.reason is None, outcome.reason
    assert (work / "out.txt").read_text() == value + "\n"
    assert (work / "keep.txt").read_text() == "still here\n"
    assert not (work / "pwned").exists()
    [(call, _)] = outcome.calls
    assert call.arguments["argv"][0]["pipeline"][0]["argv"] == ["echo", value]


def test_a_newline_in_a_value_stays_inside_its_argument(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path)
    try:
        items = [
            {
                "op": None,
                "pipeline": [{"argv": ["printf", "[%s]", "a\nrm -rf x; id"], "redirects": []}],
            }
        ]
        result = run_items(sandbox, items, 10)
    finally:
        sandbox.close()
    assert result.output == "[a\nrm -rf x; id]"


def test_an_option_like_value_in_a_positional_place_is_refused(
    note_program: dict, tmp_path: Path
) -> None:
    outcome, work = run(note_program, 'Write "--output=/etc/x" into out.txt.', tmp_path / "w")
    assert (
        outcome.reason
        == "does not match: '--output=/etc/x' looks like an option in a positional place"
    )
    assert not outcome.ran and not (work / "out.txt").exists()
    after_dashes = [["grep"], ["-c"], ["--"], [{"param": "p1"}]]
    assert _positional(after_dashes, 3) is False
    assert _positional([["grep"], [{"param": "p1"}]], 1) is True
    assert _positional([["sort"], ["--output=", {"param": "p1"}]], 1) is False


@pytest.mark.parametrize("request_text", [
    'Write "hi" into ../../x.txt.', 'Write "hi" into /etc/x.txt.', 'Write "hi" into nowhere'
])  # fmt: skip
def test_a_path_outside_the_work_directory_never_binds(
    note_program: dict, tmp_path: Path, request_text: str
) -> None:
    outcome, work = run(note_program, request_text, tmp_path / "w")
    assert outcome.reason is not None and outcome.reason.startswith("does not match")
    assert not outcome.ran
    assert sorted(p.name for p in work.iterdir()) == ["keep.txt"]


def test_a_path_through_a_symbolic_link_is_refused(note_program: dict, tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("host file\n")
    (work / "link.txt").symlink_to(outside)
    outcome, _ = run(note_program, 'Write "x" into link.txt.', work)
    assert outcome.reason == "does not match: 'link.txt' goes through a symbolic link"
    assert outside.read_text() == "host file\n"


@pytest.mark.parametrize(
    ("value", "kind", "positional"),
    [
        ("../../x", "path", False),
        ("/etc/passwd", "path", False),
        ("a/../../b", "path", False),
        ("a\nb", "path", False),
        ("x\x00y", "text", False),
        ("-rf", "text", True),
        ("12; rm", "integer", False),
        ("$(id)", "identifier", False),
    ],
)
def test_check_refuses_each_hostile_value(value: str, kind: str, positional: bool) -> None:
    with pytest.raises(Unbound):
        check(value, kind, positional)
    assert check("data/in.txt", "path", True) == "data/in.txt"
