"""The bundled sample dataset: a seed in, a dataset folder of CSV files out.

The sample is SYNTHETIC: a fictional dispensary group ("Greenleaf Collective", four
stores, account zone America/Los_Angeles, USD) with a few thousand personas, about
25 campaigns and 4 loyalty flows over several months. It is the product's default
data and is built to exercise every rule of the specification: every channel and
event type, failed sends, clicks before and after purchases, purchases that fall
back to an earlier campaign's window, flows with re-entries and contacts still in
progress, and a handful of rows that the data-quality section must count (duplicate
event ids, events of unknown or failed messages, orders without a contact or
without items).

One generator call writes one table per file, named after ``aiq_nb.contract``
(``campaigns.csv``, ``messages.csv``...), plus a ``README.md``. The same seed gives
byte-identical files. Instants are written in UTC with a ``Z``, except the order
and campaign launch times, which are written with the account's local offset (as
a point-of-sale export would be).

Flow events follow one convention: a contact ``entered`` a step when it reached it,
and the step is left by ``advanced`` (to the next step), ``exited`` (left the flow)
or ``completed`` (the last step); a step entered and not yet left is in progress.
Points and issued discounts sit on the row that leaves their step.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from aiq_nb import contract
from aiq_nb.contract import (
    CALL_ANSWERED,
    CALL_COMPLETED,
    CLICKED,
    EMAIL,
    INBOX_GATED_CHANNELS,
    INBOX_VIEWED,
    LANDING_PAGE_VIEWED,
    MMS,
    OPENED,
    PASS_MUTED,
    PASS_REMOVED,
    PUSH,
    SMS,
    UNSUBSCRIBED,
    VOICE,
    VOICEMAIL,
    WALLET_PASS,
)

logger = logging.getLogger(__name__)

SAMPLE_SEED: int = 20251231
SAMPLE_VERSION: str = "1"

ACCOUNT_NAME = "Greenleaf Collective (synthetic)"
ACCOUNT_TIMEZONE = "America/Los_Angeles"
ACCOUNT_CURRENCY = "USD"
ACCOUNT_WINDOW_DAYS = 7
MIN_CONTACTS = 100

CACHE_ENV = "AIQ_NB_CACHE"
XDG_CACHE_ENV = "XDG_CACHE_HOME"
CACHE_APP_FOLDER = "aiq_nb"
CACHE_SAMPLE_PREFIX = "sample-v"

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

# campaign and flow vocabulary
CAMPAIGN = "campaign"
FLOW = "flow"
ACTIVE = "active"
INACTIVE = "inactive"
DELIVERED = "delivered"
FAILED = "failed"
COMPLETED_ORDER = "completed"
CANCELLED_ORDER = "cancelled"
REFUNDED_ORDER = "refunded"
ENTERED = "entered"
ADVANCED = "advanced"
EXITED = "exited"
COMPLETED_FLOW = "completed"
SEND_MESSAGE = "send_message"
GIFT_POINTS = "gift_points"
ISSUE_DISCOUNT = "issue_discount"
WAIT = "wait"

# personas: how many joined before the period, and who is reachable where
SHARE_JOINED_BEFORE = 0.8
HISTORY_BEFORE_PERIOD_DAYS = 730
REACH_SHARES = {"phone": 0.96, "email": 0.78, "app": 0.32, "wallet": 0.27}
SPEND_RATE_SHAPE = 0.7
LOCATIONS = (
    "Greenleaf Downtown LA",
    "Greenleaf Venice",
    "Greenleaf Pasadena",
    "Greenleaf Long Beach",
)
LOCATION_WEIGHTS = (0.4, 0.25, 0.2, 0.15)
HOME_STORE_SHARE = 0.85

# campaigns: launched 9:00-17:45 local; active when launched in the last 60 days
LAUNCH_HOURS = (9, 18)
LAUNCH_MINUTES = (0, 15, 30, 45)
ACTIVE_RECENT_DAYS = 60
MAX_LINKS_PER_CAMPAIGN = 3
SHOP_URL = "https://shop.greenleaf.example.com"
LINK_PATHS = ("deals", "menu", "loyalty")


@dataclass(frozen=True)
class _ChannelModel:
    """How messages of one channel are sent, priced and answered."""

    contact_flag: str
    send_spread_s: int
    failure_share: float
    failure_reasons: tuple[str, ...]
    credits: float
    cost_per_credit: float
    carrier_fee: float | None
    open_share: float = 0.0
    click_share: float = 0.0
    unsubscribe_share: float = 0.0


CHANNEL_MODELS: dict[str, _ChannelModel] = {
    SMS: _ChannelModel(
        contact_flag="phone", send_spread_s=20 * MINUTE, failure_share=0.04,
        failure_reasons=("carrier_rejected", "invalid_number", "landline"),
        credits=1.0, cost_per_credit=0.0079, carrier_fee=0.003,
        open_share=0.34, click_share=0.32, unsubscribe_share=0.012,
    ),
    MMS: _ChannelModel(
        contact_flag="phone", send_spread_s=30 * MINUTE, failure_share=0.05,
        failure_reasons=("carrier_rejected", "media_too_large", "invalid_number"),
        credits=3.0, cost_per_credit=0.0079, carrier_fee=0.005,
        open_share=0.42, click_share=0.30, unsubscribe_share=0.010,
    ),
    EMAIL: _ChannelModel(
        contact_flag="email", send_spread_s=5 * MINUTE, failure_share=0.03,
        failure_reasons=("hard_bounce", "soft_bounce", "blocked_as_spam"),
        credits=0.1, cost_per_credit=0.01, carrier_fee=None,
        open_share=0.27, click_share=0.22, unsubscribe_share=0.008,
    ),
    PUSH: _ChannelModel(
        contact_flag="app", send_spread_s=2 * MINUTE, failure_share=0.06,
        failure_reasons=("token_expired", "app_uninstalled"),
        credits=0.1, cost_per_credit=0.005, carrier_fee=None,
        open_share=0.18, click_share=0.35, unsubscribe_share=0.010,
    ),
    WALLET_PASS: _ChannelModel(
        contact_flag="wallet", send_spread_s=10 * MINUTE, failure_share=0.02,
        failure_reasons=("pass_not_installed", "device_unreachable"),
        credits=0.5, cost_per_credit=0.01, carrier_fee=None,
        open_share=0.25, click_share=0.20,
    ),
    VOICE: _ChannelModel(
        contact_flag="phone", send_spread_s=2 * HOUR, failure_share=0.07,
        failure_reasons=("number_disconnected", "invalid_number"),
        credits=4.0, cost_per_credit=0.0125, carrier_fee=0.01,
    ),
}
SMS_SEGMENTS = (1, 2)

# reactions to a delivered message
QUICK_REACTION_SHARE = 0.70
SLOW_REACTION_SHARE = 0.25
INBOX_VIEW_SHARE_UNREGULATED = 0.15
REOPEN_SHARE = 0.12
CLICK_WITHOUT_OPEN_SHARE = 0.04
EXTRA_CLICKS_MEAN = 0.5
MAX_CLICKS = 5
LANDING_PAGE_SHARE = 0.55
PASS_MUTED_SHARE = 0.04
PASS_REMOVED_SHARE = 0.025
ANSWER_SHARE = 0.45
LISTEN_TO_END_SHARE = 0.65
VOICEMAIL_SHARE = 0.5
TALK_MEDIAN_S = 35
MAX_TALK_S = 240

# purchases: a baseline rhythm plus purchases prompted by messages
BASE_ORDERS_PER_MONTH = 0.35
GUEST_ORDER_SHARE = 0.006
BUY_AFTER_DELIVERY = 0.02
BUY_AFTER_OPEN = 0.03
BUY_AFTER_CLICK = 0.15
BUY_AFTER_ANSWER = 0.05
SAME_DAY_PURCHASE_SHARE = 0.5
SAME_WEEK_PURCHASE_SHARE = 0.35
REDEEM_SHARE = 0.4
STORE_OPENS_H = 8
STORE_CLOSES_H = 22
CANCELLED_SHARE = 0.015
REFUNDED_SHARE = 0.01
ZERO_TOTAL_ORDERS = 6
NO_ITEM_SHARE = 0.03
EXTRA_ITEMS_MEAN = 0.9
MAX_ITEMS = 5
QUANTITIES = (1, 2, 3)
QUANTITY_WEIGHTS = (0.82, 0.14, 0.04)
NO_ITEM_TOTAL_MEDIAN = 40.0

# rows planted for the data-quality section
DUPLICATE_EVENTS = 8
ORPHAN_EVENTS = 5
FAILED_MESSAGE_EVENTS = 3
ORPHAN_ID_OFFSET = 500_000

EXTRA_COLUMNS = {"account": ("name",), "order_items": ("category",)}
LOCAL_OFFSET_COLUMNS = frozenset({("orders", "ordered_at"), ("campaigns", "launched_at")})


@dataclass(frozen=True)
class _Product:
    name: str
    brand: str | None
    category: str
    price: float
    weight: float


CATALOG = (
    _Product("Blue Dream 3.5g", "Golden Coast Farms", "flower", 35, 8),
    _Product("Wedding Cake 3.5g", "Golden Coast Farms", "flower", 40, 6),
    _Product("OG Kush 7g", "Emerald Peak", "flower", 60, 4),
    _Product("Sour Diesel 3.5g", "Pacific Bloom", "flower", 38, 5),
    _Product("Gelato 14g", "Emerald Peak", "flower", 110, 2),
    _Product("House Shake 7g", None, "flower", 25, 3),
    _Product("Pineapple Express Pre-Roll 1g", "Pacific Bloom", "pre-rolls", 12, 7),
    _Product("Infused Pre-Roll 5-Pack", "Kindred Leaf", "pre-rolls", 45, 3),
    _Product("House Pre-Roll 1g", None, "pre-rolls", 8, 5),
    _Product("Live Resin Cart 1g - Jack Herer", "Sunset Valley", "vapes", 50, 5),
    _Product("Disposable Vape 0.5g - Blue Razz", "Kindred Leaf", "vapes", 30, 6),
    _Product("Distillate Cart 1g - Zkittlez", "Sunset Valley", "vapes", 40, 4),
    _Product("Crème Brûlée Gummies 100mg", "Mellow Kitchen", "edibles", 20, 7),
    _Product("Dark Chocolate Bar 100mg", "Mellow Kitchen", "edibles", 22, 4),
    _Product("Sour Watermelon Chews 100mg", "Humboldt Hearth", "edibles", 18, 5),
    _Product("THC Seltzer 10mg 4-Pack", "Humboldt Hearth", "edibles", 16, 3),
    _Product("Live Rosin 1g", "Emerald Peak", "concentrates", 65, 2),
    _Product("Badder 1g - Gelato", "Sunset Valley", "concentrates", 45, 2),
    _Product("Diamonds & Sauce 1g", "Pacific Bloom", "concentrates", 55, 2),
    _Product("CBD:THC Relief Balm 2oz", "@Home Botanicals", "topicals", 38, 2),
    _Product("Cooling Muscle Roll-On", "@Home Botanicals", "topicals", 28, 1),
    _Product("Rolling Papers", None, "accessories", 3, 3),
    _Product("Loyalty Reward Pre-Roll 1g", None, "pre-rolls", 0, 0),
)
REWARD_PRODUCT = len(CATALOG) - 1


@dataclass(frozen=True)
class _CampaignPlan:
    name: str
    channels: tuple[str, ...]
    tags: str = ""
    window_days: int | None = None
    engagements: str = ""
    reach: float = 0.5
    day: int | None = None


CAMPAIGN_PLANS = (
    _CampaignPlan("Weekend Flower Deal", (SMS,), "promo;weekend;flower", reach=0.6),
    _CampaignPlan("Pre-Roll Tuesday", (SMS,), "promo;pre-rolls", 1),
    _CampaignPlan("New Vape Drop", (MMS,), "new-product;vapes", 3),
    _CampaignPlan("Edibles Restock Alert", (PUSH,), "restock;edibles", reach=0.9),
    _CampaignPlan("Wallet Offer: $10 Off $50", (WALLET_PASS,), "promo;wallet", 14,
                  reach=0.95),
    _CampaignPlan("Points Expiring Reminder", (VOICE,), "loyalty;reminder", 3,
                  "call_answered", reach=0.3),
    _CampaignPlan("Concentrate Clearance", (SMS, EMAIL), "promo;concentrates", None,
                  "clicked;landing_page_viewed"),
    _CampaignPlan("Terpene Guide", (EMAIL,), "education", 30,
                  "clicked;landing_page_viewed", reach=0.7),
    _CampaignPlan("Happy Hour Deals", (SMS,), "promo;weekday", 1),
    _CampaignPlan("Budtender Favorites", (MMS,), "staff-picks", reach=0.55),
    _CampaignPlan("Double Points Weekend", (SMS, PUSH), "loyalty;weekend", 3,
                  reach=0.6),
    _CampaignPlan("Topicals Spotlight", (EMAIL,), "education;topicals", 14,
                  "opened;clicked", reach=0.6),
    _CampaignPlan("Flash Sale: 4 Hours Only", (SMS,), "promo;flash", 1, "clicked",
                  reach=0.7),
    _CampaignPlan("Store Event Invite", (VOICE,), "event", 14, reach=0.2),
    _CampaignPlan("Month-End Clearance", (SMS,), "promo;clearance", reach=0.6, day=28),
    _CampaignPlan("Fresh Drop Friday", (MMS,), "new-product;weekend;flower"),
    _CampaignPlan("App Exclusive Gummies", (PUSH,), "promo;edibles;app", 3, reach=0.9),
    _CampaignPlan("Wallet Pass Holiday Refresh", (WALLET_PASS,), "wallet;holiday", 30,
                  reach=0.95),
    _CampaignPlan("VIP Early Access", (SMS,), "vip", reach=0.0),
    _CampaignPlan("Customer Appreciation Day", (SMS, EMAIL), "promo;event", 14,
                  reach=0.7),
)
NEWSLETTER_NAME = "Monthly Newsletter – {month:%B %Y}"
NEWSLETTER_TAGS = "newsletter"
NEWSLETTER_WINDOW_DAYS = 3
NEWSLETTER_REACH = 0.8
NEWSLETTER_DAYS = (2, 6)
NEWSLETTER_HOUR = 10


@dataclass(frozen=True)
class _StepPlan:
    name: str
    action: str
    channel: str | None = None
    hours: float = 0.0
    exit_share: float = 0.0
    points: int | None = None


@dataclass(frozen=True)
class _FlowPlan:
    name: str
    trigger: str
    steps: tuple[_StepPlan, ...]
    tags: str = ""
    window_days: int | None = None
    active: bool = True


SIGNUP = "signup"
BIRTHDAY = "birthday"
LAPSED = "lapsed"
TIER_UP = "tier_up"
FLOW_PLANS = (
    _FlowPlan("Welcome Series", SIGNUP, (
        _StepPlan("Welcome text", SEND_MESSAGE, SMS, exit_share=0.02),
        _StepPlan("Wait 2 days", WAIT, hours=48, exit_share=0.08),
        _StepPlan("First-visit discount", ISSUE_DISCOUNT),
        _StepPlan("Welcome email", SEND_MESSAGE, EMAIL, exit_share=0.03),
    ), tags="loyalty;onboarding"),
    _FlowPlan("Birthday Rewards", BIRTHDAY, (
        _StepPlan("Birthday points", GIFT_POINTS, points=100),
        _StepPlan("Birthday MMS", SEND_MESSAGE, MMS),
        _StepPlan("Wait 5 days", WAIT, hours=120, exit_share=0.05),
        _StepPlan("Birthday reminder push", SEND_MESSAGE, PUSH),
    ), tags="loyalty;birthday", window_days=3),
    _FlowPlan("Win-Back 60 Days", LAPSED, (
        _StepPlan("We miss you email", SEND_MESSAGE, EMAIL),
        _StepPlan("Wait 3 days", WAIT, hours=72, exit_share=0.2),
        _StepPlan("Come-back discount", ISSUE_DISCOUNT),
        _StepPlan("Discount reminder text", SEND_MESSAGE, SMS, exit_share=0.02),
    ), tags="retention", window_days=14),
    _FlowPlan("VIP Tier Upgrade", TIER_UP, (
        _StepPlan("Tier-up bonus points", GIFT_POINTS, points=250),
        _StepPlan("Wallet pass update", SEND_MESSAGE, WALLET_PASS),
        _StepPlan("Wait 1 day", WAIT, hours=24, exit_share=0.04),
        _StepPlan("VIP thank-you call", SEND_MESSAGE, VOICE),
    ), tags="loyalty;vip", active=False),
)
FLOW_LEAD_DAYS = 45
FLOW_DEACTIVATED_DAYS_BEFORE_END = 21
LAPSED_ENTRY_SHARE = 0.18
LAPSED_REENTRY_SHARE = 0.15
LAPSED_REENTRY_DAYS = (45, 100)
TIER_UP_ENTRY_SHARE = 0.12
BIRTHDAY_HOUR = 9
STEP_SECONDS = (2, 90)


@dataclass(frozen=True)
class _Period:
    """The months of activity, and their bounds in epoch seconds."""

    first_month: pd.Period
    months: int
    start: int
    cutoff: int


# --------------------------------------------------------------------------- public


def write_sample_dataset(
    dest: str | Path,
    *,
    seed: int = SAMPLE_SEED,
    months: int = 6,
    end_month: str = "2025-12",
    contacts: int = 3000,
    regulated_10dlc: bool = False,
) -> Path:
    """Write the synthetic sample dataset to a folder.

    Parameters
    ----------
    dest : str or Path
        The dataset folder; created if missing, its table files overwritten.
    seed : int, default SAMPLE_SEED
        Seed of ``numpy.random.default_rng``; the same seed gives byte-identical
        files.
    months : int, default 6
        Number of calendar months of activity, in the account time zone.
    end_month : str, default "2025-12"
        The last month, as ``YYYY-MM``; the data stops at its end.
    contacts : int, default 3000
        Number of personas (at least ``MIN_CONTACTS``).
    regulated_10dlc : bool, default False
        Write a 10DLC account: SMS and MMS opens are then ``inbox_viewed`` events
        only, and some clicks have no inbox view (the age gate was not passed).

    Returns
    -------
    Path
        The dataset folder: one CSV per table of ``aiq_nb.contract.TABLES``
        (``account.csv`` is a one-row table) and a ``README.md`` that says the
        data is synthetic and how it was generated.
    """
    _check_arguments(months, end_month, contacts)
    tables = _build_tables(seed, months, end_month, contacts, regulated_10dlc)

    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    readme = _readme(tables, seed, months, end_month, contacts, regulated_10dlc)
    (folder / "README.md").write_text(readme, encoding="utf-8", newline="\n")

    logger.info("wrote the sample dataset (seed %s) to %s", seed, folder)
    return folder


def sample_dataset_path() -> Path:
    """Return the folder of the default sample dataset, generating it on first use.

    The sample is cached under ``$AIQ_NB_CACHE`` if set, else
    ``$XDG_CACHE_HOME/aiq_nb``, else ``~/.cache/aiq_nb``, in a subfolder named after
    ``SAMPLE_VERSION``. It is written to a temporary sibling folder and renamed into
    place, so a half-written sample is never used.

    Returns
    -------
    Path
        The folder, ready for ``load_dataset``.
    """
    final = _cache_root() / f"{CACHE_SAMPLE_PREFIX}{SAMPLE_VERSION}"
    if final.is_dir():
        return final

    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        write_sample_dataset(staging)
        _publish(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


# --------------------------------------------------------------------- the pipeline


def _build_tables(
    seed: int, months: int, end_month: str, contacts: int, regulated: bool
) -> dict[str, pd.DataFrame]:
    """Generate every table, in the order of ``contract.TABLES``."""
    rng = np.random.default_rng(seed)
    period = _make_period(end_month, months)

    people = _make_contacts(rng, contacts, period)
    campaigns = _plan_campaigns(rng, period)
    flows, flow_steps = _plan_flows(period)
    flow_events, flow_sends = _walk_flows(rng, people, period)

    sends = pd.concat([_campaign_sends(rng, campaigns, people), flow_sends])
    messages = _finish_messages(rng, sends, campaigns, period.cutoff)
    events, prompts = _make_events(rng, messages, campaigns, regulated, period.cutoff)
    events = _plant_event_defects(rng, events, messages, period)

    discounts = _issued_discounts(flow_events)
    orders = _make_orders(rng, people, messages, campaigns, prompts, discounts, period)
    items = _make_items(rng, orders)
    orders, discounts = _settle_orders(rng, orders, items, discounts)

    tables = {
        "account": _account_row(regulated),
        "campaigns": pd.concat([campaigns, flows], ignore_index=True),
        "messages": messages,
        "events": events,
        "orders": orders,
        "order_items": items,
        "flow_steps": flow_steps,
        "flow_events": flow_events,
        "discounts": discounts,
        "contacts": people,
    }
    ids = people["contact_id"].to_numpy()
    return {name: _to_output(name, frame, ids) for name, frame in tables.items()}


def _check_arguments(months: int, end_month: str, contacts: int) -> None:
    """Refuse arguments the generator cannot honour, saying which and why."""
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    if contacts < MIN_CONTACTS:
        raise ValueError(f"contacts must be at least {MIN_CONTACTS}, got {contacts}")
    try:
        pd.Period(end_month, freq="M")
    except ValueError as error:
        message = f"end_month must look like 'YYYY-MM', got {end_month!r}"
        raise ValueError(message) from error


# ----------------------------------------------------------------------- time helpers


def _make_period(end_month: str, months: int) -> _Period:
    """The ``months`` months ending with ``end_month``, local midnight to midnight."""
    first_month = pd.Period(end_month, freq="M") - (months - 1)
    start, cutoff = _local_epoch(first_month, np.array([0, months]), 1, 0, 0)
    return _Period(first_month, months, int(start), int(cutoff))


def _local_epoch(
    first_month: pd.Period,
    month_index: np.ndarray,
    day: np.ndarray | int,
    hour: np.ndarray | int,
    minute: np.ndarray | int,
) -> np.ndarray:
    """Epoch seconds of local wall times given as months after ``first_month``."""
    month_number = first_month.year * 12 + first_month.month - 1 + month_index
    parts = pd.DataFrame(
        {
            "year": month_number // 12,
            "month": month_number % 12 + 1,
            "day": day,
            "hour": hour,
            "minute": minute,
        }
    )
    return _naive_local_to_epoch(pd.DatetimeIndex(pd.to_datetime(parts)))


def _naive_local_to_epoch(local: pd.DatetimeIndex) -> np.ndarray:
    """Epoch seconds of naive wall times read in the account zone."""
    aware = local.tz_localize(ACCOUNT_TIMEZONE, nonexistent="shift_forward")
    return aware.tz_convert("UTC").as_unit("s").asi8.copy()


def _epoch_to_naive_local(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Naive account-zone wall times of epoch seconds."""
    utc = pd.to_datetime(seconds, unit="s", utc=True)
    return pd.DatetimeIndex(utc).tz_convert(ACCOUNT_TIMEZONE).tz_localize(None)


