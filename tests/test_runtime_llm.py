"""The model client's errors, through litellm itself (no model answers: nothing is reachable)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

pytest.importorskip("litellm")

from skillir.runtime.llm import LLM, ModelError  # noqa: E402


def test_unknown_model_id() -> None:
    with pytest.raises(ModelError, match=r"unknown model 'nonexist/foo': no provider 'nonexist'"):
        LLM("nonexist/foo").check()


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            "opnai/gpt-4o",
            "unknown model 'opnai/gpt-4o': no provider 'opnai'; did you mean 'openai'?",
        ),
        (
            "openai/gtp-4o",
            "unknown model 'openai/gtp-4o' (not in litellm's model list; did you "
            "mean 'openai/gpt-4o'?); OPENAI_API_KEY is not set either",
        ),
        ("openai/gpt-4o", "model 'openai/gpt-4o' needs OPENAI_API_KEY (not set)"),
    ],
)
def test_a_typo_or_a_missing_key_fails_fast_without_importing_litellm(
    model: str, message: str
) -> None:
    """In a fresh interpreter: the check answers in under a second, litellm never loaded."""
    import subprocess
    import sys

    code = (
        "import sys, time\n"
        "from skillir.runtime.llm import LLM, ModelError\n"
        "start = time.monotonic()\n"
        f"try:\n    LLM({model!r}).precheck()\nexcept ModelError as err:\n    print(err)\n"
        "print(round(time.monotonic() - start, 3), 'litellm' in sys.modules)\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.endswith("_API_KEY")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    said, timing = out.stdout.strip().splitlines()
    assert said.startswith(message)
    seconds, imported = timing.split()
    assert float(seconds) < 1.0 and imported == "False"


def test_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ModelError, match=r"needs ANTHROPIC_API_KEY \(not set\)"):
        LLM("anthropic/claude-sonnet-4-5").check()


def test_self_hosted_needs_an_endpoint() -> None:
    with pytest.raises(ModelError, match=r"needs --api-base"):
        LLM("hosted_vllm/qwen").check()


def test_unknown_local_model() -> None:
    with pytest.raises(ModelError, match=r"unknown local model 'local/nope' \(known: "):
        LLM("local/nope").check()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint_is_retried_then_reported() -> None:
    base = f"http://127.0.0.1:{free_port()}"
    llm = LLM("hosted_vllm/qwen", api_base=base, max_retries=2, backoff_s=0.01, timeout_s=5)
    llm.check()
    with pytest.raises(ModelError) as caught:
        asyncio.run(llm.complete([{"role": "user", "content": "hi"}], max_tokens=5))
    message = str(caught.value)
    assert message.startswith(f"hosted_vllm/qwen: cannot reach {base} (")
    assert message.endswith("after 3 attempts")


def test_a_local_model_that_cannot_load_fails_at_once(tmp_path: Path) -> None:
    """A GGUF file llama.cpp cannot load is a permanent failure: one attempt, not retried as a
    transient error, and the message says why (not "cannot reach the provider's endpoint")."""
    pytest.importorskip("llama_cpp")
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF, but not a model\n")
    llm = LLM(f"local/{bad}", max_retries=3)
    llm.check()  # the file exists: the load fails on the first call
    with pytest.raises(ModelError) as caught:
        asyncio.run(llm.complete([{"role": "user", "content": "hi"}], max_tokens=5))
    message = str(caught.value)
    assert message.startswith(f"local/{bad}: the local model failed (not retried): ")
    assert f"Failed to load model from file: {bad}" in message
    assert "attempts" not in message and "cannot reach" not in message
