"""Tests of the Complete Journey importer (``aiq_nb.importers.completejourney``).

Two parts:

- unit tests on a tiny Complete Journey-shaped folder written here, with the
  expected values worked out by hand in comments;
- a real-data comparison (marked slow): the shared copy of the dataset is imported,
  loaded and reported by the package, and its figures for one month are checked
  against a separate plain-pandas computation made straight from the raw CSVs,
  without any aiq_nb code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import aiq_nb
from aiq_nb.importers import import_completejourney

NEW_YORK = "America/New_York"
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "completejourney"
# 2017-11 has the most redemptions of the year (526, so strict mode has material),
# seven campaigns live of all three types (A: 18; B: 16, 17, 19; C: 14, 15, 20),
# windows that close inside the month and the autumn daylight-saving change (Nov 5),
# so local days and elapsed-time windows are both exercised.
MONTH = "2017-11"
AS_OF = "2018-03-31"  # after every campaign's window (the last closes 2018-02-28)
MODES = ("broad", "strict")
REVENUE_TOLERANCE = 1e-6

HEADERS = {
    "campaign_descriptions": "campaign_id,campaign_type,start_date,end_date",
    "campaigns": "campaign_id,household_id",
    "coupon_redemptions": "household_id,coupon_upc,campaign_id,redemption_date",
    "products": (
        "product_id,manufacturer_id,department,brand,product_category,"
        "product_type,package_size"
    ),
    "transactions_sample": (
        "household_id,store_id,basket_id,product_id,quantity,sales_value,"
        "retail_disc,coupon_disc,coupon_match_disc,week,transaction_timestamp"
    ),
}

# The tiny folder. Campaign 1 runs across the spring DST change (Mar 12), campaign 2
# across the autumn one (Nov 5), campaign 3 has none.
TINY = {
    "campaign_descriptions": [
        "1,Type B,2017-03-03,2017-04-09",
        "2,Type A,2017-10-30,2017-12-24",
        "3,Type C,2017-06-01,2017-06-30",
    ],
    "campaigns": ["1,105", "1,2000", "2,105", "3,300"],
    "coupon_redemptions": [
        "105,51380041013,1,2017-03-05",
        "105,51380041013,1,2017-03-05",  # the same coupon twice on one day
        "2000,10000085207,2,2017-11-06",  # campaign 2 never went to household 2000
    ],
    "products": [
        "25671,2,GROCERY,National,FRZN ICE,ICE - CRUSHED/CUBED,22 LB",
        "26081,2,MISCELLANEOUS,National,,,",
        "9e+05,2393,DRUG GM,Private,FRAGRANCES,,.8 OZ",  # id in scientific notation
    ],
    "transactions_sample": [
        # basket A: two lines at the last second of campaign 1's window
        "105,309,31625220889,25671,1.0,3.86,0.43,0.0,0.0,14,2017-04-09T23:59:59-04:00",
        "105,309,31625220889,26081,2.0,1.59,0.9,0.0,0.0,14,2017-04-09T23:59:59-04:00",
        # basket B: lines at different times, the first one when campaign 1 closed
        "105,309,31625220890,900000,1.0,2.5,0.0,0.0,0.0,15,2017-04-10T00:05:00-04:00",
        "105,309,31625220890,25671,1.0,1.0,0.0,0.0,0.0,15,2017-04-10T00:00:00-04:00",
        # basket C: last second of campaign 2's window, after the autumn change
        "105,312,31625220891,25671,1.0,4.0,0.0,0.0,0.0,52,2017-12-24T23:59:59-05:00",
        # basket D: id in scientific notation, a product unknown to products
        "2000,400,4.0128e+10,123,1.0,0.0,0.0,0.0,0.0,45,2017-11-05T01:30:00-05:00",
    ],
}


def _write_source(folder: Path, tables: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        text = "\n".join([HEADERS[name], *rows]) + "\n"
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_source(tmp_path: Path) -> Path:
    return _write_source(tmp_path / "cj", TINY)


@pytest.fixture
def tiny_dataset(tiny_source: Path, tmp_path: Path) -> Path:
    return import_completejourney(tiny_source, tmp_path / "dataset")


def _table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


# -- unit tests on the tiny folder -------------------------------------------------


def test_writes_one_parquet_file_per_table(tiny_dataset: Path) -> None:
    names = sorted(file.name for file in tiny_dataset.iterdir())
    assert names == [
        "account.parquet",
        "campaigns.parquet",
        "contacts.parquet",
        "events.parquet",
        "messages.parquet",
        "order_items.parquet",
        "orders.parquet",
    ]


def test_account(tiny_dataset: Path) -> None:
    account = _table(tiny_dataset, "account")
    assert account.to_dict("records") == [
        {
            "timezone": NEW_YORK,
            "currency": "USD",
            "default_attribution_window_days": 30.0,
            "regulated_10dlc": False,
        }
    ]


@pytest.mark.parametrize(
    ("campaign_id", "launched", "window_days", "closes"),
    [
        # 2017-03-03 00:00 EST = 05:00Z; 2017-04-10 00:00 EDT = 04:00Z:
        # 38 calendar days, one hour lost on Mar 12 → 37 days 23 h = 37 + 23/24
        ("1", "2017-03-03T00:00-05:00", 37 + 23 / 24, "2017-04-10T00:00-04:00"),
        # 2017-10-30 00:00 EDT = 04:00Z; 2017-12-25 00:00 EST = 05:00Z:
        # 56 calendar days, one hour gained on Nov 5 → 56 days 1 h = 56 + 1/24
        ("2", "2017-10-30T00:00-04:00", 56 + 1 / 24, "2017-12-25T00:00-05:00"),
        # 2017-06-01 04:00Z to 2017-07-01 04:00Z: no change, 30 whole days
        ("3", "2017-06-01T00:00-04:00", 30.0, "2017-07-01T00:00-04:00"),
    ],
)
def test_window_closes_at_the_end_of_the_end_date_local(
    tiny_dataset: Path,
    campaign_id: str,
    launched: str,
    window_days: float,
    closes: str,
) -> None:
    campaigns = _table(tiny_dataset, "campaigns").set_index("campaign_id")
    row = campaigns.loc[campaign_id]

    assert row["launched_at"] == _utc(launched)
    assert row["attribution_window_days"] == pytest.approx(window_days, abs=1e-12)
    # the window, rounded to whole seconds, ends exactly at local midnight
    window = pd.Timedelta(seconds=round(row["attribution_window_days"] * 86_400))
    assert row["launched_at"] + window == _utc(closes)


def test_campaign_fields(tiny_dataset: Path) -> None:
    campaign = _table(tiny_dataset, "campaigns").iloc[0]
    assert campaign["campaign_id"] == "1"
    assert campaign["name"] == "Campaign 1 (Type B)"
    assert campaign["kind"] == "campaign"
    assert campaign["status"] == "inactive"
    assert campaign["tags"] == "Type B"
    assert campaign["conversion_engagements"] == "clicked"


def test_each_delivery_is_one_direct_mail_message_sent_at_launch(
    tiny_dataset: Path,
) -> None:
    messages = _table(tiny_dataset, "messages")
    assert messages["message_id"].tolist() == ["1-105", "1-2000", "2-105", "3-300"]
    assert messages["contact_id"].tolist() == ["105", "2000", "105", "300"]
    assert set(messages["channel"]) == {"direct_mail"}
    assert set(messages["status"]) == {"delivered"}
    # campaign 1 starts 2017-03-03 00:00 EST = 05:00Z
    assert messages["sent_at"].iloc[0] == _utc("2017-03-03T05:00Z")
    assert messages[["credits", "cost", "carrier_fee"]].sum().sum() == 0


def test_redemption_becomes_a_click_on_its_message(tiny_dataset: Path) -> None:
    events = _table(tiny_dataset, "events")
    first, repeat = events.iloc[0], events.iloc[1]

    # <campaign>-<household>-<coupon>-<yyyymmdd>-<n>; the repeat gets n = 2
    assert first["event_id"] == "1-105-51380041013-20170305-1"
    assert repeat["event_id"] == "1-105-51380041013-20170305-2"
    assert first["message_id"] == "1-105"
    assert first["event_type"] == "clicked"
    # 2017-03-05 00:00 EST = 05:00Z
    assert first["occurred_at"] == _utc("2017-03-05T05:00Z")
    assert first["link_url"] == "coupon:51380041013"


def test_oddities_are_kept_and_reported(
    tiny_source: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="aiq_nb.importers"):
        dataset = import_completejourney(tiny_source, tmp_path / "dataset")

    # the redemption of campaign 2 by household 2000 stays, on an unknown message
    events = _table(dataset, "events")
    assert events["message_id"].tolist()[-1] == "2-2000"
    assert "1 coupon redemptions have no delivery" in caplog.text
    # basket B's lines have two times; product 123 is missing from products
    assert "1 baskets span several timestamps" in caplog.text
    assert "1 transaction lines (1 products) have no name" in caplog.text


def test_undelivered_redemption_is_quarantined_by_the_loader(
    tiny_dataset: Path,
) -> None:
    quality = aiq_nb.load_dataset(tiny_dataset).data_quality
    unknown = quality[quality["reason"].str.contains("unknown message")]
    assert unknown["rows"].tolist() == [1]


def test_basket_total_is_the_sum_of_its_lines(tiny_dataset: Path) -> None:
    orders = _table(tiny_dataset, "orders").set_index("order_id")
    basket = orders.loc["31625220889"]

    assert basket["total"] == pytest.approx(3.86 + 1.59)  # 5.45
    assert basket["contact_id"] == "105"
    assert basket["location"] == "store 309"
    assert basket["status"] == "completed"
    # 2017-04-09 23:59:59 EDT = 2017-04-10 03:59:59Z
    assert basket["ordered_at"] == _utc("2017-04-10T03:59:59Z")


def test_basket_time_is_its_earliest_line(tiny_dataset: Path) -> None:
    basket = _table(tiny_dataset, "orders").set_index("order_id").loc["31625220890"]
    # lines at 00:05 and 00:00 EDT on 2017-04-10: the earliest is 04:00Z
    assert basket["ordered_at"] == _utc("2017-04-10T04:00Z")
    assert basket["total"] == pytest.approx(3.5)  # 2.5 + 1.0


def test_ids_in_scientific_notation_are_whole_numbers(tiny_dataset: Path) -> None:
    orders = _table(tiny_dataset, "orders").set_index("order_id")
    # 4.0128e+10 = 40128000000; a zero total is kept (an order without revenue)
    assert orders.loc["40128000000", "total"] == 0
    items = _table(tiny_dataset, "order_items")
    assert "FRAGRANCES (900000)" in set(items["product"])


def test_order_items_name_products_and_brands(tiny_dataset: Path) -> None:
    items = _table(tiny_dataset, "order_items")
    by_product = items.set_index("product")

    # product_type, else product_category, else department, with the product id
    assert set(items["product"]) == {
        "ICE - CRUSHED/CUBED (25671)",
        "MISCELLANEOUS (26081)",
        "FRAGRANCES (900000)",
        "unknown product (123)",
    }
    assert by_product.loc["MISCELLANEOUS (26081)", "brand"] == "manufacturer 2"
    assert by_product.loc["MISCELLANEOUS (26081)", "quantity"] == 2.0
    assert by_product.loc["MISCELLANEOUS (26081)", "amount"] == 1.59
    assert by_product.loc["FRAGRANCES (900000)", "label"] == "Private"
    assert pd.isna(by_product.loc["unknown product (123)", "brand"])
    # six lines in, six items out; each basket's items add up to its total
    assert len(items) == len(TINY["transactions_sample"])
    totals = items.groupby("order_id")["amount"].sum()
    orders = _table(tiny_dataset, "orders").set_index("order_id")["total"]
    pd.testing.assert_series_equal(
        totals.sort_index(), orders.sort_index(), check_names=False
    )


def test_contacts_are_every_household_seen(tiny_dataset: Path) -> None:
    contacts = _table(tiny_dataset, "contacts")
    assert contacts["contact_id"].tolist() == ["105", "300", "2000"]


def test_timestamps_read_back_as_utc_instants_in_duckdb(tiny_dataset: Path) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    file = tiny_dataset / "orders.parquet"
    kind, first = con.execute(
        f"SELECT typeof(ordered_at), CAST(min(ordered_at) AS VARCHAR) "
        f"FROM '{file}' GROUP BY ALL"
    ).fetchone()
    assert kind == "TIMESTAMP WITH TIME ZONE"
    assert first == "2017-04-10 03:59:59+00"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # A: 23:59:59 on Apr 9 is inside campaign 1's window (closes Apr 10 00:00);
        # B: 00:00 on Apr 10 is not; C: inside campaign 2's window, one second
        # before it closes; D: household 2000 has only campaign 1, closed in April.
        ("broad", {"31625220889": "1", "31625220891": "2"}),
        # strict: only campaign 1 has a redemption by household 105 (Mar 5)
        ("strict", {"31625220889": "1"}),
    ],
)
def test_package_attributes_the_tiny_import(
    tiny_dataset: Path, mode: str, expected: dict[str, str]
) -> None:
    attributed = aiq_nb.attribute(aiq_nb.load_dataset(tiny_dataset), mode=mode)
    assert dict(zip(attributed["order_id"], attributed["campaign_id"])) == expected


def test_missing_source_file_is_named(tiny_source: Path, tmp_path: Path) -> None:
    (tiny_source / "coupon_redemptions.csv").unlink()
    with pytest.raises(aiq_nb.DataError, match="coupon_redemptions.csv"):
        import_completejourney(tiny_source, tmp_path / "dataset")
    assert not (tmp_path / "dataset").exists()


def test_bad_value_names_file_column_and_row(tiny_source: Path, tmp_path: Path) -> None:
    rows = [*TINY["transactions_sample"]]
    rows[1] = rows[1].replace("-04:00", "")  # data row 2 has no UTC offset
    _write_source(tiny_source, {"transactions_sample": rows})

    with pytest.raises(aiq_nb.DataError) as raised:
        import_completejourney(tiny_source, tmp_path / "dataset")
    message = str(raised.value)
    assert "transactions_sample.csv" in message
    assert "transaction_timestamp" in message
    assert "first: 2" in message


def test_bad_input_writes_nothing(tiny_source: Path, tmp_path: Path) -> None:
    _write_source(tiny_source, {"campaigns": ["1,105", "99,105"]})  # unknown campaign
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(aiq_nb.DataError, match="campaign_descriptions"):
        import_completejourney(tiny_source, out / "dataset")
    assert list(out.iterdir()) == []


def test_failed_write_leaves_nothing_behind(
    tiny_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = pd.DataFrame.to_parquet

    def fail_on_orders(frame: pd.DataFrame, path: Path, **options: object) -> None:
        if Path(path).name == "orders.parquet":  # after five tables were written
            raise OSError("disk full")
        write(frame, path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_orders)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OSError, match="disk full"):
        import_completejourney(tiny_source, out / "dataset")
    assert list(out.iterdir()) == []


def test_existing_dest_is_refused_unless_overwrite(
    tiny_source: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "dataset"
    dest.mkdir()
    (dest / "stale.csv").write_text("x\n")

    with pytest.raises(FileExistsError):
        import_completejourney(tiny_source, dest)
    import_completejourney(tiny_source, dest, overwrite=True)

    assert not (dest / "stale.csv").exists()
    assert (dest / "orders.parquet").is_file()
    # no temporary or replaced sibling folder is left beside dest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cj", "dataset"]


# -- real data: the package against a plain pandas computation ----------------------


def _local_midnight(dates: pd.Series) -> pd.Series:
    """YYYY-MM-DD text → that day's 00:00 in New York, as an instant."""
    return pd.to_datetime(dates).dt.tz_localize(NEW_YORK)


