"""Display tables and Markdown lines: hand-worked text, and sentences for empty periods.

The small dataset (UTC, USD): campaign k1 ("Spring Sale") sends m1 to c1 on Dec 1
10:00; c1 clicks at 11:00 and buys 30.00 on Dec 2. Flow f1 ("Loyalty") has two steps:
c1 enters s1 on Dec 3, is gifted 50 points and advances to s2, where they still are at
the end of December; c2 enters s1 on Dec 4 and exits the flow on Dec 5. October holds
no data at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest

import aiq_nb
from aiq_nb import detail, present, sections
from aiq_nb.errors import ParameterError

AS_OF = "2026-01-10"
DECEMBER = "2025-12"
EMPTY_MONTH = "2025-10"
GENERATED = dt.datetime(2026, 1, 10, 8, 30, tzinfo=dt.UTC)
MakeDataset = Callable[..., aiq_nb.Dataset]


def small_tables() -> dict[str, list[dict[str, object]]]:
    """The tables of the module's small dataset (shared with the notebook tests)."""
    def flow_event(contact: str, step: str, event: str, at: str, **extra: object):
        return {"campaign_id": "f1", "step_id": step, "contact_id": contact,
                "event": event, "occurred_at": at, **extra}

    return {
        "campaigns": [
            {"campaign_id": "k1", "name": "Spring Sale", "tags": "promo;sms"},
            {"campaign_id": "f1", "name": "Loyalty", "kind": "flow"},
        ],
        "messages": [{"message_id": "m1", "campaign_id": "k1", "contact_id": "c1",
                      "sent_at": "2025-12-01T10:00:00Z"}],
        "events": [{"event_id": "e1", "message_id": "m1", "event_type": "clicked",
                    "occurred_at": "2025-12-01T11:00:00Z"}],
        "orders": [{"order_id": "o1", "contact_id": "c1",
                    "ordered_at": "2025-12-02T10:00:00Z", "total": 30}],
        "flow_steps": [
            {"campaign_id": "f1", "step_id": "s1", "position": 1, "name": "Points",
             "action": "gift_points"},
            {"campaign_id": "f1", "step_id": "s2", "position": 2, "name": "Wait",
             "action": "wait"},
        ],
        "flow_events": [
            flow_event("c1", "s1", "entered", "2025-12-03T10:00:00Z"),
            flow_event("c1", "s1", "advanced", "2025-12-03T10:05:00Z", points=50),
            flow_event("c1", "s2", "entered", "2025-12-03T10:05:00Z"),
            flow_event("c2", "s1", "entered", "2025-12-04T10:00:00Z"),
            flow_event("c2", "s1", "exited", "2025-12-05T10:00:00Z"),
        ],
    }


@pytest.fixture
def dataset(make_dataset: MakeDataset) -> aiq_nb.Dataset:
    return make_dataset(**small_tables())


def _report(ds: aiq_nb.Dataset, period: str, mode: str = "broad") -> aiq_nb.Report:
    return aiq_nb.build_report(ds, period=period, as_of=AS_OF, mode=mode)


def _detail(ds: aiq_nb.Dataset, period: str, campaign_id: str = "") -> detail.CampaignDetail:
    options = aiq_nb.report_options(period=period, as_of=AS_OF)
    return detail.build_campaign_detail(ds, campaign_id, **options)


def _sentence(table: pd.DataFrame) -> str:
    assert table.shape == (1, 1) and list(table.columns) == [present.NOTE]
    return str(table.iloc[0, 0])


# campaign summary ------------------------------------------------------------------


def test_campaign_summary_sums_the_listed_campaigns(dataset: aiq_nb.Dataset) -> None:
    report = _report(dataset, DECEMBER)
    campaigns = pd.DataFrame(
        {"provisional": [True, False], "sends": [10, 1200], "conversions": [3, 11],
         "revenue": [100.5, 319.5]},
        index=pd.Index(["k1", "k2"], name="campaign_id"),
    )
    two = dataclasses.replace(report, campaigns=campaigns)
    assert present.campaign_summary_markdown(two) == (
        "**2** campaigns listed, 1 provisional · Sends **1,210** · "
        "Conversions **14** · Revenue **$420.00**"
    )


