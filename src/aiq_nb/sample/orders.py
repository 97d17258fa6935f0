"""Sample dataset: personas, prompts and discounts in, orders and their lines out.

Orders come from five sources: each persona's own rhythm (routine), purchases a
message prompted after its deepest engagement, walk-in guests with no contact,
redemptions of flow discounts, and two purchases set exactly on a window's edges.
Prompted purchases come hours to weeks after their prompt, so some fall outside
the last message's window but inside an earlier campaign's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aiq_nb.sample.plans import (
    BASE_ORDERS_PER_MONTH,
    CANCELLED_ORDER,
    CANCELLED_SHARE,
    CATALOG,
    COMPLETED_ORDER,
    DAY,
    DELIVERED,
    EXTRA_ITEMS_MEAN,
    GUEST_ORDER_SHARE,
    HOME_STORE_SHARE,
    HOUR,
    LOCATION_WEIGHTS,
    LOCATIONS,
    MAX_ITEMS,
    NO_ITEM_SHARE,
    NO_ITEM_TOTAL_MEDIAN,
    QUANTITIES,
    QUANTITY_WEIGHTS,
    REDEEM_SHARE,
    REFUNDED_ORDER,
    REFUNDED_SHARE,
    REWARD_PRODUCT,
    SAME_DAY_PURCHASE_SHARE,
    SAME_WEEK_PURCHASE_SHARE,
    STORE_CLOSES_H,
    STORE_OPENS_H,
    ZERO_TOTAL_ORDERS,
)
from aiq_nb.sample.sends import (
    Period,
    epoch_to_naive_local,
    make_ids,
    naive_local_to_epoch,
)

ROUTINE = "routine"
PROMPTED = "prompted"
GUEST = "guest"
REDEEMING = "redeeming"
EDGE = "edge"
NO_CONTACT = -1
AVERAGE_MONTH_S = DAY * 365.25 / 12
MORNING_SPREAD_S = 3 * HOUR
REDEEM_DELAY_S = (2 * HOUR, 10 * DAY)
NO_ITEM_TOTAL_SPREAD = 0.5


def make_orders(
    rng: np.random.Generator,
    people: pd.DataFrame,
    messages: pd.DataFrame,
    campaigns: pd.DataFrame,
    prompts: pd.DataFrame,
    discounts: pd.DataFrame,
    period: Period,
) -> pd.DataFrame:
    """Orders before the cutoff, numbered in time order.

    Besides the contract's columns: ``contact`` (position, -1 for a guest),
    ``source``, ``discount_id`` (the discount redeemed), ``zero`` (a free reward,
    total 0) and ``bare`` (no items).
    """
    routine = _routine_orders(rng, people, period)
    guests = round(GUEST_ORDER_SHARE * len(routine))
    parts = [
        routine,
        _prompted_orders(rng, prompts),
        _guest_orders(rng, guests, period),
        _redeeming_orders(rng, discounts),
        _boundary_orders(messages, campaigns),
    ]
    orders = pd.concat(parts, ignore_index=True)
    orders = orders[orders["ordered_at"] < period.cutoff]
    orders = orders.sort_values(["ordered_at", "contact"], kind="stable")
    orders = orders.reset_index(drop=True)
    orders.insert(0, "order_id", make_ids("o", len(orders), 6))
    return _order_details(rng, orders, people)


def _into_store_hours(rng: np.random.Generator, seconds: np.ndarray) -> np.ndarray:
    """Move instants outside store hours forward, into the next opening's first
    hours (same morning, or the next one after closing time)."""
    local = epoch_to_naive_local(seconds)
    day = local.normalize()
    time_of_day = (local - day) // pd.Timedelta(seconds=1)
    early = time_of_day < STORE_OPENS_H * HOUR
    late = time_of_day >= STORE_CLOSES_H * HOUR

    opening = day + pd.to_timedelta(np.where(late, 1, 0), unit="D")
    spread = rng.integers(0, MORNING_SPREAD_S, len(seconds))
    moved = opening + pd.to_timedelta(STORE_OPENS_H * HOUR + spread, unit="s")
    return np.where(early | late, naive_local_to_epoch(moved), seconds)


def _purchase_delays(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds from a prompt to a purchase: same day, same week or weeks later."""
    same_day = rng.exponential(5 * HOUR, size)
    same_week = rng.uniform(1 * DAY, 7 * DAY, size)
    later = rng.uniform(7 * DAY, 30 * DAY, size)
    pick = rng.random(size)
    cut = SAME_DAY_PURCHASE_SHARE + SAME_WEEK_PURCHASE_SHARE
    choices = [pick < SAME_DAY_PURCHASE_SHARE, pick < cut]
    return np.select(choices, [same_day, same_week], later).astype(np.int64)


