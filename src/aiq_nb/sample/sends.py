"""Sample dataset, first half: personas and plans in, who was sent what and when out.

Draws the personas, dates the campaigns, walks contacts through the flows and
turns both into messages (numbered in time order, with status and pricing). All
instants are epoch seconds (int64) until ``aiq_nb.sample`` writes them; contacts
are positions in the personas frame until then.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aiq_nb.sample.plans import (
    ACCOUNT_TIMEZONE,
    ACTIVE,
    ACTIVE_RECENT_DAYS,
    ADVANCED,
    BIRTHDAY,
    BIRTHDAY_HOUR,
    CAMPAIGN,
    CAMPAIGN_PLANS,
    CHANNEL_MODELS,
    COMPLETED_FLOW,
    DAY,
    DELIVERED,
    ENTERED,
    EXITED,
    FAILED,
    FLOW,
    FLOW_DEACTIVATED_DAYS_BEFORE_END,
    FLOW_LAUNCH_HOUR,
    FLOW_LEAD_DAYS,
    FLOW_PLANS,
    HISTORY_BEFORE_PERIOD_DAYS,
    HOUR,
    INACTIVE,
    ISSUE_DISCOUNT,
    LAPSED,
    LAPSED_ENTRY_SHARE,
    LAPSED_REENTRY_DAYS,
    LAPSED_REENTRY_SHARE,
    LAUNCH_HOURS,
    LAUNCH_MINUTES,
    LOCATION_WEIGHTS,
    LOCATIONS,
    MAX_LINKS_PER_CAMPAIGN,
    MINUTE,
    NEWSLETTER_DAYS,
    NEWSLETTER_HOUR,
    NEWSLETTER_NAME,
    NEWSLETTER_REACH,
    NEWSLETTER_TAGS,
    NEWSLETTER_WINDOW_DAYS,
    REACH_SHARES,
    SHARE_JOINED_BEFORE,
    SIGNUP,
    SMS_SEGMENTS,
    SPEND_RATE_SHAPE,
    STEP_SECONDS,
    TIER_UP_ENTRY_SHARE,
    CampaignPlan,
    FlowPlan,
    StepPlan,
)
from aiq_nb.contract import EMAIL, SMS


@dataclass(frozen=True)
class Period:
    """The months of activity, and their bounds in epoch seconds."""

    first_month: pd.Period
    months: int
    start: int
    cutoff: int


# ------------------------------------------------------------------------ time


def make_period(end_month: str, months: int) -> Period:
    """The ``months`` months ending with ``end_month``, local midnight to midnight."""
    first_month = pd.Period(end_month, freq="M") - (months - 1)
    start, cutoff = local_epoch(first_month, np.array([0, months]), 1, 0, 0)
    return Period(first_month, months, int(start), int(cutoff))


def local_epoch(
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
    return naive_local_to_epoch(pd.DatetimeIndex(pd.to_datetime(parts)))


def naive_local_to_epoch(local: pd.DatetimeIndex) -> np.ndarray:
    """Epoch seconds of naive wall times read in the account zone."""
    aware = local.tz_localize(ACCOUNT_TIMEZONE, nonexistent="shift_forward")
    return aware.tz_convert("UTC").as_unit("s").asi8.copy()


def epoch_to_naive_local(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Naive account-zone wall times of epoch seconds."""
    utc = pd.DatetimeIndex(pd.to_datetime(seconds, unit="s", utc=True))
    return utc.tz_convert(ACCOUNT_TIMEZONE).tz_localize(None)


def make_ids(prefix: str, count: int, width: int) -> np.ndarray:
    """Identifiers ``prefix`` + a zero-padded running number from 1."""
    numbers = pd.Series(np.arange(1, count + 1)).astype(str).str.zfill(width)
    return (prefix + numbers).to_numpy(dtype=object)


# -------------------------------------------------------------- personas and plans


