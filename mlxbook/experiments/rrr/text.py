"""RRR on text: 20 Newsgroups atheism vs christian (Ross et al. 2017, Sec 3.2, Figs 5, 10, 14, Table 1).

The paper's MLP on 5,000 TF-IDF components (:mod:`mlxbook.data.newsgroups`), trained with A = 0 by
:func:`.rrr.train_cell` (same store, same settings as the other RRR datasets). On top of it:

* :func:`explanations` - per test message, LIME text (``lime.lime_text``, perturbing words of the
  message) and the input gradient of the predicted class's probability over the TF-IDF vector (Fig 5
  and the long message of Fig 14), with seconds per explanation of both (Table 1's text row);
* :func:`agreement` - how closely the two agree on LIME's words (sign, rank, overlap), and how many
  words each marks;
* :func:`fae` - find-another-explanation with lambda_1 = 250 (Fig 10): accuracy per iteration and the
  words that push the model towards each group.

TF-IDF inputs have the same scale here as in dtak/rrr, so lambda_1 is the paper's as is.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ... import paper
from ...book import store
from ...data import newsgroups
from ...device import one_thread
from . import core as rrr

DATASET = "newsgroups"
PAPER = rrr.PAPER


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


@one_thread
def _explanations(data, seeds, train, index, num_features, num_samples, n_timing, code):
    from lime import lime_text

    data, train = dict(data), dict(train)
    cell = rrr.train_cell(DATASET, data, "none", 0.0, seeds, train)
    model = rrr.models_of(cell, DATASET)[0]
    test = rrr.load_task(DATASET, **data).tests["test"]
    docs, _ = newsgroups.messages(data["data_root"], "test")
    vocab = newsgroups.vocabulary(data["data_root"], data["max_features"])
    column = {w: j for j, w in enumerate(vocab)}
    analyse = newsgroups.analyser(data["data_root"], data["max_features"])
    predict = _predict(model, data)
    explainer = lime_text.LimeTextExplainer(class_names=list(newsgroups.CATEGORIES), random_state=seeds[0])
    idx = list(index)
    grads = rrr.saliency(model, test.x[idx]).numpy()  # d p(predicted) / d tf-idf
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
    return {"examples": out, "vocabulary": vocab, "gradient_seconds": rrr.gradient_seconds(model, timing_x),
            "n_timing": len(timing_x), "scores": cell["scores"]}


def explanations(data: dict, seeds, train: dict, index, *, num_features: int = 6, num_samples: int = 5000,
                 n_timing: int = 500, location: Path | None = None) -> dict:
    """LIME text and input-gradient explanations of test messages ``index`` by the A = 0 model (stored).

    ``examples``: per message, its label, prediction, LIME's ``num_features`` words with weights and the
    gradient weight of every vocabulary word in the message (both towards the predicted group), and
    LIME's seconds; ``gradient_seconds`` per explanation of a batched gradient call over ``n_timing``
    test messages. ``num_features`` 6 and ``num_samples`` 5000 are LIME's tutorial settings.
    """
    fn = store.cached(_explanations, "rrr", location=location)
    return fn(store.freeze(data), tuple(seeds), store.freeze(train), tuple(int(i) for i in index), int(num_features),
              int(num_samples), int(n_timing), code_key())


def code_key() -> str:
    """:func:`.rrr.code_key`'s parts plus this module: editing the text experiment recomputes only its results."""
    return store.code_key(rrr, sys.modules[__name__])


