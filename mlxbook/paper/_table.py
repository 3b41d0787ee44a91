"""The shared layout of the transcribed numbers: columns, metric kinds and the row builder."""
from __future__ import annotations

from typing import Any, NamedTuple

import pandas as pd

COLUMNS = [
    "paper", "table", "dataset", "condition", "n_train", "ratio", "test_set", "method",
    "metric", "epoch", "value", "std", "source", "note",
]
"""Every frame has these columns, in this order."""

KEY = ["paper", "table", "dataset", "condition", "n_train", "ratio", "test_set", "method", "metric", "epoch"]
"""Columns that identify one number: no two rows share them."""

FRACTION_METRICS = frozenset({"accuracy", "agreement", "avg_acc", "wg_acc", "acc_npnc", "acc_pnc", "acc_c"})
"""Metrics stored as fractions in [0, 1] (percentages of the paper divided by 100)."""

OTHER_METRICS = {
    "runtime_s_lime": "seconds per LIME explanation",
    "runtime_s_gradients": "seconds per input-gradient explanation",
    "s1": "median norm of masked input gradients (IBP-Ex paper, Sec 5.2)",
    "s2": "median ratio of masked to full input-gradient norm (IBP-Ex paper, Sec 5.2)",
}
"""Metrics that are not fractions, with their meaning."""

_DEFAULTS: dict[str, Any] = {
    "condition": None, "n_train": None, "ratio": None, "test_set": "test", "method": None,
    "epoch": None, "std": float("nan"), "note": "",
}


class Fact(NamedTuple):
    """A number (or grid) stated in a paper outside its result tables."""

    value: Any
    unit: str
    source: str
    note: str = ""


def pct(x: float) -> float:
    """A percentage as printed, as a fraction (rounded to kill float noise)."""
    return round(x / 100, 6)


def frame(paper: str, rows: list[dict]) -> pd.DataFrame:
    """The tidy frame of ``rows`` (dicts of :data:`COLUMNS`, defaults filled in) for ``paper``."""
    df = pd.DataFrame([{**_DEFAULTS, **r, "paper": paper} for r in rows], columns=COLUMNS)
    df["n_train"] = df["n_train"].astype("Int64")
    df["value"] = df["value"].astype(float)
    df["std"] = df["std"].astype(float)
    df["epoch"] = df["epoch"].astype(object)
    return df


def facts_frame(paper: str, facts: dict[str, Fact]) -> pd.DataFrame:
    """``facts`` as a frame with columns paper, key, value, unit, source, note."""
    return pd.DataFrame(
        [{"paper": paper, "key": k, **f._asdict()} for k, f in facts.items()],
        columns=["paper", "key", "value", "unit", "source", "note"],
    )
