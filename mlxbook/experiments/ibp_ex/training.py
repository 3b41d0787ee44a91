"""Training cells of Sec. 5 ("Robust Learning from Explanations"), kept in the result store.

:func:`compute_cell` trains one (method, hyper-parameters) cell with the validation split scored too
(model selection, Sec. 5.1.3) and measures the trained models: certified fractions (IBP, Gowal et al.
2018), the s1 / s2 statistics and SmoothGrad maps (:mod:`.probes`). :func:`run_cells` takes each cell
from the store's :data:`IBP_EX` family when computed before, else trains it now.
"""
from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ... import __version__
from ...book import store
from ...data import load
from ...data.base import Task
from ...device import resolve_device
from ...methods import build_method
from ...methods.ibp_ex import certified_fraction
from ...metrics import accuracy, group_accuracies, macro_accuracy, worst_group_accuracy
from ...models import build_model
from ...provenance import git_commit
from ...train.engine import fit
from ...train.grid import RunSpec
from .probes import gradient_stats, smoothgrad

#: The IBP-Ex cells: keyed by spec, analysis and the source of this module and of :mod:`.probes`.
IBP_EX = store.family("ibp_ex", "ibp_ex", "mlxbook.experiments.ibp_ex.training",
                      "mlxbook.experiments.ibp_ex.probes")


@dataclass(frozen=True)
class Analysis:
    """What a cell measures on its trained models besides accuracy (part of the cache key)."""

    cert_eps: tuple[float, ...] = ()
    n_grad: int = 500
    saliency_index: tuple[int, ...] = (0, 1, 2)
    smoothgrad_samples: int = 25
    smoothgrad_std: float = 0.15


def _scores(seeds, predictions: dict[str, np.ndarray], tests: dict) -> pd.DataFrame:
    """One row per seed and test set: accuracy, macro and worst-group accuracy, each group's accuracy."""
    rows = []
    for name, preds in predictions.items():
        data = tests[name]
        for s, seed in enumerate(seeds):
            row = {"seed": seed, "test_set": name, "accuracy": accuracy(preds[s], data.y),
                   "macro_accuracy": macro_accuracy(preds[s], data.y),
                   "worst_group_accuracy": worst_group_accuracy(preds[s], data.y, data.groups)}
            row.update({f"group_{g}": a for g, a in group_accuracies(preds[s], data.y, data.groups).items()})
            rows.append(row)
    return pd.DataFrame(rows)


def compute_cell(spec: dict, analysis: dict, code: str) -> dict:
    """Train one cell with the validation split scored too, then measure the trained models (cached)."""
    rs = RunSpec(**spec)
    an = Analysis(**analysis)
    task = load(rs.dataset, **rs.data)
    tests = dict(task.tests)
    if task.val is not None:
        tests["val"] = task.val
    device = resolve_device(rs.device)
    build = partial(build_model, rs.model, **rs.model_kwargs)
    fit_task = Task(task.name, task.train, tests, task.val, task.meta)
    method = build_method(rs.method, **rs.method_kwargs)
    # keep_model needs one stacked run: all seeds at once on CUDA, seed by seed on the CPU (faster there)
    groups = [list(rs.seeds)] if device.type == "cuda" else [[s] for s in rs.seeds]
    parts = [fit(fit_task, build, method, g, epochs=rs.epochs, batch_size=rs.batch_size, patience=rs.patience,
                 device=device, batched=True, keep_model=True, progress=False) for g in groups]
    predictions = {k: np.concatenate([p.predictions[k] for p in parts]) for k in parts[0].predictions}
    curves = pd.concat([p.curves for p in parts], ignore_index=True)
    test = task.tests["test"]
    cert = []
    for p in parts:
        for eps in an.cert_eps:
            fr = certified_fraction(p.model, test.x.to(device), test.irrelevant.to(device), test.y.to(device), float(eps))
            cert += [{"seed": seed, "eps": float(eps), "certified": float(v)} for seed, v in zip(p.seeds, fr.tolist())]
    models = [m for p in parts for m in p.model.unstack(build)]
    n = min(an.n_grad, len(task.train))
    grads = []
    for seed, model in zip(rs.seeds, models):
        s1, s2 = gradient_stats(model, task.train.x[:n], task.train.irrelevant[:n])
        grads.append({"seed": seed, "s1": s1, "s2": s2})
    index = [i for i in an.saliency_index if i < len(task.train)]
    sal = smoothgrad(models[0], task.train.x[index], task.train.y[index], an.smoothgrad_samples, an.smoothgrad_std)
    return {
        "scores": _scores(rs.seeds, predictions, tests), "curves": curves,
        "stop_epoch": [e for p in parts for e in p.stop_epoch], "seconds": sum(p.seconds for p in parts),
        "epochs_run": int(curves.groupby("seed")["epoch"].max().sum()),
        "certified": pd.DataFrame(cert, columns=["seed", "eps", "certified"]),
        "grad_stats": pd.DataFrame(grads), "saliency": sal, "saliency_index": index, "spec": spec,
        "provenance": {"mlxbook": __version__, "commit": git_commit(), "code": code, "torch": torch.__version__,
                       "python": platform.python_version(), "device": str(device),
                       "finished": time.strftime("%Y-%m-%d %H:%M:%S")},
    }


def run_cells(specs: list[RunSpec], analysis: Analysis = Analysis(), *, cache: bool = True,
              location: Path | None = None) -> list[dict]:
    """Every cell of ``specs`` from the result store (:data:`IBP_EX`, keyed by spec, analysis and
    :meth:`~mlxbook.book.store.Family.key`) when computed before, else trained now.

    ``cell["computed"]`` says whether this call trained it.
    """
    code = IBP_EX.key()
    fn = IBP_EX.cached(compute_cell, location=location, cache=cache)
    cells = []
    for s in specs:
        cell, fresh = store.call(fn, asdict(s), asdict(analysis), code)
        cells.append({**cell, "computed": fresh})
    return cells
