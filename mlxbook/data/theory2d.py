"""The 2-D demonstration data of IBP-Ex (Sec. 4, "Demonstration with simple data", Fig. 1).

Feature x1 carries the label; feature x2 is the nuisance the model must ignore (relevance mask
[1, 0]). The layout follows the public code (vihari/robust_mlx, src/datasets/toy_dataset.py), which
drew Fig. 1: three horizontal groups at x2 = -20, 0, +20, each holding three clusters along x1 at
-2, 0, +2 (labels 0, 1, 0, sd 0.2), the middle group shifted by +1.2 along x1. A vertical pair of
lines separates all nine clusters, but so does a boundary that bends with x2, which is what a
locally-insensitive (RRR) fit can learn.
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import check_float, check_int
from .base import ExplanationData, Task, item_rng

GROUP_X2 = (-20.0, 0.0, 20.0)
CLUSTER_X1 = (-2.0, 0.0, 2.0)
CLUSTER_LABELS = (0, 1, 0)
SD = 0.2
GROUP_NAMES = ("x2=-20", "x2=0", "x2=+20")


def theory2d_task(
    n_per_group: int = 100, *, n_test_per_group: int = 100, seed: int = 0, middle_shift: float = 1.2
) -> Task:
    """2-D demo: x (N, 2) = (x1, x2), mask [1, 0]; groups = the three x2 levels, each 3 * n_per_group points.

    ``n_per_group`` (``n_test_per_group``) points are drawn for each of the three x1 clusters of each
    group; ``middle_shift`` moves the clusters of the middle group along x1 (public code: 1.2).
    """
    check_int("n_per_group", n_per_group, low=1)
    check_int("n_test_per_group", n_test_per_group, low=1)
    check_int("seed", seed)
    middle_shift = check_float("middle_shift", middle_shift)
    train = _split(seed, "train", n_per_group, middle_shift)
    test = _split(seed, "test", n_test_per_group, middle_shift)
    meta = {
        "source": (
            "synthetic, after the public code of the IBP-Ex paper (vihari/robust_mlx, toy_dataset.py), "
            "Sec. 4, Fig. 1"
        ),
        "layout": (
            "groups at x2 = -20, 0, +20 (x2 constant within a group); in each group three clusters along x1 "
            f"at -2, 0, +2 with labels 0, 1, 0 and sd {SD} on x1; the middle group's x1 shifted by {middle_shift:+g}"
        ),
        "nuisance": "x2; relevance mask [1, 0], so RRR / IBP-Ex penalise or perturb x2 only",
        "sizes": (
            f"{n_per_group} train / {n_test_per_group} test points per cluster and group, drawn separately; "
            "the public code draws 100 per cluster once and splits the 900 points 70/10/20 at random"
        ),
        "groups": "group = the x2 level; the public code reports the label as the group",
        "reference sheet": (
            "the project's reference-facts sheet describes one cluster per x2 level; the public code that drew "
            "Fig. 1 has all three clusters at every x2 level, which this follows"
        ),
    }
    return Task("2D theory demo", train, {"test": test}, meta=meta)


def _split(seed: int, stream: str, n: int, middle_shift: float) -> ExplanationData:
    xs, ys, gs = [], [], []
    for g, x2 in enumerate(GROUP_X2):
        shift = middle_shift if g == 1 else 0.0
        for c, (x1, label) in enumerate(zip(CLUSTER_X1, CLUSTER_LABELS)):
            rng = item_rng(seed, stream, 3 * g + c)
            xs.append(np.stack([x1 + shift + SD * rng.standard_normal(n), np.full(n, x2)], axis=1))
            ys.append(np.full(n, label))
            gs.append(np.full(n, g))
    x = torch.from_numpy(np.concatenate(xs).astype(np.float32))
    mask = torch.zeros_like(x)
    mask[:, 0] = 1.0
    return ExplanationData(
        x, torch.from_numpy(np.concatenate(ys).astype(np.int64)), mask, torch.ones(len(x), dtype=torch.bool),
        torch.from_numpy(np.concatenate(gs).astype(np.int64)), GROUP_NAMES,
    )