def agreement(ex: dict, top: int | None = None) -> pd.DataFrame:
    """Per explained message: on LIME's words, the share whose gradient has LIME's sign, the rank correlation of
    the two weights, and the share of LIME's words among the gradient's ``top`` (default: as many) largest in the
    message; with the number of message words each method marks (gradient: |w| >= 1% of its largest)."""
    from scipy.stats import spearmanr

    rows = []
    for e in ex["examples"]:
        lime, grad = e["lime"], e["gradient_in_message"]
        words = [w for w in lime if w in grad]
        k = top or len(lime)
        by_grad = sorted(grad, key=lambda w: -abs(grad[w]))[:k]
        g, lw = np.array([grad[w] for w in words]), np.array([lime[w] for w in words])
        peak = max((abs(v) for v in grad.values()), default=0.0)
        rho = spearmanr(lw, g).statistic if len(words) > 2 else float("nan")
        rows.append({"message": e["index"], "words in message": len(grad), "LIME words": len(lime),
                     "gradient words (>= 1% of max)": sum(abs(v) >= 0.01 * peak for v in grad.values()) if peak else 0,
                     "same sign": float(np.mean(np.sign(g) == np.sign(lw))) if words else float("nan"),
                     "rank correlation": float(rho),
                     "LIME words in gradient top": len(set(lime) & set(by_grad)) / max(len(lime), 1)})
    return pd.DataFrame(rows)


def words_table(ex: dict, i: int, k: int = 6) -> pd.DataFrame:
    """Fig 5 as a table for explained message ``i``: LIME's words and weights, the gradient's top-k words in the
    message, and the top-k words anywhere in the vocabulary (gradients explain words not in the message too)."""
    e = ex["examples"][i]
    lime = sorted(e["lime"].items(), key=lambda t: -abs(t[1]))
    grad = sorted(e["gradient_in_message"].items(), key=lambda t: -abs(t[1]))[:k]
    order = np.argsort(-np.abs(e["gradient"]))[:k]
    inside = set(e["gradient_in_message"])
    anywhere = [(ex["vocabulary"][j] + ("" if ex["vocabulary"][j] in inside else " (not in message)"),
                 float(e["gradient"][j])) for j in order]
    cols = {"LIME": lime, "gradient (in message)": grad, "gradient (whole vocabulary)": anywhere}
    n = max(len(v) for v in cols.values())
    return pd.DataFrame({name: [f"{w}: {v:+.3g}" for w, v in items] + [""] * (n - len(items))
                         for name, items in cols.items()})


def fae(data: dict, seeds, train: dict, iterations: int, lam_paper: float | None = None) -> list[dict]:
    """Fig 10: find-another-explanation on the text task, lambda_1 = 250 (the caption) at every iteration."""
    lam = paper.fact(PAPER, "newsgroups_fae_lambda1") if lam_paper is None else lam_paper
    return rrr.find_another_explanation(DATASET, data, [lam] * iterations, seeds, train)


def fae_words(chain: list[dict], data: dict, example: int = 0, k: int = 5) -> pd.DataFrame:
    """Per iteration, the ``k`` words whose TF-IDF most raises the christian logit over the atheism one for test
    message ``example`` (green in Fig 10) and the ``k`` that most lower it (red), from the first seed's model."""
    x = rrr.load_task(DATASET, **data).tests["test"].x[example:example + 1].clone().requires_grad_(True)
    vocab = newsgroups.vocabulary(data["data_root"], data["max_features"])
    rows = []
    for it in chain:
        model = rrr.models_of({"states": it["states"][:1]}, DATASET)[0]
        logits = model(x)
        (g,) = torch.autograd.grad((logits[0, 1] - logits[0, 0]), x)
        g = g[0].numpy()
        order = np.argsort(g)
        rows.append({"iteration": it["iteration"], "towards christian": ", ".join(vocab[order[::-1][:k]]),
                     "towards atheism": ", ".join(vocab[order[:k]])})
    return pd.DataFrame(rows)


def accuracy_rows(ex: dict | None) -> pd.DataFrame:
    """Per seed, test accuracy of the A = 0 model in :mod:`mlxbook.paper`'s names (empty without the data)."""
    cols = ["dataset", "method", "seed", "accuracy"]
    if ex is None:
        return pd.DataFrame(columns=cols)
    s = ex["scores"]
    return s[s["test_set"] == "test"].assign(dataset=DATASET, method="erm")[cols].reset_index(drop=True)