def _into_store_hours(rng: np.random.Generator, seconds: np.ndarray) -> np.ndarray:
    """Move instants outside store hours forward, to the next morning's opening."""
    local = _epoch_to_naive_local(seconds)
    day = local.normalize()
    time_of_day = (local - day) // pd.Timedelta(seconds=1)
    early = time_of_day < STORE_OPENS_H * HOUR
    late = time_of_day >= STORE_CLOSES_H * HOUR

    next_day = np.where(late, 1, 0)
    opening = day + pd.to_timedelta(next_day, unit="D")
    spread = rng.integers(0, 3 * HOUR, len(seconds))
    moved = opening + pd.to_timedelta(STORE_OPENS_H * HOUR + spread, unit="s")
    return np.where(early | late, _naive_local_to_epoch(moved), seconds)


def _reaction_delays(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds from a message to a reaction: mostly minutes, some hours, a few days."""
    quick = rng.exponential(45 * MINUTE, size)
    slow = rng.exponential(8 * HOUR, size)
    late = rng.uniform(1 * DAY, 4 * DAY, size)
    pick = rng.random(size)
    cut = QUICK_REACTION_SHARE + SLOW_REACTION_SHARE
    delay = np.select([pick < QUICK_REACTION_SHARE, pick < cut], [quick, slow], late)
    return 1 + delay.astype(np.int64)


def _purchase_delays(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds from a prompt to a purchase: same day, same week or weeks later."""
    same_day = rng.exponential(5 * HOUR, size)
    same_week = rng.uniform(1 * DAY, 7 * DAY, size)
    later = rng.uniform(7 * DAY, 30 * DAY, size)
    pick = rng.random(size)
    cut = SAME_DAY_PURCHASE_SHARE + SAME_WEEK_PURCHASE_SHARE
    choices = [pick < SAME_DAY_PURCHASE_SHARE, pick < cut]
    return np.select(choices, [same_day, same_week], later).astype(np.int64)


def _ids(prefix: str, count: int, width: int) -> np.ndarray:
    """Identifiers ``prefix`` + a zero-padded running number from 1."""
    numbers = pd.Series(np.arange(1, count + 1)).astype(str).str.zfill(width)
    return (prefix + numbers).to_numpy(dtype=object)


# -------------------------------------------------------------- personas and plans


def _make_contacts(
    rng: np.random.Generator, count: int, period: _Period
) -> pd.DataFrame:
    """Personas: ids in order of joining, reachability, home store, spend rate."""
    before = rng.random(count) < SHARE_JOINED_BEFORE
    earliest = period.start - HISTORY_BEFORE_PERIOD_DAYS * DAY
    early = rng.integers(earliest, period.start, count)
    during = rng.integers(period.start, period.cutoff, count)
    joined = np.sort(np.where(before, early, during))

    people = pd.DataFrame({"contact_id": _ids("c", count, 6), "created_at": joined})
    for flag, share in REACH_SHARES.items():
        people[flag] = rng.random(count) < share
    people["home"] = rng.choice(len(LOCATIONS), count, p=LOCATION_WEIGHTS)
    people["spend_rate"] = rng.gamma(SPEND_RATE_SHAPE, 1 / SPEND_RATE_SHAPE, count)
    people["birth_month"] = rng.integers(1, 13, count)
    people["birth_day"] = rng.integers(1, 29, count)
    return people


def _plan_campaigns(rng: np.random.Generator, period: _Period) -> pd.DataFrame:
    """One row per campaign: the fixed plans spread over the months, newsletters.

    Internal columns: ``channels``, ``reach`` (share of contacts in the audience),
    ``links`` (how many links its messages hold) and ``segments`` (SMS parts).
    """
    count, months = len(CAMPAIGN_PLANS), period.months
    fixed_days = np.array([plan.day or 0 for plan in CAMPAIGN_PLANS])
    days = np.where(fixed_days > 0, fixed_days, rng.integers(1, 29, count))
    hours = rng.integers(*LAUNCH_HOURS, count)
    minutes = rng.choice(LAUNCH_MINUTES, count)
    month_index = np.arange(count) * months // count
    launched = _local_epoch(period.first_month, month_index, days, hours, minutes)

    letter_days = rng.integers(*NEWSLETTER_DAYS, months)
    letters = _local_epoch(
        period.first_month, np.arange(months), letter_days, NEWSLETTER_HOUR, 0
    )
    letter_plans = [_newsletter(period.first_month + i) for i in range(months)]
    plans = list(CAMPAIGN_PLANS) + letter_plans
    campaigns = _campaign_rows(plans, np.concatenate([launched, letters]))

    recent = period.cutoff - campaigns["launched_at"] < ACTIVE_RECENT_DAYS * DAY
    campaigns["status"] = np.where(recent, ACTIVE, INACTIVE)
    campaigns["links"] = rng.integers(1, MAX_LINKS_PER_CAMPAIGN + 1, len(campaigns))
    campaigns["segments"] = rng.choice(SMS_SEGMENTS, len(campaigns))
    return campaigns


def _newsletter(month: pd.Period) -> _CampaignPlan:
    """The plan of one month's email newsletter."""
    name = NEWSLETTER_NAME.format(month=month.start_time)
    return _CampaignPlan(name, (EMAIL,), NEWSLETTER_TAGS, NEWSLETTER_WINDOW_DAYS,
                         reach=NEWSLETTER_REACH)


def _campaign_rows(plans: list[_CampaignPlan], launched: np.ndarray) -> pd.DataFrame:
    """Campaign rows of plans, ordered by launch, with ids in that order."""
    rows = pd.DataFrame(
        {
            "name": [plan.name for plan in plans],
            "kind": CAMPAIGN,
            "tags": [plan.tags or None for plan in plans],
            "launched_at": launched,
            "attribution_window_days": pd.array(
                [plan.window_days for plan in plans], dtype="Int64"
            ),
            "conversion_engagements": [plan.engagements or None for plan in plans],
            "channels": [plan.channels for plan in plans],
            "reach": [plan.reach for plan in plans],
        }
    )
    rows = rows.sort_values("launched_at", kind="stable", ignore_index=True)
    rows.insert(0, "campaign_id", _ids("cmp", len(rows), 3))
    return rows


def _plan_flows(period: _Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flows' rows of the campaigns table, and the flow_steps table."""
    flows = pd.DataFrame(
        {
            "campaign_id": _ids("flw", len(FLOW_PLANS), 3),
            "name": [plan.name for plan in FLOW_PLANS],
            "kind": FLOW,
            "status": [ACTIVE if plan.active else INACTIVE for plan in FLOW_PLANS],
            "tags": [plan.tags or None for plan in FLOW_PLANS],
            "launched_at": period.start - FLOW_LEAD_DAYS * DAY,
            "attribution_window_days": pd.array(
                [plan.window_days for plan in FLOW_PLANS], dtype="Int64"
            ),
            "conversion_engagements": None,
            "links": 1,
            "segments": 1,
        }
    )
    steps = [
        (flow_id, _step_id(flow_id, position), step.name, position, step.action)
        for flow_id, plan in zip(flows["campaign_id"], FLOW_PLANS)
        for position, step in enumerate(plan.steps, start=1)
    ]
    columns = ["campaign_id", "step_id", "name", "position", "action"]
    return flows, pd.DataFrame(steps, columns=columns)


def _step_id(flow_id: str, position: int) -> str:
    return f"{flow_id}-s{position}"


# -------------------------------------------------------------------------- flows


def _walk_flows(
    rng: np.random.Generator, people: pd.DataFrame, period: _Period
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts moving through every flow: flow events and the flows' sends.

    Flow events are in time order; the discounts they issue are numbered in
    that order (``discount_id``).
    """
    events, sends = [], []
    deactivated_at = period.cutoff - FLOW_DEACTIVATED_DAYS_BEFORE_END * DAY
    for number, plan in enumerate(FLOW_PLANS, start=1):
        stop = period.cutoff if plan.active else deactivated_at
        entries = _flow_entries(rng, plan.trigger, people, period, stop)
        flow_events, flow_sends = _walk_flow(
            rng, f"flw{number:03d}", plan, entries, people, stop,
            deactivated=not plan.active,
        )
        events.append(flow_events)
        sends.append(flow_sends)

    flow_events = pd.concat(events, ignore_index=True)
    order = ["occurred_at", "campaign_id", "contact"]
    flow_events = flow_events.sort_values(order, kind="stable", ignore_index=True)
    issued = flow_events["issues_discount"].to_numpy()
    flow_events["discount_id"] = None
    flow_events.loc[issued, "discount_id"] = _ids("d", issued.sum(), 5)
    return flow_events, pd.concat(sends, ignore_index=True)


def _flow_entries(
    rng: np.random.Generator,
    trigger: str,
    people: pd.DataFrame,
    period: _Period,
    stop: int,
) -> pd.DataFrame:
    """When which contact (by position) entered a flow, re-entries included."""
    joined = people["created_at"].to_numpy()
    count, start = len(people), period.start
    if trigger == SIGNUP:
        contact = np.flatnonzero((joined >= start) & (joined < stop))
        entered = joined[contact] + rng.integers(MINUTE, 10 * MINUTE, len(contact))
    elif trigger == BIRTHDAY:
        contact, entered = _birthday_entries(rng, people, period)
    else:
        share = LAPSED_ENTRY_SHARE if trigger == LAPSED else TIER_UP_ENTRY_SHARE
        contact = np.flatnonzero((rng.random(count) < share) & (joined < start))
        entered = rng.integers(start, stop, len(contact))
        if trigger == LAPSED:
            contact, entered = _add_reentries(rng, contact, entered)

    entries = pd.DataFrame({"contact": contact, "entered_at": entered})
    entries = entries[(entries["entered_at"] < stop) & (entries["entered_at"] >= start)]
    return entries.sort_values(["entered_at", "contact"], ignore_index=True)


def _birthday_entries(
    rng: np.random.Generator, people: pd.DataFrame, period: _Period
) -> tuple[np.ndarray, np.ndarray]:
    """Contacts entering on their birthday morning, for each month of the period."""
    birth_month = people["birth_month"].to_numpy()
    contacts, moments = [], []
    for index in range(period.months):
        chosen = np.flatnonzero(birth_month == (period.first_month + index).month)
        days = people["birth_day"].to_numpy()[chosen]
        minutes = rng.integers(0, 30, len(chosen))
        month_index = np.full(len(chosen), index)
        moments.append(
            _local_epoch(period.first_month, month_index, days, BIRTHDAY_HOUR, minutes)
        )
        contacts.append(chosen)
    contact, entered = np.concatenate(contacts), np.concatenate(moments)
    known = people["created_at"].to_numpy()[contact] < entered
    return contact[known], entered[known]


def _add_reentries(
    rng: np.random.Generator, contact: np.ndarray, entered: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Let some contacts enter the flow a second time, weeks after the first."""
    again = rng.random(len(contact)) < LAPSED_REENTRY_SHARE
    gap = rng.integers(*LAPSED_REENTRY_DAYS, again.sum()) * DAY
    contact = np.concatenate([contact, contact[again]])
    entered = np.concatenate([entered, entered[again] + gap])
    return contact, entered


def _walk_flow(
    rng: np.random.Generator,
    flow_id: str,
    plan: _FlowPlan,
    entries: pd.DataFrame,
    people: pd.DataFrame,
    stop: int,
    *,
    deactivated: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Walk every entry through the flow's steps, up to ``stop``.

    At ``stop`` a contact still in a step stays in progress, or exits when the flow
    was deactivated then.
    """
    contact = entries["contact"].to_numpy()
    at = entries["entered_at"].to_numpy()
    alive = np.ones(len(contact), dtype=bool)
    events, sends = [], []

    for position, step in enumerate(plan.steps, start=1):
        step_id = _step_id(flow_id, position)
        events.append(_flow_rows(flow_id, step_id, contact[alive], at[alive], ENTERED))
        if step.channel is not None:
            sends.append(_flow_sends(rng, flow_id, step_id, step.channel,
                                     contact[alive], at[alive], people, stop))

        leave = at + _step_seconds(rng, step, len(at))
        exits = rng.random(len(at)) < step.exit_share
        partial = ((leave - at) * rng.random(len(at))).astype(np.int64) + 1
        moved_at = np.where(exits, at + partial, leave)
        done = alive & (moved_at < stop)

        last = position == len(plan.steps)
        kept = done & ~exits
        events.append(_flow_rows(flow_id, step_id, contact[done & exits],
                                 moved_at[done & exits], EXITED))
        events.append(_flow_rows(flow_id, step_id, contact[kept], moved_at[kept],
                                 COMPLETED_FLOW if last else ADVANCED, step))
        if deactivated:
            running = alive & ~done
            events.append(_flow_rows(flow_id, step_id, contact[running],
                                     np.full(running.sum(), stop), EXITED))
        alive, at = kept, leave

    return pd.concat(events, ignore_index=True), pd.concat(sends, ignore_index=True)


def _step_seconds(rng: np.random.Generator, step: _StepPlan, size: int) -> np.ndarray:
    """Time spent in a step: the wait of a wait step, else a few seconds."""
    seconds = rng.integers(*STEP_SECONDS, size)
    return seconds + int(step.hours * HOUR)


def _flow_rows(
    flow_id: str,
    step_id: str,
    contact: np.ndarray,
    at: np.ndarray,
    event: str,
    step: _StepPlan | None = None,
) -> pd.DataFrame:
    """Flow events of one kind; a leaving row carries its step's points, discount."""
    points = step.points if step is not None else None
    issues = step is not None and step.action == ISSUE_DISCOUNT
    return pd.DataFrame(
        {
            "campaign_id": flow_id,
            "step_id": step_id,
            "contact": contact,
            "event": event,
            "occurred_at": at,
            "points": pd.array([points] * len(contact), dtype="Int64"),
            "issues_discount": issues,
        }
    )


def _flow_sends(
    rng: np.random.Generator,
    flow_id: str,
    step_id: str,
    channel: str,
    contact: np.ndarray,
    at: np.ndarray,
    people: pd.DataFrame,
    stop: int,
) -> pd.DataFrame:
    """Messages of a send step, to the contacts reachable on its channel."""
    reachable = people[CHANNEL_MODELS[channel].contact_flag].to_numpy()[contact]
    sent = at + rng.integers(1, 30, len(at))
    keep = reachable & (sent < stop)
    return pd.DataFrame(
        {
            "campaign_id": flow_id,
            "step_id": step_id,
            "contact": contact[keep],
            "channel": channel,
            "sent_at": sent[keep],
        }
    )


def _issued_discounts(flow_events: pd.DataFrame) -> pd.DataFrame:
    """One row per discount issued by a flow (not yet redeemed)."""
    issued = flow_events["issues_discount"].to_numpy()
    discounts = flow_events.loc[issued, ["discount_id", "campaign_id", "step_id"]]
    discounts["contact"] = flow_events.loc[issued, "contact"]
    discounts["issued_at"] = flow_events.loc[issued, "occurred_at"]
    return discounts.reset_index(drop=True)


# ----------------------------------------------------------------------- messages


def _campaign_sends(
    rng: np.random.Generator, campaigns: pd.DataFrame, people: pd.DataFrame
) -> pd.DataFrame:
    """One send per audience member and channel of each campaign."""
    joined = people["created_at"].to_numpy()
    parts = []
    for campaign in campaigns.itertuples():
        audience = (joined < campaign.launched_at) & (
            rng.random(len(people)) < campaign.reach
        )
        for channel in campaign.channels:
            model = CHANNEL_MODELS[channel]
            contact = np.flatnonzero(audience & people[model.contact_flag].to_numpy())
            sent = campaign.launched_at + rng.integers(0, model.send_spread_s, len(contact))
            parts.append(pd.DataFrame({"campaign_id": campaign.campaign_id,
                                       "contact": contact, "channel": channel,
                                       "sent_at": sent}))
    return pd.concat(parts, ignore_index=True)


def _finish_messages(
    rng: np.random.Generator, sends: pd.DataFrame, campaigns: pd.DataFrame, cutoff: int
) -> pd.DataFrame:
    """Number the sends in time order; add status, failure reason and pricing."""
    order = ["sent_at", "campaign_id", "contact", "channel"]
    messages = sends[sends["sent_at"] < cutoff].sort_values(order, ignore_index=True)
    messages.insert(0, "message_id", _ids("m", len(messages), 7))
    channel = messages["channel"]

    share = channel.map({name: m.failure_share for name, m in CHANNEL_MODELS.items()})
    failed = rng.random(len(messages)) < share.to_numpy()
    messages["status"] = np.where(failed, FAILED, DELIVERED)
    messages["failure_reason"] = _failure_reasons(rng, channel, failed)

    segments = messages["campaign_id"].map(campaigns.set_index("campaign_id")["segments"])
    segments = np.where(channel == SMS, segments.fillna(1), 1)
    credits = channel.map({name: m.credits for name, m in CHANNEL_MODELS.items()})
    price = channel.map({name: m.cost_per_credit for name, m in CHANNEL_MODELS.items()})
    messages["credits"] = credits * segments
    messages["cost"] = (messages["credits"] * price).round(4)
    fee = channel.map({name: m.carrier_fee for name, m in CHANNEL_MODELS.items()})
    messages["carrier_fee"] = fee.astype("float64").where(~failed)
    return messages


def _failure_reasons(
    rng: np.random.Generator, channel: pd.Series, failed: np.ndarray
) -> np.ndarray:
    """A channel-specific failure reason for each failed message, else missing."""
    reasons = np.full(len(channel), None, dtype=object)
    for name, model in CHANNEL_MODELS.items():
        chosen = failed & (channel.to_numpy() == name)
        reasons[chosen] = rng.choice(model.failure_reasons, chosen.sum())
    return reasons


# ------------------------------------------------------------------------- events


@dataclass
class _Reactions:
    """What each delivered message prompted, aligned with the delivered rows."""

    opened: np.ndarray
    open_at: np.ndarray
    clicked: np.ndarray
    click_at: np.ndarray
    answered: np.ndarray
    answer_at: np.ndarray


def _make_events(
    rng: np.random.Generator,
    messages: pd.DataFrame,
    campaigns: pd.DataFrame,
    regulated: bool,
    cutoff: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Engagement events of delivered messages, and the purchases they prompt.

    Returns the events (before ids) and one row per delivered message with its
    contact, the moment of its deepest engagement and the chance of a purchase.
    """
    delivered = messages[messages["status"] == DELIVERED].reset_index(drop=True)
    links = delivered["campaign_id"].map(campaigns.set_index("campaign_id")["links"])
    delivered["links"] = links.fillna(1).astype(int)

    opens, opened, open_at = _open_events(rng, delivered, regulated)
    clicks, clicked, click_at = _click_events(rng, delivered, opened, open_at)
    voice, answered, answer_at = _voice_events(rng, delivered)
    reactions = _Reactions(opened, open_at, clicked, click_at, answered, answer_at)

    parts = [opens, clicks, _landing_events(rng, clicks),
             _opt_out_events(rng, delivered), voice]
    events = pd.concat(parts, ignore_index=True)
    events = events[events["occurred_at"] < cutoff]
    return events, _purchase_prompts(delivered, reactions)


def _event_rows(
    message_id: np.ndarray,
    event_type: str | np.ndarray,
    at: np.ndarray,
    link_url: np.ndarray | None = None,
    duration_s: np.ndarray | None = None,
) -> pd.DataFrame:
    """Event rows, without ids; link and duration missing unless given."""
    size = len(message_id)
    links = link_url if link_url is not None else np.full(size, None, dtype=object)
    durations = duration_s if duration_s is not None else [None] * size
    return pd.DataFrame(
        {
            "message_id": message_id,
            "event_type": event_type,
            "occurred_at": at,
            "link_url": links,
            "duration_s": pd.array(durations, dtype="Int64"),
        }
    )


def _open_events(
    rng: np.random.Generator, delivered: pd.DataFrame, regulated: bool
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Opens (inbox views for gated channels of 10DLC accounts) and re-opens."""
    channel = delivered["channel"].to_numpy()
    share = delivered["channel"].map({n: m.open_share for n, m in CHANNEL_MODELS.items()})
    opened = rng.random(len(delivered)) < share.to_numpy()
    open_at = delivered["sent_at"].to_numpy() + _reaction_delays(rng, len(delivered))

    gated = np.isin(channel, list(INBOX_GATED_CHANNELS))
    viewed = gated & (regulated | (rng.random(len(delivered)) < INBOX_VIEW_SHARE_UNREGULATED))
    kind = np.where(viewed, INBOX_VIEWED, OPENED)
    ids = delivered["message_id"].to_numpy()
    first = _event_rows(ids[opened], kind[opened], open_at[opened])

    again = opened & ~gated & (rng.random(len(delivered)) < REOPEN_SHARE)
    later = open_at[again] + _reaction_delays(rng, again.sum()) * 4
    reopens = _event_rows(ids[again], OPENED, later)
    return pd.concat([first, reopens], ignore_index=True), opened, open_at


def _click_events(
    rng: np.random.Generator,
    delivered: pd.DataFrame,
    opened: np.ndarray,
    open_at: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Link clicks: mostly after an open, some without one; some click again."""
    size = len(delivered)
    share = delivered["channel"].map({n: m.click_share for n, m in CHANNEL_MODELS.items()})
    clickable = share.to_numpy() > 0
    draw = rng.random(size)
    clicked = clickable & np.where(opened, draw < share, draw < CLICK_WITHOUT_OPEN_SHARE)
    after_open = open_at + rng.integers(5, 20 * MINUTE, size)
    click_at = np.where(opened, after_open, delivered["sent_at"] + _reaction_delays(rng, size))

    count = 1 + np.minimum(rng.poisson(EXTRA_CLICKS_MEAN, size), MAX_CLICKS - 1)
    rows = np.repeat(np.flatnonzero(clicked), count[clicked])
    again = np.concatenate([[False], rows[1:] == rows[:-1]])
    at = click_at[rows] + np.where(again, rng.integers(30, 2 * DAY, len(rows)), 0)

    links = delivered["links"].to_numpy()[rows]
    path = np.array(LINK_PATHS)[(rng.random(len(rows)) * links).astype(int)]
    campaign = delivered["campaign_id"].to_numpy()[rows].astype(str)
    url = SHOP_URL + "/" + path.astype(object) + "?utm_campaign=" + campaign.astype(object)
    ids = delivered["message_id"].to_numpy()[rows]
    return _event_rows(ids, CLICKED, at, url), clicked, click_at


def _landing_events(rng: np.random.Generator, clicks: pd.DataFrame) -> pd.DataFrame:
    """Landing page views, seconds after some of the clicks, on the same link."""
    viewed = rng.random(len(clicks)) < LANDING_PAGE_SHARE
    chosen = clicks[viewed]
    at = chosen["occurred_at"].to_numpy() + rng.integers(2, 40, len(chosen))
    return _event_rows(chosen["message_id"].to_numpy(), LANDING_PAGE_VIEWED, at,
                       chosen["link_url"].to_numpy())


def _opt_out_events(rng: np.random.Generator, delivered: pd.DataFrame) -> pd.DataFrame:
    """Unsubscribes; wallet passes are muted or removed instead."""
    size = len(delivered)
    ids = delivered["message_id"].to_numpy()
    at = delivered["sent_at"].to_numpy() + _reaction_delays(rng, size)
    wallet = delivered["channel"].to_numpy() == WALLET_PASS

    share = delivered["channel"].map(
        {n: m.unsubscribe_share for n, m in CHANNEL_MODELS.items()}
    )
    draw = rng.random(size)
    left = draw < share.to_numpy()
    muted = wallet & (draw < PASS_MUTED_SHARE)
    removed = wallet & (draw >= PASS_MUTED_SHARE) & (
        draw < PASS_MUTED_SHARE + PASS_REMOVED_SHARE
    )
    parts = [_event_rows(ids[left], UNSUBSCRIBED, at[left]),
             _event_rows(ids[muted], PASS_MUTED, at[muted]),
             _event_rows(ids[removed], PASS_REMOVED, at[removed])]
    return pd.concat(parts, ignore_index=True)


def _voice_events(
    rng: np.random.Generator, delivered: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Calls answered (talk time), listened to the end, or left on voicemail."""
    size = len(delivered)
    voice = delivered["channel"].to_numpy() == VOICE
    ids = delivered["message_id"].to_numpy()
    draw = rng.random(size)
    answered = voice & (draw < ANSWER_SHARE)
    answer_at = delivered["sent_at"].to_numpy() + rng.integers(4, 25, size)

    talk = rng.lognormal(np.log(TALK_MEDIAN_S), 0.7, size).clip(3, MAX_TALK_S)
    talk = talk.astype(np.int64)
    ended = answered & (rng.random(size) < LISTEN_TO_END_SHARE)
    machine = voice & ~answered & (rng.random(size) < VOICEMAIL_SHARE)
    recording = rng.integers(15, 40, size)

    parts = [
        _event_rows(ids[answered], CALL_ANSWERED, answer_at[answered],
                    duration_s=talk[answered]),
        _event_rows(ids[ended], CALL_COMPLETED, (answer_at + talk)[ended]),
        _event_rows(ids[machine], VOICEMAIL, (answer_at + 20)[machine],
                    duration_s=recording[machine]),
    ]
    return pd.concat(parts, ignore_index=True), answered, answer_at


def _purchase_prompts(delivered: pd.DataFrame, reactions: _Reactions) -> pd.DataFrame:
    """Per delivered message: its contact, the deepest engagement's moment, odds."""
    trigger = np.select(
        [reactions.clicked, reactions.answered, reactions.opened],
        [reactions.click_at, reactions.answer_at, reactions.open_at],
        delivered["sent_at"].to_numpy(),
    )
    odds = (
        BUY_AFTER_DELIVERY
        + BUY_AFTER_OPEN * reactions.opened
        + BUY_AFTER_CLICK * reactions.clicked
        + BUY_AFTER_ANSWER * reactions.answered
    )
    return pd.DataFrame({"contact": delivered["contact"], "trigger_at": trigger,
                         "odds": odds})


def _plant_event_defects(
    rng: np.random.Generator,
    events: pd.DataFrame,
    messages: pd.DataFrame,
    period: _Period,
) -> pd.DataFrame:
    """Add rows the data-quality section must count, then number the events.

    Planted: events of failed messages, events of message ids that do not exist,
    and exact duplicates of a few rows (same event id).
    """
    failed = messages[(messages["status"] == FAILED) & (messages["channel"] == EMAIL)]
    count = min(FAILED_MESSAGE_EVENTS, len(failed))
    picked = failed.iloc[rng.choice(len(failed), count, replace=False)]
    on_failed = _event_rows(
        picked["message_id"].to_numpy(), OPENED, picked["sent_at"].to_numpy() + HOUR
    )

    numbers = len(messages) + ORPHAN_ID_OFFSET + np.arange(ORPHAN_EVENTS)
    unknown = np.array([f"m{number:07d}" for number in numbers], dtype=object)
    at = rng.integers(period.start, period.cutoff, ORPHAN_EVENTS)
    orphans = _event_rows(unknown, OPENED, at)

    events = pd.concat([events, on_failed, orphans], ignore_index=True)
    order = ["occurred_at", "message_id", "event_type"]
    events = events.sort_values(order, kind="stable", ignore_index=True)
    events.insert(0, "event_id", _ids("e", len(events), 7))

    copies = rng.choice(len(events), DUPLICATE_EVENTS, replace=False)
    doubled = pd.concat([events, events.iloc[copies]])
    return doubled.sort_index(kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------- orders

ROUTINE = "routine"
PROMPTED = "prompted"
GUEST = "guest"
REDEEMING = "redeeming"
EDGE = "edge"


def _make_orders(
    rng: np.random.Generator,
    people: pd.DataFrame,
    messages: pd.DataFrame,
    campaigns: pd.DataFrame,
    prompts: pd.DataFrame,
    discounts: pd.DataFrame,
    period: _Period,
) -> pd.DataFrame:
    """Orders in time order: routine, prompted, guest, redeeming, on a boundary.

    Internal columns: ``contact`` (position, -1 for a guest), ``source``,
    ``discount_id`` (redeemed), ``zero`` (a free reward) and ``bare`` (no items).
    """
    routine = _routine_orders(rng, people, period)
    parts = [
        routine,
        _prompted_orders(rng, prompts),
        _guest_orders(rng, round(GUEST_ORDER_SHARE * len(routine)), period),
        _redeeming_orders(rng, discounts),
        _boundary_orders(messages, campaigns),
    ]
    orders = pd.concat(parts, ignore_index=True)
    orders = orders[orders["ordered_at"] < period.cutoff]
    order = ["ordered_at", "contact"]
    orders = orders.sort_values(order, kind="stable", ignore_index=True)
    orders.insert(0, "order_id", _ids("o", len(orders), 6))
    return _order_details(rng, orders, people)


def _routine_orders(
    rng: np.random.Generator, people: pd.DataFrame, period: _Period
) -> pd.DataFrame:
    """Each contact's own rhythm of purchases, unrelated to any message."""
    joined = people["created_at"].to_numpy()
    earliest = np.maximum(joined, period.start)
    months = (period.cutoff - earliest) / (DAY * 365.25 / 12)
    rate = people["spend_rate"].to_numpy() * BASE_ORDERS_PER_MONTH
    count = rng.poisson(rate * months)

    contact = np.repeat(np.arange(len(people)), count)
    span = period.cutoff - earliest[contact]
    at = earliest[contact] + (rng.random(len(contact)) * span).astype(np.int64)
    return _order_rows(contact, _into_store_hours(rng, at), ROUTINE)


def _prompted_orders(rng: np.random.Generator, prompts: pd.DataFrame) -> pd.DataFrame:
    """Purchases prompted by a delivered message, after its deepest engagement."""
    buys = rng.random(len(prompts)) < prompts["odds"].to_numpy()
    chosen = prompts[buys]
    at = chosen["trigger_at"].to_numpy() + _purchase_delays(rng, len(chosen))
    contact = chosen["contact"].to_numpy()
    return _order_rows(contact, _into_store_hours(rng, at), PROMPTED)


def _guest_orders(
    rng: np.random.Generator, count: int, period: _Period
) -> pd.DataFrame:
    """Walk-in purchases with no known contact."""
    at = rng.integers(period.start, period.cutoff, count)
    return _order_rows(np.full(count, -1), _into_store_hours(rng, at), GUEST)


def _redeeming_orders(
    rng: np.random.Generator, discounts: pd.DataFrame
) -> pd.DataFrame:
    """Purchases that redeem a discount issued by a flow."""
    redeemed = rng.random(len(discounts)) < REDEEM_SHARE
    chosen = discounts[redeemed]
    delay = rng.integers(2 * HOUR, 10 * DAY, len(chosen))
    at = _into_store_hours(rng, chosen["issued_at"].to_numpy() + delay)
    rows = _order_rows(chosen["contact"].to_numpy(), at, REDEEMING)
    rows["discount_id"] = chosen["discount_id"].to_numpy()
    return rows


def _boundary_orders(messages: pd.DataFrame, campaigns: pd.DataFrame) -> pd.DataFrame:
    """Two purchases on window edges: at a delivery, and exactly one window later."""
    windows = campaigns.set_index("campaign_id")["attribution_window_days"]
    window = messages["campaign_id"].map(windows).fillna(0).to_numpy()
    delivered = (messages["status"] == DELIVERED).to_numpy()
    candidates = messages[delivered & (window == 1)]
    first = candidates.drop_duplicates("contact").head(2)
    at = first["sent_at"].to_numpy() + np.array([0, DAY])[: len(first)]
    return _order_rows(first["contact"].to_numpy(), at, EDGE)


def _order_rows(contact: np.ndarray, at: np.ndarray, source: str) -> pd.DataFrame:
    """Orders of one source: who (contact position) and when."""
    return pd.DataFrame(
        {"contact": contact, "ordered_at": at, "source": source, "discount_id": None}
    )


def _order_details(
    rng: np.random.Generator, orders: pd.DataFrame, people: pd.DataFrame
) -> pd.DataFrame:
    """Store, status, and which orders are free rewards or come without items."""
    size = len(orders)
    contact = orders["contact"].to_numpy()
    home = people["home"].to_numpy()[np.maximum(contact, 0)]
    elsewhere = rng.choice(len(LOCATIONS), size, p=LOCATION_WEIGHTS)
    at_home = (contact >= 0) & (rng.random(size) < HOME_STORE_SHARE)
    orders["location"] = np.array(LOCATIONS)[np.where(at_home, home, elsewhere)]

    draw = rng.random(size)
    cut = CANCELLED_SHARE + REFUNDED_SHARE
    status = np.select(
        [draw < CANCELLED_SHARE, draw < cut], [CANCELLED_ORDER, REFUNDED_ORDER],
        COMPLETED_ORDER,
    )
    ordinary = orders["source"].isin([ROUTINE, PROMPTED, GUEST]).to_numpy()
    orders["status"] = np.where(ordinary, status, COMPLETED_ORDER)

    routine = np.flatnonzero((orders["source"] == ROUTINE).to_numpy() & (draw >= cut))
    count = min(ZERO_TOTAL_ORDERS, len(routine))
    orders["zero"] = np.isin(np.arange(size), rng.choice(routine, count, replace=False))
    orders["bare"] = ~orders["zero"] & (rng.random(size) < NO_ITEM_SHARE)
    return orders


def _make_items(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """Order lines: a few products per order; none for bare orders, a reward for
    zero-total orders."""
    size = len(orders)
    zero, bare = orders["zero"].to_numpy(), orders["bare"].to_numpy()
    lines = 1 + np.minimum(rng.poisson(EXTRA_ITEMS_MEAN, size), MAX_ITEMS - 1)
    lines = np.where(bare, 0, np.where(zero, 1, lines))
    owner = np.repeat(np.arange(size), lines)

    weights = np.array([product.weight for product in CATALOG], dtype=float)
    product = rng.choice(len(CATALOG), len(owner), p=weights / weights.sum())
    quantity = rng.choice(QUANTITIES, len(owner), p=QUANTITY_WEIGHTS)
    free = zero[owner]
    product = np.where(free, REWARD_PRODUCT, product)
    quantity = np.where(free, 1, quantity)
    return _item_rows(orders["order_id"].to_numpy()[owner], product, quantity)


def _item_rows(
    order_id: np.ndarray, product: np.ndarray, quantity: np.ndarray
) -> pd.DataFrame:
    """Item rows from catalogue positions; amount is quantity times unit price."""
    price = np.array([item.price for item in CATALOG], dtype=float)[product]
    names = np.array([item.name for item in CATALOG], dtype=object)
    brands = np.array([item.brand for item in CATALOG], dtype=object)
    categories = np.array([item.category for item in CATALOG], dtype=object)
    return pd.DataFrame(
        {
            "order_id": order_id,
            "product": names[product],
            "brand": brands[product],
            "quantity": quantity,
            "amount": (quantity * price).round(2),
            "category": categories[product],
        }
    )


def _settle_orders(
    rng: np.random.Generator,
    orders: pd.DataFrame,
    items: pd.DataFrame,
    discounts: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set order totals (sum of lines, or drawn when bare) and redeemed discounts."""
    line_totals = items.groupby("order_id", sort=False)["amount"].sum()
    totals = orders["order_id"].map(line_totals).round(2).to_numpy()
    drawn = rng.lognormal(np.log(NO_ITEM_TOTAL_MEDIAN), 0.5, len(orders)).round(2)
    orders["total"] = np.where(orders["bare"].to_numpy(), drawn, totals)

    redeeming = orders.dropna(subset=["discount_id"]).set_index("discount_id")
    discounts["redeemed_at"] = discounts["discount_id"].map(redeeming["ordered_at"])
    discounts["order_id"] = discounts["discount_id"].map(redeeming["order_id"])
    return orders, discounts


# ------------------------------------------------------------------------- output


def _account_row(regulated: bool) -> pd.DataFrame:
    """The account settings as a one-row table."""
    return pd.DataFrame(
        {
            "timezone": [ACCOUNT_TIMEZONE],
            "currency": [ACCOUNT_CURRENCY],
            "default_attribution_window_days": [ACCOUNT_WINDOW_DAYS],
            "regulated_10dlc": ["true" if regulated else "false"],
            "name": [ACCOUNT_NAME],
        }
    )


def _to_output(name: str, frame: pd.DataFrame, contact_ids: np.ndarray) -> pd.DataFrame:
    """The columns of the contract (and documented extras) with instants as text."""
    frame = frame.copy()
    if "contact" in frame:
        position = frame["contact"].to_numpy()
        known = position >= 0
        ids = np.full(len(frame), None, dtype=object)
        ids[known] = contact_ids[position[known]]
        frame["contact_id"] = ids

    table = contract.TABLES[name]
    for column in table.columns:
        if column.dtype == contract.INSTANT and column.name in frame:
            local = (name, column.name) in LOCAL_OFFSET_COLUMNS
            frame[column.name] = _format_instants(frame[column.name], local=local)
    columns = table.column_names + list(EXTRA_COLUMNS.get(name, ()))
    return frame.reindex(columns=columns)


def _format_instants(seconds: pd.Series, *, local: bool) -> pd.Series:
    """ISO-8601 text of epoch seconds: UTC with ``Z``, or the account's offset."""
    moments = pd.to_datetime(seconds.astype("Int64"), unit="s", utc=True)
    if not local:
        return moments.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = moments.dt.tz_convert(ACCOUNT_TIMEZONE).dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    return text.str[:-2] + ":" + text.str[-2:]


def _readme(
    tables: dict[str, pd.DataFrame],
    seed: int,
    months: int,
    end_month: str,
    contacts: int,
    regulated: bool,
) -> str:
    """The folder's README: synthetic, how it was generated, what it holds."""
    rows = "\n".join(
        f"| `{name}.csv` | {len(frame):,} |" for name, frame in tables.items()
    )
    return README_TEMPLATE.format(
        version=SAMPLE_VERSION, seed=seed, months=months, end_month=end_month,
        contacts=contacts, regulated=regulated, zone=ACCOUNT_TIMEZONE, rows=rows,
        duplicates=DUPLICATE_EVENTS, orphans=ORPHAN_EVENTS,
        failed=FAILED_MESSAGE_EVENTS,
    )


README_TEMPLATE = """\
# aiq_nb sample dataset — SYNTHETIC DATA

This data is SYNTHETIC. It was generated by `aiq_nb.sample` (sample version
{version}, seed {seed}). No row describes a real person, store, purchase or
message; the dispensary group, stores and brands are fictional.

Parameters: months={months}, end_month={end_month}, contacts={contacts},
regulated_10dlc={regulated}. Account time zone: {zone}.

Regenerate it, byte for byte, with:

```python
from aiq_nb.sample import write_sample_dataset
write_sample_dataset("folder", seed={seed}, months={months}, end_month="{end_month}",
                     contacts={contacts}, regulated_10dlc={regulated})
```

| file | rows |
|---|---|
{rows}

Deliberate data-quality cases: {duplicates} event rows repeated exactly (same
event id), {orphans} events of message ids that do not exist, {failed} events of
failed messages, orders without a contact, orders without items, and a few orders
with a zero total, cancelled or refunded.

Column layout: see `aiq_nb.contract`.
"""


def _cache_root() -> Path:
    """The cache folder: $AIQ_NB_CACHE, else $XDG_CACHE_HOME/aiq_nb, else ~/.cache."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get(XDG_CACHE_ENV)
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / CACHE_APP_FOLDER


def _publish(staging: Path, final: Path) -> None:
    """Rename the finished folder into place; another process may have won."""
    try:
        os.rename(staging, final)
    except OSError:
        if not final.is_dir():
            raise
        logger.info("the sample at %s was generated by another process", final)
