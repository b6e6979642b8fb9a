"""`extract-deps` end to end: SKILL.md code, prose and bundled files become `env.dep` ops,
which `bind-env` and the `env-setup` target turn into a script."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillir.tools.skill_opt import main as opt
from skillir.tools.skill_translate import main as translate

SKILL = """---
name: deps-demo
description: Summarise a YAML config. Use when the user asks what a config file sets.
---

# Deps demo

1. Load the config:

   ```python
   import yaml
   import pandas as pd
   from scripts import helpers
   ```

2. Pretty-print it with `jq . config.json` and send it with the `$REPORT_TOKEN` token.
3. Run `python scripts/run.py`.
"""


@pytest.fixture
def skill_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "deps-demo"
    (folder / "scripts").mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL)
    (folder / "scripts" / "run.py").write_text("import requests\nimport helpers\n")
    (folder / "scripts" / "helpers.py").write_text("X = 1\n")
    return folder


def test_dependencies_with_evidence(skill_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert opt([str(skill_dir), "-p", "extract-deps"]) == 0
    ir = capsys.readouterr().out
    assert 'env.dep "pip" "pyyaml" at 11:4' in ir
    assert 'env.dep "pip" "pandas" at 12:4' in ir
    assert 'env.dep "pip" "xdsl"' not in ir  # `from scripts import ...` is local
    assert 'env.dep "pip" "requests" file "scripts/run.py" at 1:1' in ir
    assert 'env.dep "binary" "jq"' in ir
    assert 'env.dep "env" "REPORT_TOKEN"' in ir
    assert '"helpers"' not in ir  # a skill-local module, not a package


def test_env_setup_script_for_the_skill(
    skill_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        translate(
            [str(skill_dir), "-p", "extract-deps,bind-env{platform=debian}", "-t", "env-setup"]
        )
        == 0
    )
    script = capsys.readouterr().out
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "python3 -m pip install -- pyyaml" in script
    assert "apt-get install -y -- jq" in script
    assert "missing:   env REPORT_TOKEN (set it; not done here)" in script
