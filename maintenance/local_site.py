"""The headless Chromium and the local server that print the book and drive its browser tests.

Debian's Chromium (Playwright cannot download its own browser in closed build environments),
with flags for a closed network, and a quiet threaded server for a built site on a free port
of 127.0.0.1. `tools/make_pdf.py`, the tests and the benchmark all use these.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import threading
from pathlib import Path

# A chart's container as Altair writes it. vega-embed marks it `.vega-embed` only once it
# draws, after the page has loaded, so waiting for charts starts from this.
CHART_SELECTOR = "[id^='altair-viz-']"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Flags for a closed network: no background calls home that the machine would refuse.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def serve_site(directory: Path, compress: bool = False):
    """Serve a built site on a free port of 127.0.0.1; return the server and its address.

    With `compress`, files go out gzip-compressed to a browser that accepts it, as a static
    host configured for it serves them (the benchmark measures both ways)."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the logs readable
            pass

        def send_head(self):
            path = Path(self.translate_path(self.path))
            if not (
                compress and path.is_file() and "gzip" in self.headers.get("Accept-Encoding", "")
            ):
                return super().send_head()
            body = gzip.compress(path.read_bytes(), compresslevel=6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)

    class Server(http.server.ThreadingHTTPServer):
        # The default listen backlog of 5 drops connections when Chromium opens many at
        # once on a busy machine; each dropped connection stalls a page for seconds.
        request_queue_size = 128

    handler = functools.partial(QuietHandler, directory=str(directory))
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"
