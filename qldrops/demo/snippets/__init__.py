"""Code texts of the demo corpus, one module per language family.

Each module defines upper-case string constants; :mod:`qldrops.demo.catalog`
refers to them by name. They are plain strings (never imported as code), so
the planted security problems and the deliberately poor code inside them are
data for the analysers, not part of qldrops.
"""
