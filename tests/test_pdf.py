"""The printed book (`make pdf`, tools/make_pdf.py): both editions printed once per session
from the built sites, by the same function `make pdf` runs, then read back with pypdf.

Checked: every PDF is there; each chapter's PDF carries its title and a number glued from
the data (computed here from the data); every font is embedded; no page is empty; pages are
A4 (Letter on request); no solution reaches a student PDF; no link points at the local
server used for printing; the site links each chapter's PDF; a page asking for anything
outside the local server stops the run; no raw value (`np.float64(93.0)`, `nan`, `1e-05`)
is printed.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import make_pdf
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, chart_pages, notebook_pages, serve_site
from pypdf import PdfReader
from raw_values import numpy_reprs, raw_values

from stormbook import load_dataset

pytestmark = pytest.mark.build


EDITIONS = ("full", "student")
A4 = (595.28, 841.89)
LETTER = (612, 792)
# The running header and footer sit in the top and bottom margins (16 and 18 mm).
BODY_FROM_PT = 45


@pytest.fixture(scope="session")
def pdf_dirs(built_site, student_site) -> dict[str, Path]:
    """Print both editions with the command `make pdf` runs, in a process of its own (this
    worker's Playwright belongs to the shared `browser` fixture)."""
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_pdf.py"), "--edition", "both"],
        cwd=ROOT,
        check=True,
    )
    return {edition: make_pdf.PDF_DIR / edition for edition in EDITIONS}