def test_campaign_summary_of_the_small_december(dataset: aiq_nb.Dataset) -> None:
    # k1's 7-day window closed Dec 8, long before the as-of day
    assert present.campaign_summary_markdown(_report(dataset, DECEMBER)) == (
        "**1** campaign listed, 0 provisional · Sends **1** · "
        "Conversions **1** · Revenue **$30.00**"
    )


# empty periods ---------------------------------------------------------------------


EMPTY_TABLES = [
    ("campaign_table", lambda r: present.campaign_table(r), present.NO_CAMPAIGNS),
    ("channel_table", lambda r: present.channel_table(r), present.NO_SENDS),
    ("engagement_table", lambda r: present.engagement_table(r), present.NO_CONVERSIONS),
    ("top_products", lambda r: present.top_table(r.top_products, currency="USD"),
     present.NO_CONVERSIONS),
    ("top_brands", lambda r: present.top_table(r.top_brands, currency="USD"),
     present.NO_CONVERSIONS),
    ("top_locations", lambda r: present.top_table(r.top_locations, currency="USD"),
     present.NO_CONVERSIONS),
    ("flows_table", lambda r: present.flows_table(r), present.NO_FLOWS),
    ("flow_steps_table", lambda r: present.flow_steps_table(r), present.NO_STEPS),
]


@pytest.mark.parametrize(("name", "table", "sentence"), EMPTY_TABLES,
                         ids=[name for name, _, _ in EMPTY_TABLES])
def test_every_table_of_an_empty_period_is_a_sentence(
    dataset: aiq_nb.Dataset, name: str, table: Callable, sentence: str
) -> None:
    assert _sentence(table(_report(dataset, EMPTY_MONTH))) == sentence


def test_the_empty_period_summary_and_overview_say_so(dataset: aiq_nb.Dataset) -> None:
    broad = _report(dataset, EMPTY_MONTH)
    strict = _report(dataset, EMPTY_MONTH, "strict")
    assert present.campaign_summary_markdown(broad) == present.NO_CAMPAIGNS
    overview = present.overview_side_by_side(broad, strict)
    assert overview.loc["Conversions"].tolist() == ["0", "0"]
    assert overview.loc["AOV"].tolist() == ["n/a", "n/a"]
    assert present.data_quality_table(broad).values.tolist() == [
        ["No input row was left out."]
    ]


# tables with rows ------------------------------------------------------------------


def test_flow_steps_are_shown_in_position_order_with_step_labels(
    dataset: aiq_nb.Dataset,
) -> None:
    table = present.flow_steps_table(_report(dataset, DECEMBER))
    assert table.index.name == "Step"
    assert list(table.index) == ["s1", "s2"]
    assert table[["Flow", "Position", "Step name", "Action"]].values.tolist() == [
        ["f1", "1", "Points", "gift_points"],
        ["f1", "2", "Wait", "wait"],
    ]
    # s1: 2 entries, 1 exit, 50 points to c1; s2: c1 still inside at the end
    assert table[["Steps Entered", "Steps In-Progress", "Steps Exited",
                  "Points Gifted"]].values.tolist() == [["2", "0", "1", "50"],
                                                        ["1", "1", "0", "0"]]


def test_flows_table_names_the_flow(dataset: aiq_nb.Dataset) -> None:
    table = present.flows_table(_report(dataset, DECEMBER))
    assert list(table.index) == ["f1"]
    assert table.loc["f1", "Flow"] == "Loyalty"
    assert table.loc["f1", "Steps Entered"] == "3"


def test_markdown_text_shows_dollars_and_stars_literally() -> None:
    assert present.markdown_text("Save $5 *now* <b>") == r"Save \$5 \*now\* &lt;b&gt;"


# campaign detail -------------------------------------------------------------------


def test_the_default_campaign_is_the_first_listed(dataset: aiq_nb.Dataset) -> None:
    report = _report(dataset, DECEMBER)
    assert detail.default_campaign(report) == "k1"
    assert detail.pick_campaign(dataset, report) == "k1"
    assert detail.pick_campaign(dataset, report, " spring sale ") == "k1"
    assert detail.pick_campaign(dataset, report, "f1") == "f1"
    assert detail.default_campaign(_report(dataset, EMPTY_MONTH)) is None


def test_an_unknown_campaign_is_refused(dataset: aiq_nb.Dataset) -> None:
    with pytest.raises(ParameterError, match="'k9'"):
        detail.pick_campaign(dataset, _report(dataset, DECEMBER), "k9")


