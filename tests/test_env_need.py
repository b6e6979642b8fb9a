"""Required versus optional dependencies (`skillir.analysis.env.need`): only what the skill's
procedure runs is required; what a reference section, an example, one product or one case of
several names is optional, and `env-setup.sh` reports it without installing it unasked or
failing on it. Each test is a class of the held-out rounds of issue 15."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skillir.analysis.env.need import procedure_title

HEAD = "---\nname: x\ndescription: Does x.\n---\n\n# X\n\n"


def _split(
    tmp_path: Path | None, skill: str, files: dict[str, str] | None = None, head: str = HEAD
):
    """(required, optional): the (kind, name) of a skill's non-tool dependencies."""
    from skillir.analysis.env.deps import skill_deps
    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend.parser import parse_skill

    text = head + skill
    if tmp_path is not None:
        for rel, body in {"SKILL.md": text, **(files or {})}.items():
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(body)
    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    deps, _ = skill_deps(module.body.block.first_op, tmp_path)
    deps = [d for d in deps if d.kind != "tool"]
    return (
        {(d.kind, d.name) for d in deps if not d.optional},
        {(d.kind, d.name) for d in deps if d.optional},
    )


@pytest.mark.parametrize(
    ("title", "procedure"),
    [
        ("Step 2: Build the index", True),
        ("Phase 1", True),
        ("Workflow", True),
        ("Basic Usage", True),
        ("Command-Line Usage", True),
        ("Quick Start", True),
        ("Installation & Setup", True),
        ("工作流", True),
        ("作業手順", True),
        ("Docker Usage", False),
        ("MongoDB Setup", False),
        ("Common Workflows", False),
        ("Integration with Scoring Functions", False),
        ("Usage Examples", False),
    ],
)
def test_procedure_headings(title: str, procedure: bool) -> None:
    assert procedure_title(title) is procedure


def test_what_the_procedure_runs_is_required_and_a_reference_section_optional() -> None:
    required, optional = _split(
        None,
        "## Workflow\n\n1. Build it:\n\n```bash\nmake all\n```\n\n"
        "2. Run `./build/x --check`.\n\n"
        "## Integration with Scoring Functions\n\n```bash\ngnina -r p.pdb --score_only\n```\n\n"
        "## Notes\n\nSee the docs.\n\n```bash\ncurl -s https://example.com\n```\n",
    )
    assert ("binary", "make") in required
    assert {("binary", "gnina"), ("binary", "curl")} <= optional


def test_a_core_workflow_heading_with_a_topic_and_its_numbered_parts_are_the_procedure() -> None:
    required, _ = _split(
        None,
        "## Core Workflow: OpenMM Simulation\n\n### 1. System Preparation\n\n"
        "```python\nfrom openmm.app import PDBFile\n```\n\n"
        "## Common Use Cases\n\n### 1. Convert papers\n\n```python\nimport MDAnalysis\n```\n\n"
        "## Plots\n\n```python\nimport matplotlib\n```\n",
    )
    assert ("pip", "openmm") in required
    assert ("pip", "mdanalysis") not in required


def test_one_product_of_several_sibling_setups_is_optional() -> None:
    required, optional = _split(
        None,
        "## Quick Start\n\n### MongoDB Setup\n\n```bash\nmongosh mongodb://db/x\n```\n\n"
        "### PostgreSQL Setup\n\n```bash\nsudo apt-get install postgresql\npsql -U postgres\n```\n",
    )
    assert not required
    assert {("binary", "mongosh"), ("binary", "psql"), ("system", "postgresql")} <= optional


def test_a_qualified_requirements_heading_still_declares_a_need() -> None:
    required, _ = _split(
        None,
        "## Testing Requirements\n\n### Test Tooling\n\n- Terraform (`terraform validate`)\n\n"
        "## Style\n\nUse two spaces.\n",
    )
    assert ("binary", "terraform") in required


def test_product_groups_of_one_block_are_optional_where_the_skill_offers_a_choice() -> None:
    block = (
        "## Quick Start\n\n```bash\n# Cloudflare Worker\nwrangler deploy\n\n"
        "# Docker\ndocker build -t app .\n\n# Kubernetes\nkubectl apply -f m/\n```\n"
    )
    choice = (
        "## Platform Selection\n\n| Need | Choose |\n|---|---|\n| Edge | Cloudflare Workers |\n"
    )
    choice += "| Containers | Docker |\n| Orchestration | Kubernetes |\n\n"
    required, optional = _split(None, choice + block)
    assert not required
    assert {("binary", "wrangler"), ("binary", "docker"), ("binary", "kubectl")} <= optional
    # without a choice to make, the groups are steps of one quick start: all required
    required, _ = _split(None, block)
    assert {("binary", "wrangler"), ("binary", "docker"), ("binary", "kubectl")} <= required


def test_a_program_many_sections_run_is_the_skills_staple() -> None:
    sections = "".join(
        f"## {topic}\n\n```bash\nffmpeg -i in.mp4 {flag} out.mp4\n```\n\n"
        for topic, flag in (
            ("Video Conversion", "-c copy"),
            ("Audio", "-vn"),
            ("Resize", "-s hd720"),
        )
    )
    required, optional = _split(None, sections + "## HLS\n\n```bash\nshaka-packager in=x\n```\n")
    assert ("binary", "ffmpeg") in required
    assert ("binary", "shaka-packager") in optional


def test_examples_and_one_case_of_several_are_optional() -> None:
    required, optional = _split(
        None,
        "## Steps\n\n### Step 1: Detect\n\n```bash\npython3 scripts/detect.py\n```\n\n"
        "### Step 2: Decide\n\n**For data loading:**\n\n"
        "```python\nimport dask.dataframe as dd\n```\n\n"
        "**For GPU acceleration:**\n\n```python\nimport torch\n```\n\n"
        "```python\n# Example: the memory strategy\nimport joblib\n```\n",
    )
    assert ("binary", "python3") in required
    assert {("pip", "dask"), ("pip", "torch"), ("pip", "joblib")} <= optional


def test_a_method_label_with_a_parenthetical_introduces_one_way() -> None:
    required, _ = _split(
        None,
        "## Quick Start\n\n**Method 1: Gemini CLI** (recommended)\n\n```bash\n"
        "npm install -g gemini-cli\ngemini -p hi\n```\n\n**Method 2: Scripts**\n\n```bash\n"
        "npx tsx cli.ts list-tools\n```\n",
    )
    assert ("npm", "gemini-cli") not in required and ("binary", "gemini") not in required


