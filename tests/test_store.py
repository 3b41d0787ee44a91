"""The store's own parts: code keys, stored calls that say whether they computed, frozen arguments."""
from pathlib import Path

import pytest

from mlxbook.book import store

CALLS = []


def _square(x):
    CALLS.append(x)
    return x * x


def _cube(x):
    return x ** 3


def test_code_key_covers_the_package_and_each_given_source(monkeypatch):
    assert store.code_key() == store.code_key()
    keys = {store.code_key(), store.code_key(_square), store.code_key(_cube), store.code_key(_square, _cube)}
    assert len(keys) == 4
    before = store.code_key(_square)
    monkeypatch.setattr(store, "code_fingerprint", lambda parts=None: "edited package")
    store.code_key.cache_clear()
    try:
        assert store.code_key(_square) != before  # an edit of the computing parts changes every key
    finally:
        monkeypatch.undo()
        store.code_key.cache_clear()
    assert store.code_key(_square) == before


def test_a_stored_call_computes_once_in_its_family_folder(tmp_path):
    CALLS.clear()
    fn = store.Family("test", "family").cached(_square, location=tmp_path)
    assert store.call(fn, 3) == (9, True)
    assert store.call(fn, 3) == (9, False)
    assert store.call(fn, 4) == (16, True)
    assert CALLS == [3, 4]
    assert list((tmp_path / "family").rglob("output.pkl"))
    assert not [p for p in tmp_path.iterdir() if p.name != "family"]


def test_without_the_store_every_call_computes_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXBOOK_CACHE", str(tmp_path))
    CALLS.clear()
    fn = store.Family("test", "family").cached(_square, cache=False)
    assert store.call(fn, 3) == (9, True) and store.call(fn, 3) == (9, True)
    assert CALLS == [3, 3] and not list(tmp_path.iterdir())


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXBOOK_CACHE", str(tmp_path / "elsewhere"))
    assert store.cache_dir() == tmp_path / "elsewhere"
    fn = store.Family("test", "family").cached(_cube)
    assert store.call(fn, 2) == (8, True)
    assert list((tmp_path / "elsewhere" / "family").rglob("output.pkl"))


def test_freeze_is_one_key_per_content():
    assert store.freeze({"b": 1, "a": Path("/x")}) == store.freeze({"a": "/x", "b": 1}) == (("a", "/x"), ("b", 1))
    assert store.freeze({"a": 1}) != store.freeze({"a": 2})


def test_a_family_is_declared_once_and_its_key_covers_its_modules(monkeypatch):
    monkeypatch.setattr(store, "FAMILIES", {})
    first = store.family("f", "folder", "mlxbook.metrics")
    assert store.family("f", "folder", "mlxbook.metrics") is first and store.FAMILIES == {"f": first}
    with pytest.raises(ValueError, match="declared twice"):
        store.family("f", "other", "mlxbook.metrics")
    import mlxbook.metrics

    assert first.key() == store.code_key(mlxbook.metrics) != store.Family("g", None).key() == store.code_key()
