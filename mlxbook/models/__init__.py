"""Models of the three papers, each the composition h = c ∘ m ∘ f of :class:`ComposedModel`.

``build_model(name, **kwargs)`` builds one by name (see :data:`MODELS`); :data:`DEFAULTS_CHOSEN`
lists, per model, every default that the papers do not state and that we therefore chose.
Parameters keep PyTorch's default initialisation (seed with ``torch.manual_seed`` before building),
except the mapping layer m, which starts at the identity.
"""
from __future__ import annotations

import inspect

from ..errors import ConfigError, check_choice
from .cnn import BirdCNN, ConvPoolCNN, ShapeCNN
from .composed import ComposedModel, mapping_layer
from .heo import HeoCNN, HeoMLP
from .mlp import MLP

MODELS = {
    "shape_cnn": ShapeCNN,
    "bird_cnn": BirdCNN,
    "mlp": MLP,
    "heo_cnn": HeoCNN,
    "heo_mlp": HeoMLP,
}

_INIT = (
    "PyTorch's default initialisation (Kaiming-uniform weights, uniform biases), seeded by the caller; "
    "no paper states its initialisation"
)
_MAPPING_INIT = (
    "mapping layer m = Linear(N, N) initialised to the identity (weight I, bias 0) and drawing no random "
    "numbers; the paper does not say how m is initialised (see mlxbook.models.composed.mapping_layer)"
)

DEFAULTS_CHOSEN = {
    "shape_cnn": {
        "blocks": "3 x [Conv2d 3x3, padding 1 -> ReLU -> MaxPool2d 2]; the paper says only '3 convolutional layers and 1 FC layer' (App. B.1)",
        "widths": "16, 32, 32 channels (not given in the paper)",
        "input": "1 x 64 x 64 (the paper: grayscale, size 64, App. A.1-A.2); N = 32 * 8 * 8 = 2048 features",
        "classifier": "c = one Linear(N, 2), the paper's single FC layer",
        "mapping": _MAPPING_INIT,
        "init": _INIT,
    },
    "bird_cnn": {
        "blocks": "2 x [Conv2d 3x3, padding 1 -> ReLU -> MaxPool2d 4]; the paper says only '2 convolutional layers and 1 FC layer' (App. B.2)",
        "widths": "16, 32 channels (not given in the paper)",
        "pooling": "max-pool by 4 after each conv layer (by 2 as in shape_cnn would give N = 8192 at 64x64 and a 67-million-parameter m)",
        "input": "3 x 64 x 64 (the paper crops to the bird's box and resizes, size not given); N = 32 * 4 * 4 = 512 features, so m has about 263 thousand parameters",
        "classifier": "c = one Linear(N, 2), the paper's single FC layer",
        "mapping": _MAPPING_INIT,
        "init": _INIT,
    },
    "mlp": {
        "hidden": "50, 30 with ReLU, as RRR states (Sec. 4); the IBP-Ex 2D demo's FFN 3 x 50 is hidden=(50, 50, 50), as in the public code",
        "output": "logits; RRR's softmax is applied in the loss",
        "mapping": "none by default (neither RRR nor IBP-Ex has one); mapping=True adds the identity-initialised m on the last hidden layer",
        "init": _INIT,
    },
    "heo_cnn": {
        "convs": "32, 32, 64, 64 channels, alternating Conv2d 3x3 stride 1 and 4x4 stride 2 (padding 1), ReLU, as printed in App. D",
        "input": "1 x 28 x 28 (the book's decoy-MNIST); the paper's printout is for 3 x 224 x 224 (Plant); N = 64 * 7 * 7 = 3136",
        "hidden": "FC 512, 512 as the public code's 28x28 'cmnist' and ISIC settings; the paper's printout (Plant) uses 1024, 1024",
        "classes": "10 (decoy-MNIST); the paper's printout has 2 (ISIC and Plant are binary)",
        "mapping": "none by default (IBP-Ex has no mapping layer)",
        "init": _INIT,
    },
    "heo_mlp": {
        "layers": "Flatten -> 3 x [Linear 512 -> ReLU] -> Linear(512, 10), as printed in App. D (under the swapped 'ISIC' heading)",
        "input": "784 = 1 x 28 x 28 (the book's decoy-MNIST is 1-channel); the paper and its code stack 3 identical channels (2352)",
        "mapping": "none by default (IBP-Ex has no mapping layer)",
        "init": _INIT,
    },
}


def build_model(name: str, **kwargs) -> ComposedModel:
    """Build the model ``name`` (one of :data:`MODELS`) with that class's keyword arguments."""
    check_choice("name", name, MODELS)
    cls = MODELS[name]
    try:
        inspect.signature(cls).bind(**kwargs)
    except TypeError as err:
        allowed = ", ".join(inspect.signature(cls).parameters)
        raise ConfigError(f"bad arguments for model {name!r}: {err}; allowed: {allowed}") from None
    return cls(**kwargs)


__all__ = [
    "BirdCNN", "ComposedModel", "ConvPoolCNN", "DEFAULTS_CHOSEN", "HeoCNN", "HeoMLP", "MLP", "MODELS",
    "ShapeCNN", "build_model", "mapping_layer",
]