def _plain_baskets(raw: Path) -> pd.DataFrame:
    """One row per basket from the raw lines: household, time, total, local month."""
    lines = pd.read_csv(raw / "transactions_sample.csv", dtype={"household_id": str})
    # basket_id holds one value in scientific notation: read as a number
    lines["order_id"] = lines["basket_id"].astype("float64").astype("int64").astype(str)
    lines["at"] = pd.to_datetime(lines["transaction_timestamp"], utc=True)
    baskets = lines.groupby("order_id").agg(
        household_id=("household_id", "first"),
        at=("at", "min"),
        total=("sales_value", "sum"),
    )
    baskets["month"] = baskets["at"].dt.tz_convert(NEW_YORK).dt.strftime("%Y-%m")
    return baskets.reset_index()


def _plain_deliveries(raw: Path) -> pd.DataFrame:
    """One row per (campaign, household) with its window and type."""
    campaigns = pd.read_csv(raw / "campaign_descriptions.csv", dtype=str)
    campaigns["start"] = _local_midnight(campaigns["start_date"])
    day_after_end = pd.to_datetime(campaigns["end_date"]) + pd.Timedelta(days=1)
    campaigns["end"] = day_after_end.dt.tz_localize(NEW_YORK)

    deliveries = pd.read_csv(raw / "campaigns.csv", dtype=str)
    deliveries = deliveries.merge(campaigns, on="campaign_id", validate="m:1")
    deliveries["message_id"] = (
        deliveries["campaign_id"] + "-" + deliveries["household_id"]
    )
    return deliveries


