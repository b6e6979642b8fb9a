"""What `skill-translate --target=HARNESS` emits: the compiled skill folder, or the prompt form.

A folder holds the compiled `SKILL.md`, every bundled file copied byte for byte, `env-setup.sh`
(mode 755) and `plan.json`. It is written atomically: built beside the destination, then
swapped into place, so a failure leaves the old folder (or nothing) there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from skillir.dialects import cap, target
from skillir.markdown import render_skill


def _root(module: ModuleOp):
    roots = list(cap.skills(module))
    if len(roots) != 1:
        raise ValueError(f"a skill folder holds one skill; the input has {len(roots)}")
    return roots[0]


def head_of(root) -> target.HarnessOp | None:
    return next((o for o in root.body.block.ops if isinstance(o, target.HarnessOp)), None)


@dataclass(frozen=True)
class Emitted:
    """One file of a compiled folder: its bytes and permission bits."""

    data: bytes
    mode: int = 0o644


def folder_files(module: ModuleOp) -> dict[str, Emitted]:
    """Relative path → content and mode of every file of the compiled folder. Bundled files
    keep their bytes and permission bits; paths inside generated files name the folder's own
    `SKILL.md`, not where it was compiled from."""
    from skillir.env_setup import script
    from skillir.plan import dumps, plan

    root = _root(module)
    source = root.field("path")
    folder = Path(source).parent if isinstance(source, str) else None
    files = {"SKILL.md": Emitted(render_skill(root).encode("utf-8"))}
    for op in root.body.block.ops:
        if not isinstance(op, target.FileOp):
            continue
        kind, path = op.kind.data, op.path.data
        if kind == "bundled" and folder is not None:
            bundled = folder / path
            files[path] = Emitted(bundled.read_bytes(), bundled.stat().st_mode & 0o777)
        elif kind == "env-setup":
            files[path] = Emitted(script(module, "SKILL.md").encode("utf-8"), 0o755)
        elif kind == "plan":
            text = dumps(plan(module, "SKILL.md")) + "\n"
            files[path] = Emitted(text.encode("utf-8"))
    return files


def _replaceable(destination: Path) -> bool:
    """Only a missing path, an empty folder or an earlier skill folder may be replaced."""
    if not destination.exists():
        return True
    if not destination.is_dir() or destination.is_symlink():
        return False
    return not any(destination.iterdir()) or (destination / "SKILL.md").is_file()


def write_folder(files: dict[str, Emitted], destination: Path) -> None:
    """Write the folder atomically: a temporary sibling renamed into place. Raises ValueError
    for a destination that is not a skill folder (nothing else is ever deleted) and OSError when
    the file system refuses."""
    destination = destination.absolute()
    if not _replaceable(destination):
        raise ValueError(
            f"'{destination}' exists and is not a skill folder; refusing to replace it"
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        for rel, item in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(item.data)
            path.chmod(item.mode)
        os.chmod(staging, 0o755)
        if destination.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{destination.name}.old.", dir=destination.parent))
            os.replace(destination, old / "previous")
            os.replace(staging, destination)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def prompt_text(module: ModuleOp) -> str:
    """The system-prompt form: an `<available_skills>` listing (name, description, location) and,
    for a harness that injects skills into the prompt, the compiled skill itself."""
    from skillir.frontmatter import load_frontmatter, split_frontmatter

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
