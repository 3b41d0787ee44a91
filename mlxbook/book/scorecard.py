"""The reproduction scorecard: each paper's claims with their verdicts first, then every checked number.

Chapters record what they judge in the metadata of the outputs that show it: claims judged by
estimation (:func:`mlxbook.book.verdicts.show`, through ``ch.judge``), claims checked by a stated rule
(:class:`~mlxbook.book.compare.Claims`) and paper-vs-ours tables (``ch.compare``, each number as
context). This module reads them back from the executed chapters (``book/chapters/<name>.ipynb``), so
the scorecard is generated from results and never typed; each row links to the anchor of the output
that computed it. A registered claim that no executed chapter judged is listed as "not run".
:func:`summary` is the machine-readable form (``scorecard.json``, ``python -m mlxbook scorecard --json``).
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path

import nbformat
import pandas as pd

from ..paper import names
from ..paper.claims import CLAIMS
from . import verdicts
from .compare import CONTEXTS, VERDICTS, fmt_mean_std

COLUMNS = ["paper", "chapter", "label", "what", "setting", "paper_value", "ours", "profile", "verdict", "why",
           "chapter_title"]
PAPER_TITLES = {"two_stage": "Machine Learning from Explanations", "rrr": "Right for the Right Reasons",
                "ibp_ex": "Robust Learning from Explanations"}
_SETTING = ["dataset", "condition", "n_train", "ratio", "test_set", "method", "metric", "epoch"]


def executed_dir(cwd: Path | None = None) -> Path:
    """The executed chapters: the working directory when the runner executes a page there, else ../book/chapters."""
    cwd = Path(cwd or Path.cwd())
    return cwd if cwd.name == "chapters" else cwd.parent / "book" / "chapters"


def records(path: Path) -> list[tuple[str, dict]]:
    """(kind, record) of every recorded verdict, comparison, rule claim and budget (the footer, one per chapter)
    in the executed chapter at ``path``."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("mlxbook", {})
            found += [("comparison", meta["comparison"])] if "comparison" in meta else []
            found += [("claim", rec) for rec in meta.get("claims", [])]
            found += [("verdict", rec) for rec in meta.get("verdicts", [])]
            found += [("budget", meta["budget"])] if "budget" in meta else []
    return found


def _executed(directory: Path, chapters: list[str]):
    for name in chapters:
        path = Path(directory) / f"{name}.ipynb"
        if path.exists():
            yield name, records(path)


def claims(directory: Path, chapters: list[str]) -> pd.DataFrame:
    """One row per registered claim (registry order): its verdict where a chapter judged it on the data as
    described, else not run; ``other_data`` lists its verdicts on other variants of the data (e.g. calibrated)."""
    judged, other = {}, {}
    for name, recs in _executed(directory, chapters):
        for kind, rec in recs:
            if kind == "verdict" and rec.get("data"):
                other.setdefault(rec["claim"], []).append({**rec, "chapter": name})
            elif kind == "verdict":
                judged[rec["claim"]] = {**rec, "chapter": name}
    rows = []
    for c in CLAIMS.values():
        rec = judged.get(c.id)
        if rec is None:
            rec = verdicts.Judgement(claim=c.id, paper=c.paper, where=c.where, words=c.words, statement=c.statement,
                                     quantity=c.quantity, headline=c.headline, verdict=verdicts.NOT_RUN, null=c.null,
                                     note=f"the {c.chapter} chapter was not executed").record() | {"chapter": c.chapter}
        rows.append({**rec, "other_data": other.get(c.id, [])})
    return pd.DataFrame(rows)


def by_data(table: pd.DataFrame) -> pd.DataFrame:
    """The claims judged on more than one variant of the data (a table of :func:`claims`), side by side
    (:func:`.verdicts.side_by_side`): per claim, its verdict and effect on each variant, and whether it differs."""
    rows = table[table["other_data"].map(len) > 0].to_dict("records")
    main = [verdicts.Judgement.from_record(r) for r in rows]
    other = [verdicts.Judgement.from_record(o) for r in rows for o in r["other_data"]]
    return verdicts.side_by_side(main, other)


