"""The model client's errors, through litellm itself (no model answers: nothing is reachable)."""

from __future__ import annotations

import asyncio
import socket

import pytest

pytest.importorskip("litellm")

from skillir.runtime.llm import LLM, ModelError  # noqa: E402


def test_unknown_model_id() -> None:
    with pytest.raises(ModelError, match=r"unknown model id 'nonexist/foo' \(litellm ids"):
        LLM("nonexist/foo").check()


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
