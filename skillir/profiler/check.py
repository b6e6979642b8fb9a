"""Evaluate one instance's checker in a child process: `python -m skillir.profiler.check
PRIMITIVE LEVEL SEED WORKDIR TRANSCRIPT`. The child regenerates the instance from its seed (so
the checker and reference never sit in the work directory) and exits 0 (pass), 1 (fail) or 3
(the generator or checker raised: a generator bug, printed on stderr)."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from skillir.profiler.generators import make_instance

PASS, FAIL, CHECKER_ERROR = 0, 10, 3  # 1 is Python's own exit on an uncaught error


def main(argv: list[str]) -> int:
    primitive, level, seed, workdir, transcript = argv
    try:
        task = make_instance(primitive, int(level), int(seed)).task
        text = Path(transcript).read_text(encoding="utf-8", errors="replace")
        ok = task.check(task.expect, Path(workdir), text)
    except Exception:
        traceback.print_exc()
        return CHECKER_ERROR
    return PASS if ok else FAIL


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
