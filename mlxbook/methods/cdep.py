"""CDEP: contextual decomposition explanation penalisation (Rieger et al., 2020, arXiv:1909.13584).

CDEP adds to the cross-entropy a penalty on the importance that contextual decomposition
(:mod:`mlxbook.methods.cd`; Murdoch et al., 2018) gives to the region that must not matter. Its paper
writes the penalty as an L1 distance between the CD score of that region and a target explanation
of zero; its public code (decoy MNIST, ISIC) computes, for every example and class, the softmax
over the pair (rel, irrel) of CD logits and averages the share of rel,
softmax(rel, irrel)[0] = sigmoid(rel - irrel). That share is the penalty we use.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..data.base import Batch
from ..errors import ConfigError, check_float
from ..models.stacked import StackedModel
from .base import Method, per_seed_cross_entropy
from .cd import cd


@dataclass
class CDEP(Method):
    """loss = CE + lam * mean over examples of mean over classes of sigmoid(rel - irrel).

    rel and irrel are the CD logits of the irrelevant region 1 - e(x) and of the rest. As in the
    CDEP code, the penalty falls when the region's logits drop below the rest's (not when they
    reach zero). Examples whose irrelevant region is empty, those without an explanation included,
    add zero; the sum over examples is divided by the batch size, like the cross-entropy, so with
    every example annotated it is the CDEP code's batch mean. ``lam`` defaults to 100, the middle of
    the IBP-Ex paper's grid [1, 10, 100, 1000] (Sec. 5.1.3); the CDEP code sweeps 1 to 1e4.
    """

    lam: float = 100.0

    name = "cdep"

    def __post_init__(self):
        super().__post_init__()
        self.lam = check_float("lam", self.lam, low=0.0)
        if not math.isfinite(self.lam):
            raise ConfigError(f"lam={self.lam!r} must be finite")

    def loss(self, model: StackedModel, batch: Batch, progress: float) -> Tensor:
        ce = per_seed_cross_entropy(model(batch.x), batch.y)
        region = batch.irrelevant
        active = region.flatten(2).any(-1)  # (S, B): examples with something to penalise
        if self.lam == 0 or not active.any():
            return ce
        rel, irrel = model.apply(lambda net, x, r: cd(net.sequential(), x, r), batch.x, region)
        share = torch.sigmoid(rel - irrel).mean(-1)  # (S, B): softmax over (rel, irrel), rel's entry
        penalty = (share * active.to(share.dtype)).sum(1) / batch.y.shape[1]
        return ce + self.lam * penalty
