"""Execute the book's out-of-date notebooks in parallel into the cache the build reads.

The build (`execute_notebooks: cache`) takes each notebook's outputs from jupyter-cache.
jupyter-cache matches a notebook by its code alone, so a changed CSV or `stormbook` module
would leave old outputs there; this step decides what is out of date and runs it first.

A notebook is out of date when the cache holds no outputs for its code, or when a file it
read on its last run has changed. Which files it read is recorded as it runs, not guessed
from its code: an audit hook in the kernel notes every file opened under the book, and the
`stormbook` modules imported are taken from `sys.modules` at the end. The record is written
beside the cache (`_build/.notebook_dependencies/<notebook>.json`) only after a successful
run; `book_extensions/notebook_data_dependencies.py` makes Sphinx re-read a notebook (and every page
that pastes its glue) when its record changes.

Notebooks run in parallel, one kernel each, longest first. A failing cell fails this step
with its traceback, and nothing is cached for that notebook, so the next build fails too.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

CACHE = Path("_build") / ".jupyter_cache"
RECORDS = Path("_build") / ".notebook_dependencies"

# Run silently in the kernel before the first cell: note every file opened (the hook runs
# inside `open`, so it must not open anything itself).
RECORD_OPENS = """
import os as _os, sys as _sys
__book_opened__ = set()
def __book_note_open__(event, args, _opened=__book_opened__):
    if event == "open" and isinstance(args[0], (str, bytes, _os.PathLike)):
        _opened.add(_os.fsdecode(args[0]))
_sys.addaudithook(__book_note_open__)
"""
# Appended as a last cell (and removed before caching): print what was read.
REPORT_READS = """
import json as _json, os as _os, sys as _sys
print(_json.dumps({
    "opened": sorted(_os.path.realpath(p) for p in __book_opened__),
    "modules": sorted(m.__file__ for n, m in list(_sys.modules.items())
                      if n.split(".")[0] == "stormbook" and getattr(m, "__file__", None)),
}))
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_path(root: Path, notebook: Path) -> Path:
    return root / RECORDS / notebook.relative_to(root).with_suffix(".json")


def dependencies(root: Path, opened: list[str], modules: list[str]) -> dict[str, str]:
    """Files the run depended on (path relative to the book where inside it) -> digest.

    Files opened count when they lie in the book but outside its build and environment;
    `stormbook` modules count wherever they were imported from."""
    skipped = {"_build", ".venv", ".git"}
    files = {Path(p).resolve() for p in modules}
    for name in opened:
        path = Path(name)
        inside = path.is_relative_to(root) and path.relative_to(root).parts[0] not in skipped
        if inside and path.is_file() and "__pycache__" not in path.parts:
            files.add(path)
    return {
        (str(f.relative_to(root)) if f.is_relative_to(root) else str(f)): digest(f)
        for f in sorted(files)
    }


def is_current(root: Path, notebook: Path, cache) -> bool:
    """Cached outputs exist for this code and no file the last run read has changed."""
    try:
        cache.match_cache_notebook(nbformat.read(notebook, as_version=4))
        record = json.loads(record_path(root, notebook).read_text(encoding="utf-8"))
    except (KeyError, FileNotFoundError, json.JSONDecodeError):
        return False
    for name, known in record["files"].items():
        path = root / name
        if not path.is_file() or digest(path) != known:
            return False
    return True


def execute(notebook: Path, timeout: int) -> dict:
    """Run one notebook in its own folder (in a worker process).

    Returns its error message, or the executed notebook and the files it read."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(REPORT_READS))
    client = NotebookClient(
        nb,
        timeout=timeout,
        allow_errors=False,
        record_timing=False,  # timings in cell metadata would change the hash the cache matches
        resources={"metadata": {"path": str(notebook.parent)}},
    )

    async def record_opens(notebook):  # nbclient calls this once the kernel is ready
        reply = await client.async_wait_for_reply(client.kc.execute(RECORD_OPENS, silent=True))
        if reply["content"]["status"] != "ok":
            raise RuntimeError("could not install the hook that records the files opened")

    client.on_notebook_start = record_opens
    start = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as error:
        return {"error": str(error)}
    seconds = time.perf_counter() - start
    report = nb.cells.pop()
    reads = json.loads("".join(o.text for o in report.outputs if o.output_type == "stream"))
    return {"notebook": nbformat.writes(nb), "seconds": seconds, **reads}


def store(root: Path, notebook: Path, run: dict, cache) -> None:
    """Cache the outputs, then write the record Sphinx watches (after: a crash in between
    leaves the record old, so the next build runs the notebook again)."""
    executed = nbformat.reads(run["notebook"], as_version=4)
    cache.cache_notebook_bundle(
        CacheBundleIn(executed, str(notebook), data={"execution_seconds": run["seconds"]}),
        check_validity=False,
        overwrite=True,
    )
    files = dependencies(root, run["opened"], run["modules"])
    target = record_path(root, notebook)
    target.parent.mkdir(parents=True, exist_ok=True)
    record = {"files": files, "seconds": round(run["seconds"], 1)}
    target.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def last_seconds(root: Path, notebook: Path) -> float:
    try:
        return json.loads(record_path(root, notebook).read_text(encoding="utf-8"))["seconds"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return float("inf")  # never run: start it early


def execute_out_of_date(root: Path, notebooks: list[Path], timeout: int) -> list[str]:
    """Execute the out-of-date notebooks in parallel; return one message per failure."""
    cache = get_cache(str(root / CACHE))
    stale = [nb for nb in notebooks if not is_current(root, nb, cache)]
    stale.sort(key=lambda nb: last_seconds(root, nb), reverse=True)
    for notebook in notebooks:
        if notebook not in stale:
            print(f"outputs up to date: {notebook.relative_to(root)}")
    if not stale:
        return []
    failures = []
    workers = min(len(stale), os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        runs = {nb: pool.submit(execute, nb, timeout) for nb in stale}
        for notebook, future in runs.items():
            run, name = future.result(), notebook.relative_to(root)
            if "error" in run:
                failures.append(f"{name}: a cell failed:\n{run['error']}")
                continue
            store(root, notebook, run, cache)
            print(f"executed {name} in {run['seconds']:.1f} s")
    return failures
