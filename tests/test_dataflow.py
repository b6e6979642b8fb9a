"""`build-dataflow` and `extract-parallelism` on hand-written skills: the exact DAG (transitively
reduced edges between step labels) and the regions, including cases that must stay serial; and a
property: every topological order of the DAG respects every hazard between the tasks' sets."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.context import Context

from skillir.analysis.par.dataflow import Task, conflicts, dependencies, overlaps
from skillir.analysis.par.parallelism import plan_regions
from skillir.diagnostics import DiagnosticSink
from skillir.dialects import par
from skillir.frontend.parser import parse_skill
from skillir.frontend.shell import line_words, shlex_words
from skillir.passes.build_dataflow import BuildDataflow
from skillir.passes.extract_parallelism import ExtractParallelism
from skillir.targets.plan import plan

HEAD = "---\nname: t\ndescription: A test skill. Use when testing.\n---\n\n# T\n\n## Workflow\n\n"


def compile_plan(body: str) -> dict:
    module = parse_skill((HEAD + body).encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    BuildDataflow().apply(Context(), module)
    ExtractParallelism().apply(Context(), module)
    module.verify()
    return plan(module)["skills"][0]


def dag(body: str) -> tuple[set[tuple[str, str]], list]:
    """(edges between labels, schedule) of the skill's only procedure."""
    doc = compile_plan(body)
    (graph,) = doc["graphs"]
    edges = {(a["task"], t["id"]) for t in graph["tasks"] for a in t["after"]}
    return edges, graph["schedule"]


# --- independent work is found --------------------------------------------------------------


def test_independent_reads_then_a_comparison():
    edges, schedule = dag(
        "1. Read `data/sales.csv`.\n"
        "2. Read `data/targets.csv`.\n"
        "3. Compare the two and identify the gaps.\n"
    )
    assert edges == {("1", "3"), ("2", "3")}
    assert schedule[0]["ilp"] == ["1", "2"] and schedule[1] == {"task": "3"}


def test_independent_outputs_after_a_decision():
    edges, schedule = dag(
        "1. Decide which metrics matter.\n"
        "2. Write `out/summary.md` with the chosen metrics.\n"
        "3. Write `out/table.csv` with one row per metric.\n"
    )
    assert edges == {("1", "2"), ("1", "3")}
    assert schedule[1]["ilp"] == ["2", "3"]


def test_independent_chains_become_tlp_branches():
    edges, schedule = dag(
        "1. Convert the slides: `pandoc slides.md -o slides.pdf`\n"
        "2. Convert the notes: `pandoc notes.md -o notes.pdf`\n"
        "3. Check the page count of `slides.pdf`.\n"
        "4. Check the page count of `notes.pdf`.\n"
    )
    assert edges == {("1", "3"), ("2", "4")}
    (tlp,) = schedule
    assert tlp["tlp"] == [[{"task": "1"}, {"task": "3"}], [{"task": "2"}, {"task": "4"}]]


def test_for_each_is_a_mapped_task():
    edges, schedule = dag(
        "1. List the images in `assets/`.\n"
        "2. For each image in `assets/`, resize it to 800 pixels wide with `mogrify`.\n"
    )
    assert schedule[-1]["dlp"] == "2"
    assert schedule[-1]["over"].startswith("For each image")


def test_three_named_files_are_three_items():
    doc = compile_plan(
        "1. Read `style.md`.\n2. Compress `a.png`, `b.png` and `c.png` with `optipng`.\n"
    )
    (graph,) = doc["graphs"]
    mapped = graph["schedule"][-1]
    assert (mapped["dlp"], mapped["over"], mapped["items"]) == ("2", "a.png, b.png, c.png", 3)
    assert (graph["work"], graph["critical"]) == (4, 2)


# --- what must stay serial ------------------------------------------------------------------


def test_read_after_write_on_one_file():
    edges, schedule = dag(
        "1. Export the table: `sqlite3 db.sqlite .dump > dump.sql`\n"
        "2. Count the lines of `dump.sql` with `wc -l dump.sql`.\n"
    )
    assert edges == {("1", "2")}
    assert schedule == [{"task": "1"}, {"task": "2"}]


def test_do_x_then_y_on_one_file():
    edges, _ = dag(
        "1. Create `notes.md` with a title.\n2. Then append the summary to `notes.md`.\n"
    )
    assert edges == {("1", "2")}


