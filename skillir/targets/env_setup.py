"""`skill-translate --target=env-setup` (an idempotent bash script) and `--target=env-manifest`
(the same as JSON), from `env.dep` ops and their bound `env.check` / `env.install`.

The script checks before it installs, prints one line per dependency, reports missing
environment variables and services without inventing them, and exits 1 listing what it could not
satisfy. An `optional` dependency (named only outside the skill's procedure) is checked and
reported, installed only with `--with-optional`, and never makes the script fail. Dependencies
not yet bound to a platform are bound for this machine (`auto`); `extract-deps` runs first when
the IR holds no dependency yet."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from skillir.analysis.env.values import comment_text, dep_problem, has_control
from skillir.dialects import cap, env
from skillir.passes.bind_env import lower, resolve_platform


def ensure_deps(ctx: Context, module: ModuleOp) -> None:
    """Extract the dependencies when no pass has put any in the IR yet."""
    from skillir.passes.extract_deps import ExtractDeps

    if not any(type(o) is env.DepOp for root in cap.skills(module) for o in root.body.block.ops):
        ExtractDeps().apply(ctx, module)


def bound(dep: env.DepOp) -> tuple[str | None, str | None, str | None]:
    """(check, install, package) from the IR, or bound now for this machine."""
    ops = list(dep.body.block.ops)
    checks = [op.command.data for op in ops if type(op) is env.CheckOp]
    installs = [op.command.data for op in ops if type(op) is env.InstallOp]
    if checks or installs:
        package = dep.package.data if dep.package else None
        return (checks or [None])[0], (installs or [None])[0], package
    return lower(dep, resolve_platform("auto"))


_PIN = {"npm": "@", "system": "="}


def _label(dep: env.DepOp) -> str:
    """`pip pyyaml==6.0.1`, `npm lodash@4.17.21`, `system jq=1.6`, `binary jq`."""
    version = dep.version.data if dep.version else ""
    if version and dep.kind.data in _PIN:
        version = _PIN[dep.kind.data] + version
    return f"{dep.kind.data} {dep.dep.data}{version}"


def _evidence_file(dep: env.DepOp, skill_path: str | None) -> str | None:
    """The file holding the evidence, as a path usable from where the tool ran."""
    if dep.file is None:
        return skill_path
    return str(PurePath(skill_path).parent / dep.file.data) if skill_path else dep.file.data


def _where(dep: env.DepOp, skill_path: str) -> str:
    line = dep.span.data[0] if dep.span else 0
    return f"{_evidence_file(dep, skill_path)}:{line}"


def _valid(dep: env.DepOp) -> bool:
    """The dependency's values match their grammar (IR built without the verifier may not)."""
    version = dep.version.data if dep.version else None
    return dep_problem(dep.kind.data, dep.dep.data, version) is None


def _alternative(dep: env.DepOp) -> str:
    """`brew ffmpeg`: one entry of an any-of group, by its package manager."""
    manager = dep.manager.data if dep.manager else dep.kind.data
    return f"{manager} {dep.dep.data}"


def _any_of(program: str, group: list[env.DepOp]) -> tuple[str, tuple[str | None, ...]]:
    """The label and (check, install, package) of an any-of group: the program is checked;
    the first entry this platform can install installs it (others are never demanded)."""
    bindings = [bound(d) for d in group]
    chosen = next((b for b in bindings if b[1] is not None), bindings[0])
    check = chosen[0] or f"command -v -- {shlex.quote(program)} >/dev/null 2>&1"
    return f"binary {program}", (check, chosen[1], chosen[2])


_ABSENT = {
    "service": "not running; start it when a use needs it",
    "env": "not set; only some uses need it",
}


def _optional(name: str, kind: str, check: str, install: str | None) -> list[str]:
    """The lines for a dependency the skill only mentions outside its procedure: reported,
    installed only with `--with-optional`, never added to what is missing."""
    absent = _ABSENT.get(kind, "not installed; only some uses need it")
    lines = [f"if {check}; then", f"  echo {shlex.quote('present:   ' + name + ' (optional)')}"]
    if install is not None:
        lines += [
            'elif [ "$check_only" = 0 ] && [ "$with_optional" = 1 ]; then',
            f"  echo {shlex.quote('install:   ' + name + ' (optional)')}",
            f"  {install} || echo {shlex.quote('failed:    ' + name + ' (optional)')}",
        ]
    lines += [
        "else",
        f"  echo {shlex.quote(f'optional:  {name} ({absent})')}",
        "fi",
    ]
    return lines


def _packages_first(deps: list[env.DepOp]) -> list[env.DepOp]:
    """`deps` with each program moved after a pip or npm package of the same name that the
    skill installs (`playwright install chromium` with `pip playwright`): the package brings
    the program, so checking the program first would fail on a fresh machine."""
    packages = {d.dep.data for d in deps if d.kind.data in ("pip", "npm") and _valid(d)}
    later = {d.dep.data: d for d in deps if d.kind.data == "binary" and d.dep.data in packages}
    out = []
    for dep in deps:
        if dep.kind.data == "binary" and dep.dep.data in later:
            continue
        out.append(dep)
        if dep.kind.data in ("pip", "npm") and dep.dep.data in later:
            out.append(later.pop(dep.dep.data))
    return out


