"""Arrow tables a DuckDB query reads by name, for the length of a `with` block.

DuckDB scans a registered Arrow table in place (no copy, no write), which is how the warehouse
modules hand a query a list of ids or a batch of new rows; the name must be dropped afterwards, or
the next registration under it, and the table's memory, outlive the step that needed them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pyarrow as pa


def ids_table(values: Iterable[str]) -> pa.Table:
    """One string column ``v``: the distinct values, sorted (what ``in (select v from NAME)`` reads)."""
    return pa.table({"v": pa.array(sorted(set(values)), pa.string())})


@contextmanager
def registered(con, **tables) -> Iterator[None]:
    """Each Arrow table (or dataset) under its keyword's name while the block runs, unregistered
    however it ends."""
    done = []
    try:
        for name, table in tables.items():
            con.register(name, table)
            done.append(name)
        yield
    finally:
        for name in reversed(done):
            con.unregister(name)
