"""The verdict rules of the "Right for the Right Reasons" chapter (Ross et al. 2017, Sec 3 and App. A).

Each ``*_claims`` function states one figure's or section's claims, measures them on our results and
adds them, with the verdict of a stated rule (:func:`verdict`), to the chapter's
:class:`mlxbook.book.compare.Claims` ``("rrr")``. "partly" means the direction holds but not the size. The
chapter's headline claims (the decoy's effect, LIME's cost against input gradients) are registered in
:mod:`mlxbook.paper.claims` and judged by their effects instead.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ... import paper
from ...book.compare import Claims, rule_verdict
from .setup import PAPER
from .text import NEEDS


def n_to_reach(curve: pd.DataFrame, level: float) -> float:
    """The smallest training size whose mean accuracy reaches ``level`` (NaN if none)."""
    mean = curve.groupby("n_train")["accuracy"].mean().sort_index()
    hit = mean[mean >= level]
    return float(hit.index[0]) if len(hit) else float("nan")


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def toy_claims(claims: Claims, base_acc: float, agree: pd.DataFrame) -> None:
    """Fig 2: accuracy above 0.99; both explainers on the corners."""
    bound = paper.fact(PAPER, "toy_colours_test_accuracy_above")
    claims.add("Sec 3.1, Fig 2", "A = 0 model: test accuracy above the stated bound", f"> {bound}",
               f"{base_acc:.3f}", rule_verdict(base_acc > bound))
    g, lm = agree["gradient_in_region"].mean(), agree["lime_in_region"].mean()
    claims.add("Sec 3.1, Fig 2", "gradients and LIME pick the same pixels, the corners (rule 1)",
               "same pixels, corners", f"corners share: gradients {_pct(g)}, LIME {_pct(lm)}; "
               f"pixel Jaccard {agree['pixel_jaccard'].mean():.2f}", rule_verdict(g >= 0.8 and lm >= 0.8, g >= 0.8 or lm >= 0.8))


def kept_claims(claims: Claims, kept: dict) -> None:
    """Sec 3: M_0.67 'tended to preserve 2-5% of gradient components' (kept: dataset -> share)."""
    lo, hi = paper.fact(PAPER, "cutoff_kept_fraction")
    inside = [lo <= v <= hi for v in kept.values()]
    claims.add("Sec 3", "c = 0.67 keeps 2-5% of gradient components", f"{_pct(lo)}-{_pct(hi)}",
               ", ".join(f"{k}: {_pct(v)}" for k, v in kept.items()), rule_verdict(all(inside), any(inside)))


def fig3_claims(claims: Claims, df: pd.DataFrame) -> None:
    """Fig 3: the rule switches with lambda_1 and with the number annotated; shares add to 1; a hybrid regime;
    about 10^3 annotated examples needed."""
    lam = df[df.axis == "lambda"].groupby("value")[["corners", "top_middle"]].mean().sort_index()
    cnt = df[df.axis == "annotated"].groupby("value")[["corners", "top_middle"]].mean().sort_index()
    switch = lam["corners"].iloc[0] > 0.5 and lam["top_middle"].iloc[-1] > 0.5
    claims.add("Sec 3.1, Fig 3", "A on the corners: the model moves from rule 1 to rule 2 as lambda_1 grows",
               "transition", f"top-middle share {_pct(lam['top_middle'].iloc[0])} at lambda_1 = {lam.index[0]:g} -> "
               f"{_pct(lam['top_middle'].iloc[-1])} at {lam.index[-1]:g}", rule_verdict(switch))
    total = (df["corners"] + df["top_middle"] - 1).abs().max()
    claims.add("Sec 3.1, Fig 3", "the two shares almost always add to 1", "about 1",
               f"largest |sum - 1| = {total:.3f}", rule_verdict(total < 0.05, total < 0.2))
    hybrid = ((df["corners"].between(0.2, 0.8)) & (df["top_middle"].between(0.2, 0.8))).any()
    claims.add("Sec 3.1, Fig 3", "a significant regime learns a hybrid of both rules", "yes",
               "some points with both shares in 20-80%" if hybrid else "no point with both shares in 20-80%",
               rule_verdict(bool(hybrid)))
    need = paper.fact(PAPER, "toy_colours_annotations_for_rule_switch")
    hit = cnt[cnt["top_middle"] > 0.5]
    n = float(hit.index[0]) if len(hit) else float("nan")
    claims.add("Sec 3.1, Fig 3", "switching rules needs on the order of 10^3 annotated examples", f"about {need}",
               f"top-middle share first > 50% at {n:g} annotated" if len(hit) else
               f"top-middle share <= 50% up to {cnt.index[-1]:g} annotated ({_pct(cnt['top_middle'].iloc[-1])})",
               rule_verdict(len(hit) > 0 and need / 3 <= n <= need * 3, len(hit) > 0 and n <= need * 10))


def fig4_claims(claims: Claims, shares: pd.DataFrame, acc: pd.DataFrame) -> None:
    """Fig 4: theta_0 uses the corners, theta_1 the top-middle, theta_2 is noisy near chance."""
    s = shares.set_index("iteration")
    a = acc[acc.test_set == "test"].groupby("iteration")["accuracy"].mean()
    claims.add("Sec 3.1, Fig 4", "find-another-explanation: theta_0 uses rule 1 (corners)", "corners",
               f"corners share {_pct(s.loc[0, 'corners'])}", rule_verdict(s.loc[0, "corners"] > 0.5))
    claims.add("Sec 3.1, Fig 4", "theta_1 uses rule 2 (top-middle) without annotations", "top-middle",
               f"top-middle share {_pct(s.loc[1, 'top_middle'])}, test accuracy {a.loc[1]:.3f}",
               rule_verdict(s.loc[1, "top_middle"] > 0.5))
    if 2 in a.index:
        noisy = s.loc[2, "corners"] + s.loc[2, "top_middle"]
        claims.add("Sec 3.1, Fig 4", "theta_2: noisy explanations, no better than random guessing",
                   "chance accuracy", f"test accuracy {a.loc[2]:.3f}; rule pixels hold {_pct(noisy)} of its large gradients",
                   rule_verdict(a.loc[2] < 0.6, a.loc[2] < 0.8))


def iris_claims(claims: Claims, acc: pd.DataFrame, grads: pd.DataFrame) -> None:
    """Fig 8: A = 0 leans on the Iris columns; full A has the same accuracy with and without them."""
    iris = [f"x{j}" for j in range(paper.fact(PAPER, "iris_cancer_iris_features"))]
    cancer = [c for c in grads.columns if c.startswith("x") and c not in iris]
    g0 = grads[grads.method == "erm"]
    ratio = g0[iris].to_numpy().mean() / g0[cancer].to_numpy().mean()
    claims.add("Sec 3.2, Fig 8", "A = 0: input gradients are large on the Iris columns", "large on Iris",
               f"mean |gradient| on Iris / on cancer columns = {ratio:.1f}", rule_verdict(ratio > 1.5, ratio > 1))
    m = acc[acc.method == "rrr"].pivot_table(index="split", columns="test_set", values="accuracy")
    gap = float((m["test"] - m["test_no_iris"]).mean())
    claims.add("Sec 3.2, Fig 8", "full A: almost the same accuracy with and without the Iris columns",
               "almost equal", f"mean gap {gap:+.3f} over {len(m)} splits", rule_verdict(abs(gap) < 0.02, abs(gap) < 0.05))


def fig7_claims(claims: Claims, ex: dict) -> None:
    """Fig 7: gradients weigh the Iris features, LIME (continuous) hardly does."""
    k = paper.fact(PAPER, "iris_cancer_iris_features")
    share = lambda w: float((np.abs(w[:, :k]).sum(1) / np.abs(w).sum(1)).mean())
    g, lm = share(ex["saliency"]), share(ex["lime"])
    claims.add("Sec 3.2, Fig 7", "Iris-Cancer: input gradients show the Iris dependence that LIME misses",
               "gradients more faithful", f"share of |weight| on the 4 Iris columns: gradients {_pct(g)}, LIME {_pct(lm)}",
               rule_verdict(g > lm))


def decoy_claims(claims: Claims, acc: pd.DataFrame) -> None:
    """Fig 9: full A recovers the no-decoy baseline's test accuracy (that A = 0 falls below it, and that full A
    beats A = 0, are registered claims judged by their effects: :mod:`mlxbook.paper.claims`)."""
    m = acc[acc.test_set == "test"].groupby(["condition", "method"])["accuracy"].mean()
    base, full = m.loc[("no_decoy", "erm")], m.loc[("decoy", "rrr")]
    claims.add("Sec 3.2, Fig 9", "decoy: full A recovers the baseline test accuracy", "matches baseline",
               f"{full:.3f} vs {base:.3f}", rule_verdict(full >= base - 0.03, full > base - 0.1),
               "supported within 0.03 of the baseline, partly within 0.1")


def fig6_claims(claims: Claims, ex: dict, swatch_share: float, lime_on_swatch: bool) -> None:
    """Fig 6: on a decoy-fooled prediction, both explanations point at the swatch."""
    claims.add("Sec 3.2, Fig 6", "decoy-fooled prediction: gradients and LIME both show the swatch", "both",
               f"swatch holds {_pct(swatch_share)} of the M_0.67 gradient pixels; LIME's selected segments "
               f"{'include' if lime_on_swatch else 'miss'} the swatch", rule_verdict(swatch_share > 0 and lime_on_swatch,
                                                                                 swatch_share > 0 or lime_on_swatch))


def fig11_claims(claims: Claims, grads: np.ndarray, acc: pd.DataFrame) -> None:
    """Fig 11: Iris gradients vanish after 1-2 iterations; accuracy holds for 4 iterations.

    ``grads``: (iterations, seeds, 34) mean |gradient| per feature. 'Near 0' = below 10% of that
    feature's iteration-0 value.
    """
    k = paper.fact(PAPER, "iris_cancer_iris_features")
    rel = grads[:, :, :k].mean(1) / np.maximum(grads[0, :, :k].mean(0), 1e-12)
    alive = (rel >= 0.1).sum(1)
    if len(alive) > 2:
        claims.add("Sec 3.2, Fig 11", "Iris FAE: after 1 iteration all but one Iris gradient near 0, after 2 all",
                   "<= 1 then 0", f"Iris features not near 0: {alive[1]} after 1, {alive[2]} after 2",
                   rule_verdict(alive[1] <= 1 and alive[2] == 0, alive[2] <= 1))
    a = acc[acc.test_set == "test"].groupby("iteration")["accuracy"].mean()
    last = a.index.max()
    claims.add("Sec 3.2, Fig 11", f"Iris FAE: accuracy does not drop significantly over {last} iterations", "no big drop",
               f"test accuracy {a.iloc[0]:.3f} -> {a.loc[last]:.3f}", rule_verdict(a.loc[last] >= a.iloc[0] - 0.05,
                                                                             a.loc[last] >= a.iloc[0] - 0.1))


def fig12_claims(claims: Claims, acc: pd.DataFrame) -> None:
    """Fig 12: theta_1 beats theta_0 on the test set by far; high lambda_1 is more erratic than low.

    ``acc`` from :func:`.training.decoy_fae` (column ``lam_run``). Erratic = mean |change| of test accuracy between
    successive iterations after the first.
    """
    t = acc[acc.test_set == "test"].groupby(["lam_run", "iteration"])["accuracy"].mean()
    first = float(acc[(acc.test_set == "test") & (acc.iteration == 0)]["accuracy"].mean())
    best = float(t.xs(1, level="iteration").max())
    claims.add("Sec 3.2, Fig 12", "decoy FAE: theta_1 has much higher test accuracy than theta_0", "much higher",
               f"{first:.3f} -> {best:.3f} (best lambda_1)", rule_verdict(best > first + 0.1, best > first))
    lams = sorted(set(t.index.get_level_values(0)))
    jumps = {}
    for lam in lams:
        v = t.xs(lam, level="lam_run").sort_index().to_numpy()[1:]
        jumps[lam] = float(np.abs(np.diff(v)).mean()) if len(v) > 1 else float("nan")
    if len(lams) > 1 and not np.isnan(list(jumps.values())).any():
        claims.add("Sec 3.2, Fig 12", "low lambda_1 degrades slowly, high lambda_1 is more chaotic", "yes",
                   "mean |change| of test accuracy per iteration: " + ", ".join(f"{v:.3f} at {k:g}" for k, v in jumps.items()),
                   rule_verdict(jumps[lams[-1]] > jumps[lams[0]]))


def appendix_claims(claims: Claims, curve: pd.DataFrame) -> None:
    """App. A / Fig 13: data needed by A = 0; Anti-Rule 2 always above A = 0; Anti-Rule 1 below it at first."""
    base = curve[curve["mask"] == "none"]
    level, level_pro = paper.fact(PAPER, "toy_colours_erm_accuracy_level"), paper.fact(PAPER, "toy_colours_pro_rule_1_accuracy_level")
    n90 = n_to_reach(base, level)
    need = paper.fact(PAPER, "toy_colours_erm_n_for_90pct")
    claims.add("App. A, Fig 13", "A = 0 needs about 2000 examples for 90% test accuracy", f"about {need}",
               f"first size reaching 90%: {n90:g}", rule_verdict(need / 3 <= n90 <= need * 3, not np.isnan(n90)))
    mean = curve.groupby(["mask", "n_train"])["accuracy"].mean().unstack(0)
    if "anti_rule_2" in mean:
        above = bool((mean["anti_rule_2"] >= mean["none"] - 0.005).all())
        claims.add("App. A, Fig 13", "Anti-Rule 2 consistently outperforms A = 0", "at every size",
                   "at every size" if above else "not at every size", rule_verdict(above, bool((mean["anti_rule_2"] >= mean["none"]).mean() >= 0.5)))
    if "anti_rule_1" in mean:
        low = bool(mean["anti_rule_1"].iloc[0] < mean["none"].iloc[0])
        claims.add("App. A, Fig 13", "Anti-Rule 1 lowers accuracy until a threshold amount of data", "below A = 0 at first",
                   f"{mean['anti_rule_1'].iloc[0]:.3f} vs {mean['none'].iloc[0]:.3f} at n = {mean.index[0]}", rule_verdict(low))
    if "pro_rule_1" in mean:
        n95 = n_to_reach(curve[curve["mask"] == "pro_rule_1"], level_pro)
        b95 = n_to_reach(base, level_pro)
        frac = n95 / b95 if not (np.isnan(n95) or np.isnan(b95)) else float("nan")
        want = paper.fact(PAPER, "toy_colours_pro_rule_1_data_fraction_for_95pct")
        claims.add("App. A, Fig 13", "Pro-Rule 1 reaches 95% with 1/20 of the baseline's data", f"{want:.2f}",
                   f"{n95:g} / {b95:g} = {frac:.2f}" if not np.isnan(frac) else f"Pro-Rule 1: {n95:g}, A = 0: {b95:g}",
                   rule_verdict(frac <= want * 2 if not np.isnan(frac) else False, frac < 1 if not np.isnan(frac) else False))


def text_claims(claims: Claims, ex: dict | None, agree: pd.DataFrame | None, fae_acc: pd.DataFrame | None,
                cutoff: float = 0.1) -> None:
    """The text claims of Sec 3.2 (Figs 5, 10, 14) with our measurement and verdict, or "needs data".

    Rules: LIME and gradients 'match closely' when at least 80% of LIME's words get the gradient's sign
    and at least half of them are among the gradient's as-many top words (partly: 60% same sign);
    gradients are 'less sparse' when they mark (|w| >= 1% of the largest) more words than LIME in every
    message; on the longest message gradients find words LIME ignores when at least as many message
    words as LIME selects have |w| >= ``cutoff`` x the largest and are not LIME's; FAE accuracy does not
    'fall off immediately' when the test accuracy of iteration 1 is within 5 points of iteration 0.
    """
    add = claims.add
    rows = [("Sec 3.2 text, Fig 5", "LIME and input gradients pick the same words with matching signs", "match closely"),
            ("Sec 3.2 text, Fig 5", "input gradients are less sparse than LIME", "less sparse"),
            ("Sec 3.2 text, Fig 5", "gradients also weigh words outside the message", "local and global power"),
            ("Sec 3.2 text, Fig 14", "on long messages gradients mark many words LIME ignores", "LIME overly sparse"),
            ("Sec 3.2 text, Fig 10", "FAE (lambda_1 = 250): accuracy does not fall off immediately", "not immediately")]
    if ex is None:
        for where, claim, says in rows:
            add(where, claim, says, NEEDS, "needs data")
        return
    same, top = float(agree["same sign"].mean()), float(agree["LIME words in gradient top"].mean())
    add(*rows[0], f"same sign {same:.0%}, {top:.0%} of LIME's words in the gradient's top, rank corr. "
        f"{agree['rank correlation'].mean():.2f}", rule_verdict(same >= 0.8 and top >= 0.5, same >= 0.6))
    more = agree["gradient words (>= 1% of max)"] > agree["LIME words"]
    add(*rows[1], f"gradient marks {agree['gradient words (>= 1% of max)'].median():.0f} words (median), LIME "
        f"{agree['LIME words'].median():.0f}", rule_verdict(bool(more.all()), bool(more.any())))
    outside = []
    for e in ex["examples"]:
        order = np.argsort(-np.abs(e["gradient"]))[:len(e["lime"])]
        outside.append(sum(ex["vocabulary"][j] not in e["gradient_in_message"] for j in order))
    add(*rows[2], f"{np.mean(outside):.1f} of the gradient's top {len(ex['examples'][0]['lime'])} vocabulary words "
        "are not in the message (mean)", rule_verdict(max(outside) > 0))
    longest = max(ex["examples"], key=lambda e: e["length"])
    grad = longest["gradient_in_message"]
    peak = max(abs(v) for v in grad.values())
    missed = [w for w, v in grad.items() if abs(v) >= cutoff * peak and w not in longest["lime"]]
    add(*rows[3], f"{longest['length']} words: {len(missed)} with |w| >= {cutoff:g} x max not in LIME's "
        f"{len(longest['lime'])}", rule_verdict(len(missed) >= len(longest["lime"]), len(missed) > 0))
    test = fae_acc[fae_acc["test_set"] == "test"].groupby("iteration")["accuracy"].mean()
    drop = float(test.iloc[0] - test.iloc[1])
    add(*rows[4], f"test accuracy {test.iloc[0]:.3f} -> {test.iloc[1]:.3f} -> ... {test.iloc[-1]:.3f}",
        rule_verdict(drop <= 0.05, drop <= 0.15))
