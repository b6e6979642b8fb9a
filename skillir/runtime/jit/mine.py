"""Mining: aligned runs of one skill become one candidate program (or the reason they cannot).

Every position of the aligned steps is a slot: each argv word and redirect target of a
command, the path and the content of a file write. A slot with one value in every run is a
constant. A varying slot becomes a parameter (slots with the same values share one), typed by
its values, with an extractor learnt from the runs' tasks (`parameters.learn`); a word of the
form `--name=VALUE` keeps its `--name=` and only the value varies. File contents are split
into tokens; varying tokens become parameters when the runs have the same number of tokens.
A slot that varies and that no extractor traces to the task makes the runs unsolidifiable,
as does a command the shell reader cannot make into argv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from skillir.runtime.jit import parameters, postcondition
from skillir.runtime.jit.align import Run
from skillir.runtime.jit.argv import words_of
from skillir.runtime.jit.program import program_id

_TOKENS = re.compile(r"(\W+)")


class Unsolidifiable(Exception):
    """Runs that do not make a program (the message says which slot and why)."""


@dataclass
class _Params:
    """Parameters found so far, by their values across runs."""

    tasks: list[list[parameters.Task]]  # per run, the task as seen before each step
    found: dict[tuple[str, ...], dict[str, Any]]

    def word(self, values: list[str], step: int, where: str) -> list[Any]:
        """The template of a slot with these per-run `values`."""
        if all(v == values[0] for v in values):
            return [values[0]]
        key = tuple(values)
        if key in self.found:
            return [{"param": self.found[key]["name"]}]
        tasks = [t[step] for t in self.tasks]
        extractor = parameters.learn(tasks, values)
        if extractor is not None:
            name = f"p{len(self.found) + 1}"
            kind = parameters.type_of(values)
            self.found[key] = {"name": name, "type": kind, "extractor": extractor, "values": values}
            return [{"param": name}]
        heads = {v.split("=", 1)[0] for v in values}
        if len(heads) == 1 and all("=" in v for v in values) and values[0].startswith("-"):
            head = heads.pop() + "="
            return [head, *self.word([v[len(head) :] for v in values], step, where)]
        shown = ", ".join(repr(v[:40]) for v in values[:3])
        raise Unsolidifiable(f"{where} varies ({shown}) and nothing in the task gives it")

    def content(self, values: list[str], step: int, where: str) -> list[Any]:
        """The template of a file's content: varying tokens as parameters."""
        if all(v == values[0] for v in values):
            return [values[0]]
        split = [_TOKENS.split(v) for v in values]
        if any(len(s) != len(split[0]) for s in split):
            return self.word(values, step, where)
        template: list[Any] = []
        for n, pieces in enumerate(zip(*split, strict=True)):
            template += self.word(list(pieces), step, f"{where} token {n + 1}")
        merged: list[Any] = []
        for piece in template:
            if isinstance(piece, str) and merged and isinstance(merged[-1], str):
                merged[-1] += piece
            else:
                merged.append(piece)
        return merged


def _tasks(run: Run) -> list[parameters.Task]:
    """The task as each aligned step saw it: request, files before, outputs so far."""
    files = run.files_before
    seen: list[parameters.Task] = []
    outputs: list[str] = []
    for step in run.aligned:
        seen.append(parameters.Task(run.request, files, tuple(outputs)))
        if step.tool == "execute_command":
            outputs.append(step.output)
    return seen


def build(runs: list[Run]) -> dict[str, Any]:
    """The candidate program of aligned `runs` (status `candidate`); Unsolidifiable."""
    params = _Params([_tasks(r) for r in runs], {})
    steps: list[dict[str, Any]] = []
    for n in range(len(runs[0].aligned)):
        step = [r.aligned[n] for r in runs]
        where = f"step {n + 1}"
        if step[0].tool == "write_file":
            path = params.word([str(s.arguments.get("path", "")) for s in step], n, f"{where} path")
            content = params.content(
                [str(s.arguments.get("content", "")) for s in step], n, f"{where} content"
            )
            steps.append({"tool": "write_file", "path": path, "content": content})
            continue
        if step[0].items is None:
            raise Unsolidifiable(
                f"{where}: {str(step[0].arguments.get('command'))[:80]!r} is not a plain "
                "command the shell reader makes into argv (substitution, expansion, "
                "here-document, compound command ...)"
            )
        words = [words_of(s.items or []) for s in step]
        templates = [
            params.word([w[i] for w in words], n, f"{where} word {i + 1}")
            for i in range(len(words[0]))
        ]
        steps.append({"tool": "execute_command", "items": _fill(step[0].items or [], templates)})
    post = _postcondition(runs, params)
    declared = sorted(params.found.values(), key=lambda p: int(p["name"][1:]))
    body = {"parameters": declared, "steps": steps}
    first = runs[0]
    return {
        "format": "skillir-jit",
        "version": 1,
        "id": program_id(first.skill, body),
        "key": dict(zip(("skill_digest", "model", "harness"), first.key, strict=True))
        | {"skill": first.skill},
        **body,
        "postcondition": post,
        "status": "candidate",
        "evidence": {"runs": [str(r.dir) for r in runs]},
        "stats": {"fired": 0, "failures": 0, "consecutive_failures": 0},
    }


def _fill(items: list[dict[str, Any]], templates: list[list[Any]]) -> list[dict[str, Any]]:
    """The structure with its words replaced by `templates` (in `words_of` order)."""
    left = iter(templates)
    filled = []
    for item in items:
        pipeline = []
        for c in item["pipeline"]:
            argv = [next(left) for _ in c["argv"]]
            redirects = []
            for r in c["redirects"]:
                r = dict(r)
                if "target" in r:
                    r["target"] = next(left)
                redirects.append(r)
            pipeline.append({"argv": argv, "redirects": redirects})
        filled.append({"op": item["op"], "pipeline": pipeline})
    return filled


def _postcondition(runs: list[Run], params: _Params) -> dict[str, Any]:
    """Exit codes and output shapes per command step; written files as templates, kinds."""
    commands = [[s for s in r.aligned if s.tool == "execute_command"] for r in runs]
    codes = [
        postcondition.agree([c[n].exit_code for c in commands]) for n in range(len(commands[0]))
    ]
    shapes = [
        postcondition.agree([postcondition.output_shape(c[n].output) for c in commands])
        for n in range(len(commands[0]))
    ]
    by_value = {
        i: {p["values"][i]: p["name"] for p in params.found.values()} for i in range(len(runs))
    }
    per_run = []
    for i, run in enumerate(runs):
        named = []
        for name in sorted(run.written):
            if name in by_value[i]:
                named.append(({"param": by_value[i][name]},))
            elif all(name in r.written for r in runs):
                named.append((name,))
            else:
                raise Unsolidifiable(f"the run {run.dir} wrote {name!r}, which no parameter names")
        per_run.append(sorted(named, key=str))
    if any(p != per_run[0] for p in per_run):
        raise Unsolidifiable("the runs wrote different sets of files")
    files = []
    for n, word in enumerate(per_run[0]):
        kinds = []
        for i, run in enumerate(runs):
            value = (
                word[0]
                if isinstance(word[0], str)
                else next(v for v, name in by_value[i].items() if name == word[0]["param"])
            )
            kinds.append(postcondition.file_kind(run.workdir / value))
        if None in kinds:
            raise Unsolidifiable(f"written file {n + 1} is no longer a regular file in a run")
        files.append({"path": list(word), "kind": postcondition.agree(kinds)})
    return {"exit_codes": codes, "stdout": shapes, "files": files}
