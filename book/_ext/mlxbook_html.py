"""A local Sphinx extension for pages that run clean in a browser (no console errors).

* sphinx-thebe registers its configuration script twice under Jupyter Book 1.0, and the second copy
  re-declares a ``const`` (a page error in every browser): identical scripts are dropped per page.
* The pydata theme's layout reads a ``default_mode`` that sphinx-book-theme never sets, and logs
  "Got invalid theme mode" on every page: we set it to the light mode.
* The per-seed results the executed chapters wrote (``book/chapters/results``, :mod:`mlxbook.book.downloads`)
  are copied next to the pages, so the download links under the tables resolve.
"""
import shutil
from pathlib import Path

RESULTS = Path("book") / "chapters" / "results"


def _page_context(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", None) or "", tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept
    context.setdefault("default_mode", "light")


def _copy_results(app, exception):
    source = Path(app.srcdir) / RESULTS
    if exception is None and app.builder.format == "html" and source.is_dir():
        shutil.copytree(source, Path(app.outdir) / RESULTS, dirs_exist_ok=True)


def setup(app):
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("build-finished", _copy_results)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
