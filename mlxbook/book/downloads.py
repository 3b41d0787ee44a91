"""Per-seed results to download: every comparison table and every judged claims table of a page writes the
per-seed frame it was computed from, and the page links it under the table; a figure of results offers the
frame it plots the same way (``ch.offer``, in the cell that draws it).

A chapter executed by the runner (its working folder ``book/chapters``) writes ``results/<chapter>/<label>.csv``
(one row per seed and setting, the columns the chapter computed, values as keys: ``triangle``, ``two_stage``)
and beside it ``<label>.json``: the table's caption, the chapter, the profile, the code version and what each
column means. The book's build copies the folder next to the pages (``book/_ext``), and
``python -m mlxbook export DIR`` gathers every file with the scorecard's claim table (:func:`export`).
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd

from ..paper import names
from ..provenance import git_commit, version_string

FOLDER = "results"
"""The folder, beside the executed chapters, that holds the per-seed files (``results/<chapter>/<label>.csv``)."""
MEANINGS = {
    "data": "the variant of the synthetic data: 'as described' (App. A's generators at their defaults) or 'calibrated'",
    "dataset": "the dataset's key (mlxbook.paper.names.DATASETS names it)",
    "n_train": "training-set size",
    "ratio": "class ratio of the training set, positives:negatives",
    "condition": "'clean' or 'spurious' (training data with App. A.4's squares)",
    "method": "the method's key (mlxbook.paper.names.METHODS names it)",
    "seed": "the training seed (initial weights and minibatch order)",
    "test_set": "the test set's key (mlxbook.paper.names.TEST_SETS names it)",
    "accuracy": "accuracy on the test set, between 0 and 1",
    "agreement": "the model's mean prediction agreement with the other models of its setting",
    "collapsed": "whether the seed's model predicts one class on the test set (left out of every claim)",
    "majority_share": "the share of the test set given the model's most frequent prediction",
    "epoch": "the training epoch the value was read at",
    "metric": "the metric's key (mlxbook.paper.names.METRICS names it)",
    "value": "the metric's value (an explanation map's value, for a figure of maps)",
    "map": "which explanation map (an input gradient, LIME's weights, a selection of the top features)",
    "example": "the example's position in the figure",
    "feature": "the feature's flat index (a pixel in row-major order, or a column)",
}
"""What a column of a per-seed file means; a column not listed is named as the page heads it."""


class PerSeed:
    """The per-seed frame a table was computed from, as a table's ``attrs["per_seed"]``: compared by identity,
    so pandas can carry and merge ``attrs`` through the table's copies and concatenations."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame


def per_feature(maps: dict, *, by: str = "map") -> pd.DataFrame:
    """Explanation maps (name -> array of shape (examples, ...)) as a tidy frame: one row per (``by``, example,
    feature) with the map's ``value``; a feature is the flat index of a pixel or a column."""
    import numpy as np

    frames = []
    for name, a in maps.items():
        a = np.asarray(a, dtype=float).reshape(len(a), -1)
        frames.append(pd.DataFrame({by: name, "example": np.repeat(np.arange(a.shape[0]), a.shape[1]),
                                    "feature": np.tile(np.arange(a.shape[1]), a.shape[0]), "value": a.ravel()}))
    return pd.concat(frames, ignore_index=True)


def chapter_name(ch) -> str:
    """The chapter's file name (the runner's ``MLXBOOK_CHAPTER``), else its title in lower case with dashes."""
    return os.environ.get("MLXBOOK_CHAPTER") or re.sub(r"[^a-z0-9]+", "-", ch.title.lower()).strip("-")


def meaning(column: str) -> str:
    return MEANINGS.get(column, names.column(column))


def write(ch, label: str, frame: pd.DataFrame, *, caption: str) -> str:
    """Write ``frame`` as ``results/<chapter>/<label>.csv`` under the working folder, with its sidecar
    ``<label>.json``; return the HTML line that links both (for under the table)."""
    name = chapter_name(ch)
    folder = Path.cwd() / FOLDER / name
    folder.mkdir(parents=True, exist_ok=True)
    frame = frame.reset_index(drop=True)
    frame.to_csv(folder / f"{label}.csv", index=False)
    sidecar = {"label": label, "caption": caption, "chapter": name, "profile": ch.profile.name,
               "commit": git_commit(), "code": version_string(), "rows": len(frame),
               "columns": {str(c): meaning(str(c)) for c in frame.columns}}
    (folder / f"{label}.json").write_text(json.dumps(sidecar, indent=1) + "\n")
    href = f"{FOLDER}/{name}/{label}"
    return (f'<small>Per-seed results: <a href="{href}.csv" download>{label}.csv</a> ({len(frame)} rows; '
            f'columns, profile and commit: <a href="{href}.json">{label}.json</a>)</small>')


def export(chapters_dir: Path, dest: Path, claims: pd.DataFrame) -> list[Path]:
    """Copy every per-seed file under ``chapters_dir/results`` into ``dest`` (same layout), and write
    ``dest/claims.csv`` (one row per judged claim and data variant, from the scorecard's ``claims`` table)
    and ``dest/index.csv`` (one row per per-seed file: chapter, label, caption, profile, commit, rows)."""
    source = Path(chapters_dir) / FOLDER
    if not source.is_dir():
        raise FileNotFoundError(f"no per-seed results at {source}; run `make book` (or python -m mlxbook run) first")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written, index = [], []
    for sidecar in sorted(source.glob("*/*.json")):
        meta = json.loads(sidecar.read_text())
        target = dest / sidecar.parent.name
        target.mkdir(exist_ok=True)
        for path in (sidecar, sidecar.with_suffix(".csv")):
            shutil.copy2(path, target / path.name)
            written.append(target / path.name)
        index.append({k: meta[k] for k in ("chapter", "label", "caption", "profile", "commit", "rows")}
                     | {"file": f"{sidecar.parent.name}/{sidecar.with_suffix('.csv').name}"})
    pd.DataFrame(index).to_csv(dest / "index.csv", index=False)
    _claim_rows(claims).to_csv(dest / "claims.csv", index=False)
    return [*written, dest / "index.csv", dest / "claims.csv"]


CLAIM_COLUMNS = ["claim", "paper", "statement", "where", "data", "verdict", "estimate", "lo", "hi", "paper_effect",
                 "seeds", "collapsed", "profile", "chapter", "label", "note", "cuts"]


def _claim_rows(claims: pd.DataFrame) -> pd.DataFrame:
    """The scorecard's claims, one row per claim and data variant (the data as described first)."""
    rows = []
    for r in claims.to_dict("records"):
        for rec in [r, *r.get("other_data", [])]:
            rows.append({c: rec.get(c) for c in CLAIM_COLUMNS} | {"data": rec.get("data") or "as described"})
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)
