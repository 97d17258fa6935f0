"""84.51° "The Complete Journey" CSVs → a dataset folder in the input contract.

The Complete Journey (CRAN package ``completejourney``) is one year of grocery
shopping by about 2,500 households of one retailer, with the direct-marketing
campaigns each household received and the coupons it redeemed. Its calendar dates
were shifted by the package author; its timestamps are New York local time.

In: a folder of the upstream CSVs (``.csv`` or ``.csv.gz``) —
``campaign_descriptions``, ``campaigns``, ``coupon_redemptions``, ``products``,
``transactions_sample`` and, optionally, ``demographics``. ``coupons`` is not used.

Out: a dataset folder of :mod:`aiq_nb.contract`, one Parquet file per table, with
timestamps as UTC instants and every id as text:

``account``
    One row: time zone ``America/New_York``, currency ``USD``, default attribution
    window 30 days (never used: every campaign carries its own window),
    ``regulated_10dlc`` false.
``contacts``
    One row per household id seen in any source file.
``campaigns``
    One row per campaign description: id as text, name ``"Campaign 18 (Type A)"``,
    kind ``campaign``, status ``inactive`` (the year is over), tags the campaign type
    (``"Type A"``), ``launched_at`` the start date at 00:00 New York, and
    ``attribution_window_days`` the exact elapsed time in days from the start date
    00:00 to the day after the end date 00:00, New York time. The half-open window
    ``[sent_at, sent_at + window)`` therefore closes at the end of the end date even
    when a daylight-saving change falls inside it (the window is then 1/24 day
    shorter or longer than a whole number of days). ``conversion_engagements`` is
    ``clicked``: a coupon redemption is the engagement strict mode needs. The upstream
    ``start_date`` and ``end_date`` are kept as extra columns. A window such as
    37 + 23/24 days has no exact float: turn it into a duration by rounding
    ``window * 86400`` to whole seconds (as :mod:`aiq_nb.attribution` does), not by
    truncating (``pandas.to_timedelta(window, unit="D")`` ends 3 ns early).
``messages``
    One row per row of upstream ``campaigns`` (a campaign delivered to a household):
    ``message_id`` ``"<campaign_id>-<household_id>"``, channel ``direct_mail`` (these
    were mailed coupon booklets), ``sent_at`` the campaign's start date 00:00 New York
    (the data has no send time), status ``delivered``, credits, cost and carrier fee 0.
    A repeated (campaign, household) row is written once, with a WARNING.
``events``
    One ``clicked`` event per coupon redemption, on the message of the same
    (campaign, household), at the redemption date 00:00 New York (the data has no
    redemption time), ``link_url`` ``"coupon:<coupon_upc>"``. ``event_id`` is
    ``"<message_id>-<coupon_upc>-<yyyymmdd>-<n>"``, ``n`` numbering identical
    redemption rows from 1, so ids are stable across imports and unique. A redemption
    whose (campaign, household) was never delivered is kept, on the message id it
    names, so the loader quarantines it as an event of an unknown message and counts
    it in data quality; the importer counts them at WARNING.
``orders``
    One row per ``basket_id`` of ``transactions_sample``: ``contact_id`` its
    household, ``location`` ``"store <store_id>"``, ``ordered_at`` its
    ``transaction_timestamp`` (the earliest, with a WARNING, if its lines differ),
    ``total`` the sum of its lines' ``sales_value``, status ``completed``. Baskets
    with a negative total are written anyway (the loader quarantines them) and
    counted at WARNING; zero totals are valid orders without revenue. The upstream
    file is a sample of lines, not of baskets: totals are lower than the real ones.
``order_items``
    One row per transaction line: ``product`` the most precise name ``products``
    gives (``product_type``, else ``product_category``, else ``department``) with the
    product id, e.g. ``"ICE - CRUSHED/CUBED (25671)"``, or ``"unknown product
    (<id>)"`` when ``products`` lacks it; ``brand`` ``"manufacturer
    <manufacturer_id>"`` (empty for unknown products); ``quantity``; ``amount`` the
    line's ``sales_value``. Extra columns: ``label`` (upstream ``brand``: National or
    Private), ``product_id`` and ``department``.

Ids written in scientific notation by the upstream export (``4.0128e+10``) are read
as the whole numbers they are. The folder is written into a temporary sibling and
renamed into place, so a failed import never leaves a half-written ``dest``.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from aiq_nb import contract
from aiq_nb.errors import MAX_ROWS_SHOWN, DataError

logger = logging.getLogger(__name__)

TIMEZONE = "America/New_York"
CURRENCY = "USD"
DEFAULT_ATTRIBUTION_WINDOW_DAYS = 30.0
REGULATED_10DLC = False

CAMPAIGN_KIND = "campaign"
CAMPAIGN_STATUS = "inactive"
CHANNEL = contract.DIRECT_MAIL
MESSAGE_STATUS = "delivered"
REDEMPTION_EVENT = contract.CLICKED
CONVERSION_ENGAGEMENTS = contract.CLICKED
ORDER_STATUS = "completed"
UNKNOWN_PRODUCT = "unknown product"
PRODUCT_NAME_SOURCES = ("product_type", "product_category", "department")

ONE_DAY = pd.Timedelta(days=1)
UTC = "UTC"
CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIX = ".parquet"
ID_SEPARATOR = "-"
EVENT_DATE_FORMAT = "%Y%m%d"
SOURCE_DATE_FORMAT = "%Y-%m-%d"
OFFSET_PATTERN = r"(?:Z|[+-]\d{2}:?\d{2})$"
DIGITS_PATTERN = r"\d{1,18}"


@dataclass(frozen=True)
class _Source:
    """One upstream file: its name and the columns read, by kind."""

    name: str
    ids: tuple[str, ...]
    dates: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    instants: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    optional: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.ids + self.dates + self.numbers + self.instants + self.texts


DESCRIPTIONS = _Source(
    "campaign_descriptions",
    ids=("campaign_id",),
    dates=("start_date", "end_date"),
    texts=("campaign_type",),
)
DELIVERIES = _Source("campaigns", ids=("campaign_id", "household_id"))
REDEMPTIONS = _Source(
    "coupon_redemptions",
    ids=("household_id", "coupon_upc", "campaign_id"),
    dates=("redemption_date",),
)
PRODUCTS = _Source(
    "products",
    ids=("product_id", "manufacturer_id"),
    texts=("department", "brand", "product_category", "product_type"),
)
TRANSACTIONS = _Source(
    "transactions_sample",
    ids=("household_id", "store_id", "basket_id", "product_id"),
    numbers=("quantity", "sales_value"),
    instants=("transaction_timestamp",),
)
DEMOGRAPHICS = _Source("demographics", ids=("household_id",), optional=True)
SOURCES = (DESCRIPTIONS, DELIVERIES, REDEMPTIONS, PRODUCTS, TRANSACTIONS, DEMOGRAPHICS)


def import_completejourney(
    src: str | Path, dest: str | Path, *, overwrite: bool = False
) -> Path:
    """Import the Complete Journey CSVs in ``src`` as a dataset folder at ``dest``.

    The mapping of each upstream table onto the input contract is described in the
    module docstring (:mod:`aiq_nb.importers.completejourney`); in short: households
    → contacts, campaign descriptions → campaigns (window = start date 00:00 to the
    end of the end date, New York time), campaign × household → one delivered
    direct-mail message sent at the start date, coupon redemptions → ``clicked``
    events, baskets → orders, transaction lines → order items.

    Parameters
    ----------
    src
        Folder holding ``campaign_descriptions``, ``campaigns``,
        ``coupon_redemptions``, ``products`` and ``transactions_sample`` as ``.csv``
        or ``.csv.gz``; ``demographics`` is optional (its households become contacts).
    dest
        The dataset folder to create. Written into a temporary sibling folder, then
        renamed, so an import that fails leaves nothing under ``dest``.
    overwrite
        Keyword-only, default False: replace an existing, non-empty ``dest``.

    Returns
    -------
    Path
        ``dest``, holding one ``<table>.parquet`` per table: ``account``,
        ``contacts``, ``campaigns``, ``messages``, ``events``, ``orders`` and
        ``order_items``.

    Raises
    ------
    DataError
        When ``src`` lacks a needed file (named in the message) or a column, or a
        value cannot be read; the message names the file, the column, how many rows
        and the first of them.
    FileExistsError
        When ``dest`` exists, is not empty and ``overwrite`` is False.
    """
    started = time.perf_counter()
    source, target = Path(src), Path(dest)
    _check_target(target, overwrite=overwrite)

    files = _locate_sources(source)
    raw = {spec.name: _read_source(spec, files[spec.name]) for spec in _present(files)}
    tables = _build_tables(raw, files)

    _write_atomically(tables, target)
    elapsed = time.perf_counter() - started
    logger.info("imported %s into %s in %.1f s", source, target, elapsed)
    return target


def _present(files: dict[str, Path]) -> list[_Source]:
    return [spec for spec in SOURCES if spec.name in files]


def _check_target(target: Path, *, overwrite: bool) -> None:
    """Refuse early to import over an existing, non-empty folder."""
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{target} exists and is not empty; pass overwrite=True to replace it"
        )


def _locate_sources(folder: Path) -> dict[str, Path]:
    """Find each upstream file; a missing required one is a DataError naming it."""
    if not folder.is_dir():
        raise DataError(folder, "Complete Journey folder not found")

    files: dict[str, Path] = {}
    for spec in SOURCES:
        found = [folder / f"{spec.name}{s}" for s in CSV_SUFFIXES]
        found = [file for file in found if file.is_file()]
        if found:
            files[spec.name] = found[0]
        elif not spec.optional:
            wanted = " or ".join(f"{spec.name}{s}" for s in CSV_SUFFIXES)
            raise DataError(folder, f"missing Complete Journey file {wanted}")
    return files


def _read_source(spec: _Source, file: Path) -> pd.DataFrame:
    """Read one upstream CSV as text, then type the columns the import uses.

    Returns one row per data row (index 0 is data row 1): ids as nullable integers,
    dates as naive dates, numbers as floats, instants as UTC timestamps, texts as
    stripped text (empty → missing).
    """
    try:
        frame = pd.read_csv(
            file, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
        )
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise DataError(file, f"cannot read the file as UTF-8 CSV: {error}") from None
    for column in spec.columns:
        if column not in frame.columns:
            raise DataError(file, "missing column", column=column)

    typed = pd.DataFrame(index=frame.index)
    for column in spec.ids:
        typed[column] = _parse_ids(frame[column], file)
    for column in spec.dates:
        typed[column] = _parse_dates(frame[column], file)
    for column in spec.numbers:
        typed[column] = _parse_numbers(frame[column], file)
    for column in spec.instants:
        typed[column] = _parse_instants(frame[column], file)
    for column in spec.texts:
        typed[column] = frame[column].str.strip().replace("", pd.NA)

    logger.debug("read %s rows from %s", len(typed), file)
    return typed


def _parse_ids(values: pd.Series, file: Path) -> pd.Series:
    """Whole numbers, also when written in scientific notation (``4.0128e+10``)."""
    _raise_if_any(values.isna(), values, file, "empty ids")
    text = values.str.strip()
    digits = text.str.fullmatch(DIGITS_PATTERN)

    parsed = pd.Series(pd.NA, index=values.index, dtype="Int64")
    parsed[digits] = text[digits].astype("int64")
    parsed[~digits] = text[~digits].map(_whole_number).astype("Int64")
    _raise_if_any(parsed.isna(), values, file, "ids that are not whole numbers")
    return parsed


def _whole_number(text: str) -> int | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        return None
    return int(value)


def _parse_dates(values: pd.Series, file: Path) -> pd.Series:
    parsed = pd.to_datetime(values, format=SOURCE_DATE_FORMAT, errors="coerce")
    _raise_if_any(parsed.isna(), values, file, "values that are not YYYY-MM-DD dates")
    return parsed


def _parse_numbers(values: pd.Series, file: Path) -> pd.Series:
    parsed = pd.to_numeric(values, errors="coerce")
    _raise_if_any(parsed.isna(), values, file, "values that are not numbers")
    return parsed.astype("float64")


def _parse_instants(values: pd.Series, file: Path) -> pd.Series:
    """ISO-8601 timestamps with a UTC offset (upstream writes New York local time)."""
    no_offset = ~values.fillna("").str.strip().str.contains(OFFSET_PATTERN)
    _raise_if_any(no_offset, values, file, "timestamps without a UTC offset")

    parsed = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
    _raise_if_any(parsed.isna(), values, file, "values that are not ISO-8601 times")
    return parsed


def _raise_if_any(bad: pd.Series, values: pd.Series, file: Path, problem: str) -> None:
    """Raise a DataError naming the file, column, count and first rows of ``bad``."""
    if not bad.any():
        return
    first = values[bad].head(MAX_ROWS_SHOWN)
    raise DataError(
        file,
        problem,
        column=str(values.name),
        rows=[int(row) + 1 for row in first.index],
        count=int(bad.sum()),
        examples=first.tolist(),
    )


def _build_tables(
    raw: dict[str, pd.DataFrame], files: dict[str, Path]
) -> dict[str, pd.DataFrame]:
    """Map the typed upstream frames onto the contract tables, in writing order."""
    descriptions = raw[DESCRIPTIONS.name]
    deliveries = _unique_deliveries(raw[DELIVERIES.name], files[DELIVERIES.name])
    _check_known_campaigns(deliveries, descriptions, files[DELIVERIES.name])

    campaigns = _campaigns_table(descriptions, files[DESCRIPTIONS.name])
    messages = _messages_table(deliveries, campaigns)
    events = _events_table(raw[REDEMPTIONS.name], messages)
    orders = _orders_table(raw[TRANSACTIONS.name])
    order_items = _order_items_table(raw[TRANSACTIONS.name], raw[PRODUCTS.name])
    return {
        "account": _account_table(),
        "contacts": _contacts_table(raw),
        "campaigns": campaigns,
        "messages": messages,
        "events": events,
        "orders": orders,
        "order_items": order_items,
    }


def _account_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timezone": [TIMEZONE],
            "currency": [CURRENCY],
            "default_attribution_window_days": [DEFAULT_ATTRIBUTION_WINDOW_DAYS],
            "regulated_10dlc": [REGULATED_10DLC],
        }
    )


def _contacts_table(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per household id seen in any upstream file, in id order."""
    households = pd.concat([frame["household_id"] for frame in _with_households(raw)])
    ids = households.drop_duplicates().sort_values()
    return pd.DataFrame({"contact_id": _text(ids)}).reset_index(drop=True)


