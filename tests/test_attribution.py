"""Last-touch attribution (SPEC §3), one rule per test, on hand-made tables.

Every test writes a tiny dataset: the account default window is 7 days unless said
otherwise, every message is a delivered SMS unless said otherwise, and times are UTC.
Expected rows are ``(order_id, campaign_id, message_id)`` sorted by order, or
``(order_id, engagement_type)`` where the engagement type is the rule.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import aiq_nb

MODES = ("broad", "strict")
MakeDataset = Callable[..., aiq_nb.Dataset]


def message(message_id: str, campaign_id: str, contact_id: str, sent_at: str,
            **extra: object) -> dict[str, object]:
    return {"message_id": message_id, "campaign_id": campaign_id,
            "contact_id": contact_id, "sent_at": sent_at, **extra}


def event(message_id: str, event_type: str, occurred_at: str,
          **extra: object) -> dict[str, object]:
    event_id = f"{message_id}-{event_type}-{occurred_at}"
    return {"event_id": event_id, "message_id": message_id, "event_type": event_type,
            "occurred_at": occurred_at, **extra}


def order(order_id: str, contact_id: str, ordered_at: str,
          total: float = 100.0, **extra: object) -> dict[str, object]:
    return {"order_id": order_id, "contact_id": contact_id, "ordered_at": ordered_at,
            "total": total, **extra}


def opened_on_delivery(messages: list[dict[str, object]]) -> list[dict[str, object]]:
    """An open at the delivery instant of each delivered message.

    With these, strict mode's latest qualifying engagement is the latest delivery,
    so a rule that does not depend on engagement gives the same answer in both modes.
    """
    return [
        event(str(m["message_id"]), "opened", str(m["sent_at"]))
        for m in messages
        if m.get("status", "delivered") == "delivered"
    ]


def winners(ds: aiq_nb.Dataset, mode: str) -> list[tuple[str, str, str]]:
    """``(order_id, campaign_id, message_id)`` of each attributed order."""
    got = aiq_nb.attribute(ds, mode=mode)
    return list(got[["order_id", "campaign_id", "message_id"]].itertuples(
        index=False, name=None))


def engagement_types(ds: aiq_nb.Dataset, mode: str) -> list[tuple[str, str]]:
    """``(order_id, engagement_type)`` of each attributed order."""
    got = aiq_nb.attribute(ds, mode=mode)
    return list(got[["order_id", "engagement_type"]].itertuples(index=False, name=None))


# --- the window --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_window_is_the_campaigns_or_else_the_account_default(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [
        message("m1", "c_short", "k1", "2025-12-01T10:00:00Z"),
        message("m2", "c_default", "k2", "2025-12-01T10:00:00Z"),
        message("m3", "c_long", "k3", "2025-12-01T10:00:00Z"),
    ]
    ds = make_dataset(
        campaigns=[
            {"campaign_id": "c_short", "attribution_window_days": 2},
            {"campaign_id": "c_default"},
            {"campaign_id": "c_long", "attribution_window_days": 10},
        ],
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[
            order("o1", "k1", "2025-12-04T10:00:00Z"),
            order("o2", "k2", "2025-12-04T10:00:00Z"),
            order("o3", "k3", "2025-12-10T10:00:00Z"),
        ],
    )
    # o1: 3 days after m1, past c_short's own 2-day window → not attributed
    # o2: 3 days after m2, inside the account default of 7 days
    # o3: 9 days after m3, past the default but inside c_long's 10 days
    assert winners(ds, mode) == [("o2", "c_default", "m2"), ("o3", "c_long", "m3")]


@pytest.mark.parametrize("mode", MODES)
def test_purchase_at_the_delivery_instant_counts(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [message("m1", "c1", "k1", "2025-12-01T10:00:00Z")]
    ds = make_dataset(
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[order("o1", "k1", "2025-12-01T10:00:00Z")],
    )
    # [sent_at, sent_at + 7 d) holds sent_at itself
    assert winners(ds, mode) == [("o1", "c1", "m1")]


@pytest.mark.parametrize("mode", MODES)
def test_purchase_at_exactly_sent_at_plus_window_does_not_count(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [
        message("m1", "c1", "k1", "2025-12-01T10:00:00Z"),
        message("m2", "c1", "k2", "2025-12-01T10:00:00Z"),
    ]
    ds = make_dataset(
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[
            order("o1", "k1", "2025-12-08T10:00:00Z"),
            order("o2", "k2", "2025-12-08T09:59:59Z"),
        ],
    )
    # the window ends 8 Dec 10:00:00, excluded; one second before is inside
    assert winners(ds, mode) == [("o2", "c1", "m2")]


@pytest.mark.parametrize("mode", MODES)
def test_purchase_before_the_delivery_does_not_count(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [message("m1", "c1", "k1", "2025-12-02T10:00:00Z")]
    ds = make_dataset(
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[order("o1", "k1", "2025-12-02T09:59:59Z")],
    )
    assert winners(ds, mode) == []


@pytest.mark.parametrize("mode", MODES)
def test_only_the_contacts_own_messages_are_touches(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [message("m1", "c1", "k1", "2025-12-01T10:00:00Z")]
    ds = make_dataset(
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[order("o1", "k2", "2025-12-02T10:00:00Z")],
    )
    assert winners(ds, mode) == []


@pytest.mark.parametrize(
    ("sent_at", "inside", "outside"),
    [
        # spring forward, 8 Mar 2026: sent 7 Mar 12:00 EST = 17:00Z; 24 h later is
        # 8 Mar 17:00Z = 13:00 EDT. 12:30 EDT (16:30Z) is 23.5 h later: inside,
        # though a calendar day would have closed at 12:00 EDT; 13:00 EDT is out.
        ("2026-03-07T12:00:00-05:00", "2026-03-08T12:30:00-04:00",
         "2026-03-08T13:00:00-04:00"),
        # fall back, 2 Nov 2025: sent 1 Nov 12:00 EDT = 16:00Z; 24 h later is
        # 2 Nov 16:00Z = 11:00 EST. 10:30 EST is inside; 11:30 EST is out, though
        # a calendar day would still be open until 12:00 EST.
        ("2025-11-01T12:00:00-04:00", "2025-11-02T10:30:00-05:00",
         "2025-11-02T11:30:00-05:00"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_window_is_elapsed_time_across_a_dst_change(
    make_dataset: MakeDataset, mode: str, sent_at: str, inside: str, outside: str
) -> None:
    messages = [
        message("m1", "c1", "k1", sent_at),
        message("m2", "c1", "k2", sent_at),
    ]
    ds = make_dataset(
        account={"timezone": "America/New_York", "default_attribution_window_days": 1},
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[order("o1", "k1", inside), order("o2", "k2", outside)],
    )
    assert winners(ds, mode) == [("o1", "c1", "m1")]


@pytest.mark.parametrize("mode", MODES)
def test_fractional_window_days_are_elapsed_hours(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [
        message("m1", "c1", "k1", "2025-12-01T10:00:00Z"),
        message("m2", "c1", "k2", "2025-12-01T10:00:00Z"),
    ]
    ds = make_dataset(
        campaigns=[{"campaign_id": "c1", "attribution_window_days": 0.5}],
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[
            order("o1", "k1", "2025-12-01T21:59:00Z"),
            order("o2", "k2", "2025-12-01T22:00:00Z"),
        ],
    )
    # half a day is 12 h: the window closes at 22:00Z
    assert winners(ds, mode) == [("o1", "c1", "m1")]


# --- which touch wins ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_failed_message_opens_no_touch(make_dataset: MakeDataset, mode: str) -> None:
    messages = [
        message("m1", "c_failed", "k1", "2025-12-01T10:00:00Z", status="failed"),
        message("m2", "c_old", "k2", "2025-12-01T10:00:00Z"),
        message("m3", "c_failed", "k2", "2025-12-02T10:00:00Z", status="failed"),
    ]
    ds = make_dataset(
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[
            order("o1", "k1", "2025-12-03T10:00:00Z"),
            order("o2", "k2", "2025-12-03T10:00:00Z"),
        ],
    )
    # o1: k1's only message failed → no touch. o2: the later failed m3 is no touch,
    # so the earlier delivered m2 wins
    assert winners(ds, mode) == [("o2", "c_old", "m2")]


@pytest.mark.parametrize("mode", MODES)
def test_closed_last_window_falls_back_to_an_earlier_open_one(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [
        message("m1", "c_long", "k1", "2025-12-01T10:00:00Z"),
        message("m2", "c_short", "k1", "2025-12-03T10:00:00Z"),
    ]
    ds = make_dataset(
        campaigns=[
            {"campaign_id": "c_long", "attribution_window_days": 10},
            {"campaign_id": "c_short", "attribution_window_days": 1},
        ],
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[order("o1", "k1", "2025-12-05T10:00:00Z")],
    )
    # m2 is the last message but its window closed 4 Dec; m1's runs to 11 Dec
    assert winners(ds, mode) == [("o1", "c_long", "m1")]


@pytest.mark.parametrize("mode", MODES)
def test_each_order_goes_to_one_campaign_once(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [
        message("m1", "c1", "k1", "2025-12-01T10:00:00Z"),
        message("m2", "c2", "k1", "2025-12-02T10:00:00Z"),
        message("m3", "c2", "k1", "2025-12-03T10:00:00Z"),
    ]
    ds = make_dataset(
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[
            order("o1", "k1", "2025-12-04T10:00:00Z"),
            order("o2", "k1", "2025-12-05T10:00:00Z"),
        ],
    )
    # all three windows hold both orders; each order goes once, to the latest, m3
    assert winners(ds, mode) == [("o1", "c2", "m3"), ("o2", "c2", "m3")]


@pytest.mark.parametrize("mode", MODES)
def test_same_delivery_instant_goes_to_the_larger_message_id_as_text(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [
        message("m10", "c_a", "k1", "2025-12-01T10:00:00Z"),
        message("m9", "c_b", "k1", "2025-12-01T10:00:00Z"),
    ]
    ds = make_dataset(
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[order("o1", "k1", "2025-12-02T10:00:00Z")],
    )
    # same delivery (and, in strict, same engagement instant): "m9" > "m10" as text
    assert winners(ds, mode) == [("o1", "c_b", "m9")]


def test_strict_tie_on_engagement_goes_to_the_later_delivery(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[
            message("m2", "c_early", "k1", "2025-12-01T10:00:00Z"),
            message("m1", "c_late", "k1", "2025-12-02T10:00:00Z"),
        ],
        events=[
            event("m2", "clicked", "2025-12-03T10:00:00Z"),
            event("m1", "clicked", "2025-12-03T10:00:00Z"),
        ],
        orders=[order("o1", "k1", "2025-12-04T10:00:00Z")],
    )
    # both last engaged at 3 Dec 10:00; m1 was delivered later, which beats the
    # larger message_id "m2"
    assert winners(ds, "strict") == [("o1", "c_late", "m1")]


# --- strict: a qualifying engagement at or before the purchase -----------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # broad: the delivery alone is a touch
        ("broad", [("o1", "c1", "m1")]),
        # strict: m1 was never engaged with → no candidate
        ("strict", []),
    ],
)
def test_strict_needs_a_qualifying_engagement(
    make_dataset: MakeDataset, mode: str, expected: list
) -> None:
    ds = make_dataset(
        messages=[message("m1", "c1", "k1", "2025-12-01T10:00:00Z")],
        orders=[order("o1", "k1", "2025-12-02T10:00:00Z")],
    )
    assert winners(ds, mode) == expected


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("broad", [("o1", "c1", "m1")]),
        # the click came an hour after the purchase: it does not qualify
        ("strict", []),
    ],
)
def test_engagement_after_the_purchase_does_not_qualify(
    make_dataset: MakeDataset, mode: str, expected: list
) -> None:
    ds = make_dataset(
        messages=[message("m1", "c1", "k1", "2025-12-01T10:00:00Z")],
        events=[event("m1", "clicked", "2025-12-02T11:00:00Z")],
        orders=[order("o1", "k1", "2025-12-02T10:00:00Z")],
    )
    assert winners(ds, mode) == expected


def test_engagement_at_the_purchase_instant_qualifies(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[message("m1", "c1", "k1", "2025-12-01T10:00:00Z")],
        events=[event("m1", "opened", "2025-12-02T10:00:00Z")],
        orders=[order("o1", "k1", "2025-12-02T10:00:00Z")],
    )
    # "at or before": the open at the very instant of the purchase qualifies
    assert winners(ds, "strict") == [("o1", "c1", "m1")]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # broad: the latest delivery, m2 (2 Dec), wins
        ("broad", [("o1", "c2", "m2")]),
        # strict: m1's open (4 Dec) is later than m2's (3 Dec), so m1 wins
        ("strict", [("o1", "c1", "m1")]),
    ],
)
def test_strict_picks_the_latest_engagement_not_the_latest_delivery(
    make_dataset: MakeDataset, mode: str, expected: list
) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1", "2025-12-01T10:00:00Z"),
            message("m2", "c2", "k1", "2025-12-02T10:00:00Z"),
        ],
        events=[
            event("m2", "opened", "2025-12-03T10:00:00Z"),
            event("m1", "opened", "2025-12-04T10:00:00Z"),
        ],
        orders=[order("o1", "k1", "2025-12-05T10:00:00Z")],
    )
    assert winners(ds, mode) == expected


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("broad", [("o1", "c1", "m1"), ("o2", "c1", "m2")]),
        # c1 converts on clicks only: k1's open does not qualify, k2's click does
        ("strict", [("o2", "c1", "m2")]),
    ],
)
def test_conversion_engagements_restrict_what_qualifies(
    make_dataset: MakeDataset, mode: str, expected: list
) -> None:
    ds = make_dataset(
        campaigns=[{"campaign_id": "c1", "conversion_engagements": "clicked"}],
        messages=[
            message("m1", "c1", "k1", "2025-12-01T10:00:00Z"),
            message("m2", "c1", "k2", "2025-12-01T10:00:00Z"),
        ],
        events=[
            event("m1", "opened", "2025-12-01T11:00:00Z"),
            event("m2", "clicked", "2025-12-01T11:00:00Z"),
        ],
        orders=[
            order("o1", "k1", "2025-12-02T10:00:00Z"),
            order("o2", "k2", "2025-12-02T10:00:00Z"),
        ],
    )
    assert winners(ds, mode) == expected


def test_conversion_engagements_ignore_spaces_and_case(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        campaigns=[
            {
                "campaign_id": "c1",
                "conversion_engagements": "Landing_Page_Viewed; Clicked",
            }
        ],
        messages=[message("m1", "c1", "k1", "2025-12-01T10:00:00Z")],
        events=[event("m1", "clicked", "2025-12-01T11:00:00Z")],
        orders=[order("o1", "k1", "2025-12-02T10:00:00Z")],
    )
    # "Landing_Page_Viewed; Clicked" lists clicked, like "landing_page_viewed;clicked"
    assert winners(ds, "strict") == [("o1", "c1", "m1")]


def test_call_answered_qualifies_by_default_but_a_voicemail_does_not(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1", "2025-12-01T10:00:00Z", channel="voice"),
            message("m2", "c1", "k2", "2025-12-01T10:00:00Z", channel="voice"),
        ],
        events=[
            event("m1", "call_answered", "2025-12-01T10:00:05Z", duration_s=60),
            event("m2", "voicemail", "2025-12-01T10:00:30Z", duration_s=20),
        ],
        orders=[
            order("o1", "k1", "2025-12-02T10:00:00Z"),
            order("o2", "k2", "2025-12-02T10:00:00Z"),
        ],
    )
    # default conversion engagements: opened, clicked, landing page viewed, call
    # answered; a voicemail is not an answered call
    assert winners(ds, "strict") == [("o1", "c1", "m1")]


def test_10dlc_sms_opened_event_does_not_qualify_but_inbox_view_does(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        account={"regulated_10dlc": True},
        messages=[
            message("m1", "c1", "k1", "2025-12-01T10:00:00Z"),
            message("m2", "c1", "k2", "2025-12-01T10:00:00Z"),
        ],
        events=[
            event("m1", "opened", "2025-12-01T11:00:00Z"),
            event("m2", "inbox_viewed", "2025-12-01T11:00:00Z"),
        ],
        orders=[
            order("o1", "k1", "2025-12-02T10:00:00Z"),
            order("o2", "k2", "2025-12-02T10:00:00Z"),
        ],
    )
    # in a 10DLC account an SMS open is the inbox view only
    assert winners(ds, "strict") == [("o2", "c1", "m2")]


# --- engagement type of a conversion -------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "engagements", "expected"),
    [
        ("sms", ["opened"], "opened"),
        ("sms", ["inbox_viewed"], "opened"),
        ("email", ["opened", "clicked"], "clicked"),
        ("email", ["clicked"], "clicked"),
        ("email", ["opened", "clicked", "landing_page_viewed"], "landing_page_viewed"),
        ("email", ["landing_page_viewed", "opened"], "landing_page_viewed"),
        ("voice", ["call_answered", "call_completed"], "call_answered"),
        ("sms", ["opened", "unsubscribed"], "opened"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_engagement_type_is_the_deepest_before_the_purchase(
    make_dataset: MakeDataset,
    mode: str,
    channel: str,
    engagements: list[str],
    expected: str,
) -> None:
    # engagements an hour apart from 1 Dec 11:00, purchase 2 Dec 10:00, plus a
    # landing page view *after* the purchase that must not deepen the type
    events = [
        event("m1", kind, f"2025-12-01T{11 + hour}:00:00Z")
        for hour, kind in enumerate(engagements)
    ]
    if channel != "voice":
        events.append(event("m1", "landing_page_viewed", "2025-12-02T10:00:01Z"))
    ds = make_dataset(
        messages=[message("m1", "c1", "k1", "2025-12-01T10:00:00Z", channel=channel)],
        events=events,
        orders=[order("o1", "k1", "2025-12-02T10:00:00Z")],
    )
    assert engagement_types(ds, mode) == [("o1", expected)]


@pytest.mark.parametrize(
    "events",
    [
        [],
        [("unsubscribed", "2025-12-01T11:00:00Z")],
        [("clicked", "2025-12-02T11:00:00Z")],
    ],
)
def test_unengaged_broad_conversion_is_received(
    make_dataset: MakeDataset, events: list[tuple[str, str]]
) -> None:
    # no engagement with m1 at or before the purchase (none, an unsubscribe, or a
    # click after it): the conversion's engagement type is "received"
    ds = make_dataset(
        messages=[message("m1", "c1", "k1", "2025-12-01T10:00:00Z")],
        events=[event("m1", kind, at) for kind, at in events],
        orders=[order("o1", "k1", "2025-12-02T10:00:00Z")],
    )
    assert engagement_types(ds, "broad") == [("o1", "received")]


def test_engagement_type_looks_at_the_winning_message_only(
    make_dataset: MakeDataset,
) -> None:
    ds = make_dataset(
        messages=[
            message("m1", "c1", "k1", "2025-12-01T10:00:00Z"),
            message("m2", "c2", "k1", "2025-12-02T10:00:00Z"),
        ],
        events=[
            event("m1", "landing_page_viewed", "2025-12-01T11:00:00Z"),
            event("m2", "opened", "2025-12-02T11:00:00Z"),
        ],
        orders=[order("o1", "k1", "2025-12-03T10:00:00Z")],
    )
    # broad: m2 wins (later delivery); its deepest engagement is an open, m1's
    # landing page view belongs to another message
    assert engagement_types(ds, "broad") == [("o1", "opened")]


# --- which orders can convert ---------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_cancelled_and_refunded_orders_do_not_convert(
    make_dataset: MakeDataset, mode: str
) -> None:
    messages = [message("m1", "c1", "k1", "2025-12-01T10:00:00Z")]
    ds = make_dataset(
        messages=messages,
        events=opened_on_delivery(messages),
        orders=[
            order("o1", "k1", "2025-12-02T10:00:00Z", status="completed"),
            order("o2", "k1", "2025-12-02T11:00:00Z", status="cancelled"),
            order("o3", "k1", "2025-12-02T12:00:00Z", status="Refunded"),
            order("o4", "k1", "2025-12-02T13:00:00Z", status=None),
        ],
    )
    # only completed orders convert; an empty status means completed
    assert winners(ds, mode) == [("o1", "c1", "m1"), ("o4", "c1", "m1")]


@pytest.mark.parametrize("mode", ["sideways", "", "Broad"])
def test_unknown_mode_is_refused(make_dataset: MakeDataset, mode: str) -> None:
    ds = make_dataset(messages=[message("m1", "c1", "k1", "2025-12-01T10:00:00Z")])
    with pytest.raises(ValueError):
        aiq_nb.attribute(ds, mode=mode)
