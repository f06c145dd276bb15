"""The dbt project keeps dbt Labs' own conventions (the rules their dbt-project-evaluator checks).

Read from the manifest `dbt parse` writes (no warehouse needed): where each kind of model lives and
how it is named, a YAML beside every model, a description on every model and every mart column, a
primary key on every model that a test or the database enforces, staging reading only its source, marts reading no source, and no
staging model fanned out to more marts than an intermediate model would need.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

import pytest

from pipeline.assets.dbt import dbt_project, ensure_manifest
from pipeline.warehouse.schema import RAW_TABLES

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


def _raw_primary_key(table: str) -> tuple[str, ...]:
    """The primary key RAW_TABLES' DDL declares for a raw table (a column's `primary key`, or a
    `primary key (a, b)` clause); () when it declares none."""
    ddl = " ".join(RAW_TABLES[table].split())
    clause = re.search(r"primary key \(([^)]*)\)", ddl)
    if clause:
        return tuple(c.strip() for c in clause.group(1).split(","))
    column = re.search(r"(\w+) \w+ primary key", ddl)
    return (column.group(1),) if column else ()


def _raw_not_null(node: dict, column: str) -> bool:
    """A staging model's column that its raw table's DDL declares `not null` (DuckDB refuses a NULL)."""
    if _layer(node) != "staging" or len(node["depends_on"]["nodes"]) != 1:
        return False
    table = node["depends_on"]["nodes"][0].rsplit(".", 1)[1]
    ddl = " ".join(RAW_TABLES.get(table, "").split())
    return re.search(rf"(^|, ){column} \w+ not null", ddl) is not None


def _enforced_not_null(node: dict, column: str) -> bool:
    if _raw_not_null(node, column):
        return True
    spec = node["columns"].get(column, {})
    return (
        node["config"]["materialized"] in ("table", "incremental")
        and node["config"]["contract"]["enforced"]
        and any(c["type"] == "not_null" for c in spec.get("constraints", []))
    )


def test_every_model_has_a_primary_key_that_could_fail_otherwise(manifest):
    """A unique test with a not_null test or an enforced not_null constraint, or a unique
    combination; a staging model of a raw table whose DDL declares its primary key has that key
    (DuckDB refuses a duplicate or NULL one) and names it in its description instead of a test that
    could not fail."""
    for name, node in _models(manifest).items():
        by_column: dict[str | None, set[str]] = {}
        for t in _tests_on(manifest, node["unique_id"]):
            by_column.setdefault(t.get("column_name"), set()).add(t["test_metadata"]["name"])
        keyed = any(
            "unique" in kinds and ("not_null" in kinds or _enforced_not_null(node, column))
            for column, kinds in by_column.items()
            if column
        )
        combined = "unique_combination" in by_column.get(None, set())
        if _layer(node) == "staging" and not (keyed or combined):
            [source] = node["depends_on"]["nodes"]
            key = _raw_primary_key(source.rsplit(".", 1)[1])
            assert key, f"{name}: raw.{source} declares no primary key, so {name} needs a key test"
            described = node["description"] if len(key) > 1 else node["columns"].get(key[0], {}).get("description", "")
            assert "primary key" in described.lower() and all(k in described or len(key) == 1 for k in key), (
                f"{name} should name its primary key {key} in its description"
            )
            keyed = True
        assert keyed or combined, f"{name} has no primary key test (unique + not_null, or unique_combination)"


def test_no_not_null_test_where_an_enforced_constraint_already_refuses_nulls(manifest):
    """A not_null test on a column an enforced contract declares not_null could never fail."""
    for name, node in _models(manifest).items():
        for t in _tests_on(manifest, node["unique_id"]):
            column = t.get("column_name")
            if t["test_metadata"]["name"] == "not_null" and column and not t["config"].get("where"):
                assert not _enforced_not_null(node, column), f"{name}.{column}: not_null test beside its constraint"


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


def test_incremental_models_append_the_columns_of_an_enforced_contract(manifest):
    """macros/materialization_incremental.sql inserts a build's rows by the contract's column names,
    without dbt-duckdb's temporary table and schema comparison: only an append with an enforced,
    typed contract is built that way (the materialization stops any other at run time)."""
    incremental = {n: m for n, m in _models(manifest).items() if m["config"]["materialized"] == "incremental"}
    assert {"dim_documents", "fct_mentions", "dim_entities", "fct_claim_cluster_members"} <= set(incremental)
    for name, node in incremental.items():
        assert node["config"]["incremental_strategy"] == "append", name
        assert not node["config"].get("unique_key"), name
        assert node["config"]["contract"]["enforced"], f"{name} has no enforced contract"
        assert node["columns"] and all(c.get("data_type") for c in node["columns"].values()), name
