"""Dataset folder → validated, typed engine tables.

``load_dataset`` reads every table of a dataset folder (see :mod:`aiq_nb.contract`)
into an embedded DuckDB database through Ibis, types each column, and checks it:

- a missing table or column, an unparseable value, an empty required value, an
  unknown enumerated value or a duplicate key raises :class:`~aiq_nb.errors.DataError`
  naming the file, the column, how many rows and the first of them;
- rows that are well formed but cannot be used (an event of an unknown or failed
  message, an order without a contact or with an empty or negative total, a repeated
  event id...) are quarantined: left out of the clean tables, counted in
  ``Dataset.data_quality`` and kept for export in ``Dataset.quarantined``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import logging
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
import yaml
from ibis.backends.duckdb import Backend as DuckDBBackend

from aiq_nb import contract
from aiq_nb.contract import Column, Table
from aiq_nb.errors import MAX_ROWS_SHOWN, DataError
from aiq_nb.quality import QUARANTINE_RULES, QuarantineRule

logger = logging.getLogger(__name__)

ROW = "_row"
ACCOUNT_YAML_SUFFIXES = (".yaml", ".yml")
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
ENGINE_TYPES = {
    contract.TEXT: "VARCHAR",
    contract.NUMBER: "DOUBLE",
    contract.INTEGER: "BIGINT",
    contract.INSTANT: "TIMESTAMPTZ",
    contract.BOOLEAN: "BOOLEAN",
}
DEFAULT_CURRENCY = "USD"
NOT_UTF8 = "the file is not UTF-8 encoded; save it as UTF-8 (with or without BOM)"
EMPTY_FILE = "the file is empty: a table needs at least its header row"


@dataclass(frozen=True)
class Account:
    """The account settings: time zone, currency, default window, 10DLC flag."""

    timezone: str
    currency: str = DEFAULT_CURRENCY
    default_attribution_window_days: float = 7.0
    regulated_10dlc: bool = False


@dataclass
class Dataset:
    """A loaded dataset: clean engine tables plus what was quarantined and why.

    Attributes
    ----------
    path
        The dataset folder.
    con
        The Ibis DuckDB connection holding the tables (session time zone UTC).
    account
        The account settings.
    tables
        Clean Ibis tables by contract name; absent optional tables are missing.
    data_quality
        One row per reason rows were left out: ``table``, ``file``, ``reason``,
        ``rows``.
    quarantined
        The left-out rows of each table, with a ``reason`` column, as Ibis tables.
    fingerprint
        A SHA-256 of the folder's table files, for provenance.
    """

    path: Path
    con: DuckDBBackend
    account: Account
    tables: dict[str, ibis.Table]
    data_quality: pd.DataFrame
    quarantined: dict[str, ibis.Table] = field(default_factory=dict)
    fingerprint: str = ""
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def table(self, name: str) -> ibis.Table:
        """Return the clean table ``name``; an absent optional table is empty."""
        if name in self.tables:
            return self.tables[name]
        return _empty_table(self.con, contract.TABLES[name])

    def has(self, name: str) -> bool:
        """Whether the folder holds table ``name``."""
        return name in self.tables


def load_dataset(path: str | Path) -> Dataset:
    """Load and validate the dataset folder at ``path``.

    Parameters
    ----------
    path
        A folder holding one file per table of :mod:`aiq_nb.contract`.

    Returns
    -------
    Dataset
        Typed, validated tables on an embedded DuckDB engine.

    Raises
    ------
    DataError
        When a table, a column or a value is missing or unusable; the message names
        the file, the column, how many rows and the first of them.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(folder, "dataset folder not found")

    con = ibis.duckdb.connect()
    files = _locate_files(folder)
    fingerprint = _fingerprint(files.values())
    account = _load_account(folder, files.pop("account"))
    for name, file in files.items():
        _load_table(con, contract.TABLES[name], file)
    quality = _quarantine(con, files, account)

    tables = {name: con.table(name) for name in files}
    quarantined = {
        name: con.table(f"quarantine_{name}")
        for name in files
        if f"quarantine_{name}" in con.list_tables()
    }
    logger.info("loaded dataset %s (%s tables)", folder, len(tables))
    return Dataset(
        path=folder,
        con=con,
        account=account,
        tables=tables,
        data_quality=quality,
        quarantined=quarantined,
        fingerprint=fingerprint,
    )


