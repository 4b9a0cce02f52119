"""The book's Sphinx extensions, and the notebook readers its tools share.

Installed with the book (`pip install -e .`), so Sphinx (`_config.yml`), the tools, the
tests and Binder import them by name: `book_extensions.teaching_outline`, ...
"""
