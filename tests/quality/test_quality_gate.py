"""Quality gate: the whole pipeline on PolNeAR dev, scored by the shared scorer.

Fails when claim extraction breaks or regresses well below what it measured (PolNeAR dev,
rules + the fine-tuned MiniLM claim tagger (the default since the CNN's 0.736 / 0.639 / 0.775 /
0.769; 0.753 / 0.652 / 0.786 / 0.783 before the 4-epoch tagger and the decoder's cue veto; 0.783 /
0.687 / 0.808 / 0.803 before the three decoder settings of session 20; 0.786 / 0.690 / 0.810 /
0.805 with eight tagger windows per pass, before session 36; 0.784 / 0.689 / 0.812 / 0.806 with the
tagger trained at a learning rate of 5e-5, before session 42):
attribution F1 0.789, strict F1 0.693, cue F1 0.819, source F1 0.812; see
benchmarks/quality.py for the full figures). Skips when
../shared/data (research-use data, never copied into the project) is absent. About 35 s: spaCy on 84 articles, then dbt.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

#: A few points under the measured figures: noise from a model or dbt upgrade passes, a broken
#: extractor does not.
ATTRIBUTION_F1_FLOOR = 0.77
STRICT_F1_FLOOR = 0.67
CUE_F1_FLOOR = 0.80
SOURCE_F1_FLOOR = 0.79


@pytest.fixture(scope="module")
def polnear_dev_scores(shared_data, tmp_path_factory):
    from pipeline.cli import run
    from pipeline.settings import Settings

    split = shared_data / "polnear" / "dev"
    scorer = shared_data.parent / "tools" / "score_claims.py"
    if not (split / "text").is_dir() or not scorer.is_file():
        pytest.skip(f"PolNeAR dev or its scorer not found under {shared_data.parent}")
    base = tmp_path_factory.mktemp("polnear_dev")
    input_dir = base / "input"
    input_dir.mkdir()
    for path in sorted((split / "text").glob("*.txt")):
        shutil.copy2(path, input_dir / path.name)
    warehouse = base / "w.duckdb"
    assert run(Settings.from_env(input_dir=input_dir, warehouse=warehouse)), "the pipeline run failed"
    out = subprocess.run(
        [sys.executable, str(scorer), str(split), "--duckdb", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_dev_article_is_scored(polnear_dev_scores):
    assert polnear_dev_scores["articles"] == 84
    assert polnear_dev_scores["attribution"]["pred"] > 0


def test_attribution_f1_floor(polnear_dev_scores):
    f1 = polnear_dev_scores["attribution"]["f1"]
    assert f1 >= ATTRIBUTION_F1_FLOOR, f"attribution F1 {f1} fell under {ATTRIBUTION_F1_FLOOR}: {polnear_dev_scores}"


def test_strict_f1_floor(polnear_dev_scores):
    f1 = polnear_dev_scores["strict"]["f1"]
    assert f1 >= STRICT_F1_FLOOR, f"strict F1 {f1} fell under {STRICT_F1_FLOOR}: {polnear_dev_scores}"


@pytest.mark.parametrize("metric, floor", [("cue", CUE_F1_FLOOR), ("source", SOURCE_F1_FLOOR)])
def test_cue_and_source_f1_floors(polnear_dev_scores, metric, floor):
    f1 = polnear_dev_scores[metric]["f1"]
    assert f1 >= floor, f"{metric} F1 {f1} fell under {floor}: {polnear_dev_scores}"