def _plain_candidates(baskets: pd.DataFrame, deliveries: pd.DataFrame) -> pd.DataFrame:
    """Every (basket, delivery) of the same household whose window holds it."""
    pairs = baskets.merge(deliveries, on="household_id")
    inside = (pairs["start"] <= pairs["at"]) & (pairs["at"] < pairs["end"])
    return pairs[inside]


def _plain_broad(candidates: pd.DataFrame) -> pd.DataFrame:
    """Latest delivery wins; ties to the larger message id as text."""
    ranked = candidates.sort_values(["order_id", "start", "message_id"])
    return ranked.groupby("order_id").tail(1)


def _plain_strict(candidates: pd.DataFrame, raw: Path) -> pd.DataFrame:
    """Candidates with a redemption at or before the basket; latest one wins."""
    redemptions = pd.read_csv(raw / "coupon_redemptions.csv", dtype=str)
    redemptions["redeemed"] = _local_midnight(redemptions["redemption_date"])
    redemptions = redemptions[["campaign_id", "household_id", "redeemed"]]

    engaged = candidates.merge(redemptions, on=["campaign_id", "household_id"])
    engaged = engaged[engaged["redeemed"] <= engaged["at"]]
    latest = engaged.groupby(["order_id", "message_id"], as_index=False).agg(
        redeemed=("redeemed", "max")
    )
    latest = latest.merge(candidates, on=["order_id", "message_id"])
    ranked = latest.sort_values(["order_id", "redeemed", "start", "message_id"])
    return ranked.groupby("order_id").tail(1)


