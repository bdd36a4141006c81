"""Matching what people type: labels compared without case, accents or stray spaces."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and space-insensitive form of a label, for matching what people type; cached,
    as a catalogue's 500,000 rights type the same few words (« oui », « cédé », « SVOD »)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace("-", " ").replace("_", " ").split())
