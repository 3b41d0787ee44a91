"""The setup shared by every experiment of Ross et al. 2017 (Sec 3): network, data, annotations, method.

Every model is the paper's MLP (hidden 50, 30, ReLU; Sec 3) trained with Adam, the annotation ``A``
entering the RRR loss of Sec 2.1 (Eq. 1)::

    L = sum CE + lambda_1 * sum_n sum_d (A_nd * d/dx_d sum_k log p_k)^2 + lambda_2 * ||theta||^2

Scales. Our images lie in [0, 1], dtak/rrr's in [0, 255]; input gradients scale as 1 / scale, so the
paper's ``lambda_1`` on images is divided by 255**2 here (:func:`our_lambda`); Iris-Cancer is
standardised here and the paper's value is used as is (its raw features have unit-ish scales too).
:class:`~mlxbook.methods.rrr.RRR` averages CE and penalty over the batch (same ratio as the paper's
sums); ``lambda_2`` on sums is ``lambda_2 / batch`` on means. A = 0 runs use ERM with the equivalent
weight decay (the same loss, without computing a penalty that is zero).
"""
from __future__ import annotations

import functools
from dataclasses import replace
from functools import partial

import numpy as np
import torch

from ... import paper
from ...book.store import freeze
from ...data import load
from ...data.base import ExplanationData, Task
from ...data.toy_colours import rule_mask
from ...errors import ConfigError, check_choice
from ...methods import build_method
from ...models import build_model
from ...train.cell import loader

PAPER = "rrr"
IMAGE_DATASETS = ("toy_colours", "decoy_ross", "digits_clean")
INPUT_SCALE = 255.0
APPENDIX_MASKS = ("none", "anti_rule_1", "anti_rule_2", "pro_rule_1", "pro_rule_2")
"""App. A's five annotations: A = 0; A = 1 on the corners / top-middle (Anti-Rule 1 / 2); A = 1 except
on the corners / top-middle (Pro-Rule 1 / 2). Rule 1 = corners, Rule 2 = top-middle."""
MASK_LABELS = {"none": "A = 0", "anti_rule_1": "Anti-Rule 1", "anti_rule_2": "Anti-Rule 2",
               "pro_rule_1": "Pro-Rule 1", "pro_rule_2": "Pro-Rule 2", "task": "full A"}
DEFAULT_TRAIN = {"epochs": 64, "batch_size": 256, "lr": 0.001}
"""dtak/rrr's training settings (Adam 0.001, 64 epochs, batch 256); the paper says only 'Adam'."""


# ------------------------------------------------------------------------------------------- network
def our_lambda(lam_paper: float, dataset: str) -> float:
    """The paper's lambda_1 (inputs 0..255) on our input scale: / 255**2 for images, unchanged for Iris-Cancer."""
    return float(lam_paper) / INPUT_SCALE ** 2 if dataset in IMAGE_DATASETS else float(lam_paper)


def hidden_sizes() -> tuple[int, ...]:
    """The paper's MLP hidden widths (50, 30; Sec 3), from mlxbook.paper."""
    return tuple(paper.fact(PAPER, "hidden_sizes"))


def model_builder(n_features: int, n_classes: int):
    """A builder of the paper's MLP for ``n_features`` inputs and ``n_classes`` outputs (a cell reads both
    from its task, :func:`~.training.models_of` from the stored weights)."""
    return partial(build_model, "mlp", in_features=n_features, hidden=hidden_sizes(), n_classes=n_classes)


def method_for(dataset: str, lam_paper: float, batch_size: int, lr: float, zero_a: bool):
    """ERM (A = 0) or RRR with lambda_1 on our scale and lambda_2 per example (see module docstring)."""
    l2 = paper.fact(PAPER, "lambda2") / batch_size
    opt = paper.fact(PAPER, "optimizer").lower()
    if zero_a or lam_paper == 0:
        return build_method("erm", optimizer=opt, lr=lr, weight_decay=2 * l2)
    return build_method("rrr", optimizer=opt, lr=lr, lam=our_lambda(lam_paper, dataset), l2=l2)