def _locate_files(folder: Path) -> dict[str, Path]:
    """Find the file of each table; a missing required table is a DataError."""
    files: dict[str, Path] = {}
    for table in contract.TABLES.values():
        suffixes = contract.FILE_SUFFIXES
        if table.name == "account":
            suffixes = ACCOUNT_YAML_SUFFIXES + suffixes
        found = [folder / f"{table.name}{s}" for s in suffixes]
        found = [file for file in found if file.is_file()]
        if len(found) > 1:
            names = ", ".join(file.name for file in found)
            raise DataError(folder, f"table '{table.name}' is given twice: {names}")
        if found:
            files[table.name] = found[0]
        elif not table.optional:
            wanted = " or ".join(f"{table.name}{s}" for s in suffixes)
            raise DataError(folder, f"missing table '{table.name}' (expected {wanted})")
    return files


def _load_account(folder: Path, file: Path) -> Account:
    """Read the account settings from YAML or a one-row table."""
    if file.suffix in ACCOUNT_YAML_SUFFIXES:
        settings = _read_account_yaml(file)
    else:
        frame = _read_raw(duckdb.connect(), file).drop(columns=ROW)
        if len(frame) != 1:
            raise DataError(file, f"the account table must have one row, not {len(frame)}")
        settings = frame.iloc[0].to_dict()

    for column in contract.ACCOUNT.columns:
        if column.required and _is_blank(settings.get(column.name)):
            raise DataError(file, "missing account setting", column=column.name)
    return Account(
        timezone=_parse_timezone(file, settings["timezone"]),
        currency=str(settings.get("currency") or DEFAULT_CURRENCY),
        default_attribution_window_days=_parse_window(
            file, settings["default_attribution_window_days"]
        ),
        regulated_10dlc=_parse_flag(file, settings.get("regulated_10dlc")),
    )


def _read_account_yaml(file: Path) -> dict[str, Any]:
    try:
        settings = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise DataError(file, f"cannot read the account settings: {error}") from None
    if not isinstance(settings, dict):
        raise DataError(file, "the account settings must be a mapping of name: value")
    return settings


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or (
        isinstance(value, str) and not value.strip()
    )


def _parse_timezone(file: Path, value: object) -> str:
    name = str(value).strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DataError(file, f"unknown time zone {name!r}", column="timezone") from None
    return name


def _parse_window(file: Path, value: object) -> float:
    try:
        days = float(str(value).strip())
    except ValueError:
        days = -1.0
    if not days > 0:
        raise DataError(
            file,
            f"the default attribution window must be a positive number of days, not {value!r}",
            column="default_attribution_window_days",
        )
    return days


def _parse_flag(file: Path, value: object) -> bool:
    if _is_blank(value):
        return False
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise DataError(file, f"expected true or false, not {value!r}", column="regulated_10dlc")


def _raw_query(file: Path) -> str:
    """A query reading a table file as text columns, numbered by data row."""
    source = _quote(str(file))
    if file.name.endswith(".parquet"):
        reader = f"read_parquet({source})"
    else:
        columns = ", ".join(f"{_quote(name)}: 'VARCHAR'" for name in _csv_header(file))
        reader = (
            f"read_csv({source}, auto_detect = false, header = true, delim = ',', "
            f"quote = '\"', escape = '\"', strict_mode = true, columns = {{{columns}}})"
        )
    return f"SELECT row_number() OVER () AS {ROW}, * FROM {reader}"


