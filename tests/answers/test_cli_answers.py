"""`newsclaims claims | speakers | sources` on the warehouse built from the seeds: real facts, exit codes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from datetime import date, timedelta

import duckdb
import pytest

from pipeline.answers.query import CLAIM_COLUMNS
from pipeline.cli import main

D000, D003, D004 = "000_e42f40467c54dca3.txt", "003_46c50872f9ce8b1f.txt", "004_57c9e20f4240cf42.txt"
#: (path, cue, start of content) of claims the seeds are known to hold, all Lukashenko's
LUKASHENKO_CLAIMS = [
    (D000, "rejected", "that Minsk promotes illegal migration into the European Union"),  # the rejected proposition
    (D000, "insisted", "that the accusations about encouraging illegal immigration are not new"),
    (D000, "said", "Belarus, despite facing sanctions, remains a place where humanitarian"),  # "He said"
    (D004, "stated", "that Ukrainian authorities detained a substantial quantity of vehicles"),
]


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def json_rows(capsys, built_warehouse, *args):
    code, out, err = run_cli(capsys, *args, "--warehouse", str(built_warehouse), "--json")
    return code, json.loads(out), err


def has(rows, path, cue, start):
    return any(r["path"] == path and r["cue"] == cue and r["content"].startswith(start) for r in rows)


def test_claims_by_speaker_returns_the_known_seed_claims(capsys, built_warehouse):
    code, rows, _ = json_rows(capsys, built_warehouse, "claims", "--speaker", "Lukashenko")
    assert code == 0
    for path, cue, start in LUKASHENKO_CLAIMS:
        assert has(rows, path, cue, start), (path, cue, start)
    # the filter matches speaker names: every speaker resolved to a person is him; one description
    # naming him ("The language used by Lukashenko suggests ...") is matched as well, as typed
    assert {r["speaker"] for r in rows if r["speaker_entity_id"]} == {"Alexander Lukashenko"}
    assert all("Lukashenko" in r["speaker"] for r in rows)
    assert {r["path"] for r in rows} == {D000, D004}
    assert [r["speaker_text"] for r in rows if r["cue"] == "said" and r["content"].startswith("Belarus, despite")] == [
        "He"
    ]
    assert list(rows[0]) == CLAIM_COLUMNS
    # case does not matter, and the other minister is someone else
    _, lower, _ = json_rows(capsys, built_warehouse, "claims", "--speaker", "lukashenko")
    assert lower == rows
    _, ryzhenkov, _ = json_rows(capsys, built_warehouse, "claims", "--speaker", "Ryzhenkov")
    assert ryzhenkov and {r["path"] for r in ryzhenkov} == {D003}
    assert has(ryzhenkov, D003, "according to", "Belarus plans to host an international conference")
    assert not {r["claim_id"] for r in ryzhenkov} & {r["claim_id"] for r in rows}


def test_claims_about_an_entity_mention_it_inside_the_content(capsys, built_warehouse, query):
    code, rows, _ = json_rows(capsys, built_warehouse, "claims", "--about", "Ukraine")
    assert code == 0 and rows
    assert has(rows, D004, "announced", "that Minsk carried out a targeted operation in Ukraine")
    assert all("Ukrain" in r["content"] for r in rows)
    texts = {
        t
        for (t,) in query(
            "select text from fct_mentions m join dim_entities e using (entity_id) where e.name ilike '%ukrain%'"
        )
    }
    assert texts, "the seeds mention Ukraine"
    # an entity nobody's claim mentions
    code, none, _ = json_rows(capsys, built_warehouse, "claims", "--about", "Atlantis")
    assert (code, none) == (1, [])


def test_claims_by_source_and_filters_combine(capsys, built_warehouse, query):
    (belta_claims,) = query(
        "select count(*) from fct_claims c join dim_sources s using (source_id) where s.name = 'BelTA'"
    )[0]
    code, rows, _ = json_rows(capsys, built_warehouse, "claims", "--source", "belta")
    assert code == 0 and len(rows) == belta_claims > 0 and {r["source"] for r in rows} == {"BelTA"}
    _, both, _ = json_rows(capsys, built_warehouse, "claims", "--source", "BELTA", "--speaker", "Ryzhenkov")
    assert both == [r for r in rows if r["speaker"] == "Maksim Ryzhenkov"]
    code, none, err = json_rows(capsys, built_warehouse, "claims", "--source", "Reuters")
    assert (code, none) == (1, [])


def test_claims_since(capsys, built_warehouse, query):
    (total,) = query("select count(*) from fct_claims")[0]
    code, rows, _ = json_rows(capsys, built_warehouse, "claims", "--since", "2000-01-01")
    assert code == 0 and len(rows) == total
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert json_rows(capsys, built_warehouse, "claims", "--since", tomorrow)[:2] == (1, [])


def test_claims_csv_and_table(capsys, built_warehouse):
    _, as_json, _ = json_rows(capsys, built_warehouse, "claims", "--speaker", "Ryzhenkov")
    code, out, _ = run_cli(capsys, "claims", "--speaker", "Ryzhenkov", "--csv", "--warehouse", str(built_warehouse))
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == CLAIM_COLUMNS
    assert [r[0] for r in rows[1:]] == [r["claim_id"] for r in as_json]
    code, out, _ = run_cli(capsys, "claims", "--speaker", "Ryzhenkov", "--warehouse", str(built_warehouse))
    assert code == 0
    assert "Maksim Ryzhenkov" in out and "according to" in out and D003 in out
    header = out.splitlines()[1]
    assert [w for w in header.replace("┃", " ").split()] == ["speaker", "cue", "content", "source", "path"]


def test_stance_is_used_with_the_column_and_refused_without_it(capsys, built_warehouse, tmp_path):
    code, out, _ = run_cli(capsys, "claims", "--stance", "Denies", "--json", "--warehouse", str(built_warehouse))
    rows = json.loads(out)
    assert code == 0 and "rejected" in [r["cue"] for r in rows] and {r["stance"] for r in rows} == {"denies"}
    # a warehouse of an earlier version, without the column
    earlier = tmp_path / "earlier.duckdb"
    shutil.copy(built_warehouse, earlier)
    con = duckdb.connect(str(earlier))
    con.execute("alter table fct_claims drop column claim_stance")
    con.close()
    code, out, err = run_cli(capsys, "claims", "--stance", "denies", "--warehouse", str(earlier))
    assert code == 2 and out == "" and "claim_stance" in err


def test_speakers_and_sources(capsys, built_warehouse, query):
    code, speakers, _ = json_rows(capsys, built_warehouse, "speakers")
    assert code == 0
    top = speakers[0]
    assert (top["speaker"], top["documents"], top["sources"]) == ("Alexander Lukashenko", 2, "BelTA")
    (lukashenko_claims,) = query("select count(*) from fct_claims where speaker_name = 'Alexander Lukashenko'")[0]
    assert top["claims"] == lukashenko_claims
    by_name = {s["speaker"]: s for s in speakers}
    assert by_name["Maksim Ryzhenkov"]["documents"] == 1
    assert [s["claims"] for s in speakers] == sorted((s["claims"] for s in speakers), reverse=True)
    code, sources, _ = json_rows(capsys, built_warehouse, "sources")
    assert code == 0 and [s["source"] for s in sources] == ["BelTA"]
    assert (sources[0]["kind"], sources[0]["documents"]) == ("news_agency", 3)
    code, out, _ = run_cli(capsys, "speakers", "--limit", "2", "--csv", "--warehouse", str(built_warehouse))
    assert code == 0 and len(out.splitlines()) == 3
    # only entities by default; --all adds speakers that name nobody, by their own words
    assert all(s["entity_id"] for s in speakers)
    # (an unresolved "BelTA" is counted with the entity BelTA: one row per name)
    (unresolved,) = query("""select count(distinct speaker_text) from fct_claims
                             where speaker_entity_id is null and speaker_text is not null and speaker_text not in
                                 (select speaker_name from fct_claims where speaker_name is not null)""")[0]
    _, everyone, _ = json_rows(capsys, built_warehouse, "speakers", "--all")
    assert len([s for s in everyone if s["entity_id"] is None]) == unresolved > 0
    assert {s["speaker"] for s in everyone if s["entity_id"]} == {s["speaker"] for s in speakers}
    assert (
        sum(s["claims"] for s in everyone)
        == query("select count(*) from fct_claims where coalesce(speaker_name, speaker_text) is not null")[0][0]
    )


def test_usage_errors_exit_2(capsys, built_warehouse):
    for args in (
        ["claims", "--json", "--csv"],
        ["claims", "--since", "yesterday"],
        ["speakers", "--limit", "0"],
        ["claims", "--no-such-option"],
    ):
        with pytest.raises(SystemExit) as exc:
            main([*args, "--warehouse", str(built_warehouse)])
        assert exc.value.code == 2, args
    assert "not a date" in capsys.readouterr().err


def test_missing_or_unbuilt_warehouse_exits_3_with_a_message(capsys, tmp_path):
    code, out, err = run_cli(capsys, "claims", "--warehouse", str(tmp_path / "nowhere.duckdb"))
    assert code == 3 and out == "" and "no warehouse at" in err and "newsclaims run" in err
    assert not (tmp_path / "nowhere.duckdb").exists()  # a question never creates a warehouse
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    code, _, err = run_cli(capsys, "speakers", "--warehouse", str(empty))
    assert code == 3 and "no marts yet" in err


def test_questions_leave_the_warehouse_untouched(capsys, built_warehouse):
    before = hashlib.sha256(built_warehouse.read_bytes()).hexdigest()
    for args in (["claims"], ["speakers"], ["sources"], ["search", "migration"]):
        run_cli(capsys, *args, "--json", "--warehouse", str(built_warehouse))
    assert hashlib.sha256(built_warehouse.read_bytes()).hexdigest() == before


def test_the_summary_says_where_the_report_is_and_what_to_ask_next(capsys, built_warehouse):
    from pipeline.settings import report_path_for

    code, out, _ = run_cli(capsys, "summary", "--warehouse", str(built_warehouse))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"warehouse: {built_warehouse}"
    assert lines[1] == f"report: {report_path_for(built_warehouse)} (open it in a browser)"
    assert "newsclaims claims --speaker NAME" in lines[-1] and "docs/cookbook.md" in lines[-1]
