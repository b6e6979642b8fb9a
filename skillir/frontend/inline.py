"""Inline scanning of block text: constraint sentences and references to bundled files.

The spans are the terminals of `grammar/inline.lark`. Only a few of them matter, so instead of
running Lark's lexer token by token (a Token object per word), their patterns are joined, in
the grammar's priority order, into one regular expression searched with `finditer`: about
ten times faster on real skills, same spans; a text without a constraint keyword (most of
them) is searched for the references alone. Inline text otherwise stays plain in the IR.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

MODALITY = {
    "MUST NOT": "must-not",
    "MUST": "must",
    "NEVER": "never",
    "ALWAYS": "always",
    "SHOULD NOT": "should-not",
    "SHOULD": "should",
}
KEYWORD_WORDS = tuple(dict.fromkeys(keyword.split()[0] for keyword in MODALITY))
RESOURCE_DIRS = ("scripts", "references", "assets")
# an inline code span: its backticks (group 1) and its text (group 2)
INLINE_CODE = re.compile(r"(`+)([^`\n]+?)\1")


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
    link: bool = False  # the target of a Markdown link, not a path mentioned in text or code


@dataclass(frozen=True)
class OutsideLink:
    """A relative link whose target leaves the skill folder."""

    offset: int
    target: str


SIGNIFICANT = ("CODE_SPAN", "LINK", "PATH", "KEYWORD", "SENTENCE_END")
REFERENCES = ("CODE_SPAN", "LINK", "PATH")
# What a reference starts with: CODE_SPAN a backtick, LINK `!` or `[`, PATH `./` or a resource
# folder. A lookahead on these lets the regex engine pass other positions without trying each
# alternative: four times faster on code blocks, which are mostly searched for nothing.
REFERENCE_START = "`![." + "".join(sorted({folder[0] for folder in RESOURCE_DIRS}))


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """The grammar's significant terminals as one alternation, highest priority first; the
    same for the `REFERENCES` alone, behind a lookahead for `REFERENCE_START`; `KEYWORD`; and
    any of `KEYWORD_WORDS` (found much faster than `KEYWORD`, whose `\\b` hinders `re`)."""
    from lark import Lark

    grammar = (Path(__file__).parents[1] / "grammar" / "inline.lark").read_text()
    terminals = {
        t.name: t for t in Lark(grammar, parser="lalr", lexer="basic", cache=True).terminals
    }

    def alternation(names: tuple[str, ...]) -> str:
        ordered = sorted(names, key=lambda name: -terminals[name].priority)
        return "|".join(f"(?P<{n}>{terminals[n].pattern.to_regexp()})" for n in ordered)

    references = f"(?=[{re.escape(REFERENCE_START)}])(?:{alternation(REFERENCES)})"
    keyword = terminals["KEYWORD"].pattern.to_regexp()
    words = "|".join(KEYWORD_WORDS)
    return tuple(re.compile(p) for p in (alternation(SIGNIFICANT), references, keyword, words))


def _resource(path: str, offset: int, link: bool = False) -> Reference | OutsideLink | None:
    """Classify a relative path: a bundled file, outside the skill, or not a file path."""
    target = path.split("#", 1)[0].split("?", 1)[0]
    if not target or "://" in target or target.startswith(("/", "mailto:", "#")) or ":" in target:
        return None
    norm = posixpath.normpath(target)
    if any(part.startswith("-") for part in norm.split("/")):
        return None  # "references/-only attribution": a word, not a file name
    if norm.split("/")[0] == "..":
        return OutsideLink(offset, target)
    head = norm.split("/")[0]
    if head in RESOURCE_DIRS and "/" in norm:
        return Reference(offset, norm, head, link)
    if "." in posixpath.basename(norm):
        return Reference(offset, norm, "file", link)
    return None


Found = Constraint | Reference | OutsideLink


@lru_cache(maxsize=8192)
def scan(text: str, prose: bool = True) -> tuple[Found, ...]:
    """Constraint sentences (only when `prose`) and bundled-file references in `text`
    (kept: a skill compiled for several targets is parsed again)."""
    spans, references, keywords, words = _patterns()
    # Without a keyword no constraint can start, and only the references matter: the keyword
    # and one-character sentence-end spans, which the full alternation steps over, cannot
    # hold the start of a reference, so the references alone match the same spans. Every
    # keyword contains one of `KEYWORD_WORDS`, every reference a backtick, bracket or slash.
    if prose and words.search(text) and keywords.search(text):
        pattern = spans
    elif "`" in text or "[" in text or "/" in text:
        pattern = references
    else:
        return ()
    found: list[Found] = []
    sentence_start = 0
    keyword: tuple[int, str] | None = None
    seen_paths: set[tuple[str, bool]] = set()

    def add(item: Reference | OutsideLink | None) -> None:
        key = (item.path, item.link) if isinstance(item, Reference) else None
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

    for match in pattern.finditer(text):
        kind, start, value = match.lastgroup, match.start(), match.group()
        if kind == "PATH":
            add(_resource(value.removeprefix("./"), start))
        elif kind == "CODE_SPAN" and "/" in value:  # a path has a slash
            for sub in references.finditer(value.strip("`")):
                if sub.lastgroup == "PATH":
                    add(_resource(sub.group().removeprefix("./"), start + 1 + sub.start()))
        elif kind == "LINK":
            target = value.split("](", 1)[1][:-1].split() if "](" in value else []
            add(
                _resource(target[0].strip("<>").removeprefix("./"), start, True) if target else None
            )
        elif kind == "KEYWORD" and prose and keyword is None:
            keyword = (start, " ".join(value.split()))
        elif kind == "SENTENCE_END":
            close_sentence(match.end())
            sentence_start = match.end()
    close_sentence(len(text))
    return tuple(found)


@lru_cache(maxsize=1024)
def scan_table(text: str) -> tuple[Found, ...]:
    """`scan` each cell of a pipe table on its own: cells and rows end sentences."""
    found: list[Found] = []
    for cell in re.finditer(r"[^|\n]+", text):
        for item in scan(cell.group()):
            found.append(dataclasses.replace(item, offset=item.offset + cell.start()))
    return tuple(found)
