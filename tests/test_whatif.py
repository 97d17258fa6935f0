"""What-if attribution windows, and the window locked at launch (SPEC §3)."""

from __future__ import annotations

import pandas as pd
import pytest

import aiq_nb
from aiq_nb.attribution import attributed_orders
from aiq_nb.errors import ParameterError, UnknownCampaignError, WindowLockedError
from aiq_nb.whatif import (
    WHAT_IF,
    launch_instant,
    official_windows,
    set_attribution_window,
    what_if_windows,
)

AS_OF = "2025-01-31"

# Account default 7 days (UTC). Campaign A: default window 7 days; B: 2 days;
# C: no message, no order. Contact c1 gets A's message on 1 Jan and B's on 5 Jan.
#
#   touch | window (official)   | 1-day what-if       | 10-day what-if
#   mA1   | [01-01, 01-08)      | [01-01, 01-02)      | [01-01, 01-11)
#   mB1   | [01-05, 01-07)      | [01-05, 01-06)      | [01-05, 01-15)
#
#   o1 01-06 00:00 $100: official B (both open, B latest); 1 day: none (01-06 is
#                        B's window end, excluded); 10 days: B
#   o2 01-07 12:00  $50: official A (B closed);             1 day: none; 10 days: B
#   o3 01-10 00:00  $30: official none (both closed);       1 day: none; 10 days: B
CAMPAIGNS = [
    {"campaign_id": "A", "launched_at": "2024-12-31T00:00:00Z"},
    {"campaign_id": "B", "attribution_window_days": 2},
    {"campaign_id": "C"},
]
MESSAGES = [
    {"message_id": "mA1", "campaign_id": "A", "contact_id": "c1",
     "sent_at": "2025-01-01T00:00:00Z"},
    {"message_id": "mB1", "campaign_id": "B", "contact_id": "c1",
     "sent_at": "2025-01-05T00:00:00Z"},
]
ORDERS = [
    {"order_id": "o1", "contact_id": "c1", "ordered_at": "2025-01-06T00:00:00Z",
     "total": 100},
    {"order_id": "o2", "contact_id": "c1", "ordered_at": "2025-01-07T12:00:00Z",
     "total": 50},
    {"order_id": "o3", "contact_id": "c1", "ordered_at": "2025-01-10T00:00:00Z",
     "total": 30},
]
# strict: only B's message was engaged with (opened 5 Jan 01:00, before every order)
EVENTS = [
    {"event_id": "e1", "message_id": "mB1", "event_type": "opened",
     "occurred_at": "2025-01-05T01:00:00Z"},
]


@pytest.fixture
def ds(make_dataset):
    return make_dataset(
        campaigns=CAMPAIGNS, messages=MESSAGES, orders=ORDERS, events=EVENTS
    )


def _figures(table: pd.DataFrame, window: float) -> dict[str, tuple]:
    rows = table[table["window_days"] == window].set_index("campaign_id")
    return {
        campaign: (row.conversions, row.revenue, row.official_conversions,
                   row.official_revenue)
        for campaign, row in rows.iterrows()
    }


def test_what_if_windows_broad_all_time(ds):
    table = what_if_windows(ds, [10, 1], as_of=AS_OF)

    assert list(table.columns[:3]) == ["analysis", "mode", "window_days"]
    assert set(table["analysis"]) == {WHAT_IF}
    assert table.attrs["analysis"] == WHAT_IF
    assert list(table["window_days"]) == [1.0, 1.0, 10.0, 10.0]  # C is not listed
    assert _figures(table, 1) == {"A": (0, 0.0, 1, 50.0), "B": (0, 0.0, 1, 100.0)}
    assert _figures(table, 10) == {"A": (0, 0.0, 1, 50.0), "B": (3, 180.0, 1, 100.0)}
    assert dict(zip(table["campaign_id"], table["official_window_days"])) == {
        "A": 7.0, "B": 2.0
    }


def test_what_if_windows_counts_conversions_of_the_period(ds):
    # 7–31 Jan: official A has o2 ($50), B's o1 (6 Jan) is outside; no send inside.
    # 10 days: B wins o2 and o3 ($80). B is listed through its what-if conversions.
    table = what_if_windows(ds, [10], period=("2025-01-07", "2025-01-31"), as_of=AS_OF)

    assert _figures(table, 10) == {"A": (0, 0.0, 1, 50.0), "B": (2, 80.0, 0, 0.0)}


