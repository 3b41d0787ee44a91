"""The networks of Robust Learning from Explanations (IBP-Ex; Sec. 5 "Network details" and Appendix D).

The paper: "four-layer CNN followed by three fully connected layers" for ISIC and Plant, and
"three-fully connected layers for multi classification on decoy-MNIST ... with 512 hidden dimension and
3 channels". Appendix D prints both, under swapped headings: the CNN printed under "decoy-MNIST" has a
200704 = 64 * 56 * 56 input to its first FC layer (224x224 images, i.e. Plant) and 2 outputs, and the
FFN printed under "ISIC" has 2352 = 3 * 28 * 28 inputs and 10 outputs (decoy-MNIST). The public code
(vihari/robust_mlx) agrees: ``four_layer_cnn`` with width 8 (32, 32, 64, 64 channels) and
``ffn`` with 3 hidden layers of 512 for decoy-MNIST.
"""
from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from ..errors import check_int
from .composed import ComposedModel, check_image, check_widths, mapping_layer
from .mlp import MLP


class HeoCNN(ComposedModel):
    """The IBP-Ex "4 conv + 3 FC" CNN; f = the convolutions and Flatten, c = the three FC layers.

    f alternates Conv2d 3x3 stride 1 pad 1 and Conv2d 4x4 stride 2 pad 1 (each followed by ReLU) over
    ``widths``, as printed in Appendix D (32, 32, 64, 64), so every second layer halves the image side;
    c = [Linear -> ReLU] per ``hidden`` width, then Linear(., n_classes). Defaults fit the book's 1x28x28
    decoy-MNIST (the public code's ``cmnist`` setting: 28x28, FC width 512, 10 classes; it stacks
    3 identical channels). The paper's printout has FC width 1024 and 2 outputs at 224x224 (Plant):
    ``HeoCNN(3, 224, hidden=(1024, 1024), n_classes=2)``. No mapping layer by default (IBP-Ex has none).
    """

    def __init__(
        self, in_channels: int = 1, image_size: int = 28, widths: Sequence[int] = (32, 32, 64, 64),
        hidden: Sequence[int] = (512, 512), n_classes: int = 10, mapping: bool = False,
    ):
        widths = check_widths("widths", widths)
        hidden = check_widths("hidden", hidden, allow_empty=True)
        halvings = len(widths) // 2
        check_image(in_channels, image_size, 2 ** halvings, f"{halvings} stride-2 conv layers halve it")
        check_int("n_classes", n_classes, low=2)
        convs, channels = [], in_channels
        for i, width in enumerate(widths):
            kernel, stride = (3, 1) if i % 2 == 0 else (4, 2)
            convs += [nn.Conv2d(channels, width, kernel, stride=stride, padding=1), nn.ReLU()]
            channels = width
        side = image_size // 2 ** halvings
        n = channels * side * side
        fcs, size = [], n
        for width in hidden:
            fcs += [nn.Linear(size, width), nn.ReLU()]
            size = width
        fcs.append(nn.Linear(size, n_classes))
        super().__init__(nn.Sequential(*convs, nn.Flatten()), mapping_layer(n, mapping), nn.Sequential(*fcs))


class HeoMLP(MLP):
    """The IBP-Ex decoy-MNIST FFN: Flatten -> 3 x [Linear 512 -> ReLU] -> Linear(512, 10) (Appendix D).

    ``in_features`` defaults to 784 for the book's 1-channel decoy-MNIST; the paper and its code stack
    3 identical channels (2352 inputs), which ``in_features=2352`` on 3-channel data reproduces.
    """

    def __init__(
        self, in_features: int = 784, hidden: Sequence[int] = (512, 512, 512), n_classes: int = 10,
        mapping: bool = False,
    ):
        super().__init__(in_features, hidden, n_classes, mapping)
