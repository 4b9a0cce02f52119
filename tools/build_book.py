"""Build the book strictly: every notebook executed, and any warning fails the build.

`jupyter-book build` alone exits 0 when a notebook cell raises, and prints Sphinx warnings
without failing. This runs it with -W -n --keep-going (warnings are errors, broken
cross-references are warnings, and every problem is reported before it stops), streams its
log, also fails on any WARNING or ERROR line the log contains, and says where the site is.

Usage: python tools/build_book.py [extra jupyter-book options, e.g. --builder dirhtml]
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback \(most recent call last\)")
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
# Sphinx saves what it has read even when the build fails; the next build would then find
# nothing out of date and pass without showing the problem again. A failed build drops it.
SAVED_ENVIRONMENT = ROOT / "_build" / ".doctrees" / "environment.pickle"


def main(extra: list[str]) -> int:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", *extra]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    problems = []
    for line in process.stdout:
        sys.stdout.write(line)
        if PROBLEM.search(ANSI_COLOUR.sub("", line)):
            problems.append(line.rstrip())
    status = process.wait()
    if status != 0 or problems:
        SAVED_ENVIRONMENT.unlink(missing_ok=True)
        print(f"\nBUILD FAILED (exit {status}; {len(problems)} problem line(s)):", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return status or 1
    site = ROOT / "_build" / "html"
    print(f"\nThe book is built: {site / 'index.html'}")
    print(f"To serve it: python -m http.server --directory {site.relative_to(ROOT)} 8000")
    print("then open http://localhost:8000")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
