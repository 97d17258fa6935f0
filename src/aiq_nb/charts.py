"""Report tables → matplotlib figures.

Each plot function takes a report table and an optional Axes and returns the Axes. An
empty table gives a sentence in place of the chart, never an error.
"""

from __future__ import annotations

import logging

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

logger = logging.getLogger(__name__)

TOP_CAMPAIGNS = 10
FIGURE_SIZE = (8.0, 4.0)
NAME_LENGTH = 32
BROAD_COLOUR = "#4C72B0"
STRICT_COLOUR = "#DD8452"
SENDS_COLOUR = "#55A868"
FAILED_COLOUR = "#C44E52"
IN_PROGRESS_COLOUR = "#8172B3"
# the bars of the step funnel: column, legend label, colour
FUNNEL_BARS = (
    ("steps_entered", "Entered", BROAD_COLOUR),
    ("steps_in_progress", "In progress", IN_PROGRESS_COLOUR),
    ("steps_exited", "Exited", FAILED_COLOUR),
)
GROUP_HEIGHT = 0.8


def plot_revenue_by_campaign(
    broad: pd.DataFrame,
    strict: pd.DataFrame,
    *,
    ax: Axes | None = None,
    top: int = TOP_CAMPAIGNS,
) -> Axes:
    """Bar chart of attributed revenue of the top campaigns, broad beside strict.

    Parameters
    ----------
    broad, strict
        ``Report.campaigns`` of the same period in each mode.
    ax
        Where to draw; a new figure when None.
    top
        How many campaigns, by broad revenue.
    """
    ax = ax or _new_axes()
    revenue = pd.DataFrame(
        {"Broad": broad["revenue"], "Strict": strict["revenue"]}
    ).fillna(0.0)
    revenue = revenue[revenue.sum(axis=1) > 0]
    if revenue.empty:
        return _say(ax, "No attributed revenue in this period.")

    revenue = revenue.sort_values("Broad", ascending=False).head(top)
    names = broad["name"].reindex(revenue.index).fillna(pd.Series(revenue.index, revenue.index))
    revenue.index = [_shorten(str(name)) for name in names]
    revenue.iloc[::-1].plot.barh(ax=ax, color=[BROAD_COLOUR, STRICT_COLOUR])
    ax.set_xlabel("Attributed revenue")
    ax.set_ylabel("")
    ax.set_title(f"Revenue by campaign (top {len(revenue)})")
    return ax


def plot_sends_by_channel(channels: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bar chart of sends per channel, failed sends marked."""
    ax = ax or _new_axes()
    if channels.empty or channels["sends"].sum() == 0:
        return _say(ax, "No sends in this period.")

    counts = pd.DataFrame(
        {
            "Delivered": channels["delivered"].astype(float),
            "Failed": channels["failed_sends"].astype(float),
        }
    )
    counts.plot.bar(ax=ax, stacked=True, color=[SENDS_COLOUR, FAILED_COLOUR], rot=0)
    ax.set_xlabel("")
    ax.set_ylabel("Sends")
    ax.set_title("Sends by channel")
    return ax


def _new_axes() -> Axes:
    _, ax = plt.subplots(figsize=FIGURE_SIZE, layout="constrained")
    return ax


def _say(ax: Axes, sentence: str) -> Axes:
    ax.set_axis_off()
    ax.text(0.5, 0.5, sentence, ha="center", va="center", fontsize=12)
    return ax


def _shorten(name: str) -> str:
    """A label of at most NAME_LENGTH characters, with ``$`` kept literal."""
    short = name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1] + "…"
    return short.replace("$", r"\$")


def plot_revenue_by_engagement(by_engagement: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bar chart of attributed revenue per engagement type, labelled with its share."""
    ax = ax or _new_axes()
    shown = by_engagement[by_engagement["revenue"] > 0]
    if shown.empty:
        return _say(ax, "No attributed revenue in this period.")

    bars = ax.bar(
        [label.replace("_", " ") for label in shown.index],
        shown["revenue"],
        color=BROAD_COLOUR,
    )
    labels = [f"{share:.0%}" for share in shown["share"].astype(float)]
    ax.bar_label(bars, labels=labels, padding=2)
    ax.set_ylabel("Attributed revenue")
    ax.set_title("Top conversions by engagement type")
    return ax


def plot_conversions_over_time(over_time: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Revenue per local day, stacked by engagement type."""
    ax = ax or _new_axes()
    shown = over_time.loc[:, over_time.sum() > 0]
    if shown.empty:
        return _say(ax, "No conversions in this period.")

    shown = shown.rename(columns=lambda label: label.replace("_", " "))
    shown.index = pd.to_datetime(shown.index)
    ax.stackplot(shown.index, shown.T.to_numpy(), labels=list(shown.columns), alpha=0.85)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_ylabel("Attributed revenue")
    ax.set_title("Conversions over time")
    ax.figure.autofmt_xdate()
    return ax


def plot_step_funnel(flow_steps: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars of one flow's steps, first step on top: entered, in progress, exited.

    Parameters
    ----------
    flow_steps
        The rows of ``Report.flow_steps`` of one flow (``position``, ``name``,
        ``step_id``, ``steps_entered``, ``steps_in_progress``, ``steps_exited``);
        drawn in position order, steps without a position last.
    ax
        Where to draw; a new figure when None.
    """
    ax = ax or _new_axes()
    columns = [column for column, _, _ in FUNNEL_BARS]
    if flow_steps.empty or flow_steps[columns].fillna(0).to_numpy().sum() == 0:
        return _say(ax, "No step activity in this period.")

    steps = flow_steps.sort_values(["position", "step_id"], na_position="last", kind="stable")
    slot = GROUP_HEIGHT / len(FUNNEL_BARS)
    for offset, (column, label, colour) in enumerate(FUNNEL_BARS):
        rows = [index + offset * slot for index in range(len(steps))]
        ax.barh(rows, steps[column].fillna(0).astype(float), height=slot,
                color=colour, label=label)
    ax.set_yticks([index + slot for index in range(len(steps))],
                  labels=[_step_label(*row) for row in
                          zip(steps["position"], steps["name"], steps["step_id"])])
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel("Contacts (entries in the period; in progress at its end)")
    ax.set_title("Step funnel")
    return ax


def _step_label(position: object, name: object, step_id: object) -> str:
    """``"2. Wait"``: the step's position and name (its id when it has no name)."""
    prefix = "?" if pd.isna(position) else str(int(position))  # type: ignore[call-overload]
    return _shorten(f"{prefix}. {step_id if pd.isna(name) else name}")
