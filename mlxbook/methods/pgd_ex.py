"""PGD-Ex: the worst case of Eq. 2 approximated by projected gradient ascent (IBP-Ex paper, Sec. 3).

Eq. 2 asks for max over ||delta||_inf <= eps of the loss at x + delta * m, m = 1 - e(x) the irrelevant
region: a box around x that only the irrelevant features may leave. PGD (Madry et al., 2017) climbs
the loss by signed-gradient steps and projects back into the box after each. As in the public code
(vihari/robust_mlx): ``iters`` = 7 steps (Sec. 5.1.3) of size eps / iters from x itself (no random
start), the box not clipped to the data range, and the loss CE(clean) + CE(adversarial) rather than
Eq. 2's alpha-weighting. The paper picks eps from 0.03-5 (Appendix E: 0.03, 0.3, 1, 3, 5).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..data.base import Batch
from ..errors import check_float, check_int
from ..models.stacked import StackedModel
from .base import Method, per_seed_cross_entropy


@dataclass
class PGDEx(Method):
    """CE(x) + CE(x_adv), x_adv from :meth:`attack`; ``step_size`` None means eps / iters (public code).

    ``eps = 1.0`` is a point of the paper's grid (0.03, 0.3, 1, 3, 5); ``iters = 7`` is the paper's.
    """

    eps: float = 1.0
    iters: int = 7
    step_size: float | None = None

    name = "pgd_ex"

    def __post_init__(self):
        super().__post_init__()
        self.eps = check_float("eps", self.eps, low=0.0)
        self.iters = check_int("iters", self.iters, low=1)
        if self.step_size is not None:
            self.step_size = check_float("step_size", self.step_size, low=0.0)

    def attack(self, model: StackedModel, batch: Batch) -> Tensor:
        """The adversarial input x_adv (detached), inside [x - eps*m, x + eps*m] and equal to x where m = 0.

        Each step differentiates the clean loss with respect to the input only (no parameter gradients
        are computed or accumulated), moves by step_size * sign(gradient) and clamps back into the box.
        """
        step = self.eps / self.iters if self.step_size is None else self.step_size
        radius = self.eps * batch.irrelevant
        lower, upper = batch.x - radius, batch.x + radius
        x_adv = batch.x.detach()
        with torch.enable_grad():
            for _ in range(self.iters):
                x_adv.requires_grad_(True)
                cost = per_seed_cross_entropy(model(x_adv), batch.y).sum()  # seeds do not interact
                (grad,) = torch.autograd.grad(cost, x_adv)
                x_adv = torch.clamp(x_adv.detach() + step * grad.sign(), lower, upper).detach()
        return x_adv

    def loss(self, model: StackedModel, batch: Batch, progress: float) -> Tensor:
        x_adv = self.attack(model, batch)
        return per_seed_cross_entropy(model(batch.x), batch.y) + per_seed_cross_entropy(model(x_adv), batch.y)
