"""Claims judged by estimation: our effect with a 95% interval over seeds, against zero and the paper's effect.

The book judges a paper's *claims* (:data:`mlxbook.paper.claims.CLAIMS`), not its digits, the way
replication studies do (the Open Science Collaboration's 2015 criteria, Many Labs): estimate the
claimed effect from our per-seed results, put a 95% interval around it, and read the verdict from
where the interval lies.

* **reproduced**: the interval lies on the claimed side of no effect and, where the paper's numbers
  give an effect, contains it;
* **other size**: on the claimed side, but the paper's effect lies outside (``stronger`` or ``weaker``);
* **not reproduced**: the interval covers no effect but excludes the paper's;
* **contradicted**: the interval lies on the other side of no effect;
* **inconclusive**: the interval covers both no effect and the paper's effect (underpowered: the row
  says about how many seeds per method and setting would resolve it), or nothing is left to estimate
  from once collapsed models are set aside.

Intervals are Welch t intervals (a difference of means, averaged over the claim's settings, with the
Welch-Satterthwaite degrees of freedom; a ratio of means on log values), or the F interval of a
ratio of standard deviations (pooled over settings). They treat seeds as independent draws.

**Collapse is named, never scored.** A model whose predictions on a test set are a single class has
learned nothing about that test set (:func:`one_class`); its seed is left out of every estimate and
counted as "collapsed k/n". A setting with fewer than two live seeds on either side drops out of the
claim (named in the note), and a claim with no setting left is inconclusive, never reproduced.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ConfigError
from ..paper import names
from ..paper.claims import Claim, get_claim, select

REPRODUCED, OTHER_SIZE, NOT_REPRODUCED, CONTRADICTED, INCONCLUSIVE = (
    "reproduced", "other size", "not reproduced", "contradicted", "inconclusive")
NEEDS_DATA, NOT_RUN = "needs data", "not run"
VERDICTS = (REPRODUCED, OTHER_SIZE, NOT_REPRODUCED, CONTRADICTED, INCONCLUSIVE, NEEDS_DATA, NOT_RUN)
"""Every verdict of a claim, in the order the scorecard counts them."""
MARKS = {REPRODUCED: "✓ reproduced", OTHER_SIZE: "◐ other size", NOT_REPRODUCED: "✗ not reproduced",
         CONTRADICTED: "✗✗ contradicted", INCONCLUSIVE: "? inconclusive", NEEDS_DATA: "needs data", NOT_RUN: "not run"}
LEVEL = 0.95


# ---------------------------------------------------------------------------------------------- collapse
def one_class(predictions: dict[str, np.ndarray], seeds) -> pd.DataFrame:
    """Per seed and test set: the share of the most predicted class and whether it is 1 (``collapsed``).

    ``predictions[name]`` is (S, N) predicted labels in the order of ``seeds`` (a stored cell's).
    """
    rows = []
    for name, preds in predictions.items():
        preds = np.asarray(preds)
        for s, seed in enumerate(seeds):
            _, counts = np.unique(preds[s], return_counts=True)
            share = float(counts.max() / counts.sum())
            rows.append({"seed": seed, "test_set": name, "majority_share": share, "collapsed": share == 1.0})
    return pd.DataFrame(rows, columns=["seed", "test_set", "majority_share", "collapsed"])


def with_collapse(cell: dict) -> pd.DataFrame:
    """A stored cell's per-seed ``scores`` with :func:`one_class`'s ``majority_share`` and ``collapsed``."""
    flags = one_class(cell["predictions"], cell["spec"]["seeds"])
    return cell["scores"].merge(flags, on=["seed", "test_set"], how="left")


def collapsed_flags(frame: pd.DataFrame) -> pd.Series:
    """Per row of a per-seed frame, whether its seed collapsed (no ``collapsed`` column, or a missing value: no)."""
    return frame["collapsed"].fillna(False).astype(bool) if "collapsed" in frame else pd.Series(False, index=frame.index)


def collapsed_count(frame: pd.DataFrame) -> tuple[int, int]:
    """(collapsed seeds, seeds) of a per-seed frame."""
    return int(collapsed_flags(frame).sum()), len(frame)


# -------------------------------------------------------------------------------------------- estimation
@dataclass
class Estimate:
    """Our effect, its interval and what went into it."""

    estimate: float
    lo: float
    hi: float
    settings: int
    seeds: tuple[int, int]
    dropped: list[str] = field(default_factory=list)
    interval: str = ""
    half_log: bool = False


def _groups(frame: pd.DataFrame, on: tuple, value: str) -> dict:
    if not on:
        return {(): frame[value].astype(float).to_numpy()}
    return {k if isinstance(k, tuple) else (k,): g[value].astype(float).to_numpy()
            for k, g in frame.groupby(list(on), dropna=False)}


def _welch(pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float, float]:
    """Mean over settings of mean(a) - mean(b), and its 95% Welch t interval."""
    k = len(pairs)
    est = sum(a.mean() - b.mean() for a, b in pairs) / k
    parts = [(a.var(ddof=1) / len(a), b.var(ddof=1) / len(b), len(a), len(b)) for a, b in pairs]
    var = sum(va + vb for va, vb, _, _ in parts) / k**2
    if var == 0:
        return est, est, est
    den = sum(va**2 / (na - 1) + vb**2 / (nb - 1) for va, vb, na, nb in parts)
    df = sum(va + vb for va, vb, _, _ in parts) ** 2 / den
    half = stats.t.ppf(0.5 + LEVEL / 2, df) * math.sqrt(var)
    return est, est - half, est + half


def _spread_ratio(pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float, float]:
    """sd(b) / sd(a), variances pooled over settings, with the F interval (a is the claim's favoured side)."""
    ssa = sum(((a - a.mean()) ** 2).sum() for a, _ in pairs)
    ssb = sum(((b - b.mean()) ** 2).sum() for _, b in pairs)
    dfa = sum(len(a) - 1 for a, _ in pairs)
    dfb = sum(len(b) - 1 for _, b in pairs)
    va, vb = ssa / dfa, ssb / dfb
    if va == 0:
        return (math.inf, math.inf, math.inf) if vb > 0 else (math.nan, math.nan, math.nan)
    r = vb / va
    lo = r / stats.f.ppf(0.5 + LEVEL / 2, dfb, dfa)
    hi = r * stats.f.ppf(0.5 + LEVEL / 2, dfa, dfb)
    return math.sqrt(r), math.sqrt(lo), math.sqrt(hi)


def estimate(claim: Claim, per_seed: pd.DataFrame, value: str) -> Estimate | str:
    """Our estimate of ``claim``'s effect from ``per_seed`` (collapsed seeds set aside), or why there is none."""
    live = per_seed[~collapsed_flags(per_seed)]
    a = _groups(select(live, claim.a), claim.on, value)
    b = _groups(select(live, claim.b), claim.on, value)
    settings = _groups(pd.concat([select(per_seed, claim.a), select(per_seed, claim.b)]), claim.on, value)
    pairs, dropped, used = [], [], []
    for key in settings:
        xa, xb = a.get(key, np.array([])), b.get(key, np.array([]))
        if claim.quantity == "ratio":
            xa, xb = np.log(xa[xa > 0]), np.log(xb[xb > 0])
        if len(xa) < 2 or len(xb) < 2:
            dropped.append(" ".join(names.value(c, k, claim.paper) for c, k in zip(claim.on, key) if k != "test")
                           + f" ({len(xa)} and {len(xb)})")
            continue
        pairs.append((xa, xb))
        used.append((len(xa), len(xb)))
    if not pairs:
        return "no setting with two live seeds on both sides" + (f": {'; '.join(dropped)}" if dropped else "")
    seeds = (min(min(u) for u in used), max(max(u) for u in used))
    if claim.quantity == "spread ratio":
        est, lo, hi = _spread_ratio(pairs)
        how = "F interval of the ratio of standard deviations, pooled over settings"
    else:
        est, lo, hi = _welch(pairs)
        how = "Welch t interval, mean over settings"
        if claim.quantity == "ratio":
            est, lo, hi = math.exp(est), math.exp(lo), math.exp(hi)
            how = "Welch t interval on log values, geometric mean over settings"
    return Estimate(est, lo, hi, len(pairs), seeds, dropped, how, claim.quantity != "difference")


def verdict(est: float, lo: float, hi: float, *, null: float, paper_effect: float | None, direction: int) -> tuple[str, str]:
    """The verdict of an interval [lo, hi] (see the module docstring) and, for other size, stronger / weaker."""
    if any(map(math.isnan, (est, lo, hi))):
        return INCONCLUSIVE, "no spread to estimate from"
    near, far = (lo, hi) if direction > 0 else (hi, lo)  # the interval's end nearest to / farthest from no effect
    above, below = direction * (near - null) > 0, direction * (far - null) < 0
    has_paper = paper_effect is not None and not math.isnan(paper_effect)
    inside = has_paper and lo <= paper_effect <= hi
    if above and hi - lo == 0 and has_paper:
        inside = math.isclose(paper_effect, est)
    if above:
        if not has_paper or inside:
            return REPRODUCED, ""
        return OTHER_SIZE, "stronger" if direction * (est - paper_effect) > 0 else "weaker"
    if below:
        return CONTRADICTED, ""
    if has_paper and not inside:
        return NOT_REPRODUCED, ""
    return INCONCLUSIVE, ""


def seeds_to_resolve(e: Estimate, *, null: float, paper_effect: float | None) -> int | None:
    """About how many seeds per method and setting would shrink the interval enough to exclude no effect or
    the paper's effect (whichever lies farther from our estimate), if the spread stays as measured."""
    f = math.log if e.half_log else (lambda x: x)
    if any(map(math.isinf, (e.lo, e.hi))) or e.hi == e.lo:
        return None
    half = (f(e.hi) - f(e.lo)) / 2
    targets = [abs(f(e.estimate) - f(null))] + ([abs(f(e.estimate) - f(paper_effect))] if paper_effect else [])
    far = max(targets)
    if far == 0:
        return None
    return max(e.seeds[0] + 1, math.ceil(e.seeds[0] * (half / far) ** 2) + 1)


# ---------------------------------------------------------------------------------------------- judging
@dataclass
class Judgement:
    """One claim's verdict with everything a reader needs to weigh it (recorded for the scorecard)."""

    claim: str
    paper: str
    where: str
    words: str
    statement: str
    quantity: str
    headline: bool
    verdict: str
    size: str = ""
    estimate: float | None = None
    lo: float | None = None
    hi: float | None = None
    paper_effect: float | None = None
    null: float = 0.0
    settings: int = 0
    seeds: str = ""
    collapsed: str = ""
    interval: str = ""
    note: str = ""
    left_out: str = ""
    label: str = ""
    profile: str = ""
    cuts: str = ""
    sweep: str = ""
    data: str = ""

    def record(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_record(cls, r: dict) -> Judgement:
        """The judgement a :meth:`record` (or a scorecard row of one) holds; missing values take the defaults."""
        return cls(**{k: r[k] for k in cls.__dataclass_fields__
                      if k in r and r[k] is not None and not (isinstance(r[k], float) and math.isnan(r[k]))})


def judge(claim_id: str, per_seed: pd.DataFrame, *, value: str = "accuracy", missing: str = NOT_RUN,
          profile: str = "", label: str = "", cuts: str = "", sweep: str = "", data: str = "") -> Judgement:
    """Judge the registered claim ``claim_id`` on ``per_seed`` (one row per seed and setting, with the
    claim's setting and side columns, ``value`` and optionally ``collapsed``); ``missing`` is the reason
    shown when there are no results (a reason starting with "needs" gives the verdict needs data); ``cuts``
    records the page's scale-downs, ``sweep`` what rerunning the claim at larger budgets showed and ``data``
    the variant of the data judged on when it is not the data as described (e.g. "calibrated")."""
    claim = get_claim(claim_id)
    base = dict(claim=claim.id, paper=claim.paper, where=claim.where, words=claim.words, statement=claim.statement,
                quantity=claim.quantity, headline=claim.headline, null=claim.null, label=label, profile=profile,
                cuts=cuts, sweep=sweep, data=data)
    if per_seed is None or len(per_seed) == 0:
        return Judgement(**base, verdict=NEEDS_DATA if missing.startswith("needs") else NOT_RUN, note=missing)
    if value not in per_seed:
        raise ConfigError(f"our results have no column {value!r}; columns: {list(per_seed.columns)}")
    missing_cols = sorted(set(claim.on) - set(per_seed.columns))
    if missing_cols:
        raise ConfigError(f"claim {claim.id!r} needs the setting columns {list(claim.on)}; our results lack {missing_cols}")
    per_seed = claim.in_scope(per_seed)
    if len(per_seed) == 0:
        return Judgement(**base, verdict=NOT_RUN, note="none of the paper's settings of this claim was run on this profile")
    sides = pd.concat([select(per_seed, claim.a), select(per_seed, claim.b)])
    k_a, n_a = collapsed_count(select(per_seed, claim.a))
    k_b, n_b = collapsed_count(select(per_seed, claim.b))
    collapsed = f"{k_a}/{n_a} and {k_b}/{n_b}" if k_a + k_b else "none"
    ours_settings = sides[list(claim.on)].drop_duplicates() if claim.on else None
    paper_effect = claim.paper_effect(ours_settings)
    e = estimate(claim, per_seed, value)
    if isinstance(e, str):
        return Judgement(**base, verdict=INCONCLUSIVE, paper_effect=paper_effect, collapsed=collapsed,
                         note=e if not (k_a + k_b) else f"{e} (collapsed seeds set aside)")
    word, size = verdict(e.estimate, e.lo, e.hi, null=claim.null, paper_effect=paper_effect, direction=claim.direction)
    notes = []
    if word == INCONCLUSIVE and size == "":
        need = seeds_to_resolve(e, null=claim.null, paper_effect=paper_effect)
        notes.append(f"about {need} seeds per side and setting would resolve it" if need else "underpowered")
    if size and word != OTHER_SIZE:
        notes.append(size)
        size = ""
    return Judgement(**base, verdict=word, size=size, estimate=e.estimate, lo=e.lo, hi=e.hi, paper_effect=paper_effect,
                     settings=e.settings, seeds=f"{e.seeds[0]}" if e.seeds[0] == e.seeds[1] else f"{e.seeds[0]}-{e.seeds[1]}",
                     collapsed=collapsed, interval=e.interval, note="; ".join(notes),
                     left_out=(f"{len(e.dropped)} setting{'s' if len(e.dropped) > 1 else ''} left out, with fewer than two "
                               "live seeds a side (live seeds): " + "; ".join(e.dropped)) if e.dropped else "")


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_effect(quantity: str, value, lo=None, hi=None, *, missing: str = "–") -> str:
    """An effect (and its interval, when given) in its quantity's units: a signed difference to 3 decimals,
    a ratio to 2."""
    if _missing(value):
        return missing
    spec = "+.3f" if quantity == "difference" else ".2f"
    return f"{value:{spec}}" + ("" if _missing(lo) else f" [{lo:{spec}}, {hi:{spec}}]")


def fmt_effect(j: Judgement) -> str:
    """Our estimate with its interval, in the claim's units."""
    return format_effect(j.quantity, j.estimate, j.lo, j.hi)


def fmt_paper(j: Judgement) -> str:
    return format_effect(j.quantity, j.paper_effect, missing="no number")


def answers(records: list[dict], *, other_pages: bool = False) -> str:
    """One line per judged claim (recorded :class:`Judgement` dicts): verdict, the claim linked to the output that
    judged it (on this page, or with ``other_pages`` on the page its record's ``chapter`` names), our effect
    against the paper's and what larger budgets showed."""
    lines = []
    for r in records:
        j = Judgement.from_record(r)
        href = f"{r['chapter']}.html#{j.label}" if other_pages else f"#{j.label}"
        claim = f'<a href="{href}">{j.statement}</a>' if j.label else j.statement
        mark = MARKS[j.verdict] + (f", {j.size}" if j.size else "")
        ours = (f": ours {fmt_effect(j)}, paper {fmt_paper(j)}, {j.seeds} seeds" if j.estimate is not None
                else f": {j.note}" if j.note else "")
        budget = f" At larger budgets: {j.sweep}." if j.sweep else ""
        lines.append(f"- **{mark}**: {claim} ({where(j)}){ours}.{budget}")
    return "\n".join(lines)


def where(j: Judgement) -> str:
    """Where the paper makes the claim, and the data variant when it is not the data as described."""
    return f"{j.where}; {j.data} data" if j.data else j.where


def reason(j: Judgement) -> str:
    """Why ``j`` reads as it does, for the line under its verdict: the note, what was left out and, when the
    claim was rerun at larger budgets, what they showed."""
    parts = [j.note, j.left_out, f"at larger budgets: {j.sweep}" if j.sweep else ""]
    return "; ".join(x for x in parts if x).replace("|", "\\|")


def seeds_cell(j: Judgement) -> str:
    """Seeds per side, with the collapsed ones ("3", "2-3 (1 collapsed)")."""
    return (j.seeds or "–") + (f" ({j.collapsed} collapsed)" if j.collapsed else "")


def verdict_cell(j: Judgement) -> str:
    """The verdict in bold with its size, the reason in small type under it (the table stays narrow)."""
    mark = MARKS[j.verdict] + (f", {j.size}" if j.size else "")
    why = reason(j)
    return f"**{mark}**" + (f"<br><small>{why}</small>" if why else "")


def side_by_side(*judged: list[Judgement]) -> pd.DataFrame:
    """The same claims judged on several variants of the data (each list one variant, ``Judgement.data``; ""
    is the data as described): per claim, its verdict and effect on each variant, and whether the verdict
    depends on the data. Claims judged on one variant only are left out."""
    per_claim: dict[str, dict[str, Judgement]] = {}
    for js in judged:
        for j in js:
            per_claim.setdefault(j.claim, {})[j.data or "as described"] = j
    rows = []
    for variants in per_claim.values():
        if len(variants) < 2:
            continue
        first = next(iter(variants.values()))
        row = {"claim": f"{first.statement} ({first.where})"}
        row.update({variant: _cell(j) for variant, j in variants.items()})
        row["verdict depends on the data"] = "yes" if len({j.verdict for j in variants.values()}) > 1 else "no"
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(j: Judgement) -> str:
    return f"**{MARKS[j.verdict]}**: {fmt_effect(j)}" if j.estimate is not None else f"**{MARKS[j.verdict]}**"


def markdown(judgements: list[Judgement], *, label: str) -> str:
    """The judged claims as one Markdown table under an anchor ``label``: claim, verdict (its reason under it),
    our effect, the paper's, seeds."""
    lines = [f'<a id="{label}"></a>', "", "| claim | verdict | our effect [95% interval] | paper's effect | seeds |",
             "|---|---|---|---|---|"]
    for j in judgements:
        lines.append(f"| **{j.statement}** ({where(j)}) | {verdict_cell(j)} | {fmt_effect(j)} | {fmt_paper(j)} | "
                     f"{seeds_cell(j)} |")
    return "\n".join(lines)


def show(ch, judgements: list[Judgement], *, label: str) -> list[Judgement]:
    """Display judged claims and record them in the output's metadata (the scorecard reads them back)."""
    from IPython.display import Markdown, display

    for j in judgements:
        j.label = label
    ch.records.extend(j.record() for j in judgements)
    display(Markdown(markdown(judgements, label=label)), metadata={"mlxbook": {"verdicts": [j.record() for j in judgements]}})
    return judgements

