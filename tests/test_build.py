"""The whole pipeline on the smoke profile: runner, then jupyter-book build, gives a page per chapter."""
import json
import re

from mlxbook import paper
from mlxbook.book import runner, scorecard


def test_smoke_book_builds_with_figures(smoke_book):
    tree, html, runs, build = smoke_book
    assert all(r.status == "ok" for r in runs), runner.summary(runs)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    for name in runner.chapters(tree):
        page = (html / "book" / "chapters" / f"{name}.html").read_text()
        images = re.findall(r'<img[^>]+src="([^"]+\.png)"', page)
        assert images or name == "scorecard", f"{name}: no figures"
        for src in images:
            assert (html / "book" / "chapters" / src).resolve().is_file(), f"{name}: missing image {src}"
        assert "provenance of this page" in page and "Wall time of this chapter" in page
        assert f"lab/tree/{name}.ipynb" in page, f"{name}: no link to open the chapter in JupyterLab"
    assert (html / "book" / "bibliography.html").exists()
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert "mathjax/tex-chtml.js" in (html / "book" / "intro.html").read_text()


def test_paper_values_shown_come_from_mlxbook_paper(smoke_book):
    tree, html, runs, _ = smoke_book
    for name in runner.chapters(tree):
        page = (html / "book" / "chapters" / f"{name}.html").read_text()
        for kind, rec in scorecard.records(tree / "book" / "chapters" / f"{name}.ipynb"):
            assert f'id="{rec["label"]}"' in page, (name, rec["label"])
            for row in rec.get("rows", []):
                match = paper.numbers(**row["key"])
                assert len(match) == 1 and match.value.iloc[0] == row["paper_value"], (name, row)


def test_every_scorecard_row_points_at_a_recorded_result(smoke_book):
    tree, html, runs, _ = smoke_book
    executed = tree / "book" / "chapters"
    table = scorecard.collect(executed, runner.chapters(tree))
    claims = scorecard.claims(executed, runner.chapters(tree))
    judged = claims[claims.label.fillna("").astype(bool)]
    assert len(table) > 0 and len(judged) > 0
    page = (html / "book" / "chapters" / "scorecard.html").read_text()
    links = re.findall(r'<a href="([a-z_0-9]+)\.html#([^"]+)">', page)
    assert len(links) == len(table) + len(judged), "one link per judged claim and per rule check or paper number"
    assert json.loads((executed / "scorecard.json").read_text()).keys() == {"two_stage", "rrr", "ibp_ex"}
    recorded = {(name, rec["label"]) for name in runner.chapters(tree) if name != "scorecard"
                for _, rec in scorecard.records(executed / f"{name}.ipynb")}
    for name, label in links:
        assert (name, label) in recorded, f"scorecard row links to {name}#{label}, which no chapter recorded"
        assert f'id="{label}"' in (html / "book" / "chapters" / f"{name}.html").read_text()
