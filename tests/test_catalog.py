"""The primitive catalog: complete, typed, and written in our own words."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from skillir.analysis.cap.catalog import (
    CATALOG_VERSION,
    LEVELS,
    PRIMITIVE_IDS,
    Catalog,
    CatalogError,
    format_level,
    load_catalog,
    parse_catalog,
    parse_level,
)

SKVM_PROFILES = Path(__file__).resolve().parents[1].parent / "shared" / "profiles" / "skvm"

EXPECTED_CATEGORIES = {
    "generation": 9,
    "reasoning": 5,
    "tool": 7,
    "instruction": 5,
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def raw_catalog() -> dict[str, Any]:
    text = resources.files("skillir.data").joinpath("catalog.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def all_texts(catalog: Catalog) -> list[tuple[str, str]]:
    """(where, text) for every meaning and guidance string of the catalog."""
    texts = []
    for prim in catalog:
        for level, meaning in zip((1, 2, 3), prim.meanings, strict=True):
            texts.append((f"{prim.id} L{level}", meaning))
        for (hi, lo), guide in prim.guidance.items():
            if guide is not None:
                texts.append((f"{prim.id} L{hi}->L{lo}", guide))
        if prim.substitute_guide is not None:
            texts.append((f"{prim.id} substitute", prim.substitute_guide))
    return texts


def test_version(catalog: Catalog) -> None:
    assert catalog.version == CATALOG_VERSION == "skillir-catalog/1"
    assert catalog.source


def test_all_26_primitives_in_catalog_order(catalog: Catalog) -> None:
    assert len(catalog) == 26
    assert catalog.ids == PRIMITIVE_IDS


def test_categories(catalog: Catalog) -> None:
    counts = {cat: len(catalog.by_category(cat)) for cat in EXPECTED_CATEGORIES}
    assert counts == EXPECTED_CATEGORIES
    assert catalog.primitive("gen.regex").category == "generation"
    assert catalog.primitive("reason.planning").category == "reasoning"
    assert catalog.primitive("tool.browser").category == "tool"
    assert catalog.primitive("follow.delegation").category == "instruction"


def test_every_primitive_has_meanings_and_guidance(catalog: Catalog) -> None:
    for prim in catalog:
        assert prim.title
        assert len(prim.meanings) == 3 and all(m.strip() for m in prim.meanings), prim.id
        assert len(set(prim.meanings)) == 3, f"{prim.id}: levels must differ"
        assert set(prim.guidance) == {(3, 2), (2, 1), (1, 0)}, prim.id
        for guide in prim.guidance.values():
            assert guide is None or guide.strip(), prim.id
        # Somewhere above L0 a weaker target can be helped.
        assert prim.guidance[(3, 2)] is not None, prim.id


def test_none_feasible_is_read_as_none(catalog: Catalog) -> None:
    raw = {entry["id"]: entry for entry in raw_catalog()["primitive"]}
    for prim in catalog:
        for (hi, lo), guide in prim.guidance.items():
            written = raw[prim.id][f"guide_l{hi}_to_l{lo}"]
            assert (guide is None) == (written == "none feasible"), prim.id


def test_texts_are_short(catalog: Catalog) -> None:
    for where, text in all_texts(catalog):
        assert len(text) <= 300, f"{where}: {len(text)} characters"
        assert "\n" not in text, where


def test_meaning(catalog: Catalog) -> None:
    python = catalog.primitive("gen.code.python")
    assert "standard" in python.meaning(2).lower()
    assert "third-party" in python.meaning("L3")
    assert python.meaning(0).startswith("Absent")
    with pytest.raises(ValueError):
        python.meaning(4)


def test_guidance_for_order_and_range(catalog: Catalog) -> None:
    python = catalog.primitive("gen.code.python")
    l3_l2, l2_l1, l1_l0 = (python.guidance[s] for s in ((3, 2), (2, 1), (1, 0)))
    assert python.guidance_for(3, 1) == [l3_l2, l2_l1]
    assert python.guidance_for(3, 0) == [l3_l2, l2_l1, l1_l0]
    assert python.guidance_for(2, 1) == [l2_l1]
    assert python.guidance_for("L3", "L2") == [l3_l2]
    assert python.guidance_for(2, 2) == []
    assert python.guidance_for(1, 3) == []
    assert "standard library" in l3_l2


def test_guidance_for_skips_none_feasible(catalog: Catalog) -> None:
    fmt = catalog.primitive("tool.call.format")
    assert fmt.guidance[(1, 0)] is None
    assert fmt.guidance_for(2, 0) == [fmt.guidance[(2, 1)]]
    assert fmt.can_degrade(3, 1)
    assert not fmt.can_degrade(2, 0)


def test_substitutes_refer_to_known_primitives(catalog: Catalog) -> None:
    for prim in catalog:
        assert bool(prim.substitute_with) == (prim.substitute_guide is not None), prim.id
        for sub in prim.substitute_with:
            assert sub in catalog and sub != prim.id, prim.id


@pytest.mark.parametrize(
    ("pid", "needs"),
    [
        ("reason.arithmetic", {"tool.exec", "gen.code.python"}),
        ("tool.call.batch", {"tool.file.read"}),
        ("gen.text.long", {"tool.file.write"}),
        ("gen.regex", {"gen.code.python"}),
        ("gen.code.shell", {"gen.code.python"}),
    ],
)
def test_known_substitutions(catalog: Catalog, pid: str, needs: set[str]) -> None:
    assert set(catalog.primitive(pid).substitute_with) == needs


def test_unknown_primitive_names_close_matches(catalog: Catalog) -> None:
    with pytest.raises(KeyError, match="gen.code.python"):
        catalog.primitive("gen.code.pyhton")


def test_load_is_cached() -> None:
    assert load_catalog() is load_catalog()


def test_catalog_is_immutable(catalog: Catalog) -> None:
    prim = catalog.primitive("tool.exec")
    with pytest.raises(TypeError):
        prim.guidance[(3, 2)] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        catalog.primitives["tool.exec"] = prim  # type: ignore[index]


def _broken(mutate) -> dict[str, Any]:
    data = raw_catalog()
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(version="skillir-catalog/0"), "version"),
        (lambda d: d["primitive"].pop(), "lacks primitive"),
        (lambda d: d["primitive"].append(dict(d["primitive"][0])), "defined twice"),
        (lambda d: d["primitive"][0].pop("guide_l2_to_l1"), "missing guide_l2_to_l1"),
        (lambda d: d["primitive"][0].update(l2=""), "'l2' must be a non-empty string"),
        (lambda d: d["primitive"][0].update(id="gen.code.rust"), "unknown primitive"),
        (lambda d: d["primitive"][0].update(category="tool"), "category"),
        (lambda d: d["primitive"][0].update(colour="red"), "unknown field"),
        (
            lambda d: d["primitive"][2].update(substitute_with=["gen.code.cobol"]),
            "substitute unknown primitive",
        ),
        (lambda d: d["primitive"][2].pop("substitute_guide"), "go together"),
    ],
)
def test_validation_errors(mutate, message: str) -> None:
    with pytest.raises(CatalogError, match=re.escape(message)):
        parse_catalog(_broken(mutate))


def test_parse_and_format_level() -> None:
    assert LEVELS == (0, 1, 2, 3)
    assert [parse_level(f"L{n}") for n in LEVELS] == list(LEVELS)
    assert [parse_level(n) for n in LEVELS] == list(LEVELS)
    assert [format_level(n) for n in LEVELS] == ["L0", "L1", "L2", "L3"]
    for level in LEVELS:
        assert parse_level(format_level(level)) == level
    for bad in ("L4", "l2", "2", "L", "", "L-1", -1, 4, True, 2.0, None):
        with pytest.raises(ValueError):
            parse_level(bad)  # type: ignore[arg-type]
    for bad in (-1, 4, True):
        with pytest.raises(ValueError):
            format_level(bad)


def _reference_descriptions() -> set[str]:
    descriptions: set[str] = set()
    for path in sorted(SKVM_PROFILES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for detail in data.get("details", []):
            for result in detail.get("levelResults", []):
                if text := result.get("testDescription"):
                    descriptions.add(text)
    return descriptions


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_texts_are_not_copied_from_reference_profiles(catalog: Catalog) -> None:
    if not SKVM_PROFILES.is_dir():
        pytest.skip("../shared/profiles/skvm is not present")
    descriptions = _reference_descriptions()
    if not descriptions:
        pytest.skip("no testDescription in ../shared/profiles/skvm")
    # Long shared word runs betray a paraphrase that kept the original sentence.
    run = 5
    reference_runs = set()
    for desc in descriptions:
        words = _words(desc)
        reference_runs |= {tuple(words[i : i + run]) for i in range(len(words) - run + 1)}
    for where, text in all_texts(catalog):
        for desc in descriptions:
            assert desc.lower() not in text.lower(), f"{where} contains {desc!r}"
        words = _words(text)
        shared = [
            " ".join(words[i : i + run])
            for i in range(len(words) - run + 1)
            if tuple(words[i : i + run]) in reference_runs
        ]
        assert not shared, f"{where} shares wording with a reference probe: {shared[0]!r}"


def test_every_guide_subject_is_a_rule_or_construct(catalog: Catalog) -> None:
    """What a guide is about (`about_*`) names requirement rules or constructs the detectors
    of infer-capabilities find; a construct never asks for a level (issue 15, class 1)."""
    from skillir.analysis.cap.requirements import load_rules

    book = load_rules()
    named = {rule.id for rule in (*book.rules, *book.constructs)}
    assert book.constructs and all(c.level == 0 and not c.primitive for c in book.constructs)
    for prim in catalog:
        for step, ids in prim.about.items():
            assert set(ids) <= named, (prim.id, step, set(ids) - named)
    shell = catalog.primitive("gen.code.shell")
    assert "shell-text-pipeline" in shell.about["substitute"]
    assert shell.hands_over and catalog.primitive("tool.exec").hands_over


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("about_l3_to_l2", "shell-pipeline", "must be a non-empty list of rule ids"),
        ("about_l3_to_l2", [], "must be a non-empty list of rule ids"),
        ("hands_over", "yes", "'hands_over' must be true or false"),
    ],
)
def test_bad_guide_subject_is_an_error(key: str, value: Any, message: str) -> None:
    data = raw_catalog()
    data["primitive"][0][key] = value
    with pytest.raises(CatalogError, match=re.escape(message)):
        parse_catalog(data)
