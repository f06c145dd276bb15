"""tests/strict_skips.py on a throwaway test tree, run by pytest's own pytester."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SKIPPING = """
import pytest

def test_needs_a_browser():
    pytest.skip("no chromium here")
"""


@pytest.fixture
def tree(pytester):
    pytester.makeconftest('pytest_plugins = ["tests.strict_skips"]')
    for folder in ("ui", "quality", "unit"):
        (pytester.path / "tests" / folder).mkdir(parents=True)
        (pytester.path / "tests" / folder / f"test_{folder}.py").write_text(SKIPPING)
    (pytester.path / "tests" / "unit" / "test_marked.py").write_text(
        'import pytest\n\n@pytest.mark.shared_data\ndef test_reads_shared():\n    pytest.skip("no shared data")\n'
    )
    (pytester.path / "pytest.ini").write_text("[pytest]\nmarkers =\n    shared_data: reads ../shared/data\n")
    return pytester


def test_skips_stay_skips_off_ci(tree, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    tree.runpytest("-p", "no:cacheprovider").assert_outcomes(skipped=4)


def test_under_ci_browser_quality_and_shared_data_skips_fail_with_their_reason(tree, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = tree.runpytest("-p", "no:cacheprovider", "-rf")
    # an ordinary unit test may still skip; the three strict ones fail
    result.assert_outcomes(failed=3, skipped=1)
    out = result.stdout.str()
    assert "test_ui.py::test_needs_a_browser would have skipped under CI=true" in out
    assert "test_quality.py::test_needs_a_browser would have skipped under CI=true" in out
    assert "no chromium here" in out and "no shared data" in out


def test_ci_false_is_not_ci(tree, monkeypatch):
    monkeypatch.setenv("CI", "false")
    tree.runpytest("-p", "no:cacheprovider").assert_outcomes(skipped=4)