def test_conditional_is_a_barrier():
    edges, _ = dag(
        "1. Read `a.txt`.\n2. If the file is empty, stop and tell the user.\n3. Read `b.txt`.\n"
    )
    assert edges == {("1", "2"), ("2", "3")}


def test_loop_is_a_barrier():
    edges, _ = dag(
        "1. Run the tests with `pytest -q`.\n"
        "2. Repeat the fix until every test passes.\n"
        "3. Write `CHANGES.md` with what changed.\n"
    )
    assert edges == {("1", "2"), ("2", "3")}


def test_unknown_command_keeps_the_order():
    edges, _ = dag("1. Run `./build.sh`.\n2. Read `dist/report.txt`.\n")
    assert edges == {("1", "2")}


def test_reference_to_an_earlier_step():
    edges, _ = dag(
        "1. Read `a.csv`.\n2. Read `b.csv`.\n3. Read `c.csv` using the output of step 1.\n"
    )
    assert edges == {("1", "3")}


def test_finally_waits_for_everything():
    edges, _ = dag("1. Read `a.csv`.\n2. Read `b.csv`.\n3. Finally, delete `tmp/` and report.\n")
    assert edges == {("1", "3"), ("2", "3")}


def test_git_commit_before_git_log():
    edges, _ = dag(
        "1. Commit the change: `git commit -am 'fix'`\n"
        "2. Show the history: `git log --oneline -3`\n"
    )
    assert edges == {("1", "2")}


def test_python_block_writes_then_shell_reads():
    edges, _ = dag(
        "1. Build the table:\n\n"
        "   ```python\n"
        "   import pandas as pd\n"
        "   pd.read_csv('raw.csv').to_csv('clean.csv')\n"
        "   ```\n\n"
        "2. Preview it: `head clean.csv`\n"
    )
    assert edges == {("1", "2")}


def test_lists_of_nouns_or_rules_are_not_procedures():
    nouns = "## Common mistakes\n\n1. Vague names\n2. Missing types\n3. Overlapping tools\n"
    rules = "## Tips\n\n1. Prefer small tools.\n2. Avoid global state.\n3. Keep names short.\n"
    assert compile_plan(nouns)["graphs"] == [] and compile_plan(rules)["graphs"] == []


# --- regressions ----------------------------------------------------------------------------


def test_steps_after_a_paragraph_keep_their_numbers():
    """A paragraph between items 2 and 3 does not end the list (its numbering goes on): one
    procedure, its items keep their numbers, and the "Then:" orders item 3 after item 2."""
    doc = compile_plan(
        "1. Read `a.csv`.\n2. Read `b.csv`.\n\nThen:\n\n"
        "3. Read `c.csv`.\n4. Check `d.csv` against the output of step 3.\n"
    )
    (graph,) = doc["graphs"]
    assert [t["id"] for t in graph["tasks"]] == ["1", "2", "3", "4"]
    assert graph["tasks"][2]["after"] == [{"task": "2", "why": "order then"}]
    assert graph["tasks"][3]["after"][0] == {"task": "3", "why": "ref step 3"}


def test_a_write_after_a_read_verb_is_a_write():
    edges, _ = dag("1. Read `a.csv` and write the totals to `b.csv`.\n2. Read `b.csv`.\n")
    assert edges == {("1", "2")}


def test_a_bold_verb_label_does_not_hide_the_instruction():
    edges, _ = dag("1. **Summarize**: write the summary to `out.md`.\n2. Read `out.md`.\n")
    assert edges == {("1", "2")}


def test_mapped_clause_and_files_as_written():
    doc = compile_plan(
        "1. Read every file in `logs/`.\n2. Read `intro.md`, `body.md` and `outro.md`.\n"
    )
    first, second = doc["graphs"][0]["tasks"]
    assert first["over"] == "every file in `logs/`"
    assert second["over"] == "intro.md, body.md, outro.md"


def test_a_noun_that_is_also_a_verb_does_not_govern():
    edges, _ = dag("1. Read `a.csv`.\n2. Verify the output with `schema.json`.\n")
    assert edges == {("1", "2")}  # by "the output", not by writing schema.json


# --- the property ---------------------------------------------------------------------------

