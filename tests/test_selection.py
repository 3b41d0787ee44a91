"""The book's one model-selection rule (mlxbook.book.selection.best) and the two protocols built on it."""
import numpy as np
import pandas as pd
import pytest

from mlxbook.book.selection import best
from mlxbook.errors import ConfigError


def _by_hand(scores: pd.DataFrame) -> dict:
    """Per group, the first-listed candidate among those with the highest mean (plain Python)."""
    out = {}
    for g in dict.fromkeys(scores["group"]):
        rows = scores[scores["group"] == g]
        means = {c: rows[rows["cand"] == c]["score"].mean() for c in dict.fromkeys(rows["cand"])}
        top = max(means.values())
        out[g] = next(c for c, m in means.items() if m == top)
    return out


def test_the_best_mean_over_seeds_wins_not_the_best_single_seed():
    scores = pd.DataFrame({"group": "g", "cand": ["a", "a", "b", "b"], "score": [0.9, 0.1, 0.6, 0.6]})
    chosen = best(scores, by=["group"], candidate="cand", metric="score")
    assert chosen.to_dict("records") == [{"group": "g", "cand": "b", "score": 0.6}]


@pytest.mark.parametrize("order", [["a", "b"], ["b", "a"]])
def test_ties_go_to_the_candidate_listed_first(order):
    scores = pd.DataFrame({"group": "g", "cand": order, "score": [0.5, 0.5]})
    assert best(scores, by=["group"], candidate="cand", metric="score")["cand"].tolist() == [order[0]]


def test_groups_are_chosen_apart_and_come_in_order_of_appearance():
    scores = pd.DataFrame({"s": ["y", "y", "x", "x"], "m": ["k", "k", "k", "k"], "cand": [0, 1, 0, 1],
                           "score": [0.2, 0.8, 0.7, 0.3]})
    chosen = best(scores, by=["s", "m"], candidate="cand", metric="score")
    assert chosen[["s", "cand"]].values.tolist() == [["y", 1], ["x", 0]]


def test_random_tables_agree_with_the_rule_written_by_hand():
    rng = np.random.default_rng(0)
    for _ in range(25):
        n = int(rng.integers(4, 40))
        scores = pd.DataFrame({"group": rng.choice(["p", "q", "r"], n), "cand": rng.choice(list("abcd"), n),
                               "score": rng.choice([0.25, 0.5, 0.75, 1.0], n)})  # coarse values: many ties
        chosen = best(scores, by=["group"], candidate="cand", metric="score")
        assert dict(zip(chosen["group"], chosen["cand"])) == _by_hand(scores)


def test_bad_input_names_what_is_wrong():
    scores = pd.DataFrame({"group": ["g"], "cand": ["a"], "score": [1.0]})
    with pytest.raises(ConfigError, match="accuracy"):
        best(scores, by=["group"], candidate="cand", metric="accuracy")
    with pytest.raises(ConfigError, match="empty"):
        best(scores.iloc[:0], by=["group"], candidate="cand", metric="score")
