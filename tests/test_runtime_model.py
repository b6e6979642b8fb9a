"""The runtime on the real embedded model (SmolLM2-135M in-process): files written through the
tool protocol, plans run concurrently, and every bad input ending in a status with a trace."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("llama_cpp")
pytest.importorskip("litellm")

from skillir.runtime.agent import Agent, Limits, Status  # noqa: E402
from skillir.runtime.execute import RunConfig, run_skill  # noqa: E402
from skillir.runtime.llm import LLM, ModelError  # noqa: E402
from skillir.runtime.local import model_path  # noqa: E402
from skillir.runtime.protocol import choose  # noqa: E402
from skillir.runtime.sandbox import Sandbox  # noqa: E402
from skillir.runtime.trace import Trace  # noqa: E402
from skillir.targets.manifest import MANIFEST, manifest_bytes  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

try:
    model_path("smollm2-135m")
except ModelError as err:
    pytest.skip(str(err), allow_module_level=True)

pytestmark = pytest.mark.slow


def make_skill(root: Path, steps: list[str]) -> Path:
    body = "\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1))
    text = f"""\
        ---
        name: runtime-test
        description: Steps for testing the runtime. Use in tests.
        ---

        # Runtime test

        ## Procedure

        {body}
        """
    root.mkdir(parents=True, exist_ok=True)
    (root / "SKILL.md").write_text(textwrap.dedent(text).replace("\n        ", "\n"))
    return root


def run(tmp_path: Path, skill: Path, request: str, **options: object) -> dict:
    config = RunConfig(
        skill_path=skill,
        request=request,
        workdir=tmp_path / "work",
        trace_dir=tmp_path / "trace",
        model="local/smollm2-135m",
        **options,  # type: ignore[arg-type]
    )
    return run_skill(config)


def events(tmp_path: Path) -> list[dict]:
    lines = (tmp_path / "trace" / "trace.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_the_model_writes_a_file_through_the_tool_protocol(tmp_path: Path) -> None:
    llm = LLM("local/smollm2-135m")
    llm.check()
    trace = Trace(tmp_path / "trace.jsonl")
    agent = Agent(llm, choose(llm, None), Sandbox(tmp_path), "You work in a folder.", hooks=[trace])
    result = asyncio.run(agent.run("Write the text 'hello world' to the file greeting.txt."))
    trace.close()
    assert result.status is Status.OK, result.message
    assert "hello" in (tmp_path / "greeting.txt").read_text().lower()
    kinds = [json.loads(line)["event"] for line in (tmp_path / "trace.jsonl").open()]
    assert kinds[:3] == ["prompt", "llm", "tool"]


def test_the_sandbox_refuses_the_model_an_escape(tmp_path: Path) -> None:
    # SmolLM2 never writes `..` or absolute paths on its own (it drops them), so the escape
    # is a symlink in the work directory that leads out of it.
    work, outside = tmp_path / "work", tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    (work / "notes.txt").symlink_to(outside / "notes.txt")
    llm = LLM("local/smollm2-135m")
    trace = Trace(tmp_path / "trace.jsonl")
    agent = Agent(
        llm, choose(llm, None), Sandbox(work), "You work in a folder.", Limits(max_steps=3), [trace]
    )
    asyncio.run(agent.run("Write the text 'x' to the file notes.txt."))
    trace.close()
    assert list(outside.iterdir()) == []
    tools = [json.loads(line) for line in (tmp_path / "trace.jsonl").open()]
    writes = [t for t in tools if t["event"] == "tool" and t["name"] == "write_file"]
    assert writes and all(not t["ok"] for t in writes if t["arguments"]["path"] == "notes.txt")
    assert any("outside the work directory" in t["output"] for t in writes)


def test_a_skill_runs_end_to_end_with_its_plan(tmp_path: Path) -> None:
    summary = run(tmp_path, REPO / "examples" / "word-stats", "Compute the word statistics.")
    assert summary["status"] == "ok", summary["message"]
    report = (tmp_path / "work" / "report.txt").read_text().splitlines()
    assert report == ["words: 24", "lines: 5", "chars: 120"]
    labels = [a["label"] for a in summary["agents"]]
    assert labels == ["r1.1", "r1.2", "r1.3", "main"]  # the ILP region, then step 4
    assert summary["llm_calls"] >= 4 and summary["tool_calls"] >= 4
    assert summary["prompt_tokens"] > 0 and summary["critical_path_s"] <= summary["wall_s"]
    saved = json.loads((tmp_path / "trace" / "summary.json").read_text())
    assert saved["status"] == "ok" and saved["agents"] == summary["agents"]
    tools = [e for e in events(tmp_path) if e["event"] == "tool"]
    assert all({"arguments", "exit_code", "duration_s", "bytes"} <= e.keys() for e in tools)


def test_independent_sub_agents_run_concurrently(tmp_path: Path) -> None:
    steps = [f"Run `sleep 2 && echo {c} > {c}.txt`." for c in "abcd"]
    skill = make_skill(tmp_path / "skill", steps)
    run(tmp_path / "warm", skill, "Run `true`.", planned=False)  # litellm's first-call costs
    parallel = run(tmp_path / "p", skill, "Make the files.")
    serial = run(tmp_path / "s", skill, "Make the files.", parallel=False)
    assert parallel["status"] == serial["status"] == "ok", (parallel, serial)
    assert [a["label"] for a in parallel["agents"]] == ["r1.1", "r1.2", "r1.3", "r1.4"]
    for c in "abcd":
        assert (tmp_path / "p" / "work" / f"{c}.txt").read_text() == f"{c}\n"
    # Four 2-second commands: about 2 s of tool time in parallel against 8 s in series.
    assert parallel["run_s"] < 0.7 * serial["run_s"], (parallel["run_s"], serial["run_s"])


def test_a_model_that_never_calls_a_tool_ends_with_model_error(tmp_path: Path) -> None:
    skill = make_skill(tmp_path / "skill", ["Write a poem.", "Sign it."])
    summary = run(tmp_path, skill, "Write a poem.", protocol="json", planned=False)
    assert summary["status"] == "model-error"
    calls = [e["event"] for e in events(tmp_path)].count("llm")
    if calls == 2:  # greedy decoding gave the same reply again: not asked a third time
        assert "the same invalid reply twice under greedy decoding" in summary["message"]
    else:
        assert "no valid tool call in 3 replies in a row" in summary["message"] and calls == 3
    assert (tmp_path / "trace" / "summary.json").is_file()


def test_a_hanging_command_ends_with_timeout(tmp_path: Path) -> None:
    skill = make_skill(tmp_path / "skill", ["Run `sleep 1000`.", "Run `ls`."])
    summary = run(tmp_path, skill, "Run `sleep 1000`.", planned=False, limits=Limits(timeout_s=8))
    assert summary["status"] == "timeout"
    assert summary["wall_s"] < 20
    assert events(tmp_path)[-1]["event"] == "end"


def test_a_command_printing_100_mb_is_capped(tmp_path: Path) -> None:
    skill = make_skill(tmp_path / "skill", ["Run `head -c 100000000 /dev/zero`.", "Run `ls`."])
    summary = run(tmp_path, skill, "Run `head -c 100000000 /dev/zero`.", planned=False)
    assert summary["status"] == "ok", summary["message"]
    tool = next(e for e in events(tmp_path) if e["event"] == "tool")
    assert tool["bytes"] == 100_000_000 and tool["truncated"]
    assert summary["tool_bytes"] == 100_000_000
    assert (tmp_path / "trace" / "trace.jsonl").stat().st_size < 100_000


def test_unknown_model_still_writes_the_trace(tmp_path: Path) -> None:
    skill = make_skill(tmp_path / "skill", ["Run `ls`.", "Run `pwd`."])
    config = RunConfig(skill, "x", tmp_path / "work", tmp_path / "trace", "nonexist/foo")
    summary = run_skill(config)
    assert summary["status"] == "model-error"
    assert "unknown model 'nonexist/foo': no provider 'nonexist'" in summary["message"]
    assert [e["event"] for e in events(tmp_path)] == ["start", "end"]


SHARED_PROFILE = REPO.parent / "shared" / "profiles" / "skvm" / "bare-agent__qwen--qwen3.5-9b.json"


@pytest.mark.skipif(not SHARED_PROFILE.is_file(), reason="needs ../shared/profiles")
def test_a_compiled_folder_runs_its_plan_and_env_checks(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "compiled"
    compile_run = subprocess.run(
        [
            sys.executable,
            "-m",
            "skillir.tools.skill_translate",
            str(REPO / "examples" / "word-stats"),
            "--target=bare",
            "--profile",
            str(SHARED_PROFILE),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert compile_run.returncode == 0, compile_run.stderr
    assert {"SKILL.md", "plan.json", "env-setup.sh"} <= {p.name for p in out.iterdir()}
    summary = run(tmp_path, out, "Compute the word statistics.")
    assert summary["status"] == "ok", summary["message"]
    assert (tmp_path / "work" / "report.txt").read_text().startswith("words: 24")
    env = next(e for e in events(tmp_path) if e["event"] == "env")
    assert env["ok"] and not env["install"]
    assert not (tmp_path / "work" / "env-setup.sh").exists()  # runtime files are not staged


def test_missing_dependencies_end_with_env_error_when_required(tmp_path: Path) -> None:
    folder = make_skill(tmp_path / "skill", ["Run `ls`.", "Run `pwd`."])
    script = """\
        #!/usr/bin/env bash
        check_only=0
        if [ "${1:-}" = "--check" ]; then check_only=1; fi
        if command -v skillir-no-such-tool >/dev/null 2>&1; then exit 0; fi
        if [ "$check_only" = 1 ]; then
          echo 'not satisfied:' >&2; printf '  %s\\n' 'binary skillir-no-such-tool' >&2; exit 1
        fi
        touch installed.marker; exit 1
        """
    data = textwrap.dedent(script).encode()
    (folder / "env-setup.sh").write_bytes(data)
    (folder / MANIFEST).write_bytes(manifest_bytes({"env-setup.sh": data}))  # as compiled
    summary = run(tmp_path, folder, "List the files.", require_env=True)
    assert summary["status"] == "env-error"
    assert summary["message"] == (
        "missing dependencies: binary skillir-no-such-tool (--allow-install installs them)"
    )
    assert summary["llm_calls"] == 0 and not (tmp_path / "work" / "installed.marker").exists()
    run(tmp_path / "again", folder, "List the files.", allow_install=True, require_env=True)
    # installs only when allowed, in the sandbox: the script may write only the work directory
    assert (tmp_path / "again" / "work" / "installed.marker").exists()


def test_a_mapped_step_runs_once_per_file(tmp_path: Path) -> None:
    skill = make_skill(
        tmp_path / "skill",
        [
            "Run `mkdir -p counted`.",
            "For each file matching `pages/*.txt`, run `python3 scripts/count.py <file>`.",
        ],
    )
    (skill / "scripts").mkdir()
    (skill / "scripts" / "count.py").write_text(
        "import sys\nfrom pathlib import Path\n"
        "page = Path(sys.argv[1])\n"
        "Path('counted', page.name).write_text(str(len(page.read_text().split())))\n"
    )
    pages = tmp_path / "work" / "pages"
    pages.mkdir(parents=True)
    for name, words in (("a", "one"), ("b", "one two"), ("c", "one two three")):
        (pages / f"{name}.txt").write_text(words + "\n")
    summary = run(tmp_path, skill, "Count the words of each page.")
    assert summary["status"] == "ok", summary["message"]
    assert [a["label"] for a in summary["agents"]] == ["main", "r2.1", "r2.2", "r2.3"]
    counted = {p.name: p.read_text().split()[0] for p in (tmp_path / "work" / "counted").iterdir()}
    assert counted == {"a.txt": "1", "b.txt": "2", "c.txt": "3"}


def test_the_embedded_model_is_deterministic() -> None:
    llm = LLM("local/smollm2-135m")
    messages = [{"role": "user", "content": "Name three colours."}]

    async def twice() -> list[str]:
        replies = await asyncio.gather(*(llm.complete(messages, max_tokens=30) for _ in range(2)))
        again = await llm.complete(messages, max_tokens=30)
        return [r.content for r in replies] + [again.content]

    contents = asyncio.run(twice())  # two instances at once, then one again
    assert contents[0] and len(set(contents)) == 1, contents


def test_an_instance_evaluates_every_prompt_whole() -> None:
    """A pooled instance that already ran a prompt must not reuse its cached prefix: on a full
    hit llama-cpp-python re-evaluates only the last token, alone, and its logits (so greedy
    replies) can differ from the batched evaluation a fresh instance does."""
    import llama_cpp
    from llama_cpp import Llama

    from skillir.runtime.local import complete_on

    llama = Llama(model_path=str(model_path("smollm2-135m")), n_ctx=2048, seed=0, verbose=False)
    prompt = [{"role": "user", "content": "Name three colours."}]
    longer = [
        *prompt,
        {"role": "assistant", "content": "Red."},
        {"role": "user", "content": "More?"},
    ]
    params = {"max_tokens": 12, "temperature": 0}
    replies, evaluated = [], []
    for messages in (prompt, prompt, longer, prompt):
        llama_cpp.llama_perf_context_reset(llama.ctx)
        out = complete_on(llama, messages, params)
        replies.append(out["choices"][0]["message"]["content"])
        evaluated.append(
            (llama_cpp.llama_perf_context(llama.ctx).n_p_eval, out["usage"]["prompt_tokens"])
        )
    assert all(done == tokens for done, tokens in evaluated), evaluated
    assert replies[0] and replies[0] == replies[1] == replies[3], replies


def test_a_reply_cut_at_the_token_cap_is_reported_as_truncated(tmp_path: Path) -> None:
    """12 reply tokens cannot hold any call: the reply is cut, reported as such, and the next
    try asks for shorter strings; the run ends with the reason, never 'not a JSON object'."""
    llm = LLM("local/smollm2-135m")
    llm.check()
    trace = Trace(tmp_path / "trace.jsonl")
    limits = Limits(max_steps=4, reply_tokens=12)
    agent = Agent(
        llm, choose(llm, None), Sandbox(tmp_path), "You work in a folder.", limits, [trace]
    )
    result = asyncio.run(agent.run("Write the text 'hello world' to the file greeting.txt."))
    trace.close()
    assert result.status is Status.MODEL_ERROR
    assert "truncated at 12 tokens" in result.message
    assert "not a JSON object" not in result.message


def test_string_bounds_keep_a_long_write_inside_the_reply_cap(tmp_path: Path) -> None:
    """64 reply tokens: the content bound (60 characters) ends the string in time, so the
    call is complete JSON and runs."""
    llm = LLM("local/smollm2-135m")
    trace = Trace(tmp_path / "trace.jsonl")
    limits = Limits(max_steps=2, reply_tokens=64)
    agent = Agent(
        llm, choose(llm, None), Sandbox(tmp_path), "You work in a folder.", limits, [trace]
    )
    asyncio.run(agent.run("Write a long story about a cat to the file story.txt.", max_calls=1))
    trace.close()
    records = [json.loads(line) for line in (tmp_path / "trace.jsonl").open()]
    tools = [r for r in records if r["event"] == "tool"]
    assert tools and tools[0]["ok"], records
    assert 0 < len((tmp_path / tools[0]["arguments"]["path"]).read_text()) <= 60
