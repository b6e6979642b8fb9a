"""Tests for `skillir.analysis.env.deps`: the environment-binding extractors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from skillir.analysis.env.deps import (
    Dependency,
    import_to_dist,
    js_deps,
    python_deps,
    shell_deps,
    skill_deps,
    tables,
    text_deps,
)
from skillir.diagnostics import DiagnosticSink
from skillir.frontend.parser import parse_skill

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def names(deps: list[Dependency], kind: str) -> list[str]:
    return [d.name for d in deps if d.kind == kind]


def find(deps: list[Dependency], kind: str, name: str) -> Dependency:
    return next(d for d in deps if d.kind == kind and d.name == name)


def root_of(text: str, path: str = "SKILL.md"):
    module = parse_skill(text.encode(), path, DiagnosticSink(path))
    return module.body.block.first_op


# -- tables ------------------------------------------------------------------------------------


def test_tables_sizes_and_shapes():
    t = tables()
    assert len(t.import_to_dist) >= 45
    assert len(t.binary_to_package) >= 40
    assert t.binary_to_package["pdftotext"] == {"debian": "poppler-utils", "brew": "poppler"}
    assert t.binary_to_package["rg"]["debian"] == "ripgrep"
    assert {"cd", "export", "source", "[", "while"} <= t.shell_builtins
    assert {"ls", "grep", "sed", "xargs"} <= t.always_present
    assert {"fs", "child_process", "zlib"} <= t.node_builtins


@pytest.mark.parametrize(
    ("module", "dist"),
    [
        ("cv2", "opencv-python"),
        ("PIL.Image", "pillow"),
        ("yaml", "pyyaml"),
        ("sklearn.linear_model", "scikit-learn"),
        ("bs4", "beautifulsoup4"),
        ("google.protobuf.json_format", "protobuf"),
        ("dateutil.parser", "python-dateutil"),
        ("fitz", "pymupdf"),
        ("definitely_not_installed_pkg", "definitely_not_installed_pkg"),
    ],
)
def test_import_to_dist(module, dist):
    assert import_to_dist(module) == dist


# -- python ------------------------------------------------------------------------------------


def test_python_imports_map_and_exclude():
    code = (
        "import os, json\nimport cv2\nfrom PIL import Image\nfrom . import sibling\n"
        "import helper\nimport numpy as np\nfrom __future__ import annotations\n"
    )
    deps, problems = python_deps(code, 10, {"helper"})
    assert problems == []
    assert names(deps, "pip") == ["opencv-python", "pillow", "numpy"]
    cv2 = find(deps, "pip", "opencv-python")
    assert (cv2.line, cv2.col, cv2.evidence) == (11, 1, "import cv2")


def test_python_env_reads():
    code = "import os\na = os.environ['A_KEY']\nb = os.environ.get('B_URL')\nc = os.getenv('C')\n"
    deps, _ = python_deps(code, 1, set())
    assert names(deps, "env") == ["A_KEY", "B_URL", "C"]
    assert find(deps, "env", "A_KEY").line == 2


def test_python_subprocess_and_system():
    code = (
        "import subprocess, os\nsubprocess.run(['ffmpeg', '-i', 'a.mp4'])\n"
        "os.system('pdftotext in.pdf out.txt')\nsubprocess.check_output(['ls'])\n"
    )
    deps, _ = python_deps(code, 1, set())
    assert names(deps, "binary") == ["ffmpeg", "pdftotext"]


def test_python_localhost_service():
    deps, _ = python_deps(
        "import requests\nrequests.get('http://localhost:8080/health')\n", 1, set()
    )
    assert names(deps, "service") == ["localhost:8080"]
    assert names(deps, "pip") == ["requests"]


def test_python_syntax_error_is_a_problem():
    deps, problems = python_deps("import x\ndef broken(:\n", 5, set())
    assert deps == []
    assert len(problems) == 1 and problems[0][0] == 6 and "python-syntax" in problems[0][2]


# -- shell -------------------------------------------------------------------------------------


def test_shell_binaries_skip_builtins_and_coreutils():
    code = "cd repo\nexport X=1\ncat a | jq '.items[]' | sort\nrg TODO src/ && ./scripts/run.sh\n"
    deps, problems = shell_deps(code, 1)
    assert problems == []
    assert names(deps, "binary") == ["jq", "rg"]
    assert find(deps, "binary", "rg").line == 4


def test_shell_pip_install_versions():
    code = "pip install requests==2.31 'pandas>=2' -r req.txt\npython3 -m pip install PyYAML\n"
    deps, _ = shell_deps(code, 1)
    pips = {d.name: d.version for d in deps if d.kind == "pip"}
    assert pips == {"requests": "==2.31", "pandas": ">=2", "PyYAML": None}


def test_shell_npm_and_npx():
    deps, _ = shell_deps("npm i -D @types/node lodash@4\nnpx -y prettier --write .\n", 1)
    npm = {d.name: d.version for d in deps if d.kind == "npm"}
    assert npm == {"@types/node": None, "lodash": "4", "prettier": None}
    assert "npx" in names(deps, "binary")


def test_shell_system_packages():
    deps, _ = shell_deps("sudo apt-get install -y poppler-utils jq\nbrew install qpdf\n", 1)
    assert names(deps, "system") == ["poppler-utils", "jq", "qpdf"]
    assert "apt-get" in names(deps, "binary")


def test_shell_env_vars():
    code = (
        'TOKEN=abc\nfor f in *.md; do echo "$f"; done\n'
        "echo $TOKEN $GITHUB_TOKEN ${OPENAI_API_KEY} $HOME\n"
    )
    deps, _ = shell_deps(code, 1)
    assert names(deps, "env") == ["GITHUB_TOKEN", "OPENAI_API_KEY"]


def test_shell_single_quoted_dollar_is_not_env():
    deps, _ = shell_deps("awk '{print $NF}' file\n", 1)
    assert names(deps, "env") == []


def test_shell_localhost_service():
    deps, _ = shell_deps("curl -s http://localhost:3000/api | jq .\n", 1)
    assert names(deps, "service") == ["localhost:3000"]
    assert names(deps, "binary") == ["curl", "jq"]


def test_shell_heredoc_body_is_not_commands():
    deps, _ = shell_deps("cat > f.py <<'EOF'\nimport x\nfoo bar\nEOF\nyq . a.yaml\n", 1)
    assert names(deps, "binary") == ["yq"]


def test_shell_parse_error_falls_back():
    deps, problems = shell_deps("if [ -z x ; then\npandoc a.md -o a.pdf\n", 3)
    assert "pandoc" in names(deps, "binary")
    assert problems and "shell-parse" in problems[0][2]


def test_shell_comment_only_block():
    assert shell_deps("# just a note\n# another\n", 1) == ([], [])


# -- javascript --------------------------------------------------------------------------------


def test_js_imports():
    code = (
        "const fs = require('fs');\nimport fp from 'lodash/fp';\n"
        "import { a } from '@scope/pkg/sub';\nconst p = await import('node:path');\n"
        "import z from './z';\nimport t from '@/components/x';\nconst e = require(\"express\");\n"
    )
    deps = js_deps(code, 1)
    assert names(deps, "npm") == ["lodash", "@scope/pkg", "express"]


def test_js_env():
    deps = js_deps("const k = process.env.API_KEY;\nconst b = process.env['BASE_URL'];\n", 7)
    assert names(deps, "env") == ["API_KEY", "BASE_URL"]
    assert find(deps, "env", "BASE_URL").line == 8


# -- prose -------------------------------------------------------------------------------------


def test_text_inline_commands_and_env():
    deps = text_deps("Run `jq '.a' data.json` then `pip install foo==1`. Set `$API_KEY`.", 4)
    assert names(deps, "binary") == ["jq", "pip"]
    assert find(deps, "pip", "foo").version == "==1"
    assert names(deps, "env") == ["API_KEY"]
    assert names(deps, "tool") == ["shell"]
    assert find(deps, "binary", "jq").line == 4


def test_text_plain_inline_code_is_not_a_command():
    deps = text_deps("Edit `config.yaml` and set `timeout`.", 1)
    assert names(deps, "binary") == []


def test_text_tools_and_services():
    text = (
        "The server listens on http://localhost:5000.\n"
        "Fetch https://example.com/api and save the result to out.json.\n"
        "Read the file report.csv first. Open the browser to check."
    )
    deps = text_deps(text, 1)
    assert names(deps, "service") == ["localhost:5000"]
    tools = set(names(deps, "tool"))
    assert {"web", "file.write", "file.read", "browser"} <= tools
    assert "shell" not in tools


# -- whole skill -------------------------------------------------------------------------------

SKILL = """---
name: demo
description: demo skill
---
# Demo

