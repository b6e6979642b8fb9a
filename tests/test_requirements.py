"""Capability requirement inference: one focused case per rule, the rule file's checks, the
code analyses the rules rely on, and the whole corpus."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.context import Context

from skillir.analysis.cap.facts import python_info, regex_grade, sniff_language, structure_depth
from skillir.analysis.cap.requirements import (
    construct_anchors,
    distribution,
    format_distribution,
    infer_requirements,
    no_requirement_reason,
)
from skillir.analysis.cap.rules import (
    DETECTORS,
    Patterns,
    Requirement,
    RuleError,
    load_rules,
    parse_rules,
)
from skillir.diagnostics import DiagnosticSink
from skillir.dialects import skill
from skillir.frontend.parser import parse_skill
from skillir.frontend.shell import command_name
from skillir.frontend.shell import read as read_shell
from skillir.passes.infer_capabilities import InferCapabilities
from skillir.regex_literals import LiteralIndex, caseless_safe, fold_case, literal_prefixes

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
HEAD = "---\nname: probe\ndescription: A skill used to test requirement inference.\n---\n\n"


def root_of(body: str) -> skill.SkillSkillOp:
    path = "SKILL.md"
    module = parse_skill((HEAD + body).encode(), path, DiagnosticSink(path))
    root = next(iter(module.body.block.ops))
    assert isinstance(root, skill.SkillSkillOp)
    return root


def infer(body: str) -> list[Requirement]:
    return infer_requirements(root_of(body))


def fence(lang: str, code: str) -> str:
    return f"```{lang}\n{code}\n```\n"


# rule id → ("primitive Ln anchor", SKILL.md body): the requirement the rule must give, on which op.
CASES: dict[str, tuple[str, str]] = {
    # gen.code
    "python-file-io": (
        "gen.code.python L1 code",
        fence("python", 'with open("data.txt") as f:\n    print(len(f.read()))'),
    ),
    "python-snippet": ("gen.code.python L1 code", fence("python", "print(sum([1, 2, 3]))")),
    "python-stdlib": ("gen.code.python L2 code", fence("python", "import csv\nimport json")),
    "python-third-party": (
        "gen.code.python L3 code",
        fence("python", 'import pandas as pd\ndf = pd.read_csv("x.csv")'),
    ),
    "python-script-requested": (
        "gen.code.python L1 prose",
        "Write a Python script that counts the lines.\n",
    ),
    "shell-command": ("gen.code.shell L1 code", fence("bash", "git status")),
    "shell-compound": (
        "gen.code.shell L2 code",
        fence("bash", "cat log.txt | grep ERROR > errors.txt"),
    ),
    "shell-text-tools": (
        "gen.code.shell L3 code",
        fence("bash", "awk '{print $1}' access.log | sort | uniq -c"),
    ),
    "shell-script-requested": (
        "gen.code.shell L1 prose",
        "Write a bash script that archives the logs.\n",
    ),
    "sql-query": ("gen.code.sql L1 code", fence("sql", "SELECT name FROM users WHERE age > 30;")),
    "sql-join-aggregate": (
        "gen.code.sql L2 code",
        fence(
            "sql",
            "SELECT d.name, COUNT(*) FROM employees e\n"
            "JOIN departments d ON e.dept_id = d.id GROUP BY d.name;",
        ),
    ),
    "sql-window-cte": (
        "gen.code.sql L3 code",
        fence(
            "sql",
            "WITH ranked AS (\n  SELECT name, RANK() OVER (PARTITION BY dept ORDER BY salary DESC)"
            " AS r FROM employees\n)\nSELECT * FROM ranked WHERE r = 1;",
        ),
    ),
    "sql-query-requested": (
        "gen.code.sql L1 prose",
        "Write a SQL query that lists overdue invoices.\n",
    ),
    "js-code": (
        "gen.code.javascript L1 code",
        fence("js", "const total = [1, 2, 3].reduce((a, b) => a + b, 0);"),
    ),
    "js-modules-json": (
        "gen.code.javascript L2 code",
        fence(
            "js", 'const fs = require("fs");\nconst data = JSON.parse(fs.readFileSync("d.json"));'
        ),
    ),
    "js-async": (
        "gen.code.javascript L3 code",
        fence("ts", "const all = await Promise.all(files.map(readFile));"),
    ),
    "js-script-requested": (
        "gen.code.javascript L1 prose",
        "Write a Node.js script that merges the JSON files.\n",
    ),
    "html-markup": (
        "gen.code.html L1 code",
        fence("html", "<h1>Report</h1>\n<ul><li>One</li></ul>"),
    ),
    "html-structure": (
        "gen.code.html L2 code",
        fence("html", "<table><thead><tr><th>Name</th></tr></thead></table>"),
    ),
    "html-script-style": (
        "gen.code.html L3 code",
        fence("html", '<svg width="100"><rect width="10" height="40"/></svg>'),
    ),
    "css-stylesheet": ("gen.code.html L2 code", fence("css", "body { margin: 0; }")),
    "html-page-requested": (
        "gen.code.html L1 prose",
        "Generate an HTML page that lists the results.\n",
    ),
    # gen.text
    "structured-example-flat": (
        "gen.text.structured L1 code",
        "Return the result like this:\n\n" + fence("json", '{"status": "ok", "count": 3}'),
    ),
    "structured-example-nested": (
        "gen.text.structured L2 code",
        "Output a summary like this:\n\n"
        + fence("json", '{"summary": {"files": 3, "errors": ["a"]}}'),
    ),
    "structured-example-deep": (
        "gen.text.structured L3 code",
        "Output the hierarchy:\n\n"
        + fence("json", '{"org": {"departments": [{"teams": [{"members": [{"name": "a"}]}]}]}}'),
    ),
    "structured-output-requested": (
        "gen.text.structured L1 prose",
        "Respond with a JSON object that lists each finding.\n",
    ),
    "long-bounded-list": (
        "gen.text.long L1 prose",
        "List exactly five takeaways from the meeting.\n",
    ),
    "long-document": ("gen.text.long L2 prose", "Write a report on the quarterly results.\n"),
    "long-length": ("gen.text.long L2 prose", "The answer must be at least 800 words long.\n"),
    "long-pages": ("gen.text.long L2 prose", "Produce a 3-page overview of the findings.\n"),
    "long-reference": (
        "gen.text.long L3 prose",
        "Produce a comprehensive reference for the API.\n",
    ),
    "prose-short-text": (
        "gen.text.prose L1 prose",
        "Draft a short email to the customer about the delay.\n",
    ),
    "prose-essay": ("gen.text.prose L2 prose", "Write a blog post about the release.\n"),
    "prose-genre": ("gen.text.prose L3 prose", "Write a persuasive letter to the city council.\n"),
    # gen.regex
    "regex-literal": (
        "gen.regex L1 code",
        fence("python", 'import re\nfound = re.search("TODO", text)'),
    ),
    "regex-structured": (
        "gen.regex L2 code",
        fence("bash", "grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}' dates.txt"),
    ),
    "regex-lookaround": (
        "gen.regex L3 code",
        fence("python", 'import re\nPASSWORD = re.compile(r"^(?=.*\\d)(?=.*[a-z]).{8,}$")'),
    ),
    "regex-requested": (
        "gen.regex L1 prose",
        "Write a regex that matches ticket ids like ABC-123.\n",
    ),
    # reason.arithmetic
    "arithmetic-basic": ("reason.arithmetic L1 prose", "Calculate the share of failed jobs.\n"),
    "arithmetic-multi-step": (
        "reason.arithmetic L2 prose",
        "Apply the discount, then add sales tax to the price.\n",
    ),
    "arithmetic-compound": (
        "reason.arithmetic L3 prose",
        "Work out the compound interest over ten years.\n",
    ),
    # reason.logic
    "logic-deduction": (
        "reason.logic L1 prose",
        "Check for contradictions between the two policies.\n",
    ),
    "logic-optimization": (
        "reason.logic L3 prose",
        "Choose the hotels that minimize the total cost of the trip.\n",
    ),
    # reason.spatial
    "spatial-distance": (
        "reason.spatial L1 prose",
        "Report the Euclidean distance between the two sensors.\n",
    ),
    "spatial-geometry": (
        "reason.spatial L2 prose",
        "Work out the area of each polygon from its vertices.\n",
    ),
    "spatial-geodesic": (
        "reason.spatial L3 prose",
        "Use the haversine formula for the distance between airports.\n",
    ),
    # reason.planning
    "planning-dependency-order": (
        "reason.planning L1 prose",
        "Install the packages in dependency order.\n",
    ),
    "planning-parallel-stages": (
        "reason.planning L2 prose",
        "Group the independent tasks so they can start together.\n",
    ),
    "planning-failure-propagation": (
        "reason.planning L3 prose",
        "If a step fails, skip the remaining steps.\n",
    ),
    # reason.analysis
    "analysis-explain-code": (
        "reason.analysis L1 prose",
        "Explain what the function does in one sentence.\n",
    ),
    "analysis-find-defects": (
        "reason.analysis L2 prose",
        "Find the bug in the parser and describe it.\n",
    ),
    "analysis-review-changes": (
        "reason.analysis L2 prose",
        "Review the whole branch diff before pushing.\n",
    ),
    "analysis-root-cause": ("reason.analysis L3 prose", "Trace the failure to its root cause.\n"),
    # tool.file
    "file-read-reference": (
        "tool.file.read L1 prose",
        "See [the guide](references/guide.md) for details.\n",
    ),
    "file-read-text": (
        "tool.file.read L1 prose",
        "Read the config file before changing anything.\n",
    ),
    "file-read-many": ("tool.file.read L2 prose", "Read all the log files and list the errors.\n"),
    "file-read-line-range": ("tool.file.read L3 prose", "Read lines 10-20 of the file.\n"),
    "file-write-output": (
        "tool.file.write L1 prose",
        "Save the results to a file named out.txt.\n",
    ),
    "file-write-multiple": (
        "tool.file.write L3 prose",
        "Create the following files: a.txt, b.txt and c.txt.\n",
    ),
    # tool.exec
    "exec-shell-block": ("tool.exec L1 code", fence("bash", "git status")),
    "exec-inline-command": ("tool.exec L1 prose", "Run `npm test` before committing.\n"),
    "exec-bundled-script": (
        "tool.exec L1 prose",
        "Use `python scripts/convert.py input.csv` for the conversion.\n",
    ),
    "exec-write-then-run": (
        "tool.exec L2 prose",
        "Write a script that renames the files, then run it.\n",
    ),
    "exec-python-script": (
        "tool.exec L2 code",
        fence("python", 'import subprocess\nsubprocess.run(["make", "test"], check=True)'),
    ),
    "exec-chain-steps": (
        "tool.exec L3 section",
        "## Release\n\n1. Run `make build`.\n2. Run `make test`.\n3. Run `make package`.\n",
    ),
    # tool.call
    "tool-call-named": (
        "tool.call.format L1 prose",
        "Call the `search_docs` tool with the query.\n",
    ),
    "batch-parallel-calls": ("tool.call.batch L1 prose", "Run the three searches in parallel.\n"),
    "batch-each-file": (
        "tool.call.batch L2 prose",
        "For each file in the folder, write a one-line summary.\n",
    ),
    "batch-aggregate-files": ("tool.call.batch L3 prose", "Sum the totals across all files.\n"),
    # tool.web
    "web-cli": ("tool.web L1 code", fence("bash", "curl -s https://api.example.com/status")),
    "web-http-client": (
        "tool.web L1 code",
        fence("python", 'import requests\nr = requests.get("https://x.example")'),
    ),
    "web-js-fetch": (
        "tool.web L1 code",
        fence("js", 'const res = fetch("https://api.example.com/items");'),
    ),
    "web-fetch-text": (
        "tool.web L1 prose",
        "Download the dataset from https://example.com/data.csv first.\n",
    ),
    "web-api-query": (
        "tool.web L2 code",
        fence("bash", 'curl "https://api.example.com/search?q=skills&limit=10"'),
    ),
    "web-pagination": ("tool.web L3 prose", "Paginate through the API results.\n"),
    "web-pagination-code": (
        "tool.web L3 code",
        fence("bash", "gh api --paginate repos/o/r/issues"),
    ),
    # tool.browser
    "browser-use": ("tool.browser L1 prose", "Open the page in a browser and take a screenshot.\n"),
    "browser-automation-code": (
        "tool.browser L1 code",
        fence("python", "from playwright.sync_api import sync_playwright"),
    ),
    "browser-scrape-table": (
        "tool.browser L2 prose",
        "Extract the pricing table from the web page into CSV.\n",
    ),
    "browser-crawl": (
        "tool.browser L3 prose",
        "Crawl the documentation site and collect every page title.\n",
    ),
    # follow.format
    "format-template": (
        "follow.format L1 code",
        "Reply like this:\n\n" + fence("text", "Summary: <one sentence>\nRisk: <low|medium|high>"),
    ),
    "format-exact": ("follow.format L1 prose", "Use exactly this format for the answer.\n"),
    "format-json-shape": (
        "follow.format L1 code",
        "Return the findings in this shape:\n\n" + fence("json", '[{"file": "a.py", "line": 3}]'),
    ),
    "format-schema": (
        "follow.format L2 prose",
        "The response must conform to the JSON schema in the appendix.\n",
    ),
    "format-multi-rule": (
        "follow.format L3 section",
        "## Title rules\n\n- Keep it under 50 characters.\n- Capitalize the first word.\n"
        "- Omit the trailing period.\n",
    ),
    # follow.constraint
    "constraint-single": ("follow.constraint L1 skill", "You MUST cite the source.\n"),
    "constraint-several": (
        "follow.constraint L2 skill",
        "You MUST cite sources. You MUST keep units. You SHOULD be brief.\n",
    ),
    "constraint-many": (
        "follow.constraint L3 skill",
        "- You MUST cite sources.\n- You MUST keep units.\n- ALWAYS name files.\n"
        "- You SHOULD be brief.\n- You MUST date entries.\n- ALWAYS sign off.\n",
    ),
    "constraint-against-habit": ("follow.constraint L3 prose", "NEVER use emoji in the reply.\n"),
    # follow.procedure
    "procedure-sequential": (
        "follow.procedure L1 section",
        "## Steps\n\n1. Open the project.\n2. Build it.\n3. Ship it.\n",
    ),
    "procedure-long": (
        "follow.procedure L2 section",
        "## Steps\n\n1. Open it.\n2. Build it.\n3. Tag it.\n4. Ship it.\n5. Announce it.\n",
    ),
    "procedure-branching": (
        "follow.procedure L2 section",
        "## Steps\n\n1. Build it.\n2. If the build breaks, stop.\n3. Ship it.\n",
    ),
    "procedure-loop-verify": (
        "follow.procedure L3 section",
        "## Steps\n\n1. Build it.\n2. Ship it.\n3. Verify that the page loads.\n",
    ),
    # follow.delegation
    "delegate-bundled-script": (
        "follow.delegation L1 prose",
        "Run [the checker](scripts/check.py) on your draft.\n",
    ),
    "delegate-instead-of-manual": (
        "follow.delegation L1 prose",
        "Use the helper instead of computing the totals by hand.\n",
    ),
    "delegate-data-processing": (
        "follow.delegation L2 prose",
        "Extract the tables with [the extractor](scripts/extract.py).\n",
    ),
    "delegate-exact-precision": (
        "follow.delegation L3 prose",
        "Let the script use the decimal module to avoid rounding errors.\n",
    ),
    # follow.style
    "style-tone": ("follow.style L1 prose", "Use a friendly, professional tone.\n"),
    "style-tone-section": ("follow.style L1 section", "## Tone\n\nBe warm.\n"),
    "style-audience": (
        "follow.style L2 prose",
        "Explain the results for a non-technical audience.\n",
    ),
    "style-consistent": (
        "follow.style L3 prose",
        "Keep the same voice throughout every section.\n",
    ),
}


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule(rule_id: str) -> None:
    expected, body = CASES[rule_id]
    primitive, level, anchor = expected.split()
    reqs = infer(body)
    found = [r for r in reqs if r.rule == rule_id]
    assert found, f"{rule_id} did not fire: {[(r.rule, r.level) for r in reqs]}"
    req = found[0]
    assert (req.primitive, f"L{req.level}", req.anchor.name) == (
        primitive,
        level,
        f"skill.{anchor}",
    )
    rule = load_rules().rule(rule_id)
    assert (rule.primitive, f"L{rule.level}") == (primitive, level)
    assert req.reason and "{detail}" not in req.reason


def test_every_rule_has_a_case() -> None:
    in_file = {rule.id for rule in load_rules().rules}
    tested = set(CASES)
    assert in_file - tested == set(), "rules without a test case"
    assert tested - in_file == set(), "test cases for rules that do not exist"


def test_reasons_are_concrete() -> None:
    reqs = infer(fence("python", "import pandas as pd\nimport numpy"))
    (req,) = [r for r in reqs if r.primitive == "gen.code.python"]
    assert req.reason == "imports pandas, numpy"
    (shell,) = [
        r for r in infer(fence("bash", "git status\ngit diff")) if r.primitive == "tool.exec"
    ]
    assert shell.reason == "runs 2 commands: git"


# --- selection and order -------------------------------------------------------------------


def test_strongest_rule_wins_per_anchor_and_primitive() -> None:
    reqs = infer(fence("python", 'import pandas\nimport json\nopen("x")'))
    python = [r for r in reqs if r.primitive == "gen.code.python"]
    assert [(r.level, r.rule) for r in python] == [(3, "python-third-party")]


def test_document_order_then_primitive() -> None:
    body = "You MUST reply.\n\n" + fence("bash", "cat a | sort") + "\nWrite a report on it.\n"
    reqs = infer(body)
    lines = [r.anchor.span.data[0] for r in reqs]  # type: ignore[attr-defined]
    assert lines == sorted(lines)
    code = [r.primitive for r in reqs if r.anchor.name == "skill.code"]
    assert code == sorted(code) == ["gen.code.shell", "tool.exec"]
    assert reqs[0].anchor.name == "skill.skill"


def test_inference_is_deterministic() -> None:
    body = (
        Path(__file__).resolve().parents[1] / "examples" / "pdf-report" / "SKILL.md"
    ).read_text()
    body = body.split("---\n", 2)[2]
    first = [(r.primitive, r.level, r.rule, r.reason) for r in infer(body)]
    second = [(r.primitive, r.level, r.rule, r.reason) for r in infer(body)]
    assert first == second and first


def test_negated_instructions_do_not_count() -> None:
    assert not [
        r for r in infer("Never run `rm -rf /` on the host.\n") if r.primitive == "tool.exec"
    ]
    assert not [
        r for r in infer("Do not save anything to a file.\n") if r.rule == "file-write-output"
    ]


def test_a_skill_that_writes_about_the_changes_reads_them_rather_than_reviews_them() -> None:
    body = "Review the whole branch diff, not only the latest commit.\n"
    for description, reviews in (
        ("Review the current branch before pushing.", True),
        ("Create reviewer-facing PR titles and descriptions.", False),
        ("Write a commit message for the staged changes.", False),
    ):
        text = f"---\nname: x\ndescription: {description}\n---\n\n{body}"
        module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
        root = next(iter(module.body.block.ops))
        assert isinstance(root, skill.SkillSkillOp)
        found = [r.rule for r in infer_requirements(root)]
        assert ("analysis-review-changes" in found) is reviews, (description, found)


def test_a_document_a_command_of_the_skill_makes_is_no_writing_task() -> None:
    """Held-out round 5: "Generate audit report" where `ts audit report` writes it."""
    step = "6. Generate the audit report.\n\n"
    made = step + "```bash\nts audit report runs/audit.json -o runs/report.html\n```\n"
    assert not [r for r in infer(made) if r.rule == "long-document"]
    other = step + "```bash\nts audit scan --out runs/audit.json\n```\n"
    assert [r.rule for r in infer(other) if r.primitive == "gen.text.long"] == ["long-document"]


def test_a_bound_on_what_a_read_takes_in_is_no_output_bound() -> None:
    read = infer("Request at most 500 lines per call; loop with an offset for longer files.\n")
    assert not [r for r in read if r.primitive == "gen.text.long"]
    assert [r.rule for r in infer("Return at most 5 recommendations.\n")] == ["long-bounded-list"]


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        # the MCP tools page for the agent
        (
            "Look it up with the MCP tools: they handle auth and pagination automatically.\n",
            "web-pagination",
        ),
        # an APM trace is a noun, not tracing a fault
        ("Error detail is in the trace payload; read it off the error span.\n", "root-cause-task"),
        # a stack trace as one field a tool prints (held-out round 8)
        (
            "Prints: slow requests, page errors, and the failing-action stack trace.\n",
            "root-cause-task",
        ),
        # a whole quoted request is what a user might paste
        ("- \u201cGenerate a 30-day top pages report. Return JSON.\u201d\n", "long-document"),
        # a search engine's crawling, and one command of a crawler CLI
        ("2) Fix crawl/index foundations: robots.txt and the sitemap.\n", "browser-crawl"),
        ("Each scrape/crawl consumes credits.\n", "browser-crawl"),
        # what the skill will write, described before the step that writes it
        ("The skill will generate a formatted report with:\n", "long-document"),
        # using the app to find bugs is no code reading
        ("Navigate the app and find bugs the developer missed.\n", "analysis-find-defects"),
    ],
)
def test_held_out_round_6_phrases_are_not_the_construct(body: str, rule: str) -> None:
    assert not construct_anchors(root_of(body), [rule])[rule]


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        # a negated read
        (
            "- Decide what to read; do NOT load all discovered files into the main context.\n",
            "file-read-many",
        ),
        # a skill that denies pagination (held-out round 11, websearch)
        ("Results are capped at 10 per query; pagination is not supported.\n", "web-pagination"),
        # findings taken from a report, and a QA report
        (
            "6. **Write QA Report Findings to Running Summary:** use the Edit tool.\n",
            "long-document",
        ),
        # a path picked from a listing: no text is read
        (
            '```bash\nDIR=$(find "$HOME/.cache" -type d -name x | sort -r | head -1)\n```\n',
            "shell-text-pipeline",
        ),
    ],
)
def test_held_out_round_9_phrases_are_not_the_construct(body: str, rule: str) -> None:
    assert not construct_anchors(root_of(body), [rule])[rule]


def test_round_9_neighbours_keep_their_construct() -> None:
    for body, rule in [
        ("Read all the files in the folder.\n", "file-read-many"),
        ("Write the quarterly report for the board.\n", "long-document"),
        ("```bash\nfind . -name '*.log' | sort | uniq -c\n```\n", "shell-text-pipeline"),
    ]:
        assert construct_anchors(root_of(body), [rule])[rule], body


def test_a_stack_trace_to_read_is_a_root_cause_task() -> None:
    body = "Read the stack trace, then open the file it names.\n"
    assert construct_anchors(root_of(body), ["root-cause-task"])["root-cause-task"]


def test_find_bugs_in_a_ui_testing_skill_is_no_code_reading() -> None:
    body = "Find as many bugs as possible within the assigned tests.\n"
    assert "analysis-find-defects" in [r.rule for r in infer(body)]
    text = f"---\nname: x\ndescription: Adversarial UI testing via a browser.\n---\n\n{body}"
    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    root = next(iter(module.body.block.ops))
    assert isinstance(root, skill.SkillSkillOp)
    assert "analysis-find-defects" not in [r.rule for r in infer_requirements(root)]


def test_keywords_inside_inline_code_do_not_count() -> None:
    assert not infer("The `calculate_totals` helper and `compound_interest` live here.\n")


def test_run_inside_inline_code_is_not_an_instruction() -> None:
    reqs = infer("After `npm run build` finishes, the site is in `dist`.\n")
    assert not [r for r in reqs if r.rule == "exec-inline-command"]


# --- no requirements -----------------------------------------------------------------------


def test_no_requirement_reason_for_short_prose() -> None:
    root = root_of("# Notes\n\nThis skill is a placeholder for later work.\n")
    assert infer_requirements(root) == []
    reason = no_requirement_reason(root)
    assert reason is not None and "no actionable content" in reason


def test_no_requirement_reason_names_uncovered_languages() -> None:
    root = root_of(fence("hcl", 'resource "x" "y" {}'))
    assert infer_requirements(root) == []
    assert "hcl" in (no_requirement_reason(root) or "")


def test_no_requirement_reason_is_none_when_something_is_needed() -> None:
    assert no_requirement_reason(root_of(fence("bash", "ls"))) is None


def test_empty_body() -> None:
    assert no_requirement_reason(root_of("")) == "the body is empty"


# --- analyses ------------------------------------------------------------------------------


def test_python_syntax_error_does_not_crash() -> None:
    info = python_info("import pandas\ndef broken(:\n    open('x')")
    assert "pandas" in info.modules and info.file_io == ("open()",)
    reqs = infer(fence("python", "import pandas\ndef broken(:"))
    assert [r.rule for r in reqs if r.primitive == "gen.code.python"] == ["python-third-party"]


def test_python_local_and_bundled_modules_are_not_third_party() -> None:
    body = "Run [it](scripts/helper.py).\n\n" + fence("python", "import helper\nfrom . import x")
    reqs = infer(body)
    assert not [r for r in reqs if r.rule == "python-third-party"]


def test_shell_placeholders_are_words_not_redirections() -> None:
    info = read_shell("git checkout <branch-name>", "sniff")
    assert info.features == frozenset({"command"})
    assert [c.argv for c in info.commands] == [("git", "checkout", "PLACEHOLDER")]


def test_shell_falls_back_to_shlex_when_bashlex_fails() -> None:
    info = read_shell("[[ -n $x ]] && echo y\nx=$((1+2))", "sniff")
    assert "and-or" in info.features and "command" in info.features


def test_shell_quotes_and_comments_hide_operators() -> None:
    info = read_shell('git commit -m "fix: a | b > c"  # see docs (x)', "sniff")
    assert info.features == frozenset({"command"})


def test_shell_console_prompts() -> None:
    info = read_shell("$ npm test\n> ok 3 tests\n$ npm run lint", "sniff")
    assert {command_name(c.argv) for c in info.commands} == {"npm"} and len(info.commands) == 2


def test_shell_features() -> None:
    assert "loop" in read_shell("for f in *.txt; do wc -l $f; done", "sniff").features
    assert "heredoc" in read_shell("cat <<EOF > x\nhi\nEOF", "sniff").features
    assert "find-exec" in read_shell("find . -name '*.tmp' -exec rm {} \\;", "sniff").features
    assert "subst" in read_shell("echo $(date)", "sniff").features


def test_regex_grades() -> None:
    assert regex_grade("TODO") == 1
    assert regex_grade(r"^\d{4}-\d{2}$") == 2
    assert regex_grade(r"(?<=\$)\d+") == 3
    assert regex_grade(r"(?P<year>\d{4})") == 3


def test_plain_grep_of_a_literal_is_not_a_regex() -> None:
    assert not [r for r in infer(fence("bash", "grep -rn TODO src")) if r.primitive == "gen.regex"]


def test_js_regex_literals_and_not_jsx() -> None:
    reqs = infer(fence("js", "const ok = /^[a-z]+$/i.test(name);"))
    assert [r.level for r in reqs if r.primitive == "gen.regex"] == [2]
    jsx = fence("jsx", "return <div><Glyph size={50} /><span>TITLE</span></div>;")
    assert not [r for r in infer(jsx) if r.primitive == "gen.regex"]


def test_structure_depth() -> None:
    assert structure_depth('{"a": 1}', "json") == 1
    assert structure_depth('{"a": {"b": [1]}}', "json") == 3
    assert structure_depth('{"a": {"b": ...}}', "json") == 2  # not JSON: brackets counted
    assert structure_depth("a: 1\nb:\n  c: 2\n  d:\n    - 1", "yaml") == 3


def test_tool_output_examples_are_not_output_demands() -> None:
    body = "### Script output\n\nThe script outputs:\n\n" + fence("json", '{"ok": true}')
    assert not [r for r in infer(body) if r.primitive == "gen.text.structured"]


def test_directory_trees_are_not_templates() -> None:
    body = "Output structure:\n\n" + fence("", "<project>/\n├── index.html\n└── src/")
    assert not [r for r in infer(body) if r.rule == "format-template"]


def test_sniffing_unlabelled_code() -> None:
    book = load_rules()
    assert sniff_language("import os\nprint(os.getcwd())", book) == "python"
    assert sniff_language("git status\nnpm test", book) == "shell"
    assert sniff_language("SELECT 1;", book) == "sql"
    assert sniff_language('{"a": 1}', book) == "json"
    assert sniff_language("Dear team,\nthanks.", book) == ""


def test_nested_steps_count_towards_the_outer_procedure() -> None:
    body = "## Steps\n\n1. Prepare.\n   1. Fetch.\n   2. Unpack.\n2. Build.\n"
    (req,) = [r for r in infer(body) if r.primitive == "follow.procedure"]
    assert req.anchor.name == "skill.section" and "4 steps" in req.reason


def test_step_headings_form_a_procedure() -> None:
    body = (
        "## Workflow\n\n### Step 1: Plan\n\nPlan.\n\n### Step 2: Build\n\nBuild.\n\n"
        "### Step 3: Ship\n\nShip.\n"
    )
    (req,) = [r for r in infer(body) if r.primitive == "follow.procedure"]
    assert req.anchor.field("title") == "Workflow" and req.level == 1


# --- the rule file -------------------------------------------------------------------------


def test_rule_file_loads_once() -> None:
    assert load_rules() is load_rules()
    assert len(load_rules().rules) >= 90


def test_every_text_pattern_has_a_literal_to_search_first() -> None:
    for rule in load_rules().rules:
        if rule.detector not in ("text", "keyword_count"):
            continue
        for value in rule.params.values():
            for patterns in value if isinstance(value, tuple) else (value,):
                if isinstance(patterns, Patterns):
                    assert patterns.triggers, f"{rule.id}: {patterns.sources}"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abc 😀\n", max_size=40))
def test_literal_index_finds_every_occurrence(text: str) -> None:
    literals = ["a", "ab", "aba", "b c", "😀a", "cc", "bab"]
    found = LiteralIndex(literals).starts(text)
    expected = {lit: [i for i in range(len(text)) if text.startswith(lit, i)] for lit in literals}
    assert found == {lit: starts for lit, starts in expected.items() if starts}


def test_fold_case_finds_what_re_ignorecase_matches() -> None:
    """Over every code point: the folded text keeps its length, and a character that `re`
    matches with an ASCII letter when ignoring case folds to that letter."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        folded = fold_case(char)
        assert len(folded) == 1, hex(code)
        if letter.fullmatch(char):
            assert re.fullmatch(folded, char, re.IGNORECASE) and folded.isascii(), hex(code)
    assert fold_case("ſcan İt") == "scan it"
    assert caseless_safe("scan") and caseless_safe("を読") and not caseless_safe("é")


