"""The Markdown report of a `skill-adapt` run: tasks split, evidence per primitive, posterior
before and after, levels lowered, ops changed, held-out scores with intervals, the verdicts."""

from __future__ import annotations

from skillir.adaptive.loop import Outcome
from skillir.adaptive.posterior import CONFIDENCE, THRESHOLD
from skillir.bench.stats import wilson


def _scores(runs: list[dict]) -> str:
    passes = sum(bool(r["passed"]) for r in runs)
    rate = wilson(passes, len(runs))
    low, high = rate.low, rate.high
    mean = sum(float(r["score"]) for r in runs) / len(runs) if runs else 0.0
    tokens = sorted(
        int(r.get("prompt_tokens") or 0) + int(r.get("completion_tokens") or 0) for r in runs
    )
    wall = sorted(float(r.get("wall_s") or 0.0) for r in runs)
    mid = len(runs) // 2
    return (
        f"{passes}/{len(runs)} passed [{low:.2f}, {high:.2f}], mean score {mean:.3f}, "
        f"median tokens {tokens[mid] if runs else 0}, median wall {wall[mid] if runs else 0:.1f} s"
    )


def render(outcome: Outcome, title: str) -> str:
    lines = [f"# skill-adapt: {title}", ""]
    lines += [
        f"- evidence tasks ({len(outcome.evidence_tasks)}): {', '.join(outcome.evidence_tasks)}",
        f"- held-out tasks ({len(outcome.held_out_tasks)}): {', '.join(outcome.held_out_tasks)}",
        f"- rounds run: {len(outcome.rounds)}; candidates rejected: {outcome.rejected}",
        f"- kept variant: `{outcome.variant}` (profile `{outcome.profile}`)",
        f"- decision rule: lower a level when P(pass rate < {THRESHOLD}) > {CONFIDENCE} under "
        "the Beta posterior; keep a candidate when the one-sided sign test on held-out pairs "
        "gives p < 0.05",
        "",
    ]
    for r in outcome.rounds:
        lines += [f"## Round {r.number}", ""]
        lines.append(f"Evidence runs: {_scores(r.evidence_runs)}")
        lines.append("")
        if r.cells:
            lines += [
                "| primitive | level | claimed | prior (a, b) | runtime (pass, fail) "
                "| P(rate<thr) before | after | withdrawn |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for c in r.cells:
                lines.append(
                    f"| {c.primitive} | L{c.level} | {'yes' if c.claimed else 'no'} "
                    f"| {c.prior_passes:.1f}, {c.prior_failures:.1f} "
                    f"| {c.runtime_passes:.1f}, {c.runtime_failures:.1f} "
                    f"| {c.prior_p_below:.3f} | {c.p_below:.3f} "
                    f"| {'**yes**' if c.withdrawn else 'no'} |"
                )
            lines.append("")
        if r.attribution.unattributed:
            lines.append(f"Unattributed failures ({len(r.attribution.unattributed)}):")
            lines += [f"- {u.run} {u.node}: {u.reason}" for u in r.attribution.unattributed[:20]]
            lines.append("")
        if r.stopped:
            lines += [f"Stopped: {r.stopped}.", ""]
            continue
        lowered = ", ".join(f"{p} → L{lv}" for p, lv in sorted(r.lowered.items()))
        lines += [f"Levels lowered: {lowered}", ""]
        if r.change is not None:
            lines.append(f"Ops changed: {len(r.change.changed)} (unchanged: {r.change.unchanged})")
            lines += [f"- {label}" for label in r.change.changed[:40]]
            if r.change.skill_diff:
                lines += ["", "```diff", r.change.skill_diff.rstrip(), "```"]
            lines.append("")
        lines.append(f"Held-out, current: {_scores(r.current_runs)}")
        lines.append(f"Held-out, candidate: {_scores(r.candidate_runs)}")
        if r.verdict is not None:
            lines += ["", f"Verdict: {r.verdict.describe()}", ""]
    return "\n".join(lines) + "\n"
