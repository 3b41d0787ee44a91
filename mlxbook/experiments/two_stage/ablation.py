"""The two-stage method itself (Sec 2.3, Alg. 1), its ablations (App. C, Table 3), sample complexity (Table 4)
and the cost analysis of App. D.

* Table 3 trains Ours, "No Mapping Layer" and "Joint Opt" once per setting for ``epochs`` epochs and
  reads the paper's checkpoints (20 and 40 epochs; Bird 20 and 80), where the whole test sets are
  evaluated (``full_epochs``; the per-epoch curves may use a subset);
  "convergence" is each seed's final model (early stopping on the training loss where the budget
  has a ``patience``, else the last epoch).
* Table 4 (clean test accuracy against training-set size, No expl vs Ours) repeats Table 5's balanced
  numbers, so its cells are exactly those of :func:`~mlxbook.experiments.two_stage.settings.table5_specs` at
  ratio 1:1 and are shared with the baselines chapter.
* App. D prices an image's label at 1.2 cents and its explanation at 3.6 cents (from
  :mod:`mlxbook.paper`): :func:`cost_frame` turns Table 4 into accuracy against annotation cost and
  :func:`size_reduction` reads off how many fewer images Ours needs for the accuracy No expl reaches.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from ... import paper
from ...book import compare
from ...data import has_cub, load
from ...data.base import Batch, ExplanationData
from ...methods import build_method
from ...models import build_model
from ...models.stacked import StackedModel
from ...paper import names
from ...train import GridResult, RunSpec, run_grid
from . import baselines
from .settings import (
    ABLATION_METHODS,
    NEEDS_CUB,
    Budget,
    balanced_specs,
    method_of,
    table5_specs,
    tidy,
)

PAPER = "two_stage"
CONVERGENCE = "convergence"
MAX_EPOCHS = 100
"""Our stand-in for "at convergence" (the paper trains "with early stopping" and gives no maximum)."""
PATIENCE = 10
"""Epochs without improvement of the training loss before a seed stops (paper profile; ours, not the paper's)."""
TABLE4_METHODS = ("erm", "two_stage")


def paper_sizes(table: str) -> dict[str, tuple[int, ...]]:
    """The training-set sizes of a table of the paper, per dataset (read from :mod:`mlxbook.paper`)."""
    rows = paper.numbers(PAPER, table=table)
    return {d: tuple(sorted(int(n) for n in g.n_train.unique())) for d, g in rows.groupby("dataset")}


def checkpoints(dataset: str) -> tuple[int, ...]:
    """Table 3's epoch checkpoints: (20, 40) on the synthetic data, (20, 80) on Bird (Table 3 caption)."""
    return tuple(paper.fact(PAPER, "ablation_epochs_bird" if dataset == "bird" else "ablation_epochs_synthetic"))


@dataclass(frozen=True)
class Plan:
    """What the chapter runs under its profile: the budgets and sizes of Table 3 and Table 4."""

    ablation: Budget
    ablation_sizes: dict
    table4: Budget
    table4_sizes: dict
    data_root: str | None
    bird: bool


def plan(ch, data_root=None) -> Plan:
    """The chapter's budget, every scale-down declared on ``ch`` (shown by ``ch.finish()``).

    cpu: Table 3 on Triangle 50 and Fox vs Cat 100 only, 30 epochs (profile cap; so no 40-epoch
    checkpoint and "convergence" means "after 30 epochs"), 100 test images. Table 4 uses the budget of
    Table 5's grid, :func:`mlxbook.experiments.two_stage.baselines.budget` (the same RunSpecs, so the cells are
    shared with the baselines chapter), on the sizes of that grid that Table 4 lists.
    """
    t3, t4 = paper_sizes("Table 3"), paper_sizes("Table 4")
    seeds = tuple(ch.seeds(paper.fact(PAPER, "n_models"), cpu=3))
    image = ch.by_profile(smoke=32, cpu=32, paper=paper.fact(PAPER, "image_size"))
    if image < paper.fact(PAPER, "image_size"):
        ch.scale("image side (px)", image, paper.fact(PAPER, "image_size"))
    epochs = ch.cap("epochs", MAX_EPOCHS, ours=True)
    n_test = ch.cap("n_test", baselines.PAPER_N_TEST, ours=True, cpu=100)
    ab_sizes = ch.by_profile(smoke={"triangle": (10,), "bird": (30,)},
                             cpu={"triangle": (50,), "fox_cat": (100,), "bird": (30, 60)}, paper=t3)
    # Table 5's budget, declared on a shadow chapter so that its scale-downs do not overwrite ours
    table4 = baselines.budget(dataclasses.replace(ch, scaled={}, records=[]), data_root)
    t4_sizes = t4 if ch.profile.name == "paper" else {
        d: tuple(n for n in table4.sizes.get(d, ()) if n in t4[d]) for d in t4}
    for name, used, full in [("Table 3 settings", ab_sizes, t3), ("Table 4 sizes", t4_sizes, t4)]:
        n_used, n_full = sum(len(v) for v in used.values()), sum(len(v) for v in full.values())
        if n_used < n_full:
            ch.scale(name, n_used, n_full)
    ablation = Budget(seeds=seeds, epochs=epochs, n_test=n_test, image_size=image, sizes=ab_sizes,
                      patience=ch.by_profile(smoke=None, cpu=None, paper=PATIENCE), device=ch.device.type,
                      **ch.evaluation(n_test, epochs),
                      full_epochs=tuple(sorted(set(checkpoints("triangle")) | set(checkpoints("bird")))))
    table4 = dataclasses.replace(table4, sizes=t4_sizes)
    if table4.epochs < MAX_EPOCHS:
        ch.scale("epochs (Table 4, shared with Table 5)", table4.epochs, MAX_EPOCHS)
    if table4.n_test < 1000:
        ch.scale("test examples per test set (Table 4)", table4.n_test, 1000)
    if len(table4.seeds) < paper.fact(PAPER, "n_models"):
        ch.scale("models per configuration (Table 4)", len(table4.seeds), paper.fact(PAPER, "n_models"))
    root = None if data_root is None else str(data_root)
    return Plan(ablation, ab_sizes, table4, t4_sizes, root, has_cub(data_root) if data_root is not None else False)


# ------------------------------------------------------------------------------------ Alg. 1 in action
STEPS = [  # (label, method, hyper-parameters, model has m): one call of the package's own ``step``
    ("Ours, stage 1: L_CE, all parameters (Alg. 1, lines 1-2)", "two_stage", {"eta1": 1e-3, "eta2": 0.0}, True),
    ("Ours, stage 2: L_feat, mapping layer only (lines 3-7)", "two_stage", {"eta1": 0.0, "eta2": 1e-3}, True),
    ("No Mapping Layer, stage 2: L_feat reaches f", "two_stage_no_mapping", {"eta1": 0.0, "eta2": 1e-3}, False),
    ("Joint Opt: one step on L_CE + L_feat", "two_stage_joint", {"lr": 1e-3}, True),
]


def stage_moves(dataset: str = "triangle", n: int = 64, image_size: int = 32, seed: int = 0) -> pd.DataFrame:
    """Which parts (f, m, c) one training step moves, per stage of Alg. 1 and per Table 3 variant.

    Runs the package's ``method.step`` once on one batch from a fresh model; a stage is isolated by
    setting the other stage's learning rate to 0. Adam's first step moves every parameter whose gradient
    is non-zero by about the learning rate, so the share of a part's parameters that changed shows which
    parts a loss reaches. Returns one row per step: the fraction of changed parameters of f, m and c.
    """
    task = load(dataset, n_train=n, n_test=2, size=image_size, seed=seed)
    t = task.train
    batch = Batch(t.x[None], t.y[None], t.mask[None], t.has_mask[None])
    rows = []
    for label, name, kwargs, mapping in STEPS:
        model = StackedModel(partial(build_model, "shape_cnn", image_size=image_size, mapping=mapping), [seed])
        before = {k: v.detach().clone() for k, v in model.params.items()}
        method = build_method(name, **kwargs)
        method.step(model, batch, method.optimizers(model), 0.0)
        row = {"step": label}
        for part in ("f", "m", "c"):
            keys = [k for k in before if k.split(".")[0] == part]
            if not keys:
                row[f"share of {part} moved"] = float("nan")
                continue
            moved = sum(int((model.params[k].detach() != before[k]).sum()) for k in keys)
            row[f"share of {part} moved"] = moved / sum(before[k].numel() for k in keys)
        rows.append(row)
    return pd.DataFrame(rows)


def masked_examples(dataset: str, n: int = 8, image_size: int = 32, seed: int = 0) -> dict[str, ExplanationData]:
    """Rows for :func:`mlxbook.book.plots.example_grid`: training images x and the masked inputs x' = x ⊙ e(x) (Alg. 1, line 3)."""
    t = load(dataset, n_train=n, n_test=2, size=image_size, seed=seed).train
    return {"x": t, "x' = x ⊙ e(x)": ExplanationData(t.x * t.mask, t.y, t.mask, t.has_mask, group_names=t.group_names)}


def run(specs: list[RunSpec], budget: Budget) -> GridResult:
    """:func:`~mlxbook.train.grid.run_grid` with the baselines chapter's worker count (2 one-thread processes on a CPU)."""
    order = sorted(range(len(specs)), key=lambda i: -specs[i].data.get("n_train", 60) * specs[i].epochs)
    result = run_grid([specs[i] for i in order], n_jobs=baselines.n_jobs(budget))  # big cells first
    back = np.argsort(order)
    return GridResult(result.scores, result.curves, [result.cells[i] for i in back], [result.computed[i] for i in back])


# ------------------------------------------------------------------------------------------- Table 3
def ablation_specs(p: Plan, difficulty: dict | None = None) -> list[RunSpec]:
    """One long run per (setting, variant): Ours, No Mapping Layer, Joint Opt on balanced data (Table 3); with
    ``difficulty`` the calibrated variant (synthetic data only)."""
    if difficulty is not None:
        return balanced_specs(p.ablation_sizes, ABLATION_METHODS, p.ablation, bird=False, difficulty=difficulty)
    return balanced_specs(p.ablation_sizes, ABLATION_METHODS, p.ablation, bird=p.bird, data_root=p.data_root)


def at_checkpoints(result: GridResult, specs: list[RunSpec], test_set: str = "test") -> pd.DataFrame:
    """Per-seed accuracy at each Table 3 checkpoint reached and at convergence (the final model).

    A seed that stopped early keeps its final model, so its accuracy at a later checkpoint is its last
    one; a checkpoint beyond the run's ``epochs`` is left out (not run). Columns: dataset, n_train,
    ratio, method, seed, epoch (int or "convergence"), accuracy, and ``collapsed`` for the final models (the
    checkpoints keep no predictions, so a checkpoint's collapse is unknown).
    """
    scores, _ = tidy(result, specs)
    keys = ["dataset", "n_train", "ratio", "method", "seed"]
    rows = []
    for cell, s in zip(result.cells, specs):
        full = cell["checkpoints"].sort_values("epoch")
        setting = {"dataset": s.dataset, "n_train": int(s.data["n_train"]), "ratio": s.data["ratio"],
                   "method": method_of(s)}
        for e in checkpoints(s.dataset):
            if e > s.epochs:
                continue
            last = full[full.epoch <= e].groupby("seed").tail(1)
            rows.append(pd.DataFrame({"seed": last.seed.to_numpy(), "accuracy": last[f"acc/{test_set}"].to_numpy()})
                        .assign(**setting, epoch=e))
    final = scores[scores.test_set == test_set][keys + ["accuracy", "collapsed"]].assign(epoch=CONVERGENCE)
    out = pd.concat(rows + [final], ignore_index=True)
    out["epoch"] = out["epoch"].astype(object)
    return out


def table3(per_seed: pd.DataFrame, p: Plan, profile: str, datasets=None) -> pd.DataFrame:
    """Table 3 against the paper; rows we did not run say why (CUB missing, epochs or settings of the profile);
    ``datasets`` keeps those rows only (the calibrated variant has no Bird)."""
    rows = paper.numbers(PAPER, table="Table 3")
    rows = rows if datasets is None else rows[rows.dataset.isin(datasets)]
    table = compare.against_paper(rows, per_seed, on=["dataset", "n_train", "ratio", "method", "epoch"],
                                  profile=profile)

    def reason(r):
        if r["dataset"] == "bird" and not p.bird:
            return NEEDS_CUB
        if int(r["n_train"]) not in p.ablation_sizes.get(r["dataset"], ()):
            return f"not run on this profile (setting not in the {profile} subset)"
        if r["epoch"] != CONVERGENCE and int(r["epoch"]) > p.ablation.epochs:
            return f"not run on this profile ({p.ablation.epochs} epochs)"
        return "not run"

    return explain_missing(table, reason)


def explain_missing(table: pd.DataFrame, reason) -> pd.DataFrame:
    """Set the context ("needs data" / "not run") and ``why`` of every row without our number by ``reason(row)``."""
    table = table.copy()
    for i, r in table[table.seeds == 0].iterrows():
        why = reason(r)
        table.loc[i, "why"] = why
        table.loc[i, "context"] = "needs data" if why.startswith("needs") else "not run"
    return table


# ------------------------------------------------------------------------------------------- Table 4
def table4_specs(p: Plan, difficulty: dict | None = None) -> list[RunSpec]:
    """Table 4's runs: No expl and Ours at 1:1, the very specs of Table 5's grid (shared cells); ``difficulty``
    as in :func:`~.settings.table5_specs` (the calibrated grid's cells, synthetic data only)."""
    datasets = tuple(d for d in p.table4_sizes if difficulty is None or d in difficulty)
    specs = table5_specs(p.table4, datasets=datasets, ratios=("1:1",), difficulty=difficulty)
    return [s for s in specs if method_of(s) in TABLE4_METHODS]


def table4(scores: pd.DataFrame, p: Plan, profile: str, datasets=None) -> pd.DataFrame:
    """Table 4 against the paper (clean test set, balanced training); ``datasets`` keeps those rows only."""
    rows = paper.numbers(PAPER, table="Table 4")
    rows = rows if datasets is None else rows[rows.dataset.isin(datasets)]
    ours = scores[(scores.test_set == "test") & (scores.ratio == "1:1")]
    table = compare.against_paper(rows, ours, on=["dataset", "n_train", "ratio", "method"], profile=profile)
    return explain_missing(table, lambda r: f"not run on this profile (size not in the {profile} subset)")


# ---------------------------------------------------------------------------------------- App. D costs
def costs_cents() -> dict[str, float]:
    """App. D: cents per image for a label and for an explanation (the bounding-box price)."""
    return {"label": float(paper.fact(PAPER, "label_cost_cents")),
            "explanation": float(paper.fact(PAPER, "explanation_cost_cents"))}


def cost_frame(acc: pd.DataFrame) -> pd.DataFrame:
    """Add ``cost_usd``: n_train labels (No expl) or n_train labels and explanations (Ours), App. D prices.

    ``acc`` has dataset, method, n_train and accuracy (one row per setting, e.g. a mean).
    """
    c = costs_cents()
    per_image = acc["method"].map(lambda m: c["label"] + (c["explanation"] if m.startswith("two_stage") else 0.0))
    return acc.assign(cost_usd=acc["n_train"].astype(float) * per_image / 100)


def size_needed(sizes, accuracies, target: float) -> float:
    """Training-set size at which a learning curve first reaches ``target`` (NaN if it never does).

    The curve is made monotone (running maximum) and interpolated linearly in log(size); a target at or
    below the first point returns the first size.
    """
    order = np.argsort(sizes)
    n = np.asarray(sizes, dtype=float)[order]
    a = np.maximum.accumulate(np.asarray(accuracies, dtype=float)[order])
    if target <= a[0]:
        return float(n[0])
    k = int(np.searchsorted(a, target))  # first index with a[k] >= target
    if k >= len(a):
        return float("nan")
    lo, hi = np.log(n[k - 1]), np.log(n[k])
    t = (target - a[k - 1]) / (a[k] - a[k - 1])
    return float(np.exp(lo + t * (hi - lo)))


def size_reduction(acc: pd.DataFrame) -> pd.DataFrame:
    """App. D's sample-size reduction: for each Ours point, the No expl size reaching its accuracy, and the ratio.

    ``acc``: dataset, method ("erm" / "two_stage"), n_train, accuracy. The ratio is NaN where No expl
    never reaches Ours' accuracy within the sizes run (then it is at least max size / n).
    """
    rows = []
    for dataset, g in acc.groupby("dataset"):
        erm = g[g.method == "erm"].sort_values("n_train")
        for _, r in g[g.method == "two_stage"].sort_values("n_train").iterrows():
            need = size_needed(erm.n_train, erm.accuracy, r.accuracy) if len(erm) else float("nan")
            rows.append({"dataset": dataset, "n_train": int(r.n_train), "accuracy (Ours)": r.accuracy,
                         "No expl needs": need, "reduction": need / r.n_train,
                         "at least": erm.n_train.max() / r.n_train if np.isnan(need) and len(erm) else np.nan})
    out = pd.DataFrame(rows)
    c = costs_cents()
    # Ours costs n (label + explanation), No expl "No expl needs" labels: < 1 means the explanations pay
    out["cost Ours / cost No expl"] = (c["label"] + c["explanation"]) / c["label"] / out["reduction"]
    return out


def paper_table4() -> pd.DataFrame:
    """Table 4 of the paper as dataset, method, n_train, accuracy."""
    rows = paper.numbers(PAPER, table="Table 4")
    return rows[["dataset", "method", "n_train", "value"]].rename(columns={"value": "accuracy"}).astype({"n_train": int})


# -------------------------------------------------------------------------------------------- figures


def context_summary(table: pd.DataFrame, columns: list[str]) -> str:
    """Markdown: how many of a comparison table's paper numbers lie inside our prediction intervals, and
    every computed row where one does not, in words."""
    ran = table[table.seeds > 0]
    head = ", ".join(f"{n} {v}" for v, n in compare.counts(ran).items()) or "none"
    lines = [f"The paper's numbers against our prediction intervals: {head} ({len(ran)} of {len(table)} rows "
             "computed on this profile)."]
    for _, r in ran[ran.context != compare.INSIDE].iterrows():
        where = ", ".join(f"{names.COLUMNS.get(c, c)} {names.value(c, r[c], 'two_stage')}" for c in columns
                          if c in r and pd.notna(r[c]))
        lines.append(f"- {where}: paper {r['value']:.3f}, ours {r['ours']:.3f} ± {r['ours_std']:.3f} "
                     f"({r['context']}; collapsed {r['collapsed']}/{r['seeds']})")
    return "\n".join(lines)
