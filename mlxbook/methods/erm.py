"""Empirical risk minimisation: the "no explanation" baseline of all three papers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from torch import Tensor

from .base import Batch, Method, per_seed_cross_entropy

if TYPE_CHECKING:  # the engine imports the methods, not the other way round
    from ..train.stacked import StackedModel


@dataclass
class ERM(Method):
    """Mean cross-entropy over the batch (the two-stage paper's Eq. 4 for two classes); labels only.

    Default: Adam with learning rate 0.01, the two-stage paper's setting for training without
    explanations on the synthetic data (App. B.1); its Bird runs use SGD 0.01 (App. B.2).
    """

    name = "erm"
    uses_explanations = False

    def loss(self, model: StackedModel, batch: Batch, progress: float) -> Tensor:
        return per_seed_cross_entropy(model(batch.x), batch.y)
