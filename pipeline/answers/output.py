"""An Answer printed as a terminal table (rich), JSON (a list of objects) or CSV (a header row)."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from typing import TextIO

from pipeline.answers.query import Answer

FORMATS = ("table", "json", "csv")


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def write(answer: Answer, fmt: str = "table", out: TextIO | None = None, title: str | None = None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        json.dump([_plain(r) for r in answer.records()], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(answer.columns)
        for row in answer.rows:
            writer.writerow(["; ".join(map(str, v)) if isinstance(v, list) else _plain(v) for v in row])
    elif fmt == "table":
        write_table(answer, out, title)
    else:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def write_table(answer: Answer, out: TextIO, title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    shown = answer.table_columns or answer.columns
    index = [answer.columns.index(c) for c in shown]
    table = Table(title=title, show_lines=False, expand=False, title_justify="left")
    for name in shown:
        numeric = answer.rows and all(isinstance(r[answer.columns.index(name)], (int, float)) for r in answer.rows)
        wide = name in ("content", "snippet")
        table.add_column(
            name,
            justify="right" if numeric else "left",
            overflow="fold",
            ratio=3 if wide else None,
            min_width=20 if wide else None,
        )
    from rich.text import Text

    for n, row in enumerate(answer.rows):
        cells = []
        for name, i in zip(shown, index, strict=True):
            # line breaks drawn as spaces (same length: highlight offsets stay right)
            cell = Text("" if row[i] is None else _cell(row[i]).replace("\r", " ").replace("\n", " "))
            if name == "snippet":
                for start, end in answer.highlights.get(n, ()):
                    cell.stylize("bold reverse", start, end)
            cells.append(cell)
        table.add_row(*cells)
    # a terminal gets its own width and colour; a pipe or file gets plain text 120 columns wide
    console = Console(
        file=out, width=None if out.isatty() else 120, highlight=False, no_color=not out.isatty(), soft_wrap=False
    )
    console.print(table)


def _cell(value) -> str:
    value = _plain(value)
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
