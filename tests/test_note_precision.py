"""The notes a compile adds, measured on the labelled set (`bench/note_precision.py`,
`tests/data/note_precision/`): for every pass that adds notes, including the environment note
of `lower-env-to-target`, every note is labelled, at least 90 % are useful, and none is
harmful. Skips when ../shared is absent.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import CORPUS, REPO

# every pass that adds notes
PASSES = ("substitute", "degrade", "lower-par", "lower-env")


@pytest.fixture(scope="module")
def bench():
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    spec = importlib.util.spec_from_file_location(
        "note_precision", REPO / "bench" / "note_precision.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["note_precision"] = module
    spec.loader.exec_module(module)
    return module


def test_the_set_is_large_enough(bench) -> None:
    names = bench.skill_names()
    corpus = [n for n in names if n.startswith("corpus/")]
    assert len(corpus) >= 30 and len(names) > len(corpus)
    for name in names:
        assert (bench.skill_path(name) / "SKILL.md").is_file(), name
    labels = bench.load_labels()
    assert labels and all(v["label"] in bench.LABELS for v in labels.values())


@pytest.fixture(scope="module")
def report(bench):
    return bench.evaluate()


@pytest.mark.parametrize("origin", PASSES)
def test_note_precision_and_no_harmful_note(bench, report, origin: str) -> None:
    counts = report.counts.get(origin, bench.Counter())
    assert sum(counts.values()) > 0, f"the set holds no note of {origin}"
    assert counts["harmful"] == 0, counts
    assert bench.Report.precision(counts) >= 0.9, counts


def test_every_pass_that_adds_notes_is_judged(report) -> None:
    assert set(report.counts) <= set(PASSES), sorted(report.counts)


def test_every_note_is_labelled(report) -> None:
    unlabelled = [n.key for n in report.unlabelled]
    assert not unlabelled, f"label these notes (bench/note_precision.py --unlabelled): {unlabelled}"


def test_a_changed_note_reads_as_unlabelled(bench) -> None:
    """Labels are keyed by skill, profile, harness, pass, anchor line and a digest of the note's
    text: the same place with other words is a new note."""
    note = bench.Note("own/x", "weak", "codex", "degrade tool.exec", 12, "Do this.")
    other = bench.Note("own/x", "weak", "codex", "degrade tool.exec", 12, "Do that.")
    moved = bench.Note("own/x", "weak", "codex", "degrade tool.exec", 13, "Do this.")
    assert len({note.key, other.key, moved.key}) == 3


# -- the environment note's classes of wrong dependencies (issue 15, env notes) ----------------


def _env_deps(text: str, required: bool = False) -> set[tuple[str, str]]:
    """(kind, name) of every dependency extract-deps finds in a SKILL.md text (`required`: of
    those it requires)."""
    from skillir.analysis.env.deps import skill_deps
    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend.parser import parse_skill

    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    deps, _ = skill_deps(module.body.block.first_op, None)
    return {(d.kind, d.name) for d in deps if d.kind != "tool" and not (required and d.optional)}


HEAD = "---\nname: x\ndescription: Does x.\n---\n\n"


def test_npx_options_after_the_command_are_the_commands() -> None:
    """`npx expo export -p web`: `-p` is expo's platform flag, not npx's package (was: an npm
    package `web` in eas-hosting's setup)."""
    deps = _env_deps(
        HEAD + "Export with `npx expo export -p web`.\n\n```bash\nnpx -p cowsay x\n```\n"
    )
    assert ("npm", "expo") in deps and ("npm", "cowsay") in deps
    assert ("npm", "web") not in deps


def test_programs_preferred_against_and_trigger_sections_are_not_dependencies() -> None:
    """ "Prefer `gh api` over `curl` or `wget`" and a "When to Use" bullet about `curl` name
    what the skill replaces (was: gh-cli's setup demanded curl and wget)."""
    text = HEAD + (
        "## When to Use\n\n- You are about to use `curl`, `wget`, or unauthenticated fetches.\n\n"
        "## Guidance\n\n- Prefer `gh repo view`, `gh pr view`, `gh pr list`, `gh issue view`, "
        "and `gh api` over unauthenticated `curl` or `wget`.\n- Run `jq .` on the output.\n"
    )
    deps = _env_deps(text)
    assert ("binary", "gh") in deps and ("binary", "jq") in deps
    assert not {("binary", "curl"), ("binary", "wget")} & deps


def test_a_server_the_skill_starts_is_not_a_service_it_needs() -> None:
    """ "This starts a local server at http://localhost:8081" then `curl localhost:8081`: the
    skill's own server (was: eas-hosting's setup demanded a running localhost:8081)."""
    text = HEAD + (
        "```bash\nnpx expo serve\n```\n\nThis starts a local server at `http://localhost:8081`.\n"
        "\n```bash\ncurl http://localhost:8081/api/hello\n```\n\nThe database runs at "
        "http://localhost:5432 already.\n"
    )
    deps = _env_deps(text)
    assert ("service", "localhost:8081") not in deps
    assert ("service", "localhost:5432") in deps


def test_application_code_reads_the_apps_configuration() -> None:
    """`process.env.OPENAI_API_KEY` in an API route the skill shows is the deployed app's
    setting, not the agent's environment (was: eas-hosting's note said 'never invent a value'
    for four app variables); a bundled script's reads and a shell `export` still count."""
    text = HEAD + (
        "```ts\n// app/api/chat+api.ts\nconst key = process.env.OPENAI_API_KEY;\n```\n\n"
        '```bash\nexport DEPLOY_TOKEN\ncurl -H "Authorization: $DEPLOY_TOKEN" https://x.dev\n```\n'
    )
    deps = _env_deps(text)
    assert ("env", "OPENAI_API_KEY") not in deps
    assert ("env", "DEPLOY_TOKEN") in deps


def test_a_value_written_into_dotenv_is_a_slot() -> None:
    """`echo "K=${API_KEY_FROM_USER}" >> .env`: the skill writes the user's value (was: an
    environment variable API_KEY_FROM_USER in add-parallel's note)."""
    text = HEAD + (
        '```bash\necho "PARALLEL_API_KEY=${API_KEY_FROM_USER}" >> .env\n'
        'sed -i.bak "s/^PARALLEL_API_KEY=.*/PARALLEL_API_KEY=${API_KEY_FROM_USER}/" .env\n```\n\n'
        'Set `SERVICE_ROLE` in your environment, then run `curl -H "X: $SERVICE_ROLE" https://x.dev`.\n'
    )
    deps = _env_deps(text)
    assert ("env", "API_KEY_FROM_USER") not in deps
    assert ("env", "SERVICE_ROLE") in deps


def test_commands_of_a_per_case_table_are_not_all_required() -> None:
    """A table whose rows are cases ("| If Detected | Add These Commands |") names commands for
    one kind of project each (was: claude-settings-audit's setup demanded python, uv, pip,
    node, pnpm, yarn, npm, go, cargo, ruby, java, mvn, gradle, docker, terraform and make);
    a plain command table still counts."""
    text = HEAD + (
        "| If Detected | Add These Commands |\n|---|---|\n"
        "| `uv.lock` | `uv pip list`, `uv tree` |\n"
        "| `go.mod` | `go version`, `go list` |\n\n"
        "| Command | Purpose |\n|---|---|\n| `jq .` | pretty-print the reply |\n"
    )
    deps = _env_deps(text)
    assert ("binary", "jq") in deps
    assert not {("binary", "uv"), ("binary", "go")} & deps


def test_per_case_code_blocks_and_case_maps_are_alternatives() -> None:
    """Code blocks introduced "For Solidity:", "For Rust:", "For Go:" and a map "`Cargo.toml` →
    `cargo test` / `go.mod` → `go test`" each apply to one kind of project (was:
    audit-prep-assistant demanded slither, dylint and golangci-lint together, commit npm, cargo,
    go and make); a lone "For the report:" block still counts."""
    text = HEAD + (
        "## Lint\n\nFor Solidity:\n\n```bash\nslither .\n```\n\nFor Rust:\n\n```bash\n"
        "dylint --all\n```\n\n## Test\n\nDetection map: `package.json` → `npm test` / "
        "`Cargo.toml` → `cargo test` / `go.mod` → `go test ./...`\n\n## Report\n\n"
        "For the report:\n\n```bash\npandoc report.md -o report.pdf\n```\n"
    )
    deps = _env_deps(text)
    assert ("binary", "pandoc") in deps
    assert not {("binary", b) for b in ("slither", "dylint", "npm", "cargo", "go")} & deps


def test_a_script_block_still_reads_the_environment() -> None:
    """A plain JavaScript block (no module, no path header) is a script the agent may run: its
    `process.env` reads stay dependencies, while an app module's do not."""
    text = HEAD + (
        "```javascript\nconst token = process.env.DEPLOY_TOKEN;\n```\n\n"
        "```javascript\nimport x from 'y';\nexport const k = process.env.APP_SECRET;\n```\n"
    )
    deps = _env_deps(text)
    assert ("env", "DEPLOY_TOKEN") in deps and ("env", "APP_SECRET") not in deps


def test_commands_named_in_example_text_are_not_dependencies() -> None:
    """A command quoted as wording ("`npm test` exits 0"), given as an example ("e.g.",
    "Draft:") or named in prose under an "Example" heading is what a text says (was:
    goal-prompt's setup demanded npm and make); a command the skill tells to run counts."""
    text = HEAD + (
        'State the check ("`npm test` exits 0"), e.g. `cargo test --all`.\n\n'
        "Run `uv run scripts/format.py` on the draft.\n\n## Example\n\n"
        "Draft: `make checkout faster`.\n\nHere `pytest -q` came from the repo.\n"
    )
    deps = _env_deps(text)
    assert ("binary", "uv") in deps
    assert not {("binary", b) for b in ("npm", "cargo", "make", "pytest")} & deps


def test_packages_of_the_users_project_files_are_not_the_skills() -> None:
    """Imports in a `.tsx` component, a file headed by its path or a section titled by a file
    name (`### vite.config.js`) are the user's project's packages, installed there (was:
    expo-dom's setup installed recharts and react-syntax-highlighter into the skill's
    folder); a plain script's imports still count."""
    text = HEAD + (
        '```tsx\nimport { LineChart } from "recharts";\n```\n\n### vite.config.js\n\n'
        "```javascript\nimport { defineConfig } from 'vite'\n```\n\n## Script\n\n"
        "```javascript\nconst { chromium } = require('playwright');\n```\n"
    )
    deps = _env_deps(text)
    assert ("npm", "playwright") in deps
    assert not {("npm", "recharts"), ("npm", "vite")} & deps


def test_per_platform_and_per_device_programs_are_alternatives() -> None:
    """Commands under "### macOS" / "### Linux" headings, after "Install iOS build:" /
    "Install Android build:", or on `# macOS` / `# Linux:` lines are for one platform each
    (was: libfuzzer demanded nix-env, expo-dev-client xcrun with adb, add-parallel launchctl);
    the install lines stay one any-of group, and a lone platform-free command counts."""
    text = HEAD + (
        "## Setup\n\n### Linux (Ubuntu/Debian)\n\n```bash\napt install clang\n```\n\n"
        "### macOS\n\n```bash\nbrew install llvm\nnix-env -i clang\n```\n\n## Install\n\n"
        "Install iOS build on simulator:\n\n```bash\nxcrun simctl install booted App.app\n```\n"
        "\nInstall Android build:\n\n```bash\nadb install build.apk\n```\n\n## Restart\n\n"
        "```bash\nlaunchctl kickstart -k gui/501/x  # macOS\n# Linux: systemctl --user restart x\n"
        "docker ps\n```\n"
    )
    deps = _env_deps(text)
    assert ("binary", "docker") in deps and ("system", "clang") in deps
    assert not {("binary", b) for b in ("nix-env", "xcrun", "adb", "launchctl", "apt")} & deps


def test_optional_versions_and_sourced_functions_are_not_dependencies() -> None:
    """A command after a comment that offers it as an example or option ("# Then install a
    specific version, e.g.:") and a sourced file's function used as a value
    (`$(launchd_label)` after `source lib/slug.sh`) are not demanded (was: libfuzzer's
    clang-18, add-parallel's launchd_label); an unknown program called as a command stays."""
    text = HEAD + (
        "```bash\n# Then install a specific version, e.g.:\napt install clang-18\n"
        "apt install zlib1g-dev\n```\n\n```bash\nsource setup/lib/slug.sh\n"
        "systemctl --user stop $(systemd_unit)\n```\n"
    )
    deps = _env_deps(text)
    assert ("system", "zlib1g-dev") in deps and ("binary", "systemctl") in deps
    assert not {("system", "clang-18"), ("binary", "systemd_unit")} & deps


# -- classes found on held-out skills (outside the labelled set) -------------------------------


def _folder_deps(tmp_path, files: dict[str, str], required: bool = False) -> set[tuple[str, str]]:
    """(kind, name) of every dependency of a skill folder holding `files` (SKILL.md first;
    `required`: of those it requires)."""
    from skillir.analysis.env.deps import skill_deps
    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend.parser import parse_skill

    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    text = files["SKILL.md"]
    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    deps, _ = skill_deps(module.body.block.first_op, tmp_path)
    return {(d.kind, d.name) for d in deps if d.kind != "tool" and not (required and d.optional)}


def test_what_a_bundled_script_defines_or_installs_itself_is_not_demanded(tmp_path) -> None:
    """A bundled script's shell functions (deploy-to-vercel's `detect_framework`), the
    JavaScript of a `node -e "..."` string over several lines (web-artifacts-builder's `const`,
    `fs.readFileSync`) and the packages it installs when it runs are not programs to check;
    the skill's own namespace package (`scripts/office/*.py`, docx's `office`) and a path alias
    (`~/threads/x`) are not packages; the programs it calls still count."""
    deps = _folder_deps(
        tmp_path,
        {
            "SKILL.md": HEAD + "Run `bash scripts/deploy.sh`.\n",
            "scripts/threads.js": "const t = require('~/threads/x');\n",
            "scripts/deploy.sh": (
                "detect_framework() {\n  echo next\n}\nfunction cleanup { rm -rf tmp; }\n"
                "FW=$(detect_framework)\nnode -e \"\nconst fs = require('fs');\n"
                "fs.writeFileSync('x', '1');\n\"\npnpm install tailwindcss clsx\ncleanup\n"
                "curl -s https://api.vercel.com -o out.json\n"
            ),
            "scripts/office/soffice.py": "import lxml.etree\n",
            "scripts/pack.py": "from office.soffice import run\n",
        },
    )
    assert {("binary", "curl"), ("binary", "pnpm"), ("binary", "node"), ("pip", "lxml")} <= deps
    for name in ("detect_framework", "cleanup", "const", "fs.writeFileSync"):
        assert ("binary", name) not in deps, name
    assert not {("npm", "tailwindcss"), ("npm", "clsx"), ("pip", "office"), ("npm", "~")} & deps


def test_alternatives_written_as_lists_conditions_and_labels_are_not_all_required() -> None:
    """ "(`npm test` / `cargo test` / `pytest`)", a shell line `npm test / cargo test`,
    `if [ -f package.json ]; then npm install; fi`, bullets under "**TypeScript:**" /
    "**Python:**" each apply to one kind of project (was: finishing-a-development-branch,
    using-git-worktrees, mcp-builder demanded every runner); install lines joined by "or"
    stay an any-of group, and plain commands count."""
    text = HEAD + (
        "Run the suite (`npm test` / `cargo test` / `pytest`).\n\n"
        "```bash\nnpm test / cargo test / go test ./...\n"
        "if [ -f Cargo.toml ]; then cargo build; fi\nif [ -f pyproject.toml ]; then\n"
        "  poetry install\nfi\n[ -f go.mod ] && go mod download\ngit status\n```\n\n"
        "**TypeScript:**\n- Run `npm run build`\n\n"
        "**Python:**\n- Run `python -m py_compile s.py`\n\n"
        "Install `brew install poppler` or `sudo apt-get install poppler-utils`.\n"
    )
    deps = _env_deps(text)
    assert ("binary", "git") in deps and ("system", "poppler-utils") in deps
    for name in ("npm", "cargo", "pytest", "go", "poetry", "python"):
        assert ("binary", name) not in deps, name


def test_optional_example_and_other_route_commands_are_not_demanded() -> None:
    """A section "pdftk (if available)", a block offered "For maximum performance, ...:",
    a version given "(e.g., `lld-17`)", one of several install routes under "Installation"
    ("### Docker", "### From source"), an example session ("**Example (multi-layer
    system):**") and "DO NOT:" blocks of a writing guide are not requirements (was: pdf's
    pdftk, aflpp's lld-17/docker/git/update-grub, systematic-debugging's codesign and
    IDENTITY, tool-skill-creator-extension's mise/fvm); `uv add` changes the user's project and
    `uvx X` fetches X into uv's cache (modern-python's pip-installed requests, cookiecutter);
    the Debian route's package and plain commands stay."""
    text = HEAD + (
        "## Installation\n\n### Ubuntu/Debian\n\nInstall the matching `lld` (e.g., `lld-17`).\n\n"
        "```bash\napt install afl++ lld-17\n```\n\n### Docker\n\n```bash\ndocker pull afl\n```\n\n"
        "### From source\n\n```bash\ngit clone https://x.dev/afl\n```\n\n## Tune\n\n"
        "For maximum performance, disable mitigations:\n\n```bash\nupdate-grub\n```\n\n"
        "### pdftk (if available)\n\n```bash\npdftk a.pdf burst\n```\n\n## Debug\n\n"
        '**Example (multi-layer system):**\n\n```bash\necho "$IDENTITY"\ncodesign --sign x\n```\n\n'
        "#### DO NOT: embed wrappers\n\n```bash\nmise exec -- dart -h\n```\n\n## Run\n\n"
        "```bash\nuv add requests\nuvx cookiecutter gh:x/y\nqpdf --empty out.pdf\n```\n"
    )
    deps, need = _env_deps(text), _env_deps(text, required=True)
    assert {("system", "afl++"), ("binary", "qpdf"), ("binary", "uv")} <= deps
    for kind, name in (
        ("system", "lld-17"), ("binary", "docker"), ("binary", "git"), ("binary", "update-grub"),
        ("binary", "pdftk"), ("binary", "codesign"), ("env", "IDENTITY"), ("binary", "mise"),
        ("pip", "requests"), ("pip", "cookiecutter"),
    ):  # fmt: skip
        assert (kind, name) not in need, name


def test_optional_environment_reads_are_not_required() -> None:
    """`os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")` and a read with a default
    are optional (was: skill-installer's note demanded GITHUB_TOKEN, GH_TOKEN and CODEX_HOME
    with 'never invent a value'); `os.environ["API_KEY"]` is required."""
    code = (
        "import os\ntoken = os.environ.get('GITHUB_TOKEN') or os.environ.get('GH_TOKEN')\n"
        "home = os.environ.get('CODEX_HOME', '~/.codex')\nkey = os.environ['API_KEY']\n"
    )
    deps = _env_deps(HEAD + f"```python\n{code}```\n")
    assert ("env", "API_KEY") in deps
    assert not {("env", "GITHUB_TOKEN"), ("env", "GH_TOKEN"), ("env", "CODEX_HOME")} & deps


def test_programs_the_skill_recommends_are_its_advice() -> None:
    """ "Never suggest GitHub MCP. Always use `gh` CLI commands for GitHub." in a skill that
    writes recommended settings names what it advises, not what it runs (was:
    claude-settings-audit's setup demanded gh); a program it runs still counts."""
    text = HEAD + (
        "**Note**: Never suggest GitHub MCP. Always use `gh` CLI commands for GitHub.\n\n"
        "List the files with `find . -name '*.json'` and `jq . settings.json`.\n"
    )
    deps = _env_deps(text)
    assert ("binary", "jq") in deps and ("binary", "gh") not in deps


# -- classes found on the second held-out round ------------------------------------------------


def test_ways_written_as_commented_groups_and_options_are_alternatives() -> None:
    """Groups of a block headed "# npm" / "# Homebrew" or "# macOS" / "# Ubuntu", both sides of
    a "# or", and blocks introduced "**Option 1: Conda**" / "**Option 2: Docker**" are ways to
    the same end (was: repomix, markitdown, molecular-dynamics, diffdock demanded every way);
    a plain block still counts."""
    text = HEAD + (
        "```bash\n# npm\nnpm install -g repomix\n\n# Homebrew (macOS/Linux)\nbrew install repomix\n"
        "```\n\n```bash\nconda install -c conda-forge openmm\n# or\npip install openmm\n```\n\n"
        "**Option 1: Conda**\n```bash\nconda env create -f environment.yml\n```\n\n"
        "**Option 2: Docker**\n```bash\ndocker pull rbgcsail/diffdock\n```\n\n"
        "```bash\nrepomix --style markdown\n```\n"
    )
    deps = _env_deps(text)
    assert ("binary", "repomix") in deps
    assert not {("npm", "repomix"), ("binary", "conda"), ("pip", "openmm")} & deps
    assert ("binary", "docker") not in deps


def test_what_code_tries_probes_or_only_troubleshoots_is_not_demanded(tmp_path) -> None:
    """Imports and programs inside `try: ... except ImportError / FileNotFoundError`, a program
    a script probes for (`if command -v dnf`), troubleshooting sections, commands "(if
    available)", a localhost URL in a comment and variables of a sourced file are not
    requirements (was: get-available-resources' nvidia-smi with rocm-smi, chrome-devtools'
    dnf, ID and PRETTY_NAME, media-processing's nano, diffdock's localhost:7860); a negated
    probe (`if ! command -v jq ... exit 1`) still requires."""
    files = {
        "SKILL.md": HEAD
        + (
            "Run `python scripts/detect.py`.\n\n**Primary: Gemini CLI** (if available)\n"
            "```bash\ngemini -p x\n```\n\n```bash\npython app/main.py\n"
            "# Navigate to http://localhost:7860\n```\n\n## Troubleshooting\n\n```bash\n"
            "sudo nano /etc/policy.xml\n```\n"
        ),
        "scripts/detect.py": (
            "import subprocess\ntry:\n    import torch\nexcept ImportError:\n    torch = None\n"
            "try:\n    subprocess.run(['nvidia-smi'])\nexcept FileNotFoundError:\n    pass\n"
            "import psutil\n"
        ),
        "scripts/install.sh": (
            '. /etc/os-release\necho "$PRETTY_NAME"\nif command -v dnf >/dev/null; then\n'
            "  dnf install -y nss\nfi\nif ! command -v jq >/dev/null; then\n  exit 1\nfi\n"
            'DEPS+=("libnss3")\ncase $ID in\n  ubuntu|debian)\n    echo deb ;;\nesac\n'
        ),
    }
    deps = _folder_deps(tmp_path, files)
    need = _folder_deps(tmp_path, files, required=True)
    assert {("pip", "psutil"), ("binary", "python"), ("binary", "jq")} <= deps
    for kind, name in (
        ("pip", "torch"), ("binary", "nvidia-smi"), ("binary", "dnf"), ("env", "PRETTY_NAME"),
        ("binary", "gemini"), ("service", "localhost:7860"), ("binary", "nano"),
        ("binary", "libnss3"), ("binary", "ubuntu"),
    ):  # fmt: skip
        assert (kind, name) not in need, name


def test_code_of_other_languages_in_a_shell_block_is_not_programs(tmp_path) -> None:
    """`import gget` and `db.users.insertOne(...)` in a bash block, and a bundled
    requirements file's test tools (pytest, pytest-cov), are not the skill's programs or
    packages (was: gget demanded `import`, databases `db.users.insertOne`)."""
    deps = _folder_deps(
        tmp_path,
        {
            "SKILL.md": HEAD
            + "```bash\nimport gget\ndb.users.insertOne({a: 1})\nmongosh mydb\n```\n",
            "scripts/requirements.txt": "pymongo>=4\npytest>=8\npytest-cov\n",
        },
    )
    assert {("binary", "mongosh"), ("pip", "pymongo")} <= deps
    assert not {("binary", "import"), ("binary", "db.users.insertOne"), ("pip", "pytest")} & deps
