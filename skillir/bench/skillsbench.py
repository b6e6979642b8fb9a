"""SkillsBench tasks in both layouts, and their pytest verifier.

- Harbor: `instruction.md`, `task.toml` (`[agent] timeout_sec`, `[verifier] timeout_sec`,
  `[environment]` with `gpus`, `allow_internet`, `env`), `environment/` (Dockerfile, input files,
  `skills/NAME/SKILL.md`), `tests/test_outputs.py` (+ `test.sh`), `solution/` (the oracle).
- v1.1: `task.md` (YAML frontmatter with the same settings, the body is the instruction),
  `verifier/` (test_outputs.py, requirements.txt), `oracle/`, `environment/` as above.

Input files are copied into the work directory; the verifier, oracle and Dockerfile never are.
Absolute `/root/` and `/app/` paths become work-directory paths, in the instruction (relative)
and in the verifier (absolute). A task needing Docker-only tooling, the network, an API key or
a GPU is marked not runnable here, with the reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml

from skillir.bench.staging import Stage
from skillir.bench.tasks import Grader, Task, TaskError

DOCKER_PATHS = re.compile(r"/(?:root|app)/")
APT_INSTALL = re.compile(r"apt-get\s+install\s+(?:-\S+\s+)*([^&|;\n]+)")
PIP_PIN = re.compile(
    r"(?:--with|pip3?\s+install[^\n]*?)\s+([A-Za-z0-9_.\-\[\]]+(?:[=<>!~]=?[^\s\\]+)?)"
)
KEY_NAME = re.compile(r"\b[A-Z][A-Z0-9_]*(?:_API_KEY|_TOKEN)\b")
NOT_FILES = {"Dockerfile", "docker-compose.yaml", "docker-compose.yml", "skills", ".dockerignore"}
VENV_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "skillir" / "bench-venvs"
)


def _requirements(folder: Path, texts: list[str]) -> tuple[str, ...]:
    """Pip requirements: requirements.txt lines, then `pip install` / `uvx --with` pins."""
    reqs: list[str] = []
    for name in ("requirements.txt",):
        path = folder / name
        if path.is_file():
            reqs += [
                line.split("#")[0].strip()
                for line in path.read_text().splitlines()
                if line.split("#")[0].strip()
            ]
    for text in texts:
        for line in text.splitlines():
            if "pip" in line or "--with" in line:
                reqs += [m for m in PIP_PIN.findall(line) if not m.startswith("-")]
    return tuple(dict.fromkeys(r for r in reqs if r not in ("install", "pip", "pip3")))


def _why_not(settings: dict[str, Any], docker: str, scripts: str, prompt: str) -> str | None:
    """Why this machine cannot run the task, or None."""
    env = settings.get("environment", {}) if isinstance(settings.get("environment"), dict) else {}
    if int(env.get("gpus", 0) or 0) > 0 or settings.get("gpu"):
        return "needs a GPU"
    if env.get("allow_internet") or settings.get("network"):
        return "needs the network"
    keys = set(KEY_NAME.findall(docker + scripts + prompt + str(settings)))
    missing = sorted(k for k in keys if k not in os.environ)
    if missing:
        return f"needs API keys: {', '.join(missing)}"
    packages = []
    for group in APT_INSTALL.findall(docker):
        packages += [p for p in group.replace("\\", " ").split() if not p.startswith("-")]
    absent = [p for p in packages if not _installed(p)]
    if absent:
        return (
            f"needs Docker-only tooling: {', '.join(sorted(set(absent)))} (apt in its Dockerfile)"
        )
    return None


def _installed(package: str) -> bool:
    """A Debian package (or a program of that name) present on this machine."""
    if shutil.which(package):
        return True
    if shutil.which("dpkg-query") is None:
        return False
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return proc.returncode == 0 and "install ok installed" in proc.stdout


def _common(
    folder: Path, fmt: str, prompt: str, settings: dict[str, Any], verifier: Path, where: Path
) -> Task:
    environment = folder / "environment"
    docker = (
        (environment / "Dockerfile").read_text() if (environment / "Dockerfile").is_file() else ""
    )
    tests = verifier / "test_outputs.py"
    if not tests.is_file():
        raise TaskError(f"{where}: error: verifier: no {tests.relative_to(folder)}")
    script = (verifier / "test.sh").read_text() if (verifier / "test.sh").is_file() else ""
    copy = {}
    if environment.is_dir():
        copy = {p.name: str(p) for p in sorted(environment.iterdir()) if p.name not in NOT_FILES}
    skills_dir = next((d for d in (environment / "skills", folder / "skills") if d.is_dir()), None)
    skills = (
        tuple(p.resolve() for p in sorted(skills_dir.iterdir()) if (p / "SKILL.md").is_file())
        if skills_dir
        else ()
    )
    agent = settings.get("agent", {}) if isinstance(settings.get("agent"), dict) else {}
    timeout = agent.get("timeout_sec", settings.get("timeout_sec", 900))
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise TaskError(f"{where}: error: agent.timeout_sec: expected a positive number")
    return Task(
        id=str(settings.get("id") or folder.name),
        folder=folder.resolve(),
        format=fmt,
        prompt=DOCKER_PATHS.sub("", prompt),
        graders=(Grader("pytest", "verifier", 1.0, {"tests": str(tests)}),),
        timeout_s=float(timeout),
        skills=skills,
        not_runnable=_why_not(settings, docker, script, prompt),
        requirements=tuple(dict.fromkeys(("pytest", *_requirements(verifier, [script, docker])))),
        extra={"copy": copy},
    )


def load_harbor(folder: Path) -> Task:
    """A Harbor-layout task (`task.toml`, `instruction.md`, `environment/`, `tests/`)."""
    path = folder / "task.toml"
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise TaskError(f"{path}: error: {err}") from None
    instruction = folder / "instruction.md"
    if not instruction.is_file() or not instruction.read_text().strip():
        raise TaskError(f"{path}: error: instruction.md: missing or empty")
    return _common(folder, "harbor", instruction.read_text(), settings, folder / "tests", path)


def load_v11(folder: Path) -> Task:
    """A SkillsBench v1.1 task (`task.md` with YAML frontmatter, `verifier/`, `oracle/`)."""
    path = folder / "task.md"
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.DOTALL)
    if match is None:
        raise TaskError(f"{path}:1:1: error: frontmatter: expected a YAML block between --- lines")
    try:
        settings = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f"{mark.line + 2}:{mark.column + 1}" if mark else "2:1"
        raise TaskError(f"{path}:{at}: error: frontmatter: {err}") from None
    if not isinstance(settings, dict):
        raise TaskError(f"{path}:2:1: error: frontmatter: expected a mapping")
    if not match.group(2).strip():
        raise TaskError(f"{path}: error: body: the instruction is empty")
    return _common(folder, "skillsbench-1.1", match.group(2), settings, folder / "verifier", path)


def _python_for(requirements: tuple[str, ...], timeout_s: float) -> str:
    """An interpreter with `requirements`: this one when it has them all, else a cached venv
    (one per requirement set) built with pip."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import Requirement

    try:
        if all(
            Requirement(r).specifier.contains(version(Requirement(r).name), prereleases=True)
            for r in requirements
        ):
            return sys.executable
    except (PackageNotFoundError, ValueError):
        pass
    digest = hashlib.sha256("\n".join(sorted(requirements)).encode()).hexdigest()[:16]
    venv = VENV_CACHE / digest
    python = venv / "bin" / "python"
    if not (venv / ".ready").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=timeout_s)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *requirements],
            check=True,
            timeout=timeout_s,
            capture_output=True,
        )
        (venv / ".ready").touch()
    return str(python)


