"""JIT solidification on held-out prompts: latency, tokens and pass rate with and without it.

    nice python bench/jit_latency.py OUT [--phase all] [--families count-words,head-lines,...]
    nice python bench/jit_latency.py OUT --phase bench [--heldout-limit N] [--profile FILE]

Each family in bench/jit_families/ is one skill, 10 training and 10 held-out prompts (other
file names, numbers, words and phrasings) and a deterministic grader (the expected output is
computed from the fixture by Python, never by the command under test). Phases (each resumes
from OUT/runs.jsonl; `all` runs them in order):

- `train-model`: the training prompts run by the embedded model (local/smollm2-135m), traces kept.
- `train-scripted`: the training prompts run by a script that issues the skill's command with
  the prompt's values (`skillir.runtime.jit.record`: the runtime's sandbox and trace writer, no
  model); recorded so that mining, validation and execution are measured even when the model
  seldom solves a task. Its figures are reported apart, as `scripted`.
- `mine`: `skill-jit mine` over each source's passing training traces (one store per source).
- `heldout`: the held-out prompts run by the model without JIT, then with `--jit` on each
  source's store (where no candidate fires, the model runs as without JIT).
- `report`: the table (medians per held-out task, the ratio of median latencies with a paired
  bootstrap 95 % interval, the share where a candidate fired, grader pass rates), then the
  scripted candidates on probe prompts outside the families' phrasings (run directly, no
  model): which bind, and whether what they write is right.

`--phase bench` measures the same through skill-bench's `compiled` and `jit` conditions
(OUT/bench/): the families' prompts become task folders (a file-check `equals` grader with the
expected content computed here), the scripted training runs use the skill compiled as the
conditions compile it (the store is keyed by that folder's digest), `skill-jit mine` makes
OUT/bench/store, `skill-bench run --conditions compiled,jit --jit-store` runs the held-out
tasks (resumable; skill-bench's reply limit, `--max-steps` as here), then the same table. The
phases above keep their own loop for what skill-bench does not do: the model's training runs
on the skill as written, the 128-token reply limit, and the probes run without a task folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

FAMILIES = Path(__file__).parent / "jit_families"
MODEL = "local/smollm2-135m"
SOURCES = ("model", "scripted")
SHIPPED_PROFILE = (
    Path(__file__).parents[1]
    / "skillir"
    / "data"
    / "profiles"
    / "smollm2-135m__json-constrained.json"
)


def load(family: str) -> dict[str, Any]:
    return json.loads((FAMILIES / family / "prompts.json").read_text())


def expected(grader: str, item: dict[str, Any]) -> tuple[str, str]:
    """(output file, its expected stripped content), computed from the fixture."""
    p = item["params"]
    text = item["files"][p["input"]]
    if grader == "word-count":
        return p["output"], str(len(text.split()))
    if grader == "head":
        return p["output"], "\n".join(text.splitlines()[: p["n"]])
    if grader == "grep-count":
        return p["output"], str(sum(p["word"] in line for line in text.splitlines()))
    raise ValueError(grader)


def grade(grader: str, item: dict[str, Any], work: Path) -> bool:
    """Whether the output file holds the expected content (surrounding blanks ignored)."""
    name, want = expected(grader, item)
    path = work / name
    if path.is_symlink() or not path.is_file():
        return False
    return path.read_text(errors="replace").strip() == want


def stage(item: dict[str, Any], root: Path) -> tuple[Path, Path]:
    """A fresh work directory with the item's files, and a trace directory beside it."""
    shutil.rmtree(root, ignore_errors=True)
    work, trace = root / "work", root / "trace"
    work.mkdir(parents=True)
    for name, content in item["files"].items():
        (work / name).write_text(content)
    return work, trace


def command_of(family: str, item: dict[str, Any]) -> str:
    """The skill's command with the prompt's values (what a correct agent runs)."""
    p = item["params"]
    if family == "count-words":
        return f"wc -w < {p['input']} > {p['output']}"
    if family == "head-lines":
        return f"head -n {p['n']} {p['input']} > {p['output']}"
    return f"grep -c {p['word']} {p['input']} > {p['output']}"


def run_model(skill: Path, item: dict[str, Any], root: Path, jit: Path | None, limits: Any) -> dict:
    from skillir.runtime.execute import RunConfig, run_skill

    work, trace = stage(item, root)
    return run_skill(
        RunConfig(
            skill_path=skill,
            request=item["prompt"],
            workdir=work,
            trace_dir=trace,
            model=MODEL,
            limits=limits,
            jit=jit,
        )
    )


