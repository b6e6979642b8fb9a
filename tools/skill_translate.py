"""`skill-translate`: print what a target loads from a skill (`--target=markdown`: the document).

`--target=HARNESS` (bare, claude-code, codex, opencode, openclaw, hermes) compiles the skill
for that harness and a model (`compile{...}` unless `-p` says otherwise): without `-o` it prints
the compiled SKILL.md, with `-o DIR` it writes the whole folder atomically. `--target=prompt`
prints the system-prompt form. `--stats` prints original vs compiled prompt tokens.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from skillir.tools.skill_opt import SkillOptMain, UsageError, run_tool
from skillir.version import version_text

HARNESS_TARGETS = ("bare", "claude-code", "codex", "opencode", "openclaw", "hermes")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class SkillTranslateMain(SkillOptMain):
    default_target = "markdown"
    version_format = version_text("skill-translate")

    def register_all_targets(self) -> None:
        super().register_all_targets()
        for name in (*HARNESS_TARGETS, "prompt"):
            self.available_targets[name] = _compiled_target

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument("--model", default="", help="model id, e.g. openai/gpt-5.4")
        arg_parser.add_argument(
            "--profile", default="", help="profile file to compile for (instead of the store)"
        )
        arg_parser.add_argument(
            "--borrow-profile",
            action="store_true",
            help="use the model's profile from another harness when this one has none",
        )
        arg_parser.add_argument(
            "--harness", default="bare", help="the harness of --target=prompt (default: bare)"
        )
        arg_parser.add_argument(
            "--no-compensate",
            action="store_true",
            help="compile without changing the text: the SKILL.md stays the original",
        )
        arg_parser.add_argument(
            "--env",
            choices=("script", "preinstalled"),
            default="script",
            help="say to run env-setup.sh (default), or that dependencies are pre-installed",
        )
        arg_parser.add_argument(
            "--stats", action="store_true", help="print original vs compiled prompt tokens"
        )

    def setup_pipeline(self) -> None:
        target = self.args.target
        self.folder: Path | None = None
        if target in (*HARNESS_TARGETS, "prompt"):
            harness = self.args.harness if target == "prompt" else target
            if not self.args.passes:
                options = [f"harness={harness}", f"env={self.args.env}"]
                if self.args.model:
                    options.append(f"model={_quote(self.args.model)}")
                if self.args.profile:
                    options.append(f"profile={_quote(self.args.profile)}")
                if self.args.borrow_profile:
                    options.append("borrow=true")
                if self.args.no_compensate:
                    options.append("no-compensate=true")
                self.args.passes = "compile{" + " ".join(options) + "}"
            if target != "prompt" and self.args.output_file:
                if self.args.split_input_file:
                    raise UsageError("-o DIR writes one skill folder; drop --split-input-file")
                self.folder = Path(self.args.output_file)
                self.args.output_file = None
        super().setup_pipeline()

    def read_input(self) -> tuple[bytes, str]:
        data, kind = super().read_input()
        self.original = data.decode("utf-8", "replace")
        return data, kind

    def output_resulting_program(self, prog: ModuleOp) -> str:
        target = self.args.target
        if target not in (*HARNESS_TARGETS, "prompt"):
            return super().output_resulting_program(prog)
        from skillir.emit import folder_files, prompt_text, write_folder

        if target == "prompt":
            text = prompt_text(prog)
        else:
            try:
                files = folder_files(prog)
                compiled = files["SKILL.md"].data.decode("utf-8")
                if self.folder is not None:
                    write_folder(files, self.folder)
            except (ValueError, OSError) as err:
                self.sink.error(1, 1, f"cannot write the skill folder: {err}")
                return ""
            text = "" if self.folder is not None else compiled
        if self.args.stats:
            from skillir.cap_report import count_tokens

            before = count_tokens(self.original)
            after = count_tokens(text if target == "prompt" else compiled)
            change = (after - before) / before if before else 0.0
            print(
                f"tokens (o200k_base) {target}: original {before}, compiled {after} "
                f"({after - before:+d}, {change:+.1%})",
                file=sys.stderr,
            )
        return text


def _compiled_target():
    """The harness and prompt targets are emitted by `output_resulting_program`."""
    raise AssertionError("emitted by SkillTranslateMain")


def main(args: Sequence[str] | None = None) -> int:
    return run_tool(SkillTranslateMain, "skill-translate: emit a skill for a target", args)


if __name__ == "__main__":
    sys.exit(main())