def test_bundled_files_the_procedure_runs_are_required(tmp_path: Path) -> None:
    required, optional = _split(
        tmp_path,
        "## Usage\n\nRun `python3 scripts/run.py`.\n\n## Reference\n\nSee `scripts/extra.py`.\n",
        {
            "scripts/run.py": "import helpers\nimport requests\n",
            "scripts/helpers.py": "import numpy\n",
            "scripts/requirements.txt": "pyyaml\n",
            "scripts/extra.py": "import pandas\n",
            "scripts/unused.py": "import scipy\n",
        },
    )
    assert {("pip", "requests"), ("pip", "numpy"), ("pip", "pyyaml")} <= required
    assert {("pip", "pandas"), ("pip", "scipy")} <= optional


def test_an_install_group_is_required_when_the_procedure_runs_its_program() -> None:
    required, _ = _split(
        None,
        "## Installation\n\n### macOS\n\n```bash\nbrew install ffmpeg\n```\n\n"
        "### Ubuntu/Debian\n\n```bash\nsudo apt-get install ffmpeg\n```\n\n"
        "## Usage\n\n```bash\nffmpeg -i a.mkv b.mp4\n```\n",
    )
    assert {("binary", "ffmpeg"), ("system", "ffmpeg")} <= required


def test_the_import_name_of_a_scientific_toolkit_maps_to_its_distribution() -> None:
    required, _ = _split(None, "```python\nfrom openff.toolkit import Molecule\n```\n")
    assert ("pip", "openff-toolkit") in required


SKILL = (
    "## Usage\n\n```bash\nskillir-test-required-tool --run\n```\n\n"
    "## Extras\n\n```bash\nsudo apt-get install skillir-test-extra\n"
    "skillir-test-extra --go\n```\n\n"
    "## Logs\n\n```bash\nskillir-test-logs -f\n```\n"
)


@pytest.fixture
def compiled(tmp_path: Path) -> Path:
    """The skill above compiled for claude-code and the shipped SmolLM2 profile."""
    source = tmp_path / "x"
    source.mkdir()
    (source / "SKILL.md").write_text(HEAD + SKILL)
    out = tmp_path / "out" / "x"
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "skill-translate"),
            str(source),
            "-t",
            "claude-code",
            "--model",
            "local/smollm2-135m",
            "--borrow-profile",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return out


def test_the_note_names_only_what_is_required(compiled: Path) -> None:
    text = (compiled / "SKILL.md").read_text()
    note = next(line for line in text.splitlines() if "env-setup.sh" in line)
    assert "`skillir-test-required-tool`" in note
    assert "skillir-test-extra" not in note


def test_env_setup_reports_optional_and_installs_it_only_when_asked(
    compiled: Path, tmp_path: Path
) -> None:
    # stub installers on PATH: they record what they were asked to install
    stubs = tmp_path / "bin"
    stubs.mkdir()
    log = tmp_path / "installed"
    for name in ("apt-get", "sudo"):
        (stubs / name).write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
        (stubs / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}"}
    script = compiled / "env-setup.sh"

    check = subprocess.run(["bash", script, "--check"], capture_output=True, text=True, env=env)
    assert check.returncode == 1  # the required tool is missing
    assert "missing:   binary skillir-test-required-tool" in check.stdout
    assert "optional:  " in check.stdout and "skillir-test-extra" in check.stdout
    assert "skillir-test-extra" not in check.stderr  # never listed as not satisfied

    subprocess.run(["bash", script], capture_output=True, text=True, env=env)
    assert "skillir-test-extra" not in (log.read_text() if log.exists() else "")
    subprocess.run(["bash", script, "--with-optional"], capture_output=True, text=True, env=env)
    assert "skillir-test-extra" in log.read_text()


# --- the classes of held-out round 3 (cloudflare/skills, wshobson/agents,
# alirezarezvani/claude-skills, terrylica/cc-skills) ---


def test_a_service_is_reported_never_required() -> None:
    """The skill's own dev server ("Agent runs at http://localhost:8787") or one it only
    talks to: the user or the skill starts it; the check cannot, so it never fails on it."""
    required, optional = _split(
        None, "## Usage\n\n```bash\ncurl http://localhost:8787/health\n```\n"
    )
    assert ("binary", "curl") in required
    assert ("service", "localhost:8787") in optional


def test_variables_with_a_default_a_substring_or_only_a_credential_name_are_optional(
    tmp_path: Path,
) -> None:
    required, optional = _split(
        tmp_path,
        "## Usage\n\nRun `bash scripts/convert.sh` and `node scripts/shot.mjs`.\n\n"
        "Mask it: `echo ${SECRET:0:20}...`\n\n```bash\nexport DEPLOY_TARGET=prod\n```\n",
        {
            "scripts/convert.sh": 'curl "${MCP_URL:-https://example.com/mcp}" -d "$API_HOST"\n',
            "scripts/shot.mjs": "const dir = process.env.LOCALAPPDATA || '';\n"
            "const port = process.env.CDP_PORT ?? 9222;\nconst key = process.env.SHOT_KEY;\n",
        },
    )
    assert {("env", "MCP_URL"), ("env", "LOCALAPPDATA"), ("env", "CDP_PORT")} <= optional
    assert ("env", "SECRET") in optional
    assert {("env", "API_HOST"), ("env", "SHOT_KEY")} <= required


def test_a_pep_723_script_run_by_uv_brings_its_own_packages(tmp_path: Path) -> None:
    required, optional = _split(
        tmp_path,
        "## Usage\n\n```bash\nuv run scripts/query.py experiments\n```\n",
        {"scripts/query.py": "# /// script\n# dependencies = ['mlflow']\n# ///\nimport mlflow\n"},
    )
    assert ("binary", "uv") in required
    assert ("pip", "mlflow") in optional


@pytest.mark.parametrize(
    ("run", "shebang", "brought"),
    [
        ("python3 scripts/watch.py --top 5", "#!/usr/bin/env python3\n", False),
        ("./scripts/watch.py --top 5", "#!/usr/bin/env -S uv run --script\n", True),
        ("uvx --with psutil python scripts/watch.py", "", True),
    ],
)
def test_a_pep_723_script_run_by_plain_python_needs_its_imports_installed(
    tmp_path: Path, run: str, shebang: str, brought: bool
) -> None:
    """Held-out round 8 (process-watch): inline metadata installs nothing when the script is
    run by `python3` or by a `python3` shebang; only a runner such as `uv run` reads it."""
    script = shebang + "# /// script\n# dependencies = ['psutil']\n# ///\nimport psutil\n"
    required, optional = _split(
        tmp_path, f"## Usage\n\n```bash\n{run}\n```\n", {"scripts/watch.py": script}
    )
    assert (("pip", "psutil") in optional) is brought
    assert (("pip", "psutil") in required) is not brought