def test_detail_header_of_a_listed_campaign(dataset: aiq_nb.Dataset) -> None:
    campaign = _detail(dataset, DECEMBER)
    assert campaign.campaign_id == "k1" and campaign.listed
    assert present.detail_header_markdown(campaign, generated_at=GENERATED) == "\n".join([
        "### Spring Sale",
        "**ID:** `k1` · **Kind:** campaign · **Status:** active  ",
        "**Tags:** promo, sms · **Channels:** sms · **Attribution window:** 7 days  ",
        "**Provisional:** no  ",
        "**Period:** 1 Dec 2025 – 31 Dec 2025 (UTC)  ",
        "**As of:** 2026-01-10 · **View:** all  ",
        "**Generated:** 2026-01-10 08:30 UTC",
    ])


def test_detail_metrics_put_broad_beside_strict(dataset: aiq_nb.Dataset) -> None:
    metrics = present.detail_metrics(_detail(dataset, DECEMBER))
    assert list(metrics.columns) == ["Broad", "Strict"]
    assert metrics.loc["Sends"].tolist() == ["1", "1"]
    # the click came before the purchase: it converts in both modes
    assert metrics.loc["Revenue Generated"].tolist() == ["$30.00", "$30.00"]
    assert metrics.loc["ROI"].tolist() == ["n/a", "n/a"]  # no cost
    assert "Calls Answered" not in metrics.index  # an SMS campaign


def test_a_campaign_without_messages_shows_the_audience_hint(
    dataset: aiq_nb.Dataset,
) -> None:
    campaign = _detail(dataset, DECEMBER, "f1")
    assert campaign.campaign_id == "f1" and not campaign.listed
    header = present.detail_header_markdown(campaign, generated_at=GENERATED)
    assert header.startswith("### Loyalty\n**ID:** `f1` · **Kind:** flow")
    assert present.NOT_LISTED in header
    assert "personas are loaded into audiences" in header


def test_an_empty_period_detail_says_so_everywhere(dataset: aiq_nb.Dataset) -> None:
    campaign = _detail(dataset, EMPTY_MONTH)
    assert campaign.campaign_id is None
    header = present.detail_header_markdown(campaign, generated_at=GENERATED)
    assert header.splitlines()[:2] == [
        present.NO_CAMPAIGNS + "  ",
        "**Period:** 1 Oct 2025 – 31 Oct 2025 (UTC)  ",
    ]
    assert present.detail_metrics(campaign).loc["Conversions"].tolist() == ["0", "0"]
    assert _sentence(present.channel_table(campaign.broad)) == present.NO_SENDS
    assert _sentence(present.engagement_table(campaign.broad)) == present.NO_CONVERSIONS


def test_a_named_campaign_in_an_empty_period_is_reported_empty(
    dataset: aiq_nb.Dataset,
) -> None:
    campaign = _detail(dataset, EMPTY_MONTH, "k1")
    assert campaign.campaign_id == "k1" and not campaign.listed
    assert campaign.settings["channels"] == ""
    assert campaign.settings["attribution_window_days"] == 7  # the account default
    assert present.detail_metrics(campaign).loc["Sends"].tolist() == ["0", "0"]


# flow sections ---------------------------------------------------------------------


def test_one_section_per_flow_with_its_summary(dataset: aiq_nb.Dataset) -> None:
    [section] = sections.flow_sections(_report(dataset, DECEMBER))
    assert section.heading == "### Loyalty (`f1`)"
    assert section.summary == "2 steps · 3 entered · 0 completed · 50 points gifted"
    assert list(section.steps.index) == ["s1", "s2"]


def test_show_flow_sections_displays_heading_table_and_chart(
    dataset: aiq_nb.Dataset,
) -> None:
    shown: list[object] = []
    sections.show_flow_sections(_report(dataset, DECEMBER), show=shown.append)
    assert [type(item).__name__ for item in shown] == ["Markdown", "DataFrame", "Figure"]


def test_show_flow_sections_of_an_empty_period_is_one_sentence(
    dataset: aiq_nb.Dataset,
) -> None:
    shown: list[object] = []
    sections.show_flow_sections(_report(dataset, EMPTY_MONTH), show=shown.append)
    assert [item.data for item in shown] == [present.NO_FLOWS]  # type: ignore[attr-defined]
