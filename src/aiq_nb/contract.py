"""The input contract: the tables of a dataset folder, their columns and types.

This module is the one place where the layout of a dataset folder is defined. A
dataset folder holds one table per file, named after the table, as CSV (``.csv``,
optionally ``.csv.gz``) or Parquet (``.parquet``). The account settings may also be a
YAML file (``account.yaml``). Extra columns are allowed and ignored; the optional
tables may be absent.

Timestamps are instants written as ISO-8601. A timestamp with an offset
(``2025-12-01T09:30:00-05:00``) or a ``Z`` is read as that instant; a timestamp
without an offset is read as UTC. Days and months are always taken in the account's
time zone, never in the machine's.

A message is one row however many delivery attempts it took: its ``status`` is the
final outcome, and retries are never new sends. Two rows with the same ``message_id``
are an error.

Identifiers (``campaign_id``, ``message_id``, ``contact_id``...) are text, compared
as text. Empty ``credits``, ``cost`` and ``carrier_fee`` cells mean 0. ``tags`` and
``conversion_engagements`` are ``;``-separated lists.
"""

from __future__ import annotations

from dataclasses import dataclass

# logical column types, mapped to engine types by the loader
TEXT = "string"
NUMBER = "float64"
INTEGER = "int64"
INSTANT = "timestamp('UTC')"
BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, type and whether it must be filled."""

    name: str
    dtype: str
    required: bool = True
    nullable: bool = True
    positive: bool = False


@dataclass(frozen=True)
class Table:
    """One table of a dataset folder."""

    name: str
    columns: tuple[Column, ...]
    optional: bool = False
    key: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


ACCOUNT = Table(
    "account",
    (
        Column("timezone", TEXT, nullable=False),
        Column("currency", TEXT, required=False),
        Column("default_attribution_window_days", NUMBER, nullable=False),
        Column("regulated_10dlc", BOOLEAN, required=False),
    ),
)

CAMPAIGNS = Table(
    "campaigns",
    (
        Column("campaign_id", TEXT, nullable=False),
        Column("name", TEXT),
        Column("kind", TEXT, nullable=False),
        Column("status", TEXT, nullable=False),
        Column("tags", TEXT, required=False),
        Column("launched_at", INSTANT, required=False),
        Column("attribution_window_days", NUMBER, required=False, positive=True),
        Column("conversion_engagements", TEXT, required=False),
    ),
    key="campaign_id",
)

MESSAGES = Table(
    "messages",
    (
        Column("message_id", TEXT, nullable=False),
        Column("campaign_id", TEXT, nullable=False),
        Column("step_id", TEXT, required=False),
        Column("contact_id", TEXT, nullable=False),
        Column("channel", TEXT, nullable=False),
        Column("sent_at", INSTANT, nullable=False),
        Column("status", TEXT, nullable=False),
        Column("failure_reason", TEXT, required=False),
        Column("credits", NUMBER, required=False),
        Column("cost", NUMBER, required=False),
        Column("carrier_fee", NUMBER, required=False),
    ),
    key="message_id",
)

EVENTS = Table(
    "events",
    (
        Column("event_id", TEXT, nullable=False),
        Column("message_id", TEXT, nullable=False),
        Column("event_type", TEXT, nullable=False),
        Column("occurred_at", INSTANT, nullable=False),
        Column("link_url", TEXT, required=False),
        Column("duration_s", NUMBER, required=False),
    ),
)

ORDERS = Table(
    "orders",
    (
        Column("order_id", TEXT, nullable=False),
        Column("contact_id", TEXT),
        Column("location", TEXT, required=False),
        Column("ordered_at", INSTANT, nullable=False),
        Column("total", NUMBER),
        Column("status", TEXT, required=False),
    ),
    key="order_id",
)

ORDER_ITEMS = Table(
    "order_items",
    (
        Column("order_id", TEXT, nullable=False),
        Column("product", TEXT, nullable=False),
        Column("brand", TEXT, required=False),
        Column("quantity", NUMBER, required=False),
        Column("amount", NUMBER, nullable=False),
    ),
    optional=True,
)

FLOW_STEPS = Table(
    "flow_steps",
    (
        Column("campaign_id", TEXT, nullable=False),
        Column("step_id", TEXT, nullable=False),
        Column("name", TEXT, required=False),
        Column("position", INTEGER, nullable=False),
        Column("action", TEXT, required=False),
    ),
    optional=True,
)

FLOW_EVENTS = Table(
    "flow_events",
    (
        Column("campaign_id", TEXT, nullable=False),
        Column("step_id", TEXT, nullable=False),
        Column("contact_id", TEXT, nullable=False),
        Column("event", TEXT, nullable=False),
        Column("occurred_at", INSTANT, nullable=False),
        Column("points", NUMBER, required=False),
        Column("discount_id", TEXT, required=False),
    ),
    optional=True,
)

DISCOUNTS = Table(
    "discounts",
    (
        Column("discount_id", TEXT, nullable=False),
        Column("campaign_id", TEXT, nullable=False),
        Column("step_id", TEXT, required=False),
        Column("contact_id", TEXT, required=False),
        Column("issued_at", INSTANT, required=False),
        Column("redeemed_at", INSTANT, required=False),
        Column("order_id", TEXT, required=False),
    ),
    optional=True,
)

CONTACTS = Table(
    "contacts",
    (
        Column("contact_id", TEXT, nullable=False),
        Column("created_at", INSTANT, required=False),
    ),
    optional=True,
)

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        ACCOUNT,
        CAMPAIGNS,
        MESSAGES,
        EVENTS,
        ORDERS,
        ORDER_ITEMS,
        FLOW_STEPS,
        FLOW_EVENTS,
        DISCOUNTS,
        CONTACTS,
    )
}

FILE_SUFFIXES = (".parquet", ".csv", ".csv.gz")

# allowed values of the enumerated columns
KINDS = frozenset({"campaign", "flow"})
CAMPAIGN_STATUSES = frozenset({"active", "inactive"})
MESSAGE_STATUSES = frozenset({"delivered", "failed"})
ORDER_STATUSES = frozenset({"completed", "cancelled", "refunded"})
FLOW_EVENT_KINDS = frozenset({"entered", "advanced", "exited", "completed"})

SMS = "sms"
MMS = "mms"
EMAIL = "email"
PUSH = "push"
WALLET_PASS = "wallet_pass"
VOICE = "voice"
DIRECT_MAIL = "direct_mail"
CHANNELS = frozenset({SMS, MMS, EMAIL, PUSH, WALLET_PASS, VOICE, DIRECT_MAIL})
CHANNELS_WITHOUT_OPENS = frozenset({VOICE})
INBOX_GATED_CHANNELS = frozenset({SMS, MMS})

OPENED = "opened"
CLICKED = "clicked"
LANDING_PAGE_VIEWED = "landing_page_viewed"
INBOX_VIEWED = "inbox_viewed"
UNSUBSCRIBED = "unsubscribed"
PASS_REMOVED = "pass_removed"
PASS_MUTED = "pass_muted"
CALL_ANSWERED = "call_answered"
CALL_COMPLETED = "call_completed"
VOICEMAIL = "voicemail"
EVENT_TYPES = frozenset(
    {
        OPENED,
        CLICKED,
        LANDING_PAGE_VIEWED,
        INBOX_VIEWED,
        UNSUBSCRIBED,
        PASS_REMOVED,
        PASS_MUTED,
        CALL_ANSWERED,
        CALL_COMPLETED,
        VOICEMAIL,
    }
)

ENUMERATIONS: dict[tuple[str, str], frozenset[str]] = {
    ("campaigns", "kind"): KINDS,
    ("campaigns", "status"): CAMPAIGN_STATUSES,
    ("messages", "status"): MESSAGE_STATUSES,
    ("messages", "channel"): CHANNELS,
    ("events", "event_type"): EVENT_TYPES,
    ("orders", "status"): ORDER_STATUSES,
    ("flow_events", "event"): FLOW_EVENT_KINDS,
}

DEFAULT_CONVERSION_ENGAGEMENTS = (OPENED, CLICKED, LANDING_PAGE_VIEWED, CALL_ANSWERED)
LIST_SEPARATOR = ";"
