"""Matching what people type: labels compared without case, accents or stray spaces."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


def plural(n: int, word: str, many: str | None = None) -> str:
    """« 0 erreur », « 1 erreur », « 2 erreurs »: French counts 0 and 1 in the singular. ``many``: a plural
    that is not the word and an s (« mises à jour »)."""
    return f"{n} {word if n <= 1 else many or word + 's'}"


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and space-insensitive form of a label, for matching what people type; cached,
    as a catalogue's 500,000 rights type the same few words (« oui », « cédé », « SVOD »)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace("-", " ").replace("_", " ").split())
