"""Empirical risk minimisation: the "no explanation" baseline of all three papers."""
from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from ..data.base import Batch
from ..models.stacked import StackedModel
from .base import Method, per_seed_cross_entropy


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
