"""mlxbook: the helper package of the book "Machine learning from explanations, reproduced".

Submodules: ``data`` (datasets with explanation masks), ``profiles`` (smoke / cpu / paper),
``chapter`` (set-up and provenance of an executed chapter), ``runner`` (executes the book).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mlxbook")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
