"""Datasets of the three papers: images or features, labels and explanation masks, as tensors.

``load(name, **kwargs)`` builds a :class:`Task` by name; each builder's docstring lists its options.
Synthetic and bundled data build anywhere; ``bird``, ``isic``, ``plant`` and ``newsgroups`` read the
published layouts under ``data_root`` (``has_cub`` / ``has_isic`` / ``has_plant`` / ``has_newsgroups``
say whether they are there).
"""
from __future__ import annotations

from ..errors import check_choice
from .base import ExplanationData, Task, item_rng
from .cub import bird_task, has_cub
from .decoy import decoy_heo_task, decoy_ross_task
from .iris_cancer import iris_cancer_task
from .isic import has_isic, isic_task
from .newsgroups import has_newsgroups, newsgroups_task
from .plant import has_plant, plant_task
from .shapes import fox_cat_task, triangle_task
from .theory2d import theory2d_task
from .toy_colours import toy_colours_task

BUILDERS = {
    "triangle": triangle_task,
    "fox_cat": fox_cat_task,
    "toy_colours": toy_colours_task,
    "iris_cancer": iris_cancer_task,
    "theory2d": theory2d_task,
    "decoy_ross": decoy_ross_task,
    "decoy_heo": decoy_heo_task,
    "bird": bird_task,
    "isic": isic_task,
    "plant": plant_task,
    "newsgroups": newsgroups_task,
}


def load(name: str, **kwargs) -> Task:
    """Build the dataset ``name`` (one of :data:`BUILDERS`) with the builder's keyword arguments."""
    check_choice("dataset", name, BUILDERS)
    return BUILDERS[name](**kwargs)


__all__ = ["BUILDERS", "ExplanationData", "Task", "has_cub", "has_isic", "has_newsgroups", "has_plant", "item_rng",
           "load",
           *[f.__name__ for f in BUILDERS.values()]]