def _with_households(raw: dict[str, pd.DataFrame]) -> list[pd.DataFrame]:
    return [frame for frame in raw.values() if "household_id" in frame.columns]


def _unique_deliveries(deliveries: pd.DataFrame, file: Path) -> pd.DataFrame:
    """Keep one row per (campaign, household): one booklet is one message."""
    repeated = deliveries.duplicated(["campaign_id", "household_id"])
    if repeated.any():
        logger.warning(
            "%s: %s repeated (campaign_id, household_id) rows written once",
            file.name,
            int(repeated.sum()),
        )
    return deliveries[~repeated]


def _check_known_campaigns(
    deliveries: pd.DataFrame, descriptions: pd.DataFrame, file: Path
) -> None:
    """Refuse deliveries of an undescribed campaign: they have no send date."""
    unknown = ~deliveries["campaign_id"].isin(descriptions["campaign_id"])
    _raise_if_any(
        unknown,
        deliveries["campaign_id"],
        file,
        "campaigns missing from campaign_descriptions (no start date to send at)",
    )


def _campaigns_table(descriptions: pd.DataFrame, file: Path) -> pd.DataFrame:
    """One row per campaign; the window runs to the end of the end date, local."""
    backwards = descriptions["end_date"] < descriptions["start_date"]
    _raise_if_any(backwards, descriptions["end_date"], file, "end dates before start")

    launched_at = _local_midnight(descriptions["start_date"])
    closes_at = _local_midnight(descriptions["end_date"] + ONE_DAY)
    window_days = (closes_at - launched_at) / ONE_DAY

    ids = _text(descriptions["campaign_id"])
    kinds = descriptions["campaign_type"]
    suffix = (" (" + kinds + ")").fillna("")
    return pd.DataFrame(
        {
            "campaign_id": ids,
            "name": "Campaign " + ids + suffix,
            "kind": CAMPAIGN_KIND,
            "status": CAMPAIGN_STATUS,
            "tags": kinds,
            "launched_at": launched_at,
            "attribution_window_days": window_days.astype("float64"),
            "conversion_engagements": CONVERSION_ENGAGEMENTS,
            "start_date": descriptions["start_date"].dt.strftime(SOURCE_DATE_FORMAT),
            "end_date": descriptions["end_date"].dt.strftime(SOURCE_DATE_FORMAT),
        }
    ).sort_values("campaign_id", key=_numeric_order, ignore_index=True)


