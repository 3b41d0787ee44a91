"""One protocol for every method: the cross-paper benchmark of ``notebooks/benchmark.ipynb``.

Each paper compares against a subset of the others on its own data under its own protocol. Here
every method of :mod:`mlxbook.methods` is trained on every dataset that builds without a download,
with the same seeds, the same epochs, the same model per dataset and the same number of
hyper-parameter configurations per method, chosen on a validation split:

* :data:`SETTINGS` - the training tasks (Triangle and Fox-vs-Cat at 1:1, 1:9 and with spurious
  squares, the two Decoy-Digits versions, RRR's toy colours and Iris-Cancer) and :data:`COLUMNS`, the
  benchmark's datasets: every setting's clean test set plus the Pentagon and Triangle-vs-Circle
  transfer sets (Sec. 3.2 of the two-stage paper), which the 1:1 models are tested on;
* :func:`candidates` / :func:`configurations` - each method's ordered list of hyper-parameter
  settings (the package default, which is its paper's value, first) and the first ``k`` of it;
* :func:`specs` - one :class:`~mlxbook.train.grid.RunSpec` per (setting, method, configuration),
  run and cached by :func:`~mlxbook.train.grid.run_grid`;
* :func:`split_halves` / :func:`leaderboard` - the protocol: every test set is split into a
  validation half (first half) and a test half (second half); per setting and method the
  configuration with the best mean validation accuracy is kept, and only its test-half scores are
  reported (transfer columns use the configuration chosen on their source setting's validation half);
* :func:`ranks`, :func:`rank_table`, :func:`wilcoxon_top` - average ranks over datasets
  (Demsar, 2006) and Wilcoxon signed-rank tests between the top methods;
* :func:`annotation_cost`, :func:`cost_view` - the two-stage paper's price list (App. D: labels and
  explanations per image, from :mod:`mlxbook.paper`) applied to every training set.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from ... import paper
from ...data import load
from ...errors import check_choice, check_int
from ...metrics import accuracy, worst_group_accuracy
from ...train.grid import GridResult, RunSpec, run_grid

METHODS = ("erm", "focal", "rrr", "two_stage", "two_stage_sparse", "corm", "pgd_ex", "ibp_ex", "ibp_ex_rrr", "cdep")
LABELS = {"erm": "ERM", "focal": "Focal loss", "rrr": "RRR", "two_stage": "Two-stage", "two_stage_sparse": "Two-stage (sparse)",
          "corm": "CoRM", "pgd_ex": "PGD-Ex", "ibp_ex": "IBP-Ex", "ibp_ex_rrr": "IBP-Ex+RRR", "cdep": "CDEP"}
LABELS_ONLY = ("erm", "focal")
"""Methods that use no explanation (they pay for labels only)."""

IBP_EPS = (1.0, 0.3, 0.1, 0.03)
"""eps_max points for IBP-Ex, in data units, inside the paper's range 0.01-2 (Sec. 5.1.3 gives no grid);
the package default first, then weaker."""

_TRAINER = {"two_stage_sparse": "two_stage"}  # the sparse variant is the same method on sparser data


@dataclass(frozen=True)
class Setting:
    """One training task: a dataset with its options, the model family, and the columns it feeds.

    ``columns`` maps a benchmark column to the test set of this task it is scored on.
    """

    key: str
    dataset: str
    model: str
    data: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    sparse: bool = False  # does the loader offer explanations on the minority class only?


def _shapes(name: str, label: str, transfer: str, transfer_label: str) -> list[Setting]:
    return [
        Setting(f"{name} 1:1", name, "shape_cnn", {"ratio": "1:1"}, {label: "test", transfer_label: transfer}, True),
        Setting(f"{name} 1:9", name, "shape_cnn", {"ratio": "1:9"}, {f"{label} 1:9": "test"}, True),
        Setting(f"{name} spurious", name, "shape_cnn", {"ratio": "1:1", "spurious": True}, {f"{label} spurious": "test"}, True),
    ]


SETTINGS: tuple[Setting, ...] = (
    *_shapes("triangle", "Triangle", "pentagon", "Pentagon"),
    *_shapes("fox_cat", "Fox vs Cat", "triangle_vs_circle", "Triangle vs Circle"),
    Setting("decoy_ross", "decoy_ross", "mlp", {}, {"Decoy (Ross)": "test"}),
    Setting("decoy_heo", "decoy_heo", "mlp", {"n_val": 0}, {"Decoy (IBP-Ex)": "test"}),
    Setting("toy_colours", "toy_colours", "mlp", {}, {"Toy colours": "test"}),
    Setting("iris_cancer", "iris_cancer", "mlp", {}, {"Iris-Cancer": "test"}),
)
"""The training tasks; ``spurious`` squares are placed as A.4's text says (the loader's default)."""

COLUMNS: tuple[str, ...] = tuple(c for s in SETTINGS for c in s.columns)
"""The benchmark's datasets, in the order of the heatmaps."""