def collect(directory: Path, chapters: list[str]) -> pd.DataFrame:
    """One row per rule claim and per paper number of ``chapters`` (book order) executed in ``directory``;
    a paper number's ``verdict`` column holds its context (:data:`mlxbook.book.compare.CONTEXTS`)."""
    rows = []
    for name, recs in _executed(directory, chapters):
        recs = list(recs)
        title = next((rec.get("title", name) for kind, rec in recs if kind == "budget"), name)
        for kind, rec in recs:
            if kind == "claim":
                rows.append({"paper": rec["paper"], "chapter": name, "label": rec["label"], "what": rec["claim"],
                             "setting": "", "paper_value": rec["paper_says"], "ours": rec["ours"],
                             "profile": rec["profile"], "verdict": rec["verdict"], "why": rec["why"],
                             "chapter_title": title})
            elif kind == "comparison":
                for r in rec["rows"]:
                    key = r["key"]
                    setting = ", ".join(f"{k}={key[k]}" for k in _SETTING if key.get(k) is not None)
                    ours = fmt_mean_std(r["ours"], r["ours_std"])
                    if r["seeds"]:
                        ours += f" ({r['seeds']} seeds" + (f", {r['collapsed']} collapsed)" if r.get("collapsed") else ")")
                    what = rec["caption"] if rec["caption"].startswith(key["table"]) else f"{key['table']}: {rec['caption']}"
                    rows.append({"paper": key["paper"], "chapter": name, "label": rec["label"],
                                 "what": what, "setting": setting, "chapter_title": title,
                                 "paper_value": fmt_mean_std(r["paper_value"], r["paper_std"]), "ours": ours,
                                 "profile": rec["profile"], "verdict": r.get("context", r.get("verdict")),
                                 "why": r["why"]})  # "verdict": a chapter executed before rows became context
    return pd.DataFrame(rows, columns=COLUMNS)


BUDGET_COLUMNS = {"seeds": "seeds", "epochs": "epochs", "n_train": "training examples (large data)",
                  "n_test": "test examples per test set"}
"""The budget entries of a chapter's footer shown per chapter by :func:`budgets`, with their column titles."""


def budgets(directory: Path, chapters: list[str]) -> pd.DataFrame:
    """What each executed chapter trained with, as its footer recorded it: one row per chapter (book order) with
    its profile, wall time, the values of :data:`BUDGET_COLUMNS` it used and its image sides."""
    rows = []
    for name, recs in _executed(directory, chapters):
        for kind, rec in recs:
            if kind != "budget":
                continue
            used = rec["used"]
            sides = [v for k, vals in used.items() if "image si" in k for v in vals]
            rows.append({"chapter": name, "title": rec.get("title", name), "profile": rec["profile"],
                         "wall time (s)": round(rec["seconds"]),
                         **{title: ", ".join(used.get(k, [])) or "–" for k, title in BUDGET_COLUMNS.items()},
                         "image side (px)": ", ".join(dict.fromkeys(sides)) or "–"})
    return pd.DataFrame(rows, columns=["chapter", "title", "profile", "wall time (s)", *BUDGET_COLUMNS.values(),
                                       "image side (px)"])


def budgets_markdown(directory: Path, chapters: list[str]) -> str:
    """:func:`budgets` as a Markdown table, each chapter linked to its page (a line saying so when none ran)."""
    table = budgets(directory, chapters)
    if table.empty:
        return f"**No executed chapter was found** at `{directory}`: run `make book` first."
    table["chapter"] = [f'<a href="{n}.html">{t}</a>' for n, t in zip(table["chapter"], table.pop("title"))]
    return table.to_markdown(index=False)


def answers_markdown(table: pd.DataFrame) -> str:
    """Each paper's headline claims (a table of :func:`claims`), one line each with its verdict, interval and link,
    under a heading per paper with its counts."""
    parts = []
    for paper, title in PAPER_TITLES.items():
        rows = table[(table["paper"] == paper) & table["headline"].astype(bool)]
        counts = rows["verdict"].value_counts()
        tally_line = ", ".join(f"{counts[v]} {v}" for v in verdicts.VERDICTS if v in counts)
        parts += [f"**{title}**: {len(rows)} headline claims; {tally_line}.", "",
                  verdicts.answers(rows.to_dict("records"), other_pages=True), ""]
    return "\n".join(parts)


def _title(paper: str) -> str:
    return PAPER_TITLES.get(paper, paper or "(claims)")


def tally(table: pd.DataFrame, order=None) -> pd.DataFrame:
    """Counts per paper (rows) and verdict or context (columns, in ``order``, default every word in use)."""
    order = order or list(verdicts.VERDICTS) + [v for v in VERDICTS + CONTEXTS if v not in verdicts.VERDICTS]
    counts = pd.crosstab(table["paper"].map(_title), table["verdict"])
    return counts.reindex(columns=[v for v in order if v in counts.columns], fill_value=0)


