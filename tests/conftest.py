"""Shared fixtures: the project's paths, the built site, and a local server for it.

Tests that use the built site carry the `build` marker (collection stops otherwise), so
`-m "not build"` really builds nothing. Under pytest-xdist the book is still built once
per run: the first worker builds under a lock and the others reuse its result.
"""

from __future__ import annotations

import fcntl
import functools
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
import yaml

from maintenance import book_toc

# The browser and local server the book's printing uses (maintenance/local_site.py), shared here.
from maintenance.book_toc import GENERATED_PAGES  # noqa: F401
from maintenance.local_site import CHART_SELECTOR, CHROMIUM, CHROMIUM_ARGS, serve_site  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent

SITE = ROOT / "_build" / "html"


def toc_pages() -> list[str]:
    """Every page the table of contents lists, as paths without suffix ('chapters/00-...')."""
    return book_toc.toc_pages(book_toc.read_toc(ROOT))


def notebook_pages() -> list[str]:
    """The chapters: the notebook pages under chapters/. (The appendix's Python primer is a
    notebook too, but has no exercises, self-checks or PDF of its own: tests/test_primer.py.)"""
    return [
        page
        for page in toc_pages()
        if page.startswith("chapters/") and (ROOT / f"{page}.ipynb").exists()
    ]


def chart_pages() -> list[str]:
    """Pages that place a chart (a `{chart}`; checked against the built HTML too)."""
    return [
        page
        for page in notebook_pages()
        if "{chart}" in (ROOT / f"{page}.ipynb").read_text(encoding="utf-8")
    ]


def write_dataset(data: Path, name: str, schema: dict, csv_text: str | None) -> Path:
    """A dataset as the book keeps one: `data/<name>.csv` (unless `csv_text` is None) and
    `data/schemas/<name>.json` with its title, description and schema; a `datapackage.json`
    holding the package's name is written if there is none. Returns the descriptor's path."""
    (data / "schemas").mkdir(parents=True, exist_ok=True)
    described = {"title": f"The {name}", "description": f"Rows of {name}.", **schema}
    (data / "schemas" / f"{name}.json").write_text(json.dumps(described), encoding="utf-8")
    if csv_text is not None:
        (data / f"{name}.csv").write_text(csv_text, encoding="utf-8")
    package = data / "datapackage.json"
    if not package.exists():
        package.write_text(json.dumps({"name": "fixture"}), encoding="utf-8")
    return package


