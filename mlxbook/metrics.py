"""Evaluation metrics of the reproduced papers.

* Robust Learning from Explanations (IBP-Ex), Sec. 5: "Avg Acc" is accuracy macro-averaged
  over labels (:func:`macro_accuracy`); "Wg" is worst-group accuracy
  (:func:`worst_group_accuracy`; ISIC groups: no-patch non-cancer, patch non-cancer, cancer;
  Plant and Decoy-MNIST: one group per label).
* Two-stage MLX paper, Sec. 3.3 and Table 2: pairwise prediction agreement of models trained
  with different seeds (:func:`pairwise_agreement`, :func:`mean_pairwise_agreement`).

Every function accepts torch tensors or numpy arrays (or anything ``numpy.asarray`` takes).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def _as_tensor(values) -> Tensor:
    if isinstance(values, Tensor):
        return values.detach().cpu()
    return torch.as_tensor(np.asarray(values))


def _labels(name: str, values) -> Tensor:
    t = _as_tensor(values)
    if t.dim() != 1:
        raise ValueError(
            f"{name} must be 1-D (one label per example); got shape {tuple(t.shape)}"
            + (" - take argmax over the class axis of logits first" if t.dim() == 2 else "")
        )
    return t


def _pred_y(pred, y, groups=None) -> tuple[Tensor, ...]:
    arrays = {"pred": _labels("pred", pred), "y": _labels("y", y)}
    if groups is not None:
        arrays["groups"] = _labels("groups", groups)
    lengths = {name: len(t) for name, t in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"lengths differ: {lengths}")
    if lengths["y"] == 0:
        raise ValueError("no examples: pred and y are empty")
    return tuple(arrays.values())


def accuracy(pred, y) -> float:
    """Share of examples with pred == y."""
    pred, y = _pred_y(pred, y)
    return (pred == y).double().mean().item()


def macro_accuracy(pred, y) -> float:
    """Mean over the classes present in y of the per-class recall (the IBP-Ex paper's
    "macro-averaged accuracy", reported as Avg Acc)."""
    pred, y = _pred_y(pred, y)
    return float(np.mean([(pred[y == c] == c).double().mean().item() for c in torch.unique(y)]))


def group_accuracies(pred, y, groups) -> dict[int, float]:
    """Accuracy within each group id present in ``groups`` (sorted by id)."""
    pred, y, groups = _pred_y(pred, y, groups)
    return {int(g): (pred[groups == g] == y[groups == g]).double().mean().item() for g in torch.unique(groups)}


def worst_group_accuracy(pred, y, groups) -> float:
    """The lowest of :func:`group_accuracies` (the IBP-Ex paper's Wg accuracy)."""
    return min(group_accuracies(pred, y, groups).values())


def pairwise_agreement(preds) -> Tensor:
    """Agreement matrix (S, S), float64: entry (i, j) is the share of test points on which
    models i and j predict the same label. ``preds`` has shape (S, N): one row of predicted
    labels per model (S >= 2). Symmetric with ones on the diagonal."""
    preds = _as_tensor(preds)
    if preds.dim() != 2:
        raise ValueError(f"preds must have shape (S models, N examples); got {tuple(preds.shape)}")
    if preds.shape[0] < 2:
        raise ValueError(f"agreement needs at least 2 models; got {preds.shape[0]}")
    if preds.shape[1] == 0:
        raise ValueError("no examples: preds has 0 columns")
    return (preds[:, None, :] == preds[None, :, :]).double().mean(dim=2)


def mean_pairwise_agreement(preds) -> float:
    """Mean of :func:`pairwise_agreement` over model pairs i < j (two-stage paper, Table 2)."""
    agreement = pairwise_agreement(preds)
    i, j = torch.triu_indices(*agreement.shape, offset=1)
    return agreement[i, j].mean().item()