FILES = ["a.txt", "b.txt", "out/c.txt", "out/d.txt"]
VERBS = {
    "read": "Read `{0}`.",
    "write": "Write `{0}`.",
    "edit": "Edit `{0}`.",
    "copy": "Copy it: `cp {0} {1}`",
    "sort": "Sort it: `sort {0} > {1}`",
    "clean": "Clean up: `rm -rf out/`",
    "list": "List the files in `out/`.",
}

steps = st.lists(
    st.tuples(
        st.sampled_from(sorted(VERBS)),
        st.sampled_from(FILES),
        st.sampled_from(FILES),
        st.booleans(),
    ),
    min_size=2,
    max_size=7,
)


@settings(max_examples=80, deadline=None)
@given(steps)
def test_every_topological_order_respects_every_hazard(spec):
    lines = []
    for i, (verb, path, other, then) in enumerate(spec, 1):
        text = VERBS[verb].format(path, other)
        lines.append(f"{i}. {'Then ' + text[0].lower() + text[1:] if then else text}\n")
    doc = compile_plan("".join(lines))
    (graph,) = doc["graphs"]
    tasks = graph["tasks"]
    g = nx.DiGraph()
    g.add_nodes_from(t["id"] for t in tasks)
    g.add_edges_from((a["task"], t["id"]) for t in tasks for a in t["after"])
    # every hazard between the IR's read/write sets is a path in the DAG, so no order breaks it
    for i, j in itertools.combinations(range(len(tasks)), 2):
        earlier = Task(
            tasks[i]["id"], "act", None, "", set(tasks[i]["reads"]), set(tasks[i]["writes"])
        )
        later = Task(
            tasks[j]["id"], "act", None, "", set(tasks[j]["reads"]), set(tasks[j]["writes"])
        )
        if conflicts(earlier, later):
            assert nx.has_path(g, earlier.label, later.label), (earlier, later)
    for order in itertools.islice(nx.all_topological_sorts(g), 50):
        position = {label: n for n, label in enumerate(order)}
        for i, j in itertools.combinations(range(len(tasks)), 2):
            a, b = tasks[i], tasks[j]
            hazard = Task(a["id"], "act", None, "", set(a["reads"]), set(a["writes"]))
            if conflicts(hazard, Task(b["id"], "act", None, "", set(b["reads"]), set(b["writes"]))):
                assert position[a["id"]] < position[b["id"]]


def test_dependencies_are_transitively_reduced():
    tasks = [
        Task("1", "act", None, "", set(), {"file:a"}),
        Task("2", "act", None, "", {"file:a"}, {"file:b"}),
        Task("3", "act", None, "", {"file:a", "file:b"}, set()),
    ]
    assert [(i, j) for i, j, _ in dependencies(tasks)] == [(0, 1), (1, 2)]


def test_overlaps():
    assert overlaps("dir:out", "file:out/a.csv")
    assert overlaps("dir:.", "glob:**/*.md")
    assert overlaps("glob:*.png", "file:a.png") and not overlaps("glob:*.png", "file:a.jpg")
    assert not overlaps("glob:out/*.png", "glob:out/*.jpg")
    assert overlaps("value:*", "value:found.1") and not overlaps("value:x", "effect:x")
    assert not overlaps("file:a.txt", "file:b.txt")


def test_graph_verifies_and_prints_tasks_in_document_order():
    doc = compile_plan("1. Read `a`.txt\n2. Read `b.txt`.\n")
    assert [t["id"] for t in doc["graphs"][0]["tasks"]] == ["1", "2"]
    assert par.GraphOp.name == "par.graph"


# --- the fast paths give what they stand for -------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab1 -./*=\t|&;()<>#'\"`$é\u3000"), max_size=30))
def test_shell_words_are_what_shlex_reads(line):
    assert line_words(line) == shlex_words(line)


graphs = st.tuples(st.integers(0, 9), st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8))))


@settings(max_examples=200, deadline=None)
@given(graphs)
def test_regions_work_and_critical_path_are_the_graphs(spec):
    count, pairs = spec
    edges = [(i, j) for i, j in pairs if i < j < count]
    g = nx.DiGraph()
    g.add_nodes_from(range(count))
    g.add_edges_from(edges)
    regions = plan_regions(count, edges, single=set(), mapped={})
    assert regions.work == count
    assert regions.critical == (nx.dag_longest_path_length(g) + 1 if count else 0)
    tasks = sorted(t for level in regions.levels for chain in level for t in chain)
    assert tasks == list(range(count))