MLP_INPUTS = {"decoy_ross": (784, 10), "decoy_heo": (784, 10), "toy_colours": (75, 2), "iris_cancer": (34, 2)}
"""(in_features, n_classes) of the MLP per dataset: 1x28x28 digits, 3x5x5 colours, 34 features."""


def setting(key: str) -> Setting:
    """The setting named ``key``."""
    known = {s.key: s for s in SETTINGS}
    return known[check_choice("setting", key, known)]


def not_applicable(method: str, s: Setting) -> str:
    """Why ``method`` cannot run on setting ``s`` ('' when it can)."""
    if method == "two_stage_sparse" and not s.sparse:
        return "the loader has no minority-only explanations (every example carries a mask)"
    return ""


# ---------------------------------------------------------------------------------- configurations


def candidates(method: str) -> list[dict]:
    """The method's hyper-parameter settings in the order they are tried (its default first).

    Every list is built the same way: the method's own strength axis at lr 0.01 (the two-stage paper's
    Adam rate without explanations and for Grad Reg, App. B.1), its paper value (the package default)
    first and then the weaker grid points (RRR: the stronger ones, since the two-stage paper's lambda is
    already the weakest); then the same strengths at the other rates of the two-stage paper's grid
    (App. B.1: 0.001, then our 0.003, then 0.1). ERM, which has no strength, tries learning rates instead. So with
    ``k`` configurations every method tunes its ``k`` most plausible settings.
    """
    check_choice("method", method, METHODS)
    lr0 = paper.fact("two_stage", "synthetic_lr_no_expl")
    # 0.01, then the two-stage paper's other rates (0.001, 0.1) with our 0.003 between 0.001 and 0.01
    lrs = [lr0, paper.fact("two_stage", "synthetic_eta1"), 0.003]
    lrs += [v for v in paper.fact("two_stage", "eta_grid") if v not in lrs]
    lam_grid = paper.fact("ibp_ex", "lambda_grid_rrr_cdep")
    sigma_grid = paper.fact("ibp_ex", "corm_sigma_grid")
    eps_grid = paper.fact("ibp_ex", "appendix_e_pgd_epsilons")
    gradreg = paper.fact("two_stage", "gradreg_lambda")
    eta2 = [paper.fact("two_stage", "synthetic_eta2_imbalanced_or_spurious"), paper.fact("two_stage", "synthetic_eta2_balanced")]
    eta2 += [e for e in paper.fact("two_stage", "eta_grid") if e not in eta2]
    strengths = {
        "erm": [{}],
        # Lin et al.'s best gamma first, then the others they tried
        "focal": [{"gamma": g} for g in (2.0, 1.0, 5.0, 0.5)],
        # the two-stage paper's Grad Reg lambda for [0, 1] images, then 10x steps (RRR's own scale: App. of rrr.py)
        "rrr": [{"lam": gradreg * f} for f in (1, 10, 100, 1000)],
        # eta2 for imbalanced / spurious data first, then balanced, then the rest of the grid
        "two_stage": [{"eta2": v} for v in eta2],
        "corm": [{"sigma": float(v)} for v in _weaker_first(sigma_grid, 1)],
        "pgd_ex": [{"eps": float(v)} for v in _weaker_first(eps_grid, 1)],
        "ibp_ex": [{"eps_max": v} for v in IBP_EPS],
        "ibp_ex_rrr": [{"eps_max": v, "lam": float(paper.fact("ibp_ex", "ibp_ex_rrr_lambda"))} for v in IBP_EPS],
        "cdep": [{"lam": float(v)} for v in _weaker_first(lam_grid, 100)],
    }
    strengths["two_stage_sparse"] = strengths["two_stage"]
    if method == "erm":
        return [{"lr": lr} for lr in lrs]
    rate = "eta1" if method in ("two_stage", "two_stage_sparse") else "lr"
    return [{**s, rate: lr} for lr in lrs for s in strengths[method]]


