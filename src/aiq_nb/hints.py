"""Hint texts shown beside report rows, kept apart so every module can share them.

``report.py`` still defines its own ``NO_RECIPIENTS_HINT`` with the same text; a test
keeps the two equal until it imports this one instead.
"""

from __future__ import annotations

NO_RECIPIENTS_HINT = "no recipients: check that personas are loaded into audiences"
