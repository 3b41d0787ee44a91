"""Sec 3.4, Fig 5, Fig 9 and Table 6 of the two-stage paper: training data that carry spurious squares.

Every training image gets a square whose place (Triangle, Fox vs Cat) or colour (Bird) gives its label
away (App. A.4); test images never have one. A model that learned the reason (the explanation's
region) keeps its clean-test accuracy (Fig 5, Table 6 black numbers) and its accuracy on the transfer
set that shares the reason (Fig 9, Table 6 red numbers: Pentagon for Triangle, Triangle vs Circle for
Fox vs Cat; Bird has none). Methods: No expl, Grad Reg and Ours, with App. B's rates for spurious data
(eta2 = 0.01), from :func:`~mlxbook.experiments.two_stage.settings.hyper`. The paper prints no class ratio for
Table 6; we train on balanced (1:1) sets.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ... import paper
from ...book import compare
from ...data import has_cub
from ...train import RunSpec
from .ablation import explain_missing, paper_sizes
from .baselines import PAPER_EPOCHS, PAPER_N_TEST
from .settings import BALANCED_METHODS, NEEDS_CUB, Budget, balanced_specs

PAPER = "two_stage"


@dataclass(frozen=True)
class Plan:
    """The budget and sizes the chapter runs (``sizes`` per dataset; Bird only with CUB at ``data_root``)."""

    budget: Budget
    sizes: dict
    data_root: str | None
    bird: bool


def plan(ch, data_root=None) -> Plan:
    """The chapter's budget, every scale-down declared on ``ch``.

    cpu: 3 seeds, 20 epochs, 200 test images per test set, 32x32 images, Triangle 10/50/100 and
    Fox vs Cat 50/100 (the paper adds Fox vs Cat 500 and 1000); Bird 60 when CUB is at data_root.
    """
    full = paper_sizes("Table 6")
    seeds = tuple(ch.seeds(paper.fact(PAPER, "n_models"), cpu=3))
    image = ch.by_profile(smoke=32, cpu=32, paper=paper.fact(PAPER, "image_size"))
    if image < paper.fact(PAPER, "image_size"):
        ch.scale("image side (px)", image, paper.fact(PAPER, "image_size"))
    epochs = ch.cap("epochs", PAPER_EPOCHS, ours=True, cpu=20)
    n_test = ch.cap("n_test", PAPER_N_TEST, ours=True, cpu=200)
    sizes = ch.by_profile(smoke={"triangle": (10,), "bird": (60,)},
                          cpu={"triangle": (10, 50, 100), "fox_cat": (50, 100), "bird": (60,)}, paper=full)
    n_used, n_full = sum(len(v) for v in sizes.values()), sum(len(v) for v in full.values())
    if n_used < n_full:
        ch.scale("Table 6 settings", n_used, n_full)
    budget = Budget(seeds=seeds, epochs=epochs, n_test=n_test, image_size=image, sizes=sizes,
                    patience=ch.by_profile(smoke=None, cpu=None, paper=10), device=ch.device.type,
                    **ch.evaluation(n_test, epochs))
    bird = has_cub(data_root) if data_root is not None else False
    return Plan(budget, sizes, None if data_root is None else str(data_root), bird)


def specs(p: Plan, difficulty: dict | None = None) -> list[RunSpec]:
    """No expl, Grad Reg and Ours on each spurious training set of the plan (Bird only when CUB is there); with
    ``difficulty`` (dataset -> knobs, :func:`.calibration.calibrate`) the calibrated variant, synthetic rows only."""
    if difficulty is not None:
        return balanced_specs(p.sizes, BALANCED_METHODS, p.budget, bird=False, difficulty=difficulty, spurious=True)
    return balanced_specs(p.sizes, BALANCED_METHODS, p.budget, bird=p.bird, data_root=p.data_root, spurious=True)


def table6(scores: pd.DataFrame, p: Plan, profile: str, datasets=None) -> pd.DataFrame:
    """Table 6 against the paper: black rows on the clean test set, red rows on the transfer set; ``datasets``
    keeps those rows only (the calibrated variant has no Bird)."""
    rows = paper.numbers(PAPER, table="Table 6")
    if datasets is not None:
        rows = rows[rows.dataset.isin(datasets)]
    ours = scores[scores.condition == "spurious"]
    table = compare.against_paper(rows, ours, on=["dataset", "n_train", "test_set", "method"], profile=profile)

    def reason(r):
        if r["dataset"] == "bird" and not p.bird:
            return NEEDS_CUB
        return f"not run on this profile (size not in the {profile} subset)"

    return explain_missing(table, reason)


def final_gap(scores: pd.DataFrame, test_set: str = "test") -> pd.DataFrame:
    """Ours minus the best baseline (mean final accuracy) per setting: Fig 5 / Fig 9's claim in one number."""
    s = scores[scores.test_set == test_set].groupby(["dataset", "n_train", "method"])["accuracy"].mean().unstack()
    if s.empty or not {"erm", "rrr", "two_stage"} <= set(s.columns):
        return pd.DataFrame(columns=["dataset", "n_train", "erm", "rrr", "two_stage", "Ours - best baseline"])
    s["Ours - best baseline"] = s["two_stage"] - s[["erm", "rrr"]].max(axis=1)
    return s.reset_index()
