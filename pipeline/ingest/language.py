"""Which language a document is in, and whether the English pipeline may read it.

Language id is py3langid (a maintained fork of langid.py: 97 languages, naive Bayes over byte
n-grams, model shipped inside the wheel, so it works offline). Its probabilities are normalised and
calibrated for text length, so a headline gets a low confidence by itself.

The policy (NEWSCLAIMS_LANGUAGE_MIN_CHARS, NEWSCLAIMS_LANGUAGE_MIN_CONFIDENCE):

- text detected as another language with confidence >= min_confidence, and at least min_chars
  long (not counting surrounding whitespace), is rejected with reason `language`: the English
  model never sees it;
- everything else is processed; a document that is not confidently English (short, uncertain, or
  a short text in another language) is flagged (`dim_documents.is_language_uncertain`).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from pipeline.nlp.workers import loaded_once
from pipeline.settings import Settings

ENGLISH = "en"
#: Only the start of a long text is classified: enough for a stable answer, and fast.
SAMPLE_CHARS = 10_000
DEFAULT_MIN_CHARS = Settings.language_min_chars
DEFAULT_MIN_CONFIDENCE = Settings.language_min_confidence


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confidence: float


@loaded_once("newsclaims-preload-langid")
def identifier():
    """py3langid's identifier, loaded once per process: from the decompressed copy of its model in
    the cache folder (pipeline/inflated.py: 0.05-0.2 s), else from the LZMA-compressed npz the
    wheel ships (0.5-0.9 s, most of it without the GIL: `identifier.preload()`)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    from pipeline.inflated import inflated

    npz = inflated(MODEL_DIR / MODEL_FILE)
    try:
        if npz is not None:
            # what py3langid's own loader (py3langid.modelio.load_model) makes of the same arrays
            with np.load(npz, allow_pickle=False) as data:
                return LanguageIdentifier(
                    np.asarray(data["ptc"]),
                    np.asarray(data["pc"]),
                    data["classes"].tolist(),
                    _int_array(data["nextmove"]),
                    data["out_feat"].tolist(),
                    norm_probs=True,
                    tk_row=_int_array(data["nextmove_row"]),
                )
    except OSError:  # the entry went (removed, a full disk): the wheel's own file, as without a cache
        pass
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _int_array(values: np.ndarray) -> array:
    """An unsigned numpy array as the stdlib array py3langid's tokenizer indexes (Python ints out)."""
    out = array({2: "H", 4: "I", 8: "Q"}[values.dtype.itemsize])
    out.frombytes(memoryview(np.ascontiguousarray(values)).cast("B"))
    return out


def detect_language(text: str) -> LanguageGuess:
    sample = text.strip()[:SAMPLE_CHARS]
    if not sample:
        return LanguageGuess("und", 0.0)
    language, confidence = identifier().classify(sample)
    return LanguageGuess(language, round(float(confidence), 4))


@dataclass(frozen=True)
class LanguagePolicy:
    min_chars: int = DEFAULT_MIN_CHARS
    min_confidence: float = DEFAULT_MIN_CONFIDENCE

    @classmethod
    def from_env(cls) -> "LanguagePolicy":
        s = Settings.from_env()
        return cls(s.language_min_chars, s.language_min_confidence)

    def is_confident(self, guess: LanguageGuess) -> bool:
        return guess.confidence >= self.min_confidence

    def rejects(self, text: str, guess: LanguageGuess) -> bool:
        return guess.language != ENGLISH and self.is_confident(guess) and len(text.strip()) >= self.min_chars

    def uncertain(self, guess: LanguageGuess) -> bool:
        """Processed, but not confidently English: flagged on dim_documents."""
        return guess.language != ENGLISH or not self.is_confident(guess)

    def reason_detail(self, text: str, guess: LanguageGuess) -> str:
        return (
            f"detected language {guess.language!r} with confidence {guess.confidence:.2f} over "
            f"{len(text.strip())} characters (rejected at >= {self.min_confidence:.2f} and >= "
            f"{self.min_chars} characters); only English text is processed"
        )
