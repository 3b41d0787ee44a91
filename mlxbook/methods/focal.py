"""Focal loss (Lin et al., 2017): the two-stage paper's labels-only baseline for imbalanced data (Sec. 3.1)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..data.base import Batch
from ..errors import ConfigError, check_float
from ..models.stacked import StackedModel
from .base import Method


@dataclass
class Focal(Method):
    """FL(p_t) = -alpha_t (1 - p_t)^gamma log p_t, averaged over the batch (Lin et al., Eqs. 4-5).

    p_t is the predicted probability of the true class. ``gamma`` down-weights confident examples;
    at gamma = 0 and ``alpha=None`` the loss is the cross-entropy. ``alpha`` (two classes only) is
    Lin et al.'s class weight: alpha_t = alpha for class 1 (the minority class of the two-stage paper's
    imbalanced data) and 1 - alpha for class 0. Defaults: gamma = 2, Lin et al.'s best value; no alpha,
    as the two-stage paper names none; Adam 0.01 as for its other labels-only runs (App. B.1).
    """

    gamma: float = 2.0
    alpha: float | None = None

    name = "focal"
    uses_explanations = False

    def __post_init__(self):
        super().__post_init__()
        check_float("gamma", self.gamma, low=0.0)
        if self.alpha is not None:
            check_float("alpha", self.alpha, low=0.0, high=1.0)

    def loss(self, model: StackedModel, batch: Batch, progress: float) -> Tensor:
        logits = model(batch.x)
        log_pt = torch.log_softmax(logits, -1).gather(-1, batch.y.unsqueeze(-1)).squeeze(-1)
        loss = -(1.0 - log_pt.exp()).pow(self.gamma) * log_pt
        if self.alpha is not None:
            if logits.shape[-1] != 2:
                raise ConfigError(f"alpha={self.alpha!r} needs two classes; the model has {logits.shape[-1]}")
            loss = torch.where(batch.y == 1, self.alpha, 1.0 - self.alpha) * loss
        return loss.mean(1)
