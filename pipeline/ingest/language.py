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

from dataclasses import dataclass

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
    """py3langid's identifier, loaded once per process (0.6-0.9 s: its model is an LZMA-compressed
    npz, whose decompression, most of the load, runs without the GIL: `identifier.preload()`)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


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
