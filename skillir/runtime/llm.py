"""One small client over litellm: every model id, the same reply shape, usage and latency.

litellm is imported on first use (it costs seconds), with `LITELLM_LOCAL_MODEL_COST_MAP=True` so
it never fetches its price table. `local/...` ids are served in-process by `skillir.runtime.local`
through litellm's custom-provider hook, so the embedded model takes the same path as API models.
Transient failures of a remote model (rate limits, timeouts, refused connections, 5xx) are
retried with exponential backoff; everything else, and every failure of a local model (a GGUF
file llama.cpp cannot load, llama-cpp-python missing: in-process, so permanent), becomes a
`ModelError` at once, with a message fit for a user.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

DEFAULT_MODEL = "local/smollm2-135m"
# The key each common hosted provider needs (litellm's names), checked before litellm loads.
PROVIDER_KEYS = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "xai": "XAI_API_KEY",
}
# Providers served from an endpoint (no model list to check an id against).
ENDPOINT_PROVIDERS = ("ollama", "ollama_chat", "hosted_vllm", "openai_like", "lm_studio", "vllm")


class ModelError(Exception):
    """A model call that cannot succeed: unknown id, missing key, unreachable endpoint, ..."""


@dataclass(frozen=True)
class ToolCall:
    """One tool call asked for by the model (native `tool_calls` or a constrained reply)."""

    name: str
    arguments: dict[str, Any]
    id: str = ""


@dataclass(frozen=True)
class Reply:
    """A model reply with what it cost."""

    content: str
    tool_calls: tuple[ToolCall, ...]
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    attempts: int = 1


@cache
def litellm_module() -> Any:
    """litellm, imported once, offline, quiet, with the local provider registered."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    from skillir.runtime.local import provider

    litellm.suppress_debug_info = True
    litellm.custom_provider_map = [
        *[p for p in litellm.custom_provider_map if p.get("provider") != "local"],
        {"provider": "local", "custom_handler": provider()},
    ]
    return litellm


def _transient(err: Exception, litellm: Any) -> bool:
    kinds = (
        litellm.RateLimitError,
        litellm.APIConnectionError,
        litellm.Timeout,
        litellm.ServiceUnavailableError,
        litellm.InternalServerError,
    )
    return isinstance(err, kinds) and "credentials" not in str(err).lower()


def _local_message(err: BaseException) -> str:
    """What went wrong in the local provider, under litellm's wrapping (which calls every
    failure of a custom provider a connection error): the innermost error's text."""
    inner = err
    while (inner.__cause__ or inner.__context__) is not None:
        inner = inner.__cause__ or inner.__context__  # type: ignore[assignment]
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    return f"the local model failed (not retried): {text}"


def _message(err: Exception, litellm: Any, api_base: str | None) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    text = text.removeprefix("litellm.").strip()
    lowered = text.lower()
    if isinstance(err, litellm.APIConnectionError) or any(
        s in lowered for s in ("cannot connect", "connection refused", "connect call failed")
    ):
        where = api_base or "the provider's endpoint"
        return f"cannot reach {where} ({text.rsplit(' - ', 1)[-1][:160]})"
    return text