def run_scripted(family: str, skill: Path, item: dict[str, Any], root: Path) -> dict:
    from skillir.runtime.jit.record import record_run

    work, trace = stage(item, root)
    calls = [("execute_command", {"command": command_of(family, item)})]
    return record_run(skill, item["prompt"], work, trace, calls, MODEL)


def done_keys(out: Path) -> set[tuple]:
    path = out / "runs.jsonl"
    if not path.exists():
        return set()
    return {tuple(json.loads(line)["key"]) for line in path.read_text().splitlines() if line}


def append(out: Path, record: dict[str, Any]) -> None:
    with (out / "runs.jsonl").open("a") as f:
        f.write(json.dumps(record) + "\n")
    print(json.dumps({k: record[k] for k in ("key", "passed", "wall_s", "fired")}), flush=True)


def record_of(key: list, summary: dict, passed: bool, root: Path) -> dict[str, Any]:
    tokens = summary.get("prompt_tokens", 0) + summary.get("completion_tokens", 0)
    (root / "trace" / "grade.json").write_text(json.dumps({"passed": passed}) + "\n")
    return {
        "key": key,
        "status": summary.get("status"),
        "wall_s": summary.get("wall_s"),
        "tokens": tokens,
        "fired": summary.get("jit"),
        "passed": passed,
        "root": str(root),
    }


def train(out: Path, families: list[str], source: str, limits: Any, most: int) -> None:
    seen = done_keys(out)
    for family in families:
        data, skill = load(family), FAMILIES / family / "skill"
        for i, item in enumerate(data["train"][:most]):
            key = ["train", source, family, i, False]
            if tuple(key) in seen:
                continue
            root = out / source / family / "train" / str(i)
            if source == "model":
                summary = run_model(skill, item, root, None, limits)
            else:
                summary = run_scripted(family, skill, item, root)
            passed = grade(data["grader"], item, root / "work")
            append(out, record_of(key, summary, passed, root))


def mine(out: Path, families: list[str]) -> None:
    from skillir.tools.skill_jit import main as skill_jit

    for source in SOURCES:
        dirs = [
            str(out / source / f / "train" / str(i) / "trace")
            for f in families
            for i in range(len(load(f)["train"]))
            if (out / source / f / "train" / str(i) / "trace" / "summary.json").exists()
        ]
        if dirs:
            skill_jit(["mine", *dirs, "-o", str(out / source / "store")])


def promoted(store: Path, family: str) -> bool:
    """Whether the store holds a promoted candidate of the family's skill."""
    from skillir.runtime.jit.store import files, read

    return any(
        c["status"] == "promoted" and c["key"]["skill"] == family
        for path in files(store)
        for c in read(path)["candidates"]
    )


def heldout(out: Path, families: list[str], limits: Any) -> None:
    seen = done_keys(out)
    settings: list[tuple[str, Path | None]] = [("none", None)]
    settings += [(s, out / s / "store") for s in SOURCES if (out / s / "store").exists()]
    for family in families:
        data, skill = load(family), FAMILIES / family / "skill"
        for name, store in settings:
            if store is not None and not promoted(store, family):
                continue  # nothing can fire: the run would repeat the no-JIT one (greedy)
            for i, item in enumerate(data["heldout"]):
                key = ["heldout", name, family, i, store is not None]
                if tuple(key) in seen:
                    continue
                root = out / "heldout" / name / family / str(i)
                summary = run_model(skill, item, root, store, limits)
                passed = grade(data["grader"], item, root / "work")
                append(out, record_of(key, summary, passed, root))


