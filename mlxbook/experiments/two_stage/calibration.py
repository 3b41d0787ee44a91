"""Calibrated shapes: the generators' difficulty chosen so that No expl is as weak as the paper's.

The paper's claims are about beating weak baselines on small data; on the "as described" shapes
(:class:`mlxbook.data.difficulty.Difficulty` at its defaults) No expl is near the ceiling. The protocol,
:data:`PROTOCOL`, was fixed before any of its results was seen and is printed on the page that runs it.
:func:`calibrate` runs it; the two-stage chapters pass its knobs to
:func:`~mlxbook.experiments.two_stage.settings.table5_specs` (``difficulty=``) for their calibrated variant.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ... import paper
from ...book.verdicts import with_collapse
from ...errors import ConfigError, check_choice
from ...train import RunSpec, run_grid
from .settings import AS_DESCRIBED, CALIBRATED, DATASET_LABELS, SYNTHETIC, Budget, spec

PROTOCOL = """\
1. **Objective**, per synthetic dataset and nothing else: the root mean square, over the training sizes
   searched, of (our No expl mean accuracy - the paper's Table 4 No expl accuracy) / the paper's Table 5
   No expl standard deviation (`calibration.distance`).
2. **Training**: No expl only, with the paper's no-explanation hyper-parameters (App. B.1: Adam, learning
   rate 0.01), at the two-stage chapters' budget (epochs, image size, test size), balanced 1:1, on seeds
   1000 to 1029 (the first few of them), which no reported table uses (those train seeds 0 to 29).
3. **Search**: every combination of three knob groups (shape, contrast, clutter) at three levels each,
   level 0 being the data as described (27 settings); a profile may search fewer levels, sizes and seeds
   (`calibration.SCALE`). The setting of least distance is chosen by code (`calibration.choose`; ties: the
   earlier, easier one), and the two-stage chapters train their calibrated variant on it.
"""
"""The calibration protocol, in Markdown for the page that runs it (fixed before any result was seen)."""
GROUPS = {
    "shape": ({}, {"scale": 0.8, "skew": 0.5, "outline": 0.25}, {"scale": 0.6, "skew": 1.0, "outline": 0.5}),
    "contrast": ({}, {"brightness": (0.5, 1.0), "background": (0.0, 0.15), "blur": 0.5, "noise": 0.15},
                 {"brightness": (0.45, 1.0), "background": (0.0, 0.25), "blur": 1.0, "noise": 0.3}),
    "clutter": ({}, {"distractors": 2}, {"distractors": 4}),
}
"""The search grid: per group, its levels (0: as described) as :class:`~mlxbook.data.shapes.Difficulty` fields."""
SEEDS = tuple(range(1000, 1030))
"""Calibration seeds (the first ``seeds`` of them are trained); reported tables train seeds 0 to 29."""
SCALE = {"smoke": {"levels": (0, 2), "max_size": 50, "seeds": 2},
         "cpu": {"levels": (0, 2), "max_size": 100, "seeds": 3},
         "paper": {"levels": (0, 1, 2), "max_size": None, "seeds": 10}}
"""The search per profile: the levels of each group, the largest training size, the seeds. cpu: two levels per
group (8 settings), the sizes up to 100, 3 seeds; paper: the whole grid (27 settings), every size, 10 seeds."""


def grid() -> pd.DataFrame:
    """The search grid in words: per group and level, its knobs (level 0: as described)."""
    from ...data.difficulty import Difficulty

    return pd.DataFrame([{"group": g, "level": lv, "knobs": Difficulty.of(k).describe() if k else "as described"}
                         for g, levels in GROUPS.items() for lv, k in enumerate(levels)])


def settings(levels=(0, 1, 2)) -> list[tuple[str, dict]]:
    """Every combination of the groups' ``levels``: (label such as "shape 2, contrast 0, clutter 1", knobs)."""
    out = []
    for combo in itertools.product(levels, repeat=len(GROUPS)):
        knobs = {}
        for group, level in zip(GROUPS, combo):
            knobs.update(GROUPS[group][level])
        out.append((", ".join(f"{g} {lv}" for g, lv in zip(GROUPS, combo)), knobs))
    return out


