"""One campaign's messages, events and attributed orders → its message-level report.

One row per message of the campaign, with what happened to it (opened, clicked,
unsubscribed, converted under broad attribution) and contacts pseudonymised: the
contact id is replaced by a keyed hash (HMAC-SHA256, hex, first 16 characters), so
the same contact maps the same way under the same key and the raw id never appears.

The report is available until 3 calendar months after the campaign's final message,
counted in local days of the account time zone: a final message sent on the local
day D can be reported through the day D + 3 months (the month's last day when that
month is shorter) and is archived from the next day on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from pathlib import Path

import pandas as pd

from aiq_nb import contract
from aiq_nb.attribution import attributed_orders
from aiq_nb.engagement import engagement_events
from aiq_nb.errors import ArchivedError, ParameterError, UnknownCampaignError
from aiq_nb.exports import write_csv
from aiq_nb.hints import NO_RECIPIENTS_HINT
from aiq_nb.load import Dataset
from aiq_nb.metrics import is_open, is_unsubscribe
from aiq_nb.periods import parse_date

logger = logging.getLogger(__name__)

PSEUDONYM_LENGTH = 16
KEY_ENCODING = "utf-8"
ARCHIVE_AFTER_MONTHS = 3
ATTRIBUTION_MODE = "broad"
HINT = "hint"
MESSAGE_COLUMNS = (
    "message_id",
    "contact_id",
    "step_id",
    "channel",
    "sent_at",
    "status",
    "failure_reason",
    "credits",
    "cost",
    "carrier_fee",
)
AMOUNT_COLUMNS = ("credits", "cost", "carrier_fee")
# engagement columns that voice calls cannot have: missing (not applicable) for voice
NOT_FOR_VOICE = ("opened", "clicked", "link_clicks", "unsubscribed")
# the message columns with the contact id replaced by its pseudonym, then engagement
REPORT_COLUMNS = (
    "message_id",
    "contact",
    *MESSAGE_COLUMNS[2:],
    "opened",
    "clicked",
    "link_clicks",
    "unsubscribed",
    "converted",
    "revenue",
)
REPORT_DTYPES = {
    "opened": "boolean",
    "clicked": "boolean",
    "link_clicks": "Int64",
    "unsubscribed": "boolean",
    "converted": "bool",
    "revenue": "float64",
}


def message_report(
    ds: Dataset, campaign_id: str, *, as_of: str | dt.date, key: bytes | str
) -> pd.DataFrame:
    """The message-level report of one campaign, contacts pseudonymised.

    Parameters
    ----------
    ds
        A loaded dataset.
    campaign_id
        The campaign (or flow) to report.
    as_of
        The day of the request, in the account time zone; decides whether the
        report is still available.
    key
        The pseudonymisation key (text is UTF-8 encoded); must not be empty.

    Returns
    -------
    pandas.DataFrame
        One row per message, sorted by ``sent_at`` then ``message_id``:
        ``message_id``, ``contact`` (keyed hash of the contact id), ``step_id``,
        ``channel``, ``sent_at`` (in the account time zone), ``status``,
        ``failure_reason``, ``credits``, ``cost``, ``carrier_fee`` (empty = 0),
        ``opened`` (an open event, or a click or landing page view), ``clicked``,
        ``link_clicks`` (click events), ``unsubscribed`` (for wallet pass, a removed
        pass only), ``converted`` (won at least one order in broad attribution)
        and ``revenue`` (total of those orders). ``opened``, ``clicked``,
        ``link_clicks`` and ``unsubscribed`` are missing for voice calls (not
        applicable). A campaign without messages gives an empty report whose
        ``attrs["hint"]`` is :data:`aiq_nb.hints.NO_RECIPIENTS_HINT`.

    Raises
    ------
    UnknownCampaignError
        When the dataset has no such campaign.
    ArchivedError
        When ``as_of`` is after the last day the report is available.
    """
    secret = _key_bytes(key)
    _check_known(ds, campaign_id)
    messages = _messages(ds, campaign_id)
    if messages.empty:
        logger.warning("campaign %s: %s", campaign_id, NO_RECIPIENTS_HINT)
        return _empty_report()
    _check_available(ds, campaign_id, messages["sent_at"].max(), as_of)

    report = messages.join(_engagement(ds, campaign_id)).join(
        _conversions(ds, campaign_id)
    )
    report = _fill_missing(report).reset_index()
    report["contact"] = report["contact_id"].map(lambda c: pseudonym(c, secret))
    report["sent_at"] = report["sent_at"].dt.tz_convert(ds.account.timezone)
    report = report.sort_values(["sent_at", "message_id"], ignore_index=True)
    logger.info("message report of campaign %s: %s messages", campaign_id, len(report))
    return report[list(REPORT_COLUMNS)].astype(REPORT_DTYPES)


def write_message_report(
    ds: Dataset,
    campaign_id: str,
    path: str | Path,
    *,
    as_of: str | dt.date,
    key: bytes | str,
) -> Path:
    """Write :func:`message_report` as a safe CSV (see :mod:`aiq_nb.exports`).

    An archived campaign raises :class:`~aiq_nb.errors.ArchivedError` and writes
    nothing; a campaign without messages writes the header only.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    report = message_report(ds, campaign_id, as_of=as_of, key=key)
    return write_csv(report, path)


