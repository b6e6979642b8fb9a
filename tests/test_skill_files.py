"""Issue 14, items 8 and 10: the one file-walk policy (`skillir.skill_files`) never leaves the
skill folder, never blocks, never recurses, and reads no more than it is allowed to."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from skillir import skill_files
from skillir.skill_files import copy_file, list_files, open_file, read_bytes, resolve


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "skill"
    for rel in ("SKILL.md", "a/b.py", "a-b", ".hidden", "node_modules/x/index.js", ".git/HEAD"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    (tmp_path / "secret.txt").write_text("sk-live-secret")
    (root / "inside").symlink_to(root / "a" / "b.py")
    (root / "relative").symlink_to("a/b.py")
    (root / "outside").symlink_to(tmp_path / "secret.txt")
    (root / "escape").symlink_to("../secret.txt")
    (root / "dir-link").symlink_to(root / "a")
    (root / "loop-a").symlink_to(root / "loop-b")
    (root / "loop-b").symlink_to(root / "loop-a")
    (root / "self").symlink_to(root)
    (root / "broken").symlink_to(root / "missing")
    os.mkfifo(root / "fifo")
    return root


def test_listing_keeps_inside_and_leaves_out_the_rest(folder: Path) -> None:
    listing = list_files(folder)
    assert [(f.rel, f.real) for f in listing.files] == [
        (".hidden", ".hidden"),
        ("SKILL.md", "SKILL.md"),
        ("a/b.py", "a/b.py"),
        ("a-b", "a-b"),
        ("inside", "a/b.py"),
        ("relative", "a/b.py"),
    ]
    assert dict(listing.skipped) == {
        "outside": "a link that leaves the skill folder",
        "escape": "a link that leaves the skill folder",
        "self": "a link that leaves the skill folder",  # the folder itself is not inside it
        "dir-link": "a link to a folder (not followed)",
        "loop-a": "a broken or looping link",
        "loop-b": "a broken or looping link",
        "broken": "a broken or looping link",
        "fifo": "not a regular file",
    }
    assert not listing.truncated


def test_resolve_follows_only_links_that_stay_inside(folder: Path) -> None:
    assert resolve(folder, "inside").real == "a/b.py"  # type: ignore[union-attr]
    for rel in ("outside", "escape", "fifo", "loop-a", "a", "../secret.txt", "/etc/passwd", ""):
        assert resolve(folder, rel) is None, rel


def test_reads_never_follow_links_or_open_fifos(folder: Path) -> None:
    assert read_bytes(folder, "a/b.py", 100) == b"a/b.py"
    for rel in ("outside", "inside", "fifo", "a/../a-b"):
        with pytest.raises(OSError):
            open_file(folder, rel)
    # a link in a parent component is refused as well
    (folder / "via").symlink_to(folder.parent)
    with pytest.raises(OSError):
        open_file(folder, "via/secret.txt")


def test_reads_stop_at_the_limit(folder: Path) -> None:
    with open(folder / "sparse.bin", "wb") as sparse:
        sparse.truncate(1 << 30)
    assert read_bytes(folder, "sparse.bin", 4096) is None  # reads 4097 bytes, not 1 GB
    assert skill_files.read_head(folder, "sparse.bin", 8) == b"\0" * 8
    out = io.BytesIO()
    with pytest.raises(ValueError, match="grew past 10 bytes"):
        copy_file(folder, "sparse.bin", out, 10)
    assert len(out.getvalue()) <= 10


def test_walk_is_iterative_and_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "deep"
    path = root
    for _ in range(200):
        path = path / "d"
    path.mkdir(parents=True)
    (path / "bottom.py").write_text("")
    listing = list_files(root)
    assert listing.files == () and any("deeper than" in why for _, why in listing.skipped)
    wide = tmp_path / "wide"
    wide.mkdir()
    for i in range(30):
        (wide / f"f{i:02}").write_text("")
    capped = list_files(wide, max_files=10)
    assert len(capped.files) == 10 and capped.truncated
    monkeypatch.setattr(skill_files, "MAX_ENTRIES", 5)
    assert list_files(wide).truncated


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads unreadable folders")
def test_unreadable_folder_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "skill"
    (root / "locked").mkdir(parents=True)
    (root / "ok.py").write_text("")
    (root / "locked").chmod(0)
    try:
        listing = list_files(root)
    finally:
        (root / "locked").chmod(0o755)
    assert [f.rel for f in listing.files] == ["ok.py"]
    assert "locked" in dict(listing.skipped)


def test_missing_folder_is_an_empty_listing(tmp_path: Path) -> None:
    listing = list_files(tmp_path / "missing")
    assert listing.files == () and listing.skipped[0][0] == "."
