"""`bind-env` and the `env-setup` / `env-manifest` targets on hand-written `env` IR."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from skillir.tools.skill_opt import main as opt
from skillir.tools.skill_translate import main as translate

IR = """builtin.module {
  skill.skill "demo" path "demo/SKILL.md" {
    env.dep "pip" "pypdf" version ">=4" at 12:1 to 12:1
    env.dep "env" "SKILLIR_TEST_TOKEN" at 20:5 to 20:5
    env.dep "tool" "shell" at 9:1 to 9:1
    env.dep "npm" "left-pad" file "scripts/a.js" at 3:1 to 3:1
  }
}
"""
ONLY_CHECKS = """builtin.module {
  skill.skill "demo" {
    env.dep "env" "SKILLIR_TEST_TOKEN" at 2:1 to 2:1
    env.dep "service" "localhost:1" at 3:1 to 3:1
    env.dep "tool" "shell" at 4:1 to 4:1
  }
}
"""


def _emit(tmp_path: Path, ir: str, *args: str, capsys: pytest.CaptureFixture[str]) -> str:
    source = tmp_path / "in.skir"
    source.write_text(ir)
    assert translate([str(source), *args]) == 0
    return capsys.readouterr().out


def test_bind_env_per_platform(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.skir"
    source.write_text(IR)
    assert opt([str(source), "-p", "bind-env{platform=debian}"]) == 0
    debian = capsys.readouterr().out
    assert "env.install \"python3 -m pip install -- 'pypdf>=4'\"" in debian
    assert 'env.check "[ -n \\"${SKILLIR_TEST_TOKEN:-}\\" ]"' in debian
    assert opt([str(source), "-p", "bind-env{platform=macos}"]) == 0
    assert "npm ls --depth=0 -- left-pad" in capsys.readouterr().out
    assert opt([str(source), "-p", "bind-env{platform=windows}"]) == 2  # a usage error


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_script_passes_shellcheck(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "env-setup.sh"
    script.write_text(_emit(tmp_path, IR, "-t", "env-setup", capsys=capsys))
    result = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_script_reports_missing_and_never_invents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "env-setup.sh"
    script.write_text(_emit(tmp_path, ONLY_CHECKS, "-t", "env-setup", capsys=capsys))
    environment = {k: v for k, v in os.environ.items() if k != "SKILLIR_TEST_TOKEN"}
    run = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=environment)
    assert run.returncode == 1
    assert "missing:   env SKILLIR_TEST_TOKEN" in run.stdout
    assert "env SKILLIR_TEST_TOKEN" in run.stderr and "service localhost:1" in run.stderr
    assert "provided by the harness: tool shell" in run.stdout
    again = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=environment)
    assert again.stdout == run.stdout  # idempotent: nothing changed by the first run


def test_script_succeeds_when_everything_is_present(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ir = ONLY_CHECKS.replace('    env.dep "service" "localhost:1" at 3:1 to 3:1\n', "")
    script = tmp_path / "env-setup.sh"
    script.write_text(_emit(tmp_path, ir, "-t", "env-setup", capsys=capsys))
    environment = {**os.environ, "SKILLIR_TEST_TOKEN": "set"}
    run = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=environment)
    assert run.returncode == 0 and "all dependencies satisfied" in run.stdout


def test_manifest_is_the_same_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_emit(tmp_path, IR, "-t", "env-manifest", capsys=capsys))
    (skill,) = data["skills"]
    deps = {(d["kind"], d["name"]): d for d in skill["dependencies"]}
    assert deps[("pip", "pypdf")]["version"] == ">=4"
    evidence = deps[("npm", "left-pad")]["evidence"]
    assert evidence == {"file": "demo/scripts/a.js", "line": 3, "col": 1}
    assert deps[("env", "SKILLIR_TEST_TOKEN")]["install"] is None
    assert deps[("tool", "shell")]["check"] is None


def test_a_note_the_compiler_adds_is_no_dependency(tmp_path: Path) -> None:
    """Held-out round 10 (elevenlabs agents): a note's own words ("Write the document to a
    file") are the compiler's, not the skill's: env-setup.sh is the same for a profile that
    gets the note and one that does not."""
    from .test_compensate import HEAD, write_profile

    skill = tmp_path / "t"
    skill.mkdir()
    (skill / "SKILL.md").write_text(
        HEAD + "## Steps\n\n1. Write the quarterly report for the board.\n"
        "2. Run:\n\n```bash\ncurl -fsS https://example.com/data.json -o data.json\n```\n"
    )
    scripts = []
    for name, levels in (("weak", {"gen_text_long": 1}), ("strong", {})):
        (tmp_path / name).mkdir()
        profile = write_profile(tmp_path / name, **levels)
        out = tmp_path / f"out-{name}"
        assert (
            translate([str(skill), "-t", "codex", "--profile", str(profile), "-o", str(out)]) == 0
        )
        scripts.append((out / "env-setup.sh").read_text())
        if name == "weak":
            assert "Write the document to a file" in (out / "SKILL.md").read_text()
    assert scripts[0] == scripts[1]
