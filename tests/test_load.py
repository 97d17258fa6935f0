"""Loading a dataset folder (SPEC §1, §5a): clear errors, quarantine, file formats.

Errors name the file, the column, how many rows and the first of them; data rows are
numbered from 1, the header excluded. Rows that are well formed but unusable are
quarantined and counted in ``ds.data_quality``.
"""

from __future__ import annotations

import gzip
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_dataset

import aiq_nb
from aiq_nb import contract
from aiq_nb.quality import (
    EVENT_OF_FAILED_MESSAGE,
    EVENT_OF_UNKNOWN_MESSAGE,
    ORDER_WITH_NEGATIVE_TOTAL,
    ORDER_WITHOUT_CONTACT,
    ORDER_WITHOUT_TOTAL,
    REPEATED_EVENT,
)

ROWS = 5
REQUIRED_TABLES = ("account", "campaigns", "messages", "events", "orders")


def tables(rows: int = ROWS) -> dict[str, list[dict[str, object]]]:
    """A valid dataset of ``rows`` rows per table: campaign i sends message i to
    contact i on 1 Dec, who opens it and buys on 2 Dec."""
    numbers = range(1, rows + 1)
    return {
        "campaigns": [{"campaign_id": f"c{i}", "attribution_window_days": 7}
                      for i in numbers],
        "messages": [{"message_id": f"m{i}", "campaign_id": f"c{i}",
                      "contact_id": f"k{i}", "sent_at": "2025-12-01T10:00:00Z",
                      "credits": 1} for i in numbers],
        "events": [{"event_id": f"e{i}", "message_id": f"m{i}", "event_type": "opened",
                    "occurred_at": "2025-12-01T11:00:00Z"} for i in numbers],
        "orders": [{"order_id": f"o{i}", "contact_id": f"k{i}",
                    "ordered_at": "2025-12-02T10:00:00Z", "total": 10 * i}
                   for i in numbers],
    }


def write(folder: Path, data: dict | None = None, **account: object) -> Path:
    return write_dataset(folder, account=account or None, **(data or tables()))


def with_values(table: str, column: str, values: dict[int, object],
                rows: int = ROWS) -> dict:
    """The valid tables with ``column`` of the 1-based data ``rows`` replaced."""
    data = tables(rows)
    for row, value in values.items():
        data[table][row - 1][column] = value
    return data


def load_error(folder: Path) -> aiq_nb.DataError:
    with pytest.raises(aiq_nb.DataError) as caught:
        aiq_nb.load_dataset(folder)
    return caught.value


def assert_names_rows(error: aiq_nb.DataError, file: str, column: str,
                      rows: list[int]) -> None:
    """The error names the file, the column, the count and the first rows."""
    assert (error.path.name, error.column, error.count, error.rows) == (
        file, column, len(rows), rows)
    message = str(error)
    assert file in message and column in message
    assert re.search(rf"\b{len(rows)} rows?\b", message)
    assert ", ".join(str(row) for row in rows) in message


def quality(ds: aiq_nb.Dataset | aiq_nb.Report) -> dict[tuple[str, str], int]:
    """``(table, reason) → rows`` of the data-quality table."""
    frame = ds.data_quality
    counts = zip(frame["table"], frame["reason"], frame["rows"])
    return {(table, reason): int(rows) for table, reason, rows in counts}


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("table", REQUIRED_TABLES)
def test_missing_table_is_an_error_naming_it(tmp_path: Path, table: str) -> None:
    folder = write(tmp_path / "ds")
    (folder / f"{table}.csv").unlink()
    error = load_error(folder)
    assert error.path == folder
    assert f"'{table}'" in str(error)


def test_missing_optional_tables_are_fine(tmp_path: Path) -> None:
    ds = aiq_nb.load_dataset(write(tmp_path / "ds"))
    assert not ds.has("order_items")
    assert ds.table("order_items").to_pandas().empty


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    assert load_error(tmp_path / "nowhere").path == tmp_path / "nowhere"


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("messages", "sent_at"),
        ("messages", "contact_id"),
        ("events", "event_type"),
        ("orders", "total"),
        ("campaigns", "kind"),
    ],
)
def test_missing_column_is_an_error_naming_file_and_column(
    tmp_path: Path, table: str, column: str
) -> None:
    folder = write(tmp_path / "ds")
    file = folder / f"{table}.csv"
    pd.read_csv(file, dtype=str).drop(columns=column).to_csv(file, index=False)
    error = load_error(folder)
    assert (error.path.name, error.column) == (f"{table}.csv", column)
    assert f"{table}.csv" in str(error) and column in str(error)


