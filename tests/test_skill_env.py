"""`skill-env check`: runs only the checks; `--install --venv` installs into a throwaway venv."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from skillir.tools.skill_env import main

SKILL = """---
name: env-demo
description: Demo of dependency checks. Use when testing skill-env.
---

Run this:

```bash
git --version
definitely-not-a-tool-skillir --help
```

```python
import six
```
"""


@pytest.fixture
def skill_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "env-demo"
    folder.mkdir()
    (folder / "SKILL.md").write_text(SKILL)
    return folder


def test_check_reports_present_and_missing(
    skill_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(skill_dir)]) == 1
    out = capsys.readouterr().out
    assert "present  binary git" in out
    assert "missing  binary definitely-not-a-tool-skillir" in out
    assert "harness  tool shell" in out


def test_install_needs_a_venv(skill_dir: Path) -> None:
    with pytest.raises(SystemExit) as err:
        main(["check", str(skill_dir), "--install"])
    assert err.value.code == 2


@pytest.mark.slow
def test_install_goes_into_the_throwaway_venv(
    skill_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venv = tmp_path / "venv"
    main(["check", str(skill_dir), "--install", "--venv", str(venv)])
    out = capsys.readouterr().out
    assert f"installed into {venv}: six" in out
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", "import six"], check=False)
    assert probe.returncode == 0


def test_check_runs_nothing_a_skill_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "SKILL.md").write_text(
        SKILL.replace("import six", "import os\nos.environ['X:-}\" ] || touch CANARY ; [ \"${Y']")
    )
    (folder / "package.json").write_text('{"dependencies": {"x\\ntouch CANARY\\n#": "1"}}')
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(folder)]) == 1
    captured = capsys.readouterr()
    assert not (tmp_path / "CANARY").exists()
    assert "is not a valid environment variable name" in captured.err
    assert "CANARY" not in captured.out
