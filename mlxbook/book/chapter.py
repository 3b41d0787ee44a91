"""Start and finish an executed chapter: validate its parameters and show where its numbers come from.

Every chapter begins with ``ch = chapter.start(...)`` right after its ``parameters`` cell and ends with
``ch.finish()``. Between them it asks ``ch`` for its budget (``ch.cap("epochs", 100)``,
``ch.seeds(30)``), so the page can say exactly what it scaled down from the paper's protocol.
"""
from __future__ import annotations

import math
import os
import platform
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..device import resolve_device
from ..errors import ConfigError, check_choice, check_int
from ..provenance import git_commit, version_string
from .profiles import LIMITS, PROFILES, Profile, get_profile
from .words import count

LAB_URL = "http://localhost:8888/lab/tree/"
"""Where ``make lab`` serves ``notebooks/`` (JupyterLab's default port)."""


@dataclass
class Chapter:
    """The validated parameters of one chapter run and the budget it used."""

    title: str
    profile: Profile
    device: torch.device
    data_root: Path | None
    seed_override: list[int] | None
    started: float = field(default_factory=time.perf_counter)
    scaled: dict[str, tuple] = field(default_factory=dict)
    used: dict[str, list] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)

    def _use(self, what: str, value) -> None:
        """Remember a value of ``what`` that this page trains with (the footer lists them all)."""
        values = self.used.setdefault(what, [])
        if value not in values:
            values.append(value)

    def cap(self, what: str, paper_value: int, *, ours: bool = False, **tighter: int) -> int:
        """The profile's value for ``what`` (see :data:`LIMITS`), remembered if it scales the paper down.

        ``tighter`` gives this chapter a smaller budget under named profiles, e.g.
        ``ch.cap("epochs", 100, cpu=20)`` when a chapter's grid is too big for the profile's own cap.
        ``ours=True`` marks ``paper_value`` as our choice for a protocol the paper does not state (the
        footer says so instead of crediting the paper).
        """
        for name, value in tighter.items():
            check_choice("profile in cap()", name, PROFILES)
            check_int(f"{what} budget for profile {name!r}", value, low=1)
        used = min(self.profile.cap(what, paper_value), tighter.get(self.profile.name, paper_value))
        self._use(what, used)
        if used < paper_value:
            self.scaled[what] = (used, f"not stated; our full protocol: {paper_value}" if ours else paper_value)
        return used

    def seeds(self, paper_seeds: int, **tighter: int) -> list[int]:
        """The seeds to train: the ``seeds`` parameter if given, else the first ``cap('seeds', ...)``."""
        if self.seed_override is not None:
            self._use("seeds", len(self.seed_override))
            if len(self.seed_override) < paper_seeds:
                self.scaled["seeds"] = (len(self.seed_override), paper_seeds)
            return list(self.seed_override)
        return list(range(self.cap("seeds", paper_seeds, **tighter)))

    def evaluation(self, n_test: int, epochs: int) -> dict:
        """The learning curves' policy for test sets of ``n_test`` examples and ``epochs`` epochs, as
        :class:`~mlxbook.train.engine.Evaluation` fields (``curve_examples``: None for the whole test set;
        ``curve_every``), each declared on the page when it is smaller than the papers' (every example, every epoch)."""
        check_int("n_test", n_test, low=1)
        check_int("epochs", epochs, low=1)
        examples = self.profile.cap("curve_examples", n_test)
        every = math.ceil(epochs / self.profile.cap("curve_points", epochs))
        self._use("curve_examples", examples)
        self._use("curve_points", f"every {every} epochs" if every > 1 else "every epoch")
        if examples < n_test:
            self.scaled["curve_examples"] = (examples, f"the whole test set, {n_test} here")
        if every > 1:
            self.scaled["curve_points"] = (f"every {every} epochs", "every epoch")
        return {"curve_examples": examples if examples < n_test else None, "curve_every": every}

    def scale(self, what: str, used, paper) -> None:
        """Record a scale-down outside :data:`LIMITS` (image size, sizes of a curve ...) for the page's footer."""
        self._use(what, used)
        self.scaled[what] = (used, paper)

    def by_profile(self, **values):
        """The value for this chapter's profile among ``values`` (keys: every profile name)."""
        missing = sorted(set(PROFILES) - set(values))
        if missing:
            raise ConfigError(f"by_profile() needs a value for every profile; missing: {', '.join(missing)}")
        return values[self.profile.name]

    def compare(self, table, *, label: str, caption: str, claim: str = ""):
        """Show a paper-vs-ours table (see :mod:`mlxbook.book.compare`) and record its rows for the scorecard."""
        from .compare import show

        return show(self, table, label=label, caption=caption, claim=claim)

    def judge(self, per_seed, *claims: str, label: str, value: str = "accuracy", missing: str = "not run",
              sweep: dict[str, str] | None = None, data: str = ""):
        """Judge the registered ``claims`` (:mod:`mlxbook.paper.claims`) on ``per_seed`` by estimation
        (:mod:`mlxbook.book.verdicts`), show them under the anchor ``label`` and record them for the scorecard;
        ``sweep`` gives, per claim, what rerunning it at larger budgets showed; ``data`` names the data variant
        when it is not the data as described (the scorecard sets such verdicts beside the main one). ``per_seed``
        is offered for download under the table (:mod:`.downloads`)."""
        from .verdicts import judge, show

        sweep = sweep or {}
        judged = show(self, [judge(c, per_seed, value=value, missing=missing, profile=self.profile.name,
                                   cuts=self.budget_summary(), sweep=sweep.get(c, ""), data=data) for c in claims],
                      label=label)
        if per_seed is not None and len(per_seed):
            self.offer(label, per_seed, caption=f"the per-seed results the claims of {label} were judged on")
        return judged

    def offer(self, label: str, frame, *, caption: str) -> None:
        """Offer ``frame``, the per-seed results a figure plots, for download (:mod:`.downloads`): written as
        ``results/<chapter>/<label>.csv`` with its sidecar, and linked in this cell's output."""
        from IPython.display import HTML, display

        from . import downloads

        display(HTML(downloads.write(self, label, frame, caption=caption)))

    def budget_summary(self) -> str:
        """What this page has scaled down so far, in one line (each verdict records it)."""
        return "; ".join(f"{LIMITS.get(k, k)} {u} (paper: {p})" for k, (u, p) in sorted(self.scaled.items()))

    def provenance(self) -> dict[str, str]:
        """What produced this page, as label -> value."""
        seeds = (", ".join(map(str, self.seed_override)) if self.seed_override is not None
                 else "the profile's, per table: the footer of this page lists what it trained with")
        rows = {
            "profile": f"{self.profile.name} ({self.profile.description})",
            "seeds": seeds,
            "device": f"{self.device} (torch {torch.__version__}, Python {platform.python_version()})",
            "code": version_string(),
            "data_root": str(self.data_root) if self.data_root else "none (synthetic and bundled data only)",
        }
        name = os.environ.get("MLXBOOK_CHAPTER")
        if name:  # set by the runner: tell the reader how to rerun this page
            rows["run it yourself"] = (f"`make lab` in a checkout, then open <a href=\"{LAB_URL}{name}.ipynb\">"
                                       f"notebooks/{name}.ipynb</a> (`make book` reruns every chapter)")
        return rows

    def finish(self) -> None:
        """Show the chapter's wall time, what it trained with and everything it scaled down from the papers'
        protocols; record them in the output's metadata (the intro's table of what each chapter ran reads it)."""
        from IPython.display import Markdown, display

        seconds = time.perf_counter() - self.started
        lines = [self.outcome(), f"**Wall time of this chapter:** {seconds:.0f} s on {self.device}, profile "
                                 f"`{self.profile.name}`, commit `{git_commit()}`."]
        if self.used:
            lines.append("**What this page trained with:** " + "; ".join(
                f"{LIMITS.get(k, k)}: {', '.join(map(str, v))}" for k, v in self.used.items()) + ".")
        if self.scaled:
            parts = [f"{LIMITS.get(k, k)}: {u} (paper: {p})" for k, (u, p) in sorted(self.scaled.items())]
            lines.append("**Scaled down from the papers' protocol on this page:** " + "; ".join(parts) + ".")
        else:
            lines.append("**Nothing on this page was scaled down from the papers' protocol.**")
        record = {"title": self.title, "seconds": round(seconds, 1), "profile": self.profile.name, "device": str(self.device),
                  "used": {k: [str(x) for x in v] for k, v in self.used.items()},
                  "scaled": {k: [str(u), str(p)] for k, (u, p) in self.scaled.items()}}
        display(Markdown("\n\n".join(lines)), metadata={"mlxbook": {"budget": record}})
        self._glue_findings()

    def _judged(self) -> list[dict]:
        return [r for r in self.records if "statement" in r and "quantity" in r]  # verdict records, not tables

    def outcome(self) -> str:
        """The page's outcome in one line: its claims' verdicts and where the paper's numbers lie against ours."""
        verdicts = Counter(r["verdict"] for r in self._judged())
        contexts = Counter(row["context"] for r in self.records for row in r.get("rows", ()))
        rules = Counter(r["verdict"] for r in self.records if "paper_says" in r)  # claims checked by a stated rule
        parts = [f"{count(sum(c.values()), noun)} {how} ({', '.join(f'{n} {v}' for v, n in c.most_common())})"
                 for c, noun, how in ((verdicts, "claim", "judged by effect and interval"),
                                      (rules, "claim", "checked by a stated rule"),
                                      (contexts, "paper number", "beside ours")) if c]
        return "**Outcome of this page:** " + ("; ".join(parts) if parts else "no claim judged, no paper number compared") + "."

    def _glue_findings(self) -> None:
        """Glue this page's judged claims, one line each, as ``chapter_findings`` (the box at the page's top)."""
        from IPython.display import Markdown
        from myst_nb import glue

        from .verdicts import answers

        judged = self._judged()
        text = answers(judged) if judged else "This page judges none of the papers' registered claims."
        glue("chapter_findings", Markdown(text), display=False)