def test_packages_added_to_the_users_project_are_optional() -> None:
    required, optional = _split(
        None,
        "## Steps\n\n1. Upgrade:\n\n```bash\nnpm install react@17 react-dom@17\n"
        "npm install -g npm-check-updates\n```\n",
    )
    assert {("npm", "react"), ("npm", "react-dom")} <= optional
    assert ("npm", "npm-check-updates") in required


def test_a_choice_slot_and_a_placeholder_command_are_no_programs() -> None:
    required, optional = _split(
        None,
        "## Usage\n\n```bash\n./scripts/convert.sh --tool codex|gemini|cursor|windsurf\n"
        'cp "$(skill-path)/scripts/x.sh" . && echo "$(date)"\n```\n',
    )
    names = {name for _, name in required | optional}
    assert not names & {"gemini", "cursor", "windsurf", "skill-path"}


def test_a_fallback_item_and_the_skills_own_installation_are_optional() -> None:
    required, optional = _split(
        None,
        "## Workflow\n\n1. Fetch with the WebFetch tool.\n\n"
        "2. **Fallback: scrape** (if WebFetch fails):\n\n   ```bash\n   curl -s http://h/x | jq .\n"
        "   ```\n\n3. Run `cargo outdated`.\n\n"
        "## Installation\n\n### One-liner\n\n```bash\n"
        "git clone https://github.com/o/skills.git\ncp -r skills/x ~/.claude/skills/\n```\n\n"
        "### OpenClaw\n\n```bash\nclawhub install x\n```\n",
    )
    assert ("binary", "cargo") in required
    assert {("binary", "curl"), ("binary", "jq"), ("binary", "clawhub")} <= optional


def test_a_table_of_one_command_per_row_is_a_reference() -> None:
    required, optional = _split(
        None,
        "## Caches\n\n| Cache | Clean |\n|---|---|\n| npm | `npm cache clean --force` |\n"
        "| Docker | `docker system prune -a` |\n| Go | `go clean -cache` |\n",
    )
    assert not required
    assert {("binary", "docker"), ("binary", "go")} <= optional


def test_install_routes_in_commented_groups_are_alternatives() -> None:
    required, _ = _split(
        None,
        "## Installation\n\n```bash\n# Using pip (if you already have Python)\npip install uv\n\n"
        "# Using cargo (if you have Rust)\ncargo install uv\n```\n\n## Usage\n\n"
        "```bash\nuv sync\n```\n",
    )
    assert ("binary", "uv") in required
    assert not required & {("pip", "uv"), ("binary", "cargo"), ("binary", "pip")}


def test_a_package_managers_own_binary_is_not_demanded() -> None:
    """`brew install 1password-cli`: brew is how macOS gets the package, not a program the
    skill runs; on Debian the line is skipped."""
    _, optional = _split(None, "**Prerequisite**: 1Password CLI (`brew install 1password-cli`).\n")
    assert ("binary", "brew") in optional


# --- the classes of held-out round 4 (stripe/ai, UiPath/skills, yigitkonur/skills-by-yigitkonur,
# neondatabase/agent-skills, editframe/skills, modelstudioai/skills) ---


def test_words_of_a_script_the_shell_parser_gave_up_on_are_not_required(tmp_path: Path) -> None:
    """`python3 -c "...print(...)..."` nested in `$(...)`: where the parser gives up, the
    line-wise reading takes Python and header values for programs; only known ones stay."""
    script = (
        'BODY="$(python3 -c "import json,sys; print(json.dumps({\'a\':$( $X && echo 1 )}))" "$B")"'
        "\n"
        'curl -fsS -X POST \\\n  -H "Authorization: Bearer $TOKEN" \\\n  -d "$BODY" "$URL"\n'
        'UUID="$(echo "$RESP" | python3 -c "import json,sys\n'
        "print(json.load(sys.stdin).get('uuid',''))\" 2>/dev/null || true)\"\n"
    )
    required, _ = _split(
        tmp_path, "## Usage\n\nRun `bash scripts/deploy.sh`.\n", {"scripts/deploy.sh": script}
    )
    names = {name for kind, name in required if kind == "binary"}
    assert "curl" in names
    assert not names & {"print", "import", "Bearer", "p"}
    # a `<name>` placeholder also stops the parser: the program of that line stays required
    required, _ = _split(None, "## Step 2\n\n```bash\nstripe generate app <name>\n```\n")
    assert ("binary", "stripe") in required


def test_a_variable_some_code_reads_with_a_default_is_optional_everywhere(tmp_path: Path) -> None:
    required, optional = _split(
        tmp_path,
        "## Usage\n\nSet `COOLIFY_BASE_URL` in your environment, then run "
        "`bash scripts/deploy.sh`.\n",
        {"scripts/deploy.sh": 'curl "${COOLIFY_BASE_URL:-https://app.coolify.io}/api"\n'},
    )
    assert ("env", "COOLIFY_BASE_URL") in optional
    assert ("env", "COOLIFY_BASE_URL") not in required


def test_a_list_of_example_commands_and_a_way_for_readers_without_an_account() -> None:
    required, _ = _split(
        None,
        "## Upgrade Checklist\n\n1. Update the SDK (e.g., `npm update stripe`, "
        "`pip install --upgrade stripe`)\n2. Run the tests.\n\n## Keys\n\n"
        "If you don't have a Stripe account, you can create test keys. You can install the "
        "Stripe CLI (`npm i -g @stripe/cli`) and run `stripe sandbox create`.\n",
    )
    assert not required & {("pip", "stripe"), ("npm", "stripe"), ("npm", "@stripe/cli")}


def test_the_imports_of_a_javascript_block_are_the_users_app() -> None:
    required, optional = _split(
        None,
        "## Usage\n\n```javascript\nconst stripe = require('stripe')('sk_test_x');\n```\n",
    )
    assert ("npm", "stripe") in optional
    assert ("npm", "stripe") not in required


def test_a_program_the_skill_says_it_can_do_without_is_optional() -> None:
    """Held-out round 5 (nx-workspace): "Prefix commands with `npx` if nx isn't installed
    globally": `nx` is run through npx where it is absent, so it is not demanded."""
    required, optional = _split(
        None,
        "Run `nx show projects`.\n\n> **Note**: Prefix commands with `npx` if nx isn't "
        "installed globally.\n\n## Usage\n\n```bash\nnx show projects | jq length\n```\n",
    )
    assert ("binary", "nx") in optional
    assert ("binary", "jq") in required


