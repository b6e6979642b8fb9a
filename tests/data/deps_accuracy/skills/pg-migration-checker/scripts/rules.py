"""Regex rules for risky migration statements."""

import re

RULES = [
    ("index-not-concurrent", re.compile(r"\bCREATE\s+(UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)", re.I)),
    ("drop-column", re.compile(r"\bDROP\s+COLUMN\b", re.I)),
    ("drop-table", re.compile(r"\bDROP\s+TABLE\b", re.I)),
    ("type-change", re.compile(r"\bALTER\s+COLUMN\s+\w+\s+(SET\s+DATA\s+)?TYPE\b", re.I)),
    ("set-not-null", re.compile(r"\bSET\s+NOT\s+NULL\b", re.I)),
    ("add-column-default", re.compile(r"\bADD\s+COLUMN\b[^;]*\bDEFAULT\b", re.I)),
]
