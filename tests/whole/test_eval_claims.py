"""`newsclaims eval claims DIR`: the whole pipeline on a brat folder in PolNeAR's layout, scored by the
shared score_claims.py, on one invented article with hand-written gold."""

from __future__ import annotations

import json

import pytest

from pipeline.cli import main

TEXT = "The mayor said that the bridge would reopen in May.\n\nOfficials warned that the river could flood the town.\n"


def _span(text: str, part: str) -> str:
    s = text.index(part)
    return f"{s} {s + len(part)}"


def write_brat(root):
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / "art1.txt").write_text(TEXT, encoding="utf-8")
    lines, n = [], 0
    for k, (src, cue, content) in enumerate(
        [
            ("The mayor", "said", "that the bridge would reopen in May"),
            ("Officials", "warned", "that the river could flood the town"),
        ]
    ):
        ids = []
        for kind, part in (("Source", src), ("Cue", cue), ("Content", content)):
            n += 1
            lines.append(f"T{n}\t{kind} {_span(TEXT, part)}\t{part}")
            ids.append(f"T{n}")
        lines.append(f"E{k + 1}\tAttribution:{ids[1]} Source:{ids[0]} Cue:{ids[1]} Content:{ids[2]}")
    (root / "attributions" / "art1_annotator.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
@pytest.mark.shared_data
def test_eval_claims_prints_the_shared_scorers_figures(shared_data, tmp_path, capsys):
    write_brat(tmp_path / "gold")
    tools = shared_data.parent / "tools"
    assert main(["eval", "claims", str(tmp_path / "gold"), "--tools", str(tools), "--thresholds", "0,0.99"]) == 0
    out = capsys.readouterr().out
    assert "score_claims.py" in out
    scores = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert scores["attribution"]["tp"] == 2 and scores["attribution"]["gold"] == 2
    assert scores["strict"]["tp"] == 2 and scores["cue"]["f1"] == 1.0
    assert "attribution P 1.000 R 1.000 F1 1.000" in out
    assert "| 0.00 | 2 | 1.000 | 1.000 | 1.000 | 1.000 |" in out  # the threshold table: all claims kept
    assert "| 0.99 | 0 |" in out  # no rule is that precise


def test_eval_claims_says_when_the_folder_is_not_a_brat_folder(tmp_path, capsys):
    assert main(["eval", "claims", str(tmp_path)]) == 1
    assert "PolNeAR's layout" in capsys.readouterr().err
