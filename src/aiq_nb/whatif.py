"""Attribution windows: what-if analyses, and the one guarded way to set a window.

- ``what_if_windows``: a dataset and window lengths → one row per (window, campaign):
  the conversions and revenue of the period had every campaign used that window
  (same last-touch rules, only the window differs), beside the official figures.
  The what-if attribution is computed from the same expression as the official one,
  never cached, and never replaces the official attribution of the dataset.
- ``set_attribution_window``: changes a campaign's window in a loaded dataset, only
  before the campaign's launch; once launched, its window is locked forever and the
  change is refused with :class:`~aiq_nb.errors.WindowLockedError`.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence

import ibis
import pandas as pd

from aiq_nb.attribution import (
    Mode,
    attributed_orders,
    attribution_expression,
    check_mode,
)
from aiq_nb.errors import ParameterError, UnknownCampaignError, WindowLockedError
from aiq_nb.load import Dataset
from aiq_nb.metrics import in_period
from aiq_nb.periods import Period, PeriodSpec, resolve_period

logger = logging.getLogger(__name__)

WHAT_IF = "what-if"
WHAT_IF_COLUMNS = (
    "analysis",
    "mode",
    "window_days",
    "campaign_id",
    "name",
    "official_window_days",
    "conversions",
    "revenue",
    "official_conversions",
    "official_revenue",
)
WHAT_IF_NOTE = (
    "What-if analysis: attribution recomputed as if every campaign had the window of "
    "its row. The official figures use each campaign's window at launch."
)
UTC = "UTC"

Instant = str | dt.datetime | pd.Timestamp


def what_if_windows(
    ds: Dataset,
    windows_days: Sequence[float],
    *,
    mode: Mode = "broad",
    period: PeriodSpec = None,
    as_of: str | dt.date | None = None,
) -> pd.DataFrame:
    """Recompute the period's conversions as if every campaign had each window.

    Parameters
    ----------
    ds
        A loaded dataset; its official attribution is left as it is.
    windows_days
        The window lengths to try, in days (positive numbers; repeats count once).
    mode
        ``"broad"`` (default) or ``"strict"``; the last-touch rules of that mode.
    period
        The report period (see :func:`aiq_nb.periods.resolve_period`); default all
        time. Conversions are counted by ``ordered_at``.
    as_of
        The day the period is relative to; default today.

    Returns
    -------
    pandas.DataFrame
        One row per (window, campaign), sorted by ``window_days`` then
        ``campaign_id``: ``analysis`` (always ``"what-if"``), ``mode``,
        ``window_days``, ``campaign_id``, ``name``, ``official_window_days`` (the
        campaign's own window), ``conversions`` and ``revenue`` under the what-if
        window, and ``official_conversions`` and ``official_revenue`` (the official
        attribution, same period and mode). Campaigns are those with a send in the
        period or a conversion in it, officially or under any of the windows.
        ``attrs["analysis"]`` and ``attrs["note"]`` label the table too.
    """
    check_mode(mode)
    windows = sorted({_checked_window(days) for days in windows_days})
    if not windows:
        raise ParameterError("give at least one window length in days for a what-if")
    span = resolve_period(period, as_of=as_of, timezone=ds.account.timezone)

    official = _conversions(attributed_orders(ds, mode), span)
    what_if = {
        days: _conversions(attribution_expression(ds, mode, window_days=days), span)
        for days in windows
    }

    listed = _listed(ds, span, [official, *what_if.values()])
    settings = official_windows(ds).reindex(listed)
    rows = [_window_rows(days, what_if[days], official, settings) for days in windows]
    table = pd.concat(rows, ignore_index=True)
    table["analysis"] = WHAT_IF
    table["mode"] = mode
    table = table[list(WHAT_IF_COLUMNS)]
    table.attrs.update(analysis=WHAT_IF, note=WHAT_IF_NOTE)
    logger.info("what-if attribution for windows %s (%s mode)", windows, mode)
    return table


def official_windows(ds: Dataset) -> pd.DataFrame:
    """The official window of every campaign of the dataset.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``campaign_id``: ``name``, ``launched_at`` (UTC, missing when not
        given) and ``window_days`` (the campaign's window, or the account default).
    """
    campaigns = ds.table("campaigns")
    settings = campaigns.select(
        "campaign_id",
        "name",
        "launched_at",
        window_days=campaigns.attribution_window_days.fill_null(
            ds.account.default_attribution_window_days
        ),
    ).to_pandas()
    settings["campaign_id"] = settings["campaign_id"].astype(str)
    return settings.set_index("campaign_id")


def set_attribution_window(
    ds: Dataset, campaign_id: str, days: float, *, at: Instant | None = None
) -> None:
    """Set the attribution window of a campaign that has not launched yet.

    A campaign has launched when its ``launched_at`` is at or before ``at``, or
    when it has any message at all (then it launched with its first send even
    without ``launched_at``). A launched campaign keeps its window forever: use
    :func:`what_if_windows` to study other windows.

    Parameters
    ----------
    ds
        A loaded dataset; its campaigns table is changed in place and everything
        it had cached (the official attributions) is forgotten, so the new window
        is the one attribution uses from now on.
    campaign_id
        The campaign to change.
    days
        The new window, a positive number of days.
    at
        The instant of the change; default now. A time without offset is UTC.

    Raises
    ------
    WindowLockedError
        When the campaign has launched; names the campaign, its launch instant and
        its window.
    UnknownCampaignError
        When the dataset has no such campaign.
    """
    window = _checked_window(days)
    moment = _instant(at)
    settings = official_windows(ds)
    if campaign_id not in settings.index:
        raise UnknownCampaignError(f"unknown campaign {campaign_id!r}")

    launched = launch_instant(ds, campaign_id, at=moment)
    if launched is not None:
        current = float(settings.at[campaign_id, "window_days"])
        raise WindowLockedError(
            f"campaign {campaign_id!r} launched at {launched.isoformat()} with an "
            f"attribution window of {current:g} days; the window a campaign had at "
            "launch is used forever and cannot be changed to "
            f"{window:g} days (use what_if_windows for a what-if analysis)"
        )

    campaigns = ds.table("campaigns")
    new_window = ibis.literal(window, type="float64")
    ds.tables["campaigns"] = campaigns.mutate(
        attribution_window_days=ibis.cases(
            (campaigns.campaign_id == campaign_id, new_window),
            else_=campaigns.attribution_window_days,
        )
    )
    ds.cache.clear()
    logger.info("attribution window of campaign %s set to %g days", campaign_id, window)


def launch_instant(
    ds: Dataset, campaign_id: str, *, at: Instant | None = None
) -> pd.Timestamp | None:
    """When the campaign launched, or None when it has not launched by ``at``.

    The launch is the earlier of ``launched_at`` and the first message's
    ``sent_at``. A campaign with messages has launched whatever ``at`` says; one
    without messages has launched when its ``launched_at`` is at or before ``at``
    (default now).
    """
    moment = _instant(at)
    campaigns = ds.table("campaigns")
    campaigns = campaigns.filter(campaigns.campaign_id == campaign_id)
    launched_at = _scalar(campaigns.launched_at.min())
    messages = ds.table("messages")
    messages = messages.filter(messages.campaign_id == campaign_id)
    first_sent = _scalar(messages.sent_at.min())

    if first_sent is not None:
        return first_sent if launched_at is None else min(first_sent, launched_at)
    if launched_at is not None and launched_at <= moment:
        return launched_at
    return None


def _conversions(attributed: ibis.Table, span: Period) -> pd.DataFrame:
    """Conversions and revenue by campaign of the orders placed in ``span``."""
    inside = attributed.filter(in_period(attributed.ordered_at, span))
    grouped = inside.group_by("campaign_id").aggregate(
        conversions=inside.count(), revenue=inside.total.sum()
    )
    frame = grouped.to_pandas()
    frame["campaign_id"] = frame["campaign_id"].astype(str)
    return frame.set_index("campaign_id")


def _listed(ds: Dataset, span: Period, conversions: list[pd.DataFrame]) -> list[str]:
    """Campaigns with a send in the period or any conversion in the given tables."""
    messages = ds.table("messages")
    sent = messages.filter(in_period(messages.sent_at, span))
    listed = set(sent.campaign_id.to_pandas().astype(str))
    for frame in conversions:
        listed |= set(frame.index)
    return sorted(listed)


def _window_rows(
    days: float, what_if: pd.DataFrame, official: pd.DataFrame, settings: pd.DataFrame
) -> pd.DataFrame:
    """One row per listed campaign for one what-if window; no conversion is 0."""
    listed = settings.index
    rows = pd.DataFrame({"campaign_id": listed, "window_days": days})
    rows["name"] = settings["name"].to_numpy()
    rows["official_window_days"] = settings["window_days"].to_numpy()
    for prefix, figures in (("", what_if), ("official_", official)):
        figures = figures.reindex(listed)
        conversions = figures["conversions"].fillna(0).astype("int64")
        rows[f"{prefix}conversions"] = conversions.to_numpy()
        rows[f"{prefix}revenue"] = figures["revenue"].fillna(0.0).to_numpy(float)
    return rows


def _checked_window(days: object) -> float:
    """A window length as a positive, finite number of days."""
    try:
        window = float(days)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        window = math.nan
    if isinstance(days, bool) or not (math.isfinite(window) and window > 0):
        raise ParameterError(
            f"an attribution window must be a positive number of days, not {days!r}"
        )
    return window


def _instant(at: Instant | None) -> pd.Timestamp:
    """``at`` as a UTC instant; None is now, a time without offset is UTC."""
    if at is None:
        return pd.Timestamp.now(tz=UTC)
    try:
        moment = pd.Timestamp(at)
    except (TypeError, ValueError):
        raise ParameterError(f"cannot read the instant {at!r}") from None
    if moment.tzinfo is None:
        return moment.tz_localize(UTC)
    return moment.tz_convert(UTC)


def _scalar(value: ibis.Scalar) -> pd.Timestamp | None:
    """Run a scalar timestamp expression; a missing result is None."""
    result = value.to_pandas()
    return None if result is None or pd.isna(result) else _instant(result)
