"""Native tool calling through litellm, with recorded replies from a replay provider (no API
model is reachable here): several calls in one turn run concurrently, results go back as
`tool` messages, and a reply without calls ends the task."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("litellm")

from skillir.runtime.agent import Agent, Status  # noqa: E402
from skillir.runtime.llm import LLM, litellm_module  # noqa: E402
from skillir.runtime.protocol import choose  # noqa: E402
from skillir.runtime.sandbox import Sandbox  # noqa: E402
from skillir.runtime.trace import Hooks  # noqa: E402

RECORDED = [
    {
        "content": None,
        "tool_calls": [
            ("call_a", "execute_command", {"command": "sleep 1 && echo a > a.txt"}),
            ("call_b", "execute_command", {"command": "sleep 1 && echo b > b.txt"}),
            ("call_c", "write_file", {"path": "c.txt", "content": "c"}),
        ],
    },
    {"content": "Made a.txt, b.txt and c.txt.", "tool_calls": []},
]


@pytest.fixture
def replay() -> list[list[dict[str, Any]]]:
    """Register provider `replay`, which answers RECORDED in order and keeps what it was sent."""
    litellm = litellm_module()
    from litellm import CustomLLM
    from litellm.types.utils import ChatCompletionMessageToolCall, Function

    sent: list[list[dict[str, Any]]] = []

    class Replay(CustomLLM):
        async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
            sent.append(json.loads(json.dumps(kwargs["messages"])))
            recorded = RECORDED[len(sent) - 1]
            response = kwargs["model_response"]
            message = response.choices[0].message
            message.content = recorded["content"]
            if recorded["tool_calls"]:
                message.tool_calls = [
                    ChatCompletionMessageToolCall(
                        id=i, type="function", function=Function(name=n, arguments=json.dumps(a))
                    )
                    for i, n, a in recorded["tool_calls"]
                ]
            return response

    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map = [*saved, {"provider": "replay", "custom_handler": Replay()}]
    yield sent
    litellm.custom_provider_map = saved


class Clock(Hooks):
    """When each model reply and each tool result came (litellm's first call costs a second
    or more on a loaded machine; the calls' overlap is timed without it)."""

    def __init__(self) -> None:
        self.replies: list[float] = []
        self.tools: list[float] = []

    def after_llm(self, agent: str, reply: Any) -> None:
        self.replies.append(time.monotonic())

    def after_tool(self, agent: str, call: Any, result: Any) -> None:
        self.tools.append(time.monotonic())


def test_native_calls_of_one_turn_run_concurrently(tmp_path: Path, replay: list) -> None:
    llm = LLM("replay/recorded", max_retries=0)
    protocol = choose(llm, None, "native")
    clock = Clock()
    agent = Agent(llm, protocol, Sandbox(tmp_path), "You work in a folder.", hooks=[clock])
    result = asyncio.run(agent.run("Make three files."))
    elapsed = clock.tools[-1] - clock.replies[0]  # from the reply to its calls' last result
    assert result.status is Status.OK and result.answer == "Made a.txt, b.txt and c.txt."
    assert [(tmp_path / f"{c}.txt").read_text() for c in "abc"] == ["a\n", "b\n", "c"]
    assert elapsed < 1.8  # the two 1-second commands overlapped
    second = replay[1]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "tool", "tool", "tool"]
    assert second[2]["tool_calls"][0]["function"]["name"] == "execute_command"
    assert [m["tool_call_id"] for m in second[3:]] == ["call_a", "call_b", "call_c"]
    assert second[5]["content"] == "ok, wrote 1 bytes to c.txt"
