"""The course website (``website/build.py``): built once per test session from the committed notebooks.

* Without a browser: the builder's pieces (formulas to MathML, widgets to their saved static view,
  link rewriting), then the real build: a page per lesson and guide, every internal link and
  anchor resolves, nothing is loaded from the internet, the search index covers every page.
* In headless Chromium (``-m browser``; skipped outside CI when Chromium is missing, a failure in
  CI): the site is served from 127.0.0.1 and every page loads without console errors or requests
  off the machine, shows all its figures, has audio players that load and play, and the search box
  finds lessons. A screenshot of every page lands in ``test-artifacts/browser/site_*.png``.
"""
from __future__ import annotations

import functools
import html
import http.server
import importlib.util
import re
import sys
import threading
from pathlib import Path
from typing import Dict, Iterator, List, Tuple
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

import browser_utils as bu
from conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]


def _load_builder():
    spec = importlib.util.spec_from_file_location("course_site_build", ROOT / "website" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


site_build = _load_builder()


# --------------------------------------------------------------------------------------------
# The builder's pieces
# --------------------------------------------------------------------------------------------

def test_formulas_become_mathml_outside_code_only():
    store = site_build.MathStore()
    md = ("Inline $x_t * w_t$ and a price of $5 and $6, `$HOME` in code,\n\n"
          "$$\\text{RF} = 1 + \\sum_i (k_i - 1)\\, d_i$$\n\n```bash\necho $PATH$\n```\n")
    protected = store.protect(md)
    assert "$x_t" not in protected and "\\sum_i" not in protected
    assert "$5 and $6" in protected and "`$HOME`" in protected and "echo $PATH$" in protected
    assert [display for _, display in store.formulas] == [False, True]
    page = store.restore(f"<p>{protected.splitlines()[0]}</p><p>{store.prefix}1Y</p>"
                         f'<h2 id="a-{store.prefix}0Y">h</h2>')
    assert page.count("<math ") == 2 and store.prefix not in page
    assert 'display="block"' in page and "<msub>" in page
    assert 'alttext="x_t * w_t"' in page
    assert 'id="a-x-t-w-t"' in page  # ids get plain text, not markup


def test_unreadable_formula_is_shown_as_its_source():
    out = site_build.tex_to_mathml("\\frac{1}{", display=False)
    assert out.startswith('<code class="tcn-tex">') and "\\frac{1}{" in out


def _widget_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    explorer = nbformat.v4.new_output("display_data", data={
        site_build.WIDGET_VIEW: {"model_id": "box1", "version_major": 2, "version_minor": 0},
        "image/png": "iVBORw0KGgo=", "text/plain": "Receptive-field explorer: receptive field 31 steps"})
    bar = nbformat.v4.new_output("display_data", data={
        site_build.WIDGET_VIEW: {"model_id": "hbox", "version_major": 2, "version_minor": 0},
        "text/plain": "training:   0%|          | 0/40"})
    lost = nbformat.v4.new_output("display_data", data={
        site_build.WIDGET_VIEW: {"model_id": "missing", "version_major": 2, "version_minor": 0},
        "text/plain": "a widget"})
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[explorer, bar, lost])]
    state = {
        "hbox": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_l", "IPY_MODEL_p", "IPY_MODEL_r"]}},
        "l": {"model_name": "HTMLModel", "state": {"value": "training: 100%"}},
        "p": {"model_name": "FloatProgressModel", "state": {"value": 40, "max": 40, "min": 0}},
        "r": {"model_name": "HTMLModel", "state": {"value": "40/40 [00:02&lt;00:00]"}},
    }
    nb.metadata["widgets"] = {site_build.WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}}
    return nb


def test_widgets_become_their_saved_static_view():
    nb = _widget_notebook()
    assert site_build.static_widgets(nb) == 3
    explorer, bar, lost = (o["data"] for o in nb.cells[0].outputs)
    assert all(site_build.WIDGET_VIEW not in d for d in (explorer, bar, lost))
    assert '<img src="data:image/png;base64,iVBORw0KGgo="' in explorer["text/html"]
    assert "receptive field 31 steps" in explorer["text/html"] and "image/png" not in explorer
    assert '<progress class="tcn-widget-progress" max="40" value="40">' in bar["text/html"]
    assert "training: 100%" in bar["text/html"] and "40/40" in bar["text/html"]
    assert "text/html" not in lost and lost["text/plain"] == "a widget"  # no saved state: text fallback
    assert "widgets" not in nb.metadata  # no widget manager is loaded from the internet


