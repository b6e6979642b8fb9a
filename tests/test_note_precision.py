"""The notes a compile adds, measured on the labelled set (`bench/note_precision.py`,
`tests/data/note_precision/`): every note of the passes this set judges is labelled, at least
90 % are useful, and none is harmful. Skips when ../shared is absent.

The environment note (`lower-env`) is reported by the bench but not held to these targets
here: its dependency list is extract-deps' (per-platform alternatives, template slots read as
variables), measured by `tests/data/deps_accuracy`.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import CORPUS, REPO

JUDGED = ("substitute", "degrade", "lower-par")


@pytest.fixture(scope="module")
def bench():
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    spec = importlib.util.spec_from_file_location(
        "note_precision", REPO / "bench" / "note_precision.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["note_precision"] = module
    spec.loader.exec_module(module)
    return module


def test_the_set_is_large_enough(bench) -> None:
    names = bench.skill_names()
    corpus = [n for n in names if n.startswith("corpus/")]
    assert len(corpus) >= 30 and len(names) > len(corpus)
    for name in names:
        assert (bench.skill_path(name) / "SKILL.md").is_file(), name
    labels = bench.load_labels()
    assert labels and all(v["label"] in bench.LABELS for v in labels.values())


def test_note_precision_and_no_harmful_note(bench) -> None:
    report = bench.evaluate()
    judged = sum((report.counts.get(origin, bench.Counter()) for origin in JUDGED), bench.Counter())
    unlabelled = [n.key for n in report.unlabelled if n.origin.split()[0] in JUDGED]
    assert not unlabelled, f"label these notes (bench/note_precision.py --unlabelled): {unlabelled}"
    assert judged["harmful"] == 0, judged
    assert bench.Report.precision(judged) >= 0.9, judged


def test_a_changed_note_reads_as_unlabelled(bench) -> None:
    """Labels are keyed by skill, profile, harness, pass, anchor line and a digest of the note's
    text: the same place with other words is a new note."""
    note = bench.Note("own/x", "weak", "codex", "degrade tool.exec", 12, "Do this.")
    other = bench.Note("own/x", "weak", "codex", "degrade tool.exec", 12, "Do that.")
    moved = bench.Note("own/x", "weak", "codex", "degrade tool.exec", 13, "Do this.")
    assert len({note.key, other.key, moved.key}) == 3


# -- the environment note's classes of wrong dependencies (issue 15, env notes) ----------------


def _env_deps(text: str) -> set[tuple[str, str]]:
    """(kind, name) of every dependency extract-deps finds in a SKILL.md text."""
    from skillir.deps import skill_deps
    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend import parse_skill

    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    deps, _ = skill_deps(module.body.block.first_op, None)
    return {(d.kind, d.name) for d in deps if d.kind != "tool"}


HEAD = "---\nname: x\ndescription: Does x.\n---\n\n"


def test_npx_options_after_the_command_are_the_commands() -> None:
    """`npx expo export -p web`: `-p` is expo's platform flag, not npx's package (was: an npm
    package `web` in eas-hosting's setup)."""
    deps = _env_deps(
        HEAD + "Export with `npx expo export -p web`.\n\n```bash\nnpx -p cowsay x\n```\n"
    )
    assert ("npm", "expo") in deps and ("npm", "cowsay") in deps
    assert ("npm", "web") not in deps


def test_programs_preferred_against_and_trigger_sections_are_not_dependencies() -> None:
    """ "Prefer `gh api` over `curl` or `wget`" and a "When to Use" bullet about `curl` name
    what the skill replaces (was: gh-cli's setup demanded curl and wget)."""
    text = HEAD + (
        "## When to Use\n\n- You are about to use `curl`, `wget`, or unauthenticated fetches.\n\n"
        "## Guidance\n\n- Prefer `gh repo view`, `gh pr view`, `gh pr list`, `gh issue view`, "
        "and `gh api` over unauthenticated `curl` or `wget`.\n- Run `jq .` on the output.\n"
    )
    deps = _env_deps(text)
    assert ("binary", "gh") in deps and ("binary", "jq") in deps
    assert not {("binary", "curl"), ("binary", "wget")} & deps


def test_a_server_the_skill_starts_is_not_a_service_it_needs() -> None:
    """ "This starts a local server at http://localhost:8081" then `curl localhost:8081`: the
    skill's own server (was: eas-hosting's setup demanded a running localhost:8081)."""
    text = HEAD + (
        "```bash\nnpx expo serve\n```\n\nThis starts a local server at `http://localhost:8081`.\n"
        "\n```bash\ncurl http://localhost:8081/api/hello\n```\n\nThe database runs at "
        "http://localhost:5432 already.\n"
    )
    deps = _env_deps(text)
    assert ("service", "localhost:8081") not in deps
    assert ("service", "localhost:5432") in deps


def test_application_code_reads_the_apps_configuration() -> None:
    """`process.env.OPENAI_API_KEY` in an API route the skill shows is the deployed app's
    setting, not the agent's environment (was: eas-hosting's note said 'never invent a value'
    for four app variables); a bundled script's reads and a shell `export` still count."""
    text = HEAD + (
        "```ts\n// app/api/chat+api.ts\nconst key = process.env.OPENAI_API_KEY;\n```\n\n"
        '```bash\nexport DEPLOY_TOKEN\ncurl -H "Authorization: $DEPLOY_TOKEN" https://x.dev\n```\n'
    )
    deps = _env_deps(text)
    assert ("env", "OPENAI_API_KEY") not in deps
    assert ("env", "DEPLOY_TOKEN") in deps


def test_a_value_written_into_dotenv_is_a_slot() -> None:
    """`echo "K=${API_KEY_FROM_USER}" >> .env`: the skill writes the user's value (was: an
    environment variable API_KEY_FROM_USER in add-parallel's note)."""
    text = HEAD + (
        '```bash\necho "PARALLEL_API_KEY=${API_KEY_FROM_USER}" >> .env\n'
        'sed -i.bak "s/^PARALLEL_API_KEY=.*/PARALLEL_API_KEY=${API_KEY_FROM_USER}/" .env\n```\n\n'
        'Set `SERVICE_ROLE` in your environment, then run `curl -H "X: $SERVICE_ROLE" https://x.dev`.\n'
    )
    deps = _env_deps(text)
    assert ("env", "API_KEY_FROM_USER") not in deps
    assert ("env", "SERVICE_ROLE") in deps
