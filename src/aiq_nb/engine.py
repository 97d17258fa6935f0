"""Small helpers around the Ibis connection that holds a dataset's tables."""

from __future__ import annotations

import ibis
from ibis.backends.sql import SQLBackend


def materialize(con: SQLBackend, name: str, expr: ibis.Table) -> ibis.Table:
    """Compute ``expr`` once into the temporary table ``name`` and return it.

    Ibis 12's ``create_table(..., temp=True, overwrite=True)`` emits SQL that DuckDB
    refuses, so the table is created from the compiled query instead.
    """
    con.raw_sql(f"CREATE OR REPLACE TEMP TABLE {name} AS {con.compile(expr)}").fetchall()
    return con.table(name)