def test_literal_prefixes() -> None:
    assert literal_prefixes(r"\b(read|open)\b the file") == (" the file",)
    assert literal_prefixes(r"colou?r") == ("colo",)
    assert literal_prefixes(r"\b(a|b)?c") == ("c",)
    assert literal_prefixes(r"\b(a|b)?\d+") is None
    assert literal_prefixes(r"https?://|\bwget\b") == ("http", "wget")


def _rules(**extra: object) -> dict:
    rule = {
        "id": "x-rule",
        "primitive": "tool.exec",
        "level": 1,
        "detector": "text",
        "patterns": ["run"],
        "reason": "r {detail}",
    } | extra
    return {"version": "skillir-requirements/1", "rule": [rule]}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"detector": "nope"}, "unknown detector"),
        ({"primitive": "gen.code.cobol"}, "unknown primitive"),
        ({"level": 4}, "level must be"),
        ({"id": "Bad_Id"}, "kebab-case"),
        ({"pattern": ["x"]}, "takes no 'pattern'"),
        ({"patterns": ["("]}, "bad pattern"),
        ({"reason": "{other}"}, "only use {detail}"),
        ({"min_n": "3"}, "must be a int"),
    ],
)
def test_rule_file_errors(extra: dict, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rules(_rules(**extra))


def test_duplicate_rule_ids_are_refused() -> None:
    data = _rules()
    data["rule"] = data["rule"] * 2
    with pytest.raises(RuleError, match="used twice"):
        parse_rules(data)


def test_a_new_rule_needs_no_code() -> None:
    book = parse_rules(_rules(patterns=["\\bdeploy\\b"], reason="deploys: {detail}"))
    assert book.rules[0].detector in DETECTORS
    assert book.rules[0].explain("deploy") == "deploys: deploy"


# --- corpus --------------------------------------------------------------------------------


def _corpus_roots() -> list[tuple[Path, skill.SkillSkillOp]]:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    roots = []
    for path in sorted(CORPUS.rglob("SKILL.md")):
        module = parse_skill(path.read_bytes(), str(path), DiagnosticSink(str(path)))
        roots.append((path, next(iter(module.body.block.ops))))  # type: ignore[arg-type]
    return roots


@pytest.mark.slow
def test_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    """Every corpus skill gets requirements or a stated reason, and nothing raises."""
    roots = _corpus_roots()
    everything: list[Requirement] = []
    without: list[str] = []
    timings: list[float] = []
    for path, root in roots:
        start = time.perf_counter()
        reqs = infer_requirements(root)
        timings.append(time.perf_counter() - start)
        everything.extend(reqs)
        if not reqs:
            reason = no_requirement_reason(root)
            assert reason, f"{path}: no requirements and no reason"
            without.append(f"{path.parent.relative_to(CORPUS)}: {reason}")
        for req in reqs:
            assert 1 <= req.level <= 3 and req.reason
    table = distribution(everything)
    assert len(table) >= 15, "the corpus should exercise most primitives"
    assert len(without) <= len(roots) // 5
    timings.sort()
    with capsys.disabled():
        print(f"\n{len(everything)} requirements over {len(roots)} skills")
        print(format_distribution(table))
        print("\n".join(f"no requirements: {line}" for line in without))
        print(f"median {timings[len(timings) // 2] * 1000:.2f} ms, max {timings[-1] * 1000:.2f} ms")


def test_no_requirement_reason_for_cjk_text() -> None:
    root = root_of("# 说明\n\n本技能已废弃，请使用新的起草技能代替。保留为迁移重定向。\n")
    assert infer_requirements(root) == []
    assert "CJK" in (no_requirement_reason(root) or "")


def test_ops_added_by_passes_are_ignored() -> None:
    body = "Reply like this:\n\n" + fence("text", "Summary: <one sentence>")
    root = root_of(body)
    before = [(r.rule, r.level) for r in infer_requirements(root)]
    module = root.parent_op()
    assert module is not None
    InferCapabilities().apply(Context(), module)  # type: ignore[arg-type]
    assert [(r.rule, r.level) for r in infer_requirements(root)] == before


PIECES = st.sampled_from(
    [
        "Run `make test`.",
        "1. Read the file.\n",
        "2) If it fails, re-run.\n",
        "- NEVER use emoji.\n",
        "## Steps\n",
        "```bash\ncat a | awk '{print $1}' > b <<EOF\nx\nEOF\n```\n",
        "```python\nimport re, pandas\nre.compile(r'(?<=a)b')\n```\n",
        "```\n$ curl https://x.example/?q=1\n```\n",
        '```json\n{"a": [1, {"b": 2}]}\n```\n',
        "[ref](references/a.md) and [s](scripts/s.py)\n",
        "`unclosed",
        "\n",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=40)), max_size=12))
