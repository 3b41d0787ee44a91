"""How pages write counts: a number with its noun in the right number ("1 seed", "3 seeds"), never "seed(s)"."""
from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` followed by ``noun``, or by ``plural`` (default: ``noun`` + "s") unless ``n`` is 1."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
