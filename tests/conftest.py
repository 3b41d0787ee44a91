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

    from mlxbook.book import runner

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


NEWSGROUPS_WORDS = {
    "alt.atheism": ["atheists", "evidence", "reason", "Keith", "David", "freedom", "morality", "argument"],
    "soc.religion.christian": ["church", "God", "Jesus", "faith", "friends", "prayer", "scripture", "Christ"],
}
NEWSGROUPS_COMMON = ["the", "and", "that", "this", "with", "about", "people", "think", "believe", "would",
                     "there", "which", "question", "point", "read", "post", "time", "know", "world", "life"]


def write_newsgroups(root: Path, *, archive: bool = True, n_train: int = 30, n_test: int = 12) -> Path:
    """A small 20 Newsgroups 'bydate' tree in the published layout (a .tar.gz, or unpacked folders) under ``root``.

    Each message has a header and words drawn from its group's list and a common list; one other group
    (comp.graphics) must be ignored; one message carries a Latin-1 byte.
    """
    import io
    import tarfile

    import numpy as np

    rng = np.random.default_rng(0)
    files = {}
    for subset, n in (("train", n_train), ("test", n_test)):
        for group, own in [*NEWSGROUPS_WORDS.items(), ("comp.graphics", ["pixel", "render"])]:
            for i in range(n if group != "comp.graphics" else 3):
                words = list(rng.choice(own, 5)) + list(rng.choice(NEWSGROUPS_COMMON, 25 + 40 * (i == 1)))
                rng.shuffle(words)
                body = f"From: user{i}@example.edu\nSubject: re: {words[0]}\n\n" + " ".join(words) + "\n"
                data = body.encode("latin-1") + (b"caf\xe9\n" if i == 0 else b"")
                files[f"20news-bydate-{subset}/{group}/{50000 + i}"] = data
    root.mkdir(parents=True, exist_ok=True)
    if archive:
        with tarfile.open(root / "20news-bydate.tar.gz", "w:gz") as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    else:
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
    return root


@pytest.fixture(scope="session")
def newsgroups_root(tmp_path_factory) -> Path:
    """A data_root holding the small 20 Newsgroups archive of :func:`write_newsgroups`."""
    return write_newsgroups(tmp_path_factory.mktemp("newsgroups"))