@pytest.mark.parametrize(
    ("table", "column", "bad"),
    [
        ("messages", "sent_at", "yesterday"),
        ("events", "occurred_at", "2025-13-01T00:00:00Z"),
        ("orders", "ordered_at", "2 Dec"),
        ("orders", "total", "ten"),
        ("messages", "credits", "two"),
        ("campaigns", "attribution_window_days", "a week"),
    ],
)
def test_unparseable_value_is_an_error_naming_the_rows(
    tmp_path: Path, table: str, column: str, bad: str
) -> None:
    folder = write(tmp_path / "ds", with_values(table, column, {2: bad, 4: bad}))
    assert_names_rows(load_error(folder), f"{table}.csv", column, [2, 4])


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("messages", "contact_id"),
        ("messages", "sent_at"),
        ("events", "message_id"),
        ("orders", "ordered_at"),
        ("campaigns", "kind"),
    ],
)
def test_empty_required_value_is_an_error(
    tmp_path: Path, table: str, column: str
) -> None:
    folder = write(tmp_path / "ds", with_values(table, column, {3: None}))
    assert_names_rows(load_error(folder), f"{table}.csv", column, [3])


@pytest.mark.parametrize(
    ("table", "column", "bad"),
    [
        ("messages", "channel", "fax"),
        ("messages", "status", "bounced"),
        ("events", "event_type", "liked"),
        ("campaigns", "kind", "newsletter"),
        ("orders", "status", "lost"),
    ],
)
def test_unknown_enumerated_value_is_an_error(
    tmp_path: Path, table: str, column: str, bad: str
) -> None:
    folder = write(tmp_path / "ds", with_values(table, column, {1: bad, 5: bad}))
    error = load_error(folder)
    assert_names_rows(error, f"{table}.csv", column, [1, 5])
    assert bad in str(error)


@pytest.mark.parametrize(
    ("table", "key"),
    [("messages", "message_id"), ("campaigns", "campaign_id"), ("orders", "order_id")],
)
def test_duplicate_id_is_an_error_naming_both_rows(
    tmp_path: Path, table: str, key: str
) -> None:
    data = tables()
    data[table][4][key] = data[table][1][key]
    # rows 2 and 5 share an id
    error = load_error(write(tmp_path / "ds", data))
    assert_names_rows(error, f"{table}.csv", key, [2, 5])


def test_error_shows_the_first_five_rows_and_counts_them_all(tmp_path: Path) -> None:
    bad = {row: "soon" for row in range(2, 9)}
    data = with_values("messages", "sent_at", bad, rows=8)
    error = load_error(write(tmp_path / "ds", data))
    # rows 2–8 are bad: 7 rows, the first five shown
    assert (error.count, error.rows[:5]) == (7, [2, 3, 4, 5, 6])
    assert "7 rows" in str(error) and "2, 3, 4, 5, 6" in str(error)
    assert "7, 8" not in str(error)


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    folder = write(tmp_path / "ds", with_values("orders", "location", {1: "Café"}))
    file = folder / "orders.csv"
    file.write_bytes(file.read_text(encoding="utf-8").encode("latin-1"))
    error = load_error(folder)
    assert error.path.name == "orders.csv"
    assert "not UTF-8" in str(error)


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "NaN"])
def test_non_finite_numbers_are_not_numbers(tmp_path: Path, text: str) -> None:
    # row 2's total is no amount: an error naming orders.csv, total, row 2
    folder = write(tmp_path / "ds", with_values("orders", "total", {2: text}))
    assert_names_rows(load_error(folder), "orders.csv", "total", [2])


def test_a_non_positive_campaign_window_is_an_error(tmp_path: Path) -> None:
    data = with_values("campaigns", "attribution_window_days", {3: -5, 4: 0})
    error = load_error(write(tmp_path / "ds", data))
    assert_names_rows(error, "campaigns.csv", "attribution_window_days", [3, 4])


def test_a_zero_byte_file_says_it_is_empty(tmp_path: Path) -> None:
    folder = write(tmp_path / "ds")
    (folder / "events.csv").write_bytes(b"")
    error = load_error(folder)
    assert error.path.name == "events.csv" and "empty" in str(error)


@pytest.mark.parametrize(
    ("line", "found"), [("o9,k1,2025-12-02T10:00:00Z,5,extra", 5), ("o9,k1", 2)]
)
def test_a_row_with_too_many_or_too_few_fields_is_named(
    tmp_path: Path, line: str, found: int
) -> None:
    # the header has 4 fields (order_id, contact_id, ordered_at, total) and is line 1;
    # the bad row is line 3 of the file
    folder = write(tmp_path / "ds")
    file = folder / "orders.csv"
    file.write_text(
        "order_id,contact_id,ordered_at,total\no1,k1,2025-12-02T10:00:00Z,5\n" + line + "\n"
    )
    message = str(load_error(folder))
    assert "orders.csv" in message and "Line: 3" in message
    assert f"Expected Number of Columns: 4 Found: {found}" in message