def _plain_by_type(winners: pd.DataFrame, month: str) -> pd.DataFrame:
    """Attributed baskets and revenue of the month per campaign type."""
    in_month = winners[winners["month"] == month]
    return in_month.groupby("campaign_type").agg(
        conversions=("order_id", "size"), revenue=("total", "sum")
    )


@dataclass(frozen=True)
class PlainMonth:
    """The month's figures computed from the raw CSVs, without aiq_nb."""

    orders: frozenset[str]  # the basket ids of the month (New York dates)
    revenue: float  # the sum of their totals
    winners: dict[str, pd.DataFrame]  # by mode: one row per attributed basket
    by_type: dict[str, pd.DataFrame]  # by mode: conversions, revenue per type


@pytest.fixture(scope="module")
def plain() -> PlainMonth:
    if not REAL_DATA.is_dir():
        pytest.skip(f"the shared Complete Journey data is not at {REAL_DATA}")
    baskets = _plain_baskets(REAL_DATA)
    candidates = _plain_candidates(baskets, _plain_deliveries(REAL_DATA))
    winners = {
        "broad": _plain_broad(candidates),
        "strict": _plain_strict(candidates, REAL_DATA),
    }

    month = baskets[baskets["month"] == MONTH]
    return PlainMonth(
        orders=frozenset(month["order_id"]),
        revenue=float(month["total"].sum()),
        winners={mode: w[w["month"] == MONTH] for mode, w in winners.items()},
        by_type={mode: _plain_by_type(w, MONTH) for mode, w in winners.items()},
    )


