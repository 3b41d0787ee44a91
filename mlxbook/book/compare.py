"""Paper-vs-ours tables with a verdict per row, recorded for the reproduction scorecard.

A chapter builds a tidy frame of its own per-seed results whose columns name the setting the way
:mod:`mlxbook.paper` does (``dataset``, ``n_train``, ``ratio``, ``test_set``, ``method`` ...) and
calls :func:`against_paper` with the paper's rows from :func:`mlxbook.paper.numbers`. Every paper
number therefore comes from that one module; nothing is typed into a chapter.

Verdict of a row (the issue's rule: same ordering of methods, gap within the spread):

* **value**: ``|ours - paper| <= max(2 * std_ours, 2 * std_paper, tol)``; ``tol`` (default 0.03,
  three accuracy points) stands for the rounding and seed noise the papers do not report.
* **ordering**: for every other method of the same group (same setting, different method) that both
  we and the paper report, our difference has the paper's sign, unless the paper's own gap is
  below ``tol`` (then the paper states no ordering to reproduce).
* ``supported`` when both hold, ``partly`` when one holds, ``not supported`` when neither does,
  and ``needs data`` / ``not run`` when we have no number (the reason is shown).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..paper import KEY, PAPERS

SUPPORTED, PARTLY, NOT_SUPPORTED = "supported", "partly", "not supported"
VERDICTS = (SUPPORTED, PARTLY, NOT_SUPPORTED, "needs data", "not run")


def rule_verdict(ok: bool | None, partly: bool = False) -> str:
    """The book's words for a claim checked by a stated rule: supported when ``ok``, partly when only
    ``partly`` holds, else not supported; "not run" when ``ok`` is None (nothing was measured)."""
    if ok is None:
        return "not run"
    return SUPPORTED if ok else (PARTLY if partly else NOT_SUPPORTED)


def check_paper(paper: str) -> str:
    """``paper`` if it is one of :data:`mlxbook.paper.PAPERS`, else a ConfigError naming the allowed ones."""
    if paper not in PAPERS:
        raise ConfigError(f"paper={paper!r} is not allowed; allowed: {', '.join(PAPERS)}")
    return paper


MARKS = {SUPPORTED: "✓ supported", PARTLY: "◐ partly", NOT_SUPPORTED: "✗ not supported"}


def summarise(per_seed: pd.DataFrame, on: list[str], value: str = "accuracy") -> pd.DataFrame:
    """Mean, sample std and seed count of ``value`` per combination of ``on``."""
    missing = sorted(set(on + [value]) - set(per_seed.columns))
    if missing:
        raise ConfigError(f"our results have no column {', '.join(map(repr, missing))}; columns: {list(per_seed.columns)}")
    g = per_seed.groupby(on, dropna=False)[value]
    out = g.agg(ours="mean", ours_std="std", seeds="count").reset_index()
    out["ours_std"] = out["ours_std"].fillna(0.0)
    return out


def _norm(df: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Key columns as plain objects so that 50 (Int64) and 50 (int) or None and NaN merge."""
    df = df.copy()
    for c in on:
        df[c] = [None if (v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA) else
                 (int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v) for v in df[c]]
    return df


