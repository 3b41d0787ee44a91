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


def test_matching_values_and_order_are_supported():
    p = _paper()
    t = compare.against_paper(p, _ours(dict(zip(p.method, p.value))), on=ON)
    assert (t.verdict == "supported").all() and ((t.ours - t.value).abs() < 1e-9).all() and (t.seeds == 3).all()


def test_far_value_with_right_order_is_partly_and_reversed_order_is_flagged():
    p = _paper().set_index("method")["value"]
    shifted = compare.against_paper(_paper(), _ours({m: v - 0.3 for m, v in p.items()}), on=ON)
    assert (shifted.verdict == "partly").all() and shifted.why.str.contains("gap").all()
    # two-stage below the baselines, far off: the paper's gap (> tol) is reversed
    rev = compare.against_paper(_paper(), _ours({"erm": p["erm"], "rrr": p["rrr"], "two_stage": 0.3}), on=ON)
    row = rev.set_index("method").loc["two_stage"]
    assert row.verdict == "not supported" and "ordering" in row.why


def test_spread_widens_the_value_check():
    rows = _paper().assign(std=float("nan"))  # the paper's own spread would hide a gap of 0.1
    p = rows.set_index("method")["value"]
    narrow = compare.against_paper(rows, _ours({m: v + 0.1 for m, v in p.items()}), on=ON, tol=0.01)
    wide = compare.against_paper(rows, _ours({m: v + 0.1 for m, v in p.items()}, spread=0.06), on=ON, tol=0.01)
    assert (narrow.why.str.contains("gap")).all() and not wide.why.str.contains("gap").any()


def test_missing_results_name_their_reason():
    t = compare.against_paper(_paper(), _ours({}).iloc[:0], on=ON, missing={"triangle": "needs CUB-200-2011 at data_root"})
    assert (t.verdict == "needs data").all() and (t.why == "needs CUB-200-2011 at data_root").all()
    t = compare.against_paper(_paper(), _ours({"erm": 0.6}), on=ON)
    assert set(t.verdict) == {"supported", "not run"}


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
    assert compare.rule_verdict(True) == compare.rule_verdict(True, True) == "supported"
    assert compare.rule_verdict(False, True) == "partly"
    assert compare.rule_verdict(False) == "not supported"
    assert compare.rule_verdict(None, True) == "not run"
    assert set(map(compare.rule_verdict, (True, False, None))) <= set(compare.VERDICTS)
