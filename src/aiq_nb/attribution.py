"""Messages, events, orders → one row per attributed order (last touch).

A delivered message opens a touch whose attribution window is the campaign's
``attribution_window_days`` (or the account default), half-open and measured in
elapsed time: ``[sent_at, sent_at + window)``. Every completed order of the same
contact inside a window has that message as a candidate.

- broad: every candidate counts; the latest delivery wins;
- strict: a candidate also needs a qualifying engagement (the campaign's
  ``conversion_engagements``) at or before the purchase; the latest such engagement
  wins.

Ties go to the later delivery, then to the larger ``message_id`` compared as text.
Each order goes to at most one message, so at most one campaign. The engagement type
of a conversion is the deepest engagement with the winning message at or before the
purchase. Everything is an Ibis expression, run on the dataset's engine.
"""

from __future__ import annotations

import logging
from typing import Literal

import ibis
import pandas as pd

from aiq_nb import contract
from aiq_nb.engine import materialize
from aiq_nb.engagement import engagement_events, engagement_label
from aiq_nb.load import Dataset

logger = logging.getLogger(__name__)

Mode = Literal["broad", "strict"]
MODES: tuple[Mode, ...] = ("broad", "strict")
SECONDS_PER_DAY = 86_400
COMPLETED = "completed"
ATTRIBUTION_COLUMNS = (
    "order_id",
    "campaign_id",
    "message_id",
    "contact_id",
    "channel",
    "step_id",
    "sent_at",
    "touch_at",
    "ordered_at",
    "total",
    "location",
    "engagement_type",
)


def attribute(ds: Dataset, mode: Mode = "broad") -> pd.DataFrame:
    """Attribute every order of the dataset to at most one message, by last touch.

    Parameters
    ----------
    ds
        A loaded dataset.
    mode
        ``"broad"`` (default) or ``"strict"``.

    Returns
    -------
    pandas.DataFrame
        One row per attributed order: ``order_id``, ``campaign_id``, ``message_id``,
        ``contact_id``, ``channel``, ``step_id``, ``sent_at`` (delivery),
        ``touch_at`` (the delivery in broad mode, the last qualifying engagement in
        strict mode), ``ordered_at``, ``total``, ``location`` and
        ``engagement_type`` (received, opened, call_answered, clicked,
        landing_page_viewed). Sorted by ``order_id``.
    """
    return attributed_orders(ds, mode).order_by("order_id").to_pandas()


def attributed_orders(ds: Dataset, mode: Mode) -> ibis.Table:
    """The attribution of ``mode`` as an engine table, computed once per dataset."""
    check_mode(mode)
    key = ("attribution", mode)
    if key not in ds.cache:
        expression = _attribution_expression(ds, mode)
        ds.cache[key] = materialize(ds.con, f"attribution_{mode}", expression)
        logger.info("attributed orders in %s mode", mode)
    return ds.cache[key]


def attribution_expression(
    ds: Dataset, mode: Mode, *, window_days: float | None = None
) -> ibis.Table:
    """The attribution of ``mode`` as an uncached engine expression.

    Parameters
    ----------
    ds
        A loaded dataset.
    mode
        ``"broad"`` or ``"strict"``.
    window_days
        When given, every campaign's window is taken to be this many days instead of
        its own (a what-if); the official attribution is never cached from here.

    Returns
    -------
    ibis.Table
        The columns of ``ATTRIBUTION_COLUMNS``, one row per attributed order.
    """
    check_mode(mode)
    return _attribution_expression(ds, mode, window_days=window_days)


