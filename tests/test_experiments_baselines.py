"""Sec 3.1-3.3 experiments (mlxbook.experiments.two_stage.baselines): budgets, the shared grid, Tables 1, 2, 5, Bird path."""

import numpy as np
import pytest
from test_data_cub import make_cub

from mlxbook import paper
from mlxbook.book import chapter
from mlxbook.experiments.two_stage import baselines as bl
from mlxbook.experiments.two_stage import figures
from mlxbook.experiments.two_stage.settings import NEEDS_CUB, Budget, table5_specs
from mlxbook.metrics import mean_pairwise_agreement

TINY = dict(seeds=(0, 1), epochs=1, n_test=8, image_size=32)


def _ch(profile):
    return chapter.start("t", profile=profile, device="cpu", show=False)


def test_budget_per_profile_declares_every_scale_down():
    cpu = _ch("cpu")
    b = bl.budget(cpu)
    assert b.seeds == (0, 1, 2) and b.epochs == 20 and b.n_test == 200 and b.image_size == 32
    assert b.sizes["fox_cat"] == (50, 100, 500) and b.sizes["triangle"] == (10, 50, 100)
    assert b.sizes["bird"] == bl.BIRD_SIZES
    assert {"seeds", "epochs", "n_test", "image size (px)", "grid", "Fox vs Cat sizes", "stopping"} <= set(cpu.scaled)
    full = _ch("paper")
    p = bl.budget(full)
    assert p.image_size == paper.fact("two_stage", "image_size") and len(p.seeds) == paper.fact("two_stage", "n_models")
    assert p.sizes["fox_cat"] == (50, 100, 500, 1000) and not full.scaled
    s = bl.budget(_ch("smoke"))
    assert s.sizes["triangle"] == (10,) and s.sizes["fox_cat"] == (50,) and s.epochs <= 2


def test_the_three_chapters_build_identical_specs():
    b1, b2 = bl.budget(_ch("cpu")), bl.budget(_ch("cpu"))
    s1, s2 = bl.grid_specs(b1), bl.grid_specs(b2)
    assert s1 == s2 and s1 == table5_specs(b1)
    assert len(s1) == 6 * (3 + 5)  # 6 sizes; 3 methods at 1:1, 5 at 1:9
    sparse = [s for s in s1 if s.data["explanations"] == "minority"]
    assert sparse and all(s.method == "two_stage" and s.data["ratio"] == "1:9" for s in sparse)
    assert not any(s.dataset == "bird" for s in s1)  # no CUB at data_root=None


def test_diagnosis_runs_change_only_the_learning_rate():
    b = Budget(**TINY, sizes={"fox_cat": (50, 100)})
    plain, fast = bl.diagnosis_specs(b)
    eta1, lr = paper.fact("two_stage", "synthetic_eta1"), paper.fact("two_stage", "synthetic_lr_no_expl")
    assert plain.method == "erm" and plain.method_kwargs["lr"] == eta1 and plain.data["n_train"] == 100
    assert fast.method == "two_stage" and fast.method_kwargs["eta1"] == lr
    assert fast.method_kwargs["eta2"] == paper.fact("two_stage", "synthetic_eta2_imbalanced_or_spurious")
    assert plain.data["ratio"] == fast.data["ratio"] == "1:9"


def test_per_model_agreement_averages_to_table2s_mean():
    rng = np.random.default_rng(0)
    preds = rng.integers(0, 2, size=(5, 40))
    m = {("fox_cat", 50, "1:1", "erm"): bl.pairwise_agreement(preds).numpy(),
         ("fox_cat", 50, "1:1", "two_stage"): bl.pairwise_agreement(np.repeat(preds[:1], 4, 0)).numpy()}
    rows = bl.per_model_agreement(m)
    erm = rows[rows.method == "erm"]
    assert len(erm) == 5 and erm.agreement.mean() == pytest.approx(mean_pairwise_agreement(preds))
    assert (rows[rows.method == "two_stage"].agreement == 1.0).all()  # identical models agree everywhere
    t = bl.table2(m, profile="cpu")
    row = t[(t.dataset == "fox_cat") & (t.n_train == 50)].set_index("method")
    assert row.loc["two_stage", "ours"] == 1.0 and row.loc["erm", "seeds"] == 5 and row.loc["rrr", "seeds"] == 0
    assert (t[t.dataset == "bird"].why == NEEDS_CUB).all()