def test_inference_never_raises(parts: list[str]) -> None:
    path = "SKILL.md"
    try:
        module = parse_skill((HEAD + "".join(parts)).encode(), path, DiagnosticSink(path))
    except Exception:  # a document the frontend refuses is not this test's concern
        return
    root = next(iter(module.body.block.ops))
    reqs = infer_requirements(root)  # type: ignore[arg-type]
    assert reqs or no_requirement_reason(root)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        # a command's failure, its cases listed below (create-release-checklist)
        ("3. First try `gh repo view`. If that fails, diagnose the error:\n", "root-cause-task"),
        # a JavaScript block beside its Python twin is one route of several (elevenlabs)
        (
            "### Python\n\n```python\nfrom x import Client\nClient().run()\n```\n\n"
            "### JavaScript\n\n```javascript\nimport fs from 'fs';\nfs.readFileSync('a');\n```\n",
            "node-script-alone",
        ),
    ],
)
def test_held_out_round_10_phrases_are_not_the_construct(body: str, rule: str) -> None:
    if rule == "node-script-alone":
        found = construct_anchors(root_of(body), ["node-script", "language-route"])
        assert found["node-script"] and found["node-script"] <= found["language-route"]
        alone = body.split("### JavaScript\n\n", 1)[1]
        assert not construct_anchors(root_of(alone), ["language-route"])["language-route"]
        return
    assert not construct_anchors(root_of(body), [rule])[rule]
    assert construct_anchors(root_of("Watch CI. If it fails, diagnose the error.\n"), [rule])[rule]


