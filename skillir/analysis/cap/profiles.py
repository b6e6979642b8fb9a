"""Target capability profiles: the level a (harness, model) pair reaches on each primitive.

A profile gives, for each of the 26 primitives, a level L0-L3 with the evidence behind it (pass
counts per level). Three shapes are read, recognised by content rather than by file name:

- a SkVM TCP (`"capabilities"` plus `"details"`), as published in `SJTU-IPADS/SkVM-data`;
- a SkVM compact map (`"profiles": [entry, ...]`, as in `capabilities.json`) or one such entry
  (`"harness"`, `"model"`, `"capabilities"`, no `"details"`): levels without evidence;
- our own format, written by `save_profile`.

SkVM records as `Lk` the highest level that *passed*, even when a lower level failed. skillir's
*effective* level is the highest L such that L and every level below it passed; a pass above a
failure is an inversion, kept as a warning (the recorded level stays in `Profile.recorded`). A
primitive a profile does not mention was not measured: it reads as L0, with a warning. Warnings
and errors are positioned in the profile file (line and column of the primitive's key).

Our format (`"format": "skillir-profile"`, `"version": 1`), one JSON object::

    {
      "format": "skillir-profile",
      "version": 1,
      "harness": "bare-agent",
      "model": "qwen/qwen3.5-9b",
      "catalog_version": "skillir-catalog/1",         // or null
      "provenance": {"source": "...", "profiledAt": "...", "format": "skvm-tcp", ...},
      "primitives": {
        "gen.code.python": {
          "level": 3,                                   // effective level, 0..3
          "recorded": 3,                                // as the source said; null = not measured
          "evidence": [{"level": 1, "passed": true, "passCount": 3, "totalCount": 3}, ...]
        },
        ...                                             // all 26 primitives
      }
    }

`provenance` describes the measurement (its `format` is that of the file first read:
`skvm-tcp`, `skvm-capabilities` or `skillir-profile`), so it survives conversion to our format.
A primitive missing from `primitives` reads as not measured, like in a SkVM file.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.targets.harnesses import ALIASES, harness_id

PRIMITIVES: tuple[str, ...] = PRIMITIVE_IDS
_KNOWN = frozenset(PRIMITIVES)

FORMAT = "skillir-profile"
FORMAT_VERSION = 1
GENERATOR = "skillir.analysis.cap.profiles/1"

"""Other names of a harness → the name profiles use (`claude-code`, `codex`, `opencode`,
`openclaw`, `hermes` are used as is)."""


@dataclass(frozen=True)
class LevelEvidence:
    """The outcome of one probe level: passed (all instances passed) and the counts."""

    level: int
    passed: bool
    pass_count: int
    total_count: int


@dataclass(frozen=True)
class ProfileWarning:
    """Something a reader of the profile should know, at a 1-based line and column of its file."""

    line: int
    col: int
    message: str
    primitive: str | None = None


@dataclass(frozen=True)
class Profile:
    """Effective levels (all 26 primitives) with what the file recorded and the evidence.

    `recorded` and `evidence` hold only the primitives the file measured; a compact profile has
    no evidence at all. Equality ignores `warnings` and `path`, which depend on the file read.
    """

    harness: str
    model: str
    levels: dict[str, int]
    recorded: dict[str, int]
    evidence: dict[str, tuple[LevelEvidence, ...]]
    catalog_version: str | None
    provenance: dict[str, str]
    warnings: tuple[ProfileWarning, ...] = field(default=(), compare=False)
    path: Path | None = field(default=None, compare=False)

    def level(self, primitive: str) -> int:
        """The effective level of `primitive` (0 when it was not measured)."""
        try:
            return self.levels[primitive]
        except KeyError:
            raise KeyError(f"unknown primitive {primitive!r}") from None

    @property
    def has_evidence(self) -> bool:
        return any(self.evidence.values())

    @property
    def profiled_at(self) -> str:
        return self.provenance.get("profiledAt", "")

    @property
    def inversions(self) -> tuple[str, ...]:
        """Primitives with a level passed above a failed one."""
        return tuple(p for p, ev in self.evidence.items() if _inverted(ev))


class ProfileError(ValueError):
    """A profile file that cannot be read, positioned at the offending line and column."""

    def __init__(self, path: Path | str, line: int, col: int, message: str):
        super().__init__(f"{path}:{line}:{col}: error: {message}")
        self.path = Path(path)
        self.line = line
        self.col = col
        self.message = message


class NotAProfileError(ProfileError):
    """Valid JSON of a shape that is no profile (a store skips such files silently)."""


# -- positions ----------------------------------------------------------------------------------


class _Locator:
    """Finds JSON keys and key/value pairs in the file text, as (line, col)."""

    def __init__(self, text: str):
        self.text = text
        self._starts: list[int] | None = None

    def pos(self, offset: int | None) -> tuple[int, int]:
        if offset is None:
            return 1, 1
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def find(self, key: str, value: Any = None, start: int = 0) -> int | None:
        """Offset of `"key":` (followed by the JSON `value` when given) at or after `start`."""
        pattern = _quoted(key) + r"\s*:"
        if value is not None:
            pattern += r"\s*" + _quoted(value)
        match = re.compile(pattern).search(self.text, start)
        return match.start() if match else None

    def at(self, *keys: tuple[str, Any], start: int = 0) -> tuple[int, int]:
        """Position of the first of `(key, value)` pairs found; 1:1 when none is."""
        for key, value in keys:
            offset = self.find(key, value, start)
            if offset is not None:
                return self.pos(offset)
        return self.pos(start) if start else (1, 1)


def _quoted(value: Any) -> str:
    forms = {json.dumps(value), json.dumps(value, ensure_ascii=False)}
    return "(?:" + "|".join(re.escape(f) for f in sorted(forms)) + ")"


# -- reading ------------------------------------------------------------------------------------


def load_profile(path: Path | str, harness: str = "", model: str = "") -> Profile:
    """Read one profile (SkVM TCP, one compact entry, or our format); from a file of several (a
    compact `capabilities.json`), the entry of `model` on `harness` (another harness's when the
    model has no entry on `harness`). `ProfileError` otherwise."""
    path = Path(path)
    profiles = load_profiles(path)
    if len(profiles) == 1:
        return profiles[0]
    if not model:
        raise ProfileError(
            path,
            1,
            1,
            f"file holds {len(profiles)} profiles; name one with --model (and --target), or "
            "list them with `skill-translate --list-profiles`",
        )
    chosen = select_profile(profiles, harness, model)
    if chosen is None:
        close = close_models(profiles, model)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ProfileError(path, 1, 1, f"no profile of model '{model}' in this file{hint}")
    return chosen


def select_profile(profiles: Iterable[Profile], harness: str, model: str) -> Profile | None:
    """The best profile of `model` on `harness`, else the best on any harness (as
    `ProfileStore.find_model_any_harness` orders them); None when `model` has none."""
    want_model, want_harness = canonical_model(model), canonical_harness(harness)
    same = [p for p in profiles if canonical_model(p.model) == want_model]
    here = [p for p in same if canonical_harness(p.harness) == want_harness]
    if here:
        return max(here, key=lambda p: _preference(p, model))
    best = _best_per_harness(same, model)
    return best[0] if best else None


def close_models(profiles: Iterable[Profile], model: str, n: int = 3) -> list[str]:
    """Model ids of `profiles` that look like `model` (`gpt-5.4` → `openai/gpt-5.4`): ids whose
    last part is `model`'s last part, then `difflib`'s close matches."""
    import difflib

    names = sorted({p.model for p in profiles})
    want = canonical_model(model)
    tail = want.rsplit("/", 1)[-1]
    same_tail = [m for m in names if canonical_model(m).rsplit("/", 1)[-1] == tail]
    lowered = {canonical_model(m): m for m in names}
    fuzzy = [lowered[m] for m in difflib.get_close_matches(want, list(lowered), n=n, cutoff=0.6)]
    out: list[str] = []
    for m in [*same_tail, *fuzzy]:
        if m not in out:
            out.append(m)
    return out[:n]


def load_profiles(path: Path | str) -> list[Profile]:
    """Read every profile in a file: one, or one per entry of a compact `capabilities.json`.
    Reading is cached per (path, size, modification time): compiling many skills for one
    target reads its profile once."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is not None:
        return list(_load_cached(str(path), stat.st_size, stat.st_mtime_ns))
    return _load_uncached(path)


