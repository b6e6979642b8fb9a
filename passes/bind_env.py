"""`bind-env{platform=debian|macos|auto}`: lower each `env.dep` to a presence check and an
install step for one platform. Deterministic; no LLM.

Reads `env.dep` ops and the binary → package table (`skillir/data/dependency_tables.toml`);
writes, in each dependency's region, an `env.check` (a command that exits 0 when it is present)
and, where something can install it, an idempotent `env.install`; a binary also gets the
`package` that provides it. Environment variables, services and harness tools get a check only:
they are reported, never invented or installed. `auto` picks macos on Darwin, else debian.
Earlier bindings are replaced.

| kind | check | install (debian / macos) |
|---|---|---|
| pip | `python3 -c` importlib.metadata.version(dist) | `python3 -m pip install -- 'dist<spec>'` |
| npm | `npm ls --depth=0 -- pkg` | `npm install -- pkg` |
| system | `dpkg -s -- pkg` / `brew list pkg` | `apt-get install -y -- pkg` / `brew install pkg` |
| binary | `command -v -- bin` | the providing package, as for system |
| env | `[ -n "${VAR:-}" ]` | none |
| service | a TCP connect to host:port | none |
| tool | none (the harness provides it) | none |

Alternatives (`manager` / `provides` on a `system` dep, see the `env` dialect): a dep that
`provides` X is checked with `command -v -- X`; only the entry of this platform's manager
(apt / apt-get on debian, brew on macos) installs. Another platform's entry, and another
platform's package manager as a binary (`brew` on debian, `choco`, `winget`, ...), get no
command at all, so the setup script never demands them.
"""

from __future__ import annotations

import platform as host_platform
import shlex
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from skillir.analysis.env.values import MANAGERS, dep_problem, name_problem
from skillir.diagnostics import active_sink
from skillir.dialects import env, skill

PLATFORMS = ("debian", "macos")
Platform = Literal["debian", "macos", "auto"]


@cache
def binary_packages() -> dict[str, dict[str, str]]:
    """binary → {"debian": package, "brew": package}, from the dependency tables."""
    from skillir import data

    path = Path(data.__file__).parent / "dependency_tables.toml"
    return tomllib.loads(path.read_text()).get("binary_to_package", {})


def resolve_platform(name: str) -> str:
    if name == "auto":
        return "macos" if host_platform.system() == "Darwin" else "debian"
    return name


def _system(package: str, platform: str) -> tuple[str, str]:
    quoted = shlex.quote(package)
    if platform == "macos":
        return f"brew list {quoted} >/dev/null 2>&1", f"brew install {quoted}"
    return (
        f"dpkg -s -- {quoted} >/dev/null 2>&1",
        f"DEBIAN_FRONTEND=noninteractive apt-get install -y -- {quoted}",
    )


def lower(dep: env.DepOp, platform: str) -> tuple[str | None, str | None, str | None]:
    """(check, install, package) for one dependency on one platform, built only from values
    that match their grammar (`skillir.analysis.env.values`), each word quoted, with `--` before the
    operands of every tool that takes it. Raises ValueError for a value that does not match
    (IR that skipped the verifier)."""
    kind, name = dep.kind.data, dep.dep.data
    version = dep.version.data if dep.version else None
    problem = dep_problem(kind, name, version)
    if problem is not None:
        raise ValueError(f"{kind} dependency: {problem}")
    version = version or ""
    quoted = shlex.quote(name)
    if kind == "pip":
        probe = f"import importlib.metadata as m; m.version({name!r})"
        return (
            f"python3 -c {shlex.quote(probe)} >/dev/null 2>&1",
            f"python3 -m pip install -- {shlex.quote(name + version)}",
            None,
        )
    if kind == "npm":
        where = " -g" if dep.globally is not None else ""
        provides = dep.provides.data if dep.provides else None
        if provides is not None and name_problem("binary", provides) is None:
            check = f"command -v -- {shlex.quote(provides)} >/dev/null 2>&1"
        else:
            check = f"npm ls{where} --depth=0 -- {quoted} >/dev/null 2>&1"
        return (
            check,
            f"npm install{where} -- {shlex.quote(name + ('@' + version if version else ''))}",
            None,
        )
    if kind == "system":
        manager = dep.manager.data if dep.manager else None
        provides = dep.provides.data if dep.provides else None
        native = manager is None or MANAGERS.get(manager) == platform
        if provides is not None and name_problem("binary", provides) is None:
            check = f"command -v -- {shlex.quote(provides)} >/dev/null 2>&1"
            return check, _system(name, platform)[1] if native else None, None
        if not native:
            return None, None, None
        check, install = _system(name, platform)
        return check, install, None
    if kind == "binary":
        if MANAGERS.get(name, platform) != platform:
            return None, None, None  # another platform's package manager
        row = binary_packages().get(name, {})
        package = row.get("brew" if platform == "macos" else "debian")
        if package and name_problem("system", package) is not None:
            package = None
        install = _system(package, platform)[1] if package else None
        return f"command -v -- {quoted} >/dev/null 2>&1", install, package
    if kind == "env":
        return f'[ -n "${{{name}:-}}" ]', None, None
    if kind == "service":
        host, _, port = name.rpartition(":")
        host = host.strip("[]") or "localhost"  # bash's /dev/tcp takes `::1`, not `[::1]`
        target = shlex.quote(f"/dev/tcp/{host}/{port}")
        return f"(exec 3<>{target}) 2>/dev/null", None, None
    return None, None, None


@dataclass(frozen=True)
class BindDep(RewritePattern):
    """A skill's `env.dep` gets the check, install step and package of `platform` (its
    earlier binding replaced); a value off its grammar is an error at the dependency."""

    platform: str

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: env.DepOp, rewriter: PatternRewriter) -> None:
        if not isinstance(op.parent_op(), skill.SkillSkillOp):
            return
        for old in list(op.body.block.ops):
            rewriter.erase(old)
        try:
            check, install, package = lower(op, self.platform)
        except ValueError as err:
            line, col = op.span.data[:2] if op.span else (1, 1)
            active_sink().error(line, col, f"bind-env: {err}")
            return
        if package:
            op.properties["package"] = skill.TextAttr(package)
            rewriter.notify_op_modified(op)
        end = InsertPoint.at_end(op.body.block)
        if check:
            rewriter.insert(env.CheckOp.build_op(command=check), end)
        if install:
            rewriter.insert(env.InstallOp.build_op(command=install), end)


@dataclass(frozen=True)
class BindEnv(ModulePass):
    name = "bind-env"

    platform: Platform = "auto"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pattern = BindDep(resolve_platform(self.platform))
        PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(op)
