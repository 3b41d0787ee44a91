"""Sec 3.1-3.3 of "Machine Learning from Explanations": learning curves, transfer and agreement.

One grid serves three chapters. :func:`budget` turns a chapter's profile into a
:class:`~mlxbook.experiments.two_stage.settings.Budget` (the same one in every chapter, so the RunSpecs and
their cached cells are shared), :func:`grid_specs` lists Table 5's grid (Triangle and Fox vs Cat at
both ratios, Bird when CUB-200-2011 is at ``data_root``) and :func:`run` trains it once. Then:

* Sec 3.1, Figs 2-4: :func:`.figures.curve_figure` (test accuracy per epoch, mean and spread over seeds);
  Table 5: :func:`table5` (black numbers: clean test, balanced training; blue: clean test, 1:9).
* Sec 3.2, Table 1 and Table 5's red numbers: :func:`table1`, :func:`table5` with ``lines=("red",)``
  (the Pentagon and Triangle-vs-Circle sets are evaluated in every cell).
* Sec 3.3, Table 2: :func:`agreement_matrices`, :func:`table2` (pairwise prediction agreement on the
  clean test set of the final models, :func:`mlxbook.metrics.pairwise_agreement`), :func:`.figures.agreement_figure`.

:func:`diagnosis_specs` adds the two runs that explain the two-stage method's failure at 1:9 on our
data (plain cross-entropy at the two-stage method's eta1, and the two-stage method with eta1 = 0.01).
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np
import pandas as pd

from ... import paper
from ...book import compare
from ...book.verdicts import one_class
from ...data.cub import has_cub
from ...metrics import pairwise_agreement
from ...train import GridResult, RunSpec, run_grid
from .settings import (
    AS_DESCRIBED,
    DATASET_LABELS,
    DISPLAY_ORDER,
    METHOD_LABELS,
    NEEDS_CUB,
    PAPER_SIZES,
    SYNTHETIC,
    Budget,
    method_of,
    spec,
    table5_specs,
    tidy,
)

BIRD_SIZES = PAPER_SIZES["bird"]
"""Bird training sizes of Table 5 (Table 2 and Table 6 use 60)."""
PAPER_EPOCHS = 100
"""Our choice: the paper trains "with early stopping" and gives no epoch count; its Figs 2-4 plot about 100."""
PAPER_N_TEST = 1000
"""Our choice: test images per test set of the paper profile (the paper does not state its test-set sizes)."""
AGREEMENT_MODELS = paper.fact("two_stage", "n_models_agreement")
"""Table 2 compares this many models per setting (its caption)."""

CPU = {"seeds": 3, "epochs": 20, "n_test": 200, "image_size": 32, "fox_cat_sizes": 3}
"""The cpu profile's budget (measured to fit the 8-minute budget of the three chapters on 2 cores)."""


def budget(ch, data_root=None) -> Budget:
    """The grid's budget for chapter ``ch``'s profile; every scale-down is declared on ``ch``.

    paper: 30 seeds (the paper's), 64x64 images (the paper's), every size; 100 epochs and 1000 test images
    per test set are our choices (the paper states neither). cpu: :data:`CPU`.
    smoke: 2 seeds, 2 epochs, 64 test images, 32x32, one size per dataset. Bird sizes are Table 5's.
    """
    seeds = tuple(ch.seeds(paper.fact("two_stage", "n_models"), cpu=CPU["seeds"]))
    epochs = ch.cap("epochs", PAPER_EPOCHS, ours=True, cpu=CPU["epochs"])
    n_test = ch.cap("n_test", PAPER_N_TEST, ours=True, cpu=CPU["n_test"])
    paper_size = paper.fact("two_stage", "image_size")
    image_size = ch.by_profile(smoke=32, cpu=CPU["image_size"], paper=paper_size)
    if image_size < paper_size:
        ch.scale("image size (px)", image_size, paper_size)
    n_sizes = ch.cap("grid", len(PAPER_SIZES["fox_cat"]), smoke=1, cpu=CPU["fox_cat_sizes"])
    sizes = {"triangle": PAPER_SIZES["triangle"][:n_sizes], "fox_cat": PAPER_SIZES["fox_cat"][:n_sizes],
             "bird": BIRD_SIZES[:n_sizes]}
    bird = data_root is not None and has_cub(data_root)
    for ds in ("triangle", "fox_cat", "bird") if bird else ("triangle", "fox_cat"):
        full = PAPER_SIZES[ds] if ds != "bird" else BIRD_SIZES
        if sizes[ds] != full:
            ch.scale(f"{DATASET_LABELS[ds]} sizes", ", ".join(map(str, sizes[ds])), ", ".join(map(str, full)))
    if ch.profile.name != "paper":
        ch.scale("stopping", f"fixed {epochs} epochs", "early stopping")
    return Budget(seeds=seeds, epochs=epochs, n_test=n_test, image_size=image_size, sizes=sizes,
                  device=ch.device.type, **ch.evaluation(n_test, epochs))


