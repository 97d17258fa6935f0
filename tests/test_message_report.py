"""The per-campaign message report: pseudonymised, archived 3 months on (SPEC §5)."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from aiq_nb.errors import ArchivedError, ParameterError, UnknownCampaignError
from aiq_nb.hints import NO_RECIPIENTS_HINT
from aiq_nb.message_report import (
    REPORT_COLUMNS,
    available_until,
    message_report,
    write_message_report,
)

KEY = b"k"
LA = "America/Los_Angeles"  # PDT, UTC-7, in October 2025

# Campaign A (account default window 7 days), campaign B (one older message), E (none).
# A's final message m4 is sent 11 Oct 03:00 UTC = 10 Oct 20:00 in Los Angeles, so the
# report is available through 10 Jan 2026 and archived from 11 Jan (in UTC it would be
# 11 Jan / 12 Jan: the account zone decides).
MESSAGES = [
    {"message_id": "m1", "campaign_id": "A", "contact_id": "c-SECRET-1",
     "sent_at": "2025-10-01T17:00:00Z", "credits": 1, "cost": 0.0075,
     "carrier_fee": 0.003},
    {"message_id": "m2", "campaign_id": "A", "contact_id": "c-SECRET-2",
     "channel": "email", "sent_at": "2025-10-02T17:00:00Z"},
    {"message_id": "m3", "campaign_id": "A", "contact_id": "c-SECRET-3",
     "sent_at": "2025-10-02T18:00:00Z", "status": "failed",
     "failure_reason": "=carrier_blocked", "credits": 1},
    {"message_id": "m4", "campaign_id": "A", "contact_id": "c-SECRET-1",
     "channel": "voice", "sent_at": "2025-10-11T03:00:00Z"},
    {"message_id": "m5", "campaign_id": "A", "contact_id": "c-SECRET-4",
     "channel": "wallet_pass", "sent_at": "2025-10-03T17:00:00Z"},
    {"message_id": "m6", "campaign_id": "A", "contact_id": "c-SECRET-5",
     "channel": "wallet_pass", "sent_at": "2025-10-03T18:00:00Z"},
    {"message_id": "mB", "campaign_id": "B", "contact_id": "c-SECRET-1",
     "sent_at": "2025-09-01T00:00:00Z"},
]
EVENTS = [
    {"event_id": "e1", "message_id": "m1", "event_type": "opened",
     "occurred_at": "2025-10-01T18:00:00Z"},
    {"event_id": "e2", "message_id": "m1", "event_type": "clicked",
     "occurred_at": "2025-10-01T18:05:00Z"},
    {"event_id": "e3", "message_id": "m1", "event_type": "clicked",
     "occurred_at": "2025-10-01T18:06:00Z"},
    {"event_id": "e4", "message_id": "m2", "event_type": "clicked",
     "occurred_at": "2025-10-02T17:30:00Z"},
    {"event_id": "e5", "message_id": "m2", "event_type": "unsubscribed",
     "occurred_at": "2025-10-02T17:40:00Z"},
    {"event_id": "e6", "message_id": "m4", "event_type": "call_answered",
     "occurred_at": "2025-10-11T03:01:00Z", "duration_s": 30},
    {"event_id": "e7", "message_id": "m5", "event_type": "pass_muted",
     "occurred_at": "2025-10-03T17:10:00Z"},
    {"event_id": "e8", "message_id": "m6", "event_type": "pass_removed",
     "occurred_at": "2025-10-03T18:10:00Z"},
    {"event_id": "e9", "message_id": "mB", "event_type": "opened",
     "occurred_at": "2025-09-01T01:00:00Z"},
]
# o1, o3: c1 inside m1's window [10-01 17:00, 10-08 17:00) and outside mB's → m1 ($55)
# o2: c2 inside m2's window → m2 ($25); o4: c3's only message failed → unattributed
ORDERS = [
    {"order_id": "o1", "contact_id": "c-SECRET-1", "ordered_at": "2025-10-03T00:00:00Z",
     "total": 40},
    {"order_id": "o2", "contact_id": "c-SECRET-2", "ordered_at": "2025-10-02T18:00:00Z",
     "total": 25},
    {"order_id": "o3", "contact_id": "c-SECRET-1", "ordered_at": "2025-10-04T00:00:00Z",
     "total": 15},
    {"order_id": "o4", "contact_id": "c-SECRET-3", "ordered_at": "2025-10-03T00:00:00Z",
     "total": 10},
]
NA = pd.NA
# message: (opened, clicked, link_clicks, unsubscribed, converted, revenue), sorted by
# sent_at; voice (m4) has no opens, clicks or unsubscribes: not applicable
EXPECTED = {
    "m1": (True, True, 2, False, True, 55.0),
    "m2": (True, True, 1, True, True, 25.0),  # a click counts as an open
    "m3": (False, False, 0, False, False, 0.0),  # failed
    "m5": (False, False, 0, False, False, 0.0),  # a muted pass is no unsubscribe
    "m6": (False, False, 0, True, False, 0.0),  # a removed pass is
    "m4": (NA, NA, NA, NA, False, 0.0),
}


@pytest.fixture
def ds(make_dataset):
    return make_dataset(
        account={"timezone": LA},
        campaigns=[{"campaign_id": "E"}],
        messages=MESSAGES,
        events=EVENTS,
        orders=ORDERS,
    )


def _hash(contact: str, key: bytes = KEY) -> str:
    return hmac.new(key, contact.encode(), hashlib.sha256).hexdigest()[:16]


def test_one_row_per_message_with_its_outcome(ds):
    report = message_report(ds, "A", as_of="2025-12-01", key=KEY)

    assert list(report.columns) == list(REPORT_COLUMNS)
    assert list(report["message_id"]) == list(EXPECTED)
    columns = ["opened", "clicked", "link_clicks", "unsubscribed", "converted",
               "revenue"]
    for row, message in zip(report[columns].itertuples(index=False), EXPECTED):
        assert tuple(row) == EXPECTED[message], message
    first = report.iloc[0]
    assert (first.credits, first.cost, first.carrier_fee) == (1.0, 0.0075, 0.003)
    assert report.loc[1, "credits"] == 0.0  # empty credits mean 0
    assert report.loc[2, "failure_reason"] == "=carrier_blocked"
    assert str(first.sent_at) == "2025-10-01 10:00:00-07:00"  # account time zone


def test_contacts_are_pseudonymised_with_the_key(ds):
    report = message_report(ds, "A", as_of="2025-12-01", key=KEY)

    contacts = dict(zip(report["message_id"], report["contact"]))
    assert contacts["m1"] == contacts["m4"] == _hash("c-SECRET-1")
    assert contacts["m2"] == _hash("c-SECRET-2") != contacts["m1"]
    assert "contact_id" not in report.columns
    assert not report.astype(str).apply(lambda c: c.str.contains("SECRET")).any().any()

    same = message_report(ds, "A", as_of="2025-12-01", key="k")
    other = message_report(ds, "A", as_of="2025-12-01", key=b"another key")
    assert list(same["contact"]) == list(report["contact"])
    assert other.loc[0, "contact"] == _hash("c-SECRET-1", b"another key")
    assert other.loc[0, "contact"] != report.loc[0, "contact"]


def test_available_through_three_months_after_the_final_local_day(ds):
    assert str(available_until(ds, "A")) == "2026-01-10"
    assert len(message_report(ds, "A", as_of="2026-01-10", key=KEY)) == 6

    with pytest.raises(ArchivedError, match="archived since 2026-01-11") as caught:
        message_report(ds, "A", as_of="2026-01-11", key=KEY)
    assert "'A'" in str(caught.value)
    assert "2025-10-10" in str(caught.value)


@pytest.mark.parametrize(
    ("final", "last_day", "archived_day"),
    [
        ("2025-11-30T12:00:00Z", "2026-02-28", "2026-03-01"),  # clipped to Feb's end
        ("2025-08-31T23:59:59Z", "2025-11-30", "2025-12-01"),
        ("2025-01-15T00:00:00Z", "2025-04-15", "2025-04-16"),
    ],
)
def test_archive_boundary_day(make_dataset, final, last_day, archived_day):
    ds = make_dataset(messages=[
        {"message_id": "m1", "campaign_id": "A", "contact_id": "c1",
         "sent_at": "2025-01-01T00:00:00Z"},
        {"message_id": "m2", "campaign_id": "A", "contact_id": "c1", "sent_at": final},
    ])

    assert str(available_until(ds, "A")) == last_day
    assert len(message_report(ds, "A", as_of=last_day, key=KEY)) == 2
    with pytest.raises(ArchivedError, match=f"archived since {archived_day}"):
        message_report(ds, "A", as_of=archived_day, key=KEY)


def test_unknown_campaign_is_refused(ds):
    with pytest.raises(UnknownCampaignError, match="'Z'"):
        message_report(ds, "Z", as_of="2025-12-01", key=KEY)


def test_empty_key_is_refused(ds):
    with pytest.raises(ParameterError, match="key"):
        message_report(ds, "A", as_of="2025-12-01", key="")


def test_campaign_without_messages_gives_an_empty_report_and_the_hint(ds):
    report = message_report(ds, "E", as_of="2099-01-01", key=KEY)

    assert report.empty
    assert list(report.columns) == list(REPORT_COLUMNS)
    assert report.attrs["hint"] == NO_RECIPIENTS_HINT
    assert available_until(ds, "E") is None


def test_hint_text_asks_to_check_the_audiences():
    assert "check that personas are loaded into audiences" in NO_RECIPIENTS_HINT


def test_write_message_report(ds, tmp_path):
    target = tmp_path / "a.csv"
    path = write_message_report(ds, "A", target, as_of="2026-01-10", key=KEY)

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "SECRET" not in text
    assert "'=carrier_blocked" in text
    written = pd.read_csv(path, encoding="utf-8-sig")
    assert list(written.columns) == list(REPORT_COLUMNS)
    assert list(written["message_id"]) == list(EXPECTED)
    assert list(written["revenue"]) == [55.0, 25.0, 0.0, 0.0, 0.0, 0.0]


def test_write_refuses_an_archived_campaign(ds, tmp_path):
    target = tmp_path / "a.csv"
    with pytest.raises(ArchivedError):
        write_message_report(ds, "A", target, as_of="2026-01-11", key=KEY)
    assert not target.exists()
