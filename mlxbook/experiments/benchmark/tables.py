"""The benchmark's tables for the page: the datasets, the configurations on offer and kept, what is not run."""
from __future__ import annotations

import pandas as pd

from ...book.display import readable
from ...paper import names
from .selection import select
from .settings import (
    LABELS,
    METHODS,
    SETTING_LABELS,
    SETTINGS,
    configurations,
    not_applicable,
    setting,
)
from .training import Budget, data_kwargs


def reasons(b: Budget | None = None) -> pd.DataFrame:
    """Every (method, column) that is not run, with the reason (of ``b.settings``, all if None)."""
    rows = []
    for s in SETTINGS if b is None else [setting(k) for k in b.settings]:
        for m in METHODS:
            why = not_applicable(m, s)
            rows += [{"method": m, "column": c, "reason": why} for c in s.columns if why]
    return pd.DataFrame(rows, columns=["method", "column", "reason"])


def chosen_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Method x setting: the number of the configuration kept (as in :func:`configuration_table`), "n/a" where the
    method does not run; the numbers keep the table as wide as the text column."""
    chosen = select(scores)
    chosen["kept"] = (chosen["config"].astype(int) + 1).astype(str)
    table = chosen.pivot(index="method", columns="setting", values="kept")
    table = table.reindex(index=list(METHODS), columns=[s.key for s in SETTINGS if s.key in set(chosen["setting"])])
    return table.fillna("n/a").rename(columns=SETTING_LABELS)


def _describe(kw: dict) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in kw.items() if k != "optimizer")


def protocol_table(b: Budget) -> pd.DataFrame:
    """One row per benchmark column: the training setting, test set, model and training data."""
    rows = []
    for key in b.settings:
        s = setting(key)
        data = data_kwargs(s, "erm", b)
        train = ("67 (RRR's fixed split)" if s.dataset == "iris_cancer" else
                 str(data.get("n_train")))
        for column, test_set in s.columns.items():
            rows.append({"dataset (column)": column, "trained on": SETTING_LABELS[key],
                         "test set": names.TEST_SETS.get(test_set, test_set), "model": s.model,
                         "training examples": train, "class ratio": data.get("ratio", "as generated"),
                         "spurious squares": "yes" if data.get("spurious") else "no"})
    return pd.DataFrame(rows)


def configuration_table(b: Budget) -> pd.DataFrame:
    """Method x configuration index: the hyper-parameters each method may choose from."""
    return pd.DataFrame({LABELS[m]: [_describe(c) for c in configurations(m, b.k)] for m in METHODS},
                        index=[f"configuration {i + 1}" for i in range(b.k)]).T


def show_table(table: pd.DataFrame, *, label: str, caption: str, index: bool = True, digits: int = 3) -> None:
    """Display ``table`` as :func:`mlxbook.book.display.readable` writes it, in Markdown under a bold caption,
    anchored by the HTML id ``label`` (the pattern of :func:`mlxbook.book.compare.markdown`: MyST labels are not
    parsed in cell outputs); ``index=False`` leaves the index out."""
    from IPython.display import Markdown, display

    shown = readable(table if index else table.reset_index(drop=True), digits=digits)
    display(Markdown(f'<a id="{label}"></a>\n\n**{caption}**\n\n' + shown.to_markdown(index=False)))


def collapse_table(board: pd.DataFrame) -> pd.DataFrame:
    """Method x column: collapsed seeds / seeds of the selected configurations (a collapsed model predicts one
    class on the test half); empty cells are the pairs not run."""
    g = board.groupby(["method", "column"])["collapsed"].agg(["sum", "count"])
    text = (g["sum"].astype(int).astype(str) + "/" + g["count"].astype(str)).unstack("column")
    columns = [c for c in dict.fromkeys(board["column"])]
    return text.reindex(index=[m for m in METHODS if m in set(board["method"])], columns=columns).fillna("–")


def collapse_summary(board: pd.DataFrame) -> tuple[int, int]:
    """(pairs whose every seed collapsed, pairs run): how much of the ranking ranks models that learned nothing."""
    every = board.groupby(["method", "column"])["collapsed"].all()
    return int(every.sum()), len(every)