def grid_specs(b: Budget, data_root=None, difficulty: dict | None = None) -> list[RunSpec]:
    """Table 5's grid: Triangle and Fox vs Cat at 1:1 and 1:9 (five methods at 1:9), Bird at 1:1 if present;
    with ``difficulty`` (dataset -> knobs, :func:`.calibration.calibrate`) the calibrated variant of the
    synthetic rows alone (Bird is real data: it has no variant)."""
    out = table5_specs(b, datasets=SYNTHETIC, difficulty=difficulty)
    if difficulty is None and data_root is not None and has_cub(data_root):
        out += table5_specs(b, datasets=("bird",), ratios=("1:1",), data_root=data_root)
    return out


def diagnosis_specs(b: Budget, dataset: str = "fox_cat", n_train: int | None = None) -> list[RunSpec]:
    """Two runs that locate the two-stage method's trouble at 1:9 (App. B.1's eta1 = 0.001, eta2 = 0.01).

    ``erm`` with the learning rate eta1 (the two-stage method's stage 1 alone) and ``two_stage`` with
    eta1 = 0.01 (the no-explanation rate, also in App. B.1's search grid), both at 1:9.
    """
    n = n_train or b.sizes[dataset][min(1, len(b.sizes[dataset]) - 1)]
    eta1 = paper.fact("two_stage", "synthetic_eta1")
    lr = paper.fact("two_stage", "synthetic_lr_no_expl")
    plain = spec(dataset, n, "1:9", "erm", b)
    fast = spec(dataset, n, "1:9", "two_stage", b)
    return [dataclasses.replace(plain, method_kwargs={**plain.method_kwargs, "lr": eta1}),
            dataclasses.replace(fast, method_kwargs={**fast.method_kwargs, "eta1": lr})]


def n_jobs(b: Budget) -> int:
    """Worker processes for the grid: 2 on a CPU with at least 2 cores (one thread each), else 1."""
    return 2 if b.device == "cpu" and (os.cpu_count() or 1) >= 2 and len(b.seeds) > 2 else 1


def _cost(s: RunSpec) -> float:
    """A rough cost of a cell (for ordering only: large cells first keeps both workers busy)."""
    per = {"rrr": 2.6, "two_stage": 1.7}.get(s.method, 1.0)
    return s.data.get("n_train", 60) * per + 0.5 * s.data.get("n_test", 200)


def run(specs: list[RunSpec], *, jobs: int = 1, data: str = AS_DESCRIBED) -> tuple[pd.DataFrame, pd.DataFrame, GridResult]:
    """Train (or read from the store) every spec; per-seed scores and curves in the paper's names, labelled
    with the data variant ``data``."""
    order = sorted(range(len(specs)), key=lambda i: -_cost(specs[i]))
    ordered = [specs[i] for i in order]
    result = run_grid(ordered, n_jobs=jobs)
    back = np.argsort(order)
    result = GridResult(result.scores, result.curves, [result.cells[i] for i in back],
                        [result.computed[i] for i in back])
    scores, curves = tidy(result, specs, data)
    return scores, curves, result


# --------------------------------------------------------------------------------------- tables
def _missing(sizes: dict, data_root) -> dict:
    why = "not run on this profile (sizes cut)"
    return {"triangle": why, "fox_cat": why,
            "bird": why if (data_root is not None and has_cub(data_root)) else NEEDS_CUB}


