"""The exceptions of aiq_nb: one small tree, so callers can catch ``AiqNbError``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

MAX_ROWS_SHOWN = 5


class AiqNbError(Exception):
    """Base class of every error aiq_nb raises on purpose."""


class DataError(AiqNbError):
    """Bad input: names the file, the column, how many rows and the first of them.

    Parameters
    ----------
    path
        The file (or folder) at fault.
    problem
        What is wrong, in a few words.
    column
        The column at fault, when there is one.
    rows
        The 1-based data rows at fault (the header is not a row), first ones first.
    count
        How many rows are at fault; defaults to ``len(rows)``.
    examples
        The offending values of those first rows, when they help.
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        column: str | None = None,
        rows: Sequence[int] = (),
        count: int | None = None,
        examples: Sequence[object] = (),
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.column = column
        self.rows = list(rows)
        self.count = len(self.rows) if count is None else count
        self.examples = list(examples)
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.path}"
        if self.column is not None:
            where += f", column '{self.column}'"
        message = f"{where}: {self.problem}"
        if self.count:
            shown = ", ".join(str(row) for row in self.rows[:MAX_ROWS_SHOWN])
            message += f" ({self.count} row{'s' if self.count != 1 else ''}; first: {shown}"
            if self.examples:
                values = ", ".join(repr(v) for v in self.examples[:MAX_ROWS_SHOWN])
                message += f"; values: {values}"
            message += ")"
        return message


class ParameterError(AiqNbError, ValueError):
    """A report parameter (view, mode, filter...) that cannot be understood."""


class PeriodError(ParameterError):
    """A report period or an ``as_of`` date that cannot be understood."""


class ReportError(AiqNbError):
    """A report run that failed; nothing was published under the final names."""


class WindowLockedError(AiqNbError):
    """An attempt to change a campaign's attribution window after its launch."""


class UnknownCampaignError(ParameterError):
    """A campaign id that the dataset does not hold."""


class ArchivedError(AiqNbError):
    """A per-campaign export asked for after its campaign was archived."""
