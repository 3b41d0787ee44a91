"""The cross-paper benchmark's protocol: same tuning budget, a fair selection, ranks, tests, costs."""
import numpy as np
import pandas as pd
import pytest

from mlxbook import paper
from mlxbook.experiments.benchmark import (
    costs,
    selection,
    settings,
    statistics,
    tables,
    training,
)

TINY = training.Budget(seeds=(0,), epochs=1, k=2, n_train_shapes=8, n_train_digits=10, n_train_colours=10, n_test=8,
                       image_size=32, widths=(2, 2, 2), batch_size=8)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_every_method_gets_the_same_number_of_configurations(k):
    cells = training.specs(TINY.__class__(**{**TINY.__dict__, "k": k}))
    per = pd.DataFrame([{"setting": c.setting, "method": c.method, "config": c.config} for c in cells])
    counts = per.groupby(["setting", "method"]).size()
    assert set(counts) == {k}
    # configurations of a method differ from each other, and the first is the package default's strength
    for m in settings.METHODS:
        configs = settings.configurations(m, k)
        assert len({tuple(sorted(c.items())) for c in configs}) == k


def test_every_method_runs_everywhere_or_says_why():
    cells = training.specs(TINY)
    ran = {(c.setting, c.method) for c in cells}
    reasons = tables.reasons()
    for s in settings.SETTINGS:
        for m in settings.METHODS:
            why = settings.not_applicable(m, s)
            assert ((s.key, m) in ran) != bool(why)
            if why:
                assert set(reasons[(reasons.method == m)]["column"]) >= set(s.columns)
    # the sparse variant runs on the shapes only, with minority-only masks; everyone else everywhere
    assert {s for s, m in ran if m == "two_stage_sparse"} == {s.key for s in settings.SETTINGS if s.sparse}
    for c in cells:
        assert c.spec.data.get("explanations", "all") == ("minority" if c.method == "two_stage_sparse" else "all")
        assert c.spec.model_kwargs["mapping"] is True  # one model per dataset, with m for the two-stage method


def test_same_seeds_epochs_and_model_for_every_method_on_a_setting():
    cells = training.specs(TINY)
    for key in {c.setting for c in cells}:
        specs = [c.spec for c in cells if c.setting == key]
        assert len({(s.seeds, s.epochs, s.model, str(s.model_kwargs), s.batch_size) for s in specs}) == 1


def test_split_halves_are_disjoint_and_cover():
    for n in (2, 7, 200):
        val, test = training.split_halves(n)
        assert len(set(val) & set(test)) == 0
        assert sorted([*val, *test]) == list(range(n))
        assert abs(len(val) - len(test)) <= 1


def _fake_scores():
    """Two settings; method a is best on validation with config 1, b with config 0."""
    rows = []
    for setting, column in (("triangle 1:1", "Triangle"), ("triangle 1:1", "Pentagon"), ("toy_colours", "Toy colours")):
        for method, best in (("erm", 1), ("rrr", 0)):
            for config in (0, 1):
                for seed in (0, 1):
                    for half in ("validation", "test"):
                        val = 0.9 if config == best else 0.6
                        # test halves disagree with validation: selection must not look at them
                        acc = val if half == "validation" else 1.5 - val
                        rows.append({"setting": setting, "column": column, "method": method, "config": config,
                                     "seed": seed, "half": half, "accuracy": acc, "worst_group_accuracy": acc - 0.1})
    return pd.DataFrame(rows)


def test_selection_uses_validation_halves_only_and_transfer_follows_its_source():
    scores = _fake_scores()
    chosen = selection.select(scores).set_index(["setting", "method"])["config"]
    assert chosen[("triangle 1:1", "erm")] == 1 and chosen[("triangle 1:1", "rrr")] == 0
    board = selection.leaderboard(scores)
    assert set(board.columns) >= {"column", "method", "seed", "accuracy", "worst_group_accuracy"}
    assert len(board) == 3 * 2 * 2  # columns x methods x seeds: one configuration each
    # the Pentagon column reuses the configuration chosen on Triangle's validation half
    pent = board[board.column == "Pentagon"].groupby("method")["config"].first()
    assert pent["erm"] == 1 and pent["rrr"] == 0
    assert np.allclose(board["accuracy"], 0.6)  # the test halves of the chosen configurations


def test_ties_go_to_the_earlier_configuration():
    scores = _fake_scores()
    scores["accuracy"] = 0.5
    assert set(selection.select(scores)["config"]) == {0}


