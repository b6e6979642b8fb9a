"""Parallelism notes only where they hold (issue 15, item 3; the held-out lower-par notes):

- a package manager that rewrites the project's manifest (`uv add`, `npm install`, `cargo add`)
  writes it, and a config section (`[tool.mypy]`) stands for the file that holds it, so a step
  editing that file waits for the command (modern-python's "From mypy / pyright");
- a numbered list cut by a code block or a paragraph and going on with the next number is one
  procedure (docx's image recipe), never two;
- a sub-agent note needs two chains that carry real work: one-line deletes, moves and `git
  add`s get none (modern-python's "From requirements.txt").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from xdsl.context import Context

from skillir.analysis.par.dataflow import procedures
from skillir.analysis.par.effects import manifest_writes, path_resource, shell_effects
from skillir.diagnostics import DiagnosticSink
from skillir.dialects import par, skill
from skillir.frontend.parser import parse_skill
from skillir.passes.build_dataflow import BuildDataflow
from skillir.passes.extract_parallelism import ExtractParallelism
from skillir.passes.lower_to_target import LowerParToTarget
from skillir.targets.plan import plan

HEAD = "---\nname: t\ndescription: A test skill. Use when testing.\n---\n\n# T\n\n## Workflow\n\n"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _module(body: str):
    module = parse_skill((HEAD + body).encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    BuildDataflow().apply(Context(), module)
    ExtractParallelism().apply(Context(), module)
    module.verify()
    return module


def _graphs(body: str) -> list[dict]:
    return plan(_module(body))["skills"][0]["graphs"]


def _edges(graph: dict) -> set[tuple[str, str]]:
    return {(a["task"], t["id"]) for t in graph["tasks"] for a in t["after"]}


def _notes(body: str, harness: str = "claude-code") -> list[str]:
    module = _module(body)
    LowerParToTarget(harness=harness).apply(Context(), module)
    return [
        op.text.data.removeprefix("**Note:** ")
        for op in module.walk()
        if isinstance(op, skill.QuoteOp) and "lower-par" in str(op.attributes.get("cap.origin"))
    ]


# --- manifest writers and config sections ---------------------------------------------------


MYPY = (
    "1. Remove mypy/pyright via `uv remove`\n"
    "2. Delete `mypy.ini`, `pyrightconfig.json`, or `[tool.mypy]`/`[tool.pyright]` sections\n"
    "3. Add ty: `uv add --group dev ty`\n"
    "4. Run `uv run ty check src/`\n"
)


def test_a_manifest_writer_and_an_edit_of_its_manifest_stay_in_order():
    (graph,) = _graphs(MYPY)
    assert _edges(graph) == {("1", "2"), ("2", "3"), ("3", "4")}
    assert _notes(MYPY) == []


@pytest.mark.parametrize(
    ("command", "edit"),
    [
        ("npm install lodash", 'Add a `"test"` script to `package.json`.'),
        ("pnpm add zod", 'Set the `"type"` field of `package.json` to module.'),
        ("yarn add react", 'Update the `"engines"` entry of `package.json`.'),
        ("cargo add serde", "Edit `Cargo.toml` to enable the `derive` feature."),
        ("go mod tidy", "Update the Go version in `go.mod`."),
        ("poetry add httpx", "Remove the `[tool.poetry.scripts]` table."),
        ("uv sync", "Delete the `[tool.uv.sources]` section from `pyproject.toml`."),
        ("bundle add rails", "Update the ruby version in `Gemfile`."),
        ("composer require guzzle", "Edit `composer.json` to add the autoload entry."),
    ],
)
def test_package_manager_commands_write_their_manifest(command: str, edit: str):
    """The edit comes first and the command second, and the other way round: either way one
    waits for the other."""
    for body in (f"1. Run `{command}`.\n2. {edit}\n", f"1. {edit}\n2. Run `{command}`.\n"):
        (graph,) = _graphs(body)
        assert _edges(graph) == {("1", "2")}, body


def test_global_installs_and_other_folders():
    assert manifest_writes("npm", ["install", "-g", "docx"]) == ()
    assert manifest_writes("yarn", ["global", "add", "x"]) == ()
    assert manifest_writes("npm", ["--prefix", "web", "install"]) == ("dir:.",)
    assert manifest_writes("uv", ["pip", "install", "x"]) == ()
    assert "file:uv.lock" in shell_effects("uv add httpx")[1]
    assert "file:package-lock.json" in shell_effects("npm ci")[1]


def test_a_section_names_its_file():
    """`[tool.*]` lives in pyproject.toml; another section in the config file the text names;
    with none named, in some file of the project (the whole work directory)."""
    tasks = procedures(
        parse_skill(
            (
                HEAD + "1. Delete the `[flake8]` section of `setup.cfg`.\n"
                "2. Remove the `[tool.black]` table.\n"
                "3. Delete the `[server]` section.\n"
                "4. Clean `pyproject.toml [tool.isort]` up.\n"
            ).encode(),
            "SKILL.md",
            DiagnosticSink("SKILL.md"),
        )
    )[0].tasks
    assert [sorted(w for w in t.writes if not w.startswith("value:")) for t in tasks] == [
        ["file:setup.cfg"],
        ["file:pyproject.toml"],
        ["dir:."],
        ["file:pyproject.toml"],
    ]


def test_removing_from_a_file_writes_it():
    (graph,) = _graphs(
        "1. Remove the `black` entry from `.pre-commit-config.yaml`.\n"
        "2. Add the ruff hook to `.pre-commit-config.yaml`.\n"
    )
    assert _edges(graph) == {("1", "2")}


def test_adding_to_version_control_writes_the_git_index():
    (graph,) = _graphs(
        "1. Add `uv.lock` to version control.\n2. Commit: `git commit -m 'use uv'`\n"
    )
    task = graph["tasks"][0]
    assert "effect:git" in task["writes"] and "file:uv.lock" not in task["writes"]
    assert _edges(graph) == {("1", "2")}


def test_adding_a_file_is_still_writing_it():
    """Only "add `f` to version control/git/the repo" is a git write; "add `f` ... and commit"
    creates `f`, and a checkbox or an index in code is no config section."""
    tasks = procedures(
        parse_skill(
            (
                HEAD + "1. Add `config.yaml` with the defaults, then commit.\n"
                "2. Add `notes.md` to git.\n"
                "3. Add `[x]` to `todo.md`.\n"
            ).encode(),
            "SKILL.md",
            DiagnosticSink("SKILL.md"),
        )
    )[0].tasks
    assert [sorted(w for w in t.writes if not w.startswith("value:")) for t in tasks] == [
        ["file:config.yaml"],
        ["effect:git"],
        ["file:todo.md"],
    ]


def test_copying_from_an_unnamed_place_reads_the_project():
    """modern-python "From setup.py": copying the metadata to `[project]` reads setup.py
    (unnamed), so deleting setup.py waits for it."""
    (graph,) = _graphs(
        "1. Copy non-dependency metadata (name, version, description, etc.) to `[project]`\n"
        "2. Delete `setup.py`, `setup.cfg`, `MANIFEST.in`\n"
    )
    assert _edges(graph) == {("1", "2")}


def test_a_word_inside_inline_code_is_no_verb():
    """`x/draft.pdf` holds "draft" (a verb of the lexicon): the verb governing it is Convert."""
    (graph,) = _graphs("1. Convert `x/draft.md` to `x/draft.pdf`.\n2. Read `x/draft.pdf`.\n")
    assert graph["tasks"][0]["writes"] == ["file:x/draft.pdf"]
    assert _edges(graph) == {("1", "2")}


def test_a_bracketed_name_is_a_file_not_a_glob():
    assert path_resource("[Content_Types].xml") == "file:[Content_Types].xml"
    assert path_resource("app/[userId]/page.tsx") == "file:app/[userId]/page.tsx"
    assert path_resource("[abc].txt") == "glob:[abc].txt"


# --- a list cut by a block is one procedure -------------------------------------------------


DOCX_IMAGES = (
    "1. Add image file to `word/media/`\n"
    "2. Add relationship to `word/_rels/document.xml.rels`:\n"
    '```xml\n<Relationship Id="rId5" Type=".../image" Target="media/image1.png"/>\n```\n'
    "3. Add content type to `[Content_Types].xml`:\n"
    '```xml\n<Default Extension="png" ContentType="image/png"/>\n```\n'
    "4. Reference in document.xml:\n"
    '```xml\n<pic:blipFill><a:blip r:embed="rId5"/></pic:blipFill>\n```\n'
)


def test_a_list_cut_by_code_blocks_is_one_procedure():
    (graph,) = _graphs(DOCX_IMAGES)
    assert [t["id"] for t in graph["tasks"]] == ["1", "2", "3", "4"]
    assert {("1", "4"), ("2", "4"), ("3", "4")} <= _edges(graph)
    assert _notes(DOCX_IMAGES) == [] and _notes(DOCX_IMAGES, "codex") == []


def test_the_blocks_between_items_belong_to_the_item_before():
    """The command of item 1 is in the block after it: item 2 reads what it writes."""
    (graph,) = _graphs(
        "1. Export the table:\n```bash\nsqlite3 db.sqlite .dump > dump.sql\n```\n"
        "2. Count the lines of `dump.sql`.\n"
    )
    assert _edges(graph) == {("1", "2")}


def test_a_new_list_after_a_block_is_another_procedure():
    """A list starting again at 1, or skipping a number, after a block is not the same list."""
    assert (
        len(
            _graphs(
                "1. Read `a.md`.\n2. Read `b.md`.\n\nText.\n\n1. Read `c.md`.\n2. Read `d.md`.\n"
            )
        )
        == 2
    )
    body = "1. Read `a.md`.\n2. Read `b.md`.\n\nText.\n\n5. Read `c.md`.\n6. Read `d.md`.\n"
    assert [[t["id"] for t in g["tasks"]] for g in _graphs(body)] == [["1", "2"], ["5", "6"]]


# --- sub-agents only for real work ----------------------------------------------------------


TRIVIAL = (
    "1. Delete `requirements.txt`, `requirements-dev.txt`\n"
    "2. Delete virtual environment (`venv/`, `.venv/`)\n"
    "3. Add `uv.lock` to version control\n"
)


def test_one_line_bookkeeping_chains_get_no_sub_agent_note():
    (graph,) = _graphs(TRIVIAL)
    assert "tlp" in graph["schedule"][0]  # independent: the plan keeps the region
    assert _notes(TRIVIAL) == [] and _notes(TRIVIAL, "codex") == []


PREVIEWS = (
    "1. Make the previews:\n"
    "   ```bash\n   ffmpeg -i a/in.mov a/small.mp4\n   ffmpeg -i a/in.mov a/thumb.png\n   ```\n"
)
WORK = PREVIEWS + (
    "2. Download the data:\n"
    "   ```bash\n   curl -o b/a.json https://example.com/a.json\n"
    "   curl -o b/b.json https://example.com/b.json\n   ```\n"
)


# the author's word that the steps may run apart, in the text that introduces them
APART = "Both steps are independent of each other.\n\n"


def test_chains_with_real_work_keep_their_note():
    notes = _notes(APART + WORK)
    assert len(notes) == 1 and notes[0].startswith("These chains are independent: step 1; step 2")


@pytest.mark.parametrize(
    "said",
    [
        "",
        "Run the two steps below.\n\n",
        "Both steps depend on the network.\n\n",
    ],
)
def test_no_sub_agent_note_without_the_authors_word(said: str):
    """Held-out rounds 9-11: every sub-agent note the dataflow alone proposed split steps that
    depend on each other in meaning (the schemas describe what the code reads). Sub-agents
    do not see each other's work, so the note needs the skill to say the work may run apart;
    the region stays in `plan.json` either way."""
    assert _notes(said + WORK) == []
    (graph,) = _graphs(said + WORK)
    assert "tlp" in graph["schedule"][0]


@pytest.mark.parametrize(
    "said",
    [
        "Make the previews and download the data in parallel.\n\n",
        "These can run in any order.\n\n",
        "The two steps do not depend on each other.\n\n",
    ],
)
def test_the_authors_word_in_any_form_keeps_the_note(said: str):
    assert len(_notes(said + WORK)) == 1


def test_one_chain_of_work_is_not_enough():
    """Two transcodes beside a one-line delete: one sub-agent would do all the work."""
    body = PREVIEWS + "2. Delete `b/`.\n"
    (graph,) = _graphs(body)
    assert "tlp" in graph["schedule"][0]
    assert _notes(body) == []


def test_chains_of_several_steps_are_work():
    body = APART + (
        "1. Write the draft to `a/draft.md`.\n2. Convert `a/draft.md` to `a/draft.pdf`.\n"
        "3. Write the notes to `b/notes.md`.\n4. Convert `b/notes.md` to `b/notes.pdf`.\n"
    )
    assert len(_notes(body)) == 1


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_modern_python_gets_no_sub_agent_note():
    """The held-out skill of both classes: no lower-par note at all for either harness."""
    text = (CORPUS / "trailofbits__skills" / "modern-python" / "SKILL.md").read_bytes()
    for harness in ("claude-code", "codex"):
        module = parse_skill(text, "SKILL.md", DiagnosticSink("SKILL.md"))
        for p in (BuildDataflow(), ExtractParallelism(), LowerParToTarget(harness=harness)):
            p.apply(Context(), module)
        assert not [
            op
            for op in module.walk()
            if isinstance(op, skill.QuoteOp) and "lower-par" in str(op.attributes.get("cap.origin"))
        ]
        regions = [op for op in module.walk() if isinstance(op, par.TlpOp)]
        assert len(regions) == 1  # "From requirements.txt": independent, but not worth it


# --- held-out round 6 ------------------------------------------------------------------------


def test_how_often_a_step_runs_is_no_list_of_items():
    step = "1. Read `config.yaml`.\n2. **Read its body** with `ph get x`: the agent does this {}.\n"
    assert not _notes(step.format("every run"))
    assert _notes(step.format("for every page"))


def test_a_skill_that_plans_its_own_parallel_work_gets_no_region_note():
    """ui-test runs pages in parallel only in named browser sessions ("Workflow C: Parallel
    Testing"); a concurrent map of its exploratory steps would drive one shared browser."""
    steps = "1. Read `config.yaml`.\n2. For each page in `pages.txt`, run `browse open` on it.\n"
    assert _notes(steps)
    assert not _notes(steps + "\n## Workflow C: Parallel Testing\n\nUse named sessions.\n")


def test_a_question_to_the_user_and_a_placeholder_argument_order_the_steps():
    """Held-out round 7 (file-organizer): step 1 asks which directory; step 4 runs `find
    [directory]` on the answer. Neither may be handed to its own sub-agent."""
    body = (
        "1. **Understand the scope**\n\n   Ask clarifying questions: which directory?\n\n"
        "2. **Find duplicates**\n\n   ```bash\n"
        "   find [directory] -type f | sort | uniq -d\n   ```\n"
    )
    assert not [n for n in _notes(body) if "independent" in n]
    edges = _edges(_graphs(body)[0])
    assert edges, edges


def test_a_find_name_pattern_is_no_set_of_files_to_map():
    """Held-out round 7 (invoice-organizer): `find . \\( -name "*.pdf" -o -name "*.jpg" \\)`
    lists files; it was read as globs, and the one `find` step as a map over `*.jpg`."""
    code = 'find . -type f \\( -name "*.pdf" -o -name "*.jpg" \\) -print\n'
    reads, writes = shell_effects(code)
    assert not [r for r in reads if r.startswith("glob:")] and not writes
    assert "glob:*.jpg" in shell_effects("convert *.jpg out.pdf\n")[0]
    body = "1. **Scan the folder**\n\n   ```bash\n   " + code + "   ```\n\n2. Read `notes.md`.\n"
    assert not [n for n in _notes(body) if "concurrently" in n]


def test_parts_of_one_scaffolded_project_get_no_sub_agent_note():
    """Held-out round 10 (apify-actor-development): after `apify create` wrote the project, the
    code, its schemas and its config are independent files but one project: separate
    sub-agents would write them apart. Without the scaffold step the chains keep the note."""
    rest = (
        "2. **Install dependencies**\n"
        "   - JavaScript: `npm install` (uses `package-lock.json`)\n"
        "   - Python: `pip install -r requirements.txt`\n"
        "3. **Implement logic** - Write the Actor code in `src/main.py` or `src/main.js`\n"
        "4. **Configure schemas** - Update input/output schemas in `.actor/input_schema.json`, "
        "`.actor/output_schema.json`\n"
        "5. **Configure platform settings** - Update `.actor/actor.json` with Actor metadata\n"
    )
    scaffold = "1. **Create Actor project** - Run the `apify create` command for the language\n"
    said = "Steps 3-5 are independent.\n\n"
    for harness in ("claude-code", "codex"):
        assert not [n for n in _notes(said + scaffold + rest, harness) if "sub-agent" in n]
    read = "1. **Read the notes** - Read `notes.md`\n"
    assert [n for n in _notes(said + read + rest) if "sub-agent" in n]


def test_a_decision_tree_is_no_procedure():
    """Held-out round 10 (brand-yml): "Using it in Quarto? → Read `references/quarto.md`" items
    are cases to choose from, not steps to run together."""
    body = (
        "Determine the user's goal and follow the appropriate workflow:\n\n"
        "1. **Using it in Shiny for R?** → Read `references/shiny-r.md`\n"
        "2. **Using it in Shiny for Python?** → Read `references/shiny-python.md`\n"
        "3. **Using it in Quarto?** → Read `references/quarto.md`\n"
    )
    assert _graphs(body) == [] and _notes(body) == []
    steps = body.replace("**Using it in ", "**Read the guide for ").replace("?**", "**")
    assert _graphs(steps)
