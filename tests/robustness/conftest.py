"""A messy input folder built from scratch, real `newsclaims run` subprocesses, and snapshots of
every table to compare one warehouse with another."""

from __future__ import annotations

import codecs
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SEEDS

BIN = Path(sys.executable).parent
NEWSCLAIMS = str(BIN / "newsclaims")
#: small enough that a test file can exceed it cheaply
MAX_FILE_BYTES = 100_000

CRLF_ARTICLE = (
    "Minsk says border talks will resume\r\n"
    "\r\n"
    "MINSK, May 5 (BelTA) - Belarusian Foreign Minister Maksim Ryzhenkov said on Monday that talks "
    "with Lithuania on the border crossings would resume next week.\r\n"
    '"We are ready to meet our neighbours halfway," the minister told reporters in Minsk.\r\n'
    "According to BelTA, the first meeting will take place in Vilnius.\r\n"
)
WESTERN = (
    "Chelsea sack Mutu\n\nChelsea have sacked Adrian Mutu, a £15.8m signing from Parma, the club "
    'said on Friday. Coach José Mourinho said the decision was "the only one possible".\n'
)
CYRILLIC_NAME = (
    "Lukashenko visits Grodno\n\nAlexander Lukashenko (Александр Лукашенко) said on Tuesday "
    "that the new plant in Grodno would open in autumn, BelTA reported.\n"
)
UTF16_ARTICLE = (
    "Warsaw responds\n\nPolish Prime Minister Donald Tusk said that the border would stay "
    "closed until the end of the month, Reuters reported.\n"
)
INJECTION = (
    "Robert'); DROP TABLE raw.documents; --\n\nThe spokesman said that \"'; delete from "
    'fct_claims; --" was not a valid name, officials in Minsk confirmed.\n'
)
RUSSIAN_LONG = (
    "Президент Беларуси Александр Лукашенко отверг обвинения в том, что Минск способствует "
    "нелегальной миграции в Европейский союз, сообщает БелТА. Он заявил, что это старые "
    "обвинения и что Беларусь останется безопасной страной для всех, кто уважает её законы.\n"
)
RUSSIAN_SHORT = "Минск, 5 мая. Лукашенко заявил.\n"
SCORES = "Arsenal 3 Chelsea 1\nMan Utd 2 Spurs 2\nLiverpool 0 Everton 0\n"
OUTSIDE_SECRET = "This secret text lives outside the input folder and must never be read.\n"

#: path → expected rejection reason
EXPECTED_REJECTIONS = {
    "bad/empty.txt": "empty",
    "bad/whitespace only.txt": "empty",
    "bad/image.txt": "binary",
    "bad/report.txt": "binary",
    "bad/notes.md": "not_text",
    "bad/huge.txt": "too_large",
    "bad/russian.txt": "language",
    "bad/secret link.txt": "outside_input",
}
#: path → encoding of the files that must load
EXPECTED_DOCUMENTS = {
    "000_e42f40467c54dca3.txt": "utf-8",
    "003_46c50872f9ce8b1f.txt": "utf-8",
    "004_57c9e20f4240cf42.txt": "utf-8",
    "odd/crlf article.txt": "utf-8",
    'odd/it\'s "chelsea" £.txt': "cp1252",
    "odd/Лукашенко.txt": "cp1251",
    "odd/utf16 bom.txt": "utf-16-bom",
    "odd/injection.txt": "utf-8",
    "odd/short russian.txt": "utf-8",
    "odd/scores.txt": "utf-8",
    "odd/caf\\xe9 (latin-1 name).txt": "utf-8",  # a file name that is not UTF-8, shown escaped
}


