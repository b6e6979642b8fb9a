"""Compensation notes where a held-out reading found them harmful or irrelevant (issue 15): one
regression test per class, each with the case that must keep its note. A guide is not attached
where the skill's step does what it advises against (a script the step creates, a chain with a
login or a question to the user), nor where its construct is only a word in advice about the
product the skill builds, a loop with no pipe, a loop of one command given verbatim, a URL
handed to a library, or a regular expression that is an anchored literal."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillir.analysis.cap.facts import regex_grade
from skillir.analysis.cap.requirements import construct_anchors, infer_requirements
from skillir.analysis.cap.rules import load_rules
from skillir.api import parse
from skillir.dialects import skill

from .test_compensate import HEAD, compile_text, write_profile

AVOID_SCRIPTS = "Avoid separate script files"
ONE_SCRIPT = "Put the whole chain in one script"
PAGINATE = "Do not paginate by hand"
PIPELINE = "Replace the shell pipeline"
ONE_COMMAND = "Run one command at a time"
REGEX = "Replace the regex"

SCRIPT_SKILL = HEAD + (
    "## Wrapper\n\nCreate a wrapper script to run the fuzzer on the host or in Docker:\n\n"
    "```bash\ncat <<'EOF' > ./fuzz\n#!/bin/sh\nexec docker run --rm fuzzer \"$@\"\nEOF\n"
    "chmod +x ./fuzz\n```\n\n"
    "## Build check\n\nRun the build check:\n\n```python\nimport subprocess\n\n"
    'subprocess.run(["make", "fuzz"], check=True)\n```\n'
)


def test_avoid_scripts_guide_not_where_the_step_creates_a_script(tmp_path: Path) -> None:
    """ "Avoid separate script files" contradicts "Create a wrapper script" (the script every
    later step runs); a Python block the agent runs with no such step keeps the guide."""
    profile = write_profile(tmp_path, tool_exec=1)
    compiled, notes, _ = compile_text(SCRIPT_SKILL, profile)
    assert len([n for n in notes if AVOID_SCRIPTS in n]) == 1
    assert compiled.index(AVOID_SCRIPTS) > compiled.index("subprocess.run")
    # the wrapper alone: no note at all
    only_wrapper = SCRIPT_SKILL.split("## Build check")[0]
    _, notes, _ = compile_text(only_wrapper, profile)
    assert not [n for n in notes if AVOID_SCRIPTS in n]
    # a step that says not to write scripts creates none
    for sentence, creates in [
        ("Create a wrapper script to run the fuzzer.", True),
        ("Write a Python script that counts the rows, then run it.", True),
        ("Use the Edit tool directly. Do not write Python scripts.", False),
    ]:
        found = construct_anchors(_root(HEAD + sentence + "\n"), ["script-creation-step"])
        assert bool(found["script-creation-step"]) is creates, sentence


CHAIN = HEAD + (
    "## Install, auth, link, deploy\n\n"
    "{first}"
    "1. Install the CLI:\n\n   ```bash\n   npm install -g deployer\n   ```\n\n"
    "2. {second}\n\n"
    "3. Link the project:\n\n   ```bash\n   deployer link --scope team\n   ```\n\n"
    "4. Deploy:\n\n   ```bash\n   deployer deploy --prod\n   ```\n"
)


@pytest.mark.parametrize(
    ("first", "second", "kept"),
    [
        ("", "Build it:\n\n   ```bash\n   npm run build\n   ```", True),
        # a confirmation before the chain starts: the chain after it is one script
        (
            "Confirm with the user that they want a new deployment before you start.\n\n",
            "Build it:\n\n   ```bash\n   npm run build\n   ```",
            True,
        ),
        (
            "",
            "Authenticate:\n\n   ```bash\n   deployer login\n   ```\n\n"
            "   The user completes auth in their browser.",
            False,
        ),
        ("", "Ask which team to deploy to, then build with `npm run build`.", False),
        (
            "",
            "Build it:\n\n   ```bash\n   npm run build\n   ```\n\n"
            "   If the build fails, use the fallback deploy script below.",
            False,
        ),
        # a step the agent takes or skips by what the earlier output showed (held-out round 8)
        ("", "(Optional) Diff it:\n\n   ```bash\n   deployer diff --against prod\n   ```", False),
        # a route chosen by what the machine has (held-out round 9)
        (
            "",
            "Determine whether the CLI is available. If it is, run:\n\n"
            "   ```bash\n   deployer upgrade\n   ```",
            False,
        ),
    ],
)
def test_one_script_guide_not_over_a_chain_that_waits_or_branches(
    tmp_path: Path, first: str, second: str, kept: bool
) -> None:
    """ "Put the whole chain in one script ... run it once" cannot hold a login the user
    finishes in a browser, a question to the user or a fallback inside the chain."""
    profile = write_profile(tmp_path, tool_exec=2)
    text = CHAIN.format(first=first, second=second)
    _, notes, _ = compile_text(text, profile)
    assert bool([n for n in notes if ONE_SCRIPT in n]) is kept


PRODUCT = HEAD.replace(
    "A test skill. Use when testing.",
    "Guide for building MCP servers that let agents reach external APIs. Use when creating "
    "an MCP server.",
) + (
    "## Tool design\n\nAgents benefit from concise tool descriptions and the ability to "
    "filter/paginate results. Support pagination where applicable.\n"
)
CONSUMER = HEAD.replace(
    "A test skill. Use when testing.",
    "Exports every issue of a repository to a CSV file. Use when asked for an issue export.",
) + (
    "## Export\n\nFetch every page of the issues API: paginate through the results until the "
    "response has no next link, then write the rows.\n"
)


def test_pagination_advice_about_the_product_is_no_agent_task(tmp_path: Path) -> None:
    """ "The ability to paginate results" in a skill that builds servers is design advice for
    the product: no "Do not paginate by hand"; a skill whose agent pages through an API keeps
    it. (Commands at L1: no substitution by a fetch script, the degrade guide is what is left.)"""
    profile = write_profile(tmp_path, tool_web=2, tool_exec=1)
    _, notes, _ = compile_text(PRODUCT, profile)
    assert not [n for n in notes if PAGINATE in n]
    _, notes, _ = compile_text(CONSUMER, profile)
    assert len([n for n in notes if PAGINATE in n]) == 1


LOOPS = HEAD + (
    "1. Wait for the pairing code:\n\n   ```bash\n"
    "   for i in $(seq 1 20); do [ -f code.txt ] && cat code.txt && break; sleep 1; done\n"
    "   ```\n\n"
    "2. Count the errors per report:\n\n   ```bash\n"
    '   ls reports | while read -r f; do grep -c ERROR "reports/$f"; done\n   ```\n'
)


def test_pipeline_guide_needs_a_pipe(tmp_path: Path) -> None:
    """The shell substitute guide ("Replace the shell pipeline ...") is about a pipeline: a
    polling loop with no pipe does not get it (the loop guide of the step down does); output
    piped into a loop does."""
    profile = write_profile(tmp_path, gen_code_shell=1)
    compiled, notes, _ = compile_text(LOOPS, profile)
    assert len([n for n in notes if PIPELINE in n]) == 1
    polling, piped = compiled.split("2. Count the errors", 1)
    assert PIPELINE not in polling and ONE_COMMAND in polling
    assert PIPELINE in piped


def test_a_loop_of_one_command_given_verbatim_gets_no_loop_guide(tmp_path: Path) -> None:
    """ "Run one command at a time ... instead of chaining pipes or loops" at `for pose in
    results/*.sdf; do gnina ...; done` asks to unroll a loop the skill gives whole (held-out
    round 2, diffdock and media-processing): nothing to split up. A loop that chains or tests
    commands per item keeps it."""
    profile = write_profile(tmp_path, gen_code_shell=1)
    verbatim = HEAD + (
        "Score every pose:\n\n```bash\nfor pose in results/*.sdf; do\n"
        '    gnina -r protein.pdb -l "$pose" --score_only\ndone\n```\n'
    )
    _, notes, _ = compile_text(verbatim, profile)
    assert not [n for n in notes if ONE_COMMAND in n]
    chained = HEAD + (
        "Score every pose:\n\n```bash\nfor pose in results/*.sdf; do\n"
        '    gnina -l "$pose" --score_only > "$pose.txt" && mv "$pose" done/\ndone\n```\n'
    )
    _, notes, _ = compile_text(chained, profile)
    assert len([n for n in notes if ONE_COMMAND in n]) == 1


WEB = "Make one simple request at a time"


def test_a_url_handed_to_a_library_is_no_request_to_make(tmp_path: Path) -> None:
    """The web guide at `md.convert("https://www.youtube.com/watch?v=ID")` (held-out round 2,
    markitdown): the library fetches, the agent makes no request and extracts no field. A
    request the agent makes with curl keeps it."""
    profile = write_profile(tmp_path, tool_web=1)
    library = HEAD + (
        "Transcribe a video:\n\n```python\nfrom markitdown import MarkItDown\n\n"
        'md = MarkItDown()\nresult = md.convert("https://www.youtube.com/watch?v=VIDEO_ID")\n```\n'
    )
    _, notes, _ = compile_text(library, profile)
    assert not [n for n in notes if WEB in n]
    request = HEAD + (
        "Look the package up:\n\n```bash\n"
        'curl -s "https://api.example.com/search?q=pandas&limit=5" > hits.json\n```\n'
    )
    assert not construct_anchors(_root(library), ["web-request-run"])["web-request-run"]
    assert construct_anchors(_root(request), ["web-request-run"])["web-request-run"]


def test_an_anchored_literal_is_no_regex_to_replace(tmp_path: Path) -> None:
    """`grep '^TOKEN=' .env` searches a literal at a line start (`.*` after it changes
    nothing): no regex guide; a pattern with classes and quantifiers keeps it."""
    for literal in ("^VERCEL_TOKEN=", "^API_KEY=.*", '".*"'):
        assert regex_grade(literal) == 1, literal
    for shaped in ("^[A-Z_]+=", r"v\d+", "ab+c", r"a\.*b"):
        assert regex_grade(shaped) == 2, shaped
    profile = write_profile(tmp_path, gen_regex=1)
    literal = HEAD + "Read the token:\n\n```bash\ngrep '^API_TOKEN=' .env\n```\n"
    _, notes, _ = compile_text(literal, profile)
    assert not [n for n in notes if REGEX in n]
    shaped = HEAD + "Read the settings:\n\n```bash\ngrep -E '^[A-Z_]+=[0-9]+$' .env\n```\n"
    _, notes, _ = compile_text(shaped, profile)
    assert len([n for n in notes if REGEX in n]) == 1


def test_a_construct_finds_its_own_text_after_the_rules_ran() -> None:
    """A `text` finding is memoised per document by the rule's index: a construct's index
    follows the rules', so what a guide is about is its own pattern's finding after
    infer-capabilities has run on the same text, never that of the rule whose index it once
    shared (`ordered-steps` read what `shell-script-requested` had found)."""
    book = load_rules()
    assert {r.index for r in book.rules}.isdisjoint(c.index for c in book.constructs)
    text = HEAD + "Create a wrapper script to run the tests.\n\nTrace the crash to its cause.\n"
    ids = [c.id for c in book.constructs if c.detector == "text"]
    fresh = construct_anchors(_root(text), ids)
    root = _root(text)
    infer_requirements(root)
    after = construct_anchors(root, ids)
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in fresh.items()}
    assert after["script-creation-step"] and after["root-cause-task"]


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("Follow the steps in order; check each before the next.", False),
        ("Work through the five stages below in order.", False),
        ("Fill those tokens to build the page (step 4); no other scripts or dependencies.", False),
        ("Order the tasks so that each comes after its prerequisites.", True),
        ("Some steps depend on others: run those first.", True),
    ],
)
def test_planning_guides_need_an_order_to_work_out(sentence: str, found: bool) -> None:
    """The planning guides of the steps down ("write one full order of the tasks", "follow the
    steps in the order written") are about an order worked out from dependencies, not one the
    skill gives ("follow the steps in order")."""
    root = _root(HEAD + sentence + "\n")
    assert bool(construct_anchors(root, ["ordered-steps"])["ordered-steps"]) is found


def _root(text: str) -> skill.SkillSkillOp:
    result = parse(text=text)
    assert result.module is not None
    (root,) = result.module.ops
    assert isinstance(root, skill.SkillSkillOp)
    return root


PAGES = "Do not paginate by hand"


@pytest.mark.parametrize(
    ("frontmatter_tail", "body_rule"),
    [
        ("", "> **Use the CLI. Don't roll your own REST for solution ops.**\n\n"),
        (" Use this skill instead of calling the API directly.", ""),
    ],
)
def test_no_request_guide_where_the_skill_forbids_calling_the_api_by_hand(
    tmp_path: Path, frontmatter_tail: str, body_rule: str
) -> None:
    """Held-out rounds 4 and 5 (uipath-solution, oo-airtable): "Do not paginate by hand: write a
    script that requests each page" where the skill says to use its CLI and not roll its own
    REST, in its text or in its description ("instead of calling the API directly"). The note
    is left out with a warning saying why; without such a rule it is added."""
    profile = write_profile(tmp_path, tool_web=1, tool_exec=1)
    body = (
        "## List records\n\nList every record with `oo airtable list_records`, which follows "
        "pagination across all pages and merges the results.\n"
    )
    forbidding = HEAD.replace("Use when testing.", "Use when testing." + frontmatter_tail, 1)
    _, notes, _ = compile_text(HEAD + body, profile)
    assert [n for n in notes if PAGES in n], "the guide is attached without a rule against it"
    _, notes, warnings = compile_text(forbidding + body_rule + body, profile)
    assert not [n for n in notes if PAGES in n]
    assert any("make the API requests by hand" in w for w in warnings)


def test_two_short_pipelines_of_one_block_are_no_text_pipeline(tmp_path: Path) -> None:
    """Held-out round 4 (init-makefiles): a detection block of `ls`, `jq ... | grep x` and
    `find ... | head` lines got "Replace the shell pipeline ..." because its filters were
    counted over the whole block; a pipeline is one line's (`git log | grep x | head`, `sort |
    uniq -c`)."""
    from skillir.frontend import shell

    block = (
        "ls bun.lockb yarn.lock 2>/dev/null\n"
        "jq -r '.dependencies | keys[]?' package.json 2>/dev/null | grep -i supabase\n"
        'find apps -maxdepth 2 -name "package.json" 2>/dev/null | head\n'
    )
    assert "text-pipeline" not in shell.read(block, "sniff").features
    # round 7 (firecrawl): `xargs -P` fans one command out; nothing is filtered
    fan = "cat urls.txt | xargs -P 10 -I {} firecrawl scrape {}\n"
    assert "xargs" not in shell.read(fan, "sniff").features
    # round 6 (ui-test): trimming a byte stream's newlines filters no text
    assert "text-pipeline" not in shell.read("base64 -i x.png | tr -d '\\n'\n", "sniff").features
    for line in (
        'git log --oneline main | grep -iE "(#[0-9]+)" | head -20\n',
        "sort f | uniq -c\n",
    ):
        assert "text-pipeline" in shell.read(line, "sniff").features, line
    profile = write_profile(tmp_path, gen_code_shell=1)
    _, notes, _ = compile_text(HEAD + "Detect the stack:\n\n```bash\n" + block + "```\n", profile)
    assert not [n for n in notes if PIPELINE in n]


def test_no_one_command_guide_where_a_script_keeps_a_secret_in_one_process(
    tmp_path: Path,
) -> None:
    """Held-out round 5 (ts-profile-thoughtspot): a block that reads a keychain credential and
    re-adds it in one Python process got "express each computation as one command ... and
    check its output", which prints the credential into the conversation."""
    profile = write_profile(tmp_path, tool_exec=1)
    block = (
        "```python\nimport subprocess\n"
        'r = subprocess.run(["security", "find-generic-password", "-w"], capture_output=True)\n'
        "credential = r.stdout.strip()\n"
        'subprocess.run(["security", "add-generic-password", "-w", credential])\n```\n'
    )
    _, notes, _ = compile_text(HEAD + "## Migrate\n\nMigrate the credential:\n\n" + block, profile)
    assert not [n for n in notes if AVOID_SCRIPTS in n]
    plain = block.replace("credential = r.stdout.strip()\n", "").replace(", credential", "")
    plain = plain.replace("find-generic-password", "ls").replace("add-generic-password", "ls")
    _, notes, _ = compile_text(HEAD + "## Migrate\n\nMigrate the credential:\n\n" + plain, profile)
    assert [n for n in notes if AVOID_SCRIPTS in n]