def against_paper(paper: pd.DataFrame, per_seed: pd.DataFrame, *, on: list[str], value: str = "accuracy",
                  group: list[str] | None = None, tol: float = 0.03, missing: str | dict = "not run",
                  profile: str = "") -> pd.DataFrame:
    """One row per paper number: the paper's value, ours (mean, std, seeds) and the verdict.

    ``on`` are the columns shared by ``paper`` rows and ``per_seed`` results; ``group`` (default:
    ``on`` without ``method``) defines which rows compete in the ordering check. ``missing`` is the
    reason shown where we have no number: a string, or a dict from ``dataset`` to reason.
    """
    if paper.empty:
        raise ConfigError("against_paper() got no paper rows; check the filters passed to mlxbook.paper.numbers()")
    unknown = sorted(set(on) - set(paper.columns))
    if unknown:
        raise ConfigError(f"on={on!r}: the paper's table has no column {', '.join(unknown)}")
    group = [c for c in on if c != "method"] if group is None else group
    ours = summarise(per_seed, on, value) if len(per_seed) else pd.DataFrame(columns=on + ["ours", "ours_std", "seeds"])
    table = _norm(paper, on).merge(_norm(ours, on), on=on, how="left")
    table["seeds"] = table["seeds"].fillna(0).astype(int)
    verdicts = []
    for i, row in table.iterrows():
        if row["seeds"] == 0:
            reason = missing.get(row.get("dataset"), "not run") if isinstance(missing, dict) else missing
            verdicts.append(("needs data" if reason.startswith("needs") else "not run", reason))
            continue
        paper_std = 0.0 if pd.isna(row["std"]) else float(row["std"])
        close = abs(row["ours"] - row["value"]) <= max(2 * row["ours_std"], 2 * paper_std, tol)
        same = (table[group].astype(str) == row[group].astype(str)).all(axis=1) & (table.index != i)
        others = table[same & (table["seeds"] > 0)]
        ordered = all(abs(row["value"] - o["value"]) < tol or np.sign(row["ours"] - o["ours"]) == np.sign(row["value"] - o["value"])
                      for _, o in others.iterrows())
        verdict = SUPPORTED if close and ordered else PARTLY if close or ordered else NOT_SUPPORTED
        why = [] if close else [f"gap {row['ours'] - row['value']:+.3f} beyond the spread"]
        why += [] if ordered else ["ordering of methods differs"]
        verdicts.append((verdict, "; ".join(why)))
    table["verdict"] = [v for v, _ in verdicts]
    table["why"] = [w for _, w in verdicts]
    table["profile"] = profile
    return table


def fmt_mean_std(mean, std) -> str:
    """``mean ± std`` to 3 decimals; the mean alone when std is missing; a dash when the mean is."""
    if mean is None or pd.isna(mean):
        return "–"
    return f"{mean:.3f}" if pd.isna(std) else f"{mean:.3f} ± {std:.3f}"


