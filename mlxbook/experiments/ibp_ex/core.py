"""Sec. 5 and Appendix E of "Robust Learning from Explanations" (IBP-Ex): grids, model selection, tables.

Everything the chapter ``notebooks/ibp_ex.ipynb`` shows is computed here:

* :func:`paper_grids` - the hyper-parameter grids of Sec. 5.1.3 (from :mod:`mlxbook.paper`), and
  :func:`capped_grids`, the part of them a profile can afford;
* :func:`run_cells` - one training cell per (method, hyper-parameters), cached on disk like
  :func:`mlxbook.train.grid.run_grid`, but also scoring the validation split (model selection) and
  measuring, on the trained models, what the chapter needs beyond accuracy: the s1/s2 gradient
  statistics (Sec. 5.2), certified fractions (IBP, Gowal et al. 2018) and SmoothGrad maps (Fig. 3);
* :func:`select` - the paper's model choice: per method, the grid cell with the best validation
  worst-group accuracy (Sec. 5.1.3 "Choice of the best model");
* per-seed frames in the layout of :mod:`mlxbook.paper` for Tables 1, 2/5, 3 and 6 and the s1/s2
  statistics, ready for :func:`mlxbook.book.compare.against_paper`; Table 4 (time relative to ERM) and the
  Appendix E PGD-Ex sensitivity as plain tables.
"""
from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ... import __version__, paper
from ...book.store import cached, call, code_key
from ...data import has_isic, has_plant, load
from ...data.base import Task
from ...device import resolve_device
from ...methods import build_method
from ...methods.ibp_ex import certified_fraction
from ...metrics import accuracy, group_accuracies, macro_accuracy, worst_group_accuracy
from ...models import build_model
from ...provenance import git_commit
from ...train.engine import fit
from ...train.grid import RunSpec

PAPER = "ibp_ex"
METHODS = ("erm", "rrr", "cdep", "corm", "pgd_ex", "ibp_ex", "ibp_ex_rrr")
LABELS = {"erm": "ERM", "rrr": "RRR", "cdep": "CDEP", "corm": "CoRM", "pgd_ex": "PGD-Ex", "ibp_ex": "IBP-Ex",
          "ibp_ex_rrr": "IBP-Ex+RRR"}
ROBUST = ("pgd_ex", "ibp_ex", "ibp_ex_rrr")

INPUT_STD = 0.2
"""Radii and noise scales of the paper are read in units of the public code's input standardisation.

vihari/robust_mlx feeds ``Normalize(mean, std)`` images with std about 0.2 (0.2023, 0.1994, 0.2010 on
decoy-MNIST; ImageNet's 0.229, 0.224, 0.225 elsewhere), so an eps of 1 there moves a pixel by about 0.2
on the book's [0, 1] scale. Every eps / sigma of the paper's grids is multiplied by this factor."""

IBP_EPS_POINTS = (0.03, 0.1, 0.3, 1.0)
"""Our points inside the paper's eps_max range (Sec. 5.1.3 gives only the range 0.01-2, no grid)."""

PREFERRED = {
    ("rrr", "lam"): (100, 1000, 10, 1),
    ("rrr", "weight_decay"): (1e-4, 1e-2, 1, 10),
    ("cdep", "lam"): (10, 1000, 100, 1),
    ("corm", "sigma"): (2, 1.5, 1, 0.3, 0.03),
    ("pgd_ex", "eps"): (1, 3, 0.3, 0.03, 5),
    ("ibp_ex", "eps_max"): (1.0, 0.3, 2, 0.1, 0.03, 0.01),
    ("ibp_ex_rrr", "eps_max"): (1.0, 0.3, 2, 0.1, 0.03, 0.01),
}
"""Which grid values a capped profile keeps: the first k of each order, then sorted.

The order is a book choice from pilots on Decoy-Digits (one seed; stated on the page): the values that
trained best there come first. With 600 images and 10 epochs RRR's weight decay 1e-2 and above stopped
learning and PGD-Ex and CoRM did best at the larger radii; with 1,097 images and 20 epochs IBP-Ex did
best at eps_max 1 (test accuracy 0.46, against 0.29 at 0.3), the public code's decoy-MNIST radius. The
public code's decoy-MNIST runs use weight decay 1e-4 and RRR lambda 1-100. The paper profile runs the
whole grid."""