# ----------------------------------------------------------------------------------------------- data
@functools.lru_cache(maxsize=16)
def _task(dataset: str, frozen: tuple) -> Task:
    data = dict(frozen)
    if dataset == "digits_clean":
        # the Ross decoy digits with the swatch removed: the 4x4 corners are empty in the stand-in's
        # 4-pixel border (and in MNIST's 28x28 frame around its 20x20 box), so x * mask is the plain digit
        task = load("decoy_ross", **data)
        clean = lambda d: ExplanationData(d.x * d.mask, d.y, torch.ones_like(d.mask), d.has_mask, d.groups,
                                          d.group_names)
        task = replace(task, name=task.name.replace("Ross version", "no decoy").replace("(Ross)", "(no decoy)"),
                       train=clean(task.train), tests={k: clean(v) for k, v in task.tests.items()},
                       val=None, meta=dict(task.meta))
    else:
        task = load(dataset, **data)
    # accuracy on the training set is one of the paper's numbers: evaluate it like a test set
    return replace(task, tests={**task.tests, "train": task.train})


def load_task(dataset: str, **data) -> Task:
    """``mlxbook.data.load(dataset, **data)`` plus a "train" entry in ``tests``; ``digits_clean`` = Ross digits without swatch."""
    return _task(dataset, freeze(data))


def toy_data(n_train: int, n_test: int) -> dict:
    return {"n_train": n_train, "n_test": n_test}


def toy_test(n_test: int) -> ExplanationData:
    """The toy test set alone (its examples do not depend on n_train), without building 20,000 train images."""
    return load_task("toy_colours", n_train=2, n_test=n_test).tests["test"]


# ------------------------------------------------------------------------------------------ annotation
def annotation(task: Task, spec) -> torch.Tensor:
    """The annotation A (shape of ``task.train.x``, 1 = must not matter) named by ``spec``.

    ``"none"`` A = 0; ``"task"`` the dataset's own A = 1 - e(x) (Iris columns, decoy swatch);
    App. A's ``"anti_rule_1"`` ... ``"pro_rule_2"`` (toy colours); a suffix ``"@k"`` keeps A on the
    first k examples only (Fig 3's number of annotated examples); an array is used as given (FAE).
    """
    x = task.train.x
    if not isinstance(spec, str):
        a = torch.as_tensor(np.asarray(spec), dtype=x.dtype)
        if a.shape != x.shape:
            raise ConfigError(f"annotation array of shape {tuple(a.shape)}; expected {tuple(x.shape)}")
        return a
    name, _, count = spec.partition("@")
    if name == "none":
        a = torch.zeros_like(x)
    elif name == "task":
        a = task.train.irrelevant.clone()
    else:
        check_choice("annotation", name, APPENDIX_MASKS + ("task",))
        rule = rule_mask("corners" if name.endswith("1") else "top_middle")
        a = (rule if name.startswith("anti") else 1.0 - rule).expand_as(x).clone()
    if count:
        a[int(count):] = 0.0
    return a


def with_annotation(task: Task, a: torch.Tensor) -> Task:
    """``task`` whose training examples carry relevance mask 1 - A (so the RRR penalty sees A)."""
    t = task.train
    train = ExplanationData(t.x, t.y, 1.0 - a, torch.ones(len(t.y), dtype=torch.bool), t.groups, t.group_names)
    return replace(task, train=train, tests={**task.tests, "train": train})


@loader
def annotated_task(dataset: str, a: str | torch.Tensor = "none", **data) -> Task:
    """The task a cell trains on: :func:`load_task` with the annotation A named by ``a`` (see
    :func:`annotation`) as its training mask (:func:`with_annotation`)."""
    task = load_task(dataset, **data)
    return with_annotation(task, annotation(task, a))
