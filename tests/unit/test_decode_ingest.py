"""Decoding bytes and reading a folder into documents, occurrences and rejections."""

from __future__ import annotations

import codecs

import pytest

from pipeline.ingest.decode import Undecodable, decode_bytes
from pipeline.ingest.files import read_corpus, title_of

TEXT = "Lukashenko said that “Belarus” is safe.\r\nThe café in Minsk – open.\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-bom"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-bom"),
    ],
)
def test_unicode_encodings_decode_verbatim(data, encoding):
    got = decode_bytes(data)
    assert got.text == TEXT  # BOM dropped, CRLF kept
    assert got.encoding == encoding


def test_legacy_single_byte_text_is_decoded():
    text = "The café in Minsk was open, Lukashenko’s aides said. Prices rose – again – in 2024. " * 4
    got = decode_bytes(text.encode("cp1252"))
    assert got.text == text


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(0, 32)) * 10, "binary"),
    ],
)
def test_binary_is_undecodable(data, reason):
    with pytest.raises(Undecodable) as exc:
        decode_bytes(data)
    assert exc.value.reason == reason


def test_title_is_first_non_empty_line():
    assert title_of("\n\n  Belarus claims EU ministers to attend  \nBody") == "Belarus claims EU ministers to attend"


def test_folder_is_read_recursively_with_duplicates_and_rejections(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("Same story.\nBody.", encoding="utf-8")
    (tmp_path / "b" / "copy of a.txt").write_text("Same story.\nBody.", encoding="utf-8")
    (tmp_path / "b" / "other.txt").write_bytes("Other story in cp1252: café.".encode("cp1252"))
    (tmp_path / "empty.txt").write_text("  \n\t", encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "notes.md").write_text("not a .txt file")
    corpus = read_corpus(tmp_path)
    assert len(corpus.documents) == 2
    assert sorted(o.path for o in corpus.occurrences) == ["a.txt", "b/copy of a.txt", "b/other.txt"]
    assert {r.path: r.reason for r in corpus.rejections} == {
        "empty.txt": "empty",
        "image.txt": "binary",
        "notes.md": "not_text",
    }
    first = corpus.document_paths()
    doc_a = next(o.document_id for o in corpus.occurrences if o.path == "a.txt")
    assert first[doc_a] == "a.txt"


def test_too_large_files_are_rejected_with_the_limit(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 100, encoding="utf-8")
    (tmp_path / "small.txt").write_text("A small article.", encoding="utf-8")
    corpus = read_corpus(tmp_path, max_file_bytes=100)
    assert [r.reason for r in corpus.rejections] == ["too_large"]
    assert "limit of 100" in corpus.rejections[0].detail
    assert len(corpus.documents) == 1


def test_symlink_out_of_the_input_folder_is_not_read(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("outside text")
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "link.txt").symlink_to(outside)
    (inp / "ok.txt").write_text("inside text")
    corpus = read_corpus(inp)
    assert [r.reason for r in corpus.rejections] == ["outside_input"]
    assert [d.text for d in corpus.documents.values()] == ["inside text"]


# --- issue 3: legacy encodings, binary formats, bounded reads, odd names, language ---------------

RUSSIAN = (
    "Президент Беларуси Александр Лукашенко отверг обвинения в том, что Минск способствует "
    "нелегальной миграции в Европейский союз, сообщает БелТА.\r\nОн заявил, что это старые обвинения.\r\n"
)


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r", "utf-16"])
def test_russian_in_legacy_encodings_decodes_verbatim(encoding):
    got = decode_bytes(RUSSIAN.encode(encoding))
    assert got.text == RUSSIAN


def test_english_with_a_cyrillic_name_in_cp1251_is_not_read_as_japanese():
    text = "Lukashenko (Лукашенко) said on Tuesday that Minsk would not bow to pressure, BelTA reported."
    got = decode_bytes(text.encode("cp1251"))
    assert (got.text, got.encoding) == (text, "cp1251")


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_western_legacy_text_keeps_pound_signs_and_accents(encoding):
    text = "Mutu, a £15.8m signing from Parma, met Señor Núñez at the café in Zürich on Tuesday."
    assert decode_bytes(text.encode(encoding)).text == text


def test_utf16_big_endian_with_bom():
    assert decode_bytes(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")).text == TEXT


@pytest.mark.shared_data
def test_latin1_bbc_article_from_shared_data_decodes(shared_data):
    raw = (shared_data / "bbc_news" / "sport" / "199.txt").read_bytes()
    got = decode_bytes(raw)
    assert got.text == raw.decode("latin-1")  # every byte is printable Latin-1
    assert "a £15.8m signing from Parma" in got.text


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "ZIP"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
    ],
)
def test_known_binary_formats_named_in_the_reason(data, kind):
    with pytest.raises(Undecodable) as exc:
        decode_bytes(data)
    assert exc.value.reason == "binary" and kind in exc.value.detail


