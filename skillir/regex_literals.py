"""The literals every match of a regular expression contains, for cheap prefilters.

A rule's or a phrase table's expression is run only on texts holding one of its literals
(finding literals is far cheaper than running the `re` engine on text that cannot match). The
analysis understands the subset of regular expression syntax skillir's patterns use; anything
else makes the answer None (no prefilter), never a wrong literal. `LiteralIndex` finds where
many such literals occur in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import ahocorasick

# The characters `re` matches with an ASCII letter when ignoring case though `str.lower` does
# not turn them into it (U+0130 also lowers to two characters); a test checks this against
# `re` over every code point.
_RE_CASE_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s"}
_FOLD_TABLE = str.maketrans(_RE_CASE_FOLDS)


def fold_case(text: str) -> str:
    """`text` in lower case, of the same length, such that wherever a case-insensitive pattern
    matches a `caseless_safe` literal in `text`, the literal is at the same offset here."""
    if text.isascii() or not any(char in text for char in _RE_CASE_FOLDS):
        return text.lower()
    return text.translate(_FOLD_TABLE).lower()


def caseless_safe(literal: str) -> bool:
    """Whether `literal` is lower-case ASCII or caseless characters (as `fold_case` needs)."""
    return all((ch.isascii() and not ch.isupper()) or ch.lower() == ch.upper() for ch in literal)


class LiteralIndex:
    """Every occurrence of a fixed set of literals in a text, found in one pass over it (an
    Aho–Corasick automaton): the requirement rules have some 380 literals, most absent from a
    given skill, and one `str.find` per literal costs five times as much."""

    def __init__(self, literals: Iterable[str]) -> None:
        self.literals = frozenset(literals)
        self._automaton = ahocorasick.Automaton()
        for literal in self.literals:
            self._automaton.add_word(literal, literal)
        self._automaton.make_automaton()

    def present(self, text: str) -> set[str]:
        """The literals that occur in `text`."""
        if not self.literals:
            return set()
        return {literal for _, literal in self._automaton.iter(text)}

    def starts(self, text: str) -> dict[str, list[int]]:
        """The offsets in `text` where each literal that occurs there starts, ascending."""
        found: dict[str, list[int]] = {}
        if not self.literals:
            return found
        for end, literal in self._automaton.iter(text):
            found.setdefault(literal, []).append(end - len(literal) + 1)
        return found


def literal_prefixes(pattern: str) -> tuple[str, ...] | None:
    """Literals one of which every match of `pattern` contains, or None when there are none.

    For each top-level alternative, the most selective required piece: a literal run, or a
    (not optional) group whose alternatives all contain a literal. Understands the subset of
    regular expression syntax the rule file uses; anything else only makes the result None.
    """
    found: list[str] = []
    for alternative in _split_alternatives(pattern):
        best = _required_literals(alternative)
        if best is None:
            return None
        found.extend(best)
    unique = list(dict.fromkeys(found))
    return tuple(t for t in unique if not any(o != t and o in t for o in unique))


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """(index, char, nesting depth) of a regex's structural chars: escapes and the inside of
    character classes skipped; `(` reports the depth outside it, `)` the depth inside."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            yield i, ch, depth
            depth += 1
        elif ch == ")":
            yield i, ch, depth
            depth -= 1
        elif ch == "|":
            yield i, ch, depth
        i += 1


def _split_alternatives(pattern: str) -> list[str]:
    parts, start = [], 0
    for i, ch, depth in _structure(pattern):
        if ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def _group_end(text: str, start: int) -> int | None:
    """Index of the `)` closing the group that opens at `start`."""
    for i, ch, depth in _structure(text[start:]):
        if ch == ")" and depth == 1:
            return start + i
    return None


_LITERAL_ESCAPES = set(".-$()[]{}*+?|/\\^&#'\" ")
_QUANTIFIER = re.compile(r"[?*+]\??|\{(\d*)(?:,\d*)?\}\??")


def _required_literals(seq: str) -> tuple[str, ...] | None:
    items: list[tuple[str, ...]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            items.append(("".join(run),))
            run.clear()

    i = 0
    while i < len(seq):
        ch = seq[i]
        quantifier = None
        if ch == "\\" and i + 1 < len(seq) and seq[i + 1] in _LITERAL_ESCAPES:
            atom, i = seq[i + 1], i + 2
        elif ch == "\\" or ch == "." or ch == "[":
            if ch == "[":
                close = seq.find("]", i + 2)
                i = len(seq) if close == -1 else close + 1
            else:
                i += 2 if ch == "\\" else 1
            flush()
            if quantifier := _QUANTIFIER.match(seq, i):
                i = quantifier.end()
            continue
        elif ch in "^$":
            flush()
            i += 1
            continue
        elif ch == "(":
            end = _group_end(seq, i)
            if end is None:
                return None
            inner = seq[i + 1 : end]
            i = end + 1
            flush()
            quantifier = _QUANTIFIER.match(seq, i)
            if quantifier:
                i = quantifier.end()
            if inner.startswith("?:"):
                inner = inner[2:]
            elif inner.startswith("?P<"):
                inner = inner[inner.index(">") + 1 :]
            elif inner.startswith("?"):
                continue
            optional = quantifier is not None and (
                quantifier.group(0)[0] in "?*" or quantifier.group(1) in ("", "0")
            )
            if optional:
                continue
            sets = [_required_literals(a) for a in _split_alternatives(inner)]
            if all(s is not None for s in sets):
                items.append(tuple(x for s in sets for x in s))  # type: ignore[union-attr]
            continue
        else:
            atom, i = ch, i + 1
        quantifier = _QUANTIFIER.match(seq, i)
        if quantifier:
            i = quantifier.end()
            optional = quantifier.group(0)[0] in "?*" or quantifier.group(1) in ("", "0")
            if not optional:
                run.append(atom)
            flush()
        else:
            run.append(atom)
    flush()
    if not items:
        return None
    return max(items, key=lambda s: (min(len(x.strip()) for x in s), -len(s)))
