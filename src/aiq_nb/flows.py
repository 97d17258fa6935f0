"""Flow steps, flow events and discounts → flow and step analytics of a period.

A contact moves through a flow as rows of ``flow_events``: ``entered`` on reaching a
step, then one row leaving it, ``advanced`` (to the next step), ``exited`` (left the
flow without completing it) or ``completed`` (finished the flow). Gifted points sit on
the row of the step that gave them; a discount issued by a flow is a row of
``discounts``, redeemed when its ``redeemed_at`` is set.

Each figure is counted by its own timestamp, half-open in the period
(``period.start <= t < period.end``): an entry, exit, completion or gift by
``occurred_at``, a redemption by ``redeemed_at``. Steps In-Progress is the exception:
a snapshot of who is in a step at ``period.end``, whenever they entered it. The
counting runs in the dataset's engine, grouped by flow or by step; the small grouped
tables come back as pandas frames.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import ibis
import pandas as pd

from aiq_nb.load import Dataset
from aiq_nb.metrics import in_period
from aiq_nb.periods import Period

logger = logging.getLogger(__name__)

FLOW_KIND = "flow"
ENTERED = "entered"
ADVANCED = "advanced"
EXITED = "exited"
COMPLETED = "completed"
LEAVING = (ADVANCED, EXITED, COMPLETED)

FLOW_KEYS = ["campaign_id"]
STEP_KEYS = ["campaign_id", "step_id"]
STEP_DESCRIPTION = ("position", "name", "action")

# metric columns, in table order; points are a number, every other figure a count
POINTS = "points_gifted"
STEP_METRICS = (
    POINTS,
    "recipients",
    "discounts_redeemed",
    "steps_entered",
    "steps_in_progress",
    "steps_exited",
    "flow_completions",
)
FLOW_METRICS = (
    POINTS,
    "recipients",
    "distinct_recipients",
    "discounts_redeemed",
    "steps_entered",
    "steps_in_progress",
    "steps_exited",
    "flow_completions",
)
FLOW_COLUMNS = ("name", *FLOW_METRICS)
STEP_COLUMNS = ("campaign_id", "step_id", *STEP_DESCRIPTION, *STEP_METRICS)
COUNT_DTYPE = "Int64"
POINTS_DTYPE = "Float64"
TEXT_DTYPE = "string"


def compute_flows(
    ds: Dataset, period: Period, flow_ids: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compute the flow overview and the step analytics of a period.

    Parameters
    ----------
    ds
        A loaded dataset; absent ``flow_steps``, ``flow_events`` or ``discounts``
        tables count as empty.
    period
        The report period; events are counted when
        ``period.start <= occurred_at < period.end`` (no lower bound for all time).
    flow_ids
        The campaigns to report on; ids that are not of kind ``flow`` are ignored.

    Returns
    -------
    flows : pandas.DataFrame
        One row per flow among ``flow_ids`` with any figure other than zero in the
        period (a flow event or a redemption in the period, or a contact in one of
        its steps at the end of it), indexed by ``campaign_id`` and sorted by it.
        Columns:

        - ``name``: the flow's name.
        - ``points_gifted``: the sum of the positive ``points`` of its flow events in
          the period (Float64).
        - ``recipients``: for each step, the distinct contacts with a flow event
          carrying positive points on that step in the period; summed over the steps
          (a contact gifted on two steps counts twice, twice on one step once).
        - ``distinct_recipients``: the distinct contacts gifted points anywhere in
          the flow in the period.
        - ``discounts_redeemed``: the flow's discounts whose ``redeemed_at`` is in
          the period, whenever they were issued.
        - ``steps_entered``: every ``entered`` event in the period, re-entries
          included.
        - ``steps_in_progress``: at ``period.end``, the (contact, step) pairs whose
          latest event before ``period.end`` is an ``entered`` (the step was
          entered and not yet left by ``advanced``, ``exited`` or ``completed``; a
          stay entered and left at the same instant is over). It is a snapshot: the
          entry may be before the period.
        - ``steps_exited``: every ``exited`` event in the period.
        - ``flow_completions``: the distinct contacts with a ``completed`` event of
          the flow in the period.

        Every figure but ``points_gifted`` is an Int64 count. ``points_gifted``,
        ``recipients``, ``steps_entered``, ``steps_in_progress`` and
        ``steps_exited`` are the sums of the flow's step rows, and so is
        ``discounts_redeemed`` except for a redeemed discount whose step is unknown,
        which counts for the flow only.
    flow_steps : pandas.DataFrame
        One row per step of the listed flows, zeros where nothing happened, sorted
        by ``campaign_id`` then ``position``. Columns ``campaign_id``, ``step_id``,
        ``position``, ``name``, ``action`` (from ``flow_steps``), then the metrics
        above restricted to the step: ``points_gifted``, ``recipients`` (distinct
        contacts gifted on the step), ``discounts_redeemed`` (discounts issued by
        the step: the discount's ``step_id``, else the step of the flow event that
        issued it), ``steps_entered``, ``steps_in_progress``, ``steps_exited``,
        ``flow_completions`` (distinct contacts completing on the step). A step met
        in the events but missing from ``flow_steps`` gets a row of its own with an
        empty position, after the known steps of its flow.
    """
    flows = _flows_of(ds, flow_ids)
    if flows.empty:
        return _empty_flows(), _empty_steps()

    ids = list(flows.index)
    events = _flow_events(ds, ids)
    by_step = _step_metrics(ds, events, period, ids)
    by_flow = _flow_metrics(ds, events, period, ids, by_step)

    by_flow = by_flow.reindex(flows.index).pipe(_typed_metrics, FLOW_METRICS)
    listed = by_flow[(by_flow[list(FLOW_METRICS)] != 0).any(axis=1)]
    flow_rows = flows.join(listed, how="inner")[list(FLOW_COLUMNS)].sort_index()
    if flow_rows.empty:
        return flow_rows, _empty_steps()

    step_rows = _step_table(ds, list(flow_rows.index), by_step)
    logger.info(
        "flows %s: %s of %s flows listed, %s steps",
        period.label, len(flow_rows), len(flows), len(step_rows),
    )
    return flow_rows, step_rows


