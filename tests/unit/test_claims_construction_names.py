"""The construction names: the `Construction` enum and dbt's accepted_values on fct_claims.construction agree."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.nlp.claims import Construction
from pipeline.nlp.claims.claim import CONTINUED, base_construction
from pipeline.nlp.claims.constructions import VERB_CONSTRUCTIONS

ROOT = Path(__file__).resolve().parents[2]


def _accepted_construction_values() -> list[str]:
    spec = yaml.safe_load((ROOT / "dbt_project" / "models" / "marts" / "fct_claims.yml").read_text())
    [model] = [m for m in spec["models"] if m["name"] == "fct_claims"]
    [column] = [c for c in model["columns"] if c["name"] == "construction"]
    [test] = [t["accepted_values"] for t in column["data_tests"] if "accepted_values" in t]
    return test["arguments"]["values"]


def test_dbt_accepted_values_are_the_enum_with_and_without_continuation():
    values = _accepted_construction_values()
    assert len(values) == len(set(values))
    expected = {c.value for c in Construction} | {c.value + CONTINUED for c in Construction}
    assert set(values) == expected


def test_every_verb_construction_is_named_once_and_the_others_have_their_own_finder():
    named = [c for c, _ in VERB_CONSTRUCTIONS]
    assert len(named) == len(set(named))
    assert set(Construction) - set(named) == {Construction.ACCORDING_TO, Construction.COLON, Construction.LEARNED}
    # each is a function of its own, named after its construction
    assert len({f for _, f in VERB_CONSTRUCTIONS}) == len(named)


def test_base_construction_strips_the_continuation():
    assert base_construction("quote_before+continued") is Construction.QUOTE_BEFORE
    assert base_construction("verb_clause") is Construction.VERB_CLAUSE
