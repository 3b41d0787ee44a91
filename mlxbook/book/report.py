"""A reproduction report per paper, in the sections of the ML Reproducibility Challenge's report, generated from
what the executed chapters recorded (never typed numbers).

* **Scope**: the paper's claims as :mod:`mlxbook.paper.claims` registers them, with the paper's words.
* **What we ran**: the chapters that judge them, the data each ran on and what it could not (from the
  comparison tables' rows), and the compute each spent (its footer's wall time, profile and device).
* **Results**: each claim's verdict, effect and interval (:func:`.scorecard.claims_markdown`), and the claims
  whose verdict depends on the data (:func:`.scorecard.by_data`).
* **Deviations and choices**: what each chapter scaled down from the paper's protocol (its footer) and the
  choices it states where the paper is silent (the bold lead of each item in its "Our choices" and "Our
  remarks" boxes), each linked to its page.
* **What was easy, what was hard**: the claims reproduced, and the others with the reason their verdict gives.

Each report page calls :func:`markdown` once; the scorecard and the intro link the three.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd

from ..paper import names
from ..paper.claims import CLAIMS
from . import scorecard, verdicts
from .display import markdown_table
from .profiles import LIMITS

REPORTS = {"two_stage": "report_two_stage", "rrr": "report_rrr", "ibp_ex": "report_ibp_ex"}
"""Per paper, the name of its report page."""
EASY = (verdicts.REPRODUCED, verdicts.OTHER_SIZE)
"""Verdicts that count as reproduced in "what was easy" (the effect is there, at the paper's size or another)."""
_BOXES = re.compile(r":::\{admonition\}\s*(Our choices[^\n]*|Our remarks?[^\n]*)\n(.*?)\n:::", re.S | re.I)
_LEAD = re.compile(r"^\s*[*-]\s+\*\*(.+?)\*\*", re.M)


def chapters_of(paper: str, book_chapters: list[str]) -> list[str]:
    """The chapters that judge ``paper``'s registered claims, in book order."""
    wanted = {c.chapter for c in CLAIMS.values() if c.paper == paper}
    return [n for n in book_chapters if n in wanted]


def choices(path: Path) -> list[str]:
    """The lead words of each item in the executed chapter's "Our choices" and "Our remarks" boxes."""
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return [lead.rstrip(".:") for _, body in _BOXES.findall(text) for lead in _LEAD.findall(body)]


def data_run(directory: Path, chapter: str) -> tuple[list[str], dict[str, str]]:
    """The datasets a chapter's comparison tables have numbers of ours on, and those it has none on, with why."""
    ran, missing = [], {}
    for kind, rec in scorecard.records(directory / f"{chapter}.ipynb"):
        if kind != "comparison":
            continue
        for row in rec["rows"]:
            ds = row["key"].get("dataset")
            if ds is None:
                continue
            if row["seeds"]:
                ran.append(ds)
            elif row["context"] == "needs data":
                missing.setdefault(ds, row["why"])
    ran = list(dict.fromkeys(ran))
    return [names.DATASETS.get(d, d) for d in ran], {names.DATASETS.get(d, d): w for d, w in missing.items()
                                                      if d not in ran}


def markdown(directory: Path, book_chapters: list[str], paper: str) -> str:
    """The report of ``paper`` from the chapters executed in ``directory`` (``book_chapters``: book order)."""
    directory = Path(directory)
    own = chapters_of(paper, book_chapters)
    executed = [n for n in own if (directory / f"{n}.ipynb").exists()]
    claims = scorecard.claims(directory, executed)
    claims = claims[claims["paper"] == paper]
    registered = [c for c in CLAIMS.values() if c.paper == paper]
    out = ["## Scope", "",
           f"The paper's claims that this book tests: {len(registered)}, "
           f"{sum(c.headline for c in registered)} of them headline claims (registered once, with the paper's words, in "
           "`mlxbook.paper.claims`).", ""]
    out += [f"- **{c.statement}** ({c.where}){' (headline)' if c.headline else ''}: *\"{c.words}\"*" for c in registered]
    out += ["", "## What we ran", ""]
    budgets = scorecard.budgets(directory, executed).set_index("chapter")
    rows = []
    for n in own:
        if n not in executed:
            rows.append({"chapter": n, "data run": "–", "data not run": "–", "profile": "–", "wall time": "not executed"})
            continue
        ran, missing = data_run(directory, n)
        b = budgets.loc[n] if n in budgets.index else None
        rows.append({"chapter": f'<a href="{n}.html">{b["title"] if b is not None else n}</a>',
                     "data run": ", ".join(ran) or "–",
                     "data not run": "; ".join(f"{d} ({why})" for d, why in missing.items()) or "–",
                     "profile": b["profile"] if b is not None else "–",
                     "wall time": f"{b['wall time (s)'] / 60:.1f} min" if b is not None else "–"})
    out += [markdown_table(pd.DataFrame(rows)), ""]
    if len(budgets):
        total = budgets["wall time (s)"].sum()
        out += [f"Compute spent on this build: {total / 60:.1f} min of wall time over {len(budgets)} chapters, profile "
                f"`{', '.join(dict.fromkeys(budgets['profile']))}`. What another profile would cost, before it runs: "
                "`python -m mlxbook plan --profile paper` (README, *What a profile costs*).", ""]
    out += ["## Results", "", scorecard.claims_markdown(claims), ""]
    by_data = scorecard.by_data(claims)
    if len(by_data):
        out += ["Claims judged on the data as described and on the calibrated data, side by side:", "",
                markdown_table(by_data), ""]
    out += ["## Deviations and choices", ""]
    for n in executed:
        footer = next((rec for kind, rec in scorecard.records(directory / f"{n}.ipynb") if kind == "budget"), None)
        cut = [f"{LIMITS.get(k, k)}: {u} (paper: {p})" for k, (u, p) in sorted((footer or {}).get("scaled", {}).items())]
        stated = choices(directory / f"{n}.ipynb")
        out.append(f'- <a href="{n}.html">{n}</a>: '
                   + (f"scaled down: {'; '.join(cut)}." if cut else "nothing scaled down from the paper's protocol.")
                   + (f" Choices and remarks stated on the page: {'; '.join(stated)}." if stated else ""))
    out += ["", "## What was easy, what was hard", ""]
    judged = [verdicts.Judgement.from_record(r) for r in claims.to_dict("records")]
    easy = [j for j in judged if j.verdict in EASY]
    hard = [j for j in judged if j.verdict not in EASY]
    out.append(f"**Reproduced ({len(easy)} of {len(judged)}):** "
               + ("; ".join(f"{j.statement} ({verdicts.MARKS[j.verdict]})" for j in easy) or "none") + ".")
    out += ["", f"**Not reproduced, inconclusive or not run ({len(hard)} of {len(judged)}):**", ""]
    out += [f"- {j.statement}: **{verdicts.MARKS[j.verdict]}**" + (f"; {verdicts.reason(j)}" if verdicts.reason(j) else "")
            for j in hard]
    return "\n".join(out)


def links_markdown() -> str:
    """One line linking the three report pages (for the scorecard and the intro)."""
    return "Reproduction reports, one page per paper: " + ", ".join(
        f'<a href="{page}.html">{scorecard.PAPER_TITLES[p]}</a>' for p, page in REPORTS.items()) + "."
