"""Whether a chain of a `par.tlp` region carries enough work to be worth a sub-agent of its own.

Starting a sub-agent costs a turn, a prompt and a summary back; for a one-line step ("Delete
`requirements.txt`", "Add `uv.lock` to version control") that costs more than it saves, so
`lower-par-to-target` advises sub-agents only when two chains or more carry real work. A chain
carries real work when it has:

1. two tasks or more (several steps), or a task mapped over items (`par.dlp`);
2. sub-steps (two nested items or more) or several sentences in its step's text;
3. a program that takes time: any command of its code or inline code but the quick file and
   version-control bookkeeping of `QUICK` (`rm`, `mv`, `mkdir`, `git add`, ...), or a
   Python/JavaScript/... block (not a data block such as XML or JSON);
4. a fetch from the web (a URL, or a verb such as fetch, download, browse, research);
5. several things read that it does not write (two paths, or a folder or glob);
6. content to produce or a problem to work out (write, generate, draft, implement, analyze,
   review, ... as its first verb).

    >>> chain_work([task_op], [step_op])   # doctest: +SKIP
    False
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xdsl.ir import Operation

from skillir.analysis.env.deps import is_command_span
from skillir.analysis.par.dataflow import first_word, item_blocks
from skillir.dialects import par, skill
from skillir.frontend import shell
from skillir.frontend.inline import INLINE_CODE
from skillir.frontend.languages import canonical

# quick file and version-control bookkeeping: no time worth a sub-agent
QUICK = frozenset(
    ("rm", "rmdir", "mv", "cp", "ln", "mkdir", "touch", "chmod", "chown", "cd", "pwd", "echo",
     "printf", "cat", "ls", "true", "export", "unset", "source", ".", "test", "[")
)  # fmt: skip
QUICK_GIT = frozenset(
    ("add", "rm", "mv", "commit", "status", "diff", "log", "show", "branch", "switch",
     "checkout", "stash", "tag", "restore", "reset", "init", "config", "rev-parse")
)  # fmt: skip
# first verbs of a step that produces content or works a problem out
WORK_VERBS = frozenset(
    ("write", "generate", "draft", "compose", "render", "build", "implement", "refactor",
     "translate", "summarize", "summarise", "analyze", "analyse", "review", "investigate",
     "design", "test", "research", "audit", "debug", "diagnose", "profile", "benchmark",
     "compile", "convert", "transcode", "encode", "fetch", "download", "crawl", "browse",
     "scrape", "search", "explore", "evaluate", "document", "migrate")
)  # fmt: skip
_URL = re.compile(r"\bhttps?://", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s|$)")
_SHELL_LANGS = frozenset(("shell", "console"))
_PROGRAM_LANGS = frozenset(
    ("python", "javascript", "typescript", "ruby", "go", "rust", "java", "sql", "r", "php",
     "swift", "kotlin", "csharp", "c", "cpp", "perl", "powershell")
)  # fmt: skip


def _sentences(text: str) -> int:
    """Sentences of three words or more (an abbreviation's dot does not make one)."""
    text = INLINE_CODE.sub("code", text)
    return sum(len(_WORD.findall(part)) >= 3 for part in _SENTENCE_END.split(text))


def _slow_command(argv: Sequence[str]) -> bool:
    """Whether a command runs a program that takes time (anything but `QUICK` bookkeeping)."""
    words = argv[shell.program(argv, shell.RUN_REST) :]
    if not words:
        return False
    prog = words[0].rsplit("/", 1)[-1]
    if prog == "git":
        sub = next((w for w in words[1:] if not w.startswith("-")), "")
        return sub not in QUICK_GIT
    return prog not in QUICK


def _runs_something(op: Operation) -> bool:
    """Whether the step's code or inline code runs a program that takes time."""
    for o in skill.walk_ops(op):
        if type(o) is skill.CodeOp:
            lang = canonical(o.lang.data) if o.lang.data.strip() else "shell"
            if lang in _PROGRAM_LANGS:
                return True
            if lang in _SHELL_LANGS and any(
                _slow_command(c.argv) for c in shell.read(o.text.data, "lines").commands
            ):
                return True
    text = op.properties.get("text")
    if isinstance(text, skill.TextAttr):
        for m in INLINE_CODE.finditer(text.data):
            span = m.group(2).strip().removeprefix("$ ")
            if is_command_span(span) and any(
                _slow_command(c.argv) for c in shell.read(span, "lines").commands
            ):
                return True
    return False


def _texts(op: Operation) -> list[str]:
    """The step's own text and the prose under it (not code)."""
    return [
        o.text.data
        for o in skill.walk_ops(op)
        if type(o) in (skill.StepOp, skill.ProseOp, skill.BulletOp, skill.QuoteOp)
    ]


def _reads_several(task: par.TaskOp) -> bool:
    """Two paths or more read and not written, or a folder or glob read (not the whole tree,
    which stands for what the rules could not see)."""
    written = set(task.write_set())
    read = [
        r
        for r in task.read_set()
        if r.startswith(("file:", "dir:", "glob:")) and r != "dir:." and r not in written
    ]
    return len(read) >= 2 or any(r.startswith(("dir:", "glob:")) for r in read)


def task_work(task: par.TaskOp, op: Operation | None) -> bool:
    """Whether one task carries real work (rules 2-6 of the module docstring); `op` is the
    step or section the task comes from, None when not known (then only its sets count)."""
    if task.over is not None or _reads_several(task):
        return True
    if op is None:
        return False
    if type(op) is not skill.StepOp:
        return True  # a "Step N" section holds a whole part of the procedure
    parts = [op, *item_blocks(op)]
    nested = sum(
        type(o) in (skill.StepOp, skill.BulletOp) for p in parts for o in skill.walk_ops(p)
    )
    texts = [t for p in parts for t in _texts(p) if t]
    return (
        nested - 1 >= 2
        or sum(_sentences(t) for t in texts) >= 2
        or any(_URL.search(t) for t in texts)
        or first_word(op.text.data) in WORK_VERBS
        or any(_runs_something(p) for p in parts)
    )


def chain_work(tasks: Sequence[par.TaskOp], ops: Sequence[Operation | None]) -> bool:
    """Whether a chain (its tasks, and the step or section of each) carries real work."""
    if len(tasks) >= 2:
        return True
    return any(task_work(t, o) for t, o in zip(tasks, ops, strict=True))
