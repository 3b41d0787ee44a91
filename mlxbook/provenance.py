"""Where a result came from: package version, git commit and a fingerprint of the package's code."""
from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path

from . import __version__

PACKAGE_DIR = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=None)
def git_commit() -> str:
    """Short commit of the source tree the package runs from, '+dirty' if it has uncommitted changes."""
    try:
        run = functools.partial(
            subprocess.run, cwd=PACKAGE_DIR, capture_output=True, text=True, timeout=10, check=True
        )
        commit = run(["git", "rev-parse", "--short=10", "HEAD"]).stdout.strip()
        dirty = run(["git", "status", "--porcelain", "--untracked-files=no", "--", "."]).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return commit + ("+dirty" if dirty else "")


@functools.lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """SHA-256 over every source file of the package: changes whenever any code that computes changes."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def version_string() -> str:
    """'mlxbook <version> (<commit>)', for provenance lines."""
    return f"mlxbook {__version__} ({git_commit()})"
