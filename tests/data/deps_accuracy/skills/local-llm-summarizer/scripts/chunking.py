"""Token-aware text chunking."""

import tiktoken

_ENC = tiktoken.get_encoding("cl100k_base")


def chunks(text: str, size: int = 2000, overlap: int = 100) -> list[str]:
    tokens = _ENC.encode(text)
    out = []
    start = 0
    while start < len(tokens):
        out.append(_ENC.decode(tokens[start : start + size]))
        start += size - overlap
    return out
