"""Charts: names drawn literally, and a sentence in place of an empty chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

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
