"""The figures of Sec. 5 and Appendix E ("Robust Learning from Explanations"): SmoothGrad maps (Fig. 3)
and the PGD-Ex sensitivity (Fig. 4's layout)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ... import paper
from ...book import plots
from .grids import LABELS


def saliency_figure(chosen: dict[str, dict], images: torch.Tensor, threshold: float, *, width: float = 11.0):
    """Fig. 3's layout: one row per image, its input first, then one column per method with the SmoothGrad
    map (scaled to [0, 1]) shown where it reaches ``threshold`` (Fig. 3 caption), over the faded image."""
    import matplotlib.pyplot as plt

    methods = list(chosen)
    n = len(images)
    fig, axes = plt.subplots(n, len(methods) + 1, figsize=(width, width / (len(methods) + 1) * n * 1.1), squeeze=False)
    for r in range(n):
        img = images[r].numpy()
        grey = img[0] if img.shape[0] == 1 else np.transpose(img, (1, 2, 0))
        cmap = "gray" if img.shape[0] == 1 else None
        axes[r, 0].imshow(grey, cmap=cmap, vmin=0, vmax=1)
        axes[r, 0].set_title("input" if r == 0 else "", fontsize=9)
        for c, method in enumerate(methods, start=1):
            ax = axes[r, c]
            sal = chosen[method]["saliency"][r]
            ax.imshow(grey, cmap=cmap, vmin=0, vmax=1, alpha=0.35)
            ax.imshow(np.ma.masked_where(sal < threshold, sal), cmap="magma", vmin=threshold, vmax=1)
            if r == 0:
                ax.set_title(LABELS.get(method, method), fontsize=9)
        for ax in axes[r]:
            ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig


def pgd_figure(sens: pd.DataFrame, *, width: float = 10.0):
    """Appendix E, Fig. 4's layout on decoy data: test Avg and Wg accuracy of PGD-Ex against eps, per iteration
    count; the dashed line is the paper's PGD-Ex on decoy-MNIST at its chosen radius (Table 1)."""
    import matplotlib.pyplot as plt

    theirs = paper.numbers("ibp_ex", table="Table 1", method="pgd_ex").set_index("metric")["value"]
    fig, axes = plt.subplots(1, 2, figsize=(width, width * 0.35), sharey=True)
    for ax, (col, std, title, metric) in zip(axes, [("test avg acc", "test avg std", "average accuracy", "avg_acc"),
                                                  ("test wg acc", "test wg std", "worst-group accuracy", "wg_acc")]):
        for iters, rows in sens.groupby("iterations"):
            ax.errorbar(rows["eps"], rows[col], yerr=rows[std].fillna(0), marker="o", capsize=3, label=f"{iters} steps")
        ax.axhline(theirs[metric], label="paper's PGD-Ex (Table 1)", **plots.PAPER_LINE)
        ax.set_xscale("log")
        radii = sorted(set(sens["eps"]))
        ax.set_xticks(radii, [f"{e:g}" for e in radii])
        ax.minorticks_off()
        ax.set_xlabel("eps (paper units)")
        ax.set_title(title)
    axes[0].set_ylabel("test accuracy")
    axes[1].legend()
    fig.tight_layout()
    return fig
