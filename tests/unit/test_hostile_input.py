"""Hostile input, one piece at a time: each case of issue 8 that used to fail a run or garble text."""

from __future__ import annotations

import os

import pytest

from pipeline.ingest.decode import decode_bytes
from pipeline.ingest.files import name_bytes, read_corpus, stored_path

ARTICLE = (
    "“Labour will win,” the minister said on Tuesday. Café owners in Zürich — and in São Paulo — "
    "were less sure, according to Reuters.\n"
)
ENGLISH = (
    "The government said on Tuesday that new rules on freedom of information would come into force "
    "in January, and officials in London insisted that the change was not a delay. "
)


def _corpus(folder):
    c = read_corpus(folder)
    return {o.path: o for o in c.occurrences}, {r.path: r for r in c.rejections}, c


# 1. symbolic link loops ------------------------------------------------------------------------


def test_symlink_loop_and_self_link_are_rejected_and_the_good_file_loads(tmp_path):
    (tmp_path / "good.txt").write_text(ARTICLE, encoding="utf-8")
    os.symlink("b.txt", tmp_path / "a.txt")
    os.symlink("a.txt", tmp_path / "b.txt")
    os.symlink("self.txt", tmp_path / "self.txt")
    occ, rej, _ = _corpus(tmp_path)
    assert set(occ) == {"good.txt"}
    assert {p: r.reason for p, r in rej.items()} == {
        "a.txt": "unreadable",
        "b.txt": "unreadable",
        "self.txt": "unreadable",
    }
    assert all("loop" in r.detail for r in rej.values())


# 3. names that escape alike ------------------------------------------------------------------


def test_a_raw_byte_name_and_its_escape_spelt_out_stay_two_files(tmp_path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(raw, "wb") as f:
        f.write(ARTICLE.encode("utf-8"))
    (tmp_path / "caf\\xe9.txt").write_text(ENGLISH, encoding="utf-8")
    occ, rej, corpus = _corpus(tmp_path)
    assert not rej
    assert len(occ) == 2 and len(corpus.documents) == 2
    assert {name_bytes(p) for p in occ} == {b"caf\xe9.txt", b"caf\\xe9.txt"}


@pytest.mark.parametrize(
    "raw",
    [
        b"plain.txt",
        b"caf\xc3\xa9.txt",
        b"caf\xe9.txt",
        b"a\\b.txt",
        b"a\\\\xe9.txt",
        b"\\xe9\xe9\\.txt",
        b"\xff\xfe.txt",
        b"\xed\xa0\x80.txt",
    ],
)
def test_stored_names_round_trip_to_their_bytes(raw):
    name = os.fsdecode(raw)
    stored = stored_path(name)
    stored.encode("utf-8")  # always valid text
    assert name_bytes(stored) == raw


def test_valid_utf8_names_without_backslash_are_stored_as_they_are():
    assert stored_path("odd/Лукашенко it's £.txt") == "odd/Лукашенко it's £.txt"


# 4. mostly-valid UTF-8 ------------------------------------------------------------------------


def test_utf8_cut_inside_its_last_character_stays_utf8_with_one_error():
    data = (ARTICLE + "He left.”").encode("utf-8")[:-1]
    got = decode_bytes(data)
    assert (got.encoding, got.decode_errors) == ("utf-8", 1)
    assert got.text == ARTICLE + "He left.\ufffd"


@pytest.mark.parametrize("stray", [b"\xff", b"\xfe", b"\x80", b"\xc3"])
def test_a_stray_byte_in_utf8_is_replaced_and_counted(stray):
    data = ARTICLE.encode("utf-8")
    cut = data.index(b"were")
    got = decode_bytes(data[:cut] + stray + data[cut:])
    assert (got.encoding, got.decode_errors) == ("utf-8", 1)
    assert got.text == ARTICLE[: ARTICLE.index("were")] + "\ufffd" + ARTICLE[ARTICLE.index("were") :]
    assert "“Labour" in got.text


def test_valid_utf8_has_no_decode_errors():
    assert decode_bytes(ARTICLE.encode("utf-8")).decode_errors == 0


# 5. legacy code pages in English text ----------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, encoding",
    [
        ('"Добро пожаловать в Минск", сказал он.', "koi8_r"),
        ("«Добро пожаловать в Минск», сказал он.", "cp1251"),
        ("Добро пожаловать.", "koi8_r"),
        ("Добро пожаловать.", "cp1251"),
        ("Lukashenko (Лукашенко) spoke.", "koi8_r"),
        ("Wałęsa spoke in Łódź and Gdańsk.", "cp1250"),
        ("“Labour will win,” he said at the café, £5 a head.", "cp1252"),
        ("Señor Núñez met a £15.8m signing in Zürich.", "latin-1"),
        ("Lukashenko’s aides – again – said no.", "cp1252"),
        ("Ο πρωθυπουργός είπε ότι η Αθήνα θα απαντήσει.", "cp1253"),
    ],
)
def test_a_legacy_sentence_in_an_english_article_decodes_right(sentence, encoding):
    text = ENGLISH + sentence + " " + ENGLISH
    got = decode_bytes(text.encode(encoding))
    assert got.text == text
    assert got.decode_errors == 0
