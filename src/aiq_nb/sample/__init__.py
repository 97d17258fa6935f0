"""The bundled sample dataset: a seed in, a dataset folder of CSV files out.

The sample is SYNTHETIC: a fictional dispensary group (four stores, account zone
America/Los_Angeles, USD) with a few thousand personas, about 25 campaigns and 4
loyalty flows over several months. It is the product's default data and is built
to exercise every rule of the specification: every channel and event type, failed
sends, engagement before and after purchases, purchases that fall back to an
earlier campaign's window, flows with re-entries and contacts still in progress,
and a few rows the data-quality section must count (duplicate event ids, events of
unknown or failed messages, orders without a contact or without items).

``write_sample_dataset`` writes one CSV per table of ``aiq_nb.contract`` plus a
``README.md``; the same seed gives byte-identical files. Instants are written in
UTC with a ``Z``, except order times and campaign launches, which carry the
account's local offset (as a point-of-sale export would). ``sample_dataset_path``
returns the default sample, generated once into a cache folder.

Flow events follow one convention: a contact ``entered`` a step on reaching it and
leaves it by ``advanced`` (to the next step), ``exited`` (left the flow) or
``completed`` (the last step); a step entered and not yet left is in progress.
Gifted points and issued discounts sit on the row that leaves their step.

The generator's parts are the modules: ``plans`` (the fictional world),
``sends`` (personas, campaigns, flows, messages), ``events``
(engagement) and ``orders`` (purchases).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from aiq_nb import contract
from aiq_nb.sample.events import make_events, plant_event_defects
from aiq_nb.sample.orders import make_items, make_orders, settle_orders
from aiq_nb.sample.plans import (
    ACCOUNT_CURRENCY,
    ACCOUNT_NAME,
    ACCOUNT_TIMEZONE,
    ACCOUNT_WINDOW_DAYS,
    DUPLICATE_EVENTS,
    FAILED_MESSAGE_EVENTS,
    ORPHAN_EVENTS,
)
from aiq_nb.sample.sends import (
    campaign_sends,
    epoch_to_naive_local,
    finish_messages,
    issued_discounts,
    make_contacts,
    make_period,
    plan_campaigns,
    plan_flows,
    walk_flows,
)

logger = logging.getLogger(__name__)

SAMPLE_SEED: int = 20251231
SAMPLE_VERSION: str = "3"

MIN_CONTACTS = 100
END_MONTH_PATTERN = re.compile(r"\d{4}-\d{2}")
CACHE_ENV = "AIQ_NB_CACHE"
XDG_CACHE_ENV = "XDG_CACHE_HOME"
CACHE_APP_FOLDER = "aiq_nb"
CACHE_SAMPLE_PREFIX = "sample-v"
README_NAME = "README.md"

# columns written besides the contract's (extra columns are allowed and ignored)
EXTRA_COLUMNS = {"account": ("name",), "order_items": ("category",)}
LOCAL_OFFSET_COLUMNS = frozenset(
    {("orders", "ordered_at"), ("campaigns", "launched_at")}
)
UTC_SUFFIX = "Z"


def write_sample_dataset(
    dest: str | Path,
    *,
    seed: int = SAMPLE_SEED,
    months: int = 6,
    end_month: str = "2025-12",
    contacts: int = 3000,
    regulated_10dlc: bool = False,
) -> Path:
    """Write the synthetic sample dataset to a folder.

    Parameters
    ----------
    dest : str or Path
        The dataset folder; created if missing, its table files overwritten.
    seed : int, default SAMPLE_SEED
        Seed of ``numpy.random.default_rng``; the same seed (and arguments) gives
        byte-identical files.
    months : int, default 6
        Number of calendar months of activity, in the account time zone.
    end_month : str, default "2025-12"
        The last month, as ``YYYY-MM``; nothing happens after its end.
    contacts : int, default 3000
        Number of personas, at least ``MIN_CONTACTS``.
    regulated_10dlc : bool, default False
        Write a 10DLC account: SMS and MMS opens are then ``inbox_viewed`` events
        only, and a click without an inbox view did not pass the age gate.

    Returns
    -------
    Path
        The dataset folder: one CSV per table of ``aiq_nb.contract.TABLES``
        (``account.csv`` is a one-row table) and a ``README.md`` saying the data is
        synthetic and how to generate it again.

    Raises
    ------
    ValueError
        If ``months`` is below 1, ``contacts`` below ``MIN_CONTACTS`` or
        ``end_month`` is not a ``YYYY-MM`` month.
    """
    _check_arguments(months, end_month, contacts)
    tables = _build_tables(seed, months, end_month, contacts, regulated_10dlc)

    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    readme = _readme(tables, seed, months, end_month, contacts, regulated_10dlc)
    (folder / README_NAME).write_text(readme, encoding="utf-8", newline="\n")

    logger.info("wrote the synthetic sample dataset (seed %s) to %s", seed, folder)
    return folder


def sample_dataset_path() -> Path:
    """Return the folder of the default sample dataset, generating it on first use.

    The sample is cached under ``$AIQ_NB_CACHE`` if set, else
    ``$XDG_CACHE_HOME/aiq_nb``, else ``~/.cache/aiq_nb``, in a subfolder named after
    ``SAMPLE_VERSION``. It is written to a temporary sibling folder and renamed into
    place, so a half-written sample is never used.

    Returns
    -------
    Path
        The folder written by ``write_sample_dataset`` with its defaults.
    """
    final = _cache_root() / f"{CACHE_SAMPLE_PREFIX}{SAMPLE_VERSION}"
    if final.is_dir():
        return final

    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        write_sample_dataset(staging)
        _publish(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def _check_arguments(months: int, end_month: str, contacts: int) -> None:
    """Refuse arguments the generator cannot honour, saying which and why."""
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    if contacts < MIN_CONTACTS:
        raise ValueError(f"contacts must be at least {MIN_CONTACTS}, got {contacts}")
    message = f"end_month must be a month like '2025-12', got {end_month!r}"
    if not END_MONTH_PATTERN.fullmatch(str(end_month)):
        raise ValueError(message)
    try:
        pd.Period(end_month, freq="M")
    except ValueError as error:
        raise ValueError(message) from error


def _build_tables(
    seed: int, months: int, end_month: str, contacts: int, regulated: bool
) -> dict[str, pd.DataFrame]:
    """Simulate every table and shape it for writing, in ``contract.TABLES`` order."""
    rng = np.random.default_rng(seed)
    period = make_period(end_month, months)

    people = make_contacts(rng, contacts, period)
    campaigns = plan_campaigns(rng, period)
    flows, flow_steps = plan_flows(period)
    flow_events, flow_sends = walk_flows(rng, people, period)

    sends = pd.concat([campaign_sends(rng, campaigns, people), flow_sends])
    messages = finish_messages(rng, sends, campaigns, period.cutoff)
    events, prompts = make_events(rng, messages, campaigns, regulated, period.cutoff)
    events = plant_event_defects(rng, events, messages, period)

    discounts = issued_discounts(flow_events)
    orders = make_orders(rng, people, messages, campaigns, prompts, discounts, period)
    items = make_items(rng, orders)
    orders, discounts = settle_orders(rng, orders, items, discounts)

    tables = {
        "account": _account_row(regulated),
        "campaigns": pd.concat([campaigns, flows], ignore_index=True),
        "messages": messages,
        "events": events,
        "orders": orders,
        "order_items": items,
        "flow_steps": flow_steps,
        "flow_events": flow_events,
        "discounts": discounts,
        "contacts": people,
    }
    ids = people["contact_id"].to_numpy()
    return {name: _to_output(name, frame, ids) for name, frame in tables.items()}


def _account_row(regulated: bool) -> pd.DataFrame:
    """The account settings as a one-row table."""
    return pd.DataFrame(
        {
            "timezone": [ACCOUNT_TIMEZONE],
            "currency": [ACCOUNT_CURRENCY],
            "default_attribution_window_days": [ACCOUNT_WINDOW_DAYS],
            "regulated_10dlc": ["true" if regulated else "false"],
            "name": [ACCOUNT_NAME],
        }
    )


def _to_output(name: str, frame: pd.DataFrame, contact_ids: np.ndarray) -> pd.DataFrame:
    """The contract's columns (and documented extras), ids and instants as text."""
    frame = frame.copy()
    if "contact" in frame:
        position = frame["contact"].to_numpy()
        ids = np.full(len(frame), None, dtype=object)
        ids[position >= 0] = contact_ids[position[position >= 0]]
        frame["contact_id"] = ids

    table = contract.TABLES[name]
    for column in table.columns:
        if column.dtype == contract.INSTANT and column.name in frame:
            local = (name, column.name) in LOCAL_OFFSET_COLUMNS
            frame[column.name] = _format_instants(frame[column.name], local=local)
    columns = table.column_names + list(EXTRA_COLUMNS.get(name, ()))
    return frame.reindex(columns=columns)