def test_per_language_routes_mistake_sections_and_case_bullets_are_not_demanded() -> None:
    """Held-out round 5: "# Python" / "# if using UV" / "# JavaScript" install groups
    (langgraph-cli), WRONG/CORRECT imports under "Common Mistakes" (langchain-dependencies) and
    "For `method:python` profiles: `pip install ...`" (ts-load-source-data)."""
    required, _ = _split(
        None,
        "## Install\n\n```bash\n# Python\npip install langgraph-cli\n\n"
        "# if using UV as package manager\nuv add langgraph-cli\n\n# JavaScript\n"
        "npm install -g @langchain/langgraph-cli\n```\n\n"
        "## Prerequisites\n\n- `ts` CLI installed: `pip install ts-cli`\n"
        "- For `method:python` profiles: `pip install snowflake-connector-python`\n\n"
        "## Common Mistakes\n\n```python\n# WRONG\nfrom langchain_community.tools import X\n"
        "# CORRECT\nfrom langchain_tavily import TavilySearch\n```\n",
    )
    assert ("pip", "ts-cli") in required
    assert not required & {
        ("pip", "langgraph-cli"),
        ("npm", "@langchain/langgraph-cli"),
        ("pip", "snowflake-connector-python"),
        ("pip", "langchain-community"),
        ("pip", "langchain-tavily"),
    }


def test_examples_given_in_python_and_typescript_are_the_users_app() -> None:
    """Held-out round 5: a library skill shows each example in both languages; the Python
    side's packages are the user's project's, in the language they chose."""
    pair = (
        "```python\nfrom deepagents import create_deep_agent\nagent = create_deep_agent()\n```\n\n"
        "```typescript\nimport { createDeepAgent } from 'deepagents';\n```\n\n"
    )
    required, optional = _split(None, "## Basic\n\n" + pair + "## Full\n\n" + pair)
    assert ("pip", "deepagents") in optional and not required
    one = "## Run\n\n```python\nimport pandas as pd\ndf = pd.read_csv('x.csv')\n```\n"
    assert ("pip", "pandas") in _split(None, one)[0]


def test_what_the_compatibility_field_spares_is_optional() -> None:
    """Held-out round 6: the author's own `compatibility` line says which needs are optional,
    for one case, or one of two."""
    head = (
        '---\nname: x\ndescription: Does x.\ncompatibility: "Requires Node 18+ with pnpm or npm,'
        " and optionally `jq` for ad-hoc queries. For remote sessions, also requires"
        ' `BB_API_KEY`."\n---\n\n# X\n\n'
    )
    skill = (
        "## Steps\n\n```bash\npnpm install\nnode run.mjs | jq .id\n"
        'curl -H "key: $BB_API_KEY" https://api.example.com/x\n```\n'
    )
    required, optional = _split(None, skill, head=head)
    assert ("binary", "node") in required
    assert {("binary", "pnpm"), ("binary", "jq"), ("env", "BB_API_KEY")} <= optional
    assert ("binary", "jq") in _split(None, skill)[0]


def test_variables_a_script_falls_back_on_or_documents_as_defaulted_are_optional(
    tmp_path: Path,
) -> None:
    script = (
        '"""Optional env:\n    RECENT=N  How many intervals to check (default: one cycle).\n"""\n'
        "import os\nrecent = os.environ.get('RECENT')\nkey = os.environ['PH_API_KEY']\n"
    )
    js = (
        "const candidates = [process.env.CDP_PORT_FILE, '/tmp/port'].filter(Boolean);\n"
        "let context = cli.context || process.env.CONTEXT_ID;\n"
        "const key = process.env.BB_API_KEY;\n"
    )
    required, optional = _split(
        tmp_path,
        "## Usage\n\n```bash\npython3 scripts/check.py\nnode scripts/sync.mjs\n```\n",
        {"scripts/check.py": script, "scripts/sync.mjs": js},
    )
    assert {("env", "PH_API_KEY"), ("env", "BB_API_KEY")} <= required
    assert {("env", "RECENT"), ("env", "CDP_PORT_FILE"), ("env", "CONTEXT_ID")} <= optional


def test_a_way_offered_as_an_alternative_or_when_available_is_optional() -> None:
    required, optional = _split(
        None,
        "## Steps\n\n1. Check the Kafka UI at `http://localhost:8080` or use kcat:\n\n"
        "   ```bash\n   kcat -b localhost:9092 -t events -C -c 5 -e\n   ```\n\n"
        "2. Read `git log` for the window if the repo is reachable.\n\n"
        "3. Extract it:\n\n   ```bash\n   posthog-cli sourcemap extract x.bin\n"
        "   # or, without installing globally:\n   #   npx @posthog/cli sourcemap extract x.bin\n"
        "   ```\n\n4. Run `docker ps`.\n",
    )
    assert required == {("binary", "docker")}
    assert {("binary", "kcat"), ("binary", "posthog-cli")} <= optional


def test_a_block_that_runs_a_sibling_skills_script_is_that_skills_step() -> None:
    required, optional = _split(
        None,
        "## Workflow\n\n### 1. Capture with `browser-trace`\n\n```bash\n"
        "node ../browser-trace/scripts/start.mjs 9222 run\nbrowse open https://example.com\n```\n\n"
        "### 2. Generate\n\n```bash\nnode scripts/discover.mjs --run run\n```\n",
    )
    assert ("binary", "node") in required
    assert ("binary", "browse") in optional


def test_a_global_npm_package_provides_the_program_the_skill_runs() -> None:
    from skillir.analysis.env.deps import skill_deps
    from skillir.diagnostics import DiagnosticSink
    from skillir.frontend.parser import parse_skill

    text = HEAD + (
        "## Setup\n\n```bash\nwhich browse || npm install -g browse\n"
        "npm install -g eas-cli\n```\n\n## Usage\n\n```bash\nbrowse open https://x.dev\n"
        "eas deploy\n```\n"
    )
    module = parse_skill(text.encode(), "SKILL.md", DiagnosticSink("SKILL.md"))
    deps, _ = skill_deps(module.body.block.first_op, None)
    npm = {d.name: d for d in deps if d.kind == "npm"}
    assert npm["browse"].provides == "browse" and not npm["browse"].optional
    assert npm["eas-cli"].provides == "eas" and not npm["eas-cli"].optional


