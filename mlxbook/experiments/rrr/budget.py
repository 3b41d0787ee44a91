"""The chapter's budget: every size, grid and seed list of Ross et al. 2017's experiments for one profile.

The paper's values (App. A, dtak/rrr, Figs 8 and 11, LIME's defaults) on the ``paper`` profile; the
``smoke`` and ``cpu`` profiles scale them down, and :func:`chapter_budget` declares every scale-down
with ``ch.scale`` / ``ch.cap`` for the chapter's footer. The budget enters the stored results' keys as
the arguments it gives (sizes, seeds, settings), not as code.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ... import paper
from ...book import budget as book_budget
from ...data.digits import load_digits_source
from .setup import PAPER, toy_data


@dataclass(frozen=True)
class Budget(book_budget.Budget):
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