def paper_targets() -> pd.DataFrame:
    """Per (dataset, n_train): the paper's No expl accuracy (Table 4) and its seed spread (Table 5, black)."""
    t4 = paper.numbers("two_stage", table="Table 4", method="erm")[["dataset", "n_train", "value"]]
    t5 = paper.numbers("two_stage", table="Table 5", source="Table 5, black numbers", method="erm")
    t = t4.merge(t5[["dataset", "n_train", "std"]], on=["dataset", "n_train"])
    return t[t.dataset.isin(SYNTHETIC)].rename(columns={"value": "paper", "std": "paper_std"}).reset_index(drop=True)


def specs(budget: Budget, *, levels=(0, 1, 2), max_size: int | None = None, seeds: int = 10) -> list[RunSpec]:
    """The search's runs: No expl at 1:1 on every setting x (dataset, size) of :func:`paper_targets` within
    ``budget.sizes`` (and ``max_size``), on the first ``seeds`` of :data:`SEEDS`."""
    b = Budget(**{**budget.__dict__, "seeds": SEEDS[:seeds]})
    out = []
    for _, knobs in settings(levels):
        for ds, n in paper_targets()[["dataset", "n_train"]].itertuples(index=False):
            if n in b.sizes.get(ds, ()) and (max_size is None or n <= max_size):
                out.append(spec(ds, int(n), "1:1", "erm", b, difficulty=knobs))
    return out


def label(s: RunSpec) -> str:
    """The search setting a spec belongs to."""
    knobs = s.data.get("difficulty", {})
    found = [name for name, k in settings() if k == knobs]
    if not found:
        raise ConfigError(f"difficulty={knobs!r} is not a setting of the calibration grid (calibration.GROUPS)")
    return found[0]


def search(specs: list[RunSpec], *, jobs: int = 1) -> pd.DataFrame:
    """Train (or read) the search's runs; per (dataset, setting, n_train): our No expl mean and std over
    seeds, collapsed seeds, the paper's targets and the standardised gap ``z``."""
    result = run_grid(specs, n_jobs=jobs)
    rows = []
    for cell, s in zip(result.cells, specs):
        sc = with_collapse(cell)
        sc = sc[sc.test_set == "test"]
        rows.append({"dataset": s.dataset, "setting": label(s), "n_train": int(s.data["n_train"]),
                     "ours": sc.accuracy.mean(), "ours_std": sc.accuracy.std(), "collapsed": int(sc.collapsed.sum()),
                     "seeds": len(sc)})
    t = pd.DataFrame(rows).merge(paper_targets(), on=["dataset", "n_train"])
    return t.assign(z=(t.ours - t.paper) / t.paper_std)


