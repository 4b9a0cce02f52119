"""Fixes for known faults of the book theme, at the source rather than in the tests.

- sphinx-thebe registers its inline configuration script twice, so every page declared
  `const THEBE_JS_URL` twice and logged an error. A page now carries each script once.
- The theme's colour mode is empty unless set, which logs "invalid theme mode"; the book
  sets it in `_config.yml` (`html_context.default_mode`).
- The sidebar's title and search items sat outside any landmark region; the template
  override in `_templates/sections/sidebar-primary.html` puts them in one.
- A long URL in a bibliography entry (a link, or a web address in a note) made the page
  wider than a phone screen; links and bibliography entries now wrap anywhere (a small
  stylesheet written at build time).
- docutils marks each bibliography entry `role="doc-biblioentry"`, a role ARIA 1.3
  deprecates, inside a `role="list"` that then has no list items. Entries become
  `role="listitem"`.
"""

from __future__ import annotations

from pathlib import Path

# A long unbroken URL (a bibliography entry, a table cell) must wrap rather than make a
# phone-width page scroll sideways.
_CSS = ".bd-article a, .bd-article .citation { overflow-wrap: anywhere; }\n"


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # An inline script's filename is None or "" depending on who added it.
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # In place: the list is shared with the builder, and handlers that run later add the
    # page's own scripts to it.
    scripts[:] = unique


def _bibliography_entries_as_list_items(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def _add_stylesheet(app) -> None:
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "theme-fixes.css").write_text(_CSS, encoding="utf-8")
    app.add_css_file("theme-fixes.css")


def setup(app):
    app.connect("builder-inited", _add_stylesheet)
    app.connect("html-page-context", _bibliography_entries_as_list_items, priority=100)
    # Early: Sphinx stops calling html-page-context handlers once one returns a template.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
