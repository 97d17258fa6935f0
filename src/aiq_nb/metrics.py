"""Messages, events, attributed orders → campaign, channel and overview metrics.

Each figure is counted by its own timestamp: a send by ``sent_at``, an open or a click
by ``occurred_at``, a conversion by ``ordered_at``. The heavy counting runs in the
engine, grouped by campaign (or by campaign and channel); the small grouped tables come
back as pandas frames, where the rates are derived.

Unique counts (opens, unique clicks, unsubscribers, delivered and converting
contacts) are unique within a row over the whole period. Totals over several rows are
sums of the rows, and their rates are computed from those sums.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from aiq_nb import contract
from aiq_nb.attribution import Mode, attributed_orders
from aiq_nb.engagement import engagement_events
from aiq_nb.load import Dataset
from aiq_nb.periods import Period

logger = logging.getLogger(__name__)

FAILED = "failed"
DELIVERED = "delivered"
OPEN_ENGAGEMENTS = (contract.OPENED, contract.CLICKED, contract.LANDING_PAGE_VIEWED)

# counts that add up across rows; the order is the column order of the tables
SUMMABLE = (
    "sends",
    "failed_sends",
    "delivered",
    "opens",
    "link_clicks",
    "unique_clicks",
    "conversions",
    "revenue",
    "credits_spent",
    "cost",
    "unsubscribers",
    "calls_answered",
    "calls_completed",
    "voicemails",
    "delivered_contacts",
    "converting_contacts",
    "delivered_trackable",
    "answered_seconds",
    "answered_with_duration",
)
# the summable figures that are amounts, not counts of things
AMOUNTS = ("revenue", "credits_spent", "cost", "answered_seconds")
COUNTS = tuple(column for column in SUMMABLE if column not in AMOUNTS)
# counts that voice cannot have: missing (not applicable) where a row is voice only
NOT_FOR_VOICE = ("opens", "link_clicks", "unique_clicks", "unsubscribers")
METRIC_COLUMNS = (
    "sends",
    "failed_sends",
    "delivered",
    "opens",
    "open_rate",
    "link_clicks",
    "unique_clicks",
    "click_through_rate",
    "conversions",
    "revenue",
    "aov",
    "conversion_rate",
    "credits_spent",
    "cost",
    "revenue_per_msg",
    "roi",
    "cost_per_conversion",
    "unsubscribers",
    "unsubscribe_rate",
    "calls_answered",
    "calls_completed",
    "voicemails",
    "avg_call_duration_s",
)
# helper sums kept beside the metrics so that totals can be recomputed from rows
HELPER_COLUMNS = (
    "delivered_contacts",
    "converting_contacts",
    "delivered_trackable",
    "answered_seconds",
    "answered_with_duration",
)


@dataclass(frozen=True)
class Scope:
    """What the figures cover: a period, campaigns, channels and a mode."""

    period: Period
    campaign_ids: tuple[str, ...]
    channels: tuple[str, ...] | None
    mode: Mode


def compute_metrics(ds: Dataset, scope: Scope, *, by: Sequence[str]) -> pd.DataFrame:
    """Compute the metrics of every campaign (and channel) with activity in scope.

    Parameters
    ----------
    ds
        A loaded dataset.
    scope
        The period, campaigns, channels and attribution mode.
    by
        ``["campaign_id"]`` or ``["campaign_id", "channel"]``.

    Returns
    -------
    pandas.DataFrame
        One row per group with any send, event or conversion in scope: the counts of
        ``SUMMABLE``, the rates of ``METRIC_COLUMNS`` and ``applicable_opens``
        (False where the row's messages are all voice calls).
    """
    keys = list(by)
    parts = [
        _message_counts(ds, scope, keys),
        _event_counts(ds, scope, keys),
        _conversion_counts(ds, scope, keys),
    ]
    counts = parts[0].join(parts[1], how="outer").join(parts[2], how="outer")
    counts = counts.fillna(0)
    counts["applicable_opens"] = _applicable_opens(ds, scope, keys, counts.index)
    return with_rates(_mark_not_applicable(counts))


def with_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Derive the rates from the summable counts; a zero denominator gives NA.

    Parameters
    ----------
    counts
        Rows with the columns of ``SUMMABLE``.

    Returns
    -------
    pandas.DataFrame
        The same rows with every column of ``METRIC_COLUMNS``, in that order,
        followed by the helper columns.
    """
    rows = counts.copy()
    rows["open_rate"] = _ratio(rows["opens"], rows["delivered_trackable"])
    rows["click_through_rate"] = _ratio(rows["unique_clicks"], rows["delivered_trackable"])
    rows["unsubscribe_rate"] = _ratio(rows["unsubscribers"], rows["delivered_trackable"])
    rows["aov"] = _ratio(rows["revenue"], rows["conversions"])
    rows["conversion_rate"] = _ratio(rows["converting_contacts"], rows["delivered_contacts"])
    rows["revenue_per_msg"] = _ratio(rows["revenue"], rows["sends"])
    rows["roi"] = _ratio(rows["revenue"] - rows["cost"], rows["cost"])
    rows["cost_per_conversion"] = _ratio(rows["cost"], rows["conversions"])
    rows["avg_call_duration_s"] = _ratio(
        rows["answered_seconds"], rows["answered_with_duration"]
    )
    for column in COUNTS:
        rows[column] = rows[column].astype("Float64").round().astype("Int64")
    extra = [c for c in rows.columns if c not in METRIC_COLUMNS + HELPER_COLUMNS]
    return rows[list(METRIC_COLUMNS) + list(HELPER_COLUMNS) + extra]


def total_of(rows: pd.DataFrame) -> pd.DataFrame:
    """One row: the sums of the counts of ``rows`` and the rates of those sums.

    A count that is not applicable in every row (opens of voice-only rows) stays
    missing; otherwise missing counts add as zero.
    """
    sums = {
        column: rows[column].astype("Float64").sum(min_count=1)
        if column in NOT_FOR_VOICE
        else rows[column].fillna(0).sum()
        for column in SUMMABLE
    }
    total = pd.DataFrame([sums])
    for column in SUMMABLE:
        if column not in NOT_FOR_VOICE:
            total[column] = total[column].fillna(0)
    return with_rates(total)


def in_period(column: ibis.Value, period: Period) -> ibis.Value:
    inside = column < period.end
    if period.start is not None:
        inside &= column >= period.start
    return inside


def selected(table: ibis.Table, scope: Scope) -> ibis.Table:
    table = table.filter(table.campaign_id.isin(list(scope.campaign_ids)))
    if scope.channels is not None:
        table = table.filter(table.channel.isin(list(scope.channels)))
    return table


def _message_counts(ds: Dataset, scope: Scope, keys: list[str]) -> pd.DataFrame:
    messages = selected(ds.table("messages"), scope)
    messages = messages.filter(in_period(messages.sent_at, scope.period))
    delivered = messages.status == DELIVERED
    trackable = delivered & ~messages.channel.isin(list(contract.CHANNELS_WITHOUT_OPENS))
    grouped = messages.group_by(keys).aggregate(
        sends=messages.count(),
        failed_sends=(messages.status == FAILED).sum(),
        delivered_contacts=messages.contact_id.nunique(where=delivered),
        delivered_trackable=trackable.sum(),
        credits_spent=messages.credits.fill_null(0).sum(),
        cost=(messages.cost.fill_null(0) + messages.carrier_fee.fill_null(0)).sum(),
    )
    frame = _to_frame(grouped, keys)
    frame["delivered"] = frame["sends"] - frame["failed_sends"]
    return frame


def _event_counts(ds: Dataset, scope: Scope, keys: list[str]) -> pd.DataFrame:
    events = selected(engagement_events(ds), scope)
    events = events.filter(in_period(events.occurred_at, scope.period))
    voice = events.channel.isin(list(contract.CHANNELS_WITHOUT_OPENS))
    clicked = (events.event_type == contract.CLICKED) & ~voice
    answered = events.event_type == contract.CALL_ANSWERED
    grouped = events.group_by(keys).aggregate(
        opens=events.contact_id.nunique(where=is_open(events, ds) & ~voice),
        link_clicks=clicked.sum(),
        unique_clicks=events.contact_id.nunique(where=clicked),
        unsubscribers=events.contact_id.nunique(where=is_unsubscribe(events) & ~voice),
        calls_answered=answered.sum(),
        calls_completed=(events.event_type == contract.CALL_COMPLETED).sum(),
        voicemails=(events.event_type == contract.VOICEMAIL).sum(),
        answered_seconds=events.duration_s.sum(where=answered),
        answered_with_duration=events.duration_s.count(where=answered),
    )
    return _to_frame(grouped, keys)


def is_open(events: ibis.Table, ds: Dataset) -> ibis.Value:
    """An open: an open event, or a click or landing page view (clicked ⇒ opened).

    In a 10DLC-regulated account an SMS or MMS open is the inbox view only.
    """
    engaged = events.engagement.isin(list(OPEN_ENGAGEMENTS))
    if not ds.account.regulated_10dlc:
        return engaged
    gated = events.channel.isin(list(contract.INBOX_GATED_CHANNELS))
    return (gated & (events.event_type == contract.INBOX_VIEWED)) | (~gated & engaged)


def is_unsubscribe(events: ibis.Table) -> ibis.Value:
    """An unsubscribe; for wallet pass, a removed pass only (never a muted one)."""
    wallet = events.channel == contract.WALLET_PASS
    return (wallet & (events.event_type == contract.PASS_REMOVED)) | (
        ~wallet & (events.event_type == contract.UNSUBSCRIBED)
    )


def _conversion_counts(ds: Dataset, scope: Scope, keys: list[str]) -> pd.DataFrame:
    conversions = selected(attributed_orders(ds, scope.mode), scope)
    conversions = conversions.filter(in_period(conversions.ordered_at, scope.period))
    grouped = conversions.group_by(keys).aggregate(
        conversions=conversions.count(),
        revenue=conversions.total.sum(),
        converting_contacts=conversions.contact_id.nunique(),
    )
    return _to_frame(grouped, keys)


def _applicable_opens(
    ds: Dataset, scope: Scope, keys: list[str], index: pd.Index
) -> pd.Series:
    """Whether each row can have opens: it has a message that is not a voice call."""
    messages = selected(ds.table("messages"), scope)
    voice = messages.channel.isin(list(contract.CHANNELS_WITHOUT_OPENS))
    grouped = messages.group_by(keys).aggregate(trackable=(~voice).sum())
    trackable = _to_frame(grouped, keys)["trackable"]
    return (trackable.reindex(index).fillna(1) > 0).astype(bool)


def _mark_not_applicable(counts: pd.DataFrame) -> pd.DataFrame:
    rows = counts.copy()
    for column in NOT_FOR_VOICE:
        rows[column] = rows[column].astype("Float64").mask(~rows["applicable_opens"])
    return rows


def _to_frame(grouped: ibis.Table, keys: list[str]) -> pd.DataFrame:
    frame = grouped.to_pandas()
    for key in keys:
        frame[key] = frame[key].astype("string")
    return frame.set_index(keys).astype("float64")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, missing where the denominator is zero or missing."""
    numerator = numerator.astype("Float64")
    denominator = denominator.astype("Float64")
    ratio = numerator / denominator.mask(denominator == 0)
    return ratio.mask(~np.isfinite(ratio.astype("float64").fillna(np.nan)))
