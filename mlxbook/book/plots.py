"""The book's figures in one house style (seaborn), readable at HTML page width."""
from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ..data.base import ExplanationData

MASK_COLOUR = "#ff7f0e"

METHOD_COLOURS = {
    "erm": "#0072b2", "rrr": "#e69f00", "two_stage": "#009e73", "two_stage_sparse": "#cc79a7", "focal": "#000000",
    "two_stage_no_mapping": "#d55e00", "two_stage_joint": "#56b4e9",
    "corm": "#56b4e9", "pgd_ex": "#999999", "ibp_ex": "#d55e00", "ibp_ex_rrr": "#882255", "cdep": "#ddcc77",
}
"""One colour per method in every figure of the book: Okabe and Ito's colour-blind-safe set, with grey and two of
Paul Tol's (wine, sand) for the tenth and eleventh. Two methods share a colour only where no figure shows both
(the two-stage ablations are never drawn beside the IBP-Ex family)."""
OURS_COLOUR = "#0072b2"
"""Our estimate where a figure compares one quantity of ours with the paper's (not a method's curve)."""
PAPER_COLOUR = "#000000"
PAPER_MARK = {"marker": "*", "s": 150, "edgecolors": PAPER_COLOUR, "linewidths": 0.8, "zorder": 5}
"""How a figure marks the paper's number: a star, filled with the method's colour and edged in black."""
PAPER_LINE = {"color": PAPER_COLOUR, "ls": "--", "lw": 1.0}
"""How a figure marks the paper's number when it is a level across the axis: a black dashed line."""


def method_colour(method: str) -> str:
    """The house colour of ``method`` (grey for a key the book has no colour for)."""
    return METHOD_COLOURS.get(method, "#999999")


def mark_paper(ax, x, y, method: str | None = None, *, label: str | None = None):
    """Stars at the paper's numbers ``y`` (at positions ``x``), in ``method``'s colour (black without one); their
    collection's gid is ``"paper"``, so a test can find what a figure marks."""
    colour = method_colour(method) if method else PAPER_COLOUR
    return ax.scatter(x, y, color=colour, label=label, gid="paper", **PAPER_MARK)


def paper_handle(label: str = "paper"):
    """A legend entry for :func:`mark_paper`'s stars (a white star edged in black: the colour is the method's)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], ls="none", marker="*", ms=12, mfc="white", mec=PAPER_COLOUR, label=label)


def use_house_style():
    """Seaborn's white theme and colour-blind palette, with fonts large enough for the HTML book: a figure 11
    inches wide is shown about 770 px wide, two thirds of its size, so 13-14 pt labels read as 12-13 px."""
    sns.set_theme(context="notebook", style="white", palette="colorblind", font_scale=1.15)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titlesize": 12, "image.interpolation": "nearest"})


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


def glue_figure_if(name: str, fig, *, label: str, caption: str, absent: str):
    """A figure that needs data a run may not have (CUB, Plant, 20 Newsgroups). With ``fig``, glue it as ``name``
    and, as ``name + "_md"``, the MyST of its numbered figure (anchor ``label``, ``caption``); with ``fig=None``,
    ``name + "_md"`` is the one-line note ``absent``, unnumbered, so no numbered placeholder stands where a result
    would be. The page shows either with ``{glue:md}`` (``:format: myst``)."""
    from IPython.display import Markdown
    from myst_nb import glue

    if fig is None:
        text = f"*{absent}*"
    else:
        glue_figure(name, fig)
        text = f"```{{glue:figure}} {name}\n:name: {label}\n\n{caption}\n```"
    glue(name + "_md", Markdown(text), display=False)