def plain(text: str) -> str:
    """Text as a reader sees it: ligatures split, spaces and line breaks collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class PrintedPage:
    text: str  # as a reader sees it (see `plain`)
    body_characters: int  # printed between the running header and footer
    size: tuple[float, float]  # width, height in pt
    prose: str  # the text outside monospaced fonts: no code, nor what code prints
    code: str  # the text in monospaced fonts


def printed_pages(path: Path) -> tuple[PrintedPage, ...]:
    """Each page of a PDF, read once per file version: several tests read the whole book."""
    return _printed_pages(path, path.stat().st_mtime_ns)


@functools.cache
def _printed_pages(path: Path, version: int) -> tuple[PrintedPage, ...]:
    return tuple(_read_page(page) for page in PdfReader(path).pages)


def _read_page(page) -> PrintedPage:
    """The page's text, and how many characters sit between the running header and footer
    (drawn text in charts counts: it is text in the PDF); its prose and code apart."""
    height = float(page.mediabox.height)
    count = 0
    prose, code = [], []

    def visit(text, cm, tm, font, size):
        nonlocal count
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text's height on the page, in pt
        if BODY_FROM_PT < y < height - BODY_FROM_PT:
            count += len(text.strip())
        mono = font is not None and "Mono" in str(font.get("/BaseFont"))
        (code if mono else prose).append(text)
        (prose if mono else code).append(" ")  # what lies between does not join up

    text = page.extract_text(visitor_text=visit)
    return PrintedPage(
        plain(text),
        count,
        (float(page.mediabox.width), height),
        plain("".join(prose)),
        plain("".join(code)),
    )


def page_texts(path: Path) -> list[str]:
    return [page.text for page in printed_pages(path)]


def chapter_title(page: str) -> str:
    notebook = json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))
    first = "".join(notebook["cells"][0]["source"]).splitlines()[0]
    assert first.startswith("# "), f"{page}: the first cell does not start with its title"
    return first[2:].strip()


def glued_phrases() -> dict[str, str]:
    """One sentence fragment per chapter whose number the chapter glues from the data."""
    causes = load_dataset("iv-anakinra-case-causes")
    timeline = load_dataset("css-term-timeline")
    steps = load_dataset("perforin-pathway-steps")
    studies = load_dataset("anakinra-studies").set_index("study_id")
    dex = load_dataset("treatment-results").set_index("key").loc["recovery-dex-death-d28-overall"]
    familial = timeline["term"] == "familial haemophagocytic reticulosis"
    familial_year = int(timeline.loc[familial, "year"].iloc[0])
    return {
        "chapters/00-introduction": f"Of the {int(causes['n_cases'].sum())} reported cases",
        "chapters/01-terminology": (f"familial HLH was described in {familial_year} as"),
        "chapters/02-perforin-pathway": f"breaks the pathway into {len(steps)} steps",
        "chapters/03-anakinra-evidence": (
            f"SAVE-MORE ({int(studies.loc['savemore', 'n_total'])} patients analysed)"
        ),
        "chapters/04-treatment": f"{int(dex.events_treated)} of {int(dex.n_treated):,} (",
    }


def pdf_name(page: str) -> str:
    return Path(page).name + ".pdf"


def test_every_pdf_is_written(pdf_dirs):
    chapters = {pdf_name(page) for page in notebook_pages()}
    assert {p.name for p in pdf_dirs["full"].glob("*.pdf")} == chapters | {
        "instructor-guide.pdf",
        "book.pdf",
    }
    assert {p.name for p in pdf_dirs["student"].glob("*.pdf")} == chapters | {"book.pdf"}


def test_every_chapter_has_a_glued_number():
    assert set(glued_phrases()) == set(notebook_pages())


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("page", notebook_pages())
def test_chapter_pdf_carries_title_and_data(pdf_dirs, edition, page):
    text = " ".join(page_texts(pdf_dirs[edition] / pdf_name(page)))
    assert chapter_title(page) in text
    assert glued_phrases()[page] in text
    # The screen's chrome is not printed (skip link, search box); the print note is.
    assert "Skip to main content" not in text and "Ctrl+K" not in text
    if page in chart_pages():
        assert "charts are printed in their default state" in text
    book = " ".join(page_texts(pdf_dirs[edition] / "book.pdf"))
    assert glued_phrases()[page] in book


@pytest.mark.parametrize("edition", EDITIONS)
def test_book_has_a_bookmark_per_page(pdf_dirs, edition):
    """A top-level bookmark per page (its headings nested under it), chapters in order."""
    outline = PdfReader(pdf_dirs[edition] / "book.pdf").outline
    top = [item.title for item in outline if not isinstance(item, list)]
    found = [page for title in top for page in notebook_pages() if chapter_title(page) in title]
    assert found == notebook_pages()
    assert any(isinstance(item, list) for item in outline)  # headings nested


def _titles(outline) -> list[str]:
    return [
        t for item in outline for t in (_titles(item) if isinstance(item, list) else [item.title])
    ]


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("page", notebook_pages())
def test_chapter_bookmarks_read_as_its_headings(pdf_dirs, edition, page, built_site):
    """Each bookmark is a heading's own text: no words run together across a line break
    ("torandomised"), no heading repeated inside its bookmark."""
    soup = BeautifulSoup((built_site / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
    headings = {
        " ".join(h.get_text(" ").replace("#", "").split())
        for h in soup.select("article h1, article h2, article h3, article h4")
    }
    titles = _titles(PdfReader(pdf_dirs[edition] / pdf_name(page)).outline)
    assert titles, "no bookmarks"
    for title in titles:
        assert " ".join(title.split()) in headings, title


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("page", notebook_pages())
def test_chapter_pdf_ends_with_the_self_check_key_and_prints_no_controls(pdf_dirs, edition, page):
    text = " ".join(page_texts(pdf_dirs[edition] / pdf_name(page)))
    key = text[text.rindex("Self-check answers") :]
    assert "Question 1." in key and "Question 2." in key
    # The questions' own "open each answer" line is replaced on paper by where the key is.
    assert "Open each answer" not in text and "The answers are at the end of this chapter" in text
    # A chart's menus print their labels ("Condition:" for the forest plot) on screen only.
    assert "Condition:" not in text


def _fonts(resources, seen):
    """Every font dictionary reachable from a page's resources, form XObjects included."""
    resources = resources.get_object() if resources else {}
    for font in (resources.get("/Font") or {}).values():
        yield font.get_object()
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
            seen.add(id(xobject))
            yield from _fonts(xobject.get("/Resources"), seen)


def _embedded(font) -> bool:
    if font["/Subtype"] == "/Type3":  # glyphs drawn by the PDF's own procedures
        return True
    if font["/Subtype"] == "/Type0":
        font = font["/DescendantFonts"].get_object()[0].get_object()
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_font_is_embedded(pdf_dirs, edition):
    missing = {
        (path.name, str(font.get("/BaseFont")))
        for path in pdf_dirs[edition].glob("*.pdf")
        for page in PdfReader(path).pages
        for font in _fonts(page.get("/Resources"), set())
        if not _embedded(font)
    }
    assert missing == set()


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_page_is_empty_and_every_page_is_a4(pdf_dirs, edition):
    for path in pdf_dirs[edition].glob("*.pdf"):
        for number, page in enumerate(printed_pages(path), start=1):
            assert page.size == pytest.approx(A4, abs=1), f"{path.name} page {number}: {page.size}"
            assert page.body_characters > 0, f"{path.name} page {number} has no body text"


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_raw_value_is_printed(pdf_dirs, edition):
    """No `np.float64(93.0)`, `nan`, `None` or `1e-05` in the prose, tables and charts; the
    code (monospaced) is searched for numpy reprs only, as on the site (test_build.py).
    book.pdf merges the other files, so it is not read again."""
    found = [
        f"{path.name} page {number}: {problem}"
        for path in sorted(pdf_dirs[edition].glob("*.pdf"))
        if path.name != "book.pdf"
        for number, page in enumerate(printed_pages(path), start=1)
        for problem in raw_values(page.prose) + numpy_reprs(page.code)
    ]
    assert not found, "\n".join(found)


