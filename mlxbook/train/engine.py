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
from ..errors import check_int
from ..methods.base import Method
from ..metrics import accuracy, macro_accuracy, worst_group_accuracy
from ..models.stacked import StackedModel

EVAL_CHUNK = 512


def progress_enabled() -> bool:
    """Progress bars show unless ``MLXBOOK_PROGRESS=0`` (set by the runner and the tests)."""
    return os.environ.get("MLXBOOK_PROGRESS", "1") != "0"


@dataclass
class FitResult:
    """What training S seeds produced.

    ``curves``: one row per (seed, epoch) with the mean training loss and the accuracy on every test
    set (columns ``acc/<name>``). ``predictions[name]``: (S, N) predicted labels of each seed's final
    model. ``stop_epoch``: the epoch each seed's final model comes from (1-based).
    """

    seeds: list[int]
    curves: pd.DataFrame
    predictions: dict[str, np.ndarray]
    stop_epoch: list[int]
    seconds: float
    model: StackedModel | None = field(default=None, repr=False)

    def scores(self, task: Task) -> pd.DataFrame:
        """Final accuracy, macro accuracy and worst-group accuracy per seed and test set."""
        rows = []
        for name, preds in self.predictions.items():
            data = task.tests[name]
            for s, seed in enumerate(self.seeds):
                rows.append({"seed": seed, "test_set": name, "accuracy": accuracy(preds[s], data.y),
                             "macro_accuracy": macro_accuracy(preds[s], data.y),
                             "worst_group_accuracy": worst_group_accuracy(preds[s], data.y, data.groups),
                             "stop_epoch": self.stop_epoch[s]})
        return pd.DataFrame(rows)


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
        progress: bool | None = None) -> FitResult:
    """Train one model per seed on ``task.train`` with ``method``; evaluate on every test set each epoch.

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
                     min_delta=min_delta, device=device, batched=True, progress=progress) for s in seeds]
        return FitResult(seeds, pd.concat([p.curves for p in parts], ignore_index=True),
                         {k: np.concatenate([p.predictions[k] for p in parts]) for k in parts[0].predictions},
                         [p.stop_epoch[0] for p in parts], sum(p.seconds for p in parts))
    started = time.perf_counter()
    device = torch.device(device)
    train = _on(task.train, device)
    tests = {name: _on(d, device) for name, d in task.tests.items()}
    model = StackedModel(build_model, seeds, device)
    optimizers = method.optimizers(model)
    n, s_count = len(train), len(seeds)
    steps = math.ceil(n / batch_size)
    orders = [torch.Generator().manual_seed(seed) for seed in seeds]
    torch.manual_seed(seeds[0])  # methods that draw noise (CoRM) draw it from here, deterministically

    final_preds = {name: torch.zeros(s_count, len(d), dtype=torch.long, device=device) for name, d in tests.items()}
    final_params = {k: v.detach().clone() for k, v in model.params.items()} if keep_model else {}
    active = torch.ones(s_count, dtype=torch.bool)
    best = torch.full((s_count,), math.inf)
    waited = torch.zeros(s_count, dtype=torch.long)
    stop_epoch = [epochs] * s_count
    rows = []
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
        preds = {name: predict(model, d.x) for name, d in tests.items()}
        for s in range(s_count):
            if active[s]:
                rows.append({"seed": seeds[s], "epoch": epoch + 1, "train_loss": float(train_loss[s]),
                             **{f"acc/{name}": float((p[s] == tests[name].y).float().mean()) for name, p in preds.items()}})
        keep = active.to(device)
        for name, p in preds.items():
            final_preds[name][keep] = p[keep]
        for k, v in final_params.items():  # only when the final models are asked for
            v[keep] = model.params[k].detach()[keep]
        if patience is not None:
            improved = train_loss < best - min_delta
            best = torch.where(improved, train_loss, best)
            waited = torch.where(improved, torch.zeros_like(waited), waited + 1)
            for s in torch.nonzero(active & (waited >= patience)).flatten().tolist():
                active[s] = False
                stop_epoch[s] = epoch + 1
            if not active.any():
                break
    bar.close()
    if keep_model:
        model.params = final_params
    return FitResult(seeds, pd.DataFrame(rows), {k: v.cpu().numpy() for k, v in final_preds.items()},
                     stop_epoch, time.perf_counter() - started, model if keep_model else None)
