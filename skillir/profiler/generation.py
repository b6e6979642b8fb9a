"""Generators for the `generation` primitives: code, structured text, long text, prose, regex."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from random import Random
from typing import Any

from skillir.profiler.base import (
    NAMES,
    WORDS,
    Task,
    also_file,
    check_json,
    check_number,
    read,
    read_json,
)


def _script_and(script: str, needles: tuple[str, ...], check):
    """`check`, and the script `script` exists and mentions one of `needles`."""

    def run(e: dict[str, Any], wd: Path, t: str) -> bool:
        text = read(wd, script)
        return text is not None and any(n in text for n in needles) and check(e, wd, t)

    return run


def _salaries(rng: Random, n: int) -> list[tuple[str, str, int]]:
    depts = rng.sample(["ops", "sales", "dev", "hr", "legal"], 3)
    return [
        (f"{rng.choice(NAMES)}{i}", rng.choice(depts), rng.randrange(30, 90) * 1000)
        for i in range(n)
    ]


def _csv(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def python(rng: Random, level: int) -> Task:
    if level == 1:
        nums = [rng.randrange(1, 100) for _ in range(rng.randrange(12, 25))]
        k = rng.choice(nums)
        right = sum(1 for x in nums if x > k)
        wrong = sum(1 for x in nums if x >= k)
        return Task(
            "Write a Python script solve.py that reads nums.txt (one integer per line) and "
            "writes to "
            f"out.txt how many numbers are strictly greater than {k}. Run it.",
            {"nums.txt": "\n".join(map(str, nums)) + "\n"},
            {"path": "out.txt", "value": right, "script": "solve.py"},
            also_file("script", check_number),
            {"solve.py": "...", "out.txt": str(right)},
            [{"solve.py": "...", "out.txt": str(wrong)}, {"out.txt": str(right)}],
        )
    rows = _salaries(rng, rng.randrange(8, 15))
    totals: dict[str, Any] = {}
    for _, d, s in rows:
        totals.setdefault(d, []).append(s)
    tot = {d: sum(v) for d, v in sorted(totals.items())}
    mean = {d: round(sum(v) / len(v), 2) for d, v in sorted(totals.items())}
    if level == 2:
        return Task(
            "Write a Python script solve.py that uses the csv and json modules to read staff.csv "
            "(name,dept,salary) and write out.json: an object mapping each dept to the total "
            "salary "
            "(an integer). Run it.",
            {"staff.csv": _csv(rows, ("name", "dept", "salary"))},
            {"path": "out.json", "value": tot},
            _script_and("solve.py", ("import csv", "import json"), check_json),
            {"solve.py": "import csv\n", "out.json": json.dumps(tot)},
            [{"solve.py": "import csv\n", "out.json": json.dumps(mean)}],
        )
    return Task(
        "Write a Python script solve.py that uses pandas (or numpy) to read staff.csv "
        "(name,dept,salary) and write out.json: an object mapping each dept to its mean salary "
        "rounded to 2 decimals. Run it.",
        {"staff.csv": _csv(rows, ("name", "dept", "salary"))},
        {"path": "out.json", "value": {d: float(v) for d, v in mean.items()}},
        _script_and("solve.py", ("pandas", "numpy"), _json_close),
        {"solve.py": "import pandas\n", "out.json": json.dumps(mean)},
        [
            {"solve.py": "import pandas\n", "out.json": json.dumps(tot)},
            {"solve.py": "import csv\n", "out.json": json.dumps(mean)},
        ],
    )


def _json_close(e: dict[str, Any], wd: Path, t: str) -> bool:
    got = read_json(wd, e["path"])
    want = e["value"]
    return (
        isinstance(got, dict)
        and set(got) == set(want)
        and all(isinstance(got[k], int | float) and abs(got[k] - want[k]) < 0.01 for k in want)
    )


def javascript(rng: Random, level: int) -> Task:
    if level == 1:
        lines = [
            f"{rng.choice(['INFO', 'WARN', 'ERROR'])} {rng.choice(WORDS)} {i}"
            for i in range(rng.randrange(15, 30))
        ]
        right = sum("ERROR" in x for x in lines)
        wrong = sum("ERROR" in x or "WARN" in x for x in lines)
        if wrong == right:
            lines.append("WARN extra")
            wrong += 1
        return Task(
            "Write a Node.js script count.js that reads log.txt line by line and writes to out.txt "
            "the number of lines that contain ERROR. Run it with node.",
            {"log.txt": "\n".join(lines) + "\n"},
            {"path": "out.txt", "value": right, "script": "count.js"},
            also_file("script", check_number),
            {"count.js": "//", "out.txt": str(right)},
            [{"count.js": "//", "out.txt": str(wrong)}],
        )
    if level == 2:
        rows = [
            (rng.choice(WORDS), rng.randrange(1, 50), rng.randrange(100, 999))
            for _ in range(rng.randrange(4, 8))
        ]
        value = [{"item": a, "qty": b, "price": c} for a, b, c in rows]
        return Task(
            "Write a Node.js script to_json.js that parses items.csv (item,qty,price) and writes "
            "out.json: "
            "a JSON array of objects with keys item (string), qty and price (numbers), in file "
            "order. Run it.",
            {"items.csv": _csv(rows, ("item", "qty", "price"))},
            {"path": "out.json", "value": value, "script": "to_json.js"},
            also_file("script", check_json),
            {"to_json.js": "//", "out.json": json.dumps(value)},
            [
                {
                    "to_json.js": "//",
                    "out.json": json.dumps([{k: str(v) for k, v in o.items()} for o in value]),
                }
            ],
        )
    ids = rng.sample(range(1, 40), 12)
    parts = [sorted(rng.sample(ids, 5)) for _ in range(3)]
    files = {
        f"parts/{n}.json": json.dumps([{"id": i, "name": f"n{i}"} for i in p])
        for n, p in zip("abc", parts, strict=False)
    }
    merged = [{"id": i, "name": f"n{i}"} for i in sorted({i for p in parts for i in p})]
    dup = [{"id": i, "name": f"n{i}"} for i in sorted(i for p in parts for i in p)]
    if len(dup) == len(merged):
        files["parts/c.json"] = json.dumps(
            [{"id": i, "name": f"n{i}"} for i in parts[2] + parts[0][:1]]
        )
        dup = [
            {"id": i, "name": f"n{i}"}
            for i in sorted(parts[0] + parts[1] + parts[2] + parts[0][:1])
        ]
    return Task(
        "Write an asynchronous Node.js script merge.js that reads parts/a.json, parts/b.json and "
        "parts/c.json concurrently (Promise.all with fs.promises), merges their records, removes "
        "duplicate ids and writes out.json: the records sorted by id. Run it.",
        files,
        {"path": "out.json", "value": merged},
        _script_and("merge.js", ("Promise", "await"), check_json),
        {"merge.js": "await Promise.all([])", "out.json": json.dumps(merged)},
        [{"merge.js": "await Promise.all([])", "out.json": json.dumps(dup)}],
    )


def shell(rng: Random, level: int) -> Task:
    word = rng.choice(WORDS)
    if level == 1:
        lines = [" ".join(rng.choice(WORDS[:12] + (word,)) for _ in range(4)) for _ in range(20)]
        lines.append(f"{word} {word}")
        right = sum(word in x.split() for x in lines)
        occ = sum(x.split().count(word) for x in lines)
        return Task(
            f"With one shell command (grep), count the lines of words.txt that contain the word "
            f"{word} and save the number to out.txt.",
            {"words.txt": "\n".join(lines) + "\n"},
            {"path": "out.txt", "value": right},
            check_number,
            {"out.txt": str(right)},
            [{"out.txt": str(occ)}],
        )
    ips = [f"10.0.{rng.randrange(4)}.{rng.randrange(1, 9)}" for _ in range(rng.randrange(20, 40))]
    log = "".join(f"{ip} GET /{rng.choice(WORDS)} 200\n" for ip in ips)
    if level == 2:
        return Task(
            "Using a pipeline (cut, sort, uniq, wc) with redirection, count the distinct IP "
            "addresses (first field) in access.log and save the number to out.txt.",
            {"access.log": log},
            {"path": "out.txt", "value": len(set(ips))},
            check_number,
            {"out.txt": str(len(set(ips)))},
            [{"out.txt": str(len(ips))}],
        )
    rows = [
        (rng.choice(WORDS[:5]), rng.choice(("ok", "fail")), rng.randrange(1, 500))
        for _ in range(30)
    ]
    right = sum(r[2] for r in rows if r[1] == "fail")
    return Task(
        "Using awk, sum the third column of results.txt (space-separated) over the lines whose "
        "second column is fail; save the awk command in cmd.sh and the sum in out.txt.",
        {"results.txt": "".join(f"{a} {b} {c}\n" for a, b, c in rows)},
        {"path": "out.txt", "value": right},
        _script_and("cmd.sh", ("awk", "sed", "xargs"), check_number),
        {"cmd.sh": "awk '$2==\"fail\"{s+=$3} END{print s}' results.txt", "out.txt": str(right)},
        [{"cmd.sh": "awk '{s+=$3} END{print s}'", "out.txt": str(sum(r[2] for r in rows))}],
    )


def _sql_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    """Run query.sql over the fixture tables in a fresh in-memory database; compare rows."""
    query = read(wd, "query.sql")
    if query is None:
        return False
    if e.get("window") and "over" not in query.lower():
        return False
    db = sqlite3.connect(":memory:")
    try:
        for name, text in e["tables"].items():
            rows = list(csv.reader(io.StringIO(text)))
            db.execute(f"CREATE TABLE {name} ({', '.join(rows[0])})")
            db.executemany(
                f"INSERT INTO {name} VALUES ({', '.join('?' * len(rows[0]))})",
                [[int(v) if v.isdigit() else v for v in r] for r in rows[1:]],
            )
        got = [list(r) for r in db.execute(query.strip().rstrip(";")).fetchall()]
    except sqlite3.Error:
        return False
    finally:
        db.close()
    return got == e["rows"]


def sql(rng: Random, level: int) -> Task:
    if level == 1:
        rows = [
            (i, rng.choice(("open", "closed", "void")), rng.randrange(5, 500)) for i in range(1, 30)
        ]
        lim = rng.randrange(100, 400)
        n = sum(1 for r in rows if r[1] == "open" and r[2] > lim)
        tables = {"orders": _csv(rows, ("id", "status", "amount"))}
        return Task(
            f"Table orders(id, status, amount) holds orders.csv. Write a SQLite query to query.sql "
            f"that counts the orders with status 'open' and amount greater than {lim}.",
            {"orders.csv": tables["orders"]},
            {"tables": tables, "rows": [[n]]},
            _sql_check,
            {"query.sql": f"SELECT COUNT(*) FROM orders WHERE status = 'open' AND amount > {lim}"},
            [{"query.sql": f"SELECT COUNT(*) FROM orders WHERE amount > {lim}"}],
        )
    if level == 2:
        cust = [(i, n) for i, n in enumerate(rng.sample(NAMES, 4), 1)]
        orders = [(j, rng.randrange(1, 5), rng.randrange(10, 99)) for j in range(1, 16)]
        tables = {
            "customers": _csv(cust, ("id", "name")),
            "orders": _csv(orders, ("id", "customer_id", "amount")),
        }
        tot: dict[str, int] = {}
        for _, c, a in orders:
            tot[cust[c - 1][1]] = tot.get(cust[c - 1][1], 0) + a
        return Task(
            "Tables customers(id, name) and orders(id, customer_id, amount) hold customers.csv and "
            "orders.csv. Write a SQLite query to query.sql returning name and total amount per "
            "customer that has orders, ordered by name.",
            {"customers.csv": tables["customers"], "orders.csv": tables["orders"]},
            {"tables": tables, "rows": [[n, v] for n, v in sorted(tot.items())]},
            _sql_check,
            {
                "query.sql": (
                    "SELECT c.name, SUM(o.amount) FROM customers c JOIN orders o ON o.customer_id "
                    "= c.id GROUP BY c.name ORDER BY c.name"
                )
            },
            [
                {
                    "query.sql": (
                        "SELECT c.name, COUNT(*) FROM customers c JOIN orders o ON o.customer_id "
                        "= c.id GROUP BY c.name ORDER BY c.name"
                    )
                }
            ],
        )
    rows = [
        (
            i,
            f"{rng.choice(NAMES)}{i}",
            rng.choice(("ops", "dev", "hr")),
            rng.randrange(100, 999) * 10,
        )
        for i in range(1, 16)
    ]
    tables = {"staff": _csv(rows, ("id", "name", "dept", "salary"))}
    best: dict[str, tuple[int, str]] = {}
    for _, n, d, s in rows:
        if d not in best or s > best[d][0]:
            best[d] = (s, n)
    return Task(
        "Table staff(id, name, dept, salary) holds staff.csv. Write a SQLite query to query.sql "
        "using a "
        "window function (RANK() OVER (PARTITION BY dept ...)) in a common table expression that "
        "returns "
        "dept and name of the highest-paid person in each dept (the first by id on ties), ordered "
        "by dept.",
        {"staff.csv": tables["staff"]},
        {"tables": tables, "rows": [[d, best[d][1]] for d in sorted(best)], "window": True},
        _sql_check,
        {
            "query.sql": (
                "WITH r AS (SELECT dept, name, ROW_NUMBER() OVER (PARTITION BY dept ORDER BY "
                "salary DESC, id) AS k FROM staff) SELECT dept, name FROM r WHERE k = 1 ORDER BY "
                "dept"
            )
        },
        [
            {
                "query.sql": (
                    "WITH r AS (SELECT dept, name, ROW_NUMBER() OVER (PARTITION BY dept ORDER BY "
                    "salary, id) AS k FROM staff) SELECT dept, name FROM r WHERE k = 1 ORDER BY "
                    "dept"
                )
            }
        ],
    )


class _Tags(HTMLParser):
    """Start tags with attributes, the text inside each tag name, and unbalanced-tag errors."""

    VOID = {"meta", "br", "img", "link", "hr", "input", "rect", "line", "circle", "path"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.starts: list[tuple[str, dict[str, str]]] = []
        self.text: dict[str, list[str]] = {}
        self.bad = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in self.VOID:
            self.stack.append(tag)
            self.text.setdefault(tag, []).append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.bad = True
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.text[self.stack[-1]][-1] += data


def parse_html(text: str | None) -> _Tags | None:
    if text is None:
        return None
    p = _Tags()
    p.feed(text)
    p.close()
    return p


def _html_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    p = parse_html(read(wd, e["path"]))
    if p is None or p.bad or p.stack:
        return False
    tags = [s[0] for s in p.starts]
    if e["level"] == 1:
        return [x.strip() for x in p.text.get("h1", [])] == [e["title"]] and [
            x.strip() for x in p.text.get("li", [])
        ] == e["items"]
    if e["level"] == 2:
        if not all(t_ in tags for t_ in ("header", "main", "footer", "thead", "tbody")):
            return False
        cells = [x.strip() for x in p.text.get("td", [])]
        return cells == [str(c) for row in e["rows"] for c in row]
    heights = [a.get("height", "") for tag, a in p.starts if tag == "rect"]
    try:
        return [float(h) for h in heights] == [float(v) for v in e["heights"]]
    except ValueError:
        return False


def html(rng: Random, level: int) -> Task:
    if level == 1:
        title, items = rng.choice(WORDS).title(), words(rng, 4)
        listed = "".join(f"<li>{i}</li>" for i in items)
        page = f"<html><body><h1>{title}</h1><ul>{listed}</ul></body></html>"
        return Task(
            f"Write page.html: a page whose h1 heading is {title} and with a bulleted list of "
            f"these items in order: {', '.join(items)}.",
            {},
            {"path": "page.html", "level": 1, "title": title, "items": items},
            _html_check,
            {"page.html": page},
            [{"page.html": page.replace(f"<li>{items[-1]}</li>", "")}],
        )
    if level == 2:
        rows = [[rng.choice(NAMES), rng.randrange(1, 99)] for _ in range(rng.randrange(3, 6))]
        body = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows)
        page = (
            "<html><body><header>Scores</header><main><table><thead><tr><th>name</th><th>score</th></tr></thead>"
            f"<tbody>{body}</tbody></table></main><footer>end</footer></body></html>"
        )
        return Task(
            "Write page.html with header, main and footer regions; inside main a well-formed table "
            "with thead (name, score) and tbody, one row per line of scores.csv, in order.",
            {"scores.csv": _csv([tuple(r) for r in rows], ("name", "score"))},
            {"path": "page.html", "level": 2, "rows": rows},
            _html_check,
            {"page.html": page},
            [
                {"page.html": page.replace("<footer>end</footer>", "")},
                {"page.html": page.replace("</td></tr>", "</td>", 1)},
            ],
        )
    values = [rng.randrange(1, 20) for _ in range(rng.randrange(3, 7))]
    scale = rng.choice((5, 10))
    rects = "".join(
        f'<rect x="{i * 30}" y="0" width="20" height="{v * scale}"/>' for i, v in enumerate(values)
    )
    return Task(
        "Write chart.html containing an inline SVG bar chart of values.txt: one rect per value, "
        "in "
        f"order, each with height equal to the value times {scale}. Use no other rect elements.",
        {"values.txt": "\n".join(map(str, values)) + "\n"},
        {"path": "chart.html", "level": 3, "heights": [v * scale for v in values]},
        _html_check,
        {"chart.html": f"<html><body><svg>{rects}</svg></body></html>"},
        [
            {
                "chart.html": "<html><body><svg>"
                + "".join(f'<rect height="{v}"/>' for v in values)
                + "</svg></body></html>"
            }
        ],
    )


def words(rng: Random, n: int) -> list[str]:
    return rng.sample(WORDS, n)


def structured(rng: Random, level: int) -> Task:
    if level == 1:
        value = {
            "name": rng.choice(NAMES),
            "age": rng.randrange(18, 80),
            "active": rng.random() < 0.5,
            "city": rng.choice(WORDS).title(),
        }
        desc = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
        return Task(
            "Write config.json: one flat JSON object with exactly these keys and typed values: "
            f"{desc}.",
            {},
            {"path": "config.json", "value": value},
            check_json,
            {"config.json": json.dumps(value)},
            [{"config.json": json.dumps({k: str(v) for k, v in value.items()})}],
        )
    if level == 2:
        members = [
            {"name": n, "skills": words(rng, rng.randrange(1, 4))} for n in rng.sample(NAMES, 4)
        ]
        value = {"team": rng.choice(WORDS), "members": members}
        lines = "\n".join(f"{m['name']}: {', '.join(m['skills'])}" for m in members)
        return Task(
            f"team.txt lists the members of team {value['team']} and their skills. Write "
            "team.json: "
            '{"team": NAME, "members": [{"name": ..., "skills": [...]}, ...]} in file order.',
            {"team.txt": lines + "\n"},
            {"path": "team.json", "value": value},
            check_json,
            {"team.json": json.dumps(value)},
            [
                {
                    "team.json": json.dumps(
                        {
                            "team": value["team"],
                            "members": [
                                {"name": m["name"], "skills": ", ".join(m["skills"])}
                                for m in members
                            ],
                        }
                    )
                }
            ],
        )
    nodes = ["root"]
    edges = []
    for i in range(1, rng.randrange(140, 180)):
        name = f"unit-{i:03d}-{rng.choice(WORDS)}-{rng.choice(WORDS)}"
        parent = rng.choice(nodes[max(0, len(nodes) - 12) :])
        edges.append((name, parent))
        nodes.append(name)

    def tree(n: str) -> dict[str, Any]:
        return {"name": n, "children": [tree(c) for c, p in edges if p == n]}

    value = tree("root")
    return Task(
        "edges.txt lists 'child parent' pairs of an organisation below 'root'. Write org.json: the "
        'whole hierarchy as nested {"name": ..., "children": [...]} objects, starting at root, '
        "children in file order.",
        {"edges.txt": "".join(f"{c} {p}\n" for c, p in edges)},
        {"path": "org.json", "value": value},
        check_json,
        {"org.json": json.dumps(value)},
        [
            {
                "org.json": json.dumps(
                    {"name": "root", "children": [{"name": c, "children": []} for c, _ in edges]}
                )
            }
        ],
    )


def markdown_sections(text: str, marker: str = "## ") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        if line.startswith(marker):
            out.append((line[len(marker) :].strip(), ""))
        elif out:
            out[-1] = (out[-1][0], out[-1][1] + line + "\n")
    return out


def _paragraphs(body: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", body) if p.strip() and not p.lstrip().startswith("#")]


def _long_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    text = read(wd, e["path"])
    if text is None:
        return False
    if e["level"] == 1:
        m = re.search(r"^BEGIN\n(.*?)^END$", text, re.S | re.M)
        return bool(m) and len([x for x in m.group(1).splitlines() if x.startswith("- ")]) == e[
            "n"
        ] == len(m.group(1).splitlines())
    secs = markdown_sections(text)
    titles = [s[0] for s in secs]
    if e["level"] == 2:
        return (
            titles == e["titles"]
            and len(text.encode()) <= e["max_bytes"]
            and all(len(_paragraphs(b)) >= 2 for _, b in secs)
        )
    if (
        len(text.encode()) <= 5000
        or not titles
        or titles[0] != "Contents"
        or titles[-1] != "Summary"
    ):
        return False
    toc = secs[0][1]
    middle = secs[1:-1]
    return (
        [s[0] for s in middle] == e["titles"]
        and all(x in toc for x in e["titles"])
        and all(b.count("\n### ") + b.startswith("### ") >= 2 for _, b in middle)
    )


PARA = (
    "This part explains {w} in plain words and gives an example of where it matters. It ends with "
    "a short remark on {w}."
)


def long(rng: Random, level: int) -> Task:
    if level == 1:
        n = rng.randrange(5, 13)
        ok = "BEGIN\n" + "".join(f"- item {i}\n" for i in range(n)) + "END\n"
        return Task(
            f"Write list.txt: a line BEGIN, then exactly {n} lines each starting with '- ' naming "
            "a "
            "different fruit, then a line END. Nothing else.",
            {},
            {"path": "list.txt", "level": 1, "n": n},
            _long_check,
            {"list.txt": ok},
            [{"list.txt": ok.replace("- item 0\n", "")}],
        )
    titles = [w.title() for w in words(rng, rng.randrange(3, 5))]
    if level == 2:
        doc = "".join(f"## {t}\n\n{PARA.format(w=t)}\n\n{PARA.format(w=t)}\n\n" for t in titles)
        return Task(
            f"Write doc.md with exactly these '## ' sections in order: {', '.join(titles)}; each "
            "with at least two paragraphs separated by blank lines; the file at most 4000 bytes.",
            {},
            {"path": "doc.md", "level": 2, "titles": titles, "max_bytes": 4000},
            _long_check,
            {"doc.md": doc},
            [{"doc.md": "".join(f"## {t}\n\n{PARA.format(w=t)}\n\n" for t in titles)}],
        )
    body = "".join(
        f"## {t}\n\n"
        + "".join(f"### {t} part {k}\n\n" + (PARA.format(w=t) + " ") * 8 + "\n\n" for k in (1, 2))
        for t in titles
    )
    doc = (
        "## Contents\n\n"
        + "".join(f"- {t}\n" for t in titles)
        + "\n"
        + body
        + "## Summary\n\nAll covered.\n"
    )
    return Task(
        "Write guide.md, a reference document over 5000 bytes: first a '## Contents' section "
        "listing "
        f"the sections, then '## ' sections {', '.join(titles)} in order, each with at least two "
        "'### ' "
        "subsections, and last a '## Summary' section.",
        {},
        {"path": "guide.md", "level": 3, "titles": titles},
        _long_check,
        {"guide.md": doc},
        [
            {"guide.md": doc.replace("## Summary", "## End")},
            {"guide.md": doc[:4000] + "\n## Summary\n"},
        ],
    )


CONTRACTION = re.compile(r"\b\w+'(t|s|re|ve|ll|d|m)\b", re.I)


def _prose_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    text = read(wd, e["path"])
    if text is None:
        return False
    if e["level"] == 1:
        n = len(text.split())
        low = text.lower()
        return (
            "\n\n" not in text.strip()
            and e["min"] <= n <= e["max"]
            and all(k in low for k in e["keywords"])
        )
    lines = text.strip().splitlines()
    secs = markdown_sections(text)
    if e["level"] == 2:
        return (
            bool(lines)
            and lines[0].startswith("# ")
            and len(secs) >= 3
            and all(len(_paragraphs(b)) >= 2 for _, b in secs)
        )
    return (
        [s[0] for s in secs] == ["Introduction", "Body", "Conclusion"]
        and not CONTRACTION.search(text)
        and bool(re.search(e["marker"], text, re.M))
    )


GENRES = {
    "fable": ("end with a line starting 'Moral:'", r"^Moral:"),
    "news report": ("open the Introduction with a dateline such as 'OSLO —'", r"^[A-Z]{3,} —"),
    "product review": ("include a line 'Rating: N/5'", r"^Rating: [1-5]/5"),
}


def prose(rng: Random, level: int) -> Task:
    if level == 1:
        kws = words(rng, 3)
        lo = rng.randrange(40, 70)
        text = " ".join(f"The {k} stood in the quiet valley near the river." for k in kws)
        text = (text + " ") * 3
        n = len(text.split())
        return Task(
            f"Write para.txt: one paragraph of {lo} to {lo + 40} words that uses the words "
            f"{', '.join(kws)} naturally.",
            {},
            {"path": "para.txt", "level": 1, "keywords": kws, "min": lo, "max": lo + 40},
            _prose_check,
            {"para.txt": " ".join(text.split()[: max(lo, min(n, lo + 10))]) + " " + " ".join(kws)},
            [{"para.txt": "The valley was quiet. " * (lo // 4)}],
        )
    topic = rng.choice(WORDS)
    if level == 2:
        doc = f"# On {topic}\n\n" + "".join(
            f"## Part {i}\n\n{PARA.format(w=topic)}\n\n{PARA.format(w=topic)}\n\n" for i in range(3)
        )
        return Task(
            f"Write essay.md, an essay about {topic}: a '# ' title, then at least three '## ' "
            "sections, "
            "each with at least two paragraphs.",
            {},
            {"path": "essay.md", "level": 2},
            _prose_check,
            {"essay.md": doc},
            [{"essay.md": doc.split("## Part 2")[0]}],
        )
    genre = rng.choice(sorted(GENRES))
    rule, marker = GENRES[genre]
    first = "OSLO — " if genre == "news report" else ""
    last = {"fable": "Moral: patience wins.", "product review": "Rating: 4/5"}.get(genre, "")
    doc = (
        f"## Introduction\n\n{first}A {topic} is introduced.\n\n## Body\n\nIt does not "
        f"fail.\n\n## Conclusion\n\nIt is done.\n{last}\n"
    )
    return Task(
        f"Write story.md: a {genre} about {topic} in a formal register (no contractions), with "
        f"sections '## Introduction', '## Body', '## Conclusion'; {rule}.",
        {},
        {"path": "story.md", "level": 3, "marker": marker},
        _prose_check,
        {"story.md": doc},
        [
            {"story.md": doc.replace("does not", "doesn't")},
            {"story.md": doc.replace(first, "").replace(last, "")},
        ],
    )


def _regex_check(e: dict[str, Any], wd: Path, t: str) -> bool:
    text = read(wd, "pattern.txt")
    if text is None:
        return False
    try:
        pat = re.compile(text.strip("\n"))
    except (re.error, RecursionError):
        return False
    if e["mode"] == "full":
        return all(bool(pat.fullmatch(s)) == ok for s, ok in e["cases"])
    return all(len(pat.findall(s)) == n for s, n in e["cases"])


def regex(rng: Random, level: int) -> Task:
    if level == 1:
        w = rng.choice(WORDS)
        other = rng.choice([x for x in WORDS if w not in x])
        cases = [[f"a {w} here", 1], [f"{other} only", 0], [f"{w} and {w}", 2]]
        return Task(
            "Write to pattern.txt (one line, Python re syntax) a regular expression that finds "
            f"the word {w}.",
            {},
            {"mode": "find", "cases": cases},
            _regex_check,
            {"pattern.txt": w},
            [{"pattern.txt": other}, {"pattern.txt": "\\w+"}],
        )
    if level == 2:
        y = rng.randrange(1990, 2030)
        cases = [
            [f"{y}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}", True],
            [f"{y}-1-5", False],
            [f"{y}/01/02", False],
            [f"x{y}-01-02", False],
            [f"{y}-12-31", True],
        ]
        return Task(
            "Write to pattern.txt (one line, Python re syntax) a regular expression that matches a "
            "whole string exactly when it is a date of the shape YYYY-MM-DD (four digits, two, "
            "two).",
            {},
            {"mode": "full", "cases": cases},
            _regex_check,
            {"pattern.txt": r"\d{4}-\d{2}-\d{2}"},
            [{"pattern.txt": r"\d+-\d+-\d+"}, {"pattern.txt": r".*\d{4}-\d{2}-\d{2}"}],
        )
    w, x = words(rng, 2)
    cases = [[f"{w} {w}{x} {w}.{x} {w}", 3], [f"{w}-{x} {x}{w}", 1], [f"{w} {x}", 0], [f"{w}s", 0]]
    return Task(
        "Write to pattern.txt (one line, Python re syntax) a regular expression that finds the "
        "whole "
        f"word {w} (word boundaries) except where it is immediately followed by ' {x}' (use a "
        "lookahead).",
        {},
        {"mode": "find", "cases": cases},
        _regex_check,
        {"pattern.txt": rf"\b{w}\b(?! {x})"},
        [{"pattern.txt": rf"\b{w}\b"}, {"pattern.txt": rf"{w}(?! {x})"}],
    )


GENERATORS = {
    "gen.code.python": python,
    "gen.code.javascript": javascript,
    "gen.code.shell": shell,
    "gen.code.sql": sql,
    "gen.code.html": html,
    "gen.text.structured": structured,
    "gen.text.long": long,
    "gen.text.prose": prose,
    "gen.regex": regex,
}
