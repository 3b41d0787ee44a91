"""IBP-Ex and IBP-Ex+RRR: the worst case of Eq. 2 bounded by interval bound propagation (IBP-Ex paper, Sec. 3).

IBP-Ex (Eq. 3) propagates the box [x - eps*m, x + eps*m] (m = 1 - e(x), the irrelevant region)
through the network (:mod:`mlxbook.methods.ibp`) and trains on the worst-case logits f~ = l * onehot(y) +
u * (1 - onehot(y)), whose cross-entropy bounds the loss anywhere in the box from above:

    loss = alpha * CE(f(x), y) + (1 - alpha) * CE(f~, y).

Schedules (Sec. 5.1.3, after Gowal et al., 2018): alpha falls linearly 1 -> ``alpha_end`` (0.5) and eps
rises linearly 0 -> ``eps_max``. The public code (vihari/robust_mlx) ramps both over all of training,
one step per epoch; we ramp continuously in ``progress`` over the first ``warmup`` fraction of training
(1.0 = all of it, as the public code) and hold the end values after.

Where we follow Eq. 3 rather than the public code: both terms are means over all examples, so an
example without an explanation (m = 0, a point box) adds its clean CE to the second term; the public
code averages the second term over annotated examples only and drops it for a batch without any.
On data where every example is annotated the two agree.

IBP-Ex+RRR (Eq. 4) adds lam * R(theta). The paper writes R as RRR's squared L2 norm (Eq. 1); we take
the public code's penalty, the L1 norm |d(sum of logits)/dx * m| summed over the features, with lam = 1
as in the paper, but average it over the batch like the cross-entropy beside it (RRR's Eq. 1 sums both
over examples: the same ratio). The public code sums it over the batch, which weighs it batch-size
times more against the mean cross-entropy; on Decoy-Digits that made every IBP-Ex+RRR model predict a
single class (test accuracy 0.10 vs 0.49 with the mean; 1,097 images, 20 epochs, eps_max 1, one seed).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..data.base import Batch
from ..errors import ConfigError, check_float, check_int
from ..models.stacked import StackedModel
from .base import Method, per_seed_cross_entropy
from .ibp import certified, interval_bounds, masked_box, worst_case_logits


def logit_bounds(model: StackedModel, x: Tensor, irrelevant: Tensor, eps: float) -> tuple[Tensor, Tensor]:
    """Interval bounds (l, u), each (S, B, C), on the logits over the box [x - eps*m, x + eps*m] (Eq. 3)."""
    lower, upper = masked_box(x, irrelevant, eps)
    return model.apply(lambda net, lo, up: interval_bounds(net.sequential(), lo, up), lower, upper)


@dataclass
class IBPEx(Method):
    """alpha * CE(clean) + (1 - alpha) * CE(worst case in the masked eps-box) (Eq. 3).

    ``eps_max = 1.0`` lies in the paper's range 0.01-2 (it took "the maximum possible value ... that
    converges"; the public code's decoy-MNIST setting uses 1); ``alpha_end = 0.5`` is the paper's.
    """

    eps_max: float = 1.0
    alpha_end: float = 0.5
    warmup: float = 1.0

    name = "ibp_ex"

    def __post_init__(self):
        super().__post_init__()
        self.eps_max = check_float("eps_max", self.eps_max, low=0.0)
        self.alpha_end = check_float("alpha_end", self.alpha_end, low=0.0, high=1.0)
        self.warmup = check_float("warmup", self.warmup, low=0.0, high=1.0)
        if self.warmup == 0.0:
            raise ConfigError("warmup=0.0 is out of range; allowed: 0 < warmup <= 1 (a fraction of training)")

    def ramp(self, progress: float) -> float:
        """How far the schedules are, in [0, 1]: progress / warmup, held at 1 after the warm-up."""
        return min(max(progress, 0.0) / self.warmup, 1.0)

    def alpha(self, progress: float) -> float:
        """Weight of the clean loss: 1 at the start, ``alpha_end`` once the warm-up is over."""
        r = self.ramp(progress)
        return (1.0 - r) + r * self.alpha_end  # exact at both ends

    def eps(self, progress: float) -> float:
        """Box radius: 0 at the start, ``eps_max`` once the warm-up is over."""
        return self.eps_max * self.ramp(progress)

    def worst_case(self, model: StackedModel, batch: Batch, eps: float) -> Tensor:
        """The worst-case logits f~ (S, B, C) over the masked box of radius ``eps`` (Eq. 3)."""
        lower, upper = logit_bounds(model, batch.x, batch.irrelevant, eps)
        worst = worst_case_logits(lower.flatten(0, 1), upper.flatten(0, 1), batch.y.flatten())
        return worst.view(lower.shape)

    def objective(self, model: StackedModel, batch: Batch, progress: float, logits: Tensor) -> Tensor:
        """Eq. 3 per seed, given the clean logits f(x) (so that IBP-Ex+RRR can reuse its forward pass)."""
        alpha = self.alpha(progress)
        robust = per_seed_cross_entropy(self.worst_case(model, batch, self.eps(progress)), batch.y)
        return alpha * per_seed_cross_entropy(logits, batch.y) + (1.0 - alpha) * robust

    def loss(self, model: StackedModel, batch: Batch, progress: float) -> Tensor:
        return self.objective(model, batch, progress, model(batch.x))


@dataclass
class IBPExRRR(IBPEx):
    """IBP-Ex plus lam * mean over the batch of sum |d(sum of logits)/dx * m| (Eq. 4 with the public code's L1 penalty).

    ``lam = 1.0``: the paper sets it to 1 for all experiments.
    """

    lam: float = 1.0

    name = "ibp_ex_rrr"

    def __post_init__(self):
        super().__post_init__()
        self.lam = check_float("lam", self.lam, low=0.0)

    def loss(self, model: StackedModel, batch: Batch, progress: float) -> Tensor:
        with torch.enable_grad():  # the penalty needs input gradients even when evaluated under no_grad
            x = batch.x.detach().requires_grad_(True)
            logits = model(x)
            # each (seed, example) logit depends on its own input only: this is the per-example gradient
            (grad,) = torch.autograd.grad(logits.sum(), x, create_graph=True)
        penalty = (grad * batch.irrelevant).abs().flatten(2).sum(2).mean(1)  # (S, B, ...) -> per seed
        return self.objective(model, batch, progress, logits) + self.lam * penalty


@torch.no_grad()
def certified_fraction(model: StackedModel, x: Tensor, irrelevant: Tensor, y: Tensor, eps: float,
                       batch_size: int = 512) -> Tensor:
    """Per seed (S,), the share of examples whose prediction is y everywhere in the masked eps-box.

    ``x`` (N, ...), ``irrelevant`` like x and ``y`` (N,) are one data set shared by all seeds (e.g.
    ``data.x, data.irrelevant, data.y``) on the model's device; ``batch_size`` bounds the memory. An
    example is certified when the true class's lower logit bound beats every other class's upper bound
    (:func:`mlxbook.methods.ibp.certified`); at eps = 0 this is plain (tie-free) accuracy.
    """
    check_float("eps", eps, low=0.0)
    check_int("batch_size", batch_size, low=1)
    s = model.n_seeds

    def stack(t: Tensor) -> Tensor:  # the same data for every seed
        return t.unsqueeze(0).expand(s, *t.shape)

    hits = torch.zeros(s, device=x.device)
    for start in range(0, len(y), batch_size):
        xb, mb, yb = (t[start:start + batch_size] for t in (x, irrelevant, y))
        lower, upper = logit_bounds(model, stack(xb), stack(mb), eps)
        ok = certified(lower.flatten(0, 1), upper.flatten(0, 1), stack(yb).flatten())
        hits += ok.view(s, -1).sum(1)
    return hits / len(y)