def test_too_large_file_is_never_read(tmp_path, monkeypatch):
    import pipeline.ingest.files as files

    (tmp_path / "huge.txt").write_bytes(b"x" * 10_000)
    reads = []
    real_read = files.os.read
    monkeypatch.setattr(files.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    corpus = read_corpus(tmp_path, max_file_bytes=1_000)
    assert [(r.reason, r.size_bytes) for r in corpus.rejections] == [("too_large", 10_000)]
    assert reads == []


def test_reads_are_capped_at_the_limit(tmp_path):
    from pipeline.ingest.files import _read_bounded, _TooLarge

    (tmp_path / "a.txt").write_bytes(b"y" * 5_000)
    data, _ = _read_bounded(tmp_path / "a.txt", 5_000)
    assert len(data) == 5_000
    with pytest.raises(_TooLarge):
        _read_bounded(tmp_path / "a.txt", 4_999)


def test_fifo_and_link_to_a_device_do_not_hang(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "ok.txt").write_text("An article about Minsk.")
    corpus = read_corpus(tmp_path)
    assert {r.path: r.reason for r in corpus.rejections} == {"pipe.txt": "unreadable", "zero.txt": "outside_input"}
    assert "named pipe" in corpus.rejections[0].detail
    assert len(corpus.documents) == 1


def test_odd_file_names_are_read(tmp_path):
    import os

    names = ["with space.txt", 'it\'s "quoted".txt', "Лукашенко café.txt", "semi;colon'); drop table x;--.txt"]
    for i, name in enumerate(names):
        (tmp_path / name).write_text(f"Article number {i} about Minsk.", encoding="utf-8")
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9 latin1 name.txt"), "wb") as f:
        f.write(b"An article whose file name is not UTF-8.")
    corpus = read_corpus(tmp_path)
    assert corpus.rejections == []
    paths = sorted(o.path for o in corpus.occurrences)
    assert paths == sorted(names + ["caf\\xe9 latin1 name.txt"])
    assert len(corpus.documents) == 5


def test_hidden_files_are_not_input_and_link_to_outside_folder_is_reported(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret text outside the input folder.")
    inp = tmp_path / "in"
    (inp / ".git").mkdir(parents=True)
    (inp / ".git" / "HEAD.txt").write_text("ref: refs/heads/main")
    (inp / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (inp / "linked").symlink_to(outside, target_is_directory=True)
    (inp / "a.txt").write_text("An article about Minsk.")
    corpus = read_corpus(inp)
    assert [(r.path, r.reason) for r in corpus.rejections] == [("linked", "outside_input")]
    assert [o.path for o in corpus.occurrences] == ["a.txt"]


ENGLISH_ARTICLE = (
    "Belarusian President Alexander Lukashenko rejected claims that Minsk promotes illegal "
    "migration into the European Union, BelTA reported on Tuesday. He said the accusations "
    "were not new and that Belarus remained a safe place for everyone who respects its laws."
)


def test_language_detected_stored_and_policy_applied(tmp_path):
    (tmp_path / "en.txt").write_text(ENGLISH_ARTICLE, encoding="utf-8")
    (tmp_path / "ru.txt").write_bytes(RUSSIAN.encode("cp1251") * 2)  # ~400 characters of Russian
    (tmp_path / "ru-short.txt").write_text("Минск, 5 мая. Лукашенко заявил.", encoding="utf-8")
    (tmp_path / "scores.txt").write_text("Arsenal 3 Chelsea 1\nMan Utd 2 Spurs 2\n", encoding="utf-8")
    corpus = read_corpus(tmp_path)
    assert [(r.path, r.reason) for r in corpus.rejections] == [("ru.txt", "language")]
    assert "'ru'" in corpus.rejections[0].detail and "only English" in corpus.rejections[0].detail
    from pipeline.ingest.language import LanguagePolicy

    policy = LanguagePolicy()
    by_path = {o.path: corpus.documents[o.document_id] for o in corpus.occurrences}
    assert by_path["en.txt"].language == "en" and by_path["en.txt"].language_confidence >= 0.9
    from pipeline.ingest.language import LanguageGuess

    flags = {p: policy.uncertain(LanguageGuess(d.language, d.language_confidence)) for p, d in by_path.items()}
    assert flags == {"en.txt": False, "ru-short.txt": True, "scores.txt": True}


def test_language_threshold_is_configurable(tmp_path):
    from pipeline.ingest.language import LanguagePolicy

    (tmp_path / "ru.txt").write_text(RUSSIAN, encoding="utf-8")
    assert read_corpus(tmp_path, language_policy=LanguagePolicy(min_chars=10_000)).rejections == []
    assert [r.reason for r in read_corpus(tmp_path, language_policy=LanguagePolicy(min_chars=50)).rejections] == [
        "language"
    ]


def test_languages_detected_in_batches_in_processes_decide_as_one_at_a_time(tmp_path, monkeypatch):
    """read_corpus detects new texts' languages in batches (over processes with a map): a Russian text
    is still rejected at every file and feed record holding it, its files keep no state (read again next
    time), the English ones keep theirs, and nothing else differs from detecting each text on the spot."""
    import json

    from pipeline.ingest import files
    from pipeline.nlp import workers

    russian = RUSSIAN * 2
    for i in range(6):
        (tmp_path / f"en{i}.txt").write_text(f"{ENGLISH_ARTICLE} Item {i}.", encoding="utf-8")
        (tmp_path / f"ru{i}.txt").write_text(russian if i % 2 else f"{russian} {i}", encoding="utf-8")
    records = [{"id": "a", "text": ENGLISH_ARTICLE}, {"id": "b", "text": russian}, {"id": "a", "text": russian}]
    (tmp_path / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    def scan(batch: int, processes: int):
        monkeypatch.setattr(files, "LANGUAGE_BATCH", batch)
        monkeypatch.setattr(workers, "MAP_MIN_ITEMS", 2)
        with workers.process_map(processes) as map_:
            c = read_corpus(tmp_path, map_=map_)
        return (
            sorted(c.documents.items()),
            sorted(c.occurrences, key=lambda o: o.path),
            sorted(c.rejections, key=lambda r: r.path),
            sorted(c.file_states, key=lambda f: f.path),
        )

    on_the_spot, batched = scan(1, 1), scan(5, 2)
    assert batched == on_the_spot
    documents, occurrences, rejections, states = batched
    assert [r.path for r in rejections if r.reason == "language"] == [
        "feed.jsonl#a",
        "feed.jsonl#b",
        *[f"ru{i}.txt" for i in range(6)],
    ]
    # the feed's record "a" read twice: the later one, Russian, is rejected and the English one stands
    assert sorted(o.path for o in occurrences) == [*[f"en{i}.txt" for i in range(6)], "feed.jsonl#a"]
    assert {d.language for _, d in documents} == {"en"}
    assert sorted(f.path for f in states) == [*[f"en{i}.txt" for i in range(6)], "feed.jsonl"]


def test_the_language_model_loading_in_a_thread_is_the_one_the_scan_uses(tmp_path):
    """`newsclaims run` starts loading py3langid's model in a thread (pipeline/cli.py): a scan that
    gets there first waits for that load instead of loading a second copy."""
    from pipeline.ingest import language

    language.identifier.cache_clear()
    thread = language.identifier.preload()
    (tmp_path / "en.txt").write_text(ENGLISH_ARTICLE, encoding="utf-8")
    [doc] = read_corpus(tmp_path).documents.values()
    thread.join()
    assert doc.language == "en"
    assert language.identifier.cache_info().misses == 1
