"""The dbt project keeps dbt Labs' own conventions (the rules their dbt-project-evaluator checks).

Read from the manifest `dbt parse` writes (no warehouse needed): where each kind of model lives and
how it is named, a YAML beside every model, a description on every model and every mart column, a
primary-key test on every model, staging reading only its source, marts reading no source, and no
staging model fanned out to more marts than an intermediate model would need.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

import pytest

from pipeline.assets.dbt import dbt_project, ensure_manifest

#: The warehouse contract's older names for two marts, kept as views of the renamed ones (outside
#: scorers and the README read them): old name → the mart it shows.
CONTRACT_ALIASES = {
    "document_occurrences": "fct_document_occurrences",
    "fct_sources": "fct_source_citations",
    "rejected_documents": "fct_rejected_documents",
}
#: dbt-project-evaluator's `models_fanout_threshold`: a model with more direct leaf children than
#: this should hand them an intermediate model.
FANOUT_THRESHOLD = 3


@pytest.fixture(scope="module")
def manifest() -> dict:
    ensure_manifest()
    return json.loads(dbt_project.manifest_path.read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["package_name"] == "newsclaims"
    }


def _layer(node: dict) -> str:
    return PurePosixPath(node["original_file_path"]).parts[1]  # models/<layer>/...


def _tests_on(manifest: dict, unique_id: str) -> list[dict]:
    return [
        n for n in manifest["nodes"].values() if n["resource_type"] == "test" and n.get("attached_node") == unique_id
    ]


def test_models_live_where_their_layer_says_and_are_named_for_it(manifest):
    models = _models(manifest)
    assert {_layer(n) for n in models.values()} == {"staging", "intermediate", "marts"}
    for name, node in models.items():
        path = PurePosixPath(node["original_file_path"])
        layer = _layer(node)
        if layer == "staging":
            # staging models sit in a folder named after their source: models/staging/<source>/
            (source,) = {manifest["sources"][s]["source_name"] for s in node["depends_on"]["nodes"]}
            assert path.parent == PurePosixPath("models/staging", source), path
            assert name.startswith("stg_"), name
        elif layer == "intermediate":
            assert name.startswith("int_"), name
        else:
            assert name.startswith(("dim_", "fct_")) or name in CONTRACT_ALIASES, (
                f"mart {name} is named neither dim_* nor fct_*"
            )


def test_sources_yaml_sits_with_its_staging_models_and_every_source_is_staged(manifest):
    staged = {p for n in _models(manifest).values() for p in n["depends_on"]["nodes"] if p.startswith("source.")}
    for uid, source in manifest["sources"].items():
        assert PurePosixPath(source["original_file_path"]).parent == PurePosixPath(
            "models/staging", source["source_name"]
        ), source["original_file_path"]
        assert uid in staged, f"source {source['name']} is declared but no staging model reads it"
        assert source["description"].strip(), f"source {source['name']} has no description"


#: A staging model: the source imported, renamed and cast, nothing else.
STAGING_SHAPE = re.compile(
    r"^with source as \(\s*select \* from \{\{ source\('\w+', '\w+'\) \}\}\s*\),\s*"
    r"renamed as \(.*\bfrom source\b.*\)\s*select \* from renamed\s*$",
    re.S,
)
#: An import CTE: the only place a mart or intermediate model names another model.
IMPORT_LINE = re.compile(r"^\s*select \* from \{\{ ref\('\w+'\) \}\}\s*$")


def test_staging_is_source_then_renamed_and_marts_import_their_inputs_first(manifest):
    for name, node in _models(manifest).items():
        code = node["raw_code"]
        if _layer(node) == "staging":
            assert STAGING_SHAPE.match(code), (
                f"{name} is not `with source as (...), renamed as (...) select * from renamed`"
            )
            continue
        for line in code.splitlines():
            if "ref(" in line:
                assert IMPORT_LINE.match(line), f"{name}: a ref outside an import CTE: {line.strip()}"


def test_a_yaml_beside_every_model_and_every_model_described(manifest):
    for name, node in _models(manifest).items():
        assert node["patch_path"], f"{name} has no YAML"
        yaml_path = PurePosixPath(node["patch_path"].split("://", 1)[1])
        assert yaml_path.parent == PurePosixPath(node["original_file_path"]).parent, (
            f"{name}'s YAML {yaml_path} is not beside {node['original_file_path']}"
        )
        assert node["description"].strip(), f"{name} has no description"


def test_every_mart_column_is_declared_typed_and_described(manifest):
    for name, node in _models(manifest).items():
        if _layer(node) != "marts":
            continue
        # an enforced contract makes the declared columns exactly the built ones (dbt fails otherwise)
        assert node["config"]["contract"]["enforced"], f"{name} has no enforced contract"
        assert node["columns"], name
        for column, spec in node["columns"].items():
            assert spec.get("data_type"), f"{name}.{column} has no data_type"
            assert (spec.get("description") or "").strip(), f"{name}.{column} has no description"


def test_contract_alias_views_show_their_mart_unchanged(manifest):
    models = _models(manifest)
    for alias, mart in CONTRACT_ALIASES.items():
        view, target = models[alias], models[mart]
        assert view["config"]["materialized"] == "view"
        assert view["depends_on"]["nodes"] == [target["unique_id"]]
        assert [(c, s["data_type"], s["description"]) for c, s in view["columns"].items()] == [
            (c, s["data_type"], s["description"]) for c, s in target["columns"].items()
        ]


def test_every_model_has_a_primary_key_test(manifest):
    for name, node in _models(manifest).items():
        tests = _tests_on(manifest, node["unique_id"])
        by_column: dict[str | None, set[str]] = {}
        for t in tests:
            by_column.setdefault(t.get("column_name"), set()).add(t["test_metadata"]["name"])
        keyed = any({"unique", "not_null"} <= kinds for column, kinds in by_column.items() if column)
        combined = "unique_combination" in by_column.get(None, set())
        assert keyed or combined, f"{name} has no primary-key test (unique + not_null, or unique_combination)"


def test_staging_reads_one_source_and_marts_read_no_source(manifest):
    models = _models(manifest)
    read_by: dict[str, list[str]] = {}
    for name, node in models.items():
        parents = node["depends_on"]["nodes"]
        sources = [p for p in parents if p.startswith("source.")]
        if _layer(node) == "staging":
            assert len(sources) == 1 and parents == sources, f"{name} should read exactly one source: {parents}"
            read_by.setdefault(sources[0], []).append(name)
        else:
            assert not sources, f"{name} reads a source directly: {sources}"
    # each raw table has one staging model (dbt-project-evaluator: source fanout)
    assert all(len(v) == 1 for v in read_by.values()), read_by


def test_no_model_fans_out_to_more_marts_than_the_evaluator_allows(manifest):
    models = _models(manifest)
    children: dict[str, set[str]] = {}
    for name, node in models.items():
        for parent in node["depends_on"]["nodes"]:
            children.setdefault(parent, set()).add(name)
    leaves = {name for name, node in models.items() if not children.get(node["unique_id"])}
    for name, node in models.items():
        fanned = children.get(node["unique_id"], set()) & leaves
        assert len(fanned) <= FANOUT_THRESHOLD, f"{name} feeds {sorted(fanned)}: say it once in an int_ model"