def _weaker_first(grid, first) -> list:
    """``first`` (the package default), then the smaller grid points downwards, then the larger upwards."""
    below = sorted((v for v in grid if v < first), reverse=True)
    return [first, *below, *sorted(v for v in grid if v > first)]


def configurations(method: str, k: int) -> list[dict]:
    """The first ``k`` of :func:`candidates`: the same tuning budget for every method."""
    check_int("k", k, low=1)
    found = candidates(method)
    if len(found) < k:
        raise ValueError(f"method {method!r} has only {len(found)} candidate configurations; asked for {k}")
    return found[:k]


# ---------------------------------------------------------------------------------- budget and specs


@dataclass(frozen=True)
class Budget:
    """What one profile trains. ``n_train`` per dataset family; ``k`` configurations per method."""

    seeds: tuple[int, ...]
    epochs: int
    k: int
    n_train_shapes: int
    n_train_digits: int
    n_train_colours: int
    n_test: int
    image_size: int = 64
    widths: tuple[int, ...] = (16, 32, 32)
    batch_size: int = 32
    device: str = "cpu"
    n_jobs: int = 1
    settings: tuple[str, ...] = tuple(s.key for s in SETTINGS)

    def __post_init__(self):
        if not self.seeds:
            raise ValueError("Budget.seeds is empty")
        check_int("epochs", self.epochs, low=1)
        check_int("k", self.k, low=1)
        check_int("n_test", self.n_test, low=4)


FULL = {"seeds": 5, "epochs": 50, "k": 4, "n_train_shapes": 500, "n_train_digits": 1000, "n_train_colours": 1000,
        "n_test": 1000, "image_size": 64, "widths": (16, 32, 32)}
"""The benchmark's own full protocol (the ``paper`` profile): none of the papers ran this comparison, so
these are our choices, each at or above what the papers used for the synthetic data."""


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
    settings = SMOKE_SETTINGS if ch.profile.name == "smoke" else tuple(s.key for s in SETTINGS)
    datasets = {setting(k).dataset for k in settings}
    for what, used, full, ds in (("training images per shape dataset", n_shapes, FULL["n_train_shapes"], "triangle"),
                                 ("training digits per decoy dataset", n_digits, FULL["n_train_digits"], "decoy_ross"),
                                 ("training images of toy colours", n_colours, FULL["n_train_colours"], "toy_colours")):
        if used < full and ds in datasets:
            ch.scale(what, used, full)
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
                  settings=settings)


def data_kwargs(s: Setting, method: str, b: Budget) -> dict:
    """The loader options of setting ``s`` under budget ``b`` (minority-only masks for the sparse variant)."""
    data = dict(s.data)
    if s.model == "shape_cnn":
        data.update(n_train=b.n_train_shapes, n_test=b.n_test, size=b.image_size,
                    explanations="minority" if method == "two_stage_sparse" else "all")
    elif s.dataset in ("decoy_ross", "decoy_heo"):
        data.update(n_train=b.n_train_digits, n_test=b.n_test)
    elif s.dataset == "toy_colours":
        data.update(n_train=b.n_train_colours, n_test=b.n_test)
    return data  # iris_cancer: the fixed 67 / 33 split of RRR


def model_kwargs(s: Setting, b: Budget) -> dict:
    """The same model for every method on a dataset; all have a mapping layer m (the two-stage method needs it)."""
    if s.model == "shape_cnn":
        return {"image_size": b.image_size, "widths": tuple(b.widths), "mapping": True}
    in_features, n_classes = MLP_INPUTS[s.dataset]
    return {"in_features": in_features, "n_classes": n_classes, "mapping": True}


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
                spec = RunSpec(dataset=s.dataset, method=_TRAINER.get(m, m), model=s.model, seeds=tuple(b.seeds),
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


# ---------------------------------------------------------------------------------- protocol


def split_halves(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the validation half (the first floor(n/2) examples) and the test half (the rest)."""
    check_int("n", n, low=2)
    return np.arange(n // 2), np.arange(n // 2, n)


def per_seed_scores(cells: list[Cell], result: GridResult) -> pd.DataFrame:
    """One row per (cell, seed, column, half): accuracy and worst-group accuracy on that half.

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
                                                                              data.groups[idx])})
    return pd.DataFrame(rows)


