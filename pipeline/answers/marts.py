"""Opening a built warehouse read-only for questions, with plain errors for what is missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipeline.warehouse import store
from pipeline.settings import Settings


class WarehouseUnavailable(RuntimeError):
    """No warehouse file, no marts in it yet, or it is held by another program."""


class UnsupportedQuery(ValueError):
    """The question needs something this warehouse does not have (a column of a later version)."""


@contextmanager
def open_marts(warehouse: Path, lock_timeout: float = Settings.lock_timeout) -> Iterator[duckdb.DuckDBPyConnection]:
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise WarehouseUnavailable(
            f"no warehouse at {warehouse}; build one with `newsclaims run` (or pass --warehouse PATH)"
        )
    try:
        with store.connect(warehouse, lock_timeout, read_only=True) as con:
            if not has_table(con, "fct_claims"):
                raise WarehouseUnavailable(
                    f"{warehouse} has no marts yet (fct_claims is missing); run `newsclaims run` to build them"
                )
            yield con
    except store.WarehouseBusy as exc:
        raise WarehouseUnavailable(str(exc)) from None


def has_table(con: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> bool:
    return (
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()[0]
        > 0
    )


def columns(con: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]
