"""Print the built book to PDF: one file per chapter, the instructor guide, the whole book.

Each page of a built edition is served from a local server, opened in headless Chromium
(Playwright, the browser the tests use), and printed with the book's print stylesheet
(`book_extensions/print_layout.css`) once its charts have drawn and the network is quiet. Charts stay
vectors (vega-embed draws SVG). A request to anything but the local server is blocked and
stops the run. Each page is printed on its own, so every page header names its chapter and
page numbers count within a chapter; the whole book is these files merged with pypdf, with
a bookmark per page holding the page's own headings.

Writes _build/pdf/<edition>/: NN-chapter.pdf per chapter, instructor-guide.pdf (full
edition), book.pdf. Then copies them into the edition's site (`_pdf/`) and adds a link to
each chapter's PDF under its title; a page rebuilt later by `make book` loses the link
until `make pdf` runs again, so a link never points at a missing or out-of-date file.

Usage: python tools/make_pdf.py [--edition full|student|both] [--paper a4|letter]
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from build_book import SITES

from book_extensions.cite_from_cff import formatted_citation, load_cff
from maintenance.book_toc import INSTRUCTOR_PART, read_toc, student_toc
from maintenance.book_toc import parts as toc_parts
from maintenance.local_site import CHART_SELECTOR, CHROMIUM, CHROMIUM_ARGS, serve_site
from stormbook.formatting import file_size

ROOT = Path(__file__).resolve().parent.parent

PDF_DIR = ROOT / "_build" / "pdf"
# Paper name for Chromium and its width in millimetres; side margins in millimetres.
PAPERS = {"a4": ("A4", 210), "letter": ("Letter", 215.9)}
SIDE_MARGIN_MM = 14
CHAPTERS_PART = "Chapters"
LICENCE = "Text CC BY 4.0; code MIT."
CHART_TIMEOUT_MS = 30_000
# The network counts as quiet after this long with no request in flight (as in the browser
# tests; Playwright's own "networkidle" waits on connections and sometimes never settles).
QUIET_S, SETTLE_TIMEOUT_S = 0.5, 60
LINK_START, LINK_END = "<!-- make_pdf link -->", "<!-- /make_pdf link -->"

# Before printing: open every disclosure (a chart's description and numbers table, hints,
# solutions), except those kept closed on purpose: vega-embed's action menu (screen only),
# self-check answers (a student tries the question on paper first) and code cells the
# author hid (the stylesheet leaves those out of print). Links to other pages of the book
# lose their target: in a PDF they would point at this run's local server.
PREPARE_PAGE = """() => {
  for (const d of document.querySelectorAll('details')) {
    if (!d.closest('.vega-embed, .self-check, details.hide')) d.open = true;
  }
  // sphinx-togglebutton's dropdown admonitions (solutions), opened as its own "beforeprint"
  // handler would (page.pdf does not fire that event).
  for (const box of document.querySelectorAll('.admonition.toggle.toggle-hidden')) {
    box.querySelector('button.toggle-button').click();
  }
  // A column name such as n_patients_validation may wrap after an underscore, and a DOI
  // or URL in a cell anywhere, so a table with many columns fits the paper.
  for (const th of document.querySelectorAll('table th')) {
    if (!th.children.length) th.textContent = th.textContent.replaceAll('_', '_\u200b');
  }
  for (const td of document.querySelectorAll('table td')) {
    if (/\\S{25,}/.test(td.textContent)) td.style.overflowWrap = 'anywhere';
  }
  // A table still wider than the text (a dataset with a dozen columns) is scaled down to
  // fit rather than cut off. Measured in the print layout (see print_page).
  for (const table of document.querySelectorAll('article table')) {
    const room = table.parentElement.clientWidth;
    if (table.scrollWidth > room) table.style.zoom = room / table.scrollWidth;
  }
  for (const a of document.querySelectorAll('a[href]')) {
    const target = new URL(a.href, location.href);
    if (target.origin === location.origin && target.pathname !== location.pathname) {
      a.removeAttribute('href');
    }
  }
  // On paper a self-check cannot be opened: its key goes at the end of the page (a
  // paragraph, not a heading, so the bookmarks stay the page's own headings).
  const checks = [...document.querySelectorAll('div.self-check[role=group]')];
  if (checks.length) {
    const key = document.createElement('div');
    key.className = 'print-answer-key';
    const head = document.createElement('p');
    head.innerHTML = '<strong>Self-check answers</strong>';
    key.append(head);
    for (const check of checks) {
      const number = check.querySelector('.self-check-prompt strong').textContent.trim();
      const right = [...check.querySelectorAll('details')].find((d) =>
        d.querySelector('.self-check-feedback.correct'));
      const model = check.querySelector('details.self-check-answer .self-check-feedback');
      const line = document.createElement('p');
      const answer = right ? right.querySelector('summary').textContent
        : model ? 'model answer: ' + model.textContent : '';
      line.textContent = number + ' ' + answer.replace(/\\s+/g, ' ').trim();
      key.append(line);
    }
    document.querySelector('article').append(key);
    for (const note of document.querySelectorAll('.self-check-instruction')) {
      note.textContent = 'The answers are at the end of this chapter.';
    }
  }
  // The PDF's bookmarks are made from the headings as laid out, line by line; they are
  // retitled afterwards with each heading's own text (see retitle_bookmarks).
  const text = (h) => h.textContent.replace(/#/g, '').replace(/\\s+/g, ' ').trim();
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')]
    .filter((h) => h.getClientRects().length > 0)
    .map(text);
  const title = document.querySelector('article h1') || document.querySelector('h1');
  return {title: text(title), headings};
}"""


class OutsideRequest(RuntimeError):
    """A page asked for something that is not on the local server."""


def parts(edition: str) -> list[tuple[str, list[str]]]:
    """The edition's table of contents as (part caption, pages); the root page first."""
    toc = read_toc(ROOT)
    return toc_parts(student_toc(toc) if edition == "student" else toc)


def templates(title: str) -> tuple[str, str]:
    """Page header (chapter title) and footer (how to cite, licence, page numbers).
    Chromium draws them outside the page's own styles, so every size is explicit."""
    style = "font-family: sans-serif; font-size: 7.5pt; color: #444; width: 100%;"
    style += f" margin: 0 {SIDE_MARGIN_MM}mm;"
    citation = html.escape(formatted_citation(load_cff(ROOT / "CITATION.cff")))
    header = f'<div style="{style}">{html.escape(title)}</div>'
    footer = (
        f'<div style="{style} display: flex; justify-content: space-between; gap: 4mm;">'
        f"<span>Cite as: {citation}. {LICENCE}</span>"
        '<span style="white-space: nowrap;"><span class="pageNumber"></span> / '
        '<span class="totalPages"></span></span></div>'
    )
    return header, footer


def wait_for_quiet_network(tab, in_flight: dict[int, str], page: str) -> None:
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        if in_flight:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_S:
            return
        tab.wait_for_timeout(100)  # lets Playwright deliver request events
    raise TimeoutError(f"{page}: requests still in flight after {SETTLE_TIMEOUT_S} s: {in_flight}")


def print_page(browser, base: str, page: str, target: Path, paper: str) -> str:
    """Print one page of the site to `target`; return its title."""
    name, width_mm = PAPERS[paper]
    # Lay the page out as wide as the paper's text column (CSS pixels are 1/96 inch), in
    # print media, so what is measured before printing is what is printed.
    text_width = round((width_mm - 2 * SIDE_MARGIN_MM) / 25.4 * 96)
    context = browser.new_context(viewport={"width": text_width, "height": 1200})
    outside: list[str] = []

    def only_local(route):
        url = route.request.url
        if url.startswith(base + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", only_local)
    tab = context.new_page()
    in_flight: dict[int, str] = {}
    tab.on("request", lambda request: in_flight.__setitem__(id(request), request.url))
    tab.on("requestfinished", lambda request: in_flight.pop(id(request), None))
    tab.on("requestfailed", lambda request: in_flight.pop(id(request), None))
    try:
        response = tab.goto(f"{base}/{page}.html", wait_until="load")
        if response is None or not response.ok:
            raise FileNotFoundError(f"{page}.html is not in the built site: run make book first")
        charts = tab.locator(CHART_SELECTOR)
        for index in range(charts.count()):
            charts.nth(index).locator("svg.marks").wait_for(timeout=CHART_TIMEOUT_MS)
        wait_for_quiet_network(tab, in_flight, page)
        if outside:
            raise OutsideRequest(f"{page}: requests outside the local server: {outside}")
        tab.emulate_media(media="print")
        prepared = tab.evaluate(PREPARE_PAGE)
        title = prepared["title"]
        header, footer = templates(title)
        tab.pdf(
            path=str(target),
            format=name,
            print_background=True,
            outline=True,  # the page's headings become the PDF's bookmarks
            tagged=True,
            display_header_footer=True,
            header_template=header,
            footer_template=footer,
            margin={
                "top": "16mm",
                "bottom": "18mm",
                "left": f"{SIDE_MARGIN_MM}mm",
                "right": f"{SIDE_MARGIN_MM}mm",
            },
        )
        retitle_bookmarks(target, prepared["headings"])
        return title
    finally:
        context.close()


def retitle_bookmarks(pdf: Path, headings: list[str]) -> None:
    """Give each bookmark its heading's text. Chromium joins a heading's lines without a
    space ("torandomised") and repeats a heading that crosses a line break; its bookmarks
    follow the visible headings in order, one each, so the n-th gets the n-th heading."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    reader = PdfReader(pdf)
    writer = PdfWriter(clone_from=reader)
    items = list(_outline_items(writer._root_object.get("/Outlines")))
    if len(items) != len(headings):
        raise RuntimeError(
            f"{pdf.name}: {len(items)} bookmarks for {len(headings)} headings; cannot retitle"
        )
    for item, heading in zip(items, headings, strict=True):
        item[NameObject("/Title")] = TextStringObject(heading)
    with pdf.open("wb") as stream:
        writer.write(stream)


def _outline_items(root):
    """The outline's items in document order (depth first)."""
    node = root.get_object().get("/First") if root else None
    while node is not None:
        item = node.get_object()
        yield item
        yield from _outline_items(item)
        node = item.get("/Next")


def merge(files: list[tuple[str, Path]], target: Path, title: str) -> None:
    """Merge (page title, pdf) in order; each page's bookmark holds its headings'."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for page_title, path in files:
        writer.append(str(path), outline_item=page_title)
    writer.add_metadata({"/Title": title})
    with target.open("wb") as stream:
        writer.write(stream)


def link_pdfs(site: Path, pdf_dir: Path, pdfs: dict[str, str]) -> None:
    """Copy the PDFs into the site's _pdf/ and add a link to its PDF under each page's
    title (`pdfs`: page -> file name)."""
    out = site / "_pdf"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for name in set(pdfs.values()) | {"book.pdf"}:
        shutil.copy2(pdf_dir / name, out / name)
    for page, name in pdfs.items():
        path = site / f"{page}.html"
        text = re.sub(
            re.escape(LINK_START) + ".*?" + re.escape(LINK_END),
            "",
            path.read_text(encoding="utf-8"),
            flags=re.S,
        )
        up = os.path.relpath(out, path.parent).replace(os.sep, "/")
        what = "this chapter" if name != "instructor-guide.pdf" else "the instructor guide"
        size, book_size = (file_size((out / n).stat().st_size) for n in (name, "book.pdf"))
        link = (
            f'{LINK_START}<p class="pdf-download">PDF for printing: '
            f'<a href="{up}/{name}">{what} ({size})</a>, '
            f'<a href="{up}/book.pdf">the whole book ({book_size})</a>'
            f"</p>{LINK_END}"
        )
        text = _header_item_links_pdf(text, f"{up}/{name}", size)
        at = _below_title_and_review(text, path)
        path.write_text(text[:at] + link + text[at:], encoding="utf-8")


# The theme's download menu prints the web page (theme_fixes labels it "Print"); where the
# book's own PDF exists, the item links to it instead.
PRINT_ITEM = re.compile(
    r'<button onclick="window\.print\(\)"\s+class="(?P<cls>[^"]*btn-download-pdf-button[^"]*)"'
    r".*?</button>",
    flags=re.S,
)


def _header_item_links_pdf(text: str, href: str, size: str) -> str:
    item = (
        f'<a href="{href}" class="{{cls}}" title="PDF for printing ({size})">'
        '<span class="btn__icon-container"><i class="fas fa-file-pdf"></i></span>'
        f'<span class="btn__text-container">PDF ({size})</span></a>'
    )
    return PRINT_ITEM.sub(lambda m: item.format(cls=html.escape(m["cls"])), text)


def _below_title_and_review(text: str, path: Path) -> int:
    """Where the PDF link goes: under the article's title (the theme puts a print-only copy
    of it earlier) and, on a chapter, under its review record, which stays first."""
    title_end = text.find("</h1>", text.find("<article"))
    if "<article" not in text or title_end < 0:
        raise ValueError(f"{path}: no article title (<h1>) to put the PDF link under")
    at = title_end + len("</h1>")
    review = text.find('<div class="chapter-review', at)
    next_heading = text.find("<h2", at)
    if review >= 0 and (next_heading < 0 or review < next_heading):
        # The record is a flat block of paragraphs (book_extensions/chapter_reviews.py): its first
        # closing </div> is its own.
        at = text.index("</div>", review) + len("</div>")
    return at


def make_pdfs(edition: str, paper: str = "a4") -> Path:
    """Print every page of an edition's built site; return the folder of PDFs."""
    from playwright.sync_api import sync_playwright

    site = SITES[edition]
    if not (site / "index.html").exists():
        hint = "make book" if edition == "full" else "make student-book"
        raise SystemExit(f"no built {edition} edition at {site}: run {hint} first")
    if not CHROMIUM.exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}: run tools/install_browser.sh")
    out = PDF_DIR / edition
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    server, base = serve_site(site)
    printed = []  # (part, page title, pdf) in book order
    pdf_of_page = {}
    try:
        with (
            sync_playwright() as playwright,
            tempfile.TemporaryDirectory() as tmp,
        ):
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for part, pages in parts(edition):
                for page in pages:
                    target = Path(tmp) / (page.replace("/", "--") + ".pdf")
                    printed.append((part, print_page(browser, base, page, target, paper), target))
                    if part == CHAPTERS_PART:
                        pdf_of_page[page] = Path(page).name + ".pdf"
                        shutil.copy2(target, out / pdf_of_page[page])
            guide = [(title, pdf) for part, title, pdf in printed if part == INSTRUCTOR_PART]
            if guide:
                merge(guide, out / "instructor-guide.pdf", "Instructor guide")
                pdf_of_page.update(
                    {page: "instructor-guide.pdf" for page in dict(parts(edition))[INSTRUCTOR_PART]}
                )
            merge([(title, pdf) for _, title, pdf in printed], out / "book.pdf", printed[0][1])
            browser.close()
    finally:
        server.shutdown()
    link_pdfs(site, out, pdf_of_page)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", choices=[*sorted(SITES), "both"], default="both")
    parser.add_argument("--paper", choices=sorted(PAPERS), default="a4")
    args = parser.parse_args(argv)
    for edition in sorted(SITES) if args.edition == "both" else [args.edition]:
        out = make_pdfs(edition, args.paper)
        print(f"{edition} edition: {', '.join(sorted(p.name for p in out.glob('*.pdf')))} in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
