"""Named points where a test can stop a real run and kill it (SIGKILL), to prove crash safety.

Inert unless NEWSCLAIMS_TEST_PAUSE_AT names the point. Then, on reaching it, the process writes
its pid to the file NEWSCLAIMS_TEST_PAUSE_MARKER and sleeps (NEWSCLAIMS_TEST_PAUSE_SECONDS,
default 120), so a test can wait for the marker and `kill -9` it at exactly that moment.

Points: `ingest_before_commit` (the corpus written, transaction open), `spacy_after_first_batch`
(one batch staged, spaCy still running), `load_start` (everything staged, nothing loaded yet: a
test can damage a batch there and let the run go on), `load_before_commit` (a batch inserted,
transaction open), `dbt_during_build` (dbt in the run's process, or in the one forked ahead for an
update's build, which then dies with the run: its first node done, more to come).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

POINTS = ("ingest_before_commit", "spacy_after_first_batch", "load_start", "load_before_commit", "dbt_during_build")


def reached(point: str) -> None:
    wanted = os.environ.get("NEWSCLAIMS_TEST_PAUSE_AT")
    if not wanted or point not in wanted.split(","):
        return
    marker = os.environ.get("NEWSCLAIMS_TEST_PAUSE_MARKER")
    if marker:
        tmp = Path(f"{marker}.{os.getpid()}.tmp")
        tmp.write_text(f"{os.getpid()} {point}\n")
        os.replace(tmp, marker)
    time.sleep(float(os.environ.get("NEWSCLAIMS_TEST_PAUSE_SECONDS", "120")))