def test_a_voice_in_an_audio_skill_and_crawls_of_a_crawler_skill_are_no_requirement() -> None:
    """Held-out round 10: "How consistent the voice stays" in a text-to-speech skill is a
    sound; "router pattern for complex crawls" in a skill that develops crawlers is advice
    about its code."""
    for description, body, rule in [
        (
            "Convert text to speech with the TTS API.",
            "- **Stability**: How consistent the voice stays.\n",
            "style-consistent",
        ),
        (
            "Develop, debug, and deploy Apify Actors for web scraping.",
            "- Use router pattern for complex crawls\n",
            "browser-crawl",
        ),
    ]:
        assert rule in [r.rule for r in infer(body)]
        text = f"---\nname: x\ndescription: {description}\n---\n\n{body}"
        module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
        root = next(iter(module.body.block.ops))
        assert isinstance(root, skill.SkillSkillOp)
        assert rule not in [r.rule for r in infer_requirements(root)]


@pytest.mark.parametrize(
    "body",
    [
        "Use these MCP tools (with `project_id` and pagination where applicable):\n",
        "- Use full pagination (`--paginate` for ASC, `starting_after` for RevenueCat tools).\n",
    ],
)
def test_held_out_round_15_paging_by_tool_calls_or_a_cli_flag(body: str) -> None:
    """Held-out round 15: pages the agent gets through MCP tool calls or a CLI's own
    `--paginate` are no paging a script of the agent's should do."""
    assert not construct_anchors(root_of(body), ["web-pagination"])["web-pagination"]
    assert construct_anchors(root_of("Paginate through the API results.\n"), ["web-pagination"])[
        "web-pagination"
    ]


def test_held_out_round_16_stop_at_the_first_failure_is_no_propagation() -> None:
    """Held-out round 16 (attach-db): "Follow these steps in order, stopping ... if any step
    fails" leaves no dependents to work out; skipping the steps a failure blocks does."""
    rule = "planning-failure-propagation"
    stop = "Follow these steps in order, stopping and reporting clearly if any step fails.\n"
    assert not construct_anchors(root_of(stop), [rule])[rule]
    skip = "If a step fails, skip the dependent steps and run the rest.\n"
    assert construct_anchors(root_of(skip), [rule])[rule]
