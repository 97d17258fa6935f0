"""Report tables → tables people read: labels, currency, percentages and "n/a".

The numbers stay untouched in :class:`~aiq_nb.report.Report`; this module only turns
them into text for the notebooks and HTML reports. A missing value (a rate with a zero
denominator, an open count of a voice call) is shown as ``n/a``, never as 0.
"""

from __future__ import annotations

import datetime as dt
import html
import math

import pandas as pd

from aiq_nb.report import Report

NOT_AVAILABLE = "n/a"
TOP_ROWS = 10
CURRENCY_SYMBOLS = {"USD": "$", "CAD": "CA$", "EUR": "€", "GBP": "£"}

MONEY = frozenset(
    {"revenue", "aov", "cost", "revenue_per_msg", "cost_per_conversion"}
)
RATES = frozenset(
    {
        "open_rate",
        "click_through_rate",
        "conversion_rate",
        "roi",
        "unsubscribe_rate",
        "share",
    }
)
DECIMALS = frozenset({"credits_spent", "attribution_window_days"})
SECONDS = frozenset({"avg_call_duration_s"})
# counts that can be not applicable (voice has no opens, clicks or unsubscribes)
OPTIONAL_COUNTS = frozenset({"opens", "link_clicks", "unique_clicks", "unsubscribers"})

LABELS = {
    "sends": "Sends",
    "failed_sends": "Failed Sends",
    "delivered": "Delivered",
    "opens": "Opens",
    "open_rate": "Open Rate",
    "link_clicks": "Link Clicks",
    "unique_clicks": "Unique Clicks",
    "click_through_rate": "Click-Through Rate",
    "conversions": "Conversions",
    "revenue": "Revenue Generated",
    "aov": "AOV",
    "conversion_rate": "Conversion Rate",
    "credits_spent": "Credits Spent",
    "cost": "Cost",
    "revenue_per_msg": "Revenue per Msg",
    "roi": "ROI",
    "cost_per_conversion": "Cost per Conversion",
    "unsubscribers": "Unsubscribers",
    "unsubscribe_rate": "Unsubscribe Rate",
    "calls_answered": "Calls Answered",
    "calls_completed": "Calls Completed",
    "voicemails": "Voicemails",
    "avg_call_duration_s": "Avg Call Duration",
    "name": "Campaign",
    "kind": "Kind",
    "status": "Status",
    "tags": "Tags",
    "channels": "Channels",
    "attribution_window_days": "Window (days)",
    "provisional": "Provisional",
    "provisional_until": "Final after",
    "hint": "Note",
    "channel": "Channel",
    "campaign_id": "ID",
    "units": "Units",
    "share": "Share",
    "position": "Position",
}
FLOW_LABELS = {
    "points_gifted": "Points Gifted",
    "recipients": "Recipients",
    "distinct_recipients": "Distinct Recipients",
    "discounts_redeemed": "Discounts Redeemed",
    "steps_entered": "Steps Entered",
    "steps_in_progress": "Steps In-Progress",
    "steps_exited": "Steps Exited",
    "flow_completions": "Flow Completions",
    "step_id": "Step",
    "action": "Action",
}
OVERVIEW_METRICS = (
    "conversions",
    "revenue",
    "aov",
    "conversion_rate",
    "credits_spent",
    "cost",
    "revenue_per_msg",
    "roi",
    "cost_per_conversion",
)
CAMPAIGN_TABLE_COLUMNS = (
    "name",
    "channels",
    "sends",
    "delivered",
    "open_rate",
    "click_through_rate",
    "conversions",
    "revenue",
    "roi",
    "attribution_window_days",
    "provisional",
)
CHANNEL_TABLE_COLUMNS = (
    "sends",
    "failed_sends",
    "opens",
    "open_rate",
    "link_clicks",
    "click_through_rate",
    "unsubscribers",
    "conversions",
    "revenue",
    "cost",
    "cost_per_conversion",
    "roi",
    "calls_answered",
    "calls_completed",
    "voicemails",
    "avg_call_duration_s",
)


def format_value(value: object, column: str, *, currency: str = "USD") -> str:
    """One cell as text: money, percentage, count, seconds or "n/a"."""
    if _is_missing(value):
        return NOT_AVAILABLE if column in MONEY | RATES | SECONDS | OPTIONAL_COUNTS else ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp | dt.datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if not isinstance(value, int | float):
        return str(value)
    if column in MONEY:
        return _money(float(value), currency)
    if column in RATES:
        return f"{float(value) * 100:,.1f}%"
    if column in SECONDS:
        return f"{float(value):,.0f} s"
    if column in DECIMALS:
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return f"{float(value):,.0f}"


