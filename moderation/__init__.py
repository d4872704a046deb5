"""Comment moderation: extract reader comments, score them, apply editors' rules, review.

Importing this package loads no model, rule file or database: those load on first use.
"""

__version__ = "0.1.0"