def pseudonym(contact_id: str, key: bytes) -> str:
    """The keyed hash of a contact id: HMAC-SHA256, hex, first 16 characters."""
    digest = hmac.new(key, str(contact_id).encode(KEY_ENCODING), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_LENGTH]


def available_until(ds: Dataset, campaign_id: str) -> dt.date | None:
    """The last local day the campaign's message report can be requested.

    That is the local day of the final message plus 3 calendar months (clipped to
    the month's end, e.g. 30 Nov → 28 Feb); None when the campaign has no message.
    """
    _check_known(ds, campaign_id)
    messages = ds.table("messages")
    final = messages.filter(messages.campaign_id == campaign_id).sent_at.max()
    final_sent_at = final.to_pandas()
    if final_sent_at is None or pd.isna(final_sent_at):
        return None
    return _last_available_day(ds, pd.to_datetime(final_sent_at, utc=True))


def _key_bytes(key: bytes | str) -> bytes:
    secret = key.encode(KEY_ENCODING) if isinstance(key, str) else key
    if not isinstance(secret, bytes) or not secret:
        raise ParameterError("the pseudonymisation key must be non-empty text or bytes")
    return secret


def _check_known(ds: Dataset, campaign_id: str) -> None:
    campaigns = ds.table("campaigns")
    found = campaigns.filter(campaigns.campaign_id == campaign_id).count().to_pandas()
    if not found:
        raise UnknownCampaignError(
            f"unknown campaign {campaign_id!r}: the dataset has no such campaign "
            "or flow"
        )


def _messages(ds: Dataset, campaign_id: str) -> pd.DataFrame:
    """The campaign's messages, indexed by ``message_id``; empty amounts are 0."""
    messages = ds.table("messages")
    messages = messages.filter(messages.campaign_id == campaign_id)
    frame = messages.select(*MESSAGE_COLUMNS).to_pandas()
    frame[list(AMOUNT_COLUMNS)] = frame[list(AMOUNT_COLUMNS)].fillna(0.0)
    frame["sent_at"] = pd.to_datetime(frame["sent_at"], utc=True)
    return frame.set_index("message_id")


def _last_available_day(ds: Dataset, final_sent_at: pd.Timestamp) -> dt.date:
    local_day = final_sent_at.tz_convert(ds.account.timezone).date()
    later = pd.Timestamp(local_day) + pd.DateOffset(months=ARCHIVE_AFTER_MONTHS)
    return later.date()


def _check_available(
    ds: Dataset, campaign_id: str, final_sent_at: pd.Timestamp, as_of: str | dt.date
) -> None:
    """Refuse the report when ``as_of`` is after its last available day."""
    day = parse_date(as_of, what="as_of")
    last_day = _last_available_day(ds, final_sent_at)
    if day > last_day:
        since = last_day + dt.timedelta(days=1)
        final_day = final_sent_at.tz_convert(ds.account.timezone).date()
        raise ArchivedError(
            f"the message report of campaign {campaign_id!r} is archived since "
            f"{since.isoformat()}: it was available until {last_day.isoformat()}, "
            f"{ARCHIVE_AFTER_MONTHS} months after the campaign's final message on "
            f"{final_day.isoformat()} ({ds.account.timezone})"
        )


def _engagement(ds: Dataset, campaign_id: str) -> pd.DataFrame:
    """Per message: opened, clicked, link clicks and unsubscribed, from its events."""
    events = engagement_events(ds)
    events = events.filter(events.campaign_id == campaign_id)
    clicks = (events.event_type == contract.CLICKED).cast("int64")
    opens = is_open(events, ds).fill_null(False).cast("int64")
    unsubscribes = is_unsubscribe(events).fill_null(False).cast("int64")
    grouped = events.group_by("message_id").aggregate(
        opened=opens.max(), link_clicks=clicks.sum(), unsubscribed=unsubscribes.max()
    )
    frame = grouped.to_pandas().set_index("message_id")
    frame["clicked"] = frame["link_clicks"] > 0
    return frame.astype({"opened": bool, "unsubscribed": bool})


def _conversions(ds: Dataset, campaign_id: str) -> pd.DataFrame:
    """Per message that won orders in broad attribution: their count and revenue."""
    orders = attributed_orders(ds, ATTRIBUTION_MODE)
    orders = orders.filter(orders.campaign_id == campaign_id)
    grouped = orders.group_by("message_id").aggregate(
        conversions=orders.count(), revenue=orders.total.sum()
    )
    return grouped.to_pandas().set_index("message_id")


def _fill_missing(report: pd.DataFrame) -> pd.DataFrame:
    """No event means no engagement, no order means no conversion; voice gets NA."""
    filled = report.copy()
    voice = filled["channel"].isin(list(contract.CHANNELS_WITHOUT_OPENS))
    for column in NOT_FOR_VOICE:
        dtype = REPORT_DTYPES[column]
        nothing = 0 if dtype == "Int64" else False
        filled[column] = filled[column].astype(dtype).fillna(nothing).mask(voice)
    filled["converted"] = filled["conversions"].fillna(0) > 0
    filled["revenue"] = filled["revenue"].fillna(0.0)
    return filled


def _empty_report() -> pd.DataFrame:
    report = pd.DataFrame({column: [] for column in REPORT_COLUMNS})
    report = report.astype(REPORT_DTYPES)
    report.attrs[HINT] = NO_RECIPIENTS_HINT
    return report
