"""How long the explorer takes to answer a filter change on a big dataset.

Generates (seeded, vectorised numpy, Parquet files in the input format) or reuses a
dataset of ``--messages`` messages and ``--orders`` orders in ``--cache``, loads it,
warms the attribution of both modes, then times ``--changes`` filter changes (channel,
campaign, tag, status, view, period; the mode already warm) through
``aiq_nb.explore.report_for`` and prints the median and p95 latency in ms and the peak
resident memory. The goal is a median under 300 ms on 2 cores.

Usage::

    .venv/bin/python benchmarks/explorer_latency.py                      # 10M / 1M
    .venv/bin/python benchmarks/explorer_latency.py --messages 1000000 --orders 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import aiq_nb
from aiq_nb import explore
from aiq_nb.attribution import MODES, attributed_orders

logger = logging.getLogger("benchmarks.explorer_latency")

SEED = 20260110
DEFAULT_MESSAGES = 10_000_000
DEFAULT_ORDERS = 1_000_000
DEFAULT_CHANGES = 12
DEFAULT_CACHE = Path("/tmp/aiq_nb_bench")
GOAL_MS = 300.0
AS_OF = dt.date(2026, 1, 10)
YEAR_START = np.datetime64("2025-01-11T00:00:00", "s")
SECONDS_IN_YEAR = 365 * 86_400
MESSAGES_PER_CONTACT = 10
CAMPAIGNS = 200
FLOWS = 10
CHANNELS = np.array(["sms", "email", "push", "mms", "voice", "wallet_pass"])
CHANNEL_WEIGHTS = np.array([0.45, 0.3, 0.1, 0.05, 0.05, 0.05])
TAGS = np.array(["promo", "newsletter", "loyalty", "event", "flower;promo", "edibles"])
WINDOWS = np.array([1.0, 3.0, 7.0, 14.0])
FAILED_SHARE = 0.03
OPEN_SHARE = 0.3
CLICK_SHARE_OF_OPENS = 0.3
UNSUBSCRIBE_SHARE = 0.01
ITEMS_PER_ORDER = 1.5
PRODUCTS = 50
BRANDS = 10
LOCATIONS = np.array(["Downtown", "Uptown", "Harbor", "Airport", "Mall"])
KB = 1024


def generate(folder: Path, messages: int, orders: int) -> None:
    """Write a dataset folder of Parquet files with the given sizes (seeded)."""
    rng = np.random.default_rng(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    contacts = max(messages // MESSAGES_PER_CONTACT, 1_000)
    (folder / "account.yaml").write_text(
        "timezone: America/Los_Angeles\ncurrency: USD\n"
        "default_attribution_window_days: 7\nregulated_10dlc: false\n"
    )

    # campaigns: a channel, a launch second and a window each; the last ones are flows
    count = CAMPAIGNS + FLOWS
    campaign_ids = np.array([f"c{i:04d}" for i in range(count)])
    channel_of = rng.choice(len(CHANNELS), size=count, p=CHANNEL_WEIGHTS)
    launch = rng.integers(0, SECONDS_IN_YEAR - 3 * 86_400, size=count)
    kind = np.where(np.arange(count) < CAMPAIGNS, "campaign", "flow")
    _write(folder / "campaigns.parquet", {
        "campaign_id": campaign_ids,
        "name": np.array([f"Campaign {i}" for i in range(count)]),
        "kind": kind,
        "status": np.where(rng.random(count) < 0.8, "active", "inactive"),
        "tags": rng.choice(TAGS, size=count),
        "attribution_window_days": rng.choice(WINDOWS, size=count),
    })

    # messages: campaigns send within two days of launch, flows all year long
    campaign = rng.integers(0, count, size=messages)
    is_flow = campaign >= CAMPAIGNS
    offset = np.where(
        is_flow,
        rng.integers(0, SECONDS_IN_YEAR, size=messages),
        launch[campaign] + rng.integers(0, 2 * 86_400, size=messages),
    )
    sent_at = YEAR_START + offset.astype("timedelta64[s]")
    channel = CHANNELS[channel_of[campaign]]
    failed = rng.random(messages) < FAILED_SHARE
    contact = rng.integers(0, contacts, size=messages)
    message_ids = _ids("m", messages)
    _write(folder / "messages.parquet", {
        "message_id": message_ids,
        "campaign_id": campaign_ids[campaign],
        "step_id": None,
        "contact_id": _ids("p", contacts).take(pa.array(contact)),
        "channel": channel,
        "sent_at": _instants(sent_at),
        "status": np.where(failed, "failed", "delivered"),
        "credits": np.where(channel == "mms", 3.0, 1.0),
        "cost": np.full(messages, 0.0075),
        "carrier_fee": np.where(channel == "sms", 0.003, 0.0),
    })

    # events of delivered messages: opens (answered calls), clicks, unsubscribes
    delivered = np.flatnonzero(~failed)
    opened = delivered[rng.random(len(delivered)) < OPEN_SHARE]
    clicked = opened[rng.random(len(opened)) < CLICK_SHARE_OF_OPENS]
    unsubscribed = delivered[rng.random(len(delivered)) < UNSUBSCRIBE_SHARE]
    voice = channel == "voice"
    rows = np.concatenate([opened, clicked, unsubscribed])
    types = np.concatenate([
        np.where(voice[opened], "call_answered", "opened"),
        np.where(voice[clicked], "call_completed", "clicked"),
        np.full(len(unsubscribed), "unsubscribed"),
    ])
    delay = rng.exponential(3 * 3600, size=len(rows)).astype("int64")
    _write(folder / "events.parquet", {
        "event_id": _ids("e", len(rows)),
        "message_id": message_ids.take(pa.array(rows)),
        "event_type": types,
        "occurred_at": _instants(sent_at[rows] + delay.astype("timedelta64[s]")),
        "duration_s": np.where(types == "call_answered", rng.integers(5, 300, len(rows)),
                               np.nan),
    })

    # orders all year long, and their items
    ordered_at = YEAR_START + rng.integers(0, SECONDS_IN_YEAR, size=orders).astype(
        "timedelta64[s]"
    )
    order_ids = _ids("o", orders)
    _write(folder / "orders.parquet", {
        "order_id": order_ids,
        "contact_id": _ids("p", contacts).take(pa.array(rng.integers(0, contacts, orders))),
        "location": rng.choice(LOCATIONS, size=orders),
        "ordered_at": _instants(ordered_at),
        "total": np.round(rng.lognormal(4.0, 0.5, size=orders), 2),
    })
    items = int(orders * ITEMS_PER_ORDER)
    product = rng.integers(0, PRODUCTS, size=items)
    brand = np.array([f"Brand {i}" for i in range(BRANDS)] + [None], dtype=object)
    _write(folder / "order_items.parquet", {
        "order_id": order_ids.take(pa.array(rng.integers(0, orders, items))),
        "product": np.array([f"Product {i}" for i in range(PRODUCTS)])[product],
        "brand": brand[product % (BRANDS + 1)],
        "quantity": rng.integers(1, 4, size=items).astype("float64"),
        "amount": np.round(rng.lognormal(3.3, 0.5, size=items), 2),
    })


def _ids(prefix: str, count: int) -> pa.Array:
    numbers = pa.array(np.arange(count)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, numbers, "")


def _instants(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[s]"), type=pa.timestamp("s", tz="UTC"))


def _write(path: Path, columns: dict[str, object]) -> None:
    size = next(len(v) for v in columns.values() if v is not None)
    arrays = {
        name: pa.nulls(size, pa.string()) if values is None
        else pa.array(values, from_pandas=True)
        if not isinstance(values, pa.Array) else values
        for name, values in columns.items()
    }
    pq.write_table(pa.table(arrays), path)
    logger.info("wrote %s (%s rows)", path.name, size)


def filter_changes(ds: aiq_nb.Dataset, count: int) -> list[explore.ExplorerState]:
    """``count`` explorer states, each one filter change away from all time."""
    base = explore.ExplorerState(as_of=AS_OF)
    first = explore.campaign_options(ds)[0][1]
    changes = [
        base.replace(channels=("sms",)),
        base.replace(campaigns=(first,)),
        base.replace(period="last_month"),
        base.replace(channels=("email",)),
        base.replace(tags=("promo",)),
        base.replace(status=("inactive",)),
        base.replace(view="flows"),
        base.replace(period="last_3_months", channels=("sms",)),
        base.replace(mode="strict", channels=("push",)),
        base.replace(period="month_to_date"),
        base.replace(view="campaigns", period="last_7_days"),
        base.replace(mode="strict", period="year_to_date"),
    ]
    return [changes[i % len(changes)] for i in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--orders", type=int, default=DEFAULT_ORDERS)
    parser.add_argument("--changes", type=int, default=DEFAULT_CHANGES)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    folder = args.cache / f"m{args.messages}_o{args.orders}"
    if not (folder / "order_items.parquet").exists():
        started = time.perf_counter()
        generate(folder, args.messages, args.orders)
        logger.info("generated in %.1f s", time.perf_counter() - started)

    started = time.perf_counter()
    ds = aiq_nb.load_dataset(folder)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    for mode in MODES:
        attributed_orders(ds, mode)
    attribution_s = time.perf_counter() - started
    started = time.perf_counter()
    for mode in MODES:
        explore.report_for(ds, explore.ExplorerState(as_of=AS_OF, mode=mode))
    first_s = time.perf_counter() - started

    latencies = []
    for state in filter_changes(ds, args.changes):
        ds.cache.pop(explore.REPORT_CACHE, None)  # time the aggregation, not the memo
        started = time.perf_counter()
        explore.report_for(ds, state)
        latencies.append((time.perf_counter() - started) * 1000)

    median = statistics.median(latencies)
    p95 = float(np.percentile(latencies, 95))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KB
    lines = [
        f"dataset: {args.messages:,} messages, {args.orders:,} orders ({folder})",
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}, {platform.machine()}",
        f"load {load_s:.1f} s; attribution (both modes) {attribution_s:.1f} s; "
        f"first report of each mode {first_s:.1f} s",
        f"filter changes: {len(latencies)}; median {median:.0f} ms; p95 {p95:.0f} ms; "
        f"goal {GOAL_MS:.0f} ms: {'met' if median < GOAL_MS else 'missed'}",
        f"peak RSS: {peak_mb:,.0f} MB",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
