"""The paper's model choice (Sec. 5.1.3, "Choice of the best model"): per method, the grid cell with the
best validation worst-group accuracy, and the tables that show the search."""
from __future__ import annotations

import pandas as pd

from ...book.selection import best
from .grids import INPUT_STD, LABELS, METHODS, SCALED_AXES, paper_grids


def hyper_of(cell: dict) -> dict:
    """The searched hyper-parameters of a cell in the paper's units (undoing :data:`INPUT_STD`)."""
    spec = cell["spec"]
    method, kw = spec["method"], spec["method_kwargs"]
    std = cell.get("input_std", INPUT_STD)
    out = {}
    for name in paper_grids()[method]:
        value = kw[name]
        out[name] = round(value / std, 6) if (method, name) in SCALED_AXES else value
    return out


def describe(hyper: dict) -> str:
    """'lam=100, weight_decay=0.0001' (empty: 'none searched')."""
    return ", ".join(f"{k}={v:g}" for k, v in hyper.items()) or "none searched"


def validation_table(cells: list[dict]) -> pd.DataFrame:
    """One row per cell: method, hyper-parameters (paper units), validation Avg / Wg accuracy (mean over seeds)."""
    rows = []
    for i, cell in enumerate(cells):
        val = cell["scores"][cell["scores"]["test_set"] == "val"]
        rows.append({"cell": i, "method": cell["spec"]["method"], "hyper": describe(hyper_of(cell)),
                     "val_avg_acc": float(val["accuracy"].mean()), "val_wg_acc": float(val["worst_group_accuracy"].mean())})
    return pd.DataFrame(rows)


def select(cells: list[dict], metric: str = "val_wg_acc") -> dict[str, dict]:
    """Per method, the cell with the best mean validation ``metric`` (worst-group accuracy, Sec. 5.1.3);
    ties go to the cell listed first (the book's one rule, :func:`mlxbook.book.selection.best`; each cell's
    row already holds its mean over seeds)."""
    chosen = {r.method: cells[int(r.cell)]
              for r in best(validation_table(cells), by=["method"], candidate="cell", metric=metric).itertuples()}
    return {m: chosen[m] for m in METHODS if m in chosen} | {m: c for m, c in chosen.items() if m not in METHODS}


def chosen_table(chosen: dict[str, dict], grids: dict) -> pd.DataFrame:
    """The values searched and the value chosen per method (paper units)."""
    rows = []
    for method, cell in chosen.items():
        searched = "; ".join(f"{a} in {list(v)}" for a, v in grids.get(method, {}).items()) or "none (ERM's settings)"
        rows.append({"method": LABELS.get(method, method), "searched": searched, "chosen": describe(hyper_of(cell))})
    return pd.DataFrame(rows)
