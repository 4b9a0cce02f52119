"""Write a text asset into the built site's `_static/`, named by a hash of its content.

Shared by the book's local extensions: a changed asset gets a new name, so a browser never
uses a cached old copy, and an unchanged one is not rewritten.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def write_hashed(app, stem: str, text: str, suffix: str) -> str:
    """Write `text` as `_static/<stem>-<hash>.<suffix>`; return the name relative to `_static`."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    name = f"{stem}-{digest}.{suffix}"
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    target = static / name
    if not target.exists():
        target.write_text(text, encoding="utf-8")
    return name
