"""Write the student notebooks: each chapter without its solutions and without outputs.

The student edition's launch buttons open these (its `path_to_book` is `student/`), so a
student who runs a chapter in Binder never has the worked solutions in the notebook. Binder
writes them when it builds the environment (`postBuild` runs this); locally:

    python tools/student_notebooks.py [--out FOLDER]

They are made from the chapters each time, never edited, and not kept in git. The book's
data are found by walking up from a notebook's folder (stormbook.paths), so `student/chapters/`
reads the same `data/` as `chapters/`.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

from build_book import ROOT, STUDENT_NOTEBOOKS

from book_extensions.teaching_outline import notebook_without_solutions
from maintenance.book_toc import read_toc, student_toc, toc_notebooks


def student_notebook(notebook: dict) -> dict:
    """The notebook without its solutions, its code cells unrun: a student runs them, and no
    output can carry a value a solution computed."""
    stripped = copy.deepcopy(notebook_without_solutions(notebook))
    for cell in stripped["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return stripped


def write_student_notebooks(root: Path = ROOT, out: Path | None = None) -> list[Path]:
    """Write every notebook of the student edition's table of contents under `out` (default
    `student/`), at its own relative path; return the files written."""
    out = out or root / STUDENT_NOTEBOOKS
    toc = student_toc(read_toc(root))
    written = []
    for source in toc_notebooks(toc, root):
        notebook = json.loads(source.read_text(encoding="utf-8"))
        target = out / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(student_notebook(notebook), indent=1, ensure_ascii=False) + "\n"
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder to write into (default: student/)")
    options = parser.parse_args(argv)
    for path in write_student_notebooks(out=options.out):
        print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
