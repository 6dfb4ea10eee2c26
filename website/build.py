"""Build the course website: static HTML pages from the committed, executed notebooks.

One command, offline::

    python website/build.py                # writes website/_build/ (open website/_build/index.html)

What it makes:

* one page per lesson (``notebooks/NN_*.ipynb``) with its saved outputs: figures, audio players
  that play (the embedded FLAC), tables, logs; the interactive explorers shown as their saved
  static figure (a static page has no kernel to move the sliders), progress bars as their final
  state;
* pages for the teacher's guide, glossary, resources and lecture claims (``notebooks/*.md``, when
  they exist), the presenter's explorers notebook, and any other markdown file of the repository a
  page links to (e.g. ``assets/pretrained/README.md``);
* a home page, navigation between all pages (sidebar, previous/next), and a client-side search over
  every heading and paragraph (``_static/search-index.js``; no server needed, works from
  ``file://``).

Why nbconvert: it ships with Jupyter (already installed with the course), renders exactly what
JupyterLab shows, and needs nothing from the internet. The Jupyter Book 2 / MyST command line
downloads its site theme at build time, which fails offline and in CI. Formulas are converted to
MathML with ``latex2mathml`` (browsers render MathML natively), so no MathJax is fetched either.

Links between pages are rewritten (``.ipynb``/``.md`` to ``.html``); a link to another file of the
repository copies that file into the site; a link that points nowhere is reported (``--strict``
makes it an error). The site mirrors the repository layout (``notebooks/01_x.ipynb`` becomes
``notebooks/01_x.html``), so relative links keep working.
"""
from __future__ import annotations

import argparse
import copy
import html
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import nbformat

ROOT = Path(__file__).resolve().parents[1]
WEBSITE = ROOT / "website"
DEFAULT_OUT = WEBSITE / "_build"
TEMPLATES = WEBSITE / "templates"
STATIC = WEBSITE / "static"
SITE_TITLE = "Audio and Temporal Convolutional Networks"
LESSON_RE = re.compile(r"^(\d\d)_.+\.ipynb$")
#: Markdown pages of notebooks/ shown in the navigation (when the file exists), in this order.
GUIDES: List[Tuple[str, str]] = [
    ("notebooks/teachers_guide.md", "For teachers"),
    ("notebooks/presenter/explorers.ipynb", "For teachers"),
    ("notebooks/lecture_claims.md", "For teachers"),
    ("notebooks/glossary.md", "Reference"),
    ("notebooks/resources.md", "Reference"),
]
#: A linked repository file larger than this is not copied into the site (reported instead).
MAX_COPY_BYTES = 20 * 1024 * 1024
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


# --------------------------------------------------------------------------------------------
# Formulas: LaTeX to MathML
# --------------------------------------------------------------------------------------------

_CODE_RE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)
_MATH_RE = re.compile(r"\$\$(.+?)\$\$|(?<![\\$\w])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?![\w$])", re.S)


@dataclass
class MathStore:
    """Formulas taken out of markdown before it is rendered, put back as MathML afterwards.

    Markdown would otherwise read ``*`` and ``_`` inside a formula as emphasis. Each formula
    becomes a placeholder token (letters and digits only, which markdown leaves alone).
    """

    prefix: str = "TCNMATHX"
    formulas: List[Tuple[str, bool]] = field(default_factory=list)

    def protect(self, markdown: str) -> str:
        """``markdown`` with every ``$...$`` / ``$$...$$`` outside code replaced by a placeholder."""
        parts = _CODE_RE.split(markdown)
        for i in range(0, len(parts), 2):  # even parts are outside code
            parts[i] = _MATH_RE.sub(self._take, parts[i])
        return "".join(parts)

    def _take(self, m: "re.Match[str]") -> str:
        display = m.group(1) is not None
        self.formulas.append(((m.group(1) if display else m.group(2)).strip(), display))
        token = f"{self.prefix}{len(self.formulas) - 1}Y"
        return f"\n\n{token}\n\n" if display else token

    def restore(self, page: str) -> str:
        """Replace the placeholders in rendered HTML by MathML (in ids and links: by plain text)."""
        if not self.formulas:
            return page
        token = re.compile(rf"{self.prefix}(\d+)Y")

        def in_attr(m: "re.Match[str]") -> str:
            return token.sub(lambda t: re.sub(r"[^A-Za-z0-9]+", "-", self.formulas[int(t.group(1))][0]).strip("-"),
                             m.group(0))

        page = re.sub(r'(?:id|href)="[^"]*"', in_attr, page)
        page = re.sub(rf"<p>\s*{self.prefix}(\d+)Y\s*</p>", lambda m: self._mathml(int(m.group(1))), page)
        return token.sub(lambda m: self._mathml(int(m.group(1))), page)

    def _mathml(self, i: int) -> str:
        tex, display = self.formulas[i]
        return tex_to_mathml(tex, display)


