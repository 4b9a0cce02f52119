"""Fixes for known faults of the book theme, at the source rather than in the tests.

- sphinx-thebe registers its inline configuration script twice, so every page declared
  `const THEBE_JS_URL` twice and logged an error. A page now carries each script once.
- The theme's colour mode is empty unless set, which logs "invalid theme mode"; the book
  sets it in `_config.yml` (`html_context.default_mode`).
- The sidebar's title and search items sat outside any landmark region; the template
  override in `_templates/sections/sidebar-primary.html` puts them in one.
- docutils marks each bibliography entry `role="doc-biblioentry"`, a role ARIA 1.3
  deprecates, inside a `role="list"` that then has no list items. Entries become
  `role="listitem"`.
- Bibliography entries with long unbreakable strings (a label built from a corporate
  author, a DOI or URL) made the bibliography page scroll sideways on a phone; a small
  stylesheet (`theme_fixes.css`) lets them wrap.
- A link inside a sphinx-exercise box (the theme's link blue on the box's pale blue) had a
  contrast of 4.48:1, under the 4.5:1 axe requires; in the light theme it is now darker.
"""

from __future__ import annotations

from pathlib import Path

from static_assets import write_hashed

STYLESHEET = Path(__file__).with_name("theme_fixes.css")


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


def _write_stylesheet(app) -> None:
    """Copy the stylesheet into _static under a content-hashed name, and add it to every page."""
    app.add_css_file(
        write_hashed(app, "theme-fixes", STYLESHEET.read_text(encoding="utf-8"), "css")
    )


def setup(app):
    app.connect("builder-inited", _write_stylesheet)
    app.connect("html-page-context", _bibliography_entries_as_list_items, priority=100)
    # Early: Sphinx stops calling html-page-context handlers once one returns a template.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
