"""Report periods (SPEC §2): names, months, ranges → half-open spans of instants."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from aiq_nb import PeriodError, resolve_period

AS_OF = "2026-01-10"
LOS_ANGELES = "America/Los_Angeles"


def utc(text: str) -> pd.Timestamp:
    """An instant written in UTC, e.g. ``utc("2025-12-01 08:00")``."""
    return pd.Timestamp(text, tz="UTC")


def days(period: object, *, as_of: str = AS_OF, timezone: str = "UTC") -> tuple:
    """The first and last local day of a resolved period, as ISO text."""
    resolved = resolve_period(period, as_of=as_of, timezone=timezone)
    first = None if resolved.first_day is None else resolved.first_day.isoformat()
    return first, resolved.last_day.isoformat()


def bounds(period: object, *, as_of: str = AS_OF, timezone: str = "UTC") -> tuple:
    """The half-open span ``[start, end)`` of a resolved period, in UTC."""
    resolved = resolve_period(period, as_of=as_of, timezone=timezone)
    return resolved.start, resolved.end


def label(period: object, *, as_of: str = AS_OF) -> str:
    return resolve_period(period, as_of=as_of, timezone="UTC").label


# --- all time -------------------------------------------------------------------


@pytest.mark.parametrize("period", [None, "all_time", "all-time", "All Time", ""])
def test_all_time_runs_to_the_end_of_the_as_of_day(period: object) -> None:
    # all time has no start and ends at 00:00 after 10 Jan 2026
    assert days(period) == (None, "2026-01-10")
    assert bounds(period) == (None, utc("2026-01-11 00:00"))


def test_all_time_defaults_as_of_to_today_in_the_account_zone() -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    resolved = resolve_period(None, timezone="UTC")
    assert resolved.last_day == today


# --- months and custom ranges ----------------------------------------------------


def test_month_covers_its_calendar_days() -> None:
    assert days("2025-12") == ("2025-12-01", "2025-12-31")
    assert bounds("2025-12") == (utc("2025-12-01 00:00"), utc("2026-01-01 00:00"))


def test_february_of_a_leap_year_has_29_days() -> None:
    assert days("2024-02", as_of="2024-12-31") == ("2024-02-01", "2024-02-29")


def test_custom_range_includes_both_end_dates() -> None:
    # inclusive 1–15 Dec is internally [1 Dec 00:00, 16 Dec 00:00)
    period = ("2025-12-01", "2025-12-15")
    assert days(period) == ("2025-12-01", "2025-12-15")
    assert bounds(period) == (utc("2025-12-01 00:00"), utc("2025-12-16 00:00"))


def test_custom_range_of_one_day_is_that_whole_day() -> None:
    assert bounds(("2025-12-05", "2025-12-05")) == (
        utc("2025-12-05 00:00"),
        utc("2025-12-06 00:00"),
    )


def test_custom_range_accepts_dates_and_lists() -> None:
    as_dates = (dt.date(2025, 12, 1), dt.date(2025, 12, 15))
    assert days(as_dates) == ("2025-12-01", "2025-12-15")
    assert days(["2025-12-01", "2025-12-15"]) == ("2025-12-01", "2025-12-15")


# --- presets relative to as_of -----------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        # the 7 days ending on as_of: 4, 5, 6, 7, 8, 9, 10 January
        ("last_7_days", ("2026-01-04", "2026-01-10")),
        ("month_to_date", ("2026-01-01", "2026-01-10")),
        # the whole previous calendar month, across the year change
        ("last_month", ("2025-12-01", "2025-12-31")),
        # the day after 10 Oct (three months before 10 Jan) through as_of
        ("last_3_months", ("2025-10-11", "2026-01-10")),
        ("year_to_date", ("2026-01-01", "2026-01-10")),
    ],
)
def test_preset_is_relative_to_as_of(preset: str, expected: tuple) -> None:
    assert days(preset) == expected


@pytest.mark.parametrize(
    ("preset", "as_of", "expected"),
    [
        # 31 Mar 2025: the previous month is a 28-day February
        ("last_month", "2025-03-31", ("2025-02-01", "2025-02-28")),
        # three months before 31 Mar is 31 Dec; the day after is 1 Jan
        ("last_3_months", "2026-03-31", ("2026-01-01", "2026-03-31")),
        # the first of a month: month to date is that one day
        ("month_to_date", "2026-02-01", ("2026-02-01", "2026-02-01")),
        # last 7 days across a month change: 26 Feb – 4 Mar 2026
        ("last_7_days", "2026-03-04", ("2026-02-26", "2026-03-04")),
    ],
)
def test_preset_at_month_edges(preset: str, as_of: str, expected: tuple) -> None:
    assert days(preset, as_of=as_of) == expected


@pytest.mark.parametrize(
    ("name", "same_as"),
    [
        ("last-month", "last_month"),
        ("last-7-days", "last_7_days"),
        ("month-to-date", "month_to_date"),
        ("last-3-months", "last_3_months"),
        ("year-to-date", "year_to_date"),
        ("Last-Month", "last_month"),
    ],
)
def test_hyphenated_preset_names_are_the_same_preset(name: str, same_as: str) -> None:
    assert bounds(name) == bounds(same_as)


# --- half-open bounds in the account time zone -------------------------------------


def test_month_bounds_in_los_angeles_are_08_00_utc() -> None:
    # 1 Dec 00:00 PST (UTC-8) is 08:00Z; 1 Jan 00:00 PST is 08:00Z
    assert bounds("2025-12", timezone=LOS_ANGELES) == (
        utc("2025-12-01 08:00"),
        utc("2026-01-01 08:00"),
    )


def test_month_with_dst_end_in_los_angeles_is_one_hour_longer() -> None:
    # 1 Nov 00:00 is still PDT (UTC-7) = 07:00Z; DST ends 2 Nov;
    # 1 Dec 00:00 PST = 08:00Z
    start, end = bounds("2025-11", timezone=LOS_ANGELES)
    assert (start, end) == (utc("2025-11-01 07:00"), utc("2025-12-01 08:00"))
    assert end - start == pd.Timedelta(days=30, hours=1)


def test_month_with_dst_start_in_los_angeles_is_one_hour_shorter() -> None:
    # 1 Mar 2026 00:00 PST = 08:00Z; DST starts 8 Mar; 1 Apr 00:00 PDT = 07:00Z
    start, end = bounds("2026-03", as_of="2026-04-30", timezone=LOS_ANGELES)
    assert (start, end) == (utc("2026-03-01 08:00"), utc("2026-04-01 07:00"))
    assert end - start == pd.Timedelta(days=31, hours=-1)


def test_day_whose_midnight_is_skipped_starts_at_its_first_instant() -> None:
    # Santiago skips 7 Sep 2025 00:00–01:00 (UTC-4 → UTC-3): the day starts at
    # 01:00-03:00 = 04:00Z and ends at 8 Sep 00:00-03:00 = 03:00Z
    period = ("2025-09-07", "2025-09-07")
    assert bounds(period, timezone="America/Santiago") == (
        utc("2025-09-07 04:00"),
        utc("2025-09-08 03:00"),
    )


def test_day_whose_midnight_repeats_starts_at_the_first_one() -> None:
    # Havana falls back 2 Nov 2025 01:00 CDT → 00:00 CST: the day starts at the
    # first 00:00 (CDT, UTC-4 = 04:00Z) and ends at 3 Nov 00:00 CST = 05:00Z
    period = ("2025-11-02", "2025-11-02")
    assert bounds(period, timezone="America/Havana") == (
        utc("2025-11-02 04:00"),
        utc("2025-11-03 05:00"),
    )


def test_bounds_are_utc_instants() -> None:
    start, end = bounds("2025-12", timezone=LOS_ANGELES)
    assert str(start.tz) == "UTC" and str(end.tz) == "UTC"


# --- never past the end of the as_of day -------------------------------------------


def test_month_in_progress_ends_with_the_as_of_day() -> None:
    # January 2026 seen on 10 Jan: 1–10 Jan, ending 11 Jan 00:00 PST = 08:00Z
    assert days("2026-01") == ("2026-01-01", "2026-01-10")
    assert bounds("2026-01", timezone=LOS_ANGELES) == (
        utc("2026-01-01 08:00"),
        utc("2026-01-11 08:00"),
    )


def test_custom_range_past_as_of_is_cut_at_as_of() -> None:
    assert days(("2025-12-20", "2026-02-15")) == ("2025-12-20", "2026-01-10")


def test_period_wholly_after_as_of_is_an_error() -> None:
    with pytest.raises(PeriodError):
        resolve_period("2026-02", as_of=AS_OF, timezone="UTC")


# --- labels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2025-12", "2025-12"),
        ("last_month", "2025-12"),
        (("2025-12-01", "2025-12-15"), "2025-12-01_2025-12-15"),
        # a range given as dates keeps its dates, even when it is a whole month
        (("2025-12-01", "2025-12-31"), "2025-12-01_2025-12-31"),
        (None, "all-time_to_2026-01-10"),
        ("last_7_days", "2026-01-04_2026-01-10"),
        # a month cut at as_of is no longer a whole month
        ("2026-01", "2026-01-01_2026-01-10"),
    ],
)
def test_label_names_the_resolved_period(period: object, expected: str) -> None:
    assert label(period) == expected


# --- nonsense ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "period",
    [
        "2025-13",
        "2025-00",
        "December",
        "last_fortnight",
        "2025-12-01",
        ("2025-12-15", "2025-12-01"),
        ("2025-12-01",),
        ("2025-12-01", "2025-12-02", "2025-12-03"),
        ("soon", "later"),
        ("2025-02-30", "2025-03-01"),
        12,
    ],
)
def test_nonsense_period_is_a_period_error(period: object) -> None:
    with pytest.raises(PeriodError):
        resolve_period(period, as_of=AS_OF, timezone="UTC")


@pytest.mark.parametrize("as_of", ["tomorrow", "2026-13-01", "10/01/2026"])
def test_nonsense_as_of_is_a_period_error(as_of: str) -> None:
    with pytest.raises(PeriodError):
        resolve_period("last_month", as_of=as_of, timezone="UTC")
