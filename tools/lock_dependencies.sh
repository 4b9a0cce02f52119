#!/usr/bin/env bash
# Lock the dependencies pyproject.toml declares, for Python 3.11: requirements.txt (the book;
# Binder and `make book` install it) and requirements-test.txt (the book and the test extra;
# `make test` installs it). pip-compile keeps the versions already in each output file, so
# only what changed in pyproject.toml moves. Run by `make lock`.
set -euo pipefail
cd "$(dirname "$0")/.."
PIP_COMPILE=${1:-.venv/bin/pip-compile}
FLAGS=(--quiet --no-emit-index-url --no-emit-find-links --strip-extras)
PINS=_build/lock/book-pins.txt  # requirements.txt without the book's own package
mkdir -p "$(dirname "$PINS")"

grep -v '^-e ' requirements.txt > "$PINS"
cp "$PINS" requirements.txt
"$PIP_COMPILE" "${FLAGS[@]}" --output-file requirements.txt pyproject.toml
echo "-e ." >> requirements.txt  # the book's own package, from this folder

grep -v '^-e ' requirements.txt > "$PINS"
"$PIP_COMPILE" "${FLAGS[@]}" --extra test --constraint "$PINS" \
  --output-file requirements-test.txt pyproject.toml
