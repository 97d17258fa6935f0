"""Sample dataset: messages in, engagement events and purchase prompts out.

Each delivered message may be opened (an inbox view on gated channels), clicked,
followed by a landing page view, or answered with an unsubscribe; wallet passes
are muted or removed; calls are answered, listened to the end or left on
voicemail. Events follow their message, minutes to days later. What a message
prompted also sets the odds and the moment of a purchase, for the orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aiq_nb.sample.plans import (
    ANSWER_SHARE,
    BUY_AFTER_ANSWER,
    BUY_AFTER_CLICK,
    BUY_AFTER_DELIVERY,
    BUY_AFTER_OPEN,
    CHANNEL_MODELS,
    CLICK_WITHOUT_OPEN_SHARE,
    DAY,
    DELIVERED,
    DUPLICATE_EVENTS,
    EPOCH_EVENTS,
    EXTRA_CLICKS_MEAN,
    FAILED,
    FAILED_MESSAGE_EVENTS,
    HOUR,
    INBOX_VIEW_SHARE_UNREGULATED,
    LANDING_PAGE_SHARE,
    LINK_PATHS,
    LISTEN_TO_END_SHARE,
    MAX_CLICKS,
    MAX_TALK_S,
    MINUTE,
    ORPHAN_EVENTS,
    ORPHAN_ID_OFFSET,
    PASS_MUTED_SHARE,
    PASS_REMOVED_SHARE,
    QUICK_REACTION_SHARE,
    REOPEN_SHARE,
    SHOP_URL,
    SLOW_REACTION_SHARE,
    TALK_MEDIAN_S,
    VOICEMAIL_SHARE,
)
from aiq_nb.sample.sends import Period, make_ids
from aiq_nb.contract import (
    CALL_ANSWERED,
    CALL_COMPLETED,
    CLICKED,
    EMAIL,
    INBOX_GATED_CHANNELS,
    INBOX_VIEWED,
    LANDING_PAGE_VIEWED,
    OPENED,
    PASS_MUTED,
    PASS_REMOVED,
    UNSUBSCRIBED,
    VOICE,
    VOICEMAIL,
    WALLET_PASS,
)

RING_SECONDS = (4, 25)
VOICEMAIL_GREETING_S = 20
RECORDING_SECONDS = (15, 40)
TALK_SPREAD = 0.7
MIN_TALK_S = 3
LANDING_SECONDS = (2, 40)
REOPEN_DELAY_FACTOR = 4


@dataclass(frozen=True)
class _Reactions:
    """What each delivered message prompted, aligned with the delivered rows."""

    opened: np.ndarray
    open_at: np.ndarray
    clicked: np.ndarray
    click_at: np.ndarray
    answered: np.ndarray
    answer_at: np.ndarray


def make_events(
    rng: np.random.Generator,
    messages: pd.DataFrame,
    campaigns: pd.DataFrame,
    regulated: bool,
    cutoff: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Engagement events of delivered messages, and the purchases they prompt.

    Returns the events before ``cutoff`` (not yet numbered) and one row per
    delivered message: ``contact``, ``trigger_at`` (its deepest engagement, or
    the delivery) and ``odds`` (of a purchase it prompts).
    """
    delivered = messages[messages["status"] == DELIVERED].reset_index(drop=True)
    links = delivered["campaign_id"].map(campaigns.set_index("campaign_id")["links"])
    delivered["links"] = links.fillna(1).astype(int)

    opens, opened, open_at = _open_events(rng, delivered, regulated)
    clicks, clicked, click_at = _click_events(rng, delivered, opened, open_at)
    voice, answered, answer_at = _voice_events(rng, delivered)
    reactions = _Reactions(opened, open_at, clicked, click_at, answered, answer_at)

    landings = _landing_events(rng, clicks)
    opt_outs = _opt_out_events(rng, delivered)
    events = pd.concat([opens, clicks, landings, opt_outs, voice], ignore_index=True)
    events = events[events["occurred_at"] < cutoff]
    return events, _purchase_prompts(delivered, reactions)


