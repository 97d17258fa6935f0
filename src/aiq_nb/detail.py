"""A dataset, a period and one campaign → the tables of that campaign's detail report.

``build_campaign_detail`` picks the campaign (the one asked for, or else the first
campaign listed in the period), builds its report in both attribution modes with the
campaign as the only filter, and collects the campaign's settings for the header.
When no campaign is asked for and none is listed, the detail holds empty reports, so
that every table and chart of the detail notebook says so in a sentence.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from aiq_nb.errors import ParameterError
from aiq_nb.load import Dataset
from aiq_nb.metrics import METRIC_COLUMNS, SUMMABLE, total_of
from aiq_nb.report import CAMPAIGN_COLUMNS, Report, build_report

logger = logging.getLogger(__name__)

# the settings shown in the header of a campaign that is not listed in the period
UNLISTED_SETTINGS = {"channels": "", "provisional": False, "provisional_until": pd.NaT}


@dataclass(frozen=True)
class CampaignDetail:
    """One campaign's report in both modes, with its settings.

    Attributes
    ----------
    campaign_id
        The campaign reported on; None when no campaign was asked for and none is
        listed in the period.
    settings
        The campaign's ``name``, ``kind``, ``status``, ``tags``, ``channels``,
        ``attribution_window_days``, ``provisional`` and ``provisional_until``
        (empty when ``campaign_id`` is None).
    listed
        Whether the campaign has a send or an attributed conversion in the period.
    broad, strict
        Its report in each attribution mode (reports with empty tables when
        ``campaign_id`` is None).
    """

    campaign_id: str | None
    settings: pd.Series
    listed: bool
    broad: Report
    strict: Report


def default_campaign(report: Report) -> str | None:
    """The first campaign listed in a report (largest revenue, then sends), or None."""
    if report.campaigns.empty:
        return None
    return str(report.campaigns.index[0])


def pick_campaign(ds: Dataset, report: Report, campaign_id: str = "") -> str | None:
    """The id of the campaign to report on.

    Parameters
    ----------
    ds
        The dataset, to look the campaign up by id or name.
    report
        The period's report (broad), whose first listed campaign is the default.
    campaign_id
        A campaign id or name; empty (the default) means the first listed campaign.

    Returns
    -------
    str or None
        The campaign's id; None when ``campaign_id`` is empty and no campaign is
        listed in the period.

    Raises
    ------
    ParameterError
        When ``campaign_id`` names no campaign of the dataset.
    """
    wanted = campaign_id.strip()
    if not wanted:
        return default_campaign(report)
    settings = ds.table("campaigns").select("campaign_id", "name").to_pandas()
    by_id = settings[settings["campaign_id"].astype("string") == wanted]
    by_name = settings[settings["name"].astype("string").str.strip().str.lower()
                       == wanted.lower()]
    found = by_id if len(by_id) else by_name
    if found.empty:
        raise ParameterError(f"no campaign has the name or id {wanted!r}")
    return str(found["campaign_id"].iloc[0])


def build_campaign_detail(
    ds: Dataset, campaign_id: str = "", **options: Any
) -> CampaignDetail:
    """Compute one campaign's detail report in both modes.

    Parameters
    ----------
    ds
        A loaded dataset.
    campaign_id
        A campaign id or name; empty (the default) means the first campaign listed
        in the period under ``options``.
    **options
        ``build_report`` keyword arguments other than ``mode`` (period, as_of, view
        and filters), as :func:`aiq_nb.report_options` gives them. The filters only
        decide the default campaign; the detail itself is filtered on the campaign.

    Returns
    -------
    CampaignDetail
    """
    period_report = build_report(ds, mode="broad", **options)
    chosen = pick_campaign(ds, period_report, campaign_id)
    if chosen is None:
        logger.info("campaign detail %s: no campaign listed", period_report.period.label)
        empty = empty_report(period_report)
        return CampaignDetail(None, pd.Series(dtype=object), False, empty, empty)

    only = {**options, "view": "all", "campaigns": [chosen], "channels": None,
            "tags": None, "status": None}
    broad = build_report(ds, mode="broad", **only)
    strict = build_report(ds, mode="strict", **only)
    listed = chosen in broad.campaigns.index
    return CampaignDetail(chosen, _settings(ds, broad, chosen), listed, broad, strict)


def empty_report(report: Report) -> Report:
    """A copy of ``report`` with no row of figures: what an empty detail shows.

    The overview is all zeros (not applicable counts and rates missing), the
    engagement and daily tables keep their rows with zeros, every other table is
    empty; the period, parameters and data quality are kept.
    """
    overview = total_of(pd.DataFrame(columns=list(SUMMABLE)))[list(METRIC_COLUMNS)]
    by_engagement = report.by_engagement.copy()
    by_engagement[["revenue", "conversions"]] = 0
    by_engagement["share"] = pd.NA
    return dataclasses.replace(
        report,
        overview=overview,
        campaigns=report.campaigns.iloc[0:0],
        unlisted_activity=report.unlisted_activity.iloc[0:0],
        channels=report.channels.iloc[0:0],
        top_products=report.top_products.iloc[0:0],
        top_brands=report.top_brands.iloc[0:0],
        top_locations=report.top_locations.iloc[0:0],
        by_engagement=by_engagement,
        over_time=report.over_time * 0.0,
        flows=report.flows.iloc[0:0],
        flow_steps=report.flow_steps.iloc[0:0],
        hints=report.hints.iloc[0:0],
    )


def _settings(ds: Dataset, report: Report, campaign_id: str) -> pd.Series:
    """The campaign's header settings: from its listed row, else from the dataset."""
    if campaign_id in report.campaigns.index:
        return report.campaigns.loc[campaign_id, list(CAMPAIGN_COLUMNS)]
    campaigns = ds.table("campaigns").to_pandas()
    row = campaigns[campaigns["campaign_id"].astype("string") == campaign_id].iloc[0]
    settings = row.reindex(list(CAMPAIGN_COLUMNS))
    for name, value in UNLISTED_SETTINGS.items():
        settings[name] = value
    if pd.isna(settings["attribution_window_days"]):
        settings["attribution_window_days"] = ds.account.default_attribution_window_days
    settings.name = campaign_id
    return settings
