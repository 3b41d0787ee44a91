"""The 20 Newsgroups reader (RRR Sec 3.2) on small trees in the published 'bydate' layout."""
import shutil

import pytest
import torch
from conftest import NEWSGROUPS_WORDS, write_newsgroups

from mlxbook.data import load
from mlxbook.data.newsgroups import (
    CATEGORIES,
    analyser,
    has_newsgroups,
    messages,
    newsgroups_task,
    vocabulary,
)
from mlxbook.errors import ConfigError

WIDTH = 40


@pytest.fixture(scope="module")
def task(newsgroups_root):
    return newsgroups_task(data_root=newsgroups_root, max_features=WIDTH)


def test_two_groups_in_published_order_other_groups_ignored(task, newsgroups_root):
    assert len(task.train) == 60 and len(task.tests["test"]) == 24
    assert task.train.y.tolist() == [0] * 30 + [1] * 30  # by group, then file name
    docs, _ = messages(newsgroups_root, "train")
    assert not any("pixel" in d or "render" in d for d in docs)  # comp.graphics is not read
    assert task.train.group_names == CATEGORIES


def test_messages_are_latin1_with_headers(newsgroups_root):
    docs, _ = messages(newsgroups_root, "test")
    assert docs[0].startswith("From: user0@example.edu") and "café" in docs[0]


def test_tfidf_rows_unit_norm_and_group_words_in_vocabulary(task, newsgroups_root):
    x = task.train.x
    assert x.shape == (60, WIDTH) and x.dtype == torch.float32 and bool((x >= 0).all())
    assert torch.allclose(x.norm(dim=1), torch.ones(60), atol=1e-5)
    vocab = set(vocabulary(newsgroups_root, WIDTH))
    assert {"church", "atheists", "God", "evidence"} <= vocab  # case kept: "God" not "god"
    assert bool((task.train.mask == 1).all())  # no annotation ships with the data: A = 0


def test_group_words_separate_the_labels(task, newsgroups_root):
    vocab = list(vocabulary(newsgroups_root, WIDTH))
    own = [vocab.index(w) for w in NEWSGROUPS_WORDS["soc.religion.christian"] if w in vocab]
    share = task.train.x[:, own].sum(1)
    assert bool((share[task.train.y == 1] > 0).all()) and float(share[task.train.y == 0].max()) == 0.0


def test_unpacked_folders_give_the_same_task(tmp_path, task):
    root = write_newsgroups(tmp_path / "scikit_learn_data" / "20news_home", archive=False).parents[1]
    other = load("newsgroups", data_root=root, max_features=WIDTH)
    assert torch.equal(other.train.x, task.train.x) and torch.equal(other.tests["test"].y, task.tests["test"].y)


def test_archive_found_in_sklearn_home_and_has_newsgroups(tmp_path, newsgroups_root):
    assert not has_newsgroups(None) and not has_newsgroups(tmp_path)
    home = tmp_path / "20news_home"
    home.mkdir()
    shutil.copy(newsgroups_root / "20news-bydate.tar.gz", home)
    assert has_newsgroups(tmp_path)
    assert len(analyser(tmp_path, WIDTH)("God and the church")) == 4


def test_pickle_cache_alone_is_refused_not_loaded(tmp_path):
    cache = tmp_path / "scikit_learn_data"
    cache.mkdir()
    (cache / "20news-bydate_py3.pkz").write_bytes(b"not to be unpickled")
    with pytest.raises(ConfigError, match=r"pickle.*20news-bydate.tar.gz"):
        newsgroups_task(data_root=tmp_path)


@pytest.mark.parametrize("root, match", [(None, "data_root=None"), ("missing", "not an existing folder")])
def test_absent_data_root_is_a_config_error(tmp_path, root, match):
    with pytest.raises(ConfigError, match=match):
        newsgroups_task(data_root=None if root is None else tmp_path / root)


def test_corrupt_archive_and_missing_group_are_config_errors(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "20news-bydate.tar.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(ConfigError, match="not a readable gzip tar archive"):
        newsgroups_task(data_root=tmp_path / "a")
    root = write_newsgroups(tmp_path / "b", archive=False)
    shutil.rmtree(root / "20news-bydate-test" / "alt.atheism")
    with pytest.raises(ConfigError, match="20news-bydate-test/alt.atheism is missing"):
        newsgroups_task(data_root=root)


def test_too_many_features_or_bad_subset_name_the_parameter(newsgroups_root):
    with pytest.raises(ConfigError, match=r"max_features=100000 is more than the \d+ distinct terms"):
        newsgroups_task(data_root=newsgroups_root, max_features=100000)
    with pytest.raises(ConfigError, match="max_features"):
        newsgroups_task(data_root=newsgroups_root, max_features=0)
    with pytest.raises(ConfigError, match="subset='val'"):
        messages(newsgroups_root, "val")
