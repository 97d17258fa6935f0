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

from aiq_nb.detail import CampaignDetail
from aiq_nb.metrics import METRIC_COLUMNS, VOICE_METRICS
from aiq_nb.report import Report

NOT_AVAILABLE = "n/a"
TOP_ROWS = 10
NOTE = "Note"

# what an empty table says instead of showing no rows
NO_CAMPAIGNS = "No campaign had a send or an attributed conversion in this period."
NO_SENDS = "No message was sent in this period."
NO_CONVERSIONS = "No attributed conversion in this period."
NO_FLOWS = "No flow had activity in this period."
NO_STEPS = "No flow step had activity in this period."
NOT_LISTED = (
    "This campaign is not listed in the period: it had no send and no attributed "
    "conversion in it."
)
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
    "engagement_type": "Engagement",
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
# step rows carry the flow's id and the step's own name
STEP_LABELS = {LABELS["campaign_id"]: "Flow", LABELS["name"]: "Step name"}
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
# a campaign's own metrics; the voice figures are added for campaigns that call
DETAIL_METRICS = tuple(m for m in METRIC_COLUMNS if m not in VOICE_METRICS)
VOICE = "voice"
TAG_SEPARATOR = ";"
MARKDOWN_SPECIAL = "\\`*_[]$#|"
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


def sentence_table(sentence: str, *, index_name: str = "") -> pd.DataFrame:
    """A one-cell table holding a sentence: what an empty table shows instead.

    Parameters
    ----------
    sentence
        The text of the only cell, in the column ``Note``.
    index_name
        The name of the (blank) index, so the table keeps its usual header.
    """
    return pd.DataFrame({NOTE: [sentence]}, index=pd.Index([""], name=index_name))


