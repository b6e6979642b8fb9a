"""Issue 16: step prompts from the compiled IR, the no-skill mode, replies that fit, grounding,
progress, traces that explain a run. The runs here stop before their first model reply (a hook
ends them once the prompt is in the trace), so they need no model time."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from skillir.runtime import progress
from skillir.runtime.agent import AgentResult, Status
from skillir.runtime.execute import RunConfig, final_answer, run_skill, wants_grounding
from skillir.runtime.llm import ToolCall
from skillir.runtime.progress import Progress
from skillir.runtime.protocol import JsonProtocol, NativeProtocol, TaskLog, string_bound
from skillir.runtime.sandbox import Sandbox
from skillir.runtime.steps import SkillDoc
from skillir.runtime.trace import Hooks
from skillir.targets.manifest import MANIFEST, manifest_bytes

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO.parent / "shared" / "profiles" / "skvm" / "bare-agent__qwen--qwen3.5-9b.json"

SKILL = """\
---
name: scan-risk
description: Scan code for risk. Use when asked to scan a project.
---

# Scan

You MUST never delete files.

## Procedure

1. **Scan** for risk:
   ```bash
   python3 scripts/detect.py src/
   ```
   - check the report
   > **Note:** use python3, not python.
2. Count the matches: `grep -rn TODO src | sort | uniq -c | sort -rn > todo.txt`.
3. Write the summary to `report.md`.
"""


def write_skill(folder: Path, text: str = SKILL) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(text)
    return folder


def test_a_step_prompt_carries_its_code_items_notes_and_the_skill_context() -> None:
    doc = SkillDoc.parse(SKILL, "SKILL.md")
    assert doc is not None
    step = doc.prompt("**Scan** for risk:", 12)
    assert step.label == "**Scan** for risk:" and step.line == 12 and step.cut == ()
    assert step.text == (
        "**Scan** for risk:\n"
        "  ```bash\n  python3 scripts/detect.py src/\n  ```\n"
        "  - check the report\n"
        "Note: use python3, not python.\n"
        "Rules: You MUST never delete files.\n"
        '(This step is in the skill\'s part "Procedure".)'
    )
    assert JsonProtocol(True).request(step.text, label=step.label)["response_format"][
        "json_schema"
    ]["schema"]["anyOf"][3]["properties"]["command"] == {"enum": ["python3 scripts/detect.py src/"]}


def test_a_step_over_budget_loses_context_first_and_says_so() -> None:
    doc = SkillDoc.parse(SKILL, "SKILL.md")
    assert doc is not None
    step = doc.prompt("**Scan** for risk:", 12, budget=30)
    assert step.text.startswith("**Scan** for risk:\n  ```bash")
    assert [c.split(" (")[0] for c in step.cut] == ["constraints", "section", "step notes"]
    tiny = doc.prompt("Write the summary to `report.md`.", 19, budget=5)
    assert tiny.cut[-1].startswith("step text after 80 of")


def first_prompt(
    tmp_path: Path, skill: Path | None, request: str = "Scan the project.", **options: object
) -> dict:
    """Run until the first model call is about to be made (`options` go to RunConfig); the
    summary and the trace's events."""

    class Stop(Hooks):
        def before_llm(self, agent: str, messages: list) -> None:
            raise RuntimeError("stopped before the model call")

    if importlib.util.find_spec("litellm") is None:  # not imported here: the runtime does it
        pytest.skip("needs litellm")
    trace = tmp_path / "trace"
    summary = run_skill(
        RunConfig(
            skill_path=skill,
            request=request,
            workdir=tmp_path / "work",
            trace_dir=trace,
            model="local/smollm2-135m",
            hooks=[Stop(), *options.pop("hooks", [])],  # type: ignore[misc]
            sandbox_level="none",
            unsafe_host=True,
            **options,  # type: ignore[arg-type]
        )
    )
    if not options.get("require_env"):
        assert summary["status"] == "error" and "stopped before" in summary["message"]
    events = [json.loads(line) for line in (trace / "trace.jsonl").open()]
    return {"summary": summary, "events": events}


