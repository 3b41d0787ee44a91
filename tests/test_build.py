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
        assert images or name in ("scorecard", "intro") or name.startswith("report_"), f"{name}: no figures"
        for src in images:
            assert (html / "book" / "chapters" / src).resolve().is_file(), f"{name}: missing image {src}"
        assert "Wall time of this chapter" in page and "Outcome of this page" in page
        if name != "intro":  # the intro opens with the answers, not with a provenance table
            assert "provenance of this page" in page
            assert f"lab/tree/{name}.ipynb" in page, f"{name}: no link to open the chapter in JupyterLab"
        for kind, rec in scorecard.records(tree / "book" / "chapters" / f"{name}.ipynb"):
            if kind == "comparison" and any(r["seeds"] for r in rec["rows"]):  # a table with results of ours
                csv = f"results/{name}/{rec['label']}.csv"
                assert f'href="{csv}"' in page and (html / "book" / "chapters" / csv).is_file(), (name, csv)
    assert (html / "book" / "bibliography.html").exists()
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert "mathjax/tex-chtml.js" in (html / "book" / "chapters" / "intro.html").read_text()


def test_paper_values_shown_come_from_mlxbook_paper(smoke_book):
    tree, html, runs, _ = smoke_book
    for name in runner.chapters(tree):
        page = (html / "book" / "chapters" / f"{name}.html").read_text()
        for kind, rec in scorecard.records(tree / "book" / "chapters" / f"{name}.ipynb"):
            if kind == "budget":  # the footer's record: no anchor, no paper value
                continue
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
    blocks = table.groupby(["chapter", "label"]).ngroups
    assert len(links) == blocks + len(judged), "one link per judged claim and per table of rule checks or paper numbers"
    assert json.loads((executed / "scorecard.json").read_text()).keys() == {"two_stage", "rrr", "ibp_ex"}
    recorded = {(name, rec["label"]) for name in runner.chapters(tree) if name != "scorecard"
                for kind, rec in scorecard.records(executed / f"{name}.ipynb") if kind != "budget"}
    for name, label in links:
        assert (name, label) in recorded, f"scorecard row links to {name}#{label}, which no chapter recorded"
        assert f'id="{label}"' in (html / "book" / "chapters" / f"{name}.html").read_text()


def test_the_intro_answers_first_and_each_chapter_opens_with_its_findings(smoke_book):
    tree, html, runs, _ = smoke_book
    executed = tree / "book" / "chapters"
    names = runner.chapters(tree)
    claims = scorecard.claims(executed, names)
    page = (html / "book" / "chapters" / "intro.html").read_text()
    start, end = page.index('id="what-reproduced"'), page.index('id="the-three-papers"')
    assert start < end < page.index('id="how-a-claim-is-judged"') < page.index('id="profiles"')
    headline = claims[claims.headline.astype(bool) & claims.label.fillna("").astype(bool)]
    links = re.findall(r'<a href="([a-z_0-9]+)\.html#([^"]+)">', page[start:end])
    assert sorted(links) == sorted(zip(headline.chapter, headline.label)), "one link per judged headline claim"
    judged = claims[claims.label.fillna("").astype(bool)]
    for name, part in judged.groupby("chapter"):
        chapter_page = (html / "book" / "chapters" / f"{name}.html").read_text()
        box = chapter_page[chapter_page.index("What this chapter finds"):]
        box = box[:box.index("Each line is one of the papers")]
        assert {f'href="#{label}"' for label in part.label} <= set(re.findall(r'href="#[^"]+"', box)), name


def test_each_page_states_the_budget_its_run_recorded(smoke_book):
    tree, html, runs, _ = smoke_book
    executed = tree / "book" / "chapters"
    names = runner.chapters(tree)
    ran = scorecard.budgets(executed, names)
    assert set(ran.chapter) == set(names), "every chapter's footer records its budget"
    intro = (html / "book" / "chapters" / "intro.html").read_text()
    for row in ran.itertuples():
        footer = (html / "book" / "chapters" / f"{row.chapter}.html").read_text()
        if not runner.after_chapters(tree, row.chapter):  # the summaries run after the intro's table is made
            assert f'href="{row.chapter}.html"' in intro, f"the intro's budget table lacks {row.chapter}"
        if row.seeds != "–":
            assert f"models trained per configuration: {row.seeds}" in footer, row.chapter
        if row.epochs != "–":
            assert f"training epochs per model: {row.epochs}" in footer, row.chapter


def test_a_figure_whose_data_is_absent_is_a_short_note_not_a_numbered_placeholder(smoke_book):
    """Smoke has no CUB, Plant or 20 Newsgroups: their figures are one unnumbered line each (plots.glue_figure_if),
    and no numbered figure's caption stands for a result that was not computed."""
    tree, html, _, _ = smoke_book
    notes = 0
    for name in runner.chapters(tree):
        page = (html / "book" / "chapters" / f"{name}.html").read_text()
        captions = re.findall(r'caption-number">Fig\. \d+ </span><span class="caption-text">(.*?)</span>', page, re.S)
        assert not [c for c in captions if "needs" in c or "not drawn" in c], name
        notes += page.count("not drawn on this run.</em>")  # the note itself, not the code cell that writes it
    assert notes == 4, "Bird (Baselines), Plant (IBP-Ex) and two 20 Newsgroups figures (RRR)"
