"""build_report as a whole: maturity, hints, data quality, exports, adding up."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

import aiq_nb
from aiq_nb.metrics import NOT_FOR_VOICE, SUMMABLE
from aiq_nb.quality import EVENT_BEFORE_SEND, IMPLAUSIBLE_TIME
from aiq_nb.report import ATTRIBUTED_WITHOUT_ITEMS

SEND = "2025-12-01T10:00:00Z"


def _one_campaign(**extra: object) -> dict[str, object]:
    """Campaign k1 (3-day window) sends m1 to c1 on Dec 1 10:00 UTC."""
    return {
        "campaigns": [{"campaign_id": "k1", "attribution_window_days": 3}],
        "messages": [{"message_id": "m1", "campaign_id": "k1", "contact_id": "c1",
                      "sent_at": SEND}],
        **extra,
    }


@pytest.mark.parametrize(
    ("as_of", "provisional"),
    [
        # the window of m1 closes Dec 4 10:00 UTC; as_of Dec 3 ends Dec 4 00:00 UTC
        ("2025-12-03", True),
        # as_of Dec 4 ends Dec 5 00:00 UTC, after the window closed
        ("2025-12-04", False),
    ],
)
def test_a_campaign_is_provisional_until_its_last_window_closes(
    make_dataset, as_of: str, provisional: bool
) -> None:
    rep = aiq_nb.build_report(make_dataset(**_one_campaign()), as_of=as_of)
    row = rep.campaigns.loc["k1"]
    assert bool(row["provisional"]) is provisional
    assert row["provisional_until"] == pd.Timestamp("2025-12-04T10:00:00Z")


def test_a_campaign_without_messages_gets_the_audience_hint(make_dataset) -> None:
    data = _one_campaign()
    data["campaigns"].append({"campaign_id": "k2", "name": "Empty audience"})
    rep = aiq_nb.build_report(make_dataset(**data), as_of="2025-12-31")
    assert list(rep.hints.index) == ["k2"]
    assert "personas are loaded into audiences" in rep.hints.loc["k2", "hint"]
    assert "k2" not in rep.campaigns.index


def test_events_before_their_send_and_implausible_times_are_quarantined(
    make_dataset,
) -> None:
    data = _one_campaign(
        events=[
            {"event_id": "e1", "message_id": "m1", "event_type": "opened",
             "occurred_at": "2025-11-30T10:00:00Z"},   # a day before its send
            {"event_id": "e2", "message_id": "m1", "event_type": "opened",
             "occurred_at": "1970-01-01T00:00:00Z"},   # an epoch placeholder
            {"event_id": "e3", "message_id": "m1", "event_type": "opened",
             "occurred_at": "2025-12-01T11:00:00Z"},   # fine
        ],
        orders=[{"order_id": "o1", "contact_id": "c1",
                 "ordered_at": "2201-01-01T00:00:00Z", "total": 5}],
    )
    ds = make_dataset(**data)
    quality = {(r.table, r.reason): r.rows for r in ds.data_quality.itertuples()}
    assert quality == {
        ("events", EVENT_BEFORE_SEND): 1,
        ("events", IMPLAUSIBLE_TIME): 1,
        ("orders", IMPLAUSIBLE_TIME): 1,
    }
    assert aiq_nb.build_report(ds, as_of="2025-12-31").overview["opens"].iloc[0] == 1


def test_attributed_orders_without_items_are_counted_in_data_quality(
    make_dataset,
) -> None:
    # o1 and o2 both fall in m1's window; only o1 has items
    data = _one_campaign(
        orders=[
            {"order_id": "o1", "contact_id": "c1", "ordered_at": "2025-12-01T12:00:00Z",
             "total": 5},
            {"order_id": "o2", "contact_id": "c1", "ordered_at": "2025-12-02T12:00:00Z",
             "total": 7},
        ],
        order_items=[{"order_id": "o1", "product": "Pre-roll", "quantity": 1,
                      "amount": 5}],
    )
    rep = aiq_nb.build_report(make_dataset(**data), as_of="2025-12-31")
    reasons = dict(zip(rep.data_quality["reason"], rep.data_quality["rows"]))
    assert reasons == {ATTRIBUTED_WITHOUT_ITEMS: 1}
    assert rep.top_locations["revenue"].sum() == 12.0


def test_a_unique_count_over_a_month_is_not_a_sum_of_daily_uniques(make_dataset) -> None:
    # c1 opens m1 on Dec 1 and again on Dec 2: one unique open over the month,
    # though each day alone has one
    data = _one_campaign(events=[
        {"event_id": "e1", "message_id": "m1", "event_type": "opened",
         "occurred_at": "2025-12-01T11:00:00Z"},
        {"event_id": "e2", "message_id": "m1", "event_type": "opened",
         "occurred_at": "2025-12-02T11:00:00Z"},
    ])
    ds = make_dataset(**data)
    month = aiq_nb.build_report(ds, "2025-12", as_of="2025-12-31")
    days = [aiq_nb.build_report(ds, (f"2025-12-0{d}", f"2025-12-0{d}"), as_of="2025-12-31")
            for d in (1, 2)]
    assert month.overview["opens"].iloc[0] == 1
    assert sum(day.overview["opens"].iloc[0] for day in days) == 2


def test_to_csv_writes_exactly_the_filtered_view(make_dataset, tmp_path: Path) -> None:
    data = {
        "campaigns": [{"campaign_id": "k1", "name": "=HYPERLINK(\"x\")"},
                      {"campaign_id": "k2", "name": "Email blast"}],
        "messages": [
            {"message_id": "m1", "campaign_id": "k1", "contact_id": "c1", "sent_at": SEND},
            {"message_id": "m2", "campaign_id": "k2", "contact_id": "c2", "sent_at": SEND,
             "channel": "email"},
        ],
    }
    ds = make_dataset(**data)
    path = aiq_nb.build_report(ds, "2025-12", as_of="2025-12-31", channels="sms").to_csv(
        tmp_path / "out.csv"
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = pd.read_csv(path, encoding="utf-8-sig", dtype={"campaign_id": str})
    # only k1 sent by SMS; its formula-like name is neutralised; numbers stay numbers
    assert rows["campaign_id"].tolist() == ["k1"]
    assert rows["name"].tolist() == ["'=HYPERLINK(\"x\")"]
    assert rows[["period", "mode", "sends"]].values.tolist() == [["2025-12", "broad", 1]]


@pytest.fixture(scope="module")
def sample() -> aiq_nb.Dataset:
    return aiq_nb.load_dataset(aiq_nb.sample_dataset_path())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("view", "mode", "period"),
    list(itertools.product(("all", "campaigns", "flows"), ("broad", "strict"),
                           (None, "2025-11", ("2025-12-24", "2025-12-31")))),
)
def test_campaign_rows_add_up_to_the_overview_on_the_sample(
    sample: aiq_nb.Dataset, view: str, mode: str, period: object
) -> None:
    rep = aiq_nb.build_report(sample, period, as_of="2026-01-10", view=view, mode=mode)
    rows = pd.concat([rep.campaigns, rep.unlisted_activity])
    for column in SUMMABLE:
        if column not in rep.overview:
            continue
        expected = rep.overview[column].iloc[0]
        total = rows[column].astype("Float64").sum(
            min_count=1 if column in NOT_FOR_VOICE else 0
        )
        assert total == pytest.approx(expected), column
    assert rep.by_engagement["revenue"].sum() == pytest.approx(rep.overview["revenue"][0])
    assert rep.top_locations["revenue"].sum() == pytest.approx(rep.overview["revenue"][0])
