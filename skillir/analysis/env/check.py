"""Run the presence checks of a skill's dependencies on this machine, and, only when asked,
install its pip dependencies into a throwaway virtual environment (never the user's). Only
dependencies whose values match their grammar (`skillir.analysis.env.values`) are checked or
installed."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from skillir.analysis.env.values import dep_problem
from skillir.dialects import cap, env
from skillir.targets.env_setup import bound

CHECK_TIMEOUT_S = 10


@dataclass(frozen=True)
class CheckResult:
    label: str
    # present | missing | optional (missing, but only some uses need it) | harness (no check:
    # the harness provides it) | skipped (another platform's package manager or package:
    # never demanded here)
    status: str
    where: str
    # named only outside the skill's procedure: reported, never missing
    optional: bool = False


def check_all(module: ModuleOp) -> list[CheckResult]:
    results = []
    for root in cap.skills(module):
        path = str(root.field("path") or "SKILL.md")
        for dep in [o for o in root.body.block.ops if isinstance(o, env.DepOp)]:
            label = f"{dep.kind.data} {dep.dep.data}"
            line = dep.span.data[0] if dep.span else 1
            where = f"{dep.file.data if dep.file else path}:{line}"
            version = dep.version.data if dep.version else None
            if dep_problem(dep.kind.data, dep.dep.data, version) is not None:
                continue  # IR that skipped the verifier: never run
            check = bound(dep)[0]
            if check is None:
                other = dep.kind.data in ("binary", "system")
                results.append(CheckResult(label, "skipped" if other else "harness", where))
                continue
            try:
                run = subprocess.run(
                    ["bash", "-c", check], capture_output=True, timeout=CHECK_TIMEOUT_S
                )
                status = "present" if run.returncode == 0 else "missing"
            except subprocess.TimeoutExpired:
                status = "missing"
            optional = dep.optional is not None
            if optional and status == "missing":
                status = "optional"
            results.append(CheckResult(label, status, where, optional))
    return results


def install_pip_into_venv(module: ModuleOp, venv: Path) -> tuple[list[str], list[str]]:
    """Create `venv` (if needed) and pip-install the skill's required pip dependencies there.
    Returns (installed, failed) requirement strings."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    installed, failed = [], []
    for root in cap.skills(module):
        for dep in [o for o in root.body.block.ops if isinstance(o, env.DepOp)]:
            version = dep.version.data if dep.version else None
            if (
                dep.kind.data != "pip"
                or dep.optional is not None
                or dep_problem("pip", dep.dep.data, version) is not None
            ):
                continue
            spec = dep.dep.data + (version or "")
            run = subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "--", spec], capture_output=True
            )
            (installed if run.returncode == 0 else failed).append(spec)
    return installed, failed
