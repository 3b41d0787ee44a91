"""CoRM: train on copies whose irrelevant features carry Gaussian noise (IBP-Ex paper, Sec. 5.1.3).

The IBP-Ex paper's noise baseline (after Singla et al., 2022, "core risk minimisation"): instead of
the worst case of Eq. 2, the irrelevant features are perturbed at random, x~ = x + m * N(0, sigma^2)
with m = 1 - e(x) the irrelevant region. As in the public code (vihari/robust_mlx) the loss is
CE(clean) + CE(noisy), both batch means; the paper's grid for sigma is [0.03, 0.3, 1, 1.5, 2].
"""
from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from ..data.base import Batch
from ..errors import check_float, check_int
from ..models.stacked import StackedModel
from .base import Method, per_seed_cross_entropy


@dataclass
class CoRM(Method):
    """CE(x) + CE(x + m * N(0, sigma^2)); ``n_samples`` > 1 averages the noisy term over that many draws.

    ``sigma = 1.0`` is the middle of the paper's grid; ``n_samples = 1`` is the public code. Each
    seed draws its noise from its own generator (:meth:`StackedModel.randn_like`), so a run is
    reproducible and a seed gets the same noise whether it trains alone or stacked with others.
    """

    sigma: float = 1.0
    n_samples: int = 1

    name = "corm"

    def __post_init__(self):
        super().__post_init__()
        self.sigma = check_float("sigma", self.sigma, low=0.0)
        self.n_samples = check_int("n_samples", self.n_samples, low=1)

    def perturb(self, model: StackedModel, batch: Batch) -> Tensor:
        """One noisy copy x + m * N(0, sigma^2) of ``batch.x``; relevant and unannotated features stay put."""
        return batch.x + batch.irrelevant * self.sigma * model.randn_like(batch.x)

    def loss(self, model: StackedModel, batch: Batch, progress: float) -> Tensor:
        clean = per_seed_cross_entropy(model(batch.x), batch.y)
        noisy = sum(per_seed_cross_entropy(model(self.perturb(model, batch)), batch.y) for _ in range(self.n_samples))
        return clean + noisy / self.n_samples
