"""Model selection, the one rule every chapter uses: per group, the candidate with the best mean validation score.

The IBP-Ex paper picks, per method, the grid cell with the best validation worst-group accuracy (Sec. 5.1.3,
"Choice of the best model"); the cross-paper benchmark picks, per setting and method, the configuration
with the best mean validation accuracy. Both are :func:`best` on their own table of validation scores.
Selection only reads stored results, so it is not part of any result's key.
"""
from __future__ import annotations

import pandas as pd

from ..errors import ConfigError


def best(scores: pd.DataFrame, *, by: list[str], candidate: str, metric: str) -> pd.DataFrame:
    """Per group of ``by``, the ``candidate`` whose rows (seeds) have the highest mean ``metric``.

    Ties go to the candidate that comes first in ``scores`` (list the default first). Returns one row per
    group, in the order the groups first appear: the ``by`` columns, ``candidate`` and the mean ``metric``.
    """
    missing = [c for c in [*by, candidate, metric] if c not in scores.columns]
    if missing:
        raise ConfigError(f"scores lack the column(s) {', '.join(missing)}; they have {', '.join(scores.columns)}")
    if scores.empty:
        raise ConfigError("scores is empty: there is nothing to select from")
    mean = scores.groupby([*by, candidate], sort=False, as_index=False)[metric].mean()
    first = mean.groupby(by, sort=False)[metric].idxmax()  # idxmax keeps the first of ties
    return mean.loc[first.to_numpy()].reset_index(drop=True)
