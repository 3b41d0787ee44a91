"""Right for the Right Reasons (Ross et al., 2017): penalise input gradients in the irrelevant region.

The two-stage paper's "Grad Reg" baseline is this method with A = 1 - e(x) (its explanations mark the
relevant region; RRR's annotation marks the irrelevant one).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..data.base import Batch
from ..errors import check_choice, check_float
from ..models.stacked import StackedModel
from .base import Method, per_seed_cross_entropy

REDUCTIONS = ("mean", "sum")
GRADIENTS = ("log_probs", "logits_norm")
"""The two RRR penalties: dtak/rrr's squared gradient of the summed log-probabilities, and the IBP-Ex
paper's public code's per-example (unsquared) L2 norm of the masked gradient of the summed logits."""


@dataclass
class RRR(Method):
    """CE + lam * sum_d (A_d * d/dx_d sum_k log p_k)^2 + l2 * sum theta^2 (RRR Sec. 2.1; the two-stage paper's Eq. 1).

    As in the paper and its code (dtak/rrr), the gradient is that of the sum over classes of the
    log-probabilities, masked by the annotation A = ``batch.irrelevant`` (zero on examples without an
    explanation, so they add cross-entropy only) and squared. Both *sum* the cross-entropy and the
    penalty over the examples; ``reduction="mean"`` (default) averages both instead, so that lam does
    not scale with the batch size (the ratio of the two terms is the same either way); ``"sum"``
    reproduces the code. The L2 term is added once per batch in both cases; dtak/rrr uses
    l2 = 1e-4 with sums, i.e. about 1e-4 / B with means. (For Adam and SGD, l2 is the same update as
    ``weight_decay = 2 * l2``; l2 also shows in the logged loss.)

    ``gradient="logits_norm"`` is the RRR row of "Robust Learning from Explanations" (its Eq. 1 R(theta),
    as its public code computes it): lam * || A * d/dx sum_k f_k(x) ||_2 per example, unsquared.

    Input scale: our images lie in [0, 1], dtak/rrr's in [0, 255]. Input gradients scale as 1 / scale,
    so the squared penalty here is 255**2 = 65025 times that of the same model on 0..255 inputs:
    dtak/rrr's lam = 1000 corresponds to lam ~= 1000 / 65025 ~= 0.015 here. Default lam = 0.001, the
    two-stage paper's Grad Reg value for its synthetic images (App. B.1, with Adam 0.01), chosen there
    to keep both terms of similar size.
    """

    lam: float = 0.001
    l2: float = 0.0
    reduction: str = "mean"
    gradient: str = "log_probs"

    name = "rrr"

    def __post_init__(self):
        super().__post_init__()
        check_float("lam", self.lam, low=0.0)
        check_float("l2", self.l2, low=0.0)
        check_choice("reduction", self.reduction, REDUCTIONS)
        check_choice("gradient", self.gradient, GRADIENTS)

    def loss(self, model: StackedModel, batch: Batch, progress: float) -> Tensor:
        x = batch.x.detach().requires_grad_(True)
        logits = model(x)
        # Every (seed, example) output depends on its own input only: the gradient of the total is
        # the per-example input gradient.
        if self.gradient == "log_probs":
            (grad,) = torch.autograd.grad(torch.log_softmax(logits, -1).sum(), x, create_graph=True)
            penalty = (batch.irrelevant * grad).pow(2).flatten(2).sum(2)
        else:
            (grad,) = torch.autograd.grad(logits.sum(), x, create_graph=True)
            squares = (batch.irrelevant * grad).pow(2).flatten(2).sum(2)
            nonzero = squares > 0  # the norm's gradient at 0 (examples without an explanation) is taken as 0
            penalty = torch.where(nonzero, torch.where(nonzero, squares, torch.ones_like(squares)).sqrt(), 0.0)
        penalty = penalty.mean(1) if self.reduction == "mean" else penalty.sum(1)
        loss = per_seed_cross_entropy(logits, batch.y, self.reduction) + self.lam * penalty
        if self.l2:
            loss = loss + self.l2 * sum(p.pow(2).flatten(1).sum(1) for p in model.named())
        return loss
