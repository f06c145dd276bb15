"""Decoding bytes and reading a folder into documents, occurrences and rejections."""
from __future__ import annotations

import codecs

import pytest

from pipeline.ingest.decode import Undecodable, decode_bytes
from pipeline.ingest.files import read_corpus, title_of

TEXT = "Lukashenko said that “Belarus” is safe.\r\nThe café in Minsk – open.\n"


@pytest.mark.parametrize("data, encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-bom"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-bom"),
])
def test_unicode_encodings_decode_verbatim(data, encoding):
    got = decode_bytes(data)
    assert got.text == TEXT  # BOM dropped, CRLF kept
    assert got.encoding == encoding


def test_legacy_single_byte_text_is_decoded():
    text = "The café in Minsk was open, Lukashenko’s aides said. Prices rose – again – in 2024. " * 4
    got = decode_bytes(text.encode("cp1252"))
    assert got.text == text


@pytest.mark.parametrize("data, reason", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    (bytes(range(0, 32)) * 10, "binary"),
])
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
    assert {r.path: r.reason for r in corpus.rejections} == {"empty.txt": "empty", "image.txt": "binary"}
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
