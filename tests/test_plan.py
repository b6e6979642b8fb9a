"""`plan-json` and `plan-mermaid`: every plan skillir emits (hand-written skills and the whole
corpus) validates against `skillir/data/plan.schema.json`, and the schedule is a valid order."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillir.targets.plan import dumps
from skillir.tools.skill_translate import main as translate

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SCHEMA = json.loads(resources.files("skillir.data").joinpath("plan.schema.json").read_text())

SKILL = """---
name: report-builder
description: Build a sales report. Use when asked for the monthly sales report.
---

# Report builder

## Workflow

1. Read `data/sales.csv`.
2. Read `data/targets.csv`.
3. Compare the two and identify the gaps.
4. Write `out/summary.md` with the findings.
5. Write `out/table.csv` with one row per gap.
6. For each file in `out/`, check the spelling.
"""


def emit(path: Path, target: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert translate([str(path), "-t", target]) == 0
    return capsys.readouterr().out


def serial_order(nodes: list[dict]) -> list[str]:
    order: list[str] = []
    for node in nodes:
        if "task" in node:
            order.append(node["task"])
        elif "ilp" in node:
            order.extend(node["ilp"])
        elif "dlp" in node:
            order.append(node["dlp"])
        else:
            for branch in node["tlp"]:
                order.extend(serial_order(branch))
    return order


def check(doc: dict) -> None:
    jsonschema.validate(doc, SCHEMA)
    for skill in doc["skills"]:
        for graph in skill["graphs"]:
            order = serial_order(graph["schedule"])
            assert sorted(order) == sorted(t["id"] for t in graph["tasks"])
            position = {task: n for n, task in enumerate(order)}
            for task in graph["tasks"]:
                for wait in task["after"]:
                    assert position[wait["task"]] < position[task["id"]]


def test_plan_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "SKILL.md").write_text(SKILL)
    doc = json.loads(emit(tmp_path / "SKILL.md", "plan-json", capsys))
    check(doc)
    (skill,) = doc["skills"]
    (graph,) = skill["graphs"]
    assert graph["schedule"][0] == {"ilp": ["1", "2"], "reason": graph["schedule"][0]["reason"]}
    assert graph["schedule"][1] == {"task": "3"}
    assert graph["schedule"][2]["ilp"] == ["4", "5"]
    assert graph["schedule"][3]["dlp"] == "6"
    assert (graph["work"], graph["critical"]) == (9, 4)
    assert graph["tasks"][2]["text"] == "Compare the two and identify the gaps."


def test_plan_mermaid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "SKILL.md").write_text(SKILL)
    chart = emit(tmp_path / "SKILL.md", "plan-mermaid", capsys)
    assert chart.startswith("flowchart TD\n")
    assert 'subgraph g0_region1["ILP"]' in chart and '["DLP"]' in chart
    assert 'g0_1 -->|"raw value:found.1"| g0_3' in chart
    assert chart == emit(tmp_path / "SKILL.md", "plan-mermaid", capsys)  # deterministic


@pytest.mark.slow
def test_every_corpus_plan_validates(capsys: pytest.CaptureFixture[str]) -> None:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus absent")
    checked = 0
    for path in sorted(CORPUS.rglob("SKILL.md")):
        if translate([str(path), "-t", "plan-json"]) != 0:
            assert "error:" in capsys.readouterr().err  # a skill that does not parse
            continue
        check(json.loads(capsys.readouterr().out))
        checked += 1
    assert checked >= 75


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
)


@given(json_values)
def test_dumps_writes_what_json_dumps_writes(value) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