# --- quarantine -----------------------------------------------------------------------


def test_valid_dataset_quarantines_nothing(tmp_path: Path) -> None:
    assert quality(aiq_nb.load_dataset(write(tmp_path / "ds"))) == {}


def test_repeated_event_id_is_counted_once(tmp_path: Path) -> None:
    data = tables()
    click = {"event_id": "e9", "message_id": "m1", "event_type": "clicked",
             "occurred_at": "2025-12-01T12:00:00Z"}
    data["events"] += [click, dict(click), dict(click)]
    ds = aiq_nb.load_dataset(write(tmp_path / "ds", data))
    # three copies of e9: one kept, two quarantined → 1 link click, not 3
    assert quality(ds) == {("events", REPEATED_EVENT): 2}
    rep = aiq_nb.build_report(ds, as_of="2026-01-10")
    assert rep.overview.iloc[0]["link_clicks"] == 1


def test_events_of_unknown_or_failed_messages_are_quarantined(tmp_path: Path) -> None:
    data = tables()
    data["messages"][4]["status"] = "failed"  # m5, whose e5 open is then unusable
    data["events"].append({"event_id": "e9", "message_id": "m99",
                           "event_type": "opened",
                           "occurred_at": "2025-12-01T11:00:00Z"})
    ds = aiq_nb.load_dataset(write(tmp_path / "ds", data))
    assert quality(ds) == {
        ("events", EVENT_OF_FAILED_MESSAGE): 1,
        ("events", EVENT_OF_UNKNOWN_MESSAGE): 1,
    }
    # opens: k1..k4 only (m5 failed, m99 unknown)
    rep = aiq_nb.build_report(ds, as_of="2026-01-10")
    assert rep.overview.iloc[0]["opens"] == 4


def test_unusable_orders_are_quarantined_counted_and_kept_for_export(
    tmp_path: Path,
) -> None:
    data = tables()
    data["orders"][0]["contact_id"] = None  # o1
    data["orders"][1]["total"] = None  # o2
    data["orders"][2]["total"] = -5  # o3
    ds = aiq_nb.load_dataset(write(tmp_path / "ds", data))
    assert quality(ds) == {
        ("orders", ORDER_WITHOUT_CONTACT): 1,
        ("orders", ORDER_WITHOUT_TOTAL): 1,
        ("orders", ORDER_WITH_NEGATIVE_TOTAL): 1,
    }
    # only o4 and o5 can convert
    assert list(aiq_nb.attribute(ds)["order_id"]) == ["o4", "o5"]
    left_out = ds.quarantined["orders"].to_pandas().sort_values("order_id")
    assert list(zip(left_out["order_id"], left_out["reason"])) == [
        ("o1", ORDER_WITHOUT_CONTACT),
        ("o2", ORDER_WITHOUT_TOTAL),
        ("o3", ORDER_WITH_NEGATIVE_TOTAL),
    ]


def test_report_shows_the_data_quality_counts(tmp_path: Path) -> None:
    data = with_values("orders", "total", {1: -1})
    ds = aiq_nb.load_dataset(write(tmp_path / "ds", data))
    rep = aiq_nb.build_report(ds, as_of="2026-01-10")
    assert quality(rep) == {("orders", ORDER_WITH_NEGATIVE_TOTAL): 1}


def test_zero_total_order_converts_with_no_revenue(tmp_path: Path) -> None:
    data = tables(1)
    data["orders"][0]["total"] = 0
    ds = aiq_nb.load_dataset(write(tmp_path / "ds", data))
    rep = aiq_nb.build_report(ds, as_of="2026-01-10")
    row = rep.overview.iloc[0]
    assert (row["conversions"], row["revenue"], row["aov"]) == (1, 0, 0)
    assert quality(ds) == {}


# --- timestamps and file formats ------------------------------------------------------


def sent_at(ds: aiq_nb.Dataset) -> list[pd.Timestamp]:
    frame = ds.table("messages").to_pandas().sort_values("message_id")
    return [pd.Timestamp(value).tz_convert("UTC") for value in frame["sent_at"]]


def test_timestamp_with_an_offset_and_a_naive_one_read_as_utc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the machine's zone must not matter
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        data = tables(4)
        for row, text in enumerate([
            "2025-12-01T09:30:00-05:00",  # 09:30 at UTC-5 is 14:30Z
            "2025-12-01T14:30:00",  # naive: UTC
            "2025-12-01T14:30:00Z",
            "2025-12-01 15:30:00+01:00",
        ]):
            data["messages"][row]["sent_at"] = text
        ds = aiq_nb.load_dataset(write(tmp_path / "ds", data))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert sent_at(ds) == [pd.Timestamp("2025-12-01T14:30:00Z")] * 4


