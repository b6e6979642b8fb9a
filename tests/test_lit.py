"""Runs the lit suite (lit_tests/) as one pytest test."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _lit_command() -> list[str]:
    # The lit beside this interpreter (the venv's), so lit.cfg.py puts that venv's bin on PATH.
    venv_lit = Path(sys.executable).parent / "lit"
    if venv_lit.exists():
        return [str(venv_lit)]
    found = shutil.which("lit")
    assert found, "lit is not installed: pip install -e '.[dev]'"
    return [found]


def test_lit_suite():
    result = subprocess.run(
        [*_lit_command(), "-q", "lit_tests"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"lit failed with exit code {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
