"""Mining solidified programs from real traces: runs recorded through the runtime's sandbox and
trace writer (`skillir.runtime.jit.record`), read back, aligned, parameterised and validated."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from skillir.runtime.jit.align import align, read_run, usable
from skillir.runtime.jit.argv import structure
from skillir.runtime.jit.mine import Unsolidifiable, build
from skillir.runtime.jit.parameters import Task, learn, type_of
from skillir.runtime.jit.program import problem
from skillir.runtime.jit.record import record_run
from skillir.runtime.jit.validate import mine_dirs

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")

MODEL = "local/smollm2-135m"
SKILL = """---
name: {name}
description: {description}
---

# {name}

## Steps

1. Run `{command}`.
"""

# (prompt, input file, its content, output file, word)
GREP = [
    ('Count the lines of server.log that contain "ERROR" and write it to errors.txt.',
     "server.log", "ERROR a\nok\nERROR b\n", "errors.txt", "ERROR"),
    ('Count the lines of app.log that contain "WARN" and write it to warn.txt.',
     "app.log", "WARN x\nWARN y\nWARN z\nok\n", "warn.txt", "WARN"),
    ('How many lines of db.log contain "timeout"? Write the number to t.txt.',
     "db.log", "timeout\nfine\n", "t.txt", "timeout"),
    ('Write to hits.txt how many lines of mail.log contain "denied".',
     "mail.log", "denied 1\ndenied 2\nok\n", "hits.txt", "denied"),
]  # fmt: skip


def make_skill(root: Path, name: str, command: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    text = SKILL.format(name=name, description=f"Run {command}.", command=command)
    (folder / "SKILL.md").write_text(text)
    return folder


def record(
    skill: Path, root: Path, prompt: str, files: dict[str, str], commands: list[str]
) -> Path:
    """A run of `commands` on `prompt`, recorded; its trace directory (graded as passed)."""
    work, trace = root / "work", root / "trace"
    work.mkdir(parents=True)
    for name, content in files.items():
        (work / name).write_text(content)
    calls = [("execute_command", {"command": c}) for c in commands]
    summary = record_run(skill, prompt, work, trace, calls, MODEL)
    assert summary["status"] == "ok", summary
    (trace / "grade.json").write_text(json.dumps({"passed": True}))
    return trace


def grep_runs(tmp: Path, rows: list[tuple] = GREP) -> tuple[Path, list[Path]]:
    skill = make_skill(tmp / "skills", "grep-count", "grep -c WORD INPUT > OUTPUT")
    traces = [
        record(skill, tmp / f"run{n}", prompt, {inp: text}, [f"grep -c {word} {inp} > {out}"])
        for n, (prompt, inp, text, out, word) in enumerate(rows)
    ]
    return skill, traces


def test_structure_keeps_pipes_and_redirections_and_refuses_what_bash_would_expand() -> None:
    items = structure("grep -c 'A B' x.log 2>&1 | sort -r > out.txt && cat out.txt")
    assert items is not None
    first = items[0]["pipeline"]
    assert first[0]["argv"] == ["grep", "-c", "A B", "x.log"]
    assert first[0]["redirects"] == [{"fd": 2, "op": ">&", "dup": 1}]
    assert first[1]["redirects"] == [{"fd": 1, "op": ">", "target": "out.txt"}]
    assert items[1]["op"] == "&&"
    for text in (
        "echo $(id)",
        "echo `id`",
        "ls *.txt",
        "echo $HOME",
        "A=1 ls",
        "cat <<EOF\nx\nEOF",
    ):
        assert structure(text) is None, text


def test_types_and_extractors_are_learnt_from_the_task() -> None:
    assert type_of(["3", "12"]) == "integer"
    assert type_of(["a.txt", "d/b.csv"]) == "path"
    assert type_of(["ERROR", "disk_full"]) == "identifier"
    assert type_of(["a b", "c"]) == "text"
    tasks = [
        Task('Count "ERROR" in a.log into o.txt.', ("a.log",)),
        Task('Into p.txt, count "WARN" of b.log.', ("b.log",)),
    ]
    assert learn(tasks, ["a.log", "b.log"]) == {
        "from": "prompt", "class": "file-existing", "index": 0, "unique": True
    }  # fmt: skip
    assert learn(tasks, ["o.txt", "p.txt"])["class"] == "file-new"
    assert learn(tasks, ["ERROR", "WARN"])["class"] == "quoted"
    assert learn(tasks, ["x", "y"]) is None


def test_mining_real_traces_gives_a_promoted_program(tmp_path: Path) -> None:
    skill, traces = grep_runs(tmp_path)
    runs = [read_run(t) for t in traces]
    assert all(usable(r) is None for r in runs)
    assert len({r.key for r in runs}) == 1  # same digest, model, harness
    [cluster] = align(runs)
    program = build(cluster)
    assert problem(program) is None
    kinds = {p["name"]: (p["type"], p["extractor"].get("class")) for p in program["parameters"]}
    assert sorted(kinds.values()) == [
        ("identifier", "quoted"), ("path", "file-existing"), ("path", "file-new")
    ]  # fmt: skip
    command = program["steps"][0]["items"][0]["pipeline"][0]
    assert command["argv"][:2] == [["grep"], ["-c"]]  # constants stay
    assert command["redirects"][0]["op"] == ">"
    post = program["postcondition"]
    assert post["exit_codes"] == [0] and post["files"][0]["kind"] == "integer"
    candidates, skipped = mine_dirs(traces)
    assert [c["status"] for c in candidates] == ["promoted"], candidates
    assert all(f["ok"] for f in candidates[0]["evidence"]["validation"])
    assert not skipped


def test_runs_of_another_skill_version_are_not_mined_together(tmp_path: Path) -> None:
    skill, traces = grep_runs(tmp_path)
    (skill / "SKILL.md").write_text((skill / "SKILL.md").read_text() + "\nChanged.\n")
    prompt, inp, text, out, word = GREP[0]
    late = record(skill, tmp_path / "late", prompt, {inp: text}, [f"grep -c {word} {inp} > {out}"])
    assert read_run(late).key[0] != read_run(traces[0]).key[0]
    candidates, skipped = mine_dirs([*traces, late])
    assert len(candidates) == 1 and len(candidates[0]["evidence"]["runs"]) == 4
    assert [s["reason"] for s in skipped] == ["1 aligned run(s), 3 needed"]


def test_a_value_the_task_does_not_give_is_not_solidified(tmp_path: Path) -> None:
    skill = make_skill(tmp_path / "skills", "stamp", "echo WORD > stamp.txt")
    traces = [
        record(skill, tmp_path / f"r{n}", "Write a stamp.", {}, [f"echo {word} > stamp.txt"])
        for n, word in enumerate(["red", "green", "blue"])
    ]
    with pytest.raises(Unsolidifiable, match="word 2 varies"):
        build(align([read_run(t) for t in traces])[0])
    candidates, skipped = mine_dirs(traces)
    assert candidates == [] and "nothing in the task gives it" in skipped[0]["reason"]


def test_failed_and_ungraded_runs_are_skipped_with_their_reason(tmp_path: Path) -> None:
    _, traces = grep_runs(tmp_path)
    (traces[0] / "grade.json").write_text(json.dumps({"passed": False}))
    summary = json.loads((traces[1] / "summary.json").read_text())
    (traces[1] / "summary.json").write_text(json.dumps(summary | {"status": "max-steps"}))
    candidates, skipped = mine_dirs(traces)
    reasons = sorted(s["reason"] for s in skipped)
    assert reasons[:2] == ["2 aligned run(s), 3 needed", "2 aligned run(s), 3 needed"]
    assert "ended max-steps" in reasons and "failed its grader" in reasons
    assert candidates == []


def test_file_contents_become_templates_with_parameters_from_the_prompt(tmp_path: Path) -> None:
    skill = make_skill(tmp_path / "s", "greet", "write a greeting")
    names = [("Ann", "ann.txt"), ("Bob", "bob.md"), ("Cy", "cy.txt")]
    traces = []
    for n, (name, out) in enumerate(names):
        work, trace = tmp_path / f"r{n}" / "work", tmp_path / f"r{n}" / "trace"
        work.mkdir(parents=True)
        calls = [("write_file", {"path": out, "content": f"Hello, {name}!\nBye.\n"})]
        record_run(skill, f'Greet "{name}" in {out}.', work, trace, calls, MODEL)
        traces.append(trace)
    [program], _ = mine_dirs(traces)
    assert program["status"] == "promoted", program["evidence"]
    [step] = program["steps"]
    assert step["path"] == [{"param": "p1"}]
    assert step["content"] == ["Hello, ", {"param": "p2"}, "!\nBye.\n"]
    assert program["postcondition"]["files"] == [{"path": [{"param": "p1"}], "kind": "text"}]


def test_a_value_from_an_earlier_command_output_is_traced_to_it(tmp_path: Path) -> None:
    skill = make_skill(tmp_path / "s", "follow", "cat ptr.txt, then count that file")
    traces = []
    for n, (target, extra) in enumerate([("alpha.csv", 0), ("beta.csv", 2), ("gamma.csv", 1)]):
        files = {"ptr.txt": f"{target}\n", target: "a\nb\nc\n"[: 2 * (n + 1)]}
        files |= {f"other{k}.txt": "x" for k in range(extra)}
        prompt = "Count the lines of the file named in ptr.txt into n.txt."
        commands = ["cat ptr.txt", f"wc -l < {target} > n.txt"]
        traces.append(record(skill, tmp_path / f"r{n}", prompt, files, commands))
    [program], _ = mine_dirs(traces)
    assert program["status"] == "promoted", program["evidence"]
    [param] = program["parameters"]
    assert param["extractor"] == {"from": "result", "step": 0, "line": 0}
    assert program["postcondition"]["stdout"] == ["line", "empty"]
