"""Segments (smart groups): a JSON rule tree (spec/scoring.md) parsed, validated and compiled to one query.

`rules.py` parses a tree into typed nodes and collects every error with the path of its node; `compiler.py`
turns parsed nodes into one Django `Q` (Exists / IN subqueries, no query of its own); `selectors.py`
checks references against the database and previews a tree within a user's visibility.
"""
