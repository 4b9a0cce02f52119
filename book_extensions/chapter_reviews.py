"""Print each chapter's review record under its title, and fail the build without one.

Every page under `chapters/` states how far its evidence was searched, when it was last
reviewed and what changed then, read from the notebook's own metadata
(`stormbook.reviews`), never from the build date. The lines are part of the page body, so
they are printed too. A chapter whose record is missing or invalid logs an error naming
the chapter and the field, which fails the strict build (tools/build_book.py).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.util import logging

from book_extensions.static_assets import write_hashed
from stormbook.reviews import Review, ReviewError, read_review

logger = logging.getLogger(__name__)
CHAPTER_FOLDER = "chapters/"


def review_block(review: Review) -> nodes.container:
    """Two short lines: the dates, then what changed."""
    dates = nodes.paragraph()
    dates += nodes.strong(text="Evidence searched up to ")
    dates += nodes.Text(f"{review.searched_text}. ")
    dates += nodes.strong(text="Last reviewed ")
    dates += nodes.Text(f"{review.reviewed_text}.")
    changed = nodes.paragraph()
    changed += nodes.strong(text="New in this version: ")
    changed += nodes.Text(review.changes)
    block = nodes.container(classes=["chapter-review"])
    block += [dates, changed]
    return block


def _add_review(app, doctree) -> None:
    docname = app.env.docname
    if not docname.startswith(CHAPTER_FOLDER):
        return
    source = app.env.doc2path(docname)
    try:
        review = read_review(source)
    except ReviewError as error:
        logger.error(f"chapter review: {error}", location=docname)
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not isinstance(section[0], nodes.title):
        logger.error(
            f"chapter review: {docname} has no title to put the review under", location=docname
        )
        return
    section.insert(1, review_block(review))


def _write_stylesheet(app) -> None:
    css = Path(__file__).with_name("chapter_reviews.css").read_text(encoding="utf-8")
    app.add_css_file(write_hashed(app, "chapter-reviews", css, "css"))


def setup(app):
    app.connect("builder-inited", _write_stylesheet)
    app.connect("doctree-read", _add_review)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
