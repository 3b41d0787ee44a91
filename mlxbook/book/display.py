"""How a page shows a table it builds: the papers' names for keys, and numbers to the precision they carry.

Every frame a chapter displays goes through :func:`show` (comparison tables and claim tables have their own
Markdown writers, :mod:`~mlxbook.book.compare` and :mod:`~mlxbook.book.verdicts`, with the same rules):

* columns named by :func:`mlxbook.paper.names.column` ("training size", "validation Wg Acc", "No expl"),
  values of the key columns (method, dataset, test set, condition, metric) by :func:`mlxbook.paper.names.value`;
* a column of whole numbers as integers; other numbers to 3 decimals (accuracies, agreements), a nonzero
  number too small for them in two significant digits ("6.3e-05"), and numbers of 100 or more without
  decimals; a missing value as "–";
* a frame's named index as ordinary columns, so nothing is shown that the reader cannot name.
"""
from __future__ import annotations

import math
import numbers

import pandas as pd

from ..paper import names

MISSING = "–"


def number(x, digits: int = 3) -> str:
    """One number as a page shows it (see the module docstring); anything else as ``str``."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return MISSING
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return str(x)
    if isinstance(x, numbers.Integral):
        return f"{int(x):,}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if x != 0 and abs(x) < 10 ** -digits:
        return f"{x:.2g}"
    return f"{x:.{digits}f}"


def _whole(column: pd.Series) -> bool:
    """A column of counts: integers, or floats that are all whole and not all 0 or 1 (a fraction can be 1.0)."""
    values = column.dropna()
    if not len(values) or pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return False
    if pd.api.types.is_integer_dtype(values):
        return True
    return bool((values == values.round()).all() and (values.abs() > 1).any())


def readable(frame: pd.DataFrame, *, paper: str | None = None, digits: int = 3) -> pd.DataFrame:
    """``frame`` as strings with the papers' names and the book's precision (a named index becomes columns)."""
    if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
        blank = [" " * (i + 1) for i in range(frame.index.nlevels)]  # an unnamed level gets a blank heading
        frame = frame.rename_axis([n if n is not None else b for n, b in zip(frame.index.names, blank)]).reset_index()
    out = pd.DataFrame(index=frame.index)
    for key in frame.columns:
        column = frame[key]
        parts = [str(k) for k in (key if isinstance(key, tuple) else (key,)) if str(k).strip()]
        field = parts[0] if len(parts) == 1 else None
        if field in names.KEY_COLUMNS:
            shown = column.map(lambda v, f=field: MISSING if pd.isna(v) else names.value(f, v, paper))
        elif not parts and column.map(lambda v: isinstance(v, str)).all():  # an unnamed index: row labels
            shown = column.map(lambda v: names.column(v, paper))
        elif _whole(column):
            shown = column.map(lambda v: MISSING if pd.isna(v) else number(int(v)))
        else:
            shown = column.map(lambda v: number(v, digits))
        title = ", ".join(names.column(k, paper) for k in parts) if parts else " " * (len(out.columns) + 1)
        out[title] = shown.to_numpy()
    return out.reset_index(drop=True)


def show(frame: pd.DataFrame, *, paper: str | None = None, digits: int = 3):
    """Display ``frame`` as :func:`readable` writes it, without its index."""
    from IPython.display import display

    display(readable(frame, paper=paper, digits=digits).style.hide(axis="index"))


def markdown_table(frame: pd.DataFrame) -> str:
    """``frame`` (cells already words, Markdown allowed) as a Markdown table, pipes in cells escaped."""
    def row(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return "\n".join([row(frame.columns), row(["---"] * len(frame.columns)), *map(row, frame.itertuples(index=False))])


def show_markdown(frame: pd.DataFrame) -> None:
    """Display ``frame`` as :func:`markdown_table` writes it (for cells with links or emphasis)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown_table(frame)))
