"""The smoke book in a real browser (Debian's chromium, driven by Playwright), served over local HTTP.

Every page: no console errors or page errors, no request leaves the machine (MathJax is ours), every
image loads, every internal link resolves (a table's per-seed CSV download too), maths is typeset, no table is wider than the text column
unless it scrolls in its own box, no progress-bar warning shows, and no page is longer than
:data:`MAX_PAGE_PX`; the scorecard and each paper's report show their claims. Screenshots of the intro and the scorecard go to
``_build/test-artefacts`` for a person to look at.
"""
import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

CHROMIUM = shutil.which("chromium")
WIDTH = 1400
"""The browser window's width (px): a laptop screen."""
MAX_PAGE_PX = 40_000
"""The longest page allowed (px at :data:`WIDTH`): about 40 screens."""
ARTEFACTS = Path(__file__).resolve().parents[1] / "_build" / "test-artefacts"
SCREENSHOTS = ("intro.html", "scorecard.html")
OVERFLOW = """() => {
  const main = document.querySelector('main') || document.body;
  const column = main.getBoundingClientRect().width;
  const scrolls = el => { for (let p = el.parentElement; p && p !== main; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll') && p.getBoundingClientRect().width <= column + 1) return true; }
    return false; };
  return Array.from(main.querySelectorAll('table')).filter(t => t.getBoundingClientRect().width > column + 1 && !scrolls(t))
    .map(t => (t.querySelector('th') || t).textContent.trim().slice(0, 40));
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(smoke_book):
    _, html, _, build = smoke_book
    assert build.returncode == 0, build.stdout[-3000:]
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _pages(html: Path) -> list[str]:
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                  if not p.relative_to(html).parts[0].startswith("_"))


def test_every_page_works_in_chromium(served):
    assert CHROMIUM, "Debian's chromium is not installed: run `make browser` (make test does)"
    from playwright.sync_api import sync_playwright

    html, base = served
    pages = _pages(html)
    assert any(p.endswith("scorecard.html") for p in pages)
    problems = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        for rel in pages:
            redirect = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', (html / rel).read_text(), re.IGNORECASE)
            if redirect:  # a redirect page (index.html): its target must exist
                if not (html / rel).parent.joinpath(redirect.group(1)).is_file():
                    problems.append(f"{rel}: redirects to a missing page {redirect.group(1)}")
                continue
            page, seen = browser.new_page(viewport={"width": WIDTH, "height": 900}), []
            page.on("console", lambda m, seen=seen: m.type == "error" and seen.append(f"console: {m.text}"))
            page.on("pageerror", lambda e, seen=seen: seen.append(f"page error: {e}"))
            page.on("requestfailed", lambda r, seen=seen: seen.append(f"failed request: {r.url}"))
            page.on("response", lambda r, seen=seen: r.status >= 400 and seen.append(f"HTTP {r.status}: {r.url}"))
            page.on("request", lambda r, seen=seen: urlparse(r.url).hostname not in ("127.0.0.1", None)
                    and not r.url.startswith("data:") and seen.append(f"leaves the machine: {r.url}"))
            page.goto(base + rel, wait_until="load")
            page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
            broken = page.evaluate("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
                                   ".map(i => i.src)")
            seen += [f"image does not load: {src}" for src in broken]
            if page.locator(".math").count():
                if not page.locator("mjx-container").count():
                    seen.append("maths not typeset by MathJax")
            hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
            if rel.endswith("baselines.html"):  # a table's per-seed download is served, a CSV with a seed column
                csv = [h for h in hrefs if h.endswith(".csv")]
                got = page.request.get(urljoin(base + rel, csv[0])) if csv else None
                if got is None or got.status != 200 or "seed" not in got.text().splitlines()[0].split(","):
                    seen.append(f"no per-seed CSV download that resolves ({csv[:1]})")
            for href in hrefs:
                url = urlparse(urljoin(base + rel, href))
                if url.scheme == "http" and url.hostname == "127.0.0.1" and url.path:
                    target = html / url.path.lstrip("/")
                    if not (target.is_file() or (target / "index.html").is_file()):
                        seen.append(f"internal link 404: {href}")
            seen += [f"table wider than the text column, not scrolling in its own box: {t!r}" for t in page.evaluate(OVERFLOW)]
            if page.get_by_text("TqdmWarning").count():
                seen.append("a TqdmWarning shows")
            height = page.evaluate("document.documentElement.scrollHeight")
            if height > MAX_PAGE_PX:
                seen.append(f"page is {height:,} px long (bound {MAX_PAGE_PX:,})")
            if "/report_" in rel:  # a reproduction report renders its sections and its claims table
                for heading in ("Scope", "What we ran", "Results", "Deviations and choices", "What was easy, what was hard"):
                    if not page.locator(f"h2:has-text('{heading}')").count():
                        seen.append(f"the report has no section {heading!r}")
                if not page.locator("table >> text=our effect [95% interval]").count():
                    seen.append("the report's claims table is missing")
            if rel.endswith("scorecard.html"):
                if not page.locator("table >> text=our effect [95% interval]").count():
                    seen.append("the scorecard's claims table is missing")
            if rel.endswith(SCREENSHOTS):
                page.screenshot(path=str(ARTEFACTS / rel.replace("/", "_").replace(".html", ".png")), full_page=False)
            problems += [f"{rel}: {s}" for s in seen]
            page.close()
        browser.close()
    assert not problems, "\n".join(problems[:40])