def table5(scores: pd.DataFrame, *, lines=("black", "blue"), profile: str = "", data_root=None,
           sizes: dict | None = None, datasets=None) -> pd.DataFrame:
    """Table 5 against ours: ``black`` = clean test after balanced training, ``red`` = the Sec 3.2
    transfer set after balanced training, ``blue`` = clean test after 1:9 training; ``datasets`` keeps
    those rows only (the calibrated variant has no Bird)."""
    sources = [f"Table 5, {line} numbers" for line in lines]
    rows = paper.numbers("two_stage", table="Table 5", source=sources)
    if datasets is not None:
        rows = rows[rows.dataset.isin(datasets)]
    ours = scores[scores.method.isin(["erm", "rrr", "two_stage"])]
    return compare.against_paper(rows, ours, on=["dataset", "n_train", "ratio", "test_set", "method"],
                                 missing=_missing(sizes or {}, data_root), profile=profile)


def table1(scores: pd.DataFrame, *, profile: str = "") -> pd.DataFrame:
    """Table 1 against ours: accuracy on Pentagon / Triangle vs Circle, both ratios, sparse included."""
    rows = paper.numbers("two_stage", table="Table 1")
    return compare.against_paper(rows, scores, on=["dataset", "n_train", "ratio", "test_set", "method"],
                                 missing=_missing({}, None), profile=profile)


def agreement_matrices(result: GridResult, specs: list[RunSpec], *, test_set: str = "test",
                       max_models: int = AGREEMENT_MODELS) -> dict[tuple, np.ndarray]:
    """(dataset, n_train, ratio, method) -> the (S, S) agreement matrix of its first ``max_models`` models."""

    out = {}
    for cell, s in zip(result.cells, specs):
        preds = cell["predictions"][test_set][:max_models]
        if len(preds) >= 2:
            out[(s.dataset, int(s.data["n_train"]), s.data["ratio"], method_of(s))] = pairwise_agreement(preds).numpy()
    return out


def agreement_with_others(a: np.ndarray) -> np.ndarray:
    """Each model's mean agreement with the other models of an (S, S) agreement matrix (its diagonal is 1)."""
    return (a.sum(axis=1) - 1.0) / (len(a) - 1)


def per_model_agreement(matrices: dict[tuple, np.ndarray]) -> pd.DataFrame:
    """One row per model: its mean agreement with the other models of its setting.

    The mean of these rows is exactly the mean pairwise agreement of Table 2 (each pair counted twice).
    """
    rows = []
    for (ds, n, ratio, method), a in matrices.items():
        for i, value in enumerate(agreement_with_others(a)):
            rows.append({"dataset": ds, "n_train": n, "ratio": ratio, "method": method, "seed": i, "agreement": value})
    return pd.DataFrame(rows)


def agreement_per_seed(result: GridResult, specs: list[RunSpec], *, test_set: str = "test",
                       max_models: int = AGREEMENT_MODELS) -> pd.DataFrame:
    """One row per model of the first ``max_models`` of each setting: its mean agreement with the other
    models of its setting that did not collapse, and whether it collapsed (one class on ``test_set``;
    two collapsed models agree perfectly, so they are left out of each other's agreement). The values of a
    setting share models, so they are not independent draws: the claim's interval is optimistic."""
    rows = []
    for cell, s in zip(result.cells, specs):
        preds = np.asarray(cell["predictions"][test_set][:max_models])
        seeds = list(cell["spec"]["seeds"])[:max_models]
        flags = one_class({test_set: preds}, seeds)["collapsed"].to_numpy()
        values = np.full(len(seeds), np.nan)
        if (~flags).sum() >= 2:
            values[~flags] = agreement_with_others(pairwise_agreement(preds[~flags]).numpy())
        for i, (seed, value) in enumerate(zip(seeds, values)):
            rows.append({"dataset": s.dataset, "n_train": int(s.data["n_train"]), "ratio": s.data["ratio"],
                         "method": method_of(s), "seed": seed, "agreement": float(value), "collapsed": bool(flags[i])})
    return pd.DataFrame(rows)


