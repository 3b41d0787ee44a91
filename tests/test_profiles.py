"""Profiles, device choice and chapter parameters: valid values work, bad ones name what is allowed."""
import re

import pytest
import torch

from mlxbook.book import chapter, profiles
from mlxbook.book.profiles import LIMITS, PROFILES, get_profile
from mlxbook.device import resolve_device
from mlxbook.errors import ConfigError


def test_profiles_cap_the_paper_value():
    assert get_profile("paper").cap("seeds", 30) == 30
    assert get_profile("cpu").cap("seeds", 30) == PROFILES["cpu"].limits["seeds"] < 30
    assert get_profile("cpu").cap("seeds", 3) == 3  # a cap never raises the paper's value
    for profile in PROFILES.values():
        assert set(profile.limits) <= set(LIMITS)
    for what in LIMITS:  # smoke is never bigger than cpu, cpu never bigger than paper
        assert PROFILES["smoke"].cap(what, 10**6) <= PROFILES["cpu"].cap(what, 10**6) <= PROFILES["paper"].cap(what, 10**6)


def test_default_profile_reads_environment(monkeypatch):
    monkeypatch.delenv("MLXBOOK_PROFILE", raising=False)
    assert get_profile().name == "cpu"
    monkeypatch.setenv("MLXBOOK_PROFILE", "smoke")
    assert get_profile().name == "smoke"


@pytest.mark.parametrize("call, needle", [
    (lambda: get_profile("fast"), "profile='fast'"),
    (lambda: get_profile("cpu").cap("layers", 3), "what='layers'"),
    (lambda: resolve_device("tpu"), "device='tpu'"),
    (lambda: chapter.start("t", profile="smoke", seeds=0, show=False), "seeds=0"),
    (lambda: chapter.start("t", profile="smoke", seeds="3", show=False), "seeds='3'"),
    (lambda: chapter.start("t", profile="smoke", data_root="/no/such/dir", show=False), "data_root='/no/such/dir'"),
])
def test_bad_values_are_clear_errors(call, needle):
    with pytest.raises(ConfigError) as info:
        call()
    assert needle in str(info.value)


def test_unknown_profile_lists_allowed_values():
    with pytest.raises(ConfigError, match=re.escape("'smoke', 'cpu', 'paper'")):
        get_profile("gpu")


def test_device_auto_is_cpu_without_cuda():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected


def test_chapter_records_what_it_scaled_down():
    ch = chapter.start("t", profile="cpu", show=False)
    assert ch.seeds(30) == list(range(PROFILES["cpu"].limits["seeds"]))
    assert ch.cap("epochs", 10) == 10
    assert ch.scaled == {"seeds": (PROFILES["cpu"].limits["seeds"], 30)}
    explicit = chapter.start("t", profile="cpu", seeds=[3, 7], show=False)
    assert explicit.seeds(30) == [3, 7] and explicit.scaled["seeds"] == (2, 30)
    assert chapter.start("t", profile="paper", show=False).seeds(30) == list(range(30))


def test_intro_profile_table_is_the_code():
    """The intro's table of profiles is generated from PROFILES: one row per profile, one cap per column."""
    lines = profiles.table_markdown().splitlines()
    assert len(lines) == 2 + len(PROFILES)
    for name, profile in PROFILES.items():
        row = next(line for line in lines if line.startswith(f"| `{name}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")][2:]
        assert cells == [str(profile.limits.get(k, "paper's")) for k in LIMITS], name


def test_chapter_budget_can_be_tighter_per_profile():
    ch = chapter.start("t", profile="cpu", show=False)
    assert ch.cap("epochs", 100, cpu=12) == 12 and ch.scaled["epochs"] == (12, 100)
    assert chapter.start("t", profile="paper", show=False).cap("epochs", 100, cpu=12) == 100
    assert ch.seeds(30, cpu=3) == [0, 1, 2]
    assert ch.by_profile(smoke=1, cpu=2, paper=3) == 2
    with pytest.raises(ConfigError, match="missing: paper"):
        ch.by_profile(smoke=1, cpu=2)
    with pytest.raises(ConfigError, match="gpu"):
        ch.cap("epochs", 100, gpu=3)


def test_a_chapter_closes_with_its_outcome_counted_from_its_records():
    ch = chapter.start("t", profile="smoke", show=False)
    assert ch.outcome() == "**Outcome of this page:** no claim judged, no paper number compared."
    ch.records += [{"statement": "s", "quantity": "difference", "verdict": "reproduced"},
                   {"statement": "t", "quantity": "ratio", "verdict": "reproduced"},
                   {"paper_says": "> 0.99", "verdict": "not reproduced"},
                   {"rows": [{"context": "inside"}, {"context": "paper lower"}, {"context": "inside"}]}]
    assert ch.outcome() == ("**Outcome of this page:** 2 claims judged by effect and interval (2 reproduced); 1 claim checked "
                            "by a stated rule (1 not reproduced); 3 paper numbers beside ours "
                            "(2 inside, 1 paper lower).")