def _messages_table(deliveries: pd.DataFrame, campaigns: pd.DataFrame) -> pd.DataFrame:
    """One delivered direct-mail message per (campaign, household), at launch."""
    campaign_ids = _text(deliveries["campaign_id"])
    contact_ids = _text(deliveries["household_id"])
    launches = campaigns.set_index("campaign_id")["launched_at"]
    return pd.DataFrame(
        {
            "message_id": _message_ids(campaign_ids, contact_ids),
            "campaign_id": campaign_ids,
            "contact_id": contact_ids,
            "channel": CHANNEL,
            "sent_at": campaign_ids.map(launches),
            "status": MESSAGE_STATUS,
            "credits": 0.0,
            "cost": 0.0,
            "carrier_fee": 0.0,
        }
    ).reset_index(drop=True)


def _events_table(redemptions: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """One ``clicked`` event per coupon redemption, on its (campaign, household)."""
    message_ids = _message_ids(
        _text(redemptions["campaign_id"]), _text(redemptions["household_id"])
    )
    coupons = _text(redemptions["coupon_upc"])
    days = redemptions["redemption_date"].dt.strftime(EVENT_DATE_FORMAT)
    occurrence = redemptions.groupby(list(redemptions.columns)).cumcount() + 1
    event_ids = message_ids.str.cat(
        [coupons, days, _text(occurrence)], sep=ID_SEPARATOR
    )

    undelivered = ~message_ids.isin(messages["message_id"])
    if undelivered.any():
        logger.warning(
            "%s coupon redemptions have no delivery of their (campaign, household); "
            "kept as events of unknown messages (the loader quarantines them)",
            int(undelivered.sum()),
        )
    return pd.DataFrame(
        {
            "event_id": event_ids,
            "message_id": message_ids,
            "event_type": REDEMPTION_EVENT,
            "occurred_at": _local_midnight(redemptions["redemption_date"]),
            "link_url": "coupon:" + coupons,
        }
    ).reset_index(drop=True)


def _orders_table(lines: pd.DataFrame) -> pd.DataFrame:
    """One completed order per basket: its household, store, time and total."""
    baskets = lines.groupby("basket_id", sort=False).agg(
        contact_id=("household_id", "first"),
        store_id=("store_id", "first"),
        ordered_at=("transaction_timestamp", "min"),
        total=("sales_value", "sum"),
        households=("household_id", "nunique"),
        stores=("store_id", "nunique"),
        times=("transaction_timestamp", "nunique"),
    )
    _warn_about_baskets(baskets)

    orders = pd.DataFrame(
        {
            "order_id": _text(baskets.index.to_series()),
            "contact_id": _text(baskets["contact_id"]),
            "location": "store " + _text(baskets["store_id"]),
            "ordered_at": baskets["ordered_at"],
            "total": baskets["total"],
            "status": ORDER_STATUS,
        }
    )
    return orders.sort_values(["ordered_at", "order_id"], ignore_index=True)


def _warn_about_baskets(baskets: pd.DataFrame) -> None:
    """Count the baskets the loader will quarantine or that the mapping simplified."""
    zero = int((baskets["total"] == 0).sum())
    if zero:
        logger.info("%s baskets have a zero total (orders without revenue)", zero)

    checks = {
        "have a negative total (the loader quarantines them)": baskets["total"] < 0,
        "span several households (the first line's is used)": baskets["households"] > 1,
        "span several stores (the first line's is used)": baskets["stores"] > 1,
        "span several timestamps (the earliest is used)": baskets["times"] > 1,
    }
    for what, flagged in checks.items():
        if flagged.any():
            logger.warning("%s baskets %s", int(flagged.sum()), what)


def _order_items_table(lines: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """One item per transaction line, named from ``products`` when it knows it."""
    catalogue = _product_catalogue(products)
    joined = lines.merge(catalogue, on="product_id", how="left", validate="m:1")
    unknown = joined["label_name"].isna()
    if unknown.any():
        logger.warning(
            "%s transaction lines (%s products) have no name in products: "
            "named '%s (<id>)'",
            int(unknown.sum()),
            joined.loc[unknown, "product_id"].nunique(),
            UNKNOWN_PRODUCT,
        )

    product_ids = _text(joined["product_id"])
    names = joined["label_name"].fillna(UNKNOWN_PRODUCT)
    items = pd.DataFrame(
        {
            "order_id": _text(joined["basket_id"]),
            "product": names + " (" + product_ids + ")",
            "brand": "manufacturer " + _text(joined["manufacturer_id"]),
            "quantity": joined["quantity"],
            "amount": joined["sales_value"],
            "label": joined["brand"],
            "product_id": product_ids,
            "department": joined["department"],
        }
    )
    return _in_order_sequence(items, lines)


def _product_catalogue(products: pd.DataFrame) -> pd.DataFrame:
    """One row per product id: its readable name, manufacturer, label, department."""
    repeated = products["product_id"].duplicated()
    if repeated.any():
        logger.warning(
            "products: %s repeated product ids, the first row is used",
            int(repeated.sum()),
        )
    catalogue = products[~repeated].copy()

    name = catalogue[PRODUCT_NAME_SOURCES[0]]
    for column in PRODUCT_NAME_SOURCES[1:]:
        name = name.fillna(catalogue[column])
    catalogue["label_name"] = name
    return catalogue[
        ["product_id", "label_name", "manufacturer_id", "brand", "department"]
    ]


def _in_order_sequence(items: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Sort items like the orders table: by basket time, basket id, then line."""
    ordered_at = lines.groupby("basket_id")["transaction_timestamp"].transform("min")
    sequence = pd.DataFrame(
        {"ordered_at": ordered_at.to_numpy(), "order_id": items["order_id"].to_numpy()}
    ).sort_values(["ordered_at", "order_id"], kind="stable")
    return items.iloc[sequence.index].reset_index(drop=True)


def _local_midnight(dates: pd.Series) -> pd.Series:
    """Each date at 00:00 New York time, as a UTC instant."""
    return dates.dt.tz_localize(TIMEZONE).dt.tz_convert(UTC)


def _message_ids(campaign_ids: pd.Series, contact_ids: pd.Series) -> pd.Series:
    return campaign_ids + ID_SEPARATOR + contact_ids


def _text(values: pd.Series) -> pd.Series:
    """Whole-number ids as text (``"123"``), missing values kept missing."""
    return values.astype("Int64").astype(str)


def _numeric_order(ids: pd.Series) -> pd.Series:
    return ids.astype("int64")


def _write_atomically(tables: dict[str, pd.DataFrame], target: Path) -> None:
    """Write every table into a temporary sibling folder, then rename it to target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.importing-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        for name, frame in tables.items():
            frame.to_parquet(staging / f"{name}{PARQUET_SUFFIX}", index=False)
            logger.info("wrote %s rows of %s", len(frame), name)
        _replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replace(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``, replacing an existing folder last."""
    if not target.exists():
        staging.rename(target)
        return
    retired = target.parent / f".{target.name}.replaced-{uuid.uuid4().hex[:8]}"
    target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
