"""Satisfiability of generated `env-setup.sh` (issue 15, item 5): on this Debian machine, with
stub package managers, `env-setup.sh --check` never demands a package manager or a package of
another platform. Per-OS install lines (brew / apt / choco / winget / dnf / pacman ...) are one
any-of group: the script checks what they provide and installs with this platform's entry only.

`python tests/test_env_satisfiable.py` prints the corpus figures (scripts demanding another
platform's manager or package).
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from skillir.tools.skill_translate import main as translate

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
# package managers of other platforms than Debian
FOREIGN = ("brew", "port", "choco", "winget", "scoop", "dnf", "yum", "pacman", "zypper", "apk")
_FOREIGN_LINE = re.compile(
    rf"\b({'|'.join(FOREIGN)})\s+(?:install|add|-S)\s+((?:[^\s;&|`]+[ \t]*)+)", re.IGNORECASE
)
_APT_LINE = re.compile(r"\bapt(?:-get)?\s+install\s+((?:[^\s;&|`]+[ \t]*)+)")
# every installer the script may call is a stub that fails (nothing is installed here)
STUBS = ("apt-get", "apt", "pip", "pip3", "npm", "dpkg")

PER_OS = """\
## Install ffmpeg

### macOS

```bash
brew install ffmpeg
```

### Ubuntu / Debian

```bash
sudo apt install ffmpeg
```

### Windows

```bash
choco install ffmpeg
winget install Gyan.FFmpeg
```

On Fedora: `sudo dnf install ffmpeg`, on Arch: `sudo pacman -S ffmpeg`.
Also `brew install poppler` or `sudo apt-get install poppler-utils`, and on macOS
`brew install --cask iterm2`.

```bash
ffmpeg -i in.mp4 out.webm
```
"""


def _stubs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in STUBS:
        stub = folder / name
        stub.write_text("#!/bin/sh\nexit 1\n")
        stub.chmod(0o755)
    return folder


def _script(skill: Path, capsys: pytest.CaptureFixture[str] | None) -> str | None:
    """The emitted script; with no `capsys`, None for a skill that does not compile."""
    if capsys is None:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = translate([str(skill), "-t", "env-setup"])
        return out.getvalue() if rc == 0 else None
    rc = translate([str(skill), "-t", "env-setup"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return captured.out


def _missing(script: str, work: Path) -> list[str]:
    """The labels `env-setup.sh --check` lists as not satisfied, run with failing stubs."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "env-setup.sh"
    path.write_text(script)
    stubs = _stubs(work / "stubs")
    run = subprocess.run(
        ["bash", str(path), "--check"],
        cwd=work,
        env={"PATH": f"{stubs}:/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode in (0, 1), run.stderr
    assert "syntax error" not in run.stderr and "command not found" not in run.stderr
    return [ln.strip() for ln in run.stderr.splitlines()[1:] if ln.startswith("  ")]


def _foreign_packages(skill: Path) -> set[str]:
    """Packages the skill's folder installs only with another platform's manager."""
    foreign: set[str] = set()
    native: set[str] = set()
    for file in skill.parent.rglob("*"):
        if not file.is_file() or file.suffix not in (".md", ".sh", ".bash", ".txt"):
            continue
        text = file.read_text(errors="replace")
        for m in _FOREIGN_LINE.finditer(text):
            foreign |= {w for w in m.group(2).split() if not w.startswith("-")}
        for m in _APT_LINE.finditer(text):
            native |= {w for w in m.group(1).split() if not w.startswith("-")}
    return foreign - native


def foreign_demands(missing: list[str], foreign_packages: set[str]) -> list[str]:
    """The demands of another platform: its package manager, or a package named only in its
    install lines."""
    out = []
    for label in missing:
        words = label.split()
        kind, name = words[0], words[1] if len(words) > 1 else ""
        if kind in FOREIGN or (kind == "binary" and name in FOREIGN):
            out.append(label)
        elif kind == "system" and name.split("=")[0] in foreign_packages:
            out.append(label)
    return out


def test_per_os_install_lines_are_one_any_of_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = tmp_path / "media"
    skill.mkdir()
    (skill / "SKILL.md").write_text(
        "---\nname: media\ndescription: Convert media. Use when converting video.\n---\n\n" + PER_OS
    )
    script = _script(skill / "SKILL.md", capsys)
    assert script is not None
    missing = _missing(script, tmp_path / "work")
    assert foreign_demands(missing, _foreign_packages(skill / "SKILL.md")) == []
    # the binary is checked; only Debian's entry installs it
    assert "command -v -- ffmpeg" in script
    commands = "\n".join(
        ln for ln in script.splitlines() if not ln.lstrip().startswith(("#", "echo "))
    )
    for manager in ("brew", "choco", "winget", "dnf", "pacman", "iterm2"):
        assert manager not in commands, manager
    assert "apt-get install -y -- ffmpeg" in script
    assert "apt-get install -y -- poppler-utils" in script


def test_skill_env_check_skips_other_platforms(tmp_path: Path) -> None:
    """`skill-env --check` (the check `skill-run` relies on) passes when the program is here,
    however many other platforms' package managers the skill lists."""
    skill = tmp_path / "json"
    skill.mkdir()
    (skill / "SKILL.md").write_text(
        "---\nname: json\ndescription: Query JSON. Use when reading JSON.\n---\n\n"
        "Install jq: `brew install jq`, `choco install jq`, `winget install jqlang.jq` or\n"
        "`sudo apt-get install jq`.\n\n```bash\njq . data.json\n```\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_env", "check", str(skill / "SKILL.md")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "skipped  binary brew" in run.stdout and "skipped  binary choco" in run.stdout


def test_a_program_is_checked_after_the_package_that_brings_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Held-out round 8 (og-image-creator): `playwright install chromium` needs the program of
    `pip playwright`, which a bundled script imports; the package comes first, so a first run
    on a fresh machine installs it before it checks the program."""
    skill = tmp_path / "og"
    (skill / "scripts").mkdir(parents=True)
    (skill / "scripts" / "shoot.py").write_text("from playwright.sync_api import sync_playwright\n")
    (skill / "SKILL.md").write_text(
        "---\nname: og\ndescription: Render images. Use when making OG images.\n---\n\n"
        "```bash\nplaywright install chromium\npython3 scripts/shoot.py\n```\n"
    )
    script = _script(skill / "SKILL.md", capsys)
    assert script is not None
    assert script.index("# pip playwright") < script.index("# binary playwright")


def _corpus_skills() -> list[Path]:
    return sorted(CORPUS.rglob("SKILL.md"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_corpus_scripts_never_demand_another_platform(tmp_path: Path) -> None:
    bad = {}
    for i, skill in enumerate(_corpus_skills()):
        script = _script(skill, None)
        if script is None:
            continue  # a skill that does not compile has no script
        found = foreign_demands(_missing(script, tmp_path / str(i)), _foreign_packages(skill))
        if found:
            bad[str(skill.relative_to(CORPUS))] = found
    assert bad == {}


def main() -> int:
    """Print, per corpus skill with a demand of another platform, what it demands."""
    import tempfile

    scripts = demanding = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, skill in enumerate(_corpus_skills()):
            script = _script(skill, None)
            if script is None:
                continue
            scripts += 1
            found = foreign_demands(_missing(script, Path(tmp) / str(i)), _foreign_packages(skill))
            if found:
                demanding += 1
                print(f"{skill.relative_to(CORPUS)}: {', '.join(found)}")
    print(f"{demanding} of {scripts} corpus env-setup.sh scripts demand another platform")
    return 0


if __name__ == "__main__":
    sys.exit(main())