def _flows_of(ds: Dataset, flow_ids: Sequence[str]) -> pd.DataFrame:
    """The campaigns of kind flow among ``flow_ids``: their names, by campaign_id."""
    campaigns = ds.table("campaigns")
    chosen = campaigns.filter(
        (campaigns.kind == FLOW_KIND) & campaigns.campaign_id.isin(list(flow_ids))
    )
    frame = chosen.select("campaign_id", "name").to_pandas()
    frame = frame.astype({"campaign_id": TEXT_DTYPE, "name": TEXT_DTYPE})
    return frame.set_index("campaign_id")


def _flow_events(ds: Dataset, ids: list[str]) -> ibis.Table:
    """The flow events of the chosen flows, with a gift flag (positive points)."""
    events = ds.table("flow_events")
    events = events.filter(events.campaign_id.isin(ids))
    return events.mutate(gift=events.points.fill_null(0) > 0)


def _step_metrics(
    ds: Dataset, events: ibis.Table, period: Period, ids: list[str]
) -> pd.DataFrame:
    """Every metric of each step with any activity, indexed by (campaign, step)."""
    parts = [
        _event_counts(events, period, STEP_KEYS),
        _in_progress(events, period),
        _redemptions(ds, period, ids, STEP_KEYS),
    ]
    joined = parts[0].join(parts[1], how="outer").join(parts[2], how="outer")
    return _typed_metrics(joined, STEP_METRICS)


def _flow_metrics(
    ds: Dataset,
    events: ibis.Table,
    period: Period,
    ids: list[str],
    by_step: pd.DataFrame,
) -> pd.DataFrame:
    """Every metric of each flow with any activity, indexed by campaign_id.

    Distinct contacts (recipients anywhere, completions) are counted over the whole
    flow; recipients and steps in progress are sums of the step rows.
    """
    counts = _event_counts(events, period, FLOW_KEYS)
    counts = counts.rename(columns={"recipients": "distinct_recipients"})
    per_step = by_step.groupby(level="campaign_id")[
        ["recipients", "steps_in_progress"]
    ].sum()

    joined = counts.join(per_step, how="outer")
    joined = joined.join(_redemptions(ds, period, ids, FLOW_KEYS), how="outer")
    return joined



def _event_counts(events: ibis.Table, period: Period, keys: list[str]) -> pd.DataFrame:
    """Points, recipients, entries, exits and completions per group, in the period."""
    events = events.filter(in_period(events.occurred_at, period))
    grouped = events.group_by(keys).aggregate(
        points_gifted=events.points.sum(where=events.gift),
        recipients=events.contact_id.nunique(where=events.gift),
        steps_entered=(events.event == ENTERED).sum(),
        steps_exited=(events.event == EXITED).sum(),
        flow_completions=events.contact_id.nunique(where=events.event == COMPLETED),
    )
    return _to_frame(grouped, keys)


