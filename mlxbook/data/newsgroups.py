"""20 Newsgroups, alt.atheism vs soc.religion.christian (RRR Sec. 3.2, Figs 5, 10 and 14), read from disk.

As in LIME's text experiments (Ribeiro et al. 2016), which RRR follows: the "bydate" split of Jason
Rennie's 20 Newsgroups, the two religion groups, whole messages (headers kept), a TF-IDF vectoriser
fitted on the training messages with 5,000 components (RRR: "a TF-IDF vectorizer with 5000
components"). The book never downloads; put the published archive under ``data_root``::

    data_root/20news-bydate.tar.gz                           the archive scikit-learn also downloads, or
    data_root/20news-bydate-train/<group>/<id>               its folders unpacked (and -test/ alike)

``data_root/20news_home/`` and ``data_root/scikit_learn_data/20news_home/`` are searched as well.
scikit-learn's own cache of the parsed data (``20news-bydate_py3.pkz``) is a pickle: the book reads
no pickle of a foreign file, so that file alone is refused with a message saying what to add. The
archive is read member by member with :mod:`tarfile` (nothing is extracted to disk); messages are
decoded as Latin-1, as scikit-learn does.
"""
from __future__ import annotations

import functools
import os
import tarfile
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError, check_int
from .base import ExplanationData, Task

NAME = "20 Newsgroups (atheism vs christian)"
CATEGORIES = ("alt.atheism", "soc.religion.christian")
ARCHIVE = "20news-bydate.tar.gz"
PICKLE_CACHE = "20news-bydate_py3.pkz"
PLACES = (".", "20news_home", "scikit_learn_data/20news_home")
SUBSETS = ("train", "test")
LAYOUT = (
    f"data_root/{ARCHIVE} (the 'bydate' archive of http://qwone.com/~jason/20Newsgroups/, the file scikit-learn "
    "downloads), or its folders data_root/20news-bydate-train/<group>/<message> and data_root/20news-bydate-test/"
    f"<group>/<message>, with the groups {', '.join(CATEGORIES)}; also looked for under "
    "data_root/20news_home and data_root/scikit_learn_data/20news_home"
)


def find_source(data_root) -> Path | None:
    """The archive, or the folder holding the unpacked ``20news-bydate-{train,test}`` folders, under ``data_root``."""
    if data_root is None:
        return None
    for place in PLACES:
        base = Path(data_root) / place
        if (base / ARCHIVE).is_file():
            return base / ARCHIVE
        if all((base / f"20news-bydate-{s}").is_dir() for s in SUBSETS):
            return base
    return None


def has_newsgroups(data_root) -> bool:
    """Whether ``data_root`` holds the 20 Newsgroups archive or its unpacked folders (contents not checked)."""
    return find_source(data_root) is not None


def _source_or_error(data_root) -> Path:
    if data_root is None:
        raise ConfigError(f"data_root=None: the 20 Newsgroups task reads the published archive; expected: {LAYOUT}")
    if not Path(data_root).is_dir():
        raise ConfigError(f"data_root={os.fspath(data_root)!r} is not an existing folder; expected: {LAYOUT}")
    source = find_source(data_root)
    if source is None:
        pickles = [str(p) for p in Path(data_root).glob(f"**/{PICKLE_CACHE}")]
        hint = (f" Found scikit-learn's cache {pickles[0]}, a pickle, which the book does not load; add the archive "
                f"{ARCHIVE} beside it.") if pickles else ""
        raise ConfigError(f"data_root={os.fspath(data_root)!r} holds no 20 Newsgroups data; expected: {LAYOUT}.{hint}")
    return source


