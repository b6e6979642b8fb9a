"""Markdown report assembly."""

from pathlib import Path


def section(title: str, body: str) -> str:
    return f"## {title}\n\n{body.strip()}\n\n"


def image(path: Path, alt: str) -> str:
    return f"![{alt}]({path.name})\n"


def write_report(out_dir: Path, parts: list[str]) -> Path:
    path = out_dir / "report.md"
    path.write_text("# Data report\n\n" + "".join(parts), encoding="utf-8")
    return path