NEEDS = "needs 20 Newsgroups at data_root"


def claims(claims_: rrr.Claims, ex: dict | None, agree: pd.DataFrame | None, fae_acc: pd.DataFrame | None,
           cutoff: float = 0.1) -> None:
    """The text claims of Sec 3.2 (Figs 5, 10, 14) with our measurement and verdict, or "needs data".

    Rules: LIME and gradients 'match closely' when at least 80% of LIME's words get the gradient's sign
    and at least half of them are among the gradient's as-many top words (partly: 60% same sign);
    gradients are 'less sparse' when they mark (|w| >= 1% of the largest) more words than LIME in every
    message; on the longest message gradients find words LIME ignores when at least as many message
    words as LIME selects have |w| >= ``cutoff`` x the largest and are not LIME's; FAE accuracy does not
    'fall off immediately' when the test accuracy of iteration 1 is within 5 points of iteration 0.
    """
    add = claims_.add
    rows = [("Sec 3.2 text, Fig 5", "LIME and input gradients pick the same words with matching signs", "match closely"),
            ("Sec 3.2 text, Fig 5", "input gradients are less sparse than LIME", "less sparse"),
            ("Sec 3.2 text, Fig 5", "gradients also weigh words outside the message", "local and global power"),
            ("Sec 3.2 text, Fig 14", "on long messages gradients mark many words LIME ignores", "LIME overly sparse"),
            ("Sec 3.2 text, Fig 10", "FAE (lambda_1 = 250): accuracy does not fall off immediately", "not immediately")]
    if ex is None:
        for where, claim, says in rows:
            add(where, claim, says, NEEDS, "needs data")
        return
    same, top = float(agree["same sign"].mean()), float(agree["LIME words in gradient top"].mean())
    add(*rows[0], f"same sign {same:.0%}, {top:.0%} of LIME's words in the gradient's top, rank corr. "
        f"{agree['rank correlation'].mean():.2f}", rrr.verdict(same >= 0.8 and top >= 0.5, same >= 0.6))
    more = agree["gradient words (>= 1% of max)"] > agree["LIME words"]
    add(*rows[1], f"gradient marks {agree['gradient words (>= 1% of max)'].median():.0f} words (median), LIME "
        f"{agree['LIME words'].median():.0f}", rrr.verdict(bool(more.all()), bool(more.any())))
    outside = []
    for e in ex["examples"]:
        order = np.argsort(-np.abs(e["gradient"]))[:len(e["lime"])]
        outside.append(sum(ex["vocabulary"][j] not in e["gradient_in_message"] for j in order))
    add(*rows[2], f"{np.mean(outside):.1f} of the gradient's top {len(ex['examples'][0]['lime'])} vocabulary words "
        "are not in the message (mean)", rrr.verdict(max(outside) > 0))
    longest = max(ex["examples"], key=lambda e: e["length"])
    grad = longest["gradient_in_message"]
    peak = max(abs(v) for v in grad.values())
    missed = [w for w, v in grad.items() if abs(v) >= cutoff * peak and w not in longest["lime"]]
    add(*rows[3], f"{longest['length']} words: {len(missed)} with |w| >= {cutoff:g} x max not in LIME's "
        f"{len(longest['lime'])}", rrr.verdict(len(missed) >= len(longest["lime"]), len(missed) > 0))
    test = fae_acc[fae_acc["test_set"] == "test"].groupby("iteration")["accuracy"].mean()
    drop = float(test.iloc[0] - test.iloc[1])
    add(*rows[4], f"test accuracy {test.iloc[0]:.3f} -> {test.iloc[1]:.3f} -> ... {test.iloc[-1]:.3f}",
        rrr.verdict(drop <= 0.05, drop <= 0.15))
