"""Where the book's files are, wherever the code runs from.

myst-nb, nbval, JupyterLab and Binder all run a notebook with its own folder as the
working directory, so paths are resolved from this package's location, not from the
current directory.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DATA_PACKAGE = DATA_DIR / "datapackage.json"
