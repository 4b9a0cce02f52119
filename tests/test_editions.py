"""The two editions: the full book keeps the solutions and the instructor guide; the student
edition has neither, and keeps everything else (self-checks included).

The solution text is found in the notebooks by this test itself (not by the code that builds
the guide), so a new chapter's solutions are checked without anyone listing them.
"""

from __future__ import annotations

import json
import re
import sys
from html import unescape

import pytest
from conftest import ROOT, instructor_pages, notebook_pages, student_pages

pytestmark = pytest.mark.build

sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402

SOLUTION = re.compile(r"^(`{3,}|:{3,})\{solution\}[^\n]*\n(.*?)^\1\s*$", re.M | re.S)
PLAIN_WORDS = re.compile(r"[A-Za-z][A-Za-z ,;'-]{30,}[A-Za-z]")


def page_text(html: str) -> str:
    """The visible words of a page, with tags dropped and spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _markdown(page: str) -> str:
    notebook = json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))
    return "\n".join(
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"
    )


def distinctive_solution_phrases(page: str) -> list[str]:
    """For each solution in a chapter, its longest run of plain words (no markup) that
    appears nowhere else in the chapter's text: if it is on a page, the solution is."""
    markdown = _markdown(page)
    phrases = []
    for match in SOLUTION.finditer(markdown):
        body = re.sub(r"^```.*?^```", " ", match.group(2), flags=re.M | re.S)  # code
        outside = markdown.replace(match.group(0), " ")
        candidates = sorted(
            (
                " ".join(run.split())
                for line in body.splitlines()
                for run in PLAIN_WORDS.findall(line)
            ),
            key=len,
            reverse=True,
        )
        unique = [c for c in candidates if c not in " ".join(outside.split())]
        assert unique, f"{page}: no distinctive plain text in a solution: {match.group(2)[:200]}"
        phrases.append(unique[0])
    return phrases


SOLUTION_CASES = [
    (page, phrase) for page in notebook_pages() for phrase in distinctive_solution_phrases(page)
]


def test_every_chapter_with_solutions_is_checked():
    with_solutions = {page for page in notebook_pages() if "{solution}" in _markdown(page)}
    assert with_solutions and with_solutions == {page for page, _ in SOLUTION_CASES}


def test_student_edition_builds_with_no_warnings(student_build_result):
    log = student_build_result.stdout + student_build_result.stderr
    assert student_build_result.returncode == 0, log[-4000:]
    assert "build succeeded" in log and "BUILD FAILED" not in log


@pytest.mark.parametrize("page, phrase", SOLUTION_CASES, ids=lambda v: v[:40])
def test_solution_is_in_the_full_edition_only(built_site, student_site, page, phrase):
    full = page_text((built_site / f"{page}.html").read_text(encoding="utf-8"))
    student = page_text((student_site / f"{page}.html").read_text(encoding="utf-8"))
    assert phrase in full
    assert phrase not in student


def test_no_solution_text_anywhere_in_the_student_edition(student_site):
    """Not on any page, not in the search index, not in a downloadable notebook."""
    phrases = [phrase for _, phrase in SOLUTION_CASES]
    for path in student_site.rglob("*"):
        if path.suffix in {".html", ".js", ".txt", ".md", ".json", ".ipynb"} and path.is_file():
            text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
            text = page_text(text) if path.suffix == ".html" else text
            found = [phrase for phrase in phrases if phrase in text]
            assert not found, f"{path.relative_to(student_site)} contains solution text {found}"


def test_solution_blocks_only_in_the_full_edition(built_site, student_site):
    for page in notebook_pages():
        assert 'class="solution' in (built_site / f"{page}.html").read_text(encoding="utf-8")
        assert 'class="solution' not in (student_site / f"{page}.html").read_text(encoding="utf-8")


def test_instructor_guide_is_in_the_full_edition_only(built_site, student_site):
    assert instructor_pages(), "the table of contents has no instructor part"
    for page in instructor_pages():
        assert (built_site / f"{page}.html").is_file()
        assert not (student_site / f"{page}.html").exists()
    assert not (student_site / "instructors").exists()
    assert not list((student_site / "_sources").glob("instructors*"))
    for path in student_site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "instructors/" not in html, f"{path.relative_to(student_site)} links the guide"
        assert "For instructors" not in html
    assert "instructors/" not in (student_site / "searchindex.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", student_pages())
def test_student_edition_has_every_other_page(student_site, page):
    assert (student_site / f"{page}.html").is_file()


def test_self_checks_stay_in_the_student_edition(built_site, student_site):
    for page in notebook_pages():
        questions = _markdown(page).count("{self-check}")
        for site in (built_site, student_site):
            html = (site / f"{page}.html").read_text(encoding="utf-8")
            assert html.count('class="self-check"') == questions


def test_student_toc_refuses_a_book_without_the_instructor_part():
    toc = {"root": "index", "parts": [{"caption": "Chapters", "chapters": [{"file": "a"}]}]}
    with pytest.raises(SystemExit, match="For instructors"):
        build_book.student_toc(toc)


def test_student_toc_and_config():
    toc = {
        "root": "index",
        "parts": [
            {"caption": "Chapters", "chapters": [{"file": "a"}]},
            {"caption": "For instructors", "chapters": [{"file": "b"}]},
            {"caption": "Reference", "chapters": [{"file": "c"}]},
        ],
    }
    assert [p["caption"] for p in build_book.student_toc(toc)["parts"]] == ["Chapters", "Reference"]
    config = {
        "title": "t",
        "sphinx": {
            "config": {"x": 1, "hide_solutions": False},
            "local_extensions": {"ext": "_ext"},
        },
    }
    student = build_book.student_config(config, ROOT / "_build" / "student")
    assert student["sphinx"]["config"] == {"x": 1, "hide_solutions": True}
    assert student["sphinx"]["local_extensions"] == {"ext": "../../_ext"}
    assert config["sphinx"]["config"]["hide_solutions"] is False  # the original is untouched


@pytest.mark.parametrize("page", notebook_pages())
def test_student_download_is_the_notebook_without_its_solutions(built_site, student_site, page):
    full = json.loads((built_site / "_sources" / f"{page}.ipynb").read_text(encoding="utf-8"))
    student = json.loads((student_site / "_sources" / f"{page}.ipynb").read_text(encoding="utf-8"))
    assert len(student["cells"]) == len(full["cells"])
    student_text = json.dumps(student)
    assert "{solution}" in json.dumps(full) and "{solution}" not in student_text
    assert "{exercise}" in student_text and "{self-check}" in student_text
    for full_cell, student_cell in zip(full["cells"], student["cells"], strict=True):
        if full_cell["cell_type"] == "code":
            assert full_cell["source"] == student_cell["source"]
