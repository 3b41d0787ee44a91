"""The experiments of "Right for the Right Reasons" (Ross, Hughes and Doshi-Velez 2017, Sec 3 and App. A).

Every model is the paper's MLP (hidden 50, 30, ReLU; Sec 3) trained by :func:`mlxbook.train.fit`
with Adam, the annotation ``A`` entering the RRR loss of Sec 2.1 (Eq. 1)::

    L = sum CE + lambda_1 * sum_n sum_d (A_nd * d/dx_d sum_k log p_k)^2 + lambda_2 * ||theta||^2

Scales. Our images lie in [0, 1], dtak/rrr's in [0, 255]; input gradients scale as 1 / scale, so the
paper's ``lambda_1`` on images is divided by 255**2 here (:func:`our_lambda`); Iris-Cancer is
standardised here and the paper's value is used as is (its raw features have unit-ish scales too).
:class:`~mlxbook.methods.rrr.RRR` averages CE and penalty over the batch (same ratio as the paper's
sums); ``lambda_2`` on sums is ``lambda_2 / batch`` on means. A = 0 runs use ERM with the equivalent
weight decay (the same loss, without computing a penalty that is zero).

Caching. The training functions here keep the trained weights (``run_grid`` keeps predictions only),
so they keep their results in the store's "rrr" family (:mod:`mlxbook.book.store`), keyed by their
arguments and by the computing code and this module (:func:`code_key`): a rerun of the chapter trains
nothing, LIME included.
"""
from __future__ import annotations

import functools
import math
import re
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ... import paper
from ...book import store
from ...book.store import freeze
from ...data import load
from ...data.base import ExplanationData, Task
from ...data.toy_colours import rule_mask
from ...device import one_thread
from ...errors import ConfigError, check_choice
from ...methods import build_method
from ...models import build_model
from ...train import fit

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


# ----------------------------------------------------------------------------------------------- keys
def code_key() -> str:
    """The code part of every key here: the computing parts of the package and this module."""
    return store.code_key(sys.modules[__name__])


def our_lambda(lam_paper: float, dataset: str) -> float:
    """The paper's lambda_1 (inputs 0..255) on our input scale: / 255**2 for images, unchanged for Iris-Cancer."""
    return float(lam_paper) / INPUT_SCALE ** 2 if dataset in IMAGE_DATASETS else float(lam_paper)


def in_features(dataset: str) -> int:
    return {"toy_colours": 75, "decoy_ross": 784, "digits_clean": 784, "iris_cancer": 34}[dataset]


def model_builder(dataset: str, n_features: int | None = None):
    """The paper's MLP (hidden sizes from mlxbook.paper) for ``dataset``'s inputs, ``n_features`` wide if given
    (training passes the task's width, :func:`models_of` reads it off the stored weights: a text task's
    width is its vectoriser's)."""
    return partial(build_model, "mlp", in_features=n_features or in_features(dataset),
                   hidden=tuple(paper.fact(PAPER, "hidden_sizes")),
                   n_classes=10 if dataset in ("decoy_ross", "digits_clean") else 2)


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
        task = Task(task.name.replace("Ross version", "no decoy").replace("(Ross)", "(no decoy)"),
                    clean(task.train), {k: clean(v) for k, v in task.tests.items()}, meta=dict(task.meta))
    else:
        task = load(dataset, **data)
    # accuracy on the training set is one of the paper's numbers: evaluate it like a test set
    return Task(task.name, task.train, {**task.tests, "train": task.train}, task.val, task.meta)


def load_task(dataset: str, **data) -> Task:
    """``mlxbook.data.load(dataset, **data)`` plus a "train" entry in ``tests``; ``digits_clean`` = Ross digits without swatch."""
    return _task(dataset, freeze(data))


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
    return Task(task.name, train, {**task.tests, "train": train}, task.val, task.meta)


# -------------------------------------------------------------------------------------------- training
def method_for(dataset: str, lam_paper: float, batch_size: int, lr: float, zero_a: bool):
    """ERM (A = 0) or RRR with lambda_1 on our scale and lambda_2 per example (see module docstring)."""
    l2 = paper.fact(PAPER, "lambda2") / batch_size
    opt = paper.fact(PAPER, "optimizer").lower()
    if zero_a or lam_paper == 0:
        return build_method("erm", optimizer=opt, lr=lr, weight_decay=2 * l2)
    return build_method("rrr", optimizer=opt, lr=lr, lam=our_lambda(lam_paper, dataset), l2=l2)


def _states(result, dataset: str, n_features: int) -> list[dict]:
    return [{k: v.detach().numpy().copy() for k, v in m.state_dict().items()}
            for m in result.model.unstack(model_builder(dataset, n_features))]


@one_thread
def _train(dataset: str, data: dict, a, lam_paper: float, seeds, train: dict) -> dict:
    task = load_task(dataset, **data)
    a = annotation(task, a) if not isinstance(a, torch.Tensor) else a
    zero = not bool(a.any())
    train = {**DEFAULT_TRAIN, **train}
    batch = min(train["batch_size"], len(task.train))
    epochs = train["epochs"]
    if train.get("steps"):  # App. A: "the same total number of optimization steps" for every size
        epochs = max(1, math.ceil(train["steps"] / math.ceil(len(task.train) / batch)))
    method = method_for(dataset, lam_paper, train["batch_size"], train["lr"], zero)
    width = task.train.x[0].numel()
    results = [fit(with_annotation(task, a), model_builder(dataset, width), method, [seed], epochs=epochs,
                   batch_size=batch, keep_model=True, progress=False) for seed in seeds]  # one seed at a time: fastest on a CPU
    scores = pd.concat([r.scores(task)[["seed", "test_set", "accuracy"]] for r in results], ignore_index=True)
    return {"scores": scores, "curves": pd.concat([r.curves for r in results], ignore_index=True),
            "states": [s for r in results for s in _states(r, dataset, width)],
            "seconds": sum(r.seconds for r in results), "epochs": epochs, "method": method.name}


def _train_cell(dataset, data, spec, lam_paper, seeds, train, code):
    return _train(dataset, dict(data), spec, lam_paper, seeds, dict(train))


def train_cell(dataset: str, data: dict, spec: str, lam_paper: float, seeds, train: dict | None = None,
               *, location: Path | None = None) -> dict:
    """Train (or read from the store) one configuration; ``spec`` names A (see :func:`annotation`).

    Returns ``scores`` (seed x test set accuracy, "train" included), ``curves``, ``states`` (one
    state dict of numpy arrays per seed), ``seconds`` and ``epochs``.
    """
    fn = store.cached(_train_cell, "rrr", location=location)
    return fn(dataset, freeze(data), spec, float(lam_paper), tuple(seeds), freeze(train or {}), code_key())


