"""Generators for the `tool` primitives: file read/write, exec, call format, batch, web, browser.

The sandbox has no network, so `tool.web` instances ship `http_get.py`, an offline stand-in for
an HTTP client that answers GET requests from canned responses (query parameters and pagination
included); the probe measures the agent's handling of requests and responses, not the network.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from random import Random
from typing import Any

from skillir.profiler.base import (
    NAMES,
    WORDS,
    Task,
    also_file,
    check_exact,
    check_json,
    check_number,
    check_text,
    read,
)


def file_read(rng: Random, level: int) -> Task:
    if level == 1:
        token = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789abcdefgh") for _ in range(16))
        return Task(
            "secret.txt holds a token. Write the token, exactly as it is, to answer.txt.",
            {"secret.txt": f"{token}\n"},
            {"path": "answer.txt", "text": token},
            check_text,
            {"answer.txt": token},
            [{"answer.txt": token.lower() if token != token.lower() else token + "x"}],
        )
    if level == 2:
        names = [f"{w}.txt" for w in rng.sample(WORDS, 6)]
        missing = sorted(rng.sample(names, 2))
        files = {n: f"content of {n}\n" for n in names if n not in missing}
        files["wanted.txt"] = "\n".join(names) + "\n"
        return Task(
            "wanted.txt lists files, one per line. Read each; write to missing.txt the names of "
            "those "
            "that do not exist, one per line, sorted.",
            files,
            {"path": "missing.txt", "text": "\n".join(missing)},
            check_text,
            {"missing.txt": "\n".join(missing)},
            [{"missing.txt": "\n".join(sorted(names))}, {"missing.txt": missing[0]}],
        )
    lines = [
        f"{i:04d} {rng.choice(WORDS)} {rng.choice(WORDS)}"
        for i in range(1, rng.randrange(150, 300))
    ]
    a = rng.randrange(20, 100)
    b = a + rng.randrange(5, 15)
    part = "\n".join(lines[a - 1 : b])
    return Task(
        f"Copy lines {a} to {b} (inclusive, counting from 1) of big.txt, exactly, into slice.txt.",
        {"big.txt": "\n".join(lines) + "\n"},
        {"path": "slice.txt", "text": part},
        check_exact,
        {"slice.txt": part + "\n"},
        [
            {"slice.txt": "\n".join(lines[a : b + 1]) + "\n"},
            {"slice.txt": "\n".join(lines[a - 1 : b - 1]) + "\n"},
        ],
    )


def file_write(rng: Random, level: int) -> Task:
    if level == 1:
        content = "\n".join(" ".join(rng.sample(WORDS, 3)) for _ in range(3))
        return Task(
            f"Create note.txt with exactly this content (three lines):\n{content}",
            {},
            {"path": "note.txt", "text": content},
            check_exact,
            {"note.txt": content + "\n"},
            [{"note.txt": content.rsplit("\n", 1)[0]}],
        )
    if level == 2:
        n, w = rng.randrange(30, 60), rng.choice(WORDS)
        content = "\n".join(f"{i:03d}: {w}" for i in range(1, n + 1))
        return Task(
            f"Create numbered.txt with {n} lines: line i is the number i with three digits, a "
            "colon, a "
            f"space and the word {w} (001: {w}, 002: {w}, ... {n:03d}: {w}).",
            {},
            {"path": "numbered.txt", "text": content},
            check_exact,
            {"numbered.txt": content + "\n"},
            [
                {"numbered.txt": content.rsplit("\n", 1)[0]},
                {"numbered.txt": content.replace(f"{n // 2:03d}:", f"{n // 2}:")},
            ],
        )
    files = {
        f"out/{w}.txt": f"{w} {rng.randrange(100, 999)}"
        for w in rng.sample(WORDS, rng.randrange(3, 6))
    }
    spec = "\n".join(f"{p}: {c}" for p, c in files.items())
    return Task(
        f"Create these files, each holding exactly the text after the colon:\n{spec}",
        {},
        {"files": files},
        _files_check,
        dict(files),
        [dict(list(files.items())[:-1])],
    )


def _files_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    return all((read(wd, p) or "").strip() == c for p, c in e["files"].items())


def execute(rng: Random, level: int) -> Task:
    data = "".join(f"{rng.choice(WORDS[:6])}\n" for _ in range(rng.randrange(20, 40)))
    if level == 1:
        digest = hashlib.sha256(data.encode()).hexdigest()
        return Task(
            "Run the command `sha256sum data.txt` and save its output to out.txt.",
            {"data.txt": data},
            {"path": "out.txt", "digest": digest},
            _digest_check,
            {"out.txt": f"{digest}  data.txt\n"},
            [{"out.txt": hashlib.sha256(b"data.txt").hexdigest()}],
        )
    word = data.split()[0]
    n = data.split().count(word)
    if level == 2:
        return Task(
            "Write a Python script count.py that prints how many lines of data.txt are exactly "
            f"{word}; "
            "run it and save what it prints to out.txt.",
            {"data.txt": data},
            {"path": "out.txt", "value": n, "script": "count.py"},
            also_file("script", check_number),
            {"count.py": "...", "out.txt": str(n)},
            [{"out.txt": str(n)}, {"count.py": "...", "out.txt": str(n + 1)}],
        )
    counts: dict[str, int] = {}
    for w in data.split():
        counts[w] = counts.get(w, 0) + 1
    top = max(sorted(counts), key=lambda w: counts[w])
    return Task(
        "Run, in order: `sort data.txt > sorted.txt`, then `uniq -c sorted.txt > counts.txt`, then "
        "`sort -rn counts.txt | head -n 1 | awk '{print $2}' > top.txt`.",
        {"data.txt": data},
        {
            "sorted": "".join(sorted(data.splitlines(keepends=True))),
            "counts": counts,
            "top": top,
            "ties": [w for w in counts if counts[w] == counts[top]],
        },
        _chain_check,
        {
            "sorted.txt": "".join(sorted(data.splitlines(keepends=True))),
            "counts.txt": "".join(f"{counts[w]:7d} {w}\n" for w in sorted(counts)),
            "top.txt": top,
        },
        [{"counts.txt": "".join(f"{counts[w]:7d} {w}\n" for w in sorted(counts)), "top.txt": top}],
    )


def _digest_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    got = read(wd, e["path"])
    return got is not None and got.split()[:1] == [e["digest"]]


def _chain_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    srt, cnt, top = read(wd, "sorted.txt"), read(wd, "counts.txt"), read(wd, "top.txt")
    if srt is None or cnt is None or top is None or srt.split() != e["sorted"].split():
        return False
    pairs = [line.split() for line in cnt.splitlines() if line.strip()]
    return {p[1]: int(p[0]) for p in pairs if len(p) == 2 and p[0].isdigit()} == e[
        "counts"
    ] and top.strip() in e["ties"]


def call_format(rng: Random, level: int) -> Task:
    if level == 1:
        name = f"{rng.choice(WORDS)}_{rng.randrange(10, 99)}.txt"
        text = " ".join(rng.sample(WORDS, 4))
        return Task(
            f"Call the file-writing tool once to create {name} with the content: {text}",
            {},
            {"path": name, "text": text},
            check_text,
            {name: text},
            [{name.replace(".txt", ".md"): text}],
        )
    if level == 2:
        value = {
            "service": rng.choice(WORDS),
            "ports": rng.sample(range(8000, 8100), 3),
            "owners": [
                {"name": n, "roles": rng.sample(["dev", "ops", "qa"], 2)}
                for n in rng.sample(NAMES, 2)
            ],
        }
        return Task(
            "Call the file-writing tool to create settings.json holding exactly this JSON value: "
            f"{json.dumps(value)}",
            {},
            {"path": "settings.json", "value": value},
            check_json,
            {"settings.json": json.dumps(value, indent=2)},
            [{"settings.json": json.dumps({**value, "ports": [str(p) for p in value["ports"]]})}],
        )
    w = rng.choice(WORDS)
    text = f'say "{w}"\tand C:\\temp\\{w}\nline 2: {{"k": [1, 2.5, true, null]}} ünï'
    return Task(
        "Call the file-writing tool to create raw.txt whose content is exactly the string in this "
        "JSON "
        f"literal (decode its escapes: quotes, tab, backslashes, newline): {json.dumps(text)}",
        {},
        {"path": "raw.txt", "text": text},
        check_exact,
        {"raw.txt": text},
        [{"raw.txt": json.dumps(text)[1:-1]}, {"raw.txt": text.replace("\t", " ")}],
    )


def batch(rng: Random, level: int) -> Task:
    if level == 1:
        a, b = rng.randrange(10, 500), rng.randrange(10, 500)
        return Task(
            "a.txt and b.txt each hold a number. Write their sum to sum.txt.",
            {"a.txt": f"{a}\n", "b.txt": f"{b}\n"},
            {"path": "sum.txt", "value": a + b},
            check_number,
            {"sum.txt": str(a + b)},
            [{"sum.txt": f"{a}{b}"}],
        )
    names = sorted(rng.sample(WORDS, rng.randrange(8, 13) if level == 2 else rng.randrange(15, 25)))
    if level == 2:
        files = {
            f"docs/{n}.txt": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 15))) + "\n"
            for n in names
        }
        report = "\n".join(f"{n}.txt: {len(files[f'docs/{n}.txt'].split())}" for n in names)
        return Task(
            "For each file in docs/, write one line 'NAME: WORDS' (file name and its word count) "
            "to "
            "report.txt, sorted by name.",
            files,
            {"path": "report.txt", "text": report},
            check_text,
            {"report.txt": report},
            [{"report.txt": report.rsplit("\n", 1)[0]}],
        )
    values = {n: rng.randrange(1, 1000) for n in names}
    files = {f"data/{n}.txt": f"name: {n}\nvalue: {v}\n" for n, v in values.items()}
    top = max(names, key=lambda n: values[n])
    value = {"sum": sum(values.values()), "max_file": f"{top}.txt"}
    return Task(
        'Each file in data/ has a line "value: N". Write total.json: {"sum": the sum of all '
        "values, "
        '"max_file": the name of the file with the largest value}.',
        files,
        {"path": "total.json", "value": value},
        check_json,
        {"total.json": json.dumps(value)},
        [
            {
                "total.json": json.dumps(
                    {"sum": value["sum"] - values[names[0]], "max_file": value["max_file"]}
                )
            }
        ],
    )


HTTP_GET = '''"""Offline HTTP GET stand-in: python3 http_get.py URL prints the response body."""
import json, sys, urllib.parse
ROUTES = json.loads(open("routes.json").read())
url = urllib.parse.urlsplit(sys.argv[1])
key = url.path + ("?" + "&".join(sorted(url.query.split("&"))) if url.query else "")
if key not in ROUTES:
    print(json.dumps({"error": "not found"}))
    sys.exit(22)
print(json.dumps(ROUTES[key]))
'''


def web(rng: Random, level: int) -> Task:
    base = "http://api.example.test"
    if level == 1:
        user = {
            "id": rng.randrange(1, 999),
            "login": rng.choice(WORDS),
            "email": f"{rng.choice(WORDS)}@example.test",
        }
        routes = {f"/users/{user['id']}": user}
        return Task(
            f"There is no network; http_get.py is the HTTP client (`python3 http_get.py URL`). GET "
            f"{base}/users/{user['id']} and write the response's email field to answer.txt.",
            {"http_get.py": HTTP_GET, "routes.json": json.dumps(routes)},
            {"path": "answer.txt", "text": user["email"]},
            check_text,
            {"answer.txt": user["email"]},
            [{"answer.txt": user["login"]}],
        )
    if level == 2:
        city = rng.choice(WORDS)
        temps = {d: rng.randrange(-5, 35) for d in ("mon", "tue", "wed")}
        day = rng.choice(sorted(temps))
        routes = {
            f"/weather?city={c}&unit=c": {
                "city": c,
                "days": [{"day": d, "temp": {"max": t + (c != city)}} for d, t in temps.items()],
            }
            for c in (city, "other")
        }
        return Task(
            f"There is no network; http_get.py is the HTTP client (`python3 http_get.py URL`). GET "
            f"{base}/weather with query parameters city={city} and unit=c, and write the temp.max "
            "of "
            f"day {day} to answer.txt.",
            {"http_get.py": HTTP_GET, "routes.json": json.dumps(routes)},
            {"path": "answer.txt", "value": temps[day]},
            check_number,
            {"answer.txt": str(temps[day])},
            [{"answer.txt": str(temps[day] + 1)}],
        )
    pages = rng.randrange(3, 6)
    items = [
        [{"id": p * 10 + i, "name": rng.choice(WORDS)} for i in range(rng.randrange(2, 5))]
        for p in range(pages)
    ]
    routes = {
        f"/items?page={p + 1}": {
            "items": items[p],
            "next": f"{base}/items?page={p + 2}" if p + 1 < pages else None,
        }
        for p in range(pages)
    }
    ids = [it["id"] for page in items for it in page]
    return Task(
        f"There is no network; http_get.py is the HTTP client (`python3 http_get.py URL`). GET "
        f"{base}/items?page=1, follow each response's next URL until it is null, and write "
        "ids.json: "
        "the ids of all items of all pages, in order, as a JSON list.",
        {"http_get.py": HTTP_GET, "routes.json": json.dumps(routes)},
        {"path": "ids.json", "value": ids},
        check_json,
        {"ids.json": json.dumps(ids)},
        [{"ids.json": json.dumps([it["id"] for it in items[0]])}],
    )


def browser(rng: Random, level: int) -> Task:
    if level == 1:
        ids = rng.sample(WORDS, 4)
        texts = {i: " ".join(rng.sample(WORDS, 3)) for i in ids}
        want = rng.choice(ids)
        page = (
            "<html><body>"
            + "".join(f'<div id="{i}"><p>{t}</p></div>' for i, t in texts.items())
            + "</body></html>"
        )
        return Task(
            f"page.html is a web page. Write the text of the element with id {want} to answer.txt.",
            {"page.html": page},
            {"path": "answer.txt", "text": texts[want]},
            check_text,
            {"answer.txt": texts[want]},
            [{"answer.txt": texts[next(i for i in ids if i != want)]}],
        )
    if level == 2:
        rows = [
            [rng.choice(NAMES), str(rng.randrange(1, 99)), rng.choice(WORDS)]
            for _ in range(rng.randrange(3, 7))
        ]
        page = (
            "<table><tr><th>name</th><th>age</th><th>city</th></tr>"
            + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
            + "</table>"
        )
        csv_text = "name,age,city\n" + "".join(",".join(r) + "\n" for r in rows)
        return Task(
            "table.html holds a table. Write its rows, header first, to table.csv "
            "(comma-separated, no quotes).",
            {"table.html": f"<html><body>{page}</body></html>"},
            {"path": "table.csv", "text": csv_text},
            check_text,
            {"table.csv": csv_text},
            [{"table.csv": csv_text.split("\n", 1)[1]}],
        )
    n = rng.randrange(4, 7)
    names = [f"{w}.html" for w in rng.sample(WORDS, n)]
    titles = [" ".join(rng.sample(WORDS, 2)) for _ in range(n)]
    files = {}
    for i, (name, title) in enumerate(zip(names, titles, strict=False)):
        nxt = f'<a rel="next" href="{names[i + 1]}">next</a>' if i + 1 < n else ""
        files[f"site/{name}"] = (
            f'<html><body><a href="{names[-1]}">last</a><h2 '
            f'class="title">{title}</h2>{nxt}</body></html>'
        )
    return Task(
        f'site/{names[0]} is the first page of a site. Follow the rel="next" links page by page '
        "and "
        "write the text of each page's h2 title, in crawl order, one per line, to titles.txt.",
        files,
        {"path": "titles.txt", "text": "\n".join(titles)},
        check_text,
        {"titles.txt": "\n".join(titles)},
        [
            {"titles.txt": "\n".join(t for _, t in sorted(zip(names, titles, strict=False)))},
            {"titles.txt": "\n".join(titles[:-1])},
        ],
    )


GENERATORS = {
    "tool.file.read": file_read,
    "tool.file.write": file_write,
    "tool.exec": execute,
    "tool.call.format": call_format,
    "tool.call.batch": batch,
    "tool.web": web,
    "tool.browser": browser,
}
