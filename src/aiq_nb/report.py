"""A dataset, a period, a view and filters → the tables of one report.

``build_report`` is the one entry point the notebooks, the command line and users
call. It resolves the period, selects the campaigns, attributes once per mode (kept on
the dataset) and returns a :class:`Report` of small pandas tables.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from aiq_nb import contract
from aiq_nb.attribution import Mode, check_mode, touches
from aiq_nb.conversions import conversion_views
from aiq_nb.errors import ParameterError
from aiq_nb.exports import write_csv
from aiq_nb.flows import FLOW_KIND, compute_flows
from aiq_nb.hints import NO_RECIPIENTS_HINT
from aiq_nb.filters import FilterValue, Selection, make_selection, select_campaigns
from aiq_nb.load import Dataset
from aiq_nb.metrics import (
    METRIC_COLUMNS,
    NOT_FOR_VOICE,
    VOICE_METRICS,
    Scope,
    compute_metric_tables,
    total_of,
)
from aiq_nb.periods import (
    Period,
    PeriodSpec,
    local_midnight,
    parse_date,
    resolve_period,
)

logger = logging.getLogger(__name__)

UNLISTED_ACTIVITY = "(activity of campaigns not listed)"
CSV_DECIMALS = 6
CAMPAIGN_COLUMNS = (
    "name",
    "kind",
    "status",
    "tags",
    "channels",
    "attribution_window_days",
    "provisional",
    "provisional_until",
)
ATTRIBUTED_WITHOUT_ITEMS = "attributed order without items (counted by location only)"


@dataclass
class Report:
    """The tables of one report: overview, campaigns, channels, data quality.

    Attributes
    ----------
    period
        The resolved period.
    as_of
        The day the period is relative to.
    mode
        ``"broad"`` or ``"strict"``.
    selection
        The view and filters.
    overview
        One row: the metrics of every listed campaign plus unlisted activity, summed,
        with rates computed from the sums.
    campaigns
        One row per listed campaign (a send or an attributed conversion in the
        period), indexed by ``campaign_id``: its settings, ``provisional`` and
        ``provisional_until``, and the metrics.
    hints
        One row per campaign in view that has no message at all, indexed by
        ``campaign_id``: its ``name`` and the ``hint`` to check that personas are
        loaded into audiences.
    unlisted_activity
        At most one row: opens, clicks and unsubscribes in the period of campaigns
        that are not listed, so that the rows add up to the overview.
    channels
        One row per channel, indexed by ``channel``.
    top_products, top_brands, top_locations
        Top Converted: revenue, conversions and units, sorted by revenue.
    by_engagement
        Revenue, conversions and share per engagement type.
    over_time
        Revenue per local day (rows) and engagement type (columns).
    flows, flow_steps
        Flow analytics of the flows in view: one row per flow with activity, one row
        per step of those flows in step order.
    data_quality
        One row per reason input rows were left out, with the count.
    currency
        The account currency.
    fingerprint
        The dataset's fingerprint, for provenance.
    """

    period: Period
    as_of: dt.date
    mode: str
    selection: Selection
    overview: pd.DataFrame
    campaigns: pd.DataFrame
    unlisted_activity: pd.DataFrame
    channels: pd.DataFrame
    top_products: pd.DataFrame
    top_brands: pd.DataFrame
    top_locations: pd.DataFrame
    by_engagement: pd.DataFrame
    over_time: pd.DataFrame
    flows: pd.DataFrame
    flow_steps: pd.DataFrame
    data_quality: pd.DataFrame
    hints: pd.DataFrame
    currency: str
    fingerprint: str
    parameters: dict[str, object] = field(default_factory=dict)

    def to_csv(self, path: str | Path) -> Path:
        """Write the campaign table of exactly this view, filters and period.

        The unlisted activity, when there is any, is the last line. The file is
        UTF-8 with a byte-order mark; text cells that a spreadsheet would run as a
        formula are neutralised.
        """
        rows = self.campaigns.reset_index()
        if not self.unlisted_activity.empty:
            rows = pd.concat([rows, self.unlisted_activity.reset_index()])
        numbers = rows.select_dtypes(include="number").columns
        rows[numbers] = rows[numbers].round(CSV_DECIMALS)
        rows.insert(0, "period", self.period.label)
        rows.insert(1, "mode", self.mode)
        return write_csv(rows, path)


def build_report(
    ds: Dataset,
    period: PeriodSpec = None,
    *,
    as_of: str | dt.date | None = None,
    view: str = "all",
    mode: Mode = "broad",
    campaigns: FilterValue = None,
    channels: FilterValue = None,
    tags: FilterValue = None,
    status: FilterValue = None,
) -> Report:
    """Compute the report of a period, view, mode and filters.

    Parameters
    ----------
    ds
        A loaded dataset.
    period
        None (all time, the default), a preset name, a month ``"YYYY-MM"`` or a pair
        of inclusive dates.
    as_of
        The day the presets are relative to; default today in the account zone.
    view
        ``"all"`` (default), ``"campaigns"`` or ``"flows"``.
    mode
        ``"broad"`` (default) or ``"strict"``.
    campaigns, channels, tags, status
        Filters, each one value or a list; they combine with AND.

    Returns
    -------
    Report
    """
    check_mode(mode)
    resolved = resolve_period(period, as_of=as_of, timezone=ds.account.timezone)
    selection = make_selection(
        view=view, campaigns=campaigns, channels=channels, tags=tags, status=status
    )
    settings = _campaign_settings(ds)
    chosen = select_campaigns(settings, selection)
    _refuse_unmatched_campaigns(settings, selection)
    scope = Scope(
        period=resolved,
        campaign_ids=tuple(chosen["campaign_id"]),
        channels=selection.channels,
        mode=mode,
    )

    anchor = parse_date(as_of, what="as_of") if as_of is not None else resolved.last_day
    by_campaign, by_pair = compute_metric_tables(ds, scope)
    listed = (by_campaign["sends"] > 0) | (by_campaign["conversions"] > 0)
    known_at = local_midnight(anchor + dt.timedelta(days=1), ds.account.timezone)
    campaign_rows = _campaign_table(ds, chosen, by_campaign[listed], known_at)
    unlisted = _unlisted_activity(by_campaign[~listed])
    overview = total_of(by_campaign)
    flow_ids = chosen.loc[chosen["kind"] == FLOW_KIND, "campaign_id"]
    flows, flow_steps = compute_flows(ds, resolved, list(flow_ids))
    channel_rows = _channel_table(by_pair)
    views = conversion_views(ds, scope)
    logger.info(
        "report %s (%s, %s): %s campaigns listed",
        resolved.label, mode, selection.view, len(campaign_rows),
    )
    return Report(
        period=resolved,
        as_of=anchor,
        mode=mode,
        selection=selection,
        overview=overview[list(METRIC_COLUMNS)],
        campaigns=campaign_rows,
        unlisted_activity=unlisted,
        channels=channel_rows,
        top_products=views.top_products,
        top_brands=views.top_brands,
        top_locations=views.top_locations,
        by_engagement=views.by_engagement,
        over_time=views.over_time,
        flows=flows,
        flow_steps=flow_steps,
        data_quality=_data_quality(ds, views.without_items),
        hints=_hints(ds, chosen),
        currency=ds.account.currency,
        fingerprint=ds.fingerprint,
        parameters={
            "period": period,
            "as_of": str(as_of) if as_of is not None else None,
            "view": selection.view,
            "mode": mode,
            "campaigns": selection.campaigns,
            "channels": selection.channels,
            "tags": selection.tags,
            "status": selection.status,
        },
    )


def _campaign_settings(ds: Dataset) -> pd.DataFrame:
    """The campaigns table as pandas, read once per dataset (a copy each time)."""
    key = ("prepared", "campaign_settings")
    if key not in ds.cache:
        ds.cache[key] = ds.table("campaigns").to_pandas()
    return ds.cache[key].copy()


def _campaigns_with_messages(ds: Dataset) -> frozenset[str]:
    """The ids of the campaigns with at least one message, found once per dataset."""
    key = ("prepared", "campaigns_with_messages")
    if key not in ds.cache:
        messages = ds.table("messages")
        ids = messages.select("campaign_id").distinct().to_pandas()["campaign_id"]
        ds.cache[key] = frozenset(ids)
    return ds.cache[key]


def _hints(ds: Dataset, chosen: pd.DataFrame) -> pd.DataFrame:
    """Campaigns in view without any message: their audience was probably empty."""
    with_messages = _campaigns_with_messages(ds)
    silent = chosen[~chosen["campaign_id"].isin(with_messages)]
    hints = pd.DataFrame(
        {"name": silent["name"].to_numpy(), "hint": NO_RECIPIENTS_HINT},
        index=pd.Index(silent["campaign_id"].astype("string"), name="campaign_id"),
    )
    return hints.astype({"name": "string", "hint": "string"})


def _data_quality(ds: Dataset, without_items: int) -> pd.DataFrame:
    """The dataset's quarantine counts plus what this report could not use fully.

    ``without_items`` is the number of attributed orders in scope that have no
    order item.
    """
    rows = [ds.data_quality]
    if without_items and ds.has("order_items"):
        rows.append(
            pd.DataFrame(
                [{"table": "orders", "file": "orders", "reason": ATTRIBUTED_WITHOUT_ITEMS,
                  "rows": without_items}]
            )
        )
    return pd.concat(rows, ignore_index=True).astype({"rows": "int64"})


def _refuse_unmatched_campaigns(settings: pd.DataFrame, selection: Selection) -> None:
    """A campaign filter value that names no campaign is a mistake, not an empty report."""
    if selection.campaigns is None:
        return
    ids = set(settings["campaign_id"])
    names = set(settings["name"].dropna().str.strip().str.lower())
    unknown = [v for v in selection.campaigns if v not in ids and v.lower() not in names]
    if unknown:
        raise ParameterError(f"no campaign has the name or id {', '.join(map(repr, unknown))}")


def _campaign_table(
    ds: Dataset, chosen: pd.DataFrame, metrics: pd.DataFrame, known_at: pd.Timestamp
) -> pd.DataFrame:
    """Join the listed campaigns' settings, maturity and hint to their metrics.

    A campaign's numbers are provisional while the window of its last delivery is
    still open at ``known_at`` (the end of the ``as_of`` day).
    """
    settings = chosen.set_index("campaign_id")
    settings.index = settings.index.astype("string")
    maturity = _maturity(ds).copy()
    table = settings.join(maturity, how="left").reindex(metrics.index)
    table["attribution_window_days"] = table["attribution_window_days"].fillna(
        ds.account.default_attribution_window_days
    )
    table["provisional"] = (table["provisional_until"] > known_at).fillna(False)
    rows = table[list(CAMPAIGN_COLUMNS)].join(metrics[list(METRIC_COLUMNS)])
    rows = rows.sort_values(["revenue", "sends"], ascending=False, kind="stable")
    rows.index.name = "campaign_id"
    return rows


def _maturity(ds: Dataset) -> pd.DataFrame:
    """Per campaign: channels used, recipients, and when its numbers become final.

    It depends on no filter, so it is computed once per dataset and kept.
    """
    key = ("prepared", "maturity")
    if key not in ds.cache:
        ds.cache[key] = _compute_maturity(ds)
    return ds.cache[key]


def _compute_maturity(ds: Dataset) -> pd.DataFrame:
    messages = ds.table("messages")
    touch = touches(ds)
    window_end = touch.group_by("campaign_id").aggregate(
        provisional_until=touch.window_end.max()
    )
    channels = messages.group_by("campaign_id").aggregate(
        channels=messages.channel.collect(distinct=True),
        recipients=messages.contact_id.nunique(),
    )
    frame = channels.left_join(window_end, "campaign_id").to_pandas()
    frame["campaign_id"] = frame["campaign_id"].astype("string")
    frame["channels"] = frame["channels"].map(
        lambda values: ", ".join(sorted(values)) if values is not None else ""
    )
    return frame.set_index("campaign_id")[["channels", "recipients", "provisional_until"]]


def _unlisted_activity(unlisted: pd.DataFrame) -> pd.DataFrame:
    """One row of the activity of campaigns not listed, or no row when there is none."""
    if unlisted.empty:
        return pd.DataFrame(columns=list(METRIC_COLUMNS)).rename_axis("campaign_id")
    row = total_of(unlisted)[list(METRIC_COLUMNS)]
    row.index = pd.Index([UNLISTED_ACTIVITY], name="campaign_id")
    return row


def _channel_table(by_pair: pd.DataFrame) -> pd.DataFrame:
    """Sum the per-(campaign, channel) rows into one row per channel."""
    rows = []
    for channel, group in by_pair.groupby(level="channel", sort=True):
        total = total_of(group)
        if channel in contract.CHANNELS_WITHOUT_OPENS:
            for column in NOT_FOR_VOICE:
                total[column] = pd.NA
        else:
            for column in VOICE_METRICS:
                total[column] = pd.NA
        total.index = pd.Index([channel], name="channel")
        rows.append(total)
    if not rows:
        return pd.DataFrame(columns=list(METRIC_COLUMNS)).rename_axis("channel")
    table = pd.concat(rows)
    return table[list(METRIC_COLUMNS)].sort_values("sends", ascending=False)