def tex_to_mathml(tex: str, display: bool = False) -> str:
    """MathML for one LaTeX formula; on a formula latex2mathml cannot read, the TeX source as code."""
    from latex2mathml.converter import convert

    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception:  # an unsupported command must not break the page: show the source
        return f'<code class="tcn-tex">{html.escape(tex)}</code>'
    label = html.escape(tex, quote=True)
    mathml = mathml.replace("<math ", f'<math alttext="{label}" ', 1)
    return f'<div class="tcn-math-display">{mathml}</div>' if display else mathml


# --------------------------------------------------------------------------------------------
# Widgets: their saved static view
# --------------------------------------------------------------------------------------------

def _widget_html(model_id: str, state: Dict[str, dict], depth: int = 0) -> str:
    """A static HTML rendering of a saved widget (boxes, HTML/Label text, progress bars, values)."""
    model = state.get(model_id)
    if model is None or depth > 20:
        return ""
    name, s = model.get("model_name", ""), model.get("state", {})
    desc = html.escape(str(s.get("description", "")))
    if "children" in s:
        kids = "".join(_widget_html(str(c).replace("IPY_MODEL_", ""), state, depth + 1) for c in s["children"])
        direction = "row" if name in ("HBoxModel", "GridBoxModel") else "column"
        return f'<div class="tcn-widget-box tcn-widget-{direction}">{kids}</div>'
    if name in ("HTMLModel", "HTMLMathModel"):
        return f'<span class="tcn-widget-html">{s.get("value", "")}</span>'
    if name == "LabelModel":
        return f'<span class="tcn-widget-label">{html.escape(str(s.get("value", "")))}</span>'
    if name in ("FloatProgressModel", "IntProgressModel"):
        lo, hi, v = float(s.get("min", 0)), float(s.get("max", 100)), float(s.get("value", 0))
        return (f'<progress class="tcn-widget-progress" max="{hi - lo:g}" value="{v - lo:g}">'
                f'{v:g}/{hi:g}</progress>')
    if "value" in s:
        return (f'<span class="tcn-widget-value">{desc + ": " if desc else ""}'
                f'{html.escape(str(s["value"]))}</span>')
    return ""


def static_widgets(nb: nbformat.NotebookNode) -> int:
    """Replace every widget view in ``nb``'s outputs by a static view; return how many were replaced.

    An explorer saves a PNG of its default state next to the widget view: that figure is shown,
    with its text summary and a note that the controls need a running notebook. Other widgets
    (progress bars) are drawn from the widget state saved in the notebook's metadata, else their
    text fallback is kept. The widget state is then dropped (nothing tries to load a widget manager).
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            n += 1
            view = data.pop(WIDGET_VIEW)
            text = data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            if "image/png" in data:
                png = data["image/png"]
                png = "".join(png) if isinstance(png, list) else png
                data["text/html"] = (
                    '<figure class="tcn-static-widget">'
                    f'<img src="data:image/png;base64,{png.strip()}" alt="{html.escape(text, quote=True)}">'
                    f'<figcaption>{html.escape(text)}<br><em>This is the explorer in its default state. '
                    'Open the notebook in JupyterLab and run it to move the controls.</em></figcaption></figure>')
                data.pop("image/png")
                continue
            rendered = _widget_html(str(view.get("model_id", "")), state)
            if rendered:
                data["text/html"] = f'<div class="tcn-static-widget tcn-widget-saved">{rendered}</div>'
    nb.metadata.pop("widgets", None)
    return n


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------

@dataclass
class Page:
    """One page of the site.

    Attributes:
        source: the file it is made from, relative to the repository (``notebooks/01_x.ipynb``);
            the home page is the virtual ``index.md``.
        out: the page's path in the site (``notebooks/01_x.html``).
        title: the first heading of the source.
        section: the navigation group (``"Lessons"``, ``"For teachers"``, ``"Reference"``), or ``""``
            for pages reached only through links.
        summary: the first paragraph (for the home page).
    """

    source: str
    out: str
    title: str
    section: str = ""
    summary: str = ""


def _first_heading(md: str, fallback: str) -> str:
    for line in md.splitlines():
        m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
        if m:
            return _plain(m.group(1))
    return fallback


def _plain(md: str) -> str:
    """Markdown inline text without its markup (for titles and summaries)."""
    s = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", md)
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(r"[*_`]+", "", s)
    s = re.sub(r"<[^>]+>", "", s)
    return re.sub(r"\s+", " ", s).strip()


def _first_paragraph(md: str) -> str:
    """A lesson's summary: its learning goals when it lists them, else its first plain paragraph."""
    goals = re.search(r"Learning goals.*?\n((?:\s*\d+\.\s.*\n?(?:[ \t]+\S.*\n?)*)+)", md)
    if goals:
        items = [_plain(i) for i in re.split(r"\n\s*\d+\.\s", "\n" + goals.group(1)) if i.strip()]
        return "You learn to " + "; ".join(i.rstrip(";.") for i in items) + "."
    for block in re.split(r"\n\s*\n", md):
        b = block.strip()
        if b and not b.startswith(("#", ">", "|", "<", "```", "- ", "* ", "1.", "**Lecture")):
            return _plain(b)
    return ""


