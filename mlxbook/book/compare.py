"""Paper-vs-ours tables (each number as context) and the claims checked by a stated rule.

A chapter builds a tidy frame of its own per-seed results whose columns name the setting the way
:mod:`mlxbook.paper` does (``dataset``, ``n_train``, ``ratio``, ``test_set``, ``method`` ...) and
calls :func:`against_paper` with the paper's rows from :func:`mlxbook.paper.numbers`. Every paper
number therefore comes from that one module; nothing is typed into a chapter.

A row is **context, not a verdict**: the book judges the papers' claims (effects, with their
intervals: :mod:`mlxbook.book.verdicts`), and a single number landing near the paper's says little
about an effect. Each row says where the paper's number lies against our 95% *prediction interval*
for one more seed (mean ± t · sd · sqrt(1 + 1/n), over the seeds whose models did not collapse):

* ``inside``, ``paper higher`` or ``paper lower``;
* ``collapsed``: every seed's model predicts one class on that test set (nothing to compare);
* ``one seed``: no spread to build an interval from;
* ``needs data`` / ``not run`` when we have no number (the reason is shown).

The collapsed seeds of every row are counted ("collapsed k/n"); ours (mean ± std) includes them.

Claims outside tables that a chapter checks by a stated rule (a figure's shape, a threshold) are kept
by :class:`Claims` with the words of :func:`rule_verdict`: supported, partly, not supported, and
``vacuous`` for a check that cannot fail at the scale run (a bound hundreds of times loose).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ConfigError
from ..paper import KEY, PAPERS, names
from . import downloads
from .verdicts import collapsed_flags
from .words import count

SUPPORTED, PARTLY, NOT_SUPPORTED, VACUOUS = "supported", "partly", "not supported", "vacuous"
VERDICTS = (SUPPORTED, PARTLY, NOT_SUPPORTED, VACUOUS, "needs data", "not run")
"""The words of a claim checked by a stated rule."""
INSIDE, PAPER_HIGHER, PAPER_LOWER, COLLAPSED, ONE_SEED = "inside", "paper higher", "paper lower", "collapsed", "one seed"
CONTEXTS = (INSIDE, PAPER_HIGHER, PAPER_LOWER, COLLAPSED, ONE_SEED, "needs data", "not run")
"""Where a paper number lies against our prediction interval (a table row's context)."""


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


MARKS = {SUPPORTED: "✓ supported", PARTLY: "◐ partly", NOT_SUPPORTED: "✗ not supported",
         VACUOUS: "○ vacuous (cannot fail at this scale)"}


def summarise(per_seed: pd.DataFrame, on: list[str], value: str = "accuracy") -> pd.DataFrame:
    """Per combination of ``on``: mean, sample std and count of ``value`` over all seeds, the collapsed
    seeds (``collapsed`` column, if any) and the 95% prediction interval over the live ones."""
    missing = sorted(set(on + [value]) - set(per_seed.columns))
    if missing:
        raise ConfigError(f"our results have no column {', '.join(map(repr, missing))}; columns: {list(per_seed.columns)}")
    frame = per_seed.assign(collapsed=collapsed_flags(per_seed))
    rows = []
    for key, g in frame.groupby(on, dropna=False):
        live = g.loc[~g["collapsed"], value].astype(float)
        n = len(live)
        half = stats.t.ppf(0.975, n - 1) * live.std() * math.sqrt(1 + 1 / n) if n > 1 else math.nan
        rows.append({**dict(zip(on, key if isinstance(key, tuple) else (key,))), "ours": g[value].mean(),
                     "ours_std": g[value].std() if len(g) > 1 else 0.0, "seeds": len(g),
                     "collapsed": int(g["collapsed"].sum()), "low": live.mean() - half, "high": live.mean() + half})
    return pd.DataFrame(rows, columns=on + ["ours", "ours_std", "seeds", "collapsed", "low", "high"])


def _norm(df: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Key columns as plain objects so that 50 (Int64) and 50 (int) or None and NaN merge."""
    df = df.copy()
    for c in on:
        df[c] = [None if (v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA) else
                 (int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v) for v in df[c]]
    return df


def context(row) -> str:
    """Where the paper's value of ``row`` lies against our prediction interval (see the module docstring)."""
    if row["collapsed"] == row["seeds"]:
        return COLLAPSED
    if pd.isna(row["low"]):
        return ONE_SEED
    if row["value"] > row["high"]:
        return PAPER_HIGHER
    return PAPER_LOWER if row["value"] < row["low"] else INSIDE


def against_paper(paper: pd.DataFrame, per_seed: pd.DataFrame, *, on: list[str], value: str = "accuracy",
                  missing: str | dict = "not run", profile: str = "") -> pd.DataFrame:
    """One row per paper number: the paper's value, ours (mean, std, seeds, collapsed seeds), our 95%
    prediction interval (``low``, ``high``) and the row's :func:`context`; ``per_seed`` rides along in the
    table's ``attrs`` (``"per_seed"``), so :func:`show` can offer it for download.

    ``on`` are the columns shared by ``paper`` rows and ``per_seed`` results. ``missing`` is the reason
    shown where we have no number: a string, or a dict from ``dataset`` to reason.
    """
    if paper.empty:
        raise ConfigError("against_paper() got no paper rows; check the filters passed to mlxbook.paper.numbers()")
    unknown = sorted(set(on) - set(paper.columns))
    if unknown:
        raise ConfigError(f"on={on!r}: the paper's table has no column {', '.join(unknown)}")
    ours = summarise(per_seed, on, value) if len(per_seed) else summarise(pd.DataFrame(columns=on + [value]), on, value)
    table = _norm(paper, on).merge(_norm(ours, on), on=on, how="left")
    table["seeds"] = table["seeds"].fillna(0).astype(int)
    table["collapsed"] = table["collapsed"].fillna(0).astype(int)
    contexts, whys = [], []
    for _, row in table.iterrows():
        if row["seeds"] == 0:
            reason = missing.get(row.get("dataset"), "not run") if isinstance(missing, dict) else missing
            contexts.append("needs data" if reason.startswith("needs") else "not run")
            whys.append(reason)
        else:
            contexts.append(context(row))
            whys.append("")
    table["context"] = contexts
    table["why"] = whys
    table["profile"] = profile
    table.attrs["per_seed"] = downloads.PerSeed(per_seed)  # offered for download under the table
    return table


def fmt_mean_std(mean, std) -> str:
    """``mean ± std`` to 3 decimals; the mean alone when std is missing; a dash when the mean is."""
    if mean is None or pd.isna(mean):
        return "–"
    return f"{mean:.3f}" if pd.isna(std) else f"{mean:.3f} ± {std:.3f}"


def fmt_interval(low, high) -> str:
    return "–" if pd.isna(low) else f"[{low:.3f}, {high:.3f}]"


def markdown(table: pd.DataFrame, *, label: str, caption: str, show: list[str] | None = None) -> str:
    """The table as Markdown under a bold caption, anchored by an HTML id ``label`` for links to it: for each row
    with a number of ours, the settings that vary, the paper's number, ours (its seeds and collapsed seeds under
    it) and where the paper's number lies against our prediction interval (the interval under it), so the table
    fits the text column; the rows with no number of ours are counted by reason in one line under it.

    (MyST directives and labels are not parsed in cell outputs, hence a plain anchor.)
    """
    show = show or [c for c in ["dataset", "condition", "n_train", "ratio", "test_set", "method", "metric", "epoch"]
                    if c in table.columns and table[c].notna().any() and table[c].nunique(dropna=False) > 1]
    ran, missing = table[table["seeds"] > 0], table[table["seeds"] == 0]
    head = [names.COLUMNS[c] for c in show] + ["paper", "ours (mean ± std)", "the paper's number"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in ran.iterrows():
        cells = ["–" if pd.isna(r[c]) else names.value(c, r[c], r.get("paper")) for c in show]
        seeds = count(int(r["seeds"]), "seed") + (f", {r['collapsed']} collapsed" if r["collapsed"] else "")
        where = (f"**{r['context']}**<br><small>our 95% prediction interval {fmt_interval(r['low'], r['high'])}</small>"
                 if not pd.isna(r["low"]) else f"**{r['context']}**")
        lines.append("| " + " | ".join([*cells, fmt_mean_std(r["value"], r["std"]),
                                         f"{fmt_mean_std(r['ours'], r['ours_std'])}<br><small>{seeds}</small>", where])
                     + " |")
    body = "\n".join(lines) if len(ran) else "No row has a number of ours on this profile."
    if len(missing):
        why = ", ".join(f"{n} {reason}" for reason, n in missing["why"].value_counts().items())
        body += f"\n\n*Rows without a number of ours on this profile: {why}; the scorecard keeps them.*"
    return f'<a id="{label}"></a>\n\n**{caption}**\n\n' + body


def counts(table: pd.DataFrame) -> dict[str, int]:
    """How many rows got each context."""
    return {v: int((table["context"] == v).sum()) for v in CONTEXTS if (table["context"] == v).any()}


def record(table: pd.DataFrame, *, label: str, caption: str, claim: str, profile: str) -> dict:
    """The JSON-able record of a comparison table (stored in the output's metadata for the scorecard)."""
    rows = []
    for _, r in table.iterrows():
        key = {k: (None if pd.isna(r[k]) else (int(r[k]) if isinstance(r[k], (int, np.integer)) else r[k]))
               for k in KEY if k in r.index}
        ran = bool(r["seeds"])
        rows.append({"key": key, "paper_value": float(r["value"]),
                     "paper_std": None if pd.isna(r["std"]) else float(r["std"]),
                     "ours": float(r["ours"]) if ran else None, "ours_std": float(r["ours_std"]) if ran else None,
                     "seeds": int(r["seeds"]), "collapsed": int(r["collapsed"]),
                     "low": None if not ran or pd.isna(r["low"]) else float(r["low"]),
                     "high": None if not ran or pd.isna(r["high"]) else float(r["high"]),
                     "context": r["context"], "why": r["why"]})
    return {"label": label, "caption": caption, "claim": claim, "profile": profile, "rows": rows}


def show(ch, table: pd.DataFrame, *, label: str, caption: str, claim: str = "") -> None:
    """Display ``table`` (from :func:`against_paper`) with its context counts and the link to its per-seed
    results (:mod:`.downloads`); record it in the output."""
    from IPython.display import Markdown, display

    tally = counts(table)
    summary = ", ".join(f"{n} {v}" for v, n in tally.items())
    text = markdown(table, label=label, caption=f"{caption} Profile `{ch.profile.name}`; the paper's number against "
                                                f"our prediction interval: {summary}.")
    rec = record(table, label=label, caption=caption, claim=claim, profile=ch.profile.name)
    ch.records.append(rec)
    per_seed = table.attrs.get("per_seed")
    if isinstance(per_seed, downloads.PerSeed) and len(per_seed.frame):
        text += "\n\n" + downloads.write(ch, label, per_seed.frame, caption=caption)
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
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
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
