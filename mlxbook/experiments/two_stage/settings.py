"""The settings of the two-stage paper's experiments (Sec 3, App. A-B), shared by its five chapters.

One function turns (dataset, size, ratio, method, spurious) into a :class:`~mlxbook.train.cell.RunSpec`
with the paper's hyper-parameters (App. B, read from :mod:`mlxbook.paper`), so every chapter that
needs, say, Triangle 50 at 1:9 with the two-stage method builds the *same* spec and reuses its cached
cell: Table 5's grid also feeds Table 1 (transfer), Table 2 (agreement) and Table 4.

Paper names of methods are kept: ``erm`` (No expl), ``rrr`` (Grad Reg), ``focal``, ``two_stage``
(Ours), ``two_stage_sparse`` (Ours with explanations on the minority class only), and the ablations
``two_stage_no_mapping`` and ``two_stage_joint`` (Table 3).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ... import paper
from ...book import budget as book_budget
from ...book.budget import at_least
from ...book.verdicts import with_collapse
from ...book.words import count
from ...errors import check_choice
from ...paper import names
from ...train import GridResult, RunSpec

PAPER_SIZES = {ds: tuple(sorted(int(n) for n in set(g["n_train"])))
               for ds, g in paper.numbers("two_stage", table="Table 5", source="Table 5, black numbers").groupby("dataset")}
"""Training-set sizes of Sec 3.1 / Table 5 per dataset (read off the paper's Table 5)."""
SYNTHETIC = ("triangle", "fox_cat")
"""The datasets built here (Bird needs CUB-200-2011)."""
TRANSFER = {"triangle": "pentagon", "fox_cat": "triangle_vs_circle"}
"""The Sec 3.2 test set of each synthetic training set (evaluated in every cell)."""
DATASET_LABELS = {d: names.DATASETS[d] for d in ("triangle", "fox_cat", "bird")}
TEST_SET_LABELS = {"test": "clean test set"} | {t: names.TEST_SETS[t] for t in ("pentagon", "triangle_vs_circle")}
AS_DESCRIBED, CALIBRATED = "as described", "calibrated"
"""The synthetic data's two variants: App. A's generators at their defaults (:class:`~mlxbook.data.difficulty.Difficulty`),
and the difficulty chosen by :mod:`.calibration` so that No expl is as weak as the paper's."""
NEEDS_CUB = "needs CUB-200-2011 at data_root"
"""Why a Bird row has no number of ours: the CUB-200-2011 images are not at ``data_root``."""

BALANCED_METHODS = ("erm", "rrr", "two_stage")
IMBALANCED_METHODS = ("erm", "rrr", "focal", "two_stage", "two_stage_sparse")
ABLATION_METHODS = ("two_stage", "two_stage_no_mapping", "two_stage_joint")
METHOD_LABELS = {m: names.method(m, "two_stage") for m in ("erm", "rrr", "focal", "two_stage", "two_stage_sparse",
                                                        "two_stage_no_mapping", "two_stage_joint")}
DISPLAY_ORDER = ("erm", "rrr", "two_stage", "two_stage_no_mapping", "two_stage_joint", "focal", "two_stage_sparse")
"""The order of methods in every table and legend of these chapters."""
_MODEL = {"triangle": "shape_cnn", "fox_cat": "shape_cnn", "bird": "bird_cnn"}
_TRAINER = {"two_stage_sparse": "two_stage"}  # the sparse variant is the same method on sparser data


@dataclass(frozen=True)
class Budget(book_budget.Budget):
    """How much of the paper's protocol a chapter runs: seeds, epochs, test size, image size, sizes.

    ``sizes`` maps a dataset to the training sizes run; ``patience`` enables early stopping on the
    training loss (None: always ``epochs`` epochs, so the curves of Figs 2-4 have equal length).
    ``curve_examples``, ``curve_every`` and ``full_epochs`` are the engine's evaluation policy
    (:class:`~mlxbook.train.engine.Evaluation`): the curves' test subset and spacing, the epochs a table reads.
    """

    seeds: tuple[int, ...]
    epochs: int = at_least(1)
    n_test: int = at_least(2)
    image_size: int = at_least(8, 64)
    sizes: dict = field(default_factory=lambda: dict(PAPER_SIZES))
    batch_size: int = 64
    patience: int | None = None
    device: str = "cpu"
    curve_examples: int | None = None
    curve_every: int = 1
    full_epochs: tuple[int, ...] = ()


def describe(b: Budget, *, bird: bool = False) -> str:
    """What ``b`` trains, in words for a page's remarks ("3 seeds, 20 epochs without early stopping, 32x32 images,
    200 test images per test set; training sizes Triangle 10, 50, 100 and Fox vs Cat 50, 100"); Bird's sizes as
    trained with ``bird`` (its data is at data_root), else as needing its data."""
    stopping = "without early stopping" if b.patience is None else f"with early stopping (patience {b.patience})"
    sizes = " and ".join(f"{DATASET_LABELS[d]} {', '.join(map(str, n))}" for d, n in b.sizes.items()
                         if n and (bird or d != "bird"))
    skipped = "" if bird or not b.sizes.get("bird") else \
        f" (Bird {', '.join(map(str, b.sizes['bird']))}: {NEEDS_CUB})"
    return (f"{count(len(b.seeds), 'seed')}, {count(b.epochs, 'epoch')} {stopping}, {b.image_size}x{b.image_size} "
            f"images, {count(b.n_test, 'test image')} per test set"
            + (f"; training sizes {sizes}{skipped}" if sizes else skipped))


def hyper(dataset: str, ratio: str, method: str, *, spurious: bool = False) -> dict:
    """The method's hyper-parameters of App. B for this setting (optimizer, learning rates, lambda).

    Synthetic data: Adam; lr 0.01 without explanations and for Grad Reg (lambda 0.001); the two-stage
    method eta1 = 0.001 and eta2 = 0.001 on balanced clean data, 0.01 with imbalance or spurious squares.
    Bird: SGD with the same learning rates. Focal loss (not specified by the paper): the no-explanation
    optimizer and learning rate, gamma 2. The ablations use the two-stage method's rates.
    """
    check_choice("method", method, METHOD_LABELS)
    bird = dataset == "bird"
    p = "bird" if bird else "synthetic"
    optimizer = paper.fact("two_stage", f"{p}_optimizer").lower()
    lr_plain = paper.fact("two_stage", f"{p}_lr_no_expl")
    hard = ratio != "1:1" or spurious
    eta2 = paper.fact("two_stage", f"{p}_eta2_imbalanced_or_spurious" if hard else f"{p}_eta2_balanced")
    eta1 = paper.fact("two_stage", f"{p}_eta1")
    if method in ("erm", "focal"):
        return {"optimizer": optimizer, "lr": lr_plain}
    if method == "rrr":
        # Bird: App. B.2 says lambda was "computed" to balance the terms but gives no value; we keep 0.001.
        return {"optimizer": optimizer, "lr": lr_plain, "lam": paper.fact("two_stage", "gradreg_lambda")}
    if method == "two_stage_joint":
        return {"optimizer": optimizer, "lr": eta1}
    return {"optimizer": optimizer, "eta1": eta1, "eta2": eta2}


def spec(dataset: str, n_train: int, ratio: str, method: str, budget: Budget, *, spurious: bool = False,
         epochs: int | None = None, data_root=None, difficulty: dict | None = None, **data_kwargs) -> RunSpec:
    """The cached training run of ``method`` on ``dataset`` (``n_train`` examples, class ratio ``ratio``);
    ``difficulty``: the generator's knobs (:class:`~mlxbook.data.difficulty.Difficulty` fields; None or empty:
    as described, and the same spec as without it)."""
    check_choice("dataset", dataset, _MODEL)
    data = {"n_train": n_train, "ratio": ratio, "spurious": spurious,
            "explanations": "minority" if method == "two_stage_sparse" else "all", **data_kwargs}
    if difficulty:
        data["difficulty"] = dict(difficulty)
    if dataset == "bird":
        data.update(data_root=str(data_root), image_size=budget.image_size)
    else:
        data.update(n_test=budget.n_test, size=budget.image_size)
    model_kwargs = {"image_size": budget.image_size, "mapping": method != "two_stage_no_mapping"}
    return RunSpec(dataset=dataset, method=_TRAINER.get(method, method), model=_MODEL[dataset],
                   seeds=tuple(budget.seeds), epochs=epochs or budget.epochs, data=data, model_kwargs=model_kwargs,
                   method_kwargs=hyper(dataset, ratio, method, spurious=spurious), batch_size=budget.batch_size,
                   patience=budget.patience, device=budget.device, curve_examples=budget.curve_examples,
                   curve_every=budget.curve_every, full_epochs=tuple(budget.full_epochs))


def method_of(s: RunSpec) -> str:
    """The paper's method name of a spec (``two_stage`` on minority-only explanations is ``two_stage_sparse``)."""
    if s.method == "two_stage" and s.data.get("explanations") == "minority":
        return "two_stage_sparse"
    return s.method


def table5_specs(budget: Budget, datasets=("triangle", "fox_cat"), ratios=("1:1", "1:9"), data_root=None,
                 difficulty: dict | None = None) -> list[RunSpec]:
    """Table 5 / Figs 2-4: every size of ``budget.sizes`` at each ratio, with the methods of that ratio;
    ``difficulty`` maps a dataset to its generator's knobs (absent: as described)."""
    out = []
    for dataset in datasets:
        for n in budget.sizes[dataset]:
            for ratio in ratios:
                for m in (BALANCED_METHODS if ratio == "1:1" else IMBALANCED_METHODS):
                    out.append(spec(dataset, n, ratio, m, budget, data_root=data_root,
                                    difficulty=(difficulty or {}).get(dataset)))
    return out


def balanced_specs(sizes: dict, methods, budget: Budget, *, bird: bool, data_root=None, difficulty: dict | None = None,
                   **options) -> list[RunSpec]:
    """:func:`spec` at ratio 1:1 for every (dataset, size) of ``sizes`` and every method; the Bird rows only when
    ``bird`` (CUB-200-2011 at ``data_root``); ``difficulty`` as in :func:`table5_specs`. ``options`` go to
    :func:`spec` (e.g. ``spurious=True``)."""
    return [spec(dataset, n, "1:1", m, budget, data_root=data_root, difficulty=(difficulty or {}).get(dataset), **options)
            for dataset, ns in sizes.items() if dataset != "bird" or bird for n in ns for m in methods]


def tidy(result: GridResult, specs: list[RunSpec], data: str = AS_DESCRIBED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-seed scores and per-epoch curves with the paper's column names and values.

    Columns: data (the variant ``data``, :data:`AS_DESCRIBED` or :data:`CALIBRATED`), dataset, n_train, ratio,
    condition ("clean" / "spurious"), method (paper name), seed, and test_set + accuracy (scores) or epoch +
    test_set + accuracy (curves, long format).
    """
    check_choice("data", data, (AS_DESCRIBED, CALIBRATED))
    scores, curves = [], []
    for cell, s in zip(result.cells, specs):
        keys = {"data": data, "dataset": s.dataset, "n_train": int(s.data["n_train"]), "ratio": s.data["ratio"],
                "condition": "spurious" if s.data.get("spurious") else "clean", "method": method_of(s)}
        scores.append(with_collapse(cell).assign(**keys))
        c = cell["curves"].melt(id_vars=["seed", "epoch", "train_loss"], var_name="test_set", value_name="accuracy")
        c["test_set"] = c["test_set"].str.removeprefix("acc/")
        curves.append(c.assign(**keys))
    return pd.concat(scores, ignore_index=True), pd.concat(curves, ignore_index=True)