def fingerprintless(ds: aiq_nb.Dataset) -> tuple:
    """What a dataset yields, to compare two encodings of the same data."""
    columns = ["order_id", "campaign_id", "message_id", "total"]
    attributed = aiq_nb.attribute(ds)[columns]
    overview = aiq_nb.build_report(ds, as_of="2026-01-10").overview
    return (
        list(attributed.itertuples(index=False, name=None)),
        overview.astype("Float64").to_dict("records"),
        ds.account,
    )


def test_csv_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    plain = write(tmp_path / "plain")
    marked = write(tmp_path / "marked")
    for file in marked.glob("*.csv"):
        file.write_text(file.read_text(encoding="utf-8"), encoding="utf-8-sig")
    assert (marked / "messages.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert fingerprintless(aiq_nb.load_dataset(marked)) == fingerprintless(
        aiq_nb.load_dataset(plain)
    )


def test_gzipped_csv_loads(tmp_path: Path) -> None:
    plain = write(tmp_path / "plain")
    zipped = write(tmp_path / "zipped")
    for name in ("messages", "orders"):
        file = zipped / f"{name}.csv"
        (zipped / f"{name}.csv.gz").write_bytes(gzip.compress(file.read_bytes()))
        file.unlink()
    assert fingerprintless(aiq_nb.load_dataset(zipped)) == fingerprintless(
        aiq_nb.load_dataset(plain)
    )


def to_parquet(csv: Path) -> None:
    """Rewrite one CSV table as a typed Parquet file."""
    table = contract.TABLES[csv.stem]
    frame = pd.read_csv(csv, dtype=str)
    for column in table.columns:
        if column.name not in frame:
            continue
        if column.dtype == contract.INSTANT:
            frame[column.name] = pd.to_datetime(frame[column.name], format="ISO8601",
                                                utc=True)
        elif column.dtype == contract.NUMBER:
            frame[column.name] = pd.to_numeric(frame[column.name])
    frame.to_parquet(csv.with_suffix(".parquet"), index=False)
    csv.unlink()


def test_parquet_tables_load_the_same_as_csv(tmp_path: Path) -> None:
    data = tables()
    data["messages"][0]["sent_at"] = "2025-12-01T05:00:00-05:00"
    data["orders"][1]["total"] = None  # quarantined the same way
    csv = write(tmp_path / "csv", data)
    parquet = write(tmp_path / "parquet", data)
    for file in parquet.glob("*.csv"):
        to_parquet(file)
    assert sorted(f.name for f in parquet.iterdir())[0] == "account.parquet"
    from_csv = aiq_nb.load_dataset(csv)
    from_parquet = aiq_nb.load_dataset(parquet)
    assert fingerprintless(from_parquet) == fingerprintless(from_csv)
    assert quality(from_parquet) == quality(from_csv)


def test_account_yaml_works_as_well_as_account_csv(tmp_path: Path) -> None:
    settings = {"timezone": "America/Los_Angeles", "currency": "CAD",
                "default_attribution_window_days": 3, "regulated_10dlc": True}
    from_csv = aiq_nb.load_dataset(write(tmp_path / "csv", **settings))
    folder = write(tmp_path / "yaml")
    (folder / "account.csv").unlink()
    (folder / "account.yaml").write_text(
        "timezone: America/Los_Angeles\n"
        "currency: CAD\n"
        "default_attribution_window_days: 3\n"
        "regulated_10dlc: true\n",
        encoding="utf-8",
    )
    from_yaml = aiq_nb.load_dataset(folder)
    assert from_yaml.account == from_csv.account == aiq_nb.load.Account(
        timezone="America/Los_Angeles", currency="CAD",
        default_attribution_window_days=3.0, regulated_10dlc=True,
    )


def test_account_given_twice_is_an_error(tmp_path: Path) -> None:
    folder = write(tmp_path / "ds")
    (folder / "account.yaml").write_text("timezone: UTC\n", encoding="utf-8")
    assert "account" in str(load_error(folder))


@pytest.mark.parametrize(
    ("setting", "value"),
    [("timezone", "Mars/Olympus"), ("default_attribution_window_days", 0),
     ("default_attribution_window_days", "soon"), ("regulated_10dlc", "maybe")],
)
def test_bad_account_setting_is_an_error_naming_it(
    tmp_path: Path, setting: str, value: object
) -> None:
    error = load_error(write(tmp_path / "ds", **{setting: value}))
    assert (error.path.name, error.column) == ("account.csv", setting)


def test_extra_columns_are_ignored(tmp_path: Path) -> None:
    data = tables()
    for row in data["messages"]:
        row["notes"] = "anything"
    ds = aiq_nb.load_dataset(write(tmp_path / "ds", data))
    assert "notes" not in ds.table("messages").columns