def _solution_sentences(page: str) -> list[list[str]]:
    """The three longest sentences of each solution on the full edition's page that the
    student edition's page does not carry anywhere (three, because a sentence that runs over
    a page break can print with other text between its halves)."""
    full = BeautifulSoup((ROOT / "_build/html" / f"{page}.html").read_bytes(), "html.parser")
    student_page = ROOT / "_build/student/_build/html" / f"{page}.html"
    student = plain(BeautifulSoup(student_page.read_bytes(), "html.parser").get_text())
    sentences = []
    for solution in full.select(".solution"):
        for code in solution.select("pre, .math, .admonition-title, table, .cell_output"):
            # Prose only: code, formulas and a solution's printed output (tables) wrap and
            # read out in another order on paper.
            code.decompose()
        text = plain(solution.get_text())
        candidates = [s.strip() for s in text.split(". ") if s.strip() not in student]
        sentences.append([s[:120] for s in sorted(candidates, key=len, reverse=True)[:3]])
    return sentences


@pytest.mark.parametrize("page", notebook_pages())
def test_no_solution_in_a_student_pdf(pdf_dirs, page):
    sentences = _solution_sentences(page)
    assert sentences, f"{page}: no .solution block in the full edition"
    full = " ".join(page_texts(pdf_dirs["full"] / pdf_name(page)))
    student = " ".join(page_texts(pdf_dirs["student"] / pdf_name(page)))
    student_book = " ".join(page_texts(pdf_dirs["student"] / "book.pdf"))
    for longest in sentences:
        assert any(sentence in full for sentence in longest), longest
        for sentence in longest:
            assert sentence not in student and sentence not in student_book


def link_targets(path: Path) -> list[str]:
    """The address of every link annotation in a PDF."""
    targets = []
    for page in PdfReader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            action = action.get_object() if action else {}
            if "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_link_points_at_the_printing_server(pdf_dirs, edition):
    targets = [t for path in pdf_dirs[edition].glob("*.pdf") for t in link_targets(path)]
    assert any(t.startswith("https://") for t in targets)  # external links are kept
    assert [t for t in targets if "127.0.0.1" in t] == []


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("page", notebook_pages())
def test_site_links_each_chapter_pdf(pdf_dirs, edition, page):
    site = ROOT / ("_build/html" if edition == "full" else "_build/student/_build/html")
    soup = BeautifulSoup((site / f"{page}.html").read_bytes(), "html.parser")
    hrefs = [a["href"] for a in soup.select(".pdf-download a")]
    assert hrefs, f"{page}: no PDF link"
    for href in hrefs:
        target = site / urljoin(f"{page}.html", href)
        assert target.is_file(), f"{page}: {href} points at nothing"
    assert urljoin(f"{page}.html", hrefs[0]) == f"_pdf/{pdf_name(page)}"


def _tiny_site(tmp_path: Path, body: str) -> str:
    (tmp_path / "index.html").write_text(
        f"<!doctype html><html><body><h1>Tiny page</h1><p>{'Words on paper. ' * 30}</p>"
        f"{body}</body></html>",
        encoding="utf-8",
    )
    return "index"


def test_a_request_outside_the_local_server_stops_printing(tmp_path, browser):
    page = _tiny_site(tmp_path, '<img src="https://example.org/tracker.png" alt="">')
    server, base = serve_site(tmp_path)
    try:
        with pytest.raises(make_pdf.OutsideRequest, match=r"example\.org/tracker\.png"):
            make_pdf.print_page(browser, base, page, tmp_path / "out.pdf", "a4")
    finally:
        server.shutdown()


def test_letter_paper_on_request(tmp_path, browser):
    page = _tiny_site(tmp_path, "")
    server, base = serve_site(tmp_path)
    try:
        assert make_pdf.print_page(browser, base, page, tmp_path / "out.pdf", "letter") == (
            "Tiny page"
        )
    finally:
        server.shutdown()
    size = PdfReader(tmp_path / "out.pdf").pages[0].mediabox
    assert (float(size.width), float(size.height)) == pytest.approx(LETTER, abs=1)
