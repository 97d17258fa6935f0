"""Properties of attribution and reports on random small datasets (SPEC §3, §4).

Hypothesis draws a few contacts, campaigns with random (also fractional) windows and
qualifying engagements, delivered and failed messages, engagement events and orders,
some placed exactly at a delivery instant or exactly at a window's end. Each example is
written as CSV files, loaded, and checked against:

- each order is attributed at most once, in each mode;
- an order attributed in strict mode is attributed in broad mode as well (strict
  candidates are broad candidates; the winning campaign may differ);
- campaign rows plus the unlisted activity add up to the overview;
- attributed revenue never exceeds the revenue of completed orders;
- the engine agrees with a plain reference below: loops over orders × messages that
  follow SPEC §3 word for word, both modes, with the tie rules and engagement type.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from conftest import write_dataset
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import aiq_nb

T0 = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
AS_OF = "2026-01-10"
STEP_HOURS = 6  # coarse instants, so that ties and exact window ends happen often
MAX_STEPS = 16
DEFAULT_WINDOW_DAYS = 1.0
WINDOWS = (None, 0.25, 0.5, 1.0, 1.5, 2.0)
CONTACTS = ("k0", "k1", "k2")
CHANNELS = ("sms", "email", "voice")
ENGAGEMENT_CHOICES = ("opened", "clicked", "landing_page_viewed", "call_answered")
DEFAULT_ENGAGEMENTS = ENGAGEMENT_CHOICES
EVENT_TYPES = (
    "opened", "clicked", "landing_page_viewed", "inbox_viewed", "call_answered",
    "unsubscribed",
)
GATED = ("sms", "mms")
LEVELS = {"opened": 1, "call_answered": 1, "clicked": 2, "landing_page_viewed": 3}
SUMMED = (
    "sends", "failed_sends", "delivered", "link_clicks", "conversions", "revenue",
    "credits_spent", "cost", "unique_clicks", "unsubscribers",
)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Drawn:
    """One random dataset, as the rows of its tables."""

    regulated: bool
    campaigns: list[dict[str, object]]
    messages: list[dict[str, object]]
    events: list[dict[str, object]]
    orders: list[dict[str, object]]


def instant(steps: int, extra_seconds: float = 0) -> dt.datetime:
    return T0 + dt.timedelta(hours=STEP_HOURS * steps, seconds=extra_seconds)


def text(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def window_of(campaign: dict[str, object]) -> dt.timedelta:
    days = campaign["attribution_window_days"]
    return dt.timedelta(days=DEFAULT_WINDOW_DAYS if days is None else float(days))


@st.composite
def datasets(draw: st.DrawFn) -> Drawn:
    campaigns = []
    for i in range(draw(st.integers(1, 3))):
        chosen = draw(st.none() | st.lists(st.sampled_from(ENGAGEMENT_CHOICES),
                                           min_size=1, unique=True))
        campaigns.append({
            "campaign_id": f"c{i}",
            "attribution_window_days": draw(st.sampled_from(WINDOWS)),
            "conversion_engagements": None if chosen is None else ";".join(chosen),
        })

    messages = []
    for i in range(draw(st.integers(0, 6))):
        messages.append({
            "message_id": f"m{i}",
            "campaign_id": draw(st.sampled_from([c["campaign_id"] for c in campaigns])),
            "contact_id": draw(st.sampled_from(CONTACTS)),
            "channel": draw(st.sampled_from(CHANNELS)),
            "status": draw(st.sampled_from(("delivered", "delivered", "failed"))),
            "sent_at": text(instant(draw(st.integers(0, MAX_STEPS // 2)))),
            "credits": 1,
            "cost": draw(st.sampled_from((0.0, 0.5, 2.0))),
        })
    delivered = [m for m in messages if m["status"] == "delivered"]

    events = []
    for i in range(draw(st.integers(0, 10)) if delivered else 0):
        message = draw(st.sampled_from(delivered))
        sent = dt.datetime.fromisoformat(str(message["sent_at"]))
        events.append({
            "event_id": f"e{i}",
            "message_id": message["message_id"],
            "event_type": draw(st.sampled_from(EVENT_TYPES)),
            "occurred_at": text(sent + dt.timedelta(
                hours=STEP_HOURS * draw(st.integers(0, 3)))),
        })

    orders = []
    by_id = {c["campaign_id"]: c for c in campaigns}
    for i in range(draw(st.integers(0, 6))):
        # exactly at a delivery, at a window's end, a second before it, exactly at an
        # engagement, or anywhere
        where = draw(st.sampled_from(
            ("delivery", "window_end", "just_before", "at_event", "at_event", "any")
        ))
        if where == "at_event" and events:
            engaged = draw(st.sampled_from(events))
            message = next(m for m in messages if m["message_id"] == engaged["message_id"])
            moment = dt.datetime.fromisoformat(str(engaged["occurred_at"]))
            contact = message["contact_id"]
        elif where not in ("any", "at_event") and messages:
            message = draw(st.sampled_from(messages))
            sent = dt.datetime.fromisoformat(str(message["sent_at"]))
            end = sent + window_of(by_id[message["campaign_id"]])
            moment = {"delivery": sent, "window_end": end,
                      "just_before": end - dt.timedelta(seconds=1)}[where]
            contact = message["contact_id"]
        else:
            moment = instant(draw(st.integers(0, MAX_STEPS)),
                             draw(st.sampled_from((0, 1800))))
            contact = draw(st.sampled_from(CONTACTS))
        orders.append({
            "order_id": f"o{i}",
            "contact_id": contact,
            "ordered_at": text(moment),
            "total": draw(st.sampled_from((0, 5, 12.5, 40))),
            "status": draw(st.sampled_from((None, "completed", "cancelled"))),
        })
    return Drawn(draw(st.booleans()), campaigns, messages, events, orders)


def load(drawn: Drawn, folder: Path) -> aiq_nb.Dataset:
    write_dataset(
        folder,
        account={"default_attribution_window_days": DEFAULT_WINDOW_DAYS,
                 "regulated_10dlc": drawn.regulated},
        campaigns=drawn.campaigns,
        messages=drawn.messages,
        events=drawn.events,
        orders=drawn.orders,
    )
    return aiq_nb.load_dataset(folder)


# --- the reference: SPEC §3 written plainly ----------------------------------------------


def engagement(event: dict[str, object], channel: str, regulated: bool) -> str | None:
    """What an event means for attribution (SPEC §3, §5a)."""
    kind = event["event_type"]
    if kind == "inbox_viewed":
        return "opened"
    if kind == "opened":
        return None if regulated and channel in GATED else "opened"
    if kind in ("clicked", "landing_page_viewed", "call_answered"):
        return str(kind)
    return None


def reference(drawn: Drawn, mode: str) -> set[tuple[str, str, str, str]]:
    """``(order_id, campaign_id, message_id, engagement_type)`` per attributed order."""
    campaigns = {c["campaign_id"]: c for c in drawn.campaigns}
    attributed = set()
    for order in drawn.orders:
        if order["status"] not in (None, "completed"):
            continue
        ordered_at = dt.datetime.fromisoformat(str(order["ordered_at"]))
        best = None
        for message in drawn.messages:
            if message["status"] != "delivered":
                continue
            if message["contact_id"] != order["contact_id"]:
                continue
            campaign = campaigns[message["campaign_id"]]
            sent = dt.datetime.fromisoformat(str(message["sent_at"]))
            if not sent <= ordered_at < sent + window_of(campaign):
                continue
            engaged = engagements_before(drawn, message, ordered_at)
            if mode == "broad":
                touch = sent
            else:
                wanted = campaign["conversion_engagements"]
                wanted = DEFAULT_ENGAGEMENTS if wanted is None else str(wanted).split(";")
                qualifying = [at for kind, at in engaged if kind in wanted]
                if not qualifying:
                    continue
                touch = max(qualifying)
            key = (touch, sent, str(message["message_id"]))
            if best is None or key > best[0]:
                best = (key, message, engaged)
        if best is not None:
            _, message, engaged = best
            attributed.add((str(order["order_id"]), str(message["campaign_id"]),
                            str(message["message_id"]),
                            engagement_type(engaged, str(message["channel"]))))
    return attributed


def engagements_before(
    drawn: Drawn, message: dict[str, object], ordered_at: dt.datetime
) -> list[tuple[str, dt.datetime]]:
    found = []
    for row in drawn.events:
        if row["message_id"] != message["message_id"]:
            continue
        at = dt.datetime.fromisoformat(str(row["occurred_at"]))
        kind = engagement(row, str(message["channel"]), drawn.regulated)
        if kind is not None and at <= ordered_at:
            found.append((kind, at))
    return found


def engagement_type(engaged: list[tuple[str, dt.datetime]], channel: str) -> str:
    level = max((LEVELS[kind] for kind, _ in engaged), default=0)
    if level == 0:
        return "received"
    if level == 1:
        return "call_answered" if channel == "voice" else "opened"
    return "clicked" if level == 2 else "landing_page_viewed"


# --- the properties ---------------------------------------------------------------------


def engine(ds: aiq_nb.Dataset, mode: str) -> pd.DataFrame:
    return aiq_nb.attribute(ds, mode=mode)


def as_set(frame: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    columns = ["order_id", "campaign_id", "message_id", "engagement_type"]
    return {tuple(map(str, row)) for row in frame[columns].itertuples(index=False)}


def completed_revenue(drawn: Drawn) -> float:
    return sum(float(o["total"]) for o in drawn.orders
               if o["status"] in (None, "completed"))


def check_rows_add_up(rep: aiq_nb.Report) -> None:
    overview = rep.overview.iloc[0]
    for column in SUMMED:
        rows = pd.concat([rep.campaigns[column], rep.unlisted_activity[column]])
        total = pd.to_numeric(rows, errors="coerce").fillna(0).sum()
        shown = overview[column]
        shown = 0 if pd.isna(shown) else float(shown)
        assert abs(total - shown) < 1e-9, (column, total, shown)


@SETTINGS
@given(drawn=datasets(), report_mode=st.sampled_from(("broad", "strict")))
def test_attribution_properties_on_random_datasets(drawn: Drawn, report_mode: str) -> None:
    with tempfile.TemporaryDirectory(prefix="aiq-prop-") as folder:
        ds = load(drawn, Path(folder) / "ds")
        assert ds.data_quality.empty

        results = {mode: engine(ds, mode) for mode in ("broad", "strict")}
        for mode, frame in results.items():
            assert frame["order_id"].is_unique, mode
            assert as_set(frame) == reference(drawn, mode), mode
            assert frame["total"].sum() <= completed_revenue(drawn) + 1e-9
            event(f"{mode} attributes {min(len(frame), 2)}+ orders")
        assert set(results["strict"]["order_id"]) <= set(results["broad"]["order_id"])

        # one report per example (the mode drawn) keeps the run short
        rep = aiq_nb.build_report(ds, as_of=AS_OF, mode=report_mode)
        check_rows_add_up(rep)
        assert rep.overview.iloc[0]["conversions"] == len(results[report_mode])
        assert rep.overview.iloc[0]["revenue"] <= completed_revenue(drawn) + 1e-9
