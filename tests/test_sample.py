"""The synthetic sample dataset: deterministic, complete, and loadable."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pandas as pd
import pytest

import aiq_nb

from aiq_nb import contract
from aiq_nb.sample import (
    SAMPLE_SEED,
    SAMPLE_VERSION,
    sample_dataset_path,
    write_sample_dataset,
)

SMALL = {"contacts": 400, "months": 3}
# the platform's channels; direct mail is in the contract but sent outside it
SAMPLE_CHANNELS = contract.CHANNELS - {contract.DIRECT_MAIL}
SAMPLE_WINDOWS = {1.0, 3.0, 14.0, 30.0}
ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
MESSAGE_RANGE = (30_000, 80_000)
ORDER_RANGE = (5_000, 15_000)


def _read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table of a dataset folder, as text (empty cells missing)."""
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str)
        for name in contract.TABLES
    }


def _folder_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def _instants(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column], utc=True, format="ISO8601")


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_dataset(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def tables(sample_dir: Path) -> dict[str, pd.DataFrame]:
    return _read_tables(sample_dir)


@pytest.fixture(scope="module")
def regulated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("regulated")
    return write_sample_dataset(folder, regulated_10dlc=True, **SMALL)


# ------------------------------------------------------------------ determinism


def test_the_same_seed_writes_byte_identical_files(
    sample_dir: Path, tmp_path: Path
) -> None:
    again = write_sample_dataset(tmp_path / "again")

    assert _folder_files(again) == _folder_files(sample_dir)
    for name in _folder_files(sample_dir):
        assert filecmp.cmp(sample_dir / name, again / name, shallow=False), name


def test_another_seed_writes_other_data(tmp_path: Path) -> None:
    first = write_sample_dataset(tmp_path / "first", **SMALL)
    other = write_sample_dataset(tmp_path / "other", seed=SAMPLE_SEED + 1, **SMALL)

    for name in ("messages.csv", "events.csv", "orders.csv"):
        assert not filecmp.cmp(first / name, other / name, shallow=False), name


# ---------------------------------------------------------------- layout


def test_the_readme_says_the_data_is_synthetic(sample_dir: Path) -> None:
    readme = (sample_dir / "README.md").read_text(encoding="utf-8")

    assert "This data is SYNTHETIC" in readme
    assert "aiq_nb.sample" in readme
    assert f"sample version {SAMPLE_VERSION}, seed {SAMPLE_SEED}" in readme


@pytest.mark.parametrize("name", list(contract.TABLES))
def test_every_table_has_its_file_and_required_columns(
    sample_dir: Path, tables: dict[str, pd.DataFrame], name: str
) -> None:
    table = contract.TABLES[name]
    frame = tables[name]

    assert (sample_dir / f"{name}.csv").is_file()
    required = [column.name for column in table.columns if column.required]
    assert set(required) <= set(frame.columns)
    for column in table.columns:
        if not column.nullable:
            assert frame[column.name].notna().all(), column.name


def test_the_account_is_a_non_utc_zone_in_usd(tables: dict[str, pd.DataFrame]) -> None:
    account = tables["account"]

    assert len(account) == 1
    assert account.loc[0, "timezone"] == "America/Los_Angeles"
    assert account.loc[0, "currency"] == "USD"
    assert account.loc[0, "default_attribution_window_days"] == "7"
    assert account.loc[0, "regulated_10dlc"] == "false"


@pytest.mark.parametrize("table_column", sorted(contract.ENUMERATIONS))
def test_enumerated_columns_hold_allowed_values(
    tables: dict[str, pd.DataFrame], table_column: tuple[str, str]
) -> None:
    name, column = table_column
    values = set(tables[name][column].dropna())

    assert values <= contract.ENUMERATIONS[table_column]


def test_instants_carry_a_zone(tables: dict[str, pd.DataFrame]) -> None:
    for name, table in contract.TABLES.items():
        for column in table.columns:
            if column.dtype != contract.INSTANT:
                continue
            text = tables[name][column.name].dropna()
            assert text.str.match(ISO_INSTANT).all(), f"{name}.{column.name}"


def test_the_default_size_is_realistic(tables: dict[str, pd.DataFrame]) -> None:
    assert MESSAGE_RANGE[0] <= len(tables["messages"]) <= MESSAGE_RANGE[1]
    assert ORDER_RANGE[0] <= len(tables["orders"]) <= ORDER_RANGE[1]


# ---------------------------------------------------------------- campaigns


def test_campaigns_vary_in_window_tags_status_and_engagements(
    tables: dict[str, pd.DataFrame],
) -> None:
    campaigns = tables["campaigns"]
    windows = campaigns["attribution_window_days"]

    assert windows.isna().any()
    assert SAMPLE_WINDOWS <= set(windows.dropna().astype(float))
    assert campaigns["tags"].str.contains(contract.LIST_SEPARATOR).any()
    assert set(campaigns["status"]) == contract.CAMPAIGN_STATUSES
    assert set(campaigns["kind"]) == contract.KINDS
    engagements = campaigns["conversion_engagements"]
    assert engagements.isna().any()
    assert engagements.str.contains(contract.LIST_SEPARATOR).any()


def test_at_least_one_campaign_has_no_messages(tables: dict[str, pd.DataFrame]) -> None:
    sent = set(tables["messages"]["campaign_id"])

    assert set(tables["campaigns"]["campaign_id"]) - sent


# ------------------------------------------------------------- messages, events


def test_every_channel_appears(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables["messages"]["channel"]) == SAMPLE_CHANNELS


def test_failed_messages_exist_and_give_a_reason(
    tables: dict[str, pd.DataFrame],
) -> None:
    messages = tables["messages"]
    failed = messages["status"] == "failed"

    assert 0.02 <= failed.mean() <= 0.06
    assert messages.loc[failed, "failure_reason"].notna().all()
    assert messages.loc[~failed, "failure_reason"].isna().all()
    assert messages["carrier_fee"].isna().any()
    flow_ids = tables["campaigns"].query("kind == 'flow'")["campaign_id"]
    flow_messages = messages["campaign_id"].isin(flow_ids)
    assert messages.loc[flow_messages, "step_id"].notna().all()
    assert messages.loc[~flow_messages, "step_id"].isna().all()


def test_every_event_type_appears(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables["events"]["event_type"]) == contract.EVENT_TYPES


def test_duplicate_event_ids_are_exact_copies(tables: dict[str, pd.DataFrame]) -> None:
    events = tables["events"]
    repeated = events[events["event_id"].duplicated(keep=False)]

    assert len(repeated) > 0
    assert len(repeated.drop_duplicates()) == repeated["event_id"].nunique()


def test_some_events_name_unknown_messages(tables: dict[str, pd.DataFrame]) -> None:
    known = set(tables["messages"]["message_id"])

    assert (~tables["events"]["message_id"].isin(known)).sum() > 0


def test_events_follow_their_message(tables: dict[str, pd.DataFrame]) -> None:
    # but for the planted opens stamped 1970-01-01, the zero of a broken export
    messages = tables["messages"][["message_id", "sent_at"]]
    events = tables["events"].merge(messages, on="message_id")
    occurred = _instants(events, "occurred_at")
    placeholder = occurred == pd.Timestamp("1970-01-01", tz="UTC")

    assert placeholder.sum() == 2
    assert (occurred[~placeholder] >= _instants(events, "sent_at")[~placeholder]).all()


def test_voice_events_carry_durations(tables: dict[str, pd.DataFrame]) -> None:
    events = tables["events"]
    timed = events["event_type"].isin([contract.CALL_ANSWERED, contract.VOICEMAIL])

    assert events.loc[timed, "duration_s"].notna().all()
    assert events.loc[~timed, "duration_s"].isna().all()


def test_some_contacts_click_several_times(tables: dict[str, pd.DataFrame]) -> None:
    clicks = tables["events"][tables["events"]["event_type"] == contract.CLICKED]

    assert (clicks.groupby("message_id").size() > 1).any()
    assert clicks["link_url"].nunique() > 1


def test_10dlc_variant_opens_sms_by_inbox_view_only(regulated_dir: Path) -> None:
    tables = _read_tables(regulated_dir)
    events = tables["events"].merge(tables["messages"], on="message_id")
    gated = events[events["channel"].isin(contract.INBOX_GATED_CHANNELS)]

    assert tables["account"].loc[0, "regulated_10dlc"] == "true"
    assert contract.OPENED not in set(gated["event_type"])
    assert contract.INBOX_VIEWED in set(gated["event_type"])
    kinds = gated.groupby("message_id")["event_type"].agg(set)
    clicked_only = kinds.map(
        lambda seen: contract.CLICKED in seen and contract.INBOX_VIEWED not in seen
    )
    assert clicked_only.any()


# ------------------------------------------------------------------- orders


def test_orders_include_the_cases_the_rules_need(
    tables: dict[str, pd.DataFrame],
) -> None:
    orders = tables["orders"]
    with_items = orders["order_id"].isin(tables["order_items"]["order_id"])

    assert orders["contact_id"].isna().sum() > 0
    assert {"cancelled", "refunded"} <= set(orders["status"])
    assert (orders["total"].astype(float) == 0).sum() > 0
    assert (~with_items).sum() > 0
    assert orders["location"].nunique() >= 4
    assert tables["order_items"]["brand"].isna().any()


def test_order_totals_are_the_sum_of_their_items(
    tables: dict[str, pd.DataFrame],
) -> None:
    items = tables["order_items"].assign(
        amount=lambda frame: frame["amount"].astype(float)
    )
    sums = items.groupby("order_id")["amount"].sum()
    totals = tables["orders"].set_index("order_id")["total"].astype(float)

    assert (totals[sums.index] - sums).abs().max() < 1e-9


# -------------------------------------------------------------------- flows


def test_flows_have_steps_reentries_and_contacts_in_progress(
    tables: dict[str, pd.DataFrame],
) -> None:
    steps, flow_events = tables["flow_steps"], tables["flow_events"]
    assert {"send_message", "gift_points", "issue_discount", "wait"} <= set(
        steps["action"]
    )
    assert set(flow_events["event"]) == contract.FLOW_EVENT_KINDS
    assert flow_events["points"].notna().any()

    first_steps = steps.loc[steps["position"] == "1", "step_id"]
    entries = flow_events[
        (flow_events["event"] == "entered") & flow_events["step_id"].isin(first_steps)
    ]
    assert entries.duplicated(["campaign_id", "contact_id"]).any()

    per_step = flow_events.groupby(["step_id", "event"]).size().unstack(fill_value=0)
    left = per_step.drop(columns="entered").sum(axis=1)
    assert (per_step["entered"] > left).any()


def test_some_discounts_are_redeemed_by_real_orders(
    tables: dict[str, pd.DataFrame],
) -> None:
    redeemed = tables["discounts"].dropna(subset=["order_id"])

    assert 0 < len(redeemed) < len(tables["discounts"])
    assert redeemed["order_id"].isin(tables["orders"]["order_id"]).all()


# ------------------------------------------------------------ arguments, cache


BAD_ARGUMENTS = [
    {"months": 0},
    {"contacts": 10},
    {"end_month": "December"},
    {"end_month": "2025-13"},
]


@pytest.mark.parametrize("arguments", BAD_ARGUMENTS)
def test_bad_arguments_are_refused(
    tmp_path: Path, arguments: dict[str, object]
) -> None:
    with pytest.raises(ValueError, match=next(iter(arguments))):
        write_sample_dataset(tmp_path, **arguments)  # type: ignore[arg-type]


def test_the_cached_sample_is_written_once_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIQ_NB_CACHE", str(tmp_path))

    folder = sample_dataset_path()
    written = (folder / "messages.csv").stat().st_mtime_ns

    assert folder.parent == tmp_path
    assert SAMPLE_VERSION in folder.name
    assert (folder / "README.md").is_file()
    assert [path.name for path in tmp_path.iterdir()] == [folder.name]
    assert sample_dataset_path() == folder
    assert (folder / "messages.csv").stat().st_mtime_ns == written


@pytest.mark.parametrize("variable", ["XDG_CACHE_HOME", "HOME"])
def test_the_cache_falls_back_to_xdg_then_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.delenv("AIQ_NB_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv(variable, str(tmp_path))
    base = tmp_path if variable == "XDG_CACHE_HOME" else tmp_path / ".cache"
    existing = base / "aiq_nb" / f"sample-v{SAMPLE_VERSION}"
    existing.mkdir(parents=True)  # already there: found, not generated

    assert sample_dataset_path() == existing


# ------------------------------------------------------------------- loader


def test_the_sample_loads(sample_dir: Path, regulated_dir: Path) -> None:
    try:
        from aiq_nb.load import load_dataset
    except ImportError as error:
        pytest.skip(f"aiq_nb.load cannot be imported yet: {error}")

    load_dataset(sample_dir)
    load_dataset(regulated_dir)


def test_the_sample_exercises_every_data_quality_rule_of_events_and_orders(
    sample_dir: Path,
) -> None:
    # planted by the generator: 3 opens of failed emails, 5 opens of unknown
    # messages, 2 opens stamped 1970-01-01, 8 exact copies; and orders without contact
    ds = aiq_nb.load_dataset(sample_dir)
    reasons = dict(zip(ds.data_quality["reason"], ds.data_quality["rows"]))
    assert reasons["event of a failed message"] == 3
    assert reasons["event of an unknown message"] == 5
    assert reasons["timestamp outside 1990–2099"] == 2
    assert reasons["repeated event id (counted once)"] == 8
    assert reasons["order without a contact"] > 0