def _csv_header(file: Path) -> list[str]:
    """The column names of a CSV file's first line (the reader checks every row)."""
    opener = gzip.open if file.name.endswith(".gz") else open
    try:
        with opener(file, "rt", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except UnicodeDecodeError:
        raise DataError(file, NOT_UTF8) from None
    except (OSError, csv.Error) as error:
        raise DataError(file, f"cannot read the header row: {error}") from None
    if not header:
        raise DataError(file, EMPTY_FILE)
    names = [name.strip() for name in header]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(file, "the header names this column more than once",
                        column=repeated[0])
    return names


def _read_raw(con: duckdb.DuckDBPyConnection, file: Path) -> pd.DataFrame:
    """Read a small table file (the account) as text."""
    if file.stat().st_size == 0:
        raise DataError(file, EMPTY_FILE)
    try:
        return con.execute(_raw_query(file)).df()
    except duckdb.Error as error:
        raise DataError(file, _read_problem(error)) from None


def _load_table(con: DuckDBBackend, table: Table, file: Path) -> None:
    """Read, check and type one table into the engine as ``table.name``."""
    raw_name = f"raw_{table.name}"
    if file.stat().st_size == 0:
        raise DataError(file, EMPTY_FILE)
    try:
        _run(con, f"CREATE TEMP TABLE {raw_name} AS {_raw_query(file)}")
    except duckdb.Error as error:
        raise DataError(file, _read_problem(error)) from None
    present = {
        column[0]
        for column in con.con.execute(f"SELECT * FROM {raw_name} LIMIT 0").description
    }
    _check_columns(table, file, present)

    typed = ", ".join(
        f"{_typed_expression(table, column, present)} AS {column.name}"
        for column in table.columns
    )
    _run(
        con,
        f"CREATE TEMP TABLE typed_{table.name} AS SELECT {ROW}, {typed} FROM {raw_name}",
    )
    for column in table.columns:
        if column.name in present:
            _check_values(con, table, column, file)
    if table.key is not None:
        _check_unique(con, table, table.key, file)
    logger.debug("read %s from %s", table.name, file)


def _check_columns(table: Table, file: Path, present: set[str]) -> None:
    for column in table.columns:
        if column.required and column.name not in present:
            raise DataError(file, "missing column", column=column.name)


def _typed_expression(table: Table, column: Column, present: set[str]) -> str:
    engine_type = ENGINE_TYPES[column.dtype]
    if column.name not in present:
        return f"CAST(NULL AS {engine_type})"
    text = f"NULLIF(TRIM(CAST({_ident(column.name)} AS VARCHAR)), '')"
    if column.dtype == contract.TEXT:
        if (table.name, column.name) in contract.ENUMERATIONS:
            return f"REPLACE(REPLACE(LOWER({text}), ' ', '_'), '-', '_')"
        return text
    if column.dtype == contract.BOOLEAN:
        words_true = ", ".join(_quote(w) for w in TRUE_WORDS)
        words_false = ", ".join(_quote(w) for w in FALSE_WORDS)
        return (
            f"CASE WHEN LOWER({text}) IN ({words_true}) THEN TRUE "
            f"WHEN LOWER({text}) IN ({words_false}) THEN FALSE END"
        )
    value = f"TRY_CAST({text} AS {engine_type})"
    if column.dtype == contract.NUMBER:
        # inf and nan parse as numbers but are no amount: treat them as unparseable
        return f"CASE WHEN isfinite({value}) THEN {value} END"
    return value


def _check_values(con: DuckDBBackend, table: Table, column: Column, file: Path) -> None:
    """Raise a DataError for unparseable, empty or unknown values of one column."""
    name = _ident(column.name)
    raw_text = f"NULLIF(TRIM(CAST(r.{name} AS VARCHAR)), '')"
    joined = f"raw_{table.name} r JOIN typed_{table.name} t USING ({ROW})"

    unparseable = f"{raw_text} IS NOT NULL AND t.{name} IS NULL"
    _raise_if_any(con, joined, unparseable, raw_text, file, column,
                  f"values that are not {_describe(column.dtype)}")
    if not column.nullable:
        _raise_if_any(con, joined, f"{raw_text} IS NULL", raw_text, file, column,
                      "empty values in a required column")
    if column.positive:
        _raise_if_any(con, joined, f"t.{name} <= 0", raw_text, file, column,
                      "values that are not positive")
    allowed = contract.ENUMERATIONS.get((table.name, column.name))
    if allowed is not None:
        values = ", ".join(_quote(v) for v in sorted(allowed))
        unknown = f"t.{name} IS NOT NULL AND t.{name} NOT IN ({values})"
        _raise_if_any(con, joined, unknown, raw_text, file, column,
                      f"unknown values (allowed: {', '.join(sorted(allowed))})")


def _raise_if_any(
    con: DuckDBBackend,
    joined: str,
    condition: str,
    raw_text: str,
    file: Path,
    column: Column,
    problem: str,
) -> None:
    count = con.con.execute(f"SELECT count(*) FROM {joined} WHERE {condition}").fetchall()[0]
    if count and count[0]:
        first = con.con.execute(
            f"SELECT {ROW}, {raw_text} FROM {joined} WHERE {condition} "
            f"ORDER BY {ROW} LIMIT {MAX_ROWS_SHOWN}"
        ).fetchall()
        raise DataError(
            file,
            problem,
            column=column.name,
            rows=[row for row, _ in first],
            count=count[0],
            examples=[value for _, value in first],
        )


def _check_unique(con: DuckDBBackend, table: Table, key: str, file: Path) -> None:
    duplicated = (
        f"SELECT {ROW}, {key} FROM typed_{table.name} WHERE {key} IN "
        f"(SELECT {key} FROM typed_{table.name} GROUP BY {key} HAVING count(*) > 1)"
    )
    count = con.con.execute(f"SELECT count(*) FROM ({duplicated})").fetchall()[0]
    if count and count[0]:
        first = con.con.execute(
            f"{duplicated} ORDER BY {ROW} LIMIT {MAX_ROWS_SHOWN}"
        ).fetchall()
        raise DataError(
            file,
            "duplicate ids",
            column=key,
            rows=[row for row, _ in first],
            count=count[0],
            examples=[value for _, value in first],
        )


def _quarantine(con: DuckDBBackend, files: dict[str, Path], account: Account) -> pd.DataFrame:
    """Split each typed table into clean rows and quarantined rows with a reason."""
    records = []
    for name in files:
        rules = [rule for rule in QUARANTINE_RULES if rule.table == name]
        rules = [rule for rule in rules if set(rule.needs) <= set(files)]
        records += _apply_rules(con, name, files[name], rules)
    return pd.DataFrame.from_records(
        records, columns=["table", "file", "reason", "rows"]
    ).astype({"rows": "int64"})


def _apply_rules(
    con: DuckDBBackend, name: str, file: Path, rules: list[QuarantineRule]
) -> list[dict[str, object]]:
    """Create the clean table ``name`` and, if needed, ``quarantine_<name>``."""
    reason = "CASE " + " ".join(
        f"WHEN {rule.condition} THEN {_quote(rule.reason)}" for rule in rules
    ) + " END" if rules else "CAST(NULL AS VARCHAR)"
    _run(
        con,
        f"CREATE TEMP TABLE flagged_{name} AS "
        f"SELECT t.*, {reason} AS reason FROM typed_{name} t"
    )
    columns = ", ".join(contract.TABLES[name].column_names)
    _run(
        con,
        f"CREATE TEMP TABLE {name} AS SELECT {columns} FROM flagged_{name} "
        f"WHERE reason IS NULL ORDER BY {ROW}"
    )
    counts = con.con.execute(
        f"SELECT reason, count(*) FROM flagged_{name} WHERE reason IS NOT NULL "
        "GROUP BY reason ORDER BY reason"
    ).fetchall()
    if counts:
        _run(
            con,
            f"CREATE TEMP TABLE quarantine_{name} AS SELECT {ROW} AS row, {columns}, "
            f"reason FROM flagged_{name} WHERE reason IS NOT NULL ORDER BY {ROW}"
        )
    for reason_text, count in counts:
        logger.warning("%s: %s rows left out: %s", file.name, count, reason_text)
    return [
        {"table": name, "file": file.name, "reason": text, "rows": count}
        for text, count in counts
    ]


def _empty_table(con: DuckDBBackend, table: Table) -> ibis.Table:
    schema = ibis.schema({column.name: column.dtype for column in table.columns})
    return ibis.memtable(pd.DataFrame(columns=table.column_names), schema=schema)


def _fingerprint(files: Any) -> str:
    digest = hashlib.sha256()
    for file in sorted(files):
        digest.update(file.name.encode())
        with open(file, "rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def _describe(dtype: str) -> str:
    return {
        contract.NUMBER: "numbers",
        contract.INTEGER: "whole numbers",
        contract.INSTANT: "ISO-8601 timestamps",
        contract.BOOLEAN: "true/false",
    }.get(dtype, "text")


def _run(con: DuckDBBackend, sql: str) -> None:
    """Run one statement to completion (DuckDB wants each result consumed)."""
    con.con.execute(sql).fetchall()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_problem(error: Exception) -> str:
    """What a reader error means, in one line."""
    text = str(error).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    where = next((line for line in lines if "CSV Error on Line" in line), "")
    where = where[where.find("CSV Error on Line"):]
    if "utf-8" in text.lower() or "unicode" in text.lower():
        # the reader names the first bad line of the file (the header is line 1)
        return f"{NOT_UTF8} ({where})" if where else NOT_UTF8
    detail = next((line for line in lines if "Expected Number of Columns" in line), "")
    message = f"cannot read the file: {lines[0]}"
    if detail:
        message += f" ({detail}; {where})" if where else f" ({detail})"
    return message
