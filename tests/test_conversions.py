"""Top Converted, Top Conversions by Engagement Type, Conversions over Time.

One small dataset in America/Los_Angeles around the end of daylight-saving time
(2025-11-02 09:00Z: clocks go from 02:00 PDT back to 01:00 PST):

- m1 (sms, campaign k1) to c1 at 2025-11-01T17:00Z; c1 clicks at 18:00Z.
- m2 (sms, campaign k1) to c2 at 2025-11-01T17:00Z; c2 never engages.
- o1 c1 2025-11-02T07:30Z = Nov 2 00:30 PDT, $10, Downtown, 1 × Blue Dream (Alpine) $10
- o2 c1 2025-11-03T07:30Z = Nov 2 23:30 PST, $20, Uptown, 1 × Blue Dream (Alpine) $12
  and 2 × Gummies (no brand) $8
- o3 c2 2025-11-03T08:30Z = Nov 3 00:30 PST, $5, Downtown, no items

Every order falls in the 7-day window of its contact's message. Broad: all three
convert; o1 and o2 were clicked first, o3 only received. Strict: only o1 and o2.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import aiq_nb

PERIOD = ("2025-11-01", "2025-11-04")
AS_OF = "2025-11-30"


@pytest.fixture
def ds(make_dataset):
    return make_dataset(
        account={"timezone": "America/Los_Angeles"},
        messages=[
            {"message_id": "m1", "campaign_id": "k1", "contact_id": "c1",
             "sent_at": "2025-11-01T17:00:00Z"},
            {"message_id": "m2", "campaign_id": "k1", "contact_id": "c2",
             "sent_at": "2025-11-01T17:00:00Z"},
        ],
        events=[
            {"event_id": "e1", "message_id": "m1", "event_type": "clicked",
             "occurred_at": "2025-11-01T18:00:00Z"},
        ],
        orders=[
            {"order_id": "o1", "contact_id": "c1", "ordered_at": "2025-11-02T07:30:00Z",
             "total": 10, "location": "Downtown"},
            {"order_id": "o2", "contact_id": "c1", "ordered_at": "2025-11-03T07:30:00Z",
             "total": 20, "location": "Uptown"},
            {"order_id": "o3", "contact_id": "c2", "ordered_at": "2025-11-03T08:30:00Z",
             "total": 5, "location": "Downtown"},
        ],
        order_items=[
            {"order_id": "o1", "product": "Blue Dream 3.5g", "brand": "Alpine",
             "quantity": 1, "amount": 10},
            {"order_id": "o2", "product": "Blue Dream 3.5g", "brand": "Alpine",
             "quantity": 1, "amount": 12},
            {"order_id": "o2", "product": "Gummies 10pk", "brand": "",
             "quantity": 2, "amount": 8},
        ],
    )


def _rows(frame: pd.DataFrame, columns: list[str]) -> dict[str, tuple]:
    return {
        str(key): tuple(None if pd.isna(v) else float(v) for v in row)
        for key, row in frame[columns].iterrows()
    }


@pytest.mark.parametrize("mode", ["broad", "strict"])
def test_top_products_sum_line_amounts_sorted_by_revenue(ds, mode) -> None:
    # both modes hold o1 and o2, the only orders with items:
    # Blue Dream 10 + 12 = 22 over 2 orders, 2 units; Gummies 8, 1 order, 2 units
    rep = aiq_nb.build_report(ds, PERIOD, as_of=AS_OF, mode=mode)
    assert list(rep.top_products.index) == ["Blue Dream 3.5g", "Gummies 10pk"]
    assert _rows(rep.top_products, ["revenue", "conversions", "units"]) == {
        "Blue Dream 3.5g": (22.0, 2.0, 2.0),
        "Gummies 10pk": (8.0, 1.0, 2.0),
    }


def test_products_without_a_brand_are_grouped_as_no_brand(ds) -> None:
    rep = aiq_nb.build_report(ds, PERIOD, as_of=AS_OF)
    assert _rows(rep.top_brands, ["revenue", "conversions", "units"]) == {
        "Alpine": (22.0, 2.0, 2.0),
        "(no brand)": (8.0, 1.0, 2.0),
    }


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # broad: Uptown o2 20; Downtown o1 10 + o3 5 (o3 has no items, still counts)
        ("broad", {"Uptown": (20.0, 1.0), "Downtown": (15.0, 2.0)}),
        # strict: o3 was never engaged with, so Downtown keeps o1 only
        ("strict", {"Uptown": (20.0, 1.0), "Downtown": (10.0, 1.0)}),
    ],
)
def test_top_locations_use_order_totals(ds, mode, expected) -> None:
    rep = aiq_nb.build_report(ds, PERIOD, as_of=AS_OF, mode=mode)
    assert list(rep.top_locations.index) == list(expected)
    assert _rows(rep.top_locations, ["revenue", "conversions"]) == expected


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # broad: received o3 $5; clicked o1 + o2 $30; total $35
        ("broad", {"received": (5.0, 1.0, 5 / 35), "clicked": (30.0, 2.0, 30 / 35)}),
        ("strict", {"received": (0.0, 0.0, 0.0), "clicked": (30.0, 2.0, 1.0)}),
    ],
)
def test_revenue_and_share_by_engagement_type(ds, mode, expected) -> None:
    rep = aiq_nb.build_report(ds, PERIOD, as_of=AS_OF, mode=mode)
    got = _rows(rep.by_engagement, ["revenue", "conversions", "share"])
    for engagement_type, figures in expected.items():
        assert got[engagement_type] == pytest.approx(figures)
    assert got["opened"] == (0.0, 0.0, 0.0)
    assert rep.by_engagement["revenue"].sum() == rep.overview["revenue"].iloc[0]


def test_conversions_over_time_use_local_days_across_the_dst_change(ds) -> None:
    # o1 (00:30 PDT) and o2 (23:30 PST) are both on Nov 2 local time, though o2 is
    # Nov 3 in UTC; o3 (00:30 PST) is Nov 3. Nov 1 and Nov 4 have nothing.
    rep = aiq_nb.build_report(ds, PERIOD, as_of=AS_OF, mode="broad")
    curve = rep.over_time
    assert list(curve.index) == [dt.date(2025, 11, d) for d in (1, 2, 3, 4)]
    assert curve["clicked"].tolist() == [0.0, 30.0, 0.0, 0.0]
    assert curve["received"].tolist() == [0.0, 0.0, 5.0, 0.0]
    assert curve["opened"].tolist() == [0.0] * 4


def test_an_empty_period_has_every_day_and_no_share(ds) -> None:
    rep = aiq_nb.build_report(ds, ("2025-12-01", "2025-12-03"), as_of="2025-12-31")
    assert len(rep.over_time) == 3
    assert float(rep.over_time.to_numpy().sum()) == 0.0
    assert rep.top_products.empty and rep.top_locations.empty
    assert rep.by_engagement["share"].isna().all()
