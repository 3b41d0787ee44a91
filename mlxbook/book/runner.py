"""Execute the chapter sources with papermill into the book tree, one chapter after another.

``notebooks/<name>.ipynb`` is executed into ``book/chapters/<name>.ipynb``. A chapter whose source, package
code, parameters and profile are unchanged since its last successful run is not executed again
(``fresh=True`` forces it). A failing chapter is recorded and the runner goes on with the next one.
While it runs, the runner reports on stderr each chapter's place in the book ("[4/13] transfer"), its cells
done out of its total (papermill's progress bar), the time spent and, from the wall times recorded by the
last run of each chapter, the time left.
A chapter that reads the others' results (the scorecard: ``"mlxbook": {"after_chapters": true}`` in its
notebook metadata) runs after them, and is re-executed whenever one of them changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from ..errors import ConfigError
from ..provenance import code_fingerprint
from .profiles import get_profile

SOURCE_DIR = "notebooks"
OUTPUT_DIR = "book/chapters"
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]
"""The kernel's own log shows errors only: its one warning ("Kernel is running over TCP without encryption")
is about the local connection papermill opens on 127.0.0.1, not about the chapter."""


@dataclass
class ChapterRun:
    """How one chapter went: status is 'ok', 'cached' (up to date, not re-executed) or 'failed'."""

    name: str
    status: str
    seconds: float
    error: str = ""


def chapters(root: Path) -> list[str]:
    """Chapter names in the order of ``_toc.yml`` (the root and the entries that are ``book/chapters/<name>``)."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text())
    files = [toc["root"]] if isinstance(toc.get("root"), str) else []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    prefix = OUTPUT_DIR + "/"
    return [f[len(prefix):].removesuffix(".ipynb") for f in files if f.startswith(prefix)]


def after_chapters(root: Path, name: str) -> bool:
    """Whether chapter ``name`` summarises the other chapters (so runs after them)."""
    nb = nbformat.read(Path(root) / SOURCE_DIR / f"{name}.ipynb", as_version=4)
    return bool(nb.metadata.get("mlxbook", {}).get("after_chapters"))


def _fingerprint(source: Path, parameters: dict, upstream: list[Path] = ()) -> str:
    digest = hashlib.sha256(source.read_bytes())
    digest.update(code_fingerprint().encode())
    digest.update(json.dumps(parameters, sort_keys=True).encode())
    for path in upstream:  # the executed chapters a summary page reads
        digest.update(path.name.encode() + str(_recorded(path).get("fingerprint") if path.exists() else None).encode())
    return digest.hexdigest()


def _recorded(output: Path) -> dict:
    try:
        return nbformat.read(output, as_version=4).metadata.get("mlxbook", {})
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return {}


def _state(root: Path, name: str, parameters: dict) -> tuple[str, dict]:
    """The chapter's fingerprint now and what its last run recorded (fingerprint, status, seconds)."""
    source = root / SOURCE_DIR / f"{name}.ipynb"
    output = root / OUTPUT_DIR / f"{name}.ipynb"
    upstream = ([root / OUTPUT_DIR / f"{n}.ipynb" for n in chapters(root) if not after_chapters(root, n)]
                if after_chapters(root, name) else [])  # two summaries never wait on each other
    return _fingerprint(source, parameters, upstream), (_recorded(output) if output.exists() else {})


def _up_to_date(fingerprint: str, recorded: dict) -> bool:
    return recorded.get("fingerprint") == fingerprint and recorded.get("status") == "ok"


