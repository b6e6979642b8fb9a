"""Where `skill-adapt` keeps the variant it selected, for the bench's `adaptive` condition.

One folder per (skill digest, model, harness) under `$XDG_CACHE_HOME/skillir/adapted` (else
`~/.cache/skillir/adapted`): the variant, in a folder named like the skill, and
`profile.json` (the profile it was compiled with). A changed skill has another digest, so it
never gets an old variant. Entries are replaced atomically (a new folder beside, a rename).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from skillir.skill_files import list_files, read_bytes

FILE_LIMIT = 50 * 1024 * 1024


def store_root() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME")
    return (Path(cache) if cache else Path.home() / ".cache") / "skillir" / "adapted"


def skill_digest(folder: Path) -> str:
    """SHA-256 over the skill folder's files (paths and contents, the walk policy of
    `skill_files`: no symlink out of the folder is followed)."""
    digest = hashlib.sha256()
    for entry in list_files(folder).files:
        data = read_bytes(folder, entry.rel, FILE_LIMIT) or b""
        digest.update(entry.rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def entry(skill: Path, model: str, harness: str) -> Path:
    """The store folder of (skill, model, harness); the variant is `entry / skill's name`."""
    key = hashlib.sha256(f"{skill_digest(skill)}\0{model}\0{harness}".encode()).hexdigest()
    return store_root() / key[:32]


def save(skill: Path, model: str, harness: str, variant: Path, profile: Path) -> Path:
    """Record `variant` (a compiled folder) and its `profile` as the adapted form of `skill`."""
    target = entry(skill, model, harness)
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=target.parent, prefix=".new-"))
    try:
        shutil.copytree(variant, fresh / skill.resolve().name, symlinks=True)
        shutil.copyfile(profile, fresh / "profile.json")
        old = target.with_name(f".old-{target.name}")
        if target.exists():
            os.replace(target, old)
        os.replace(fresh, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return target