Install with `pip install opencv-python-headless==4.9`.

```python
import cv2
import helper
import yaml
print(os.environ["DEMO_TOKEN"])
```

```console
$ jq . a.json
{"a": 1}
```

```js
import express from "express";
```
"""


def test_skill_deps_whole(tmp_path: Path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "helper.py").write_text("import requests\nimport yaml\n")
    (tmp_path / "scripts" / "go.sh").write_text("#!/bin/sh\nffmpeg -i in.mp4 out.gif\n")
    (tmp_path / "requirements.txt").write_text("# deps\npyyaml==6.0\n")
    (tmp_path / "package.json").write_text(
        json.dumps({"dependencies": {"express": "^4"}, "devDependencies": {"vitest": "1"}})
    )
    deps, problems = skill_deps(root_of(SKILL), tmp_path)
    assert problems == []
    pips = {d.name: d for d in deps if d.kind == "pip"}
    assert "helper" not in pips
    assert pips["opencv-python-headless"].version == "==4.9"
    # `import cv2` (line 10) is provided by the explicit opencv-python-headless: no second build
    assert "opencv-python" not in pips
    # requirements.txt is explicit, so it wins over the SKILL.md `import yaml` at line 12
    assert (pips["pyyaml"].version, pips["pyyaml"].line) == ("==6.0", 2)
    assert pips["pyyaml"].evidence == "requirements.txt: pyyaml==6.0"
    assert pips["requests"].evidence == "scripts/helper.py: import requests"
    assert find(deps, "env", "DEMO_TOKEN").line == 13
    jq = find(deps, "binary", "jq")
    assert (jq.line, jq.col) == (17, 3)
    assert find(deps, "binary", "ffmpeg").evidence.startswith("scripts/go.sh: ")
    # the SKILL.md JavaScript block's import (line 22) is optional; package.json requires it
    express = find(deps, "npm", "express")
    assert (express.evidence, express.optional) == ("package.json: dependencies: express", False)
    assert find(deps, "npm", "vitest").version == "1"
    assert "shell" in names(deps, "tool")
    assert len({(d.kind, d.name) for d in deps}) == len(deps)


def test_explicit_pip_install_wins_over_import():
    text = SKILL.replace("opencv-python-headless==4.9", "pyyaml==6.0.1")
    deps, _ = skill_deps(root_of(text), None)
    yaml_deps = [d for d in deps if d.kind == "pip" and d.name.lower() == "pyyaml"]
    assert len(yaml_deps) == 1
    assert yaml_deps[0].version == "==6.0.1" and yaml_deps[0].line == 7


def test_import_kept_without_an_explicit_variant():
    text = SKILL.replace("opencv-python-headless==4.9", "pyyaml==6.0.1")
    deps, _ = skill_deps(root_of(text), None)
    assert find(deps, "pip", "opencv-python").line == 10


def test_pip_names_are_normalised():
    deps, _ = skill_deps(root_of(SKILL.replace("opencv-python-headless==4.9", "PyYAML")), None)
    assert "pyyaml" in names(deps, "pip") and "PyYAML" not in names(deps, "pip")


def test_shell_variables_assigned_in_an_earlier_block_are_not_env():
    text = "# T\n\n```bash\nLAST=$(git describe)\n```\n\n```bash\ngit log $LAST..HEAD\n```\n"
    deps, _ = skill_deps(root_of(text), None)
    assert "LAST" not in names(deps, "env")


def test_template_placeholders_and_negated_programs_are_not_deps():
    text = "# T\n\nReplace `$PROJECT` with the project name. Do not use `curl` here.\n"
    deps, _ = skill_deps(root_of(text), None)
    assert names(deps, "env") == [] and "curl" not in names(deps, "binary")


def test_skill_unit_tests_are_not_dependencies(tmp_path: Path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "test_tool.py").write_text("import pytest\n")
    deps, _ = skill_deps(root_of("# T\n"), tmp_path)
    assert "pytest" not in names(deps, "pip")


def test_arithmetic_in_fallback_shell_is_not_a_command():
    deps, problems = shell_deps("case $x in \\#*) ;; esac\ncount=$((count + 1))\n", 1)
    assert problems and "shell-parse" in problems[0][2]  # the line-wise fallback ran
    assert "count" not in names(deps, "binary")


def test_npx_package_flag_names_the_package():
    deps, _ = shell_deps("npx -p @mermaid-js/mermaid-cli mmdc -i a.mmd\n", 1)
    assert names(deps, "npm") == ["@mermaid-js/mermaid-cli"]


def test_standard_variables_are_not_env_in_python_and_js():
    py, _ = python_deps("import os\nos.environ['HOME']\nos.getenv('API_KEY')\n", 1, set())
    assert names(py, "env") == ["API_KEY"]
    assert names(js_deps("process.env.PATH; process.env.TOKEN", 1), "env") == ["TOKEN"]


def test_case_patterns_in_fallback_are_not_commands():
    code = 'case "$1" in\n  a) ffmpeg -version ;;\n  *) echo no ;;\nesac\n[[ $X =~ y ]]\n'
    deps, problems = shell_deps(code, 1)
    assert problems  # bashlex gave up; the line-wise reading ran
    assert names(deps, "binary") == ["ffmpeg"]


def test_shell_parse_error_on_a_later_line_is_positioned_there():
    _, problems = shell_deps("echo hi\nif [[ $MODE =~ ^fast ]]; then echo; fi\n", 17)
    assert problems[0][:2] == (18, 7)


def test_corpus_smoke():
    if not CORPUS.is_dir():
        pytest.skip("shared corpus absent")
    skills = sorted(CORPUS.rglob("SKILL.md"))
    assert skills
    for path in skills:
        sink = DiagnosticSink(str(path))
        module = parse_skill(path.read_bytes(), str(path), sink)
        deps, problems = skill_deps(module.body.block.first_op, path.parent)
        assert all(
            d.kind in ("pip", "npm", "system", "binary", "service", "env", "tool") for d in deps
        )
        assert all(isinstance(p[2], str) for p in problems)


# -- hostile skills (issue 14) ------------------------------------------------------------------


def test_table_values_match_their_grammars():
    from skillir.analysis.env.values import name_problem

    t = tables()
    assert [d for d in t.import_to_dist.values() if name_problem("pip", d)] == []
    packages = [p for row in t.binary_to_package.values() for p in row.values()]
    assert [p for p in packages if p and name_problem("system", p)] == []
    assert [b for b in t.binary_to_package if name_problem("binary", b)] == []


def test_long_attribute_chain_is_read_without_recursion():
    chain = ".".join(["a"] * 1200)
    code = f"import os\n{chain}()\nos.getenv('CHAIN_TOKEN')\nx = {chain}[0]\n"
    deps, problems = python_deps(code, 1, set())
    assert problems == [] and names(deps, "env") == ["CHAIN_TOKEN"]


def test_deeply_nested_package_json_is_a_warning(tmp_path: Path):
    (tmp_path / "package.json").write_text('{"dependencies": ' + "[" * 200_000 + "]" * 200_000)
    deps, problems = skill_deps(root_of("# T\n"), tmp_path)
    assert problems == [(1, 1, "package.json: json: nested too deeply to read")]
    assert names(deps, "npm") == []


def test_symlinks_in_scripts_never_leave_the_skill(tmp_path: Path):
    secret = tmp_path / "host-key.txt"
    secret.write_text("sk-live-0123\n")
    skill = tmp_path / "skill"
    (skill / "scripts").mkdir(parents=True)
    (skill / "scripts" / "loop-a.py").symlink_to(skill / "scripts" / "loop-b.py")
    (skill / "scripts" / "loop-b.py").symlink_to(skill / "scripts" / "loop-a.py")
    (skill / "scripts" / "self").symlink_to(skill / "scripts")
    (skill / "scripts" / "real.py").write_text("import requests\n")
    (skill / "scripts" / "alias.py").symlink_to("real.py")
    (skill / "requirements.txt").symlink_to(secret)
    os.mkfifo(skill / "scripts" / "pipe.sh")
    deps, problems = skill_deps(root_of("# T\n"), skill)
    assert problems == [] and names(deps, "pip") == ["requests"]
    assert find(deps, "pip", "requests").evidence == "scripts/alias.py: import requests"


def test_values_off_their_grammar_are_dropped_with_a_problem(tmp_path: Path):
    (tmp_path / "package.json").write_text(
        json.dumps({"dependencies": {"--registry=http://x": "1", "ok": "1.x", "bad": "1\n2"}})
    )
    (tmp_path / "requirements.txt").write_text("-e .\n--index-url http://x\nfoo==1$(id)\nbar\n")
    text = "# T\n\n```js\nrequire('-e')\nprocess.env.OK_VAR\n```\n"
    deps, problems = skill_deps(root_of(text), tmp_path)
    assert sorted((d.kind, d.name) for d in deps if d.kind in ("npm", "pip")) == [
        ("npm", "ok"),
        ("pip", "bar"),
    ]
    messages = [m for _, _, m in problems]
    assert "npm dependency dropped: '-e' is not a valid npm package name" in messages
    assert any(m.startswith("package.json: npm dependency dropped: '--registry") for m in messages)
    assert "package.json: npm dependency dropped: '1\\n2' is not a valid npm version range" in (
        messages
    )
    assert any(
        m.startswith("requirements.txt: pip dependency dropped: '==1$(id)'") for m in messages
    )


def test_dollar_references_end_at_a_word_boundary():
    deps, _ = shell_deps('echo "$OtherAgent $Path_X ${lower}"\n', 1)
    assert names(deps, "env") == []


PLACEHOLDERS = """\
# Release

