"""`skill-jit mine | list | show | forget` and the store, run as subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skillir.runtime.jit import store
from tests.test_jit_mine import grep_runs

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")


def skill_jit(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_jit", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_mine_list_show_forget(tmp_path: Path) -> None:
    _, traces = grep_runs(tmp_path / "train")
    root = tmp_path / "store"
    mined = skill_jit("mine", str(tmp_path / "train"), "-o", str(root))
    assert mined.returncode == 0, mined.stderr
    first = mined.stdout.splitlines()[0]
    ident = first.split(":")[0]
    assert first == f"{ident}: promoted (4 runs; parameters p1:identifier, p2:path, p3:path)"
    [path] = store.files(root)
    assert not list(root.glob(".*.json.*"))  # no temporary file left behind
    listed = skill_jit("list", str(root))
    assert listed.returncode == 0
    assert f"  {ident}  promoted  runs 4  fired 0  failures 0" in listed.stdout
    shown = skill_jit("show", ident, "--store", str(root))
    program = json.loads(shown.stdout)
    assert program["id"] == ident and len(program["evidence"]["validation"]) == 4
    assert program["steps"][0]["items"][0]["pipeline"][0]["argv"][0] == ["grep"]
    again = skill_jit("mine", *map(str, traces), "-o", str(root))  # the same id, merged
    assert again.returncode == 0 and len(store.read(path)["candidates"]) == 1
    gone = skill_jit("forget", ident, env={"SKILLIR_JIT_STORE": str(root)})
    assert gone.returncode == 0 and gone.stdout == f"forgot {ident}\n"
    assert store.read(path)["candidates"] == []
    missing = skill_jit("show", ident, "--store", str(root))
    assert missing.returncode == 1 and "no candidate" in missing.stderr


def test_usage_errors_and_a_broken_store(tmp_path: Path) -> None:
    nothing = skill_jit("mine", str(tmp_path / "absent"), "-o", str(tmp_path / "s"))
    assert nothing.returncode == 2 and "not a directory" in nothing.stderr
    few = skill_jit("mine", str(tmp_path), "--min-runs", "2")
    assert few.returncode == 2 and "--min-runs" in few.stderr
    assert skill_jit("frobnicate").returncode == 2
    root = tmp_path / "store"
    root.mkdir()
    (root / "x.json").write_text('{"format": "skillir-jit-store", "candidates": [{"id": 1}]}')
    broken = skill_jit("list", str(root))
    assert broken.returncode == 1
    assert broken.stderr.startswith(f"{root / 'x.json'}: error: candidate 1: ")
    (root / "x.json").write_text("{oops")
    bad = skill_jit("list", str(root))
    assert bad.returncode == 1 and bad.stderr.startswith(f"{root / 'x.json'}:1:2: error:")
    assert "Traceback" not in bad.stderr
