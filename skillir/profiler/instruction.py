"""Generators for the `instruction` primitives: format, constraint, procedure, delegation, style."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from random import Random
from typing import Any

from skillir.profiler.base import NAMES, WORDS, Task, check_json, read, read_json
from skillir.profiler.generation import CONTRACTION, markdown_sections


def _format_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    text = read(wd, e["path"])
    if text is None:
        return False
    try:
        got = json.loads(text)
    except json.JSONDecodeError:
        return False
    if e["level"] == 1:
        return got == e["value"]
    raw = text.strip()
    return (
        got == e["value"]
        and list(got) == e["order"]
        and len(raw.encode()) <= e["max_bytes"]
        and "\n" not in raw
        and ": " not in raw
    )


def fmt(rng: Random, level: int) -> Task:
    if level == 1:
        n, k = rng.randrange(3, 9), rng.randrange(2, 13)
        value = [k * i for i in range(1, n + 1)]
        return Task(
            f"Write answer.json: a JSON list of exactly {n} integers, the first {n} multiples of "
            f"{k} "
            f"({k}, {2 * k}, ...). Nothing else in the file.",
            {},
            {"path": "answer.json", "level": 1, "value": value},
            _format_check,
            {"answer.json": json.dumps(value)},
            [
                {"answer.json": json.dumps(value + [k * (n + 1)])},
                {"answer.json": "Here: " + json.dumps(value)},
            ],
        )
    name, age, city = rng.choice(NAMES), rng.randrange(18, 90), rng.choice(WORDS).title()
    tags = rng.sample(WORDS, 2)
    if level == 2:
        value = {
            "name": name,
            "age": age,
            "tags": tags,
            "address": {"city": city, "zip": f"{rng.randrange(10000, 99999)}"},
        }
        return Task(
            f"Write person.json matching the schema {{name: string, age: integer, tags: array of "
            f"strings, address: {{city: string, zip: string}}}} for: {name}, aged {age}, tags "
            f"{' and '.join(tags)}, living in {city}, zip code {value['address']['zip']}.",
            {},
            {"path": "person.json", "value": value},
            check_json,
            {"person.json": json.dumps(value)},
            [
                {"person.json": json.dumps({**value, "age": str(age)})},
                {
                    "person.json": json.dumps(
                        {**value, "address": {"city": city, "zip": int(value["address"]["zip"])}}
                    )
                },
            ],
        )
    value = {
        "user_id": rng.randrange(100, 999),
        "display_name": name.lower(),
        "is_admin": rng.random() < 0.5,
        "score": round(rng.random() * 100, 1),
    }
    order = list(value)
    return Task(
        "Write record.json, one compact line of JSON (no spaces, no newlines), at most 100 bytes, "
        "with "
        f"keys in exactly this order: user_id (integer {value['user_id']}), display_name (the name "
        f"{name} in lower case), is_admin (boolean {str(value['is_admin']).lower()}), score "
        "(number "
        f"{value['score']}).",
        {},
        {"path": "record.json", "level": 3, "value": value, "order": order, "max_bytes": 100},
        _format_check,
        {"record.json": json.dumps(value, separators=(",", ":"))},
        [
            {"record.json": json.dumps(value)},
            {"record.json": json.dumps(dict(reversed(value.items())), separators=(",", ":"))},
        ],
    )


def _constraint_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    text = read(wd, e["path"])
    if text is None or not text.strip():
        return False
    words_ = re.findall(r"[A-Za-z']+", text)
    for rule, arg in e["rules"]:
        if not _RULES[rule](text, arg):
            return False
    return bool(words_)


_RULES = {
    "lower": lambda text, arg: text == text.lower(),
    "contains": lambda text, arg: arg in text.lower(),
    "max_words": lambda text, arg: len(text.split()) <= arg,
    "min_words": lambda text, arg: len(text.split()) >= arg,
    "no_digits": lambda text, arg: not re.search(r"\d", text),
    "ends_with": lambda text, arg: text.rstrip().endswith(arg),
    "no_letter": lambda text, arg: arg not in text.lower(),
    "no_commas": lambda text, arg: "," not in text,
    "starts_each_line": lambda text, arg: all(x.startswith(arg) for x in text.strip().splitlines()),
}


def constraint(rng: Random, level: int) -> Task:
    topic = rng.choice([w for w in WORDS if "e" not in w] or WORDS)
    if level == 1:
        good = f"a short note about {topic}: it is calm and bright in spring."
        return Task(
            f"Write note.txt, two sentences about {topic}. You MUST write everything in lower "
            "case.",
            {},
            {"path": "note.txt", "rules": [["lower", None], ["contains", topic]]},
            _constraint_check,
            {"note.txt": good},
            [{"note.txt": good.capitalize()}],
        )
    if level == 2:
        n, end = rng.randrange(15, 30), rng.choice(("END", "DONE", "STOP"))
        good = f"the {topic} grows near the old wall and asks for little care {end}"
        rules = [["contains", topic], ["max_words", n], ["no_digits", None], ["ends_with", end]]
        return Task(
            f"Write note.txt about {topic}. Requirements: mention {topic}; at most {n} words; no "
            "digits; "
            f"the last word is {end}.",
            {},
            {"path": "note.txt", "rules": rules},
            _constraint_check,
            {"note.txt": good},
            [{"note.txt": good.replace("little", "2")}, {"note.txt": good + " thanks"}],
        )
    start = rng.choice(("Note", "Then", "So"))
    good = "\n".join(f"{start} this is a calm day in a small town" for _ in range(4))
    rules = [
        ["no_letter", "e"],
        ["no_commas", None],
        ["min_words", 20],
        ["starts_each_line", start],
    ]
    # "Note" and "Then" contain the letter e: such instances drop that rule (no lipogram) and
    # keep the habit-breaking rule of starting every line with the word.
    rules = [r for r in rules if not (r[0] == "no_letter" and "e" in start.lower())]
    good = "\n".join(f"{start} a calm day in a small town of old folk" for _ in range(4))
    return Task(
        "Write lines.txt: at least four lines, at least 20 words in all, about a calm day. Every "
        "line "
        f"MUST start with the word {start}; use no commas"
        + (
            "; and do not use the letter e anywhere."
            if any(r[0] == "no_letter" for r in rules)
            else "."
        ),
        {},
        {"path": "lines.txt", "rules": rules},
        _constraint_check,
        {"lines.txt": good},
        [
            {"lines.txt": good.replace(" a calm", ", a calm")},
            {"lines.txt": "It was calm.\n" + good},
        ],
    )


def procedure(rng: Random, level: int) -> Task:
    w = rng.choice(WORDS)
    if level == 1:
        return Task(
            f"Do these three steps in order: 1. create a.txt containing {w}. 2. create b.txt "
            "containing "
            "the content of a.txt reversed. 3. create done.txt containing the number of "
            "characters in b.txt.",
            {},
            {"files": {"a.txt": w, "b.txt": w[::-1], "done.txt": str(len(w))}},
            _files_check,
            {"a.txt": w, "b.txt": w[::-1], "done.txt": str(len(w))},
            [{"a.txt": w, "b.txt": w, "done.txt": str(len(w))}],
        )
    n = rng.randrange(5, 200)
    if level == 2:
        even = n % 2 == 0
        files = {
            "parity.txt": "even" if even else "odd",
            "next.txt": str(n // 2 if even else 3 * n + 1),
            "log.txt": "done",
        }
        wrong = {
            "parity.txt": "odd" if even else "even",
            "next.txt": str(3 * n + 1 if even else n // 2),
            "log.txt": "done",
        }
        return Task(
            "Steps: 1. read n.txt. 2. if the number is even write even to parity.txt, otherwise "
            "write "
            "odd. 3. if it is even, write the number divided by 2 to next.txt; 4. otherwise write "
            "3 "
            "times the number plus 1 to next.txt. 5. write done to log.txt.",
            {"n.txt": f"{n}\n"},
            {"files": files},
            _files_check,
            files,
            [wrong],
        )
    seq = [n]
    while seq[-1] != 1:
        seq.append(seq[-1] // 2 if seq[-1] % 2 == 0 else 3 * seq[-1] + 1)
    return Task(
        "Start with the number in n.txt. Repeat: if it is even halve it, otherwise triple it and "
        "add 1; "
        "stop when it reaches 1. Write every value, starting with the first and ending with 1, "
        "one per "
        "line, to seq.txt. Then verify: write the number of lines of seq.txt to check.txt.",
        {"n.txt": f"{n}\n"},
        {"files": {"seq.txt": "\n".join(map(str, seq)), "check.txt": str(len(seq))}},
        _files_check,
        {"seq.txt": "\n".join(map(str, seq)), "check.txt": str(len(seq))},
        [{"seq.txt": "\n".join(map(str, seq[:-1])), "check.txt": str(len(seq) - 1)}],
    )


def _files_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    return all((read(wd, p) or "").strip() == c for p, c in e["files"].items())


def _script_files(e: dict[str, Any], wd: Path, t: str) -> bool:
    script = read(wd, e["script"])
    return (
        script is not None
        and all(n in script for n in e.get("needles", []))
        and _value_check(e, wd, t)
    )


def _value_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    if e["path"].endswith(".json"):
        return read_json(wd, e["path"]) == e["value"]
    got = read(wd, e["path"])
    return got is not None and got.strip() == e["value"]


def delegation(rng: Random, level: int) -> Task:
    if level == 1:
        a, b = rng.randrange(100000, 999999), rng.randrange(100000, 999999)
        return Task(
            f"Do not compute this in your head: write a script calc.py that computes {a} * {b}, "
            "run it, "
            "and save the result to result.txt.",
            {},
            {"path": "result.txt", "value": str(a * b), "script": "calc.py"},
            _script_files,
            {"calc.py": "...", "result.txt": str(a * b)},
            [{"calc.py": "...", "result.txt": str(round(a * b, -3))}, {"result.txt": str(a * b)}],
        )
    if level == 2:
        regions = rng.sample(["north", "south", "east", "west"], 3)
        rows = [(rng.choice(regions), rng.randrange(1, 999)) for _ in range(rng.randrange(80, 150))]
        tot: dict[str, int] = {}
        for r, v in rows:
            tot[r] = tot.get(r, 0) + v
        tot = dict(sorted(tot.items()))
        off = {**tot, regions[0]: tot.get(regions[0], 0) + 1}
        return Task(
            "Hand this to a script: write totals.py that reads sales.csv (region,amount) and "
            "writes "
            "totals.json, an object of region -> total amount (integers); run it.",
            {"sales.csv": "region,amount\n" + "".join(f"{r},{v}\n" for r, v in rows)},
            {"path": "totals.json", "value": tot, "script": "totals.py"},
            _script_files,
            {"totals.py": "...", "totals.json": json.dumps(tot)},
            [
                {"totals.py": "...", "totals.json": json.dumps(off)},
                {"totals.json": json.dumps(tot)},
            ],
        )
    while True:
        amounts = [Decimal(rng.randrange(1, 2000)) / 8 for _ in range(rng.randrange(10, 20))]
        exact = sum((a * Decimal("1.1")).quantize(Decimal("0.01"), ROUND_HALF_UP) for a in amounts)
        floaty = sum(round(float(a) * 1.1, 2) for a in amounts)
        if f"{floaty:.2f}" != str(exact):
            break
    return Task(
        "amounts.txt has one amount per line. For each, add 10% tax and round to cents with "
        "round-half-up; then sum the rounded values. This is precision-sensitive: write total.py "
        "using "
        "Python's decimal module (Decimal, ROUND_HALF_UP), run it, and save the total (two "
        "decimals) to "
        "total.txt.",
        {"amounts.txt": "".join(f"{a}\n" for a in amounts)},
        {"path": "total.txt", "value": str(exact), "script": "total.py", "needles": ["decimal"]},
        _script_files,
        {"total.py": "from decimal import Decimal", "total.txt": str(exact)},
        [
            {"total.py": "from decimal import Decimal", "total.txt": f"{floaty:.2f}"},
            {"total.py": "x = 1", "total.txt": str(exact)},
        ],
    )


CHILD_MAX_WORD = 9


def _style_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    text = read(wd, e["path"])
    if text is None:
        return False
    ws = re.findall(r"[A-Za-z']+", text)
    if len(ws) < e["min_words"] or e["topic"] not in text.lower():
        return False
    if e["level"] == 1:
        return not CONTRACTION.search(text) and not re.search(r"!|\blol\b|\bgonna\b", text, re.I)
    if e["level"] == 2:
        sentences = [s for s in re.split(r"[.!?]+", text) if s.strip()]
        return (
            max(len(w) for w in ws) <= CHILD_MAX_WORD
            and max(len(s.split()) for s in sentences) <= 12
        )
    secs = markdown_sections(text)
    return len(secs) >= 3 and all(re.search(e["marker"], b, re.I) for _, b in secs)


def style(rng: Random, level: int) -> Task:
    topic = rng.choice(WORDS)
    if level == 1:
        good = (
            f"The {topic} is an important matter. We do not expect any delay. It will be reviewed "
            "carefully by the committee in the coming weeks, and a decision will follow."
        )
        return Task(
            f"Write memo.txt: a formal passage of at least 25 words about {topic}. Use no "
            "contractions "
            "and no exclamation marks.",
            {},
            {"path": "memo.txt", "level": 1, "topic": topic, "min_words": 25},
            _style_check,
            {"memo.txt": good},
            [{"memo.txt": good.replace("do not", "don't")}],
        )
    if level == 2:
        good = (
            f"This is a {topic}. It is fun. You can see it in the park. It is big and soft. We "
            f"like the {topic} a lot."
        )
        return Task(
            f"Write story.txt about {topic} for a four-year-old: at least 20 words, short "
            "sentences (at "
            f"most 12 words), and no word longer than {CHILD_MAX_WORD} letters.",
            {},
            {"path": "story.txt", "level": 2, "topic": topic, "min_words": 20},
            _style_check,
            {"story.txt": good},
            [
                {
                    "story.txt": good
                    + " Consequently, comprehensive considerations necessitate vigilance."
                }
            ],
        )
    good = "".join(
        f"## Part {i}\n\nArr, matey, the {topic} be a fine sight upon the sea. Ye shall see it at "
        "dawn, matey, when the tide be high.\n\n"
        for i in range(3)
    )
    return Task(
        f"Write tale.md about {topic} in a pirate's voice, held through the whole text: at least "
        "three "
        "'## ' sections, 60 words or more, and every section uses pirate words (arr, matey, ye).",
        {},
        {
            "path": "tale.md",
            "level": 3,
            "topic": topic,
            "min_words": 60,
            "marker": r"\b(arr|matey|ye)\b",
        },
        _style_check,
        {"tale.md": good},
        [
            {
                "tale.md": good.rsplit("## Part 2", 1)[0]
                + f"## Part 2\n\nThe {topic} is a fine sight upon the sea. "
                + "You will see it at dawn.\n"
            }
        ],
    )


GENERATORS = {
    "follow.format": fmt,
    "follow.constraint": constraint,
    "follow.procedure": procedure,
    "follow.delegation": delegation,
    "follow.style": style,
}
