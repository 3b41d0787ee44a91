"""Measures the RRR chapter takes on stored results: where LIME and the gradients point, how much M_c keeps.

Nothing here runs inside a stored computation, so no store key covers it (editing a measure recomputes
nothing); the computing modules :mod:`.gradients` and :mod:`.explanations` provide what it reads.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ...data.toy_colours import rule_mask
from .gradients import region_share, top_mask


def lime_pixels(weights: np.ndarray, k: int) -> np.ndarray:
    """Boolean (n, D): the k features of largest |LIME weight| per example (Fig 2: 'the top 6 features')."""
    out = np.zeros(weights.shape, dtype=bool)
    top = np.argsort(-np.abs(weights), axis=1)[:, :k]
    np.put_along_axis(out, top, np.take_along_axis(np.abs(weights), top, 1) > 0, axis=1)
    return out


def agreement(grad_sel: np.ndarray, lime_sel: np.ndarray, region: np.ndarray) -> pd.DataFrame:
    """Per example: share of each method's selected elements inside ``region`` and their pixel overlap (Jaccard).

    Selections are (n, 3, 5, 5)-shaped booleans (or flattened); pixels = any channel selected.
    """
    g = grad_sel.reshape(len(grad_sel), 3, -1).any(1)
    lm = lime_sel.reshape(len(lime_sel), 3, -1).any(1)
    r = region.reshape(3, -1).any(0)
    share = lambda s: (s & r).sum(1) / np.maximum(s.sum(1), 1)
    jac = (g & lm).sum(1) / np.maximum((g | lm).sum(1), 1)
    return pd.DataFrame({"gradient_in_region": share(g), "lime_in_region": share(lm), "pixel_jaccard": jac})


def swatch_evidence(ex: dict, i: int) -> tuple[float, bool]:
    """Share of the M_0.67 gradient pixels inside the swatch, and whether LIME's selected segments touch it."""
    swatch = ex["mask"][i, 0] < 0.5
    sel = top_mask(torch.from_numpy(ex["saliency"][i:i + 1])).numpy()[0, 0]
    share = float((sel & swatch).sum() / max(sel.sum(), 1))
    return share, bool((ex["lime_mask"][i].astype(bool) & swatch).any())


def kept_fraction(grads: torch.Tensor, c: float | None = None) -> float:
    """The mean share of gradient elements M_c keeps (the paper: 2-5% at c = 0.67)."""
    return float(top_mask(grads, c).flatten(1).float().mean())


def fae_rule_shares(grads: np.ndarray) -> pd.DataFrame:
    """Fig 4: per iteration, the corners / top-middle shares of M_0.67 elements (gradients from
    :func:`~.training.fae_gradients`)."""
    corners, top = rule_mask("corners"), rule_mask("top_middle")
    rows = []
    for i, g in enumerate(grads):
        g = torch.from_numpy(g)
        rows.append({"iteration": i, "corners": float(np.mean([region_share(x, corners) for x in g])),
                     "top_middle": float(np.mean([region_share(x, top) for x in g]))})
    return pd.DataFrame(rows)
