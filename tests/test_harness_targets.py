"""Issue 15 item 11: targets come from `harnesses.toml` (GitHub Copilot and Gemini CLI are rows),
every harness records where it discovers skills (the shared `.agents/skills/` where it reads
it), its frontmatter keys and its skill-listing budget, each fact with a source; a description
the listing would cut is a compile warning; Codex gets `agents/openai.yaml` for a skill that
declares its invocation policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skillir.passes.lower_to_target import rewrite_tool_names
from skillir.targets.harnesses import harness, harnesses
from skillir.targets.manifest import MANIFEST
from skillir.tools.skill_translate import HARNESS_TARGETS
from skillir.tools.skill_translate import main as translate

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "pdf-report"


def _skill(tmp_path: Path, frontmatter: str, name: str = "deploy-site") -> Path:
    folder = tmp_path / "src" / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(
        f"---\nname: {name}\n{frontmatter}---\n\n# Deploy\n\n1. Run `make deploy`.\n"
    )
    return folder


def test_targets_are_the_rows_of_the_table():
    assert HARNESS_TARGETS == tuple(harnesses())
    assert {"copilot", "gemini"} <= set(HARNESS_TARGETS)


@pytest.mark.parametrize(
    ("target", "folder"),
    [("copilot", ".github/skills/pdf-report"), ("gemini", ".gemini/skills/pdf-report")],
)
def test_new_harnesses_compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, folder: str
):
    out = tmp_path / target / "pdf-report"
    assert translate([str(EXAMPLE), f"--target={target}", "--no-compensate", "-o", str(out)]) == 0
    assert (out / "SKILL.md").read_bytes() == (EXAMPLE / "SKILL.md").read_bytes()
    assert translate([str(EXAMPLE), "-t", "prompt", f"--harness={target}", "--no-compensate"]) == 0
    assert f"<location>{folder}/SKILL.md</location>" in capsys.readouterr().out


def test_every_fact_has_a_source():
    facts = (
        "skill_dir", "user_skill_dir", "alt_skill_dirs", "injection", "parallel_tool_calls",
        "subagents", "frontmatter", "tools", "listing_cut", "listing_keys",
        "listing_budget_chars", "listing_budget_percent",
    )  # fmt: skip
    for h in harnesses().values():
        for fact in facts:
            value = getattr(h, fact)
            if value and value != ("description",):
                assert any(key.split(".")[0] == fact for key in h.sources), (h.id, fact)
        if h.injection == "folder":
            assert h.discovery_dirs("x")[0] == h.folder("x")


def test_who_reads_the_shared_agents_folder():
    readers = {h.id for h in harnesses().values() if h.reads_agents_dir}
    assert readers == {"codex", "opencode", "openclaw", "hermes", "copilot", "gemini"}
    assert not harness("claude-code").reads_agents_dir
    assert ".github/skills/x" in harness("copilot").discovery_dirs("x")
    assert "~/.copilot/skills/x" in harness("copilot").discovery_dirs("x")


def test_listing_budgets():
    claude, codex = harness("claude-code"), harness("codex")
    fits = {"description": "d" * 1000, "when_to_use": "w" * 535}  # joined by a space: 1,536
    assert claude.listing_problem(fits) is None
    cut = claude.listing_problem({**fits, "when_to_use": "w" * 536})
    assert cut and "first 1,536 characters of `description` and `when_to_use`" in cut
    assert codex.listing_problem({"description": "d" * 8000}) is None
    assert "2 % of the context or 8,000 characters" in codex.listing_problem(
        {"description": "d" * 8001}
    )
    assert harness("gemini").listing_problem({"description": "d" * 9000}) is None


def test_a_description_the_listing_cuts_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    long = _skill(tmp_path, f"description: {'Deploy the site. ' * 100}\n")
    assert translate([str(long), "--target=claude-code", "--no-compensate"]) == 0
    err = capsys.readouterr().err
    assert f"{long}/SKILL.md:3:1: warning: Claude Code shows the first 1,536 characters" in err
    assert translate([str(long), "--target=opencode", "--no-compensate"]) == 0
    assert "skill listing" not in capsys.readouterr().err


def test_tool_limits_a_harness_does_not_read_are_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    limited = _skill(tmp_path, "description: Deploy the site.\nallowed-tools: Read Bash(make:*)\n")
    assert translate([str(limited), "--target=codex", "--no-compensate"]) == 0
    err = capsys.readouterr().err
    assert (
        f"{limited}/SKILL.md:4:1: warning: Codex CLI does not read `allowed-tools`: the tool limits"
        in err
    )
    assert translate([str(limited), "--target=claude-code", "--no-compensate"]) == 0
    assert "allowed-tools" not in capsys.readouterr().err


def test_codex_sidecar_for_a_declared_invocation_policy(tmp_path: Path):
    declared = _skill(
        tmp_path, "description: Deploy the site.\ndisable-model-invocation: true\n", "declared"
    )
    out = tmp_path / "out" / "declared"
    assert translate([str(declared), "--target=codex", "--no-compensate", "-o", str(out)]) == 0
    assert "allow_implicit_invocation: false" in (out / "agents" / "openai.yaml").read_text()
    assert "agents/openai.yaml" in json.loads((out / MANIFEST).read_text())["generated"]
    # for another harness the generated sidecar is not a bundled file of the skill
    other = tmp_path / "claude" / "declared"
    assert translate([str(out), "--target=claude-code", "--no-compensate", "-o", str(other)]) == 0
    assert not (other / "agents").exists()
    # nothing declared: no sidecar; the skill's own sidecar is kept as it is
    plain = _skill(tmp_path, "description: Deploy the site.\n", "plain")
    assert translate([str(plain), "--target=codex", "--no-compensate", "-o", str(out)]) == 0
    assert not (out / "agents").exists()
    (declared / "agents").mkdir()
    (declared / "agents" / "openai.yaml").write_text("interface:\n  display_name: Mine\n")
    assert translate([str(declared), "--target=codex", "--no-compensate", "-o", str(out)]) == 0
    assert (out / "agents" / "openai.yaml").read_text() == "interface:\n  display_name: Mine\n"


@pytest.mark.parametrize(
    ("target", "text", "expected"),
    [
        ("gemini", "Use the `Bash` tool.", "Use the `run_shell_command` tool."),
        ("gemini", "Open it with the Read tool.", "Open it with the read_file tool."),
        ("copilot", "Search with the Grep tool.", "Search with the grep tool."),
        ("copilot", "Open it with the Read tool.", "Open it with the view tool."),
    ],
)
def test_tool_names_of_the_new_harnesses(target: str, text: str, expected: str):
    assert rewrite_tool_names(text, harness(target)) == expected
