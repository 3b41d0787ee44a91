"""RRR's Iris-Cancer dataset (Ross et al. 2017, Sec. "Real-world Datasets", Figs. 7, 8, 11).

Iris classes 1 and 2 (4 features) glued column-wise to 50 malignant and 50 benign Breast Cancer
Wisconsin examples (30 features): both parts predict the label. The Iris part is the confound: the
paper's model loses accuracy (91% -> 81%) when the Iris columns are removed at test time, and the
explanation constraints should make it rely on the Breast Cancer part instead.
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import check_float, check_int
from .base import ExplanationData, Task, item_rng

N_IRIS = 4
N_CANCER = 30


def iris_cancer_task(*, seed: int = 0, test_fraction: float = 1 / 3) -> Task:
    """Iris-Cancer: x (N, 34) standardised, mask = the 30 cancer columns; tests "test" (Iris zeroed), "test_with_iris".

    The 100 rows are split at random (seeded) into round(100 * test_fraction) test rows and the rest
    for training; the features are standardised with the training mean and standard deviation.
    """
    from sklearn.datasets import load_breast_cancer, load_iris

    check_int("seed", seed)
    test_fraction = check_float("test_fraction", test_fraction, low=0.01, high=0.95)
    n_test = round(100 * test_fraction)
    iris, cancer = load_iris(), load_breast_cancer()
    iris_x = np.concatenate([iris.data[iris.target == 1], iris.data[iris.target == 2]])
    cancer_x = np.concatenate([cancer.data[cancer.target == 0][:50], cancer.data[cancer.target == 1][:50]])
    x = np.hstack([iris_x, cancer_x])
    y = np.repeat([0, 1], 50)

    order = item_rng(seed, "split", 0).permutation(100)
    test_rows, train_rows = order[:n_test], order[n_test:]
    mean, std = x[train_rows].mean(axis=0), x[train_rows].std(axis=0)
    x = (x - mean) / np.where(std > 0, std, 1.0)
    x_test_zeroed = x[test_rows].copy()
    x_test_zeroed[:, :N_IRIS] = 0.0

    train = _data(x[train_rows], y[train_rows])
    tests = {"test": _data(x_test_zeroed, y[test_rows]), "test_with_iris": _data(x[test_rows], y[test_rows])}
    meta = {
        "source": "scikit-learn's bundled load_iris and load_breast_cancer (no download), after Ross et al. (2017)",
        "columns": "0-3: Iris (sepal length, sepal width, petal length, petal width); 4-33: Breast Cancer Wisconsin",
        "rows": (
            "label 0 = Iris versicolor (class 1) + the first 50 malignant (class 0) tumours; "
            "label 1 = Iris virginica (class 2) + the first 50 benign (class 1) tumours"
        ),
        "confound": (
            "the Iris columns: RRR reports 91% test accuracy falling to 81% when they are removed, so the "
            "relevance mask marks the 30 cancer columns and A = 1 - mask covers the 4 Iris columns"
        ),
        "split": (
            f"seeded random permutation, {n_test} test / {100 - n_test} train rows, not stratified "
            "(as dtak/rrr's train_test_split with test_size 0.33)"
        ),
        "scale": (
            "standardised with the training rows' mean and standard deviation (ours; dtak/rrr uses the raw "
            "features)"
        ),
        "test": (
            "'test' has the Iris columns set to 0 after standardising, i.e. to their training mean "
            "(dtak/rrr zeroes raw values, far outside the training range); 'test_with_iris' is unmodified"
        ),
    }
    return Task("Iris-Cancer", train, tests, meta=meta)


def _data(x: np.ndarray, y: np.ndarray) -> ExplanationData:
    x = torch.from_numpy(x.astype(np.float32))
    mask = torch.zeros_like(x)
    mask[:, N_IRIS:] = 1.0
    labels = torch.from_numpy(y.astype(np.int64))
    return ExplanationData(x, labels, mask, torch.ones(len(labels), dtype=torch.bool), labels.clone(), ("0", "1"))
