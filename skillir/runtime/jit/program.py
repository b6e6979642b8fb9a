"""A candidate program: the documented JSON form (docs/jit.md) and its schema.

    {"format": "skillir-jit", "version": 1, "id": "count-words-3f2a9c1b",
     "key": {"skill": "count-words", "skill_digest": "sha256:...", "model": "...",
             "harness": "bare"},
     "parameters": [{"name": "p1", "type": "path",
                     "extractor": {"from": "prompt", "class": "file-existing",
                                   "index": 0, "unique": true}}],
     "steps": [{"tool": "execute_command", "items": [{"op": null, "pipeline": [
                  {"argv": [["wc"], ["-w"]], "redirects": [
                    {"fd": 0, "op": "<", "target": [{"param": "p1"}]}]}]}]}],
     "postcondition": {...}, "status": "promoted", "evidence": {...}, "stats": {...}}

A word is a template: a list of literal strings and `{"param": NAME}` pieces, joined when the
program runs (each word stays one argv element, whatever the values hold). `write_file` steps
have a `path` word and a `content` template. `status` is `candidate` (not yet validated),
`promoted`, `rejected` (validation failed; `evidence.rejected` says why) or `demoted` (too
many failures in a row at run time).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

STATUSES = ("candidate", "promoted", "rejected", "demoted")
_WORD = {
    "type": "array",
    "items": {
        "anyOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {"param": {"type": "string"}},
                "required": ["param"],
                "additionalProperties": False,
            },
        ]
    },
}
_REDIRECT = {
    "type": "object",
    "properties": {
        "fd": {"enum": [0, 1, 2]},
        "op": {"enum": ["<", ">", ">>", ">&"]},
        "target": _WORD,
        "dup": {"enum": [0, 1, 2]},
    },
    "required": ["fd", "op"],
    "additionalProperties": False,
}
_COMMAND = {
    "type": "object",
    "properties": {
        "argv": {"type": "array", "items": _WORD, "minItems": 1},
        "redirects": {"type": "array", "items": _REDIRECT},
    },
    "required": ["argv", "redirects"],
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "skillir JIT candidate program",
    "type": "object",
    "properties": {
        "format": {"const": "skillir-jit"},
        "version": {"const": 1},
        "id": {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"},
        "key": {
            "type": "object",
            "properties": {
                "skill": {"type": "string"},
                "skill_digest": {"type": "string"},
                "model": {"type": "string"},
                "harness": {"type": "string"},
            },
            "required": ["skill", "skill_digest", "model", "harness"],
        },
        "parameters": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "pattern": "^p[0-9]+$"},
                    "type": {"enum": ["integer", "path", "identifier", "text"]},
                    "extractor": {
                        "type": "object",
                        "properties": {"from": {"enum": ["prompt", "workdir", "result"]}},
                        "required": ["from"],
                    },
                    "values": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["name", "type", "extractor"],
            },
        },
        "steps": {
            "type": "array",
            "minItems": 1,
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {
                            "tool": {"const": "execute_command"},
                            "items": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "op": {"enum": [None, "&&", "||", ";"]},
                                        "pipeline": {
                                            "type": "array",
                                            "items": _COMMAND,
                                            "minItems": 1,
                                        },
                                    },
                                    "required": ["op", "pipeline"],
                                },
                            },
                        },
                        "required": ["tool", "items"],
                    },
                    {
                        "type": "object",
                        "properties": {
                            "tool": {"const": "write_file"},
                            "path": _WORD,
                            "content": _WORD,
                        },
                        "required": ["tool", "path", "content"],
                    },
                ]
            },
        },
        "postcondition": {
            "type": "object",
            "properties": {
                "exit_codes": {"type": "array"},
                "stdout": {"type": "array"},
                "files": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"path": _WORD, "kind": {"type": "string"}},
                        "required": ["path", "kind"],
                    },
                },
            },
            "required": ["exit_codes", "stdout", "files"],
        },
        "status": {"enum": list(STATUSES)},
        "evidence": {"type": "object"},
        "stats": {"type": "object"},
    },
    "required": ["format", "version", "id", "key", "parameters", "steps", "postcondition"],
}


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(SCHEMA)


def problem(program: Any) -> str | None:
    """The first way `program` breaks the schema (None when it conforms)."""
    errors = list(_validator().iter_errors(program))
    if not errors:
        return None
    error = min(errors, key=lambda e: len(e.path))
    where = "/".join(str(p) for p in error.absolute_path) or "(top)"
    return f"at {where}: {error.message[:300]}"


def render(word: list[Any], values: dict[str, str]) -> str:
    """A word template with the parameters' values put in."""
    return "".join(piece if isinstance(piece, str) else values[piece["param"]] for piece in word)


def params_in(word: list[Any]) -> list[str]:
    return [piece["param"] for piece in word if not isinstance(piece, str)]


def program_id(skill: str, body: dict[str, Any]) -> str:
    """`SKILL-HASH8`: the skill's name and a digest of the program's steps and parameters."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:8]
    name = "".join(c if c.isalnum() else "-" for c in skill.lower()).strip("-")[:60] or "skill"
    return f"{name}-{digest}"