def check_mode(mode: str) -> None:
    """Refuse an attribution mode other than broad or strict."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'broad' or 'strict', not {mode!r}")


def touches(ds: Dataset, *, window_days: float | None = None) -> ibis.Table:
    """Delivered messages with their window: one row per touch.

    Parameters
    ----------
    ds
        A loaded dataset.
    window_days
        Default None: each campaign's own window (or the account default). A number
        overrides every campaign's window (what-if analyses only).

    Returns
    -------
    ibis.Table
        The message columns plus ``window_days``, ``window_end`` and
        ``engagements`` (the campaign's qualifying engagement types, ``;``-joined).
    """
    campaigns = ds.table("campaigns")
    default_engagements = contract.LIST_SEPARATOR.join(
        contract.DEFAULT_CONVERSION_ENGAGEMENTS
    )
    official = campaigns.attribution_window_days.fill_null(
        ds.account.default_attribution_window_days
    )
    settings = campaigns.select(
        "campaign_id",
        window_days=official
        if window_days is None
        else ibis.literal(float(window_days), type="float64"),
        engagements=_engagement_list(campaigns.conversion_engagements).fill_null(
            default_engagements
        ),
    )
    messages = ds.table("messages")
    delivered = messages.filter(messages.status == "delivered").join(
        settings, "campaign_id"
    )
    window = (delivered.window_days * SECONDS_PER_DAY).round().cast("int64")
    return delivered.mutate(window_end=delivered.sent_at + window.as_interval("s"))


def _engagement_list(cell: ibis.StringValue) -> ibis.StringValue:
    """A ``;``-separated list of engagement types, written like the event types.

    Items are lower-cased and trimmed, inner spaces and hyphens become ``_``, so
    ``"Clicked; landing page viewed"`` reads ``"clicked;landing_page_viewed"``.
    """
    sep = contract.LIST_SEPARATOR
    items = cell.lower().strip().re_replace(rf"\s*{sep}\s*", sep)
    return items.re_replace(r"[\s-]+", "_")


def completed_orders(ds: Dataset) -> ibis.Table:
    """Orders that can convert: clean ones whose status is completed (or empty)."""
    orders = ds.table("orders")
    return orders.filter(orders.status.fill_null(COMPLETED) == COMPLETED)


def _attribution_expression(
    ds: Dataset, mode: Mode, *, window_days: float | None = None
) -> ibis.Table:
    candidates = _candidates(ds, window_days=window_days)
    if mode == "strict":
        candidates = _with_qualifying_engagement(ds, candidates)
    else:
        candidates = candidates.mutate(touch_at=candidates.sent_at)

    latest = ibis.window(
        group_by=candidates.order_id,
        order_by=[
            ibis.desc(candidates.touch_at),
            ibis.desc(candidates.sent_at),
            ibis.desc(candidates.message_id),
        ],
    )
    ranked = candidates.mutate(rank=ibis.row_number().over(latest))
    winners = ranked.filter(ranked.rank == 0).drop("rank")
    return _with_engagement_type(ds, winners)


def _candidates(ds: Dataset, *, window_days: float | None = None) -> ibis.Table:
    """Every (order, touch) pair whose window holds the order."""
    orders = completed_orders(ds).select(
        "order_id", "location", "ordered_at", "total", order_contact="contact_id"
    )
    touch = touches(ds, window_days=window_days).select(
        "message_id", "campaign_id", "contact_id", "channel", "step_id",
        "sent_at", "window_end", "engagements",
    )
    joined = orders.join(
        touch,
        [
            orders.order_contact == touch.contact_id,
            touch.sent_at <= orders.ordered_at,
            orders.ordered_at < touch.window_end,
        ],
    )
    return joined.drop("order_contact")


def _with_qualifying_engagement(ds: Dataset, candidates: ibis.Table) -> ibis.Table:
    """Keep candidates engaged with at or before the purchase; touch = last such."""
    events = engagement_events(ds)
    events = events.filter(events.engagement.notnull()).select(
        event_message="message_id", occurred_at="occurred_at", engagement="engagement"
    )
    sep = contract.LIST_SEPARATOR
    joined = candidates.join(
        events,
        [
            candidates.message_id == events.event_message,
            events.occurred_at <= candidates.ordered_at,
        ],
    )
    qualifying = joined.filter(
        (sep + joined.engagements + sep).contains(sep + joined.engagement + sep)
    )
    keys = [c for c in candidates.columns]
    return qualifying.group_by(keys).aggregate(touch_at=qualifying.occurred_at.max())


def _with_engagement_type(ds: Dataset, winners: ibis.Table) -> ibis.Table:
    """Add the deepest engagement with the winning message before the purchase."""
    events = engagement_events(ds)
    events = events.filter(events.level.notnull()).select(
        event_message="message_id", occurred_at="occurred_at", level="level"
    )
    joined = winners.left_join(
        events,
        [
            winners.message_id == events.event_message,
            events.occurred_at <= winners.ordered_at,
        ],
    )
    keys = [c for c in winners.columns if c != "engagements"]
    deepest = joined.group_by(keys).aggregate(level=joined.level.max())
    return deepest.mutate(
        engagement_type=engagement_label(deepest.level, deepest.channel)
    ).select(*ATTRIBUTION_COLUMNS)