def format_table(
    table: pd.DataFrame, columns: tuple[str, ...] | None = None, *, currency: str = "USD"
) -> pd.DataFrame:
    """A copy of ``table`` with every cell as display text and readable labels."""
    shown = table if columns is None else table[[c for c in columns if c in table]]
    text = pd.DataFrame(
        {
            column: [format_value(v, column, currency=currency) for v in shown[column]]
            for column in shown.columns
        },
        index=shown.index,
    )
    text.index = text.index.map(str)
    text.index.name = LABELS.get(str(shown.index.name), shown.index.name)
    return text.rename(columns=LABELS)


def overview_side_by_side(broad: Report, strict: Report) -> pd.DataFrame:
    """The conversion overview in both modes: one row per metric, a column per mode."""
    rows = {
        LABELS[metric]: {
            "Broad": format_value(
                broad.overview[metric].iloc[0], metric, currency=broad.currency
            ),
            "Strict": format_value(
                strict.overview[metric].iloc[0], metric, currency=strict.currency
            ),
        }
        for metric in OVERVIEW_METRICS
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "Metric"
    return table


def campaign_table(report: Report) -> pd.DataFrame:
    """The campaign table as people read it, with the unlisted activity last."""
    rows = report.campaigns
    if not report.unlisted_activity.empty:
        rows = pd.concat([rows, report.unlisted_activity])
    return format_table(rows, CAMPAIGN_TABLE_COLUMNS, currency=report.currency)


def channel_table(report: Report) -> pd.DataFrame:
    """Channel performance as people read it: a row per metric, a column per channel.

    Voice shows "n/a" for opens, clicks and unsubscribes.
    """
    table = format_table(report.channels, CHANNEL_TABLE_COLUMNS, currency=report.currency)
    return table.T.rename_axis(index="Metric", columns="Channel")


def top_table(table: pd.DataFrame, *, currency: str, top: int = TOP_ROWS) -> pd.DataFrame:
    """The first rows of a Top Converted table, as people read them."""
    return format_table(
        table.head(top), ("revenue", "conversions", "units"), currency=currency
    )


def engagement_table(report: Report) -> pd.DataFrame:
    """Revenue, conversions and share per engagement type."""
    shown = format_table(
        report.by_engagement, ("revenue", "conversions", "share"), currency=report.currency
    )
    shown.index = pd.Index(
        [label.replace("_", " ") for label in shown.index], name="Engagement"
    )
    return shown


def flows_table(report: Report) -> pd.DataFrame:
    """The flows overview: one row per flow with activity in the period."""
    return format_table(report.flows).rename(columns=FLOW_LABELS)


def flow_steps_table(report: Report) -> pd.DataFrame:
    """Step analytics, in step order within each flow."""
    return format_table(report.flow_steps.set_index("step_id")).rename(columns=FLOW_LABELS)


def data_quality_table(report: Report) -> pd.DataFrame:
    """Input rows left out of the figures, by table and reason."""
    table = report.data_quality.rename(
        columns={"table": "Table", "file": "File", "reason": "Reason", "rows": "Rows"}
    )
    if table.empty:
        return pd.DataFrame(
            {"Reason": ["No input row was left out."]}, index=pd.Index([""], name="Table")
        )
    table["Rows"] = table["Rows"].map(lambda count: f"{count:,}")
    return table.set_index("Table")


def header_markdown(report: Report, *, generated_at: dt.datetime | None = None) -> str:
    """The report header: period, as-of day, mode and view, generation time."""
    stamp = generated_at or dt.datetime.now(dt.UTC)
    provisional = int(report.campaigns["provisional"].sum()) if len(report.campaigns) else 0
    lines = [
        f"**Period:** {html.escape(report.period.title)} "
        f"({html.escape(report.period.timezone)})  ",
        f"**As of:** {report.as_of.isoformat()} · **View:** {report.selection.view}  ",
        f"**Generated:** {stamp:%Y-%m-%d %H:%M} UTC",
    ]
    if provisional:
        lines.append(
            f"\n{provisional} campaign(s) are still inside their attribution window: "
            "their figures are provisional and may grow."
        )
    return "\n".join(lines)


def provenance_markdown(report: Report, *, version: str) -> str:
    """Where the figures come from: dataset fingerprint, parameters, version."""
    parameters = ", ".join(
        f"{name}={value!r}"
        for name, value in report.parameters.items()
        if value and name != "mode"
    )
    return (
        f"Dataset fingerprint `{report.fingerprint[:16]}` · aiq_nb {version} · "
        f"parameters: {html.escape(parameters) or 'defaults'}"
    )


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _money(value: float, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"
