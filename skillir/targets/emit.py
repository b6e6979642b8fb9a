"""What `skill-translate --target=HARNESS` emits: the compiled skill folder, or the prompt form.

A folder holds the compiled `SKILL.md`, every bundled file copied byte for byte (listed and
streamed under the walk policy of `skillir.skill_files`, within `BUNDLE_BUDGET` bytes in all),
`env-setup.sh` (mode 755), `plan.json` and `skillir-manifest.json` (the generated files'
digests). It is written atomically: built beside the destination, then swapped into place, so a
failure leaves the old folder (or nothing) there.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from skillir.dialects import cap, target
from skillir.frontend.markdown import render_skill
from skillir.skill_files import SkillFile, copy_file, resolve
from skillir.targets.manifest import MANIFEST, manifest_bytes


def _root(module: ModuleOp):
    roots = list(cap.skills(module))
    if len(roots) != 1:
        raise ValueError(f"a skill folder holds one skill; the input has {len(roots)}")
    return roots[0]


def head_of(root) -> target.HarnessOp | None:
    return next((o for o in root.body.block.ops if isinstance(o, target.HarnessOp)), None)


# the bytes of bundled files a compiled folder may hold, in all
BUNDLE_BUDGET = 50_000_000


@dataclass(frozen=True)
class Emitted:
    """One file of a compiled folder: its bytes (or, for a bundled file, where in the skill
    folder to stream them from when the folder is written) and permission bits."""

    data: bytes = b""
    mode: int = 0o644
    source: tuple[Path, SkillFile] | None = None


def folder_files(module: ModuleOp) -> dict[str, Emitted]:
    """Relative path → content and mode of every file of the compiled folder. Bundled files
    keep their bytes and permission bits (read only when the folder is written); paths inside
    generated files name the folder's own `SKILL.md`, not where it was compiled from; the
    manifest (`skillir.targets.manifest`) lists the generated files with their digests.
    Raises ValueError when a bundled file is no longer a regular file of the skill folder, or
    when the skill is not lowered to the target level (`target.unlowered`: an op it would
    ignore)."""
    from skillir.targets.env_setup import script
    from skillir.targets.plan import dumps, plan

    root = _root(module)
    if problems := target.unlowered(root):
        raise ValueError(f"the skill is not lowered to the target level: {problems[0][1]}")
    source = root.field("path")
    folder = Path(source).parent if isinstance(source, str) else None
    files = {"SKILL.md": Emitted(render_skill(root).encode("utf-8"))}
    generated: dict[str, bytes] = {}
    for op in root.body.block.ops:
        if not isinstance(op, target.FileOp):
            continue
        kind, path = op.kind.data, op.path.data
        if kind == "bundled" and folder is not None:
            bundled = resolve(folder, path)
            if bundled is None:
                raise ValueError(f"'{path}' is no longer a regular file of the skill folder")
            files[path] = Emitted(mode=bundled.mode, source=(folder, bundled))
        elif kind == "env-setup":
            generated[path] = script(module, "SKILL.md").encode("utf-8")
            files[path] = Emitted(generated[path], 0o755)
        elif kind == "plan":
            generated[path] = (dumps(plan(module, "SKILL.md")) + "\n").encode("utf-8")
            files[path] = Emitted(generated[path])
    files[MANIFEST] = Emitted(manifest_bytes(generated))
    return files


def _manifest_files(destination: Path) -> set[str] | None:
    """The files an earlier compile wrote into `destination` (its manifest's `files`, or for a
    manifest without that list its generated files and `SKILL.md`); None without a manifest."""
    try:
        fd = os.open(destination / MANIFEST, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = os.read(fd, 4_000_000)
    finally:
        os.close(fd)
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    listed = body.get("files")
    if isinstance(listed, list):
        return {f for f in listed if isinstance(f, str)} | {MANIFEST}
    generated = body.get("generated")
    return {*(generated if isinstance(generated, dict) else {}), "SKILL.md", MANIFEST}


def _existing_files(destination: Path) -> list[str]:
    """Every non-folder entry under `destination`, relative, without following links."""
    found = []
    for top, dirs, names in os.walk(destination):
        rel = Path(top).relative_to(destination)
        found += [(rel / n).as_posix() for n in names]
        found += [(rel / d).as_posix() for d in dirs if os.path.islink(Path(top) / d)]
    return found


def _user_files(destination: Path) -> list[str]:
    """The files of an existing destination that no earlier compile wrote (the user's). Raises
    ValueError for a destination that is not a folder (a link, a FIFO, a file)."""
    try:
        info = destination.lstat()
    except FileNotFoundError:
        return []
    if not stat.S_ISDIR(info.st_mode):
        raise ValueError(
            f"'{destination}' exists and is not a skill folder; refusing to replace it"
        )
    existing = _existing_files(destination)
    if not existing:
        return []
    written = _manifest_files(destination) or set()
    return sorted(f for f in existing if f not in written)


def _overlaps(destination: Path, source: Path) -> bool:
    """Whether the destination is the source folder, holds it or lies inside it."""
    a, b = destination.resolve(), source.resolve()
    return a == b or a.is_relative_to(b) or b.is_relative_to(a)


def _write(staging: Path, rel: str, item: Emitted) -> None:
    """One file into the staging folder: its bytes, or a stream copy of the bundled file."""
    path = staging / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as out:
        if item.source is None:
            out.write(item.data)
        else:
            folder, file = item.source
            copy_file(folder, file.real, out, file.size)
    path.chmod(item.mode)


def write_folder(
    files: dict[str, Emitted],
    destination: Path,
    source: Path | None = None,
    force: bool = False,
    name: str | None = None,
) -> list[str]:
    """Write the folder atomically: a temporary sibling renamed into place; the manifest lists
    every file written (`files`). Into an existing folder, only files an earlier compile wrote
    (its manifest) are replaced; a folder holding other files is refused unless `force`, which
    keeps those files. Raises ValueError for a destination that is, holds or lies inside the
    `source` skill folder, one that is not a folder, or bundled files over `BUNDLE_BUDGET`;
    OSError when the file system refuses. Returns warnings (a folder not named `name`)."""
    destination = destination.absolute()
    keep = _user_files(destination)  # first: refuses links before anything resolves them
    if source is not None and _overlaps(destination, source):
        raise ValueError(
            f"'{destination}' is or overlaps the skill folder being compiled ('{source}'); "
            "write the compiled folder elsewhere"
        )
    if keep and not force:
        shown = ", ".join(keep[:5]) + (", ..." if len(keep) > 5 else "")
        raise ValueError(
            f"'{destination}' holds files no earlier compile wrote ({shown}), so it is not a skill "
            "folder; refusing to replace it (--force keeps them and replaces the compiled files)"
        )
    total = sum(item.source[1].size for item in files.values() if item.source is not None)
    if total > BUNDLE_BUDGET:
        raise ValueError(
            f"the bundled files hold {total} bytes, over the {BUNDLE_BUDGET} bytes a compiled "
            "skill folder may hold"
        )
    files = dict(files)
    if MANIFEST in files:
        body = json.loads(files[MANIFEST].data)
        body["files"] = sorted(rel for rel in files if rel != MANIFEST)
        files[MANIFEST] = Emitted((json.dumps(body, indent=2) + "\n").encode("utf-8"))
    warnings = []
    if name is not None and destination.name != name:
        warnings.append(
            f"the folder '{destination.name}' is not named after the skill '{name}'; "
            "harnesses that match the two will not load it"
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        for rel, item in files.items():
            _write(staging, rel, item)
        for rel in keep:
            if rel not in files:
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                os.link(destination / rel, staging / rel, follow_symlinks=False)
        os.chmod(staging, 0o755)
        if os.path.lexists(destination):
            old = Path(tempfile.mkdtemp(prefix=f".{destination.name}.old.", dir=destination.parent))
            os.replace(destination, old / "previous")
            os.replace(staging, destination)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return warnings


def install_folder(harness_id: str, skill_name: str, scope: str, project: Path) -> Path:
    """Where `harness_id` discovers a skill (`skillir/data/harnesses.toml`): its project skill
    folder under `project` (`scope="project"`) or its user folder under `~` (`"user"`).
    Raises ValueError when the harness has no such folder."""
    from skillir.targets.harnesses import harness

    row = harness(harness_id)
    pattern = row.skill_dir if scope == "project" else row.user_skill_dir
    if not pattern:
        raise ValueError(f"{row.name} has no {scope} skill folder to install into")
    if "{name}" not in pattern:
        pattern = pattern.rstrip("/") + "/{name}"
    rel = pattern.format(name=skill_name)
    return Path(rel).expanduser() if scope == "user" else project / rel


def prompt_text(module: ModuleOp) -> str:
    """The system-prompt form: an `<available_skills>` listing (name, description, location) and,
    for a harness that injects skills into the prompt, the compiled skill itself."""
    from skillir.frontend.frontmatter import load_frontmatter, split_frontmatter

    out = ["<available_skills>"]
    bodies = []
    for root in cap.skills(module):
        head = head_of(root)
        name = root.skill_name.data
        description = ""
        raw = root.field("frontmatter")
        if isinstance(raw, str):
            from skillir.diagnostics import DiagnosticSink

            block = split_frontmatter(raw.splitlines(True))
            if block is not None:
                data = load_frontmatter(block, DiagnosticSink()).data or {}
                description = str(data.get("description", "")) if isinstance(data, dict) else ""
        location = head.folder.data if head is not None and head.folder else name
        out += [
            "  <skill>",
            f"    <name>{escape(name)}</name>",
            f"    <description>{escape(description.strip())}</description>",
            f"    <location>{escape(location)}/SKILL.md</location>",
            "  </skill>",
        ]
        if head is None or head.injection.data == "system-prompt":
            bodies.append(f'<skill name="{escape(name)}">\n{render_skill(root)}</skill>')
    out.append("</available_skills>")
    return "\n".join(out + bodies) + "\n"


def compiled_files(module: ModuleOp, harness_id: str, source: bytes | None) -> dict[str, Emitted]:
    """The files of the folder `skill-translate --target=HARNESS -o DIR` writes for a module
    compiled for `harness_id`: `folder_files`, Codex's sidecar, and the manifest recording
    the reverse patch to `source` (the SKILL.md compiled; None: unknown, the compiled one), so
    a recompile starts from it. Raises ValueError as `folder_files` does."""
    from skillir.targets.recompile import record_source
    from skillir.targets.sidecars import add_codex_sidecar

    files = folder_files(module)
    if harness_id == "codex":
        add_codex_sidecar(module, files)
    compiled = files["SKILL.md"].data
    files[MANIFEST] = Emitted(record_source(files[MANIFEST].data, source or compiled, compiled))
    return files
