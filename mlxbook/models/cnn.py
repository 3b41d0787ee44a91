"""The CNNs of the two-stage paper (Machine Learning from Explanations, Appendix B).

Synthetic data (B.1): "a CNN with 3 convolutional layers and 1 FC layer"; Bird (B.2): "a simple CNN
with 2 convolutional layers and 1 FC layer". The paper gives no kernel sizes, widths or pooling; we use
the common conv 3x3 (padding 1) -> ReLU -> max-pool block, pooling by 2 (synthetic data: each layer
halves the image side) or by 4 (Bird, to keep the mapping layer small; see :class:`BirdCNN`).
"""
from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from ..errors import check_int
from .composed import ComposedModel, check_image, check_widths, mapping_layer


class ConvPoolCNN(ComposedModel):
    """f = len(widths) x [Conv2d 3x3 pad 1 -> ReLU -> MaxPool2d pool], Flatten; m = mapping layer; c = Linear(N, n_classes).

    N = widths[-1] * (image_size / pool**len(widths))**2. ``mapping=True`` inserts the identity-initialised
    ``nn.Linear(N, N)`` of :func:`~mlxbook.models.composed.mapping_layer`; False gives ``nn.Identity()``.
    """

    def __init__(
        self, in_channels: int, image_size: int, widths: Sequence[int], n_classes: int = 2, mapping: bool = True,
        pool: int = 2,
    ):
        widths = check_widths("widths", widths)
        check_int("pool", pool, low=2)
        check_image(in_channels, image_size, pool ** len(widths),
                    f"each of the {len(widths)} conv layers divides it by pool={pool}")
        check_int("n_classes", n_classes, low=2)
        layers, channels = [], in_channels
        for width in widths:
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(pool)]
            channels = width
        side = image_size // pool ** len(widths)
        n = channels * side * side
        super().__init__(nn.Sequential(*layers, nn.Flatten()), mapping_layer(n, mapping), nn.Sequential(nn.Linear(n, n_classes)))


class ShapeCNN(ConvPoolCNN):
    """The "3 conv + 1 FC" CNN for the synthetic triangle and fox-vs-cat images (64x64 grey, App. A.1-A.2, B.1).

    Widths (16, 32, 32) are our choice; at 64x64 N = 32 * 8 * 8 = 2048.
    """

    def __init__(
        self, in_channels: int = 1, image_size: int = 64, widths: Sequence[int] = (16, 32, 32),
        n_classes: int = 2, mapping: bool = True,
    ):
        super().__init__(in_channels, image_size, widths, n_classes, mapping)


class BirdCNN(ConvPoolCNN):
    """The "2 conv + 1 FC" CNN for the Bird images (RGB, App. A.3, B.2; the paper gives no size of any kind).

    Our choices: 64x64 inputs, widths (16, 32) and max-pooling by 4 after each conv layer, so
    N = 32 * (64 / 16)**2 = 512 features and m has 512**2 + 512 (about 263 thousand) parameters
    (N = 128 at 32x32). With the synthetic CNN's pooling by 2, N would be 32 * 16 * 16 = 8192 and m alone
    would hold 8192**2 + 8192, about 67 million parameters: 268 MB of weights (and as much again for each
    Adam moment), for a model meant to be "simpler [...] to reduce the chance of overfitting" on 30-60
    training images (B.2). Pooling by 4 keeps N the same order as the synthetic CNN's at 32x32 (N = 512).
    """

    def __init__(
        self, in_channels: int = 3, image_size: int = 64, widths: Sequence[int] = (16, 32),
        n_classes: int = 2, mapping: bool = True, pool: int = 4,
    ):
        super().__init__(in_channels, image_size, widths, n_classes, mapping, pool)
