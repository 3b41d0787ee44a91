"""Paper-vs-ours tables: the verdict rule, and that every paper value in a chapter comes from mlxbook.paper."""
import ast
import json
import re

import nbformat
import pandas as pd
import pytest

from mlxbook import paper
from mlxbook.book import compare
from mlxbook.errors import ConfigError

ON = ["dataset", "n_train", "ratio", "test_set", "method"]


def _paper():
    return paper.numbers("two_stage", table="Table 5", dataset="triangle", n_train=10, ratio="1:1", test_set="test")


def _ours(values, spread=0.0):
    return pd.DataFrame([{"dataset": "triangle", "n_train": 10, "ratio": "1:1", "test_set": "test", "method": m,
                          "seed": s, "accuracy": v + spread * (s - 1)} for m, v in values.items() for s in range(3)])


def test_a_paper_number_is_context_against_our_prediction_interval():
    p = _paper()
    same = compare.against_paper(p, _ours(dict(zip(p.method, p.value)), spread=0.01), on=ON)
    assert (same.context == "inside").all() and ((same.ours - same.value).abs() < 1e-9).all() and (same.seeds == 3).all()
    assert ((same.low < same.value) & (same.value < same.high)).all()
    low = compare.against_paper(p, _ours({m: v - 0.3 for m, v in zip(p.method, p.value)}, spread=0.01), on=ON)
    assert (low.context == "paper higher").all()
    one = compare.against_paper(p, _ours(dict(zip(p.method, p.value))).query("seed == 0"), on=ON)
    assert (one.context == "one seed").all()


def test_collapsed_seeds_are_counted_and_a_fully_collapsed_row_is_named():
    p = _paper()
    ours = _ours(dict(zip(p.method, p.value)), spread=0.01)
    ours["collapsed"] = ours.method.eq("erm") | (ours.method.eq("rrr") & ours.seed.eq(0))
    t = compare.against_paper(p, ours, on=ON).set_index("method")
    assert t.loc["erm", "context"] == "collapsed" and t.loc["erm", "collapsed"] == 3
    assert t.loc["rrr", "collapsed"] == 1 and t.loc["rrr", "context"] in ("inside", "paper higher", "paper lower")
    assert t.loc["two_stage", "collapsed"] == 0


def test_missing_results_name_their_reason():
    t = compare.against_paper(_paper(), _ours({}).iloc[:0], on=ON, missing={"triangle": "needs CUB-200-2011 at data_root"})
    assert (t.context == "needs data").all() and (t.why == "needs CUB-200-2011 at data_root").all()
    t = compare.against_paper(_paper(), _ours({"erm": 0.6}, spread=0.05), on=ON)
    assert set(t.context) == {"inside", "not run"}
    text = compare.markdown(t, label="x", caption="c")  # computed rows listed, the others counted in one line
    not_run = int((t.context == "not run").sum())
    assert text.count("\n| ") == 1 + (len(t) - not_run) and f"{not_run} not run" in text


def test_record_keys_find_the_paper_row():
    t = compare.against_paper(_paper(), _ours({"erm": 0.6}), on=ON)
    rec = json.loads(json.dumps(compare.record(t, label="x", caption="c", claim="", profile="cpu")))
    for row in rec["rows"]:
        match = paper.numbers(**row["key"])
        assert len(match) == 1 and match.value.iloc[0] == row["paper_value"]
    assert "<a id=\"x\"></a>" in compare.markdown(t, label="x", caption="c")


def test_bad_input_is_named():
    with pytest.raises(ConfigError, match="no paper rows"):
        compare.against_paper(_paper().iloc[:0], _ours({}), on=ON)
    with pytest.raises(ConfigError, match="no column 'accuracy'"):
        compare.against_paper(_paper(), _ours({"erm": 0.6}).drop(columns="accuracy"), on=ON)


def _paper_values():
    values = set(paper.numbers()["value"].dropna().round(6)) - {0.0, 0.5, 1.0}
    return values


def test_experiment_modules_type_no_paper_number(root):
    """A literal with three or more decimals equal to a published number fails (coarse values such as 0.1 or
    0.05 are thresholds and grid points far too often to tell apart from a paper's)."""
    values = {v for v in _paper_values() if round(v, 2) != v}
    for path in sorted((root / "mlxbook" / "experiments").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, float) and not isinstance(node.value, bool):
                assert round(node.value, 6) not in values, f"{path.relative_to(root)}:{node.lineno}: literal {node.value} is a paper number"


def test_chapters_type_no_paper_number(root):
    """Paper values reach a chapter only through mlxbook.paper: no literal equal to one, in code or prose."""
    values = _paper_values()
    percents = {round(v * 100, 4) for v in values}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
                for node in ast.walk(ast.parse(source)):
                    if isinstance(node, ast.Constant) and isinstance(node.value, float):
                        assert round(node.value, 6) not in values, f"{path.name}: literal {node.value} is a paper number"
            else:
                for m in re.finditer(r"(?<![\d.])(0\.\d{3})(?!\d)|(?<![\d.])(\d{1,2}\.\d)\s?%", cell.source):
                    frac = m.group(1)
                    assert not (frac and round(float(frac), 6) in values), f"{path.name}: prose types {frac}"
                    pct = m.group(2)
                    assert not (pct and round(float(pct), 4) in percents), f"{path.name}: prose types {pct}%"


def test_a_stated_rule_gives_the_books_words():
    assert "vacuous" in compare.VERDICTS
    assert compare.rule_verdict(True) == compare.rule_verdict(True, True) == "supported"
    assert compare.rule_verdict(False, True) == "partly"
    assert compare.rule_verdict(False) == "not supported"
    assert compare.rule_verdict(None, True) == "not run"
    assert set(map(compare.rule_verdict, (True, False, None))) <= set(compare.VERDICTS)