def make_contacts(rng: np.random.Generator, count: int, period: Period) -> pd.DataFrame:
    """Personas, numbered in order of joining.

    Columns: ``contact_id``, ``created_at``, one reachability flag per
    ``REACH_SHARES`` key, ``home`` (store position), ``spend_rate`` (relative),
    ``birth_month`` and ``birth_day``.
    """
    before = rng.random(count) < SHARE_JOINED_BEFORE
    earliest = period.start - HISTORY_BEFORE_PERIOD_DAYS * DAY
    early = rng.integers(earliest, period.start, count)
    during = rng.integers(period.start, period.cutoff, count)
    joined = np.sort(np.where(before, early, during))

    people = pd.DataFrame({"contact_id": make_ids("c", count, 6), "created_at": joined})
    for flag, share in REACH_SHARES.items():
        people[flag] = rng.random(count) < share
    people["home"] = rng.choice(len(LOCATIONS), count, p=LOCATION_WEIGHTS)
    people["spend_rate"] = rng.gamma(SPEND_RATE_SHAPE, 1 / SPEND_RATE_SHAPE, count)
    people["birth_month"] = rng.integers(1, 13, count)
    people["birth_day"] = rng.integers(1, 29, count)
    return people


def plan_campaigns(rng: np.random.Generator, period: Period) -> pd.DataFrame:
    """One row per campaign: the fixed plans spread over the months, newsletters.

    Besides the contract's columns: ``channels``, ``reach`` (share of personas in
    the audience), ``links`` (links per message) and ``segments`` (SMS parts).
    """
    count, months = len(CAMPAIGN_PLANS), period.months
    fixed_days = np.array([plan.day or 0 for plan in CAMPAIGN_PLANS])
    days = np.where(fixed_days > 0, fixed_days, rng.integers(1, 29, count))
    hours = rng.integers(*LAUNCH_HOURS, count)
    minutes = rng.choice(LAUNCH_MINUTES, count)
    month_index = np.arange(count) * months // count
    launched = local_epoch(period.first_month, month_index, days, hours, minutes)

    letter_days = rng.integers(*NEWSLETTER_DAYS, months)
    letters = local_epoch(
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


def _newsletter(month: pd.Period) -> CampaignPlan:
    """The plan of one month's email newsletter."""
    name = NEWSLETTER_NAME.format(month=month.start_time)
    return CampaignPlan(
        name, (EMAIL,), NEWSLETTER_TAGS, NEWSLETTER_WINDOW_DAYS, reach=NEWSLETTER_REACH
    )


def _campaign_rows(plans: list[CampaignPlan], launched: np.ndarray) -> pd.DataFrame:
    """Campaign rows of plans, ordered by launch, with ids in that order."""
    windows = [plan.window_days for plan in plans]
    rows = pd.DataFrame(
        {
            "name": [plan.name for plan in plans],
            "kind": CAMPAIGN,
            "tags": [plan.tags or None for plan in plans],
            "launched_at": launched,
            "attribution_window_days": pd.array(windows, dtype="Int64"),
            "conversion_engagements": [plan.engagements or None for plan in plans],
            "channels": [plan.channels for plan in plans],
            "reach": [plan.reach for plan in plans],
        }
    )
    rows = rows.sort_values("launched_at", kind="stable", ignore_index=True)
    rows.insert(0, "campaign_id", make_ids("cmp", len(rows), 3))
    return rows


def plan_flows(period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flows' rows of the campaigns table, and the flow_steps table."""
    windows = [plan.window_days for plan in FLOW_PLANS]
    launched = period.start - FLOW_LEAD_DAYS * DAY + FLOW_LAUNCH_HOUR * HOUR
    flows = pd.DataFrame(
        {
            "campaign_id": [_flow_id(number) for number in range(len(FLOW_PLANS))],
            "name": [plan.name for plan in FLOW_PLANS],
            "kind": FLOW,
            "status": [ACTIVE if plan.active else INACTIVE for plan in FLOW_PLANS],
            "tags": [plan.tags or None for plan in FLOW_PLANS],
            "launched_at": launched,
            "attribution_window_days": pd.array(windows, dtype="Int64"),
            "conversion_engagements": None,
        }
    )
    steps = [
        (flow_id, _step_id(flow_id, position), step.name, position, step.action)
        for flow_id, plan in zip(flows["campaign_id"], FLOW_PLANS)
        for position, step in enumerate(plan.steps, start=1)
    ]
    columns = ["campaign_id", "step_id", "name", "position", "action"]
    return flows, pd.DataFrame(steps, columns=columns)


def _flow_id(number: int) -> str:
    return f"flw{number + 1:03d}"


def _step_id(flow_id: str, position: int) -> str:
    return f"{flow_id}-s{position}"


# -------------------------------------------------------------------------- flows


def walk_flows(
    rng: np.random.Generator, people: pd.DataFrame, period: Period
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts moving through every flow: flow events and the flows' sends.

    Flow events are in time order, with ``contact`` positions; the discounts
    they issue are numbered in that order (``discount_id``).
    """
    events, sends = [], []
    deactivated_at = period.cutoff - FLOW_DEACTIVATED_DAYS_BEFORE_END * DAY
    for number, plan in enumerate(FLOW_PLANS):
        stop = period.cutoff if plan.active else deactivated_at
        entries = _flow_entries(rng, plan.trigger, people, period, stop)
        flow_events, flow_sends = _walk_flow(
            rng, _flow_id(number), plan, entries, people, stop
        )
        events.append(flow_events)
        sends.append(flow_sends)

    flow_events = pd.concat(events, ignore_index=True)
    order = ["occurred_at", "campaign_id", "contact"]
    flow_events = flow_events.sort_values(order, kind="stable", ignore_index=True)
    issued = flow_events["issues_discount"].to_numpy()
    flow_events["discount_id"] = None
    flow_events.loc[issued, "discount_id"] = make_ids("d", issued.sum(), 5)
    return flow_events, pd.concat(sends, ignore_index=True)


def _flow_entries(
    rng: np.random.Generator,
    trigger: str,
    people: pd.DataFrame,
    period: Period,
    stop: int,
) -> pd.DataFrame:
    """When which contact entered a flow, re-entries included."""
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
    within = (entries["entered_at"] >= start) & (entries["entered_at"] < stop)
    return entries[within].sort_values(["entered_at", "contact"], ignore_index=True)


def _birthday_entries(
    rng: np.random.Generator, people: pd.DataFrame, period: Period
) -> tuple[np.ndarray, np.ndarray]:
    """Contacts entering on their birthday morning, for each month of the period."""
    birth_month = people["birth_month"].to_numpy()
    contacts, moments = [], []
    for index in range(period.months):
        chosen = np.flatnonzero(birth_month == (period.first_month + index).month)
        days = people["birth_day"].to_numpy()[chosen]
        minutes = rng.integers(0, 30, len(chosen))
        month_index = np.full(len(chosen), index)
        first = period.first_month
        moments.append(local_epoch(first, month_index, days, BIRTHDAY_HOUR, minutes))
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
    plan: FlowPlan,
    entries: pd.DataFrame,
    people: pd.DataFrame,
    stop: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Walk every entry through the flow's steps, up to ``stop``."""
    contact = entries["contact"].to_numpy()
    at = entries["entered_at"].to_numpy()
    alive = np.ones(len(contact), dtype=bool)
    events, sends = [], []

    for position, step in enumerate(plan.steps, start=1):
        step_id = _step_id(flow_id, position)
        events.append(_flow_rows(flow_id, step_id, contact[alive], at[alive], ENTERED))
        if step.channel is not None:
            sent = _flow_sends(rng, step.channel, contact[alive], at[alive], people)
            sends.append(sent.assign(campaign_id=flow_id, step_id=step_id))

        last = position == len(plan.steps)
        leaving, alive, at = _leave_step(rng, step, alive, at, stop, last, plan.active)
        for event, who, when in leaving:
            carried = None if event == EXITED else step
            rows = _flow_rows(flow_id, step_id, contact[who], when[who], event, carried)
            events.append(rows)

    sends_frame = pd.concat(sends, ignore_index=True)
    sends_frame = sends_frame[sends_frame["sent_at"] < stop]
    return pd.concat(events, ignore_index=True), sends_frame


def _leave_step(
    rng: np.random.Generator,
    step: StepPlan,
    alive: np.ndarray,
    at: np.ndarray,
    stop: int,
    last: bool,
    active: bool,
) -> tuple[list[tuple[str, np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """How the contacts in a step leave it before ``stop``.

    Returns the leaving events as (event, who, when), who goes on to the next
    step, and when. A contact still in the step at ``stop`` stays in progress,
    or exits then when the flow was deactivated at ``stop``.
    """
    size = len(at)
    leave = at + rng.integers(*STEP_SECONDS, size) + int(step.hours * HOUR)
    exits = rng.random(size) < step.exit_share
    partial = ((leave - at) * rng.random(size)).astype(np.int64) + 1
    moved_at = np.where(exits, at + partial, leave)
    done = alive & (moved_at < stop)

    onward = done & ~exits
    event = COMPLETED_FLOW if last else ADVANCED
    leaving = [(EXITED, done & exits, moved_at), (event, onward, moved_at)]
    if not active:
        leaving.append((EXITED, alive & ~done, np.full(size, stop)))
    return leaving, onward, leave


def _flow_rows(
    flow_id: str,
    step_id: str,
    contact: np.ndarray,
    at: np.ndarray,
    event: str,
    step: StepPlan | None = None,
) -> pd.DataFrame:
    """Flow events of one kind; a row leaving ``step`` carries its points and
    whether it issues a discount."""
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
    channel: str,
    contact: np.ndarray,
    at: np.ndarray,
    people: pd.DataFrame,
) -> pd.DataFrame:
    """Messages of a send step, seconds after entering it, to reachable contacts."""
    reachable = people[CHANNEL_MODELS[channel].contact_flag].to_numpy()[contact]
    sent = at + rng.integers(1, 30, len(at))
    return pd.DataFrame(
        {"contact": contact[reachable], "channel": channel, "sent_at": sent[reachable]}
    )


def issued_discounts(flow_events: pd.DataFrame) -> pd.DataFrame:
    """One row per discount issued by a flow, not yet redeemed."""
    issued = flow_events["issues_discount"].to_numpy()
    columns = ["discount_id", "campaign_id", "step_id", "contact", "occurred_at"]
    discounts = flow_events.loc[issued, columns].reset_index(drop=True)
    return discounts.rename(columns={"occurred_at": "issued_at"})


# ----------------------------------------------------------------------- messages


def campaign_sends(
    rng: np.random.Generator, campaigns: pd.DataFrame, people: pd.DataFrame
) -> pd.DataFrame:
    """One send per audience member and channel of each campaign.

    The audience is a ``reach`` share of the personas known at launch; a channel
    reaches those of them with the channel's flag.
    """
    joined = people["created_at"].to_numpy()
    parts = []
    for campaign in campaigns.itertuples():
        chosen = rng.random(len(people)) < campaign.reach
        audience = chosen & (joined < campaign.launched_at)
        for channel in campaign.channels:
            model = CHANNEL_MODELS[channel]
            contact = np.flatnonzero(audience & people[model.contact_flag].to_numpy())
            spread = rng.integers(0, model.send_spread_s, len(contact))
            sends = pd.DataFrame(
                {"contact": contact, "channel": channel,
                 "sent_at": campaign.launched_at + spread}
            )
            parts.append(sends.assign(campaign_id=campaign.campaign_id))
    return pd.concat(parts, ignore_index=True)


def finish_messages(
    rng: np.random.Generator, sends: pd.DataFrame, campaigns: pd.DataFrame, cutoff: int
) -> pd.DataFrame:
    """Number the sends in time order; add status, failure reason and pricing.

    Credits and cost are charged on every send; the carrier fee is missing for
    failed sends and for channels without one.
    """
    order = ["sent_at", "campaign_id", "contact", "channel"]
    messages = sends[sends["sent_at"] < cutoff].sort_values(order, ignore_index=True)
    messages.insert(0, "message_id", make_ids("m", len(messages), 7))
    channel = messages["channel"]

    failure_share = channel.map(_per_channel("failure_share")).to_numpy()
    failed = rng.random(len(messages)) < failure_share
    messages["status"] = np.where(failed, FAILED, DELIVERED)
    messages["failure_reason"] = _failure_reasons(rng, channel.to_numpy(), failed)

    by_campaign = campaigns.set_index("campaign_id")["segments"]
    segments = messages["campaign_id"].map(by_campaign)
    segments = np.where(channel == SMS, segments.fillna(1), 1)
    messages["credits"] = channel.map(_per_channel("credits")) * segments
    price = channel.map(_per_channel("cost_per_credit"))
    messages["cost"] = (messages["credits"] * price).round(4)
    fee = channel.map(_per_channel("carrier_fee")).astype("float64")
    messages["carrier_fee"] = fee.where(~failed)
    return messages


def _per_channel(attribute: str) -> dict[str, float | None]:
    """One attribute of every channel model, by channel."""
    return {name: getattr(model, attribute) for name, model in CHANNEL_MODELS.items()}


def _failure_reasons(
    rng: np.random.Generator, channel: np.ndarray, failed: np.ndarray
) -> np.ndarray:
    """A channel-specific failure reason for each failed message, else missing."""
    reasons = np.full(len(channel), None, dtype=object)
    for name, model in CHANNEL_MODELS.items():
        chosen = failed & (channel == name)
        reasons[chosen] = rng.choice(model.failure_reasons, chosen.sum())
    return reasons
