"""What the annotation costs: the two-stage paper's price list (App. D: a label and an explanation per
image, from :mod:`mlxbook.paper`) applied to every training set of the benchmark."""
from __future__ import annotations

import pandas as pd

from ... import paper
from ...data import load
from ...errors import check_int
from .settings import LABELS_ONLY, METHODS, not_applicable, setting
from .training import Budget, data_kwargs


def annotation_cost(n_train: int, n_explained: int, uses_explanations: bool) -> float:
    """Cents to annotate a training set (two-stage paper, App. D): a label for every image, an
    explanation for every explained image; labels-only methods pay for the labels alone."""
    check_int("n_train", n_train, low=0)
    check_int("n_explained", n_explained, low=0)
    if n_explained > n_train:
        raise ValueError(f"n_explained={n_explained} > n_train={n_train}")
    label = paper.fact("two_stage", "label_cost_cents")
    explanation = paper.fact("two_stage", "explanation_cost_cents")
    return n_train * label + (n_explained * explanation if uses_explanations else 0.0)


def training_counts(b: Budget) -> pd.DataFrame:
    """Per (setting, method): training images and how many carry an explanation, read from the data."""
    rows, sizes = [], {}
    for s in [setting(k) for k in b.settings]:
        for m in METHODS:
            if not_applicable(m, s):
                continue
            data = data_kwargs(s, m, b)
            key = (s.dataset, tuple(sorted((k, str(v)) for k, v in data.items())))
            if key not in sizes:
                train = load(s.dataset, **data).train
                sizes[key] = (len(train), int(train.has_mask.sum()))
            n, explained = sizes[key]
            rows.append({"setting": s.key, "method": m, "n_train": n, "n_explained": explained})
    return pd.DataFrame(rows)


def cost_view(board: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Per (column, method): mean accuracy, annotation cost (cents) and accuracy points (%) per cent."""
    mean = board.groupby(["setting", "column", "method"], as_index=False)["accuracy"].mean()
    out = mean.merge(counts, on=["setting", "method"])
    out["cost_cents"] = [annotation_cost(int(n), int(e), m not in LABELS_ONLY)
                         for n, e, m in zip(out["n_train"], out["n_explained"], out["method"])]
    out["points_per_cent"] = 100 * out["accuracy"] / out["cost_cents"]
    return out


def cost_summary(view: pd.DataFrame) -> pd.DataFrame:
    """Per method, averaged over the datasets it ran on: accuracy, cost and accuracy points per cent."""
    table = view.groupby("method").agg(accuracy=("accuracy", "mean"), cost_cents=("cost_cents", "mean"),
                                       points_per_cent=("points_per_cent", "mean"), datasets=("column", "count"))
    return table.sort_values("points_per_cent", ascending=False)