TEXT = "".join(f"word{n} and more words\n" for n in range(1, 9))
LOG = "ERROR a\nok\nERROR b\nWARN c\nERROR WARN d\nfine\nok again\n"
# Prompts outside the families' phrasings: (family, prompt, files, output file, expected content)
PROBES = [
    ("count-words", "Count the words in data/notes.txt and write the number to out.txt.",
     {"data/notes.txt": TEXT}, "out.txt", str(len(TEXT.split()))),
    ("count-words", "Count the words in notes.txt and write the number to a.txt and b.txt.",
     {"notes.txt": TEXT}, "a.txt", str(len(TEXT.split()))),
    ("count-words", "How many words are in the notes file? Answer in out.txt.",
     {"notes.txt": TEXT}, "out.txt", str(len(TEXT.split()))),
    ("count-words", "Count the words in NOTES.TXT and write the number to out.txt.",
     {"notes.txt": TEXT}, "out.txt", str(len(TEXT.split()))),
    ("head-lines", "Copy the first 3 lines of list.txt into top3.txt.",
     {"list.txt": TEXT}, "top3.txt", "\n".join(TEXT.splitlines()[:3])),
    ("head-lines", "Copy the first five lines of list.txt into top.txt.",
     {"list.txt": TEXT}, "top.txt", "\n".join(TEXT.splitlines()[:5])),
    ("head-lines", "Copy lines 2 to 4 of list.txt into top.txt.",
     {"list.txt": TEXT}, "top.txt", "\n".join(TEXT.splitlines()[1:4])),
    ("head-lines", "Skip the first 2 lines of list.txt and write the rest to rest.txt.",
     {"list.txt": TEXT}, "rest.txt", "\n".join(TEXT.splitlines()[2:])),
    ("grep-count", "Count the lines of app.log that contain 'WARN' and write it to w.txt.",
     {"app.log": LOG}, "w.txt", "2"),
    ("grep-count", "Count the lines of app.log that contain ERROR and write it to e.txt.",
     {"app.log": LOG}, "e.txt", "3"),
    ("grep-count", 'Count the lines of app.log with "ERROR" or "WARN" into e.txt.',
     {"app.log": LOG}, "e.txt", "4"),
    ("grep-count", 'Count the lines of app.log that do not contain "ERROR" into e.txt.',
     {"app.log": LOG}, "e.txt", "4"),
]  # fmt: skip


def probe(out: Path, families: list[str]) -> str:
    """The scripted store's candidates on the probe prompts, run directly (no model): whether
    each binds, and whether what it writes is right."""
    from skillir.runtime.jit.digest import skill_digest
    from skillir.runtime.jit.run import execute
    from skillir.runtime.jit.store import load
    from skillir.runtime.sandbox import Sandbox

    lines = ["", "| probe prompt (scripted store) | binds | right output | why not |"]
    lines.append("|---|---|---|---|")
    for family, prompt, files, name, want in PROBES:
        if family not in families:
            continue
        skill = FAMILIES / family / "skill"
        key = {"skill": family, "skill_digest": skill_digest(skill), "model": MODEL}
        data = load(out / "scripted" / "store", key | {"harness": "bare"})
        if data is None:
            continue
        [program] = [c for c in data["candidates"] if c["status"] == "promoted"]
        work, _ = stage({"files": {}}, out / "probe" / str(len(lines)))
        for rel, content in files.items():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_text(content)
        sandbox = Sandbox(work)
        try:
            outcome = execute(program, prompt, sandbox)
        finally:
            sandbox.close()
        target = work / name
        right = target.is_file() and target.read_text().strip() == want
        why = (outcome.reason or "").replace("|", "/")
        lines.append(
            f"| {prompt} | {'yes' if outcome.ran else 'no'} | {'yes' if right else 'no'} | {why} |"
        )
    return "\n".join(lines) + "\n"


def _median_ratio(base: list[float], jit: list[float], resamples: int = 10_000) -> tuple:
    """median(base) / median(jit) with a paired percentile bootstrap 95 % interval."""
    import numpy as np

    a, b = np.asarray(base), np.asarray(jit)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(a), size=(resamples, len(a)))
    ratios = np.median(a[idx], axis=1) / np.maximum(np.median(b[idx], axis=1), 1e-9)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(np.median(a) / max(np.median(b), 1e-9)), float(low), float(high)