def reaction_delays(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds from a message to a reaction: mostly minutes, some hours, a few days."""
    quick = rng.exponential(45 * MINUTE, size)
    slow = rng.exponential(8 * HOUR, size)
    late = rng.uniform(1 * DAY, 4 * DAY, size)
    pick = rng.random(size)
    cut = QUICK_REACTION_SHARE + SLOW_REACTION_SHARE
    delay = np.select([pick < QUICK_REACTION_SHARE, pick < cut], [quick, slow], late)
    return 1 + delay.astype(np.int64)


def _event_rows(
    message_id: np.ndarray,
    event_type: str | np.ndarray,
    at: np.ndarray,
    link_url: np.ndarray | None = None,
    duration_s: np.ndarray | None = None,
) -> pd.DataFrame:
    """Event rows, without ids; link and duration missing unless given."""
    size = len(message_id)
    links = link_url if link_url is not None else np.full(size, None, dtype=object)
    durations = duration_s if duration_s is not None else [None] * size
    return pd.DataFrame(
        {
            "message_id": message_id,
            "event_type": event_type,
            "occurred_at": at,
            "link_url": links,
            "duration_s": pd.array(durations, dtype="Int64"),
        }
    )


def _channel_shares(delivered: pd.DataFrame, attribute: str) -> np.ndarray:
    """A share of the channel model, for each delivered message."""
    shares = {name: getattr(model, attribute) for name, model in CHANNEL_MODELS.items()}
    return delivered["channel"].map(shares).to_numpy(dtype=float)


def _open_events(
    rng: np.random.Generator, delivered: pd.DataFrame, regulated: bool
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Opens and re-opens; on gated channels an open is an inbox view, always
    in a 10DLC account and sometimes otherwise."""
    size = len(delivered)
    opened = rng.random(size) < _channel_shares(delivered, "open_share")
    open_at = delivered["sent_at"].to_numpy() + reaction_delays(rng, size)

    gated = np.isin(delivered["channel"].to_numpy(), list(INBOX_GATED_CHANNELS))
    viewed = rng.random(size) < INBOX_VIEW_SHARE_UNREGULATED
    kind = np.where(gated & (regulated | viewed), INBOX_VIEWED, OPENED)
    ids = delivered["message_id"].to_numpy()
    first = _event_rows(ids[opened], kind[opened], open_at[opened])

    again = opened & ~gated & (rng.random(size) < REOPEN_SHARE)
    later = open_at[again] + reaction_delays(rng, again.sum()) * REOPEN_DELAY_FACTOR
    reopens = _event_rows(ids[again], OPENED, later)
    return pd.concat([first, reopens], ignore_index=True), opened, open_at


def _click_events(
    rng: np.random.Generator,
    delivered: pd.DataFrame,
    opened: np.ndarray,
    open_at: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Link clicks: mostly after an open, a few without one; some click again,
    on several links."""
    size = len(delivered)
    share = _channel_shares(delivered, "click_share")
    draw = rng.random(size)
    tempted = np.where(opened, draw < share, draw < CLICK_WITHOUT_OPEN_SHARE)
    clicked = (share > 0) & tempted
    after_open = open_at + rng.integers(5, 20 * MINUTE, size)
    unopened = delivered["sent_at"].to_numpy() + reaction_delays(rng, size)
    click_at = np.where(opened, after_open, unopened)

    count = 1 + np.minimum(rng.poisson(EXTRA_CLICKS_MEAN, size), MAX_CLICKS - 1)
    rows = np.repeat(np.flatnonzero(clicked), count[clicked])
    again = np.concatenate([[False], rows[1:] == rows[:-1]])
    at = click_at[rows] + np.where(again, rng.integers(30, 2 * DAY, len(rows)), 0)

    links = delivered["links"].to_numpy()[rows]
    choice = (rng.random(len(rows)) * links).astype(int)
    path = np.array(LINK_PATHS, dtype=object)[choice]
    campaign = delivered["campaign_id"].to_numpy(dtype=object)[rows]
    url = SHOP_URL + "/" + path + "?utm_campaign=" + campaign
    ids = delivered["message_id"].to_numpy()[rows]
    return _event_rows(ids, CLICKED, at, url), clicked, click_at


def _landing_events(rng: np.random.Generator, clicks: pd.DataFrame) -> pd.DataFrame:
    """Landing page views, seconds after some of the clicks, on the same link."""
    viewed = rng.random(len(clicks)) < LANDING_PAGE_SHARE
    chosen = clicks[viewed]
    at = chosen["occurred_at"].to_numpy() + rng.integers(*LANDING_SECONDS, len(chosen))
    links = chosen["link_url"].to_numpy()
    return _event_rows(chosen["message_id"].to_numpy(), LANDING_PAGE_VIEWED, at, links)


def _opt_out_events(rng: np.random.Generator, delivered: pd.DataFrame) -> pd.DataFrame:
    """Unsubscribes; wallet pass holders mute or remove the pass instead."""
    size = len(delivered)
    ids = delivered["message_id"].to_numpy()
    at = delivered["sent_at"].to_numpy() + reaction_delays(rng, size)
    wallet = delivered["channel"].to_numpy() == WALLET_PASS

    draw = rng.random(size)
    left = draw < _channel_shares(delivered, "unsubscribe_share")
    muted = wallet & (draw < PASS_MUTED_SHARE)
    removed_band = (draw >= PASS_MUTED_SHARE) & (
        draw < PASS_MUTED_SHARE + PASS_REMOVED_SHARE
    )
    removed = wallet & removed_band

    parts = [
        _event_rows(ids[left], UNSUBSCRIBED, at[left]),
        _event_rows(ids[muted], PASS_MUTED, at[muted]),
        _event_rows(ids[removed], PASS_REMOVED, at[removed]),
    ]
    return pd.concat(parts, ignore_index=True)


def _voice_events(
    rng: np.random.Generator, delivered: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Calls answered (with talk time), listened to the end, or left on voicemail
    (with the recording's length); the others rang out."""
    size = len(delivered)
    voice = delivered["channel"].to_numpy() == VOICE
    ids = delivered["message_id"].to_numpy()
    answered = voice & (rng.random(size) < ANSWER_SHARE)
    answer_at = delivered["sent_at"].to_numpy() + rng.integers(*RING_SECONDS, size)

    talk = rng.lognormal(np.log(TALK_MEDIAN_S), TALK_SPREAD, size)
    talk = talk.clip(MIN_TALK_S, MAX_TALK_S).astype(np.int64)
    ended = answered & (rng.random(size) < LISTEN_TO_END_SHARE)
    machine = voice & ~answered & (rng.random(size) < VOICEMAIL_SHARE)
    recording = rng.integers(*RECORDING_SECONDS, size)
    greeted = answer_at + VOICEMAIL_GREETING_S

    parts = [
        _event_rows(
            ids[answered], CALL_ANSWERED, answer_at[answered],
            duration_s=talk[answered],
        ),
        _event_rows(ids[ended], CALL_COMPLETED, (answer_at + talk)[ended]),
        _event_rows(
            ids[machine], VOICEMAIL, greeted[machine], duration_s=recording[machine]
        ),
    ]
    return pd.concat(parts, ignore_index=True), answered, answer_at


def _purchase_prompts(delivered: pd.DataFrame, reactions: _Reactions) -> pd.DataFrame:
    """Per delivered message: its contact, the deepest engagement's moment, odds."""
    trigger = np.select(
        [reactions.clicked, reactions.answered, reactions.opened],
        [reactions.click_at, reactions.answer_at, reactions.open_at],
        delivered["sent_at"].to_numpy(),
    )
    odds = (
        BUY_AFTER_DELIVERY
        + BUY_AFTER_OPEN * reactions.opened
        + BUY_AFTER_CLICK * reactions.clicked
        + BUY_AFTER_ANSWER * reactions.answered
    )
    return pd.DataFrame(
        {"contact": delivered["contact"], "trigger_at": trigger, "odds": odds}
    )


def plant_event_defects(
    rng: np.random.Generator,
    events: pd.DataFrame,
    messages: pd.DataFrame,
    period: Period,
) -> pd.DataFrame:
    """Add rows the data-quality section must count, then number the events.

    Planted: opens of failed emails, opens of message ids that do not exist, opens
    stamped with the zero timestamp of a broken export (1970-01-01), and exact copies
    of a few rows (same event id) right after their original.
    """
    failed = messages[(messages["status"] == FAILED) & (messages["channel"] == EMAIL)]
    count = min(FAILED_MESSAGE_EVENTS, len(failed))
    picked = failed.iloc[rng.choice(len(failed), count, replace=False)]
    failed_at = picked["sent_at"].to_numpy() + HOUR
    on_failed = _event_rows(picked["message_id"].to_numpy(), OPENED, failed_at)

    numbers = len(messages) + ORPHAN_ID_OFFSET + np.arange(ORPHAN_EVENTS)
    unknown = np.array([f"m{number:07d}" for number in numbers], dtype=object)
    at = rng.integers(period.start, period.cutoff, ORPHAN_EVENTS)
    orphans = _event_rows(unknown, OPENED, at)

    delivered = messages[(messages["status"] != FAILED) & (messages["channel"] == EMAIL)]
    stamped = delivered.iloc[rng.choice(len(delivered), EPOCH_EVENTS, replace=False)]
    at_epoch = np.zeros(EPOCH_EVENTS, dtype=failed_at.dtype)
    placeholders = _event_rows(stamped["message_id"].to_numpy(), OPENED, at_epoch)

    events = pd.concat([events, on_failed, orphans, placeholders], ignore_index=True)
    order = ["occurred_at", "message_id", "event_type"]
    events = events.sort_values(order, kind="stable", ignore_index=True)
    events.insert(0, "event_id", make_ids("e", len(events), 7))

    copies = rng.choice(len(events), DUPLICATE_EVENTS, replace=False)
    doubled = pd.concat([events, events.iloc[copies]])
    return doubled.sort_index(kind="stable").reset_index(drop=True)
