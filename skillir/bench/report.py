"""`skill-bench report`: the tables (per condition, paired differences, speedup, per task) as
Markdown, and a self-contained HTML page with the plots embedded as PNGs."""

from __future__ import annotations

import base64
import html
import io
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

from skillir.bench.stats import Interval, bootstrap_ratio, paired_bootstrap, wilson

PLOTS = ("score.png", "tokens.png", "wall.png")
PAIR = ("compiled", "compiled-serial")


def _fmt(i: Interval, digits: int = 2) -> str:
    return f"{i.value:.{digits}f} [{i.low:.{digits}f}, {i.high:.{digits}f}]"


def _mean_of(runs: list[dict[str, Any]], key: str) -> str:
    """Mean of `key` over the runs that have it, with their count ("–" when none)."""
    values = [r[key] for r in runs if r.get(key) is not None]
    return f"{mean(values):.3f} (n={len(values)})" if values else "–"


def _plan_s(record: dict[str, Any]) -> float:
    """The time the plan's agents ran (`run_s`: without the environment checks and the first
    call's model load, which only the first run of a worker pays), else the wall time."""
    value = record.get("run_s")
    return float(value) if value else float(record.get("wall_s") or 0.0)


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-condition figures, paired differences and the speedup, from run records (runs that
    were not runnable here are counted apart; every other run counts, failures score 0)."""
    runnable = [r for r in records if r["status"] != "not-runnable"]
    conditions = list(dict.fromkeys(r["condition"] for r in runnable))
    by_cond: dict[str, list[dict]] = defaultdict(list)
    for r in runnable:
        by_cond[r["condition"]].append(r)
    rows = []
    for c in conditions:
        runs = by_cond[c]
        statuses: dict[str, int] = defaultdict(int)
        for r in runs:
            statuses[r["status"]] += 1
        rows.append(
            {
                "condition": c,
                "runs": len(runs),
                "mean_score": mean(r["score"] for r in runs),
                "automated": _mean_of(runs, "automated"),
                "judged": _mean_of(runs, "judged"),
                "pass": wilson(sum(bool(r["passed"]) for r in runs), len(runs)),
                "tokens": mean(
                    (r.get("prompt_tokens") or 0) + (r.get("completion_tokens") or 0) for r in runs
                ),
                "judge_tokens": sum(
                    (r.get("judge_prompt_tokens") or 0) + (r.get("judge_completion_tokens") or 0)
                    for r in runs
                ),
                "llm_calls": mean(r.get("llm_calls") or 0 for r in runs),
                "wall_s": mean(r.get("wall_s") or 0.0 for r in runs),
                "statuses": dict(sorted(statuses.items())),
            }
        )
    per_task: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in runnable:
        per_task[r["task"]][r["condition"]].append(r)
    diffs = []
    for i, a in enumerate(conditions):
        for b in conditions[i + 1 :]:
            tasks = [t for t in per_task if per_task[t][a] and per_task[t][b]]
            xa = [mean(r["score"] for r in per_task[t][a]) for t in tasks]
            xb = [mean(r["score"] for r in per_task[t][b]) for t in tasks]
            diffs.append({"a": a, "b": b, "tasks": len(tasks), "diff": paired_bootstrap(xa, xb)})
    speedup = None
    if "compiled" in conditions and "compiled-serial" in conditions:
        tasks = [  # tasks whose plan ran in both (a compile that failed has no time)
            t
            for t in per_task
            if per_task[t]["compiled"]
            and per_task[t]["compiled-serial"]
            and all(_plan_s(r) > 0 for c in PAIR for r in per_task[t][c])
        ]
        serial = [mean(_plan_s(r) for r in per_task[t]["compiled-serial"]) for t in tasks]
        par = [mean(_plan_s(r) for r in per_task[t]["compiled"]) for t in tasks]
        speedup = {
            "tasks": tasks,
            "serial": serial,
            "parallel": par,
            "ratio": bootstrap_ratio(serial, par),
        }
    skipped = sorted({(r["task"], r["message"]) for r in records if r["status"] == "not-runnable"})
    return {
        "conditions": conditions,
        "rows": rows,
        "diffs": diffs,
        "speedup": speedup,
        "per_task": per_task,
        "skipped": skipped,
        "models": sorted({r["model"] for r in records}),
        "decoding": sorted({r.get("decoding", "?") for r in records}),
    }


def markdown(s: dict[str, Any]) -> str:
    """The report as Markdown."""
    out = ["# skill-bench report", ""]
    out.append(f"Models: {', '.join(s['models'])}. Decoding: {'; '.join(s['decoding'])}.")
    out += ["", "## Per condition", ""]
    out.append(
        "| condition | runs | mean score | automated | judged | pass rate [Wilson 95 %] "
        "| tokens/run | model calls/run "
        "| wall s/run | judge tokens | statuses |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in s["rows"]:
        st = ", ".join(f"{k} {v}" for k, v in r["statuses"].items())
        out.append(
            f"| {r['condition']} | {r['runs']} | {r['mean_score']:.3f} | {r['automated']} | "
            f"{r['judged']} | {_fmt(r['pass'])} | "
            f"{r['tokens']:.0f} | {r['llm_calls']:.1f} | {r['wall_s']:.1f} | "
            f"{r['judge_tokens']} | {st} |"
        )
    out += ["", "## Paired differences (b − a, mean score over the same tasks, bootstrap 95 %)", ""]
    out += ["| a | b | tasks | b − a |", "|---|---|---|---|"]
    out += [f"| {d['a']} | {d['b']} | {d['tasks']} | {_fmt(d['diff'], 3)} |" for d in s["diffs"]]
    if s["speedup"]:
        out += ["", "## Parallel speedup (compiled-serial / compiled, time the plan ran)", ""]
        out.append(f"{_fmt(s['speedup']['ratio'])} over {len(s['speedup']['tasks'])} tasks.")
    out += ["", "## Per task (mean score, passes/runs)", ""]
    out.append("| task | " + " | ".join(s["conditions"]) + " |")
    out.append("|---" * (len(s["conditions"]) + 1) + "|")
    for task, cells in sorted(s["per_task"].items()):
        row = []
        for c in s["conditions"]:
            runs = cells.get(c, [])
            if not runs:
                row.append("–")
                continue
            bad = sorted({r["status"] for r in runs if r["status"] != "ok"})
            passes = sum(bool(r["passed"]) for r in runs)
            score = mean(r["score"] for r in runs)
            row.append(f"{score:.2f} ({passes}/{len(runs)})" + (f" {','.join(bad)}" if bad else ""))
        out.append(f"| {task} | " + " | ".join(row) + " |")
    if s["skipped"]:
        out += ["", "## Not runnable here", ""]
        out += [f"- {t}: {why}" for t, why in s["skipped"]]
    out += ["", "Plots: " + ", ".join(PLOTS), ""]
    return "\n".join(out)


def plots(s: dict[str, Any]) -> dict[str, bytes]:
    """The PNGs: score per condition with Wilson intervals, tokens per condition, wall time
    serial vs parallel per task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = {}
    names = [r["condition"] for r in s["rows"]]

    def save(fig: Any, name: str) -> None:
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=100)
        plt.close(fig)
        images[name] = buf.getvalue()

    fig, ax = plt.subplots(figsize=(6, 3.5))
    rates = [r["pass"] for r in s["rows"]]
    ax.bar(names, [r.value for r in rates], color="#4878a8", label="pass rate")
    ax.errorbar(
        names,
        [r.value for r in rates],
        yerr=[[r.value - r.low for r in rates], [r.high - r.value for r in rates]],
        fmt="none",
        ecolor="black",
        capsize=4,
    )
    ax.plot(names, [r["mean_score"] for r in s["rows"]], "o", color="#d08030", label="mean score")
    ax.set_ylim(0, 1)
    ax.set_ylabel("pass rate (Wilson 95 %)")
    ax.legend()
    save(fig, "score.png")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(names, [r["tokens"] for r in s["rows"]], color="#6a9a58")
    ax.set_ylabel("tokens per run (prompt + completion)")
    save(fig, "tokens.png")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    sp = s["speedup"]
    if sp and sp["tasks"]:
        x = range(len(sp["tasks"]))
        ax.bar([i - 0.2 for i in x], sp["serial"], width=0.4, label="compiled-serial")
        ax.bar([i + 0.2 for i in x], sp["parallel"], width=0.4, label="compiled (parallel)")
        ax.set_xticks(list(x), sp["tasks"], rotation=60, ha="right", fontsize=7)
        ax.legend()
    else:
        ax.text(0.5, 0.5, "no compiled / compiled-serial pair", ha="center", transform=ax.transAxes)
    ax.set_ylabel("s the plan ran, per run")
    save(fig, "wall.png")
    return images