SCALED_AXES = {("corm", "sigma"), ("pgd_ex", "eps"), ("ibp_ex", "eps_max"), ("ibp_ex_rrr", "eps_max")}


# ---------------------------------------------------------------------------- grids


def paper_grids() -> dict[str, dict[str, tuple]]:
    """The search space of Sec. 5.1.3 per method, in the paper's units (see :data:`INPUT_STD`).

    ERM has none (its learning rate, optimiser and weight decay are the base of every method, as the
    paper tuned them for ERM only). PGD-Ex's eps grid is Appendix E's list inside Sec. 5.1.3's range;
    IBP-Ex's eps_max grid is the range's end points plus :data:`IBP_EPS_POINTS`.
    """
    f = partial(paper.fact, PAPER)
    lo, hi = f("ibp_ex_epsilon_max_range")
    eps_max = tuple(sorted({lo, *IBP_EPS_POINTS, hi}))
    pgd_lo, pgd_hi = f("pgd_ex_epsilon_range")
    pgd = tuple(e for e in f("appendix_e_pgd_epsilons") if pgd_lo <= e <= pgd_hi)
    return {
        "erm": {},
        "rrr": {"lam": tuple(f("lambda_grid_rrr_cdep")), "weight_decay": tuple(f("weight_decay_grid_rrr"))},
        "cdep": {"lam": tuple(f("lambda_grid_rrr_cdep"))},
        "corm": {"sigma": tuple(f("corm_sigma_grid"))},
        "pgd_ex": {"eps": pgd},
        "ibp_ex": {"eps_max": eps_max},
        "ibp_ex_rrr": {"eps_max": eps_max},
    }


def subgrid(values, k: int, prefer=()) -> tuple:
    """At most ``k`` of ``values``: first those in ``prefer`` order, then the rest; returned sorted."""
    if k < 1:
        raise ValueError(f"k={k!r}: keep at least one value")
    ordered = [v for v in prefer if v in values] + [v for v in values if v not in prefer]
    return tuple(sorted(ordered[:k]))


def capped_grids(k: int, grids: dict | None = None) -> dict[str, dict[str, tuple]]:
    """:func:`paper_grids` with at most ``k`` values per axis (chosen by :data:`PREFERRED`)."""
    grids = paper_grids() if grids is None else grids
    return {m: {a: subgrid(v, k, PREFERRED.get((m, a), ())) for a, v in axes.items()} for m, axes in grids.items()}


def expand(grids: dict[str, dict[str, tuple]]) -> list[tuple[str, dict]]:
    """(method, hyper-parameters in the paper's units) for every point of every method's grid."""
    out = []
    for method, axes in grids.items():
        names = list(axes)
        points = [dict(zip(names, combo)) for combo in _product([axes[n] for n in names])]
        out += [(method, p) for p in points]
    return out


def _product(lists):
    if not lists:
        return [()]
    return [(v, *rest) for v in lists[0] for rest in _product(lists[1:])]


def method_kwargs(method: str, hyper: dict, base: dict, input_std: float = INPUT_STD) -> dict:
    """Keyword arguments for :func:`mlxbook.methods.build_method`: ``base`` (optimiser, lr, weight decay of
    ERM) updated by ``hyper``, with radii / noise scales converted to the [0, 1] pixel scale and
    IBP-Ex+RRR's lambda fixed to the paper's value."""
    kw = dict(base)
    for name, value in hyper.items():
        kw[name] = float(value) * input_std if (method, name) in SCALED_AXES else float(value)
    if method == "ibp_ex_rrr":
        kw["lam"] = float(paper.fact(PAPER, "ibp_ex_rrr_lambda")) * input_std
    return kw


# ---------------------------------------------------------------------------- budget


@dataclass(frozen=True)
class Budget:
    """What one profile trains: seeds, epochs, values per grid axis and data sizes."""

    seeds: tuple[int, ...]
    epochs: int
    grid: int
    n_train: int
    n_val: int
    n_test: int
    image_size: int = 224
    max_per_group: int | None = None
    pgd_iterations: tuple[int, ...] = (7, 25)
    base: dict = field(default_factory=lambda: {"optimizer": "adam", "lr": 1e-3, "weight_decay": 1e-4})


PAPER_EPOCHS = 100  # the public code's max_epochs for decoy-MNIST; the paper states none


