"""Generators for the `reasoning` primitives: arithmetic, logic, spatial, planning, analysis."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from random import Random
from typing import Any

from skillir.profiler.base import NAMES, WORDS, Task, check_json, check_number, check_text, read

ANSWER_FILE = "answer.txt"


def _num(
    prompt: str, value: float, wrong: float, tol: float = 0.01, files: dict[str, str] | None = None
) -> Task:
    return Task(
        f"{prompt} Write only the number to {ANSWER_FILE}.",
        files or {},
        {"path": ANSWER_FILE, "value": value, "tol": tol},
        check_number,
        {ANSWER_FILE: f"{value:.2f}"},
        [{ANSWER_FILE: f"{wrong:.2f}"}],
    )


def arithmetic(rng: Random, level: int) -> Task:
    if level == 1:
        p, x = rng.randrange(5, 95), rng.randrange(20, 2000)
        return _num(f"What is {p}% of {x}?", p * x / 100, x / p)
    price, disc, tax = rng.randrange(20, 500), rng.randrange(5, 40), rng.randrange(5, 25)
    if level == 2:
        right = price * (1 - disc / 100) * (1 + tax / 100)
        return _num(
            f"An item costs {price} dollars. It is discounted by {disc}%, then a {tax}% tax is "
            "added "
            "to the discounted price. What is the final price, rounded to cents?",
            round(right, 2),
            price * (1 - disc / 100) + price * tax / 100,
        )
    p, r, n, t = (
        rng.randrange(1000, 9000),
        rng.randrange(2, 9),
        rng.choice((1, 4, 12)),
        rng.randrange(3, 15),
    )
    right = p * (1 + r / 100 / n) ** (n * t)
    return _num(
        f"{p} dollars are invested at {r}% annual interest compounded {n} times a year for {t} "
        "years. What is the final amount, rounded to cents?",
        round(right, 2),
        p * (1 + r / 100 * t),
    )


def _yesno(prompt: str, yes: bool) -> Task:
    right, wrong = ("yes", "no") if yes else ("no", "yes")
    return Task(
        f"{prompt} Write only yes or no to {ANSWER_FILE}.",
        {},
        {"path": ANSWER_FILE, "text": right},
        _word_check,
        {ANSWER_FILE: right},
        [{ANSWER_FILE: wrong}],
    )


def _word_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    got = read(wd, e["path"])
    return got is not None and got.strip().strip(".").lower() == e["text"]


def logic(rng: Random, level: int) -> Task:
    if level == 1:
        a, b = rng.sample(("painters", "sailors", "doctors", "farmers", "singers"), 2)
        x = rng.choice(NAMES)
        if rng.random() < 0.5:
            return _yesno(
                f"All {a} are {b}. {x} is one of the {a}. Does it follow that {x} is one of the "
                f"{b}?",
                True,
            )
        return _yesno(
            f"All {a} are {b}. {x} is one of the {b}. Does it follow that {x} is one of the {a}?",
            False,
        )
    if level == 2:
        people = rng.sample(NAMES, 4)
        clues: list[str] = []
        checks: list[Any] = []
        pool = []
        for a, b in itertools.permutations(people, 2):
            pool.append(
                (f"{a} stands somewhere left of {b}.", lambda o, a=a, b=b: o.index(a) < o.index(b))
            )
            pool.append(
                (
                    f"{a} stands immediately left of {b}.",
                    lambda o, a=a, b=b: o.index(a) + 1 == o.index(b),
                )
            )
        for p_ in people:
            for i in range(4):
                pool.append(
                    (f"{p_} is in position {i + 1}.", lambda o, p_=p_, i=i: o.index(p_) == i)
                )
        rng.shuffle(pool)
        cands = list(itertools.permutations(people))
        for text, f in pool:
            if not f(people):
                continue
            keep = [o for o in cands if f(o)]
            if len(keep) < len(cands):
                clues.append(text)
                checks.append(f)
                cands = keep
            if len(cands) == 1:
                break
        order = ",".join(people)
        return Task(
            "Four people stand in a row, positions 1 to 4 from the left: "
            f"{', '.join(sorted(people))}. "
            f"{' '.join(clues)} Write their names in order from the left, comma-separated, to "
            f"{ANSWER_FILE}.",
            {},
            {"path": ANSWER_FILE, "text": order},
            _list_check,
            {ANSWER_FILE: order},
            [{ANSWER_FILE: ",".join(reversed(people))}],
        )
    n = 4
    while True:
        cost = [[rng.randrange(1, 30) for _ in range(n)] for _ in range(n)]
        best = min(sum(cost[i][p[i]] for i in range(n)) for p in itertools.permutations(range(n)))
        used: set[int] = set()
        greedy = 0
        for i in range(n):
            j = min((j for j in range(n) if j not in used), key=lambda j: cost[i][j])
            used.add(j)
            greedy += cost[i][j]
        if greedy != best:
            break
    workers, jobs = NAMES[:n], [w.title() for w in WORDS[:n]]
    table = "\n".join(
        f"{workers[i]}: " + ", ".join(f"{jobs[j]} {cost[i][j]}" for j in range(n)) for i in range(n)
    )
    return _num(
        f"Assign each of {n} workers exactly one of {n} jobs (each job to one worker) so that the "
        "total "
        f"cost is least. Costs per worker and job:\n{table}\nWhat is the least total cost?",
        best,
        greedy,
        tol=0,
    )


def _list_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    got = read(wd, e["path"])
    return got is not None and [x.strip() for x in got.strip().split(",")] == e["text"].split(",")


def spatial(rng: Random, level: int) -> Task:
    if level == 1:
        a, b = [(rng.randrange(-20, 20), rng.randrange(-20, 20)) for _ in range(2)]
        while a[0] == b[0] or a[1] == b[1]:
            b = (b[0] + 1, b[1] + 1)
        d = math.dist(a, b)
        return _num(
            f"What is the straight-line distance between points {a} and {b}, rounded to 2 "
            "decimals?",
            round(d, 2),
            abs(a[0] - b[0]) + abs(a[1] - b[1]),
        )
    if level == 2:
        pts = [
            (0, 0),
            (rng.randrange(4, 12), 0),
            (rng.randrange(4, 12), rng.randrange(4, 12)),
            (0, rng.randrange(2, 12)),
        ]
        while pts[2][1] == pts[3][1] and pts[2][0] == pts[1][0]:
            pts[2] = (pts[2][0] + 1, pts[2][1])
        area = (
            abs(
                sum(
                    pts[i][0] * pts[(i + 1) % 4][1] - pts[(i + 1) % 4][0] * pts[i][1]
                    for i in range(4)
                )
            )
            / 2
        )
        box = max(p[0] for p in pts) * max(p[1] for p in pts)
        if box == area:
            box += 1
        return _num(
            f"What is the area of the polygon with vertices {', '.join(map(str, pts))} (in this "
            "order)?",
            area,
            box,
        )
    cities = {
        "Paris": (48.8566, 2.3522),
        "Tokyo": (35.6762, 139.6503),
        "Lima": (-12.0464, -77.0428),
        "Cairo": (30.0444, 31.2357),
        "Sydney": (-33.8688, 151.2093),
        "Oslo": (59.9139, 10.7522),
    }
    a, b = rng.sample(sorted(cities), 2)
    (la1, lo1), (la2, lo2) = cities[a], cities[b]
    p1, p2, dl = math.radians(la1), math.radians(la2), math.radians(lo2 - lo1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    d = 2 * 6371 * math.asin(math.sqrt(h))
    flat = math.dist((la1, lo1), (la2, lo2)) * 111.2
    return _num(
        f"{a} is at latitude {la1}, longitude {lo1}; {b} at latitude {la2}, longitude {lo2}. What "
        "is the "
        "great-circle distance between them in kilometres (Earth radius 6371 km), rounded to the "
        "nearest km?",
        round(d),
        flat,
        tol=round(d) * 0.01,
    )


def _dag(rng: Random, n: int) -> tuple[list[str], dict[str, list[str]]]:
    names = rng.sample([w for w in WORDS if len(w) < 8], n)
    deps = {
        t: sorted(rng.sample(names[:i], min(i, rng.randrange(0, 3)))) for i, t in enumerate(names)
    }
    return names, deps


def _order_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    got = read(wd, e["path"])
    if got is None:
        return False
    order = [x.strip() for x in got.split("\n") if x.strip()]
    if sorted(order) != sorted(e["deps"]):
        return False
    return all(order.index(d) < order.index(t_) for t_, ds in e["deps"].items() for d in ds)


def planning(rng: Random, level: int) -> Task:
    names, deps = _dag(rng, rng.randrange(5, 8))
    shown = dict(sorted(deps.items()))
    table = "".join(f"{t}: {', '.join(d) or '(none)'}\n" for t, d in shown.items())
    if level == 1:
        return Task(
            "tasks.txt lists tasks and their prerequisites. Write order.txt: all tasks, one per "
            "line, "
            "in an order where every task comes after its prerequisites.",
            {"tasks.txt": table},
            {"path": "order.txt", "deps": shown},
            _order_check,
            {"order.txt": "\n".join(names)},
            [{"order.txt": "\n".join(reversed(names))}]
            if any(deps.values())
            else [{"order.txt": "\n".join(names[:-1])}],
        )
    depth: dict[str, int] = {}
    for t in names:
        depth[t] = 1 + max((depth[d] for d in deps[t]), default=-1)
    stages = [sorted(t for t in names if depth[t] == k) for k in range(max(depth.values()) + 1)]
    if level == 2:
        return Task(
            "tasks.txt lists tasks and their prerequisites. Write stages.json: a JSON list of "
            "stages, "
            "each a sorted list of task names; every task in the earliest stage after all its "
            "prerequisites' stages (tasks of one stage can run at the same time).",
            {"tasks.txt": table},
            {"path": "stages.json", "value": stages},
            check_json,
            {"stages.json": _dumps(stages)},
            [{"stages.json": _dumps([[t] for t in names])}],
        )
    failed = rng.choice([t for t in names if any(t in d for d in deps.values())] or names)
    skipped: set[str] = set()
    for t in names:
        if any(d == failed or d in skipped for d in deps[t]):
            skipped.add(t)
    finished = sorted(set(names) - skipped - {failed})
    direct = sorted(t for t in names if failed in deps[t])
    value = {"finished": finished, "failed": [failed], "skipped": sorted(skipped)}
    wrong = {
        "finished": sorted(set(names) - set(direct) - {failed}),
        "failed": [failed],
        "skipped": direct,
    }
    if wrong == value:
        wrong = {"finished": finished + [failed], "failed": [], "skipped": sorted(skipped)}
    return Task(
        f"pipeline.txt lists steps and the steps they depend on. Step {failed} fails. A step runs "
        "only "
        'when all steps it depends on finished. Write result.json: {"finished": [...], "failed": '
        "[...], "
        '"skipped": [...]}, each list sorted.',
        {"pipeline.txt": table},
        {"path": "result.json", "value": value},
        check_json,
        {"result.json": _dumps(value)},
        [{"result.json": _dumps(wrong)}],
    )


def _dumps(v: Any) -> str:
    import json

    return json.dumps(v)


FUNCS = {
    "maximum": (
        "def f(xs):\n    best = xs[0]\n    for x in xs:\n        if x > best:\n            best = "
        "x\n    return best\n"
    ),
    "reverse": (
        "def f(s):\n    out = ''\n    for ch in s:\n        out = ch + out\n    return out\n"
    ),
    "sum": "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n",
    "count": (
        "def f(s):\n    n = 0\n    for ch in s:\n        if ch in 'aeiou':\n            n += 1\n  "
        "  return n\n"
    ),
    "sort": (
        "def f(xs):\n    xs = list(xs)\n    for i in range(len(xs)):\n        for j in "
        "range(len(xs) - 1 - i):\n            if xs[j] > xs[j + 1]:\n                xs[j], xs[j "
        "+ 1] = xs[j + 1], xs[j]\n    return xs\n"
    ),
}
BUGS = [
    (
        "def mean(xs):\n    total = 0\n",
        "    for i in range(1, len(xs)):\n",
        "        total += xs[i]\n    return total / len(xs)\n",
    ),
    ("def is_adult(age):\n", "    return age > 18\n", "# adults are 18 or older\n"),
    ("def last(xs):\n", "    return xs[len(xs)]\n", ""),
    ("def area(w, h):\n", "    return w + h\n", ""),
]


def analysis(rng: Random, level: int) -> Task:
    if level == 1:
        what = rng.choice(sorted(FUNCS))
        other = rng.choice([k for k in sorted(FUNCS) if k != what])
        return Task(
            f"func.py holds a short function. In one word from: {', '.join(sorted(FUNCS))}, what "
            "does "
            f"it compute? Write the word to {ANSWER_FILE}.",
            {"func.py": FUNCS[what]},
            {"path": ANSWER_FILE, "text": what},
            _word_check,
            {ANSWER_FILE: what},
            [{ANSWER_FILE: other}],
        )
    if level == 2:
        head, bug, tail = rng.choice(BUGS)
        pad = "".join(f"# note {i}: {rng.choice(WORDS)}\n" for i in range(rng.randrange(0, 6)))
        line = pad.count("\n") + head.count("\n") + 1
        return Task(
            f"func.py has one defect. Write to {ANSWER_FILE} only the line number of the "
            "defective line.",
            {"func.py": pad + head + bug + tail},
            {"path": ANSWER_FILE, "value": line},
            check_number,
            {ANSWER_FILE: str(line)},
            [{ANSWER_FILE: str(line + 1)}],
        )
    key = rng.choice(("timeout", "retries", "port"))
    pad = rng.randrange(0, 5)
    files = {
        "config.py": "".join(f"# setting {i}\n" for i in range(pad))
        + f"DEFAULTS = {{'{key}': '30'}}\n",
        "settings.py": (
            "from config import DEFAULTS\n\n\ndef get(name):\n    return DEFAULTS[name]\n"
        ),
        "main.py": (
            f"from settings import get\n\n\ndef wait():\n    return get('{key}') * 2 + "
            "1\n\n\nprint(wait())\n"
        ),
        "error.txt": (
            'Traceback (most recent call last):\n  File "main.py", line 8, in <module>\n    '
            f"print(wait())\n  File \"main.py\", line 5, in wait\n    return get('{key}') * 2 + "
            '1\nTypeError: can only concatenate str (not "int") to str\n'
        ),
    }
    right = f"config.py:{pad + 1}"
    return Task(
        "main.py fails with the traceback in error.txt. Trace the failure across main.py, "
        "settings.py "
        f"and config.py to its root cause and write to {ANSWER_FILE} only FILE:LINE of the line "
        "that "
        "must change.",
        files,
        {"path": ANSWER_FILE, "text": right},
        check_text,
        {ANSWER_FILE: right},
        [{ANSWER_FILE: "main.py:5"}, {ANSWER_FILE: "settings.py:5"}],
    )


GENERATORS = {
    "reason.arithmetic": arithmetic,
    "reason.logic": logic,
    "reason.spatial": spatial,
    "reason.planning": planning,
    "reason.analysis": analysis,
}
