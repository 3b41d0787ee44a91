"""Does a verdict depend on the budget? Table 5's deciding cells rerun at larger budgets (Secs 3.1-3.3).

The two-stage paper states neither its batch size nor its number of epochs ("with early stopping"), and
the ``cpu`` profile trains fewer epochs on smaller images with fewer seeds. A claim judged on that
budget may therefore fail because of the budget. This module reruns the cells that decide the claims of
the grid shared by Baselines, Transfer and Consistency (Table 5's settings, Table 1's transfer sets and
Table 2's agreement come from the same cells) on a few settings, at budgets that each change one thing:

* more epochs (x2, the evaluation policy scaled to keep its number of curve points);
* a smaller batch (a quarter of the batch, four times the steps per epoch);
* larger images (twice the side: the paper's 64 px where the page trains 32 px);
* more seeds (as many again, new seeds).

:func:`sweep` lists them, :func:`specs` builds the cells (plain grid cells, stored like every other) and
:func:`run` trains them; :mod:`mlxbook.book.sweeps` judges each claim at each budget on the same settings
(the page's own budget included, restricted to those settings, so the comparison is like for like) and
says in words whether the verdict holds at every budget tried or moves with it.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from ...book.sweeps import BASE, new_seeds
from ...train import GridResult, RunSpec, run_grid
from .baselines import agreement_per_seed
from .settings import DATASET_LABELS, Budget, spec, tidy

SETTINGS = {"smoke": (("triangle", None),), "cpu": (("triangle", 50), ("fox_cat", 100)),
            "paper": (("triangle", 50), ("fox_cat", 100))}
"""The (dataset, training size) settings each profile reruns (None: the smallest size the page ran)."""
CHANGES = {"smoke": (("epochs", 2),),
           "cpu": (("epochs", 2), ("batch_size", 0.25), ("image_size", 2), ("seeds", 2)),
           "paper": (("epochs", 2), ("batch_size", 0.25), ("batch_size", 4))}
"""Each profile's budgets: one change of the page's budget each (a factor on epochs, batch size, image side or
seeds)."""
METHODS = {"1:1": ("erm", "two_stage"), "1:9": ("erm", "two_stage")}
"""The methods rerun at each ratio: the two sides of the claims that Ours beats No expl (Grad Reg's claims are
not rerun: its cells cost twice as much, and the sweep has to fit the profile's budget)."""


def sweep(b: Budget, profile: str) -> list[tuple[str, Budget]]:
    """(label, budget) of every budget tried on ``profile``, the page's own first."""
    out = [(BASE, b)]
    for what, factor in CHANGES[profile]:
        if what == "epochs":
            n = int(b.epochs * factor)
            new = dataclasses.replace(b, epochs=n, curve_every=max(1, int(b.curve_every * factor)))
            out.append((f"{n} epochs", new))
        elif what == "batch_size":
            n = max(1, int(b.batch_size * factor))
            out.append((f"batch {n}", dataclasses.replace(b, batch_size=n)))
        elif what == "image_size":
            n = int(b.image_size * factor)
            out.append((f"{n} px", dataclasses.replace(b, image_size=n)))
        else:
            extra = new_seeds(b.seeds, factor)
            out.append((f"{len(b.seeds) + len(extra)} seeds", dataclasses.replace(b, seeds=extra)))
    return out


def settings(b: Budget, profile: str) -> list[tuple[str, int]]:
    """The (dataset, n_train) settings rerun, each among the sizes the page ran."""
    out = []
    for dataset, n in SETTINGS[profile]:
        n = min(b.sizes[dataset]) if n is None else n
        if n in b.sizes.get(dataset, ()):
            out.append((dataset, n))
    return out


def where(b: Budget, profile: str) -> str:
    """The settings the sweep reruns, in words ("Triangle 50, Fox vs Cat 100")."""
    return ", ".join(f"{DATASET_LABELS[d]} {n}" for d, n in settings(b, profile))


def specs(b: Budget, profile: str, *, spurious: bool = False) -> list[tuple[str, RunSpec]]:
    """(budget label, spec) of every cell of the sweep (the page's own budget included: its cells are the
    page's). Larger images are tried at the balanced ratio only: a 64 px cell costs about two and a half
    40-epoch ones, and at 1:9 the page's own models collapse. ``spurious``: the spurious-square training sets
    of Sec 3.4, balanced only (as the chapter trains)."""
    balanced = {"1:1": METHODS["1:1"]}
    return [(label, spec(dataset, n, ratio, method, budget, spurious=spurious))
            for label, budget in sweep(b, profile) for dataset, n in settings(b, profile)
            for ratio, methods in (balanced if spurious or budget.image_size != b.image_size else METHODS).items()
            for method in methods]


def run(b: Budget, profile: str, *, jobs: int = 1, spurious: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train (or read from the store) every cell of the sweep: per-seed scores and per-model agreement, each
    with its ``budget`` label. The "more seeds" budget also gets the page's own seeds, so it is the page's
    budget with twice the seeds (agreement is not extended: it needs every model in one matrix)."""
    pairs = specs(b, profile, spurious=spurious)
    order = sorted(range(len(pairs)), key=lambda i: -pairs[i][1].data["n_train"] * pairs[i][1].epochs)  # big first
    result = run_grid([pairs[i][1] for i in order], n_jobs=jobs)
    cells = [None] * len(pairs)
    for k, i in enumerate(order):
        cells[i] = result.cells[k]
    scores, agreement = [], []
    for (label, s), cell in zip(pairs, cells):
        one = GridResult(None, None, [cell], [True])
        scores.append(tidy(one, [s])[0].assign(budget=label))
        if not label.endswith(" seeds"):
            agreement.append(agreement_per_seed(one, [s]).assign(budget=label))
    scores = pd.concat(scores, ignore_index=True)
    for label in dict.fromkeys(label for label, _ in pairs if label.endswith(" seeds")):
        scores = pd.concat([scores, scores[scores.budget == BASE].assign(budget=label)], ignore_index=True)
    return scores, pd.concat(agreement, ignore_index=True)
