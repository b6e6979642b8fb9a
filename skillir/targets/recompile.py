"""Recompiling a compiled folder: what an earlier compile added is taken out first, so
`compile(compile(x)) == compile(x)` byte for byte, for any sequence of targets.

The marker costs no prompt token: the folder's `skillir-manifest.json` (which a harness copies
with the folder but never shows the model) records, under `"source"`, the digest of the compiled
`SKILL.md` and the changes the compile made as a reverse patch, hunk by hunk:

    "source": {"compiled": "<sha256>", "original": "<sha256>",
               "hunks": [[line, "<compiled lines>", "<original lines>"], ...]}

`line` is the 0-based line of the hunk in the compiled text. Notes are hunks whose original text
is empty; eliminated content and rewritten tool names are hunks with both. A recompile reads the
original back (`restore_source`): by position when the SKILL.md is the one compiled, else hunk by
hunk where the compiled text of a hunk is still found once (a user edited the folder); the
generated files (`generated_names`) are never read as bundled files.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from skillir.skill_files import read_bytes
from skillir.targets.manifest import FORMAT, MANIFEST

# a manifest stays well under what `skillir.targets.manifest` reads (64 KB); a compile whose
# reverse patch would not fit records none (a recompile then reads the compiled text as it is)
MAX_MANIFEST_BYTES = 48_000


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(folder: Path) -> dict | None:
    """The folder's manifest when it is a regular file of ours within the size bound."""
    try:
        raw = read_bytes(folder, MANIFEST, MAX_MANIFEST_BYTES * 2)
    except OSError:
        return None
    if raw is None:
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) and body.get("format") == FORMAT else None


def record_source(manifest: bytes, original: bytes, compiled: bytes) -> bytes:
    """`manifest` with the reverse patch from `compiled` back to `original` (unchanged when the
    compile changed nothing, or when the patch would not fit `MAX_MANIFEST_BYTES`)."""
    if original == compiled:
        return manifest
    try:
        old = compiled.decode("utf-8").splitlines(True)
        new = original.decode("utf-8").splitlines(True)
    except UnicodeDecodeError:
        return manifest
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    hunks = [
        [i1, "".join(old[i1:i2]), "".join(new[j1:j2])]
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]
    body = json.loads(manifest)
    body["source"] = {"compiled": _digest(compiled), "original": _digest(original), "hunks": hunks}
    out = (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return out if len(out) <= MAX_MANIFEST_BYTES else manifest


@dataclass(frozen=True)
class Restored:
    """The source a compiled SKILL.md came from, and how many recorded changes were undone."""

    data: bytes
    undone: int
    recorded: int


def restore_source(folder: Path, compiled: bytes) -> Restored | None:
    """The SKILL.md an earlier compile of `folder` started from; None when the folder has no
    recorded source. When `compiled` is not the text that compile wrote, only the hunks whose
    compiled text is found exactly once are undone."""
    body = _manifest(folder)
    source = body.get("source") if body else None
    if not isinstance(source, dict) or not isinstance(source.get("hunks"), list):
        return None
    hunks = [
        h
        for h in source["hunks"]
        if isinstance(h, list)
        and len(h) == 3
        and isinstance(h[0], int)
        and all(isinstance(x, str) for x in h[1:])
    ]
    if len(hunks) != len(source["hunks"]):
        return None
    text = compiled.decode("utf-8", "surrogateescape")
    if _digest(compiled) == source.get("compiled"):
        lines = text.splitlines(True)
        out: list[str] = []
        at = 0
        for line, was, now in hunks:
            span = len(was.splitlines(True))
            if line < at or "".join(lines[line : line + span]) != was:
                return None
            out += lines[at:line]
            out.append(now)
            at = line + span
        out += lines[at:]
        data = "".join(out).encode("utf-8", "surrogateescape")
        if _digest(data) == source.get("original"):
            return Restored(data, len(hunks), len(hunks))
        return None
    undone = 0
    for _, was, now in reversed(hunks):
        if was and text.count(was) == 1:
            text = text.replace(was, now)
            undone += 1
    return Restored(text.encode("utf-8", "surrogateescape"), undone, len(hunks))


def generated_names(folder: Path) -> frozenset[str]:
    """The files of `folder` an earlier compile generated and nobody edited since (the manifest
    lists them with their digests), and the manifest itself: not bundled files of the skill."""
    body = _manifest(folder)
    if body is None:
        return frozenset()
    names = {MANIFEST}
    generated = body.get("generated")
    for rel, expected in generated.items() if isinstance(generated, dict) else ():
        if not isinstance(rel, str) or ".." in rel.split("/") or not isinstance(expected, str):
            continue
        try:
            data = read_bytes(folder, rel, 4_000_000)
        except OSError:
            continue
        if data is not None and _digest(data) == expected:
            names.add(rel)
    return frozenset(names)


def add_generated(manifest: bytes, rel: str, data: bytes) -> bytes:
    """`manifest` listing one more generated file, `rel` with the digest of `data`."""
    body = json.loads(manifest)
    body["generated"] = dict(sorted({**body.get("generated", {}), rel: _digest(data)}.items()))
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
