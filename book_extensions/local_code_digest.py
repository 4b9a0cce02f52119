"""Rebuild every page when an extension, a template or the code the extensions import changes.

Sphinx re-reads a page when its source, a noted dependency or a configuration value
marked "env" changes, but not when the code of a local extension does: pages built before
the change would keep the old behaviour. This adds such a configuration value, a digest of
`book_extensions/`, `_templates/`, `stormbook/` and `maintenance/` (which extensions import:
the review banner, and the evidence changelog), so Sphinx itself reports "config changed" and starts over.

It also has every page written on every build (only changed pages are re-read, so this
costs seconds): Sphinx builds the search index from the pages it writes, and after an
incremental build the index loses the index entries of the pages it did not write
(sphinx-doc/sphinx#12599). tests/test_incremental_build.py compares an incremental build
with a clean one, file by file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent
FOLDERS = ("book_extensions", "_templates", "stormbook", "maintenance")


def local_code_digest(book: Path = BOOK) -> str:
    digest = hashlib.sha256()
    for folder in FOLDERS:
        for path in sorted((book / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(
                    path.relative_to(book).as_posix().encode() + b"\0" + path.read_bytes()
                )
    return digest.hexdigest()


def _write_every_page(app, env) -> list[str]:
    return sorted(env.found_docs)


def setup(app):
    app.add_config_value("local_code_digest", local_code_digest(), "env")
    app.connect("env-updated", _write_every_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
