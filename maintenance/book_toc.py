"""The book's table of contents (`_toc.yml`), read in one place: its pages in reading order,
the pages of a part, its notebooks, and the student edition's table (the book without the
instructor part). The build, the student notebooks, the PDFs, the question bank and the
tests all use these."""

from __future__ import annotations

from pathlib import Path

import yaml

INSTRUCTOR_PART = "For instructors"
# Pages Sphinx writes that the table of contents does not list (checked like the others).
GENERATED_PAGES = ["genindex", "search"]


def read_toc(root: Path) -> dict:
    """The table of contents of the book at `root` (each tool passes its own copy's root:
    this module is installed once, and may be imported by another copy's tools)."""
    return yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))


def toc_pages(toc: dict) -> list[str]:
    """Every page the table lists, as paths without suffix ('chapters/00-...'): the root
    page first, then each part's chapters and their sections, in reading order."""
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


def parts(toc: dict) -> list[tuple[str, list[str]]]:
    """(caption, pages) of each part; the root page first, under an empty caption."""
    return [("", [toc["root"]])] + [
        (part["caption"], [entry["file"] for entry in part["chapters"]])
        for part in toc.get("parts", [])
    ]


def part_pages(toc: dict, caption: str) -> list[str]:
    """The pages of the part with this caption (none if there is no such part)."""
    return [page for name, pages in parts(toc) if name == caption for page in pages]


def student_toc(toc: dict) -> dict:
    """The table of contents without the instructor part (an error if it is missing, so a
    renamed part cannot silently leak into the student edition)."""
    kept = [part for part in toc.get("parts", []) if part.get("caption") != INSTRUCTOR_PART]
    if len(kept) == len(toc.get("parts", [])):
        raise SystemExit(f"_toc.yml has no part with caption {INSTRUCTOR_PART!r} to leave out")
    return {**toc, "parts": kept}


def toc_notebooks(toc: dict, root: Path) -> list[Path]:
    """The notebooks the table lists, in its order."""
    return [root / f"{page}.ipynb" for page in toc_pages(toc) if (root / f"{page}.ipynb").is_file()]