`SKILL_DIR` is the folder that holds this SKILL.md. Compute `NEW_VERSION` from the changelog.

```bash
python3 "${SKILL_DIR}/scripts/bump.py" --to "${NEW_VERSION}"
git tag "v$NEW_VERSION" && npm view "$PACKAGE_NAME" version
echo "$DISPLAY" "$ARGUMENTS"
```

Replace `$PACKAGE_NAME` with the package being released.
"""

ENVIRONMENT = """\
# Deploy

Set `DEPLOY_HOST` in your environment first; `$GITHUB_TOKEN` needs the `repo` scope.

```bash
curl -H "Authorization: Bearer $GITHUB_TOKEN" "https://$DEPLOY_HOST/api"
: "${REGION:?export REGION first}"
psql "$DATABASE_URL" -c 'select 1'
```

```python
import os
bucket = os.environ["BUCKET_NAME"]
```
"""


def test_template_slots_are_not_environment_variables():
    """Issue 15 item 6: `${SKILL_DIR}`, `${NEW_VERSION}`, `$PACKAGE_NAME` are slots the agent
    fills in; `$DISPLAY`, `$ARGUMENTS` are read but not demanded; none is an env dependency."""
    deps, _ = skill_deps(root_of(PLACEHOLDERS), None)
    assert names(deps, "env") == []


def test_variables_read_from_the_environment_are_env_dependencies():
    """ "Set X in your environment", `${X:?}`, a credential or connection name (`*_TOKEN`,
    `*_URL`), `os.environ`: each is read from the environment."""
    deps, _ = skill_deps(root_of(ENVIRONMENT), None)
    assert sorted(names(deps, "env")) == [
        "BUCKET_NAME",
        "DATABASE_URL",
        "DEPLOY_HOST",
        "GITHUB_TOKEN",
        "REGION",
    ]