def select(scores: pd.DataFrame) -> pd.DataFrame:
    """Per (setting, method) the configuration with the best mean validation accuracy on the setting's
    first column (its clean test set); ties go to the earlier configuration (the default first)."""
    primary = {s.key: next(iter(s.columns)) for s in SETTINGS}
    val = scores[(scores["half"] == "validation") & (scores["column"] == scores["setting"].map(primary))]
    mean = val.groupby(["setting", "method", "config"], as_index=False)["accuracy"].mean()
    mean = mean.sort_values(["setting", "method", "accuracy", "config"], ascending=[True, True, False, True])
    return mean.groupby(["setting", "method"], as_index=False).first().rename(columns={"accuracy": "val_accuracy"})


def leaderboard(scores: pd.DataFrame) -> pd.DataFrame:
    """Per-seed test-half scores of the selected configurations: column, method, seed, accuracy,
    worst_group_accuracy, config."""
    chosen = select(scores)[["setting", "method", "config"]]
    test = scores[scores["half"] == "test"].merge(chosen, on=["setting", "method", "config"])
    return test.drop(columns="half").reset_index(drop=True)


def matrix(board: pd.DataFrame, value: str = "accuracy") -> pd.DataFrame:
    """Method x column mean of ``value`` over seeds; NaN where a method cannot run (see :func:`reasons`)."""
    table = board.groupby(["method", "column"])[value].mean().unstack("column")
    columns = [c for c in COLUMNS if c in set(board["column"])]
    return table.reindex(index=list(METHODS), columns=columns)


def reasons(b: Budget | None = None) -> pd.DataFrame:
    """Every (method, column) that is not run, with the reason (of ``b.settings``, all if None)."""
    rows = []
    for s in SETTINGS if b is None else [setting(k) for k in b.settings]:
        for m in METHODS:
            why = not_applicable(m, s)
            rows += [{"method": m, "column": c, "reason": why} for c in s.columns if why]
    return pd.DataFrame(rows, columns=["method", "column", "reason"])


def ranks(means: pd.DataFrame) -> pd.DataFrame:
    """Rank per column among the methods that ran there (1 = best accuracy; ties share their average rank)."""
    return means.rank(axis=0, ascending=False, method="average")


def rank_table(means: pd.DataFrame) -> pd.DataFrame:
    """Per method: average rank, mean accuracy and the number of datasets it was ranked on, best first."""
    r = ranks(means)
    table = pd.DataFrame({"average rank": r.mean(axis=1), "mean accuracy": means.mean(axis=1),
                          "datasets": means.notna().sum(axis=1)})
    return table.sort_values(["average rank", "mean accuracy"], ascending=[True, False])


def holm(p: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values (family-wise error), in the input order."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    adjusted = np.empty_like(p)
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, (len(p) - i) * p[j]))
        adjusted[j] = running
    return adjusted.tolist()