def markdown(table: pd.DataFrame, *, label: str, caption: str, show: list[str] | None = None) -> str:
    """The table as Markdown under a bold caption, anchored by an HTML id ``label`` for links to it.

    (MyST directives and labels are not parsed in cell outputs, hence a plain anchor.)
    """
    show = show or [c for c in ["dataset", "condition", "n_train", "ratio", "test_set", "method", "metric", "epoch"]
                    if c in table.columns and table[c].notna().any() and table[c].nunique(dropna=False) > 1]
    head = show + ["paper", "ours (mean ± std)", "seeds", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in table.iterrows():
        if r["verdict"] in ("needs data", "not run"):
            verdict = r["why"]
        else:
            verdict = MARKS[r["verdict"]] + (f" ({r['why']})" if r["why"] else "")
        cells = ["–" if pd.isna(r[c]) else str(r[c]) for c in show]
        cells += [fmt_mean_std(r["value"], r["std"]), fmt_mean_std(r["ours"], r["ours_std"]) if r["seeds"] else "–",
                  str(r["seeds"]), verdict]
        lines.append("| " + " | ".join(cells) + " |")
    return f'<a id="{label}"></a>\n\n**{caption}**\n\n' + "\n".join(lines)


def counts(table: pd.DataFrame) -> dict[str, int]:
    """How many rows got each verdict."""
    return {v: int((table["verdict"] == v).sum()) for v in VERDICTS if (table["verdict"] == v).any()}


def record(table: pd.DataFrame, *, label: str, caption: str, claim: str, profile: str) -> dict:
    """The JSON-able record of a comparison table (stored in the output's metadata for the scorecard)."""
    rows = []
    for _, r in table.iterrows():
        key = {k: (None if pd.isna(r[k]) else (int(r[k]) if isinstance(r[k], (int, np.integer)) else r[k]))
               for k in KEY if k in r.index}
        rows.append({"key": key, "paper_value": float(r["value"]),
                     "paper_std": None if pd.isna(r["std"]) else float(r["std"]),
                     "ours": None if not r["seeds"] else float(r["ours"]),
                     "ours_std": None if not r["seeds"] else float(r["ours_std"]),
                     "seeds": int(r["seeds"]), "verdict": r["verdict"], "why": r["why"]})
    return {"label": label, "caption": caption, "claim": claim, "profile": profile, "rows": rows}


def show(ch, table: pd.DataFrame, *, label: str, caption: str, claim: str = "") -> None:
    """Display ``table`` (from :func:`against_paper`) with its verdict counts; record it in the output."""
    from IPython.display import Markdown, display

    tally = counts(table)
    summary = ", ".join(f"{n} {v}" for v, n in tally.items())
    text = markdown(table, label=label, caption=f"{caption} Profile `{ch.profile.name}`; verdicts: {summary}.")
    rec = record(table, label=label, caption=caption, claim=claim, profile=ch.profile.name)
    ch.records.append(rec)
    display(Markdown(text), metadata={"mlxbook": {"comparison": rec}})


def show_claims(ch, table: pd.DataFrame, *, paper: str, label: str, caption: str) -> None:
    """Display a table of claims (columns claim, ours, verdict; optional where, paper_says, why), record each.

    One anchor ``label`` for the table, one scorecard row per claim; ``paper`` is one of
    :data:`mlxbook.paper.PAPERS`.
    """
    from IPython.display import Markdown, display


    check_paper(paper)
    missing = sorted({"claim", "ours", "verdict"} - set(table.columns))
    if missing:
        raise ConfigError(f"a claims table needs the columns claim, ours, verdict; missing: {', '.join(missing)}")
    bad = sorted(set(table["verdict"]) - set(VERDICTS))
    if bad:
        raise ConfigError(f"verdict {', '.join(map(repr, bad))} is not allowed; allowed: {', '.join(VERDICTS)}")
    recs = []
    for r in table.to_dict("records"):
        claim = f"{r['where']}: {r['claim']}" if r.get("where") else r["claim"]
        recs.append({"paper": paper, "label": label, "claim": claim, "paper_says": str(r.get("paper_says", "")),
                     "ours": str(r["ours"]), "verdict": r["verdict"], "why": str(r.get("why", "") or ""),
                     "profile": ch.profile.name})
    ch.records.extend(recs)
    cols = [c for c in ["where", "claim", "paper_says", "ours", "verdict", "why"] if c in table.columns]
    head = {"where": "where", "claim": "claim", "paper_says": "paper", "ours": f"ours (profile `{ch.profile.name}`)",
            "verdict": "verdict", "why": "rule or reason"}
    lines = ["| " + " | ".join(head[c] for c in cols) + " |", "|" + "---|" * len(cols)]
    for r in table.to_dict("records"):
        cells = [MARKS.get(r[c], r[c]) if c == "verdict" else str(r[c]) for c in cols]
        lines.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |")
    tally = ", ".join(f"{n} {v}" for v, n in table["verdict"].value_counts().items())
    text = f'<a id="{label}"></a>\n\n**{caption} Profile `{ch.profile.name}`; verdicts: {tally}.**\n\n' + "\n".join(lines)
    display(Markdown(text), metadata={"mlxbook": {"claims": recs}})


class Claims:
    """A chapter's claims that are not table rows, each with our evidence and the verdict of a stated rule.

    The one claims mechanism of the book: an experiment's verdict functions :meth:`add` rows (``where``
    in the paper, the ``claim``, what the paper says, what we measured, the verdict and the rule or
    reason ``why``); a chapter shows a section's rows with :meth:`show`, which records them for the
    scorecard through :func:`show_claims`.
    """

    COLUMNS = ("where", "claim", "paper_says", "ours", "verdict", "why")

    def __init__(self, paper: str):
        check_paper(paper)
        self.paper = paper
        self.rows: list[dict] = []

    def add(self, where: str, claim: str, paper_says: str, ours: str, verdict: str, why: str = "") -> str:
        """Add one claim; returns its verdict (one of :data:`VERDICTS`)."""
        if verdict not in VERDICTS:
            raise ConfigError(f"verdict={verdict!r} is not allowed; allowed: {', '.join(VERDICTS)}")
        self.rows.append(dict(zip(self.COLUMNS, (where, claim, paper_says, ours, verdict, why))))
        return verdict

    def frame(self, where: str | None = None) -> pd.DataFrame:
        """The claims (those whose ``where`` starts with ``where``), without optional columns left empty."""
        df = pd.DataFrame(self.rows, columns=list(self.COLUMNS))
        if where is not None:
            df = df[df["where"].str.startswith(where)]
        empty = [c for c in ("paper_says", "why") if not df[c].astype(bool).any()]
        return df.drop(columns=empty).reset_index(drop=True)

    def show(self, ch, where: str, *, label: str | None = None, caption: str | None = None) -> None:
        """Show the claims of ``where`` and record them for the scorecard (label ``claims-<where>``)."""
        slug = re.sub(r"[^a-z0-9]+", "-", where.lower()).strip("-")
        show_claims(ch, self.frame(where), paper=self.paper, label=label or f"claims-{slug}",
                    caption=caption or f"Claims of {where}.")