def test_a_from_import_of_a_known_submodule_names_its_distribution(tmp_path: Path) -> None:
    """Held-out round 7: `from google import genai` was looked up as `google` and resolved by
    what the compiling machine had installed (protobuf); the table knows `google.genai`."""
    from skillir.analysis.env.deps import python_deps

    found, _ = python_deps("from google import genai\nfrom foo import bar\n", 1, frozenset())
    assert [d.name for d in found if d.kind == "pip"] == ["google-genai", "foo"]


def test_a_program_the_bundled_script_installs_itself_is_optional(tmp_path: Path) -> None:
    script = (
        "import subprocess, sys\ntry:\n    subprocess.run(['yt-dlp', '--version'], check=True)\n"
        "except FileNotFoundError:\n"
        "    subprocess.run([sys.executable, '-m', 'pip', 'install', 'yt-dlp'], check=True)\n"
        "subprocess.run(['yt-dlp', '-f', 'best', 'URL'])\nsubprocess.run(['ffmpeg', '-i', 'x'])\n"
    )
    required, optional = _split(
        tmp_path,
        "## Usage\n\n```bash\npython scripts/get.py URL\n```\n",
        {"scripts/get.py": script},
    )
    assert ("binary", "ffmpeg") in required
    assert ("binary", "yt-dlp") in optional


def test_sdks_listed_per_language_and_language_sections_are_one_choice() -> None:
    skill = (
        "## SDKs\n\n- **Python**: `google-genai` \u2192 `pip install google-genai`\n"
        "- **JavaScript/TypeScript**: `@google/genai` \u2192 `npm install @google/genai`\n\n"
        "## Quick Start\n\n### Python\n\n```python\nfrom google import genai\n```\n\n"
        "### JavaScript/TypeScript\n\n```typescript\n"
        "import { GoogleGenAI } from '@google/genai';\n```\n"
    )
    required, optional = _split(None, skill)
    assert not {d for d in required if d[0] in ("pip", "npm")}
    assert ("pip", "google-genai") in optional


def test_one_of_several_template_folders_and_a_case_step_are_not_run(tmp_path: Path) -> None:
    """Held-out round 7 (imgly build): "Update `package.json`" named every starter kit's
    package.json; "If the user wants JavaScript, run the transpile script" is one case."""
    kit = '{"dependencies": {"vite": "5"}}'
    required, _ = _split(
        tmp_path,
        "## Steps\n\n1. Copy a starter kit into the user's project.\n"
        "2. If the user wants JavaScript, run `scripts/transpile.mjs` on the copy.\n"
        "3. Update `package.json` name, then run `npm install`.\n",
        {
            "kits/editor/package.json": kit,
            "kits/viewer/package.json": kit,
            "scripts/transpile.mjs": "import ts from 'typescript';\n",
        },
    )
    assert not {d for d in required if d[0] == "npm"}


def test_a_tool_named_as_another_ones_job_or_as_not_needed_is_no_need() -> None:
    """Held-out round 8 (optimize-mock-data): "single-file optimization is `npx prettier
    --write` territory, not this skill's job" and "No `pip install` required"."""
    required, _ = _split(
        None,
        "## Steps\n\n1. If fewer than 2 files resolve, halt: single-file work is "
        "`npx prettier --write` territory, not this skill's job.\n"
        "2. Run `python3 scripts/shape.py x.json`. No `pip install` required.\n",
    )
    assert required == {("binary", "python3")}


def test_held_out_round_9_what_the_skill_or_a_runner_provides_is_no_need(tmp_path: Path) -> None:
    """Held-out round 9: a function a sibling script defines (kobo-auth's `source`d helper),
    a program called best effort (`xattr ... || true`), variables the skill's own command
    passes to the script it runs (wiki-ingest), and packages a runner fetches (`npx
    create-video@latest`, remotion) are not demanded; the runners and the script's real
    needs still are."""
    required, optional = _split(
        tmp_path,
        "## Steps\n\n1. Install:\n\n```bash\nbash scripts/install.sh\n"
        'MANIFEST_PATH="$ROOT/.manifest.json" python3 scripts/select.py\n'
        "npx create-video@latest --yes my-video\n```\n",
        {
            "scripts/paths.sh": 'ensure_dirs() {\n  mkdir -p "$HOME/x"\n}\n',
            "scripts/install.sh": '. "$(dirname "$0")/paths.sh"\nensure_dirs\n'
            'curl -fsSL "$BOOK_URL" -o book.epub\n'
            "xattr -d com.apple.quarantine book.epub || true\n",
            "scripts/select.py": "import os\npath = os.environ['MANIFEST_PATH']\n"
            "key = os.environ['SELECT_KEY']\n",
        },
    )
    names = {name for _, name in required}
    assert not names & {"ensure_dirs", "xattr", "MANIFEST_PATH", "create-video"}
    assert {("binary", "curl"), ("binary", "npx"), ("env", "SELECT_KEY")} <= required
    assert {("binary", "xattr"), ("npm", "create-video")} <= optional


def test_the_setup_of_one_of_two_ways_is_not_required(tmp_path: Path) -> None:
    """Held-out round 9 (surf): "Option A: With Extension" cites its setup section ('see
    "Extension Setup" below'), and "Option B: CDP Fallback" needs none: the setup's `npm` is
    needed by one way only."""
    ways = (
        "## Quick Start\n\n### Option A: With Extension\n\n"
        'One-time setup (see "Extension Setup" below), then:\n\n```bash\nsurf read\n```\n\n'
        "### Option B: CDP Fallback\n\n```bash\nsurf cdp start\n```\n\n"
        "## Extension Setup (One-time)\n\n1. Build it:\n\n   ```bash\n   npm install\n   ```\n"
    )
    required, optional = _split(None, ways)
    assert ("binary", "npm") in optional
    alone = ways.replace("### Option B: CDP Fallback\n\n```bash\nsurf cdp start\n```\n\n", "")
    assert ("binary", "npm") in _split(None, alone)[0]


def test_ways_to_try_until_one_works_are_alternatives() -> None:
    """Held-out round 9 (check-updates): "Try these methods in order and stop after the first
    successful one" lists ways, not steps: none of their programs is demanded."""
    ways = (
        "## Fetch\n\nTry these methods in order and stop after the first successful one:\n\n"
        "1. **Git:**\n\n   ```bash\n   git fetch origin main\n   ```\n\n"
        "2. **GitHub tools:** use the GitHub MCP file tools or `gh api`.\n"
    )
    required, optional = _split(None, ways)
    assert {("binary", "git"), ("binary", "gh")} <= optional
    steps = ways.replace(" and stop after the first successful one", "")
    assert ("binary", "git") in _split(None, steps)[0]


