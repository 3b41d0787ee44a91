"""Input gradients against LIME (Ross et al. 2017, Sec 3: Figs 2, 6, 7 and Table 1).

:func:`explain` explains test examples of a trained cell twice, by captum's Saliency and by LIME
(tabular for toy colours and Iris-Cancer, image for decoy MNIST), and times both: the registered probe
:func:`lime_and_gradients` run on the stored cell's kept weights (:func:`mlxbook.train.cell.run_probe`),
stored in the :data:`~.training.RRR` family like the cells, so the runtimes are those of the first run. The other
functions measure the stored explanations: LIME's top features as pixels, where each method's
selection lies, and whether a decoy-fooled prediction's explanations touch the swatch.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from ...book.store import freeze
from ...device import one_thread
from ...train.cell import Trained, name_of, probe, run_probe
from .gradients import gradient_seconds, saliency
from .training import RRR, cell_spec


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


@probe
def lime_and_gradients(cell: Trained, kind: str, n_explain: int, num_samples: int, extra: tuple) -> dict:
    """The probe behind :func:`explain`, run on the first seed's model of a stored cell."""
    model, task = cell.models[0], cell.task
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
    extra = {k: (tuple(v) if isinstance(v, (list, np.ndarray)) else v) for k, v in extra.items()}
    run = cell_spec(dataset, dict(data), spec, float(lam_paper), seeds, dict(train))
    what = (name_of(lime_and_gradients), {"kind": kind, "n_explain": int(n_explain), "num_samples": int(num_samples),
                                           "extra": freeze(extra)})
    return one_thread(run_probe)(run, what, RRR, location=location)