def trim_book(book: Path, chapters: list[str]) -> Path:
    """Give a copy of the book a table of contents with only these chapters, and the pages
    every chapter links to: the Python primer and the reference pages. Build tests use it
    to test a mechanism without executing every chapter. The chapters left out stay as
    stand-ins a kept chapter can link to: a notebook with the chapter's title and review
    record and no code. The primer links to every chapter's exercises, so the copy's primer
    is a page with its title only."""
    primer = book / "appendix" / "python-primer"
    primer.with_suffix(".ipynb").unlink(missing_ok=True)
    primer.with_suffix(".md").write_text("# A Python primer for the exercises\n", "utf-8")
    left_out = [page for page in notebook_pages() if page not in chapters]
    for page in left_out:
        _stand_in(book / f"{page}.ipynb")
    reference = ["about", "glossary", "bibliography", "evidence-changelog", "cite"]
    toc = {
        "format": "jb-book",
        "root": "index",
        "parts": [
            {"caption": "Chapters", "numbered": True, "chapters": [{"file": c} for c in chapters]},
            {"caption": "Left out", "chapters": [{"file": page} for page in left_out]},
            {"caption": "Appendix", "chapters": [{"file": "appendix/python-primer"}]},
            {"caption": "Reference", "chapters": [{"file": name} for name in reference]},
        ],
    }
    if not left_out:
        toc["parts"].pop(1)
    (book / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    return book


def _stand_in(notebook: Path) -> None:
    """Replace a chapter notebook with its title and metadata (the review record) only."""
    chapter = nbformat.read(notebook, as_version=4)
    title = next(line for line in chapter.cells[0].source.splitlines() if line.startswith("# "))
    stand_in = nbformat.v4.new_notebook(metadata=chapter.metadata)
    stand_in.cells = [nbformat.v4.new_markdown_cell(title)]
    nbformat.write(stand_in, notebook)


STUDENT_SITE = ROOT / "_build" / "student" / "_build" / "html"


def instructor_pages() -> list[str]:
    """The pages of the instructor part of the table of contents."""
    return book_toc.part_pages(book_toc.read_toc(ROOT), book_toc.INSTRUCTOR_PART)


def student_pages() -> list[str]:
    """Every page of the student edition: the book without the instructor part."""
    return [page for page in toc_pages() if page not in instructor_pages()]


# Fixtures that build the book or serve it: a test using one must carry the `build` marker.
BUILD_FIXTURES = {
    "build_result",
    "student_build_result",
    "built_site",
    "student_site",
    "site_url",
    "student_site_url",
    "book_copy",
}
_RUN_ID = pytest.StashKey[str]()
_CURRENT_TEST = pytest.StashKey[pytest.Item]()


def pytest_configure(config):
    # xdist gives its workers one id per run; a run without xdist makes its own.
    workerinput = getattr(config, "workerinput", None)
    config.stash[_RUN_ID] = workerinput["testrunuid"] if workerinput else uuid.uuid4().hex
    if workerinput is None and (ROOT / "stormbook").is_dir():  # once, by the controller
        _check_stormbook_is_this_checkout()


def _check_stormbook_is_this_checkout() -> None:
    # nbval's kernels import stormbook from the environment, not from the working
    # directory: refuse to test another checkout's code under this one's name.
    from stormbook.paths import WrongCheckoutError, check_installed_from

    try:
        check_installed_from(ROOT)
    except WrongCheckoutError as error:
        raise pytest.UsageError(str(error)) from None


def _require_build_marker(item, fixtures: str) -> None:
    if item.get_closest_marker("build") is None:
        raise pytest.UsageError(
            f"{item.nodeid} uses the built book (fixtures: {fixtures}) but has no `build` "
            "marker, so `-m 'not build'` would still build the book: mark it"
        )


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = sorted(BUILD_FIXTURES & set(getattr(item, "fixturenames", ())))
        if used:
            _require_build_marker(item, ", ".join(used))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # Remembered so a fixture asked for at run time (request.getfixturevalue) is checked too.
    item.config.stash[_CURRENT_TEST] = item
    return (yield)


@functools.cache
def _lock_file() -> Path:
    (ROOT / "_build").mkdir(exist_ok=True)
    return ROOT / "_build" / ".tests.lock"


def _locked(function):
    """Run `function` holding the worktree's build lock (xdist workers take turns)."""

    @functools.wraps(function)
    def locked(*args, **kwargs):
        with _lock_file().open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return function(*args, **kwargs)

    return locked


@_locked
def _build_once(config, *options: str) -> subprocess.CompletedProcess:
    """Build with the script `make book` runs, once per test run (saved for other workers)."""
    _require_build_marker(config.stash[_CURRENT_TEST], f"build_book.py {' '.join(options)}")
    saved = ROOT / "_build" / f".tests-build{''.join(options)}.json"
    run_id = config.stash[_RUN_ID]
    if saved.is_file():
        result = json.loads(saved.read_text(encoding="utf-8"))
        if result.pop("run") == run_id:
            return subprocess.CompletedProcess(**result)
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py"), *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    fields = {key: getattr(result, key) for key in ("args", "returncode", "stdout", "stderr")}
    saved.write_text(json.dumps({"run": run_id, **fields}), encoding="utf-8")
    return result


def _require(result, site: Path, edition: str) -> Path:
    if result.returncode != 0:
        pytest.fail(
            f"the {edition} edition did not build; its log ends with:\n"
            + (result.stdout + result.stderr)[-4000:]
        )
    return site


@pytest.fixture(scope="session")
def build_result(pytestconfig):
    """Build the book once per test run with the same script `make book` runs."""
    return _build_once(pytestconfig)


@pytest.fixture(scope="session")
def student_build_result(pytestconfig):
    """Build the student edition once per test run, as `make student-book` does."""
    return _build_once(pytestconfig, "--edition", "student")


# What a copy of the book leaves out; the notebooks' executed outputs are copied in (below).
_NOT_COPIED = ("_build", ".venv", ".git", ".pytest_cache", "__pycache__", "*.egg-info")
_EXECUTED_OUTPUTS = (Path("_build") / ".jupyter_cache", Path("_build") / ".notebook_dependencies")


@_locked
def _copy_book(destination: Path) -> Path:
    shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    for folder in _EXECUTED_OUTPUTS:
        shutil.copytree(ROOT / folder, destination / folder)
    return destination


@pytest.fixture
def book_copy(built_site, tmp_path) -> Path:
    """A copy of the book with the outputs the session build executed, so a build of the
    copy executes only the notebooks a test changes (the build decides, as for any book)."""
    return _copy_book(tmp_path / "book")


@pytest.fixture(scope="session")
def built_site(build_result) -> Path:
    return _require(build_result, SITE, "full")


@pytest.fixture(scope="session")
def student_site(student_build_result) -> Path:
    return _require(student_build_result, STUDENT_SITE, "student")


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    """Serve the built site on a free port of 127.0.0.1 for the session."""
    server, url = serve_site(built_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def student_site_url(student_site) -> str:
    server, url = serve_site(student_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per worker. Playwright's synchronous API allows one instance per
    thread, so every test that drives a browser takes this one rather than starting its own."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, or set CHROMIUM=/path")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
