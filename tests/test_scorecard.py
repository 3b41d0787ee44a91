"""The scorecard reads the verdicts chapters recorded, and nothing else."""
import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_notebook, new_output

from mlxbook import paper
from mlxbook.book import compare, scorecard
from mlxbook.book.chapter import start


def _executed(path, outputs):
    nb = new_notebook(cells=[new_code_cell("", outputs=outputs)])
    nbformat.write(nb, path)


def test_collects_table_rows_and_claims_with_links(tmp_path):
    rows = paper.numbers("two_stage", table="Table 5", dataset="triangle", n_train=10, ratio="1:1", test_set="test")
    ours = pd.DataFrame([{"dataset": "triangle", "n_train": 10, "ratio": "1:1", "test_set": "test", "method": "erm",
                          "seed": 0, "accuracy": 0.5, "collapsed": True}])
    table = compare.against_paper(rows, ours, on=["dataset", "n_train", "ratio", "test_set", "method"])
    rec = compare.record(table, label="tab-t5", caption="Table 5", claim="", profile="cpu")
    claim = {"paper": "rrr", "label": "claim-x", "claim": "c", "paper_says": "p", "ours": "o", "verdict": "partly",
             "why": "w", "profile": "cpu"}
    _executed(tmp_path / "a.ipynb", [new_output("display_data", data={"text/markdown": "t"},
                                                metadata={"mlxbook": {"comparison": rec}})])
    _executed(tmp_path / "b.ipynb", [new_output("display_data", data={"text/markdown": "t"},
                                                metadata={"mlxbook": {"claims": [claim]}}),
                                     new_output("stream", text="no record here")])
    card = scorecard.collect(tmp_path, ["a", "b", "missing"])
    assert len(card) == len(rows) + 1
    assert set(card.verdict) == {"collapsed", "not run", "partly"}
    assert "1 collapsed" in card[card.verdict == "collapsed"].ours.iloc[0]
    text = scorecard.markdown(card)
    assert text.count('<a href="a.html#tab-t5">') == 1 and '<a href="b.html#claim-x">' in text  # one link per table
    rows_shown = [x for x in text.splitlines() if x.startswith("| ") and not x.startswith(("| dataset", "| claim"))]
    assert text.count("<details>") == 2 and len(rows_shown) == 2  # the collapsed row and the claim; not-run rows
    assert f"{len(rows) - 1} not run" in text                       # are counted in the summary, not listed
    assert scorecard.tally(card).values.sum() == len(card)


def test_claims_are_recorded_on_the_chapter(monkeypatch):
    import pytest

    from mlxbook.errors import ConfigError

    ch = start("t", profile="smoke", show=False)
    one = pd.DataFrame({"claim": ["x"], "paper_says": ["y"], "ours": ["z"], "verdict": ["supported"]})
    compare.show_claims(ch, one, paper="rrr", label="c1", caption="c")
    assert ch.records[-1]["label"] == "c1"
    with pytest.raises(ConfigError, match="verdict 'maybe'"):
        compare.show_claims(ch, one.assign(verdict="maybe"), paper="rrr", label="c2", caption="c")
    with pytest.raises(ConfigError, match="paper='x'"):
        compare.show_claims(ch, one, paper="x", label="c2", caption="c")


def test_a_claims_table_gives_one_scorecard_row_per_claim(tmp_path):
    import pytest

    from mlxbook.errors import ConfigError

    ch = start("t", profile="smoke", show=False)
    table = pd.DataFrame({"where": ["Fig 1", "Fig 2"], "claim": ["a", "b"], "ours": ["x", "y"],
                          "verdict": ["supported", "not supported"]})
    compare.show_claims(ch, table, paper="ibp_ex", label="claims-t", caption="c")
    assert [r["claim"] for r in ch.records] == ["Fig 1: a", "Fig 2: b"]
    _executed(tmp_path / "c.ipynb", [new_output("display_data", data={"text/markdown": "t"},
                                                metadata={"mlxbook": {"claims": ch.records}})])
    card = scorecard.collect(tmp_path, ["c"])
    assert list(card.verdict) == ["supported", "not supported"] and set(card.label) == {"claims-t"}
    with pytest.raises(ConfigError, match="missing: ours"):
        compare.show_claims(ch, table.drop(columns="ours"), paper="ibp_ex", label="x", caption="c")
    with pytest.raises(ConfigError, match="'likely'"):
        compare.show_claims(ch, table.assign(verdict="likely"), paper="ibp_ex", label="x", caption="c")