def build_messy_folder(root: Path) -> Path:
    """Seeds plus good files in legacy encodings and odd names, and every kind of bad file."""
    inp = root / "input"
    shutil.copytree(SEEDS, inp)
    odd, bad = inp / "odd", inp / "bad"
    odd.mkdir()
    bad.mkdir()
    (odd / "crlf article.txt").write_bytes(CRLF_ARTICLE.encode("utf-8"))
    (odd / 'it\'s "chelsea" £.txt').write_bytes(WESTERN.encode("latin-1"))
    (odd / "Лукашенко.txt").write_bytes(CYRILLIC_NAME.encode("cp1251"))
    (odd / "utf16 bom.txt").write_bytes(codecs.BOM_UTF16_LE + UTF16_ARTICLE.encode("utf-16-le"))
    (odd / "injection.txt").write_text(INJECTION, encoding="utf-8")
    (odd / "short russian.txt").write_text(RUSSIAN_SHORT, encoding="utf-8")
    (odd / "scores.txt").write_text(SCORES, encoding="utf-8")
    with open(os.path.join(os.fsencode(odd), b"caf\xe9 (latin-1 name).txt"), "wb") as f:
        f.write(b"Lukashenko met the owners of a cafe in Minsk on Friday, officials said.\n")
    (bad / "empty.txt").write_bytes(b"")
    (bad / "whitespace only.txt").write_bytes(b"  \r\n\t \n")
    (bad / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (bad / "report.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n")
    (bad / "notes.md").write_text("# my notes\n")
    (bad / "huge.txt").write_bytes(b"All work and no play makes Jack a dull boy.\n" * (MAX_FILE_BYTES // 40))
    (bad / "russian.txt").write_bytes(RUSSIAN_LONG.encode("cp1251"))
    secret = root / "outside secret.txt"
    secret.write_text(OUTSIDE_SECRET)
    (bad / "secret link.txt").symlink_to(secret)
    (inp / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden: not input at all
    return inp


def run_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCLAIMS_", "DAGSTER_HOME"))}
    # one spaCy process, as everywhere in the suite (tests/conftest.py): the runs here are killed on purpose
    env.update(NEWSCLAIMS_MAX_FILE_BYTES=str(MAX_FILE_BYTES), NEWSCLAIMS_N_PROCESS="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def start_run(input_dir: Path, warehouse: Path, log: Path, **extra_env: str) -> subprocess.Popen:
    """A real `newsclaims run` in its own process (stdout and stderr to `log`)."""
    out = open(log, "ab")
    try:
        return subprocess.Popen(
            [NEWSCLAIMS, "run", "--input", str(input_dir), "--warehouse", str(warehouse), "--quiet"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=run_env(**extra_env),
            cwd=str(warehouse.parent),
        )
    finally:
        out.close()


def finish(proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    rc = proc.wait(timeout=timeout)
    text = log.read_text(errors="replace")
    assert rc == 0, f"newsclaims run exited {rc}:\n{text[-6000:]}"
    assert "Traceback" not in text, text[-6000:]


def kill9(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def wait_for(predicate, proc: subprocess.Popen, log: Path, timeout: float = 120, poll: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(
                f"the run ended (rc {proc.returncode}) before the awaited moment:\n"
                f"{log.read_text(errors='replace')[-4000:]}"
            )
        time.sleep(poll)
    proc.kill()
    pytest.fail("timed out waiting for the run to reach the awaited moment")


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the direct children of a process, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            if ppid == pid:
                cmd = (entry / "cmdline").read_bytes().replace(b"\x00", b" ").decode(errors="replace")
                found.append((int(entry.name), cmd))
        except (OSError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        return (Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]) != "Z"
    except OSError:
        return False


#: columns whose values are times or batch bookkeeping: they differ between two correct runs
VOLATILE = {
    "processed_at",
    "first_seen_at",
    "last_seen_at",
    "detected_at",
    "loaded_at",
    "batch_id",
    "built_at",
    "resolved_at",
    "indexed_at",
    "embedded_at",
    "clustered_at",
    "changed_at",
    "scanned_at",
    # a report's time is its document's published_at, else when newsclaims first saw it
    "reported_at",
    "first_reported_at",
    "last_reported_at",
    # a claim's embedding can differ in its last float bits with the batch it was computed in
    "embedding",
}
#: tables that only record how the work was batched
BOOKKEEPING = {("raw", "loaded_batches")}


def snapshot(warehouse: Path, ignore: frozenset[str] | set[str] = frozenset(VOLATILE)) -> dict[str, list]:
    """Every table and view of the warehouse: schema.table → sorted rows, without the columns in
    `ignore` (by default the times and batch bookkeeping)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute("""
            select table_schema, table_name from information_schema.tables
            where table_catalog = current_database() order by 1, 2""").fetchall()
        snap = {}
        for schema, table in tables:
            if (schema, table) in BOOKKEEPING:
                continue
            cols = [
                c
                for (c,) in con.execute(
                    """
                select column_name from information_schema.columns
                where table_schema = ? and table_name = ? order by ordinal_position""",
                    [schema, table],
                ).fetchall()
                if c not in ignore
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'select {select} from "{schema}"."{table}"').fetchall()
            snap[f"{schema}.{table}"] = sorted(rows, key=repr)
        return snap
    finally:
        con.close()


def staging_leftovers(warehouse: Path) -> list[str]:
    staging = Path(f"{warehouse}.batches")
    return sorted(p.name for p in staging.iterdir()) if staging.is_dir() else []


@pytest.fixture(scope="session")
def messy_input(tmp_path_factory) -> Path:
    return build_messy_folder(tmp_path_factory.mktemp("messy"))


@pytest.fixture(scope="session")
def clean_run(messy_input, tmp_path_factory) -> Path:
    """One clean `newsclaims run` subprocess over the messy folder: the reference warehouse."""
    base = tmp_path_factory.mktemp("clean")
    warehouse = base / "clean.duckdb"
    log = base / "run.log"
    finish(start_run(messy_input, warehouse, log), log)
    return warehouse


@pytest.fixture(scope="session")
def clean_snapshot(clean_run) -> dict[str, list]:
    return snapshot(clean_run)


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    """Rows of one query on a warehouse file, opened read-only and closed again."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def clean_query(clean_run):
    return lambda sql, params=None: query(clean_run, sql, params)
