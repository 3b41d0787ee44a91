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