def test_links_point_at_pages_and_broken_ones_are_reported(tmp_path):
    pages = [site_build.Page("notebooks/01_a.ipynb", "notebooks/01_a.html", "01", "Lessons"),
             site_build.Page("notebooks/02_b.ipynb", "notebooks/02_b.html", "02", "Lessons")]
    site = site_build.Site(tmp_path, pages, log=lambda s: None)
    body = (f'{site_build.CONTENT_START}<a href="02_b.ipynb#Sec-1">next</a> <a href="#local">here</a> '
            '<a href="https://example.org/x">out</a> <a href="no_such_file.ipynb">gone</a> '
            '<a href="../../outside.md">outside</a> <img src="data:image/png;base64,AAAA">'
            f'<a href="../pyproject.toml">file</a>{site_build.CONTENT_END}'
            '<a href="../index.html">nav, untouched</a>')
    out = site.rewrite_links(body, pages[0])
    assert 'href="02_b.html#Sec-1"' in out
    assert 'href="#local"' in out and 'href="https://example.org/x"' in out
    assert 'href="../pyproject.toml"' in out and (tmp_path / "pyproject.toml").is_file()
    assert 'href="../index.html"' in out
    assert [b.split(": ", 1)[1] for b in site.report.broken] == [
        "no_such_file.ipynb (no such file)", "../../outside.md (outside the course repository)"]


# --------------------------------------------------------------------------------------------
# The real build (once per session)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Tuple[Path, object]:
    out = tmp_path_factory.mktemp("site") / "_build"
    report = site_build.build(out, log=lambda s: None)
    return out, report


def _lessons() -> List[Path]:
    return sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if site_build.LESSON_RE.match(p.name))


def _pages(out: Path) -> List[Path]:
    return sorted(out.rglob("*.html"))


def test_every_lesson_and_guide_has_a_page(site):
    out, _ = site
    assert _lessons(), "no lessons found"
    expected = [p.relative_to(ROOT).with_suffix(".html") for p in _lessons()]
    expected += [Path(rel).with_suffix(".html") for rel, _ in site_build.GUIDES if (ROOT / rel).exists()]
    home = (out / "index.html").read_text()
    for rel in expected:
        assert (out / rel).is_file(), f"{rel} was not built"
        assert f'href="{rel.as_posix()}"' in home, f"the home page does not link to {rel}"
        page = (out / rel).read_text()
        assert 'class="tcn-sidebar"' in page and 'aria-current="page"' in page
    assert (out / ".nojekyll").exists() and (out / "_static" / "search-index.js").exists()


def test_lesson_pages_keep_their_figures_audio_and_formulas(site):
    out, _ = site
    for nb_path in _lessons():
        nb = nbformat.read(str(nb_path), as_version=4)
        images = audios = formulas = 0
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                store = site_build.MathStore()
                store.protect(cell.source)
                formulas += len(store.formulas)
            for o in cell.get("outputs", []):
                data = o.get("data", {})
                images += "image/png" in data
                audios += len(re.findall(r"<audio\b", "".join(data.get("text/html", ""))))
        page = (out / nb_path.relative_to(ROOT).with_suffix(".html")).read_text()
        assert len(re.findall(r'<img\b[^>]*\bsrc="data:image/png;base64,', page)) >= images, nb_path.name
        assert len(re.findall(r"<audio\b", page)) == audios, nb_path.name
        assert page.count("<math ") + page.count('class="tcn-tex"') == formulas, nb_path.name
        assert "TCNMATHX" not in page, f"{nb_path.name}: a formula placeholder was left"


def _html_files_and_ids(out: Path) -> Dict[Path, set]:
    return {p: {html.unescape(i) for i in re.findall(r'\bid="([^"]+)"', p.read_text())} for p in _pages(out)}


def _internal_refs(page: Path) -> Iterator[str]:
    for m in re.finditer(r'\b(?:href|src)="([^"]*)"', page.read_text()):
        url = html.unescape(m.group(1))
        if url and not url.startswith(("data:", "http:", "https:", "mailto:", "javascript:")):
            yield url


def test_no_internal_link_is_broken(site):
    out, report = site
    assert report.broken == [], "links that point nowhere:\n" + "\n".join(report.broken)
    ids = _html_files_and_ids(out)
    bad = []
    for page in ids:
        for url in _internal_refs(page):
            parts = urlsplit(url)
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists() or out.resolve() not in target.resolve().parents:
                bad.append(f"{page.relative_to(out)}: {url} (no such file in the site)")
            elif (parts.fragment and target.suffix == ".html"
                  and not {parts.fragment, unquote(parts.fragment)} & ids[target]):  # as browsers match
                bad.append(f"{page.relative_to(out)}: {url} (no such anchor)")
    assert not bad, "\n".join(bad)


def test_nothing_is_loaded_from_the_internet(site):
    out, _ = site
    for page in _pages(out):
        text = page.read_text()
        for m in re.finditer(r"<(script|link|img|source|iframe)\b[^>]*\b(?:src|href)=\"(https?:)?//", text):
            pytest.fail(f"{page.relative_to(out)} loads {m.group(0)[:120]} from the internet")
        assert "cdn.jsdelivr" not in text and "unpkg.com" not in text and "cdnjs" not in text, page


def test_search_index_covers_every_page(site):
    out, _ = site
    index = (out / "_static" / "search-index.js").read_text()
    for page in _pages(out):
        rel = page.relative_to(out).as_posix()
        if "/index.html" in rel and rel != "index.html" and "tcn-listing" in page.read_text():
            continue  # plain listings of linked folders are not searched
        assert f'"u":"{rel}' in index, f"{rel} is not in the search index"


