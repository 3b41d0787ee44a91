"""The book's figures in one house style (seaborn), readable at HTML page width."""
from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ..data.base import ExplanationData

MASK_COLOUR = "#ff7f0e"


def use_house_style():
    """Seaborn's white theme, colour-blind palette and a resolution that reads well in the HTML book."""
    sns.set_theme(context="notebook", style="white", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titlesize": 10, "image.interpolation": "nearest"})


def _image(x: np.ndarray) -> tuple[np.ndarray, str | None]:
    """An (H, W) grey or (H, W, 3) colour array from a (C, H, W) example."""
    return (x[0], "gray") if x.shape[0] == 1 else (np.transpose(x, (1, 2, 0)), None)


def example_grid(rows: dict[str, ExplanationData], n: int, *, class_names: dict[int, str] | None = None,
                 width: float = 11.0):
    """One row of ``n`` examples per entry of ``rows``: each image with its explanation mask outlined.

    The mask e(x) is drawn as an orange outline (filled lightly when small); examples without an explanation
    (sparse setting) are titled "no mask".
    """
    fig, axes = plt.subplots(len(rows), n, figsize=(width, width / n * len(rows) * 1.25), squeeze=False)
    for r, (label, data) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.set_xticks([]), ax.set_yticks([])
            if c >= len(data):
                ax.axis("off")
                continue
            image, cmap = _image(data.x[c].numpy())
            ax.imshow(image, cmap=cmap, vmin=0, vmax=1)
            y = int(data.y[c])
            name = class_names.get(y, str(y)) if class_names else f"y={y}"
            if bool(data.has_mask[c]):
                mask = data.mask[c].numpy().max(axis=0)
                if mask.mean() < 0.5:  # a small mask is also filled; a large one only outlined
                    ax.imshow(np.ma.masked_where(mask < 0.5, mask), cmap="Oranges", alpha=0.35, vmin=0, vmax=1)
                ax.contour(mask, levels=[0.5], colors=MASK_COLOUR, linewidths=1.2)
            else:
                name += ", no mask"
            ax.set_title(name, fontsize=8)
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def feature_heatmap(data: ExplanationData, *, feature_names: list[str] | None = None, title: str = "", ax=None):
    """Tabular examples as a heatmap (rows = examples sorted by label), relevant columns marked below."""
    order = np.argsort(data.y.numpy(), kind="stable")
    x = data.x.numpy()[order]
    ax = ax or plt.gca()
    sns.heatmap(x, ax=ax, cmap="vlag", center=0, cbar_kws={"label": "feature value"},
                xticklabels=feature_names or False, yticklabels=False)
    relevant = data.mask[0].numpy() > 0.5
    for j in np.flatnonzero(relevant):
        ax.add_patch(plt.Rectangle((j, len(x)), 1, len(x) * 0.03, color=MASK_COLOUR, clip_on=False))
    ax.set_title(title)
    ax.set_xlabel("features (relevant ones marked orange below)")
    ax.set_ylabel("examples, sorted by label")
    return ax


def glue_figure(name: str, fig):
    """Glue ``fig`` as a PNG for a numbered ``{glue:figure}`` caption and close it (no second copy).

    The PNG is rendered here rather than by the notebook's matplotlib backend, so the figure reaches
    the book whatever backend the kernel runs (nbval and papermill may run without the inline one).
    """
    from IPython.display import Image
    from myst_nb import glue

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    glue(name, Image(data=buffer.getvalue(), format="png"), display=False)


def placeholder_figure(text: str, width: float = 10.0):
    """A one-line figure that says why a figure is absent (e.g. its data is not at data_root), so the page's
    numbered figure and its caption still build."""
    fig, ax = plt.subplots(figsize=(width, 1))
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.axis("off")
    return fig