def overview_side_by_side(
    broad: Report, strict: Report, *, metrics: tuple[str, ...] = OVERVIEW_METRICS
) -> pd.DataFrame:
    """A report's metrics in both modes: one row per metric, a column per mode.

    Parameters
    ----------
    broad, strict
        The same period, view and filters in each attribution mode.
    metrics
        The overview columns to show, in order; default the conversion overview
        (conversions, revenue, AOV, rates, credits and cost).
    """
    rows = {
        LABELS[metric]: {
            "Broad": format_value(
                broad.overview[metric].iloc[0], metric, currency=broad.currency
            ),
            "Strict": format_value(
                strict.overview[metric].iloc[0], metric, currency=strict.currency
            ),
        }
        for metric in metrics
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "Metric"
    return table


def campaign_table(report: Report) -> pd.DataFrame:
    """The campaign table as people read it, with the unlisted activity last."""
    rows = report.campaigns
    if not report.unlisted_activity.empty:
        rows = pd.concat([rows, report.unlisted_activity])
    if rows.empty:
        return sentence_table(NO_CAMPAIGNS, index_name=LABELS["campaign_id"])
    return format_table(rows, CAMPAIGN_TABLE_COLUMNS, currency=report.currency)


def channel_table(report: Report) -> pd.DataFrame:
    """Channel performance as people read it: a row per metric, a column per channel.

    Voice shows "n/a" for opens, clicks and unsubscribes; a period without any
    message to show gives a sentence instead.
    """
    if report.channels.empty:
        return sentence_table(NO_SENDS, index_name="Metric")
    table = format_table(report.channels, CHANNEL_TABLE_COLUMNS, currency=report.currency)
    return table.T.rename_axis(index="Metric", columns="Channel")


def top_table(table: pd.DataFrame, *, currency: str, top: int = TOP_ROWS) -> pd.DataFrame:
    """The first rows of a Top Converted table, as people read them.

    An empty table (no attributed conversion) gives a sentence instead.
    """
    if table.empty:
        return sentence_table(NO_CONVERSIONS, index_name=str(table.index.name or ""))
    return format_table(
        table.head(top), ("revenue", "conversions", "units"), currency=currency
    )


def engagement_table(report: Report) -> pd.DataFrame:
    """Revenue, conversions and share per engagement type.

    A period without attributed conversions gives a sentence instead of zeros.
    """
    if report.by_engagement.empty or report.by_engagement["conversions"].sum() == 0:
        return sentence_table(NO_CONVERSIONS, index_name=LABELS["engagement_type"])
    shown = format_table(
        report.by_engagement, ("revenue", "conversions", "share"), currency=report.currency
    )
    shown.index = pd.Index(
        [label.replace("_", " ") for label in shown.index], name="Engagement"
    )
    return shown


def flows_table(report: Report) -> pd.DataFrame:
    """The flows overview: one row per flow with activity in the period."""
    if report.flows.empty:
        return sentence_table(NO_FLOWS, index_name=LABELS["campaign_id"])
    return format_table(report.flows).rename(columns={**FLOW_LABELS, LABELS["name"]: "Flow"})


def flow_steps_table(report: Report) -> pd.DataFrame:
    """Step analytics, in step order within each flow."""
    return steps_table(report.flow_steps)


def steps_table(flow_steps: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``Report.flow_steps`` as people read them, indexed by step id.

    The flow id, position, step name and action come first, then the step figures;
    no rows give a sentence instead.
    """
    if flow_steps.empty:
        return sentence_table(NO_STEPS, index_name=FLOW_LABELS["step_id"])
    shown = format_table(flow_steps.set_index("step_id")).rename(
        columns={**FLOW_LABELS, **STEP_LABELS}
    )
    shown.index.name = FLOW_LABELS["step_id"]
    return shown


def hints_table(report: Report) -> pd.DataFrame:
    """Campaigns in view without any message, with what to check."""
    if report.hints.empty:
        return pd.DataFrame(
            {"Note": ["Every campaign in view has recipients."]},
            index=pd.Index([""], name="ID"),
        )
    return report.hints.rename(columns={"name": "Campaign", "hint": "Note"}).rename_axis(
        "ID"
    )


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
    provisional = int(report.campaigns["provisional"].sum()) if len(report.campaigns) else 0
    lines = _period_lines(report, generated_at)
    if provisional:
        lines.append(
            f"\n{provisional} campaign(s) are still inside their attribution window: "
            "their figures are provisional and may grow."
        )
    return "\n".join(lines)


def campaign_summary_markdown(report: Report) -> str:
    """One line above the campaign table: listed campaigns and what they did.

    Example: ``**3** campaigns listed, 1 provisional · Sends **1,200** ·
    Conversions **14** · Revenue **$420.00**``. The figures are sums of the listed
    campaign rows; a period without listed campaigns gives a sentence.
    """
    rows = report.campaigns
    if rows.empty:
        return NO_CAMPAIGNS
    count = len(rows)
    provisional = int(rows["provisional"].fillna(False).astype(bool).sum())
    sends = format_value(int(rows["sends"].sum()), "sends")
    conversions = format_value(int(rows["conversions"].sum()), "conversions")
    revenue = format_value(float(rows["revenue"].sum()), "revenue", currency=report.currency)
    return (
        f"**{count:,}** campaign{'' if count == 1 else 's'} listed, "
        f"{provisional:,} provisional · Sends **{sends}** · "
        f"Conversions **{conversions}** · Revenue **{revenue}**"
    )


def detail_header_markdown(
    detail: CampaignDetail, *, generated_at: dt.datetime | None = None
) -> str:
    """The header of a campaign detail report.

    The campaign's name, id, kind, status, tags, channels and attribution window,
    whether its figures are provisional, the period, and the no-recipients hint
    when it has no message at all. Without a campaign, a sentence saying so.
    """
    period = _period_lines(detail.broad, generated_at)
    if detail.campaign_id is None:
        return "\n".join([NO_CAMPAIGNS + "  ", *period])

    settings = detail.settings
    tags = [t.strip() for t in str(_or_blank(settings["tags"])).split(TAG_SEPARATOR)]
    lines = [
        f"### {markdown_text(str(settings['name']))}",
        f"**ID:** `{detail.campaign_id}` · **Kind:** {settings['kind']} · "
        f"**Status:** {settings['status']}  ",
        f"**Tags:** {markdown_text(', '.join(t for t in tags if t)) or 'none'} · "
        f"**Channels:** {_or_blank(settings['channels']) or 'none'} · "
        f"**Attribution window:** "
        f"{format_value(settings['attribution_window_days'], 'attribution_window_days')}"
        " days  ",
        f"**Provisional:** {_provisional(settings)}  ",
        *period,
    ]
    if not detail.listed:
        lines.append(f"\n{NOT_LISTED}")
    if detail.campaign_id in detail.broad.hints.index:
        hint = detail.broad.hints.loc[detail.campaign_id, "hint"]
        lines.append(f"\n**{NOTE}:** {markdown_text(str(hint))}")
    return "\n".join(lines)


def detail_metrics(detail: CampaignDetail) -> pd.DataFrame:
    """The campaign's own metrics, broad beside strict; voice figures for voice."""
    channels = str(_or_blank(detail.settings.get("channels", "")))
    voice = VOICE in [c.strip() for c in channels.split(",")]
    metrics = DETAIL_METRICS + (VOICE_METRICS if voice else ())
    return overview_side_by_side(detail.broad, detail.strict, metrics=metrics)


def markdown_text(text: str) -> str:
    """Text shown literally in Markdown: HTML escaped, ``$``, ``*`` and the like too."""
    escaped = html.escape(text, quote=False)
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in escaped)


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


def _period_lines(report: Report, generated_at: dt.datetime | None) -> list[str]:
    """Period and zone, as-of day and view, generation time: three Markdown lines."""
    stamp = generated_at or dt.datetime.now(dt.UTC)
    return [
        f"**Period:** {html.escape(report.period.title)} "
        f"({html.escape(report.period.timezone)})  ",
        f"**As of:** {report.as_of.isoformat()} · **View:** {report.selection.view}  ",
        f"**Generated:** {stamp:%Y-%m-%d %H:%M} UTC",
    ]


def _provisional(settings: pd.Series) -> str:
    if not bool(settings["provisional"]):
        return "no"
    return f"yes, until {format_value(settings['provisional_until'], 'provisional_until')}"


def _or_blank(value: object) -> object:
    return "" if _is_missing(value) else value


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _money(value: float, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"