def _seed_list(seeds) -> list[int] | None:
    if seeds is None:
        return None
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        return list(range(check_int("seeds", seeds, low=1)))
    if isinstance(seeds, (list, tuple)) and seeds and all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        return [check_int("seeds", s, low=0) for s in seeds]
    raise ConfigError(f"seeds={seeds!r} is not allowed; allowed: None (the profile's), a count >= 1, or a list of ints >= 0")


def _data_root(data_root) -> Path | None:
    if data_root in (None, ""):
        return None
    path = Path(data_root).expanduser()
    if not path.is_dir():
        raise ConfigError(f"data_root={str(data_root)!r} is not a directory; pass None to use synthetic and bundled data")
    return path


def start(title: str, *, profile: str | None = None, device: str = "auto", data_root=None, seeds=None,
          show: bool = True) -> Chapter:
    """Validate a chapter's parameters, seed torch, and show the provenance table at the top of the page."""
    ch = Chapter(title, get_profile(profile), resolve_device(device), _data_root(data_root), _seed_list(seeds))
    torch.manual_seed(0)
    if show:
        from IPython.display import Markdown, display

        rows = "\n".join(f"| {k} | {v} |" for k, v in ch.provenance().items())
        display(Markdown(f"| provenance of this page | |\n|---|---|\n{rows}"))
    return ch