def _in_progress(events: ibis.Table, period: Period) -> pd.DataFrame:
    """Per step, the contacts whose latest event there before the end is an entry.

    Comparing the latest entry with the latest leaving row (``advanced``,
    ``exited``, ``completed``) handles re-entries: a contact who entered, left and
    entered again is in progress once.
    """
    before_end = events.filter(events.occurred_at < period.end)
    leaving = before_end.event.isin(list(LEAVING))
    stays = before_end.group_by([*STEP_KEYS, "contact_id"]).aggregate(
        last_in=before_end.occurred_at.max(where=before_end.event == ENTERED),
        last_out=before_end.occurred_at.max(where=leaving),
    )

    open_stays = stays.filter(
        stays.last_in.notnull()
        & (stays.last_out.isnull() | (stays.last_in > stays.last_out))
    )
    grouped = open_stays.group_by(STEP_KEYS).aggregate(
        steps_in_progress=open_stays.count()
    )
    return _to_frame(grouped, STEP_KEYS)


def _redemptions(
    ds: Dataset, period: Period, ids: list[str], keys: list[str]
) -> pd.DataFrame:
    """Discounts of the flows redeemed in the period, per group.

    A discount without a ``step_id`` takes the step of the flow event that issued
    it; one without either still counts for its flow (its step is empty).
    """
    discounts = ds.table("discounts")
    discounts = discounts.filter(
        discounts.campaign_id.isin(ids)
        & discounts.redeemed_at.notnull()
        & in_period(discounts.redeemed_at, period)
    )

    events = ds.table("flow_events")
    issued = events.filter(events.discount_id.notnull())
    issuing = issued.group_by("discount_id").aggregate(
        issuing_step=issued.step_id.min()
    )
    joined = discounts.left_join(issuing, "discount_id")
    joined = joined.mutate(step_id=joined.step_id.coalesce(joined.issuing_step))

    grouped = joined.group_by(keys).aggregate(discounts_redeemed=joined.count())
    return _to_frame(grouped, keys)


def _step_table(ds: Dataset, ids: list[str], by_step: pd.DataFrame) -> pd.DataFrame:
    """The steps of the listed flows with their metrics, in step order.

    Steps with activity but missing from ``flow_steps`` are appended with an empty
    position, so that the step rows add up to their flow.
    """
    steps = ds.table("flow_steps")
    steps = steps.filter(steps.campaign_id.isin(ids)).to_pandas()
    steps = steps.astype(
        {"campaign_id": TEXT_DTYPE, "step_id": TEXT_DTYPE, "position": COUNT_DTYPE,
         "name": TEXT_DTYPE, "action": TEXT_DTYPE}
    )
    steps = steps.set_index(STEP_KEYS)[list(STEP_DESCRIPTION)]

    active = by_step[by_step.index.get_level_values("campaign_id").isin(ids)]
    active = active[active.index.get_level_values("step_id").notna()]
    unknown = active.index.difference(steps.index)
    if len(unknown):
        logger.warning(
            "%s flow steps have events but are missing from flow_steps: %s",
            len(unknown), ", ".join(f"{flow}/{step}" for flow, step in unknown[:5]),
        )

    table = steps.join(active, how="outer").pipe(_typed_metrics, STEP_METRICS)
    table = table.reset_index().sort_values(
        ["campaign_id", "position", "step_id"], na_position="last", kind="stable"
    )
    return table[list(STEP_COLUMNS)].reset_index(drop=True)


def _typed_metrics(frame: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Fill missing metrics with zero: points as Float64, counts as Int64."""
    typed = frame.copy()
    for column in metrics:
        values = typed[column] if column in typed else pd.Series(0, index=typed.index)
        typed[column] = values.astype(POINTS_DTYPE).fillna(0).astype(_dtype(column))
    return typed


def _to_frame(grouped: ibis.Table, keys: list[str]) -> pd.DataFrame:
    frame = grouped.to_pandas()
    for key in keys:
        frame[key] = frame[key].astype(TEXT_DTYPE)
    return frame.set_index(keys)


def _empty_flows() -> pd.DataFrame:
    frame = pd.DataFrame(
        {"name": pd.Series(dtype=TEXT_DTYPE)}
        | {column: pd.Series(dtype=_dtype(column)) for column in FLOW_METRICS}
    )
    frame.index = pd.Index([], dtype=TEXT_DTYPE, name="campaign_id")
    return frame


def _empty_steps() -> pd.DataFrame:
    description = {
        "campaign_id": TEXT_DTYPE,
        "step_id": TEXT_DTYPE,
        "position": COUNT_DTYPE,
        "name": TEXT_DTYPE,
        "action": TEXT_DTYPE,
    }
    return pd.DataFrame(
        {column: pd.Series(dtype=dtype) for column, dtype in description.items()}
        | {column: pd.Series(dtype=_dtype(column)) for column in STEP_METRICS}
    )


def _dtype(column: str) -> str:
    return POINTS_DTYPE if column == POINTS else COUNT_DTYPE