@pytest.fixture(scope="module")
def tiny_grid(tmp_path_factory):
    import os

    os.environ["MLXBOOK_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    try:
        b = Budget(**TINY, sizes={"triangle": (10,), "fox_cat": (10,)})
        # every Triangle cell, and one Fox vs Cat cell for its transfer set (keeps the test fast)
        specs = [s for s in bl.grid_specs(b) if s.dataset == "triangle" or (s.data["ratio"], s.method) == ("1:1", "erm")]
        scores, curves, result = bl.run(specs, jobs=1)
        again = bl.run(specs, jobs=1)[2]
    finally:
        del os.environ["MLXBOOK_CACHE"]
    return b, specs, scores, curves, result, again


def test_grid_runs_once_and_keeps_every_test_set(tiny_grid):
    b, specs, scores, curves, result, again = tiny_grid
    assert all(result.computed) and not any(again.computed)  # the second chapter reads the store
    assert set(scores.test_set) == {"test", "pentagon", "triangle_vs_circle"}
    assert set(scores[scores.dataset == "triangle"].test_set) == {"test", "pentagon"}
    assert len(scores) == len(specs) * len(b.seeds) * 2
    assert set(curves.epoch) == {1} and curves.accuracy.between(0, 1).all()
    assert set(scores.method) == {"erm", "rrr", "focal", "two_stage", "two_stage_sparse"}


def test_tables_match_our_cells_to_the_paper_rows(tiny_grid):
    b, specs, scores, curves, result, _ = tiny_grid
    t5 = bl.table5(scores, profile="cpu", sizes=b.sizes)
    run = t5[t5.seeds > 0]
    assert set(zip(run.dataset, run.n_train)) == {("triangle", 10)}  # fox_cat 10 is not a paper size
    assert set(run.test_set) == {"test"} and set(run.ratio) == {"1:1", "1:9"}
    assert (run.seeds == 2).all() and run.context.isin(["inside", "paper higher", "paper lower", "collapsed", "one seed"]).all()
    assert ((run.collapsed >= 0) & (run.collapsed <= run.seeds)).all()
    mine = scores[(scores.dataset == "triangle") & (scores.test_set == "test") & (scores.method == "erm")
                  & (scores.ratio == "1:9")].accuracy.mean()
    assert run[(run.method == "erm") & (run.ratio == "1:9")].ours.iloc[0] == pytest.approx(mine)
    assert (t5[t5.dataset == "bird"].why == NEEDS_CUB).all()
    red = bl.table5(scores, lines=("red",), profile="cpu")
    assert set(red[red.seeds > 0].test_set) == {"pentagon"}
    t1 = bl.table1(scores, profile="cpu")
    assert set(t1[t1.seeds > 0].method) == {"erm", "rrr", "two_stage", "two_stage_sparse"}
    assert (t1[(t1.dataset == "fox_cat")].context == "not run").all()


def test_agreement_matrices_are_symmetric_with_unit_diagonal(tiny_grid):
    _, specs, _, _, result, _ = tiny_grid
    m = bl.agreement_matrices(result, specs)
    assert len(m) == len(specs)
    for a in m.values():
        assert a.shape == (2, 2) and np.allclose(a, a.T) and np.allclose(np.diag(a), 1)
    one = bl.agreement_matrices(result, specs, max_models=1)
    assert not one  # one model has no pair


def test_figures_have_one_panel_per_size_and_ratio(tiny_grid):
    import matplotlib.pyplot as plt

    _, specs, _, curves, result, _ = tiny_grid
    fig = figures.curve_figure(curves, "triangle")
    assert len([a for a in fig.axes if a.get_visible()]) == 2
    plt.close(fig)
    fig = figures.agreement_figure(bl.agreement_matrices(result, specs), [("triangle", 10)])
    assert len(fig.axes) >= 3
    plt.close(fig)
    with pytest.raises(Exception, match="no curves"):
        figures.curve_figure(curves, "bird")


def test_bird_path_on_a_tiny_cub_tree(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXBOOK_CACHE", str(tmp_path / "cache"))
    make_cub(tmp_path / "data")
    root = str(tmp_path / "data")
    b = Budget(**{**TINY, "n_test": 4}, sizes={"triangle": (), "fox_cat": (), "bird": (6,)})
    specs = bl.grid_specs(b, data_root=root)
    assert [(s.dataset, s.method, s.model) for s in specs] == [("bird", m, "bird_cnn") for m in ("erm", "rrr", "two_stage")]
    assert all(s.data["ratio"] == "1:1" and s.data["data_root"] == root for s in specs)
    scores, curves, result = bl.run(specs)
    assert set(scores.test_set) == {"test"} and len(scores) == 3 * 2
    t5 = bl.table5(scores, profile="cpu", data_root=root)
    bird = t5[t5.dataset == "bird"]
    assert len(bird) == 6 and (bird.why != NEEDS_CUB).all()  # data present: rows say the size was cut
    m = bl.agreement_matrices(result, specs)
    assert set(m) == {("bird", 6, "1:1", meth) for meth in ("erm", "rrr", "two_stage")}
    assert bl.table2_settings(root)[-1] == ("bird", 60) and ("bird", 60) not in bl.table2_settings(None)
    fig = figures.curve_figure(curves, "bird", ratios=("1:1",))
    assert len(fig.axes) == 1


def _stars(fig):
    """(colour, y) of every paper mark (plots.mark_paper) in ``fig``."""
    from matplotlib.colors import to_hex

    return sorted((to_hex(coll.get_facecolor()[0]), round(float(y), 3)) for ax in fig.axes for coll in ax.collections
                  if coll.get_gid() == "paper" for _, y in coll.get_offsets())


def test_result_figures_mark_the_papers_numbers_in_the_methods_colours(tiny_grid):
    """Figs 2-4 star Table 5's final accuracies and the transfer scatter Tables 1 and 5, for the settings we
    trained only, each in the house colour of its method."""
    import matplotlib.pyplot as plt

    from mlxbook.book import plots

    _, _, scores, curves, _, _ = tiny_grid
    t5 = paper.numbers("two_stage", table="Table 5", dataset="triangle", n_train=10, test_set="test")
    fig = figures.curve_figure(curves, "triangle")
    assert _stars(fig) == sorted((plots.method_colour(r.method), r.value) for r in t5.itertuples())
    plt.close(fig)
    t1 = paper.numbers("two_stage", table="Table 1", dataset="triangle", n_train=10).set_index(["ratio", "method"])
    both = t5.set_index(["ratio", "method"]).index.intersection(t1.index)
    fig = figures.transfer_figure(scores)
    assert len(both) == 6 and _stars(fig) == sorted((plots.method_colour(m), t1.value[(r, m)]) for r, m in both)
    plt.close(fig)


def test_house_colours_tell_apart_every_method_a_figure_draws_together():
    from mlxbook.book import plots
    from mlxbook.experiments.benchmark.settings import METHODS as BENCHMARK
    from mlxbook.experiments.two_stage import settings
    from mlxbook.paper import names

    assert set(names.METHODS) <= set(plots.METHOD_COLOURS)
    for together in (BENCHMARK, settings.IMBALANCED_METHODS, settings.ABLATION_METHODS):
        colours = [plots.method_colour(m) for m in together]
        assert len(set(colours)) == len(colours), together


def test_a_budget_in_words_states_what_it_trains():
    from mlxbook.experiments.two_stage.settings import describe

    b = Budget(seeds=(0, 1, 2), epochs=20, n_test=200, image_size=32, sizes={"triangle": (10, 50), "bird": (30,)})
    assert describe(b) == ("3 seeds, 20 epochs without early stopping, 32x32 images, 200 test images per test set; "
                           "training sizes Triangle 10, 50 (Bird 30: needs CUB-200-2011 at data_root)")
    assert describe(b, bird=True).endswith("training sizes Triangle 10, 50 and Bird 30")
    assert describe(Budget(seeds=(0,), epochs=1, n_test=8, image_size=16, sizes={}, patience=5)) == (
        "1 seed, 1 epoch with early stopping (patience 5), 16x16 images, 8 test images per test set")