@cache
def model_table() -> dict[str, str]:
    """litellm's offline model list (id -> provider), read from its package data without
    importing litellm (which takes seconds); empty when litellm is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        return {}
    path = os.path.join(os.path.dirname(spec.origin), "model_prices_and_context_window_backup.json")
    try:
        with open(path, encoding="utf-8") as data:
            table = json.load(data)
    except (OSError, ValueError):
        return {}
    return {k: str(v.get("litellm_provider", "")) for k, v in table.items() if isinstance(v, dict)}


def _closest(word: str, choices: list[str]) -> str:
    import difflib

    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return f"; did you mean '{found[0]}'?" if found else ""


@dataclass
class LLM:
    """A model by litellm id. `api_base`/`api_key` override the environment's."""

    model: str = DEFAULT_MODEL
    api_base: str | None = None
    api_key: str | None = None
    max_retries: int = 3
    backoff_s: float = 0.5
    timeout_s: float = 120.0
    temperature: float = 0.0
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        return self.model.startswith("local/")

    def precheck(self) -> None:
        """The checks that need no litellm import (well under a second): a local model's file,
        an unknown provider, and for the common hosted providers an unknown model name or a
        missing key. ModelError says which."""
        if self.local:
            from skillir.runtime.local import model_path

            model_path(self.model.removeprefix("local/"))
            return
        table = model_table()
        if not table or "/" not in self.model:
            return
        provider, name = self.model.split("/", 1)
        providers = sorted({p for p in table.values() if p} | set(ENDPOINT_PROVIDERS))
        if provider not in providers:
            raise ModelError(
                f"unknown model '{self.model}': no provider '{provider}'"
                f"{_closest(provider, providers)} (litellm ids look like provider/model, "
                f"e.g. openai/gpt-4o, anthropic/claude-sonnet-4-5, or {DEFAULT_MODEL})"
            )
        key = PROVIDER_KEYS.get(provider)
        if key is None or self.api_key is not None or self.api_base is not None:
            return
        known = self.model in table or table.get(name) == provider
        if key not in os.environ:
            if not known:
                names = [f"{provider}/{k}" for k, p in table.items() if p == provider]
                raise ModelError(
                    f"unknown model '{self.model}' (not in litellm's model list"
                    f"{_closest(self.model, names)}); {key} is not set either"
                )
            raise ModelError(f"model '{self.model}' needs {key} (not set)")

    def check(self) -> None:
        """Fail early, with a clear message, on an unknown model id or a missing key (and pay
        litellm's import here, not inside the first call's time limit)."""
        self.precheck()
        litellm = litellm_module()
        if self.local:
            return
        try:
            _, provider, _, _ = litellm.get_llm_provider(self.model, api_base=self.api_base)
        except Exception as err:  # litellm raises BadRequestError with a long text
            raise ModelError(
                f"unknown model id '{self.model}' (litellm ids look like provider/model, "
                "e.g. openai/gpt-4o, anthropic/claude-sonnet-4-5, ollama/llama3, or "
                f"{DEFAULT_MODEL})"
            ) from err
        if self.api_key is None and self.api_base is None:
            env = litellm.validate_environment(model=self.model)
            if not env.get("keys_in_environment", True):
                missing = ", ".join(env.get("missing_keys") or []) or "an API key"
                raise ModelError(f"model '{self.model}' needs {missing} (not set)")
        if provider in ("hosted_vllm", "openai_like") and not self.api_base:
            raise ModelError(f"model '{self.model}' needs --api-base (the server's URL)")

    def supports_tools(self) -> bool:
        """Whether the model takes native `tools` (litellm's model table says so)."""
        if self.local:
            return False
        try:
            return bool(litellm_module().supports_function_calling(self.model))
        except Exception:
            return False

    def supports_schema(self) -> bool:
        """Whether `response_format` with a JSON schema constrains the reply."""
        if self.local:
            return True
        try:
            return bool(litellm_module().supports_response_schema(self.model))
        except Exception:
            return False

    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        response_format: dict[str, Any] | None = None,
        max_tokens: int = 512,
    ) -> Reply:
        """One completion, retried on transient errors; ModelError when it cannot succeed."""
        litellm = litellm_module()
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": max_tokens,
            "timeout": self.timeout_s,
            "num_retries": 0,
            **self.extra,
        }
        if self.seed is not None:
            kwargs["seed"] = self.seed
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.api_key:
            kwargs["api_key"] = self.api_key
        if tools:
            kwargs["tools"] = tools
        if response_format:
            kwargs["response_format"] = response_format
        start = time.monotonic()
        for attempt in range(1, self.max_retries + 2):
            try:
                response = await litellm.acompletion(**kwargs)
                break
            except Exception as err:
                if self.local:
                    raise ModelError(f"{self.model}: {_local_message(err)}") from err
                if attempt > self.max_retries or not _transient(err, litellm):
                    after = f" after {attempt} attempts" if attempt > 1 else ""
                    message = _message(err, litellm, self.api_base)
                    raise ModelError(f"{self.model}: {message}{after}") from err
                await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
        return _reply(response, time.monotonic() - start, attempt)


def _reply(response: Any, latency_s: float, attempts: int) -> Reply:
    message = response.choices[0].message
    calls = []
    for index, call in enumerate(getattr(message, "tool_calls", None) or []):
        try:
            arguments = json.loads(call.function.arguments or "{}")
        except json.JSONDecodeError:
            arguments = {"__invalid__": call.function.arguments}
        if not isinstance(arguments, dict):
            arguments = {"__invalid__": call.function.arguments}
        calls.append(ToolCall(call.function.name, arguments, call.id or f"call_{index}"))
    usage = getattr(response, "usage", None)
    return Reply(
        content=message.content or "",
        tool_calls=tuple(calls),
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        latency_s=latency_s,
        attempts=attempts,
    )