def _source_text(path: Path) -> str:
    """The markdown of a page's source: a .md file's text, a notebook's markdown cells joined."""
    if path.suffix == ".ipynb":
        nb = nbformat.read(str(path), as_version=4)
        return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def _page_for(rel: str, section: str = "") -> Page:
    path = ROOT / rel
    text = _source_text(path)
    title = _first_heading(text, path.stem.replace("_", " "))
    # The summary: the first plain paragraph after the title.
    body = text.split("\n", 1)[1] if text.lstrip().startswith("#") else text
    return Page(source=rel, out=str(Path(rel).with_suffix(".html")), title=title, section=section,
                summary=_first_paragraph(body))


def discover_pages(root: Path = ROOT) -> List[Page]:
    """Lessons (``notebooks/NN_*.ipynb``), then the guides that exist, in navigation order."""
    pages = [_page_for(f"notebooks/{p.name}", "Lessons")
             for p in sorted((root / "notebooks").glob("*.ipynb")) if LESSON_RE.match(p.name)]
    pages += [_page_for(rel, section) for rel, section in GUIDES if (root / rel).exists()]
    return pages


# --------------------------------------------------------------------------------------------
# Site chrome: sidebar, pager, home page
# --------------------------------------------------------------------------------------------

def _rel(target: str, from_page: str) -> str:
    """Relative URL from the page ``from_page`` to ``target`` (both site paths)."""
    return os.path.relpath(target, os.path.dirname(from_page) or ".").replace(os.sep, "/")


def _root(page_out: str) -> str:
    """The relative URL of the site root from a page, e.g. ``"../"`` for ``notebooks/01_x.html``."""
    return "../" * page_out.count("/")


def sidebar_html(pages: Sequence[Page], current: str) -> str:
    groups: Dict[str, List[Page]] = {}
    for p in pages:
        if p.section:
            groups.setdefault(p.section, []).append(p)
    parts = [f'<nav class="tcn-sidebar" aria-label="Course navigation">',
             f'<a class="tcn-site-title" href="{_rel("index.html", current)}">{html.escape(SITE_TITLE)}</a>',
             '<div class="tcn-search" role="search"><input id="tcn-search-input" type="search" '
             'placeholder="Search the course" aria-label="Search the course" autocomplete="off">'
             '<ol id="tcn-search-results" class="tcn-search-results" hidden></ol></div>']
    for section, items in groups.items():
        parts.append(f'<h2 class="tcn-nav-section">{html.escape(section)}</h2><ul>')
        for p in items:
            cur = ' aria-current="page"' if p.out == current else ""
            parts.append(f'<li><a href="{_rel(p.out, current)}"{cur}>{html.escape(p.title)}</a></li>')
        parts.append("</ul>")
    parts.append("</nav>")
    return "\n".join(parts)


def pager_html(pages: Sequence[Page], current: str) -> str:
    order = ["index.html"] + [p.out for p in pages if p.section]
    titles = {"index.html": "Home", **{p.out: p.title for p in pages}}
    if current not in order:
        return ""
    i = order.index(current)
    links = []
    if i > 0:
        links.append(f'<a class="tcn-prev" rel="prev" href="{_rel(order[i - 1], current)}">'
                     f'&larr; {html.escape(titles[order[i - 1]])}</a>')
    if i + 1 < len(order):
        links.append(f'<a class="tcn-next" rel="next" href="{_rel(order[i + 1], current)}">'
                     f'{html.escape(titles[order[i + 1]])} &rarr;</a>')
    return f'<nav class="tcn-pager" aria-label="Previous and next page">{"".join(links)}</nav>'


