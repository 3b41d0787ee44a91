"""Multilayer perceptrons: RRR's network (Right for the Right Reasons, Sec. 4) and the IBP-Ex 2D demo's FFN.

RRR: "a multilayer perceptron with two hidden layers of size 50 and 30, ReLU nonlinearities with a
softmax output" (the softmax lives in the loss; the model returns logits). The IBP-Ex theory demo uses an
FFN with 3 hidden layers of 50 units: ``MLP(2, hidden=(50, 50, 50))``.
"""
from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from ..errors import check_int
from .composed import ComposedModel, check_widths, mapping_layer


class MLP(ComposedModel):
    """f = Flatten, then [Linear -> ReLU] per hidden width; m = mapping layer (off by default); c = Linear(N, n_classes).

    Inputs of any shape (B, ...) with ``in_features`` elements per example are flattened first, so
    images and tabular rows both work. N = hidden[-1] (``in_features`` when ``hidden`` is empty, which
    gives a linear model).
    """

    def __init__(
        self, in_features: int, hidden: Sequence[int] = (50, 30), n_classes: int = 2, mapping: bool = False,
    ):
        check_int("in_features", in_features, low=1)
        hidden = check_widths("hidden", hidden, allow_empty=True)
        check_int("n_classes", n_classes, low=2)
        layers, n = [nn.Flatten()], in_features
        for width in hidden:
            layers += [nn.Linear(n, width), nn.ReLU()]
            n = width
        super().__init__(nn.Sequential(*layers), mapping_layer(n, mapping), nn.Sequential(nn.Linear(n, n_classes)))
