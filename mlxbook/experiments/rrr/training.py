"""Every trained model of Ross et al. 2017: the cells of Sec 3, find-another-explanation (Sec 2.2) and the
runs behind Figs 3, 4, 8, 9, 11, 12 and 13.

A cell is one configuration (dataset, data, annotation ``A``, lambda_1, seeds, training settings):
:func:`cell_spec` makes it the book's one stored cell (:func:`mlxbook.train.run_cells`) on the task
:func:`~.setup.annotated_task` loads, and :func:`train_cell` keeps its scores *and* its weights, so that
gradients, LIME and further find-another-explanation iterations can be computed from it later. Cells, chains and the Iris-Cancer splits are stored in the :data:`RRR` family: a
rerun of the chapter trains nothing.
"""
from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ... import paper
from ...book import store
from ...book.verdicts import with_collapse
from ...device import one_thread
from ...train import RunSpec, run_cells
from ...train.cell import compute_cell, name_of
from .gradients import input_gradients, rule_shares, top_mask
from .setup import (
    DEFAULT_TRAIN,
    MASK_LABELS,
    PAPER,
    annotated_task,
    annotation,
    hidden_sizes,
    load_task,
    method_for,
    model_builder,
    toy_data,
)

RRR = store.family("rrr", "rrr", "mlxbook.experiments.rrr.setup", "mlxbook.experiments.rrr.gradients",
                   "mlxbook.experiments.rrr.training", "mlxbook.experiments.rrr.explanations")
"""The stored training cells, chains and explanations of the chapter (folder "rrr"), keyed by the code
of the modules they run."""


# ----------------------------------------------------------------------------------------------- cells
def cell_spec(dataset: str, data: dict, a, lam_paper: float, seeds, train: dict) -> RunSpec:
    """The stored cell of one configuration: A = ``a`` (a name of :func:`~.setup.annotation`, or an array),
    the paper's MLP, ERM or RRR (:func:`~.setup.method_for`), dtak/rrr's training settings updated by ``train``."""
    task = load_task(dataset, **data)
    zero = not bool(annotation(task, a).any())
    train = {**DEFAULT_TRAIN, **train}
    batch = min(train["batch_size"], len(task.train))
    epochs = train["epochs"]
    if train.get("steps"):  # App. A: "the same total number of optimization steps" for every size
        epochs = max(1, math.ceil(train["steps"] / math.ceil(len(task.train) / batch)))
    method = method_for(dataset, lam_paper, train["batch_size"], train["lr"], zero)
    return RunSpec(dataset, method.name, "mlp", tuple(seeds), epochs, data={**data, "a": a},
                   model_kwargs={"hidden": hidden_sizes()}, method_kwargs=asdict(method),
                   batch_size=batch, loader=name_of(annotated_task), keep_states=True)


