"""RRR on text: 20 Newsgroups atheism vs christian (Ross et al. 2017, Sec 3.2, Figs 5, 10, 14, Table 1).

The paper's MLP on 5,000 TF-IDF components (:mod:`mlxbook.data.newsgroups`), trained with A = 0 by
:func:`.training.train_cell` (same store, same settings as the other RRR datasets). On top of it:

* :func:`explanations` - per test message, LIME text (``lime.lime_text``, perturbing words of the
  message) and the input gradient of the predicted class's probability over the TF-IDF vector (Fig 5
  and the long message of Fig 14), with seconds per explanation of both (Table 1's text row): the
  probe :func:`lime_text_and_gradients` run on the stored cell, stored in the :data:`RRR_TEXT` family;
* :func:`fae` - find-another-explanation with lambda_1 = 250 (Fig 10), and :func:`fae_words`, the
  words that push each of its models towards each group.

TF-IDF inputs have the same scale here as in dtak/rrr, so lambda_1 is the paper's as is.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ... import paper
from ...book import store
from ...data import newsgroups
from ...device import one_thread
from ...train.cell import Trained, name_of, probe, run_probe
from .gradients import gradient_seconds, saliency
from .setup import PAPER, load_task
from .training import (
    RRR,
    cell_spec,
    chapter_view,
    find_another_explanation,
    models_of,
)

DATASET = "newsgroups"
NEEDS = "needs 20 Newsgroups at data_root"
RRR_TEXT = store.family("rrr_text", "rrr", *RRR.modules, "mlxbook.experiments.rrr.text")
"""The stored text explanations (folder "rrr", beside the cells they explain): the RRR family's modules
plus this one, so that editing the text experiment recomputes only its results."""


def data_of(data_root, max_features: int | None = None) -> dict:
    """The data arguments of the text cells: where the archive is and the TF-IDF width (paper: 5000)."""
    width = paper.fact(PAPER, "newsgroups_tfidf_dim") if max_features is None else int(max_features)
    return {"data_root": str(Path(data_root)), "max_features": width}


def example_index(data: dict, n_first: int = 2) -> tuple[int, ...]:
    """Fig 5's kind of examples (the first ``n_first`` test messages) and Fig 14's: the longest test message."""
    docs, _ = newsgroups.messages(data["data_root"], "test")
    longest = int(np.argmax([len(d) for d in docs]))
    return tuple(dict.fromkeys([*range(min(n_first, len(docs))), longest]))


def _predict(model, data: dict):
    def predict(texts) -> np.ndarray:
        x = torch.from_numpy(newsgroups.transform(data["data_root"], texts, data["max_features"]))
        with torch.no_grad():
            return torch.softmax(model(x), -1).numpy()
    return predict


@probe
def lime_text_and_gradients(cell: Trained, index: tuple, num_features: int, num_samples: int, n_timing: int) -> dict:
    """The probe behind :func:`explanations`, run on the first seed's model of the stored A = 0 cell."""
    from lime import lime_text

    data, seeds = cell.spec.data, cell.spec.seeds
    model = cell.models[0]
    test = cell.task.tests["test"]
    docs, _ = newsgroups.messages(data["data_root"], "test")
    vocab = newsgroups.vocabulary(data["data_root"], data["max_features"])
    column = {w: j for j, w in enumerate(vocab)}
    analyse = newsgroups.analyser(data["data_root"], data["max_features"])
    predict = _predict(model, data)
    explainer = lime_text.LimeTextExplainer(class_names=list(newsgroups.CATEGORIES), random_state=seeds[0])
    idx = list(index)
    grads = saliency(model, test.x[idx]).numpy()  # d p(predicted) / d tf-idf
    out = []
    for row, i in enumerate(idx):
        probs = predict([docs[i]])[0]
        label = int(probs.argmax())
        start = time.perf_counter()
        exp = explainer.explain_instance(docs[i], predict, labels=(label,), num_features=num_features,
                                         num_samples=num_samples)
        seconds = time.perf_counter() - start
        words = sorted(set(analyse(docs[i])) & column.keys())
        out.append({
            "index": i, "y": int(test.y[i]), "pred": label, "probs": probs, "length": len(docs[i].split()),
            "lime": dict(exp.as_list(label=label)),
            "gradient_in_message": {w: float(grads[row, column[w]]) for w in words},
            "gradient": grads[row], "lime_seconds": seconds,
        })
    timing_x = test.x[:n_timing]
    return {"examples": out, "vocabulary": vocab, "gradient_seconds": gradient_seconds(model, timing_x),
            "n_timing": len(timing_x), "scores": chapter_view(cell.stored)["scores"]}


def explanations(data: dict, seeds, train: dict, index, *, num_features: int = 6, num_samples: int = 5000,
                 n_timing: int = 500, location: Path | None = None) -> dict:
    """LIME text and input-gradient explanations of test messages ``index`` by the A = 0 model (stored).

    ``examples``: per message, its label, prediction, LIME's ``num_features`` words with weights and the
    gradient weight of every vocabulary word in the message (both towards the predicted group), and
    LIME's seconds; ``gradient_seconds`` per explanation of a batched gradient call over ``n_timing``
    test messages. ``num_features`` 6 and ``num_samples`` 5000 are LIME's tutorial settings.
    """
    run = cell_spec(DATASET, dict(data), "none", 0.0, seeds, dict(train))
    what = (name_of(lime_text_and_gradients), {"index": tuple(int(i) for i in index), "num_features": int(num_features),
                                                "num_samples": int(num_samples), "n_timing": int(n_timing)})
    return one_thread(run_probe)(run, what, RRR_TEXT, cells=RRR, location=location)


def fae(data: dict, seeds, train: dict, iterations: int, lam_paper: float | None = None) -> list[dict]:
    """Fig 10: find-another-explanation on the text task, lambda_1 = 250 (the caption) at every iteration."""
    lam = paper.fact(PAPER, "newsgroups_fae_lambda1") if lam_paper is None else lam_paper
    return find_another_explanation(DATASET, data, [lam] * iterations, seeds, train)


def fae_words(chain: list[dict], data: dict, example: int = 0, k: int = 5) -> pd.DataFrame:
    """Per iteration, the ``k`` words whose TF-IDF most raises the christian logit over the atheism one for test
    message ``example`` (green in Fig 10) and the ``k`` that most lower it (red), from the first seed's model."""
    x = load_task(DATASET, **data).tests["test"].x[example:example + 1].clone().requires_grad_(True)
    vocab = newsgroups.vocabulary(data["data_root"], data["max_features"])
    rows = []
    for it in chain:
        model = models_of({"states": it["states"][:1]})[0]
        logits = model(x)
        (g,) = torch.autograd.grad((logits[0, 1] - logits[0, 0]), x)
        g = g[0].numpy()
        order = np.argsort(g)
        rows.append({"iteration": it["iteration"], "towards christian": ", ".join(vocab[order[::-1][:k]]),
                     "towards atheism": ", ".join(vocab[order[:k]])})
    return pd.DataFrame(rows)
