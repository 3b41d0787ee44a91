"""S models of one architecture trained as one computation: parameters stacked along a seed axis.

The seeds of a configuration differ only in their initial weights and data order, so their parameters
can be stacked into tensors of shape (S, ...) and the forward pass vectorised over the seed axis with
``torch.func.vmap``. Every seed's loss depends only on its own slice, so the gradient of the summed
loss is, slice by slice, each seed's own gradient; and Adam and SGD act element-wise, so one optimiser
over the stacked tensors is S independent optimisers. S = 1 is the plain per-seed model.

Memory layout: on the CPU, a single seed's convolution weights are handed to the template in the
``channels_last`` layout, so convolutions, ReLUs and max-pools run on NHWC tensors (oneDNN's fast
path). A copy of a 4-D weight costs nothing next to the convolution, gradients flow back through it to
the stacked tensor, and every value is the same function of the same weights; only the order of
floating-point sums inside a convolution differs. ``benchmarks/engine.py --part layout`` measures it
(about 1.6x on a forward pass and 1.3x on a training step of the shape CNNs at 32x32 and 64x64).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from torch.func import functional_call, stack_module_state, vmap


class StackedModel:
    """Stacked parameters of S copies of ``template`` (one per seed) and batched calls of its parts.

    Inputs carry the seed axis first: ``x`` of shape (S, B, ...) gives logits (S, B, C). ``part("f")``
    etc. call the named child module of the template (``f``, ``m``, ``c`` of a composed model).
    """

    def __init__(self, build: Callable[[], nn.Module], seeds: Sequence[int], device: torch.device | str = "cpu",
                 channels_last: bool | None = None):
        models = []
        for seed in seeds:
            torch.manual_seed(int(seed))
            models.append(build().to(device))
        params, buffers = stack_module_state(models)
        if buffers:
            raise ValueError(f"models with buffers cannot be stacked: {sorted(buffers)}")
        self.template = models[0].to("meta")
        self.params: dict[str, Tensor] = params
        self.seeds = list(seeds)
        # one noise stream per seed (CoRM), so a seed draws the same noise alone or stacked
        self.generators = [torch.Generator(device=device).manual_seed(int(seed)) for seed in seeds]
        #: hand a single seed's 4-D (convolution) weights to the template as channels_last (None: on the CPU)
        self.channels_last = torch.device(device).type == "cpu" if channels_last is None else channels_last

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    def named(self, *prefixes: str) -> list[Tensor]:
        """The stacked parameter tensors whose names start with one of ``prefixes`` (all if none)."""
        return [p for k, p in self.params.items() if not prefixes or k.split(".")[0] in prefixes]

    def apply(self, fn: Callable[..., Tensor], *args: Tensor):
        """``fn(net, *args)`` for every seed, ``net`` being the template holding that seed's parameters.

        Arguments and results carry the seed axis first. This is how methods reach inside the model:
        ``model.apply(lambda net, x: net.f(x), x)`` gives f(x); interval bounds go the same way.
        """
        wrapper = _Apply(self.template, fn)
        if self.n_seeds == 1:  # one seed: a plain call on slice 0 is faster than vmap over a size-1 axis
            out = functional_call(wrapper, {"net." + k: self._layout(v[0]) for k, v in self.params.items()},
                                  tuple(a[0] for a in args))
            return tuple(o.unsqueeze(0) for o in out) if isinstance(out, tuple) else out.unsqueeze(0)
        params = {"net." + k: v for k, v in self.params.items()}
        return vmap(lambda p, *a: functional_call(wrapper, p, a))(params, *args)

    def _layout(self, weight: Tensor) -> Tensor:
        """A seed's parameter as the template gets it: 4-D weights channels_last when :attr:`channels_last`."""
        if self.channels_last and weight.dim() == 4:
            return weight.clone(memory_format=torch.channels_last)  # explicit strides, also where C = 1
        return weight

    def __call__(self, x: Tensor) -> Tensor:
        """Logits h(x), shape (S, B, C)."""
        return self.apply(_forward, x)

    def part(self, name: str, x: Tensor) -> Tensor:
        """The child module ``name`` of the template (e.g. "f", "m", "c") applied seed by seed."""
        return self.apply(lambda net, v: getattr(net, name)(v), x)

    def randn_like(self, x: Tensor) -> Tensor:
        """Standard normal noise shaped like x (S, ...); seed s's slice comes from seed s's own generator."""
        return torch.stack([torch.randn(x.shape[1:], generator=g, device=x.device, dtype=x.dtype)
                            for g in self.generators])

    def unstack(self, build: Callable[[], nn.Module]) -> list[nn.Module]:
        """S ordinary modules holding copies of the trained parameters (for plots and attribution)."""
        models = []
        for s in range(self.n_seeds):
            model = build()
            model.load_state_dict({k: v[s].detach().cpu() for k, v in self.params.items()})
            models.append(model.eval())
        return models


def _forward(net: nn.Module, x: Tensor) -> Tensor:
    return net(x)


class _Apply(nn.Module):
    """Holds the template as ``net`` so that functional_call can run any function of it."""

    def __init__(self, net: nn.Module, fn: Callable[..., Tensor]):
        super().__init__()
        self.net = net
        self.fn = fn

    def forward(self, *args: Tensor):
        return self.fn(self.net, *args)