def wilcoxon_top(means: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank tests (scipy) between each pair of the ``top`` methods by average rank,
    over the datasets where both ran; p-values also Holm-adjusted over the pairs."""
    from scipy.stats import wilcoxon

    best = list(rank_table(means).index[:top])
    rows = []
    for a, b in combinations(best, 2):
        both = means.loc[[a, b]].dropna(axis=1)
        diff = both.loc[a] - both.loc[b]
        nonzero = int((diff != 0).sum())
        if nonzero == 0:
            stat, p = np.nan, 1.0
        else:
            res = wilcoxon(both.loc[a].to_numpy(), both.loc[b].to_numpy(), zero_method="wilcox")
            stat, p = float(res.statistic), float(res.pvalue)
        rows.append({"method A": a, "method B": b, "datasets": both.shape[1], "A better on": int((diff > 0).sum()),
                     "B better on": int((diff < 0).sum()), "mean difference": float(diff.mean()),
                     "W": stat, "p": p})
    table = pd.DataFrame(rows)
    if len(table):
        table["p (Holm)"] = holm(table["p"].tolist())
    return table


# ---------------------------------------------------------------------------------- annotation cost


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


# ---------------------------------------------------------------------------------- tables for the page


def chosen_table(scores: pd.DataFrame, cells: list[Cell]) -> pd.DataFrame:
    """Method x setting: the configuration kept (hyper-parameters as text)."""
    chosen = select(scores)
    hyper = {(c.setting, c.method, c.config): _describe(c.spec.method_kwargs) for c in cells}
    chosen["kept"] = [hyper[(s, m, i)] for s, m, i in zip(chosen["setting"], chosen["method"], chosen["config"])]
    table = chosen.pivot(index="method", columns="setting", values="kept")
    return table.reindex(index=list(METHODS), columns=[s.key for s in SETTINGS if s.key in set(chosen["setting"])]).fillna("n/a")


def _describe(kw: dict) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in kw.items() if k != "optimizer")


def protocol_table(b: Budget) -> pd.DataFrame:
    """One row per benchmark column: the training setting, test set, model and training data."""
    rows = []
    for key in b.settings:
        s = setting(key)
        data = data_kwargs(s, "erm", b)
        train = ("67 (RRR's fixed split)" if s.dataset == "iris_cancer" else
                 str(data.get("n_train")))
        for column, test_set in s.columns.items():
            rows.append({"dataset (column)": column, "trained on": key, "test set": test_set, "model": s.model,
                         "training examples": train, "class ratio": data.get("ratio", "as generated"),
                         "spurious squares": "yes" if data.get("spurious") else "no"})
    return pd.DataFrame(rows)


def configuration_table(b: Budget) -> pd.DataFrame:
    """Method x configuration index: the hyper-parameters each method may choose from."""
    return pd.DataFrame({LABELS[m]: [_describe(c) for c in configurations(m, b.k)] for m in METHODS},
                        index=[f"configuration {i + 1}" for i in range(b.k)]).T


def heatmap(means: pd.DataFrame, *, title: str, width: float = 11.0):
    """Method x dataset heatmap of accuracies (in %), with 'n/a' on grey where a method cannot run."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    data = 100 * means.rename(index=LABELS)
    fig, ax = plt.subplots(figsize=(width, 0.45 * len(data) + 2.2))
    ax.set_facecolor("#d9d9d9")
    sns.heatmap(data, ax=ax, annot=True, fmt=".0f", cmap="viridis", vmin=0, vmax=100, mask=data.isna(),
                cbar_kws={"label": "accuracy (%)"}, linewidths=0.5, linecolor="white")
    for i, j in zip(*np.nonzero(data.isna().to_numpy())):
        ax.text(j + 0.5, i + 0.5, "n/a", ha="center", va="center", fontsize=8, color="#555555")
    ax.set_xlabel("dataset (test set)")
    ax.set_ylabel("")
    ax.set_title(title)
    plt.setp(ax.get_xticklabels(), rotation=35, ha="right")
    fig.tight_layout()
    return fig


def cost_figure(summary: pd.DataFrame, width: float = 11.0):
    """(a) Mean accuracy against mean annotation cost per method; (b) accuracy points per cent."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, (left, right) = plt.subplots(1, 2, figsize=(width, 4.2), gridspec_kw={"width_ratios": [1.2, 1]})
    palette = dict(zip(METHODS, sns.color_palette("colorblind", len(METHODS))))
    for m, row in summary.iterrows():
        marker = "s" if m in LABELS_ONLY else "o"
        left.scatter(row["cost_cents"], 100 * row["accuracy"], color=palette[m], marker=marker, s=60,
                     label=LABELS[m], alpha=0.85, edgecolor="white")
    left.legend(fontsize=8, loc="best", frameon=False)
    left.set_xlabel("annotation cost of the training set (cents, mean over datasets)")
    left.set_ylabel("mean test accuracy (%)")
    left.set_title("(a) accuracy against annotation cost (squares: labels only)")
    order = summary.sort_values("points_per_cent")
    right.barh([LABELS[m] for m in order.index], order["points_per_cent"], color=[palette[m] for m in order.index])
    right.set_xlabel("accuracy points (%) per cent of annotation")
    right.set_title("(b) accuracy per cent of annotation cost")
    sns.despine(fig)
    fig.tight_layout()
    return fig


def show_table(table: pd.DataFrame, *, label: str, caption: str, index: bool = True) -> None:
    """Display ``table`` as Markdown under a bold caption, anchored by the HTML id ``label`` (the
    pattern of :func:`mlxbook.book.compare.markdown`: MyST labels are not parsed in cell outputs)."""
    from IPython.display import Markdown, display

    display(Markdown(f'<a id="{label}"></a>\n\n**{caption}**\n\n' + table.to_markdown(index=index)))
