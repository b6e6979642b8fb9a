"""Issue 15 item 7: recompiling a compiled folder gives the same bytes as compiling the source
(`compile(compile(x)) == compile(x)`, for any target sequence): the manifest records the reverse
patch (no prompt token), and generated files are never read as bundled files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.passes.lower_to_target import bundled_files
from skillir.targets.manifest import MANIFEST
from skillir.targets.recompile import MAX_MANIFEST_BYTES, record_source, restore_source
from skillir.tools.skill_translate import HARNESS_TARGETS
from skillir.tools.skill_translate import main as translate

from .conftest import CORPUS, corpus_skill_files

REPO = Path(__file__).resolve().parents[1]
SKVM = REPO.parent / "shared" / "profiles" / "skvm"

SKILL = """---
name: csv-brief
description: Summarise two CSV files into a brief. Use when asked to compare sales files.
---

# CSV brief

Use the `Bash` tool for commands and the Read tool for files.

## Steps

1. Read `data/a.csv`.
2. Read `data/b.csv`.
3. Compute the growth of each region in percent and write `brief.md`.

```bash
pip install pandas
python scripts/tool.py data/a.csv data/b.csv | sort | uniq -c > counts.txt
```
"""


def _profile(tmp_path: Path, level: int) -> Path:
    path = tmp_path / f"all-L{level}.json"
    path.write_text(
        json.dumps(
            {
                "harness": "bare-agent",
                "model": f"test/all-l{level}",
                "capabilities": {p: f"L{level}" for p in PRIMITIVE_IDS},
            }
        )
    )
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _compile(source: Path, harness: str, profile: Path, out: Path) -> int:
    return translate(
        [str(source), f"--target={harness}", "--profile", str(profile), "-o", str(out)]
    )


@pytest.fixture
def skill(tmp_path: Path) -> Path:
    folder = tmp_path / "src" / "csv-brief"
    (folder / "scripts").mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL)
    (folder / "scripts" / "tool.py").write_text("import sys\nprint(sys.argv)\n")
    return folder


def test_recompile_is_byte_identical_for_any_target_sequence(
    skill: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    weak = _profile(tmp_path, 0)
    direct = {}
    for harness in ("bare", "claude-code", "codex"):
        assert _compile(skill, harness, weak, tmp_path / harness / "csv-brief") == 0
        direct[harness] = _files(tmp_path / harness / "csv-brief")
    assert direct["bare"]["SKILL.md"] != SKILL.encode()  # the compile added notes
    assert b"**Note:**" in direct["bare"]["SKILL.md"]
    for first in direct:
        for then in direct:
            again = tmp_path / f"{first}-{then}" / "csv-brief"
            assert _compile(tmp_path / first / "csv-brief", then, weak, again) == 0
            assert _files(again) == direct[then], (first, then)
    assert "replaced by the generated one" not in capsys.readouterr().err


def test_edited_compiled_skill_keeps_the_edit_and_loses_the_notes(
    skill: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """A user edit after the compile survives a recompile; every note the compile added whose
    text is still found once is taken out first, so nothing is added twice."""
    weak = _profile(tmp_path, 0)
    out = tmp_path / "out" / "csv-brief"
    assert _compile(skill, "bare", weak, out) == 0
    compiled = (out / "SKILL.md").read_text()
    (out / "SKILL.md").write_text(compiled + "\nKeep the brief under one page.\n")
    (skill / "SKILL.md").write_text(SKILL + "\nKeep the brief under one page.\n")
    assert _compile(out, "bare", weak, tmp_path / "again" / "csv-brief") == 0
    assert _compile(skill, "bare", weak, tmp_path / "fresh" / "csv-brief") == 0
    again = (tmp_path / "again" / "csv-brief" / "SKILL.md").read_text()
    assert again == (tmp_path / "fresh" / "csv-brief" / "SKILL.md").read_text()
    assert again.count("env-setup.sh") == compiled.count("env-setup.sh")
    assert "edited after skillir compiled it" not in capsys.readouterr().err


def test_generated_files_are_not_bundled(skill: Path, tmp_path: Path):
    out = tmp_path / "out" / "csv-brief"
    assert _compile(skill, "codex", _profile(tmp_path, 0), out) == 0
    assert {"env-setup.sh", "plan.json", MANIFEST} <= set(_files(out))
    assert list(bundled_files(out)) == ["scripts/tool.py"]
    # an edited script is the user's own: bundled (and replaced by the generated one, warned)
    with (out / "env-setup.sh").open("a") as script:
        script.write("echo mine\n")
    assert list(bundled_files(out)) == ["env-setup.sh", "scripts/tool.py"]


def test_without_a_record_the_compiled_text_is_the_source(skill: Path, tmp_path: Path):
    out = tmp_path / "out" / "csv-brief"
    assert _compile(skill, "bare", _profile(tmp_path, 0), out) == 0
    assert restore_source(skill, (skill / "SKILL.md").read_bytes()) is None  # never compiled
    data = (out / "SKILL.md").read_bytes()
    assert restore_source(out, data).data == SKILL.encode()
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["source"]["hunks"] = "not a list"
    (out / MANIFEST).write_text(json.dumps(manifest))
    assert restore_source(out, data) is None


def test_a_patch_too_big_for_the_manifest_is_not_recorded():
    manifest = b'{"format": "skillir-compiled", "version": 1, "generated": {}}\n'
    original = b"# x\n" + b"line\n" * (MAX_MANIFEST_BYTES // 4)
    assert record_source(manifest, original, b"# x\n") == manifest
    small = record_source(manifest, b"# x\nsource\n", b"# x\ncompiled\n")
    assert json.loads(small)["source"]["hunks"] == [[1, "compiled\n", "source\n"]]


@pytest.mark.slow
@pytest.mark.skipif(not SKVM.is_dir(), reason="../shared/profiles absent")
def test_every_corpus_skill_recompiles_to_the_same_bytes(tmp_path: Path):
    """Every corpus skill, for every harness: compiling the compiled folder for the same harness,
    and for it from the folder compiled for the next harness, gives the bytes of compiling the
    source (the weak profile, which adds the most notes)."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus absent")
    weak = SKVM / "bare-agent__qwen--qwen3.5-9b.json"
    checked, differ = 0, []
    for index, path in enumerate(corpus_skill_files()):
        name = path.parent.name
        for turn, harness in enumerate(HARNESS_TARGETS):
            other = HARNESS_TARGETS[(turn + 1) % len(HARNESS_TARGETS)]
            base = tmp_path / f"{index}-{harness}"
            if _compile(path.parent, harness, weak, base / "x" / name) != 0:
                break  # the one corpus skill with invalid YAML: an error, nothing written
            assert _compile(path.parent, other, weak, base / "y" / name) == 0
            want = _files(base / "x" / name)
            for source in ("x", "y"):
                assert _compile(base / source / name, harness, weak, base / "z" / name) == 0
                if _files(base / "z" / name) != want:
                    differ.append((str(path), harness, source))
                shutil.rmtree(base / "z")
                checked += 1
            shutil.rmtree(base)
    assert differ == []
    assert checked >= 78 * len(HARNESS_TARGETS) * 2
