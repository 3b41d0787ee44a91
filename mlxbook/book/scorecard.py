"""The reproduction scorecard: every verdict the executed chapters recorded, one row each.

Chapters record their verdicts in the metadata of the outputs that show them (``ch.compare`` for
paper-vs-ours tables, :class:`~mlxbook.book.compare.Claims` for claims outside tables). This module
reads them back from the executed chapters (``book/chapters/<name>.ipynb``), so the scorecard is generated from results and
never typed; each row links to the anchor of the output that computed it.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd

from .compare import VERDICTS, fmt_mean_std

COLUMNS = ["paper", "chapter", "label", "what", "setting", "paper_value", "ours", "profile", "verdict", "why"]
PAPER_TITLES = {"two_stage": "Machine Learning from Explanations", "rrr": "Right for the Right Reasons",
                "ibp_ex": "Robust Learning from Explanations"}
_SETTING = ["dataset", "condition", "n_train", "ratio", "test_set", "method", "metric", "epoch"]


def executed_dir(cwd: Path | None = None) -> Path:
    """The executed chapters: the working directory when the runner executes a page there, else ../book/chapters."""
    cwd = Path(cwd or Path.cwd())
    return cwd if cwd.name == "chapters" else cwd.parent / "book" / "chapters"


def records(path: Path) -> list[tuple[str, dict]]:
    """(kind, record) of every recorded comparison or claim in the executed chapter at ``path``."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("mlxbook", {})
            found += [("comparison", meta["comparison"])] if "comparison" in meta else []
            found += [("claim", rec) for rec in meta.get("claims", [])]
    return found


def collect(directory: Path, chapters: list[str]) -> pd.DataFrame:
    """One row per recorded verdict of ``chapters`` (book order) executed in ``directory``."""
    rows = []
    for name in chapters:
        path = Path(directory) / f"{name}.ipynb"
        if not path.exists():
            continue
        for kind, rec in records(path):
            if kind == "claim":
                rows.append({"paper": rec["paper"], "chapter": name, "label": rec["label"], "what": rec["claim"],
                             "setting": "", "paper_value": rec["paper_says"], "ours": rec["ours"],
                             "profile": rec["profile"], "verdict": rec["verdict"], "why": rec["why"]})
                continue
            for r in rec["rows"]:
                key = r["key"]
                setting = ", ".join(f"{k}={key[k]}" for k in _SETTING if key.get(k) is not None)
                rows.append({"paper": key["paper"], "chapter": name, "label": rec["label"],
                             "what": f"{key['table']}: {rec['caption']}", "setting": setting,
                             "paper_value": fmt_mean_std(r["paper_value"], r["paper_std"]),
                             "ours": fmt_mean_std(r["ours"], r["ours_std"]) + (f" ({r['seeds']} seeds)" if r["seeds"] else ""),
                             "profile": rec["profile"], "verdict": r["verdict"], "why": r["why"]})
    return pd.DataFrame(rows, columns=COLUMNS)


def tally(table: pd.DataFrame) -> pd.DataFrame:
    """Verdict counts per paper (rows) and verdict (columns, in :data:`VERDICTS` order)."""
    counts = pd.crosstab(table["paper"].map(lambda p: PAPER_TITLES.get(p, p or "(claims)")), table["verdict"])
    return counts.reindex(columns=[v for v in VERDICTS if v in counts.columns], fill_value=0)


def markdown(table: pd.DataFrame) -> str:
    """The scorecard as one Markdown table; each row links to the output that computed it."""
    lines = ["| paper | claim or table | setting | paper | ours | profile | verdict |", "|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        link = f'<a href="{r["chapter"]}.html#{r["label"]}">{r["what"]}</a>'
        verdict = r["verdict"] + (f" ({r['why']})" if r["why"] and r["verdict"] not in ("needs data", "not run") else "")
        cells = [PAPER_TITLES.get(r["paper"], r["paper"]), link, r["setting"], r["paper_value"], r["ours"],
                 r["profile"], verdict]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)