def table2(matrices: dict[tuple, np.ndarray], *, profile: str = "", data_root=None, datasets=None) -> pd.DataFrame:
    """Table 2 against ours (balanced training; the table prints no ratio); ``datasets`` keeps those rows only."""
    rows = paper.numbers("two_stage", table="Table 2")
    if datasets is not None:
        rows = rows[rows.dataset.isin(datasets)]
    ours = per_model_agreement(matrices)
    ours = ours[ours.ratio == "1:1"] if len(ours) else ours
    return compare.against_paper(rows, ours, on=["dataset", "n_train", "method"], value="agreement",
                                 missing=_missing({}, data_root), profile=profile)


def context_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many rows got each context (see :func:`mlxbook.book.compare.counts`)."""
    return compare.counts(table)


def std_ratio(scores: pd.DataFrame, test_set: str = "test", ratio: str = "1:1") -> pd.DataFrame:
    """Seed spread per setting: std of No expl and of Ours, and their ratio (Sec 3.1: "one magnitude smaller")."""
    s = scores[(scores.test_set == test_set) & (scores.ratio == ratio) & scores.method.isin(["erm", "two_stage"])]
    t = s.groupby(["dataset", "n_train", "method"]).accuracy.std().unstack("method")
    t["ours: No expl / Ours"] = t["erm"] / t["two_stage"].where(t["two_stage"] > 0)
    return t.reset_index()


def table2_settings(data_root=None) -> list[tuple]:
    """The (dataset, n_train) settings of Table 2, Bird only when its data are present."""
    rows = paper.numbers("two_stage", table="Table 2")
    keep = [(d, int(n)) for d, n in rows[["dataset", "n_train"]].drop_duplicates().itertuples(index=False)]
    return [s for s in keep if s[0] != "bird" or (data_root is not None and has_cub(data_root))]


def wins(scores: pd.DataFrame, a: str, b: str, *, test_set: str = "test", ratio: str = "1:1") -> tuple[int, int]:
    """In how many (dataset, n_train) settings method ``a``'s mean accuracy beats ``b``'s, out of how many."""
    s = scores[(scores.test_set == test_set) & (scores.ratio == ratio) & scores.method.isin([a, b])]
    m = s.groupby(["dataset", "n_train", "method"]).accuracy.mean().unstack("method").dropna()
    return int((m[a] > m[b]).sum()), len(m)


def diagnosis_table(result: GridResult, specs: list[RunSpec], diag: GridResult, diag_specs: list[RunSpec]) -> pd.DataFrame:
    """The 1:9 setting of the diagnosis runs, four ways: final clean-test accuracy and share of positive
    predictions (mean ± std over seeds), with each run's learning rates."""

    ds, n = diag_specs[0].dataset, diag_specs[0].data["n_train"]
    pairs = [(c, s) for c, s in zip(result.cells, specs)
             if s.dataset == ds and s.data["n_train"] == n and s.data["ratio"] == "1:9" and method_of(s) in ("erm", "two_stage")]
    pairs += list(zip(diag.cells, diag_specs))
    rows = []
    for c, s in pairs:
        sc = c["scores"][c["scores"].test_set == "test"]
        share = c["predictions"]["test"].mean(axis=1)
        k = s.method_kwargs
        rates = f"lr {k['lr']}" if "lr" in k else f"eta1 {k['eta1']}, eta2 {k['eta2']}"
        rows.append({"run": f"{METHOD_LABELS[method_of(s)]} ({rates})",
                     "clean-test accuracy": f"{sc.accuracy.mean():.3f} ± {sc.accuracy.std():.3f}",
                     "share predicted positive": f"{share.mean():.2f} ± {share.std(ddof=1):.2f}",
                     "final training loss": f"{c['curves'].groupby('seed').train_loss.last().mean():.3f}"})
    return pd.DataFrame(rows)


def agreement_table(matrices: dict[tuple, np.ndarray]) -> pd.DataFrame:
    """Mean pairwise agreement of every setting: rows (dataset, n_train, ratio), columns methods."""
    rows = [{"dataset": DATASET_LABELS[d], "n_train": n, "ratio": r, "method": METHOD_LABELS[m],
             "agreement": a[np.triu_indices(len(a), 1)].mean()} for (d, n, r, m), a in matrices.items()]
    t = pd.DataFrame(rows).pivot_table(index=["dataset", "n_train", "ratio"], columns="method", values="agreement")
    return t[[METHOD_LABELS[m] for m in DISPLAY_ORDER if METHOD_LABELS[m] in t.columns]]
