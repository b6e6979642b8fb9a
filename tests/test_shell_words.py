"""`shell_words.read` agrees with bashlex wherever it answers, and declines what it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillir.frontend import shell_words
from skillir.frontend.shell import blank_heredocs, sniff_source

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def bashlex_reading(code: str) -> tuple[tuple, frozenset[str]] | None:
    """What the bashlex walk gives for `code`; None when bashlex rejects the script."""
    if not any(ln.strip() and not ln.lstrip().startswith("#") for ln in code.split("\n")):
        return (), frozenset()
    try:
        script = shell_words.bashlex_walk(code)
    except Exception:  # bashlex raises assorted errors
        return None
    return script.commands, script.features


def agrees(code: str) -> bool:
    """Whether `read` declined `code`, or read it exactly as bashlex does."""
    got = shell_words.read(code)
    return got is None or (got.commands, got.features) == bashlex_reading(code)


def test_reads_quotes_operators_and_redirects_like_bashlex() -> None:
    code = 'ls -l "my dir" \'x y\' a\\ b > out.txt 2>&1 | wc -l && echo "a\\nb" || exit 1\n'
    got = shell_words.read(code)
    assert got is not None
    assert got.commands == (
        (("ls", 0), ("-l", 3), ("my dir", 6), ("x y", 15), ("a b", 21)),
        (("wc", 43), ("-l", 46)),
        (("echo", 52), ("anb", 57)),
        (("exit", 67), ("1", 72)),
    )
    assert got.features == {"pipe", "redirect", "and-or"}
    assert agrees(code)


@pytest.mark.parametrize(
    "code",
    [
        "echo $(date)",
        "echo `date`",
        "cat <<EOF\nx\nEOF",
        "for f in *.py; do echo $f; done",
        "if true; then echo; fi",
        "a[1]=x make",
        "(cd x && make)",
        "sleep 1 &",
        "a |",
        "a &&\n b",
        "> out.txt",
        "echo 'unterminated",
        "echo $'\\n'",
        "a;; b",
        "x >&file",
        "echo ${A:-b}",
        "echo '{a}'{b}",
        "a;#c",
        "echo x'\"'y",
        "cat >1<a",
    ],
)
def test_declines_what_needs_bashlex(code: str) -> None:
    assert shell_words.read(code) is None


WORD = st.one_of(
    st.sampled_from(["ls", "git", "npm", "pip", "-x", "--flag=1", "a.txt", "*.md", "~/d", "if"]),
    st.sampled_from(["$HOME", "${A:-b}", "${A}", "x=1", "{a,b}", "a#b", "2", "done", "[", "!"]),
    st.sampled_from(["repos/{owner}/{repo}", "@{upstream}", "{1..3}", "a}", "{", "}", "<url>"]),
    st.sampled_from(["A=1", "FOO='x y'", "B+=2", "a[1]=x", "export", "C=$HOME/x", "=x"]),
    st.from_regex(r"[a-z0-9_./-]{1,6}", fullmatch=True),
    st.from_regex(r"'[a-z $\"\\]{0,5}'", fullmatch=True),
    st.from_regex(r"\"[a-z '$\\]{0,5}\"", fullmatch=True),
    st.from_regex(r"[a-z]{1,3}\\[a-z ]", fullmatch=True),
)
JOIN = st.sampled_from(
    [" ", " ", " ", "  ", "\t", " | ", " && ", " || ", "; ", "\n", " \\\n  ", " # c\n", " > "]
    + [" >> ", " < ", " 2> ", " 2>&1 ", " >&2 ", "|", "&&", ";", " & ", " ( ", " ) ", "\n\n"]
    + [" <<< "]
)


# derandomized: bashlex itself can loop on some random inputs, so CI runs a fixed sample
@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.tuples(WORD, JOIN), min_size=1, max_size=10))
def test_generated_scripts_agree_with_bashlex(parts: list[tuple[str, str]]) -> None:
    code = "".join(word + join for word, join in parts)
    assert agrees(code), code


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(st.text(alphabet=list("ab 1\t\n|&;<>()'\"\\$#=-{}*~!`[]"), max_size=25))
def test_shell_character_soup_agrees_with_bashlex(code: str) -> None:
    assert agrees(code), code


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not present")
def test_corpus_shell_blocks_agree_with_bashlex() -> None:
    """Every shell block of the corpus, as deps and requirements prepare it, and each line."""
    from skillir.diagnostics import DiagnosticSink
    from skillir.dialects import skill
    from skillir.frontend.parser import parse_skill

    scripts: set[str] = set()
    for path in sorted(CORPUS.rglob("SKILL.md")):
        sink = DiagnosticSink(str(path))
        try:
            module = parse_skill(path.read_bytes(), str(path), sink)
        except Exception:  # a corpus file the frontend refuses has no blocks to check
            continue
        for op in skill.walk_ops(module):
            if isinstance(op, skill.CodeOp) and op.lang.data in ("bash", "sh", "shell", ""):
                for code in (sniff_source(op.text.data), blank_heredocs(op.text.data)):
                    scripts.add(code)
                    scripts.update(code.split("\n"))
    read = [code for code in scripts if shell_words.read(code) is not None]
    assert len(read) > 0.7 * len(scripts)
    assert [code for code in read if not agrees(code)] == []