def models_of(cell: dict, dataset: str) -> list[torch.nn.Module]:
    """The trained models of a cell (one per seed), in eval mode."""
    out = []
    for state in cell["states"]:
        width = next(v.shape[1] for v in state.values() if v.ndim == 2)  # the first Linear's input width
        model = model_builder(dataset, width)()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        out.append(model.eval())
    return out


# ----------------------------------------------------------------------------------- input gradients
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


def kept_fraction(grads: torch.Tensor, c: float | None = None) -> float:
    """The mean share of gradient elements M_c keeps (the paper: 2-5% at c = 0.67)."""
    return float(top_mask(grads, c).flatten(1).float().mean())


# ------------------------------------------------------------------------------ find another explanation
@one_thread
def _fae(dataset, data, lambdas, seeds, train, cutoff, code):
    task = load_task(dataset, **dict(data))
    x = task.train.x
    out = []
    base = train_cell(dataset, dict(data), "none", 0.0, seeds, dict(train))  # shared with other figures
    out.append({"iteration": 0, "lam_paper": 0.0, "scores": base["scores"], "states": base["states"],
                "a_fraction": [0.0] * len(seeds)})
    for s_index, seed in enumerate(seeds):
        a = torch.zeros_like(x)
        prev = models_of({"states": [base["states"][s_index]]}, dataset)[0]
        for i, lam in enumerate(lambdas, start=1):
            a = torch.maximum(a, top_mask(input_gradients(prev, x), cutoff).to(x.dtype))  # A_i = M_c[f_X|θ_{i-1}] ∪ A_{i-1}
            cell = _train(dataset, dict(data), a, lam, [seed], dict(train))
            prev = models_of(cell, dataset)[0]
            if s_index == 0:
                out.append({"iteration": i, "lam_paper": float(lam), "scores": [], "states": [], "a_fraction": []})
            out[i]["scores"].append(cell["scores"])
            out[i]["states"].append(cell["states"][0])
            out[i]["a_fraction"].append(float(a.mean()))
    for it in out[1:]:
        it["scores"] = pd.concat(it["scores"], ignore_index=True)
    return out


def find_another_explanation(dataset: str, data: dict, lambdas, seeds, train: dict | None = None,
                             cutoff: float | None = None, *, location: Path | None = None) -> list[dict]:
    """Sec 2.2: A_0 = 0; A_i = M_c[f_X|θ_{i-1}] ∪ A_{i-1}; θ_i = argmin L(θ, X, y, A_i) with lambda_1 = lambdas[i-1].

    One chain per seed (the masks depend on that seed's models). Returns one dict per iteration
    (0 = the A = 0 model): ``scores`` (seed x test set, "train" included), ``states``, ``a_fraction``
    (share of training-input elements annotated).
    """
    cutoff = paper.fact(PAPER, "cutoff_c") if cutoff is None else cutoff
    fn = store.cached(_fae, "rrr", location=location)
    return fn(dataset, freeze(data), tuple(float(v) for v in lambdas), tuple(seeds), freeze(train or {}),
              float(cutoff), code_key())


# ------------------------------------------------------------------------------------------- toy colours
def toy_data(n_train: int, n_test: int) -> dict:
    return {"n_train": n_train, "n_test": n_test}


def rule_shares(models, x: torch.Tensor, c: float | None = None) -> dict:
    """Share of large gradient elements in the corners and in the top-middle row (Fig 3's pair of points)."""
    corners, top = rule_mask("corners"), rule_mask("top_middle")
    rows = [{"corners": region_share(g, corners, c), "top_middle": region_share(g, top, c)}
            for g in (input_gradients(m, x) for m in models)]
    return pd.DataFrame(rows).mean().to_dict()


@one_thread
def rule_transitions(data: dict, lambdas_paper, counts, lam_for_counts: float, seeds, train: dict,
                     n_score: int = 1000) -> pd.DataFrame:
    """Fig 3: A = 1 on the corners; sweep lambda_1 (all examples annotated) and the number annotated.

    One row per (axis, value, seed) with test accuracy and the share of M_0.67 gradient elements in the
    corners and in the top-middle row over the first ``n_score`` test examples.
    """
    task = load_task("toy_colours", **data)
    x = task.tests["test"].x[:n_score]
    rows = []
    for axis, values in (("lambda", lambdas_paper), ("annotated", counts)):
        for v in values:
            whole = axis == "lambda" or int(v) >= data["n_train"]  # all annotated: the lambda axis's cell
            spec = "anti_rule_1" if whole else f"anti_rule_1@{int(v)}"
            lam = v if axis == "lambda" else lam_for_counts
            cell = train_cell("toy_colours", data, spec, lam, seeds, train)
            acc = cell["scores"].query("test_set == 'test'").set_index("seed")["accuracy"]
            for seed, model in zip(seeds, models_of(cell, "toy_colours")):
                rows.append({"axis": axis, "value": v, "seed": seed, "accuracy": float(acc[seed]),
                             **rule_shares([model], x)})
    return pd.DataFrame(rows)


def less_data(sizes, masks, seeds, steps: int, n_test: int, lam_paper: float, train: dict) -> pd.DataFrame:
    """App. A / Fig 13: test accuracy against the number of training examples for each annotation,
    every model trained for the same number of optimisation steps."""
    rows = []
    for mask in masks:
        for n in sizes:
            cell = train_cell("toy_colours", toy_data(n, n_test), mask, lam_paper, seeds, {**train, "steps": steps})
            for r in cell["scores"].query("test_set == 'test'").itertuples():
                rows.append({"mask": mask, "label": MASK_LABELS[mask], "n_train": n, "seed": r.seed,
                             "accuracy": r.accuracy, "epochs": cell["epochs"]})
    return pd.DataFrame(rows)


def n_to_reach(curve: pd.DataFrame, level: float) -> float:
    """The smallest training size whose mean accuracy reaches ``level`` (NaN if none)."""
    mean = curve.groupby("n_train")["accuracy"].mean().sort_index()
    hit = mean[mean >= level]
    return float(hit.index[0]) if len(hit) else float("nan")


