"""Issue 7: the harness table, tool-name rewriting, and `skill-translate --target=HARNESS`
writing a complete, loadable, valid folder; `--no-compensate` keeps the text; the L3 target
changes only what passes add or remove; profiles are borrowed only when asked."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import resource
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.passes.lower_to_target import bundled_files, rewrite_tool_names
from skillir.targets.harnesses import ROLES, harness, harnesses
from skillir.targets.manifest import MANIFEST, generated_file
from skillir.tools.skill_opt import main as opt
from skillir.tools.skill_translate import HARNESS_TARGETS
from skillir.tools.skill_translate import main as translate

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "pdf-report"
PLAN_SCHEMA = json.loads(resources.files("skillir.data").joinpath("plan.schema.json").read_text())

SKILL = """---
name: csv-brief
description: Summarise two CSV files into a brief. Use when asked to compare sales files.
---

# CSV brief

Use the `Bash` tool for commands and the Read tool for files.

## Steps

1. Read `data/a.csv`.
2. Read `data/b.csv`.
3. Compare the two and write `brief.md`.

```python
import pandas as pd
import os
token = os.environ["BRIEF_TOKEN"]
```
"""


def profile(tmp_path: Path, level: int) -> Path:
    path = tmp_path / f"all-L{level}.json"
    path.write_text(
        json.dumps(
            {
                "harness": "bare-agent",
                "model": "test/all-l{level}",
                "capabilities": {p: f"L{level}" for p in PRIMITIVE_IDS},
            }
        )
    )
    return path


@pytest.fixture
def skill_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "src" / "csv-brief"
    (folder / "scripts").mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL)
    (folder / "scripts" / "tool.py").write_bytes(b"import sys\r\nprint(sys.argv)\x00\xff\n")
    return folder


# --- the harness table ----------------------------------------------------------------------


def test_every_harness_has_its_facts_and_sources():
    assert set(harnesses()) == set(HARNESS_TARGETS)
    for h in harnesses().values():
        assert h.injection in ("folder", "system-prompt", "instructions-file")
        assert "shell" in h.tools and set(h.tools) <= set(ROLES)
        for fact in ("injection", "parallel_tool_calls", "subagents", "tools"):
            assert any(key.startswith(fact) for key in h.sources), (h.id, fact)
        if h.injection == "folder":
            assert h.folder("x") and "x" in h.folder("x")
    assert harness("claude-code").folder("pdf") == ".claude/skills/pdf"
    assert harness("bare-agent").id == "bare"
    with pytest.raises(LookupError, match="known: bare"):
        harness("vim")


@pytest.mark.parametrize(
    ("target", "text", "expected"),
    [
        ("bare", "Use the `Bash` tool.", "Use the `execute_command` tool."),
        ("claude-code", "Call `execute_command` here.", "Call `Bash` here."),
        ("claude-code", "Spawn it with the Task tool.", "Spawn it with the Agent tool."),
        ("codex", "Open it with the Read tool.", "Open it with the exec_command tool."),
        ("hermes", "Fetch it with `WebFetch`.", "Fetch it with `web_extract`."),
        ("bare", "Delegate with the Agent tool.", "Delegate with the Agent tool."),
        ("bare", "Read the file and run bash.", "Read the file and run bash."),
        ("codex", "Write tools that are small.", "Write tools that are small."),
        ("claude-code", "Use a task tool.", "Use a task tool."),
        ("bare", "Use the Write tool.", "Use the write_file tool."),
        ("bare", "Run `Bash(git:*)` only.", "Run `Bash(git:*)` only."),
    ],
)
def test_rewrite_tool_names(target: str, text: str, expected: str):
    assert rewrite_tool_names(text, harness(target)) == expected


# --- the emitted folder ---------------------------------------------------------------------


@pytest.mark.parametrize("name", HARNESS_TARGETS)
def test_folder_for_each_harness(
    name: str, skill_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out" / "csv-brief"
    args = [str(skill_dir), f"--target={name}", "--profile", str(profile(tmp_path, 1))]
    assert translate([*args, "-o", str(out)]) == 0
    capsys.readouterr()
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        "SKILL.md",
        "env-setup.sh",
        "plan.json",
        "scripts/tool.py",
        "skillir-manifest.json",
    ]
    assert (out / "scripts" / "tool.py").read_bytes() == (
        skill_dir / "scripts" / "tool.py"
    ).read_bytes()
    assert os.access(out / "env-setup.sh", os.X_OK)
    jsonschema.validate(json.loads((out / "plan.json").read_text()), PLAN_SCHEMA)
    compiled = (out / "SKILL.md").read_text()
    assert "bash env-setup.sh" in compiled and "`BRIEF_TOKEN`" in compiled
    # the compiled skill validates and re-parses as this harness loads it
    assert opt([str(out), "-p", f"validate-skill{{harness={name}}}"]) == 0
    assert "error" not in capsys.readouterr().err
    shell = harness(name).tools["shell"]
    assert f"`{shell}` tool" in compiled
    if harness(name).parallel_tool_calls:
        assert "Steps 1 and 2 are independent" in compiled


@pytest.mark.parametrize("name", HARNESS_TARGETS)
def test_no_compensate_keeps_the_original_text(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    args = [str(EXAMPLE), f"--target={name}", "--profile", str(profile(tmp_path, 0))]
    assert translate([*args, "--no-compensate"]) == 0
    assert capsys.readouterr().out == (EXAMPLE / "SKILL.md").read_text()


def test_l3_target_changes_only_what_passes_add_or_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    args = [str(EXAMPLE), "--target=claude-code", "--profile", str(profile(tmp_path, 3))]
    assert translate(args) == 0
    compiled = capsys.readouterr().out.splitlines()
    original = (EXAMPLE / "SKILL.md").read_text().splitlines()
    added = [line[1:] for line in difflib.ndiff(original, compiled) if line.startswith("+ ")]
    # every added line is a lowering note (or the blank line after it)
    assert all(not a.strip() or a.lstrip().startswith("> **Note:**") for a in added), added
    assert translate([*args, "--no-compensate"]) == 0
    assert capsys.readouterr().out.splitlines() == original


def test_folder_is_replaced_atomically(
    skill_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    args = [str(skill_dir), "--target=opencode", "--profile", str(profile(tmp_path, 2))]
    assert translate([*args, "-o", str(out)]) == 0
    (out / "SKILL.md").write_text("an earlier compile")
    assert translate([*args, "-o", str(out)]) == 0  # files an earlier compile wrote: replaced
    assert (out / "SKILL.md").read_text() != "an earlier compile"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["all-L2.json", "out", "src"])
    # a folder that is not a skill folder is never replaced
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.c").write_text("int main;")
    assert translate([*args, "-o", str(project)]) == 1
    assert "holds files no earlier compile wrote (main.c)" in capsys.readouterr().err
    assert sorted(p.name for p in project.iterdir()) == ["main.c"]
    # a parent that is a file: a clear error, not a traceback
    (tmp_path / "afile").write_text("")
    assert translate([*args, "-o", str(tmp_path / "afile" / "out")]) == 1
    assert "cannot write the skill folder" in capsys.readouterr().err


def test_manifest_lists_the_generated_files(
    skill_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    args = [str(skill_dir), "--target=bare", "--profile", str(profile(tmp_path, 2))]
    assert translate([*args, "-o", str(out)]) == 0
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["generated"]) == ["env-setup.sh", "plan.json"]
    for rel in ("env-setup.sh", "plan.json"):
        assert generated_file(out, rel) == (out / rel).read_bytes()
        assert manifest["generated"][rel] == hashlib.sha256((out / rel).read_bytes()).hexdigest()
    assert generated_file(out, "scripts/tool.py") is None  # bundled, not generated
    # a skill shipping its own manifest and setup script: both are the compiler's in the output
    (skill_dir / "env-setup.sh").write_text("#!/bin/sh\ntouch pwned\n")
    (skill_dir / MANIFEST).write_text(json.dumps({"format": "skillir-compiled", "generated": {}}))
    again = tmp_path / "again"
    assert translate([*args, "-o", str(again)]) == 0
    assert b"Generated by skillir" in (generated_file(again, "env-setup.sh") or b"")
    assert "pwned" not in (again / "env-setup.sh").read_text()


@pytest.mark.parametrize("kind", ["link-loop", "fifo", "file", "project", "dangling-link"])
def test_output_that_is_not_a_skill_folder_is_refused(
    kind: str, skill_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    if kind == "link-loop":
        out.symlink_to(tmp_path / "loop2")
        (tmp_path / "loop2").symlink_to(out)
    elif kind == "fifo":
        os.mkfifo(out)
    elif kind == "file":
        out.write_text("keep me")
    elif kind == "dangling-link":
        out.symlink_to(tmp_path / "nowhere")
    else:
        out.mkdir()
        (out / "main.c").write_text("int main;")
        (out / "SKILL.md").mkdir()  # a folder named SKILL.md does not make a skill folder
    args = [str(skill_dir), "--target=bare", "--profile", str(profile(tmp_path, 2))]
    assert translate([*args, "-o", str(out)]) == 1
    assert "is not a skill folder; refusing to replace it" in capsys.readouterr().err
    assert os.path.lexists(out) and not (tmp_path / "nowhere").exists()


def test_hostile_skill_folder_compiles_without_hanging(
    skill_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    secret = tmp_path / "secret.txt"
    secret.write_text("sk-live-secret\n")
    scripts = skill_dir / "scripts"
    os.mkfifo(scripts / "pipe.py")
    (scripts / "loop-a").symlink_to(scripts / "loop-b")
    (scripts / "loop-b").symlink_to(scripts / "loop-a")
    (scripts / "self").symlink_to(scripts)
    (scripts / "key.txt").symlink_to(secret)
    (scripts / "inside.py").symlink_to(scripts / "tool.py")
    out = tmp_path / "out"
    args = [str(skill_dir), "--target=bare", "--profile", str(profile(tmp_path, 2))]
    assert translate([*args, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "not bundled: 'scripts/key.txt'" in err
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert "scripts/inside.py" in files and "scripts/key.txt" not in files
    assert not any(p.is_symlink() for p in out.rglob("*"))
    assert (out / "scripts" / "inside.py").read_bytes() == (scripts / "tool.py").read_bytes()
    assert "pipe.py" not in files and "scripts/self" not in files


def test_sparse_bundled_file_over_the_budget_is_an_error(
    skill_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    with open(skill_dir / "scripts" / "huge.bin", "wb") as huge:
        huge.truncate(1 << 30)  # 1 GB, sparse: nothing to read but holes
    out = tmp_path / "out"
    args = [str(skill_dir), "--target=bare", "--profile", str(profile(tmp_path, 2))]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert translate([*args, "-o", str(out)]) == 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 200_000  # KiB
    err = capsys.readouterr().err
    assert "over the 50000000 bytes a compiled skill folder may hold" in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        "all-L2.json",
        "src",
    ]
    # under the budget the copy is streamed: the same file, 20 MB, is copied whole
    with open(skill_dir / "scripts" / "huge.bin", "r+b") as huge:
        huge.truncate(20_000_000)
    assert translate([*args, "-o", str(out)]) == 0
    assert (out / "scripts" / "huge.bin").stat().st_size == 20_000_000


def test_bundled_files_keep_their_modes(
    skill_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    (skill_dir / "scripts" / "tool.py").chmod(0o700)
    (skill_dir / "scripts" / "private.sh").write_text("echo hi\n")
    (skill_dir / "scripts" / "private.sh").chmod(0o600)
    out = tmp_path / "out"
    args = [str(skill_dir), "--target=bare", "--profile", str(profile(tmp_path, 2))]
    assert translate([*args, "-o", str(out)]) == 0
    assert (out / "scripts" / "tool.py").stat().st_mode & 0o777 == 0o700
    assert (out / "scripts" / "private.sh").stat().st_mode & 0o777 == 0o600
    assert (out / "plan.json").stat().st_mode & 0o777 == 0o644
    assert "SKILL.md:" in (out / "env-setup.sh").read_text()  # paths of the folder itself
    assert json.loads((out / "plan.json").read_text())["skills"][0]["source"] == "SKILL.md"


def test_bundled_files_are_what_rglob_finds(tmp_path: Path):
    folder = tmp_path / "skill"
    for rel in ("SKILL.md", "a-b", "a/b", "a/SKILL.md", ".hidden", "venv", "x/node_modules/y"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text("")
    (tmp_path / "outside.txt").write_text("")
    (folder / "inside").symlink_to(folder / "a" / "b")
    (folder / "outside").symlink_to(tmp_path / "outside.txt")
    (folder / "dir-link").symlink_to(folder / "a")
    (folder / "broken").symlink_to(tmp_path / "missing")
    expected = [
        path.relative_to(folder).as_posix()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.resolve().is_relative_to(folder.resolve())
        and not {".git", "__pycache__", "node_modules", ".venv", "venv"} & set(path.parts)
        and path.relative_to(folder).as_posix() != "SKILL.md"
    ]
    assert (
        list(bundled_files(folder)) == expected == [".hidden", "a/SKILL.md", "a/b", "a-b", "inside"]
    )


def test_lowering_twice_adds_each_note_once(skill_dir: Path, capsys: pytest.CaptureFixture[str]):
    once = "build-dataflow,extract-parallelism,extract-deps,lower-env-to-target,lower-par-to-target"
    assert opt([str(skill_dir), "-p", once + ",lower-env-to-target,lower-par-to-target"]) == 0
    ir = capsys.readouterr().out
    assert ir.count("env-setup.sh` in this skill") == 1 and ir.count("are independent") == 1


def test_error_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "SKILL.md").write_text("---\nname: [unclosed\n---\n# x\n")
    out = tmp_path / "out"
    assert (
        translate(
            [str(bad), "--target=bare", "--profile", str(profile(tmp_path, 1)), "-o", str(out)]
        )
        == 1
    )
    assert "error: invalid YAML" in capsys.readouterr().err
    assert not out.exists()


def test_prompt_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    base = [str(EXAMPLE), "-t", "prompt", "--profile", str(profile(tmp_path, 1))]
    assert translate(base) == 0
    bare = capsys.readouterr().out
    assert bare.startswith("<available_skills>\n  <skill>\n    <name>pdf-report</name>")
    assert '<skill name="pdf-report">\n---\nname: pdf-report' in bare
    assert translate([*base, "--harness=claude-code"]) == 0
    listed = capsys.readouterr().out
    assert "<location>.claude/skills/pdf-report/SKILL.md</location>" in listed
    assert '<skill name="pdf-report">' not in listed  # Claude Code loads the folder itself


def test_stats_prints_token_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    args = [str(EXAMPLE), "--target=codex", "--profile", str(profile(tmp_path, 0)), "--stats"]
    assert translate(args) == 0
    err = capsys.readouterr().err
    assert "tokens (o200k_base) codex: original " in err


@pytest.mark.skipif(not (REPO.parent / "shared" / "profiles").is_dir(), reason="no shared")
def test_borrowing_a_profile_only_when_asked(capsys: pytest.CaptureFixture[str], monkeypatch):
    monkeypatch.setenv("SKILLIR_PROFILES", str(REPO.parent / "shared" / "profiles" / "skvm"))
    args = [str(EXAMPLE), "--target=claude-code", "--model=openai/gpt-5.4"]
    assert translate(args) == 2  # a usage error naming the flag (issue 15)
    assert "--borrow-profile uses the one measured on bare-agent" in capsys.readouterr().err
    assert translate([*args, "--borrow-profile"]) == 0
    err = capsys.readouterr().err
    assert "borrowing the one measured on 'bare-agent'" in err


PROFILES = {
    "weak": "bare-agent__qwen--qwen3.5-9b.json",
    "medium": "bare-agent__qwen--qwen3.5-35b-a3b.json",
    "strong": "bare-agent__openai--gpt-5.4.json",
}


@pytest.mark.slow
def test_every_corpus_skill_compiles_for_every_harness_and_profile():
    """Zero errors for every corpus skill that parses (one has invalid YAML: a clear error);
    a compiled SKILL.md re-parses and, when its input was valid for the harness, validates."""
    from xdsl.context import Context

    from skillir.diagnostics import ACTIVE, DiagnosticError, DiagnosticSink, Severity
    from skillir.frontend.parser import parse_skill
    from skillir.passes.compile import passes_for
    from skillir.passes.validate_skill import ValidateSkill
    from skillir.targets.emit import folder_files

    shared = REPO.parent / "shared"
    if not (shared / "corpus").is_dir():
        pytest.skip("shared corpus absent")
    unparsable, compiled = [], 0

    def errors(sink: DiagnosticSink) -> list[str]:
        return [d.message for d in sink.diagnostics if d.severity is Severity.ERROR]

    for path in sorted((shared / "corpus").rglob("SKILL.md")):
        data = path.read_bytes()
        for name in HARNESS_TARGETS:
            # was the input valid for this harness?
            sink = DiagnosticSink(str(path))
            token = ACTIVE.set(sink)
            try:
                try:
                    module = parse_skill(data, str(path), sink)
                except DiagnosticError as err:
                    sink.diagnostics.append(err.diagnostic)
                if errors(sink):  # the frontend refused it, with a positioned error
                    unparsable.append((path, errors(sink)[0]))
                    break
                ValidateSkill(harness=name).apply(Context(), module)
                valid = not errors(sink)
            finally:
                ACTIVE.reset(token)
            for level, file in PROFILES.items():
                sink = DiagnosticSink(str(path))
                token = ACTIVE.set(sink)
                try:
                    module = parse_skill(data, str(path), sink)
                    for step in passes_for(name, str(shared / "profiles" / "skvm" / file)):
                        step.apply(Context(), module)
                    assert errors(sink) == [], (path, name, level)
                    text = folder_files(module)["SKILL.md"].data
                finally:
                    ACTIVE.reset(token)
                out = DiagnosticSink(str(path))
                token = ACTIVE.set(out)
                try:
                    again = parse_skill(text, str(path), out)
                    if valid:
                        ValidateSkill(harness=name, files=False).apply(Context(), again)
                        assert errors(out) == [], (path, name, level, errors(out))
                finally:
                    ACTIVE.reset(token)
                compiled += 1
    assert len(unparsable) == 1 and "invalid YAML" in unparsable[0][1]
    assert compiled >= 78 * 6 * 3


def test_dlp_concurrent_command_does_what_the_serial_one_does(tmp_path: Path):
    """The concurrent map generated for a one-command DLP step, run for real with bash, gives
    the same files as the command in the skill."""
    import subprocess

    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend.parser import parse_skill
    from skillir.passes.lower_to_target import concurrent_command

    text = (
        "---\nname: z\ndescription: Zip logs. Use when asked.\n---\n\n# Z\n\n"
        "1. Compress every log in `logs/`:\n\n   ```bash\n   gzip -k logs/*.log\n   ```\n"
    )
    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    step = next(op for op in module.walk() if op.name == "skill.step")
    command = concurrent_command(step)
    assert command == "printf '%s\\0' logs/*.log | xargs -0 -n 1 -P 4 gzip -k"
    results = []
    for script in ("gzip -k logs/*.log", command):
        work = tmp_path / str(len(results))
        (work / "logs").mkdir(parents=True)
        for n in range(6):
            (work / "logs" / f"{n}.log").write_text(f"line {n}\n" * 100)
        subprocess.run(["bash", "-c", script], cwd=work, check=True)
        results.append(sorted(p.name for p in (work / "logs").iterdir()))
    assert results[0] == results[1] and len(results[0]) == 12


def test_no_concurrent_command_when_unsure():
    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend.parser import parse_skill
    from skillir.passes.lower_to_target import concurrent_command

    for code in ("cat logs/*.log > all.txt", "gzip logs/*.log\nrm logs/*.gz", "tar cf x.tar *"):
        body = "\n".join("   " + line for line in code.splitlines())
        text = f"# Z\n\n1. Do it:\n\n   ```bash\n{body}\n   ```\n"
        module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
        step = next(op for op in module.walk() if op.name == "skill.step")
        assert concurrent_command(step) is None, code


def test_a_harness_that_cannot_run_regions_at_once_keeps_them_serial(tmp_path: Path):
    """No note for any region when the harness has neither parallel calls nor sub-agents."""
    from dataclasses import replace

    from xdsl.context import Context

    from skillir.diagnostics import DiagnosticSink
    from skillir.dialects import par
    from skillir.frontend.parser import parse_skill
    from skillir.passes.build_dataflow import BuildDataflow
    from skillir.passes.extract_parallelism import ExtractParallelism
    from skillir.passes.lower_to_target import _anchors_and_regions, region_note

    text = (
        "# T\n\n## Steps\n\nThese steps are independent.\n\n1. Read `a.csv`.\n2. Read `b.csv`.\n"
        "3. Write the draft to `x/draft.md`.\n4. Convert `x/draft.md` to `x/draft.pdf`.\n"
        "5. Write the notes to `y/notes.md`.\n6. Convert `y/notes.md` to `y/notes.pdf`.\n"
        "7. For each file in `x/`, check the size.\n"
    )
    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    BuildDataflow().apply(Context(), module)
    ExtractParallelism().apply(Context(), module)
    regions = [op for op in module.walk() if isinstance(op, par.RegionOp)]
    assert {type(r) for r in regions} >= {par.IlpOp, par.TlpOp, par.DlpOp}
    serial = replace(harness("bare"), parallel_tool_calls=False, subagents=False)
    assert [region_note(r, serial) for r in regions] == [None] * len(regions)
    steps, _ = _anchors_and_regions(module.ops.first)
    assert all(region_note(r, harness("claude-code"), None, steps) for r in regions)


def test_compile_errors_are_clear(capsys: pytest.CaptureFixture[str], monkeypatch):
    monkeypatch.delenv("SKILLIR_PROFILES", raising=False)
    assert opt([str(EXAMPLE), "-p", 'compile{harness=vim model="a/b"}']) == 2  # usage error
    assert "error: compile: unknown harness 'vim' (known: bare, " in capsys.readouterr().err
    assert translate([str(EXAMPLE), "--target=claude-code"]) == 2  # usage error (issue 15)
    assert "error: --target=claude-code needs --model ID" in capsys.readouterr().err
    assert translate([str(EXAMPLE), "--target=codex", "--profile", "/nonexistent.json"]) == 1
    assert "/nonexistent.json:1:1: error: cannot read profile" in capsys.readouterr().err


# -- -o is safe (issue 15 item 8) -----------------------------------------------------------


def _demo(tmp_path: Path) -> Path:
    skill = tmp_path / "src" / "demo"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text(
        "---\nname: demo\ndescription: Demo. Use when testing.\n---\n\n# Demo\n\nRun `jq . a`.\n"
    )
    (skill / "notes.md").write_text("the user's notes\n")
    return skill


def _compile(skill: Path, *extra: str) -> int:
    return translate([str(skill / "SKILL.md"), "-t", "claude-code", "--no-compensate", *extra])


def test_output_never_overlaps_the_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = _demo(tmp_path)
    before = {p: p.read_bytes() for p in skill.rglob("*")}
    for destination in (skill, skill / "out", skill.parent):
        assert _compile(skill, "-o", str(destination)) == 1
        assert "overlaps the skill folder being compiled" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in skill.rglob("*")} == before


def test_recompile_replaces_only_compiled_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = _demo(tmp_path)
    out = tmp_path / "out" / "demo"
    assert _compile(skill, "-o", str(out)) == 0
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert sorted(listed) == sorted(p.name for p in out.iterdir() if p.name != MANIFEST)
    assert _compile(skill, "-o", str(out)) == 0  # a folder we wrote: replaced
    (out / "mine.txt").write_text("keep me\n")
    assert _compile(skill, "-o", str(out)) == 1
    assert "holds files no earlier compile wrote (mine.txt)" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "keep me\n"
    (out / "SKILL.md").write_text("stale\n")
    assert _compile(skill, "-o", str(out), "--force") == 0
    assert (out / "mine.txt").read_text() == "keep me\n"
    assert (out / "SKILL.md").read_text() != "stale\n"
    user_skill = tmp_path / "theirs"
    user_skill.mkdir()
    (user_skill / "SKILL.md").write_text("---\nname: theirs\n---\n")
    assert _compile(skill, "-o", str(user_skill)) == 1  # someone else's skill folder
    assert (user_skill / "SKILL.md").read_text() == "---\nname: theirs\n---\n"


def test_folder_named_unlike_the_skill_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = _demo(tmp_path)
    assert _compile(skill, "-o", str(tmp_path / "other")) == 0
    assert "'other' is not named after the skill 'demo'" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["claude-code", "codex", "opencode"])
def test_install_writes_to_the_harness_discovery_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    skill = _demo(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    rc = translate(
        [str(skill / "SKILL.md"), "-t", target, "--no-compensate", "--install", "project"]
    )
    assert rc == 0
    expected = project / harness(target).folder("demo")
    assert (expected / "SKILL.md").is_file() and (expected / MANIFEST).is_file()
