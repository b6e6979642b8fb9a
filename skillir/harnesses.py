"""Agent harness facts (`skillir/data/harnesses.toml`, a source note per fact): where a skill
folder goes, how the skill reaches the model, the harness's tool names, and what it can run
concurrently.

    >>> harness("claude-code").tools["shell"]
    'Bash'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

HARNESSES_FILE = "harnesses.toml"
ROLES = (
    "shell", "read", "write", "edit", "list", "glob", "grep", "web_fetch", "web_search",
    "subagent", "todo",
)  # fmt: skip

_SHELL_DOES = ("read", "write", "list", "glob", "grep", "web_fetch")


@dataclass(frozen=True)
class Harness:
    id: str
    name: str
    injection: str
    skill_dir: str | None
    user_skill_dir: str | None
    parallel_tool_calls: bool
    subagents: bool
    frontmatter: tuple[str, ...]
    tools: dict[str, str]
    sources: dict[str, str]

    def tool(self, role: str) -> str | None:
        """The harness's tool for a role. A role it lacks falls back to its write tool (edit) or
        its shell tool (read, list, glob, grep, web_fetch: `cat`, `ls`, `grep`, `curl` do the
        job); sub-agents, web search and to-do lists have no stand-in (None)."""
        if role in self.tools:
            return self.tools[role]
        if role == "edit" and "write" in self.tools:
            return self.tools["write"]
        if role in _SHELL_DOES:
            return self.tools["shell"]
        return None

    def folder(self, skill_name: str) -> str | None:
        return self.skill_dir.format(name=skill_name) if self.skill_dir else None


@cache
def harnesses() -> dict[str, Harness]:
    """Every harness of the table, by id."""
    text = resources.files("skillir.data").joinpath(HARNESSES_FILE).read_text(encoding="utf-8")
    table = tomllib.loads(text)["harness"]
    out = {}
    for key, row in table.items():
        out[key] = Harness(
            id=key,
            name=row["name"],
            injection=row["injection"],
            skill_dir=row.get("skill_dir"),
            user_skill_dir=row.get("user_skill_dir"),
            parallel_tool_calls=bool(row.get("parallel_tool_calls", False)),
            subagents=bool(row.get("subagents", False)),
            frontmatter=tuple(row.get("frontmatter", ())),
            tools=dict(row.get("tools", {})),
            sources=dict(row.get("sources", {})),
        )
    return out


def harness(name: str) -> Harness:
    """A harness by id (`bare-agent` is `bare`); LookupError names the known ones."""
    key = "bare" if name.strip().lower() in ("bare", "bare-agent") else name.strip().lower()
    found = harnesses().get(key)
    if found is None:
        raise LookupError(f"unknown harness '{name}' (known: {', '.join(sorted(harnesses()))})")
    return found
