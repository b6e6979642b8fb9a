"""The `env` dialect: what a skill assumes of the machine it runs on.

`env.dep` ops (a pip / npm / system package, a binary, a service, an environment variable or a
harness tool; name, version constraint, evidence span and, for evidence found in a bundled file,
that file) sit at the head of the `skill.skill` region, after the `cap` ops. Binding to a
platform adds an `env.check` (a command that succeeds when the dependency is present) and an
`env.install` (an idempotent install command, absent when nothing can install it, e.g. an
environment variable) in each dependency's region. None of them prints back to Markdown.
Per-platform install lines are alternatives, not a conjunction: a `system` dependency found in
an install line names its `manager` (`apt-get`, `brew`, `choco`, ...), and the deps that
`provides` the same program form one any-of group ("one of these provides X"). `bind-env`
checks X itself (`command -v -- X`) and installs with the current platform's manager only;
another platform's entry gets no command and is never demanded:

    env.dep "system" "ffmpeg" manager "brew" provides "ffmpeg" at 5:15 to 5:15 {
      env.check "command -v -- ffmpeg >/dev/null 2>&1"
    }
    env.dep "system" "ffmpeg" manager "apt" provides "ffmpeg" at 9:18 to 9:18 {
      env.check "command -v -- ffmpeg >/dev/null 2>&1"
      env.install "DEBIAN_FRONTEND=noninteractive apt-get install -y -- ffmpeg"
    }

A dependency the skill only mentions outside its procedure is `optional`
(`skillir.analysis.env.need`): `env-setup.sh` checks and reports it but neither installs it
unasked nor fails on it, and the environment note does not name it:

    env.dep "binary" "gnina" optional at 294:5 to 294:5

An npm package the skill installs with `-g` is `globally` installed: checked and installed
with `npm ls -g` / `npm install -g`, not in the skill's folder. One that `provides` a program
the skill runs (`npm install -g browse` for `browse`) is checked by that program:

    env.dep "npm" "browse" globally provides "browse" at 28:32 to 28:32

The verifier allows `manager` on `system` deps only and `provides` on those and on globally
installed npm packages, holds the manager to
`skillir.analysis.env.values.MANAGERS` and `provides` to the program-name grammar.
The verifier holds every name, version, package and file to its grammar
(`skillir.analysis.env.values`)
and every command to one line, so the shell generated from this IR cannot be broken out of.

    skill.skill "pdf-report" ... {
      env.dep "pip" "pypdf" version ">=4" at 12:1 to 12:12 {
        env.check "python3 -c 'import pypdf'"
        env.install "python3 -m pip install 'pypdf>=4'"
      }
      env.dep "binary" "pdftotext" package "poppler-utils" file "scripts/extract.sh" at 3:1 to 3:9
    }
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Self

from xdsl.dialects.builtin import UnitAttr
from xdsl.ir import Dialect, Operation
from xdsl.irdl import irdl_op_definition, opt_prop_def, prop_def
from xdsl.utils.exceptions import VerifyException

from skillir.analysis.env.values import (
    MANAGERS,
    dep_problem,
    has_control,
    name_problem,
    path_problem,
    shown,
)
from skillir.dialects.skill import FieldOp, SpanAttr, TextAttr, text_attr, unit_attr

DEP_KINDS = ("pip", "npm", "system", "binary", "service", "env", "tool")


@irdl_op_definition
class DepOp(FieldOp):
    """One dependency: kind, name, optional version constraint, the package that provides it
    (for binaries), and the bundled file holding the evidence when it is not SKILL.md."""

    name = "env.dep"
    POSITIONAL: ClassVar[int] = 2
    kind = prop_def(TextAttr)
    dep = prop_def(TextAttr)
    version = opt_prop_def(TextAttr)
    package = opt_prop_def(TextAttr)
    file = opt_prop_def(TextAttr)
    manager = opt_prop_def(TextAttr)
    provides = opt_prop_def(TextAttr)
    optional = opt_prop_def(UnitAttr)
    globally = opt_prop_def(UnitAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        kind: str,
        dep: str,
        version: str | None = None,
        package: str | None = None,
        file: str | None = None,
        manager: str | None = None,
        provides: str | None = None,
        optional: bool = False,
        globally: bool = False,
    ) -> DepOp:
        return cls.from_properties(
            span,
            children,
            {
                "kind": TextAttr(kind),
                "dep": TextAttr(dep),
                "version": text_attr(version),
                "package": text_attr(package),
                "file": text_attr(file),
                "manager": text_attr(manager),
                "provides": text_attr(provides),
                "optional": unit_attr(optional),
                "globally": unit_attr(globally),
            },
        )

    def verify_(self) -> None:
        if self.kind.data not in DEP_KINDS:
            raise VerifyException(
                f"unknown dependency kind '{self.kind.data}' (expected one of "
                f"{', '.join(DEP_KINDS)})"
            )
        if not self.dep.data.strip():
            raise VerifyException("a dependency needs a name")
        version = self.version.data if self.version else None
        problem = dep_problem(self.kind.data, self.dep.data, version)
        if problem is None and self.package is not None:
            problem = name_problem("system", self.package.data)
        if problem is None and self.file is not None:
            problem = path_problem(self.file.data)
        if problem is None and self.manager and self.kind.data != "system":
            problem = "only a system package names a manager"
        if (
            problem is None
            and self.provides
            and self.kind.data != "system"
            and (self.kind.data != "npm" or self.globally is None)
        ):
            problem = "only a system or globally installed npm package names what it provides"
        if problem is None and self.manager is not None and self.manager.data not in MANAGERS:
            problem = f"unknown package manager {shown(self.manager.data)}"
        if problem is None and self.provides is not None:
            problem = name_problem("binary", self.provides.data)
        if problem is None and self.globally is not None and self.kind.data != "npm":
            problem = "only an npm package is installed globally"
        if problem is not None:
            raise VerifyException(f"{self.kind.data} dependency: {problem}")


class _CommandOp(FieldOp):
    """A one-line shell command built by `bind-env` from verified values."""

    POSITIONAL: ClassVar[int] = 1
    command = prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        command: str,
    ) -> Self:
        return cls.from_properties(span, children, {"command": TextAttr(command)})

    def verify_(self) -> None:
        command = self.command.data
        if not command.strip() or has_control(command):
            raise VerifyException(f"{self.name} needs a one-line command (no control characters)")


@irdl_op_definition
class CheckOp(_CommandOp):
    """A shell command that exits 0 when the enclosing dependency is present."""

    name = "env.check"


@irdl_op_definition
class InstallOp(_CommandOp):
    """An idempotent shell command that installs the enclosing dependency."""

    name = "env.install"


Env = Dialect("env", [DepOp, CheckOp, InstallOp], [])