@lru_cache(maxsize=64)
def _load_cached(path: str, size: int, mtime_ns: int) -> tuple[Profile, ...]:
    return tuple(_load_uncached(Path(path)))


def _load_uncached(path: Path) -> list[Profile]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError(path, 1, 1, f"cannot read profile: {err}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ProfileError(path, err.lineno, err.colno, f"invalid JSON: {err.msg}") from None
    reader = _Reader(path, _Locator(text))
    if not isinstance(data, dict):
        raise NotAProfileError(path, 1, 1, "not a capability profile (not a JSON object)")
    if "format" in data:
        if data["format"] != FORMAT:
            line, col = reader.loc.at(("format", None))
            message = f"unknown profile format {data['format']!r} (expected {FORMAT!r})"
            is_ours = isinstance(data["format"], str) and data["format"].startswith("skillir")
            raise (ProfileError if is_ours else NotAProfileError)(path, line, col, message)
        return [reader.ours(data)]
    if isinstance(data.get("profiles"), list):
        start = reader.loc.find("profiles") or 0
        out = []
        for index, entry in enumerate(data["profiles"]):
            if not isinstance(entry, dict):
                reader.fail(f"profiles[{index}] is not an object", start=start)
            start = reader.entry_start(entry, start)
            out.append(reader.skvm(entry, "skvm-capabilities", start))
            start += 1
        return out
    if isinstance(data.get("capabilities"), dict) and ("details" in data or "model" in data):
        kind = "skvm-tcp" if "details" in data else "skvm-capabilities"
        return [reader.skvm(data, kind, 0)]
    raise NotAProfileError(
        path,
        1,
        1,
        "not a capability profile: expected a SkVM TCP (capabilities + details), a compact map "
        f"(profiles), or a {FORMAT!r} file",
    )


def _parse_level(value: Any, allow_zero: bool = True) -> int | None:
    """`"L2"` or `2` → 2; None when `value` is no level in range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) == 2 and value[0] == "L" and value[1] in "0123":
        value = int(value[1])
    if isinstance(value, int) and (0 if allow_zero else 1) <= value <= 3:
        return value
    return None


def _effective(evidence: Iterable[LevelEvidence]) -> int:
    """The highest level L such that L and every level below it passed."""
    passed = {ev.level for ev in evidence if ev.passed}
    level = 0
    while level + 1 in passed:
        level += 1
    return level


def _inverted(evidence: tuple[LevelEvidence, ...]) -> bool:
    eff = _effective(evidence)
    return any(ev.passed and ev.level > eff for ev in evidence)


def _show(ev: LevelEvidence) -> str:
    return f"L{ev.level} {ev.pass_count}/{ev.total_count}"


class _Reader:
    """Turns parsed JSON into `Profile`s, raising positioned errors and positioning warnings."""

    def __init__(self, path: Path, loc: _Locator):
        self.path = path
        self.loc = loc

    def fail(
        self, message: str, key: str | None = None, value: Any = None, start: int = 0
    ) -> NoReturn:
        line, col = self.loc.at((key, value), start=start) if key else self.loc.pos(start)
        raise ProfileError(self.path, line, col, message)

    def entry_start(self, entry: dict[str, Any], start: int) -> int:
        """Offset of a compact entry: its `"model": "..."` pair, backed up to its `{`."""
        offset = self.loc.find("model", entry.get("model"), start) if "model" in entry else None
        if offset is None:
            return start
        brace = self.loc.text.rfind("{", start, offset)
        return brace if brace >= 0 else offset

    def text_field(self, data: dict[str, Any], key: str, start: int) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(
                f"{key!r} must be a non-empty string", key if key in data else None, None, start
            )
        return value.strip()

    def check_primitive(self, pid: str, key: str, value: Any, start: int) -> None:
        if pid not in _KNOWN:
            import difflib

            close = difflib.get_close_matches(pid, PRIMITIVES, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            self.fail(f"unknown primitive {pid!r}{hint}", key, value, start)

    def warn(self, message: str, primitive: str | None, *keys: tuple[str, Any], start: int = 0):
        line, col = self.loc.at(*keys, start=start)
        return ProfileWarning(line, col, message, primitive)

    # SkVM: a full TCP or a compact entry ------------------------------------------------------

    def skvm(self, data: dict[str, Any], kind: str, start: int) -> Profile:
        harness = self.text_field(data, "harness", start)
        model = self.text_field(data, "model", start)
        caps = data.get("capabilities")
        if not isinstance(caps, dict):
            self.fail(
                "'capabilities' must be an object of primitive → level", "capabilities", None, start
            )
        cap_start = self.loc.find("capabilities", None, start) or start
        recorded: dict[str, int] = {}
        for pid, value in caps.items():
            self.check_primitive(pid, pid, None, cap_start)
            level = _parse_level(value)
            if level is None:
                self.fail(
                    f"{pid}: level {value!r} is not one of L0, L1, L2, L3", pid, None, cap_start
                )
            recorded[pid] = level

        evidence: dict[str, tuple[LevelEvidence, ...]] = {}
        details = data.get("details", [])
        if not isinstance(details, list):
            self.fail("'details' must be a list", "details", None, start)
        for detail in details:
            pid, evs = self.detail(detail, start)
            evidence[pid] = evs
            if pid not in recorded:
                highest = _parse_level(detail.get("highestLevel"))
                recorded[pid] = (
                    highest
                    if highest is not None
                    else max((ev.level for ev in evs if ev.passed), default=0)
                )

        levels: dict[str, int] = {}
        warnings: list[ProfileWarning] = []
        if kind == "skvm-capabilities":
            warnings.append(
                self.warn(
                    "no per-level evidence in this profile (compact capability map): effective "
                    "levels are the recorded ones, which may hide inversions",
                    None,
                    ("model", model),
                    start=start,
                )
            )
        for pid in PRIMITIVES:
            where = (("primitiveId", pid), (pid, None))
            if pid not in recorded:
                levels[pid] = 0
                warnings.append(
                    self.warn(
                        f"{pid}: not measured in this profile; treated as L0",
                        pid,
                        ("capabilities", None),
                        start=start,
                    )
                )
                continue
            evs = evidence.get(pid)
            if evs is None:
                levels[pid] = recorded[pid]
                if kind == "skvm-tcp":
                    warnings.append(
                        self.warn(
                            f"{pid}: no levelResults; using the recorded level L{recorded[pid]}",
                            pid,
                            *where,
                            start=cap_start,
                        )
                    )
                continue
            levels[pid] = _effective(evs)
            passed_max = max((ev.level for ev in evs if ev.passed), default=0)
            if _inverted(evs):
                warnings.append(
                    self.warn(_inversion_message(pid, evs, recorded[pid]), pid, *where, start=start)
                )
            elif passed_max != recorded[pid]:
                warnings.append(
                    self.warn(
                        f"{pid}: recorded L{recorded[pid]} but the highest level passed is "
                        f"L{passed_max}; effective level L{levels[pid]}",
                        pid,
                        *where,
                        start=start,
                    )
                )

        provenance = {
            "source": str(self.path),
            "profiledAt": str(data.get("profiledAt", "")),
            "format": kind,
            "generator": f"SkVM profiler (schema {data['version']})"
            if "version" in data
            else "SkVM profiler",
        }
        for key, name in (("source", "upstream"), ("commit", "commit"), ("dir", "dir")):
            if kind == "skvm-capabilities" and isinstance(data.get(key), str):
                provenance[name] = data[key]
        if data.get("isPartial") is True:
            provenance["partial"] = "true"
        return Profile(
            harness=harness,
            model=model,
            levels=levels,
            recorded={p: recorded[p] for p in PRIMITIVES if p in recorded},
            evidence={p: evidence[p] for p in PRIMITIVES if p in evidence},
            catalog_version=None,
            provenance=provenance,
            warnings=tuple(warnings),
            path=self.path,
        )

    def detail(self, detail: Any, start: int) -> tuple[str, tuple[LevelEvidence, ...]]:
        if not isinstance(detail, dict) or not isinstance(detail.get("primitiveId"), str):
            self.fail(
                "each entry of 'details' needs a string 'primitiveId'", "details", None, start
            )
        pid = detail["primitiveId"]
        self.check_primitive(pid, "primitiveId", pid, start)
        at = self.loc.find("primitiveId", pid, start) or start
        results = detail.get("levelResults", [])
        if not isinstance(results, list):
            self.fail(f"{pid}: 'levelResults' must be a list", "levelResults", None, at)
        evs: dict[int, LevelEvidence] = {}
        for result in results:
            ev = self.evidence(result, pid, at, ("level", "passed", "passCount", "totalCount"))
            if ev.level in evs:
                self.fail(f"{pid}: L{ev.level} appears twice in levelResults", "level", None, at)
            evs[ev.level] = ev
        return pid, tuple(evs[k] for k in sorted(evs))

    def evidence(
        self, result: Any, pid: str, at: int, keys: tuple[str, str, str, str]
    ) -> LevelEvidence:
        k_level, k_passed, k_pass, k_total = keys
        if not isinstance(result, dict):
            self.fail(f"{pid}: each level result must be an object", start=at)
        level = _parse_level(result.get(k_level), allow_zero=False)
        if level is None:
            self.fail(
                f"{pid}: level result level {result.get(k_level)!r} is not one of L1, L2, L3",
                k_level,
                None,
                at,
            )
        passed = result.get(k_passed)
        counts = (result.get(k_pass), result.get(k_total))
        if not isinstance(passed, bool):
            self.fail(f"{pid}: L{level} needs a boolean {k_passed!r}", k_level, None, at)
        if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts):
            self.fail(
                f"{pid}: L{level} needs non-negative integer {k_pass!r} and {k_total!r}",
                k_level,
                None,
                at,
            )
        return LevelEvidence(level, passed, counts[0], counts[1])

    # our format ---------------------------------------------------------------------------

    def ours(self, data: dict[str, Any]) -> Profile:
        if data.get("version") != FORMAT_VERSION:
            self.fail(
                f"unsupported {FORMAT} version {data.get('version')!r} (expected {FORMAT_VERSION})",
                "version" if "version" in data else "format",
            )
        harness = self.text_field(data, "harness", 0)
        model = self.text_field(data, "model", 0)
        catalog_version = data.get("catalog_version")
        if catalog_version is not None and not isinstance(catalog_version, str):
            self.fail("'catalog_version' must be a string or null", "catalog_version")
        provenance = data.get("provenance", {})
        if not isinstance(provenance, dict) or not all(
            isinstance(v, str) for v in provenance.values()
        ):
            self.fail("'provenance' must be an object of strings", "provenance")
        prims = data.get("primitives")
        if not isinstance(prims, dict):
            self.fail("'primitives' must be an object keyed by primitive id", "primitives")
        start = self.loc.find("primitives") or 0

        levels: dict[str, int] = {}
        recorded: dict[str, int] = {}
        evidence: dict[str, tuple[LevelEvidence, ...]] = {}
        warnings: list[ProfileWarning] = []
        for pid, entry in prims.items():
            self.check_primitive(pid, pid, None, start)
            at = self.loc.find(pid, None, start) or start
            if not isinstance(entry, dict):
                self.fail(f"{pid}: expected an object with 'level'", pid, None, start)
            level = _parse_level(entry.get("level"))
            if level is None or isinstance(entry.get("level"), str):
                self.fail(
                    f"{pid}: level {entry.get('level')!r} is not an integer 0..3", "level", None, at
                )
            levels[pid] = level
            rec = entry.get("recorded")
            if rec is not None:
                if _parse_level(rec) is None or isinstance(rec, str):
                    self.fail(
                        f"{pid}: recorded {rec!r} is not an integer 0..3 or null",
                        "recorded",
                        None,
                        at,
                    )
                recorded[pid] = rec
            evs_raw = entry.get("evidence", [])
            if not isinstance(evs_raw, list):
                self.fail(f"{pid}: 'evidence' must be a list", "evidence", None, at)
            evs = [
                self.evidence(r, pid, at, ("level", "passed", "passCount", "totalCount"))
                for r in evs_raw
            ]
            if evs:
                evidence[pid] = tuple(sorted(evs, key=lambda ev: ev.level))
        for pid in PRIMITIVES:
            if pid not in recorded:
                levels.setdefault(pid, 0)
                warnings.append(
                    self.warn(
                        f"{pid}: not measured in this profile; treated as L{levels[pid]}",
                        pid,
                        (pid, None),
                        ("primitives", None),
                        start=start if pid in prims else 0,
                    )
                )
            elif pid in evidence and _inverted(evidence[pid]):
                warnings.append(
                    self.warn(
                        _inversion_message(pid, evidence[pid], recorded[pid]),
                        pid,
                        (pid, None),
                        start=start,
                    )
                )
        if not evidence and recorded:
            warnings.insert(
                0,
                self.warn(
                    "no per-level evidence in this profile: effective levels are the recorded "
                    "ones, which may hide inversions",
                    None,
                    ("primitives", None),
                ),
            )
        return Profile(
            harness=harness,
            model=model,
            levels={p: levels[p] for p in PRIMITIVES},
            recorded={p: recorded[p] for p in PRIMITIVES if p in recorded},
            evidence={p: evidence[p] for p in PRIMITIVES if p in evidence},
            catalog_version=catalog_version,
            provenance=dict(provenance),
            warnings=tuple(warnings),
            path=self.path,
        )


def _inversion_message(pid: str, evs: tuple[LevelEvidence, ...], recorded: int) -> str:
    eff = _effective(evs)
    failed = next((ev for ev in evs if ev.level == eff + 1), None)
    above = [ev for ev in evs if ev.passed and ev.level > eff]
    below = f"failed {_show(failed)}" if failed else f"missing L{eff + 1}"
    return (
        f"{pid}: inversion: passed {', '.join(_show(ev) for ev in above)} above {below}; "
        f"effective level L{eff} (recorded L{recorded})"
    )


# -- writing ------------------------------------------------------------------------------------


def profile_to_json(profile: Profile) -> dict[str, Any]:
    """The profile in our format, as a JSON-ready dict."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "harness": profile.harness,
        "model": profile.model,
        "catalog_version": profile.catalog_version,
        "provenance": dict(profile.provenance),
        "primitives": {
            pid: {
                "level": profile.levels.get(pid, 0),
                "recorded": profile.recorded.get(pid),
                "evidence": [
                    {
                        "level": ev.level,
                        "passed": ev.passed,
                        "passCount": ev.pass_count,
                        "totalCount": ev.total_count,
                    }
                    for ev in profile.evidence.get(pid, ())
                ],
            }
            for pid in PRIMITIVES
        },
    }


