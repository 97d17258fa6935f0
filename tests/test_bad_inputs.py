"""A corpus of bad inputs (SPEC §1, §5a), each with the behaviour a user expects.

Every case writes a small valid dataset folder, spoils it in one way and loads it.
It then gives either a clear :class:`aiq_nb.DataError` naming the file, the column
and the first rows, or it loads, the unusable rows quarantined and counted in
``ds.data_quality``. Never a bare traceback from deep inside, never silent loss: for
every case that loads, the clean and quarantined rows of each table add up to the
rows of its file, and a report and its CSV export are built.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_dataset

import aiq_nb
from aiq_nb import quality as q

AS_OF = "2026-01-10"
ROWS = 3
LONG = 100_000
SENT = "2025-12-01T10:00:00Z"
OPENED_AT = "2025-12-01T11:00:00Z"
ORDERED = "2025-12-02T10:00:00Z"

Data = dict[str, list[dict[str, object]]]


def base() -> Data:
    """Three campaigns c1..c3: message mi to contact ki on 1 Dec, an open, an order of
    10·i on 2 Dec with one item each; contacts k1..k3."""
    numbers = range(1, ROWS + 1)
    return {
        "campaigns": [{"campaign_id": f"c{i}", "attribution_window_days": 7}
                      for i in numbers],
        "messages": [{"message_id": f"m{i}", "campaign_id": f"c{i}",
                      "contact_id": f"k{i}", "sent_at": SENT, "credits": 1}
                     for i in numbers],
        "events": [{"event_id": f"e{i}", "message_id": f"m{i}",
                    "event_type": "opened", "occurred_at": OPENED_AT}
                   for i in numbers],
        "orders": [{"order_id": f"o{i}", "contact_id": f"k{i}", "ordered_at": ORDERED,
                    "total": 10 * i} for i in numbers],
        "order_items": [{"order_id": f"o{i}", "product": f"Product {i}",
                         "brand": "Brand", "quantity": 1, "amount": 10 * i}
                        for i in numbers],
        "contacts": [{"contact_id": f"k{i}", "created_at": "2025-01-01T00:00:00Z"}
                     for i in numbers],
    }


# --- how a case spoils the dataset ----------------------------------------------------

Spoil = Callable[[Path], None]


def value(table: str, row: int, column: str, text: object) -> Callable[[Data], None]:
    """Set ``column`` of the 1-based data ``row`` of ``table``."""

    def change(data: Data) -> None:
        data[table][row - 1][column] = text

    return change


def append(table: str, **row: object) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data[table].append(row)

    return change


def rewrite(name: str, text: str) -> Spoil:
    """Replace a table file's content with ``text`` (UTF-8)."""
    return lambda folder: (folder / name).write_text(text, encoding="utf-8")


def replace_bytes(old: bytes, new: bytes, names: str = "*.csv") -> Spoil:
    def spoil(folder: Path) -> None:
        for file in folder.glob(names):
            file.write_bytes(file.read_bytes().replace(old, new))

    return spoil


def remove(name: str) -> Spoil:
    return lambda folder: (folder / name).unlink()


def drop_column(table: str, column: str) -> Spoil:
    def spoil(folder: Path) -> None:
        file = folder / f"{table}.csv"
        pd.read_csv(file, dtype=str).drop(columns=column).to_csv(file, index=False)

    return spoil


def header_only(table: str) -> Spoil:
    def spoil(folder: Path) -> None:
        file = folder / f"{table}.csv"
        header = file.read_text(encoding="utf-8").splitlines()[0]
        file.write_text(header + "\n", encoding="utf-8")

    return spoil


