"""The Python API (`skillir.api`, re-exported by `skillir`) gives what the commands give."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import skillir
from skillir.diagnostics import Diagnostic, Severity

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pdf-report"


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"skillir.tools.{name}", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_readme_example_runs(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Python API\n.*?```python\n(.*?)```", text, re.S)
    assert block is not None, "README has no Python API example"
    monkeypatch.chdir(ROOT)
    exec(compile(block.group(1), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert '"format": "skillir-plan"' in out
    assert "'SKILL.md', 'env-setup.sh', 'plan.json'" in out
    assert "must be lowercase [name-lowercase]" in out


def test_parse_prints_what_skill_opt_prints() -> None:
    skill = skillir.parse(EXAMPLE)
    assert skill.ok and skill.path.endswith("SKILL.md")
    assert skillir.render(skill) == tool("skill_opt", str(EXAMPLE)).stdout
    assert skillir.render(skill, "markdown") == (EXAMPLE / "SKILL.md").read_text("utf-8")


def test_emit_writes_the_folder_skill_translate_writes(tmp_path: Path) -> None:
    compiled = skillir.compile(skillir.parse(EXAMPLE), "codex", compensate=False)
    assert compiled.ok, compiled.report()
    skillir.emit_folder(compiled, tmp_path / "api" / "pdf-report")
    run = tool(
        "skill_translate", str(EXAMPLE), "--target=codex", "--no-compensate",
        "-o", str(tmp_path / "cli" / "pdf-report"),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    api = sorted(p.relative_to(tmp_path / "api") for p in (tmp_path / "api").rglob("*"))
    cli = sorted(p.relative_to(tmp_path / "cli") for p in (tmp_path / "cli").rglob("*"))
    assert api == cli and len(api) > 4
    for rel in api:
        if (tmp_path / "api" / rel).is_file():
            assert (tmp_path / "api" / rel).read_bytes() == (tmp_path / "cli" / rel).read_bytes()


def test_compile_with_a_profile_matches_the_prompt_target() -> None:
    profile = ROOT.parent / "shared" / "profiles" / "skvm" / "bare-agent__qwen--qwen3.5-9b.json"
    if not profile.is_file():
        pytest.skip("../shared/profiles not present")
    compiled = skillir.compile(skillir.parse(EXAMPLE), "bare", profile=profile)
    assert compiled.ok, compiled.report()
    run = tool("skill_translate", str(EXAMPLE), "-t", "prompt", "--profile", str(profile))
    assert run.returncode == 0, run.stderr
    assert skillir.render(compiled, "prompt") == run.stdout


def test_diagnostics_are_objects_not_stderr(capsys) -> None:
    broken = skillir.parse(text="---\nname: x\n", path="bad/SKILL.md")
    assert broken.module is None and not broken.ok
    (error,) = broken.errors
    assert isinstance(error, Diagnostic) and error.severity is Severity.ERROR
    assert (error.pos.path, error.pos.line) == ("bad/SKILL.md", 1)
    assert "[frontmatter-unterminated]" in error.message
    assert broken.report().startswith("bad/SKILL.md:1:1: error: ")
    assert capsys.readouterr() == ("", "")


def test_validate_strict_and_lenient() -> None:
    skill = skillir.parse(text="---\nname: Bad\ndescription: d\n---\n# T\n")
    strict = skillir.validate(skill)
    assert [d.severity for d in strict] == [Severity.ERROR]
    assert "[name-lowercase]" in strict[0].message
    assert [d.severity for d in skillir.validate(skill, strict=False)] == [Severity.WARNING]
    assert skill.diagnostics == []  # the parsed result is not changed


def test_apply_runs_a_pipeline_on_a_copy() -> None:
    skill = skillir.parse(EXAMPLE)
    deps = skillir.apply(skill, "extract-deps")
    assert "env.dep" in skillir.render(deps) and "env.dep" not in skillir.render(skill)
    with pytest.raises(ValueError, match="no-such-pass"):
        skillir.apply(skill, "no-such-pass")


def test_compile_without_a_profile_reports_an_error() -> None:
    compiled = skillir.compile(skillir.parse(EXAMPLE), "claude-code")
    assert compiled.module is None
    assert any("profile" in d.message for d in compiled.errors)
    with pytest.raises(ValueError, match="compiled for a harness"):
        skillir.emit_folder(compiled, "unused")


def test_run_refuses_a_trace_dir_inside_the_work_dir(tmp_path: Path) -> None:
    from skillir.runtime.execute import SkillError

    with pytest.raises(SkillError, match="outside the work directory"):
        skillir.run(None, "hi", workdir=tmp_path, trace_dir=tmp_path / "trace")
    assert list(tmp_path.iterdir()) == []


def test_import_is_light() -> None:
    code = (
        "import sys, skillir\n"
        "light = not any(m.startswith(('xdsl', 'lark', 'yaml')) for m in sys.modules)\n"
        "skillir.compile\n"
        "print(light, any(m.split('.')[0] in ('litellm', 'llama_cpp') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
