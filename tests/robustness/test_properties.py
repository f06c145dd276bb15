"""Property-based: generated names and bytes (random, mixed and truncated encodings, control
characters, long lines, links). Reading the folder never fails, every file is exactly one document
occurrence or one rejection, names round-trip to their bytes, valid UTF-8 is stored exactly, and
every loaded document goes through spaCy and the extractors with offsets into its text."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest.files import name_bytes, read_corpus
from pipeline.nlp.annotate import annotate_texts
from pipeline.warehouse.corpus import write_corpus
from pipeline.warehouse.schema import ensure_schema
from tests.robustness.hostile import expected_paths

CODECS = ("cp1252", "cp1251", "koi8_r", "cp1250", "latin_1", "cp1253", "mac_roman")
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
NEWSY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGH.,\n\"'“”–£éüçñЖжДдЛлЎўΑαŁłĘę", min_size=1, max_size=400)

names = st.builds(
    lambda stem, suffix: stem + suffix,
    st.binary(min_size=1, max_size=16)
    .map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_"))
    .filter(lambda b: not b.startswith(b".")),
    st.sampled_from([b".txt", b".txt", b".txt", b".TXT", b"", b".md"]),
)


@st.composite
def contents(draw) -> bytes:
    kind = draw(st.sampled_from(["random", "utf8", "legacy", "truncated", "mixed", "controls", "long_line"]))
    if kind == "random":
        return draw(st.binary(max_size=300))
    if kind == "utf8":
        return draw(WORDS).encode("utf-8")
    if kind == "legacy":
        return draw(NEWSY).encode(draw(st.sampled_from(CODECS)), errors="ignore")
    if kind == "truncated":
        data = draw(NEWSY).encode("utf-8")
        return data[: max(0, len(data) - draw(st.integers(1, 3)))]
    if kind == "mixed":
        return draw(NEWSY).encode("utf-8") + draw(NEWSY).encode(draw(st.sampled_from(CODECS)), errors="ignore")
    if kind == "controls":
        return draw(NEWSY).encode("utf-8") + bytes(draw(st.lists(st.integers(1, 31), max_size=40)))
    return (draw(NEWSY).replace("\n", " ") * 200).encode("utf-8")[:20000]


folders = st.tuples(
    st.dictionaries(names, contents(), min_size=1, max_size=6),
    st.lists(st.sampled_from(["to_file", "to_outside", "to_self", "loop", "dangling"]), max_size=3),
)


def _make(root: Path, files: dict[bytes, bytes], links: list[str]) -> Path:
    inp = root / "in"
    inp.mkdir()
    base = os.fsencode(inp)
    for name, data in files.items():
        with open(base + b"/" + name, "wb") as f:
            f.write(data)
    (root / "outside.txt").write_text("outside the input folder\n")
    for k, kind in enumerate(links):
        k = f"{k}-{uuid.uuid4().hex}"  # never one of the generated names
        link = base + f"/link{k}.txt".encode()
        if kind == "to_file":
            os.symlink(next(iter(files)), link)
        elif kind == "to_outside":
            os.symlink(os.fsencode(root / "outside.txt"), link)
        elif kind == "to_self":
            os.symlink(f"link{k}.txt", link)
        elif kind == "loop":
            os.symlink(f"loop{k}b.txt", base + f"/loop{k}a.txt".encode())
            os.symlink(f"loop{k}a.txt", base + f"/loop{k}b.txt".encode())
        else:
            os.symlink("no such file.txt", link)
    return inp


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(folder=folders)
def test_any_folder_reads_into_documents_or_rejections(nlp, folder):
    files, links = folder
    with tempfile.TemporaryDirectory() as tmp:
        inp = _make(Path(tmp), files, links)
        corpus = read_corpus(inp)
        loaded = [o.path for o in corpus.occurrences]
        rejected = [r.path for r in corpus.rejections]
        # every file exactly once: a document occurrence or a rejection
        assert len(loaded) + len(rejected) == len(set(loaded) | set(rejected))
        assert set(loaded) | set(rejected) == expected_paths(inp)
        by_path = {o.path: o for o in corpus.occurrences}
        for name, data in files.items():
            stored = next(p for p in set(loaded) | set(rejected) if name_bytes(p) == name)  # names round-trip
            if stored in by_path and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
                try:
                    exact = data.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                assert corpus.documents[by_path[stored].document_id].text == exact  # valid UTF-8 exactly
        # the warehouse takes it, and every document goes through spaCy and the extractors
        con = duckdb.connect(str(Path(tmp) / "w.duckdb"))
        try:
            ensure_schema(con)
            write_corpus(con, corpus, inp)
            assert con.execute("select count(*) from raw.documents").fetchone()[0] == len(corpus.documents)
        finally:
            con.close()
        texts = {d.document_id: d.text for d in corpus.documents.values()}
        for doc_id, rows in annotate_texts(nlp, [(t, d) for d, t in texts.items()]):
            assert rows["document_annotations"][0]["status"] == "processed", rows["document_errors"]
            text = texts[doc_id]
            for m in rows["mentions"]:
                assert text[m["start_char"] : m["end_char"]] == m["text"]
            for c in rows["claims"]:
                assert text[c["content_start_char"] : c["content_end_char"]] == c["content_text"]
