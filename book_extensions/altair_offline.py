"""Make the book's Altair charts work with no network.

Altair's HTML output loads vega, vega-lite and vega-embed from a CDN when the page opens;
offline, each chart is replaced by an error. Altair skips the CDN when the page already
defines `vegaEmbed` and `VEGA_DEBUG` names the versions it expects. This extension:

- writes the JavaScript bundle that vl-convert-python ships (vega, vega-lite and
  vega-embed in one file) into `_static/` once per build;
- on pages that contain an Altair chart, and only there, adds that bundle, a small
  script that sets `VEGA_DEBUG` from Altair's own version constants and gives the
  chart's action menu an accessible name, and a stylesheet that keeps charts and their
  controls inside the text column.

The bundle is about 900 kB, so the small script loads it only once the page has loaded: the
text and its stylesheets arrive and paint first, even on a slow link. Until it has run, the
small script's stand-in `vegaEmbed` keeps each chart's call, and the bundle hands them to
the real one as its last step.

Generating the bundle takes vl-convert a few seconds, so a separate process writes it
while Sphinx reads and writes the pages; the build waits for it at the end. Its name comes
from the versions that determine its content, so a rebuild finds it already written.

In JupyterLab or Binder the notebooks keep Altair's normal behaviour (the CDN).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import altair as alt
import vl_convert
from sphinx.errors import ExtensionError

from book_extensions.static_assets import write_hashed

# Altair writes this marker into every chart it renders as HTML.
CHART_MARKER = "vegaEmbed"


# Pin the bundle to the Vega-Lite version Altair's schema targets. The bundle declares
# top-level names (such as `_`) that clash with Sphinx's own scripts, so it runs in a
# function scope; it publishes `vegaEmbed`, `vega` and `vegaLite` on `window` itself, then
# draws the charts that called the stand-in (see altair_offline_page.js) before it arrived.
VL_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
WRAPPER = (
    "(function () {\n",
    "\n})();\nif (window.stormbookVegaReady) { window.stormbookVegaReady(window.vegaEmbed); }\n",
)


def _bundle_text() -> str:
    return WRAPPER[0] + vl_convert.javascript_bundle(vl_version=VL_VERSION) + WRAPPER[1]


def _bundle_name() -> str:
    """Named by what determines the bundle's content: vl-convert's version, the Vega-Lite
    version and the wrapper."""
    key = json.dumps([vl_convert.__version__, VL_VERSION, WRAPPER])
    return f"vega-bundle-{hashlib.sha256(key.encode()).hexdigest()[:12]}.js"


def _start_bundle(app) -> None:
    """Write the bundle in a process of its own, unless this name is already written."""
    target = Path(app.outdir) / "_static" / _bundle_name()
    app.altair_offline_bundle_process = None  # on the app: a process cannot be pickled
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        app.altair_offline_bundle_process = subprocess.Popen(
            [sys.executable, __file__, str(target)]
        )


def _finish_bundle(app, exception) -> None:
    process = getattr(app, "altair_offline_bundle_process", None)
    if process is not None and process.wait() != 0:
        raise ExtensionError(f"altair_offline: writing the Vega bundle failed ({process.args})")


def _setup_script() -> str:
    versions = {
        "vega_version": alt.VEGA_VERSION,
        "vegalite_version": alt.VEGALITE_VERSION,
        "vegaembed_version": alt.VEGAEMBED_VERSION,
    }
    return (
        f"window.VEGA_DEBUG = Object.assign(window.VEGA_DEBUG || {{}}, {json.dumps(versions)});\n"
        f"window.STORMBOOK_VEGA_BUNDLE = {json.dumps(_bundle_name())};\n"
        + (Path(__file__).with_name("altair_offline_page.js")).read_text(encoding="utf-8")
    )


def _write_static(app) -> None:
    """Start the bundle; write the setup script and the stylesheet, named by content hash."""
    css = Path(__file__).with_name("altair_offline.css").read_text(encoding="utf-8")
    _start_bundle(app)
    app.env.altair_offline_files = {
        "bundle": _bundle_name(),
        "setup": write_hashed(app, "vega-setup", _setup_script(), "js"),
        "style": write_hashed(app, "vega-style", css, "css"),
    }


def _add_scripts_to_chart_pages(app, pagename, templatename, context, doctree) -> None:
    if CHART_MARKER not in context.get("body", ""):
        return
    names = app.env.altair_offline_files
    # The setup script must run before the charts' own scripts; it loads the bundle itself
    # once the page has loaded, so the bundle never competes with the text for bandwidth.
    app.add_js_file(names["setup"], priority=400)
    app.add_css_file(names["style"])


def setup(app):
    app.connect("builder-inited", _write_static)
    app.connect("build-finished", _finish_bundle)
    app.connect("html-page-context", _add_scripts_to_chart_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    # Written under a temporary name first: a build stopped half-way leaves no partial bundle.
    target = Path(sys.argv[1])
    partial = target.with_suffix(".partial")
    partial.write_text(_bundle_text(), encoding="utf-8")
    partial.replace(target)