def _readme_command(marker: str) -> str:
    """The command after ``<!-- marker -->`` in the README (so the home page cannot drift from it)."""
    readme = ROOT / "README.md"
    if not readme.exists():
        return ""
    m = re.search(rf"<!-- {re.escape(marker)} -->\s*```\w*\n(.*?)\n```", readme.read_text(encoding="utf-8"), re.S)
    return m.group(1).strip() if m else ""


def home_markdown(pages: Sequence[Page]) -> str:
    """The home page, as markdown with links relative to the repository root."""
    lines = [f"# {SITE_TITLE}", "",
             "An interactive Jupyter course on audio as sequences, receptive fields, dilated and causal "
             "convolutions, temporal convolutional networks (TCNs) and WaveNet. Every lesson computes the "
             "numbers it quotes, draws its figures and lets you listen to the sounds it talks about.", "",
             "These pages show the lessons as they were last run, with every figure and audio player. "
             "The sliders of the explorers need a running notebook: here they show their default state.", ""]
    cmd = _readme_command("open-command")
    if cmd:
        lines += ["To run the lessons yourself (Python 3.9+), from a copy of the course repository:", "",
                  "```bash", cmd, "```", ""]
    groups: Dict[str, List[Page]] = {}
    for p in pages:
        if p.section:
            groups.setdefault(p.section, []).append(p)
    for section, items in groups.items():
        lines += [f"## {section}", ""]
        for p in items:
            summary = f": {p.summary[:300].rstrip()}{'...' if len(p.summary) > 300 else ''}" if p.summary else ""
            lines.append(f"- [{p.title}]({p.source}){summary}")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Search index
# --------------------------------------------------------------------------------------------

