"""Does grounding (the work directory's listing in each turn) help the embedded model read the
right file? Five read tasks whose file the request names only loosely, with and without it.

    python bench/runtime_grounding.py [--max-steps 2]

A task is complete when the agent read its file (a successful `read_file` of that path) within
`--max-steps` turns. Prints a table: task, then reads and completion per setting.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

# (request, {file: content}, the file to read)
TASKS = [
    ("What do the orders say? Read the orders file.", {"data/orders.csv": "id,total\n1,20\n",
     "notes.md": "x"}, "data/orders.csv"),
    ("Read the configuration.", {"config/settings.toml": "debug = true\n", "README.md": "hi"},
     "config/settings.toml"),
    ("Show me the log.", {"logs/app.log": "started\n", "src/main.py": "print(1)\n"},
     "logs/app.log"),
    ("Read the meeting notes.", {"meeting-2026-04-15.txt": "agenda\n", "todo.txt": "a\n"},
     "meeting-2026-04-15.txt"),
    ("What is in the report?", {"out/report.json": '{"ok": true}\n', "input.csv": "a\n"},
     "out/report.json"),
]  # fmt: skip


def run(request: str, files: dict[str, str], grounding: str, max_steps: int) -> list[str]:
    from skillir.runtime.agent import Limits
    from skillir.runtime.execute import RunConfig, run_skill

    with tempfile.TemporaryDirectory() as tmp:
        work, trace = Path(tmp) / "work", Path(tmp) / "trace"
        for name, content in files.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text(content)
        run_skill(
            RunConfig(
                skill_path=None,
                request=request,
                workdir=work,
                trace_dir=trace,
                model="local/smollm2-135m",
                limits=Limits(max_steps=max_steps, reply_tokens=128),
                grounding=grounding,
            )
        )
        events = [json.loads(line) for line in (trace / "trace.jsonl").open()]
    return [
        e["arguments"].get("path", "")
        for e in events
        if e["event"] == "tool" and e["name"] == "read_file" and e["ok"]
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-steps", type=int, default=2)
    args = parser.parse_args()
    done = {"off": 0, "on": 0}
    print("| task | file | reads (grounding off) | reads (on) |")
    print("|---|---|---|---|")
    for request, files, target in TASKS:
        reads = {g: run(request, files, g, args.max_steps) for g in ("off", "on")}
        for g in done:
            done[g] += target in reads[g]
        print(f"| {request} | {target} | {reads['off']} | {reads['on']} |", flush=True)
    print(f"\ncompleted: off {done['off']}/{len(TASKS)}, on {done['on']}/{len(TASKS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