def script(module: ModuleOp, source: str | None = None) -> str:
    """The bash script. Data from the skill appears only as `shlex.quote`d words or inside
    comments with control characters escaped; commands are the one-line `env.check` /
    `env.install` that `bind-env` built from verified values."""
    out = [
        "#!/usr/bin/env bash",
        "# Generated by skillir: check, then install, each dependency (--check: only check).",
    ]
    out += [
        "set -euo pipefail",
        "check_only=0",
        "with_optional=0",
        'for arg in "$@"; do',
        '  case "$arg" in',
        "    --check) check_only=1 ;;",
        "    --with-optional) with_optional=1 ;;",
        "  esac",
        "done",
    ]
    out += ["missing=()", ""]
    for root in cap.skills(module):
        path = source or root.field("path") or "SKILL.md"
        out.append(comment_text(f"# skill {root.skill_name.data}"))
        deps = [o for o in root.body.block.ops if type(o) is env.DepOp and _valid(o)]
        groups: dict[str, list[env.DepOp]] = {}
        for dep in deps:
            if dep.provides is not None:
                groups.setdefault(dep.provides.data, []).append(dep)
        programs = set(groups)
        for dep in _packages_first([o for o in root.body.block.ops if type(o) is env.DepOp]):
            if not _valid(dep):
                out.append(comment_text(f"# skipped: an invalid {dep.kind.data} dependency"))
                continue
            name = _label(dep)
            if dep.kind.data == "binary" and dep.dep.data in programs:
                continue  # checked (and installed) by its any-of group
            check, install, package = bound(dep)
            if dep.provides is not None:
                group = groups.pop(dep.provides.data, None)
                if group is None:
                    continue  # an alternative of a group already checked
                name, (check, install, package) = _any_of(dep.provides.data, group)
                others = ", ".join(_alternative(d) for d in group)
                out.append(comment_text(f"# {name}: any one of {others}"))
            elif check is None and dep.kind.data in ("binary", "system"):
                where = f"{dep.manager.data}: " if dep.manager else ""
                out.append(comment_text(f"# {name}, from {_where(dep, str(path))}"))
                note = f"skipped:   {name} ({where}for another platform; not needed here)"
                out.append(f"echo {shlex.quote(note)}")
                continue
            optional = dep.optional is not None and (
                dep.provides is None or all(d.optional is not None for d in group)
            )
            label = shlex.quote(name)
            if any(c is not None and has_control(c) for c in (check, install)):
                out.append(comment_text(f"# skipped: {name} (a command over several lines)"))
                continue
            via = f" (package {package})" if package else ""
            out.append(comment_text(f"# {name}{via}, from {_where(dep, str(path))}"))
            if check is None:
                out.append(f"echo {shlex.quote('provided by the harness: ' + name)}")
                continue
            if optional:
                out += _optional(name, dep.kind.data, check, install)
                continue
            out.append(f"if {check}; then")
            out.append(f"  echo {shlex.quote('present:   ' + name)}")
            if install is None:
                hint = {"env": "set it", "service": "start it"}.get(
                    dep.kind.data, "install it by hand"
                )
                out.append("else")
                out.append(f"  echo {shlex.quote(f'missing:   {name} ({hint}; not done here)')}")
                out.append(f"  missing+=({label})")
            else:
                out.append('elif [ "$check_only" = 1 ]; then')
                out.append(f"  echo {shlex.quote('missing:   ' + name)}")
                out.append(f"  missing+=({label})")
                out.append("else")
                out.append(f"  echo {shlex.quote('install:   ' + name)}")
                out.append(f"  if ! {{ {install} && {check}; }}; then")
                out.append(f"    missing+=({label})")
                out.append("  fi")
            out.append("fi")
        out.append("")
    if not any('"$check_only"' in line for line in out):
        # nothing to install: the options change nothing
        start = out.index("check_only=0")
        del out[start : start + 8]
    elif not any('"$with_optional"' in line for line in out):
        out.remove("with_optional=0")
        out.remove("    --with-optional) with_optional=1 ;;")
    out += [
        'if [ "${#missing[@]}" -gt 0 ]; then',
        "  echo 'not satisfied:' >&2",
        "  printf '  %s\\n' \"${missing[@]}\" >&2",
        "  exit 1",
        "fi",
        "echo 'all dependencies satisfied'",
    ]
    return "\n".join(out) + "\n"


def manifest(module: ModuleOp) -> str:
    skills = []
    for root in cap.skills(module):
        deps = []
        for dep in [o for o in root.body.block.ops if isinstance(o, env.DepOp)]:
            check, install, package = bound(dep)
            alternative = {
                key: attr.data
                for key, attr in (("manager", dep.manager), ("provides", dep.provides))
                if attr is not None
            }  # an entry of an any-of group only
            deps.append(
                {
                    "kind": dep.kind.data,
                    "name": dep.dep.data,
                    "version": dep.version.data if dep.version else None,
                    "package": package,
                    **alternative,
                    "optional": dep.optional is not None,
                    "check": check,
                    "install": install,
                    "evidence": {
                        "file": _evidence_file(dep, root.field("path")),
                        "line": dep.span.data[0] if dep.span else None,
                        "col": dep.span.data[1] if dep.span else None,
                    },
                }
            )
        skills.append({"skill": root.skill_name.data, "dependencies": deps})
    return (
        json.dumps(
            {"format": "skillir-env-manifest", "version": 1, "skills": skills},
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


@dataclass(frozen=True)
class EnvSetupTarget(Target):
    name = "env-setup"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        ensure_deps(ctx, module)
        output.write(script(module))


@dataclass(frozen=True)
class EnvManifestTarget(Target):
    name = "env-manifest"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        ensure_deps(ctx, module)
        output.write(manifest(module))
