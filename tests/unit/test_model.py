"""The model's signature, read from its package without loading it, equals the loaded model's."""

from __future__ import annotations

from pipeline.nlp.annotate import extractor_version, extractor_version_for
from pipeline.settings import default_model


def test_version_without_loading_equals_version_of_the_loaded_model(nlp):
    assert extractor_version_for(default_model()) == extractor_version(nlp)
