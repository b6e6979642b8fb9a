"""The `validate-skill` pass through `skill-opt`: exit codes and bundled-file checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillir.tools.skill_opt import main

BODY = """---
name: demo
description: A demo skill.
---

Run `python scripts/present.py`, then `python scripts/absent.py`.
Read [the guide](references/guide.md) and [the missing one](references/missing.md).
"""


@pytest.fixture
def skill_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    (folder / "scripts").mkdir(parents=True)
    (folder / "references").mkdir()
    (folder / "scripts" / "present.py").write_text("print(1)\n")
    (folder / "references" / "guide.md").write_text("# Guide\n")
    (folder / "SKILL.md").write_text(BODY)
    return folder


def test_missing_link_is_an_error_and_named_path_a_warning(
    skill_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(skill_dir), "-p", "validate-skill"]) == 1
    err = capsys.readouterr().err.splitlines()
    skill_md = skill_dir / "SKILL.md"
    assert f"{skill_md}:6:47: warning: 'scripts/absent.py' is not in the skill folder" in err[0]
    assert err[0].endswith("[resource-unresolved]")
    assert f"{skill_md}:7:43: error: linked file 'references/missing.md' does not exist" in (
        "\n".join(err)
    )
    heads = [line for line in err if ": error: " in line or ": warning: " in line]
    assert len(heads) == 2


def test_files_false_skips_the_check(skill_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(skill_dir), "-p", "validate-skill{files=false}"]) == 0
    assert capsys.readouterr().err == ""


def test_clean_skill_passes_with_no_output_on_stderr(
    skill_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (skill_dir / "SKILL.md").write_text(BODY.split("Run")[0] + "Just prose.\n")
    assert main([str(skill_dir), "-p", "validate-skill"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and 'skill.skill "demo"' in captured.out


def test_verify_diagnostics_prints_to_stdout_and_exits_zero(
    skill_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(skill_dir), "-p", "validate-skill", "--verify-diagnostics"]) == 0
    assert "[resource-missing]" in capsys.readouterr().out


def test_output_file_is_not_written_on_error(skill_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.skir"
    assert main([str(skill_dir), "-p", "validate-skill", "-o", str(out)]) == 1
    assert not out.exists()
    assert main([str(skill_dir), "-o", str(out)]) == 0
    assert out.read_text().startswith("builtin.module")


def test_validating_inside_the_skill_folder_checks_its_real_name(
    skill_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`skill-opt . -p validate-skill` in the folder: `.` names the folder `demo`, not ''."""
    (skill_dir / "references" / "missing.md").write_text("# Here\n")
    (skill_dir / "scripts" / "absent.py").write_text("print(2)\n")
    monkeypatch.chdir(skill_dir)
    assert main([".", "-p", "validate-skill"]) == 0
    assert capsys.readouterr().err == ""
    renamed = skill_dir.parent / "other-name"
    skill_dir.rename(renamed)
    monkeypatch.chdir(renamed)
    assert main([".", "-p", "validate-skill"]) == 1
    assert "Directory name 'other-name' must match skill name 'demo'" in capsys.readouterr().err


def test_a_referenced_path_longer_than_path_max_is_missing_not_a_crash(
    skill_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_link = "references/" + "a/" * 3000 + "x.md"  # over PATH_MAX (4096)
    long_name = "references/" + "b" * 300 + ".md"  # one name over NAME_MAX (255)
    text = BODY.replace("references/missing.md", long_link).replace("scripts/absent.py", long_name)
    (skill_dir / "SKILL.md").write_text(text)
    assert main([str(skill_dir), "-p", "validate-skill"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"linked file '{long_link}' does not exist [resource-missing]" in err
    assert f"'{long_name}' is not in the skill folder" in err
