"""The cells the RRR chapter trains under its budget, for ``python -m mlxbook plan`` (:mod:`mlxbook.plan`).

It follows the chapter's calls in order (notebooks/rrr.ipynb: the toy colours' cells, Fig 3's sweeps,
Fig 4's chain, Fig 13's sizes, Iris-Cancer's splits and chains, decoy MNIST, 20 Newsgroups when its
archive is at ``data_root``). A find-another-explanation iteration's annotation is computed from the
model before it, so it cannot be written down before the chain runs: its cell is planned with a
stand-in annotation of the same kind (a non-empty A, so the same RRR method, steps and FLOPs) and counts
as stored when its whole chain is. LIME and gradient explanations are probes, not counted.
"""
from __future__ import annotations

from ... import paper
from ...book import store
from ...data import has_newsgroups
from . import text
from .setup import APPENDIX_MASKS, PAPER, toy_data
from .training import RRR, _fae, cell_spec


def _chain(dataset: str, data: dict, lambdas, seeds, train: dict) -> list:
    """The cells of one :func:`~.training.find_another_explanation` call: its A = 0 cell, then one cell per
    seed and iteration (stand-in annotation), each with the chain's stored-or-not check and its place in it."""
    stand_in = "anti_rule_1" if dataset == "toy_colours" else "task"
    lambdas = tuple(float(v) for v in lambdas)
    check = (_fae, (dataset, store.freeze(data), lambdas, tuple(seeds), store.freeze(train),
                    float(paper.fact(PAPER, "cutoff_c")), RRR.key()))
    out = [(cell_spec(dataset, dict(data), "none", 0.0, seeds, dict(train)), RRR)]
    out += [(cell_spec(dataset, dict(data), stand_in, lam, [seed], dict(train)), RRR, (*check, seed, i))
            for seed in seeds for i, lam in enumerate(lambdas, start=1)]
    return out


def cells(b, data_root=None) -> list:
    """(spec, family[, (stored function, its arguments)]) for every cell the chapter trains under budget ``b``."""
    lam1 = paper.fact(PAPER, "lambda1")
    out = [(cell_spec("toy_colours", dict(b.toy), "none", 0.0, b.toy_seeds, dict(b.toy_train)), RRR)]
    for axis, values in (("lambda", b.fig3_lambdas), ("annotated", b.fig3_counts + (b.toy_n_train,))):
        for v in values:
            whole = axis == "lambda" or int(v) >= b.toy["n_train"]
            spec = "anti_rule_1" if whole else f"anti_rule_1@{int(v)}"
            out.append((cell_spec("toy_colours", dict(b.toy), spec, float(v if axis == "lambda" else lam1), b.toy_seeds,
                                  dict(b.toy_train)), RRR))
    lams4 = [paper.fact(PAPER, "fae_lambda1_theta1"), paper.fact(PAPER, "fae_lambda1_theta2")]
    out += _chain("toy_colours", b.toy, lams4, b.toy_seeds, b.toy_train)
    for mask in APPENDIX_MASKS:
        for n in b.fig13_sizes:
            out.append((cell_spec("toy_colours", toy_data(n, b.fig13_n_test), mask, float(lam1), b.fig13_seeds,
                                  {"steps": b.fig13_steps}), RRR))
    for split in b.iris_splits:
        for a in ("none", "task"):
            out.append((cell_spec("iris_cancer", {"seed": split}, a, float(lam1) if a == "task" else 0.0, [split],
                                  dict(b.iris_train)), RRR))
    for r in b.fig11_reruns:
        out += _chain("iris_cancer", {"seed": r}, [lam1] * b.fig11_iterations, [r], b.iris_train)
    decoy = {"n_train": b.decoy_n_train, "n_test": b.decoy_n_test, "data_root": data_root}
    for dataset, a in (("decoy_ross", "none"), ("decoy_ross", "task"), ("digits_clean", "none")):
        out.append((cell_spec(dataset, dict(decoy), a, float(lam1) if a == "task" else 0.0, b.decoy_seeds,
                              dict(b.decoy_train)), RRR))
    for lam in b.fig12_lambdas:
        out += _chain("decoy_ross", decoy, [lam] * b.fig12_iterations, [b.decoy_seeds[0]], b.decoy_train)
    if has_newsgroups(data_root):
        data = text.data_of(data_root)
        out.append((cell_spec(text.DATASET, dict(data), "none", 0.0, b.text_seeds, dict(b.text_train)), RRR))
        lam = paper.fact(PAPER, "newsgroups_fae_lambda1")
        out += _chain(text.DATASET, data, [lam] * b.fig10_iterations, b.text_seeds, b.text_train)
    return out
