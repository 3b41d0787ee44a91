"""The per-paper reproduction report is read back from the executed chapters: claims, data, compute, deviations."""
import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from mlxbook import paper
from mlxbook.book import compare, report, verdicts
from mlxbook.paper.claims import CLAIMS


def _chapter(path, outputs, text=""):
    nbformat.write(new_notebook(cells=[new_markdown_cell(text), new_code_cell("", outputs=outputs)]), path)


def _out(meta):
    return new_output("display_data", data={"text/markdown": "t"}, metadata={"mlxbook": meta})


def test_a_report_gives_scope_data_compute_results_deviations_and_what_was_hard(tmp_path):
    per_seed = pd.DataFrame([{"dataset": "triangle", "n_train": 10, "ratio": "1:1", "test_set": "test", "method": m,
                              "seed": s, "accuracy": v + 0.01 * s} for m, v in (("two_stage", 0.8), ("erm", 0.6))
                             for s in range(3)])
    won = verdicts.judge("two_stage.balanced_vs_no_expl", per_seed, profile="smoke").record() | {"label": "claims-a"}
    rows = paper.numbers("two_stage", table="Table 5", source="Table 5, black numbers")
    rows = rows[(rows.n_train == 10) | (rows.dataset == "bird")]
    table = compare.against_paper(rows, per_seed, on=["dataset", "n_train", "ratio", "test_set", "method"],
                                  missing={"bird": "needs CUB-200-2011 at data_root"})
    footer = {"title": "Baselines", "seconds": 90.0, "profile": "smoke", "device": "cpu", "used": {},
              "scaled": {"epochs": ["2", "100"]}}
    box = (":::{admonition} Our choices where the paper is silent\n:class: note\n* **Stopping.** fixed epochs.\n"
           "* **Batch size** 64 is ours.\n:::")
    _chapter(tmp_path / "baselines.ipynb", [_out({"verdicts": [won]}), _out({"comparison": compare.record(
        table, label="tab-a", caption="c", claim="", profile="smoke")}), _out({"budget": footer})], box)
    text = report.markdown(tmp_path, ["datasets", "baselines", "two_stage", "rrr"], "two_stage")
    for heading in ("## Scope", "## What we ran", "## Results", "## Deviations and choices", "## What was easy"):
        assert heading in text
    registered = [c for c in CLAIMS.values() if c.paper == "two_stage"]
    assert f"tests: {len(registered)}" in text and registered[0].words in text
    assert "Triangle" in text and "Bird (needs CUB-200-2011 at data_root)" in text  # data run and not run
    assert '<a href="baselines.html">Baselines</a>' in text and "1.5 min" in text  # compute from the footer
    assert "| two_stage | – | – | – | not executed |" in text  # a chapter of the paper that did not run
    assert "training epochs per model: 2 (paper: 100)" in text and "Stopping; Batch size" in text
    assert f"**Reproduced (1 of {len(registered)}):** {CLAIMS['two_stage.balanced_vs_no_expl'].statement}" in text
    assert "rrr" not in report.chapters_of("two_stage", ["rrr", "baselines"])


def test_the_reports_are_pages_of_the_book(root):
    from mlxbook.book import runner

    for page in report.REPORTS.values():
        assert page in runner.chapters(root) and runner.after_chapters(root, page)
    assert all(f"{page}.html" in report.links_markdown() for page in report.REPORTS.values())
