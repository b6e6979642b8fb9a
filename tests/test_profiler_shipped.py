"""The embedded model's profiles ship in the package: both protocols, found by the store, and a
fresh user compiles for `local/smollm2-135m` with no profile store and no flags."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.analysis.cap.profiles import SHIPPED_PROFILES, load_profile, open_store, save_profile
from skillir.profiler.base import GENERATOR_VERSION

ROOT = Path(__file__).resolve().parents[1]
MODEL = "local/smollm2-135m"


def _shipped() -> dict[str, object]:
    return {
        load_profile(p).provenance["protocol"]: load_profile(p)
        for p in sorted(SHIPPED_PROFILES.glob("*.json"))
    }


def test_both_protocols_ship_measured_by_the_current_generators() -> None:
    schema = json.loads((SHIPPED_PROFILES.parent / "profile.schema.json").read_text())
    for path in SHIPPED_PROFILES.glob("*.json"):
        Draft202012Validator(schema).validate(json.loads(path.read_text()))
    shipped = _shipped()
    assert sorted(shipped) == ["json", "json-constrained"]
    for protocol, prof in shipped.items():
        assert (prof.model, prof.harness) == (MODEL, "bare-agent")
        assert sorted(prof.recorded) == sorted(PRIMITIVE_IDS)  # all 26 measured
        assert prof.provenance["generator"] == GENERATOR_VERSION  # else: profile again
        assert prof.provenance["defaultProtocol"] == str(protocol == "json-constrained").lower()
        assert not prof.warnings or all("not measured" not in w.message for w in prof.warnings)


def _fresh_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME with no profile store and no SKILLIR_PROFILES / XDG_CACHE_HOME."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SKILLIR_PROFILES", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    return home


def test_the_store_finds_the_default_protocol_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _fresh_user(tmp_path, monkeypatch)
    store = open_store(None)
    assert store.root == SHIPPED_PROFILES
    assert store.find("bare", MODEL).provenance["protocol"] == "json-constrained"
    # a user store without the model: the shipped profile is its fallback
    user = home / ".cache" / "skillir" / "profiles"
    user.mkdir(parents=True)
    found = open_store(None).find("bare", MODEL)
    assert found is not None and found.path.parent == SHIPPED_PROFILES
    # a user's own profile of the model wins over the shipped one
    mine = save_profile(found, user / "mine.json")
    assert open_store(None).find("bare", MODEL).path == mine
    # an explicit --profile-dir holds only what it holds
    assert open_store(tmp_path / "elsewhere").find("bare", MODEL) is None


def test_a_fresh_user_compiles_for_the_embedded_model_with_no_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`skill-translate SKILL --target=bare --model local/smollm2-135m`, run away from the
    repository (cwd and HOME in a temp dir, no ../shared, no store), binds the shipped
    json-constrained profile."""
    _fresh_user(tmp_path, monkeypatch)
    skill = tmp_path / "word-stats"
    shutil.copytree(ROOT / "examples" / "word-stats", skill)
    env = {k: v for k, v in os.environ.items() if k not in ("SKILLIR_PROFILES", "PYTHONPATH")}
    argv = [sys.executable, "-m", "skillir.tools.skill_translate", "word-stats"]
    argv += ["--target=bare", "--model", MODEL, "-o", "out"]
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "SKILL.md").is_file()
    ir = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_opt", "word-stats", "-p",
         f'bind-target{{harness=bare model="{MODEL}"}}'],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert ir.returncode == 0, ir.stderr
    assert str(SHIPPED_PROFILES / "smollm2-135m__json-constrained.json") in ir.stdout
