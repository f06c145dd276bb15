"""Precision of each construction on PolNeAR train (numbers only), written by
benchmarks/claim_precision.py: the share of the construction's claims whose content matches a
gold attribution (content char-F1 >= 0.5, the shared scorer's matching). Regenerate after
changing the rules."""

DEFAULT_PRECISION = 0.793

RULE_PRECISION: dict[str, float] = {
    "according_to": 0.91,  # 421 claims
    "colon": 0.62,  # 150 claims
    "colon+continued": 0.623,  # 1 claims
    "parenthetical": 0.733,  # 330 claims
    "quote_before": 0.753,  # 227 claims
    "quote_before+continued": 0.973,  # 37 claims
    "verb_clause": 0.838,  # 8249 claims
    "verb_clause+continued": 0.973,  # 820 claims
    "verb_clause_split": 0.671,  # 149 claims
    "verb_clause_split+continued": 0.673,  # 7 claims
    "verb_directive": 0.793,  # 4 claims
    "verb_intention": 0.731,  # 1063 claims
    "verb_object": 0.674,  # 2871 claims
    "verb_prep": 0.675,  # 624 claims
    "verb_quote": 0.721,  # 258 claims
    "verb_quote+continued": 0.718,  # 1 claims
}