def test_ranks_are_a_permutation_per_dataset_and_average_ranks():
    rng = np.random.default_rng(0)
    means = pd.DataFrame(rng.uniform(size=(len(settings.METHODS), 5)), index=list(settings.METHODS), columns=list("abcde"))
    means.loc["two_stage_sparse", "e"] = np.nan  # could not run there
    r = statistics.ranks(means)
    for col in means:
        ran = r[col].dropna()
        assert sorted(ran) == list(range(1, len(ran) + 1))
    assert np.isnan(r.loc["two_stage_sparse", "e"])
    table = statistics.rank_table(means)
    assert table["average rank"].is_monotonic_increasing
    assert table.loc["two_stage_sparse", "datasets"] == 4
    assert np.isclose(table.loc["erm", "average rank"], r.loc["erm"].mean())
    # ties share the average of the ranks they span, so every column still sums to n(n+1)/2
    means["a"] = 0.5
    assert np.isclose(statistics.ranks(means)["a"].sum(), len(settings.METHODS) * (len(settings.METHODS) + 1) / 2)


def test_wilcoxon_between_the_top_methods():
    means = pd.DataFrame({f"d{i}": {"erm": 0.9 + 0.001 * i, "rrr": 0.8, "cdep": 0.7 + 0.01 * i, "corm": 0.1}
                          for i in range(8)})
    table = statistics.wilcoxon_top(means, top=3)
    assert len(table) == 3
    assert set(table["method A"]) | set(table["method B"]) == {"erm", "rrr", "cdep"}
    first = table[(table["method A"] == "erm") & (table["method B"] == "rrr")].iloc[0]
    assert first["A better on"] == 8 and first["p"] < 0.01  # 8 of 8 datasets: exact p = 2 / 2**8
    assert (table["p (Holm)"] >= table["p"]).all()
    same = statistics.wilcoxon_top(pd.DataFrame({"d0": {"a": 0.5, "b": 0.5}, "d1": {"a": 0.5, "b": 0.5}}), top=2)
    assert same["p"].iloc[0] == 1.0


def test_holm():
    assert statistics.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_annotation_cost_arithmetic():
    label = paper.fact("two_stage", "label_cost_cents")
    expl = paper.fact("two_stage", "explanation_cost_cents")
    assert costs.annotation_cost(100, 100, False) == pytest.approx(100 * label)
    assert costs.annotation_cost(100, 100, True) == pytest.approx(100 * (label + expl))
    assert costs.annotation_cost(100, 10, True) == pytest.approx(100 * label + 10 * expl)  # sparse: explained only
    with pytest.raises(ValueError):
        costs.annotation_cost(10, 11, True)
    board = pd.DataFrame({"setting": ["triangle 1:9"] * 3, "column": ["Triangle 1:9"] * 3,
                          "method": ["erm", "two_stage", "two_stage_sparse"], "seed": [0] * 3,
                          "accuracy": [0.6, 0.9, 0.8]})
    counts = pd.DataFrame({"setting": ["triangle 1:9"] * 3, "method": ["erm", "two_stage", "two_stage_sparse"],
                           "n_train": [100] * 3, "n_explained": [100, 100, 10]})
    view = costs.cost_view(board, counts).set_index("method")
    assert view.loc["erm", "cost_cents"] == pytest.approx(100 * label)
    assert view.loc["two_stage_sparse", "cost_cents"] == pytest.approx(100 * label + 10 * expl)
    assert view.loc["two_stage", "points_per_cent"] == pytest.approx(90 / (100 * (label + expl)))


def test_training_counts_read_the_masks():
    counts = costs.training_counts(TINY).set_index(["setting", "method"])
    assert counts.loc[("triangle 1:9", "two_stage_sparse"), "n_explained"] < counts.loc[("triangle 1:9", "two_stage"), "n_explained"]
    assert counts.loc[("triangle 1:1", "erm"), "n_explained"] == TINY.n_train_shapes


def test_tiny_grid_end_to_end(tmp_path):
    chosen = [settings.setting("triangle 1:1"), settings.setting("iris_cancer")]
    cells, result, scores = training.run(TINY, settings=chosen, methods=("erm", "two_stage_sparse"), location=tmp_path)
    assert len(cells) == 2 * 2 + 2  # sparse variant does not run on Iris-Cancer
    assert set(scores["half"]) == {"validation", "test"}
    board = selection.leaderboard(scores)
    m = selection.matrix(board)
    assert list(m.columns) == ["Triangle", "Pentagon", "Iris-Cancer"] and list(m.index) == list(settings.METHODS)
    assert np.isnan(m.loc["two_stage_sparse", "Iris-Cancer"])
    assert m.loc["erm", ["Triangle", "Pentagon", "Iris-Cancer"]].notna().all()
    again = training.run(TINY, settings=chosen, methods=("erm", "two_stage_sparse"), location=tmp_path)[1]
    assert not any(again.computed)  # cached
