"""The runner: executes chapters into the book tree, goes on past failures, skips what is up to date."""
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlxbook.book import runner
from mlxbook.errors import ConfigError


def _notebook(path, body):
    params = new_code_cell('import os\nprofile = os.environ.get("MLXBOOK_PROFILE", "cpu")', metadata={"tags": ["parameters"]})
    nb = new_notebook(cells=[params, new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def book(tmp_path):
    (tmp_path / "notebooks").mkdir()
    _notebook(tmp_path / "notebooks" / "good.ipynb", "print('profile is', profile, 'progress', os.environ['MLXBOOK_PROGRESS'])")
    _notebook(tmp_path / "notebooks" / "bad.ipynb", "raise RuntimeError('chapter broke')")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/chapters/bad\n  - file: book/chapters/good\n"
    )
    return tmp_path


def _stdout(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_runs_every_chapter_past_a_failure_and_caches(book):
    assert runner.chapters(book) == ["bad", "good"]
    first = {r.name: r for r in runner.run(book, profile="smoke")}
    assert first["bad"].status == "failed" and "chapter broke" in first["bad"].error
    assert first["good"].status == "ok"
    assert "profile is smoke progress 0" in _stdout(book / "book" / "chapters" / "good.ipynb")  # no bars in pages
    assert (book / "book" / "chapters" / "bad.ipynb").exists()  # kept, with its error, for inspection

    again = {r.name: r.status for r in runner.run(book, profile="smoke")}
    assert again == {"bad": "failed", "good": "cached"}  # a failed chapter is retried, a finished one is not
    assert runner.run(book, profile="smoke", chapter=["good"], fresh=True)[0].status == "ok"
    assert runner.run(book, profile="cpu", chapter=["good"])[0].status == "ok"  # another profile is another result
    _notebook(book / "notebooks" / "good.ipynb", "print('edited', profile)")
    assert runner.run(book, profile="cpu", chapter=["good"])[0].status == "ok"  # an edited source reruns
    assert "edited cpu" in _stdout(book / "book" / "chapters" / "good.ipynb")
    summary = runner.summary(runner.run(book, profile="cpu"))
    assert "1 failed" in summary and "good" in summary


def test_unknown_chapter_is_a_clear_error(book):
    with pytest.raises(ConfigError, match="chapter='nope'.*'bad', 'good'"):
        runner.run(book, chapter=["nope"])


def test_cli_exit_codes(book):
    cli = [sys.executable, "-m", "mlxbook", "--root", str(book), "run", "--profile", "smoke"]
    failed = subprocess.run(cli, capture_output=True, text=True)
    assert failed.returncode == 1 and "bad" in failed.stdout and "failed" in failed.stdout
    ok = subprocess.run(cli + ["--chapter", "good"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad_profile = subprocess.run(cli[:-1] + ["gpu"], capture_output=True, text=True)
    assert bad_profile.returncode == 2 and "profile='gpu'" in bad_profile.stderr and "Traceback" not in bad_profile.stderr


def test_a_summary_chapter_runs_last_and_follows_the_others(tmp_path):
    (tmp_path / "notebooks").mkdir()
    _notebook(tmp_path / "notebooks" / "summary.ipynb", "print('chapter', os.environ['MLXBOOK_CHAPTER'])")
    nb = nbformat.read(tmp_path / "notebooks" / "summary.ipynb", as_version=4)
    nb.metadata["mlxbook"] = {"after_chapters": True}
    nbformat.write(nb, tmp_path / "notebooks" / "summary.ipynb")
    _notebook(tmp_path / "notebooks" / "work.ipynb", "x = 1")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/chapters/summary\n  - file: book/chapters/work\n")
    assert [r.name for r in runner.run(tmp_path, profile="smoke")] == ["work", "summary"]
    assert "chapter summary" in _stdout(tmp_path / "book" / "chapters" / "summary.ipynb")
    assert {r.name: r.status for r in runner.run(tmp_path, profile="smoke")} == {"work": "cached", "summary": "cached"}
    _notebook(tmp_path / "notebooks" / "work.ipynb", "x = 2")  # a chapter changed: the summary follows it
    assert {r.name: r.status for r in runner.run(tmp_path, profile="smoke")} == {"work": "ok", "summary": "ok"}


def test_two_summaries_settle_and_the_root_is_a_chapter(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for name in ("intro", "summary"):
        _notebook(tmp_path / "notebooks" / f"{name}.ipynb", "import time; t = time.time()")
        nb = nbformat.read(tmp_path / "notebooks" / f"{name}.ipynb", as_version=4)
        nb.metadata["mlxbook"] = {"after_chapters": True}
        nbformat.write(nb, tmp_path / "notebooks" / f"{name}.ipynb")
    _notebook(tmp_path / "notebooks" / "work.ipynb", "x = 1")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/chapters/intro\n"
                                       "chapters:\n  - file: book/chapters/summary\n  - file: book/chapters/work\n")
    assert runner.chapters(tmp_path) == ["intro", "summary", "work"]
    assert [r.name for r in runner.run(tmp_path, profile="smoke")] == ["work", "intro", "summary"]
    again = {r.name: r.status for r in runner.run(tmp_path, profile="smoke")}
    assert again == {"work": "cached", "intro": "cached", "summary": "cached"}  # neither waits on the other


def test_the_run_reports_each_chapters_place_cells_and_time_left_without_the_kernel_warning(book, capfd):
    lines = []
    runner.run(book, profile="smoke", report=lines.append)
    assert lines[0].startswith("[1/2] bad: running (no earlier run of these parameters; time left unknown")
    assert lines[1].startswith("[1/2] bad: failed in ") and lines[3].startswith("[2/2] good: ok in ")
    err = capfd.readouterr().err
    assert "[2/2] good: 3/3 cells" in err  # papermill's bar (with its injected parameters cell), labelled
    assert "without encryption" not in err  # the kernel's connection warning is silenced
    lines.clear()
    runner.run(book, profile="smoke", report=lines.append)
    assert lines[0].startswith("[1/2] bad: running (its last run took ") and " left)" in lines[0]
    assert lines[-1].startswith("[2/2] good: up to date")
    lines.clear()
    runner.run(book, profile="cpu", chapter=["bad"], report=lines.append)  # another profile's times do not count
    assert lines[0].startswith("[1/1] bad: running (no earlier run of these parameters; time left unknown")


def test_the_dask_option_reaches_the_chapters(book, monkeypatch):
    from mlxbook.__main__ import main
    from mlxbook.train import cluster

    monkeypatch.setenv(cluster.ENV, "")  # main() sets it for the kernels; the test's teardown unsets it again
    _notebook(book / "notebooks" / "good.ipynb", "print('cells go to', os.environ.get('MLXBOOK_DASK'))")
    assert main(["--root", str(book), "run", "--profile", "smoke", "--chapter", "good", "--dask", "tcp://head:8786"]) == 0
    assert "cells go to tcp://head:8786" in _stdout(book / "book" / "chapters" / "good.ipynb")
