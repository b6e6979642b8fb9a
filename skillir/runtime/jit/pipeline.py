"""Running a command structure by argv inside the sandbox, without a shell.

A single command without redirections is spawned as its argv directly. Anything with pipes,
redirections or `&&`/`||`/`;` is run by `RUNNER`, a fixed Python program started in the
sandbox as `python3 -I -S -c RUNNER STRUCTURE_JSON`: it opens redirect targets itself (relative
to the work directory), connects pipeline stages with pipes and spawns each command with
`subprocess.Popen(argv)` (never `shell=True`), so a value is one argv element whatever it
holds. Its exit status is the last pipeline's, as in bash; a program that is not found gives
127.
"""

from __future__ import annotations

import json
from typing import Any

from skillir.runtime.sandbox import Sandbox, ToolResult

RUNNER = r"""
import json, os, subprocess, sys
FLAGS = {">": os.O_WRONLY | os.O_CREAT | os.O_TRUNC, ">>": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
         "<": os.O_RDONLY}
def stage(command, stdin, last):
    fds = {0: stdin, 1: None if last else subprocess.PIPE, 2: None}
    opened = []
    for r in command["redirects"]:
        if r["op"] == ">&":
            fds[r["fd"]] = fds[r["dup"]] if fds[r["dup"]] is not None else r["dup"]
        else:
            fd = os.open(r["target"], FLAGS[r["op"]] | os.O_CLOEXEC, 0o644)
            opened.append(fd)
            fds[r["fd"]] = fd
    err = fds[2]
    if err is subprocess.PIPE or (err is not None and err == fds[1]):
        err = subprocess.STDOUT
    try:
        proc = subprocess.Popen(command["argv"], stdin=fds[0], stdout=fds[1], stderr=err)
    except OSError as e:
        print(f"{command['argv'][0]}: {e.strerror}", file=sys.stderr)
        proc = None
    for fd in opened:
        os.close(fd)
    return proc
def pipeline(commands):
    stdin, procs = subprocess.DEVNULL, []
    for n, command in enumerate(commands):
        proc = stage(command, stdin, n == len(commands) - 1)
        if stdin not in (None, subprocess.DEVNULL) and hasattr(stdin, "close"):
            stdin.close()
        procs.append(proc)
        stdin = proc.stdout if proc is not None and proc.stdout is not None else subprocess.DEVNULL
    codes = [p.wait() if p is not None else 127 for p in procs]
    return codes[-1]
status = 0
for item in json.loads(sys.argv[1]):
    if item["op"] == "&&" and status != 0 or item["op"] == "||" and status == 0:
        continue
    sys.stdout.flush()
    status = pipeline(item["pipeline"])
sys.exit(status)
"""


def run_items(sandbox: Sandbox, items: list[dict[str, Any]], timeout_s: float) -> ToolResult:
    """Run a rendered structure (words as strings) confined in `sandbox`'s work directory."""
    if (
        len(items) == 1
        and len(items[0]["pipeline"]) == 1
        and not items[0]["pipeline"][0]["redirects"]
    ):
        return sandbox.run(list(items[0]["pipeline"][0]["argv"]), timeout_s)
    return sandbox.run(["python3", "-I", "-S", "-c", RUNNER, json.dumps(items)], timeout_s)
