"""Events → engagements: what each event means for opens, clicks and attribution.

The raw ``event_type`` is read through the channel and the account's 10DLC flag:

- an ``inbox_viewed`` is an open; in a 10DLC-regulated account it is the only open an
  SMS or MMS message can have (an ``opened`` event there is ignored as an open);
- ``call_answered`` is the voice counterpart of an open;
- engagement depth orders received < opened / call answered < clicked < landing page
  viewed, and the deepest engagement before a purchase names its engagement type.
"""

from __future__ import annotations

import ibis

from aiq_nb import contract
from aiq_nb.load import Dataset

RECEIVED = "received"
ENGAGEMENT_LEVELS: dict[str, int] = {
    RECEIVED: 0,
    contract.OPENED: 1,
    contract.CALL_ANSWERED: 1,
    contract.CLICKED: 2,
    contract.LANDING_PAGE_VIEWED: 3,
}
ENGAGEMENT_TYPES = (
    RECEIVED,
    contract.OPENED,
    contract.CALL_ANSWERED,
    contract.CLICKED,
    contract.LANDING_PAGE_VIEWED,
)
OPEN_EVENTS = (contract.OPENED, contract.INBOX_VIEWED)


def engagement_events(ds: Dataset) -> ibis.Table:
    """One row per clean event of a delivered message, read as an engagement.

    Returns
    -------
    ibis.Table
        The event columns plus ``campaign_id``, ``contact_id``, ``channel``,
        ``sent_at`` of its message and ``engagement`` (``opened``,
        ``call_answered``, ``clicked``, ``landing_page_viewed``, or null when the
        event is no engagement, e.g. an unsubscribe) and its ``level``.
    """
    events = ds.table("events")
    messages = ds.table("messages").select(
        "message_id", "campaign_id", "contact_id", "channel", "sent_at"
    )
    joined = events.join(messages, "message_id")
    return joined.mutate(
        engagement=_engagement(joined, regulated=ds.account.regulated_10dlc)
    ).mutate(level=_level(ibis._.engagement))


def _engagement(events: ibis.Table, *, regulated: bool) -> ibis.Value:
    gated = events.channel.isin(list(contract.INBOX_GATED_CHANNELS))
    opened_counts = ibis.literal(not regulated) | ~gated
    return (
        ibis.cases(
            (events.event_type == contract.INBOX_VIEWED, contract.OPENED),
            (
                (events.event_type == contract.OPENED) & opened_counts,
                contract.OPENED,
            ),
            (events.event_type == contract.CLICKED, contract.CLICKED),
            (
                events.event_type == contract.LANDING_PAGE_VIEWED,
                contract.LANDING_PAGE_VIEWED,
            ),
            (events.event_type == contract.CALL_ANSWERED, contract.CALL_ANSWERED),
            else_=ibis.null("string"),
        )
    )


def _level(engagement: ibis.Deferred) -> ibis.Deferred:
    return engagement.cases(
        *[(name, level) for name, level in ENGAGEMENT_LEVELS.items()],
        else_=ibis.null("int64"),
    )


def engagement_label(level: ibis.Value, channel: ibis.Value) -> ibis.Value:
    """The engagement type named by a depth level on a channel."""
    return ibis.cases(
        (level.isnull() | (level == 0), RECEIVED),
        ((level == 1) & (channel == contract.VOICE), contract.CALL_ANSWERED),
        (level == 1, contract.OPENED),
        (level == 2, contract.CLICKED),
        else_=contract.LANDING_PAGE_VIEWED,
    )
