"""Which source carried each claim (fct_claims.source_id) and which is its speaker (speaker_source_id),
on invented articles of each kind, through annotate_doc with the real spaCy model."""

from __future__ import annotations

from datetime import datetime, timezone

from pipeline.nlp.annotate import annotate_doc, source_id


def carriers(nlp, text):
    out = annotate_doc(nlp(text), "doc", "test", datetime.now(timezone.utc))
    rows = out["claims"]
    names = {r["source_id"]: r["source_name"] for r in out["source_citations"]}
    return [(r["cue_text"], names.get(r["source_id"]), names.get(r["speaker_source_id"])) for r in rows]


def test_citation_in_the_claims_own_sentence_carries_it(nlp):
    text = "According to TASS, the ministry's account is wrong. The mayor said the bridge would reopen in May."
    got = carriers(nlp, text)
    assert ("According to", "TASS", "TASS") in got  # the agency is the speaker and carries it
    assert ("said", None, None) in got  # the mayor's claim: nothing carries it


def test_told_an_agency_carries_the_claim(nlp):
    text = "The talks will resume next week, a city official told Reuters."
    assert [(c, s) for c, s, _ in carriers(nlp, text)] == [("told", "Reuters")]


def test_wire_dateline_carries_the_whole_article(nlp):
    text = (
        "KYIV (Reuters) - Ukraine's foreign minister said on Monday that talks would resume. "
        "The mayor said the bridge would reopen in May."
    )
    got = carriers(nlp, text)
    assert {s for _, s, _ in got} == {"Reuters"}
    rows = annotate_doc(nlp(text), "doc", "test", datetime.now(timezone.utc))["claims"]
    assert rows[0]["speaker_text"] == "Ukraine's foreign minister"  # not the dateline before it


def test_closing_credit_carries_the_whole_article(nlp):
    for credit in ("(Source: Kazinform)", "[Citation: BelTA]"):
        text = f"The minister said that exports had grown. The governor warned that prices could rise.\n{credit}\n"
        got = carriers(nlp, text)
        assert len(got) == 2 and {s for _, s, _ in got} == {credit.split(": ")[1].rstrip(")]")}, got


def test_agency_reporting_the_remarks_carries_the_article(nlp):
    text = (
        "Lukashenko said that the border would stay open. He warned that smugglers would be caught. "
        "BelTA later reported the remarks."
    )
    got = carriers(nlp, text)
    assert {s for _, s, _ in got} == {"BelTA"}
    assert ("reported", "BelTA", "BelTA") in got  # BelTA is also the speaker of its own report


def test_a_body_that_reports_is_the_speaker_never_the_carrier(nlp):
    text = (
        "The Labor Department reported that employers added 200,000 jobs in May. "
        "The mayor said the bridge would reopen in May."
    )
    got = carriers(nlp, text)
    assert ("reported", None, "Labor Department") in got or ("reported", None, "the Labor Department") in got, got
    assert ("said", None, None) in got


def test_a_company_reporting_profit_carries_nothing(nlp):
    text = "Acme Motors reported a rise in profit on Tuesday. Its chief executive said sales were strong."
    got = carriers(nlp, text)
    assert {s for _, s, _ in got} == {None}, got
    assert ("reported", None, "Acme Motors") in got


def test_source_id_is_stable_per_source():
    assert source_id("belta") == source_id("belta") != source_id("reuters")