@pytest.fixture(scope="module")
def real_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip(f"the shared Complete Journey data is not at {REAL_DATA}")
    return import_completejourney(REAL_DATA, tmp_path_factory.mktemp("cj") / "ds")


@pytest.fixture(scope="module")
def real_ds(real_dataset: Path) -> aiq_nb.Dataset:
    return aiq_nb.load_dataset(real_dataset)


@pytest.mark.slow
def test_real_import_row_counts(real_dataset: Path) -> None:
    counts = {file.stem: len(pd.read_parquet(file)) for file in real_dataset.iterdir()}
    raw = {
        name: len(pd.read_csv(REAL_DATA / f"{name}.csv", usecols=[0]))
        for name in ("campaign_descriptions", "campaigns", "coupon_redemptions")
    }
    lines = pd.read_csv(REAL_DATA / "transactions_sample.csv", usecols=["basket_id"])

    assert counts["account"] == 1
    assert counts["campaigns"] == raw["campaign_descriptions"]
    assert counts["messages"] == raw["campaigns"]
    assert counts["events"] == raw["coupon_redemptions"]
    assert counts["order_items"] == len(lines)
    assert counts["orders"] == lines["basket_id"].nunique()


@pytest.mark.slow
def test_real_import_loads_without_quarantine(real_ds: aiq_nb.Dataset) -> None:
    # no redemption lacks its delivery and no basket total is negative
    assert real_ds.data_quality["rows"].sum() == 0


