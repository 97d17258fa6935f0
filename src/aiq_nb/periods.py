"""Report periods: a period name, a month or a date range → a half-open span of instants.

Days and months are taken in the account's time zone. A period is the half-open span
``[start, end)`` of instants; a custom range of dates is inclusive of both dates, so
internally it runs from the first date's 00:00 to the 00:00 after the last date. Every
period, all time included, ends no later than the end of the ``as_of`` day.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from aiq_nb.errors import PeriodError

logger = logging.getLogger(__name__)

ALL_TIME = "all_time"
LAST_7_DAYS = "last_7_days"
MONTH_TO_DATE = "month_to_date"
LAST_MONTH = "last_month"
LAST_3_MONTHS = "last_3_months"
YEAR_TO_DATE = "year_to_date"
PRESETS = (ALL_TIME, LAST_7_DAYS, MONTH_TO_DATE, LAST_MONTH, LAST_3_MONTHS, YEAR_TO_DATE)
DAYS_IN_LAST_7_DAYS = 7
MONTHS_IN_LAST_3_MONTHS = 3
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")

PeriodSpec = str | Sequence[str | dt.date] | None


@dataclass(frozen=True)
class Period:
    """A resolved report period.

    Attributes
    ----------
    label
        The name of the period in paths and titles: ``2025-12``,
        ``2025-12-01_2025-12-31`` or ``all-time_to_2026-01-10``.
    first_day, last_day
        The local calendar days covered, inclusive; ``first_day`` is None for all time.
    start, end
        The half-open span of instants ``[start, end)`` in UTC; ``start`` is None for
        all time.
    timezone
        The account time zone the days were taken in.
    """

    label: str
    first_day: dt.date | None
    last_day: dt.date
    start: pd.Timestamp | None
    end: pd.Timestamp
    timezone: str

    @property
    def title(self) -> str:
        """The period as people read it, e.g. ``1 Dec 2025 – 31 Dec 2025``."""
        last = f"{self.last_day:%d %b %Y}".lstrip("0")
        if self.first_day is None:
            return f"All time to {last}"
        return f"{self.first_day:%d %b %Y}".lstrip("0") + f" – {last}"


def parse_date(value: str | dt.date, *, what: str = "date") -> dt.date:
    """Read a calendar date given as ``YYYY-MM-DD`` text or a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise PeriodError(f"{what} must be a date as YYYY-MM-DD, not {value!r}") from None


def resolve_period(
    period: PeriodSpec, *, as_of: str | dt.date | None = None, timezone: str
) -> Period:
    """Resolve a period given by name, month or date range.

    Parameters
    ----------
    period
        None or ``"all_time"`` (all time), a preset name (``last_7_days``,
        ``month_to_date``, ``last_month``, ``last_3_months``, ``year_to_date``; hyphens
        allowed), a month ``"YYYY-MM"``, or a pair of inclusive dates.
    as_of
        The day the presets are relative to, and the last day any period may reach;
        default today in the account time zone.
    timezone
        The account time zone.

    Returns
    -------
    Period
    """
    zone = ZoneInfo(timezone)
    today = dt.datetime.now(zone).date()
    anchor = today if as_of is None else parse_date(as_of, what="as_of")
    first_day, last_day = _days_of(period, anchor)
    last_day = min(last_day, anchor)
    if first_day is not None and first_day > last_day:
        raise PeriodError(f"the period {period!r} starts after its end {last_day}")
    return Period(
        label=_label(first_day, last_day, whole_month=isinstance(period, str)),
        first_day=first_day,
        last_day=last_day,
        start=None if first_day is None else local_midnight(first_day, timezone),
        end=local_midnight(last_day + dt.timedelta(days=1), timezone),
        timezone=timezone,
    )


def local_midnight(day: dt.date, timezone: str) -> pd.Timestamp:
    """The instant, in UTC, at which ``day`` starts in ``timezone``.

    That is 00:00, or the first instant of the day where a DST change skips
    midnight, or the first of two midnights where a DST change repeats it.
    """
    local = pd.Timestamp(day.isoformat()).tz_localize(
        timezone, nonexistent="shift_forward", ambiguous=True
    )
    return local.tz_convert("UTC")


def _days_of(period: PeriodSpec, anchor: dt.date) -> tuple[dt.date | None, dt.date]:
    """The first and last local day of a period, before clipping to ``as_of``."""
    if period is None:
        return None, anchor
    if isinstance(period, str):
        return _named_days(period.strip(), anchor)
    if isinstance(period, Sequence) and len(period) == 2:
        return parse_date(period[0], what="period start"), parse_date(
            period[1], what="period end"
        )
    raise PeriodError(f"cannot understand the period {period!r}")


def _named_days(name: str, anchor: dt.date) -> tuple[dt.date | None, dt.date]:
    month = MONTH_PATTERN.match(name)
    if month:
        return _month_days(int(month.group(1)), int(month.group(2)), name)
    preset = name.lower().replace("-", "_").replace(" ", "_")
    if preset in ("", ALL_TIME):
        return None, anchor
    if preset == LAST_7_DAYS:
        return anchor - dt.timedelta(days=DAYS_IN_LAST_7_DAYS - 1), anchor
    if preset == MONTH_TO_DATE:
        return anchor.replace(day=1), anchor
    if preset == LAST_MONTH:
        last = anchor.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    if preset == LAST_3_MONTHS:
        return _months_before(anchor, MONTHS_IN_LAST_3_MONTHS) + dt.timedelta(1), anchor
    if preset == YEAR_TO_DATE:
        return anchor.replace(month=1, day=1), anchor
    raise PeriodError(
        f"unknown period {name!r}: use a month YYYY-MM, two dates, or one of "
        + ", ".join(PRESETS)
    )


def _month_days(year: int, month: int, name: str) -> tuple[dt.date, dt.date]:
    try:
        first = dt.date(year, month, 1)
    except ValueError:
        raise PeriodError(f"{name!r} is not a month") from None
    following = _months_before(first, -1)
    return first, following - dt.timedelta(days=1)


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier, clipped to the month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    following = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last_day = (following - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(day.day, last_day))


def _label(first: dt.date | None, last: dt.date, *, whole_month: bool) -> str:
    """``all-time_to_<last>``, ``YYYY-MM`` or ``<first>_<last>``.

    A period named by text (a month or a preset) that covers one whole month is
    labelled by the month; a range given as two dates keeps its dates.
    """
    if first is None:
        return f"all-time_to_{last.isoformat()}"
    month_end = _months_before(first, -1) - dt.timedelta(days=1)
    if whole_month and first.day == 1 and last == month_end:
        return f"{first:%Y-%m}"
    return f"{first.isoformat()}_{last.isoformat()}"