def test_write_small_scripts_guide_only_where_the_agent_writes_the_script(tmp_path: Path) -> None:
    """Held-out rounds 6 and 8: "Delegate in small scripts: one that reads and parses the
    data, ..." at a step that runs the skill's bundled script (`scripts/print_summary.py`):
    the script exists, the agent writes none."""
    profile = write_profile(tmp_path)  # follow.delegation at L0
    guide = "Delegate in small scripts"
    bundled = "1. Run `python3 scripts/summarize.py sales.csv` to total the rows per region.\n"
    _, notes, _ = compile_text(HEAD + "## Steps\n\n" + bundled, profile)
    assert not [n for n in notes if guide in n]
    found = construct_anchors(
        _root(HEAD + "Write a short Python script that totals the rows per region.\n"),
        ["delegate-own-script"],
    )
    assert found["delegate-own-script"]


WORKED = HEAD + (
    "## {title}\n\n"
    "**Process:**\n\n1. Check the story.\n2. Write the quarterly report for the board.\n"
)


@pytest.mark.parametrize(
    ("title", "kept"),
    [("Example 2: Story Has Gaps", False), ("Examples", False), ("Example Output", True)],
)
def test_no_guide_inside_a_worked_example(tmp_path: Path, title: str, kept: bool) -> None:
    """Held-out round 9 (finalise): a worked example shows a run, so its steps get no guide;
    "Example Output" is the answer's shape and keeps it."""
    profile = write_profile(tmp_path, gen_text_long=1)
    _, notes, _ = compile_text(WORKED.format(title=title), profile)
    assert bool(notes) is kept
    _, notes, _ = compile_text(WORKED.format(title="Workflow"), profile)
    assert notes


def test_one_step_gets_a_guide_once(tmp_path: Path) -> None:
    """Held-out round 7 (developer-growth-analysis): a step whose heading and body each ask
    for the document got the same substitute note twice; the second points at the first."""
    profile = write_profile(tmp_path, gen_text_long=1)
    body = HEAD + (
        "## Steps\n\n1. **Generate the quarterly report**\n\n"
        "   Write a comprehensive report for the board with this structure:\n\n"
        "   ```markdown\n   # Report\n   ```\n"
    )
    _, notes, _ = compile_text(body, profile)
    assert len(notes) == len(set(notes)) >= 1
