"""`skill-translate`: print what a target loads from a skill (`--target=markdown`: the document)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from skillir.tools.skill_opt import SkillOptMain, run_tool


class SkillTranslateMain(SkillOptMain):
    default_target = "markdown"
    version_format = "skill-translate built from xdsl version {xdsl_version}"


def main(args: Sequence[str] | None = None) -> int:
    return run_tool(SkillTranslateMain, "skill-translate: emit a skill for a target", args)


if __name__ == "__main__":
    sys.exit(main())
