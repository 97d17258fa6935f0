"""Attributed orders in scope → Top Converted, engagement types, conversions over time.

All three views read the attribution of the report's mode, restricted to the report's
period (by ``ordered_at``), campaigns and channels, so that their revenue adds up to
the overview's.

- Top Converted: revenue, conversions and units by product, brand (products without a
  brand are "(no brand)") and location, sorted by revenue. Product and brand revenue is
  the sum of the attributed orders' line amounts; locations use order totals, so
  orders without items still count there.
- Top Conversions by Engagement Type: revenue, conversions and share of revenue per
  engagement type.
- Conversions over Time: revenue per local calendar day (account time zone) and
  engagement type, every day of the period present.
"""

from __future__ import annotations

import datetime as dt
import logging

import ibis
import ibis.expr.datatypes as dtypes
import pandas as pd

from aiq_nb.attribution import attributed_orders
from aiq_nb.engagement import ENGAGEMENT_TYPES
from aiq_nb.load import Dataset
from aiq_nb.metrics import Scope, in_period, selected

logger = logging.getLogger(__name__)

NO_BRAND = "(no brand)"
NO_LOCATION = "(no location)"
TOP_COLUMNS = ("revenue", "conversions", "units")
INSTANT = dtypes.Timestamp(timezone="UTC")
WALL_CLOCK = dtypes.Timestamp()


@ibis.udf.scalar.builtin(name="timezone", signature=((dtypes.string, INSTANT), WALL_CLOCK))
def _local_time(zone: str, instant: dt.datetime) -> dt.datetime:
    """DuckDB's ``timezone(zone, instant)``: the wall-clock time of an instant."""


def conversions_in_scope(ds: Dataset, scope: Scope) -> ibis.Table:
    """The attributed orders of the scope's mode, period, campaigns and channels."""
    conversions = selected(attributed_orders(ds, scope.mode), scope)
    return conversions.filter(in_period(conversions.ordered_at, scope.period))


def top_converted(ds: Dataset, scope: Scope, *, by: str) -> pd.DataFrame:
    """Revenue, conversions and units of attributed orders by product, brand or location.

    Parameters
    ----------
    ds
        A loaded dataset.
    scope
        Period, campaigns, channels and mode.
    by
        ``"product"``, ``"brand"`` or ``"location"``.

    Returns
    -------
    pandas.DataFrame
        One row per product, brand or location, indexed by it: ``revenue`` (line
        amounts; order totals for locations), ``conversions`` (attributed orders
        holding it), ``units`` (quantities; missing for locations). Sorted by
        revenue, largest first.
    """
    conversions = conversions_in_scope(ds, scope)
    if by == "location":
        grouped = conversions.group_by(
            location=conversions.location.fill_null(NO_LOCATION)
        ).aggregate(revenue=conversions.total.sum(), conversions=conversions.count())
        frame = grouped.to_pandas().assign(units=pd.NA)
    elif by in ("product", "brand"):
        frame = _by_item(ds, conversions, by)
    else:
        raise ValueError(f"by must be product, brand or location, not {by!r}")
    return _sorted(frame.set_index(by))


def _by_item(ds: Dataset, conversions: ibis.Table, by: str) -> pd.DataFrame:
    items = ds.table("order_items")
    lines = conversions.select("order_id").join(items, "order_id")
    key = lines[by].fill_null(NO_BRAND) if by == "brand" else lines[by]
    grouped = lines.group_by(**{by: key}).aggregate(
        revenue=lines.amount.sum(),
        conversions=lines.order_id.nunique(),
        units=lines.quantity.sum(),
    )
    return grouped.to_pandas()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame.index = frame.index.astype("string")
    frame = frame[list(TOP_COLUMNS)].astype(
        {"revenue": "float64", "conversions": "Int64", "units": "Float64"}
    )
    return frame.sort_values(["revenue", "conversions"], ascending=False, kind="stable")


def by_engagement(ds: Dataset, scope: Scope) -> pd.DataFrame:
    """Revenue and its share per engagement type of the conversions in scope.

    Returns
    -------
    pandas.DataFrame
        One row per engagement type (received, opened, call_answered, clicked,
        landing_page_viewed, in that order), indexed by ``engagement_type``:
        ``revenue``, ``conversions`` and ``share`` (of the period's attributed
        revenue; missing when that revenue is zero).
    """
    conversions = conversions_in_scope(ds, scope)
    grouped = conversions.group_by("engagement_type").aggregate(
        revenue=conversions.total.sum(), conversions=conversions.count()
    )
    frame = grouped.to_pandas().set_index("engagement_type")
    frame = frame.reindex(list(ENGAGEMENT_TYPES)).fillna(0)
    frame = frame.astype({"revenue": "float64", "conversions": "Int64"})
    total = frame["revenue"].sum()
    frame["share"] = frame["revenue"] / total if total > 0 else pd.NA
    frame["share"] = frame["share"].astype("Float64")
    return frame


def over_time(ds: Dataset, scope: Scope) -> pd.DataFrame:
    """Attributed revenue per local calendar day and engagement type.

    Days are calendar days of the account time zone, so a day of a daylight-saving
    change has 23 or 25 hours. Every day of the period is present, with zeros; for all
    time, the days run from the first conversion to the end of the period.

    Returns
    -------
    pandas.DataFrame
        One row per day (a ``date`` index), one column per engagement type, revenue
        in each cell.
    """
    conversions = conversions_in_scope(ds, scope)
    local = _local_time(ds.account.timezone, conversions.ordered_at)
    grouped = conversions.group_by(
        day=local.date(), engagement_type=conversions.engagement_type
    ).aggregate(revenue=conversions.total.sum())
    frame = grouped.to_pandas()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date

    table = frame.pivot_table(
        index="day", columns="engagement_type", values="revenue", aggfunc="sum"
    )
    days = pd.Index(_days(scope, frame), dtype=object)
    table = table.reindex(index=days, columns=list(ENGAGEMENT_TYPES)).fillna(0.0)
    table.index.name = "date"
    table.columns.name = "engagement_type"
    return table.astype("float64")


def _days(scope: Scope, frame: pd.DataFrame) -> list[dt.date]:
    last = scope.period.last_day
    first = scope.period.first_day
    if first is None:
        if frame.empty:
            return []
        first = min(frame["day"])
    count = (last - first).days + 1
    return [first + dt.timedelta(days=offset) for offset in range(count)]
