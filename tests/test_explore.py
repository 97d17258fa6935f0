"""The explorer's pure functions (and its thin widgets) on a small hand-made dataset.

The dataset (account zone UTC, as of 2026-01-10):

- k1 "Spring Sale" (active, tags promo;flower): m1 SMS to c1 and m2 email to c2, both
  delivered on 1 Dec 2025 10:00; c1 clicked m1 at 11:00.
- k2 "Winter Deal" (inactive, tag edibles): m3 SMS to c3 delivered on 10 Nov 2025, m4
  SMS to c4 failed.
- f1 "Loyalty", a flow without messages.
- Orders: o1 c1 2 Dec $30 (after the click), o2 c2 3 Dec $50, o3 c3 12 Nov $20.

Broad attributes all three orders (k1: o1, o2; k2: o3); strict only o1 (the one
purchase after an engagement).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pandas as pd
import pytest

import aiq_nb
from aiq_nb import attribution, explore
from aiq_nb.errors import ParameterError, PeriodError
from aiq_nb.explore import ExplorerState

AS_OF = dt.date(2026, 1, 10)


SMALL_TABLES: dict[str, list[dict[str, object]]] = dict(
    campaigns=[
        {"campaign_id": "k1", "name": "Spring Sale", "tags": "promo;flower"},
        {"campaign_id": "k2", "name": "Winter Deal", "tags": "edibles",
         "status": "inactive"},
        {"campaign_id": "f1", "name": "Loyalty", "kind": "flow"},
    ],
    messages=[
        {"message_id": "m1", "campaign_id": "k1", "contact_id": "c1",
         "channel": "sms", "sent_at": "2025-12-01T10:00:00Z"},
        {"message_id": "m2", "campaign_id": "k1", "contact_id": "c2",
         "channel": "email", "sent_at": "2025-12-01T10:00:00Z"},
        {"message_id": "m3", "campaign_id": "k2", "contact_id": "c3",
         "channel": "sms", "sent_at": "2025-11-10T10:00:00Z"},
        {"message_id": "m4", "campaign_id": "k2", "contact_id": "c4",
         "channel": "sms", "sent_at": "2025-11-10T10:00:00Z", "status": "failed"},
    ],
    events=[
        {"event_id": "e1", "message_id": "m1", "event_type": "clicked",
         "occurred_at": "2025-12-01T11:00:00Z"},
    ],
    orders=[
        {"order_id": "o1", "contact_id": "c1", "ordered_at": "2025-12-02T10:00:00Z",
         "total": 30},
        {"order_id": "o2", "contact_id": "c2", "ordered_at": "2025-12-03T10:00:00Z",
         "total": 50},
        {"order_id": "o3", "contact_id": "c3", "ordered_at": "2025-11-12T10:00:00Z",
         "total": 20},
    ],
)


@pytest.fixture
def ds(make_dataset: Callable[..., aiq_nb.Dataset]) -> aiq_nb.Dataset:
    return make_dataset(**SMALL_TABLES)


def _state(**changes: object) -> ExplorerState:
    return ExplorerState(as_of=AS_OF).replace(**changes)


def _figures(report: aiq_nb.Report) -> tuple[int, float, int]:
    row = report.overview.iloc[0]
    return int(row["conversions"]), float(row["revenue"]), int(row["sends"])


# --- periods ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (_state(), None),
        (_state(period="last_month"), "last_month"),
        (_state(period="last_7_days"), "last_7_days"),
        (_state(period="custom", start=dt.date(2025, 12, 1), end=dt.date(2025, 12, 2)),
         (dt.date(2025, 12, 1), dt.date(2025, 12, 2))),
    ],
)
def test_state_period(state: ExplorerState, expected: object) -> None:
    assert explore.state_period(state) == expected


@pytest.mark.parametrize(
    "state",
    [
        _state(period="custom", start=dt.date(2025, 12, 1)),
        _state(period="custom", end=dt.date(2025, 12, 1)),
        _state(period="custom", start=dt.date(2025, 12, 2), end=dt.date(2025, 12, 1)),
    ],
)
def test_an_incomplete_or_reversed_custom_range_is_refused(state: ExplorerState) -> None:
    with pytest.raises(PeriodError):
        explore.state_period(state)


def test_report_options_turn_empty_filters_into_none() -> None:
    options = explore.report_options(_state(channels=["sms"], mode="strict"))
    assert options == {
        "period": None, "as_of": AS_OF, "view": "all", "mode": "strict",
        "campaigns": None, "channels": ["sms"], "tags": None, "status": None,
    }


def test_report_options_refuse_an_unknown_mode_or_view() -> None:
    with pytest.raises(ParameterError):
        explore.report_options(_state(mode="loose"))
    with pytest.raises(ParameterError):
        explore.report_options(_state(view="everything"))


# --- reports of filter combinations ------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # (conversions, revenue, sends), worked by hand from the module docstring
        ({}, (3, 100.0, 4)),
        ({"mode": "strict"}, (1, 30.0, 4)),
        ({"channels": ("sms",)}, (2, 50.0, 3)),
        ({"channels": ("sms",), "mode": "strict"}, (1, 30.0, 3)),
        ({"period": "last_month"}, (2, 80.0, 2)),
        ({"period": "custom", "start": dt.date(2025, 12, 1), "end": dt.date(2025, 12, 2),
          "channels": ("sms",)}, (1, 30.0, 1)),
        ({"period": "custom", "start": dt.date(2025, 12, 3), "end": dt.date(2025, 12, 31)},
         (1, 50.0, 0)),
        ({"status": ("inactive",)}, (1, 20.0, 2)),
        ({"tags": ("PROMO",)}, (2, 80.0, 2)),
        ({"tags": ("promo",), "channels": ("email",), "period": "last_month"},
         (1, 50.0, 1)),
        ({"campaigns": ("winter deal",), "period": "last_3_months"}, (1, 20.0, 2)),
        ({"campaigns": ("k2",), "period": "last_month"}, (0, 0.0, 0)),
        ({"view": "flows"}, (0, 0.0, 0)),
        ({"view": "campaigns", "status": ("active",), "mode": "strict"}, (1, 30.0, 2)),
    ],
)
def test_report_for_filter_combinations(
    ds: aiq_nb.Dataset, changes: dict[str, object], expected: tuple[int, float, int]
) -> None:
    assert _figures(explore.report_for(ds, _state(**changes))) == expected


def test_report_for_is_build_report(ds: aiq_nb.Dataset) -> None:
    state = _state(channels=("sms",), period="last_3_months", mode="strict")
    expected = aiq_nb.build_report(
        ds, "last_3_months", as_of=AS_OF, mode="strict", channels=["sms"]
    )
    report = explore.report_for(ds, state)
    pd.testing.assert_frame_equal(report.overview, expected.overview)
    pd.testing.assert_frame_equal(report.campaigns, expected.campaigns)
    pd.testing.assert_frame_equal(report.channels, expected.channels)


def test_a_state_seen_before_is_answered_from_memory(ds: aiq_nb.Dataset) -> None:
    first = explore.report_for(ds, _state(channels=("sms",)))
    explore.report_for(ds, _state(channels=("email",)))
    assert explore.report_for(ds, _state(channels=("sms",))) is first


def test_filter_changes_never_recompute_attribution(
    ds: aiq_nb.Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = attribution._attribution_expression

    def counted(dataset: aiq_nb.Dataset, mode: str, **kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(mode)
        return original(dataset, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(attribution, "_attribution_expression", counted)
    for changes in ({}, {"channels": ("sms",)}, {"period": "last_month"},
                    {"campaigns": ("k1",)}, {"tags": ("edibles",)}, {"view": "flows"}):
        for mode in ("broad", "strict"):
            explore.report_for(ds, _state(mode=mode, **changes))
    assert sorted(calls) == ["broad", "strict"]


# --- KPI cards ------------------------------------------------------------------


def test_kpi_cards_of_all_time(ds: aiq_nb.Dataset) -> None:
    cards = explore.kpi_cards(explore.report_for(ds, _state()))
    assert cards == [
        ("Conversions", "3"),
        ("Revenue Generated", "$100.00"),
        ("AOV", "$33.33"),
        ("Credits Spent", "0"),
        ("Revenue per Msg", "$25.00"),
        ("ROI", "n/a"),  # no cost in the data: no denominator
        ("Sends", "4"),
        ("Open Rate", "33.3%"),  # c1 clicked (a click is an open) of 3 delivered
        ("Click-Through Rate", "33.3%"),
        ("Conversion Rate", "100.0%"),  # c1, c2, c3 of the 3 delivered contacts
        ("Cost", "$0.00"),
    ]


def test_kpi_cards_change_with_the_channel_and_the_mode(ds: aiq_nb.Dataset) -> None:
    sms = dict(explore.kpi_cards(explore.report_for(ds, _state(channels=("sms",)))))
    strict = dict(explore.kpi_cards(explore.report_for(ds, _state(mode="strict"))))
    assert (sms["Conversions"], sms["Revenue Generated"], sms["Sends"]) == ("2", "$50.00", "3")
    assert (strict["Conversions"], strict["Revenue Generated"]) == ("1", "$30.00")


def test_kpi_html_escapes_and_labels_each_card() -> None:
    block = explore.kpi_html([("Revenue Generated", "$1.00"), ("<b>", "x&y")])
    assert block.count('class="aiq-kpi"') == 2
    assert 'data-label="Revenue Generated"' in block
    assert "&lt;b&gt;" in block and "x&amp;y" in block and "<b>" not in block


# --- options of the filters -------------------------------------------------------


def test_campaign_options_search_name_or_id(ds: aiq_nb.Dataset) -> None:
    assert explore.campaign_options(ds) == [
        ("Loyalty (f1)", "f1"), ("Spring Sale (k1)", "k1"), ("Winter Deal (k2)", "k2"),
    ]
    assert explore.campaign_options(ds, "SALE") == [("Spring Sale (k1)", "k1")]
    assert explore.campaign_options(ds, " k2 ") == [("Winter Deal (k2)", "k2")]
    assert explore.campaign_options(ds, "nothing like it") == []


def test_campaign_options_keep_the_chosen_campaigns(ds: aiq_nb.Dataset) -> None:
    assert explore.campaign_options(ds, "sale", keep=("k2",)) == [
        ("Spring Sale (k1)", "k1"), ("Winter Deal (k2)", "k2"),
    ]


def test_filter_choices(ds: aiq_nb.Dataset) -> None:
    assert explore.filter_choices(ds) == {
        "channels": ["email", "sms"],
        "tags": ["edibles", "flower", "promo"],
        "status": ["active", "inactive"],
    }


def test_detail_choices_follow_the_campaign_table(ds: aiq_nb.Dataset) -> None:
    report = explore.report_for(ds, _state())
    assert explore.detail_choices(report) == [
        ("Spring Sale (k1)", "k1"), ("Winter Deal (k2)", "k2"),
    ]
    empty = explore.report_for(ds, _state(view="flows"))
    assert explore.detail_choices(empty) == []


# --- campaign detail and CSV --------------------------------------------------------


def test_detail_is_the_report_of_the_campaign_alone(ds: aiq_nb.Dataset) -> None:
    state = _state(channels=("email",), period="last_month")  # other filters do not apply
    detail = explore.detail_for(ds, state, "k1")
    for mode, report in (("broad", detail.broad), ("strict", detail.strict)):
        expected = aiq_nb.build_report(
            ds, "last_month", as_of=AS_OF, mode=mode, campaigns=["k1"]
        )
        pd.testing.assert_frame_equal(report.overview, expected.overview)
        pd.testing.assert_frame_equal(report.channels, expected.channels)
        pd.testing.assert_frame_equal(report.by_engagement, expected.by_engagement)
        pd.testing.assert_frame_equal(report.top_products, expected.top_products)
        pd.testing.assert_frame_equal(report.over_time, expected.over_time)
    assert _figures(detail.broad) == (2, 80.0, 2)
    assert _figures(detail.strict) == (1, 30.0, 2)


def test_detail_needs_a_campaign(ds: aiq_nb.Dataset) -> None:
    with pytest.raises(ParameterError):
        explore.detail_for(ds, _state(), "")


def test_csv_bytes_are_the_rows_shown(ds: aiq_nb.Dataset, tmp_path) -> None:
    report = explore.report_for(ds, _state(channels=("sms",), period="last_3_months"))
    data = explore.csv_bytes(report)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data == report.to_csv(tmp_path / "same.csv").read_bytes()
    rows = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(rows["campaign_id"]) == ["k1", "k2"]
    assert list(rows["revenue"]) == [30.0, 20.0]
    assert set(rows["period"]) == {"2025-10-11_2026-01-10"}


def test_download_link_embeds_the_csv(ds: aiq_nb.Dataset) -> None:
    import base64

    report = explore.report_for(ds, _state(period="last_month", mode="strict"))
    link = explore.download_link_html(report)
    payload = link.split("base64,", 1)[1].split('"', 1)[0]
    assert base64.b64decode(payload) == explore.csv_bytes(report)
    assert 'download="aiq_nb_2025-12_strict.csv"' in link
    assert ">Download CSV</a>" in link


# --- the widgets only gather values and call the functions above ---------------------


@pytest.fixture
def explorer(ds: aiq_nb.Dataset):  # type: ignore[no-untyped-def]
    from aiq_nb.widgets import Explorer

    made = Explorer(ds, as_of=AS_OF)
    made.refresh()
    return made


def test_a_filter_widget_change_refreshes_once(
    explorer, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    states: list[ExplorerState] = []
    original = explore.report_for

    def recorded(dataset: aiq_nb.Dataset, state: ExplorerState) -> aiq_nb.Report:
        states.append(state)
        return original(dataset, state)

    monkeypatch.setattr(explore, "report_for", recorded)
    explorer.channels.value = ("sms",)
    assert states == [_state(channels=("sms",))]
    assert dict(explore.kpi_cards(explorer.report))["Conversions"] == "2"
    explorer.mode.value = "strict"
    assert states[-1] == _state(channels=("sms",), mode="strict")
    assert "$30.00" in explorer.kpis.value


def test_searching_campaigns_keeps_the_chosen_ones(explorer) -> None:  # type: ignore[no-untyped-def]
    explorer.campaigns.value = ("k2",)
    explorer.search.value = "spring"
    assert [value for _, value in explorer.campaigns.options] == ["k1", "k2"]
    assert explorer.campaigns.value == ("k2",)
    assert explorer.state().campaigns == ("k2",)


def test_picking_dates_makes_a_custom_period_and_clear_returns_to_all_time(
    explorer,  # type: ignore[no-untyped-def]
) -> None:
    explorer.start.value = dt.date(2025, 12, 1)
    assert "both a start and an end" in explorer.message.value
    explorer.end.value = dt.date(2025, 12, 31)
    assert explorer.report.period.label == "2025-12-01_2025-12-31"
    explorer.clear.click()
    assert explorer.state().period == "all_time"
    assert explorer.report.period.label == "all-time_to_2026-01-10"


def test_the_detail_picker_lists_the_campaigns_and_keeps_its_choice(
    explorer,  # type: ignore[no-untyped-def]
) -> None:
    assert [value for _, value in explorer.detail_picker.options] == ["", "k1", "k2"]
    explorer.detail_picker.value = "k1"
    explorer.status.value = ("active",)
    assert explorer.detail_picker.value == "k1"
    explorer.status.value = ("inactive",)
    assert explorer.detail_picker.value == ""
