"""Report tables → CSV files that spreadsheets open safely.

Files are UTF-8 with a byte-order mark, so Excel reads accents right. A text cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a
formula by a spreadsheet, so it is prefixed with ``'``; numbers stay numbers.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pandas as pd

logger = logging.getLogger(__name__)

CSV_ENCODING = "utf-8-sig"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
FILE_MODE = 0o644


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as formulas with ``'``."""
    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(
            safe[column]
        ):
            continue
        safe[column] = safe[column].map(_guard, na_action="ignore")
    return safe


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a safe CSV at ``path``, atomically; return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".csv.part")
    os.close(handle)
    try:
        neutralise_formulas(frame).to_csv(temporary, index=False, encoding=CSV_ENCODING)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    logger.info("wrote %s (%s rows)", target, len(frame))
    return target


def _guard(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return FORMULA_GUARD + value
    return value
