"""What a training cell measures on its trained models besides accuracy (probes run inside the stored cell).

Registered probes (:func:`mlxbook.train.cell.probe`): :func:`certified` - the fraction of test images
whose prediction interval bounds certify over the irrelevant box (IBP, Gowal et al. 2018);
:func:`grad_stats` - the s1 / s2 input-gradient statistics of Sec. 5.2 (:func:`gradient_stats`);
:func:`saliency` - the SmoothGrad maps of Fig. 3 (:func:`smoothgrad`). :func:`input_gradients` is the
saliency they rest on.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ...methods.ibp_ex import certified_fraction
from ...train.cell import Trained, probe


def input_gradients(model, x: torch.Tensor) -> torch.Tensor:
    """d(sum of logits)/dx per example for a plain module (the public code's saliency for RRR)."""
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(model(x).sum(), x)
    return grad


def gradient_stats(model, x: torch.Tensor, irrelevant: torch.Tensor) -> tuple[float, float]:
    """Sec. 5.2: s1 = median ||m * df/dx||, s2 = median ||m * df/dx|| / ||df/dx|| over the examples.

    The paper's formula is garbled in the extraction; we read f as the sum of the logits and the norm
    as the L2 norm over all input features. Examples with a zero gradient count as s2 = 0.
    """
    grad = input_gradients(model, x).flatten(1)
    masked = (grad * irrelevant.flatten(1)).norm(dim=1)
    total = grad.norm(dim=1)
    share = torch.where(total > 0, masked / total.clamp_min(1e-30), torch.zeros_like(total))
    return float(masked.median()), float(share.median())


def smoothgrad(model, x: torch.Tensor, y: torch.Tensor, samples: int, std: float) -> np.ndarray:
    """captum's NoiseTunnel(Saliency) SmoothGrad maps (N, H, W): |gradient| summed over channels, each map
    scaled to [0, 1] by its maximum (Fig. 3 caption: "normalized between 0 to 1")."""
    from captum.attr import NoiseTunnel, Saliency

    tunnel = NoiseTunnel(Saliency(model))
    gen = torch.get_rng_state()
    torch.manual_seed(0)
    attr = tunnel.attribute(x.clone(), nt_type="smoothgrad", nt_samples=samples, stdevs=std, target=y)
    torch.set_rng_state(gen)
    maps = attr.abs().sum(1)
    peak = maps.flatten(1).amax(1).clamp_min(1e-30).view(-1, 1, 1)
    return (maps / peak).cpu().numpy()


@probe
def certified(cell: Trained, eps: tuple = ()) -> pd.DataFrame:
    """Certified fraction of the test images per seed at every radius of ``eps`` (pixel units)."""
    test, rows = cell.task.tests["test"], []
    for p in cell.parts:
        for e in eps:
            fr = certified_fraction(p.model, test.x.to(cell.device), test.irrelevant.to(cell.device),
                                    test.y.to(cell.device), float(e))
            rows += [{"seed": seed, "eps": float(e), "certified": float(v)} for seed, v in zip(p.seeds, fr.tolist())]
    return pd.DataFrame(rows, columns=["seed", "eps", "certified"])


@probe
def grad_stats(cell: Trained, n: int = 500) -> pd.DataFrame:
    """s1 and s2 (:func:`gradient_stats`) per seed on the first ``n`` training images."""
    train = cell.task.train
    n = min(n, len(train))
    return pd.DataFrame([dict(zip(("seed", "s1", "s2"), (seed, *gradient_stats(m, train.x[:n], train.irrelevant[:n]))))
                         for seed, m in zip(cell.spec.seeds, cell.models)])


@probe
def saliency(cell: Trained, index: tuple = (0, 1, 2), samples: int = 25, std: float = 0.15) -> dict:
    """The first seed's SmoothGrad maps of the training images ``index`` (those that exist)."""
    train = cell.task.train
    index = [i for i in index if i < len(train)]
    return {"maps": smoothgrad(cell.models[0], train.x[index], train.y[index], samples, std), "index": index}
