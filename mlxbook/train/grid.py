"""Grids of training runs: many :class:`~mlxbook.train.cell.RunSpec` cells as tidy tables.

Each cell is trained and stored by :func:`~mlxbook.train.cell.run_cells` in the family :data:`GRID`
(the store's top folder), keyed by its spec and the package's computing parts, so an interrupted grid
resumes where it stopped, a rerun recomputes nothing, a change of spec or code recomputes exactly the
cells it touches, and a corrupt entry is computed again with a warning.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..book import store
from .cell import RunSpec, run_cells

#: Grid cells: every spec is in the key's arguments, so the key's code is the package's computing parts.
GRID = store.family("grid", None)


@dataclass
class GridResult:
    """Tidy tables of a grid: ``scores`` (cell x seed x test set) and ``curves`` (cell x seed x epoch)."""

    scores: pd.DataFrame
    curves: pd.DataFrame
    cells: list[dict]
    computed: list[bool]


def run_grid(specs: list[RunSpec], *, n_jobs: int = 1, cache: bool = True, location: Path | None = None,
             backend: str | None = None) -> GridResult:
    """Evaluate every spec (from the store when finished before), in parallel processes if ``n_jobs`` > 1.

    ``backend`` is any joblib backend (e.g. "loky", or "dask" / "ray" once registered), so a grid can
    be spread over a cluster.
    """
    cells = run_cells(specs, GRID, n_jobs=n_jobs, cache=cache, location=location, backend=backend,
                      desc="grid cells")
    scores = pd.concat([c["scores"].assign(**s.columns()) for c, s in zip(cells, specs)], ignore_index=True)
    curves = pd.concat([c["curves"].assign(**s.columns()) for c, s in zip(cells, specs)], ignore_index=True)
    return GridResult(scores, curves, cells, [c["computed"] for c in cells])