def report(out: Path, families: list[str]) -> str:
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines() if line]
    by = {tuple(r["key"]): r for r in runs}
    lines = []
    for source in SOURCES:
        trained = [r for r in runs if r["key"][:2] == ["train", source]]
        if trained:
            ok = sum(r["passed"] for r in trained)
            lines.append(f"training runs ({source}): {ok}/{len(trained)} pass the grader")
        store = out / source / "store"
        for family in families:
            if trained and not promoted(store, family):
                lines.append(
                    f"  {family}: no promoted candidate mined from {source} runs; with JIT the "
                    "model does every held-out task as without it (not rerun)"
                )
    head = (
        "| store mined from | family | n | fired | median s no-JIT | median s JIT | ratio [95% CI]"
    )
    head += " | median s where fired (no-JIT / JIT) | tokens no-JIT | tokens JIT"
    head += " | pass no-JIT | pass JIT |"
    lines += ["", head, "|" + "---|" * 12]
    for source in SOURCES:
        for family in [*families, "all"]:
            fams = families if family == "all" else [family]
            pairs = [
                (by[k0], by[k1])
                for f in fams
                for i in range(len(load(f)["heldout"]))
                if (k0 := ("heldout", "none", f, i, False)) in by
                and (k1 := ("heldout", source, f, i, True)) in by
            ]
            if not pairs:
                continue
            base = [a["wall_s"] for a, _ in pairs]
            jit = [b["wall_s"] for _, b in pairs]
            fired = [(a["wall_s"], b["wall_s"]) for a, b in pairs if b["fired"]]
            ratio, low, high = _median_ratio(base, jit)
            where = (
                f"{statistics.median(x for x, _ in fired):.2f} / "
                f"{statistics.median(y for _, y in fired):.3f}"
                if fired
                else "-"
            )
            lines.append(
                f"| {source} | {family} | {len(pairs)} | {len(fired)}/{len(pairs)} "
                f"| {statistics.median(base):.2f} | {statistics.median(jit):.3f} "
                f"| {ratio:.1f}x [{low:.1f}, {high:.1f}] | {where} "
                f"| {statistics.median(a['tokens'] for a, _ in pairs):.0f} "
                f"| {statistics.median(b['tokens'] for _, b in pairs):.0f} "
                f"| {sum(a['passed'] for a, _ in pairs)}/{len(pairs)} "
                f"| {sum(b['passed'] for _, b in pairs)}/{len(pairs)} |"
            )
    return "\n".join(lines) + "\n"


def write_tasks(root: Path, family: str, items: list[dict[str, Any]], grader: str) -> list[Path]:
    """skill-bench task folders ROOT/FAMILY-NN for `items` (fixtures, the prompt, a file-check
    `equals` grader of the expected content), with the family's skill as ROOT/_skills/FAMILY."""
    skills = root / "_skills" / family
    if not skills.is_dir():
        shutil.copytree(FAMILIES / family / "skill", skills)
    folders = []
    for i, item in enumerate(items):
        folder = root / f"{family}-{i:02d}"
        for rel, content in item["files"].items():
            (folder / "fixtures" / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / "fixtures" / rel).write_text(content)
        name, want = expected(grader, item)
        check = {"method": "file-check", "path": name, "mode": "equals", "expected": want}
        task = {"prompt": item["prompt"], "timeoutMs": 180_000, "maxSteps": 4}
        task |= {"skill": f"../_skills/{family}", "eval": [check | {"weight": 1}]}
        (folder / "task.json").write_text(json.dumps(task, indent=1) + "\n")
        folders.append(folder)
    return folders


def bench(out: Path, families: list[str], profile: Path, max_steps: int, most: int) -> None:
    """Scripted training runs of the compiled skill, mining, then the held-out tasks through
    skill-bench's compiled and jit conditions (OUT/bench/results.jsonl)."""
    from skillir.bench.conditions import CONDITIONS, Target
    from skillir.bench.staging import new_stage
    from skillir.bench.tasks import load_task
    from skillir.tools.skill_bench import main as skill_bench
    from skillir.tools.skill_jit import main as skill_jit

    root, seen = out / "bench", done_keys(out)
    (root / "compile").mkdir(parents=True, exist_ok=True)
    for family in families:
        data = load(family)
        train = write_tasks(root / "train", family, data["train"], data["grader"])
        write_tasks(root / "heldout", family, data["heldout"][:most], data["grader"])
        stage, target = new_stage(root / "compile"), Target(model=MODEL, profile=profile)
        skill = CONDITIONS["jit"]().skill_path(load_task(train[0]), stage, target)
        for i, item in enumerate(data["train"]):
            key = ["bench-train", "scripted", family, i, False]
            if tuple(key) not in seen:
                at = root / "runs" / family / str(i)
                summary = run_scripted(family, skill, item, at)
                append(out, record_of(key, summary, grade(data["grader"], item, at / "work"), at))
    skill_jit(["mine", str(root / "runs"), "-o", str(root / "store")])
    argv = ["run", str(root / "heldout"), "--conditions", "compiled,jit", "--model", MODEL]
    argv += ["--jit-store", str(root / "store"), "--profile", str(profile), "--jobs", "1"]
    argv += ["--max-steps", str(max_steps), "-o", str(root / "results.jsonl"), "--resume", "-q"]
    skill_bench(argv)


