"""RRR's text experiment (Sec 3.2, Figs 5, 10, 14, Table 1) on the small 20 Newsgroups tree of conftest."""
import re

import numpy as np
import pandas as pd
import pytest
from conftest import NEWSGROUPS_WORDS

from mlxbook.book import compare
from mlxbook.data.newsgroups import messages
from mlxbook.experiments.rrr import claims as verdicts
from mlxbook.experiments.rrr import tables
from mlxbook.experiments.rrr import text as T
from mlxbook.experiments.rrr.training import fae_table

TRAIN = {"epochs": 40, "batch_size": 16}


@pytest.fixture(scope="module")
def data(newsgroups_root):
    return T.data_of(newsgroups_root, 40)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def ex(data, store):
    return T.explanations(data, [0], TRAIN, T.example_index(data), num_samples=60, n_timing=10, location=store)


def test_examples_are_the_first_messages_and_the_longest(data, newsgroups_root):
    docs, _ = messages(newsgroups_root, "test")
    index = T.example_index(data)
    assert index[:2] == (0, 1) and len(docs[index[-1]]) == max(len(d) for d in docs)


def test_model_learns_the_group_words(ex):
    test = ex["scores"][ex["scores"]["test_set"] == "test"]
    assert float(test["accuracy"].mean()) >= 0.9


def test_explanations_cover_message_words_and_time_both_methods(ex, newsgroups_root):
    docs, _ = messages(newsgroups_root, "test")
    for e in ex["examples"]:
        assert set(e["lime"]) <= set(re.split(r"\W+", docs[e["index"]]))  # LIME's own word split
        assert set(e["gradient_in_message"]) <= set(ex["vocabulary"])
        assert e["lime_seconds"] > 0 and e["gradient"].shape == (40,)
    assert len(ex["gradient_seconds"]) == 5 and min(ex["gradient_seconds"]) > 0
    assert np.mean(ex["gradient_seconds"]) < np.mean([e["lime_seconds"] for e in ex["examples"]])


def test_stored_explanations_are_read_back_not_recomputed(data, store, ex):
    again = T.explanations(data, [0], TRAIN, T.example_index(data), num_samples=60, n_timing=10, location=store)
    assert again["examples"][0]["lime_seconds"] == ex["examples"][0]["lime_seconds"]  # a recomputation re-times


def test_gradients_agree_with_lime_on_group_words(ex):
    table = tables.agreement(ex)
    assert list(table["message"]) == [e["index"] for e in ex["examples"]]
    assert float(table["same sign"].mean()) >= 0.7
    assert (table["gradient words (>= 1% of max)"] >= 1).all()


def test_agreement_arithmetic_on_a_made_up_example():
    ex = {"examples": [{"index": 7, "lime": {"a": 0.5, "b": -0.2, "c": 0.1},
                        "gradient_in_message": {"a": 0.3, "b": 0.1, "c": 0.05, "d": -0.001, "e": 0.0}}]}
    row = tables.agreement(ex).iloc[0]
    assert row["words in message"] == 5 and row["LIME words"] == 3
    assert row["same sign"] == pytest.approx(2 / 3)  # b disagrees
    assert row["rank correlation"] == pytest.approx(0.5)  # ranks (3,1,2) vs (3,2,1)
    assert row["LIME words in gradient top"] == 1.0  # gradient's top 3 by |w|: a, b, c
    assert row["gradient words (>= 1% of max)"] == 3  # d, e below 0.003


def test_words_table_marks_words_outside_the_message(ex):
    table = tables.words_table(ex, 0, k=40)
    assert list(table.columns) == ["LIME", "gradient (in message)", "gradient (whole vocabulary)"]
    assert table["gradient (whole vocabulary)"].str.contains("(not in message)", regex=False).any()


def test_find_another_explanation_chain_and_words(data, store, monkeypatch):
    monkeypatch.setenv("MLXBOOK_CACHE", str(store))
    chain = T.fae(data, [0], TRAIN, iterations=2)
    assert [it["iteration"] for it in chain] == [0, 1, 2] and chain[1]["lam_paper"] == 250
    assert 0 < chain[1]["a_fraction"][0] <= chain[2]["a_fraction"][0]  # A_i grows by union
    words = T.fae_words(chain, data, k=5)
    assert isinstance(words, pd.DataFrame) and list(words["iteration"]) == [0, 1, 2]
    first = words.loc[0, "towards christian"].split(", ")
    assert len(set(first) & set(NEWSGROUPS_WORDS["soc.religion.christian"])) >= 3


def test_claims_say_needs_data_without_the_archive():
    c = compare.Claims("rrr")
    verdicts.text_claims(c, None, None, None)
    frame = c.frame("Sec 3.2 text")
    assert len(frame) == 5 and set(frame["verdict"]) == {"needs data"} and tables.accuracy_rows(None).empty


def test_claims_measured_on_the_tree(data, store, ex, monkeypatch):
    monkeypatch.setenv("MLXBOOK_CACHE", str(store))
    c = compare.Claims("rrr")
    verdicts.text_claims(c, ex, tables.agreement(ex), fae_table(T.fae(data, [0], TRAIN, iterations=2)))
    frame = c.frame("Sec 3.2 text")
    assert len(frame) == 5 and "needs data" not in set(frame["verdict"])
    assert frame["ours"].str.len().min() > 5
    rows = tables.accuracy_rows(ex)
    assert list(rows.columns) == ["dataset", "method", "seed", "accuracy"] and set(rows["dataset"]) == {"newsgroups"}
