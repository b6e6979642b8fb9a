"""`skill-translate`: print what a target loads from a skill (`--target=markdown`: the document).

`--target=HARNESS` (a row of `skillir/data/harnesses.toml`: bare, claude-code, codex, ...)
compiles the skill for that harness and a model (`compile{...}` unless `-p` says otherwise):
without `-o` it prints the compiled SKILL.md, with `-o DIR` it writes the whole folder
atomically. IR that `skill-opt -p 'compile{harness=HARNESS ...}'` already compiled is emitted as
it is (no model or profile needed: translating never optimizes); IR compiled for another
harness is an error that names it. `--target=prompt` prints the system-prompt form. `--stats`
prints original vs compiled prompt tokens. `--list-profiles` lists the profiles of the store. A
missing store, an unknown model, a missing `--model` or an `--install` that cannot be met is a
usage error naming the flag (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from skillir.targets.harnesses import harnesses
from skillir.tools.skill_opt import SkillOptMain, UsageError, run_tool
from skillir.version import version_text

HARNESS_TARGETS = tuple(harnesses())  # a new row of harnesses.toml is a new target


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
        arg_parser.add_argument(
            "--force",
            action="store_true",
            help="-o onto a folder holding files no earlier compile wrote: keep them, replace ours",
        )
        arg_parser.add_argument(
            "--install",
            choices=("project", "user"),
            help="write the folder where the harness discovers skills (project: under the "
            "current folder; user: under ~), instead of -o",
        )
        arg_parser.add_argument(
            "--list-profiles",
            action="store_true",
            help="list the (harness, model) profiles of the store (--profile-dir) and exit",
        )

    def setup_pipeline(self) -> None:
        target = self.args.target
        self.folder: Path | None = None
        self.compile_for: str | None = None  # the harness to compile for, once the input is read
        if self.args.install:
            self._check_install()
        if target in (*HARNESS_TARGETS, "prompt"):
            harness = self.args.harness if target == "prompt" else target
            if not self.args.passes and not self.args.list_profiles:
                self.compile_for = harness
                if not self._may_be_ir():
                    self._check_profile_args(harness)
            if target != "prompt" and self.args.output_file:
                if self.args.split_input_file:
                    raise UsageError("-o DIR writes one skill folder; drop --split-input-file")
                self.folder = Path(self.args.output_file)
                self.args.output_file = None
        super().setup_pipeline()

    def _check_install(self) -> None:
        """Raise UsageError, naming `--install`, when it cannot be met: a target that is not a
        harness, an `-o` beside it, or a harness without that skill folder."""
        from skillir.targets.emit import install_folder

        flag = f"--install={self.args.install}"
        if self.args.target not in HARNESS_TARGETS:
            raise UsageError(f"{flag} needs a harness target (--target={HARNESS_TARGETS[0]}, ...)")
        if self.args.output_file:
            raise UsageError(f"{flag} and -o both say where to write; give one")
        try:
            install_folder(self.args.target, "skill", self.args.install, Path.cwd())
        except ValueError as err:
            raise UsageError(f"{flag}: {err}") from None

    def _may_be_ir(self) -> bool:
        """Whether the input may be IR (stdin, `-f skir|mlir`, a `.skir`/`.mlir` file): then
        whether it needs a profile is known only once it is read."""
        name = self.args.input_file
        kind = self.args.frontend or Path(name or "").suffix.lstrip(".").lower()
        return name in (None, "-") or kind in ("skir", "mlir")

    def apply_passes(self, prog: ModuleOp) -> None:
        """For a harness target without `-p`: IR compiled for that harness is emitted as it is
        (an error names the harness of IR compiled for another); anything else is compiled."""
        harness = self.compile_for
        if harness is not None:
            from skillir.passes.lower_to_target import harness_id

            compiled = _compiled_for(prog)
            if compiled is not None:
                if compiled != harness_id(harness):
                    flag = "--harness" if self.args.target == "prompt" else "--target"
                    self.sink.error(
                        1,
                        1,
                        f"this IR is compiled for '{compiled}', not '{harness}': translate it "
                        f"with {flag}={compiled}, or compile the skill again for '{harness}'",
                    )
                return
            self._check_profile_args(harness)
            self.args.passes = self._compile_spec(harness)
            super().setup_pipeline()
        super().apply_passes(prog)

    def _compile_spec(self, harness: str) -> str:
        options = [f"harness={harness}", f"env={self.args.env}"]
        if self.args.model:
            options.append(f"model={_quote(self.args.model)}")
        if self.args.profile:
            options.append(f"profile={_quote(self.args.profile)}")
        if self.args.borrow_profile:
            options.append("borrow=true")
        if self.args.no_compensate:
            options.append("no-compensate=true")
        return "compile{" + " ".join(options) + "}"

    def _check_profile_args(self, harness: str) -> None:
        """Raise UsageError, naming the flag, when the command line cannot name a profile: no
        `--model`, no store, a model the store does not hold (with close matches), or one
        measured only on other harnesses without `--borrow-profile`."""
        from skillir.analysis.cap.profiles import canonical_harness, open_store

        args = self.args
        if args.profile or (args.no_compensate and not args.model):
            return
        if not args.model:
            raise UsageError(
                f"--target={self.args.target} needs --model ID (or --profile FILE); "
                "--no-compensate needs neither"
            )
        store = open_store(args.profile_dir or None)
        if not store.root.is_dir():
            raise UsageError(
                f"no profile store at '{store.root}': name one with --profile-dir DIR (or "
                "SKILLIR_PROFILES), or a file with --profile FILE"
            )
        if store.find(canonical_harness(harness), args.model) is not None:
            return
        others = store.find_model_any_harness(args.model)
        if not others:
            close = store.close_models(args.model)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UsageError(
                f"--model {args.model}: the store {store.root} has no profile of it{hint} "
                "(--list-profiles lists them)"
            )
        if not args.borrow_profile:
            measured = ", ".join(sorted({p.harness for p in others}))
            raise UsageError(
                f"--model {args.model}: no profile on '{harness}' in {store.root} (measured on "
                f"{measured}); --borrow-profile uses the one measured on {others[0].harness}"
            )

    def run(self) -> int:  # type: ignore[override]
        if self.args.list_profiles:
            return list_profiles(self.args.profile_dir or None)
        return super().run()

    def read_input(self) -> tuple[bytes, str]:
        """The input; for a harness target, a folder compiled before reads as the SKILL.md it
        was compiled from (`skillir.targets.recompile`), so a recompile starts from the source."""
        data, kind = super().read_input()
        if kind == "md" and self.args.target in (*HARNESS_TARGETS, "prompt"):
            data = self._source_of(data)
        self.source: bytes | None = data if kind == "md" else None  # IR: see `_ir_source`
        self.original = data.decode("utf-8", "replace")
        return data, kind

    def _source_of(self, data: bytes) -> bytes:
        from skillir.targets.recompile import restore_source

        if self.sink.path in ("<stdin>", ""):
            return data
        restored = restore_source(Path(self.sink.path).parent, data)
        if restored is None:
            return data
        if restored.undone < restored.recorded:
            self.sink.warning(
                1,
                1,
                "this SKILL.md was edited after skillir compiled it: "
                f"{restored.recorded - restored.undone} of {restored.recorded} compiler changes "
                "could not be found and stay",
            )
        return restored.data

    def output_resulting_program(self, prog: ModuleOp) -> str:
        target = self.args.target
        if target not in (*HARNESS_TARGETS, "prompt"):
            return super().output_resulting_program(prog)
        from skillir.targets.emit import compiled_files, prompt_text, write_folder

        if self.source is None:
            self.source = _ir_source(prog)
            if self.source is not None:
                self.original = self.source.decode("utf-8", "replace")
        if target == "prompt":
            text = prompt_text(prog)
        else:
            try:
                files = compiled_files(prog, target, self.source)
                compiled = files["SKILL.md"].data.decode("utf-8")
                if self.args.install:
                    from skillir.targets.emit import install_folder

                    name = _root_name(prog)
                    self.folder = install_folder(target, name, self.args.install, Path.cwd())
                if self.folder is not None:
                    given = Path(self.args.input_file or "-")
                    source_dir = (
                        None if str(given) == "-" else given if given.is_dir() else given.parent
                    )
                    for warning in write_folder(
                        files, self.folder, source_dir, self.args.force, _root_name(prog)
                    ):
                        self.sink.warning(1, 1, warning)
            except (ValueError, OSError) as err:
                self.sink.error(1, 1, f"cannot write the skill folder: {err}")
                return ""
            text = "" if self.folder is not None else compiled
        if self.args.stats:
            from skillir.analysis.cap.report import count_tokens

            before = count_tokens(self.original)
            after = count_tokens(text if target == "prompt" else compiled)
            change = (after - before) / before if before else 0.0
            print(
                f"tokens (o200k_base) {target}: original {before}, compiled {after} "
                f"({after - before:+d}, {change:+.1%})",
                file=sys.stderr,
            )
        return text


def list_profiles(profile_dir: str | None) -> int:
    """Print one line per profile of the store: harness, model, file, evidence. Exit 2 when the
    store directory is missing."""
    from skillir.analysis.cap.profiles import canonical_harness, canonical_model, open_store

    store = open_store(profile_dir)
    if not store.root.is_dir():
        print(
            f"skill-translate: error: no profile store at '{store.root}' (--profile-dir DIR or "
            "SKILLIR_PROFILES)",
            file=sys.stderr,
        )
        return 2
    rows = sorted(
        store.profiles, key=lambda p: (canonical_harness(p.harness), canonical_model(p.model))
    )
    print(f"# {len(rows)} profiles in {store.root}: harness, model, file, evidence")
    for p in rows:
        source = p.path.relative_to(store.root) if p.path else "?"
        kind = "per-level evidence" if p.has_evidence else "levels only"
        print(f"{p.harness}\t{p.model}\t{source}\t{kind}")
    for err in store.errors:
        print(f"{err.path}:{err.line}:{err.col}: warning: {err.message}", file=sys.stderr)
    return 0


def _compiled_for(prog: ModuleOp) -> str | None:
    """The harness IR was compiled for (its `target.harness`), None when it was not."""
    from skillir.dialects import cap, target

    for root in cap.skills(prog):
        for op in root.body.block.ops:
            if isinstance(op, target.HarnessOp):
                return op.harness.data
    return None


def _ir_source(prog: ModuleOp) -> bytes | None:
    """The SKILL.md that IR was parsed from (its `path`), when it is still there to read: what
    the compiled folder records as its source. None for IR of stdin or of a file now gone."""
    from skillir.dialects import cap

    for root in cap.skills(prog):
        path = root.field("path")
        if isinstance(path, str) and Path(path).name in ("SKILL.md", "skill.md"):
            try:
                return Path(path).read_bytes()
            except OSError:
                return None
    return None


def _root_name(prog: ModuleOp) -> str:
    from skillir.dialects import cap

    return next(iter(cap.skills(prog))).skill_name.data


def _compiled_target():
    """The harness and prompt targets are emitted by `output_resulting_program`."""
    raise AssertionError("emitted by SkillTranslateMain")


def main(args: Sequence[str] | None = None) -> int:
    return run_tool(SkillTranslateMain, "skill-translate: emit a skill for a target", args)


if __name__ == "__main__":
    sys.exit(main())