PARAGRAPH = """\
This skill looks through a source tree for the markers that developers leave behind when
work is unfinished, and it writes a short report that a reviewer can read in a minute. It
never changes the sources; the only files it writes are the counts and the report itself.
"""
PIPELINE_SKILL = f"""\
---
name: scan-risk
description: Scan code for risk. Use when asked to scan a project.
---

# Scan

{PARAGRAPH}
{PARAGRAPH}
{PARAGRAPH}
## Procedure

1. Count the TODO lines:
   ```bash
   grep -rn TODO src | sort | uniq -c | sort -rn > todo.txt
   ```
2. Write the summary to `report.md`.
"""


@pytest.mark.skipif(not PROFILE.is_file(), reason="needs ../shared/profiles")
def test_a_note_the_compiler_adds_to_a_step_reaches_that_steps_prompt(tmp_path: Path) -> None:
    text = PIPELINE_SKILL
    original = write_skill(tmp_path / "original", text)
    compiled = tmp_path / "compiled"
    run = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_translate", str(original), "--target=bare",
         "--profile", str(PROFILE), "-o", str(compiled)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "   > **Note:** Replace the shell pipeline" in (compiled / "SKILL.md").read_text()
    prompts = {}
    for name, folder in (("original", original), ("compiled", compiled)):
        events = first_prompt(tmp_path / name / "run", folder)["events"]
        start = next(e for e in events if e["event"] == "node_start")
        line = text.splitlines().index("1. Count the TODO lines:") + 1
        assert start["label"] == "Count the TODO lines:" and start["span"] == f"SKILL.md:{line}"
        prompt = next(e for e in events if e["event"] == "prompt")
        prompts[name] = prompt["messages"][-1]["content"]
    assert "Replace the shell pipeline" in prompts["compiled"]
    assert "Replace the shell pipeline" not in prompts["original"]
    assert prompts["original"] != prompts["compiled"]


def test_no_skill_runs_the_same_loop_without_a_skill(tmp_path: Path) -> None:
    run = first_prompt(tmp_path, None, "List the files.")
    assert run["summary"]["skill"] is None and run["summary"]["plan"] is False
    system = next(e for e in run["events"] if e["event"] == "prompt")["messages"][0]["content"]
    assert system.startswith("You are an agent working in a work directory. The user's request:")
    assert "skill" not in system.split("\n\n", 1)[0].lower()
    cli = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_run", str(REPO / "examples" / "word-stats"),
         "--no-skill", "--task", "x"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert cli.returncode == 2 and "--no-skill runs without a skill" in cli.stderr


def test_the_explain_timeline_names_steps_their_lines_and_prompts(tmp_path: Path) -> None:
    first_prompt(tmp_path, write_skill(tmp_path / "skill"))
    out = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_run", "--explain", str(tmp_path / "trace"),
         "--prompts"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "step r1 on main: **Scan** for risk: (SKILL.md:12) [~" in out.stdout
    assert "      python3 scripts/detect.py src/" in out.stdout  # the prompt, with the command
    assert "error: RuntimeError: stopped before the model call" in out.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_run", "--explain", str(tmp_path / "none")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2 and "error: cannot read the trace" in missing.stderr


def test_string_bounds_follow_the_reply_token_limit() -> None:
    assert string_bound(512) == 732
    schema = JsonProtocol(True).schema(reply_tokens=256)
    write = schema["anyOf"][1]["properties"]
    assert write["content"]["maxLength"] == string_bound(256) == 348
    assert write["path"]["maxLength"] == 200


