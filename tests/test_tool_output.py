"""`skill-opt -o`: atomic, and writing through symlinks instead of replacing them."""

from __future__ import annotations

import stat
from pathlib import Path

from skillir.tools.skill_opt import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pdf-report"


def test_output_through_a_symlink_writes_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.skir"
    real.write_text("keep")
    link = tmp_path / "link.skir"
    link.symlink_to(real)
    assert main([str(EXAMPLE), "-o", str(link)]) == 0
    assert link.is_symlink()
    assert real.read_text().startswith("builtin.module")


def test_output_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    out = tmp_path / "out.skir"
    out.write_text("old")
    out.chmod(0o640)
    assert main([str(EXAMPLE), "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
