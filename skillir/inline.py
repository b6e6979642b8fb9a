"""Inline scanning of block text: constraint sentences and references to bundled files.

Uses the lexer of `grammar/inline.lark`; inline spans otherwise stay plain text in the IR.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lark import Lark

MODALITY = {
    "MUST NOT": "must-not",
    "MUST": "must",
    "NEVER": "never",
    "ALWAYS": "always",
    "SHOULD NOT": "should-not",
    "SHOULD": "should",
}
RESOURCE_DIRS = ("scripts", "references", "assets")


@dataclass(frozen=True)
class Constraint:
    offset: int  # of the keyword in the scanned text
    modality: str
    text: str  # the whole sentence


@dataclass(frozen=True)
class Reference:
    offset: int
    path: str
    kind: str


@dataclass(frozen=True)
class OutsideLink:
    """A relative link whose target leaves the skill folder."""

    offset: int
    target: str


@cache
def _lexer() -> Lark:
    grammar = (Path(__file__).parent / "grammar" / "inline.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="basic", cache=True)


def _resource(path: str, offset: int) -> Reference | OutsideLink | None:
    """Classify a relative path: a bundled file, outside the skill, or not a file path."""
    target = path.split("#", 1)[0].split("?", 1)[0]
    if not target or "://" in target or target.startswith(("/", "mailto:", "#")) or ":" in target:
        return None
    norm = posixpath.normpath(target)
    if norm.split("/")[0] == "..":
        return OutsideLink(offset, target)
    head = norm.split("/")[0]
    if head in RESOURCE_DIRS and "/" in norm:
        return Reference(offset, norm, head)
    if "." in posixpath.basename(norm):
        return Reference(offset, norm, "file")
    return None


def scan(text: str, prose: bool = True) -> list[Constraint | Reference | OutsideLink]:
    """Constraint sentences (only when `prose`) and bundled-file references in `text`."""
    found: list[Constraint | Reference | OutsideLink] = []
    sentence_start = 0
    keyword: tuple[int, str] | None = None
    seen_paths: set[str] = set()

    def add(item: Reference | OutsideLink | None) -> None:
        key = item.path if isinstance(item, Reference) else None
        if item is not None and key not in seen_paths:
            if key is not None:
                seen_paths.add(key)
            found.append(item)

    def close_sentence(end: int) -> None:
        nonlocal keyword
        if keyword is not None:
            sentence = " ".join(text[sentence_start:end].split())
            found.append(Constraint(keyword[0], MODALITY[keyword[1]], sentence))
        keyword = None

    for token in _lexer().lex(text):
        kind, start = token.type, token.start_pos
        if kind == "PATH":
            add(_resource(str(token).removeprefix("./"), start))
        elif kind == "CODE_SPAN":
            inner = str(token).strip("`").strip()
            for sub in _lexer().lex(inner):
                if sub.type == "PATH":
                    add(_resource(str(sub).removeprefix("./"), start + 1 + sub.start_pos))
        elif kind == "LINK":
            target = str(token).split("](", 1)[1][:-1].split()[0] if "](" in token else ""
            add(_resource(target.strip("<>").removeprefix("./"), start))
        elif kind == "KEYWORD" and prose and keyword is None:
            keyword = (start, " ".join(str(token).split()))
        elif kind == "SENTENCE_END":
            close_sentence(token.end_pos)
            sentence_start = token.end_pos
    close_sentence(len(text))
    return found