def test_claims_come_first_with_every_registered_claim_and_a_json_summary(tmp_path):
    import json

    from mlxbook.book import verdicts
    from mlxbook.paper.claims import CLAIMS

    ch = start("t", profile="smoke", show=False)
    frame = pd.DataFrame([{"dataset": "triangle", "n_train": 10, "ratio": "1:1", "test_set": "test", "method": m,
                           "seed": s, "accuracy": v + 0.01 * s} for m, v in (("two_stage", 0.8), ("erm", 0.6))
                          for s in range(3)])
    judged = verdicts.judge("two_stage.balanced_vs_no_expl", frame, profile="smoke")
    rec = judged.record() | {"label": "claims-x"}
    _executed(tmp_path / "baselines.ipynb", [new_output("display_data", data={"text/markdown": "t"},
                                                        metadata={"mlxbook": {"verdicts": [rec]}})])
    claims = scorecard.claims(tmp_path, ["baselines"])
    assert list(claims.claim) == list(CLAIMS)
    row = claims.set_index("claim").loc["two_stage.balanced_vs_no_expl"]
    assert row.verdict == judged.verdict and row.chapter == "baselines"
    assert (claims.set_index("claim").drop(index="two_stage.balanced_vs_no_expl").verdict == "not run").all()
    text = scorecard.claims_markdown(claims, headline=True)
    assert '<a href="baselines.html#claims-x">' in text and text.count("\n") == sum(c.headline for c in CLAIMS.values()) + 1
    rows = scorecard.collect(tmp_path, ["baselines"])
    out = json.loads(scorecard.write_summary(tmp_path / "s.json", claims, rows).read_text())
    assert out["two_stage"]["claims"][judged.verdict] == 1
    assert sum(out["rrr"]["claims"].values()) == sum(c.paper == "rrr" for c in CLAIMS.values())
    assert any(h["claim"] == "two_stage.balanced_vs_no_expl" for h in out["two_stage"]["headline"])
    del ch