def test_held_out_round_10_one_case_and_other_tools_are_no_needs() -> None:
    """Held-out round 10: a variant section for one case ("## Using with Shiny for Python" /
    "When the user wants ..."), a fallback bullet ("If `gh` is not installed, try `git ...`"),
    a value the agent works out ("Determine the GitHub URL", then `${GITHUB_URL}`) and a list
    of what other tools do instead ("以下情况使用其他能力") demand nothing."""
    skill = (
        "## Steps\n\n1. Determine the GitHub URL for the repository. First try `gh repo view`.\n"
        "   - If `gh` is not installed, try running `git remote -v` to find a GitHub URL.\n"
        '2. Run:\n\n   ```bash\n   Rscript scripts/make.R "${GITHUB_URL}"\n   ```\n\n'
        "以下情况使用其他能力：\n\n1. 固定文本搜索优先使用 `rg`。\n\n"
        "## Using with Shiny for R\n\nWhen the user wants a Shiny for R app:\n\n"
        "1. Call `bs_theme()`.\n\n```r\nlibrary(bslib)\n```\n\n"
        "## Using with Shiny for Python\n\nWhen the user wants a Shiny for Python app:\n\n"
        '1. **Installation**: Requires `pip install "shiny[theme]"`\n\n'
        "```python\nfrom shiny.express import ui\n```\n"
    )
    required, optional = _split(None, skill)
    assert ("binary", "Rscript") in required
    names = {name for _, name in required}
    assert not names & {"git", "GITHUB_URL", "rg", "shiny", "pip"}, required
    token = '## Steps\n\n1. Run `curl -H "Authorization: $API_TOKEN" https://x.example`.\n'
    assert ("env", "API_TOKEN") in _split(None, token)[0]


def test_plain_language_labels_are_per_language_routes() -> None:
    """Held-out round 10 (apify-actor-development): "- JavaScript/TypeScript: `npm install`" /
    "- Python: `pip install -r requirements.txt`" are one route each, as bold labels are."""
    body = (
        "## Steps\n\n1. Install dependencies\n"
        "   - JavaScript/TypeScript: `npm install`\n"
        "   - Python: `pip install -r requirements.txt`\n"
    )
    required, _ = _split(None, body)
    assert not {name for _, name in required} & {"npm", "pip"}


def test_held_out_round_11_alternatives_slots_and_brought_imports(tmp_path: Path) -> None:
    """Held-out round 11: a tool used "if possible"; one code block per case
    ("If the error came from X:" / "If it came from Y:"); a slot of several words
    (`<the failing command>`); the values an option accepts; and a script's fallback chain
    (`command -v uvx || return 1`) demand nothing."""
    body = (
        "## Steps\n\n1. Fetch:\n\n```python\nimport requests\n```\n\n"
        "Projects use `uv`, and it is recommended to use it for `dg` commands if possible.\n\n"
        "If the error came from `test-writer`:\n\n```bash\npytest -v <test-file>\n"
        "cargo test <name>\n```\n\nIf the error came from a GitHub Issue:\n\n"
        "```bash\ngh issue view <number>\n```\n\n2. Reproduce:\n\n```bash\n"
        "<the failing command>\n```\n\n`--tool` accepts: `uvx`, `pipx`, `wget` (alias `curl`).\n\n"
        "3. Run `bash scripts/fetch.sh`.\n"
    )
    script = (
        'try_uvx() {\n  command -v uvx >/dev/null 2>&1 || return 1\n  uvx scrapling get "$1"\n}\n'
        'try_wget() {\n  command -v wget >/dev/null 2>&1 || return 1\n  wget -q "$1"\n}\n'
        'try_uvx "$1" || try_wget "$1"\njq . out.json\n'
    )
    required, optional = _split(tmp_path, body, {"scripts/fetch.sh": script})
    names = {name for _, name in required}
    assert not names & {"uv", "pytest", "cargo", "gh", "failing", "uvx", "pipx"}
    assert not names & {"wget", "curl"}, required
    assert {("pip", "requests"), ("binary", "jq")} <= required


# --- held-out round 12 ------------------------------------------------------------------------


def test_held_out_round_12_script_environments(tmp_path: Path) -> None:
    """Held-out round 12, bundled files: the modules a PEP 723 script run by `uv run` imports
    run in uv's environment; a package.json lists packages the script the skill runs never
    imports; the `search)` pattern after a nested `case ... esac` is no program."""
    body = (
        "## Steps\n\n1. Run `uv run scripts/cli.py query`.\n"
        "2. Run `npx tsx scripts/dd.ts validate`.\n3. Run `bash scripts/search.sh search x`.\n"
    )
    cli = "# /// script\n# dependencies = ['click']\n# ///\nimport click\nimport kernel\n"
    kernel = "from jupyter_client import KernelManager\nimport yaml\n"
    dd = 'import { readFileSync } from "node:fs";\nconst k = process.env.DD_API_KEY;\n'
    package = '{"dependencies": {"@anthropic-ai/sdk": "^1", "zod": "^3"}}'
    search = (
        'case "$1" in\n  setup)\n    case "$B" in\n      qmd) qmd init ;;\n    esac\n    ;;\n'
        '  search)\n    rg "$2" .\n    ;;\n  status)\n    echo ok\n    ;;\nesac\n'
    )
    files = {
        "scripts/cli.py": cli,
        "scripts/kernel.py": kernel,
        "scripts/dd.ts": dd,
        "scripts/package.json": package,
        "scripts/search.sh": search,
    }
    required, optional = _split(tmp_path, body, files)
    assert not {("pip", "jupyter-client"), ("pip", "pyyaml"), ("pip", "click")} & required
    assert {("pip", "jupyter-client"), ("pip", "pyyaml")} <= optional
    assert not {("npm", "@anthropic-ai/sdk"), ("npm", "zod")} & required
    names = {name for _, name in required | optional}
    assert not names & {"search", "status", "setup"}
    assert {("binary", "rg"), ("env", "DD_API_KEY")} <= required


