"""The YAML frontmatter block of a SKILL.md: finding it, loading it, and checking portability."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrontmatterBlock:
    """Where the frontmatter sits in the file.

    `raw` is the block verbatim, both `---` delimiter lines included; `yaml` is the text
    between them. `first_line` is the 1-based file line of the first YAML line and
    `end_line` the line of the closing delimiter.
    """

    raw: str
    yaml: str
    first_line: int
    end_line: int


class UnterminatedFrontmatter(Exception):
    """The document opens a `---` block that no later `---` line closes."""


def _is_delimiter(line: str) -> bool:
    return line.rstrip(" \t\r\n") == "---"


def split_frontmatter(lines: list[str]) -> FrontmatterBlock | None:
    """Find the frontmatter at the top of `lines` (each keeping its line ending).

    Returns None when the first line is not a `---` delimiter. Raises
    `UnterminatedFrontmatter` when no closing delimiter follows.
    """
    if not lines or not _is_delimiter(lines[0]):
        return None
    for index in range(1, len(lines)):
        if _is_delimiter(lines[index]):
            return FrontmatterBlock(
                raw="".join(lines[: index + 1]),
                yaml="".join(lines[1:index]),
                first_line=2,
                end_line=index + 1,
            )
    raise UnterminatedFrontmatter()
