"""The papers' names for the keys the book's tables and figures are indexed by: methods, datasets, test sets,
conditions, metrics and columns. Comparison tables and the scorecard show these, not the keys (``erm``,
``fox_cat``, ``n_train``).

A method can have a paper's own name: the two-stage paper calls ERM "No expl" and RRR "Grad Reg", so its
chapters do too (:data:`PAPER_METHODS`); elsewhere a method has its usual name (:data:`METHODS`).
"""
from __future__ import annotations

import re

METHODS = {"erm": "ERM", "focal": "Focal loss", "rrr": "RRR", "two_stage": "Two-stage",
           "two_stage_sparse": "Two-stage (sparse)", "two_stage_no_mapping": "No mapping layer",
           "two_stage_joint": "Joint optimisation", "corm": "CoRM", "pgd_ex": "PGD-Ex", "ibp_ex": "IBP-Ex",
           "ibp_ex_rrr": "IBP-Ex+RRR", "cdep": "CDEP"}
PAPER_METHODS = {
    "two_stage": {"erm": "No expl", "rrr": "Grad Reg", "two_stage": "Ours (two-stage)",
                  "two_stage_sparse": "Ours (sparse expl.)"},
    "rrr": {"erm": "without explanations", "rrr": "RRR"},
}
DATASETS = {"triangle": "Triangle", "fox_cat": "Fox vs Cat", "bird": "Bird", "decoy_mnist": "decoy-MNIST",
            "toy_colours": "toy colours", "iris_cancer": "Iris-Cancer", "newsgroups": "20 Newsgroups",
            "isic": "ISIC", "plant": "Plant"}
TEST_SETS = {"test": "test", "pentagon": "Pentagon", "triangle_vs_circle": "Triangle vs Circle",
             "test_no_iris": "test, Iris columns zeroed", "train": "training set",
             "test_patch_removed": "test, patch painted over", "val": "validation"}
CONDITIONS = {"clean": "clean", "spurious": "spurious squares", "decoy": "with the decoy",
              "no_decoy": "without the decoy", "pro_rule_1": "Pro-Rule 1"}
METRICS = {"accuracy": "accuracy", "agreement": "agreement", "avg_acc": "Avg Acc", "wg_acc": "Wg Acc",
           "acc_npnc": "NPNC", "acc_pnc": "PNC", "acc_c": "C", "s1": "s1", "s2": "s2",
           "runtime_s_gradients": "seconds per explanation, gradients",
           "runtime_s_lime": "seconds per explanation, LIME"}
COLUMNS = {"paper": "paper", "dataset": "dataset", "condition": "condition", "n_train": "training size",
           "ratio": "class ratio", "test_set": "test set", "method": "method", "metric": "metric", "epoch": "epoch",
           "n_test": "test size", "n_val": "validation size", "lam": "λ", "eps": "ε"}
_VALUES = {"dataset": DATASETS, "test_set": TEST_SETS, "condition": CONDITIONS, "metric": METRICS}
KEY_COLUMNS = frozenset({"method", *_VALUES})
"""The columns whose values are keys with names (the others are numbers or already words)."""
_PREFIXES = {"val": "validation", "test": "test", "train": "training"}


def method(key: str, paper: str | None = None) -> str:
    """The name of method ``key`` in ``paper`` (its usual name when the paper has none of its own)."""
    return PAPER_METHODS.get(paper, {}).get(key) or METHODS.get(key, key)


def column(key: str, paper: str | None = None) -> str:
    """How a page heads a column named ``key``: its name among :data:`COLUMNS`, a metric's, a method's, a
    dataset's or a test set's (a pivoted table), "validation …" for ``val_…``; else a snake_case ``key`` with
    spaces ("max_grad_x2" → "max grad x2"), any other ``key`` (a formula, a heading) as it is."""
    for table in (COLUMNS, METRICS, DATASETS, TEST_SETS):
        if key in table:
            return table[key]
    if key in METHODS:
        return method(key, paper)
    head, _, rest = key.partition("_")
    if head in _PREFIXES and rest:
        return f"{_PREFIXES[head]} {column(rest, paper)}"
    return key.replace("_", " ") if re.fullmatch(r"[a-z0-9_]+", key) else key


def value(column: str, key, paper: str | None = None) -> str:
    """How a page shows ``key`` in ``column`` (a method in ``paper``'s words; a key without a name as itself)."""
    if column == "method":
        return method(str(key), paper)
    if column == "n_train" and isinstance(key, float) and key.is_integer():
        return str(int(key))
    return _VALUES.get(column, {}).get(key, str(key))