def budget(ch, data_root=None) -> Budget:
    """The chapter's budget for its profile, declared through ``ch`` (cap / seeds / scale).

    Paper protocol: 3 seeds, the full grids, MNIST's standard split (54,000 train and 6,000 validation
    images as the public code, 10,000 test), 100 epochs (public code). The cpu profile keeps 2 values
    per axis, 2 seeds, 20 epochs and 1,000 training images (the profile's limit): interval-bound
    training needs its eps ramp spread over enough steps, and with 10 epochs on 600 images no IBP-Ex
    radius learnt the digit.
    """
    from ...data.digits import load_digits_source

    seeds = tuple(ch.seeds(paper.fact(PAPER, "n_seeds"), cpu=2))
    epochs = ch.cap("epochs", PAPER_EPOCHS, cpu=20)
    widest = max(len(v) for axes in paper_grids().values() for v in axes.values())
    grid = ch.cap("grid", widest, cpu=2, smoke=1)
    _, train_labels, source = load_digits_source(data_root, "train")
    _, test_labels, _ = load_digits_source(data_root, "test")
    paper_train, paper_val, paper_test = 54000, 6000, 10000
    n_train = ch.cap("n_train", paper_train)
    n_val = min(paper_val, 200 if ch.profile.name != "paper" else paper_val)
    n_test = ch.cap("n_test", paper_test)
    n_val = min(n_val, len(train_labels) // 5)  # at most a fifth of the training digits
    n_train = min(n_train, len(train_labels) - n_val)
    n_test = min(n_test, len(test_labels))
    if n_train < paper_train:
        ch.scale("n_train", n_train, paper_train)
    if n_val < paper_val:
        ch.scale("validation images", n_val, paper_val)
    if n_test < paper_test:
        ch.scale("n_test", n_test, paper_test)
    iters = tuple(paper.fact(PAPER, "appendix_e_pgd_iterations"))
    image_size = ch.by_profile(smoke=16, cpu=32, paper=224)
    if image_size < 224:
        ch.scale("ISIC / Plant image side (px)", image_size, 224)
    max_per_group = ch.by_profile(smoke=20, cpu=200, paper=None)
    if max_per_group is not None and (has_isic(data_root) or has_plant(data_root)):
        ch.scale("ISIC images per group", max_per_group, "all")
    return Budget(seeds, epochs, grid, n_train, n_val, n_test, image_size, max_per_group, iters)


# ---------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Analysis:
    """What a cell measures on its trained models besides accuracy (part of the cache key)."""

    cert_eps: tuple[float, ...] = ()
    n_grad: int = 500
    saliency_index: tuple[int, ...] = (0, 1, 2)
    smoothgrad_samples: int = 25
    smoothgrad_std: float = 0.15


def decoy_spec(method: str, hyper: dict, b: Budget, device: str = "cpu", data_root=None, iters: int | None = None,
               input_std: float = INPUT_STD) -> RunSpec:
    """The cell of decoy-MNIST (IBP-Ex version) for ``method`` with ``hyper`` (paper units)."""
    data = {"n_train": b.n_train, "n_val": b.n_val, "n_test": b.n_test, "seed": 0}
    if data_root is not None:
        data["data_root"] = str(data_root)
    kw = method_kwargs(method, hyper, b.base, input_std)
    if iters is not None and iters != paper.fact(PAPER, "pgd_ex_iterations"):  # 7 steps: the cell of Table 1
        kw["iters"] = int(iters)
    return RunSpec("decoy_heo", method, "heo_mlp", tuple(b.seeds), b.epochs, data=data, method_kwargs=kw,
                   batch_size=64, device=str(device))


REAL = {
    "isic": {"lr": 3e-4, "hidden": (512, 512)},
    "plant": {"lr": 3e-5, "hidden": (1024, 1024)},
}
"""Settings of the public code for the real data (learning rate, FC widths); weight decay 1e-4 as there."""


def real_spec(dataset: str, method: str, hyper: dict, b: Budget, data_root, device: str = "cpu",
              iters: int | None = None, input_std: float = INPUT_STD) -> RunSpec:
    """The cell of ISIC or Plant (images at ``b.image_size``) with the paper's 4-conv + 3-FC CNN."""
    data = {"data_root": str(data_root), "image_size": b.image_size, "seed": 0}
    if dataset == "isic" and b.max_per_group is not None:
        data["max_per_group"] = b.max_per_group
    model = {"in_channels": 3, "image_size": b.image_size, "hidden": REAL[dataset]["hidden"], "n_classes": 2}
    base = {**b.base, "lr": REAL[dataset]["lr"]}
    kw = method_kwargs(method, hyper, base, input_std)
    if iters is not None and iters != paper.fact(PAPER, "pgd_ex_iterations"):
        kw["iters"] = int(iters)
    return RunSpec(dataset, method, "heo_cnn", tuple(b.seeds), b.epochs, data=data, model_kwargs=model,
                   method_kwargs=kw, batch_size=32, device=str(device))


def _module_code() -> str:
    """The key of everything a cell's result depends on: the training code and the functions of this
    module that :func:`compute_cell` runs (editing a table or a plot retrains nothing)."""
    return code_key(compute_cell, _scores, input_gradients, gradient_stats, smoothgrad)


def input_gradients(model, x: torch.Tensor) -> torch.Tensor:
    """d(sum of logits)/dx per example for a plain module (the public code's saliency for RRR)."""
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(model(x).sum(), x)
    return grad


def gradient_stats(model, x: torch.Tensor, irrelevant: torch.Tensor) -> tuple[float, float]:
    """Sec. 5.2: s1 = median ||m * df/dx||, s2 = median ||m * df/dx|| / ||df/dx|| over the examples.

    The paper's formula is garbled in the extraction; we read f as the sum of the logits and the norm
    as the L2 norm over all input features. Examples with a zero gradient count as s2 = 0.
    """
    grad = input_gradients(model, x).flatten(1)
    masked = (grad * irrelevant.flatten(1)).norm(dim=1)
    total = grad.norm(dim=1)
    share = torch.where(total > 0, masked / total.clamp_min(1e-30), torch.zeros_like(total))
    return float(masked.median()), float(share.median())


def smoothgrad(model, x: torch.Tensor, y: torch.Tensor, samples: int, std: float) -> np.ndarray:
    """captum's NoiseTunnel(Saliency) SmoothGrad maps (N, H, W): |gradient| summed over channels, each map
    scaled to [0, 1] by its maximum (Fig. 3 caption: "normalized between 0 to 1")."""
    from captum.attr import NoiseTunnel, Saliency

    tunnel = NoiseTunnel(Saliency(model))
    gen = torch.get_rng_state()
    torch.manual_seed(0)
    attr = tunnel.attribute(x.clone(), nt_type="smoothgrad", nt_samples=samples, stdevs=std, target=y)
    torch.set_rng_state(gen)
    maps = attr.abs().sum(1)
    peak = maps.flatten(1).amax(1).clamp_min(1e-30).view(-1, 1, 1)
    return (maps / peak).cpu().numpy()


def _scores(seeds, predictions: dict[str, np.ndarray], tests: dict) -> pd.DataFrame:
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
    """Every cell of ``specs`` from the result store (:mod:`mlxbook.book.store`, keyed by spec, analysis and
    :func:`_module_code`) when computed before, else trained now.

    ``cell["computed"]`` says whether this call trained it.
    """
    code = _module_code()
    fn = cached(compute_cell, "ibp_ex", location=location, cache=cache)
    cells = []
    for s in specs:
        cell, fresh = call(fn, asdict(s), asdict(analysis), code)
        cells.append({**cell, "computed": fresh})
    return cells


# ---------------------------------------------------------------------------- selection and tables


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
    ties go to the cell listed first."""
    table = validation_table(cells)
    chosen = {}
    for method, rows in table.groupby("method", sort=False):
        best = rows.loc[rows[metric].idxmax(), "cell"]  # idxmax keeps the first of ties
        chosen[method] = cells[int(best)]
    return {m: chosen[m] for m in METHODS if m in chosen} | {m: c for m, c in chosen.items() if m not in METHODS}


def chosen_table(chosen: dict[str, dict], grids: dict) -> pd.DataFrame:
    """The values searched and the value chosen per method (paper units)."""
    rows = []
    for method, cell in chosen.items():
        searched = "; ".join(f"{a} in {list(v)}" for a, v in grids.get(method, {}).items()) or "none (ERM's settings)"
        rows.append({"method": LABELS.get(method, method), "searched": searched, "chosen": describe(hyper_of(cell))})
    return pd.DataFrame(rows)


def decoy_per_seed(chosen: dict[str, dict], dataset: str = "decoy_mnist") -> pd.DataFrame:
    """Table 1 rows per seed: avg_acc (plain test accuracy, as the paper's decoy-MNIST 'Avg Acc') and wg_acc."""
    rows = []
    for method, cell in chosen.items():
        test = cell["scores"][cell["scores"]["test_set"] == "test"]
        for _, r in test.iterrows():
            rows.append({"dataset": dataset, "method": method, "metric": "avg_acc", "seed": r["seed"], "value": r["accuracy"]})
            rows.append({"dataset": dataset, "method": method, "metric": "wg_acc", "seed": r["seed"],
                         "value": r["worst_group_accuracy"]})
    return pd.DataFrame(rows)


def batch_sum_variant(cell: dict) -> RunSpec:
    """The IBP-Ex+RRR cell ``cell`` with the public code's penalty reduction: summing the L1 penalty over
    the batch equals our batch mean with lambda multiplied by the batch size."""
    spec = dict(cell["spec"])
    kw = dict(spec["method_kwargs"])
    kw["lam"] = kw["lam"] * spec["batch_size"]
    return RunSpec(**{**spec, "method_kwargs": kw})


def reduction_table(mean_cell: dict, sum_cell: dict) -> pd.DataFrame:
    """IBP-Ex+RRR with the penalty averaged (ours) or summed (public code) over the batch: test accuracies and the
    number of digits never predicted right (9 of 10 = a model that predicts one class), mean over seeds."""
    rows = []
    for name, cell in [("batch mean (ours)", mean_cell), ("batch sum (public code)", sum_cell)]:
        test = cell["scores"][cell["scores"]["test_set"] == "test"]
        groups = test.filter(regex=r"^group_")
        rows.append({"IBP-Ex+RRR penalty": name, "lambda (ours)": cell["spec"]["method_kwargs"]["lam"],
                     "avg acc": test["accuracy"].mean(), "wg acc": test["worst_group_accuracy"].mean(),
                     "classes never right": float((groups == 0).sum(axis=1).mean())})
    return pd.DataFrame(rows)


ISIC_GROUP_METRICS = {0: "acc_npnc", 1: "acc_pnc", 2: "acc_c"}


def real_per_seed(chosen: dict[str, dict], dataset: str) -> pd.DataFrame:
    """Tables 2/5 (ISIC: per-group, macro and worst-group accuracy) or 3 (Plant: macro and worst-group)
    per seed, on the test set."""
    rows = []
    for method, cell in chosen.items():
        test = cell["scores"][cell["scores"]["test_set"] == "test"]
        for _, r in test.iterrows():
            values = {"avg_acc": r["macro_accuracy"], "wg_acc": r["worst_group_accuracy"]}
            if dataset == "isic":
                values |= {name: r.get(f"group_{g}", np.nan) for g, name in ISIC_GROUP_METRICS.items()}
            rows += [{"dataset": dataset, "test_set": "test", "method": method, "metric": k, "seed": r["seed"],
                      "value": float(v)} for k, v in values.items() if not pd.isna(v)]
    return pd.DataFrame(rows)


def table6_per_seed(chosen: dict[str, dict]) -> pd.DataFrame:
    """Table 6: PNC accuracy on the ISIC test set and on its patch-removed copy, for the robust methods."""
    rows = []
    for method in ROBUST:
        if method not in chosen:
            continue
        scores = chosen[method]["scores"]
        for test_set in ("test", "test_patch_removed"):
            for _, r in scores[scores["test_set"] == test_set].iterrows():
                if not pd.isna(r.get("group_1", np.nan)):
                    rows.append({"dataset": "isic", "test_set": test_set, "method": method, "metric": "acc_pnc",
                                 "seed": r["seed"], "value": float(r["group_1"])})
    return pd.DataFrame(rows)


def grad_stats_per_seed(chosen: dict[str, dict], methods=("rrr", "ibp_ex", "ibp_ex_rrr")) -> pd.DataFrame:
    """s1 and s2 (Sec. 5.2) per seed on the training split, for the chosen models of ``methods``."""
    rows = []
    for method in methods:
        if method in chosen:
            for _, r in chosen[method]["grad_stats"].iterrows():
                rows += [{"dataset": "decoy_mnist", "test_set": "train", "method": method, "metric": k,
                          "seed": r["seed"], "value": float(r[k])} for k in ("s1", "s2")]
    return pd.DataFrame(rows)


def certificate_table(chosen: dict[str, dict], eps: float) -> pd.DataFrame:
    """Per method: share of test points certified invariant to any change of the masked features within
    ``eps`` (paper units), mean and std over seeds, next to the method's own training radius."""
    rows = []
    for method, cell in chosen.items():
        cert = cell["certified"]
        here = cert[np.isclose(cert["eps"], eps * INPUT_STD)] if len(cert) else cert
        hyper = hyper_of(cell)
        own = hyper.get("eps_max", hyper.get("eps"))
        rows.append({"method": LABELS.get(method, method), "trained with eps": "–" if own is None else f"{own:g}",
                     "certified": float(here["certified"].mean()) if len(here) else np.nan,
                     "std": float(here["certified"].std()) if len(here) > 1 else np.nan})
    return pd.DataFrame(rows)


def runtime_table(chosen: dict[str, dict]) -> pd.DataFrame:
    """Table 4: seconds per seed and epoch of each chosen cell (training plus the per-epoch evaluation)
    and the ratio to ERM's."""
    rows = []
    for method, cell in chosen.items():
        per = cell["seconds"] / max(cell["epochs_run"], 1)
        rows.append({"method": method, "seconds per seed-epoch": per})
    df = pd.DataFrame(rows)
    erm = df.loc[df["method"] == "erm", "seconds per seed-epoch"]
    df["relative to ERM"] = df["seconds per seed-epoch"] / float(erm.iloc[0]) if len(erm) else np.nan
    return df


def speedup(times: pd.DataFrame, slow: str = "pgd_ex", fast: str = "ibp_ex_rrr") -> float:
    """How many times faster ``fast`` trains than ``slow`` (Sec. 5.5 states IBP-Ex+RRR vs PGD-Ex)."""
    t = times.set_index("method")["seconds per seed-epoch"]
    return float(t[slow] / t[fast])


def pgd_sensitivity(cells: list[dict]) -> pd.DataFrame:
    """Appendix E on decoy data: test Avg / Wg accuracy of PGD-Ex per (eps, iterations), mean and std."""
    rows = []
    for cell in cells:
        if cell["spec"]["method"] != "pgd_ex":
            continue
        test = cell["scores"][cell["scores"]["test_set"] == "test"]
        val = cell["scores"][cell["scores"]["test_set"] == "val"]
        rows.append({"eps": hyper_of(cell)["eps"], "iterations": cell["spec"]["method_kwargs"].get("iters", 7),
                     "test avg acc": test["accuracy"].mean(), "test avg std": test["accuracy"].std(),
                     "test wg acc": test["worst_group_accuracy"].mean(), "test wg std": test["worst_group_accuracy"].std(),
                     "val wg acc": val["worst_group_accuracy"].mean(),
                     "seconds per seed-epoch": cell["seconds"] / max(cell["epochs_run"], 1)})
    return pd.DataFrame(rows).drop_duplicates(["eps", "iterations"]).sort_values(["iterations", "eps"]).reset_index(drop=True)


METRIC_NAMES = {"avg_acc": "Avg Acc", "wg_acc": "Wg Acc", "acc_npnc": "NPNC accuracy", "acc_pnc": "PNC accuracy",
                "acc_c": "C accuracy", "s1": "s1", "s2": "s2"}


def compare_by_metric(ch, table: pd.DataFrame, *, label: str, caption: str, claim: str = "") -> None:
    """``ch.compare`` once per metric of ``table`` (the comparison table names no metric column), each
    titled with its metric and labelled ``<label>-<metric>``."""
    for metric, rows in table.groupby("metric", sort=False):
        name = METRIC_NAMES.get(metric, metric)
        ch.compare(rows.reset_index(drop=True), label=f"{label}-{metric.replace('_', '-')}",
                   caption=f"{caption} ({name})", claim=claim)


def comparison(per_seed: pd.DataFrame, on: list[str], missing="not run", profile: str = "", **filters) -> pd.DataFrame:
    """:func:`mlxbook.book.compare.against_paper` against the paper rows selected by ``filters``."""
    from ...book.compare import against_paper

    return against_paper(paper.numbers(PAPER, **filters), per_seed, on=on, value="value", missing=missing, profile=profile)


def real_data(dataset: str, data_root) -> bool:
    """Whether ``data_root`` holds ``dataset`` ("isic" or "plant")."""
    return {"isic": has_isic, "plant": has_plant}[dataset](data_root)


def run_real(dataset: str, data_root, b: Budget, device: str = "cpu", analysis: Analysis = Analysis(), **kw):
    """Grid, selection and chosen cells for ISIC or Plant: (cells, chosen)."""
    grids = capped_grids(b.grid)
    specs = [real_spec(dataset, m, h, b, data_root, device) for m, h in expand(grids)]
    cells = run_cells(specs, analysis, **kw)
    return cells, select(cells)


def with_seeds(b: Budget, seeds) -> Budget:
    return replace(b, seeds=tuple(seeds))


REAL_TABLES = {
    "isic": [("Table 2", ["dataset", "method", "metric"]), ("Table 5", ["dataset", "method", "metric"]),
             ("Table 6", ["dataset", "test_set", "method", "metric"])],
    "plant": [("Table 3", ["dataset", "method", "metric"])],
}
NEEDS = {"isic": "needs ISIC at data_root", "plant": "needs Plant at data_root"}


def real_tables(dataset: str, data_root, b: Budget, *, device: str = "cpu", profile: str = "",
                analysis: Analysis = Analysis(), **kw) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """Tables 2, 5, 6 (ISIC) or 3 (Plant): trained and compared when ``data_root`` holds the data, else the
    paper's rows with "needs ISIC / Plant at data_root". Returns ({table: comparison}, chosen cells)."""
    chosen: dict[str, dict] = {}
    if real_data(dataset, data_root):
        _, chosen = run_real(dataset, data_root, b, device, analysis, **kw)
    tables = {}
    for table, on in REAL_TABLES[dataset]:
        if not chosen:
            ours = pd.DataFrame(columns=on + ["seed", "value"])
        elif table == "Table 6":
            ours = table6_per_seed(chosen)
        else:
            ours = real_per_seed(chosen, dataset)
        tables[table] = comparison(ours, on, missing={dataset: NEEDS[dataset]}, profile=profile, table=table)
    return tables, chosen


def saliency_figure(chosen: dict[str, dict], images: torch.Tensor, threshold: float, *, width: float = 11.0):
    """Fig. 3's layout: one row per image, its input first, then one column per method with the SmoothGrad
    map (scaled to [0, 1]) shown where it reaches ``threshold`` (Fig. 3 caption), over the faded image."""
    import matplotlib.pyplot as plt

    methods = list(chosen)
    n = len(images)
    fig, axes = plt.subplots(n, len(methods) + 1, figsize=(width, width / (len(methods) + 1) * n * 1.1), squeeze=False)
    for r in range(n):
        img = images[r].numpy()
        grey = img[0] if img.shape[0] == 1 else np.transpose(img, (1, 2, 0))
        cmap = "gray" if img.shape[0] == 1 else None
        axes[r, 0].imshow(grey, cmap=cmap, vmin=0, vmax=1)
        axes[r, 0].set_title("input" if r == 0 else "", fontsize=9)
        for c, method in enumerate(methods, start=1):
            ax = axes[r, c]
            sal = chosen[method]["saliency"][r]
            ax.imshow(grey, cmap=cmap, vmin=0, vmax=1, alpha=0.35)
            ax.imshow(np.ma.masked_where(sal < threshold, sal), cmap="magma", vmin=threshold, vmax=1)
            if r == 0:
                ax.set_title(LABELS.get(method, method), fontsize=9)
        for ax in axes[r]:
            ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig


def pgd_figure(sens: pd.DataFrame, *, width: float = 10.0):
    """Appendix E, Fig. 4's layout on decoy data: test Avg and Wg accuracy of PGD-Ex against eps, per iteration count."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(width, width * 0.35), sharey=True)
    for ax, (col, std, title) in zip(axes, [("test avg acc", "test avg std", "average accuracy"),
                                          ("test wg acc", "test wg std", "worst-group accuracy")]):
        for iters, rows in sens.groupby("iterations"):
            ax.errorbar(rows["eps"], rows[col], yerr=rows[std].fillna(0), marker="o", capsize=3, label=f"{iters} steps")
        ax.set_xscale("log")
        ax.set_xlabel("eps (paper units)")
        ax.set_title(title)
    axes[0].set_ylabel("test accuracy")
    axes[1].legend()
    fig.tight_layout()
    return fig
