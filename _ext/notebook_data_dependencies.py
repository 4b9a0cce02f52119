"""Re-execute notebooks when the data or shared code they use changes.

Sphinx re-reads a page only when its source file or a noted dependency changed, and
myst-nb executes a notebook only when it is re-read. A chapter's numbers come from
`data/` and from the `stormbook` package, so without this a changed CSV would leave the
old numbers on the site. Each notebook is noted as depending on every data file and
every module of the package: a change to any of them re-executes the notebooks.
"""

from __future__ import annotations

from pathlib import Path

WATCHED = ("data/*.csv", "data/*.json", "stormbook/*.py")


def _note_dependencies(app, docname, source) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    root = Path(app.srcdir)
    for pattern in WATCHED:
        for path in sorted(root.glob(pattern)):
            app.env.note_dependency(str(path))


def setup(app):
    app.connect("source-read", _note_dependencies)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