def _md_table_html(text: str) -> str:
    """Markdown (headings, pipe tables, lists, paragraphs) as HTML."""
    out, table = [], []

    def flush() -> None:
        if table:
            rows = [r for r in table if not set(r.replace("|", "").strip()) <= {"-"}]
            cells = [
                [html.escape(c.strip()) for c in r.strip().strip("|").split("|")] for r in rows
            ]
            out.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in cells[0]) + "</tr>")
            out.extend(
                "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells[1:]
            )
            out.append("</table>")
            table.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line.lstrip('# '))}</h{level}>")
        elif line.startswith("- "):
            out.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    flush()
    return "\n".join(out)


def _write(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(temp, path)


def write_report(records: list[dict[str, Any]], folder: Path) -> list[Path]:
    """Write report.md, report.html and the PNGs into `folder` (each atomically); their paths."""
    s = summarize(records)
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(s)
    images = plots(s)
    body = _md_table_html(text)
    figures = "".join(
        f'<figure><img alt="{n}" src="data:image/png;base64,{base64.b64encode(b).decode()}">'
        f"<figcaption>{n}</figcaption></figure>"
        for n, b in images.items()
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>skill-bench report</title>"
        "<style>body{font-family:sans-serif;max-width:70em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
        "</style></head><body>" + body + figures + "</body></html>\n"
    )
    written = []
    for name, data in [
        ("report.md", text.encode()),
        ("report.html", page.encode()),
        *images.items(),
    ]:
        _write(folder / name, data)
        written.append(folder / name)
    return written