def distance(table: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, setting): the objective, the root mean square of ``z`` over its sizes (in search order)."""
    d = table.groupby(["dataset", "setting"], sort=False).z.apply(lambda z: float(np.sqrt(np.mean(z ** 2))))
    return d.rename("distance").reset_index()


def choose(table: pd.DataFrame) -> dict[str, dict]:
    """Per dataset, the knobs of the setting of least :func:`distance` (ties: the first in search order)."""
    knobs = dict(settings())
    d = distance(table)
    return {ds: knobs[g.loc[g.distance.idxmin(), "setting"]] for ds, g in d.groupby("dataset", sort=False)}


@dataclass(frozen=True)
class Calibration:
    """A finished search: its table (:func:`search`), the knobs chosen per dataset (:func:`choose`) and
    the profile's :data:`SCALE` it ran at."""

    table: pd.DataFrame
    knobs: dict
    scale: dict

    def chosen(self) -> dict[str, str]:
        """Per dataset, the label of the chosen setting."""
        return {ds: next(name for name, k in settings() if k == knobs) for ds, knobs in self.knobs.items()}

    def fit(self) -> pd.DataFrame:
        """Our No expl against the paper's per (dataset, n_train), for the data as described (the search's
        setting with every group at level 0) and as calibrated: columns data, dataset, n_train, ours, ours_std,
        collapsed, seeds, paper, paper_std, z."""
        described, chosen = settings((0,))[0][0], self.chosen()
        t = self.table
        parts = [t[(t.dataset == ds) & (t.setting == setting)].assign(data=variant)
                 for variant, pick in ((AS_DESCRIBED, {ds: described for ds in chosen}), (CALIBRATED, chosen))
                 for ds, setting in pick.items()]
        cols = ["data", "dataset", "n_train", "ours", "ours_std", "collapsed", "seeds", "paper", "paper_std", "z"]
        return pd.concat(parts, ignore_index=True)[cols]

    def held_out(self, scores: pd.DataFrame) -> pd.DataFrame:
        """Does the fit hold on the seeds the tables report? Per searched (dataset, n_train): No expl's mean
        clean-test accuracy (collapsed seeds counted, as in the objective) on the calibration seeds and in
        ``scores`` (the calibrated grid's per-seed frame, :func:`~.baselines.run`), beside the paper's."""
        fit = self.fit()
        fit = fit[fit.data == CALIBRATED][["dataset", "n_train", "ours", "seeds", "paper", "paper_std"]]
        s = scores[(scores.method == "erm") & (scores.ratio == "1:1") & (scores.test_set == "test")]
        reported = s.groupby(["dataset", "n_train"]).accuracy.agg(["mean", "count"]).reset_index()
        t = fit.merge(reported, on=["dataset", "n_train"], how="inner")
        return t.rename(columns={"ours": "calibration seeds", "seeds": "calibration seeds (n)",
                                 "mean": "reported seeds", "count": "reported seeds (n)"})[
            ["dataset", "n_train", "calibration seeds", "calibration seeds (n)", "reported seeds", "reported seeds (n)",
             "paper", "paper_std"]]

    def distances(self) -> pd.DataFrame:
        """Every setting's :func:`distance`, one column per dataset, the chosen ones marked."""
        d = distance(self.table)
        chosen = self.chosen()
        d["distance"] = [f"{v:.2f}" + (" (chosen)" if chosen[ds] == g else "")
                         for ds, g, v in d[["dataset", "setting", "distance"]].itertuples(index=False)]
        t = d.pivot(index="setting", columns="dataset", values="distance")
        t = t.reindex(index=list(dict.fromkeys(d.setting)), columns=[c for c in SYNTHETIC if c in t.columns])
        t = t.rename(columns=DATASET_LABELS)
        t.columns.name = None
        return t.reset_index()


def calibrate(budget: Budget, profile: str, *, jobs: int = 1) -> Calibration:
    """Run (or read from the store) the search at ``profile``'s :data:`SCALE` with ``budget``'s epochs, image
    size and test size, and choose the calibrated knobs; every chapter that needs them calls this."""
    check_choice("profile", profile, SCALE)
    scale = SCALE[profile]
    runs = specs(budget, **scale)
    missing = [ds for ds in SYNTHETIC if ds not in {s.dataset for s in runs}]
    if missing:
        raise ConfigError(f"the calibration at profile={profile!r} searches no training size of {', '.join(missing)} "
                          f"(budget sizes {budget.sizes}, max_size {scale['max_size']}): nothing to calibrate them on")
    table = search(runs, jobs=jobs)
    return Calibration(table=table, knobs=choose(table), scale=scale)


def for_chapter(ch, data_root=None) -> Calibration:
    """The calibration the two-stage chapters share: :func:`calibrate` at the Baselines grid's budget of
    ``ch``'s profile (read from the store once the calibration chapter has run). That budget is declared on a
    shadow of ``ch``, so ``ch``'s footer keeps its own cuts."""
    from .baselines import budget, n_jobs

    b = budget(replace(ch, scaled={}, records=[], used={}), data_root)
    return calibrate(b, ch.profile.name, jobs=n_jobs(b))