def test_held_out_round_12_skill_text(tmp_path: Path) -> None:
    """Held-out round 12, SKILL.md: a one-word slot (`<candidate.zip>`) is no redirection;
    an import the skill installs under a longer name (`pip install tavily-python`); a fence
    holding what a command printed; "Example usage:" code of the user's project; a second
    way after ", or"; a key the script tests and does without."""
    body = (
        "## Installation\n\n**Python:**\n```bash\npip install tavily-python\n```\n\n"
        "**JavaScript:**\n```bash\nnpm install @tavily/core\n```\n\n"
        "## Steps\n\n1. Search:\n\n```python\nfrom tavily import TavilyClient\n```\n\n"
        "2. List the export:\n\n```bash\nunzip -l <candidate.zip> | grep conversations-\n```\n\n"
        "3. Check with `tvly --status`:\n\n```bash\ntavily v0.1.0\n\n"
        "> Authenticated via OAuth (tvly login)\n```\n\n"
        "4. Run via `astro otto` to get it, or install standalone with "
        "`uv tool install astro-airflow-mcp`.\n\n5. Run `python3 scripts/chat.py`.\n\n"
        "Example usage:\n\n```python\nimport os\nfrom airflow.sdk import task\n"
        '_TOKEN = os.getenv("DEPLOYMENT_API_TOKEN")\n```\n'
    )
    chat = (
        "import os\nimport sys\nkey = os.getenv('LETTA_API_KEY')\nif key:\n    print(key)\n"
        "else:\n    print('anonymous')\nurl = os.getenv('CHAT_URL')\nif not url:\n"
        "    sys.exit('set CHAT_URL')\n"
    )
    required, optional = _split(tmp_path, body, {"scripts/chat.py": chat})
    names = {name for _, name in required}
    assert ("pip", "tavily-python") in required and ("pip", "tavily") not in required
    assert not names & {"conversations-", "tavily", "via", "uv", "astro-airflow-mcp"}
    assert not names & {"airflow", "apache-airflow", "DEPLOYMENT_API_TOKEN", "LETTA_API_KEY"}
    assert {("binary", "unzip"), ("env", "CHAT_URL")} <= required
    assert ("pip", "airflow") in optional  # the user's project's


def test_held_out_round_13_env_classes(tmp_path: Path) -> None:
    """Held-out round 13: a module the skill has the agent write (`from auth import auth0`
    after "Create `auth.py`") is no PyPI package; a section for a need some uses have ("For
    production apps ..., use Redis"); "Without `jq`: ... copy the field by hand"; a value an
    earlier recipe produces ("this is `CHARACTER_URL`")."""
    body = (
        "## Steps\n\n1. Create `auth.py` with the client.\n2. Wire it up:\n\n"
        "```python\nfrom auth import auth0\nimport requests\n```\n\n"
        "3. Export the key:\n\n```bash\nKEY=$(pc api-key create --json | jq -r '.value')\n```\n\n"
        "Without `jq`: run `pc api-key create --json` and copy the value by hand.\n\n"
        "4. Read the url from the result, this is `CHARACTER_URL`.\n\n```bash\n"
        'genmedia run edit --image_urls "$CHARACTER_URL"\n```\n\n'
        "## Stateful Setup with Redis\n\nFor production apps, store sessions server-side.\n\n"
        "```bash\npip install flask-session redis\n```\n"
    )
    required, optional = _split(tmp_path, body)
    names = {name for _, name in required}
    assert not names & {"auth", "jq", "CHARACTER_URL", "flask-session", "redis"}, required
    assert {("pip", "requests"), ("binary", "pc"), ("binary", "genmedia")} <= required


def test_an_extension_package_is_no_build_variant(tmp_path: Path) -> None:
    """`pip install flask-session` is an extension, not a build of flask (as
    opencv-python-headless is of opencv-python): `import flask` stays a need."""
    body = (
        "## Steps\n\n1. Run `pip install flask-session`.\n2. Serve:\n\n"
        "```python\nimport flask\nimport flask_session\n```\n"
    )
    required, _ = _split(tmp_path, body)
    assert {("pip", "flask"), ("pip", "flask-session")} <= required


def test_held_out_round_14_functions_of_a_library_the_skill_does_not_bundle(
    tmp_path: Path,
) -> None:
    """Held-out round 14: scripts that `source "$SCRIPT_DIR/../../_lib/common.sh"` (a library
    outside the skill folder) call its functions (`require_cmd`, `die_json`); no check can
    find those as programs. Programs a table knows stay needs."""
    body = "## Steps\n\n1. Run `bash scripts/discover.sh`.\n"
    script = (
        'SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"\n'
        'source "$SCRIPT_DIR/../../_lib/common.sh"\nrequire_cmd gh\n'
        'prs=$(gh pr list --json number)\necho "$prs" | jq length || die_json "no prs"\n'
    )
    required, optional = _split(tmp_path, body, {"scripts/discover.sh": script})
    names = {name for _, name in required}
    assert not names & {"require_cmd", "die_json"}
    assert {("binary", "gh"), ("binary", "jq")} <= required
    bundled = {"scripts/discover.sh": script.replace("../../_lib/", ""), "scripts/common.sh": ""}
    required, _ = _split(tmp_path, body, bundled)
    assert ("binary", "require_cmd") in required  # a bundled library: nothing defines it


def test_held_out_round_15_slots_modes_stacks_and_clients(tmp_path: Path) -> None:
    """Held-out round 15: a `<SKILL_BASE_DIR>/scripts/x.sh` path and a `<graph@variant>` slot
    are words, not redirections; "(or the equivalent for your language)"; an SDK smoke test in
    a skill that lists several language stacks; the setup of the local server beside the
    remote one (sections, a two-column table); registering an MCP server with one client
    (`claude mcp add`); "Then either:" ways; "Otherwise, use the dbt CLI directly:"; a bash
    array literal, which the shell parser could not read."""
    body = (
        "## Steps\n\n1. Search the docs:\n\n```bash\n"
        "<SKILL_BASE_DIR>/scripts/search.sh semantic_model\n"
        "rover graph fetch <graph@variant> | rover schema describe -\n```\n\n"
        "2. Install the `resend` npm package: `npm install resend` (or the equivalent for "
        "your language).\n\n"
        "3. Pick your stack:\n\n- [Python Implementation](references/py.md)\n"
        "- [Node.js/TypeScript Implementation](references/node.md)\n"
        "- [Go Implementation](references/go.md)\n\n"
        "4. Test the SDK:\n\n```python\nfrom ldclient import Config\n```\n\n"
        "5. Fetch the project:\n\n```bash\ncurl -s https://example.com/api\n```\n\n"
        "6. Connect your client. Claude Code:\n\n```bash\nclaude mcp add x -- uvx x-mcp\n```\n\n"
        "7. Find the code. Then either:\n\n- Query it with the `gh` CLI\n"
        "- Clone it: `git clone <repo_url> /tmp/x`\n\n"
        "8. If the MCP server is available, use its tools. Otherwise, use the dbt CLI "
        "directly:\n\n```bash\ndbt parse\n```\n\n"
        '9. Boot the simulators:\n\n```bash\ndeclare -A UDID=(\n  ["en-US"]="A"\n)\n'
        'xcrun simctl boot "${UDID[en-US]}"\nprintf "%s\\n" a b | xargs -P 4 -I {} echo {}\n```\n\n'
        "| Local Server | Remote Server |\n|---|---|\n| Runs via `uvx` | Connects over HTTP |\n\n"
        "## Prerequisites\n\n### Local Server\n\n1. **Install `uv`**: see its docs\n\n"
        "### Remote Server\n\n1. A dbt Cloud account\n"
    )
    required, optional = _split(tmp_path, body)
    names = {name for _, name in required}
    assert not names & {"semantic_model", "schema", "npm", "ldclient", "uv", "uvx"}, required
    assert not names & {"claude", "gh", "git", "dbt", "4"}, required
    assert {("binary", "rover"), ("binary", "curl"), ("binary", "xcrun")} <= required
    assert {("pip", "ldclient"), ("binary", "uv"), ("binary", "gh")} <= optional