def save_profile(profile: Profile, path: Path | str) -> Path:
    """Write `profile` in our format, atomically (a temporary file beside it, then a rename)."""
    from skillir.atomic import write_text_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(
        path, json.dumps(profile_to_json(profile), indent=2, ensure_ascii=False) + "\n"
    )
    return path


# -- the store ----------------------------------------------------------------------------------


def canonical_harness(harness: str) -> str:
    """A harness as profile stores spell it: `harnesses.harness_id`, with the bare agent
    spelled `bare-agent` as SkVM's profiles do."""
    name = harness_id(harness)
    return next((alias for alias, hid in ALIASES.items() if hid == name), name)


def canonical_model(model: str) -> str:
    """Lower-cased model id, with `openrouter/<provider>/<model>` read as `<provider>/<model>`."""
    name = model.strip().lower()
    if name.startswith("openrouter/") and name.count("/") >= 2:
        name = name[len("openrouter/") :]
    return name


def _preference(profile: Profile, model: str) -> tuple[bool, bool, str, bool, str]:
    """Sort key, best last: evidence, then measured under the runtime's default protocol
    (`skill-profile` records `defaultProtocol`), then newest, then the exact model spelling."""
    exact = profile.model.strip().lower() == model.strip().lower()
    default = profile.provenance.get("defaultProtocol", "true") == "true"
    return (profile.has_evidence, default, profile.profiled_at, exact, str(profile.path or ""))


