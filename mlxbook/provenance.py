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


#: The parts of the package that compute results (stored computations read ``paper`` facts too); plots,
#: pages and the runner do not.
COMPUTE_PARTS = ("paper", "data", "models", "methods", "train", "metrics.py", "errors.py")
#: Files inside those parts that compute nothing stored: the search spaces, the papers' claims and names, and
#: where cells run (a dask cluster or here).
NOT_COMPUTING = ("methods/hparams.py", "paper/claims.py", "paper/names.py", "train/cluster.py")


@functools.lru_cache(maxsize=None)
def code_fingerprint(parts: tuple[str, ...] | None = None) -> str:
    """SHA-256 over the package's source files (only those under ``parts``, if given)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR).as_posix()
        if parts is None or (relative.split("/")[0] in parts and relative not in NOT_COMPUTING):
            digest.update(relative.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def version_string() -> str:
    """'mlxbook <version> (<commit>)', for provenance lines."""
    return f"mlxbook {__version__} ({git_commit()})"