def to_parquet(table: str, *, truncate: bool = False, naive: str = "") -> Spoil:
    """Rewrite a CSV table as Parquet, optionally cut in half or with a naive
    (zone-less) timestamp column."""

    def spoil(folder: Path) -> None:
        csv = folder / f"{table}.csv"
        frame = pd.read_csv(csv, dtype=str)
        if naive:
            frame[naive] = pd.to_datetime(frame[naive], utc=True).dt.tz_localize(None)
        target = csv.with_suffix(".parquet")
        frame.to_parquet(target, index=False)
        csv.unlink()
        if truncate:
            content = target.read_bytes()
            target.write_bytes(content[: len(content) // 2])

    return spoil


def encode(name: str, encoding: str) -> Spoil:
    def spoil(folder: Path) -> None:
        file = folder / name
        file.write_bytes(file.read_text(encoding="utf-8").encode(encoding))

    return spoil


def gzip_file(name: str) -> Spoil:
    def spoil(folder: Path) -> None:
        file = folder / name
        (folder / f"{name}.gz").write_bytes(gzip.compress(file.read_bytes()))
        file.unlink()

    return spoil


def latin1_row_at_the_end(folder: Path) -> None:
    # a UTF-8 header and 2,000 good rows, then one Latin-1 row (line 2,002)
    lines = ["order_id,contact_id,location,ordered_at,total"]
    lines += [f"x{i},k1,Downtown,{ORDERED},1" for i in range(2000)]
    body = ("\n".join(lines) + "\n").encode("utf-8")
    (folder / "orders.csv").write_bytes(body + f"x9,k1,Café,{ORDERED},1\n".encode("latin-1"))


# --- what a case expects --------------------------------------------------------------


@dataclass(frozen=True)
class Error:
    """A DataError naming ``file`` (and ``column``, ``rows`` when given)."""

    file: str
    column: str | None = None
    rows: tuple[int, ...] | None = None
    says: str = ""


@dataclass(frozen=True)
class Loads:
    """The dataset loads: quarantined counts, attributed revenue in broad mode."""

    quarantined: dict[tuple[str, str], int] = field(default_factory=dict)
    revenue: float | None = None
    check: Callable[[aiq_nb.Dataset], None] | None = None


@dataclass(frozen=True)
class Case:
    id: str
    expect: Error | Loads
    change: Callable[[Data], None] | None = None
    spoil: Spoil | None = None
    account: dict[str, object] | None = None


def naive_reads_as_utc(ds: aiq_nb.Dataset) -> None:
    frame = ds.table("orders").to_pandas().set_index("order_id")
    # 03:00 without an offset is 03:00Z, not 03:00 in the account's Los Angeles
    assert pd.Timestamp(frame.loc["o1", "ordered_at"]) == pd.Timestamp(
        "2025-12-02T03:00:00Z"
    )


def all_naive_read_as_utc(ds: aiq_nb.Dataset) -> None:
    frame = ds.table("orders").to_pandas()
    assert {pd.Timestamp(t) for t in frame["ordered_at"]} == {pd.Timestamp(ORDERED)}


def long_strings_survive(ds: aiq_nb.Dataset) -> None:
    name = ds.table("campaigns").to_pandas().set_index("campaign_id").loc["c1", "name"]
    assert len(name) == LONG
    rep = aiq_nb.build_report(ds, as_of=AS_OF)
    assert len(rep.campaigns.loc["c1", "name"]) == LONG
    assert LONG in set(rep.top_products.reset_index().iloc[:, 0].str.len())


def values_are_clean(ds: aiq_nb.Dataset) -> None:
    # CRLF line ends leave no carriage return in the last column of any row
    for name in ("orders", "order_items", "contacts", "events"):
        frame = ds.table(name).to_pandas().astype(str)
        assert not frame.apply(lambda column: column.str.contains("\r")).any().any()


def channel_spelled_loosely(ds: aiq_nb.Dataset) -> None:
    assert set(ds.table("messages").to_pandas()["channel"]) == {"sms", "wallet_pass"}


def name_with_a_line_break(ds: aiq_nb.Dataset) -> None:
    names = ds.table("campaigns").to_pandas().set_index("campaign_id")["name"]
    assert names["c1"] == "Spring\nSale"


CASES = [
    # missing tables and columns
    Case("missing-required-table", Error("", says="'orders'"), spoil=remove("orders.csv")),
    Case("missing-column", Error("messages.csv", "channel"),
         spoil=drop_column("messages", "channel")),
    Case("missing-key-column", Error("orders.csv", "order_id"),
         spoil=drop_column("orders", "order_id")),
    Case("column-named-twice", Error("orders.csv", "total"),
         spoil=rewrite("orders.csv", "order_id,contact_id,ordered_at,total,total\n"
                       f"o1,k1,{ORDERED},1,2\n")),
    # wrong types
    Case("text-in-number", Error("orders.csv", "total", (2,)),
         change=value("orders", 2, "total", "ten")),
    Case("currency-symbol", Error("orders.csv", "total", (1,)),
         change=value("orders", 1, "total", "$10")),
    Case("thousands-separator", Error("order_items.csv", "amount", (3,)),
         change=value("order_items", 3, "amount", "1,000")),
    Case("text-in-credits", Error("messages.csv", "credits", (1, 3)),
         change=lambda d: [value("messages", r, "credits", "two")(d) for r in (1, 3)]),
    Case("infinite-total", Error("orders.csv", "total", (1,)),
         change=value("orders", 1, "total", "inf")),
    Case("fraction-as-position", Error("flow_steps.csv", "position", (2,)),
         change=lambda d: d.update(flow_steps=[
             {"campaign_id": "c1", "step_id": "s1", "position": 1},
             {"campaign_id": "c1", "step_id": "s2", "position": "second"}])),
    Case("bad-flag", Error("account.csv", "regulated_10dlc"),
         account={"regulated_10dlc": "maybe"}),
    Case("unknown-time-zone", Error("account.csv", "timezone"),
         account={"timezone": "Mars/Olympus"}),
    # timestamps
    Case("unparseable-timestamp", Error("events.csv", "occurred_at", (2,)),
         change=value("events", 2, "occurred_at", "yesterday")),
    Case("impossible-date", Error("orders.csv", "ordered_at", (3,)),
         change=value("orders", 3, "ordered_at", "2025-02-30T10:00:00Z")),
    Case("epoch-seconds", Error("messages.csv", "sent_at", (1,)),
         change=value("messages", 1, "sent_at", "1764583200")),
    Case("empty-required-timestamp", Error("messages.csv", "sent_at", (2,)),
         change=value("messages", 2, "sent_at", None)),
    Case("naive-timestamp-is-utc", Loads(check=naive_reads_as_utc),
         change=value("orders", 1, "ordered_at", "2025-12-02T03:00:00"),
         account={"timezone": "America/Los_Angeles"}),
    Case("naive-parquet-timestamp-is-utc", Loads(check=all_naive_read_as_utc),
         spoil=to_parquet("orders", naive="ordered_at"),
         account={"timezone": "America/Los_Angeles"}),
    Case("implausible-timestamp",
         Loads({("orders", q.IMPLAUSIBLE_TIME): 1,
                ("order_items", q.ITEM_OF_LEFT_OUT_ORDER): 1}, revenue=50),
         change=value("orders", 1, "ordered_at", "1970-01-01T00:00:00Z")),
    # duplicate ids
    Case("duplicate-message-id", Error("messages.csv", "message_id", (1, 2)),
         change=value("messages", 2, "message_id", "m1")),
    Case("duplicate-campaign-id", Error("campaigns.csv", "campaign_id", (2, 3)),
         change=value("campaigns", 3, "campaign_id", "c2")),
    Case("duplicate-order-id", Error("orders.csv", "order_id", (1, 3)),
         change=value("orders", 3, "order_id", "o1")),
    Case("repeated-event-id", Loads({("events", q.REPEATED_EVENT): 1}, revenue=60),
         change=append("events", event_id="e1", message_id="m1", event_type="opened",
                       occurred_at=OPENED_AT)),
    # references to unknown rows
    Case("message-of-unknown-campaign",
         Loads({("messages", q.MESSAGE_OF_UNKNOWN_CAMPAIGN): 1,
                ("events", q.EVENT_OF_LEFT_OUT_MESSAGE): 1}, revenue=50),
         spoil=replace_bytes(b"\nc1,", b"\nc9,", "campaigns.csv")),
    Case("event-of-unknown-message", Loads({("events", q.EVENT_OF_UNKNOWN_MESSAGE): 1},
                                           revenue=60),
         change=append("events", event_id="e9", message_id="m9", event_type="clicked",
                       occurred_at=OPENED_AT)),
    Case("item-of-unknown-order", Loads({("order_items", q.ITEM_OF_UNKNOWN_ORDER): 1},
                                        revenue=60),
         change=append("order_items", order_id="o9", product="P", amount=1)),
    Case("flow-event-of-unknown-flow",
         Loads({("flow_events", q.FLOW_EVENT_OF_UNKNOWN_FLOW): 1}, revenue=60),
         change=lambda d: d.update(flow_events=[
             {"campaign_id": "f9", "step_id": "s1", "contact_id": "k1",
              "event": "entered", "occurred_at": SENT}])),
    Case("discount-of-unknown-flow",
         Loads({("discounts", q.DISCOUNT_OF_UNKNOWN_FLOW): 1}, revenue=60),
         change=lambda d: d.update(discounts=[
             {"discount_id": "d1", "campaign_id": "f9", "redeemed_at": ORDERED}])),
    Case("contact-not-in-contacts-is-kept", Loads(revenue=60),
         change=lambda d: d["contacts"].pop(0)),
    Case("order-of-a-contact-never-messaged-is-kept", Loads(revenue=60),
         change=append("orders", order_id="o9", contact_id="k9", ordered_at=ORDERED,
                       total=99)),
    # order totals
    Case("negative-total", Loads({("orders", q.ORDER_WITH_NEGATIVE_TOTAL): 1,
                                  ("order_items", q.ITEM_OF_LEFT_OUT_ORDER): 1},
                                 revenue=40),
         change=value("orders", 2, "total", -20)),
    Case("missing-total", Loads({("orders", q.ORDER_WITHOUT_TOTAL): 1,
                                 ("order_items", q.ITEM_OF_LEFT_OUT_ORDER): 1},
                                revenue=50),
         change=value("orders", 1, "total", None)),
    Case("order-without-contact", Loads({("orders", q.ORDER_WITHOUT_CONTACT): 1,
                                         ("order_items", q.ITEM_OF_LEFT_OUT_ORDER): 1},
                                        revenue=30),
         change=value("orders", 3, "contact_id", None)),
    # empty tables and files
    Case("header-only-orders", Loads({("order_items", q.ITEM_OF_UNKNOWN_ORDER): 3},
                                     revenue=0), spoil=header_only("orders")),
    Case("header-only-events", Loads(revenue=60), spoil=header_only("events")),
    Case("header-only-messages", Loads({("events", q.EVENT_OF_UNKNOWN_MESSAGE): 3},
                                       revenue=0), spoil=header_only("messages")),
    Case("header-only-campaigns",
         Loads({("messages", q.MESSAGE_OF_UNKNOWN_CAMPAIGN): 3,
                ("events", q.EVENT_OF_LEFT_OUT_MESSAGE): 3}, revenue=0),
         spoil=header_only("campaigns")),
    Case("header-without-line-end", Loads(revenue=60),
         spoil=rewrite("events.csv", "event_id,message_id,event_type,occurred_at")),
    Case("zero-byte-required", Error("messages.csv", says="empty"),
         spoil=rewrite("messages.csv", "")),
    Case("zero-byte-optional", Error("order_items.csv", says="empty"),
         spoil=rewrite("order_items.csv", "")),
    Case("zero-byte-account", Error("account.csv", says="empty"),
         spoil=rewrite("account.csv", "")),
    Case("blank-lines-only", Error("events.csv", says="empty"),
         spoil=rewrite("events.csv", "\n\n")),
    Case("account-with-no-row", Error("account.csv", says="one row"),
         spoil=header_only("account")),
    # file formats and encodings
    Case("truncated-parquet", Error("orders.parquet", says="cannot read"),
         spoil=to_parquet("orders", truncate=True)),
    Case("parquet-with-text-amounts", Error("orders.parquet", "total", (1, 3)),
         change=lambda d: [value("orders", r, "total", "ten")(d) for r in (1, 3)],
         spoil=to_parquet("orders")),
    Case("byte-order-mark", Loads(revenue=60), spoil=lambda f: [
        file.write_text(file.read_text(encoding="utf-8"), encoding="utf-8-sig")
        for file in f.glob("*.csv")]),
    Case("crlf-line-ends", Loads(revenue=60, check=values_are_clean),
         spoil=replace_bytes(b"\n", b"\r\n")),
    Case("cr-only-line-ends", Loads(revenue=60, check=values_are_clean),
         spoil=replace_bytes(b"\n", b"\r")),
    Case("bom-crlf-gzip", Loads(revenue=60, check=values_are_clean),
         spoil=lambda f: [replace_bytes(b"\n", b"\r\n")(f),
                          encode("orders.csv", "utf-8-sig")(f),
                          gzip_file("orders.csv")(f)]),
    Case("latin-1", Error("order_items.csv", says="not UTF-8"),
         change=value("order_items", 1, "product", "Crème brûlée"),
         spoil=encode("order_items.csv", "latin-1")),
    Case("latin-1-late-row", Error("orders.csv", says="Line: 2002"),
         spoil=latin1_row_at_the_end),
    Case("utf-16", Error("campaigns.csv", says="not UTF-8"),
         spoil=encode("campaigns.csv", "utf-16")),
    Case("latin-1-gzipped", Error("orders.csv.gz", says="not UTF-8"),
         change=value("orders", 1, "location", "Montréal"),
         spoil=lambda f: [encode("orders.csv", "latin-1")(f), gzip_file("orders.csv")(f)]),
    Case("unclosed-quote", Error("orders.csv", says="Line: 2"),
         spoil=rewrite("orders.csv", f'order_id,contact_id,ordered_at,total\n"o1,k1,{ORDERED},1\n')),
    Case("too-many-fields", Error("orders.csv", says="Expected Number of Columns"),
         spoil=rewrite("orders.csv", f"order_id,contact_id,ordered_at,total\no1,k1,{ORDERED},1,2\n")),
    Case("quoted-line-break", Loads(revenue=60, check=name_with_a_line_break),
         change=value("campaigns", 1, "name", "Spring\nSale")),
    # enumerations
    Case("unknown-channel", Error("messages.csv", "channel", (2,)),
         change=value("messages", 2, "channel", "fax")),
    Case("unknown-event-type", Error("events.csv", "event_type", (3,)),
         change=value("events", 3, "event_type", "forwarded")),
    Case("unknown-message-status", Error("messages.csv", "status", (1,)),
         change=value("messages", 1, "status", "bounced")),
    Case("unknown-order-status", Error("orders.csv", "status", (1,)),
         change=value("orders", 1, "status", "pending")),
    Case("loosely-spelled-channel", Loads(revenue=60, check=channel_spelled_loosely),
         change=lambda d: [value("messages", 1, "channel", " SMS ")(d),
                           value("messages", 2, "channel", "Wallet Pass")(d),
                           value("messages", 3, "channel", "wallet-pass")(d)]),
    # very long strings
    Case("100k-character-names", Loads(revenue=60, check=long_strings_survive),
         change=lambda d: [value("campaigns", 1, "name", "N" * LONG)(d),
                           value("order_items", 1, "product", "P" * LONG)(d)]),
]


def build(folder: Path, case: Case) -> Path:
    data = base()
    if case.change is not None:
        case.change(data)
    write_dataset(folder, account=case.account, **data)
    if case.spoil is not None:
        case.spoil(folder)
    return folder


@pytest.fixture(autouse=True)
def machine_in_another_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every case on a machine whose zone is neither UTC nor the account's."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("case", [c for c in CASES if isinstance(c.expect, Error)],
                         ids=lambda c: c.id)
def test_bad_input_is_a_data_error_naming_the_file(tmp_path: Path, case: Case) -> None:
    folder = build(tmp_path / "ds", case)
    expect = case.expect
    assert isinstance(expect, Error)
    with pytest.raises(aiq_nb.DataError) as caught:
        aiq_nb.load_dataset(folder)
    error, message = caught.value, str(caught.value)

    assert type(error) is aiq_nb.DataError
    assert str(error.path) in message
    assert error.path.name == (expect.file or folder.name)
    assert expect.says in message
    if expect.column is not None:
        assert error.column == expect.column and f"'{expect.column}'" in message
    if expect.rows is not None:
        assert tuple(error.rows) == expect.rows and error.count == len(expect.rows)
        assert f"{len(expect.rows)} row" in message
        assert "first: " + ", ".join(map(str, expect.rows)) in message


def rows_in_file(file: Path) -> int:
    """Data rows of a table file, read independently of the loader."""
    if file.name.endswith(".parquet"):
        return len(pd.read_parquet(file))
    return len(pd.read_csv(file, dtype=str, encoding="utf-8-sig", keep_default_na=False))


def quarantined_rows(ds: aiq_nb.Dataset) -> dict[tuple[str, str], int]:
    frame = ds.data_quality
    return {(t, r): int(n) for t, r, n in zip(frame["table"], frame["reason"], frame["rows"])}


@pytest.mark.parametrize("case", [c for c in CASES if isinstance(c.expect, Loads)],
                         ids=lambda c: c.id)
def test_usable_input_loads_and_every_row_is_accounted_for(
    tmp_path: Path, case: Case
) -> None:
    folder = build(tmp_path / "ds", case)
    expect = case.expect
    assert isinstance(expect, Loads)
    ds = aiq_nb.load_dataset(folder)
    assert quarantined_rows(ds) == expect.quarantined

    # never silent loss: clean + quarantined rows = the rows of each file
    left_out = ds.data_quality.groupby("table")["rows"].sum()
    for name, table in ds.tables.items():
        if name == "account":
            continue
        file = next(folder.glob(f"{name}.*"))
        kept = int(table.count().to_pandas())
        assert kept + int(left_out.get(name, 0)) == rows_in_file(file), name
        if name in ds.quarantined:
            assert len(ds.quarantined[name].to_pandas()) == int(left_out[name])

    rep = aiq_nb.build_report(ds, as_of=AS_OF)
    if expect.revenue is not None:
        assert rep.overview.iloc[0]["revenue"] == expect.revenue
    assert quarantined_rows(rep).items() >= expect.quarantined.items()
    exported = pd.read_csv(rep.to_csv(tmp_path / "out.csv"), encoding="utf-8-sig")
    assert len(exported) == len(rep.campaigns) + len(rep.unlisted_activity)
    if expect.check is not None:
        expect.check(ds)


def test_every_case_has_a_distinct_name() -> None:
    names = [case.id for case in CASES]
    assert len(names) == len(set(names))
