"""Rebuild every page when a local extension, a template or the `stormbook` package changes.

Sphinx re-reads a page when its source, a noted dependency or a configuration value
marked "env" changes, but not when the code of a local extension does: pages built before
the change would keep the old behaviour. This adds such a configuration value, a digest of
`_ext/`, `_templates/` and `stormbook/` (which extensions import: the review banner and the
evidence changelog), so Sphinx itself reports "config changed" and starts over.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent
FOLDERS = ("_ext", "_templates", "stormbook")


def local_code_digest(book: Path = BOOK) -> str:
    digest = hashlib.sha256()
    for folder in FOLDERS:
        for path in sorted((book / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(
                    path.relative_to(book).as_posix().encode() + b"\0" + path.read_bytes()
                )
    return digest.hexdigest()


def setup(app):
    app.add_config_value("local_code_digest", local_code_digest(), "env")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
