"""A dataset → the interactive explorer: ipywidgets filters above the report's sections.

The widgets hold no logic: each callback gathers the filter values into an
:class:`~aiq_nb.explore.ExplorerState` and calls the pure functions of
:mod:`aiq_nb.explore` (the report, the KPI cards, the campaign options, the CSV), then
shows their results. Callbacks are registered once, when an :class:`Explorer` is
made, and always with ``names="value"``; re-running the notebook cell makes a new
explorer rather than registering handlers twice.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from aiq_nb import charts, explore, present
from aiq_nb.errors import AiqNbError
from aiq_nb.load import Dataset, load_dataset
from aiq_nb.periods import ALL_TIME, parse_date
from aiq_nb.report import Report
from aiq_nb.sample import sample_dataset_path
from aiq_nb.sections import show_flow_sections

logger = logging.getLogger(__name__)

FIGURE_SIZE = (8.0, 3.5)
SELECT_ROWS = 6
NO_DETAIL = ("— choose a campaign —", "")
WIDE = w.Layout(width="auto")
TOP_TABS = (("Product", "top_products"), ("Brand", "top_brands"),
            ("Location", "top_locations"))
COMPUTING = "<i>Computing…</i>"


class Explorer:
    """The explorer of one dataset: filter widgets, then the report's sections.

    Attributes
    ----------
    ds
        The dataset explored.
    widget
        The whole explorer, to display.
    report
        The report shown, or None before the first refresh or after an error.
    """

    def __init__(self, ds: Dataset, *, as_of: dt.date | None = None) -> None:
        self.ds = ds
        self.report: Report | None = None
        self._quiet = False
        choices = explore.filter_choices(ds)

        # filters
        self.view = w.ToggleButtons(options=explore.VIEW_CHOICES, value="all",
                                    description="View")
        self.period = w.Dropdown(options=explore.PERIOD_CHOICES, value=ALL_TIME,
                                 description="Period")
        self.start = w.DatePicker(description="From")
        self.end = w.DatePicker(description="To")
        self.clear = w.Button(description="Clear period (all time)", layout=WIDE)
        self.as_of = w.DatePicker(description="As of", value=as_of)
        self.search = w.Text(description="Campaign", placeholder="search name or id")
        self.campaigns = w.SelectMultiple(options=explore.campaign_options(ds),
                                          rows=SELECT_ROWS, description=" ")
        self.channels = w.SelectMultiple(options=choices["channels"], rows=SELECT_ROWS,
                                         description="Channels")
        self.tags = w.SelectMultiple(options=choices["tags"], rows=SELECT_ROWS,
                                     description="Tags")
        self.status = w.SelectMultiple(options=choices["status"], rows=SELECT_ROWS,
                                       description="Status")
        self.mode = w.ToggleButtons(options=explore.MODE_CHOICES, value="broad",
                                    description="Attribution")

        # results
        self.message = w.HTML()
        self.kpis = w.HTML()
        self.download = w.HTML()
        self.campaign_out = w.Output()
        self.channel_out = w.Output()
        self.top_outs = {attribute: w.Output() for _, attribute in TOP_TABS}
        self.top_tabs = w.Tab(children=list(self.top_outs.values()),
                              titles=[title for title, _ in TOP_TABS])
        self.engagement_out = w.Output()
        self.over_time_out = w.Output()
        self.flows_out = w.Output()
        self.detail_picker = w.Dropdown(options=[NO_DETAIL], value="",
                                        description="Campaign detail",
                                        style={"description_width": "initial"})
        self.detail_out = w.Output()

        self._register()
        self.widget = self._layout()

    # --- what the widgets hold ------------------------------------------------

    def state(self) -> explore.ExplorerState:
        """The widgets' values as an :class:`~aiq_nb.explore.ExplorerState`."""
        return explore.ExplorerState(
            view=self.view.value,
            period=self.period.value,
            start=self.start.value,
            end=self.end.value,
            as_of=self.as_of.value,
            mode=self.mode.value,
            campaigns=tuple(self.campaigns.value),
            channels=tuple(self.channels.value),
            tags=tuple(self.tags.value),
            status=tuple(self.status.value),
        )

    # --- callbacks ----------------------------------------------------------------

    def _register(self) -> None:
        for widget in (self.view, self.period, self.as_of, self.campaigns, self.channels,
                       self.tags, self.status, self.mode):
            widget.observe(self._on_filter, names="value")
        self.start.observe(self._on_date, names="value")
        self.end.observe(self._on_date, names="value")
        self.search.observe(self._on_search, names="value")
        self.clear.on_click(self._on_clear)
        self.detail_picker.observe(self._on_detail, names="value")

    def _on_filter(self, _change: dict[str, Any]) -> None:
        if not self._quiet:
            self.refresh()

    def _on_date(self, _change: dict[str, Any]) -> None:
        """A date of the custom range was picked: the period becomes the range."""
        if self._quiet:
            return
        with self._quietly():
            self.period.value = explore.CUSTOM
        self.refresh()

    def _on_search(self, change: dict[str, Any]) -> None:
        """Narrow the campaign list to the search text, keeping the chosen campaigns."""
        chosen = tuple(self.campaigns.value)
        with self._quietly():
            self.campaigns.options = explore.campaign_options(
                self.ds, str(change["new"]), keep=chosen
            )
            self.campaigns.value = chosen

    def _on_clear(self, _button: w.Button) -> None:
        """Back to all time."""
        with self._quietly():
            self.start.value = None
            self.end.value = None
            self.period.value = ALL_TIME
        self.refresh()

    def _on_detail(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self.show_detail(str(change["new"] or ""))

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change widgets without their callbacks refreshing the report."""
        previous, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = previous

    # --- showing results ------------------------------------------------------------

    def refresh(self) -> None:
        """Build the report of the current state and show every section."""
        self.message.value = COMPUTING
        try:
            report = explore.report_for(self.ds, self.state())
        except AiqNbError as error:
            self.message.value = f'<span style="color:#b00">{html.escape(str(error))}</span>'
            return
        self.report = report
        self.message.value = (
            f"<b>{html.escape(report.period.title)}</b> ({html.escape(report.period.timezone)})"
            f" · view {report.selection.view} · {report.mode} attribution"
        )
        self.kpis.value = explore.kpi_html(explore.kpi_cards(report))
        self.download.value = explore.download_link_html(report)
        _fill(self.campaign_out, Markdown(present.campaign_summary_markdown(report)),
              present.campaign_table(report))
        _fill(self.channel_out, present.channel_table(report))
        for attribute, out in self.top_outs.items():
            _fill(out, present.top_table(getattr(report, attribute), currency=report.currency))
        _fill(self.engagement_out, present.engagement_table(report),
              _figure(charts.plot_revenue_by_engagement, report.by_engagement))
        _fill(self.over_time_out,
              _figure(charts.plot_conversions_over_time, report.over_time))
        with _refilled(self.flows_out):
            display(present.flows_table(report))
            show_flow_sections(report)
        self._update_detail_choices(report)

    def show_detail(self, campaign_id: str) -> None:
        """Show one campaign's detail in both modes (nothing when no campaign)."""
        if not campaign_id:
            self.detail_out.clear_output()
            return
        try:
            detail = explore.detail_for(self.ds, self.state(), campaign_id)
        except AiqNbError as error:
            _fill(self.detail_out, Markdown(f"**{html.escape(str(error))}**"))
            return
        broad = detail.broad
        _fill(
            self.detail_out,
            Markdown(present.detail_header_markdown(detail)),
            present.detail_metrics(detail),
            present.channel_table(broad),
            present.engagement_table(broad),
            present.top_table(broad.top_products, currency=broad.currency),
            _figure(charts.plot_conversions_over_time, broad.over_time),
        )

    def _update_detail_choices(self, report: Report) -> None:
        """List the report's campaigns in the detail picker, keeping the one chosen."""
        chosen = self.detail_picker.value
        options = [NO_DETAIL, *explore.detail_choices(report)]
        with self._quietly():
            self.detail_picker.options = options
            self.detail_picker.value = chosen if chosen in dict(options).values() else ""
        self.show_detail(self.detail_picker.value)

    def _layout(self) -> w.VBox:
        period = w.VBox([
            w.HBox([self.period, self.clear]),
            w.HBox([self.start, self.end, self.as_of]),
        ])
        filters = w.HBox([
            w.VBox([self.search, self.campaigns]), self.channels, self.tags, self.status,
        ])
        return w.VBox([
            self.view, period, filters, self.mode, self.message,
            _heading("Conversion overview"), self.kpis, self.download,
            _heading("Campaigns"), self.campaign_out,
            _heading("Campaign detail"), self.detail_picker, self.detail_out,
            _heading("Channel performance"), self.channel_out,
            _heading("Top converted"), self.top_tabs,
            _heading("Top conversions by engagement type"), self.engagement_out,
            _heading("Conversions over time"), self.over_time_out,
            _heading("Flows overview and step analytics"), self.flows_out,
        ])


def show_explorer(data_dir: str | Path = "", *, as_of: str | dt.date = "") -> Explorer:
    """Load a dataset, display its explorer and return it.

    Parameters
    ----------
    data_dir
        The dataset folder; empty (the default) means the bundled sample.
    as_of
        The day the period presets are relative to (``YYYY-MM-DD``); empty means
        today.
    """
    ds = load_dataset(data_dir or sample_dataset_path())
    anchor = parse_date(as_of, what="as_of") if as_of else None
    explorer = Explorer(ds, as_of=anchor)
    explorer.refresh()
    display(explorer.widget)
    return explorer


def _heading(text: str) -> w.HTML:
    return w.HTML(f"<h3>{html.escape(text)}</h3>")


def _figure(plot: Callable[..., Axes], table: pd.DataFrame) -> Figure:
    """A chart as a figure of its own, closed so that it is shown once."""
    figure, ax = plt.subplots(figsize=FIGURE_SIZE, layout="constrained")
    plot(table, ax=ax)
    plt.close(figure)
    return figure


@contextmanager
def _refilled(out: w.Output) -> Iterator[None]:
    out.clear_output(wait=True)
    with out:
        yield


def _fill(out: w.Output, *items: object) -> None:
    """Replace what an Output widget shows with ``items``."""
    with _refilled(out):
        for item in items:
            display(item)
