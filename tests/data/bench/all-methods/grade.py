"""Grades all-methods: out.txt says done, setup ran, the transcript starts with the prompt."""

from pathlib import Path


def grade(transcript, workspace_path):
    work = Path(workspace_path)
    out = work / "out.txt"
    first = transcript[0] if transcript else {}
    return [
        {"id": "out", "score": float(out.is_file() and out.read_text().strip() == "done"),
         "weight": 0.5, "description": "out.txt says done"},
        {"id": "setup", "score": float((work / ".setup_done").is_file()), "weight": 0.25,
         "description": "_setup.sh ran"},
        {"id": "transcript", "score": float(first.get("role") == "user"), "weight": 0.25,
         "description": "the transcript starts with the user's prompt"},
    ]
