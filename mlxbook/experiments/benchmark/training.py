"""What the benchmark trains and how it is scored: budgets, grid cells, and per-seed scores on the halves.

Every (setting, method, configuration) of :mod:`.settings` is one :class:`~mlxbook.train.cell.RunSpec`,
trained and stored by :func:`~mlxbook.train.grid.run_grid` (store family "grid"); each test set is cut
into a validation half and a test half, scored from the stored predictions.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...book import budget as book_budget
from ...book.budget import at_least
from ...book.words import count
from ...data import load
from ...data.digits import load_digits_source
from ...errors import check_int
from ...metrics import accuracy, worst_group_accuracy
from ...train import GridResult, RunSpec, run_grid
from .settings import (
    COLUMNS,
    METHODS,
    SETTINGS,
    VARIANTS,
    Setting,
    configurations,
    not_applicable,
    setting,
)


@dataclass(frozen=True)
class Budget(book_budget.Budget):
    """What one profile trains. ``n_train`` per dataset family; ``k`` configurations per method."""

    seeds: tuple[int, ...]
    epochs: int = at_least(1)
    k: int = at_least(1)
    n_train_shapes: int
    n_train_digits: int
    n_train_colours: int
    n_test: int = at_least(4)
    image_size: int = 64
    widths: tuple[int, ...] = (16, 32, 32)
    batch_size: int = 32
    device: str = "cpu"
    n_jobs: int = 1
    settings: tuple[str, ...] = tuple(s.key for s in SETTINGS)
    n_test_digits: int | None = None
    """Test digits of the decoy datasets (None: ``n_test``): at most what the digit source holds."""


FULL = {"seeds": 5, "epochs": 50, "k": 4, "n_train_shapes": 500, "n_train_digits": 1000, "n_train_colours": 1000,
        "n_test": 1000, "image_size": 64, "widths": (16, 32, 32)}
"""The benchmark's own full protocol (the ``paper`` profile): none of the papers ran this comparison, so
these are our choices, each at or above what the papers used for the synthetic data."""


def describe(budget: "Budget | dict") -> str:
    """A budget in words for the page ("2 seeds, 4 epochs, 2 configurations per method, 100 training images per
    shape dataset, ..."): a :class:`Budget` or a dict with :data:`FULL`'s keys (``seeds`` a count or the seeds)."""
    v = budget if isinstance(budget, dict) else {key: getattr(budget, key) for key in FULL}
    seeds = v["seeds"] if isinstance(v["seeds"], int) else len(v["seeds"])
    side, widths = v["image_size"], ", ".join(map(str, v["widths"]))
    return (f"{count(seeds, 'seed')}, {count(v['epochs'], 'epoch')}, {count(v['k'], 'configuration')} per method, "
            f"{v['n_train_shapes']:,} training images per shape dataset, {v['n_train_digits']:,} per decoy-digit "
            f"dataset and {v['n_train_colours']:,} of toy colours, test sets of {v['n_test']:,} examples, shape images "
            f"of {side}x{side} pixels and a CNN of {widths} channels")


SMOKE_SETTINGS = ("triangle 1:1", "triangle 1:9", "toy_colours", "iris_cancer")
"""The settings the smoke profile runs: every code path (CNN and MLP, transfer, sparse, n/a) in seconds."""


def budget(ch) -> Budget:
    """The budget of a chapter's profile; every scale-down from :data:`FULL` is declared on ``ch``.

    On the cpu profile the batch size is 10 (25 on paper): at 4 epochs that is 40 steps on 100 images,
    and the engine's per-epoch evaluation of every test set costs less than it would at more epochs
    of larger batches.
    """
    seeds = ch.seeds(FULL["seeds"], cpu=2, smoke=1)
    epochs = ch.cap("epochs", FULL["epochs"], cpu=4, smoke=1)
    k = ch.cap("grid", FULL["k"], cpu=2, smoke=2)
    n_test = ch.cap("n_test", FULL["n_test"], cpu=120, smoke=32)
    n_shapes = ch.by_profile(smoke=16, cpu=100, paper=FULL["n_train_shapes"])
    n_digits = ch.by_profile(smoke=20, cpu=200, paper=FULL["n_train_digits"])
    n_colours = ch.by_profile(smoke=20, cpu=200, paper=FULL["n_train_colours"])
    held = len(load_digits_source(None, "test")[1])  # the decoy datasets here use the bundled digits
    n_test_digits = min(n_test, held)
    settings = SMOKE_SETTINGS if ch.profile.name == "smoke" else tuple(s.key for s in SETTINGS)
    datasets = {setting(k).dataset for k in settings}
    for what, used, full, ds in (("training images per shape dataset", n_shapes, FULL["n_train_shapes"], "triangle"),
                                 ("training digits per decoy dataset", n_digits, FULL["n_train_digits"], "decoy_ross"),
                                 ("training images of toy colours", n_colours, FULL["n_train_colours"], "toy_colours")):
        if used < full and ds in datasets:
            ch.scale(what, used, full)
    if n_test_digits < n_test and datasets & {"decoy_ross", "decoy_heo"}:
        ch.scale("test digits per decoy dataset (all the bundled digits hold)", n_test_digits, FULL["n_test"])
    image_size = FULL["image_size"] if ch.profile.name == "paper" else 32
    widths = FULL["widths"] if ch.profile.name == "paper" else (8, 16, 16)
    if image_size < FULL["image_size"]:
        ch.scale("shape image size (px)", image_size, FULL["image_size"])
    if widths != FULL["widths"]:
        ch.scale("shape CNN channel widths", ", ".join(map(str, widths)), ", ".join(map(str, FULL["widths"])))
    if len(settings) < len(SETTINGS):
        n_columns = sum(len(setting(k).columns) for k in settings)
        ch.scale("benchmark datasets (columns)", n_columns, len(COLUMNS))
    device = str(ch.device)
    # two worker processes on a CPU (the cells are small and independent); one on a GPU, and for smoke,
    # whose cells are too small to repay starting the workers
    n_jobs = 1 if device != "cpu" or ch.profile.name == "smoke" else max(1, min(2, os.cpu_count() or 1))
    return Budget(tuple(seeds), epochs, k, n_shapes, n_digits, n_colours, n_test, image_size, widths,
                  batch_size=ch.by_profile(smoke=10, cpu=10, paper=25), device=device, n_jobs=n_jobs,
                  settings=settings, n_test_digits=n_test_digits)


def data_kwargs(s: Setting, method: str, b: Budget) -> dict:
    """The loader options of setting ``s`` under budget ``b`` (minority-only masks for the sparse variant)."""
    data = dict(s.data)
    if s.model == "shape_cnn":
        data.update(n_train=b.n_train_shapes, n_test=b.n_test, size=b.image_size,
                    explanations="minority" if method == "two_stage_sparse" else "all")
    elif s.dataset in ("decoy_ross", "decoy_heo"):
        data.update(n_train=b.n_train_digits, n_test=b.n_test if b.n_test_digits is None else b.n_test_digits)
    elif s.dataset == "toy_colours":
        data.update(n_train=b.n_train_colours, n_test=b.n_test)
    return data  # iris_cancer: the fixed 67 / 33 split of RRR


def model_kwargs(s: Setting, b: Budget) -> dict:
    """The same model for every method on a dataset; all have a mapping layer m (the two-stage method needs it).
    An MLP's input width and class count are the task's (:meth:`~mlxbook.train.cell.RunSpec.model_arguments`)."""
    if s.model == "shape_cnn":
        return {"image_size": b.image_size, "widths": tuple(b.widths), "mapping": True}
    return {"mapping": True}


@dataclass(frozen=True)
class Cell:
    """A spec with the benchmark's names: setting, method (book name) and configuration index."""

    setting: str
    method: str
    config: int
    spec: RunSpec


def specs(b: Budget, settings=None, methods=METHODS) -> list[Cell]:
    """Every (setting, applicable method, configuration) as a cached grid cell (``b.settings`` by default)."""
    settings = [setting(k) for k in b.settings] if settings is None else settings
    out = []
    for s in settings:
        for m in methods:
            if not_applicable(m, s):
                continue
            for i, hyper in enumerate(configurations(m, b.k)):
                spec = RunSpec(dataset=s.dataset, method=VARIANTS.get(m, m), model=s.model, seeds=tuple(b.seeds),
                               epochs=b.epochs, data=data_kwargs(s, m, b), model_kwargs=model_kwargs(s, b),
                               method_kwargs={"optimizer": "adam", **hyper}, batch_size=b.batch_size, device=b.device)
                out.append(Cell(s.key, m, i, spec))
    return out


def run(b: Budget, settings=None, methods=METHODS, **grid_kwargs) -> tuple[list[Cell], GridResult, pd.DataFrame]:
    """Train (or read from the cache) every cell of :func:`specs`; return the cells, the grid and
    :func:`per_seed_scores`."""
    import torch

    cells = specs(b, settings, methods)
    grid_kwargs.setdefault("n_jobs", b.n_jobs)
    # One torch thread for in-process CPU training (as joblib gives each worker): these models are so
    # small that a second thread only waits, and on a busy machine its spinning costs many times the work.
    threads = torch.get_num_threads()
    if grid_kwargs["n_jobs"] == 1 and b.device == "cpu":
        torch.set_num_threads(1)
    try:
        result = run_grid([c.spec for c in cells], **grid_kwargs)
    finally:
        torch.set_num_threads(threads)
    return cells, result, per_seed_scores(cells, result)


# ---------------------------------------------------------------------------------- validation and test halves


def split_halves(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the validation half (the first floor(n/2) examples) and the test half (the rest)."""
    check_int("n", n, low=2)
    return np.arange(n // 2), np.arange(n // 2, n)


def per_seed_scores(cells: list[Cell], result: GridResult) -> pd.DataFrame:
    """One row per (cell, seed, column, half): accuracy and worst-group accuracy on that half, and whether the
    seed's model predicts one class there (``collapsed``: it learned nothing the half can show).

    Scored from each cell's stored predictions and the labels and groups of its (re-built) test sets.
    """
    tasks: dict = {}
    rows = []
    for c, stored in zip(cells, result.cells):
        s = setting(c.setting)
        key = (c.spec.dataset, tuple(sorted((k, str(v)) for k, v in c.spec.data.items())))
        if key not in tasks:
            tasks[key] = load(c.spec.dataset, **c.spec.data)
        task = tasks[key]
        for column, test_set in s.columns.items():
            data = task.tests[test_set]
            halves = dict(zip(("validation", "test"), split_halves(len(data))))
            preds = stored["predictions"][test_set]
            for j, seed in enumerate(c.spec.seeds):
                for half, idx in halves.items():
                    rows.append({"setting": c.setting, "column": column, "method": c.method, "config": c.config,
                                 "seed": seed, "half": half, "accuracy": accuracy(preds[j][idx], data.y[idx]),
                                 "worst_group_accuracy": worst_group_accuracy(preds[j][idx], data.y[idx],
                                                                              data.groups[idx]),
                                 "collapsed": len(np.unique(preds[j][idx])) == 1})
    return pd.DataFrame(rows)
