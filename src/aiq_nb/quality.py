"""The rules that quarantine well-formed rows which cannot be used.

Each rule is a condition on one typed table (``t``) that may look at the typed
(``typed_<name>``) or already cleaned (``<name>``) tables it depends on. A row takes the
reason of the first rule it meets; the loader counts each reason in the data-quality
table and keeps the rows for export. Nothing is dropped without a reason here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuarantineRule:
    """Rows of ``table`` meeting ``condition`` are left out, for ``reason``."""

    table: str
    reason: str
    condition: str
    needs: tuple[str, ...] = ()


REPEATED_EVENT = "repeated event id (counted once)"
EVENT_OF_UNKNOWN_MESSAGE = "event of an unknown message"
EVENT_OF_LEFT_OUT_MESSAGE = "event of a message that was left out"
EVENT_OF_FAILED_MESSAGE = "event of a failed message"
MESSAGE_OF_UNKNOWN_CAMPAIGN = "message of an unknown campaign"
ORDER_WITHOUT_CONTACT = "order without a contact"
ORDER_WITHOUT_TOTAL = "order with an empty total"
ORDER_WITH_NEGATIVE_TOTAL = "order with a negative total"
ITEM_OF_UNKNOWN_ORDER = "item of an unknown order"
ITEM_OF_LEFT_OUT_ORDER = "item of an order that was left out"
FLOW_EVENT_OF_UNKNOWN_FLOW = "flow event of an unknown campaign"
EVENT_BEFORE_SEND = "event before its message was sent"
EARLIEST_PLAUSIBLE = "1990-01-01"
LATEST_PLAUSIBLE = "2100-01-01"
IMPLAUSIBLE_TIME = "timestamp outside 1990–2099"
STEP_OF_UNKNOWN_FLOW = "flow step of an unknown campaign"
DISCOUNT_OF_UNKNOWN_FLOW = "discount of an unknown campaign"


def _implausible(column: str) -> str:
    return (
        f"t.{column} < TIMESTAMPTZ '{EARLIEST_PLAUSIBLE} 00:00:00+00' "
        f"OR t.{column} >= TIMESTAMPTZ '{LATEST_PLAUSIBLE} 00:00:00+00'"
    )


def _missing_in(table: str, key: str) -> str:
    return f"NOT EXISTS (SELECT 1 FROM {table} x WHERE x.{key} = t.{key})"


QUARANTINE_RULES: tuple[QuarantineRule, ...] = (
    QuarantineRule("messages", IMPLAUSIBLE_TIME, _implausible("sent_at")),
    QuarantineRule("events", IMPLAUSIBLE_TIME, _implausible("occurred_at")),
    QuarantineRule("orders", IMPLAUSIBLE_TIME, _implausible("ordered_at")),
    QuarantineRule(
        "messages",
        MESSAGE_OF_UNKNOWN_CAMPAIGN,
        _missing_in("typed_campaigns", "campaign_id"),
        ("campaigns",),
    ),
    QuarantineRule(
        "events",
        REPEATED_EVENT,
        "row_number() OVER (PARTITION BY t.event_id ORDER BY t._row) > 1",
    ),
    QuarantineRule(
        "events",
        EVENT_OF_UNKNOWN_MESSAGE,
        _missing_in("typed_messages", "message_id"),
        ("messages",),
    ),
    QuarantineRule(
        "events",
        EVENT_OF_LEFT_OUT_MESSAGE,
        _missing_in("messages", "message_id"),
        ("messages",),
    ),
    QuarantineRule(
        "events",
        EVENT_OF_FAILED_MESSAGE,
        "EXISTS (SELECT 1 FROM messages x WHERE x.message_id = t.message_id "
        "AND x.status = 'failed')",
        ("messages",),
    ),
    QuarantineRule(
        "events",
        EVENT_BEFORE_SEND,
        "EXISTS (SELECT 1 FROM messages x WHERE x.message_id = t.message_id "
        "AND t.occurred_at < x.sent_at)",
        ("messages",),
    ),
    QuarantineRule("orders", ORDER_WITHOUT_CONTACT, "t.contact_id IS NULL"),
    QuarantineRule("orders", ORDER_WITHOUT_TOTAL, "t.total IS NULL"),
    QuarantineRule("orders", ORDER_WITH_NEGATIVE_TOTAL, "t.total < 0"),
    QuarantineRule(
        "order_items",
        ITEM_OF_UNKNOWN_ORDER,
        _missing_in("typed_orders", "order_id"),
        ("orders",),
    ),
    QuarantineRule(
        "order_items",
        ITEM_OF_LEFT_OUT_ORDER,
        _missing_in("orders", "order_id"),
        ("orders",),
    ),
    QuarantineRule(
        "flow_steps",
        STEP_OF_UNKNOWN_FLOW,
        _missing_in("typed_campaigns", "campaign_id"),
        ("campaigns",),
    ),
    QuarantineRule(
        "flow_events",
        FLOW_EVENT_OF_UNKNOWN_FLOW,
        _missing_in("typed_campaigns", "campaign_id"),
        ("campaigns",),
    ),
    QuarantineRule(
        "discounts",
        DISCOUNT_OF_UNKNOWN_FLOW,
        _missing_in("typed_campaigns", "campaign_id"),
        ("campaigns",),
    ),
)