def test_held_out_round_14_and_13_left_classes(tmp_path: Path) -> None:
    """Classes left from held-out rounds 13 and 14: `pyspark` beside `databricks-connect`,
    which ships it; a "**Python Example:**" of pipeline code that runs remotely; the skill's
    own installer script (`scripts/setup.sh`: its install branches, a `/tmp/x.sh` run by path);
    a probe that only warns when a program is missing ("optional"); per-framework patterns
    under language sections ("## Python Frameworks" / "## JavaScript/TypeScript Frameworks");
    a PEP 723 script the procedure copies and runs under another name with `uv run`."""
    body = (
        "## Steps\n\n1. Set up: `bash scripts/setup.sh`.\n2. Check: `bash scripts/check.sh`.\n"
        '3. Install: `uv pip install "databricks-connect>=16.4" faker`.\n'
        "4. Generate:\n\n```python\nfrom databricks.connect import DatabricksSession\n"
        "from pyspark.sql import functions as F\nimport faker\n```\n\n"
        "5. Copy: `cp scripts/quick.py ./my_quick.py` and run `uv run my_quick.py`.\n\n"
        "**Python Example:**\n\n```python\nfrom pyspark import pipelines as dp\n```\n\n"
        "## Python Frameworks\n\n### Pattern 1: CrewAI Integration\n\n"
        "```python\nfrom crewai import Agent\n```\n\n"
        "## JavaScript/TypeScript Frameworks\n\n### Pattern 2: Mastra Integration\n\n"
        "```typescript\nimport { Agent } from '@mastra/core';\n```\n"
    )
    files = {
        "scripts/setup.sh": (
            "if ! dpkg -l dotnet-sdk-8.0 >/dev/null; then\n  sudo apt-get install -y wget\n"
            "  wget -q https://dot.net/v1/dotnet-install.sh -O /tmp/dotnet-install.sh\n"
            "  /tmp/dotnet-install.sh --channel 8.0\nfi\n"
        ),
        "scripts/check.sh": (
            'if ! command -v dotnet &>/dev/null; then\n  echo "[FAIL] dotnet not found"\n'
            "  exit 1\nfi\nif ! command -v zip &>/dev/null; then\n"
            '  echo "[WARN] zip not found (optional)"\nfi\ndotnet --info\nzip -v\n'
        ),
        "scripts/quick.py": (
            '# /// script\n# dependencies = ["pinecone>=8"]\n# ///\nfrom pinecone import Pinecone\n'
        ),
    }
    required, optional = _split(tmp_path, body, files)
    names = {name for _, name in required}
    assert not names & {"pyspark", "databricks", "dpkg", "apt-get", "wget", "dotnet-install.sh"}
    assert not names & {"zip", "crewai", "pinecone"}, required
    assert {("binary", "dotnet"), ("pip", "databricks-connect"), ("pip", "faker")} <= required
    assert {("binary", "zip"), ("pip", "crewai")} <= optional


def test_what_the_frontmatter_declares_required_is_required(tmp_path: Path) -> None:
    """Held-out round 15 (resend): OpenClaw's gate `metadata.openclaw.requires` (bins, env) and
    Hermes' `required_environment_variables` are the author's own list of needs: a program the
    text names only in a reference section becomes required, a variable the text never reads
    is added at its frontmatter line; a hostile name is dropped with a problem."""
    head = (
        "---\nname: x\ndescription: Does x.\nmetadata:\n  openclaw:\n    requires:\n"
        "      bins: [resend]\n      env:\n        - RESEND_API_KEY\n"
        '        - "A; rm -rf /"\nrequired_environment_variables:\n  - name: X_TOKEN\n'
        "---\n\n# X\n\n"
    )
    body = "## Reference\n\n```bash\nresend emails send --to a@b.c\n```\n"
    required, _ = _split(tmp_path, body, head=head)
    assert {("binary", "resend"), ("env", "RESEND_API_KEY"), ("env", "X_TOKEN")} <= required
    assert not [name for _, name in required if "rm" in name]


def test_a_tip_quote_is_an_aside(tmp_path: Path) -> None:
    """Held-out round 16 (upload-to-stitch): a "> [!TIP]" quote on troubleshooting SSL
    ("install it (`pip install certifi`) or set `SSL_CERT_FILE`") names what one failure needs,
    not what the skill runs; a quote that is an instruction keeps its needs."""
    body = (
        "## Steps\n\n1. Upload: `python3 scripts/up.py`.\n\n"
        "> [!TIP]\n> If the upload fails with an SSL error, install it (`pip install certifi`).\n\n"
        "> **SSL Troubleshooting:** or run `brew install openssl`.\n\n"
        "> Always run `jq . out.json` on the result.\n"
    )
    required, optional = _split(tmp_path, body)
    names = {name for _, name in required}
    assert not names & {"certifi", "pip", "brew", "openssl"}, required
    assert ("binary", "jq") in required


def test_a_program_also_run_with_runner_options_is_no_global_need(tmp_path: Path) -> None:
    """Held-out round 16 (prisma-cli): `prisma init` in a command list beside `bunx --bun prisma
    generate`: the project's own CLI, run through a package runner, not a global program."""
    body = (
        "## Steps\n\n1. Set up:\n\n```bash\nprisma init\nprisma generate\n```\n\n"
        "2. With Bun:\n\n```bash\nbunx --bun prisma generate\n```\n"
    )
    required, optional = _split(tmp_path, body)
    assert ("binary", "prisma") not in required
    assert ("binary", "prisma") in optional
