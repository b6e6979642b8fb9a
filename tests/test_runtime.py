"""The runtime's parts that need no model: protocols, grammar, plan reading, trace, CLI errors."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from skillir.runtime.agent import AgentResult, Limits, Status
from skillir.runtime.execute import Executor, Skill, SkillError, load_skill, system_prompt
from skillir.runtime.llm import LLM, Reply, ToolCall
from skillir.runtime.protocol import (
    JsonProtocol,
    NativeProtocol,
    TaskLog,
    choose,
    quoted_commands,
)
from skillir.runtime.sandbox import Sandbox, ToolResult
from skillir.runtime.trace import Trace, write_json_atomic

REPO = Path(__file__).resolve().parents[1]
WORD_STATS = REPO / "examples" / "word-stats"


def reply(content: str = "", calls: tuple[ToolCall, ...] = ()) -> Reply:
    return Reply(content, calls, 10, 5, 0.1)


# --- the JSON protocol -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"tool": "write_file", "path": "a.txt", "content": "x"}', ("write_file", None, None)),
        ('Sure! {"tool": "read_file", "path": "a.txt"} done', ("read_file", None, None)),
        ('{"tool": "done", "answer": "all good"}', (None, "all good", None)),
        ('{"tool": "rm", "path": "/"}', (None, None, 'unknown tool "rm"')),
        ('{"tool": "write_file", "path": "a.txt"}', (None, None, "write_file needs content")),
        ("Here is a tutorial about files.", (None, None, "the reply is not a JSON object")),
        ('{"tool": "execute_command", "command": 5}', (None, None, "needs command")),
    ],
)
def test_json_protocol_parses_one_call(content: str, expected: tuple) -> None:
    turn = JsonProtocol(constrained=True).parse(reply(content))
    name, answer, error = expected
    assert (turn.calls[0].name if turn.calls else None) == name
    assert turn.answer == answer
    assert (error is None and turn.error is None) or (error in (turn.error or ""))


def test_json_protocol_renders_one_prompt_in_the_examples_form() -> None:
    protocol = JsonProtocol(constrained=True)
    done = TaskLog("Make a.txt", answer="made it")
    call = ToolCall("execute_command", {"command": "ls"})
    current = TaskLog(
        "List files", turns=[(reply("{}"), (call,), ["exit code 0, a.txt\nb.txt"], None)]
    )
    messages = protocol.render("SYSTEM", [done, current])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[1]["content"].splitlines() == [
        "Earlier: Make a.txt -> made it",
        "Task: List files",
        "Done: execute_command ls -> exit code 0, a.txt b.txt",
    ]
    assert "Examples:" in protocol.instructions()


def test_constrained_request_limits_commands_to_the_quoted_ones() -> None:
    request = JsonProtocol(constrained=True).request("Run `ls -la` then `wc -l a.txt`.")
    schema = request["response_format"]["json_schema"]["schema"]
    tools = [alt["properties"]["tool"]["const"] for alt in schema["anyOf"]]
    assert tools == ["execute_command", "done"]  # "Run ...": a command, or done
    command = schema["anyOf"][0]["properties"]["command"]
    assert command == {"enum": ["ls -la", "wc -l a.txt"]}
    free = JsonProtocol(constrained=True).request("Summarise the notes.")
    alternatives = free["response_format"]["json_schema"]["schema"]["anyOf"]
    assert len(alternatives) == 5
    assert all(
        p.get("maxLength")
        for alt in alternatives
        for k, p in alt["properties"].items()
        if k != "tool"
    )
    assert JsonProtocol(constrained=False).request("Run `ls`.") == {}


def test_quoted_commands_keeps_command_lines_only() -> None:
    text = "Run `python3 scripts/x.py in.csv`, read `data/in.csv`, then `./build.sh` and `ls`."
    assert quoted_commands(text) == ("python3 scripts/x.py in.csv", "./build.sh", "ls")


def test_native_protocol_renders_tool_turns() -> None:
    protocol = NativeProtocol()
    call = ToolCall("read_file", {"path": "a.txt"}, "call_1")
    log = [TaskLog("Read a.txt", turns=[(reply("", (call,)), (call,), ["ok, hi"], None)])]
    messages = protocol.render("SYSTEM", log)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert messages[2]["tool_calls"][0]["function"] == {
        "name": "read_file",
        "arguments": '{"path": "a.txt"}',
    }
    assert messages[3]["tool_call_id"] == "call_1"
    tools = protocol.request("x")["tools"]
    assert [t["function"]["name"] for t in tools] == [
        "read_file",
        "write_file",
        "list_directory",
        "execute_command",
    ]
    assert protocol.parse(reply("All done.")).answer == "All done."


def test_protocol_choice_is_a_property_of_the_target() -> None:
    local = LLM("local/smollm2-135m")
    assert choose(local, None).name == "json-constrained"  # no native tool calls
    assert choose(local, None, "json").name == "json"
    assert choose(local, None, "native").name == "native"


# --- grammar -----------------------------------------------------------------------------------


def test_grammar_from_the_tool_union() -> None:
    pytest.importorskip("llama_cpp")
    from llama_cpp import LlamaGrammar

    from skillir.runtime.local import grammar_text

    schema = JsonProtocol(constrained=True).schema(("ls -la",), reply_tokens=4096)
    text = grammar_text(schema)
    assert '"\\"" char{0,4000} "\\""' in text  # write_file's bounded content
    assert '("\\"ls -la\\"")' in text
    LlamaGrammar.from_string(text, verbose=False)  # llama.cpp accepts it
    with pytest.raises(ValueError, match="unsupported schema"):
        grammar_text({"type": "array"})


# --- skills and plans --------------------------------------------------------------------------


def test_load_skill_errors_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(SkillError, match=r"error: not a skill folder"):
        load_skill(tmp_path)
    (tmp_path / "SKILL.md").write_text("---\nname: x\ndescription: y\n---\n\nBody.\n")
    (tmp_path / "plan.json").write_text('{"format": "skillir-plan", ')
    with pytest.raises(SkillError, match=r"plan\.json:1:\d+: error: "):
        load_skill(tmp_path)
    (tmp_path / "plan.json").write_text('{"format": "other"}')
    with pytest.raises(SkillError, match=r"plan\.json:1:1: error: not a skillir plan"):
        load_skill(tmp_path)


def test_a_skill_as_written_gets_its_plan_computed() -> None:
    skill = load_skill(WORD_STATS)
    assert skill.name == "word-stats" and skill.env_setup is None
    schedule = skill.plan["skills"][0]["graphs"][0]["schedule"]
    assert schedule[0]["ilp"] == ["1", "2", "3"]
    assert load_skill(WORD_STATS, planned=False).plan is None
    prompt = system_prompt(skill, "count")
    assert '<skill name="word-stats">' in prompt and "## Procedure" in prompt
    assert "## Procedure" not in system_prompt(skill, "count", "step")


def test_dlp_items_are_the_files_the_glob_names(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv", "notes.txt"):
        (tmp_path / name).write_text("x")
    executor = Executor(
        LLM("local/smollm2-135m"),
        JsonProtocol(True),
        Sandbox(tmp_path),
        Skill("s", "d", "", tmp_path),
        "r",
    )
    assert executor.items({"reads": ["glob:*.csv"]}, None) == ["a.csv", "b.csv"]
    assert executor.items({"reads": []}, "each file in `out/`") == []
    assert executor.items({"reads": []}, ["notes.txt", "missing.txt"]) == ["notes.txt"]


# --- trace -------------------------------------------------------------------------------------


def test_trace_records_calls_and_totals(tmp_path: Path) -> None:
    trace = Trace(tmp_path / "t" / "trace.jsonl")
    trace.after_llm("main", reply('{"tool": "done", "answer": "x"}'))
    call = ToolCall("execute_command", {"command": "x" * 5000})
    trace.after_tool("r1.1", call, ToolResult(False, "boom", 2, 0.5, 4))
    trace.llm_failed("main", "cannot reach http://x")
    trace.close()
    records = [
        json.loads(line) for line in (tmp_path / "t" / "trace.jsonl").read_text().splitlines()
    ]
    assert [r["event"] for r in records] == ["llm", "tool", "llm_error"]
    assert records[0]["prompt_tokens"] == 10 and records[0]["latency_s"] == 0.1
    assert records[1]["exit_code"] == 2 and records[1]["bytes"] == 4
    assert records[1]["arguments"]["command"].endswith("[... 1000 more chars]")
    totals = trace.totals
    assert (totals.llm_calls, totals.tool_calls, totals.tool_failures, totals.llm_errors) == (
        1,
        1,
        1,
        1,
    )
    write_json_atomic(tmp_path / "s.json", {"status": "ok"})
    assert json.loads((tmp_path / "s.json").read_text()) == {"status": "ok"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_agent_result_statuses_are_the_documented_ones() -> None:
    assert [str(s) for s in Status] == [
        "ok",
        "max-steps",
        "timeout",
        "max-tokens",
        "model-error",
        "tool-error",
        "env-error",
        "plan-error",
        "error",
    ]
    assert AgentResult("main", Status.OK, "done").steps == 0
    assert Limits().max_steps > 0


# --- the CLI's usage errors (no model is loaded) ---------------------------------------------


def skill_run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "skillir.tools.skill_run", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_cli_rejects_a_path_that_is_not_a_skill(tmp_path: Path) -> None:
    run = skill_run(str(tmp_path / "nope"), "--task", "x", "--workdir", str(tmp_path / "w"))
    assert run.returncode == 2
    assert run.stderr.strip() == f"{tmp_path / 'nope'}: error: not a skill folder (no SKILL.md)"
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "w.trace").exists()


def test_cli_rejects_bad_limits(tmp_path: Path) -> None:
    run = skill_run(str(WORD_STATS), "--task", "x", "--max-steps", "0")
    assert run.returncode == 2 and "--max-steps must be positive" in run.stderr


def test_the_compile_path_never_imports_the_runtime_engines() -> None:
    code = (
        "import sys\n"
        "from skillir.tools import skill_opt, skill_translate\n"
        "skill_translate.main(['examples/word-stats', '-t', 'plan-json'])\n"
        "engines = ('litellm', 'llama_cpp', 'rich', 'skillir.runtime.llm')\n"
        "heavy = [m for m in engines if m in sys.modules]\n"
        "print('heavy:', heavy, file=sys.stderr)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert "heavy: []" in run.stderr, run.stderr


def test_cli_rejects_a_bad_profile(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text('{"x": 1')
    run = skill_run(str(WORD_STATS), "--task", "x", "--profile", str(bad))
    assert run.returncode == 2
    assert run.stderr.startswith(f"{bad}:1:8: error: invalid JSON")


def test_a_procedure_the_plan_lacks_is_a_plan_error(tmp_path: Path) -> None:
    executor = Executor(
        LLM("local/smollm2-135m"),
        JsonProtocol(True),
        Sandbox(tmp_path),
        load_skill(WORD_STATS),
        "r",
    )
    with pytest.raises(SkillError, match=r"--procedure 2: the plan has 1 procedure\(s\)"):
        asyncio.run(executor.run((2,)))


def test_list_injection_names_the_skill_and_stages_its_text(tmp_path: Path) -> None:
    from skillir.runtime.execute import stage_files

    skill = load_skill(WORD_STATS, planned=False)
    prompt = system_prompt(skill, "count", "list")
    assert "<name>word-stats</name>" in prompt
    assert "<location>.skill/word-stats/SKILL.md</location>" in prompt
    assert "## Procedure" not in prompt
    staged = stage_files(skill, tmp_path, "list")
    assert staged[0] == ".skill/word-stats/SKILL.md"
    assert (tmp_path / staged[0]).read_bytes() == (WORD_STATS / "SKILL.md").read_bytes()
    assert "scripts/count.py" in staged and (tmp_path / "texts" / "fox.txt").is_file()


def test_a_skill_that_does_not_parse_is_reported_at_its_position(tmp_path: Path) -> None:
    (tmp_path / "SKILL.md").write_text("---\nname: x\n\nBody\n")
    run = skill_run(str(tmp_path), "--task", "x", "--workdir", str(tmp_path / "w"))
    assert run.returncode == 2
    assert run.stderr.startswith(f"{tmp_path / 'SKILL.md'}:1:1: error: frontmatter opened here")
    assert "Traceback" not in run.stderr
