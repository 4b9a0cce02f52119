"""Re-read exactly the pages whose executed outputs changed.

Sphinx re-reads a page only when its source or a noted dependency changed. The build's
first step (`tools/execute_notebooks.py`) re-executes a notebook when its code or a file it
read (a CSV, a `stormbook` module) changed, and then rewrites the notebook's record in
`_build/.notebook_dependencies/`. Each notebook is noted as depending on its record, so
Sphinx re-reads it, taking the new outputs from the cache; notebooks whose record did not
change are neither executed nor re-read.

Numbers glued in one notebook can be pasted in other pages (`{glue:text}` with
`other.ipynb::key`). Such a page is re-read whenever a notebook it pastes from is, so it
never shows an old value.
"""

from __future__ import annotations

from pathlib import Path

from myst_nb.ext.glue.utils import PendingGlueReference

RECORDS = Path("_build") / ".notebook_dependencies"


def _note_record(app, docname, source) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix == ".ipynb":
        record = Path(app.srcdir) / RECORDS / path.relative_to(app.srcdir).with_suffix(".json")
        app.env.note_dependency(str(record))


def _glue_sources(env) -> dict[str, set[str]]:
    if not hasattr(env, "glue_sources"):
        env.glue_sources = {}  # page -> the documents whose glue it pastes
    return env.glue_sources


def _remember_pasted_glue(app, doctree) -> None:
    sources = {node.refdoc for node in doctree.findall(PendingGlueReference)}
    sources.discard(app.env.docname)
    if sources:
        _glue_sources(app.env)[app.env.docname] = sources


def _forget(app, env, docname) -> None:
    _glue_sources(env).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    for docname in docnames:
        if docname in _glue_sources(other):
            _glue_sources(env)[docname] = _glue_sources(other)[docname]


def _pages_pasting_reread_glue(app, env, added, changed, removed) -> list[str]:
    reread = set(added) | set(changed)
    return [
        page
        for page, sources in _glue_sources(env).items()
        if page not in reread and sources & reread
    ]


def setup(app):
    app.connect("source-read", _note_record)
    app.connect("doctree-read", _remember_pasted_glue)
    app.connect("env-purge-doc", _forget)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _pages_pasting_reread_glue)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