def test_grounding_shows_the_listing_and_a_missing_file_names_what_exists(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "orders.csv").write_text("a,b\n")
    (tmp_path / "notes.md").write_text("x")
    sandbox = Sandbox(tmp_path)
    assert sandbox.listing() == "data/, data/orders.csv, notes.md"
    result = sandbox.call("read_file", {"path": "order.csv"})
    assert not result.ok
    assert "'order.csv' does not exist; the work directory has: data/, data/orders.csv" in (
        result.output
    )
    log = [TaskLog("Read the orders.", files=sandbox.listing())]
    prompt = JsonProtocol(True).render("system", log)[1]["content"]
    assert prompt.startswith("Files in the work directory: data/, data/orders.csv, notes.md\n")
    assert wants_grounding(None, JsonProtocol(True)) and not wants_grounding(None, NativeProtocol())
    assert wants_grounding(1, NativeProtocol()) and not wants_grounding(2, JsonProtocol(True))
    assert not wants_grounding(None, JsonProtocol(True), "off")


def test_the_answer_is_the_final_message_or_the_files_written() -> None:
    done = AgentResult("main", Status.OK, "done", "Saved the report.")
    closed = AgentResult("main", Status.OK, "done (1 call)", "", outcome="execute_command: ok")
    assert final_answer([done], ["a.txt"]) == "Saved the report."
    assert (
        final_answer([closed], ["b.txt", "a.txt"])
        == "(no final message) files written: b.txt, a.txt"
    )
    assert final_answer([closed], []) == "(no final message, no file written)"


def test_progress_writes_one_line_per_event_and_a_heartbeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "HEARTBEAT_S", 1.5)
    out = io.StringIO()
    hooks = Progress(out, spinner=False, preamble=["work directory: /w (kept)"])
    hooks.node_start("main", {"node": "r1", "kind": "step", "label": "Run `ls`.",
                              "span": "SKILL.md:9", "cut": []})  # fmt: skip
    hooks.before_llm("main", [])
    import time

    time.sleep(3.2)  # a model call that takes a while: a still-waiting line
    sandbox = Sandbox(tmp_path, level="none", unsafe_host=True)
    call = ToolCall("execute_command", {"command": "exit 3"})
    hooks.after_tool("main", call, sandbox.call(call.name, call.arguments))
    hooks.node_end("main", {"node": "r1", "kind": "step", "status": "tool-error",
                            "message": "4 failed", "seconds": 3.3})  # fmt: skip
    hooks.after_run({"status": "tool-error", "message": "r1: 4 failed"})
    lines = [line.split("] ", 1)[-1] for line in out.getvalue().splitlines()]
    assert lines[0] == "work directory: /w (kept)"
    assert lines[1] == "step r1 on main: Run `ls`. (SKILL.md:9)"
    assert lines[2].startswith("... still waiting (model call: main ")
    assert "  tool main: execute_command exit 3 -> exit 3" in lines
    assert "step r1 tool-error in 3.3 s: 4 failed" in lines
    assert lines[-1] == "run tool-error: r1: 4 failed"