def test_what_if_windows_strict(ds):
    # strict: A's message has no engagement, so it never qualifies. Official: o1 → B
    # (open 5 Jan 01:00 before it); o2 → none (B closed). 10 days: B wins all three.
    # A is still listed: it sent mA1 in the period (all time).
    table = what_if_windows(ds, [10], mode="strict", as_of=AS_OF)

    assert set(table["mode"]) == {"strict"}
    assert _figures(table, 10) == {"A": (0, 0.0, 0, 0.0), "B": (3, 180.0, 1, 100.0)}


def test_what_if_never_changes_the_official_attribution(ds):
    before = aiq_nb.attribute(ds)
    cached = attributed_orders(ds, "broad")

    what_if_windows(ds, [1, 10, 30], as_of=AS_OF)
    what_if_windows(ds, [1, 10, 30], mode="strict", as_of=AS_OF)

    after = aiq_nb.attribute(ds)
    pd.testing.assert_frame_equal(before, after)
    assert attributed_orders(ds, "broad") is cached
    assert list(after["campaign_id"]) == ["B", "A"]  # o1 → B, o2 → A (by hand)


def test_what_if_first_leaves_the_official_attribution_to_be_computed(ds):
    what_if_windows(ds, [10], as_of=AS_OF)
    assert list(aiq_nb.attribute(ds)["order_id"]) == ["o1", "o2"]


@pytest.mark.parametrize("windows", [[], [0], [-1], [float("nan")], ["x"], [True]])
def test_what_if_refuses_bad_windows(ds, windows):
    with pytest.raises(ParameterError):
        what_if_windows(ds, windows, as_of=AS_OF)


def test_set_window_refused_after_launch_by_launched_at(make_dataset):
    # L launched on 1 Mar and has no message yet: locked from 1 Mar on
    ds = make_dataset(campaigns=[
        {"campaign_id": "L", "launched_at": "2025-03-01T00:00:00Z",
         "attribution_window_days": 5},
    ])

    with pytest.raises(WindowLockedError) as caught:
        set_attribution_window(ds, "L", 30, at="2025-03-01T00:00:00Z")

    message = str(caught.value)
    assert "'L'" in message
    assert "2025-03-01T00:00:00+00:00" in message
    assert "5 days" in message
    assert official_windows(ds).at["L", "window_days"] == 5.0


def test_set_window_refused_for_a_campaign_with_messages(ds):
    # B has no launched_at but sent mB1 on 5 Jan: launched then, even asked "before"
    locked = r"'B'.*2025-01-05T00:00:00\+00:00.*2 days"
    with pytest.raises(WindowLockedError, match=locked):
        set_attribution_window(ds, "B", 10, at="2024-01-01")

    with pytest.raises(WindowLockedError, match="'A'"):
        set_attribution_window(ds, "A", 10)
    assert list(aiq_nb.attribute(ds)["campaign_id"]) == ["B", "A"]


def test_set_window_before_launch_is_used_by_attribution(make_dataset):
    # N launches 1 Feb; its window is set to 1 day on 15 Jan, then it sends mN1
    # (1 Feb 00:00) to c1, who buys 1 Feb 12:00 (o9, $20) and 3 Feb (o10, $40).
    # Default 7 days would attribute both; the 1-day window [02-01, 02-02) only o9.
    ds = make_dataset(
        campaigns=[{"campaign_id": "N", "launched_at": "2025-02-01T00:00:00Z"}],
        orders=[
            {"order_id": "o9", "contact_id": "c1", "ordered_at": "2025-02-01T12:00:00Z",
             "total": 20},
            {"order_id": "o10", "contact_id": "c1",
             "ordered_at": "2025-02-03T00:00:00Z", "total": 40},
        ],
    )
    assert aiq_nb.attribute(ds).empty
    assert ("attribution", "broad") in ds.cache
    assert launch_instant(ds, "N", at="2025-01-15") is None

    set_attribution_window(ds, "N", 1, at="2025-01-15T00:00:00Z")

    assert ("attribution", "broad") not in ds.cache
    assert official_windows(ds).at["N", "window_days"] == 1.0
    ds.con.raw_sql(
        "INSERT INTO messages (message_id, campaign_id, contact_id, channel, "
        "sent_at, status) VALUES ('mN1', 'N', 'c1', 'sms', "
        "TIMESTAMPTZ '2025-02-01 00:00:00+00', 'delivered')"
    ).fetchall()
    assert list(aiq_nb.attribute(ds)["order_id"]) == ["o9"]
    with pytest.raises(WindowLockedError):
        set_attribution_window(ds, "N", 7, at="2025-01-15T00:00:00Z")


def test_set_window_refuses_unknown_campaigns_and_bad_windows(ds):
    with pytest.raises(UnknownCampaignError, match="'Z'"):
        set_attribution_window(ds, "Z", 3)
    with pytest.raises(ParameterError):
        set_attribution_window(ds, "C", 0)
