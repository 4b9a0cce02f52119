# Two commands on a fresh clone (Python 3.11): `make book` and `make test`.
# Each sets up what it needs first. See README.md.

PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: book student-book lab pdf question-bank assignments changes-since test test-fast test-binder lock clean help

help:
	@echo "make book   set up .venv and build the site into _build/html (every notebook executed)"
	@echo "make student-book  the same without solutions or the instructor guide, into _build/student/_build/html"
	@echo "make lab    open the chapters (and the Python primer) in JupyterLab from .venv, to run and change them locally"
	@echo "make pdf    build both editions, then print each chapter and the whole book to PDF in _build/pdf (PAPER=letter for US Letter)"
	@echo "make question-bank  build the book, then export its self-checks and data vignettes as Moodle XML and QTI 2.1 into _build/question-bank (instructors only)"
	@echo "make assignments  build the book, then each chapter's exercises as an Otter-Grader assignment: student notebooks (also copied into the built sites) and autograder zips in _build/assignments (instructors only)"
	@echo "make changes-since TAG=<commit>  what an instructor must re-check since a release: every changed number, solution value and answer key, with the changelog's reason"
	@echo "make test   set up .venv and the test tools (incl. headless Chromium), run every test"
	@echo "make test-binder  only the Binder check: a fresh environment from requirements.txt runs every chapter (needs the package index)"
	@echo "make test-fast  the quick tests while you work: data, unit, lint, notebooks (builds nothing)"
	@echo "make lock   after changing the dependencies in pyproject.toml: lock them again into requirements.txt and requirements-test.txt"
	@echo "make clean  remove the built site and caches (keeps .venv)"

# The virtual environment is rebuilt when the lock file or the packages declared change.
$(BIN)/.book-installed: requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: '$(PYTHON)' was not found. Install it, or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.test-installed: $(BIN)/.book-installed requirements-test.txt
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

# Each chapter's exercises link their student notebook, so the book writes those too (seconds).
book: $(BIN)/.book-installed
	$(BIN)/python tools/build_book.py
	$(BIN)/python tools/assignments.py build

# JupyterLab from the book's own environment, so the chapters find data/ and stormbook.
# It opens on chapters/; the Python primer is one folder up, in appendix/.
lab: $(BIN)/.book-installed
	$(BIN)/jupyter lab --ServerApp.default_url=/lab/tree/chapters

student-book: $(BIN)/.book-installed
	$(BIN)/python tools/build_book.py
	$(BIN)/python tools/assignments.py build --edition student

# Both editions are (re)built first so the PDFs never print an out-of-date page.
PAPER ?= a4
pdf: $(BIN)/.test-installed
	bash tools/install_browser.sh
	$(BIN)/python tools/build_book.py
	$(BIN)/python tools/build_book.py --edition student
	$(BIN)/python tools/make_pdf.py --paper $(PAPER)

# For instructors; neither is part of the published site.
question-bank: $(BIN)/.book-installed
	$(BIN)/python tools/build_book.py
	$(BIN)/python tools/question_bank.py

# Student notebooks with automatic feedback, and the autograders that mark them (Otter-Grader).
assignments: $(BIN)/.book-installed
	$(BIN)/python tools/build_book.py
	$(BIN)/python tools/assignments.py build

changes-since: $(BIN)/.book-installed
	@test -n "$(TAG)" || { echo "Name the older version: make changes-since TAG=<tag, branch or commit>"; exit 2; }
	$(BIN)/python tools/changes_since.py $(TAG)

# Every test: first all but the Binder check, then the Binder check, a tier of its own
# because it needs the package index (network) and a few minutes.
test: $(BIN)/.test-installed
	bash tools/install_browser.sh
	$(BIN)/python -m pytest -m "not binder"
	$(MAKE) --no-print-directory test-binder

test-binder: $(BIN)/.test-installed
	$(BIN)/python -m pytest -m binder

test-fast: $(BIN)/.test-installed
	$(BIN)/python -m pytest -m "not build and not browser and not binder"

# The dependencies are declared in pyproject.toml; the two lock files are made from them.
lock: $(BIN)/.book-installed
	$(BIN)/python -m pip install --quiet -e ".[lock]"
	bash tools/lock_dependencies.sh $(BIN)/pip-compile

clean:
	rm -rf _build .pytest_cache chapters/_figure-data
