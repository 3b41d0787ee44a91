"""Training S seeds of one configuration: per-epoch curves, early stopping and final predictions.

The engine is the one training loop of the book. It knows nothing about any method: each step it
hands a :class:`~mlxbook.data.base.Batch` (one minibatch per seed) to ``method.step``. Seeds differ
in their initial weights (``torch.manual_seed(seed)`` before building) and in their data order (a
generator seeded by the seed), never in anything else, so a seed gives the same model whether it is
trained alone (``batched=False``) or stacked with others (``batched=True``).

Early stopping (the two-stage paper trains "with early stopping" without saying on what): a seed stops
when its mean training loss has not improved by ``min_delta`` for ``patience`` epochs; its curves end
there and its final model and predictions are those of that epoch. ``patience=None`` trains every seed
for all ``epochs``.

What the engine evaluates after each epoch is a budget knob (:class:`Evaluation`): curves on a fixed
test subset every few epochs, the whole test sets at the epochs a table reads and at each seed's last.

Speed on the CPU (``benchmarks/engine.py``, against the plain per-seed loop anyone would write): one
seed at a time, convolutions in the ``channels_last`` layout (:class:`~mlxbook.models.stacked.StackedModel`),
fused Adam and SGD (:func:`~mlxbook.methods.base.make_optimizer`), freed memory kept for reuse
(:func:`~mlxbook.device.retain_freed_memory`), and stage 2 of the two-stage method in one pass of f. These
change the order of floating-point sums, never the arithmetic: final accuracies match the plain loop's
to within a few test examples (the benchmark prints both).
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from ..data.base import Batch, ExplanationData, Task
from ..device import retain_freed_memory
from ..errors import check_int
from ..methods.base import Method
from ..metrics import accuracy, group_accuracies, macro_accuracy, worst_group_accuracy
from ..models.stacked import StackedModel

EVAL_CHUNK = 512
"""Test examples per forward pass when evaluating (512 ran faster than 64, 128 or 256 on the shape CNNs here)."""


def progress_enabled() -> bool:
    """Progress bars show unless ``MLXBOOK_PROGRESS=0`` (set by the runner and the tests)."""
    return os.environ.get("MLXBOOK_PROGRESS", "1") != "0"


@dataclass(frozen=True)
class Evaluation:
    """What the engine evaluates after each epoch: a budget knob of the profiles (stated on each page).

    ``curve_examples``: the curves are measured on a fixed subset of this many examples of each test
    set (the same subset for every seed and cell: a permutation seeded by 0; None: the whole test set).
    ``curve_every``: a curve point every this many epochs (and at each seed's last epoch).
    ``full_epochs``: epochs at which every test set is also evaluated in full (the epochs a table reads,
    e.g. Table 3's 20 and 40). Each seed's final model is always evaluated in full, so final scores and
    predictions never depend on this policy; only the curves' resolution does.
    """

    curve_examples: int | None = None
    curve_every: int = 1
    full_epochs: tuple[int, ...] = ()

    def __post_init__(self):
        if self.curve_examples is not None:
            check_int("curve_examples", self.curve_examples, low=1)
        check_int("curve_every", self.curve_every, low=1)
        for e in self.full_epochs:
            check_int("full_epochs", e, low=1)

    def subset(self, n: int) -> Tensor | None:
        """Indices of the curve subset of a test set of ``n`` examples (None: all of them)."""
        if self.curve_examples is None or self.curve_examples >= n:
            return None
        return torch.randperm(n, generator=torch.Generator().manual_seed(0))[:self.curve_examples].sort().values


def scores(seeds: Sequence[int], predictions: dict[str, np.ndarray], task: Task, stop_epoch) -> pd.DataFrame:
    """One row per seed and test set: accuracy, macro and worst-group accuracy, stop epoch, each group's accuracy."""
    rows = []
    for name, preds in predictions.items():
        data = task.tests[name]
        for s, seed in enumerate(seeds):
            rows.append({"seed": seed, "test_set": name, "accuracy": accuracy(preds[s], data.y),
                         "macro_accuracy": macro_accuracy(preds[s], data.y),
                         "worst_group_accuracy": worst_group_accuracy(preds[s], data.y, data.groups),
                         "stop_epoch": stop_epoch[s],
                         **{f"group_{g}": a for g, a in group_accuracies(preds[s], data.y, data.groups).items()}})
    return pd.DataFrame(rows)


@dataclass
class FitResult:
    """What training S seeds produced.

    ``curves``: one row per (seed, curve epoch) with the mean training loss and the accuracy on every
    test set (columns ``acc/<name>``), measured on the curve subset of :class:`Evaluation`. ``checkpoints``:
    the same columns on the whole test sets, at the evaluation's ``full_epochs`` and at each seed's
    final epoch. ``predictions[name]``: (S, N) predicted labels of each seed's final model.
    ``stop_epoch``: the epoch each seed's final model comes from (1-based).
    """

    seeds: list[int]
    curves: pd.DataFrame
    checkpoints: pd.DataFrame
    predictions: dict[str, np.ndarray]
    stop_epoch: list[int]
    seconds: float
    model: StackedModel | None = field(default=None, repr=False)

    def scores(self, task: Task) -> pd.DataFrame:
        """Final accuracy, macro and worst-group accuracy per seed and test set (:func:`scores`)."""
        return scores(self.seeds, self.predictions, task, self.stop_epoch)


@torch.no_grad()
def predict(model: StackedModel, x: Tensor) -> Tensor:
    """Predicted labels (S, N) of every seed on shared inputs x (N, ...), in chunks to bound memory."""
    out = []
    for start in range(0, len(x), EVAL_CHUNK):
        chunk = x[start:start + EVAL_CHUNK]
        out.append(model(chunk.expand(model.n_seeds, *chunk.shape)).argmax(-1))
    return torch.cat(out, dim=1)


def _on(data: ExplanationData, device) -> ExplanationData:
    return ExplanationData(data.x.to(device), data.y.to(device), data.mask.to(device), data.has_mask.to(device),
                           data.groups.to(device), data.group_names)


def fit(task: Task, build_model: Callable[[], nn.Module], method: Method, seeds: Sequence[int], *,
        epochs: int, batch_size: int = 64, patience: int | None = None, min_delta: float = 1e-4,
        device: str | torch.device = "cpu", batched: bool = True, keep_model: bool = False,
        evaluation: Evaluation = Evaluation(), progress: bool | None = None) -> FitResult:
    """Train one model per seed on ``task.train`` with ``method``; evaluate on every test set each epoch
    as ``evaluation`` says (default: the whole test sets).

    ``progress`` shows a bar over epochs (default: :func:`progress_enabled`).
    """
    check_int("epochs", epochs, low=1)
    check_int("batch_size", batch_size, low=1)
    if patience is not None:
        check_int("patience", patience, low=1)
    seeds = [check_int("seed", s, low=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    if not batched and len(seeds) > 1:
        parts = [fit(task, build_model, method, [s], epochs=epochs, batch_size=batch_size, patience=patience,
                     min_delta=min_delta, device=device, batched=True, evaluation=evaluation, progress=progress)
                 for s in seeds]
        return FitResult(seeds, pd.concat([p.curves for p in parts], ignore_index=True),
                         pd.concat([p.checkpoints for p in parts], ignore_index=True),
                         {k: np.concatenate([p.predictions[k] for p in parts]) for k in parts[0].predictions},
                         [p.stop_epoch[0] for p in parts], sum(p.seconds for p in parts))
    started = time.perf_counter()
    device = torch.device(device)
    if device.type == "cpu":
        retain_freed_memory()
    train = _on(task.train, device)
    tests = {name: _on(d, device) for name, d in task.tests.items()}
    subsets = {name: evaluation.subset(len(d)) for name, d in tests.items()}
    curve_sets = {name: (d.x, d.y) if subsets[name] is None else (d.x[subsets[name]], d.y[subsets[name]])
                  for name, d in tests.items()}
    full_epochs = set(evaluation.full_epochs)
    model = StackedModel(build_model, seeds, device)
    optimizers = method.optimizers(model)
    n, s_count = len(train), len(seeds)
    steps = math.ceil(n / batch_size)
    orders = [torch.Generator().manual_seed(seed) for seed in seeds]
    torch.manual_seed(seeds[0])  # methods that draw noise (CoRM) draw it from here, deterministically

    final_preds = {name: torch.zeros(s_count, len(d), dtype=torch.long, device=device) for name, d in tests.items()}
    final_params = {k: torch.zeros_like(v) for k, v in model.params.items()} if keep_model else {}
    active = torch.ones(s_count, dtype=torch.bool)
    best = torch.full((s_count,), math.inf)
    waited = torch.zeros(s_count, dtype=torch.long)
    stop_epoch = [epochs] * s_count
    rows, checkpoints = [], []
    bar = tqdm(range(epochs), desc=f"{method.name} x{s_count} seeds", leave=False, disable=not (progress_enabled() if progress is None else progress))
    for epoch in bar:
        order = torch.stack([torch.randperm(n, generator=g) for g in orders]).to(device)
        total = torch.zeros(s_count, device=device)
        for b in range(steps):
            idx = order[:, b * batch_size:(b + 1) * batch_size]
            batch = Batch(train.x[idx], train.y[idx], train.mask[idx], train.has_mask[idx])
            loss = method.step(model, batch, optimizers, (epoch * steps + b) / (epochs * steps))
            total += loss * idx.shape[1]
        train_loss = (total / n).cpu()
        finishing = active.clone() if epoch + 1 == epochs else torch.zeros_like(active)
        if patience is not None:
            improved = train_loss < best - min_delta
            best = torch.where(improved, train_loss, best)
            waited = torch.where(improved, torch.zeros_like(waited), waited + 1)
            finishing |= active & (waited >= patience)
        on_curve = active & (finishing | ((epoch + 1) % evaluation.curve_every == 0))
        curve = {name: predict(model, x) for name, (x, _) in curve_sets.items()} if on_curve.any() else {}
        for s in torch.nonzero(on_curve).flatten().tolist():
            rows.append({"seed": seeds[s], "epoch": epoch + 1, "train_loss": float(train_loss[s]),
                         **{f"acc/{name}": float((p[s] == curve_sets[name][1]).float().mean()) for name, p in curve.items()}})
        if finishing.any() or epoch + 1 in full_epochs:  # the whole test sets: where a table or a final model reads them
            full = {name: curve[name] if subsets[name] is None and name in curve else predict(model, d.x)
                    for name, d in tests.items()}
            for s in torch.nonzero(active & (finishing | (epoch + 1 in full_epochs))).flatten().tolist():
                checkpoints.append({"seed": seeds[s], "epoch": epoch + 1,
                                    **{f"acc/{name}": float((p[s] == tests[name].y).float().mean()) for name, p in full.items()}})
            keep = finishing.to(device)
            for name, p in full.items():
                final_preds[name][keep] = p[keep]
            for k, v in final_params.items():  # only when the final models are asked for
                v[keep] = model.params[k].detach()[keep]
        for s in torch.nonzero(finishing).flatten().tolist():
            active[s] = False
            stop_epoch[s] = epoch + 1
        if not active.any():
            break
    bar.close()
    if keep_model:
        model.params = final_params
    return FitResult(seeds, pd.DataFrame(rows), pd.DataFrame(checkpoints),
                     {k: v.cpu().numpy() for k, v in final_preds.items()}, stop_epoch,
                     time.perf_counter() - started, model if keep_model else None)