# ------------------------------------------------------------------------------------------ LIME & timing
def _predict_fn(model, shape):
    def predict(batch: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            x = torch.as_tensor(np.asarray(batch, dtype=np.float32)).reshape(-1, *shape)
            return torch.softmax(model(x), -1).numpy()
    return predict


def lime_tabular(model, train_x: torch.Tensor, xs: torch.Tensor, *, num_features: int, num_samples: int,
                 discretize: bool, seed: int = 0, labels=None) -> tuple[np.ndarray, list[float]]:
    """LIME tabular weights (n, D) for the label ``labels[i]`` (default: the predicted one) and seconds per call.

    ``discretize`` True: quartile-discretised perturbations (Table 1's toy colours setting), False:
    continuous (its Iris-Cancer setting). Features LIME did not select get weight 0.
    """
    from lime.lime_tabular import LimeTabularExplainer

    shape = tuple(train_x.shape[1:])
    flat = train_x.reshape(len(train_x), -1).numpy().astype(np.float64)
    explainer = LimeTabularExplainer(flat, mode="classification", discretize_continuous=discretize,
                                     discretizer="quartile", random_state=seed)
    predict = _predict_fn(model, shape)
    weights, seconds = np.zeros((len(xs), flat.shape[1])), []
    for i, x in enumerate(xs.reshape(len(xs), -1).numpy().astype(np.float64)):
        label = int(predict(x[None]).argmax()) if labels is None else int(labels[i])
        start = time.perf_counter()
        exp = explainer.explain_instance(x, predict, labels=(label,), num_features=num_features,
                                         num_samples=num_samples)
        seconds.append(time.perf_counter() - start)
        for j, w in exp.as_map()[label]:
            weights[i, j] = w
    return weights, seconds


def lime_image(model, image: torch.Tensor, *, num_samples: int, num_features: int = 5, seed: int = 0):
    """LIME image on a grey (1, H, W) image: (segments, {segment: weight}, positive mask, seconds)."""
    from lime import lime_image as li

    grey = image[0].numpy().astype(np.float64)
    rgb = np.stack([grey] * 3, -1)
    base = _predict_fn(model, tuple(image.shape))
    predict = lambda batch: base(np.asarray(batch)[..., 0])
    label = int(predict(rgb[None]).argmax())
    explainer = li.LimeImageExplainer(random_state=seed)
    bar, li.tqdm = li.tqdm, lambda rows, **_: rows  # lime 0.2.0.1 always shows a progress bar
    try:
        start = time.perf_counter()
        exp = explainer.explain_instance(rgb, predict, labels=(label,), top_labels=None, hide_color=0,
                                         num_samples=num_samples, batch_size=256, random_seed=seed)
        seconds = time.perf_counter() - start
    finally:
        li.tqdm = bar
    _, mask = exp.get_image_and_mask(label, positive_only=False, num_features=num_features, hide_rest=False)
    return exp.segments, dict(exp.local_exp[label]), mask, seconds


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
    """Seconds per explanation of a batched input-gradient call over ``x`` (one value per repeat)."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        input_gradients(model, x)
        out.append((time.perf_counter() - start) / len(x))
    return out


@one_thread
def _explain(kind, dataset, data, spec, lam_paper, seeds, train, n_explain, num_samples, code, extra):
    cell = train_cell(dataset, dict(data), spec, lam_paper, seeds, dict(train))
    model = models_of(cell, dataset)[0]
    task = load_task(dataset, **dict(data))
    extra = dict(extra)
    test = task.tests[extra.get("test_set", "test")]
    idx = np.asarray(extra["index"]) if "index" in extra else np.arange(n_explain)
    xs = test.x[idx]
    out = {"index": idx, "x": xs.numpy(), "y": test.y[idx].numpy(), "mask": test.mask[idx].numpy()}
    with torch.no_grad():
        out["pred"] = torch.softmax(model(xs), -1).numpy()
    out["saliency"] = saliency(model, xs).numpy()
    if kind == "tabular":
        labels = extra.get("labels")
        w, sec = lime_tabular(model, task.train.x, xs, num_features=extra["num_features"], num_samples=num_samples,
                              discretize=extra["discretize"], labels=labels)
        out["lime"], out["lime_seconds"] = w, sec
        if labels is not None:
            out["saliency"] = saliency(model, xs, torch.as_tensor(labels)).numpy()
    else:
        segs, weights, masks, sec = [], [], [], []
        for x in xs:
            s, w, m, t = lime_image(model, x, num_samples=num_samples)
            segs.append(s), weights.append(w), masks.append(m), sec.append(t)
        out.update(segments=np.stack(segs), lime_weights=weights, lime_mask=np.stack(masks), lime_seconds=sec)
    timing_x = test.x[: extra.get("n_timing", len(test.x))]
    out["gradient_seconds"] = gradient_seconds(model, timing_x)
    out["n_timing"] = len(timing_x)
    return out


def explain(kind: str, dataset: str, data: dict, spec: str, lam_paper: float, seeds, train: dict,
            n_explain: int, num_samples: int, *, location: Path | None = None, **extra) -> dict:
    """Gradients (captum Saliency) and LIME (``kind`` "tabular" or "image") for test examples of a trained cell,
    with seconds per explanation of both (Table 1). Stored like the training cells, so timings are those
    of the first run. ``extra``: ``index`` (test examples), ``num_features``, ``discretize``, ``labels``,
    ``test_set``, ``n_timing``."""
    fn = store.cached(_explain, "rrr", location=location)
    extra = {k: (tuple(v) if isinstance(v, (list, np.ndarray)) else v) for k, v in extra.items()}
    return fn(kind, dataset, freeze(data), spec, float(lam_paper), tuple(seeds), freeze(train), n_explain,
              num_samples, code_key(), freeze(extra))


def lime_pixels(weights: np.ndarray, k: int) -> np.ndarray:
    """Boolean (n, D): the k features of largest |LIME weight| per example (Fig 2: 'the top 6 features')."""
    out = np.zeros(weights.shape, dtype=bool)
    top = np.argsort(-np.abs(weights), axis=1)[:, :k]
    np.put_along_axis(out, top, np.take_along_axis(np.abs(weights), top, 1) > 0, axis=1)
    return out


def agreement(grad_sel: np.ndarray, lime_sel: np.ndarray, region: np.ndarray) -> pd.DataFrame:
    """Per example: share of each method's selected elements inside ``region`` and their pixel overlap (Jaccard).

    Selections are (n, 3, 5, 5)-shaped booleans (or flattened); pixels = any channel selected.
    """
    g = grad_sel.reshape(len(grad_sel), 3, -1).any(1)
    lm = lime_sel.reshape(len(lime_sel), 3, -1).any(1)
    r = region.reshape(3, -1).any(0)
    share = lambda s: (s & r).sum(1) / np.maximum(s.sum(1), 1)
    jac = (g & lm).sum(1) / np.maximum((g | lm).sum(1), 1)
    return pd.DataFrame({"gradient_in_region": share(g), "lime_in_region": share(lm), "pixel_jaccard": jac})


# --------------------------------------------------------------------------------------- decoy & Iris
def decoy_accuracies(data: dict, lam_paper: float, seeds, train: dict) -> pd.DataFrame:
    """Fig 9 and the Sec 3.2 numbers: train/test accuracy for A = 0 and full A on decoy data, and A = 0 on
    the same digits without decoy (the baseline). Rows use mlxbook.paper's names (condition, test_set, method)."""
    runs = [("decoy", "none", "erm", "decoy_ross"), ("decoy", "task", "rrr", "decoy_ross"),
            ("no_decoy", "none", "erm", "digits_clean")]
    rows = []
    for condition, spec, method, dataset in runs:
        cell = train_cell(dataset, data, spec, lam_paper if spec == "task" else 0.0, seeds, train)
        for r in cell["scores"].itertuples():
            rows.append({"dataset": "decoy_mnist", "condition": condition, "test_set": r.test_set, "method": method,
                         "annotation": MASK_LABELS[spec] if spec != "task" else "full A", "seed": r.seed,
                         "accuracy": r.accuracy})
    return pd.DataFrame(rows)


@one_thread
def _iris(splits, lam_paper, train, code):
    rows, grads = [], []
    for split in splits:
        task = load_task("iris_cancer", seed=split)
        for spec in ("none", "task"):
            cell = train_cell("iris_cancer", {"seed": split}, spec, lam_paper if spec == "task" else 0.0, [split],
                              dict(train))
            method = "erm" if spec == "none" else "rrr"
            for r in cell["scores"].itertuples():
                name = {"test": "test_no_iris", "test_with_iris": "test", "train": "train"}[r.test_set]
                rows.append({"dataset": "iris_cancer", "split": split, "seed": split, "method": method,
                             "annotation": MASK_LABELS[spec], "test_set": name, "accuracy": r.accuracy})
            model = models_of(cell, "iris_cancer")[0]
            g = input_gradients(model, task.tests["test_with_iris"].x).abs().mean(0).numpy()
            grads.append({"split": split, "method": method, **{f"x{j}": v for j, v in enumerate(g)}})
    return pd.DataFrame(rows), pd.DataFrame(grads)


def iris_splits(splits, lam_paper: float, train: dict, *, location: Path | None = None):
    """Fig 8: for each random 2/3-1/3 split, A = 0 and full A (the 4 Iris columns); accuracy with and without
    Iris ("test" / "test_no_iris" in the paper's names) and the mean |input gradient| per feature."""
    fn = store.cached(_iris, "rrr", location=location)
    return fn(tuple(splits), float(lam_paper), freeze(train), code_key())


def fae_table(chain: list[dict]) -> pd.DataFrame:
    """Train / test accuracy per iteration and seed of a find-another-explanation chain."""
    rows = []
    for it in chain:
        for r in it["scores"].itertuples():
            rows.append({"iteration": it["iteration"], "lam_paper": it["lam_paper"], "seed": r.seed,
                         "test_set": r.test_set, "accuracy": r.accuracy})
    return pd.DataFrame(rows)


@one_thread
def fae_gradients(chain: list[dict], dataset: str, x: torch.Tensor) -> np.ndarray:
    """(iterations, seeds, *x.shape): input gradients (sum of log-probabilities) of every chain model on x."""
    return np.stack([np.stack([input_gradients(m, x).numpy() for m in models_of(it, dataset)]) for it in chain])


# ------------------------------------------------------------------------------------------- verdicts
def runtime_rows(timings: dict[str, dict]) -> pd.DataFrame:
    """Per-call seconds as rows (dataset, metric, seed, seconds) in Table 1's names."""
    rows = []
    for ds, t in timings.items():
        for i, s in enumerate(t["lime"]):
            rows.append({"dataset": ds, "metric": "runtime_s_lime", "seed": i, "seconds": s})
        for i, s in enumerate(t["gradients"]):
            rows.append({"dataset": ds, "metric": "runtime_s_gradients", "seed": i, "seconds": s})
    return pd.DataFrame(rows)


def order_of_magnitude_verdicts(table: pd.DataFrame, decades: float = 1.0) -> pd.DataFrame:
    """Re-judge a Table 1 comparison: 'supported' when ours is within ``decades`` orders of magnitude of the
    paper (its timings are 'only meant to provide a sense of scale' on another machine); the paper's
    LIME/gradient ordering is checked by :func:`speedups`."""
    out = table.copy()
    for i, r in out.iterrows():
        if r["seeds"] == 0:
            continue
        gap = math.log10(r["ours"] / r["value"])
        ok = abs(gap) <= decades
        out.loc[i, "verdict"] = "supported" if ok else "not supported"
        out.loc[i, "why"] = f"{gap:+.1f} decades" + ("" if ok else " (beyond one order of magnitude)")
    return out


def speedups(rows: pd.DataFrame) -> pd.DataFrame:
    """LIME seconds / gradient seconds per dataset, ours and the paper's (Table 1)."""
    ours = rows.groupby(["dataset", "metric"])["seconds"].mean().unstack()
    p = paper.numbers(PAPER, table="Table 1").pivot(index="dataset", columns="metric", values="value")
    out = pd.DataFrame({"paper": p["runtime_s_lime"] / p["runtime_s_gradients"]})
    out["ours"] = ours["runtime_s_lime"] / ours["runtime_s_gradients"]
    return out.reset_index()


def verdict(ok: bool | None, partly: bool = False) -> str:
    """The book's words for a claim checked by a rule: supported / partly / not supported / not run."""
    if ok is None:
        return "not run"
    return "supported" if ok else ("partly" if partly else "not supported")


# ------------------------------------------------------------------------------------------- budget
from dataclasses import asdict, dataclass  # noqa: E402


@dataclass(frozen=True)
class Budget:
    """Every size, grid and seed list of the chapter for one profile (see :func:`chapter_budget`)."""

    toy_n_train: int
    toy_n_test: int
    toy_epochs: int
    toy_seeds: tuple
    fig2_examples: int
    fig3_lambdas: tuple
    fig3_counts: tuple
    fig13_sizes: tuple
    fig13_steps: int
    fig13_seeds: tuple
    fig13_n_test: int
    decoy_n_train: int
    decoy_n_test: int
    decoy_epochs: int
    decoy_seeds: tuple
    fig12_lambdas: tuple
    fig12_iterations: int
    iris_splits: tuple
    iris_epochs: int
    fig11_reruns: tuple
    fig11_iterations: int
    lime_samples_tabular: int
    lime_samples_image: int
    lime_samples_text: int
    text_seeds: tuple
    fig10_iterations: int

    @property
    def toy(self) -> dict:
        return toy_data(self.toy_n_train, self.toy_n_test)

    @property
    def toy_train(self) -> dict:
        return {"epochs": self.toy_epochs}

    @property
    def decoy_train(self) -> dict:
        return {"epochs": self.decoy_epochs}

    @property
    def text_train(self) -> dict:
        return {}  # dtak/rrr's settings (DEFAULT_TRAIN) on every profile: 1,079 messages train in seconds

    @property
    def iris_train(self) -> dict:
        # 67 training rows < batch 256: one full-batch step per epoch
        return {"epochs": self.iris_epochs}

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([(k, str(v)) for k, v in asdict(self).items()], columns=["setting", "value"])


PAPER_SCALE = {
    # what: (paper value, why) for ch.scale; the paper's grids of Figs 3, 12, 13 are read off its figures' axes
    "toy_n_test": 20000, "toy_epochs": 64, "iris_splits": 50, "fig2_examples": 9, "fig11_reruns": 50,
    "lime_samples_tabular": 5000, "lime_samples_image": 1000, "lime_samples_text": 5000,
}


def chapter_budget(ch, data_root=None) -> Budget:
    """The chapter's budget for ``ch``'s profile; every scale-down is declared with ``ch.scale``/``ch.cap``.

    Paper values: 20,000 toy train and test images (App. A), 64 epochs and batch 256 (dtak/rrr),
    50 Iris-Cancer splits (Fig 8) and 50 find-another-explanation reruns (Fig 11), LIME's default
    5000 (tabular and text) and 1000 (image) samples; full MNIST (60,000 / 10,000). 20 Newsgroups
    runs at full size on every profile (when its archive is at ``data_root``).
    """
    by = ch.by_profile
    toy_test = by(smoke=100, cpu=2000, paper=paper.fact(PAPER, "toy_colours_test_size"))
    b = Budget(
        toy_n_train=by(smoke=200, cpu=20000, paper=20000),
        toy_n_test=toy_test,
        toy_epochs=by(smoke=2, cpu=6, paper=64),
        toy_seeds=tuple(ch.seeds(1)),
        fig2_examples=by(smoke=2, cpu=3, paper=9),
        fig3_lambdas=by(smoke=(1e2, 1e4), cpu=(1e1, 1e2, 1e3, 1e4), paper=tuple(10.0 ** k for k in range(-1, 7))),
        fig3_counts=by(smoke=(30,), cpu=(1000, 3000, 10000), paper=(10, 30, 100, 300, 1000, 3000, 10000)),
        fig13_sizes=by(smoke=(50,), cpu=(100, 1000, 10000), paper=(10, 30, 100, 300, 1000, 3000, 10000, 20000)),
        fig13_steps=by(smoke=10, cpu=300, paper=5000),
        fig13_seeds=tuple(ch.seeds(3, cpu=1)),
        fig13_n_test=toy_test,
        decoy_n_train=ch.cap("n_train", 60000),
        decoy_n_test=ch.cap("n_test", 10000),
        decoy_epochs=ch.cap("epochs", 64),
        decoy_seeds=tuple(ch.seeds(3)),
        fig12_lambdas=by(smoke=(1e3,), cpu=(1e2, 1e4), paper=(1e1, 1e2, 1e3, 1e4)),
        fig12_iterations=by(smoke=1, cpu=3, paper=6),
        iris_splits=tuple(range(by(smoke=2, cpu=12, paper=paper.fact(PAPER, "iris_cancer_splits")))),
        iris_epochs=by(smoke=3, cpu=150, paper=200),
        fig11_reruns=tuple(range(by(smoke=1, cpu=3, paper=paper.fact(PAPER, "iris_cancer_fae_reruns")))),
        fig11_iterations=by(smoke=1, cpu=4, paper=4),
        lime_samples_tabular=by(smoke=100, cpu=5000, paper=5000),
        lime_samples_image=by(smoke=50, cpu=1000, paper=1000),
        lime_samples_text=by(smoke=100, cpu=5000, paper=5000),
        text_seeds=tuple(ch.seeds(3)),
        fig10_iterations=by(smoke=1, cpu=4, paper=4),
    )
    from ...data.digits import load_digits_source

    n_avail = [len(load_digits_source(data_root, s)[1]) for s in ("train", "test")]
    b = Budget(**{**asdict(b), "decoy_n_train": min(b.decoy_n_train, n_avail[0]),
                  "decoy_n_test": min(b.decoy_n_test, n_avail[1])})
    for what in PAPER_SCALE:
        used, full = getattr(b, what), PAPER_SCALE[what]
        used_n = len(used) if isinstance(used, tuple) else used
        if used_n < full:
            ch.scale(what.replace("_", " "), used_n, full)
    if ch.profile.name != "paper":
        ch.scale("Fig 3 lambda_1 values", len(b.fig3_lambdas), "about 8 (read off Fig 3)")
        ch.scale("Fig 3 annotated counts", len(b.fig3_counts) + 1, "about 8 (read off Fig 3)")
        ch.scale("Fig 13 training sizes", len(b.fig13_sizes), "about 8 (read off Fig 13)")
        ch.scale("Fig 13 optimisation steps per model", b.fig13_steps, "not stated")
        ch.scale("Fig 12 lambda_1 values x iterations", f"{len(b.fig12_lambdas)} x {b.fig12_iterations}",
                 "several x about 6 (read off Fig 12)")
    if ch.profile.name == "smoke":
        ch.scale("toy n train", b.toy_n_train, 20000)
    return b


# ------------------------------------------------------------------------------------------- claims
class Claims:
    """The chapter's list of the paper's Sec 3 / App. A claims with our measurement and a verdict each."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, where: str, claim: str, paper_says: str, ours: str, verdict_: str) -> str:
        check_choice("verdict", verdict_, ("supported", "partly", "not supported", "not run", "needs data"))
        self.rows.append({"where": where, "claim": claim, "paper": paper_says, "ours": ours, "verdict": verdict_})
        return verdict_

    def frame(self, where: str | None = None) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=["where", "claim", "paper", "ours", "verdict"])
        return df if where is None else df[df["where"].str.startswith(where)]

    def show(self, ch, where: str) -> None:
        """Show the claims of ``where`` and record them for the book's scorecard (``ch.claims``)."""
        slug = re.sub(r"[^a-z0-9]+", "-", where.lower()).strip("-")
        ch.claims(self.frame(where).rename(columns={"paper": "paper_says"}), paper=PAPER, label=f"claims-{slug}",
                  caption=f"Claims of {where}.")

    def markdown(self, where: str | None = None) -> str:
        df = self.frame(where)
        lines = ["| where | claim | paper | ours | verdict |", "|---|---|---|---|---|"]
        lines += [f"| {r.where} | {r.claim} | {r.paper} | {r.ours} | {r.verdict} |" for r in df.itertuples()]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- the verdict rules
def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def toy_claims(claims: Claims, base_acc: float, agree: pd.DataFrame) -> None:
    """Fig 2: accuracy above 0.99; both explainers on the corners."""
    bound = paper.fact(PAPER, "toy_colours_test_accuracy_above")
    claims.add("Sec 3.1, Fig 2", "A = 0 model: test accuracy above the stated bound", f"> {bound}",
               f"{base_acc:.4f}", verdict(base_acc > bound))
    g, lm = agree["gradient_in_region"].mean(), agree["lime_in_region"].mean()
    claims.add("Sec 3.1, Fig 2", "gradients and LIME pick the same pixels, the corners (rule 1)",
               "same pixels, corners", f"corners share: gradients {_pct(g)}, LIME {_pct(lm)}; "
               f"pixel Jaccard {agree['pixel_jaccard'].mean():.2f}", verdict(g >= 0.8 and lm >= 0.8, g >= 0.8 or lm >= 0.8))


def kept_claims(claims: Claims, kept: dict) -> None:
    """Sec 3: M_0.67 'tended to preserve 2-5% of gradient components' (kept: dataset -> share)."""
    lo, hi = paper.fact(PAPER, "cutoff_kept_fraction")
    inside = [lo <= v <= hi for v in kept.values()]
    claims.add("Sec 3", "c = 0.67 keeps 2-5% of gradient components", f"{_pct(lo)}-{_pct(hi)}",
               ", ".join(f"{k}: {_pct(v)}" for k, v in kept.items()), verdict(all(inside), any(inside)))


def fig3_claims(claims: Claims, df: pd.DataFrame) -> None:
    """Fig 3: the rule switches with lambda_1 and with the number annotated; shares add to 1; a hybrid regime;
    about 10^3 annotated examples needed."""
    lam = df[df.axis == "lambda"].groupby("value")[["corners", "top_middle"]].mean().sort_index()
    cnt = df[df.axis == "annotated"].groupby("value")[["corners", "top_middle"]].mean().sort_index()
    switch = lam["corners"].iloc[0] > 0.5 and lam["top_middle"].iloc[-1] > 0.5
    claims.add("Sec 3.1, Fig 3", "A on the corners: the model moves from rule 1 to rule 2 as lambda_1 grows",
               "transition", f"top-middle share {_pct(lam['top_middle'].iloc[0])} at lambda_1 = {lam.index[0]:g} -> "
               f"{_pct(lam['top_middle'].iloc[-1])} at {lam.index[-1]:g}", verdict(switch))
    total = (df["corners"] + df["top_middle"] - 1).abs().max()
    claims.add("Sec 3.1, Fig 3", "the two shares almost always add to 1", "about 1",
               f"largest |sum - 1| = {total:.3f}", verdict(total < 0.05, total < 0.2))
    hybrid = ((df["corners"].between(0.2, 0.8)) & (df["top_middle"].between(0.2, 0.8))).any()
    claims.add("Sec 3.1, Fig 3", "a significant regime learns a hybrid of both rules", "yes",
               "some points with both shares in 20-80%" if hybrid else "no point with both shares in 20-80%",
               verdict(bool(hybrid)))
    need = paper.fact(PAPER, "toy_colours_annotations_for_rule_switch")
    hit = cnt[cnt["top_middle"] > 0.5]
    n = float(hit.index[0]) if len(hit) else float("nan")
    claims.add("Sec 3.1, Fig 3", "switching rules needs on the order of 10^3 annotated examples", f"about {need}",
               f"top-middle share first > 50% at {n:g} annotated" if len(hit) else
               f"top-middle share <= 50% up to {cnt.index[-1]:g} annotated ({_pct(cnt['top_middle'].iloc[-1])})",
               verdict(len(hit) > 0 and need / 3 <= n <= need * 3, len(hit) > 0 and n <= need * 10))


def fig4_claims(claims: Claims, shares: pd.DataFrame, acc: pd.DataFrame) -> None:
    """Fig 4: theta_0 uses the corners, theta_1 the top-middle, theta_2 is noisy near chance."""
    s = shares.set_index("iteration")
    a = acc[acc.test_set == "test"].groupby("iteration")["accuracy"].mean()
    claims.add("Sec 3.1, Fig 4", "find-another-explanation: theta_0 uses rule 1 (corners)", "corners",
               f"corners share {_pct(s.loc[0, 'corners'])}", verdict(s.loc[0, "corners"] > 0.5))
    claims.add("Sec 3.1, Fig 4", "theta_1 uses rule 2 (top-middle) without annotations", "top-middle",
               f"top-middle share {_pct(s.loc[1, 'top_middle'])}, test accuracy {a.loc[1]:.3f}",
               verdict(s.loc[1, "top_middle"] > 0.5))
    if 2 in a.index:
        noisy = s.loc[2, "corners"] + s.loc[2, "top_middle"]
        claims.add("Sec 3.1, Fig 4", "theta_2: noisy explanations, no better than random guessing",
                   "chance accuracy", f"test accuracy {a.loc[2]:.3f}; rule pixels hold {_pct(noisy)} of its large gradients",
                   verdict(a.loc[2] < 0.6, a.loc[2] < 0.8))


def iris_claims(claims: Claims, acc: pd.DataFrame, grads: pd.DataFrame) -> None:
    """Fig 8: A = 0 leans on the Iris columns; full A has the same accuracy with and without them."""
    iris = [f"x{j}" for j in range(paper.fact(PAPER, "iris_cancer_iris_features"))]
    cancer = [c for c in grads.columns if c.startswith("x") and c not in iris]
    g0 = grads[grads.method == "erm"]
    ratio = g0[iris].to_numpy().mean() / g0[cancer].to_numpy().mean()
    claims.add("Sec 3.2, Fig 8", "A = 0: input gradients are large on the Iris columns", "large on Iris",
               f"mean |gradient| on Iris / on cancer columns = {ratio:.1f}", verdict(ratio > 1.5, ratio > 1))
    m = acc[acc.method == "rrr"].pivot_table(index="split", columns="test_set", values="accuracy")
    gap = float((m["test"] - m["test_no_iris"]).mean())
    claims.add("Sec 3.2, Fig 8", "full A: almost the same accuracy with and without the Iris columns",
               "almost equal", f"mean gap {gap:+.3f} over {len(m)} splits", verdict(abs(gap) < 0.02, abs(gap) < 0.05))


def fig7_claims(claims: Claims, ex: dict) -> None:
    """Fig 7: gradients weigh the Iris features, LIME (continuous) hardly does."""
    k = paper.fact(PAPER, "iris_cancer_iris_features")
    share = lambda w: float((np.abs(w[:, :k]).sum(1) / np.abs(w).sum(1)).mean())
    g, lm = share(ex["saliency"]), share(ex["lime"])
    claims.add("Sec 3.2, Fig 7", "Iris-Cancer: input gradients show the Iris dependence that LIME misses",
               "gradients more faithful", f"share of |weight| on the 4 Iris columns: gradients {_pct(g)}, LIME {_pct(lm)}",
               verdict(g > lm))


def decoy_claims(claims: Claims, acc: pd.DataFrame) -> None:
    """Fig 9: full A recovers the no-decoy baseline's test accuracy; A = 0 is far below it."""
    m = acc[acc.test_set == "test"].groupby(["condition", "method"])["accuracy"].mean()
    base, a0, full = m.loc[("no_decoy", "erm")], m.loc[("decoy", "erm")], m.loc[("decoy", "rrr")]
    p = paper.numbers(PAPER, dataset="decoy_mnist", test_set="test", metric="accuracy").set_index("condition")["value"]
    claims.add("Sec 3.2, Fig 9", "decoy: A = 0 test accuracy far below the baseline",
               f"{p['decoy']:.3f} vs {p['no_decoy']:.3f}",
               f"{a0:.3f} vs {base:.3f}", verdict(a0 < base - 0.1, a0 < base))
    claims.add("Sec 3.2, Fig 9", "decoy: full A recovers the baseline test accuracy", "matches baseline",
               f"{full:.3f} vs {base:.3f}", verdict(full >= base - 0.03, full > a0))


def fig6_claims(claims: Claims, ex: dict, swatch_share: float, lime_on_swatch: bool) -> None:
    """Fig 6: on a decoy-fooled prediction, both explanations point at the swatch."""
    claims.add("Sec 3.2, Fig 6", "decoy-fooled prediction: gradients and LIME both show the swatch", "both",
               f"swatch holds {_pct(swatch_share)} of the M_0.67 gradient pixels; LIME's selected segments "
               f"{'include' if lime_on_swatch else 'miss'} the swatch", verdict(swatch_share > 0 and lime_on_swatch,
                                                                                 swatch_share > 0 or lime_on_swatch))


def runtime_claims(claims: Claims, sp: pd.DataFrame) -> None:
    """Table 1: gradients are orders of magnitude faster than LIME."""
    run = sp.dropna(subset=["ours"])
    low = run["ours"].min()
    claims.add("Sec 3.2, Table 1", "input gradients are far cheaper than LIME per explanation",
               f"{sp['paper'].min():.0f}x or more", f"{low:.0f}x or more ({', '.join(run['dataset'])})",
               verdict(low >= 100, low > 1))


def fig11_claims(claims: Claims, grads: np.ndarray, acc: pd.DataFrame) -> None:
    """Fig 11: Iris gradients vanish after 1-2 iterations; accuracy holds for 4 iterations.

    ``grads``: (iterations, seeds, 34) mean |gradient| per feature. 'Near 0' = below 10% of that
    feature's iteration-0 value.
    """
    k = paper.fact(PAPER, "iris_cancer_iris_features")
    rel = grads[:, :, :k].mean(1) / np.maximum(grads[0, :, :k].mean(0), 1e-12)
    alive = (rel >= 0.1).sum(1)
    if len(alive) > 2:
        claims.add("Sec 3.2, Fig 11", "Iris FAE: after 1 iteration all but one Iris gradient near 0, after 2 all",
                   "<= 1 then 0", f"Iris features not near 0: {alive[1]} after 1, {alive[2]} after 2",
                   verdict(alive[1] <= 1 and alive[2] == 0, alive[2] <= 1))
    a = acc[acc.test_set == "test"].groupby("iteration")["accuracy"].mean()
    last = a.index.max()
    claims.add("Sec 3.2, Fig 11", f"Iris FAE: accuracy does not drop significantly over {last} iterations", "no big drop",
               f"test accuracy {a.iloc[0]:.3f} -> {a.loc[last]:.3f}", verdict(a.loc[last] >= a.iloc[0] - 0.05,
                                                                             a.loc[last] >= a.iloc[0] - 0.1))


def fig12_claims(claims: Claims, acc: pd.DataFrame) -> None:
    """Fig 12: theta_1 beats theta_0 on the test set by far; high lambda_1 is more erratic than low.

    ``acc`` from :func:`decoy_fae` (column ``lam_run``). Erratic = mean |change| of test accuracy between
    successive iterations after the first.
    """
    t = acc[acc.test_set == "test"].groupby(["lam_run", "iteration"])["accuracy"].mean()
    first = float(acc[(acc.test_set == "test") & (acc.iteration == 0)]["accuracy"].mean())
    best = float(t.xs(1, level="iteration").max())
    claims.add("Sec 3.2, Fig 12", "decoy FAE: theta_1 has much higher test accuracy than theta_0", "much higher",
               f"{first:.3f} -> {best:.3f} (best lambda_1)", verdict(best > first + 0.1, best > first))
    lams = sorted(set(t.index.get_level_values(0)))
    jumps = {}
    for lam in lams:
        v = t.xs(lam, level="lam_run").sort_index().to_numpy()[1:]
        jumps[lam] = float(np.abs(np.diff(v)).mean()) if len(v) > 1 else float("nan")
    if len(lams) > 1 and not np.isnan(list(jumps.values())).any():
        claims.add("Sec 3.2, Fig 12", "low lambda_1 degrades slowly, high lambda_1 is more chaotic", "yes",
                   "mean |change| of test accuracy per iteration: " + ", ".join(f"{v:.3f} at {k:g}" for k, v in jumps.items()),
                   verdict(jumps[lams[-1]] > jumps[lams[0]]))


def appendix_claims(claims: Claims, curve: pd.DataFrame) -> None:
    """App. A / Fig 13: data needed by A = 0; Anti-Rule 2 always above A = 0; Anti-Rule 1 below it at first."""
    base = curve[curve["mask"] == "none"]
    n90 = n_to_reach(base, 0.9)
    need = paper.fact(PAPER, "toy_colours_erm_n_for_90pct")
    claims.add("App. A, Fig 13", "A = 0 needs about 2000 examples for 90% test accuracy", f"about {need}",
               f"first size reaching 90%: {n90:g}", verdict(need / 3 <= n90 <= need * 3, not np.isnan(n90)))
    mean = curve.groupby(["mask", "n_train"])["accuracy"].mean().unstack(0)
    if "anti_rule_2" in mean:
        above = bool((mean["anti_rule_2"] >= mean["none"] - 0.005).all())
        claims.add("App. A, Fig 13", "Anti-Rule 2 consistently outperforms A = 0", "at every size",
                   "at every size" if above else "not at every size", verdict(above, bool((mean["anti_rule_2"] >= mean["none"]).mean() >= 0.5)))
    if "anti_rule_1" in mean:
        low = bool(mean["anti_rule_1"].iloc[0] < mean["none"].iloc[0])
        claims.add("App. A, Fig 13", "Anti-Rule 1 lowers accuracy until a threshold amount of data", "below A = 0 at first",
                   f"{mean['anti_rule_1'].iloc[0]:.3f} vs {mean['none'].iloc[0]:.3f} at n = {mean.index[0]}", verdict(low))
    if "pro_rule_1" in mean:
        n95 = n_to_reach(curve[curve["mask"] == "pro_rule_1"], 0.95)
        b95 = n_to_reach(base, 0.95)
        frac = n95 / b95 if not (np.isnan(n95) or np.isnan(b95)) else float("nan")
        want = paper.fact(PAPER, "toy_colours_pro_rule_1_data_fraction_for_95pct")
        claims.add("App. A, Fig 13", "Pro-Rule 1 reaches 95% with 1/20 of the baseline's data", f"{want:.2f}",
                   f"{n95:g} / {b95:g} = {frac:.2f}" if not np.isnan(frac) else f"Pro-Rule 1: {n95:g}, A = 0: {b95:g}",
                   verdict(frac <= want * 2 if not np.isnan(frac) else False, frac < 1 if not np.isnan(frac) else False))


# ------------------------------------------------------------------------------ chapter helpers
def toy_test(n_test: int) -> ExplanationData:
    """The toy test set alone (its examples do not depend on n_train), without building 20,000 train images."""
    return load_task("toy_colours", n_train=2, n_test=n_test).tests["test"]


def fae_rule_shares(grads: np.ndarray) -> pd.DataFrame:
    """Fig 4: per iteration, the corners / top-middle shares of M_0.67 elements (gradients from :func:`fae_gradients`)."""
    corners, top = rule_mask("corners"), rule_mask("top_middle")
    rows = []
    for i, g in enumerate(grads):
        g = torch.from_numpy(g)
        rows.append({"iteration": i, "corners": float(np.mean([region_share(x, corners) for x in g])),
                     "top_middle": float(np.mean([region_share(x, top) for x in g]))})
    return pd.DataFrame(rows)


@one_thread
def iris_fae(reruns, iterations: int, lam_paper: float, train: dict):
    """Fig 11: one chain per rerun (split = rerun); accuracy table and mean |gradient| per feature,
    shape (iterations + 1, reruns, 34), on each split's test rows with Iris."""
    tables, grads = [], []
    for r in reruns:
        chain = find_another_explanation("iris_cancer", {"seed": r}, [lam_paper] * iterations, [r], train)
        tables.append(fae_table(chain))
        x = load_task("iris_cancer", seed=r).tests["test_with_iris"].x
        grads.append(np.abs(fae_gradients(chain, "iris_cancer", x)).mean(2)[:, 0])
    acc = pd.concat(tables, ignore_index=True)
    acc["test_set"] = acc["test_set"].map({"test": "test_no_iris", "test_with_iris": "test", "train": "train"})
    return acc, np.stack(grads, 1)


def decoy_shade(x: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
    """The digit whose shade the swatch has, (255 - 25 d) / 255 = swatch value, for each image."""
    swatch = (x * (1 - mask)).flatten(1).sum(1) / (1 - mask).flatten(1).sum(1)
    return np.rint((255 - 255 * swatch.numpy()) / 25).astype(int)


@one_thread
def decoy_fooled(data: dict, seeds, train: dict) -> pd.DataFrame:
    """Test images that the A = 0 decoy model gets wrong by predicting the swatch's digit (Fig 6's kind)."""
    cell = train_cell("decoy_ross", data, "none", 0.0, seeds, train)
    test = load_task("decoy_ross", **data).tests["test"]
    with torch.no_grad():
        pred = models_of(cell, "decoy_ross")[0](test.x).argmax(1).numpy()
    shade = decoy_shade(test.x, test.mask)
    y = test.y.numpy()
    idx = np.flatnonzero((pred == shade) & (pred != y))
    return pd.DataFrame({"index": idx, "label": y[idx], "pred": pred[idx], "shade_digit": shade[idx]})


def swatch_evidence(ex: dict, i: int) -> tuple[float, bool]:
    """Share of the M_0.67 gradient pixels inside the swatch, and whether LIME's selected segments touch it."""
    swatch = ex["mask"][i, 0] < 0.5
    sel = top_mask(torch.from_numpy(ex["saliency"][i:i + 1])).numpy()[0, 0]
    share = float((sel & swatch).sum() / max(sel.sum(), 1))
    return share, bool((ex["lime_mask"][i].astype(bool) & swatch).any())


@one_thread
def decoy_fae(data: dict, lambdas, iterations: int, seed: int, train: dict, n_show: int = 1):
    """Fig 12: a chain per lambda_1; accuracy table (column lam_run) and gradients of the first test images."""
    x = load_task("decoy_ross", **data).tests["test"].x[:n_show]
    tables, grads = [], {}
    for lam in lambdas:
        chain = find_another_explanation("decoy_ross", data, [lam] * iterations, [seed], train)
        tables.append(fae_table(chain).assign(lam_run=float(lam)))
        grads[float(lam)] = fae_gradients(chain, "decoy_ross", x)
    return pd.concat(tables, ignore_index=True), grads, x.numpy()


def runtime_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Table 1 side by side in seconds (scientific notation): the paper's and our mean per explanation."""
    ours = rows.groupby(["dataset", "metric"])["seconds"].mean()
    p = paper.numbers(PAPER, table="Table 1").set_index(["dataset", "metric"])["value"]
    out = pd.DataFrame({"paper (s)": p, "ours (s)": ours}).reset_index()
    out["metric"] = out["metric"].map({"runtime_s_lime": "LIME", "runtime_s_gradients": "input gradients"})
    return out.style.format({"paper (s)": "{:.2e}", "ours (s)": "{:.2e}"}, na_rep="–").hide(axis="index")
