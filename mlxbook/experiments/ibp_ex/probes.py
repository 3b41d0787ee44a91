"""What a training cell measures on its trained models besides accuracy (computed inside the stored cell).

:func:`gradient_stats` - the s1 / s2 input-gradient statistics of Sec. 5.2; :func:`smoothgrad` - the
SmoothGrad maps of Fig. 3; :func:`input_gradients` - the saliency both rest on.
"""
from __future__ import annotations

import numpy as np
import torch


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
