"""Explorer state (view, period, filters, mode) → the report the explorer shows.

The interactive explorer (:mod:`aiq_nb.widgets`) only gathers its widgets' values into
an :class:`ExplorerState` and calls the pure functions of this module, which tests call
directly:

- :func:`state_period` and :func:`report_options` turn a state into the arguments of
  :func:`aiq_nb.build_report`; :func:`report_for` builds (and remembers) the report;
- :func:`kpi_cards` and :func:`kpi_html` give the overview's KPI cards;
- :func:`campaign_options` lists the campaigns matching a search text, keeping the
  chosen ones; :func:`filter_choices` lists the channels, tags and statuses;
- :func:`csv_bytes` and :func:`download_link_html` export exactly what is shown;
- :func:`detail_for` gives one campaign's detail in both modes.

Attribution runs once per mode and is kept on the dataset (see
:func:`aiq_nb.attribution.attributed_orders`); a filter change only re-aggregates.
Reports of recent states are kept too, so going back to a state is immediate.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import logging
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from aiq_nb import contract
from aiq_nb.attribution import MODES
from aiq_nb.detail import CampaignDetail, build_campaign_detail
from aiq_nb.errors import ParameterError, PeriodError
from aiq_nb.filters import VIEWS, split_list
from aiq_nb.load import Dataset
from aiq_nb.periods import (
    ALL_TIME,
    LAST_3_MONTHS,
    LAST_7_DAYS,
    LAST_MONTH,
    MONTH_TO_DATE,
    YEAR_TO_DATE,
    PeriodSpec,
)
from aiq_nb.present import LABELS, format_value
from aiq_nb.report import Report, build_report

logger = logging.getLogger(__name__)

CUSTOM = "custom"
# the period choices of the explorer: (label, value), all time first
PERIOD_CHOICES: tuple[tuple[str, str], ...] = (
    ("All time", ALL_TIME),
    ("Last 7 days", LAST_7_DAYS),
    ("Month to Date", MONTH_TO_DATE),
    ("Last Month", LAST_MONTH),
    ("Last 3 Months", LAST_3_MONTHS),
    ("Year to Date", YEAR_TO_DATE),
    ("Custom range", CUSTOM),
)
VIEW_CHOICES: tuple[tuple[str, str], ...] = (
    ("All", "all"),
    ("Campaigns", "campaigns"),
    ("Flows", "flows"),
)
MODE_CHOICES: tuple[tuple[str, str], ...] = (("Broad", "broad"), ("Strict", "strict"))
# the KPI cards: the conversion overview of the original screen, then reach and rates
KPI_METRICS = (
    "conversions",
    "revenue",
    "aov",
    "credits_spent",
    "revenue_per_msg",
    "roi",
    "sends",
    "open_rate",
    "click_through_rate",
    "conversion_rate",
    "cost",
)
REPORTS_KEPT = 32
REPORT_CACHE = "explorer_reports"
CSV_MIME = "text/csv"
DOWNLOAD_LABEL = "Download CSV"
CSV_PREFIX = "aiq_nb"


@dataclass(frozen=True)
class ExplorerState:
    """The explorer's view, period, filters and mode: what its widgets hold.

    Attributes
    ----------
    view
        ``"all"`` (default), ``"campaigns"`` or ``"flows"``.
    period
        A value of ``PERIOD_CHOICES``: a preset, ``"all_time"`` (default) or
        ``"custom"`` (then ``start`` and ``end`` give the inclusive dates).
    start, end
        The custom range's first and last day.
    as_of
        The day the presets are relative to; None means today.
    mode
        ``"broad"`` (default) or ``"strict"``.
    campaigns, channels, tags, status
        The filters (campaign ids or names, channels, tags, statuses); empty keeps
        everything.
    """

    view: str = "all"
    period: str = ALL_TIME
    start: dt.date | None = None
    end: dt.date | None = None
    as_of: dt.date | None = None
    mode: str = "broad"
    campaigns: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: tuple[str, ...] = ()

    def replace(self, **changes: Any) -> ExplorerState:
        """A copy with some fields changed; lists become tuples."""
        normalised = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in changes.items()
        }
        return dataclasses.replace(self, **normalised)


def state_period(state: ExplorerState) -> PeriodSpec:
    """The ``period`` argument of :func:`aiq_nb.build_report` for a state.

    All time is None; a preset is its name; a custom range is the pair of its
    inclusive dates.

    Raises
    ------
    PeriodError
        When a custom range lacks a date or ends before it starts.
    """
    if state.period == ALL_TIME:
        return None
    if state.period != CUSTOM:
        return state.period
    if state.start is None or state.end is None:
        raise PeriodError("a custom range needs both a start and an end date")
    if state.end < state.start:
        raise PeriodError(f"the custom range ends ({state.end}) before it starts ({state.start})")
    return (state.start, state.end)


def report_options(state: ExplorerState) -> dict[str, Any]:
    """The keyword arguments of :func:`aiq_nb.build_report` for a state.

    Empty filters are None (keep everything); the mode is included.
    """
    if state.view not in VIEWS:
        raise ParameterError(f"view must be one of {', '.join(VIEWS)}, not {state.view!r}")
    if state.mode not in MODES:
        raise ParameterError(f"mode must be broad or strict, not {state.mode!r}")
    return {
        "period": state_period(state),
        "as_of": state.as_of,
        "view": state.view,
        "mode": state.mode,
        "campaigns": list(state.campaigns) or None,
        "channels": list(state.channels) or None,
        "tags": list(state.tags) or None,
        "status": list(state.status) or None,
    }


def report_for(ds: Dataset, state: ExplorerState) -> Report:
    """The report of a state, remembered for the last ``REPORTS_KEPT`` states.

    Parameters
    ----------
    ds
        A loaded dataset; its attribution of each mode is computed once and kept.
    state
        The explorer's view, period, filters and mode.

    Returns
    -------
    Report
        The same report as ``build_report(ds, **report_options(state))``.
    """
    options = report_options(state)
    key = _cache_key(state)
    kept: OrderedDict[Any, Report] = ds.cache.setdefault(REPORT_CACHE, OrderedDict())
    if key in kept:
        kept.move_to_end(key)
        return kept[key]
    report = build_report(ds, **options)
    kept[key] = report
    while len(kept) > REPORTS_KEPT:
        kept.popitem(last=False)
    return report


def kpi_cards(report: Report) -> list[tuple[str, str]]:
    """The overview's KPI cards: one ``(label, value as text)`` per metric.

    The metrics are ``KPI_METRICS``: Conversions, Revenue Generated, AOV, Credits
    Spent, Revenue per Msg, ROI, then Sends, Open Rate, Click-Through Rate,
    Conversion Rate and Cost. A rate without a denominator reads ``n/a``.
    """
    row = report.overview.iloc[0]
    return [
        (LABELS[metric], format_value(row[metric], metric, currency=report.currency))
        for metric in KPI_METRICS
    ]


def kpi_html(cards: list[tuple[str, str]]) -> str:
    """The KPI cards as one HTML block; each card carries its label in ``data-label``."""
    boxes = "".join(
        f'<div class="aiq-kpi" data-label="{html.escape(label)}" style="display:inline-block;'
        f'min-width:9em;margin:0 .5em .5em 0;padding:.4em .8em;border:1px solid #ccc;'
        f'border-radius:6px"><div style="font-size:85%;color:#555">{html.escape(label)}'
        f'</div><div class="aiq-kpi-value" style="font-size:140%;font-weight:600">'
        f"{html.escape(value)}</div></div>"
        for label, value in cards
    )
    return f'<div class="aiq-kpis">{boxes}</div>'


def campaign_options(
    ds: Dataset, search: str = "", *, keep: tuple[str, ...] | list[str] = ()
) -> list[tuple[str, str]]:
    """The campaigns whose name or id holds the search text, for a multi-select.

    Parameters
    ----------
    ds
        A loaded dataset.
    search
        Text to look for in names and ids, ignoring case; empty matches every
        campaign.
    keep
        Campaign ids always listed (the chosen ones), so that narrowing the list
        never drops a choice.

    Returns
    -------
    list of (label, campaign_id)
        ``"Name (id)"`` and the id, sorted by name then id.
    """
    campaigns = _campaign_settings(ds)
    wanted = search.strip().lower()
    names = campaigns["name"].fillna("").astype(str)
    ids = campaigns["campaign_id"].astype(str)
    matches = names.str.lower().str.contains(wanted, regex=False) | ids.str.lower().str.contains(
        wanted, regex=False
    )
    matches |= ids.isin(list(keep))
    shown = pd.DataFrame({"name": names, "campaign_id": ids})[matches]
    shown = shown.sort_values(["name", "campaign_id"], key=lambda s: s.str.lower())
    return [
        (f"{name} ({campaign_id})" if name else campaign_id, campaign_id)
        for name, campaign_id in zip(shown["name"], shown["campaign_id"], strict=True)
    ]


def filter_choices(ds: Dataset) -> dict[str, list[str]]:
    """The values the channel, tag and status filters offer, sorted.

    Returns
    -------
    dict
        ``channels`` (channels of the dataset's messages), ``tags`` (every tag of the
        campaigns, lower-cased) and ``status`` (``active``, ``inactive``).
    """
    key = "explorer_choices"
    if key not in ds.cache:
        messages = ds.table("messages")
        channels = messages.select("channel").distinct().to_pandas()["channel"]
        tags: set[str] = set()
        for cell in _campaign_settings(ds)["tags"]:
            tags |= split_list(cell)
        ds.cache[key] = {
            "channels": sorted(str(c) for c in channels.dropna()),
            "tags": sorted(tags),
            "status": sorted(contract.CAMPAIGN_STATUSES),
        }
    return {name: list(values) for name, values in ds.cache[key].items()}


def detail_choices(report: Report) -> list[tuple[str, str]]:
    """The campaigns listed in a report, for the campaign detail picker.

    Returns
    -------
    list of (label, campaign_id)
        ``"Name (id)"`` and the id, in the order of the campaign table.
    """
    names = report.campaigns["name"] if "name" in report.campaigns else pd.Series(dtype=str)
    return [
        (f"{name} ({campaign_id})" if isinstance(name, str) and name else str(campaign_id),
         str(campaign_id))
        for campaign_id, name in names.items()
    ]


def detail_for(ds: Dataset, state: ExplorerState, campaign_id: str) -> CampaignDetail:
    """One campaign's detail in both modes, over the state's period.

    The detail is ``build_report(ds, period, as_of=..., campaigns=[campaign_id])`` in
    broad and in strict mode: the explorer's other filters and view do not apply.
    """
    if not campaign_id:
        raise ParameterError("choose a campaign to see its detail")
    return build_campaign_detail(
        ds, campaign_id, period=state_period(state), as_of=state.as_of
    )


def csv_bytes(report: Report) -> bytes:
    """The bytes of ``report.to_csv``: exactly the view, filters and period shown."""
    with tempfile.TemporaryDirectory(prefix="aiq-nb-csv-") as folder:
        path = report.to_csv(Path(folder) / "report.csv")
        return path.read_bytes()


def csv_filename(report: Report) -> str:
    """The download's file name, e.g. ``aiq_nb_2025-12_broad.csv``."""
    return f"{CSV_PREFIX}_{report.period.label}_{report.mode}.csv"


def download_link_html(report: Report, *, label: str = DOWNLOAD_LABEL) -> str:
    """An HTML link that downloads the report's CSV, embedded as a data URI."""
    payload = base64.b64encode(csv_bytes(report)).decode("ascii")
    return (
        f'<a class="aiq-download" download="{html.escape(csv_filename(report))}" '
        f'href="data:{CSV_MIME};base64,{payload}">{html.escape(label)}</a>'
    )


def _campaign_settings(ds: Dataset) -> pd.DataFrame:
    """The campaigns table as pandas, read once per dataset."""
    key = "explorer_campaigns"
    if key not in ds.cache:
        ds.cache[key] = ds.table("campaigns").to_pandas()
    return ds.cache[key]


def _cache_key(state: ExplorerState) -> tuple[Any, ...]:
    """A state's report key: the fields that change the report, today's date for
    an as-of of today (so a report is not kept past midnight)."""
    as_of = state.as_of if state.as_of is not None else ("today", dt.date.today())
    return (dataclasses.replace(state, as_of=None), as_of)
