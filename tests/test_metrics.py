"""Report metrics (SPEC §2, §4, §5a) through ``aiq_nb.build_report``, on tiny tables.

Every message is a delivered SMS sent in December 2025 and the account window is
7 days unless said otherwise; times are UTC. Figures are compared as plain Python
numbers, with ``None`` for a missing value (a rate shown as "n/a").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import pytest

import aiq_nb
from aiq_nb.metrics import METRIC_COLUMNS

AS_OF = "2026-01-10"
MODES = ("broad", "strict")
MakeDataset = Callable[..., aiq_nb.Dataset]
RATES = (
    "open_rate",
    "click_through_rate",
    "aov",
    "conversion_rate",
    "revenue_per_msg",
    "roi",
    "cost_per_conversion",
    "unsubscribe_rate",
    "avg_call_duration_s",
)
SUMMABLE = tuple(column for column in METRIC_COLUMNS if column not in RATES)


def message(
    message_id: str,
    campaign_id: str,
    contact_id: str,
    sent_at: str = "2025-12-01T10:00:00Z",
    **extra: object,
) -> dict[str, object]:
    return {"message_id": message_id, "campaign_id": campaign_id,
            "contact_id": contact_id, "sent_at": sent_at, **extra}


def event(message_id: str, event_type: str, occurred_at: str = "2025-12-01T11:00:00Z",
          **extra: object) -> dict[str, object]:
    event_id = f"{message_id}-{event_type}-{occurred_at}"
    return {"event_id": event_id, "message_id": message_id, "event_type": event_type,
            "occurred_at": occurred_at, **extra}


def order(order_id: str, contact_id: str, ordered_at: str = "2025-12-02T10:00:00Z",
          total: float = 100.0, **extra: object) -> dict[str, object]:
    return {"order_id": order_id, "contact_id": contact_id, "ordered_at": ordered_at,
            "total": total, **extra}


def report(
    ds: aiq_nb.Dataset, period: object = None, **options: object
) -> aiq_nb.Report:
    return aiq_nb.build_report(ds, period, as_of=AS_OF, **options)


def figures(row: pd.Series, names: Iterable[str]) -> dict[str, float | None]:
    """The named figures of one row; a missing value is None."""
    return {name: None if pd.isna(row[name]) else float(row[name]) for name in names}


def campaign(rep: aiq_nb.Report, campaign_id: str, expected: dict) -> dict:
    """The figures of one campaign row, for the names in ``expected``."""
    return figures(rep.campaigns.loc[campaign_id], expected)


def overview(rep: aiq_nb.Report, expected: dict) -> dict:
    return figures(rep.overview.iloc[0], expected)


def channel(rep: aiq_nb.Report, name: str, expected: dict) -> dict:
    return figures(rep.channels.loc[name], expected)


def listed(rep: aiq_nb.Report) -> set[str]:
    return set(rep.campaigns.index)


# --- sends ---------------------------------------------------------------------------


def test_sends_include_failed_sends_and_delivered_is_the_rest(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(messages=[
        message("m1", "c1", "k1"),
        message("m2", "c1", "k2", status="failed"),
        message("m3", "c1", "k3"),
    ])
    # 3 attempted, 1 failed → 2 delivered
    expected = {"sends": 3, "failed_sends": 1, "delivered": 2}
    assert campaign(report(ds), "c1", expected) == expected


# --- opens, clicks, unsubscribes -----------------------------------------------------


def test_opens_are_unique_contacts_and_a_click_counts_as_an_open(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1"),
            message("m2", "c1", "k1"),
            message("m3", "c1", "k2"),
            message("m4", "c1", "k3"),
            message("m5", "c1", "k4"),
        ],
        events=[
            event("m1", "opened", "2025-12-01T11:00:00Z"),
            event("m1", "opened", "2025-12-01T12:00:00Z"),
            event("m2", "opened"),
            event("m3", "clicked"),
            event("m4", "opened"),
        ],
    )
    # k1 opened two messages three times: one open; k2 only clicked: an open; k3
    # opened; k4 did nothing → 3 opens over 5 delivered messages
    expected = {"opens": 3, "delivered": 5, "open_rate": 0.6}
    assert campaign(report(ds), "c1", expected) == pytest.approx(expected)


def test_link_clicks_count_every_click_and_unique_clicks_count_contacts(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1"),
            message("m2", "c1", "k1"),
            message("m3", "c1", "k2"),
            message("m4", "c1", "k3"),
        ],
        events=[
            event("m1", "clicked", "2025-12-01T11:00:00Z", link_url="https://a"),
            event("m1", "clicked", "2025-12-01T12:00:00Z", link_url="https://b"),
            event("m2", "clicked"),
            event("m3", "clicked"),
        ],
    )
    # 4 click events; contacts k1 and k2 clicked → 2 unique; CTR = 2 / 4 delivered
    expected = {"link_clicks": 4, "unique_clicks": 2, "click_through_rate": 0.5}
    assert campaign(report(ds), "c1", expected) == expected


def test_unsubscribers_are_unique_contacts(make_dataset: MakeDataset) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1"),
            message("m2", "c1", "k1"),
            message("m3", "c1", "k2"),
            message("m4", "c1", "k3"),
        ],
        events=[
            event("m1", "unsubscribed"),
            event("m2", "unsubscribed"),
            event("m3", "unsubscribed"),
        ],
    )
    # k1 (twice) and k2 → 2 unsubscribers over 4 delivered
    expected = {"unsubscribers": 2, "unsubscribe_rate": 0.5}
    assert campaign(report(ds), "c1", expected) == expected


def test_wallet_pass_unsubscribers_count_pass_removed_never_pass_muted(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[
            message(f"m{i}", "c1", f"k{i}", channel="wallet_pass") for i in (1, 2, 3, 4)
        ],
        events=[
            event("m1", "pass_removed"),
            event("m2", "pass_muted"),
            event("m3", "pass_muted"),
        ],
    )
    # only k1 removed the pass → 1 unsubscriber over 4 delivered
    expected = {"unsubscribers": 1, "unsubscribe_rate": 0.25}
    assert campaign(report(ds), "c1", expected) == expected


@pytest.mark.parametrize(
    ("regulated", "expected_opens"),
    [
        # 10DLC: on the gated channel only k2's inbox view is an open; email keeps
        # the normal rule (k4 opened, k5 clicked) → k2, k4, k5
        (True, 3),
        # not regulated: opened, inbox viewed, clicked all count → all 5 contacts
        (False, 5),
    ],
)
@pytest.mark.parametrize("gated", ["sms", "mms"])
def test_10dlc_sms_or_mms_open_is_an_inbox_view_only(
    make_dataset: MakeDataset, gated: str, regulated: bool, expected_opens: int
) -> None:
    ds = make_dataset(
        account={"regulated_10dlc": regulated},
        messages=[
            message("m1", "c1", "k1", channel=gated),
            message("m2", "c1", "k2", channel=gated),
            message("m3", "c1", "k3", channel=gated),
            message("m4", "c1", "k4", channel="email"),
            message("m5", "c1", "k5", channel="email"),
        ],
        events=[
            event("m1", "opened"),
            event("m2", "inbox_viewed"),
            event("m3", "clicked"),
            event("m4", "opened"),
            event("m5", "clicked"),
        ],
    )
    expected = {"opens": expected_opens, "link_clicks": 2}
    assert campaign(report(ds), "c1", expected) == expected


# --- conversions and money ------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_conversion_and_money_figures(make_dataset: MakeDataset, mode: str) -> None:
    messages = [
        message("m1", "c1", "k1", credits=1, cost=2, carrier_fee=1),
        message("m2", "c1", "k2", credits=1, cost=2, carrier_fee=None),
        message("m3", "c1", "k3", credits=2, cost=None, carrier_fee=1),
        message("m4", "c1", "k4", credits=None, cost=None, carrier_fee=None),
        message("m5", "c1", "k5", status="failed", credits=1, cost=2, carrier_fee=1),
    ]
    ds = make_dataset(
        messages=messages,
        events=[event(f"m{i}", "opened") for i in (1, 2, 3, 4)],
        orders=[
            order("o1", "k1", "2025-12-02T10:00:00Z", total=100),
            order("o2", "k1", "2025-12-03T10:00:00Z", total=50),
            order("o3", "k2", "2025-12-02T10:00:00Z", total=30),
            order("o4", "k5", "2025-12-02T10:00:00Z", total=70),
        ],
    )
    # o1, o2 (k1) and o3 (k2) convert; o4's contact only had a failed message
    # revenue 180 over 3 conversions → AOV 60; 2 converting of 4 delivered contacts
    # credits 1 + 1 + 2 + 0 + 1 (failed ones count) = 5
    # cost (2+1) + (2+0) + (0+1) + 0 + (2+1) = 9; revenue per msg 180 / 5 sends
    # ROI (180 − 9) / 9 = 19; cost per conversion 9 / 3 = 3
    expected = {
        "conversions": 3,
        "revenue": 180,
        "aov": 60,
        "conversion_rate": 0.5,
        "credits_spent": 5,
        "cost": 9,
        "revenue_per_msg": 36,
        "roi": 19,
        "cost_per_conversion": 3,
    }
    assert campaign(report(ds, mode=mode), "c1", expected) == expected


def test_conversion_rate_counts_contacts_not_messages_or_orders(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1"),
            message("m2", "c1", "k1"),
            message("m3", "c1", "k2"),
            message("m4", "c1", "k3"),
        ],
        orders=[
            order("o1", "k1", "2025-12-02T10:00:00Z"),
            order("o2", "k1", "2025-12-03T10:00:00Z"),
        ],
    )
    # 2 conversions, both by k1: 1 converting contact of 3 delivered contacts
    expected = {"conversions": 2, "conversion_rate": 1 / 3}
    assert campaign(report(ds), "c1", expected) == pytest.approx(expected)


def test_roi_is_negative_when_money_is_lost(make_dataset: MakeDataset) -> None:
    ds = make_dataset(
        messages=[message("m1", "c1", "k1", cost=30, carrier_fee=10)],
        orders=[order("o1", "k1", total=10)],
    )
    # (10 − 40) / 40 = −0.75
    expected = {"cost": 40, "roi": -0.75, "cost_per_conversion": 40}
    assert campaign(report(ds), "c1", expected) == expected


def test_rates_with_a_zero_denominator_are_missing(make_dataset: MakeDataset) -> None:
    ds = make_dataset(messages=[message("m1", "c1", "k1", status="failed")])
    rep = report(ds)
    # nothing delivered, no conversion, no cost, no call: every rate but revenue per
    # message (0 revenue / 1 send) has a zero denominator
    expected = {rate: None for rate in RATES} | {"revenue_per_msg": 0}
    assert campaign(rep, "c1", expected) == expected
    assert overview(rep, expected) == expected


def test_no_figure_is_infinite(make_dataset: MakeDataset) -> None:
    ds = make_dataset(
        messages=[message("m1", "c1", "k1", "2025-11-28T10:00:00Z", status="failed"),
                  message("m2", "c1", "k2", "2025-11-28T10:00:00Z")],
        events=[event("m2", "opened", "2025-12-01T10:00:00Z")],
        orders=[order("o1", "k2", "2025-12-01T11:00:00Z")],
    )
    for rep in (report(ds), report(ds, "2025-12"), report(ds, "2025-11")):
        for table in (rep.overview, rep.campaigns, rep.channels):
            numbers = table[list(METRIC_COLUMNS)].astype("Float64")
            assert not numbers.isin([float("inf"), float("-inf")]).any().any()


# --- voice ----------------------------------------------------------------------------


def test_voice_only_campaign_has_no_opens_clicks_or_unsubscribes(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1", channel="voice"),
            message("m2", "c1", "k2", channel="voice"),
            message("m3", "c1", "k3", channel="voice"),
            message("m4", "c1", "k4", channel="voice", status="failed"),
        ],
        events=[
            event("m1", "call_answered", duration_s=60),
            event("m1", "call_completed", "2025-12-01T11:01:00Z"),
            event("m2", "call_answered", duration_s=120),
            event("m2", "call_completed", "2025-12-01T11:02:00Z"),
            event("m3", "voicemail", duration_s=30),
        ],
    )
    rep = report(ds)
    # not applicable for voice: missing, never 0
    expected = {
        "opens": None,
        "open_rate": None,
        "link_clicks": None,
        "unique_clicks": None,
        "click_through_rate": None,
        "unsubscribers": None,
        "unsubscribe_rate": None,
        "sends": 4,
        "delivered": 3,
        "calls_answered": 2,
        "calls_completed": 2,
        "voicemails": 1,
        # mean talk time over answered calls (60 + 120) / 2; a voicemail is not one
        "avg_call_duration_s": 90,
    }
    assert campaign(rep, "c1", expected) == expected
    assert channel(rep, "voice", expected) == expected
    assert overview(rep, expected) == expected


def test_voice_is_left_out_of_open_click_and_unsubscribe_denominators(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c_mixed", "k1"),
            message("m2", "c_mixed", "k2"),
            message("m3", "c_mixed", "k3", channel="voice"),
            message("m4", "c_mixed", "k4", channel="voice"),
            message("m5", "c_sms", "k5"),
            message("m6", "c_voice", "k6", channel="voice"),
        ],
        events=[
            event("m1", "clicked"),
            event("m2", "unsubscribed"),
            event("m3", "call_answered", duration_s=40),
            event("m5", "opened"),
            event("m6", "call_answered", duration_s=20),
        ],
    )
    rep = report(ds)
    # c_mixed: 4 delivered, 2 of them SMS: opens 1 (k1 clicked) / 2, clicks 1 / 2,
    # unsubscribes 1 / 2
    mixed = {
        "delivered": 4,
        "opens": 1,
        "open_rate": 0.5,
        "click_through_rate": 0.5,
        "unsubscribe_rate": 0.5,
        "calls_answered": 1,
        "avg_call_duration_s": 40,
    }
    assert campaign(rep, "c_mixed", mixed) == mixed
    # overview: c_mixed 1 + c_sms 1 opens (c_voice n/a) over 2 + 1 SMS deliveries
    # of 6; calls (40 + 20) / 2
    total = {
        "delivered": 6,
        "opens": 2,
        "open_rate": 2 / 3,
        "unique_clicks": 1,
        "click_through_rate": 1 / 3,
        "calls_answered": 2,
        "avg_call_duration_s": 30,
    }
    assert overview(rep, total) == pytest.approx(total)


# --- periods: each event by its own timestamp -----------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_each_event_is_counted_by_its_own_timestamp(
    make_dataset: MakeDataset, mode: str
) -> None:
    ds = make_dataset(
        messages=[message("m1", "c1", "k1", "2025-11-28T15:00:00Z", cost=5)],
        events=[event("m1", "opened", "2025-12-02T10:00:00Z")],
        orders=[order("o1", "k1", "2025-12-03T10:00:00Z", total=40)],
    )
    # November: the send (and its cost); the open and the purchase are December's
    november = {
        "sends": 1, "delivered": 1, "cost": 5, "opens": 0, "open_rate": 0,
        "conversions": 0, "revenue": 0, "conversion_rate": 0,
    }
    assert campaign(report(ds, "2025-11", mode=mode), "c1", november) == november
    # December: no send, so the rates over deliveries and sends are n/a
    december = {
        "sends": 0, "delivered": 0, "cost": 0, "opens": 1, "open_rate": None,
        "conversions": 1, "revenue": 40, "conversion_rate": None,
        "revenue_per_msg": None, "roi": None,
    }
    assert campaign(report(ds, "2025-12", mode=mode), "c1", december) == december


def test_month_boundary_is_taken_in_the_account_zone(make_dataset: MakeDataset) -> None:
    ds = make_dataset(
        account={"timezone": "America/Los_Angeles"},
        messages=[
            message("m1", "c1", "k1", "2025-11-30T20:00:00Z"),  # 30 Nov 12:00 PST
            message("m2", "c1", "k2", "2025-12-01T07:59:00Z"),  # 30 Nov 23:59 PST
            message("m3", "c1", "k3", "2025-12-01T08:00:00Z"),  # 1 Dec 00:00 PST
        ],
        orders=[order("o1", "k1", "2025-12-01T07:30:00Z", total=25)],  # 30 Nov 23:30
    )
    november = {"sends": 2, "conversions": 1, "revenue": 25}
    december = {"sends": 1, "conversions": 0, "revenue": 0}
    assert overview(report(ds, "2025-11"), november) == november
    assert overview(report(ds, "2025-12"), december) == december


# --- which campaigns are listed, and adding up ----------------------------------------


def listing_dataset(make_dataset: MakeDataset) -> aiq_nb.Dataset:
    """December 2025: one campaign sends, one converts, one is only opened."""
    return make_dataset(
        messages=[
            message("m1", "c_sent", "k1", "2025-12-05T10:00:00Z"),
            message("m2", "c_converted", "k2", "2025-11-30T12:00:00Z"),
            message("m3", "c_opened", "k3", "2025-11-20T10:00:00Z"),
            message("m4", "c_window_open", "k4", "2025-11-29T10:00:00Z"),
        ],
        events=[
            event("m2", "opened", "2025-11-30T13:00:00Z"),
            event("m3", "opened", "2025-12-01T10:00:00Z"),
            event("m3", "clicked", "2025-12-01T10:05:00Z"),
            event("m3", "unsubscribed", "2025-12-01T11:00:00Z"),
        ],
        orders=[order("o1", "k2", "2025-12-02T10:00:00Z", total=60)],
    )


@pytest.mark.parametrize("mode", MODES)
def test_campaign_is_listed_with_a_send_or_a_conversion_in_the_period(
    make_dataset: MakeDataset, mode: str
) -> None:
    rep = report(listing_dataset(make_dataset), "2025-12", mode=mode)
    # c_sent sent in December; c_converted's purchase is in December; c_opened has
    # only opens/clicks/unsubscribes; c_window_open only an open window
    assert listed(rep) == {"c_sent", "c_converted"}
    unlisted = {
        "sends": 0, "opens": 1, "link_clicks": 1, "unique_clicks": 1,
        "unsubscribers": 1, "conversions": 0,
    }
    assert len(rep.unlisted_activity) == 1
    assert figures(rep.unlisted_activity.iloc[0], unlisted) == unlisted
    total = {
        "sends": 1, "opens": 1, "link_clicks": 1, "unsubscribers": 1,
        "conversions": 1, "revenue": 60,
    }
    assert overview(rep, total) == total


def test_no_unlisted_activity_is_an_empty_table(make_dataset: MakeDataset) -> None:
    ds = make_dataset(messages=[message("m1", "c1", "k1")])
    assert report(ds).unlisted_activity.empty


def add_up_dataset(make_dataset: MakeDataset) -> aiq_nb.Dataset:
    """A bit of everything, in November and December 2025."""
    return make_dataset(
        messages=[
            message("m1", "c1", "k1", "2025-11-28T10:00:00Z", cost=1, carrier_fee=0.5),
            message("m2", "c1", "k2", "2025-12-02T10:00:00Z", channel="email", cost=1),
            message(
                "m3", "c1", "k3", "2025-12-02T10:00:00Z", status="failed", credits=2
            ),
            message("m4", "c2", "k1", "2025-12-03T10:00:00Z", channel="voice"),
            message("m5", "c2", "k4", "2025-12-03T10:00:00Z", channel="voice"),
            message("m6", "c3", "k5", "2025-11-10T10:00:00Z", channel="wallet_pass"),
            message("m7", "c4", "k6", "2025-12-04T10:00:00Z", credits=1),
            message("m8", "c4", "k6", "2025-12-05T10:00:00Z", channel="push"),
        ],
        events=[
            event("m1", "opened", "2025-11-28T11:00:00Z"),
            event("m1", "clicked", "2025-12-01T09:00:00Z"),
            event("m2", "opened", "2025-12-02T11:00:00Z"),
            event("m2", "unsubscribed", "2025-12-02T12:00:00Z"),
            event("m4", "call_answered", "2025-12-03T10:00:10Z", duration_s=50),
            event("m4", "call_completed", "2025-12-03T10:01:00Z"),
            event("m5", "voicemail", "2025-12-03T10:00:30Z", duration_s=15),
            event("m6", "opened", "2025-12-01T10:00:00Z"),
            event("m6", "pass_removed", "2025-12-01T11:00:00Z"),
            event("m7", "clicked", "2025-12-04T11:00:00Z"),
            event("m8", "opened", "2025-12-05T11:00:00Z"),
        ],
        orders=[
            order("o1", "k1", "2025-12-01T10:00:00Z", total=20),
            order("o2", "k1", "2025-12-04T10:00:00Z", total=35),
            order("o3", "k2", "2025-12-03T10:00:00Z", total=0),
            order("o4", "k6", "2025-12-06T10:00:00Z", total=80),
            order("o5", "k4", "2025-12-04T10:00:00Z", total=10),
        ],
    )


@pytest.mark.parametrize(
    "period", [None, "2025-11", "2025-12", ("2025-12-02", "2025-12-04")]
)
@pytest.mark.parametrize("mode", MODES)
def test_campaign_rows_and_unlisted_activity_add_up_to_the_overview(
    make_dataset: MakeDataset, mode: str, period: object
) -> None:
    rep = report(add_up_dataset(make_dataset), period, mode=mode)
    rows = pd.concat(
        [rep.campaigns[list(SUMMABLE)], rep.unlisted_activity[list(SUMMABLE)]]
    )
    sums = {
        column: rows[column].astype("Float64").sum(min_count=1) for column in SUMMABLE
    }
    assert figures(pd.Series(sums), SUMMABLE) == pytest.approx(
        overview(rep, dict.fromkeys(SUMMABLE))
    )


def test_add_up_dataset_overview_by_hand(make_dataset: MakeDataset) -> None:
    rep = report(add_up_dataset(make_dataset), "2025-12", mode="broad")
    # December sends m2..m5, m7, m8 = 6 (m3 failed); deliveries to k2, k1, k4, k6 ×2
    # opens: c1 {k2 (m2), k1 (m1 clicked 1 Dec)} = 2, c3 {k5} = 1, c4 {k6} = 1 → 4
    # broad: o1 (1 Dec) → m1 (28 Nov, c1); o2 (4 Dec) → m4 (3 Dec, c2);
    # o3 (3 Dec) → m2 (c1, total 0); o4 → m8 (c4); o5 → m5 (c2)
    expected = {
        "sends": 6,
        "failed_sends": 1,
        "opens": 4,
        "link_clicks": 2,
        "unsubscribers": 2,
        "conversions": 5,
        "revenue": 145,
        "credits_spent": 3,
        "cost": 1,
        "calls_answered": 1,
        "voicemails": 1,
    }
    assert overview(rep, expected) == expected
    assert listed(rep) == {"c1", "c2", "c4"}


# --- channels -------------------------------------------------------------------------


def test_channel_table_has_one_row_per_channel(make_dataset: MakeDataset) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1", "2025-12-01T10:00:00Z"),
            message("m2", "c1", "k1", "2025-12-02T10:00:00Z", channel="email"),
            message("m3", "c1", "k2", "2025-12-02T10:00:00Z", channel="email"),
            message("m4", "c1", "k3", "2025-12-02T10:00:00Z", channel="voice"),
            message("m5", "c2", "k4", "2025-12-02T10:00:00Z"),
        ],
        events=[
            event("m1", "opened", "2025-12-01T11:00:00Z"),
            event("m2", "opened", "2025-12-02T11:00:00Z"),
            event("m4", "call_answered", "2025-12-02T10:00:05Z", duration_s=30),
        ],
        orders=[order("o1", "k1", "2025-12-03T10:00:00Z", total=50)],
    )
    rep = report(ds)
    assert set(rep.channels.index) == {"sms", "email", "voice"}
    # o1: k1's latest delivery is the email m2 (2 Dec) → an email conversion
    sms = {"sends": 2, "opens": 1, "open_rate": 0.5, "conversions": 0}
    email = {"sends": 2, "opens": 1, "open_rate": 0.5, "conversions": 1, "revenue": 50}
    voice = {"sends": 1, "opens": None, "open_rate": None, "calls_answered": 1}
    assert channel(rep, "sms", sms) == sms
    assert channel(rep, "email", email) == email
    assert channel(rep, "voice", voice) == voice


# --- view and filters -----------------------------------------------------------------


def shop_dataset(make_dataset: MakeDataset) -> aiq_nb.Dataset:
    """Three campaigns and a flow with names, tags and statuses; one send each."""
    return make_dataset(
        campaigns=[
            {"campaign_id": "c1", "name": "Spring Sale", "tags": "VIP;Holiday"},
            {"campaign_id": "c2", "name": "Winter Sale", "status": "inactive",
             "tags": "vip-plus"},
            {"campaign_id": "c3", "name": "Weekend", "tags": "holiday ; Weekend"},
            {"campaign_id": "f1", "name": "Welcome Flow", "kind": "flow",
             "tags": "VIP"},
        ],
        messages=[
            message("m1", "c1", "k1"),
            message("m5", "c1", "k5", channel="email"),
            message("m2", "c2", "k2", channel="email"),
            message("m3", "c3", "k3"),
            message("m4", "f1", "k4", step_id="s1"),
        ],
        orders=[
            order("o1", "k1", total=10),
            order("o5", "k5", total=50),
        ],
    )


@pytest.mark.parametrize(
    ("view", "expected", "sends"),
    [
        ("all", {"c1", "c2", "c3", "f1"}, 5),
        ("campaigns", {"c1", "c2", "c3"}, 4),
        ("flows", {"f1"}, 1),
    ],
)
def test_view_selects_campaigns_or_flows_by_kind(
    make_dataset: MakeDataset, view: str, expected: set, sends: int
) -> None:
    rep = report(shop_dataset(make_dataset), view=view)
    assert listed(rep) == expected
    assert overview(rep, {"sends": None}) == {"sends": sends}


@pytest.mark.parametrize(
    ("campaigns", "expected"),
    [
        ("Spring Sale", {"c1"}),
        ("c2", {"c2"}),
        (["Weekend", "f1"], {"c3", "f1"}),
    ],
)
def test_campaign_filter_takes_names_or_ids(
    make_dataset: MakeDataset, campaigns: object, expected: set
) -> None:
    assert listed(report(shop_dataset(make_dataset), campaigns=campaigns)) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        # "vip" matches "VIP" but not the different tag "vip-plus"
        ("vip", {"c1", "f1"}),
        (["WEEKEND"], {"c3"}),
        # any of the chosen tags
        (["holiday", "vip"], {"c1", "c3", "f1"}),
        # whole tags only: "holi" is no tag
        ("holi", set()),
    ],
)
def test_tag_filter_keeps_any_of_the_whole_tags_ignoring_case(
    make_dataset: MakeDataset, tags: object, expected: set
) -> None:
    assert listed(report(shop_dataset(make_dataset), tags=tags)) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [("inactive", {"c2"}), ("active", {"c1", "c3", "f1"})],
)
def test_status_filter(make_dataset: MakeDataset, status: str, expected: set) -> None:
    assert listed(report(shop_dataset(make_dataset), status=status)) == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"view": "campaigns", "tags": "vip"}, {"c1"}),
        ({"tags": "holiday", "status": "inactive"}, set()),
        ({"channels": "email", "status": "active"}, {"c1"}),
    ],
)
def test_filters_combine_with_and(
    make_dataset: MakeDataset, options: dict, expected: set
) -> None:
    assert listed(report(shop_dataset(make_dataset), **options)) == expected


def test_report_with_nothing_selected_is_empty_with_zero_counts(
    make_dataset: MakeDataset,
) -> None:
    rep = report(shop_dataset(make_dataset), tags="no-such-tag")
    assert rep.campaigns.empty
    expected = {"sends": 0, "conversions": 0, "revenue": 0, "open_rate": None}
    assert overview(rep, expected) == expected


@pytest.mark.parametrize(
    ("chosen", "expected_c1"),
    [
        # c1's email message went to k5, whose order (50) it won
        ("email", {"sends": 1, "conversions": 1, "revenue": 50}),
        # c1's SMS went to k1, whose order (10) it won
        ("sms", {"sends": 1, "conversions": 1, "revenue": 10}),
    ],
)
def test_channel_filter_restricts_sends_and_conversions_to_that_channel(
    make_dataset: MakeDataset, chosen: str, expected_c1: dict
) -> None:
    rep = report(shop_dataset(make_dataset), channels=chosen)
    assert campaign(rep, "c1", expected_c1) == expected_c1
    assert set(rep.channels.index) == {chosen}


def test_filters_never_rerun_attribution(make_dataset: MakeDataset) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1", "2025-12-01T10:00:00Z"),
            message("m2", "c2", "k1", "2025-12-02T10:00:00Z"),
            message("m3", "c2", "k1", "2025-12-02T09:00:00Z", channel="email"),
        ],
        orders=[order("o1", "k1", "2025-12-03T10:00:00Z")],
    )
    # o1 goes to m2 (c2, SMS, the latest delivery) once for all views: choosing
    # c1, or c2's email only, does not hand the order to another message
    assert overview(report(ds, campaigns="c1"), {"conversions": None}) == {
        "conversions": 0
    }
    assert overview(report(ds, channels="email"), {"conversions": None}) == {
        "conversions": 0
    }


def test_a_retried_message_is_one_send(make_dataset: MakeDataset) -> None:
    # m1 took three delivery attempts (an extra column the contract ignores) and was
    # finally delivered: one send, one delivered, no failed send
    ds = make_dataset(messages=[
        {"message_id": "m1", "campaign_id": "k1", "contact_id": "c1",
         "sent_at": "2025-12-01T10:00:00Z", "attempts": 3},
    ])
    rep = aiq_nb.build_report(ds, "2025-12", as_of="2025-12-31")
    assert rep.overview[["sends", "delivered", "failed_sends"]].iloc[0].tolist() == [1, 1, 0]
