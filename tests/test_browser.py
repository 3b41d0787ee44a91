"""The smoke book in a real browser (Debian's chromium, driven by Playwright), served over local HTTP.

Every page: no console errors or page errors, no request leaves the machine (MathJax is ours), every
image loads, every internal link resolves, maths is typeset; and the scorecard shows its table.
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
        for rel in pages:
            redirect = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', (html / rel).read_text(), re.IGNORECASE)
            if redirect:  # a redirect page (index.html): its target must exist
                if not (html / rel).parent.joinpath(redirect.group(1)).is_file():
                    problems.append(f"{rel}: redirects to a missing page {redirect.group(1)}")
                continue
            page, seen = browser.new_page(), []
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
            for href in page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"):
                url = urlparse(urljoin(base + rel, href))
                if url.scheme == "http" and url.hostname == "127.0.0.1" and url.path:
                    target = html / url.path.lstrip("/")
                    if not (target.is_file() or (target / "index.html").is_file()):
                        seen.append(f"internal link 404: {href}")
            if rel.endswith("scorecard.html"):
                if not page.locator("table >> text=claim or table").count():
                    seen.append("the scorecard table is missing")
            problems += [f"{rel}: {s}" for s in seen]
            page.close()
        browser.close()
    assert not problems, "\n".join(problems[:40])
