"""A folder of messy files through a real `newsclaims run` subprocess: every bad file is rejected
with a reason, every good one loads with the right text, offsets hold, language is stored."""

from __future__ import annotations

import pytest

from tests.robustness.conftest import (
    CRLF_ARTICLE,
    CYRILLIC_NAME,
    EXPECTED_DOCUMENTS,
    EXPECTED_REJECTIONS,
    INJECTION,
    OUTSIDE_SECRET,
    UTF16_ARTICLE,
    WESTERN,
)

pytestmark = pytest.mark.slow


def test_every_bad_file_is_rejected_with_a_reason_and_every_good_file_loads(clean_query):
    rejected = {
        path: (reason, detail)
        for path, reason, detail in clean_query("select path, reason, detail from rejected_documents")
    }
    assert {p: r for p, (r, _) in rejected.items()} == EXPECTED_REJECTIONS
    assert all(detail and len(detail) > 10 for _, detail in rejected.values())
    assert "limit of 100000" in rejected["bad/huge.txt"][1]
    assert "PDF" in rejected["bad/report.txt"][1]
    assert "'ru'" in rejected["bad/russian.txt"][1]
    loaded = dict(clean_query("select path, encoding from document_occurrences where is_present"))
    assert loaded == EXPECTED_DOCUMENTS
    assert clean_query("select count(*) from rejected_documents where detected_at is null") == [(0,)]


def test_legacy_encodings_and_utf16_are_decoded_verbatim(clean_query):
    texts = dict(clean_query("select path, text from dim_documents"))
    assert texts['odd/it\'s "chelsea" £.txt'] == WESTERN
    assert texts["odd/Лукашенко.txt"] == CYRILLIC_NAME
    assert texts["odd/utf16 bom.txt"] == UTF16_ARTICLE


def test_crlf_text_is_kept_and_every_span_matches_its_offsets(clean_query):
    [(doc_id, text)] = clean_query("select document_id, text from dim_documents where path = 'odd/crlf article.txt'")
    assert text == CRLF_ARTICLE and "\r\n" in text
    spans = clean_query("""
        select document_id, speaker_text, speaker_start_char, speaker_end_char from fct_claims
        union all select document_id, cue_text, cue_start_char, cue_end_char from fct_claims
        union all select document_id, content_text, content_start_char, content_end_char from fct_claims
        union all select document_id, text, start_char, end_char from fct_mentions
        union all select document_id, text, start_char, end_char from fct_sources""")
    texts = dict(clean_query("select document_id, text from dim_documents"))
    checked = 0
    for d, value, start, end in spans:
        if value is not None:
            assert texts[d][start:end] == value
            checked += 1
    assert checked > 100
    # spans after several CRLF line breaks, in the CRLF document itself
    crlf_claims = clean_query("select content_text, content_start_char from fct_claims where document_id = ?", [doc_id])
    assert any(start > text.index("\r\n\r\n") + 4 for _, start in crlf_claims), crlf_claims
    mentions = {m for (m,) in clean_query("select text from fct_mentions where document_id = ?", [doc_id])}
    assert {"Maksim Ryzhenkov", "Vilnius"} <= mentions


def test_language_is_stored_and_uncertain_text_is_processed_and_flagged(clean_query):
    rows = {
        path: (lang, conf, flag, processed)
        for path, lang, conf, flag, processed in clean_query(
            "select path, language, language_confidence, is_language_uncertain, processed_at is not null from dim_documents"
        )
    }
    assert rows["003_46c50872f9ce8b1f.txt"][:1] == ("en",) and rows["003_46c50872f9ce8b1f.txt"][1] >= 0.9
    assert rows["003_46c50872f9ce8b1f.txt"][2] is False
    for short in ("odd/short russian.txt", "odd/scores.txt"):
        lang, conf, flag, processed = rows[short]
        assert flag is True and processed is True, (short, rows[short])
    assert all(lang is not None and 0 <= conf <= 1 for lang, conf, _, _ in rows.values())
    # the long Russian file never reached the English model
    assert clean_query("select count(*) from dim_documents where text like '%Президент Беларуси%'") == [(0,)]


def test_sql_in_text_and_names_is_data(clean_query):
    [(text,)] = clean_query("select text from dim_documents where path = 'odd/injection.txt'")
    assert text == INJECTION
    assert clean_query("select count(*) from raw.documents")[0][0] == len(set(EXPECTED_DOCUMENTS))


def test_nothing_outside_the_input_folder_is_read(clean_query):
    assert clean_query("select count(*) from dim_documents where text = ?", [OUTSIDE_SECRET]) == [(0,)]
    [(detail,)] = clean_query("select detail from rejected_documents where path = 'bad/secret link.txt'")
    assert "outside the input folder" in detail
