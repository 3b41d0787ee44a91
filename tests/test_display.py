"""How pages show the tables they build (mlxbook.book.display): the papers' names, the book's precision."""
import math

import pandas as pd
import pytest

from mlxbook.book import display
from mlxbook.paper import names


@pytest.mark.parametrize("x, shown", [(0.66666, "0.667"), (1.0, "1.000"), (0.0, "0.000"), (6.3e-05, "6.3e-05"),
                                      (478.73, "479"), (12345.6, "12,346"), (3, "3"), (1200, "1,200"),
                                      (math.nan, "–"), (None, "–"), ("word", "word"), (True, "True")])
def test_a_number_has_the_books_precision(x, shown):
    assert display.number(x) == shown


def test_a_table_shows_names_not_keys_and_counts_as_integers():
    frame = pd.DataFrame({"method": ["erm", "two_stage"], "dataset": ["fox_cat", "triangle"], "n_train": [50.0, 100.0],
                          "val_wg_acc": [2 / 3, 1.0], "test_set": ["triangle_vs_circle", "test"], "ratio": ["1:1", "1:9"]})
    shown = display.readable(frame, paper="two_stage")
    assert list(shown.columns) == ["method", "dataset", "training size", "validation Wg Acc", "test set", "class ratio"]
    assert shown["method"].tolist() == ["No expl", "Ours (two-stage)"]
    assert shown["dataset"].tolist() == ["Fox vs Cat", "Triangle"]
    assert shown["training size"].tolist() == ["50", "100"] and shown["validation Wg Acc"].tolist() == ["0.667", "1.000"]
    assert shown["test set"].tolist() == ["Triangle vs Circle", "test"]
    assert display.readable(frame)["method"].tolist() == ["ERM", "Two-stage"]  # elsewhere, the usual names


def test_an_index_becomes_named_columns_and_method_columns_get_names():
    frame = pd.DataFrame({"dataset": ["fox_cat", "fox_cat"], "method": ["erm", "rrr"], "accuracy": [0.5, 0.75]})
    grouped = display.readable(frame.groupby(["dataset", "method"])["accuracy"].agg(["mean", "std"]))
    assert list(grouped.columns) == ["dataset", "method", "mean", "std"]
    assert grouped["method"].tolist() == ["ERM", "RRR"] and grouped["std"].tolist() == ["–", "–"]
    wide = display.readable(frame.pivot(index="dataset", columns="method", values="accuracy"), paper="two_stage")
    assert list(wide.columns) == ["dataset", "No expl", "Grad Reg"] and wide.iloc[0].tolist() == ["Fox vs Cat", "0.500", "0.750"]
    rows = display.readable(frame.set_index("method")[["accuracy"]].T)  # an unnamed index keeps its labels, named
    assert rows.iloc[0, 0] == "accuracy" and list(rows.columns)[1:] == ["ERM", "RRR"]


def test_a_column_heading_that_is_not_a_key_is_kept():
    assert names.column("||beta||^2 + ||W||_F^2") == "||beta||^2 + ||W||_F^2"
    assert names.column("max_grad_x2_at_data") == "max grad x2 at data"
    assert names.column("val_avg_acc") == "validation Avg Acc" and names.column("runtime_s_lime").startswith("seconds")


def test_a_markdown_table_escapes_pipes_and_keeps_one_row_per_line():
    from mlxbook.book.display import markdown_table

    text = markdown_table(pd.DataFrame({"a": ["x | y", "z"], "b": ["**bold**", "two\nlines"]}))
    lines = text.splitlines()
    assert lines[0] == "| a | b |" and lines[1] == "| --- | --- |" and len(lines) == 4
    assert "x \\| y" in lines[2] and "two lines" in lines[3]
