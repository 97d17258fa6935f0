"""Flow and step analytics (SPEC §4 Flows, §5a) through ``compute_flows``.

Unless said otherwise the account zone is UTC, the period is December 2025, i.e.
``[2025-12-01T00:00Z, 2026-01-01T00:00Z)``, and flow ``f1`` ("Loyalty") has three
steps: ``s1`` (gift points), ``s2`` (wait), ``s3`` (gift points). Figures are
compared as plain Python numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

import aiq_nb
from aiq_nb.flows import FLOW_COLUMNS, FLOW_METRICS, STEP_COLUMNS, compute_flows

AS_OF = "2026-01-10"
DECEMBER = "2025-12"
MakeDataset = Callable[..., aiq_nb.Dataset]

FLOW = {"campaign_id": "f1", "kind": "flow", "name": "Loyalty"}
STEPS = [
    {"campaign_id": "f1", "step_id": "s1", "position": 1, "name": "Points",
     "action": "gift_points"},
    {"campaign_id": "f1", "step_id": "s2", "position": 2, "name": "Wait",
     "action": "wait"},
    {"campaign_id": "f1", "step_id": "s3", "position": 3, "name": "Bonus",
     "action": "gift_points"},
]
# the flow-level figures that are sums of the step rows
SUMMED_OVER_STEPS = (
    "points_gifted",
    "recipients",
    "discounts_redeemed",
    "steps_entered",
    "steps_in_progress",
    "steps_exited",
)


def flow_event(
    contact_id: str,
    step_id: str,
    event: str,
    occurred_at: str,
    *,
    campaign_id: str = "f1",
    **extra: object,
) -> dict[str, object]:
    return {"campaign_id": campaign_id, "step_id": step_id, "contact_id": contact_id,
            "event": event, "occurred_at": occurred_at, **extra}


def stay(
    contact_id: str, step_id: str, entered: str, left: str, how: str = "advanced",
    **extra: object,
) -> list[dict[str, object]]:
    """Entering a step and leaving it; points or a discount sit on the leaving row."""
    return [flow_event(contact_id, step_id, "entered", entered),
            flow_event(contact_id, step_id, how, left, **extra)]


def flows_of(
    make_dataset: MakeDataset,
    flow_events: list[dict[str, object]],
    *,
    period: object = DECEMBER,
    timezone: str = "UTC",
    campaigns: list[dict[str, object]] | None = None,
    flow_steps: list[dict[str, object]] | None = None,
    **optional: list[dict[str, object]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ds = make_dataset(
        account={"timezone": timezone},
        campaigns=campaigns or [FLOW],
        flow_steps=STEPS if flow_steps is None else flow_steps,
        flow_events=flow_events,
        **optional,
    )
    resolved = aiq_nb.resolve_period(period, as_of=AS_OF, timezone=timezone)
    flow_ids = [row["campaign_id"] for row in campaigns or [FLOW]]
    return compute_flows(ds, resolved, flow_ids)


def step_figures(steps: pd.DataFrame, column: str) -> dict[str, int]:
    """One metric of every step, by step id, as plain numbers."""
    return {row.step_id: row[column] for _, row in steps.iterrows()}


def test_points_and_recipients_over_two_gift_steps(make_dataset: MakeDataset) -> None:
    # c1 is gifted on s1 (100) and on s3 (50); c2 is gifted twice on s1 (100 + 100)
    # after re-entering it. Points: 100 + 50 + 100 + 100 = 350.
    # Recipients per step: s1 {c1, c2} = 2, s3 {c1} = 1; summed over steps 3.
    # Distinct recipients of the flow: {c1, c2} = 2. A row without points (the
    # advance out of s2) or with 0 points gifts nothing.
    events = [
        *stay("c1", "s1", "2025-12-02T10:00:00Z", "2025-12-02T10:01:00Z", points=100),
        *stay("c1", "s2", "2025-12-02T10:01:00Z", "2025-12-03T10:00:00Z"),
        *stay("c1", "s3", "2025-12-03T10:00:00Z", "2025-12-03T10:01:00Z", "completed",
              points=50),
        *stay("c2", "s1", "2025-12-05T10:00:00Z", "2025-12-05T10:01:00Z", points=100),
        *stay("c2", "s2", "2025-12-05T10:01:00Z", "2025-12-06T10:00:00Z", "exited",
              points=0),
        *stay("c2", "s1", "2025-12-10T10:00:00Z", "2025-12-10T10:01:00Z", points=100),
    ]
    flows, steps = flows_of(make_dataset, events)

    row = flows.loc["f1"]
    assert row["points_gifted"] == 350
    assert row["recipients"] == 3
    assert row["distinct_recipients"] == 2
    assert step_figures(steps, "points_gifted") == {"s1": 300, "s2": 0, "s3": 50}
    assert step_figures(steps, "recipients") == {"s1": 2, "s2": 0, "s3": 1}


def test_every_entry_counts_re_entries_included(make_dataset: MakeDataset) -> None:
    # c1 enters s1 twice and s2 once; c2 enters s1 once: s1 3, s2 1, flow 4.
    events = [
        *stay("c1", "s1", "2025-12-02T10:00:00Z", "2025-12-02T11:00:00Z", "exited"),
        *stay("c1", "s1", "2025-12-20T10:00:00Z", "2025-12-20T11:00:00Z"),
        flow_event("c1", "s2", "entered", "2025-12-20T11:00:00Z"),
        *stay("c2", "s1", "2025-12-04T10:00:00Z", "2025-12-04T11:00:00Z", "exited"),
    ]
    flows, steps = flows_of(make_dataset, events)

    assert flows.loc["f1", "steps_entered"] == 4
    assert step_figures(steps, "steps_entered") == {"s1": 3, "s2": 1, "s3": 0}


def test_in_progress_is_a_snapshot_at_the_end_of_the_period(
    make_dataset: MakeDataset,
) -> None:
    # At 2026-01-01T00:00Z:
    # c1 entered s1 in November and never left            -> in progress on s1
    # c2 entered s1 on Dec 30, advanced on Jan 2           -> in progress on s1
    #    (its entry into s2 on Jan 2 is after the end)     -> not on s2
    # c3 left s1 on Dec 11 and sits in s2                  -> in progress on s2
    # c4 entered s1 on Dec 5 and exited at Dec 31 23:59    -> not in progress
    # c5 entered s1 at exactly the end (not before it)     -> not in progress
    # c6 was in s1 in October, left, re-entered on Dec 15  -> in progress once
    # c7 advanced out of s1 at exactly the end             -> still in progress
    # s1: c1, c2, c6, c7 = 4; s2: c3 = 1; flow 5.
    events = [
        flow_event("c1", "s1", "entered", "2025-11-20T10:00:00Z"),
        *stay("c2", "s1", "2025-12-30T10:00:00Z", "2026-01-02T10:00:00Z"),
        flow_event("c2", "s2", "entered", "2026-01-02T10:00:00Z"),
        *stay("c3", "s1", "2025-12-10T10:00:00Z", "2025-12-11T10:00:00Z"),
        flow_event("c3", "s2", "entered", "2025-12-11T10:00:00Z"),
        *stay("c4", "s1", "2025-12-05T10:00:00Z", "2025-12-31T23:59:00Z", "exited"),
        flow_event("c5", "s1", "entered", "2026-01-01T00:00:00Z"),
        *stay("c6", "s1", "2025-10-01T10:00:00Z", "2025-10-02T10:00:00Z"),
        flow_event("c6", "s1", "entered", "2025-12-15T10:00:00Z"),
        *stay("c7", "s1", "2025-12-20T10:00:00Z", "2026-01-01T00:00:00Z"),
    ]
    flows, steps = flows_of(make_dataset, events)

    assert flows.loc["f1", "steps_in_progress"] == 5
    assert step_figures(steps, "steps_in_progress") == {"s1": 4, "s2": 1, "s3": 0}


def test_a_flow_with_contacts_in_progress_only_is_listed(
    make_dataset: MakeDataset,
) -> None:
    # c1 entered s2 in November and is still there: no event in December, but one
    # contact in progress at its end, so the flow is listed with that figure only.
    events = [flow_event("c1", "s2", "entered", "2025-11-25T10:00:00Z")]
    flows, _ = flows_of(make_dataset, events)

    assert flows.loc["f1", "steps_in_progress"] == 1
    assert flows.loc["f1", "steps_entered"] == 0


def test_exits_count_every_exit_in_the_period(make_dataset: MakeDataset) -> None:
    # Exits in December: c1 from s1, c2 from s2, c3 from s2 twice (after a re-entry)
    # = 4. c4's exit is in January and c5 completed (not an exit): not counted.
    events = [
        *stay("c1", "s1", "2025-12-01T10:00:00Z", "2025-12-01T11:00:00Z", "exited"),
        *stay("c2", "s2", "2025-12-02T10:00:00Z", "2025-12-02T11:00:00Z", "exited"),
        *stay("c3", "s2", "2025-12-03T10:00:00Z", "2025-12-03T11:00:00Z", "exited"),
        *stay("c3", "s2", "2025-12-13T10:00:00Z", "2025-12-13T11:00:00Z", "exited"),
        *stay("c4", "s1", "2025-12-20T10:00:00Z", "2026-01-03T10:00:00Z", "exited"),
        *stay("c5", "s3", "2025-12-04T10:00:00Z", "2025-12-04T11:00:00Z", "completed"),
    ]
    flows, steps = flows_of(make_dataset, events)

    assert flows.loc["f1", "steps_exited"] == 4
    assert step_figures(steps, "steps_exited") == {"s1": 1, "s2": 3, "s3": 0}


def test_completions_count_distinct_contacts(make_dataset: MakeDataset) -> None:
    # c1 completes twice in December (after a re-entry), c2 once, c3 in November:
    # December's completions are {c1, c2} = 2.
    events = [
        *stay("c1", "s3", "2025-12-01T10:00:00Z", "2025-12-01T11:00:00Z", "completed"),
        *stay("c1", "s3", "2025-12-21T10:00:00Z", "2025-12-21T11:00:00Z", "completed"),
        *stay("c2", "s3", "2025-12-05T10:00:00Z", "2025-12-05T11:00:00Z", "completed"),
        *stay("c3", "s3", "2025-11-05T10:00:00Z", "2025-11-05T11:00:00Z", "completed"),
    ]
    flows, steps = flows_of(make_dataset, events)

    assert flows.loc["f1", "flow_completions"] == 2
    assert step_figures(steps, "flow_completions") == {"s1": 0, "s2": 0, "s3": 2}


def test_discounts_count_when_redeemed_in_the_period(make_dataset: MakeDataset) -> None:
    # d1 issued by s1 in November, redeemed in December      -> counts on s1
    # d2 issued in December, redeemed in January             -> no
    # d3 issued in December, never redeemed                  -> no
    # d4 without a step, issued by the flow event on s2      -> counts on s2
    # d5 of another flow that is not asked for               -> no
    # Flow: 2; steps s1 1, s2 1.
    events = [
        *stay("c1", "s1", "2025-11-28T10:00:00Z", "2025-11-28T11:00:00Z",
              discount_id="d1"),
        *stay("c2", "s2", "2025-12-02T10:00:00Z", "2025-12-02T11:00:00Z",
              discount_id="d4"),
    ]
    discounts = [
        {"discount_id": "d1", "campaign_id": "f1", "step_id": "s1", "contact_id": "c1",
         "issued_at": "2025-11-28T11:00:00Z", "redeemed_at": "2025-12-05T10:00:00Z"},
        {"discount_id": "d2", "campaign_id": "f1", "step_id": "s1", "contact_id": "c2",
         "issued_at": "2025-12-02T11:00:00Z", "redeemed_at": "2026-01-03T10:00:00Z"},
        {"discount_id": "d3", "campaign_id": "f1", "step_id": "s1", "contact_id": "c3",
         "issued_at": "2025-12-02T11:00:00Z"},
        {"discount_id": "d4", "campaign_id": "f1", "contact_id": "c2",
         "issued_at": "2025-12-02T11:00:00Z", "redeemed_at": "2025-12-12T10:00:00Z"},
        {"discount_id": "d5", "campaign_id": "f2", "step_id": "t1", "contact_id": "c4",
         "issued_at": "2025-12-02T11:00:00Z", "redeemed_at": "2025-12-12T10:00:00Z"},
    ]
    campaigns = [FLOW, {"campaign_id": "f2", "kind": "flow", "name": "Other"}]
    ds = make_dataset(campaigns=campaigns, flow_steps=STEPS, flow_events=events,
                      discounts=discounts)
    period = aiq_nb.resolve_period(DECEMBER, as_of=AS_OF, timezone="UTC")
    flows, steps = compute_flows(ds, period, ["f1"])

    assert list(flows.index) == ["f1"]
    assert flows.loc["f1", "discounts_redeemed"] == 2
    assert step_figures(steps, "discounts_redeemed") == {"s1": 1, "s2": 1, "s3": 0}


def test_events_outside_the_period_are_not_counted(make_dataset: MakeDataset) -> None:
    # Only c2's walk is in December: entered s1 and s3, points 50 on s3, completed.
    # c1's November walk and c3's January walk count nowhere, and nobody is in a
    # step at the end of December (c3 only enters in January).
    events = [
        *stay("c1", "s1", "2025-11-30T10:00:00Z", "2025-11-30T11:00:00Z", points=100),
        *stay("c1", "s3", "2025-11-30T11:00:00Z", "2025-11-30T12:00:00Z", "exited"),
        *stay("c2", "s1", "2025-12-10T10:00:00Z", "2025-12-10T11:00:00Z"),
        *stay("c2", "s3", "2025-12-10T11:00:00Z", "2025-12-10T12:00:00Z", "completed",
              points=50),
        *stay("c3", "s1", "2026-01-01T00:00:00Z", "2026-01-02T11:00:00Z", "exited",
              points=100),
    ]
    flows, _ = flows_of(make_dataset, events)

    figures = flows.loc["f1", list(FLOW_METRICS)].to_dict()
    assert figures == {
        "points_gifted": 50, "recipients": 1, "distinct_recipients": 1,
        "discounts_redeemed": 0, "steps_entered": 2, "steps_in_progress": 0,
        "steps_exited": 0, "flow_completions": 1,
    }


def test_all_time_counts_everything_up_to_the_end(make_dataset: MakeDataset) -> None:
    # All time to 2026-01-10: c1's November entry and c2's December entry count;
    # c3's entry on 2026-01-11 is after the end of the as_of day.
    events = [
        *stay("c1", "s1", "2025-11-30T10:00:00Z", "2025-11-30T11:00:00Z", "exited"),
        *stay("c2", "s1", "2025-12-10T10:00:00Z", "2025-12-10T11:00:00Z", "exited"),
        *stay("c3", "s1", "2026-01-11T10:00:00Z", "2026-01-11T11:00:00Z", "exited"),
    ]
    flows, _ = flows_of(make_dataset, events, period=None)

    assert flows.loc["f1", "steps_entered"] == 2
    assert flows.loc["f1", "steps_exited"] == 2


def test_month_boundaries_follow_the_account_time_zone(
    make_dataset: MakeDataset,
) -> None:
    # Los Angeles is UTC-8 in winter: December is [12-01T08:00Z, 2026-01-01T08:00Z).
    # c1 enters on Nov 30 23:59 local (outside), c2 on Dec 1 00:00 local (inside),
    # c3 on Dec 31 23:59 local (inside), c4 on Jan 1 00:00 local (outside):
    # 2 entries. None of them left, so c1, c2, c3 are in s1 at the end: 3.
    events = [
        flow_event("c1", "s1", "entered", "2025-11-30T23:59:00-08:00"),
        flow_event("c2", "s1", "entered", "2025-12-01T08:00:00Z"),
        flow_event("c3", "s1", "entered", "2026-01-01T07:59:00Z"),
        flow_event("c4", "s1", "entered", "2026-01-01T00:00:00-08:00"),
    ]
    flows, _ = flows_of(make_dataset, events, timezone="America/Los_Angeles")

    assert flows.loc["f1", "steps_entered"] == 2
    assert flows.loc["f1", "steps_in_progress"] == 3


def test_a_dataset_without_flow_tables_gives_empty_frames(
    make_dataset: MakeDataset,
) -> None:
    # no flow_steps, flow_events or discounts files; one flow and one campaign
    ds = make_dataset(
        campaigns=[FLOW, {"campaign_id": "c1"}],
        messages=[{"message_id": "m1", "campaign_id": "c1", "contact_id": "p1",
                   "sent_at": "2025-12-01T10:00:00Z"}],
    )
    period = aiq_nb.resolve_period(DECEMBER, as_of=AS_OF, timezone="UTC")
    flows, steps = compute_flows(ds, period, ["f1", "c1"])

    assert flows.empty and steps.empty
    assert list(flows.columns) == list(FLOW_COLUMNS)
    assert flows.index.name == "campaign_id"
    assert list(steps.columns) == list(STEP_COLUMNS)


def test_only_active_flows_are_listed_with_all_their_steps(
    make_dataset: MakeDataset,
) -> None:
    # f1 has activity on s1 only: listed, with its three steps in position order
    # (given shuffled) and zeros on s2, s3. f2 has steps but no activity: not
    # listed, nor are its steps. c9 is a campaign, not a flow: ignored.
    campaigns = [FLOW, {"campaign_id": "f2", "kind": "flow", "name": "Idle"},
                 {"campaign_id": "c9"}]
    flow_steps = [STEPS[2], STEPS[0], STEPS[1],
                  {"campaign_id": "f2", "step_id": "t1", "position": 1}]
    events = stay("c1", "s1", "2025-12-02T10:00:00Z", "2025-12-02T11:00:00Z", "exited")
    flows, steps = flows_of(make_dataset, events, campaigns=campaigns,
                            flow_steps=flow_steps)

    assert list(flows.index) == ["f1"]
    assert flows.loc["f1", "name"] == "Loyalty"
    assert list(steps["step_id"]) == ["s1", "s2", "s3"]
    assert list(steps["position"]) == [1, 2, 3]
    assert step_figures(steps, "steps_entered") == {"s1": 1, "s2": 0, "s3": 0}
    counts = [column for column in FLOW_METRICS if column != "points_gifted"]
    assert all(str(flows[column].dtype) == "Int64" for column in counts)


def test_a_step_missing_from_flow_steps_still_gets_a_row(
    make_dataset: MakeDataset,
) -> None:
    # s9 has an entry but is not in flow_steps: it comes last, with no position,
    # so the step rows still add up to the flow (2 entries).
    events = [flow_event("c1", "s1", "entered", "2025-12-02T10:00:00Z"),
              flow_event("c2", "s9", "entered", "2025-12-02T10:00:00Z")]
    flows, steps = flows_of(make_dataset, events)

    assert list(steps["step_id"]) == ["s1", "s2", "s3", "s9"]
    assert steps["position"].isna().tolist() == [False, False, False, True]
    assert flows.loc["f1", "steps_entered"] == steps["steps_entered"].sum() == 2


@pytest.mark.slow
def test_flow_rows_add_up_to_their_steps_on_the_sample() -> None:
    ds = aiq_nb.load_dataset(aiq_nb.sample_dataset_path())
    period = aiq_nb.resolve_period(DECEMBER, as_of=AS_OF, timezone=ds.account.timezone)
    flow_ids = ds.table("campaigns").campaign_id.to_pandas().tolist()
    flows, steps = compute_flows(ds, period, flow_ids)

    assert len(flows) > 0
    summed = steps.groupby("campaign_id")[list(SUMMED_OVER_STEPS)].sum()
    pd.testing.assert_frame_equal(
        flows[list(SUMMED_OVER_STEPS)], summed, check_names=False
    )
    assert (flows["distinct_recipients"] <= flows["recipients"]).all()
