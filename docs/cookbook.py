"""Rewrite the output of every query in docs/cookbook.md from a real warehouse.

    .venv/bin/python docs/cookbook.py                      # builds one from seeds/ (about a minute)
    .venv/bin/python docs/cookbook.py --warehouse W.duckdb # or uses a built warehouse, read-only

Each ```sql block in the cookbook is followed by an output region between `<!-- output -->` and
`<!-- /output -->`; this script runs the query and replaces that region with a Markdown table
(long values cut with "…", at most MAX_ROWS rows shown, the row count below). The warehouse it
builds holds the seeds plus two files it writes to be rejected (an empty one and a PDF), so the
rejection query has something to show. tests/answers/test_cookbook.py runs every query on the seeds.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

COOKBOOK = Path(__file__).resolve().with_name("cookbook.md")
ROOT = COOKBOOK.parent.parent
MAX_ROWS = 10
MAX_CELL = 70
BLOCK = re.compile(
    r"^## (?P<title>.+?)\n.*?```sql\n(?P<sql>.*?)```\n+<!-- output -->\n.*?<!-- /output -->", re.S | re.M
)


def queries(text: str) -> list[tuple[str, str]]:
    """(heading, SQL) of every query in the cookbook, in order."""
    return [(m["title"].strip(), m["sql"].strip()) for m in BLOCK.finditer(text)]


def _cell(value) -> str:
    text = "NULL" if value is None else str(value)
    text = " ".join(text.split())  # one line per row
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return text.replace("|", "\\|")


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows[:MAX_ROWS]]
    shown = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
    if len(rows) > MAX_ROWS:
        shown += f", the first {MAX_ROWS} shown"
    return "\n".join(lines) + f"\n\n_{shown}_"


def run_query(con, sql: str) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql)
    return [d[0] for d in cursor.description], cursor.fetchall()


def rewrite(text: str, con) -> str:
    def replace(m: re.Match) -> str:
        columns, rows = run_query(con, m["sql"])
        head = m.group(0)[: m.group(0).index("<!-- output -->")]
        return f"{head}<!-- output -->\n{markdown_table(columns, rows)}\n<!-- /output -->"

    return BLOCK.sub(replace, text)


def build_warehouse(base: Path) -> Path:
    """The seeds plus an empty file and a PDF (both rejected), through the real pipeline."""
    sys.path.insert(0, str(ROOT))
    from pipeline.cli import run
    from pipeline.settings import Settings

    input_dir = base / "input"
    shutil.copytree(ROOT / "seeds", input_dir)
    (input_dir / "empty.txt").write_text("\n")
    (input_dir / "scan.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    warehouse = base / "warehouse.duckdb"
    if not run(Settings.from_env(input_dir=input_dir, warehouse=warehouse)):
        raise SystemExit("cookbook: the pipeline run failed")
    return warehouse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a built warehouse (default: build one from seeds/)")
    args = parser.parse_args(argv)
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = args.warehouse or build_warehouse(Path(tmp))
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            text = COOKBOOK.read_text(encoding="utf-8")
            COOKBOOK.write_text(rewrite(text, con), encoding="utf-8")
        finally:
            con.close()
    print(f"rewrote {len(queries(text))} outputs in {COOKBOOK}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
