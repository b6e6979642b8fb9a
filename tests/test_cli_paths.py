"""Every CLI takes a path as written by a user: relative (`out/x`), `./`-prefixed and absolute,
run as a real subprocess from the folder the relative path is relative to (issue 15 item 10:
`skill-run out/x` on a compiled folder found no env-setup.sh and reported a missing
dependency). Only paths that need no model: skill-run's `--check-env` and usage errors.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skillir.profiler.profile import write_json

from .conftest import REPO
from .test_profiler_cli import _profile

BIN = Path(sys.executable).parent
SKILL = """---
name: demo
description: Prints a greeting with python3. Use when asked for a greeting.
---

# Demo

1. Run `python3 -c "print('hello')"` and report what it prints.
"""
FORMS = ("relative", "dot", "absolute")


def cli(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / name), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def spelled(rel: str, form: str, base: Path) -> str:
    """`rel` (relative to `base`) as a user would type it: `out/x`, `./out/x` or absolute."""
    return {"relative": rel, "dot": f"./{rel}", "absolute": str(base / rel)}[form]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A work folder with a skill (`src/demo`), a profile (`profiles/p.json`) and a bench task
    (`tasks/count-lines`, with the skill it names)."""
    root = tmp_path_factory.mktemp("paths")
    (root / "src" / "demo").mkdir(parents=True)
    (root / "src" / "demo" / "SKILL.md").write_text(SKILL)
    (root / "profiles").mkdir()
    write_json(_profile(root / "sampling", {}), root / "profiles" / "p.json")
    shutil.copytree(REPO / "bench" / "tasks" / "count-lines", root / "tasks" / "count-lines")
    shutil.copytree(REPO / "bench" / "tasks" / "_skills", root / "tasks" / "_skills")
    return root


@pytest.mark.parametrize("form", FORMS)
def test_skill_opt(base: Path, form: str) -> None:
    done = cli("skill-opt", spelled("src/demo", form, base), "-p", "validate-skill", cwd=base)
    assert done.returncode == 0, done.stderr
    assert '"demo"' in done.stdout


@pytest.mark.parametrize("form", FORMS)
def test_skill_translate_writes_where_the_path_says(base: Path, form: str) -> None:
    out = f"out-{form}/demo"
    done = cli(
        "skill-translate",
        spelled("src/demo", form, base),
        "--target=bare",
        "--no-compensate",
        "-o",
        spelled(out, form, base),
        cwd=base,
    )
    assert done.returncode == 0, done.stderr
    for name in ("SKILL.md", "env-setup.sh", "plan.json", "skillir-manifest.json"):
        assert (base / out / name).is_file(), name
    again = cli(
        "skill-translate", spelled(out, form, base), "--target=bare", "--no-compensate", cwd=base
    )
    assert again.returncode == 0, again.stderr  # a compiled folder is a source too


@pytest.mark.parametrize("form", FORMS)
def test_skill_env_check(base: Path, form: str) -> None:
    done = cli("skill-env", "check", spelled("src/demo", form, base), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "python3" in done.stdout and "0 missing" in done.stdout


@pytest.fixture(scope="module")
def compiled(base: Path) -> Path:
    done = cli(
        "skill-translate",
        "src/demo",
        "--target=bare",
        "--no-compensate",
        "-o",
        "out/demo",
        cwd=base,
    )
    assert done.returncode == 0, done.stderr
    return base / "out" / "demo"


@pytest.mark.parametrize("form", FORMS)
def test_skill_run_finds_the_compiled_folders_setup(base: Path, compiled: Path, form: str) -> None:
    """The compiled folder's env-setup.sh is found and run (checks only) from any spelling of
    its path, the folder or its SKILL.md, and from inside the folder above it."""
    for rel, cwd in (("out/demo", base), ("out/demo/SKILL.md", base), ("demo", base / "out")):
        path = spelled(rel, form, cwd)
        done = cli("skill-run", "--check-env", path, cwd=cwd)
        assert done.returncode == 0, (path, done.stdout, done.stderr)
        assert "present:   binary python3" in done.stdout, done.stdout
        assert "dependencies satisfied" in done.stdout and "missing" not in done.stdout


@pytest.mark.parametrize("form", FORMS)
def test_skill_run_names_a_missing_folder(base: Path, form: str) -> None:
    done = cli("skill-run", "--check-env", spelled("out/nothing", form, base), cwd=base)
    assert done.returncode == 2
    assert "out/nothing: error: not a skill folder" in done.stderr
    explained = cli("skill-run", "--explain", spelled("traces/none", form, base), cwd=base)
    assert explained.returncode == 2 and "Traceback" not in explained.stderr
    assert "traces/none" in explained.stderr


@pytest.mark.parametrize("form", FORMS)
def test_skill_bench_list(base: Path, form: str) -> None:
    done = cli("skill-bench", "list", spelled("tasks/count-lines", form, base), cwd=base)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("count-lines\t") and "runnable" in done.stdout


@pytest.mark.parametrize("form", FORMS)
def test_skill_profile_show(base: Path, form: str) -> None:
    done = cli("skill-profile", "show", spelled("profiles/p.json", form, base), cwd=base)
    assert done.returncode == 0, done.stderr
    assert "local/smollm2-135m" in done.stdout and "tool.file.read" in done.stdout