def pytest_grade(grader: Grader, task: Task, stage: Stage, timeout_s: float):
    """Run the task's pytest verifier, copied to the grader directory with `/root/` and
    `/app/` pointing at the work directory; 1 when every test passes (Harbor's reward)."""
    from skillir.bench.graders import Part

    part = Part(grader.id, grader.kind, grader.weight, "error", 0.0)
    source = Path(grader.spec["tests"])
    tests = stage.grader / source.name
    tests.write_text(DOCKER_PATHS.sub(str(stage.work) + "/", source.read_text()))
    try:
        python = _python_for(task.requirements, 600)
    except (subprocess.SubprocessError, OSError) as err:
        part.reason = f"cannot build the verifier's venv: {err}"
        return part
    report = stage.grader / "pytest.xml"
    argv = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        subprocess.run(
            [*argv, "--rootdir", str(stage.grader), str(tests)],
            cwd=stage.work,
            capture_output=True,
            timeout=timeout_s,
            env=env,
        )
    except subprocess.TimeoutExpired:
        part.reason = f"pytest timed out after {timeout_s:g} s"
        return part
    if not report.is_file():
        part.reason = "pytest wrote no report"
        return part
    cases = list(ET.parse(report).getroot().iter("testcase"))
    failed = [
        c.get("name", "?")
        for c in cases
        if c.find("failure") is not None or c.find("error") is not None
    ]
    part.details = [{"tests": len(cases), "failed": failed}]
    part.status = "ok"
    part.score = 1.0 if cases and not failed else 0.0
    if failed or not cases:
        part.reason = f"{len(failed)} of {len(cases)} tests failed: {', '.join(failed[:5])}"
    return part