def _routine_orders(
    rng: np.random.Generator, people: pd.DataFrame, period: Period
) -> pd.DataFrame:
    """Each persona's own rhythm of purchases, unrelated to any message."""
    earliest = np.maximum(people["created_at"].to_numpy(), period.start)
    months = (period.cutoff - earliest) / AVERAGE_MONTH_S
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


def _guest_orders(rng: np.random.Generator, count: int, period: Period) -> pd.DataFrame:
    """Walk-in purchases with no known contact."""
    at = rng.integers(period.start, period.cutoff, count)
    contact = np.full(count, NO_CONTACT)
    return _order_rows(contact, _into_store_hours(rng, at), GUEST)


def _redeeming_orders(
    rng: np.random.Generator, discounts: pd.DataFrame
) -> pd.DataFrame:
    """Purchases that redeem a discount issued by a flow, days after issue."""
    redeemed = rng.random(len(discounts)) < REDEEM_SHARE
    chosen = discounts[redeemed]
    delay = rng.integers(*REDEEM_DELAY_S, len(chosen))
    at = _into_store_hours(rng, chosen["issued_at"].to_numpy() + delay)
    rows = _order_rows(chosen["contact"].to_numpy(), at, REDEEMING)
    rows["discount_id"] = chosen["discount_id"].to_numpy()
    return rows


def _boundary_orders(messages: pd.DataFrame, campaigns: pd.DataFrame) -> pd.DataFrame:
    """Two purchases on the edges of a one-day window: at the delivery itself,
    and (another contact) exactly one window after it."""
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
    at_home = (contact != NO_CONTACT) & (rng.random(size) < HOME_STORE_SHARE)
    orders["location"] = np.array(LOCATIONS)[np.where(at_home, home, elsewhere)]

    draw = rng.random(size)
    cut = CANCELLED_SHARE + REFUNDED_SHARE
    choices = [draw < CANCELLED_SHARE, draw < cut]
    status = np.select(choices, [CANCELLED_ORDER, REFUNDED_ORDER], COMPLETED_ORDER)
    ordinary = orders["source"].isin([ROUTINE, PROMPTED, GUEST]).to_numpy()
    orders["status"] = np.where(ordinary, status, COMPLETED_ORDER)

    routine = (orders["source"] == ROUTINE).to_numpy() & (draw >= cut)
    candidates = np.flatnonzero(routine)
    count = min(ZERO_TOTAL_ORDERS, len(candidates))
    zero = np.isin(np.arange(size), rng.choice(candidates, count, replace=False))
    orders["zero"] = zero
    orders["bare"] = ~zero & (rng.random(size) < NO_ITEM_SHARE)
    return orders


def make_items(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """Order lines: a few products per order, none for bare orders, one free
    reward for zero-total orders. Columns: ``order_id``, ``product``, ``brand``
    (missing for unbranded products), ``quantity``, ``amount``, ``category``."""
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


def settle_orders(
    rng: np.random.Generator,
    orders: pd.DataFrame,
    items: pd.DataFrame,
    discounts: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set order totals and redeemed discounts.

    An order's total is the sum of its lines, or drawn when it has none; a
    redeemed discount gets its order's id and time.
    """
    line_totals = items.groupby("order_id", sort=False)["amount"].sum()
    totals = orders["order_id"].map(line_totals).round(2).to_numpy()
    median = np.log(NO_ITEM_TOTAL_MEDIAN)
    drawn = rng.lognormal(median, NO_ITEM_TOTAL_SPREAD, len(orders)).round(2)
    orders["total"] = np.where(orders["bare"].to_numpy(), drawn, totals)

    redeeming = orders.dropna(subset=["discount_id"]).set_index("discount_id")
    discounts["redeemed_at"] = discounts["discount_id"].map(redeeming["ordered_at"])
    discounts["order_id"] = discounts["discount_id"].map(redeeming["order_id"])
    return orders, discounts
