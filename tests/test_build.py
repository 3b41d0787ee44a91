"""The whole pipeline on the smoke profile: runner, then jupyter-book build, gives a page per chapter."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from mlxbook import paper, runner


def test_smoke_book_builds_with_figures(root, tmp_path):
    for name in ["_config.yml", "_toc.yml"]:
        shutil.copy(root / name, tmp_path / name)
    shutil.copytree(root / "notebooks", tmp_path / "notebooks")
    shutil.copytree(root / "book", tmp_path / "book", ignore=shutil.ignore_patterns("chapters"))

    runs = runner.run(tmp_path, profile="smoke")
    assert all(r.status == "ok" for r in runs), runner.summary(runs)

    jb = Path(sys.executable).parent / "jupyter-book"
    build = subprocess.run([str(jb), "build", str(tmp_path), "-W", "--keep-going"], capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    html = tmp_path / "_build" / "html"
    for name in runner.chapters(tmp_path):
        page = (html / "book" / "chapters" / f"{name}.html").read_text()
        images = re.findall(r'<img[^>]+src="([^"]+\.png)"', page)
        assert images, f"{name}: no figures"
        for src in images:
            assert (html / "book" / "chapters" / src).resolve().is_file(), f"{name}: missing image {src}"
        assert "provenance of this page" in page and "Wall time of this chapter" in page
    assert (html / "book" / "bibliography.html").exists()

    # every paper value a chapter showed is the number mlxbook.paper holds under the row's key
    for name in runner.chapters(tmp_path):
        nb = nbformat.read(tmp_path / "book" / "chapters" / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                rec = out.get("metadata", {}).get("mlxbook", {}).get("comparison")
                for row in (rec or {}).get("rows", []):
                    match = paper.numbers(**row["key"])
                    assert len(match) == 1 and match.value.iloc[0] == row["paper_value"], (name, row)
                    assert f'id="{rec["label"]}"' in (html / "book" / "chapters" / f"{name}.html").read_text()