def claims_markdown(table: pd.DataFrame, *, headline: bool | None = None) -> str:
    """The judged claims (``headline`` True / False for one kind, None for all) as one Markdown table: claim
    (linked to where it is computed), verdict with its reason under it, our effect, the paper's, seeds."""
    rows = table if headline is None else table[table["headline"] == headline]
    lines = ["| claim | verdict | our effect [95% interval] | paper's effect | seeds |", "|---|---|---|---|---|"]
    for _, r in rows.iterrows():
        j = verdicts.Judgement.from_record(r)
        link = (f'<a href="{r["chapter"]}.html#{r["label"]}">{j.statement}</a>' if not _na(r.get("label")) and r.get("label")
                else j.statement)
        lines.append(f"| {link} ({_title(j.paper)}, {j.where}) | {verdicts.verdict_cell(j)} | {verdicts.fmt_effect(j)} | "
                     f"{verdicts.fmt_paper(j)} | {verdicts.seeds_cell(j)} |")
    return "\n".join(lines)


def _na(v) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v))


UNCOMPUTED = ("needs data", "not run")
"""Row contexts with no number of ours: counted in a block's summary, not listed."""


def markdown(table: pd.DataFrame) -> str:
    """The rule claims and paper numbers of :func:`collect`, one folded block per table of a chapter (an HTML
    ``details`` block, closed by default) whose summary counts its rows by verdict or context and links to the
    output that computed them; inside, the rows that have a number of ours, their settings as columns."""
    blocks = []
    for (chapter, label), part in table.groupby(["chapter", "label"], sort=False):
        rule = (part["setting"] == "").all()
        what = f"{len(part)} claims checked by a stated rule" if rule else part["what"].iloc[0]
        counts = ", ".join(f"{n} {v}" for v, n in part["verdict"].value_counts().items())
        shown = part[~part["verdict"].isin(UNCOMPUTED)]
        page = escape(str(part["chapter_title"].iloc[0]))
        lines = ["<details>", f"<summary>{page}: {escape(str(what))} ({counts}; profile "
                 f"{', '.join(dict.fromkeys(part['profile']))})</summary>", "",
                 f'Computed in <a href="{chapter}.html#{label}">{page}</a> ({_title(part["paper"].iloc[0])}).', ""]
        if len(shown):
            if rule:
                head, rows = ["claim", "paper", "ours"], [[r.what, r.paper_value, r.ours] for r in shown.itertuples()]
            else:
                settings = [dict(kv.split("=", 1) for kv in r.setting.split(", ")) for r in shown.itertuples()]
                keys = list(dict.fromkeys(k for st in settings for k in st))
                head = [*(names.COLUMNS.get(k, k) for k in keys), "paper", "ours"]
                rows = [[names.value(k, st[k], r.paper) if k in st else "" for k in keys] + [r.paper_value, r.ours]
                        for st, r in zip(settings, shown.itertuples())]
            verdict = [r.verdict + (f" ({r.why})" if r.why else "") for r in shown.itertuples()]
            lines += ["| " + " | ".join([*head, "verdict or context"]) + " |", "|" + "---|" * (len(head) + 1)]
            lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in [*cells, v]) + " |" for cells, v in zip(rows, verdict)]
        else:
            lines.append("No row has a number of ours on this profile.")
        blocks.append("\n".join(lines + ["", "</details>"]))
    return "\n\n".join(blocks)


def summary(claims_table: pd.DataFrame, rows: pd.DataFrame) -> dict:
    """Machine-readable counts per paper: claims per verdict (headline and all), rule checks per verdict,
    paper numbers per context, and each headline claim with its verdict and interval."""
    out = {}
    for paper in PAPER_TITLES:
        c = claims_table[claims_table["paper"] == paper]
        r = rows[rows["paper"] == paper]
        is_rule = r["setting"] == ""
        out[paper] = {
            "title": PAPER_TITLES[paper],
            "claims": {v: int((c["verdict"] == v).sum()) for v in verdicts.VERDICTS},
            "headline_claims": {v: int((c[c["headline"]]["verdict"] == v).sum()) for v in verdicts.VERDICTS},
            "rule_checks": {v: int((r[is_rule]["verdict"] == v).sum()) for v in VERDICTS},
            "paper_numbers": {v: int((r[~is_rule]["verdict"] == v).sum()) for v in CONTEXTS},
            "headline": [{k: (None if _na(x.get(k)) else x.get(k)) for k in
                          ("claim", "statement", "verdict", "size", "estimate", "lo", "hi", "paper_effect", "seeds",
                           "collapsed", "profile", "chapter", "note", "sweep", "cuts")}
                         | {"other_data": [{k: o.get(k) for k in ("data", "verdict", "estimate", "lo", "hi", "chapter")}
                                           for o in x.get("other_data", [])]} for x in c[c["headline"]].to_dict("records")],
        }
    return out


def write_summary(path: Path, claims_table: pd.DataFrame, rows: pd.DataFrame) -> Path:
    """Write :func:`summary` as JSON to ``path``."""
    path = Path(path)
    path.write_text(json.dumps(summary(claims_table, rows), indent=1, default=str) + "\n")
    return path
