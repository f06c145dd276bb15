"""Claims: who (speaker) said (cue) what (content), from the dependency parse of one Doc.

Pure functions: `extract_claims(doc)` returns Claim records with character offsets into doc.text.
What counts as a claim, and where its parts begin and end, follows the PolNeAR attribution
guidelines (statements, beliefs, intentions, stances; content includes "that" and "to", never the
recipient; a quotation interrupted by its cue is one content).

One module per concern:
  quotes.py         where quotations open and close
  cues.py           the cue lexicon (data only)
  parts.py          cue verbs, speakers and content token sets in the parse
  constructions.py  one function per `Construction` (claim.py names them)
  widening.py       whole quotations, continuations, nested claims
  stance.py         what the speaker does with the content (asserts, denies, warns, ...)
  evidence.py       the sentences a claim spans, and its confidence
  precision.py      each rule's precision on PolNeAR train (numbers only, generated)
  extract.py        the driver
Pronoun and description speakers ("He", "The president") are resolved by speakers.py.
"""

from pipeline.nlp.claims.claim import Claim, Construction
from pipeline.nlp.claims.extract import extract_claims
from pipeline.nlp.claims.quotes import quote_spans

__all__ = ["Claim", "Construction", "extract_claims", "quote_spans"]
