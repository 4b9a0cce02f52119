"""A change to a local extension, a template or `stormbook` makes the next build start over.

Sphinx tracks sources and configuration, not the code of local extensions; the book's
`local_code_digest` configuration value (from `book_extensions/local_code_digest.py`) is a digest of
that code, so a change to it is a configuration change Sphinx acts on.
"""

from __future__ import annotations

from book_extensions.local_code_digest import local_code_digest


def _book(tmp_path):
    (tmp_path / "book_extensions").mkdir()
    (tmp_path / "_templates").mkdir()
    (tmp_path / "stormbook").mkdir()
    (tmp_path / "stormbook" / "reviews.py").write_text("LABEL = 'New'\n", encoding="utf-8")
    (tmp_path / "maintenance").mkdir()
    (tmp_path / "maintenance" / "data_changelog.py").write_text("NEXT = 'x'\n", encoding="utf-8")
    (tmp_path / "book_extensions" / "style.py").write_text("A = 1\n", encoding="utf-8")
    (tmp_path / "_templates" / "page.html").write_text("<p>", encoding="utf-8")
    return tmp_path


def test_digest_changes_with_an_extension_or_a_template(tmp_path):
    book = _book(tmp_path)
    first = local_code_digest(book)
    assert local_code_digest(book) == first
    (book / "book_extensions" / "style.py").write_text("A = 2\n", encoding="utf-8")
    second = local_code_digest(book)
    assert second != first
    (book / "_templates" / "page.html").write_text("<div>", encoding="utf-8")
    assert local_code_digest(book) != second


def test_digest_changes_with_the_package_the_extensions_import(tmp_path):
    """The review banner and the evidence changelog are written by `stormbook` code: a change
    there must rebuild every chapter, not only the ones whose notebook changed (issue 26)."""
    book = _book(tmp_path)
    before = local_code_digest(book)
    (book / "stormbook" / "reviews.py").write_text("LABEL = 'Newer'\n", encoding="utf-8")
    assert local_code_digest(book) != before


def test_digest_changes_with_the_tooling_the_changelog_page_imports(tmp_path):
    """The "Evidence changelog" page is written by `maintenance.data_changelog`."""
    book = _book(tmp_path)
    before = local_code_digest(book)
    (book / "maintenance" / "data_changelog.py").write_text("NEXT = 'y'\n", encoding="utf-8")
    assert local_code_digest(book) != before


def test_digest_ignores_python_caches(tmp_path):
    book = _book(tmp_path)
    before = local_code_digest(book)
    (book / "book_extensions" / "__pycache__").mkdir()
    (book / "book_extensions" / "__pycache__" / "style.cpython-311.pyc").write_bytes(b"\0")
    assert local_code_digest(book) == before
