"""Agent harness facts (`skillir/data/harnesses.toml`, a source note per fact): where a skill
folder goes (and every folder the harness discovers skills in), how the skill reaches the model
and how much of its description the harness's skill listing shows, the harness's tool names,
and what it can run concurrently. Each row is a `skill-translate --target`.

    >>> harness("claude-code").tools["shell"]
    'Bash'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from skillir.data import load

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
    alt_skill_dirs: tuple[str, ...] = ()
    listing_cut: int | None = None
    listing_keys: tuple[str, ...] = ("description",)
    listing_budget_chars: int | None = None
    listing_budget_percent: int | None = None

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

    def discovery_dirs(self, skill_name: str) -> tuple[str, ...]:
        """Every folder the harness finds the skill in: project, user, then the others."""
        dirs = (self.skill_dir, self.user_skill_dir, *self.alt_skill_dirs)
        return tuple(d.format(name=skill_name) for d in dirs if d)

    @property
    def reads_agents_dir(self) -> bool:
        """Whether the harness reads the shared `.agents/skills/` folder."""
        return any(
            d.startswith(".agents/skills/") for d in (self.skill_dir or "", *self.alt_skill_dirs)
        )

    def listing_problem(self, frontmatter: dict[str, object]) -> str | None:
        """Why the harness's skill listing would cut this skill's entry (its `listing_keys`
        joined), or None when the entry fits."""
        text = " ".join(
            str(frontmatter[k]).strip() for k in self.listing_keys if frontmatter.get(k)
        )
        keys = " and ".join(f"`{k}`" for k in self.listing_keys)
        if self.listing_cut is not None and len(text) > self.listing_cut:
            return (
                f"{self.name} shows the first {self.listing_cut:,} characters of {keys} in its "
                f"skill listing; this skill's hold {len(text):,}: say first when to use it"
            )
        if self.listing_budget_chars is not None and len(text) > self.listing_budget_chars:
            share = (
                f"{self.listing_budget_percent} % of the context or "
                if self.listing_budget_percent
                else ""
            )
            return (
                f"{self.name} lists all skills within {share}{self.listing_budget_chars:,} "
                f"characters; this skill's {keys} alone hold {len(text):,} and will be shortened"
            )
        return None


@cache
def harnesses() -> dict[str, Harness]:
    """Every harness of the table, by id."""
    table = load(HARNESSES_FILE)["harness"]
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
            alt_skill_dirs=tuple(row.get("alt_skill_dirs", ())),
            listing_cut=row.get("listing_cut"),
            listing_keys=tuple(row.get("listing_keys", ("description",))),
            listing_budget_chars=row.get("listing_budget_chars"),
            listing_budget_percent=row.get("listing_budget_percent"),
        )
    return out


# other spellings of a harness's id: SkVM's profiles call the bare agent `bare-agent`
ALIASES = {"bare-agent": "bare"}


def harness_id(name: str) -> str:
    """The table id of a harness name: lower-cased, stripped, aliases resolved
    (`Bare-Agent` is `bare`)."""
    lowered = name.strip().lower()
    return ALIASES.get(lowered, lowered)


def harness(name: str) -> Harness:
    """A harness by id (`bare-agent` is `bare`); LookupError names the known ones."""
    found = harnesses().get(harness_id(name))
    if found is None:
        raise LookupError(f"unknown harness '{name}' (known: {', '.join(sorted(harnesses()))})")
    return found
