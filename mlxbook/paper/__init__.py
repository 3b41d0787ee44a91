"""The published numbers of the three papers: the single source of every "paper" value in the book.

``numbers(paper, **filters)`` returns the tidy rows (one per published number) of
:data:`~mlxbook.paper._table.COLUMNS`; ``fact(paper, key)`` returns one stated scalar
(hyper-parameter, cost, threshold) and ``facts(paper)`` all of them with their sources.

Papers: ``"two_stage"`` (Machine Learning from Explanations), ``"rrr"`` (Right for the Right
Reasons), ``"ibp_ex"`` (Robust Learning from Explanations). All accuracies, agreements and
accuracy gaps are fractions in [0, 1], whatever the paper printed. ``std`` is NaN where the paper
gives none; ``note`` flags every cell whose transcription needed a judgement. Each module's
docstring says how its paper was transcribed and what was left out.
"""
from __future__ import annotations

import pandas as pd

from ..errors import ConfigError, check_choice
from . import ibp_ex, rrr, two_stage
from ._table import COLUMNS, FRACTION_METRICS, KEY, OTHER_METRICS, Fact

PAPERS = {"two_stage": two_stage, "rrr": rrr, "ibp_ex": ibp_ex}


def numbers(paper: str | None = None, **filters) -> pd.DataFrame:
    """Rows of ``paper`` (all papers if None) whose columns equal ``filters``.

    A filter value may be a scalar, ``None`` (the cell is empty) or a list/tuple/set (any of them).
    """
    if paper is None:
        df = pd.concat([m.NUMBERS for m in PAPERS.values()], ignore_index=True)
    else:
        df = PAPERS[check_choice("paper", paper, PAPERS)].NUMBERS
    unknown = sorted(set(filters) - set(COLUMNS))
    if unknown:
        raise ConfigError(f"numbers() has no column {', '.join(map(repr, unknown))}; allowed: {', '.join(COLUMNS)}")
    keep = pd.Series(True, index=df.index)
    for column, wanted in filters.items():
        if isinstance(wanted, (list, tuple, set, frozenset)):
            keep &= df[column].isin(list(wanted))
        elif wanted is None:
            keep &= df[column].isna()
        else:
            keep &= (df[column] == wanted).fillna(False).astype(bool)
    return df[keep].reset_index(drop=True)


def facts(paper: str | None = None) -> pd.DataFrame:
    """The stated scalars of ``paper`` (all papers if None): paper, key, value, unit, source, note."""
    if paper is None:
        return pd.concat([m.FACTS_FRAME for m in PAPERS.values()], ignore_index=True)
    return PAPERS[check_choice("paper", paper, PAPERS)].FACTS_FRAME.copy()


def fact(paper: str, key: str):
    """The value of the stated scalar ``key`` of ``paper``."""
    known = PAPERS[check_choice("paper", paper, PAPERS)].FACTS
    return known[check_choice(f"fact key of {paper!r}", key, known)].value


__all__ = ["COLUMNS", "FRACTION_METRICS", "KEY", "OTHER_METRICS", "PAPERS", "Fact", "fact", "facts", "numbers"]