def _best_per_harness(profiles: Iterable[Profile], model: str) -> list[Profile]:
    """The best of `profiles` on each harness, best first."""
    best: dict[str, Profile] = {}
    for p in profiles:
        key = canonical_harness(p.harness)
        if key not in best or _preference(p, model) > _preference(best[key], model):
            best[key] = p
    by_harness = sorted(best.values(), key=lambda p: canonical_harness(p.harness))
    return sorted(by_harness, key=lambda p: _preference(p, model)[:3], reverse=True)


class ProfileStore:
    """Every profile found in `*.json` files under `root`, scanned once on first use; a model
    the store does not hold is looked up in `fallback` (the profiles shipped in the package)."""

    def __init__(self, root: Path | str, fallback: ProfileStore | None = None):
        self.root = Path(root)
        self.fallback = fallback
        self._profiles: tuple[Profile, ...] | None = None
        self._errors: tuple[ProfileError, ...] = ()

    def _scan(self) -> tuple[Profile, ...]:
        if self._profiles is None:
            found: list[Profile] = []
            errors: list[ProfileError] = []
            files = sorted(self.root.rglob("*.json")) if self.root.is_dir() else []
            for path in files:
                if path.name.startswith(".") or not path.is_file():
                    continue
                try:
                    found.extend(load_profiles(path))
                except NotAProfileError:
                    continue
                except ProfileError as err:
                    errors.append(err)
            self._profiles, self._errors = tuple(found), tuple(errors)
        return self._profiles

    @property
    def profiles(self) -> tuple[Profile, ...]:
        return self._scan()

    @property
    def errors(self) -> tuple[ProfileError, ...]:
        """Files that looked like profiles (or were not JSON) but could not be read."""
        self._scan()
        return self._errors

    def _matching(self, model: str, keep: Callable[[Profile], bool]) -> list[Profile]:
        want = canonical_model(model)
        return [p for p in self._scan() if canonical_model(p.model) == want and keep(p)]

    def find(self, harness: str, model: str) -> Profile | None:
        """The best profile of `model` on `harness`: a full TCP over a compact entry, then the
        newest `profiledAt`; None when there is none."""
        want = canonical_harness(harness)
        found = self._matching(model, lambda p: canonical_harness(p.harness) == want)
        if not found and self.fallback is not None:
            return self.fallback.find(harness, model)
        return max(found, key=lambda p: _preference(p, model)) if found else None

    def find_model_any_harness(self, model: str) -> list[Profile]:
        """The best profile of `model` on each harness that has one, best first."""
        found = self._matching(model, lambda p: True)
        if not found and self.fallback is not None:
            return self.fallback.find_model_any_harness(model)
        return _best_per_harness(found, model)

    def close_models(self, model: str) -> list[str]:
        """Model ids of the store that look like `model` (for "did you mean")."""
        shipped = self.fallback.profiles if self.fallback is not None else ()
        return close_models((*self._scan(), *shipped), model)


def default_profile_dir() -> Path:
    """`$SKILLIR_PROFILES`, else `$XDG_CACHE_HOME/skillir/profiles`, else
    `~/.cache/skillir/profiles`."""
    env = os.environ.get("SKILLIR_PROFILES")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME")
    base = Path(cache).expanduser() if cache else Path.home() / ".cache"
    return base / "skillir" / "profiles"


SHIPPED_PROFILES = Path(__file__).parents[2] / "data" / "profiles"
"""Profiles measured by `skill-profile` and shipped in the package (the embedded model's)."""


def open_store(profile_dir: str | Path | None = None) -> ProfileStore:
    """A store over `profile_dir`; when it is None or empty, over `default_profile_dir()` with
    the shipped profiles as its fallback, or over the shipped profiles alone when no
    `$SKILLIR_PROFILES` is set and the user's cache holds no store."""
    if profile_dir:
        return ProfileStore(Path(profile_dir).expanduser())
    shipped = ProfileStore(SHIPPED_PROFILES)
    root = default_profile_dir()
    if not root.is_dir() and not os.environ.get("SKILLIR_PROFILES"):
        return shipped
    return ProfileStore(root, fallback=shipped)
