"""Ranks and significance over the benchmark's datasets: average ranks (Demsar, 2006) and two-sided
Wilcoxon signed-rank tests between the top methods, Holm-adjusted over the pairs."""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd


def ranks(means: pd.DataFrame) -> pd.DataFrame:
    """Rank per column among the methods that ran there (1 = best accuracy; ties share their average rank)."""
    return means.rank(axis=0, ascending=False, method="average")


def rank_table(means: pd.DataFrame) -> pd.DataFrame:
    """Per method: average rank, mean accuracy and the number of datasets it was ranked on, best first."""
    r = ranks(means)
    table = pd.DataFrame({"average rank": r.mean(axis=1), "mean accuracy": means.mean(axis=1),
                          "datasets": means.notna().sum(axis=1)})
    return table.sort_values(["average rank", "mean accuracy"], ascending=[True, False])


def holm(p: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values (family-wise error), in the input order."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    adjusted = np.empty_like(p)
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, (len(p) - i) * p[j]))
        adjusted[j] = running
    return adjusted.tolist()


def wilcoxon_top(means: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank tests (scipy) between each pair of the ``top`` methods by average rank,
    over the datasets where both ran; p-values also Holm-adjusted over the pairs."""
    from scipy.stats import wilcoxon

    best = list(rank_table(means).index[:top])
    rows = []
    for a, b in combinations(best, 2):
        both = means.loc[[a, b]].dropna(axis=1)
        diff = both.loc[a] - both.loc[b]
        nonzero = int((diff != 0).sum())
        if nonzero == 0:
            stat, p = np.nan, 1.0
        else:
            res = wilcoxon(both.loc[a].to_numpy(), both.loc[b].to_numpy(), zero_method="wilcox")
            stat, p = float(res.statistic), float(res.pvalue)
        rows.append({"method A": a, "method B": b, "datasets": both.shape[1], "A better on": int((diff > 0).sum()),
                     "B better on": int((diff < 0).sum()), "mean difference": float(diff.mean()),
                     "W": stat, "p": p})
    table = pd.DataFrame(rows)
    if len(table):
        table["p (Holm)"] = holm(table["p"].tolist())
    return table