def test_the_scorecard_command_prints_json(tmp_path, root):
    import json
    import shutil
    import subprocess
    import sys

    (tmp_path / "book" / "chapters").mkdir(parents=True)
    shutil.copy(root / "_toc.yml", tmp_path / "_toc.yml")
    run = subprocess.run([sys.executable, "-m", "mlxbook", "--root", str(tmp_path), "scorecard", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out) == {"two_stage", "rrr", "ibp_ex"} and out["ibp_ex"]["claims"]["not run"] > 0
    missing = subprocess.run([sys.executable, "-m", "mlxbook", "--root", str(tmp_path / "none"), "scorecard"],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "error:" in missing.stderr


def test_a_chapter_footer_records_what_it_trained_with_and_the_intro_reads_it(tmp_path, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append((obj, kw)))
    monkeypatch.setattr("myst_nb.glue", lambda key, obj, display=True: shown.append((key, obj)))
    InteractiveShell.instance()
    ch = start("t", profile="cpu", show=False)
    ch.seeds(30, cpu=3)
    ch.cap("epochs", 100, cpu=20)
    ch.cap("epochs", 10)
    ch.scale("image side (px)", 32, 64)
    ch.finish()
    (footer, kw), (key, findings) = shown
    budget = kw["metadata"]["mlxbook"]["budget"]
    assert budget["used"] == {"seeds": ["3"], "epochs": ["20", "10"], "image side (px)": ["32"]}
    assert "models trained per configuration: 3" in footer.data and "training epochs per model: 20, 10" in footer.data
    assert key == "chapter_findings" and "judges none" in findings.data
    _executed(tmp_path / "c.ipynb", [new_output("display_data", data={"text/markdown": footer.data},
                                                metadata=kw["metadata"])])
    ran = scorecard.budgets(tmp_path, ["c", "missing"])
    assert ran.to_dict("records") == [{"chapter": "c", "title": "t", "profile": "cpu", "wall time (s)": round(budget["seconds"]),
                                       "seeds": "3", "epochs": "20, 10", "training examples (large data)": "–",
                                       "test examples per test set": "–", "image side (px)": "32"}]
    assert scorecard.budgets_markdown(tmp_path, ["missing"]).startswith("**No executed chapter")


def test_the_answers_list_each_papers_headline_claims_with_verdict_and_link(tmp_path):
    from mlxbook.book import verdicts

    per_seed = pd.DataFrame([{"dataset": "decoy_mnist", "metric": "wg_acc", "method": m, "seed": s, "value": v + 0.01 * s}
                             for m, v in [("ibp_ex_rrr", 0.9), ("ibp_ex", 0.4)] for s in range(3)])
    j = verdicts.judge("ibp_ex.combined_vs_ibp_ex", per_seed, value="value", label="claims-t1")
    _executed(tmp_path / "ibp_ex.ipynb", [new_output("display_data", data={"text/markdown": "t"},
                                                     metadata={"mlxbook": {"verdicts": [j.record()]}})])
    table = scorecard.claims(tmp_path, ["ibp_ex"])
    text = scorecard.answers_markdown(table)
    assert text.count("headline claims;") == 3
    line = next(x for x in text.splitlines() if "claims-t1" in x)
    assert line.startswith(f"- **{verdicts.MARKS[j.verdict]}") and 'href="ibp_ex.html#claims-t1"' in line
    assert "3 seeds" in line and "paper +0.474" in line
    assert "the baselines chapter was not executed" in text  # an unjudged headline claim says why


def test_counts_take_their_noun_in_the_right_number():
    from mlxbook.book import words

    assert words.count(1, "seed") == "1 seed" and words.count(3, "seed") == "3 seeds"
    assert words.count(1000, "image") == "1,000 images" and words.count(2, "axis", "axes") == "2 axes"


def test_a_verdict_on_calibrated_data_stands_beside_the_main_one_and_says_when_it_differs(tmp_path):
    from mlxbook.book import verdicts

    def frame(gap):
        return pd.DataFrame([{"dataset": "triangle", "n_train": 10, "ratio": "1:1", "test_set": "test", "method": m,
                              "seed": s, "accuracy": v + 0.01 * s}
                             for m, v in (("two_stage", 0.6 + gap), ("erm", 0.6)) for s in range(4)])

    easy = verdicts.judge("two_stage.balanced_vs_no_expl", frame(0.0), profile="smoke")
    hard = verdicts.judge("two_stage.balanced_vs_no_expl", frame(0.2), profile="smoke", data="calibrated")
    assert easy.verdict != hard.verdict and "calibrated data" in verdicts.where(hard)
    _executed(tmp_path / "baselines.ipynb", [new_output("display_data", data={"text/markdown": "t"}, metadata={
        "mlxbook": {"verdicts": [easy.record() | {"label": "a"}, hard.record() | {"label": "b"}]}})])
    claims = scorecard.claims(tmp_path, ["baselines"])
    row = claims.set_index("claim").loc["two_stage.balanced_vs_no_expl"]
    assert row.verdict == easy.verdict and [o["data"] for o in row.other_data] == ["calibrated"]  # as described leads
    table = scorecard.by_data(claims)
    assert len(table) == 1 and list(table.columns) == ["claim", "as described", "calibrated", "verdict depends on the data"]
    assert table["verdict depends on the data"].iloc[0] == "yes"
    assert verdicts.MARKS[hard.verdict] in table.calibrated.iloc[0]
    same = verdicts.side_by_side([easy], [verdicts.judge("two_stage.balanced_vs_no_expl", frame(0.0), data="calibrated")])
    assert same["verdict depends on the data"].iloc[0] == "no"
    assert verdicts.side_by_side([easy], []).empty  # a claim judged on one variant only is not listed
