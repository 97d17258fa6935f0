"""A report → repeated notebook sections (one per flow): heading, table and chart.

A notebook shows a varying number of flows; rather than loop in a cell, it calls
:func:`show_flow_sections`, which displays each flow's heading, its steps in order and
its step funnel. :func:`flow_sections` builds the same sections as plain objects, so
tests can read them without a notebook.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.figure import Figure

from aiq_nb import charts, present
from aiq_nb.report import Report

logger = logging.getLogger(__name__)

FUNNEL_SIZE = (8.0, 3.5)


@dataclass(frozen=True)
class FlowSection:
    """What the report shows for one flow.

    Attributes
    ----------
    campaign_id
        The flow's id.
    heading
        A Markdown heading with the flow's name and id.
    summary
        One Markdown line: its steps, entries, completions and points gifted.
    steps
        Its steps in position order, as people read them.
    flow_steps
        The same rows as numbers (``Report.flow_steps`` of this flow), for the chart.
    """

    campaign_id: str
    heading: str
    summary: str
    steps: pd.DataFrame
    flow_steps: pd.DataFrame


def flow_sections(report: Report) -> list[FlowSection]:
    """One section per flow of ``report.flows``, in the order of that table."""
    sections = []
    for campaign_id, flow in report.flows.iterrows():
        steps = report.flow_steps[report.flow_steps["campaign_id"] == campaign_id]
        sections.append(
            FlowSection(
                campaign_id=str(campaign_id),
                heading=f"### {present.markdown_text(str(flow['name']))} (`{campaign_id}`)",
                summary=_summary(flow, len(steps)),
                steps=present.steps_table(steps),
                flow_steps=steps,
            )
        )
    return sections


def show_flow_sections(
    report: Report, *, show: Callable[[object], None] = display
) -> None:
    """Display each flow's heading, summary, steps table and step funnel.

    With no flow in the period, displays one sentence instead.

    Parameters
    ----------
    report
        The report whose flows to show.
    show
        How to display one object; IPython's ``display`` by default.
    """
    sections = flow_sections(report)
    if not sections:
        show(Markdown(present.NO_FLOWS))
        return
    for section in sections:
        show(Markdown(f"{section.heading}\n\n{section.summary}"))
        show(section.steps)
        show(_funnel_figure(section.flow_steps))


def _funnel_figure(flow_steps: pd.DataFrame) -> Figure:
    """The step funnel as a figure of its own, closed so it is shown only once."""
    figure, ax = plt.subplots(figsize=FUNNEL_SIZE, layout="constrained")
    charts.plot_step_funnel(flow_steps, ax=ax)
    plt.close(figure)
    return figure


def _summary(flow: pd.Series, steps: int) -> str:
    figures = [
        f"{steps:,} step{'' if steps == 1 else 's'}",
        f"{int(flow['steps_entered']):,} entered",
        f"{int(flow['flow_completions']):,} completed",
        f"{present.format_value(flow['points_gifted'], 'points_gifted')} points gifted",
    ]
    return " · ".join(figures)
