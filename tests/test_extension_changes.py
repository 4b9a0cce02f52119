"""A change to a local extension or template makes the next build start from scratch.

Sphinx tracks sources and configuration, not the code of local extensions, so without this
an edited extension would leave already-built pages as they were.
"""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402


def _book(tmp_path):
    (tmp_path / "_ext").mkdir()
    (tmp_path / "_templates").mkdir()
    (tmp_path / "_ext" / "style.py").write_text("A = 1\n", encoding="utf-8")
    (tmp_path / "_templates" / "page.html").write_text("<p>", encoding="utf-8")
    return tmp_path


def test_digest_changes_with_an_extension_or_a_template(tmp_path):
    book = _book(tmp_path)
    first = build_book.extensions_digest(book)
    assert build_book.extensions_digest(book) == first
    (book / "_ext" / "style.py").write_text("A = 2\n", encoding="utf-8")
    second = build_book.extensions_digest(book)
    assert second != first
    (book / "_templates" / "page.html").write_text("<div>", encoding="utf-8")
    assert build_book.extensions_digest(book) != second


def test_digest_ignores_python_caches(tmp_path):
    book = _book(tmp_path)
    before = build_book.extensions_digest(book)
    (book / "_ext" / "__pycache__").mkdir()
    (book / "_ext" / "__pycache__" / "style.cpython-311.pyc").write_bytes(b"\0")
    assert build_book.extensions_digest(book) == before


def test_saved_environment_is_dropped_only_when_the_digest_differs(tmp_path, monkeypatch):
    site = tmp_path / "_build" / "html"
    monkeypatch.setitem(build_book.SITES, "full", site)
    environment = build_book.saved_environment("full")
    environment.parent.mkdir(parents=True)

    environment.write_bytes(b"env")  # no record yet: start from scratch
    assert build_book.forget_environment_if_extensions_changed("full", "abc") is True
    assert not environment.exists()

    environment.write_bytes(b"env")
    build_book.digest_record("full").write_text("abc", encoding="utf-8")
    assert build_book.forget_environment_if_extensions_changed("full", "abc") is False
    assert environment.exists()
    assert build_book.forget_environment_if_extensions_changed("full", "def") is True
    assert not environment.exists()