def _format_instants(seconds: pd.Series, *, local: bool) -> pd.Series:
    """ISO-8601 text of epoch seconds: UTC with ``Z``, or with the account's offset
    (``2025-11-28T14:00:00-08:00``); missing stays missing."""
    values = pd.to_numeric(seconds).astype("Int64")
    known = values.notna().to_numpy()
    epoch = values.fillna(0).to_numpy(dtype="int64")

    offset = _utc_offsets(epoch) if local else np.zeros(len(epoch), dtype="int64")
    wall = (epoch + offset).astype("datetime64[s]")
    text = np.datetime_as_string(wall, unit="s").astype(object)
    text = text + (_offset_labels(offset) if local else UTC_SUFFIX)
    return pd.Series(np.where(known, text, None), index=seconds.index, dtype=object)


def _utc_offsets(epoch: np.ndarray) -> np.ndarray:
    """Seconds the account's wall clock is ahead of UTC at each instant."""
    local = epoch_to_naive_local(epoch)
    utc = pd.DatetimeIndex(pd.to_datetime(epoch, unit="s"))
    return ((local - utc) // pd.Timedelta(seconds=1)).to_numpy()


def _offset_labels(offset: np.ndarray) -> np.ndarray:
    """ISO-8601 offsets (``-08:00``) of offsets in seconds."""
    labels = {value: _offset_label(int(value)) for value in np.unique(offset)}
    return pd.Series(offset).map(labels).to_numpy(dtype=object)


def _offset_label(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _readme(
    tables: dict[str, pd.DataFrame],
    seed: int,
    months: int,
    end_month: str,
    contacts: int,
    regulated: bool,
) -> str:
    """The folder's README: synthetic, how it was generated, what it holds."""
    rows = "\n".join(
        f"| `{name}.csv` | {len(frame):,} |" for name, frame in tables.items()
    )
    return README_TEMPLATE.format(
        version=SAMPLE_VERSION,
        seed=seed,
        months=months,
        end_month=end_month,
        contacts=contacts,
        regulated=regulated,
        zone=ACCOUNT_TIMEZONE,
        rows=rows,
        duplicates=DUPLICATE_EVENTS,
        orphans=ORPHAN_EVENTS,
        failed=FAILED_MESSAGE_EVENTS,
    )


README_TEMPLATE = """\
# aiq_nb sample dataset: SYNTHETIC DATA

This data is SYNTHETIC. It was generated by `aiq_nb.sample`
(sample version {version}, seed {seed}). No row describes a real person, store,
purchase or message; the dispensary group, its stores and the brands are fictional.

Parameters: months={months}, end_month={end_month}, contacts={contacts},
regulated_10dlc={regulated}. Account time zone: {zone}.

Generate it again, byte for byte, with:

```python
from aiq_nb.sample import write_sample_dataset

write_sample_dataset(
    "folder", seed={seed}, months={months}, end_month="{end_month}",
    contacts={contacts}, regulated_10dlc={regulated},
)
```

| file | rows |
|---|---|
{rows}

Deliberate data-quality cases: {duplicates} event rows repeated exactly (same event
id), {orphans} events of message ids that do not exist, {failed} events of failed
messages, orders without a contact, orders without items. Also present: orders
with a zero total, cancelled and refunded orders, a campaign without messages.

Tables and columns: see `aiq_nb.contract`.
"""


def _cache_root() -> Path:
    """$AIQ_NB_CACHE, else $XDG_CACHE_HOME/aiq_nb, else ~/.cache/aiq_nb."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get(XDG_CACHE_ENV)
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / CACHE_APP_FOLDER


def _publish(staging: Path, final: Path) -> None:
    """Rename the finished folder into place, unless another process did first."""
    try:
        os.rename(staging, final)
    except OSError:
        if not final.is_dir():
            raise
        logger.info("the sample at %s was written by another process", final)
