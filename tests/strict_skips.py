"""Under CI (`CI=true`) a browser, quality, scale-out (Redis) or shared-data test that would skip fails instead.

Those checks skip on a developer's machine that lacks Chromium or ../shared/data; in CI a skip would
hide a check that did not run, so the skip becomes a failure that keeps its reason. Loaded by
tests/conftest.py as a plugin.
"""

from __future__ import annotations

import os

import pytest

#: test folders (under tests/) whose skips fail under CI, besides tests marked `shared_data`
STRICT_FOLDERS = ("ui", "quality", "scaleout")


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _strict(item: pytest.Item) -> bool:
    parts = item.path.parts
    in_folder = any(parts[i] == "tests" and parts[i + 1] in STRICT_FOLDERS for i in range(len(parts) - 1))
    return in_folder or item.get_closest_marker("shared_data") is not None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and under_ci() and _strict(item)) or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    report.outcome = "failed"
    report.longrepr = (
        f"{item.nodeid} would have skipped under CI=true, where it must run: {reason}\n"
        "(install what it needs: `make browser-deps` for tests/ui, `make redis-deps` for "
        "tests/scaleout, ../shared/data beside the clone for quality and shared-data tests)"
    )
