"""Shared test set-up: notebooks run under nbval on the smoke profile unless told otherwise."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("MLXBOOK_PROFILE", "smoke")
os.environ.setdefault("MLXBOOK_PROGRESS", "0")  # quiet progress bars in tests and nbval kernels

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    """The repository root (holds _toc.yml, notebooks/ and book/)."""
    return ROOT


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory):
    """The whole book on the smoke profile, in a copy of the tree: runner, then jupyter-book build.

    Returns (tree, html dir, chapter runs, build process); built once per session (the build test and
    the browser test share it).
    """
    import shutil
    import subprocess
    import sys

    from mlxbook import runner

    tree = tmp_path_factory.mktemp("book")
    for name in ["_config.yml", "_toc.yml"]:
        shutil.copy(ROOT / name, tree / name)
    shutil.copytree(ROOT / "notebooks", tree / "notebooks")
    shutil.copytree(ROOT / "book", tree / "book", ignore=shutil.ignore_patterns("chapters"))
    # chapters show the package's own code (literalinclude), so the tree needs it
    shutil.copytree(ROOT / "mlxbook", tree / "mlxbook", ignore=shutil.ignore_patterns("__pycache__"))
    runs = runner.run(tree, profile="smoke")
    jb = Path(sys.executable).parent / "jupyter-book"
    build = subprocess.run([str(jb), "build", str(tree), "-W", "--keep-going"], capture_output=True, text=True)
    return tree, tree / "_build" / "html", runs, build
