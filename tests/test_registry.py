"""The method registry: every method has a label and its paper's search space; a new method is one file and
one line in each registry, and then trains through the engine, a grid and the cross-paper benchmark."""
import importlib
import sys
import textwrap

import pandas as pd
import pytest

from mlxbook import methods
from mlxbook.data import load
from mlxbook.experiments.benchmark import settings, training
from mlxbook.experiments.ibp_ex import grids
from mlxbook.methods import hparams
from mlxbook.train import RunSpec, fit, run_grid


def test_the_two_registries_name_the_same_methods():
    assert set(methods.METHODS) == set(hparams.HPARAMS)
    for name, entry in hparams.HPARAMS.items():
        space = entry.space()
        assert hparams.label(name) != name and entry.paper in ("two_stage", "rrr", "ibp_ex")
        assert all(isinstance(v, tuple) and v for v in space.values()), name
        for point in hparams.points(space)[:1]:  # the first point builds the method
            methods.build_method(name, **{k: float(v) for k, v in point.items()})


def test_search_spaces_are_the_papers():
    from mlxbook import paper

    assert hparams.search_space("rrr")["lam"] == tuple(paper.fact("ibp_ex", "lambda_grid_rrr_cdep"))
    assert hparams.search_space("two_stage")["eta2"] == tuple(paper.fact("two_stage", "eta_grid"))
    lo, hi = paper.fact("ibp_ex", "ibp_ex_epsilon_max_range")
    eps = hparams.search_space("ibp_ex")["eps_max"]
    assert eps[0] == lo and eps[-1] == hi and list(eps) == sorted(eps)
    assert grids.paper_grids() == {m: hparams.search_space(m) for m in grids.METHODS}
    assert grids.LABELS["ibp_ex_rrr"] == "IBP-Ex+RRR" == settings.LABELS["ibp_ex_rrr"]


def test_the_benchmark_runs_every_registered_method_but_the_ablations():
    assert settings.METHODS == ("erm", "focal", "rrr", "two_stage", "two_stage_sparse", "corm", "pgd_ex", "ibp_ex",
                                "ibp_ex_rrr", "cdep")
    assert settings.LABELS_ONLY == ("erm", "focal")  # read off the classes' uses_explanations


def test_labels_and_spaces_are_outside_the_store_keys():
    from mlxbook.provenance import COMPUTE_PARTS, NOT_COMPUTING

    assert "methods" in COMPUTE_PARTS and "methods/hparams.py" in NOT_COMPUTING


def test_an_unknown_method_names_the_registered_ones():
    with pytest.raises(ValueError, match="method='nope'.*ibp_ex_rrr"):
        hparams.label("nope")


TOY = '''
"""A toy method for tests: cross-entropy of logits divided by a temperature."""
from dataclasses import dataclass

from mlxbook.methods.base import Method, per_seed_cross_entropy


@dataclass
class Toy(Method):
    temperature: float = 1.0

    name = "toy"
    uses_explanations = False

    def loss(self, model, batch, progress):
        return per_seed_cross_entropy(model(batch.x) / self.temperature, batch.y)
'''


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """The toy method added the documented way: its file, a line in METHODS, a line in HPARAMS."""
    (tmp_path / "toy_method.py").write_text(textwrap.dedent(TOY))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("toy_method")
    monkeypatch.setitem(methods.METHODS, "toy", module.Toy)
    monkeypatch.setitem(hparams.HPARAMS, "toy", hparams.HParams("rrr", lambda: {"temperature": (1.0, 2.0)}))
    yield module.Toy
    sys.modules.pop("toy_method", None)


def test_a_new_method_trains_through_the_engine_the_grid_and_the_benchmark(toy, tmp_path):
    task = load("iris_cancer")
    from functools import partial

    from mlxbook.models import build_model

    build = partial(build_model, "mlp", in_features=task.n_features, n_classes=task.n_classes)
    result = fit(task, build, methods.build_method("toy", temperature=2.0), [0, 1], epochs=2, batched=False)
    assert set(result.scores(task).seed) == {0, 1}

    grid = run_grid([RunSpec("iris_cancer", "toy", "mlp", (0,), 2, method_kwargs={"temperature": 2.0})],
                    location=tmp_path / "grid")
    assert grid.computed == [True] and grid.cells[0]["model_kwargs"]["in_features"] == task.n_features

    assert settings.configurations("toy", 2) == [{"temperature": 1.0, "lr": 0.01}, {"temperature": 2.0, "lr": 0.01}]
    b = training.Budget(seeds=(0,), epochs=1, k=2, n_train_shapes=8, n_train_digits=10, n_train_colours=10,
                        n_test=8, settings=("iris_cancer",))
    cells, _, scores = training.run(b, methods=("erm", "toy"), location=tmp_path / "bench")
    assert [c.method for c in cells] == ["erm", "erm", "toy", "toy"]
    assert isinstance(scores, pd.DataFrame) and set(scores.method) == {"erm", "toy"}
    assert scores.accuracy.between(0, 1).all()