def bench_report(out: Path, families: list[str]) -> str:
    """The table of the skill-bench runs: compiled (the model) against jit, per held-out task
    (tasks where either run has no wall time, e.g. a compile error, are left out). `wall_s` is
    the run's; `bench_wall_s` adds what skill-bench does around it (compiling, staging,
    grading)."""
    from skillir.bench.results import load as load_results

    records = load_results(out / "bench" / "results.jsonl")
    by = {(r["task"], r["condition"]): r for r in records if r.get("wall_s") is not None}
    head = "| family | n | fired | median s compiled | median s jit | ratio [95% CI]"
    head += " | bench s compiled / jit | tokens compiled | tokens jit | pass compiled | pass jit |"
    lines = [
        "",
        "skill-bench, compiled vs jit (store mined from scripted runs of the compiled skill)",
    ]
    lines += ["", head, "|" + "---|" * 11]

    def tokens(r: dict[str, Any]) -> int:
        return (r.get("prompt_tokens") or 0) + (r.get("completion_tokens") or 0)

    for family in [*families, "all"]:
        fams = families if family == "all" else [family]
        pairs = [
            (by[(task, "compiled")], by[(task, "jit")])
            for task, condition in sorted(by)
            if condition == "jit" and (task, "compiled") in by and task.rsplit("-", 1)[0] in fams
        ]
        if not pairs:
            continue
        base, jit = [a["wall_s"] for a, _ in pairs], [b["wall_s"] for _, b in pairs]
        ratio, low, high = _median_ratio(base, jit)
        fired = sum(b.get("jit_fired", 0) for _, b in pairs)
        lines.append(
            f"| {family} | {len(pairs)} | {fired}/{len(pairs)} "
            f"| {statistics.median(base):.2f} | {statistics.median(jit):.3f} "
            f"| {ratio:.1f}x [{low:.1f}, {high:.1f}] "
            f"| {statistics.median(a['bench_wall_s'] for a, _ in pairs):.2f} / "
            f"{statistics.median(b['bench_wall_s'] for _, b in pairs):.2f} "
            f"| {statistics.median(tokens(a) for a, _ in pairs):.0f} "
            f"| {statistics.median(tokens(b) for _, b in pairs):.0f} "
            f"| {sum(a['passed'] for a, _ in pairs)}/{len(pairs)} "
            f"| {sum(b['passed'] for _, b in pairs)}/{len(pairs)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--phase",
        choices=("all", "train-model", "train-scripted", "mine", "heldout", "report", "bench"),
        default="all",
    )
    parser.add_argument("--families", default="count-words,head-lines,grep-count")
    parser.add_argument("--max-steps", type=int, default=2, help="model turns per run")
    parser.add_argument("--reply-tokens", type=int, default=128, help="tokens per model reply")
    parser.add_argument(
        "--train-limit", type=int, default=10, help="training prompts per family the model runs"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=SHIPPED_PROFILE,
        help="the profile skill-bench compiles with (--phase bench)",
    )
    parser.add_argument(
        "--heldout-limit", type=int, default=10, help="held-out prompts per family (--phase bench)"
    )
    options = parser.parse_args()
    from skillir.runtime.agent import Limits

    limits = Limits(max_steps=options.max_steps, timeout_s=180.0, reply_tokens=options.reply_tokens)
    families = options.families.split(",")
    options.out = options.out.resolve()
    options.out.mkdir(parents=True, exist_ok=True)
    phase = options.phase
    if phase in ("all", "train-model"):
        train(options.out, families, "model", limits, options.train_limit)
    if phase in ("all", "train-scripted"):
        train(options.out, families, "scripted", limits, 10)
    if phase in ("all", "mine"):
        mine(options.out, families)
    if phase in ("all", "heldout"):
        heldout(options.out, families, limits)
    if phase == "bench":
        bench(options.out, families, options.profile, options.max_steps, options.heldout_limit)
        table = bench_report(options.out, families)
        (options.out / "bench" / "report.md").write_text(table)
        sys.stdout.write(table)
    if phase in ("all", "report"):
        table = report(options.out, families) + probe(options.out, families)
        (options.out / "report.md").write_text(table)
        sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
