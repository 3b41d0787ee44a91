"""The benchmark's selection protocol: per setting and method, the configuration with the best mean
validation accuracy; only its test-half scores are reported (transfer columns, Sec. 3.2 of the two-stage
paper, follow the configuration chosen on their source setting)."""
from __future__ import annotations

import pandas as pd

from ...book.selection import best
from .settings import COLUMNS, METHODS, SETTINGS


def select(scores: pd.DataFrame) -> pd.DataFrame:
    """Per (setting, method) the configuration with the best mean validation accuracy on the setting's
    first column (its clean test set); ties go to the earlier configuration (the default first).
    The rule is the book's one, :func:`mlxbook.book.selection.best`."""
    primary = {s.key: next(iter(s.columns)) for s in SETTINGS}
    val = scores[(scores["half"] == "validation") & (scores["column"] == scores["setting"].map(primary))]
    chosen = best(val.sort_values("config", kind="stable"), by=["setting", "method"], candidate="config", metric="accuracy")
    return chosen.sort_values(["setting", "method"]).reset_index(drop=True).rename(columns={"accuracy": "val_accuracy"})


def leaderboard(scores: pd.DataFrame) -> pd.DataFrame:
    """Per-seed test-half scores of the selected configurations: column, method, seed, accuracy,
    worst_group_accuracy, config."""
    chosen = select(scores)[["setting", "method", "config"]]
    test = scores[scores["half"] == "test"].merge(chosen, on=["setting", "method", "config"])
    return test.drop(columns="half").reset_index(drop=True)


def matrix(board: pd.DataFrame, value: str = "accuracy") -> pd.DataFrame:
    """Method x column mean of ``value`` over seeds; NaN where a method cannot run (see :func:`.tables.reasons`)."""
    table = board.groupby(["method", "column"])[value].mean().unstack("column")
    columns = [c for c in COLUMNS if c in set(board["column"])]
    return table.reindex(index=list(METHODS), columns=columns)
