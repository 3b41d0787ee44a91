"""Input gradients as explanations (Ross et al. 2017, Sec 1.2) and the mask M_c of Sec 2.2.

Two gradients are used: that of sum_k log p_k (:func:`input_gradients`, the quantity Eq. 1 penalises;
find-another-explanation's masks and Fig 3's rule shares) and that of the predicted class's probability
(:func:`saliency`, captum's Saliency; the displayed explanations of Figs 2, 6 and 7).
"""
from __future__ import annotations

import time

import pandas as pd
import torch

from ... import paper
from ...data.toy_colours import rule_mask
from ...errors import check_choice
from .setup import PAPER


def input_gradients(model: torch.nn.Module, x: torch.Tensor, kind: str = "log_prob_sum") -> torch.Tensor:
    """Input gradients, shape of x: of sum_k log p_k (``"log_prob_sum"``, the quantity Eq. 1 penalises)
    or of the predicted class's probability (``"pred_prob"``, Fig 2's display)."""
    check_choice("kind", kind, ("log_prob_sum", "pred_prob"))
    x = x.detach().clone().requires_grad_(True)
    logits = model(x)
    if kind == "log_prob_sum":
        out = torch.log_softmax(logits, -1).sum()
    else:
        probs = torch.softmax(logits, -1)
        out = probs.gather(1, probs.argmax(1, keepdim=True)).sum()
    (grad,) = torch.autograd.grad(out, x)
    return grad.detach()


def saliency(model, x: torch.Tensor, target=None) -> torch.Tensor:
    """captum's Saliency (signed) of the predicted class's probability: Fig 2/6/7's input gradients."""
    from captum.attr import Saliency

    probs = lambda inp: torch.softmax(model(inp), -1)
    if target is None:
        with torch.no_grad():
            target = probs(x).argmax(1)
    x = x.detach().clone().requires_grad_(True)
    return Saliency(probs).attribute(x, target=target, abs=False).detach()


def gradient_seconds(model, x: torch.Tensor, repeats: int = 5) -> list[float]:
    """Seconds per explanation of a batched input-gradient call over ``x`` (one value per repeat; Table 1)."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        input_gradients(model, x)
        out.append((time.perf_counter() - start) / len(x))
    return out


# ------------------------------------------------------------------------------------------- M_c
def top_mask(grads: torch.Tensor, c: float | None = None) -> torch.Tensor:
    """M_c of Sec 2.2: per example, the elements with |gradient| >= c x that example's largest |gradient|."""
    c = paper.fact(PAPER, "cutoff_c") if c is None else c
    a = grads.abs().flatten(1)
    keep = (a >= c * a.max(1, keepdim=True).values) & (a > 0)
    return keep.view_as(grads)


def region_share(grads: torch.Tensor, region: torch.Tensor, c: float | None = None) -> float:
    """Fig 3's score: the share of all M_c-selected gradient elements (pooled over examples) inside ``region``."""
    sel = top_mask(grads, c)
    total = int(sel.sum())
    return float((sel & region.bool().expand_as(sel)).sum()) / total if total else float("nan")


def rule_shares(models, x: torch.Tensor, c: float | None = None) -> dict:
    """Share of large gradient elements in the corners and in the top-middle row (Fig 3's pair of points)."""
    corners, top = rule_mask("corners"), rule_mask("top_middle")
    rows = [{"corners": region_share(g, corners, c), "top_middle": region_share(g, top, c)}
            for g in (input_gradients(m, x) for m in models)]
    return pd.DataFrame(rows).mean().to_dict()