@pytest.mark.parametrize("edges", [[(0, 1), (1, 0)], [(0, 0)]])
def test_a_cycle_is_an_error(edges):
    with pytest.raises(ValueError, match="cycle"):
        plan_regions(2, edges, single=set(), mapped={})


# --- order the text states: barriers, serial introductions, anaphora, whole labels (issue 15) --


@pytest.mark.parametrize(
    "step",
    [
        "Run the commands one at a time with `bash run.sh`.",
        "STOP at the end of the phase.",
        "Wait for the user to confirm the plan.",
        "Do not proceed until the build is green.",
        "Process the files in order with `optipng`.",
        "Apply the patches sequentially.",
    ],
)
def test_serial_words_make_a_barrier(step: str) -> None:
    """Class 3b: a step saying "one at a time", "STOP", "wait for", "do not proceed until",
    "in order" or "sequentially" waits for the steps before it and holds those after it."""
    edges, schedule = dag(f"1. Read `a.md`.\n2. {step}\n3. Read `b.md`.\n")
    assert edges == {("1", "2"), ("2", "3")}
    assert all("ilp" not in s and "dlp" not in s for s in schedule)


def test_in_order_to_is_not_an_ordering() -> None:
    """ "in order to" states a purpose, not an order: the reads stay independent."""
    edges, schedule = dag(
        "1. Read `a.md` in order to learn the names.\n2. Read `b.md`.\n3. Compare them.\n"
    )
    assert schedule[0]["ilp"] == ["1", "2"]


def test_a_serial_introduction_chains_its_list() -> None:
    """Class 3b: "For each phase 1..6, in order:" before a list makes the list one chain,
    even where the steps touch different files."""
    edges, schedule = dag(
        "For each phase 1..6, in order:\n\n"
        "1. Read `phases/a.md`.\n2. Read `phases/b.md`.\n3. Write `logs/c.md`.\n"
    )
    assert edges == {("1", "2"), ("2", "3")}
    edges, schedule = dag("1. Read `phases/a.md`.\n2. Read `phases/b.md`.\n3. Write `logs/c.md`.\n")
    assert schedule[0]["ilp"] == ["1", "2"]


@pytest.mark.parametrize(
    "second",
    [
        "Run the loaded commands with `bash`.",
        "Summarise `notes.md` per the prompt.",
        "Save that output to `out.md`.",
    ],
)
def test_anaphora_of_an_earlier_product_is_an_edge(second: str) -> None:
    """Class 3c: "the loaded ...", "per the prompt", "that output" refer to what the step
    before made: an edge, though no file links the two."""
    edges, _ = dag(f"1. Load `prompts/p.md`.\n2. {second}\n")
    assert ("1", "2") in edges


def test_a_mapped_step_label_never_ends_mid_sentence() -> None:
    """Class 3d: a long "for each" clause is cut before its relative clause, at a whole phrase;
    one with no such place is not mapped rather than cut."""
    from skillir.analysis.par.dataflow import OVER_LIMIT, over_label

    long = (
        "for every caller and sibling endpoint that consumes the migrated table through the "
        "old accessor"
    )
    assert over_label(long) == "for every caller and sibling endpoint"
    assert over_label("for each file") == "for each file"
    assert over_label("for each " + "very " * 30 + "long thing") is None
    doc = compile_plan(f"1. Update `lib.py`.\n2. Fetch `api.json` {long}, with `curl`.\n")
    for graph in doc["graphs"]:
        for entry in graph["schedule"]:
            if "over" in entry:
                assert len(entry["over"]) <= OVER_LIMIT and entry["over"].endswith("endpoint")


def test_a_for_each_without_tool_calls_is_not_mapped() -> None:
    """Validating "each job type" of one file is one step of thought, not a tool call per
    item; fetching each URL is."""
    _, schedule = dag("1. Read `workflow.yml`.\n2. Validate the fields of each job type.\n")
    assert all("dlp" not in s for s in schedule)
    _, schedule = dag("1. Read `urls.txt`.\n2. For each URL listed there, fetch the page.\n")
    assert any("dlp" in s for s in schedule)