# --------------------------------------------------------------------------------------------
# In the browser
# --------------------------------------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def served(site) -> Iterator[Tuple[str, Path]]:
    """The built site over HTTP on 127.0.0.1 (a free port, in a thread)."""
    out, _ = site
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", out
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    reason = bu.missing_browser_reason()
    if reason:
        skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = bu.launch_chromium(pw, tmp_path_factory.mktemp("site-chromium"))
        try:
            yield ctx
        finally:
            ctx.close()


_AUDIO_JS = """async (el) => {
  el.muted = true;
  el.preload = 'auto';
  el.load();
  const t0 = performance.now();
  while (el.readyState < 1 && !el.error && performance.now() - t0 < 20000) {
    await new Promise(r => setTimeout(r, 50));
  }
  if (el.error) return {error: 'media error ' + el.error.code, duration: 0, played: 0};
  let played = 0;
  try {
    await el.play();
    const t1 = performance.now();
    while (el.currentTime === 0 && performance.now() - t1 < 10000) {
      await new Promise(r => setTimeout(r, 50));
    }
    played = el.currentTime;
    el.pause();
  } catch (e) {
    return {error: 'play(): ' + e, duration: el.duration, played: 0};
  }
  return {error: null, duration: el.duration, played: played};
}"""


@pytest.mark.browser
def test_every_page_loads_with_figures_audio_and_links(served, browser):
    base, out = served
    page = browser.new_page()
    errors = bu.ConsoleErrors().attach(page)
    external = bu.ExternalRequests().attach(page)
    problems: List[str] = []
    pages = [p.relative_to(out).as_posix() for p in _pages(out)]
    n_audio = 0
    for rel in pages:
        before = len(errors.errors)
        response = page.goto(f"{base}/{rel}", wait_until="load")
        assert response is not None and response.status == 200, rel
        # Every image (figures, explorer views) decoded.
        broken_images = page.eval_on_selector_all(
            "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => (e.alt || e.src).slice(0, 80))")
        if broken_images:
            problems.append(f"{rel}: images that did not load: {broken_images}")
        # Every audio player loads its sound and plays it.
        for i, audio in enumerate(page.locator("audio").element_handles()):
            state = audio.evaluate(_AUDIO_JS)
            n_audio += 1
            if state["error"] or not state["duration"] > 0 or not state["played"] > 0:
                problems.append(f"{rel}: audio player {i + 1} does not play: {state}")
        # Every link and resource of this page answers (over HTTP, as a visitor's browser asks).
        statuses = page.evaluate("""async () => {
          const urls = new Set();
          for (const a of document.querySelectorAll('a[href]')) urls.add(a.href.split('#')[0]);
          for (const e of document.querySelectorAll('[src]')) if (!e.src.startsWith('data:')) urls.add(e.src);
          const out = [];
          for (const u of urls) {
            if (!u.startsWith(location.origin)) continue;
            const r = await fetch(u, {method: 'HEAD'});
            out.push([u, r.status]);
          }
          return out;
        }""")
        problems += [f"{rel}: link {u} answers {s}" for u, s in statuses if s != 200]
        if len(errors.errors) > before:
            problems.append(f"{rel}: console errors: {errors.errors[before:]}")
        bu.screenshot(page, f"site_{rel.replace('/', '_')}")
    assert not external.unknown, f"requests that left the machine: {external.unknown}"
    assert not problems, "\n".join(problems)
    lessons_with_audio = [p for p in _lessons() if "<audio" in p.read_text()]
    if lessons_with_audio:
        assert n_audio > 0, "no audio player was found on any page"


@pytest.mark.browser
def test_search_finds_a_lesson_and_the_pager_walks_the_course(served, browser):
    base, out = served
    page = browser.new_page()
    errors = bu.ConsoleErrors().attach(page)
    page.goto(f"{base}/index.html")
    page.fill("#tcn-search-input", "receptive field")
    hits = page.locator("#tcn-search-results a.tcn-hit")
    hits.first.wait_for(timeout=10_000)
    assert hits.count() >= 3
    hrefs = hits.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert any(re.search(r"notebooks/0[23]_[^/]+\.html", h) for h in hrefs), hrefs
    bu.screenshot(page, "site_search")
    hits.first.click()
    page.wait_for_load_state("load")
    assert page.url.startswith(f"{base}/notebooks/"), page.url
    page.fill("#tcn-search-input", "zzzqqq-not-a-word")
    assert "Nothing found" in page.locator("#tcn-search-results").inner_text()
    # The pager walks every lesson in order, from the home page.
    page.goto(f"{base}/index.html")
    visited = []
    for _ in range(len(_lessons())):
        page.locator("a.tcn-next").click()
        page.wait_for_load_state("load")
        visited.append(page.url.rsplit("/", 1)[1])
    assert visited == [p.with_suffix(".html").name for p in _lessons()]
    assert not errors.errors, errors.errors
