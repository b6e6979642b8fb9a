"""Shared helpers for the form scripts."""

import re

FIELD_TYPES = {"/Tx": "text", "/Btn": "button", "/Ch": "choice", "/Sig": "signature"}


def clean_name(name: str) -> str:
    """Strip the parent prefix pdf writers add (``form1[0].page1[0].name[0]`` -> ``name``)."""
    last = name.split(".")[-1]
    return re.sub(r"\[\d+\]$", "", last)


def field_summary(name: str, field: dict) -> str:
    kind = FIELD_TYPES.get(field.get("/FT"), "unknown")
    value = field.get("/V", "")
    return f"{name}\t{kind}\t{value}"
