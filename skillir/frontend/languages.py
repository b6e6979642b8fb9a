"""Code fence languages: the one table of which fence info words mean which language.

>>> canonical("Py"), canonical("tsx"), canonical("hcl")
('python', 'javascript', 'hcl')
"""

from __future__ import annotations

from functools import cache

from skillir.data import load


@cache
def _aliases() -> dict[str, str]:
    table = load("languages.toml")["languages"]
    return {alias: name for name, aliases in table.items() for alias in aliases}


def canonical(fence: str) -> str:
    """The canonical language of a fence's info word (`py` → `python`, `console` → `shell`);
    the word itself, lower-cased and stripped, when the table does not know it."""
    word = fence.strip().lower()
    return _aliases().get(word, word)


def is_session(fence: str) -> bool:
    """Whether the fence holds a terminal transcript (`console`): `$ ` lines are commands, the
    others their output."""
    return fence.strip().lower() in load("languages.toml")["sessions"]["fences"]