def run_chapter(root: Path, name: str, parameters: dict, fresh: bool = False, progress: str = "") -> ChapterRun:
    """Execute one chapter unless its recorded fingerprint says it is up to date; with ``progress`` (a label
    such as "[4/13] transfer"), show its cells done on stderr under that label."""
    import papermill

    source = root / SOURCE_DIR / f"{name}.ipynb"
    output = root / OUTPUT_DIR / f"{name}.ipynb"
    fingerprint, recorded = _state(root, name, parameters)
    if not fresh and _up_to_date(fingerprint, recorded):
        return ChapterRun(name, "cached", 0.0)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".partial.ipynb")
    started = time.perf_counter()
    status, error = "ok", ""
    os.environ["MLXBOOK_CHAPTER"] = name  # the kernel inherits it: the page links to its own source
    try:
        papermill.execute_notebook(
            str(source), str(partial), parameters=parameters, cwd=str(output.parent), kernel_name="python3",
            progress_bar={"desc": progress, "bar_format": "{desc}: {n_fmt}/{total_fmt} cells [{elapsed}]",
                          "file": sys.stderr} if progress else False,
            log_output=False, extra_arguments=KERNEL_ARGUMENTS,
        )
    except Exception as exc:  # papermill raises on any cell error; record it and go on
        status, error = "failed", f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
    seconds = time.perf_counter() - started
    if partial.exists():
        nb = nbformat.read(partial, as_version=4)
        for cell in nb.cells:  # the provenance table already shows the parameters
            tags = cell.metadata.get("tags", [])
            if "injected-parameters" in tags and "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
        nb.metadata["mlxbook"] = {"fingerprint": fingerprint, "status": status, "seconds": round(seconds, 1),
                                  "parameters": parameters}
        nbformat.write(nb, partial)
        os.replace(partial, output)  # atomic: a half-written chapter never replaces a finished one
    return ChapterRun(name, status, seconds, error)


def run(root: Path, *, profile: str | None = None, chapter: list[str] | None = None, fresh: bool = False,
        data_root: str | None = None, device: str | None = None,
        report: Callable[[str], None] | None = None) -> list[ChapterRun]:
    """Execute the chosen chapters (default: all, in book order) and return how each went; ``report``
    (default: a line on stderr) receives the progress lines, and each chapter's cells show on stderr."""
    root = Path(root)
    known = chapters(root)
    names = chapter or known
    for name in names:
        if name not in known:
            raise ConfigError(f"chapter={name!r} is not allowed; allowed values: {', '.join(map(repr, known))}")
    os.environ["MLXBOOK_PROGRESS"] = "0"  # the kernels inherit it: no progress bars in executed pages
    parameters = {"profile": get_profile(profile).name}
    if data_root is not None:
        parameters["data_root"] = str(Path(data_root).expanduser().resolve())
    if device is not None:
        parameters["device"] = device
    names = sorted(names, key=lambda n: after_chapters(root, n))  # stable: book order otherwise
    report = report or (lambda line: print(line, file=sys.stderr, flush=True))
    states = {n: _state(root, n, parameters) for n in names}
    todo = {n: fresh or after_chapters(root, n) or not _up_to_date(*states[n]) for n in names}
    last = {n: states[n][1].get("seconds") if states[n][1].get("parameters") == parameters else None
            for n in names}  # a run of another profile says nothing about this one's time
    runs, started = [], time.perf_counter()
    for i, name in enumerate(names, 1):
        place = f"[{i}/{len(names)}] {name}"
        if todo[name]:
            report(f"{place}: running ({_last_run(last[name])}; {_time_left([last[n] for n in names[i - 1:] if todo[n]])})")
        r = run_chapter(root, name, parameters, fresh, progress=place if todo[name] else "")
        spent = time.perf_counter() - started
        report(f"{place}: {'up to date' if r.status == 'cached' else f'{r.status} in {_duration(r.seconds)}'}"
               f" ({_duration(spent)} in all so far)")
        runs.append(r)
    return runs


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _last_run(seconds) -> str:
    return f"its last run took {_duration(seconds)}" if seconds is not None else "no earlier run of these parameters"


def _time_left(last: list) -> str:
    """The time left in this run from the last recorded runs of the chapters still to run (this one included)."""
    known = [s for s in last if s is not None]
    if not known:
        return "time left unknown until each chapter has run once"
    text = f"about {_duration(sum(known))} left"
    return text + (f" and {len(last) - len(known)} chapters not timed yet" if len(known) < len(last) else "")


def summary(runs: list[ChapterRun]) -> str:
    """A plain-text table of the runs, one line per chapter."""
    width = max([len(r.name) for r in runs] + [7])
    lines = [f"{'chapter':<{width}}  status  wall time", f"{'-' * width}  ------  ---------"]
    lines += [f"{r.name:<{width}}  {r.status:<6}  {r.seconds:8.1f} s" + (f"  {r.error}" if r.error else "")
              for r in runs]
    failed = sum(r.status == "failed" for r in runs)
    lines.append(f"{len(runs)} chapters: {len(runs) - failed} ok or cached, {failed} failed, "
                 f"{sum(r.seconds for r in runs):.1f} s in all")
    return "\n".join(lines)
