"""Maintainer tooling the chapters never import: diffing two versions of the data
(`data_changes`), the evidence changelog built from those diffs (`data_changelog`) and data
releases (`data_release`); the table of contents read in one place (`book_toc`); the
browser and local server that print the book and drive its browser tests (`local_site`).
The build, its extensions, `tools/`, the tests and the benchmark import it by name."""