class _SectionText(HTMLParser):
    """Collects (heading id, heading text, text) sections of a rendered page's markdown and code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: List[List[str]] = [["", "", ""]]
        self._div_depth = 0
        self._keep_depth: Optional[int] = None  # div depth where kept content (markdown/code) started
        self._heading: Optional[str] = None
        self._skip = 0  # inside <script> or <style>
        self._anchor = False  # inside a heading's anchor link (the pilcrow)

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "div":
            self._div_depth += 1
            cls = a.get("class") or ""
            if self._keep_depth is None and ("jp-RenderedMarkdown" in cls or "jp-InputArea-editor" in cls):
                self._keep_depth = self._div_depth
        if tag in ("h1", "h2", "h3") and self._keep_depth is not None:
            self._heading = tag
            self.sections.append([a.get("id") or "", "", ""])
        if tag == "a" and "anchor-link" in (a.get("class") or ""):
            self._anchor = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag == "a":
            self._anchor = False
        if tag == "div":
            if self._keep_depth == self._div_depth:
                self._keep_depth = None
                self.sections[-1][2] += " "
            self._div_depth -= 1
        if tag == self._heading:
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._keep_depth is None or self._skip or self._anchor:
            return
        if self._heading:
            self.sections[-1][1] += data
        else:
            self.sections[-1][2] += data


def search_entries(page_html: str, page: Page) -> List[Dict[str, str]]:
    """Search-index entries of one rendered page: one per heading (h1-h3), with its text."""
    parser = _SectionText()
    parser.feed(page_html)
    out = []
    for anchor, heading, text in parser.sections:
        heading = re.sub(r"\s+", " ", heading).replace("¶", "").strip()
        text = re.sub(r"\s+", " ", text).strip()
        if not heading and not text:
            continue
        out.append({"u": page.out + (f"#{anchor}" if anchor else ""), "p": page.title,
                    "h": heading or page.title, "t": text[:4000]})
    return out


# --------------------------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------------------------

_ATTR_RE = re.compile(r'(?P<attr>\b(?:href|src))="(?P<url>[^"]*)"')
CONTENT_START, CONTENT_END = "<!-- tcn-content-start -->", "<!-- tcn-content-end -->"
_EXTERNAL_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|#)")


@dataclass
class LinkReport:
    """What the link rewriting found: broken links and files copied into the site."""

    broken: List[str] = field(default_factory=list)
    copied: List[str] = field(default_factory=list)


class Site:
    """Builds the site into ``out``."""

    def __init__(self, out: Path, pages: Sequence[Page], log: Callable[[str], None] = print) -> None:
        self.out = out
        self.pages: List[Page] = list(pages)
        self.by_source: Dict[str, Page] = {p.source: p for p in self.pages}
        self.queue: List[Page] = []
        self.report = LinkReport()
        self.search: List[Dict[str, str]] = []
        self.log = log
        self._exporter = None

    # ----- rendering --------------------------------------------------------------------------

    @property
    def exporter(self):
        if self._exporter is None:
            from nbconvert import HTMLExporter
            self._exporter = HTMLExporter(template_name="course", extra_template_basedirs=[str(TEMPLATES)],
                                          theme="light", anchor_link_text="¶")
        return self._exporter

    def render(self, page: Page, markdown: Optional[str] = None) -> None:
        """Render one page (a notebook, a markdown file, or ``markdown`` for the home page)."""
        math = MathStore()
        src = ROOT / page.source
        if markdown is not None or src.suffix == ".md":
            text = markdown if markdown is not None else src.read_text(encoding="utf-8")
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_markdown_cell(text)]
        else:
            nb = copy.deepcopy(nbformat.read(str(src), as_version=4))
            static_widgets(nb)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = math.protect(cell.source)
        nb.metadata["title"] = f"{page.title} · {SITE_TITLE}" if page.out != "index.html" else SITE_TITLE
        resources = {"course": {
            "root": _root(page.out),
            "page_url": page.out,
            "sidebar": sidebar_html(self.pages, page.out),
            "pager": pager_html(self.pages, page.out),
            "banner": self._banner(page),
        }}
        body, _ = self.exporter.from_notebook_node(nb, resources=resources)
        body = math.restore(body)
        body = self.rewrite_links(body, page)
        self.search += search_entries(body, page)
        dest = self.out / page.out
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(body, encoding="utf-8")

    def _banner(self, page: Page) -> str:
        if page.source.endswith(".ipynb"):
            return ('<p class="tcn-banner">A saved run of <code>' + html.escape(page.source) +
                    '</code>. To run it and move the controls, open it in JupyterLab.</p>')
        return ""

    # ----- links ------------------------------------------------------------------------------

    def rewrite_links(self, body: str, page: Page) -> str:
        """Point links at pages (``.ipynb``/``.md`` to ``.html``), copy linked files, report the rest."""
        src_dir = (ROOT / page.source).parent

        def fix(m: "re.Match[str]") -> str:
            url = html.unescape(m.group("url"))
            if not url or url.startswith("data:") or _EXTERNAL_RE.match(url):
                return m.group(0)
            path, frag = (url.split("#", 1) + [""])[:2]
            path = path.split("?", 1)[0]
            target = (src_dir / path).resolve()
            new = self._resolve(target, page, url)
            if new is None:
                return m.group(0)
            return f'{m.group("attr")}="{html.escape(new + (("#" + frag) if frag else ""), quote=True)}"'

        # Only the page's own content: the site's navigation around it is generated correct.
        start, end = body.find(CONTENT_START), body.rfind(CONTENT_END)
        if start < 0 or end < start:
            return _ATTR_RE.sub(fix, body)
        return body[:start] + _ATTR_RE.sub(fix, body[start:end]) + body[end:]

    def _resolve(self, target: Path, page: Page, url: str) -> Optional[str]:
        try:
            rel = target.relative_to(ROOT).as_posix()
        except ValueError:
            self.report.broken.append(f"{page.source}: {url} (outside the course repository)")
            return None
        if rel.split("/")[0] in (".venv", ".git") or self.out.resolve() in target.parents:
            self.report.broken.append(f"{page.source}: {url} (not part of the course)")
            return None
        if rel in self.by_source:
            return _rel(self.by_source[rel].out, page.out)
        if target.is_file() and target.suffix in (".md", ".ipynb"):
            extra = _page_for(rel)
            self.pages.append(extra)
            self.by_source[rel] = extra
            self.queue.append(extra)
            return _rel(extra.out, page.out)
        if target.is_file():
            self._copy(target, rel, f"{page.source}: {url}")
            return _rel(rel, page.out)
        if target.is_dir():
            self._listing(target, rel)
            return _rel(f"{rel}/index.html", page.out)
        self.report.broken.append(f"{page.source}: {url} (no such file)")
        return None

    def _copy(self, target: Path, rel: str, where: str) -> None:
        """Copy the repository file ``target`` to ``rel`` in the site (``where``: the link, for the report)."""
        dest = self.out / rel
        if dest.exists():
            return
        if target.stat().st_size > MAX_COPY_BYTES:
            self.report.broken.append(f"{where} (larger than {MAX_COPY_BYTES >> 20} MB, not copied)")
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, dest)
        self.report.copied.append(rel)

    def _listing(self, folder: Path, rel: str) -> None:
        """A plain index page of a linked folder; its files are copied next to it."""
        dest = self.out / rel / "index.html"
        if dest.exists():
            return
        items = []
        for child in sorted(folder.iterdir()):
            if child.name.startswith((".", "__")) or not child.is_file() or child.stat().st_size > MAX_COPY_BYTES:
                continue
            self._copy(child, f"{rel}/{child.name}", f"{rel}/: {child.name}")
            items.append(f'<li><a href="{html.escape(child.name)}">{html.escape(child.name)}</a></li>')
        root = _root(f"{rel}/index.html")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
            f'<title>{html.escape(rel)}/ · {html.escape(SITE_TITLE)}</title>'
            f'<link rel="stylesheet" href="{root}_static/course.css"></head>'
            f'<body class="tcn-listing"><main class="tcn-main"><p><a href="{root}index.html">{html.escape(SITE_TITLE)}</a></p>'
            f'<h1>{html.escape(rel)}/</h1><ul>{"".join(items)}</ul></main></body></html>\n', encoding="utf-8")

    # ----- whole site -------------------------------------------------------------------------

    def build(self) -> LinkReport:
        if self.out.exists():
            shutil.rmtree(self.out)
        (self.out / "_static").mkdir(parents=True)
        self._write_static()
        home = Page(source="index.md", out="index.html", title="Home")
        self.render(home, markdown=home_markdown(self.pages))
        for page in list(self.pages):
            t0 = time.perf_counter()
            self.render(page)
            self.log(f"  {page.out} ({time.perf_counter() - t0:.1f} s)")
        while self.queue:  # pages reached only through links
            page = self.queue.pop(0)
            self.render(page)
            self.log(f"  {page.out} (linked)")
        index = json.dumps(self.search, ensure_ascii=False, separators=(",", ":"))
        (self.out / "_static" / "search-index.js").write_text(
            f"window.TCN_SEARCH_INDEX = {index};\n", encoding="utf-8")
        (self.out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ as it is
        return self.report

    def _write_static(self) -> None:
        lab = Path(sys.prefix) / "share" / "jupyter" / "nbconvert" / "templates" / "lab" / "static"
        if not lab.exists():  # nbconvert's data files live with the Jupyter data paths
            from jupyter_core.paths import jupyter_path
            lab = next(Path(p) / "nbconvert" / "templates" / "lab" / "static" for p in jupyter_path()
                       if (Path(p) / "nbconvert" / "templates" / "lab" / "static").exists())
        css = [(lab / "index.css").read_text(encoding="utf-8"), (lab / "theme-light.css").read_text(encoding="utf-8")]
        (self.out / "_static" / "jupyter.css").write_text("\n".join(css), encoding="utf-8")
        for f in STATIC.iterdir():
            if f.is_file():
                shutil.copy2(f, self.out / "_static" / f.name)


def build(out: Path = DEFAULT_OUT, strict: bool = False, log: Callable[[str], None] = print) -> LinkReport:
    """Build the site into ``out`` (replaced); return the link report.

    Raises:
        SystemExit: with ``strict``, when a link points nowhere.
    """
    t0 = time.perf_counter()
    pages = discover_pages()
    if not any(p.section == "Lessons" for p in pages):
        raise SystemExit("no lesson notebooks (notebooks/NN_*.ipynb) found")
    log(f"Building the course site into {out} ({len(pages)} pages)")
    report = Site(out, pages, log).build()
    for b in report.broken:
        log(f"BROKEN LINK {b}")
    log(f"Done in {time.perf_counter() - t0:.0f} s: open {out / 'index.html'}")
    if strict and report.broken:
        raise SystemExit(f"{len(report.broken)} broken link(s)")
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description="Build the course website (static HTML) from the executed notebooks.")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT.relative_to(ROOT)})")
    p.add_argument("--strict", action="store_true", help="fail when a link points nowhere")
    args = p.parse_args(argv)
    build(args.out.resolve(), strict=args.strict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
