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
from aiq_nb.engine import materialize
from aiq_nb.load import Dataset
from aiq_nb.periods import Period

logger = logging.getLogger(__name__)

FAILED = "failed"
DELIVERED = "delivered"
OPEN_ENGAGEMENTS = (contract.OPENED, contract.CLICKED, contract.LANDING_PAGE_VIEWED)

CAMPAIGN_KEYS = ["campaign_id"]
PAIR_KEYS = ["campaign_id", "channel"]
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
# the figures only voice calls have
VOICE_METRICS = ("calls_answered", "calls_completed", "voicemails", "avg_call_duration_s")
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
    by_campaign, by_pair = compute_metric_tables(ds, scope)
    if list(by) == CAMPAIGN_KEYS:
        return by_campaign
    if list(by) == PAIR_KEYS:
        return by_pair
    raise ValueError(f"by must be {CAMPAIGN_KEYS} or {PAIR_KEYS}, not {list(by)!r}")


def compute_metric_tables(ds: Dataset, scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The metrics by campaign and by (campaign, channel), as ``compute_metrics`` has them.

    Both grains come from the same three engine queries (messages, events,
    conversions), each grouped by ``GROUPING SETS`` over the dataset's prepared
    tables (see :func:`report_messages` and :func:`report_events`).

    Returns
    -------
    by_campaign, by_pair : pandas.DataFrame
        Indexed by ``campaign_id``, and by ``campaign_id`` and ``channel``.
    """
    parts = [
        _message_counts(ds, scope),
        _event_counts(ds, scope),
        _conversion_counts(ds, scope),
    ]
    tables = []
    for keys in (CAMPAIGN_KEYS, PAIR_KEYS):
        grain = [part[tuple(keys)] for part in parts]
        counts = grain[0].join(grain[1], how="outer").join(grain[2], how="outer")
        counts = counts.fillna(0)
        counts["applicable_opens"] = _applicable_opens(ds, scope, keys, counts.index)
        tables.append(with_rates(_mark_not_applicable(counts)))
    return tables[0], tables[1]


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


def _message_counts(ds: Dataset, scope: Scope) -> dict[tuple[str, ...], pd.DataFrame]:
    messages = report_messages(ds).get_name()
    grains = run_grouped(
        ds,
        f"""
        SELECT campaign_id, channel, GROUPING(channel) AS rolled_up,
               count(*) AS sends,
               count_if(failed) AS failed_sends,
               count(DISTINCT contact_id) FILTER (WHERE delivered) AS delivered_contacts,
               count_if(trackable) AS delivered_trackable,
               sum(credits) AS credits_spent,
               sum(cost) AS cost
        FROM {messages}
        WHERE {scope_condition(scope, "sent_at")}
        GROUP BY GROUPING SETS ((campaign_id), (campaign_id, channel))
        """,
        scope_parameters(scope),
    )
    for frame in grains.values():
        frame["delivered"] = frame["sends"] - frame["failed_sends"]
    return grains


def _event_counts(ds: Dataset, scope: Scope) -> dict[tuple[str, ...], pd.DataFrame]:
    events = report_events(ds).get_name()
    return run_grouped(
        ds,
        f"""
        SELECT campaign_id, channel, GROUPING(channel) AS rolled_up,
               count(DISTINCT contact_id) FILTER (WHERE opened) AS opens,
               count_if(clicked) AS link_clicks,
               count(DISTINCT contact_id) FILTER (WHERE clicked) AS unique_clicks,
               count(DISTINCT contact_id) FILTER (WHERE unsubscribed) AS unsubscribers,
               count_if(answered) AS calls_answered,
               count_if(completed) AS calls_completed,
               count_if(voicemail) AS voicemails,
               sum(duration_s) FILTER (WHERE answered) AS answered_seconds,
               count(duration_s) FILTER (WHERE answered) AS answered_with_duration
        FROM {events}
        WHERE {scope_condition(scope, "occurred_at")}
        GROUP BY GROUPING SETS ((campaign_id), (campaign_id, channel))
        """,
        scope_parameters(scope),
    )


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


def _conversion_counts(ds: Dataset, scope: Scope) -> dict[tuple[str, ...], pd.DataFrame]:
    conversions = attributed_orders(ds, scope.mode).get_name()
    return run_grouped(
        ds,
        f"""
        SELECT campaign_id, channel, GROUPING(channel) AS rolled_up,
               count(*) AS conversions,
               sum(total) AS revenue,
               count(DISTINCT contact_id) AS converting_contacts
        FROM {conversions}
        WHERE {scope_condition(scope, "ordered_at")}
        GROUP BY GROUPING SETS ((campaign_id), (campaign_id, channel))
        """,
        scope_parameters(scope),
    )


def _applicable_opens(
    ds: Dataset, scope: Scope, keys: list[str], index: pd.Index
) -> pd.Series:
    """Whether each row can have opens: it has a message that is not a voice call.

    Every message of the campaign (and channel) counts, whatever the period.
    """
    pairs = trackable_messages(ds)
    pairs = pairs[pairs["campaign_id"].isin(scope.campaign_ids)]
    if scope.channels is not None:
        pairs = pairs[pairs["channel"].isin(scope.channels)]
    trackable = pairs.groupby(keys)["trackable"].sum()
    if len(keys) == 1:
        trackable.index = trackable.index.astype("string")
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


def run_grouped(
    ds: Dataset, sql: str, parameters: dict[str, object]
) -> dict[tuple[str, ...], pd.DataFrame]:
    """Run a query grouped by ``GROUPING SETS ((campaign_id), (campaign_id, channel))``.

    The query selects ``campaign_id``, ``channel``, ``rolled_up`` (``GROUPING(channel)``)
    and float-convertible figures. Returns the two grains keyed by their key names,
    each indexed by its keys with float64 columns, like ``_to_frame``.
    """
    frame = fetch(ds, sql, parameters)
    rolled_up = frame.pop("rolled_up").astype(bool)
    grains = {}
    for keys, rows in ((CAMPAIGN_KEYS, frame[rolled_up]), (PAIR_KEYS, frame[~rolled_up])):
        rows = rows.drop(columns=[c for c in PAIR_KEYS if c not in keys])
        for key in keys:
            rows[key] = rows[key].astype("string")
        grains[tuple(keys)] = rows.set_index(keys).astype("float64")
    return grains


def fetch(ds: Dataset, sql: str, parameters: dict[str, object]) -> pd.DataFrame:
    """Run SQL on the dataset's DuckDB connection, without Ibis, into pandas.

    Only for small grouped results of the prepared (materialised) tables: compiling
    an Ibis expression costs about 60 ms, which a filter change cannot afford.
    """
    used = {name: value for name, value in parameters.items() if f"${name}" in sql}
    return ds.con.con.execute(sql, used).arrow().read_all().to_pandas()


def scope_condition(scope: Scope, timestamp: str) -> str:
    """The SQL condition of a scope on a prepared table (parameters: ``scope_parameters``)."""
    condition = f"campaign_id IN (SELECT unnest($campaign_ids)) AND {timestamp} < $end"
    if scope.period.start is not None:
        condition += f" AND {timestamp} >= $start"
    if scope.channels is not None:
        condition += " AND channel IN (SELECT unnest($channels))"
    return condition


def scope_parameters(scope: Scope) -> dict[str, object]:
    """The named parameters of ``scope_condition``."""
    parameters: dict[str, object] = {
        "campaign_ids": list(scope.campaign_ids),
        "end": scope.period.end.to_pydatetime(),
    }
    if scope.period.start is not None:
        parameters["start"] = scope.period.start.to_pydatetime()
    if scope.channels is not None:
        parameters["channels"] = list(scope.channels)
    return parameters


def report_messages(ds: Dataset) -> ibis.Table:
    """The messages with the flags the metrics count, materialised once per dataset.

    Columns: ``campaign_id``, ``channel``, ``contact_id``, ``sent_at``, ``failed``,
    ``delivered``, ``trackable`` (delivered and not a voice call), ``credits`` and
    ``cost`` (message cost plus carrier fee; empty cells are 0).
    """
    key = ("prepared", "messages")
    if key not in ds.cache:
        messages = ds.table("messages")
        delivered = (messages.status == DELIVERED).fill_null(False)
        voice = messages.channel.isin(list(contract.CHANNELS_WITHOUT_OPENS))
        prepared = messages.select(
            "campaign_id",
            "channel",
            "contact_id",
            "sent_at",
            failed=(messages.status == FAILED).fill_null(False),
            delivered=delivered,
            trackable=(delivered & ~voice).fill_null(False),
            credits=messages.credits.fill_null(0),
            cost=messages.cost.fill_null(0) + messages.carrier_fee.fill_null(0),
        )
        ds.cache[key] = materialize(ds.con, "report_messages", prepared)
    return ds.cache[key]


def report_events(ds: Dataset) -> ibis.Table:
    """The engagement events joined to their messages, with flags, materialised once.

    Columns: ``campaign_id``, ``channel``, ``contact_id``, ``occurred_at``,
    ``duration_s`` and the flags ``opened``, ``clicked``, ``unsubscribed`` (never
    true for voice), ``answered``, ``completed`` and ``voicemail``.
    """
    key = ("prepared", "events")
    if key not in ds.cache:
        events = engagement_events(ds)
        voice = events.channel.isin(list(contract.CHANNELS_WITHOUT_OPENS))
        clicked = (events.event_type == contract.CLICKED) & ~voice
        prepared = events.select(
            "campaign_id",
            "channel",
            "contact_id",
            "occurred_at",
            "duration_s",
            opened=(is_open(events, ds) & ~voice).fill_null(False),
            clicked=clicked.fill_null(False),
            unsubscribed=(is_unsubscribe(events) & ~voice).fill_null(False),
            answered=(events.event_type == contract.CALL_ANSWERED).fill_null(False),
            completed=(events.event_type == contract.CALL_COMPLETED).fill_null(False),
            voicemail=(events.event_type == contract.VOICEMAIL).fill_null(False),
        )
        ds.cache[key] = materialize(ds.con, "report_events", prepared)
    return ds.cache[key]


def trackable_messages(ds: Dataset) -> pd.DataFrame:
    """Per (campaign, channel): its messages that are not voice calls, any period.

    Computed once per dataset; a report sums it over its campaigns and channels.
    """
    key = ("prepared", "trackable")
    if key not in ds.cache:
        messages = ds.table("messages")
        voice = messages.channel.isin(list(contract.CHANNELS_WITHOUT_OPENS))
        grouped = messages.group_by(PAIR_KEYS).aggregate(trackable=(~voice).sum())
        frame = grouped.to_pandas()
        for column in PAIR_KEYS:
            frame[column] = frame[column].astype("string")
        ds.cache[key] = frame.astype({"trackable": "float64"})
    return ds.cache[key]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, missing where the denominator is zero or missing."""
    numerator = numerator.astype("Float64")
    denominator = denominator.astype("Float64")
    ratio = numerator / denominator.mask(denominator == 0)
    return ratio.mask(~np.isfinite(ratio.astype("float64").fillna(np.nan)))
