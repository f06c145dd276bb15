"""`newsclaims eval mentions CONLL_FILE`: the whole pipeline on CoNLL documents, scored by the shared
score_mentions.py, on an invented two-document CoNLL file."""

from __future__ import annotations

import json

import pytest

from pipeline.cli import main

CONLL = """-DOCSTART- -X- -X- O

SOCCER NN B-NP O
- : O O
VELDHOVEN NNP B-NP B-ORG
ROVERS NNP I-NP I-ORG
SIGN VBP B-VP O
STRIKER NN B-NP O
FROM IN B-PP O
ABROAD RB B-ADVP O
. . O O

Orlanda NNP B-NP B-PER
Vintrup NNP I-NP I-PER
scored VBD B-VP O
twice RB B-ADVP O
in IN B-PP O
Rotterdam NNP B-NP B-LOC
on IN B-PP O
Sunday NNP B-NP O
. . O O

-DOCSTART- -X- -X- O

Shares NNS B-NP O
in IN B-PP O
Dravik NNP B-NP B-ORG
Pharma NNP I-NP I-ORG
fell VBD B-VP O
, , O O
chief JJ B-NP O
executive NN I-NP O
Marten NNP I-NP B-PER
Oskarsson NNP I-NP I-PER
said VBD B-VP O
. . O O
"""


@pytest.mark.slow
@pytest.mark.shared_data
def test_eval_mentions_prints_the_shared_scorers_figures(shared_data, tmp_path, capsys):
    conll = tmp_path / "tiny.conll"
    conll.write_text(CONLL, encoding="utf-8")
    assert main(["eval", "mentions", str(conll), "--tools", str(shared_data.parent / "tools")]) == 0
    out = capsys.readouterr().out
    assert "score_mentions.py" in out and "conll_docs.py" in out
    scores = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert scores["PER"]["tp"] == 2 and scores["ORG"]["tp"] == 2 and scores["LOC"]["tp"] == 1
    assert scores["micro"]["fp"] == 0 and scores["micro"]["f1"] == 1.0
    assert "micro P 1.000 R 1.000 F1 1.000" in out


def test_eval_mentions_says_when_the_file_is_missing(tmp_path, capsys):
    assert main(["eval", "mentions", str(tmp_path / "none.conll")]) == 1
    assert "is not a file" in capsys.readouterr().err
