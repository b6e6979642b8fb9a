#!/usr/bin/env python3
"""Map-reduce summary of a text file with a local Ollama model."""

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from chunking import chunks

OLLAMA_URL = "http://localhost:11434/api/generate"


def generate(model: str, prompt: str) -> str:
    body = json.dumps({"model": model, "prompt": prompt, "stream": False}).encode()
    req = urllib.request.Request(OLLAMA_URL, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            return json.load(resp)["response"].strip()
    except urllib.error.URLError as err:
        sys.exit(f"cannot reach Ollama at {OLLAMA_URL}: {err} (is `ollama serve` running?)")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("file", type=Path)
    p.add_argument("--model", default="llama3.1:8b")
    p.add_argument("--words", type=int, default=200)
    args = p.parse_args()
    text = args.file.read_text(encoding="utf-8", errors="replace")
    parts = [
        generate(args.model, f"Summarise this excerpt in at most 120 words:\n\n{c}")
        for c in chunks(text)
    ]
    if len(parts) == 1:
        print(parts[0])
        return
    joined = "\n\n".join(parts)
    print(generate(args.model, f"Merge these partial summaries into one summary of about "
                               f"{args.words} words, keeping every concrete fact:\n\n{joined}"))


if __name__ == "__main__":
    main()
