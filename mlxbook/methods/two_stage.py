"""The two-stage optimisation of Machine Learning from Explanations (Algorithm 1) and its Table 3 ablations.

h = c ∘ m ∘ f. Stage 1 takes a cross-entropy step on the whole model (Alg. 1, lines 1-2); stage 2 pulls
the mapped features of x towards the features of the explanation alone, x' = x ⊙ e(x), with the
feature misalignment loss of Eq. 3 and updates the mapping layer m only (lines 3-7).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from ..data.base import Batch
from ..errors import ConfigError, check_float
from ..models.stacked import StackedModel
from .base import Method, make_optimizer, per_seed_cross_entropy


def feature_loss(model: StackedModel, batch: Batch, grad_to_f: bool) -> Tensor:
    """L_feat = KL(softmax(f(x ⊙ e(x))) || softmax(m(f(x)))) per seed, shape (S,) (Eq. 3; Alg. 1, lines 3-6).

    The softmax runs over the whole flattened feature vector (the paper's N is "the size of the latent
    features"). The target x'_feat is a constant; f(x) passes the gradient to f only if ``grad_to_f``
    (otherwise only m learns from this loss). Per seed, the KL divergence is summed over the N features
    and averaged over the examples that carry an explanation (``has_mask``); it is 0, with a zero
    gradient, for a seed whose batch has none.
    """
    if grad_to_f and torch.is_grad_enabled():
        with torch.no_grad():
            target = torch.softmax(model.part("f", batch.x * batch.mask).flatten(2), -1)
        features = model.part("f", batch.x)
    else:  # neither needs a gradient: one forward pass of f over x' and x together
        with torch.no_grad():
            masked, features = model.part("f", torch.cat([batch.x * batch.mask, batch.x], 1)).chunk(2, 1)
            target = torch.softmax(masked.flatten(2), -1)
    log_mapped = torch.log_softmax(model.part("m", features).flatten(2), -1)
    kl = torch.nn.functional.kl_div(log_mapped, target, reduction="none").sum(-1)
    keep = batch.has_mask.bool()
    return torch.where(keep, kl, 0.0).sum(1) / keep.sum(1).clamp(min=1)


def require_mapping(model: StackedModel, method: str, wanted: bool) -> None:
    """Raise a ConfigError unless the model has (``wanted``) or lacks a mapping layer m."""
    if bool(model.named("m")) != wanted:
        which = "with" if wanted else "without"
        raise ConfigError(f"method {method!r} needs a model {which} a mapping layer m; build it with mapping={wanted}")


@dataclass
class TwoStage(Method):
    """Algorithm 1: per batch, a CE step on all parameters (lr eta1), then an L_feat step on m (lr eta2).

    ``optimizers`` gives [opt1 over all parameters, opt2 over m's]; both of kind ``optimizer`` (Adam
    on the synthetic data, SGD on Bird, App. B) and with ``weight_decay`` (the paper uses none). Stage 2
    sees the model after stage 1's update. The logged loss is stage 1's CE plus stage 2's L_feat.

    Learning rates (App. B): eta1 = eta2 = 0.001 with balanced, clean data (the defaults); eta2 = 0.01
    with class imbalance or spurious features (synthetic data and Bird alike); the caller chooses.
    ``lr`` is not a parameter here: it mirrors eta1.

    Sparse explanations (Sec. 3.1, explanations on the minority class only) need no other method:
    examples with ``has_mask`` False are left out of L_feat. Seeds are stacked in shared tensors, so
    opt2 steps every batch; a seed whose batch has no explanation gets a zero gradient, which leaves m
    unchanged under SGD and moves it only by its running momentum under Adam (as a single-seed run
    that always calls opt2.step() would).
    """

    lr: float = field(default=0.001, init=False, repr=False)
    eta1: float = 0.001
    eta2: float = 0.001

    name = "two_stage"
    stage2_part = "m"

    def __post_init__(self):
        check_float("eta1", self.eta1, low=0.0)
        check_float("eta2", self.eta2, low=0.0)
        self.lr = self.eta1
        super().__post_init__()

    def optimizers(self, model: StackedModel) -> list[torch.optim.Optimizer]:
        require_mapping(model, self.name, self.stage2_part == "m")
        return [
            make_optimizer(self.optimizer, model.named(), self.eta1, self.weight_decay),
            make_optimizer(self.optimizer, model.named(self.stage2_part), self.eta2, self.weight_decay),
        ]

    def step(self, model: StackedModel, batch: Batch, optimizers: list[torch.optim.Optimizer],
             progress: float) -> Tensor:
        """One minibatch of Algorithm 1: lines 1-2 (stage 1), then lines 3-7 on the updated model (stage 2)."""
        opt1, opt2 = optimizers
        opt1.zero_grad(set_to_none=True)
        ce = per_seed_cross_entropy(model(batch.x), batch.y)  # line 1: L_CE of h(x) and y
        ce.sum().backward()
        opt1.step()  # line 2: theta_h <- theta_h - eta1 grad L_CE (every parameter)
        opt1.zero_grad(set_to_none=True)  # opt1 holds every parameter: clears stage 1's gradients
        # lines 3-6: x' = x * e(x); x'_feat = softmax(f(x')); x_feat = softmax(m(f(x))); L_feat = KL(x'_feat || x_feat)
        feat = feature_loss(model, batch, grad_to_f=self.stage2_part == "f")
        feat.sum().backward()
        opt2.step()  # line 7: theta_m <- theta_m - eta2 grad L_feat (the mapping layer only)
        return (ce + feat).detach()


@dataclass
class TwoStageNoMapping(TwoStage):
    """Table 3's "No Mapping Layer" ablation: the model has no m, so stage 2 updates f (lr eta2).

    Stage 2 minimises KL(softmax(f(x ⊙ e(x))) || softmax(f(x))) with the target still a constant;
    "otherwise it will be backpropagated to all convolutional layers" (App. C). Build the model with
    ``mapping=False``; f and c then start from the same weights as the model with m (m draws no
    random numbers).
    """

    name = "two_stage_no_mapping"
    stage2_part = "f"


@dataclass
class JointFeature(Method):
    """Table 3's "Joint Opt" ablation: one optimiser, one step on CE + lam_feat * L_feat (Eq. 1 with Eq. 3).

    The model keeps its mapping layer; App. C says the joint scheme differs from Algorithm 1 only in
    computing L_feat before stage 1 has updated f, so by default L_feat reaches m only
    (``feature_to_f=False``) while CE reaches every parameter; ``feature_to_f=True`` lets L_feat reach f
    too. The paper gives neither the weight nor the learning rate: lam_feat = 1 (the plain sum) and
    lr = 0.001 (Algorithm 1's eta1 = eta2 for balanced, clean data, App. B.1) are our choices.
    """

    lr: float = 0.001
    lam_feat: float = 1.0
    feature_to_f: bool = False

    name = "two_stage_joint"

    def __post_init__(self):
        super().__post_init__()
        check_float("lam_feat", self.lam_feat, low=0.0)
        if not isinstance(self.feature_to_f, bool):
            raise ConfigError(f"feature_to_f={self.feature_to_f!r} must be True or False")

    def optimizers(self, model: StackedModel) -> list[torch.optim.Optimizer]:
        require_mapping(model, self.name, True)
        return super().optimizers(model)

    def loss(self, model: StackedModel, batch: Batch, progress: float) -> Tensor:
        ce = per_seed_cross_entropy(model(batch.x), batch.y)
        return ce + self.lam_feat * feature_loss(model, batch, grad_to_f=self.feature_to_f)
