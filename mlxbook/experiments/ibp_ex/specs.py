"""What a profile trains for Sec. 5 ("Robust Learning from Explanations"): its budget and the cell specs.

:func:`budget` declares, through the chapter, how far a profile scales the paper's protocol (seeds,
epochs, values per grid axis, data sizes); :func:`decoy_spec` and :func:`real_spec` give the
:class:`~mlxbook.train.cell.RunSpec` of one training cell of decoy-MNIST (Sec. 5.2) or ISIC / Plant
(Sec. 5.3, 5.4); :func:`batch_sum_variant` the IBP-Ex+RRR cell with the public code's penalty reduction.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ... import paper
from ...book import budget as book_budget
from ...book.budget import at_least
from ...data import has_isic, has_plant
from ...train import RunSpec
from .grids import INPUT_STD, PAPER, capped_grids, expand, method_kwargs, paper_grids


@dataclass(frozen=True)
class Budget(book_budget.Budget):
    """What one profile trains: seeds, epochs, values per grid axis and data sizes."""

    seeds: tuple[int, ...]
    epochs: int = at_least(1)
    grid: int = at_least(1)
    n_train: int
    n_val: int
    n_test: int
    image_size: int = 224
    max_per_group: int | None = None
    pgd_iterations: tuple[int, ...] = (7, 25)
    pgd_radii: int | None = None  # App. E's extra step counts run at the largest this many radii (None: all)
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
    pgd_radii = ch.by_profile(smoke=1, cpu=1, paper=None)
    radii = len(used_grids(Budget(seeds, epochs, grid, n_train, n_val, n_test))["pgd_ex"]["eps"])
    if pgd_radii is not None and pgd_radii < radii:
        ch.scale(f"App. E radii trained with {max(iters)} PGD steps (the largest)", pgd_radii, f"all {radii} of the grid")
    return Budget(seeds, epochs, grid, n_train, n_val, n_test, image_size, max_per_group, iters, pgd_radii=pgd_radii)


def used_grids(b: Budget) -> dict:
    """The hyper-parameter grids the budget runs: the paper's, or ``b.grid`` values per axis."""
    full = paper_grids()
    return capped_grids(b.grid) if b.grid < max(len(v) for a in full.values() for v in a.values()) else full


def decoy_specs(b: Budget, device: str = "cpu", data_root=None) -> list[RunSpec]:
    """Table 1's decoy-MNIST cells: every method at every point of :func:`used_grids`."""
    return [decoy_spec(m, h, b, device, data_root) for m, h in expand(used_grids(b))]


def pgd_sensitivity_specs(b: Budget, device: str = "cpu", data_root=None) -> list[RunSpec]:
    """App. E's PGD-Ex cells: each of ``b.pgd_iterations`` attack steps at every eps of the grid (Table 1's step
    count) or at the largest ``b.pgd_radii`` of them (the others)."""
    radii = sorted(used_grids(b)["pgd_ex"]["eps"])
    table1 = paper.fact(PAPER, "pgd_ex_iterations")
    return [decoy_spec("pgd_ex", {"eps": e}, b, device, data_root, iters=k) for k in b.pgd_iterations
            for e in (radii if k == table1 or b.pgd_radii is None else radii[-b.pgd_radii:])]


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


def batch_sum_variant(cell: dict) -> RunSpec:
    """The IBP-Ex+RRR cell ``cell`` with the public code's penalty reduction: summing the L1 penalty over
    the batch equals our batch mean with lambda multiplied by the batch size."""
    spec = dict(cell["spec"])
    kw = dict(spec["method_kwargs"])
    kw["lam"] = kw["lam"] * spec["batch_size"]
    return RunSpec(**{**spec, "method_kwargs": kw})
