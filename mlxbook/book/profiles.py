"""The three execution profiles, in one place: how far each one scales the papers' protocols down.

A chapter never hard-codes its budget. It asks the profile for the paper's value, e.g.
``profile.cap("seeds", 30)``: ``paper`` returns 30, ``cpu`` and ``smoke`` return their smaller limit.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..errors import check_choice

#: What a profile may cap, with what each cap means (shown in the book's intro).
LIMITS = {
    "seeds": "models trained per configuration",
    "epochs": "training epochs per model",
    "n_train": "training examples of the large (MNIST-sized) datasets",
    "n_test": "test examples per test set",
    "curve_examples": "test examples behind each point of a learning curve (final scores use the whole test set)",
    "curve_points": "points per learning curve (the papers: one per epoch)",
    "grid": "values tried per hyper-parameter axis and sample sizes per curve",
}

COLUMN_TITLES = {"seeds": "seeds", "epochs": "epochs", "n_train": "large-data training examples",
                 "n_test": "test examples", "curve_examples": "test examples per curve point",
                 "curve_points": "points per curve", "grid": "grid values per axis"}
"""Short titles of :data:`LIMITS` for the intro's table of profiles."""


@dataclass(frozen=True)
class Profile:
    """A named budget: ``limits[what]`` caps the paper's value of ``what``; a missing key means no cap."""

    name: str
    description: str
    limits: dict[str, int] = field(default_factory=dict)

    def cap(self, what: str, paper_value: int) -> int:
        """The value of ``what`` under this profile: the paper's value, capped by the profile's limit."""
        check_choice("what", what, LIMITS)
        limit = self.limits.get(what)
        return paper_value if limit is None else min(limit, paper_value)


PROFILES = {
    "smoke": Profile(
        "smoke",
        "every code path in seconds per chapter; numbers are meaningless (used by the tests)",
        {"seeds": 2, "epochs": 2, "n_train": 120, "n_test": 64, "curve_examples": 32, "curve_points": 2, "grid": 2},
    ),
    "cpu": Profile(
        "cpu",
        "the default book: real but scaled-down results, the whole book in about 40 minutes on 2 CPU cores",
        {"seeds": 5, "epochs": 30, "n_train": 1000, "n_test": 500, "curve_examples": 100, "curve_points": 10, "grid": 3},
    ),
    "paper": Profile(
        "paper",
        "the papers' own protocols (30 seeds, full grids, full data); meant for a GPU",
        {},
    ),
}

DEFAULT_PROFILE = "cpu"


def get_profile(name: str | None = None) -> Profile:
    """The profile ``name``; None reads ``MLXBOOK_PROFILE`` and falls back to ``cpu``."""
    if name is None:
        name = os.environ.get("MLXBOOK_PROFILE", DEFAULT_PROFILE)
    return PROFILES[check_choice("profile", name, PROFILES)]


def table_markdown() -> str:
    """Every profile's caps as one Markdown table (the intro's); "paper's" where a profile caps nothing."""
    head = ["profile", "meant for", *(COLUMN_TITLES[k] for k in LIMITS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in PROFILES.values():
        cells = [f"`{p.name}`", p.description, *(str(p.limits.get(k, "paper's")) for k in LIMITS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
