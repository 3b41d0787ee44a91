"""Grids of training runs with an on-disk result store: nothing finished is ever computed twice.

A :class:`RunSpec` is everything that determines a result (dataset and its options, model, method
and hyper-parameters, seeds, epochs, device). Each finished cell is kept by :mod:`mlxbook.book.store`
under a hash of its spec and of the code that computes (:func:`~mlxbook.book.store.code_key`), so an
interrupted grid resumes where it stopped, a rerun recomputes nothing, a change of spec or code
recomputes exactly the cells it touches, and a corrupt entry is computed again with a warning.
"""
from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import joblib
import pandas as pd
import torch
from tqdm.auto import tqdm

from .. import __version__
from ..book import store
from ..data import load
from ..device import resolve_device
from ..methods import build_method
from ..models import build_model
from ..provenance import git_commit
from .engine import fit, progress_enabled

#: Grid cells: every spec is in the key's arguments, so the key's code is the package's computing parts.
GRID = store.family("grid", None)


@dataclass(frozen=True)
class RunSpec:
    """One cell of a grid. ``data``, ``model_kwargs`` and ``method_kwargs`` go to the builders."""

    dataset: str
    method: str
    model: str
    seeds: tuple[int, ...]
    epochs: int
    data: dict = field(default_factory=dict)
    model_kwargs: dict = field(default_factory=dict)
    method_kwargs: dict = field(default_factory=dict)
    batch_size: int = 64
    patience: int | None = None
    device: str = "cpu"

    def columns(self) -> dict:
        """The spec as flat table columns (``data.n_train``, ``method.lam``, ...)."""
        flat = {"dataset": self.dataset, "method": self.method, "model": self.model, "epochs": self.epochs,
                "batch_size": self.batch_size, "patience": self.patience, "device": self.device}
        for prefix, values in [("data", self.data), ("model", self.model_kwargs), ("method", self.method_kwargs)]:
            flat.update({f"{prefix}.{k}": str(v) if isinstance(v, (list, tuple, dict)) else v
                         for k, v in values.items()})
        return flat


def compute_cell(spec: dict, code: str) -> dict:
    """Train one cell (the function whose results the store keeps; ``code`` is part of the key)."""
    rs = RunSpec(**spec)
    task = load(rs.dataset, **rs.data)
    method = build_method(rs.method, **rs.method_kwargs)
    device = resolve_device(rs.device)
    # Measured by benchmarks/engine.py: on the CPU the per-seed loop beats the vmapped seeds.
    batched = device.type == "cuda"
    result = fit(task, partial(build_model, rs.model, **rs.model_kwargs), method, rs.seeds, epochs=rs.epochs,
                 batch_size=rs.batch_size, patience=rs.patience, device=device, batched=batched, progress=False)
    return {
        "scores": result.scores(task), "curves": result.curves, "predictions": result.predictions,
        "stop_epoch": result.stop_epoch, "seconds": result.seconds, "spec": spec,
        "provenance": {"mlxbook": __version__, "commit": git_commit(), "code": code, "torch": torch.__version__,
                       "python": platform.python_version(), "device": str(device), "batched": batched,
                       "finished": time.strftime("%Y-%m-%d %H:%M:%S")},
    }


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
    code = GRID.key()
    memory_fn = GRID.cached(compute_cell, location=location, cache=cache)
    args = [asdict(s) for s in specs]
    computed = [not memory_fn.check_call_in_cache(a, code) for a in args]
    bar = tqdm(args, desc="grid cells", disable=not progress_enabled())
    if n_jobs == 1:
        cells = [memory_fn(a, code) for a in bar]
    else:
        cells = joblib.Parallel(n_jobs=n_jobs, backend=backend)(joblib.delayed(memory_fn)(a, code) for a in bar)
    scores = pd.concat([c["scores"].assign(**s.columns()) for c, s in zip(cells, specs)], ignore_index=True)
    curves = pd.concat([c["curves"].assign(**s.columns()) for c, s in zip(cells, specs)], ignore_index=True)
    return GridResult(scores, curves, cells, computed)
