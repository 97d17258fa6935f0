"""Charts: names drawn literally, and a sentence in place of an empty chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import aiq_nb  # noqa: E402
from aiq_nb import charts  # noqa: E402


def _campaigns(names: list[str], revenue: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"name": names, "revenue": revenue}, index=[f"k{i}" for i in range(len(names))]
    )


def test_dollar_signs_in_campaign_names_are_drawn_literally() -> None:
    names = ["Save $5 on $20 orders", r"Deal $\frac{1 $"]
    rows = _campaigns(names, [30.0, 10.0])
    ax = charts.plot_revenue_by_campaign(rows, rows)
    ax.figure.canvas.draw()  # a mathtext parse error would raise here
    labels = [label.get_text() for label in ax.get_yticklabels()]
    # the bars are drawn smallest first, so the top label is the largest revenue
    assert labels == [r"Deal \$\frac{1 \$", r"Save \$5 on \$20 orders"]
    plt.close(ax.figure)


def test_empty_tables_draw_a_sentence_not_a_chart() -> None:
    empty = _campaigns([], [])
    ax = charts.plot_revenue_by_campaign(empty, empty)
    assert [text.get_text() for text in ax.texts] == ["No attributed revenue in this period."]
    over_time = pd.DataFrame(0.0, index=[pd.Timestamp("2025-12-01").date()],
                             columns=["received", "clicked"])
    ax = charts.plot_conversions_over_time(over_time)
    assert [text.get_text() for text in ax.texts] == ["No conversions in this period."]
    plt.close("all")


def _steps(rows: list[tuple[object, str, int, int, int]]) -> pd.DataFrame:
    """Step rows of one flow: (position, name, entered, in progress, exited)."""
    return pd.DataFrame(
        {
            "campaign_id": "f1",
            "step_id": [f"s{i}" for i in range(len(rows))],
            "position": pd.array([row[0] for row in rows], dtype="Int64"),
            "name": [row[1] for row in rows],
            "steps_entered": [row[2] for row in rows],
            "steps_in_progress": [row[3] for row in rows],
            "steps_exited": [row[4] for row in rows],
        }
    )


def test_step_funnel_draws_steps_in_position_order_first_on_top() -> None:
    # given out of order, with a step of unknown position: it goes last
    steps = _steps(
        [(2, "Wait", 6, 2, 1), (None, "Mystery", 1, 0, 0), (1, "Points", 10, 0, 3)]
    )
    ax = charts.plot_step_funnel(steps)
    ax.figure.canvas.draw()
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == ["1. Points", "2. Wait", "?. Mystery"]
    assert ax.yaxis_inverted()  # the first label is drawn at the top
    widths = [[bar.get_width() for bar in bars] for bars in ax.containers]
    assert widths == [[10, 6, 1], [0, 2, 0], [3, 1, 0]]  # entered, in progress, exited
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Entered", "In progress", "Exited"
    ]
    plt.close(ax.figure)


def test_step_funnel_without_activity_is_a_sentence() -> None:
    for steps in (_steps([]), _steps([(1, "Points", 0, 0, 0)])):
        ax = charts.plot_step_funnel(steps)
        assert [text.get_text() for text in ax.texts] == ["No step activity in this period."]
    plt.close("all")


def test_every_chart_of_an_empty_report_is_a_sentence(make_dataset) -> None:
    # campaign k1 sent in December; October has no data at all
    ds = make_dataset(messages=[{"message_id": "m1", "campaign_id": "k1",
                                 "contact_id": "c1", "sent_at": "2025-12-01T10:00:00Z"}])
    rep = aiq_nb.build_report(ds, period="2025-10", as_of="2026-01-10")
    drawn = [
        charts.plot_revenue_by_campaign(rep.campaigns, rep.campaigns),
        charts.plot_sends_by_channel(rep.channels),
        charts.plot_revenue_by_engagement(rep.by_engagement),
        charts.plot_conversions_over_time(rep.over_time),
        charts.plot_step_funnel(rep.flow_steps),
    ]
    for ax in drawn:
        ax.figure.canvas.draw()
    assert [[text.get_text() for text in ax.texts] for ax in drawn] == [
        ["No attributed revenue in this period."],
        ["No sends in this period."],
        ["No attributed revenue in this period."],
        ["No conversions in this period."],
        ["No step activity in this period."],
    ]
    plt.close("all")
