"""What the browser tests under tests/ui need: Chromium, node and playwright-core (`make browser-deps`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

UI_DIR = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="module")
def browser_deps() -> None:
    """Chromium, node and tests/ui/node_modules (`make browser-deps` installs them), else skip
    (a failure under CI=true: tests/strict_skips.py)."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (Debian package chromium)")
    if shutil.which("node") is None:
        missing.append("node")
    if not (UI_DIR / "node_modules" / "playwright-core").is_dir():
        missing.append("tests/ui/node_modules (npm ci --prefix tests/ui)")
    if missing:
        pytest.skip("browser test needs " + ", ".join(missing) + "; run `make browser-deps`")
