"""Hint texts shown beside report rows, kept apart so every module can share them."""

from __future__ import annotations

NO_RECIPIENTS_HINT = "no recipients: check that personas are loaded into audiences"
