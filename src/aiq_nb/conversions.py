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
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dtypes
import pandas as pd

from aiq_nb.attribution import attributed_orders
from aiq_nb.engagement import ENGAGEMENT_TYPES
from aiq_nb.load import Dataset
from aiq_nb.engine import materialize
from aiq_nb.metrics import Scope, fetch, in_period, scope_condition, scope_parameters, selected

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
    return _engagement_table(grouped.to_pandas())


def _engagement_table(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.set_index("engagement_type")[["revenue", "conversions"]]
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
    return _day_table(scope, grouped.to_pandas())


def _day_table(scope: Scope, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
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


@dataclass(frozen=True)
class ConversionViews:
    """Every view of the conversions in scope that a report shows.

    Each table is the one the function of the same name returns; ``without_items``
    counts the attributed orders in scope that have no order item.
    """

    top_products: pd.DataFrame
    top_brands: pd.DataFrame
    top_locations: pd.DataFrame
    by_engagement: pd.DataFrame
    over_time: pd.DataFrame
    without_items: int


# GROUPING(location, engagement_type, day) of each grouping set of the views query
BY_LOCATION = 0b011
BY_ENGAGEMENT = 0b101
BY_DAY = 0b100
OVERALL = 0b111


def conversion_views(ds: Dataset, scope: Scope) -> ConversionViews:
    """Top Converted, engagement types, conversions over time in two engine queries.

    The same figures as :func:`top_converted`, :func:`by_engagement` and
    :func:`over_time`, grouped by ``GROUPING SETS`` over the attribution table and the
    dataset's prepared order items, without compiling an Ibis expression per view.
    """
    conversions = attributed_orders(ds, scope.mode).get_name()
    items = report_items(ds).get_name()
    parameters = scope_parameters(scope) | {
        "zone": ds.account.timezone,
        "no_location": NO_LOCATION,
        "no_brand": NO_BRAND,
    }
    in_scope = f"""
        SELECT * FROM {conversions} WHERE {scope_condition(scope, "ordered_at")}
    """
    views = fetch(
        ds,
        f"""
        WITH c AS (
            SELECT coalesce(location, $no_location) AS location,
                   engagement_type,
                   CAST(timezone($zone, ordered_at) AS DATE) AS day,
                   total,
                   EXISTS (SELECT 1 FROM {items} i WHERE i.order_id = s.order_id)
                       AS has_items
            FROM ({in_scope}) AS s
        )
        SELECT GROUPING(location, engagement_type, day) AS grain,
               location, engagement_type, day,
               CAST(sum(total) AS DOUBLE) AS revenue,
               count(*) AS conversions,
               count_if(NOT has_items) AS without_items
        FROM c
        GROUP BY GROUPING SETS ((location), (engagement_type), (day, engagement_type), ())
        """,
        parameters,
    )
    lines = fetch(
        ds,
        f"""
        WITH l AS (
            SELECT i.product, coalesce(i.brand, $no_brand) AS brand,
                   i.amount, i.quantity, i.order_id
            FROM ({in_scope}) AS s JOIN {items} i ON i.order_id = s.order_id
        )
        SELECT GROUPING(product) AS by_brand, product, brand,
               CAST(sum(amount) AS DOUBLE) AS revenue,
               count(DISTINCT order_id) AS conversions,
               CAST(sum(quantity) AS DOUBLE) AS units
        FROM l
        GROUP BY GROUPING SETS ((product), (brand))
        """,
        parameters,
    )

    by_brand = lines["by_brand"].astype(bool)
    grain = views["grain"]
    locations = views.loc[grain == BY_LOCATION, ["location", "revenue", "conversions"]]
    overall = views.loc[grain == OVERALL, "without_items"].dropna()
    return ConversionViews(
        top_products=_sorted(
            lines.loc[~by_brand, ["product", *TOP_COLUMNS]].set_index("product")
        ),
        top_brands=_sorted(lines.loc[by_brand, ["brand", *TOP_COLUMNS]].set_index("brand")),
        top_locations=_sorted(locations.assign(units=pd.NA).set_index("location")),
        by_engagement=_engagement_table(views[grain == BY_ENGAGEMENT]),
        over_time=_day_table(
            scope, views.loc[grain == BY_DAY, ["day", "engagement_type", "revenue"]]
        ),
        without_items=int(overall.iloc[0]) if len(overall) else 0,
    )


def report_items(ds: Dataset) -> ibis.Table:
    """The order items the conversion views join, materialised once per dataset."""
    key = ("prepared", "order_items")
    if key not in ds.cache:
        name = "report_items"
        items = ds.table("order_items").select(
            "order_id", "product", "brand", "quantity", "amount"
        )
        if ds.has("order_items"):
            ds.cache[key] = materialize(ds.con, name, items)
        else:
            columns = ", ".join(
                f"{column} {'DOUBLE' if column in ('quantity', 'amount') else 'VARCHAR'}"
                for column in items.columns
            )
            ds.con.raw_sql(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})").fetchall()
            ds.cache[key] = ds.con.table(name)
    return ds.cache[key]
