"""Hygiene of the chapter sources: no outputs, one parameters cell, in the table of contents, provenance."""
import os
import re
from pathlib import Path

import nbformat
import pytest

from mlxbook.book import runner
from mlxbook.book.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("*.ipynb"))
REQUIRED = {"profile", "device", "data_root", "seeds"}


def _params_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]


def test_there_are_chapters():
    assert SOURCES, "no notebooks under notebooks/"


def test_every_notebook_is_in_the_toc_and_back():
    assert sorted(runner.chapters(ROOT)) == sorted(p.stem for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_source_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name}: stored output"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_one_parameters_cell_with_profile_from_environment(path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    cells = _params_cells(nb)
    assert len(cells) == 1, f"{path.name}: {len(cells)} parameters cells"
    for env, expected in [(None, "cpu"), ("smoke", "smoke"), ("paper", "paper")]:
        if env is None:
            monkeypatch.delenv("MLXBOOK_PROFILE", raising=False)
        else:
            monkeypatch.setenv("MLXBOOK_PROFILE", env)
        scope: dict = {}
        exec(cells[0].source, scope)
        assert REQUIRED <= set(scope), f"{path.name}: parameters lack {REQUIRED - set(scope)}"
        assert scope["profile"] == expected and scope["profile"] in PROFILES
        assert scope["device"] == "auto" and scope["seeds"] is None
    os.environ.setdefault("MLXBOOK_PROFILE", "smoke")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_chapter_shows_provenance_and_wall_time(path):
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    after_params = code[1]
    assert "chapter.start(" in after_params and "profile=profile" in after_params and "seeds=seeds" in after_params
    assert code[-1].strip().endswith(".finish()"), f"{path.name}: the last cell must show the wall time"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_setup_cells_are_hidden_in_the_html(path):
    """The parameters cell is not shown, the set-up and the footer show their output only (myst-nb tags)."""
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert "remove-cell" in code[0].metadata.get("tags", []), f"{path.name}: parameters cell shown"
    for cell in (code[1], code[-1]):
        assert {"remove-input", "remove-cell"} & set(cell.metadata.get("tags", [])), f"{path.name}: {cell.source[:40]!r}"


RUN_WORDS = re.compile(r"this run|this profile|this page's profile|the `?cpu`? profile|on `?cpu`?\b", re.I)
TYPED_BUDGET = re.compile(r"(?<![\w{`.])\d[\d,]*\s*(?:seeds?|epochs?|(?:test|training) (?:images|examples)|px|pixels)\b"
                          r"|(?<![\w{`.])\d+x\d+\b")
PAPERS_OWN = re.compile(r"paper|code|Table|App\.", re.I)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_prose_about_the_run_glues_its_budget(path):
    """A sentence that speaks of this run or a profile states its seeds, epochs, sizes and image sides through
    glue (written from the run), never as typed digits that go stale when a profile changes; a number that the
    sentence gives as the paper's or its code's ("paper 64x64", "in its code, 100 epochs") may be typed."""
    typed = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        for sentence in re.split(r"\n\s*\n|\n(?=\s*[-*] )|(?<=\.)\s+", cell.source):
            if RUN_WORDS.search(sentence):
                typed += [f"{m.group(0)!r} in {sentence.strip()[:90]!r}" for m in TYPED_BUDGET.finditer(sentence)
                          if not PAPERS_OWN.search(sentence[max(0, m.start() - 25):m.start()])]
    assert not typed, f"{path.name}: " + "; ".join(typed)