def chapter_view(cell: dict) -> dict:
    """A stored cell as the chapter reads it: ``scores`` (seed x test set accuracy and whether the seed's model
    predicts one class there, :func:`mlxbook.book.verdicts.one_class`; seeds in spec order),
    ``curves``, ``states``, ``seconds``, ``epochs`` and ``method``."""
    spec = cell["spec"]
    order = {seed: i for i, seed in enumerate(spec["seeds"])}
    scores = with_collapse(cell)[["seed", "test_set", "accuracy", "collapsed"]]
    scores = scores.sort_values("seed", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return {"scores": scores, "curves": cell["curves"], "states": cell["states"], "seconds": cell["seconds"],
            "epochs": spec["epochs"], "method": spec["method"]}


def train_cell(dataset: str, data: dict, spec: str, lam_paper: float, seeds, train: dict | None = None,
               *, location: Path | None = None) -> dict:
    """Train (or read from the store) one configuration; ``spec`` names A (see :func:`~.setup.annotation`).

    Returns ``scores`` (seed x test set accuracy, "train" included), ``curves``, ``states`` (one
    state dict of numpy arrays per seed), ``seconds`` and ``epochs``.
    """
    run = cell_spec(dataset, dict(data), spec, float(lam_paper), seeds, dict(train or {}))
    (cell,) = one_thread(run_cells)([run], RRR, location=location)
    return chapter_view(cell)


def models_of(cell: dict) -> list[torch.nn.Module]:
    """The trained models of a cell (one per seed), in eval mode; their widths read off the weights."""
    out = []
    for state in cell["states"]:
        weights = [v for v in state.values() if v.ndim == 2]  # the Linear layers' weights, in order
        model = model_builder(weights[0].shape[1], weights[-1].shape[0])()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        out.append(model.eval())
    return out


# ------------------------------------------------------------------------------ find another explanation
@one_thread
def _fae(dataset, data, lambdas, seeds, train, cutoff, code):
    task = load_task(dataset, **dict(data))
    x = task.train.x
    out = []
    base = train_cell(dataset, dict(data), "none", 0.0, seeds, dict(train))  # shared with other figures
    out.append({"iteration": 0, "lam_paper": 0.0, "scores": base["scores"], "states": base["states"],
                "a_fraction": [0.0] * len(seeds)})
    for s_index, seed in enumerate(seeds):
        a = torch.zeros_like(x)
        prev = models_of({"states": [base["states"][s_index]]})[0]
        for i, lam in enumerate(lambdas, start=1):
            a = torch.maximum(a, top_mask(input_gradients(prev, x), cutoff).to(x.dtype))  # A_i = M_c[f_X|θ_{i-1}] ∪ A_{i-1}
            run = cell_spec(dataset, dict(data), a, lam, [seed], dict(train))
            cell = chapter_view(compute_cell(asdict(run), code))  # stored with the chain, not on its own
            prev = models_of(cell)[0]
            if s_index == 0:
                out.append({"iteration": i, "lam_paper": float(lam), "scores": [], "states": [], "a_fraction": []})
            out[i]["scores"].append(cell["scores"])
            out[i]["states"].append(cell["states"][0])
            out[i]["a_fraction"].append(float(a.mean()))
    for it in out[1:]:
        it["scores"] = pd.concat(it["scores"], ignore_index=True)
    return out


def find_another_explanation(dataset: str, data: dict, lambdas, seeds, train: dict | None = None,
                             cutoff: float | None = None, *, location: Path | None = None) -> list[dict]:
    """Sec 2.2: A_0 = 0; A_i = M_c[f_X|θ_{i-1}] ∪ A_{i-1}; θ_i = argmin L(θ, X, y, A_i) with lambda_1 = lambdas[i-1].

    One chain per seed (the masks depend on that seed's models). Returns one dict per iteration
    (0 = the A = 0 model): ``scores`` (seed x test set, "train" included), ``states``, ``a_fraction``
    (share of training-input elements annotated).
    """
    cutoff = paper.fact(PAPER, "cutoff_c") if cutoff is None else cutoff
    fn = RRR.cached(_fae, location=location)
    return fn(dataset, store.freeze(data), tuple(float(v) for v in lambdas), tuple(seeds), store.freeze(train or {}),
              float(cutoff), RRR.key())


def fae_table(chain: list[dict]) -> pd.DataFrame:
    """Train / test accuracy per iteration and seed of a find-another-explanation chain."""
    rows = []
    for it in chain:
        for r in it["scores"].itertuples():
            rows.append({"iteration": it["iteration"], "lam_paper": it["lam_paper"], "seed": r.seed,
                         "test_set": r.test_set, "accuracy": r.accuracy})
    return pd.DataFrame(rows)


@one_thread
def fae_gradients(chain: list[dict], x: torch.Tensor) -> np.ndarray:
    """(iterations, seeds, *x.shape): input gradients (sum of log-probabilities) of every chain model on x."""
    return np.stack([np.stack([input_gradients(m, x).numpy() for m in models_of(it)]) for it in chain])


# ------------------------------------------------------------------------------------------- toy colours
@one_thread
def rule_transitions(data: dict, lambdas_paper, counts, lam_for_counts: float, seeds, train: dict,
                     n_score: int = 1000) -> pd.DataFrame:
    """Fig 3: A = 1 on the corners; sweep lambda_1 (all examples annotated) and the number annotated.

    One row per (axis, value, seed) with test accuracy and the share of M_0.67 gradient elements in the
    corners and in the top-middle row over the first ``n_score`` test examples.
    """
    task = load_task("toy_colours", **data)
    x = task.tests["test"].x[:n_score]
    rows = []
    for axis, values in (("lambda", lambdas_paper), ("annotated", counts)):
        for v in values:
            whole = axis == "lambda" or int(v) >= data["n_train"]  # all annotated: the lambda axis's cell
            spec = "anti_rule_1" if whole else f"anti_rule_1@{int(v)}"
            lam = v if axis == "lambda" else lam_for_counts
            cell = train_cell("toy_colours", data, spec, lam, seeds, train)
            acc = cell["scores"].query("test_set == 'test'").set_index("seed")["accuracy"]
            for seed, model in zip(seeds, models_of(cell)):
                rows.append({"axis": axis, "value": v, "seed": seed, "accuracy": float(acc[seed]),
                             **rule_shares([model], x)})
    return pd.DataFrame(rows)


def less_data(sizes, masks, seeds, steps: int, n_test: int, lam_paper: float, train: dict) -> pd.DataFrame:
    """App. A / Fig 13: test accuracy against the number of training examples for each annotation,
    every model trained for the same number of optimisation steps."""
    rows = []
    for mask in masks:
        for n in sizes:
            cell = train_cell("toy_colours", toy_data(n, n_test), mask, lam_paper, seeds, {**train, "steps": steps})
            for r in cell["scores"].query("test_set == 'test'").itertuples():
                rows.append({"mask": mask, "label": MASK_LABELS[mask], "n_train": n, "seed": r.seed,
                             "accuracy": r.accuracy, "epochs": cell["epochs"]})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------- Iris-Cancer
@one_thread
def _iris(splits, lam_paper, train, code):
    rows, grads = [], []
    for split in splits:
        task = load_task("iris_cancer", seed=split)
        for spec in ("none", "task"):
            cell = train_cell("iris_cancer", {"seed": split}, spec, lam_paper if spec == "task" else 0.0, [split],
                              dict(train))
            method = "erm" if spec == "none" else "rrr"
            for r in cell["scores"].itertuples():
                name = {"test": "test_no_iris", "test_with_iris": "test", "train": "train"}[r.test_set]
                rows.append({"dataset": "iris_cancer", "split": split, "seed": split, "method": method,
                             "annotation": MASK_LABELS[spec], "test_set": name, "accuracy": r.accuracy})
            model = models_of(cell)[0]
            g = input_gradients(model, task.tests["test_with_iris"].x).abs().mean(0).numpy()
            grads.append({"split": split, "method": method, **{f"x{j}": v for j, v in enumerate(g)}})
    return pd.DataFrame(rows), pd.DataFrame(grads)


def iris_splits(splits, lam_paper: float, train: dict, *, location: Path | None = None):
    """Fig 8: for each random 2/3-1/3 split, A = 0 and full A (the 4 Iris columns); accuracy with and without
    Iris ("test" / "test_no_iris" in the paper's names) and the mean |input gradient| per feature."""
    fn = RRR.cached(_iris, location=location)
    return fn(tuple(splits), float(lam_paper), store.freeze(train), RRR.key())


@one_thread
def iris_fae(reruns, iterations: int, lam_paper: float, train: dict):
    """Fig 11: one chain per rerun (split = rerun); accuracy table and mean |gradient| per feature,
    shape (iterations + 1, reruns, 34), on each split's test rows with Iris."""
    tables, grads = [], []
    for r in reruns:
        chain = find_another_explanation("iris_cancer", {"seed": r}, [lam_paper] * iterations, [r], train)
        tables.append(fae_table(chain))
        x = load_task("iris_cancer", seed=r).tests["test_with_iris"].x
        grads.append(np.abs(fae_gradients(chain, x)).mean(2)[:, 0])
    acc = pd.concat(tables, ignore_index=True)
    acc["test_set"] = acc["test_set"].map({"test": "test_no_iris", "test_with_iris": "test", "train": "train"})
    return acc, np.stack(grads, 1)


# ------------------------------------------------------------------------------------------- decoy MNIST
def decoy_accuracies(data: dict, lam_paper: float, seeds, train: dict) -> pd.DataFrame:
    """Fig 9 and the Sec 3.2 numbers: train/test accuracy for A = 0 and full A on decoy data, and A = 0 on
    the same digits without decoy (the baseline). Rows use mlxbook.paper's names (condition, test_set, method)."""
    runs = [("decoy", "none", "erm", "decoy_ross"), ("decoy", "task", "rrr", "decoy_ross"),
            ("no_decoy", "none", "erm", "digits_clean")]
    rows = []
    for condition, spec, method, dataset in runs:
        cell = train_cell(dataset, data, spec, lam_paper if spec == "task" else 0.0, seeds, train)
        for r in cell["scores"].itertuples():
            rows.append({"dataset": "decoy_mnist", "condition": condition, "test_set": r.test_set, "method": method,
                         "annotation": MASK_LABELS[spec] if spec != "task" else "full A", "seed": r.seed,
                         "accuracy": r.accuracy, "collapsed": r.collapsed})
    return pd.DataFrame(rows)


def decoy_shade(x: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
    """The digit whose shade the swatch has, (255 - 25 d) / 255 = swatch value, for each image."""
    swatch = (x * (1 - mask)).flatten(1).sum(1) / (1 - mask).flatten(1).sum(1)
    return np.rint((255 - 255 * swatch.numpy()) / 25).astype(int)


@one_thread
def decoy_fooled(data: dict, seeds, train: dict) -> pd.DataFrame:
    """Test images that the A = 0 decoy model gets wrong by predicting the swatch's digit (Fig 6's kind)."""
    cell = train_cell("decoy_ross", data, "none", 0.0, seeds, train)
    test = load_task("decoy_ross", **data).tests["test"]
    with torch.no_grad():
        pred = models_of(cell)[0](test.x).argmax(1).numpy()
    shade = decoy_shade(test.x, test.mask)
    y = test.y.numpy()
    idx = np.flatnonzero((pred == shade) & (pred != y))
    return pd.DataFrame({"index": idx, "label": y[idx], "pred": pred[idx], "shade_digit": shade[idx]})


@one_thread
def decoy_fae(data: dict, lambdas, iterations: int, seed: int, train: dict, n_show: int = 1):
    """Fig 12: a chain per lambda_1; accuracy table (column lam_run) and gradients of the first test images."""
    x = load_task("decoy_ross", **data).tests["test"].x[:n_show]
    tables, grads = [], {}
    for lam in lambdas:
        chain = find_another_explanation("decoy_ross", data, [lam] * iterations, [seed], train)
        tables.append(fae_table(chain).assign(lam_run=float(lam)))
        grads[float(lam)] = fae_gradients(chain, x)
    return pd.concat(tables, ignore_index=True), grads, x.numpy()