@functools.lru_cache(maxsize=2)
def _read(source: Path, categories: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Both subsets in one pass over the archive (or the folders): subset -> (messages, labels)."""
    found: dict[str, list[tuple[int, str, str]]] = {s: [] for s in SUBSETS}
    tops = {f"20news-bydate-{s}": s for s in SUBSETS}
    if source.is_file():
        try:
            with tarfile.open(source, "r:gz") as tar:
                for member in tar:
                    parts = Path(member.name).parts
                    if member.isfile() and len(parts) == 3 and parts[0] in tops and parts[1] in categories:
                        text = tar.extractfile(member).read().decode("latin-1")
                        found[tops[parts[0]]].append((categories.index(parts[1]), parts[2], text))
        except (tarfile.TarError, OSError, EOFError) as err:
            raise ConfigError(f"{source} is not a readable gzip tar archive ({err}); expected: {LAYOUT}") from err
    else:
        for top, subset in tops.items():
            for label, group in enumerate(categories):
                folder = source / top / group
                if not folder.is_dir():
                    raise ConfigError(f"{folder} is missing; expected: {LAYOUT}")
                found[subset] += [(label, f.name, f.read_bytes().decode("latin-1")) for f in folder.iterdir()
                                  if f.is_file()]
    out = {}
    for subset, items in found.items():
        for label, group in enumerate(categories):
            if not any(item[0] == label for item in items):
                raise ConfigError(f"no {subset} messages of the group {group!r} in {source}; expected: {LAYOUT}")
        items.sort(key=lambda item: (item[0], item[1]))  # by group, then file name: scikit-learn's load_files order
        out[subset] = (tuple(item[2] for item in items), np.array([item[0] for item in items], dtype=np.int64))
    return out


def read_messages(source: Path, subset: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The messages of ``subset`` ("train"/"test") and their labels (index in :data:`CATEGORIES`)."""
    return _read(source, CATEGORIES)[subset]


@functools.lru_cache(maxsize=4)
def vectoriser(source: Path, max_features: int):
    """scikit-learn's ``TfidfVectorizer`` (case kept, as LIME's tutorial) fitted on the training messages."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs, _ = read_messages(source, "train")
    vec = TfidfVectorizer(lowercase=False, max_features=max_features).fit(docs)
    if len(vec.vocabulary_) < max_features:
        raise ConfigError(f"max_features={max_features} is more than the {len(vec.vocabulary_)} distinct terms of the "
                          f"training messages in {source}; use at most {len(vec.vocabulary_)}")
    return vec


def messages(data_root, subset: str = "test") -> tuple[tuple[str, ...], np.ndarray]:
    """The raw messages and labels of ``subset``: what LIME's text explainer perturbs."""
    if subset not in SUBSETS:
        raise ConfigError(f"subset={subset!r} is not allowed; choose one of {', '.join(SUBSETS)}")
    return read_messages(_source_or_error(data_root), subset)


def newsgroups_task(*, data_root, max_features: int = 5000) -> Task:
    """20 Newsgroups atheism (0) vs christian (1): x = dense TF-IDF rows (N, ``max_features``), mask all ones.

    No annotation ships with the data: the relevance mask marks every term relevant (A = 0), and
    find-another-explanation builds its own A from the model's gradients.
    """
    max_features = check_int("max_features", max_features, low=1)
    source = _source_or_error(data_root)
    vec = vectoriser(source, max_features)

    def part(subset: str) -> ExplanationData:
        docs, y = read_messages(source, subset)
        x = torch.from_numpy(vec.transform(docs).toarray().astype(np.float32))
        labels = torch.from_numpy(y)
        return ExplanationData(x, labels, torch.ones_like(x), torch.ones(len(y), dtype=torch.bool), labels.clone(),
                               CATEGORIES)

    meta = {
        "source": f"{source} (20 Newsgroups 'bydate' split, read with tarfile; no pickle read)",
        "groups": f"label 0 = {CATEGORIES[0]}, label 1 = {CATEGORIES[1]}; whole messages, headers kept (as LIME)",
        "features": (f"TF-IDF of scikit-learn's TfidfVectorizer(lowercase=False, max_features={max_features}) fitted on "
                     "the training messages (RRR: 5000 components; the other settings are LIME's tutorial's)"),
        "split": "the published bydate train / test split",
    }
    return Task(NAME, part("train"), {"test": part("test")}, meta=meta)


def vocabulary(data_root, max_features: int = 5000) -> np.ndarray:
    """The term of each TF-IDF column (what a gradient over x refers to)."""
    return vectoriser(_source_or_error(data_root), max_features).get_feature_names_out()


def analyser(data_root, max_features: int = 5000):
    """The vectoriser's tokeniser: message -> its terms (which vocabulary words a message contains)."""
    return vectoriser(_source_or_error(data_root), max_features).build_analyzer()


def transform(data_root, texts, max_features: int = 5000) -> np.ndarray:
    """TF-IDF rows of arbitrary ``texts`` (LIME's perturbed messages) with the training vectoriser."""
    return vectoriser(_source_or_error(data_root), max_features).transform(list(texts)).toarray().astype(np.float32)
