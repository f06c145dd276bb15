"""Named places where a test can make a real run fail on one document, to prove that the failure
stays with that document (the other documents load, the run is green, the error is recorded).

Inert unless NEWSCLAIMS_TEST_FAIL_MARKER is set: then a document whose text contains that marker
raises `InjectedFault` at the stage named by NEWSCLAIMS_TEST_FAIL_STAGE (`extract`, the default:
newsclaims' extractors; `spacy`: inside the spaCy pipeline, in newsclaims' line-break component).
The real code paths run; only the exception is invented.
"""

from __future__ import annotations

import os

STAGES = ("extract", "spacy")


class InjectedFault(RuntimeError):
    pass


def fail_if_marked(text: str, stage: str) -> None:
    marker = os.environ.get("NEWSCLAIMS_TEST_FAIL_MARKER")
    if not marker or (os.environ.get("NEWSCLAIMS_TEST_FAIL_STAGE") or "extract") != stage:
        return
    if marker in text:
        raise InjectedFault(f"fault injected for the test at stage {stage} (text contains {marker!r})")
