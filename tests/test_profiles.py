"""Capability profiles: SkVM files, effective levels vs recorded ones, our format, the store."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from skillir.analysis.cap.profiles import (
    PRIMITIVES,
    LevelEvidence,
    ProfileError,
    ProfileStore,
    default_profile_dir,
    load_profile,
    load_profiles,
    open_store,
    save_profile,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SKVM = SHARED / "profiles" / "skvm"
QWEN_9B = SKVM / "bare-agent__qwen--qwen3.5-9b.json"


@pytest.fixture
def skvm() -> Path:
    if not SKVM.is_dir():
        pytest.skip("../shared/profiles/skvm is not present")
    return SKVM


def _results(passes: str) -> list[dict]:
    """`"PFP"` → SkVM levelResults for L1..L3 (P = 3/3, F = 1/3)."""
    return [
        {
            "level": f"L{i + 1}",
            "passed": c == "P",
            "passCount": 3 if c == "P" else 1,
            "totalCount": 3,
            "durationMs": 1.0,
            "costUsd": 0,
            "testDescription": "probe",
            "failureDetails": [],
        }
        for i, c in enumerate(passes)
    ]


def _tcp(outcomes: dict[str, str], recorded: dict[str, str] | None = None) -> dict:
    """A synthetic SkVM TCP; `recorded` defaults to SkVM's rule (highest level passed)."""

    def highest(passes: str) -> str:
        return f"L{max((i + 1 for i, c in enumerate(passes) if c == 'P'), default=0)}"

    caps = recorded or {pid: highest(p) for pid, p in outcomes.items()}
    return {
        "version": "1.0",
        "model": "acme/tiny-1b",
        "harness": "bare-agent",
        "profiledAt": "2026-04-08T13:37:07.083Z",
        "capabilities": caps,
        "details": [
            {"primitiveId": pid, "highestLevel": caps[pid], "levelResults": _results(p)}
            for pid, p in outcomes.items()
        ],
        "cost": {"totalUsd": 0},
        "isPartial": False,
    }


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _file_effective(path: Path) -> dict[str, int]:
    """Effective levels computed straight from a SkVM file's levelResults (0 when missing)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    levels = dict.fromkeys(PRIMITIVES, 0)
    for detail in data["details"]:
        passed = {int(r["level"][1]) for r in detail["levelResults"] if r["passed"]}
        level = 0
        while level + 1 in passed:
            level += 1
        levels[detail["primitiveId"]] = level
    return levels


ALL_PASS = dict.fromkeys(PRIMITIVES, "PPP")


# -- the primitive list ---------------------------------------------------------------------------


def test_primitives_match_the_catalog() -> None:
    assert len(PRIMITIVES) == len(set(PRIMITIVES)) == 26
    if importlib.util.find_spec("skillir.analysis.cap.catalog") is None:
        pytest.skip("skillir.analysis.cap.catalog is not there yet")
    from skillir.analysis.cap.catalog import load_catalog

    assert set(load_catalog().primitives) == set(PRIMITIVES)


# -- reference files ------------------------------------------------------------------------------


def test_every_reference_file_loads(skvm: Path) -> None:
    files = sorted(skvm.glob("*.json"))
    assert files
    for path in files:
        profiles = load_profiles(path)
        assert profiles, path
        for profile in profiles:
            assert set(profile.levels) == set(PRIMITIVES)
            assert all(0 <= v <= 3 for v in profile.levels.values())
            assert all(profile.levels[p] <= profile.recorded.get(p, 0) for p in PRIMITIVES)
            assert profile.path == path
        if path.name != "capabilities.json":
            (profile,) = profiles
            assert profile.has_evidence
            assert profile.levels == _file_effective(path)
            assert profile.provenance["format"] == "skvm-tcp"


def test_reference_inversions_are_warned_at_their_primitive(skvm: Path) -> None:
    opus = load_profile(skvm / "bare-agent__anthropic--claude-opus-4.6.json")
    # L1 0/3, L2 2/3, L3 3/3: SkVM says L3, nothing below L3 passed.
    assert opus.recorded["tool.exec"] == 3
    assert opus.level("tool.exec") == 0
    assert opus.inversions == ("tool.exec",)
    (warning,) = [w for w in opus.warnings if w.primitive == "tool.exec"]
    assert "inversion" in warning.message
    line = _line_of(opus.path, '"primitiveId": "tool.exec"')
    assert warning.line == line


def test_compact_map_has_one_profile_per_entry_without_evidence(skvm: Path) -> None:
    data = json.loads((skvm / "capabilities.json").read_text(encoding="utf-8"))
    profiles = load_profiles(skvm / "capabilities.json")
    assert len(profiles) == len(data["profiles"])
    for profile, entry in zip(profiles, data["profiles"], strict=True):
        assert (profile.harness, profile.model) == (entry["harness"], entry["model"])
        assert not profile.evidence
        assert profile.provenance["format"] == "skvm-capabilities"
        assert any("no per-level evidence" in w.message for w in profile.warnings)
        for pid, level in entry["capabilities"].items():
            assert profile.levels[pid] == profile.recorded[pid] == int(level[1])
    with pytest.raises(ProfileError, match="44 profiles"):
        load_profile(skvm / "capabilities.json")


# -- effective levels -----------------------------------------------------------------------------


def test_level_passed_above_a_failed_one_is_an_inversion(tmp_path: Path) -> None:
    path = _write(tmp_path / "tcp.json", _tcp({**ALL_PASS, "reason.logic": "FPF"}))
    profile = load_profile(path)
    assert profile.level("reason.logic") == 0
    assert profile.recorded["reason.logic"] == 2
    assert profile.level("gen.code.python") == 3
    assert profile.inversions == ("reason.logic",)
    (warning,) = profile.warnings
    assert warning.primitive == "reason.logic"
    line = _line_of(path, '"primitiveId": "reason.logic"')
    assert warning.line == line
    text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert warning.col == text.index('"primitiveId"') + 1
    assert "L2 3/3" in warning.message and "L1 1/3" in warning.message


def test_effective_level_stops_at_first_failure(tmp_path: Path) -> None:
    outcomes = {**ALL_PASS, "gen.regex": "PFP", "tool.exec": "PPF", "tool.web": "FFF"}
    profile = load_profile(_write(tmp_path / "tcp.json", _tcp(outcomes)))
    assert profile.level("gen.regex") == 1
    assert profile.level("tool.exec") == 2
    assert profile.level("tool.web") == 0
    assert profile.inversions == ("gen.regex",)
    assert profile.evidence["tool.exec"] == (
        LevelEvidence(1, True, 3, 3),
        LevelEvidence(2, True, 3, 3),
        LevelEvidence(3, False, 1, 3),
    )


def test_missing_primitive_is_l0_with_a_warning(tmp_path: Path) -> None:
    outcomes = {p: v for p, v in ALL_PASS.items() if p != "tool.web"}
    path = _write(tmp_path / "tcp.json", _tcp(outcomes))
    profile = load_profile(path)
    assert profile.level("tool.web") == 0
    assert "tool.web" not in profile.recorded
    (warning,) = profile.warnings
    assert warning.primitive == "tool.web"
    assert "not measured" in warning.message
    assert warning.line == _line_of(path, '"capabilities"')


def test_single_compact_entry_loads(tmp_path: Path) -> None:
    entry = {"harness": "openclaw", "model": "acme/tiny-1b", "capabilities": {"tool.exec": "L2"}}
    profile = load_profile(_write(tmp_path / "entry.json", entry))
    assert profile.level("tool.exec") == 2
    assert profile.level("gen.code.python") == 0
    assert sum("not measured" in w.message for w in profile.warnings) == 25


# -- our format -----------------------------------------------------------------------------------


def test_our_format_round_trips(tmp_path: Path) -> None:
    outcomes = {p: v for p, v in ALL_PASS.items() if p != "tool.web"}
    original = load_profile(_write(tmp_path / "tcp.json", _tcp({**outcomes, "gen.regex": "FPP"})))
    saved = save_profile(original, tmp_path / "out" / "tiny.json")
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["format"] == "skillir-profile" and data["version"] == 1
    assert data["primitives"]["gen.regex"]["level"] == 0
    assert data["primitives"]["gen.regex"]["recorded"] == 3
    assert data["primitives"]["tool.web"]["recorded"] is None
    again = load_profile(saved)
    assert again == original
    assert again.path == saved
    assert again.provenance["format"] == "skvm-tcp"
    assert [w.message for w in again.warnings] == [w.message for w in original.warnings]
    assert again.warnings[0].line == _line_of(saved, '"gen.regex"')
    assert [p.name for p in saved.parent.iterdir()] == ["tiny.json"]


def test_reference_profile_round_trips(skvm: Path, tmp_path: Path) -> None:
    for source in (QWEN_9B, skvm / "capabilities.json"):
        for profile in load_profiles(source):
            again = load_profile(save_profile(profile, tmp_path / "p.json"))
            assert again == profile


def test_our_format_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    original = load_profile(_write(tmp_path / "a.json", _tcp(ALL_PASS)))
    saved = save_profile(original, tmp_path / "capabilities.txt")
    assert load_profile(saved) == original


# -- errors ---------------------------------------------------------------------------------------


def test_broken_json_is_positioned(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "harness": "bare-agent",\n  "model": oops\n}\n', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert (info.value.line, info.value.col) == (3, 12)
    assert str(info.value).startswith(f"{path}:3:12: error: invalid JSON")


def test_unknown_primitive_is_positioned(tmp_path: Path) -> None:
    data = _tcp(ALL_PASS)
    data["capabilities"]["gen.code.cobol"] = "L1"
    path = _write(tmp_path / "tcp.json", data)
    with pytest.raises(ProfileError, match="unknown primitive 'gen.code.cobol'") as info:
        load_profile(path)
    assert info.value.line == _line_of(path, '"gen.code.cobol"')


def test_level_out_of_range_is_positioned(tmp_path: Path) -> None:
    data = _tcp(ALL_PASS)
    data["capabilities"]["tool.exec"] = "L4"
    path = _write(tmp_path / "tcp.json", data)
    with pytest.raises(ProfileError, match="'L4'") as info:
        load_profile(path)
    assert info.value.line == _line_of(path, '"tool.exec": "L4"')

    ours = json.loads(save_profile(load_profile(_write(path, _tcp(ALL_PASS))), path).read_text())
    ours["primitives"]["gen.regex"]["level"] = 5
    _write(path, ours)
    with pytest.raises(ProfileError, match="not an integer 0..3") as info:
        load_profile(path)
    assert info.value.line > _line_of(path, '"gen.regex"')


def test_unknown_shape_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="not a capability profile"):
        load_profile(_write(tmp_path / "x.json", {"name": "package"}))
    with pytest.raises(ProfileError, match="unknown profile format"):
        load_profile(_write(tmp_path / "y.json", {"format": "other"}))


# -- the store ------------------------------------------------------------------------------------


def test_store_prefers_the_full_profile(skvm: Path) -> None:
    store = ProfileStore(skvm)
    found = store.find("bare", "qwen/qwen3.5-9b")
    assert found is not None
    assert found.path == QWEN_9B
    assert found.levels == _file_effective(QWEN_9B)
    haiku = store.find("openclaw", "anthropic/claude-haiku-4.5")
    assert haiku is not None and haiku.has_evidence
    assert store.errors == ()


def test_store_finds_models_only_in_the_compact_map(skvm: Path) -> None:
    store = ProfileStore(skvm)
    found = store.find("hermes", "deepseek/deepseek-v4-pro")
    assert found is not None
    assert found.path == skvm / "capabilities.json"
    assert not found.has_evidence
    harnesses = {p.harness for p in store.find_model_any_harness("deepseek/deepseek-v4-pro")}
    assert harnesses == {"bare-agent", "openclaw", "hermes"}


def test_store_aliases_and_openrouter_names(skvm: Path) -> None:
    store = ProfileStore(skvm)
    plain = store.find("bare", "qwen/qwen3.5-9b")
    assert store.find("bare-agent", "Qwen/Qwen3.5-9B") is plain
    assert store.find("BARE", "openrouter/qwen/qwen3.5-9b") is plain
    assert store.find("claude-code", "qwen/qwen3.5-9b") is None
    assert store.find("bare", "qwen/qwen9") is None
    assert store.find("bare", "openrouter/qwen3.5-9b") is None


def test_store_prefers_the_newest(tmp_path: Path) -> None:
    old, new = _tcp(ALL_PASS), _tcp({**ALL_PASS, "tool.exec": "PFF"})
    new["profiledAt"] = "2026-05-01T00:00:00.000Z"
    (tmp_path / "a").mkdir()
    _write(tmp_path / "a" / "old.json", old)
    _write(tmp_path / "new.json", new)
    found = ProfileStore(tmp_path).find("bare", "acme/tiny-1b")
    assert found is not None and found.level("tool.exec") == 1


def test_store_skips_non_profiles_and_remembers_errors(tmp_path: Path) -> None:
    _write(tmp_path / "package.json", {"name": "x"})
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    _write(tmp_path / "ok.json", _tcp(ALL_PASS))
    store = ProfileStore(tmp_path)
    assert [p.path.name for p in store.profiles] == ["ok.json"]
    (error,) = store.errors
    assert error.path.name == "broken.json" and error.line == 1


def test_store_over_a_missing_dir_is_empty(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "nowhere")
    assert store.find("bare", "qwen/qwen3.5-9b") is None
    assert store.errors == ()


def test_profile_dir_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    _write(tmp_path / "tiny.json", _tcp(ALL_PASS))
    monkeypatch.setenv("SKILLIR_PROFILES", str(tmp_path))
    assert default_profile_dir() == tmp_path
    assert open_store(None).find("bare", "acme/tiny-1b") is not None
    assert open_store(str(tmp_path / "other")).root == tmp_path / "other"

    monkeypatch.delenv("SKILLIR_PROFILES")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_profile_dir() == tmp_path / "cache" / "skillir" / "profiles"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_profile_dir() == tmp_path / "home" / ".cache" / "skillir" / "profiles"


# -- issue 15 item 9: every entry of a compact map compiles; the CLI names its flags ----------

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "pdf-report"


def _target(harness: str) -> str:
    return "bare" if harness == "bare-agent" else harness


def test_every_entry_of_the_compact_map_compiles(skvm: Path, monkeypatch, capsys) -> None:
    """All 44 (harness, model) entries of capabilities.json compile with `--target --model`
    (before: 12 did; the rest failed with "pick one with a ProfileStore")."""
    from skillir.tools.skill_translate import main as translate

    monkeypatch.setenv("SKILLIR_PROFILES", str(skvm))
    entries = json.loads((skvm / "capabilities.json").read_text())["profiles"]
    assert len(entries) == 44
    failed = []
    for entry in entries:
        args = [str(EXAMPLE), f"--target={_target(entry['harness'])}", f"--model={entry['model']}"]
        if translate(args) != 0:
            failed.append((entry["harness"], entry["model"], capsys.readouterr().err))
        capsys.readouterr()
    assert failed == []


def test_load_profile_picks_the_entry_of_a_model(skvm: Path) -> None:
    path = skvm / "capabilities.json"
    hermes = load_profile(path, "hermes", "deepseek/deepseek-v4-pro")
    assert (hermes.harness, hermes.model) == ("hermes", "deepseek/deepseek-v4-pro")
    # the model on a harness without an entry: another harness's (a borrowed profile)
    assert load_profile(path, "codex", "openai/gpt-5.4").model == "openai/gpt-5.4"
    with pytest.raises(ProfileError, match=r"holds 44 profiles; name one with --model"):
        load_profile(path)
    with pytest.raises(ProfileError, match=r"did you mean openai/gpt-5.4"):
        load_profile(path, "bare", "gpt-5.4")


def test_list_profiles(skvm: Path, capsys) -> None:
    from skillir.tools.skill_translate import main as translate

    assert translate(["--list-profiles", "--profile-dir", str(skvm)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"# {len(out) - 1} profiles in {skvm}")
    assert "hermes\tdeepseek/deepseek-v4-pro\tcapabilities.json\tlevels only" in out
    assert (
        "bare-agent\tqwen/qwen3.5-9b\tbare-agent__qwen--qwen3.5-9b.json\tper-level evidence" in out
    )
    assert translate(["--list-profiles", "--profile-dir", str(skvm / "nowhere")]) == 2
    assert "error: no profile store at" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target=codex"], "error: --target=codex needs --model ID (or --profile FILE)"),
        (
            ["--target=bare", "--model=gpt-5.4"],
            "error: --model gpt-5.4: the store {skvm} has no profile of it; did you mean "
            "openai/gpt-5.4, openrouter/openai/gpt-5.4?",
        ),
        (
            ["--target=codex", "--model=openai/gpt-5.4"],
            "error: --model openai/gpt-5.4: no profile on 'codex' in {skvm} (measured on "
            "bare-agent, openclaw); --borrow-profile uses the one measured on bare-agent",
        ),
        (
            ["--target=bare", "--model=openai/gpt-5.4", "--profile-dir", "{skvm}/nowhere"],
            "error: no profile store at '{skvm}/nowhere': name one with --profile-dir DIR",
        ),
    ],
)
def test_profile_usage_errors_name_the_flag(
    skvm: Path, monkeypatch, capsys, args: list[str], message: str
) -> None:
    """A usage problem is exit 2 with the CLI flag in the message, never SKILL.md:1:1."""
    from skillir.tools.skill_translate import main as translate

    monkeypatch.setenv("SKILLIR_PROFILES", str(skvm))
    assert translate([str(EXAMPLE), *[a.format(skvm=skvm) for a in args]]) == 2
    err = capsys.readouterr().err
    assert message.format(skvm=skvm) in err
    assert "SKILL.md:1:1" not in err and "borrow=true" not in err


def test_no_compensate_needs_no_profile(tmp_path: Path, monkeypatch, capsys) -> None:
    from skillir.tools.skill_translate import main as translate

    monkeypatch.setenv("SKILLIR_PROFILES", str(tmp_path / "no-store"))
    assert translate([str(EXAMPLE), "--target=codex", "--no-compensate"]) == 0
    assert capsys.readouterr().out == (EXAMPLE / "SKILL.md").read_text()
    out = tmp_path / "out"
    assert translate([str(EXAMPLE), "--target=hermes", "--no-compensate", "-o", str(out)]) == 0
    assert (out / "SKILL.md").read_bytes() == (EXAMPLE / "SKILL.md").read_bytes()
    assert (out / "env-setup.sh").is_file() and (out / "plan.json").is_file()


def test_inversion_warnings_once_per_file_and_quiet(skvm: Path, tmp_path: Path) -> None:
    """In one process, a profile's own warnings are reported by the first compile only; `-q`
    prints no warning at all (errors still print)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from skillir.tools.skill_translate import main\n"
        "for _ in range(3):\n"
        f"    main([{str(EXAMPLE)!r}, '--target=bare', '--profile', {str(QWEN_9B)!r}])\n"
    )
    err = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stderr
    inversions = [line for line in err.splitlines() if "inversion" in line]
    assert inversions and len(inversions) == len(set(inversions))
    quiet = subprocess.run(
        [
            sys.executable, "-m", "skillir.tools.skill_translate", str(EXAMPLE), "--target=bare",
            "--profile", str(QWEN_9B), "-q",
        ],
        capture_output=True, text=True,
    )  # fmt: skip
    assert quiet.returncode == 0 and quiet.stdout and "warning" not in quiet.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "SKILL.md").write_text("---\nname: [unclosed\n---\n# x\n")
    failed = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_translate", str(bad), "-q", "--target=bare",
         "--profile", str(QWEN_9B)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert failed.returncode == 1 and "error: invalid YAML" in failed.stderr