def test_progress_goes_to_stderr_unless_quiet_and_clean_removes_default_dirs(
    tmp_path: Path,
) -> None:
    skill = write_skill(tmp_path / "skill")
    (skill / "plan.json").write_text('{"format": "skillir-plan", "version": 1, "skills": 3}')
    args = [sys.executable, "-m", "skillir.tools.skill_run", str(skill), "--task", "x",
            "--sandbox", "unsafe-host", "--unsafe-host"]  # fmt: skip
    loud = subprocess.run([*args, "--clean"], capture_output=True, text=True, timeout=120)
    assert loud.returncode == 1 and "status: plan-error" in loud.stdout
    told = loud.stderr.splitlines()
    assert told[0].startswith("work directory: /") and told[0].endswith(
        "(removed after the run: --clean)"
    )
    assert told[-1].split("] ", 1)[1].startswith("run plan-error: ")
    for line in told[:2]:
        assert not Path(line.split(": ", 1)[1].split(" (")[0]).exists()
    quiet = subprocess.run([*args, "-q"], capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 1 and quiet.stderr == ""
    assert "explain: skill-run --explain /" in quiet.stdout


def test_a_skill_without_a_plan_is_injected_whole_within_the_budget(tmp_path: Path) -> None:
    from skillir.runtime.execute import load_skill, system_prompt

    body = "\n".join(f"- Guideline {n}: prefer clear names over short ones." for n in range(200))
    folder = write_skill(
        tmp_path / "s", "---\nname: g\ndescription: Rules. Use always.\n---\n\n" + body
    )
    skill = load_skill(folder)
    assert skill.plan is not None and not skill.plan["skills"][0]["graphs"]  # no procedure
    whole = system_prompt(skill, "x", "full")
    assert "Guideline 199" in whole
    clipped = system_prompt(skill, "x", "full", budget=100)
    assert "Guideline 199" not in clipped and "[... the rest of the skill is cut]" in clipped


ENV_SCRIPT = b"""#!/usr/bin/env bash
if [ "${1:-}" = "--check" ]; then
  echo 'missing:   binary skillir-absent (install it by hand; not done here)'
  echo 'not satisfied:' >&2; printf '  %s\\n' 'binary skillir-absent' >&2; exit 1
fi
exit 1
"""


def test_a_missing_dependency_warns_and_runs_unless_required(tmp_path: Path) -> None:
    """A compiled skill whose check fails for a program the task may not need (an alternative
    the skill falls back from) runs as the skill as written would, with a warning on stderr, in
    the trace and the summary; `require_env` ends it env-error before any model call."""
    folder = write_skill(tmp_path / "skill")
    (folder / "env-setup.sh").write_bytes(ENV_SCRIPT)
    (folder / MANIFEST).write_bytes(manifest_bytes({"env-setup.sh": ENV_SCRIPT}))  # as compiled
    shown = io.StringIO()
    run = first_prompt(tmp_path / "warn", folder, hooks=[Progress(shown, spinner=False)])
    warning = (
        "missing dependencies: binary skillir-absent (binary skillir-absent: install by hand); "
        "running anyway (--require-env stops here)"
    )
    assert run["summary"]["warnings"] == [warning]
    kinds = [e["event"] for e in run["events"]]
    assert kinds.index("env") < kinds.index("warning") < kinds.index("prompt")  # it ran on
    assert next(e for e in run["events"] if e["event"] == "env")["ok"] is False
    assert f"warning: {warning}" in shown.getvalue()
    strict = first_prompt(tmp_path / "strict", folder, require_env=True)["summary"]
    assert strict["status"] == "env-error" and strict["llm_calls"] == 0
    assert strict["message"] == warning.split("; running")[0]


def test_cli_require_env_ends_the_run_before_the_model(tmp_path: Path) -> None:
    folder = write_skill(tmp_path / "skill")
    (folder / "env-setup.sh").write_bytes(ENV_SCRIPT)
    (folder / MANIFEST).write_bytes(manifest_bytes({"env-setup.sh": ENV_SCRIPT}))
    if importlib.util.find_spec("litellm") is None:
        pytest.skip("needs litellm")
    cli = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_run", str(folder), "--task", "Scan.",
         "--require-env", "--workdir", str(tmp_path / "w"), "--trace-dir", str(tmp_path / "t"),
         "-q"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 1, cli.stderr
    assert cli.stdout.startswith(
        "status: env-error (missing dependencies: binary skillir-absent (binary skillir-absent: "
        "install by hand))\n"
    )
    assert "0 model calls" in cli.stdout


def test_the_compilers_setup_note_is_not_shown_to_the_model() -> None:
    """skill-run runs env-setup.sh itself: the note asking the user to run it is left out of
    step prompts, other notes stay."""
    compiled = SKILL.replace(
        "# Scan\n",
        "# Scan\n\n> **Note:** Before the first step, ask the user to run `bash env-setup.sh` in "
        "this skill's folder: it checks `python3`, and installs only what is missing.\n\n"
        "> **Note:** Check each command's output before the next.\n",
    )
    doc = SkillDoc.parse(compiled, "SKILL.md")
    assert doc is not None
    step = doc.prompt("Write the summary to `report.md`.", 23)
    assert "Note: Check each command's output before the next." in step.text
    assert "env-setup.sh" not in step.text