@pytest.mark.slow
def test_real_month_total_revenue(real_ds: aiq_nb.Dataset, plain: PlainMonth) -> None:
    orders = real_ds.table("orders").to_pandas()
    local_month = orders["ordered_at"].dt.tz_convert(NEW_YORK).dt.strftime("%Y-%m")
    month = orders[local_month == MONTH]

    assert set(month["order_id"]) == plain.orders
    assert month["total"].sum() == pytest.approx(plain.revenue, abs=REVENUE_TOLERANCE)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_real_month_attribution_matches_plain_method(
    real_ds: aiq_nb.Dataset, plain: PlainMonth, mode: str
) -> None:
    attributed = aiq_nb.attribute(real_ds, mode=mode)
    attributed = attributed[attributed["order_id"].isin(plain.orders)]
    winners = plain.winners[mode]

    expected = sorted(zip(winners["order_id"], winners["message_id"]))
    assert sorted(zip(attributed["order_id"], attributed["message_id"])) == expected
    if mode == "strict":
        # every strict winner was engaged with: a redemption is a click
        assert set(attributed["engagement_type"]) == {"clicked"}


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_real_month_report_matches_plain_method(
    real_ds: aiq_nb.Dataset, real_dataset: Path, plain: PlainMonth, mode: str
) -> None:
    rep = aiq_nb.build_report(real_ds, period=MONTH, as_of=AS_OF, mode=mode)
    by_type = plain.by_type[mode]

    overview = rep.overview.iloc[0]
    assert overview["conversions"] == by_type["conversions"].sum()
    assert overview["revenue"] == pytest.approx(
        by_type["revenue"].sum(), abs=REVENUE_TOLERANCE
    )

    # per campaign type: the package's campaign rows summed by their tag
    tags = _table(real_dataset, "campaigns").set_index("campaign_id")["tags"]
    campaigns = rep.campaigns[["conversions", "revenue"]]
    package = campaigns.groupby(campaigns.index.map(tags)).sum()
    package = package.reindex(by_type.index, fill_value=0)
    assert package["conversions"].tolist() == by_type["conversions"].tolist()
    assert package["revenue"].tolist() == pytest.approx(
        by_type["revenue"].tolist(), abs=REVENUE_TOLERANCE
    )
