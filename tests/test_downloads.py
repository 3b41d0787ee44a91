"""Per-seed results beside each table: written with their provenance, linked under the table, exported."""
import json
import subprocess
import sys

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_notebook, new_output

from mlxbook import paper
from mlxbook.book import compare, downloads, verdicts
from mlxbook.book.chapter import start


def _per_seed():
    return pd.DataFrame([{"dataset": "triangle", "n_train": 10, "ratio": "1:1", "test_set": "test", "method": m,
                          "seed": s, "accuracy": v + 0.01 * s, "collapsed": False}
                         for m, v in (("erm", 0.6), ("two_stage", 0.8)) for s in range(3)])


def test_a_comparison_table_writes_its_per_seed_frame_with_provenance_and_links_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLXBOOK_CHAPTER", "baselines")
    ch = start("t", profile="smoke", show=False)
    rows = paper.numbers("two_stage", table="Table 5", dataset="triangle", n_train=10, ratio="1:1", test_set="test")
    table = compare.against_paper(rows, _per_seed(), on=["dataset", "n_train", "ratio", "test_set", "method"])
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    compare.show(ch, table, label="tab-x", caption="Table 5.")
    csv = tmp_path / "results" / "baselines" / "tab-x.csv"
    assert pd.read_csv(csv).accuracy.tolist() == _per_seed().accuracy.tolist()  # every seed, not the means
    meta = json.loads(csv.with_suffix(".json").read_text())
    assert meta["profile"] == "smoke" and meta["commit"] and meta["caption"] == "Table 5." and meta["rows"] == 6
    assert meta["columns"]["seed"].startswith("the training seed") and set(meta["columns"]) == set(_per_seed().columns)
    assert 'href="results/baselines/tab-x.csv"' in shown[-1].data and "tab-x.json" in shown[-1].data


def test_a_claims_table_offers_the_frame_it_judged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLXBOOK_CHAPTER", raising=False)
    monkeypatch.setattr("IPython.display.display", lambda *a, **kw: None)
    ch = start("Two stage, ablation", profile="smoke", show=False)
    ch.judge(_per_seed(), "two_stage.balanced_vs_no_expl", label="claims-x")
    assert len(pd.read_csv(tmp_path / "results" / "two-stage-ablation" / "claims-x.csv")) == 6  # named by its title


def test_export_gathers_every_file_and_the_claims_one_row_per_variant(tmp_path, root):
    chapters = tmp_path / "book" / "chapters"
    (chapters / "results" / "baselines").mkdir(parents=True)
    frame = _per_seed()
    frame.to_csv(chapters / "results" / "baselines" / "tab-x.csv", index=False)
    (chapters / "results" / "baselines" / "tab-x.json").write_text(json.dumps(
        {"label": "tab-x", "caption": "c", "chapter": "baselines", "profile": "smoke", "commit": "abc", "rows": 6}))
    easy = verdicts.judge("two_stage.balanced_vs_no_expl", frame, profile="smoke")
    hard = verdicts.judge("two_stage.balanced_vs_no_expl", frame, profile="smoke", data="calibrated")
    nbformat.write(new_notebook(cells=[new_code_cell("", outputs=[new_output(
        "display_data", data={"text/markdown": "t"},
        metadata={"mlxbook": {"verdicts": [easy.record() | {"label": "a"}, hard.record() | {"label": "b"}]}})])]),
        chapters / "baselines.ipynb")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/chapters/baselines\n")
    dest = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "mlxbook", "--root", str(tmp_path), "export", str(dest)],
                         capture_output=True, text=True, cwd=root, timeout=300)
    assert run.returncode == 0, run.stderr
    assert pd.read_csv(dest / "baselines" / "tab-x.csv").equals(frame)
    index = pd.read_csv(dest / "index.csv")
    assert index.file.tolist() == ["baselines/tab-x.csv"] and index.commit.tolist() == ["abc"]
    claims = pd.read_csv(dest / "claims.csv")
    judged = claims[claims.claim == "two_stage.balanced_vs_no_expl"]
    assert judged.data.tolist() == ["as described", "calibrated"] and (judged.estimate > 0.19).all()
    assert (claims[claims.claim != "two_stage.balanced_vs_no_expl"].verdict == "not run").all()


def test_export_without_an_executed_book_names_what_to_run(tmp_path):
    import pytest

    with pytest.raises(FileNotFoundError, match="run `make book`"):
        downloads.export(tmp_path, tmp_path / "out", pd.DataFrame())


def test_explanation_maps_become_one_row_per_map_example_and_feature():
    import numpy as np

    frame = downloads.per_feature({"gradient": np.arange(12.0).reshape(2, 2, 3), "lime": np.ones((2, 6))}, by="map")
    assert len(frame) == 2 * 2 * 6 and list(frame.columns) == ["map", "example", "feature", "value"]
    second = frame[(frame["map"] == "gradient") & (frame.example == 1)]
    assert second.value.tolist() == list(range(6, 12)) and second.feature.tolist() == list(range(6))
