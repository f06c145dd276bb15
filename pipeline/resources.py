"""Dagster resources: the warehouse (DuckDB under the single-writer lock), the input folder, spaCy."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from pipeline.warehouse import changes, store
from pipeline.settings import Settings, cpu_count
from pipeline.warehouse.batches import staging_dir
from pipeline.warehouse.staging import ObjectStaging, resolve_staging


#: Documents changed for the marts (raw.document_changes) from which a step closes the warehouse
#: after it (`WarehouseResource.let_go_if_many_changed`); an update of a few keeps it open between
#: steps, which saves each step the file's opening.
LET_GO_CHANGED_DOCUMENTS = 500


class WarehouseResource(DuckDBResource):
    """DuckDBResource whose connections take the warehouse lock first (see warehouse/store.py).

    `database` is the same path the dbt profile reads from NEWSCLAIMS_WAREHOUSE.
    """

    lock_timeout: int = Field(
        default=Settings.lock_timeout, description="Seconds a writer waits for the warehouse lock."
    )
    staging_location: str = Field(
        default="",
        description="Where staged batches live: a folder, a file:// URL or an object store URL such as "
        "s3://bucket/prefix (NEWSCLAIMS_STAGING); empty for <warehouse>.batches beside the warehouse.",
    )

    dbt_memory_limit: str = Field(
        default=Settings.dbt_memory_limit,
        description="DuckDB's memory limit in `dbt build` (NEWSCLAIMS_DBT_MEMORY_LIMIT); a bigger build spills to disk.",
    )

    duckdb_memory_limit: str = Field(
        default=Settings.duckdb_memory_limit,
        description="DuckDB's memory limit on the connections of the run's own steps (NEWSCLAIMS_DUCKDB_MEMORY_LIMIT); "
        "past it DuckDB spills to disk.",
    )

    @property
    def path(self) -> Path:
        return Path(self.database).resolve()

    @property
    def staging(self) -> Path | ObjectStaging:
        return resolve_staging(self.staging_location) if self.staging_location else staging_dir(self.path)

    _in_run: bool = PrivateAttr(default=False)

    @contextmanager
    def get_connection(self, read_only: bool = False, keep_open: bool = True) -> Iterator:  # type: ignore[override]
        """A connection under the lock. In a run, the warehouse stays open in this process from one
        step to the next, and the lock held (`store.keep`), until `let_go` or the run's end, unless
        `keep_open` is false (a read between long stretches of other work: the lock for the read only)."""
        with store.connect(
            self.path,
            self.lock_timeout,
            read_only=read_only,
            memory_limit=self.duckdb_memory_limit,
            keep_open=self._in_run and keep_open,
        ) as con:
            yield con

    def let_go(self) -> None:
        """Close the warehouse this process kept open between steps and release the lock (before
        work that takes long without it: the NLP of many documents, `dbt build`)."""
        store.let_go(self.path)

    def let_go_if_many_changed(self) -> bool:
        """After a step that wrote rows of many documents (a corpus's first run, a big update): close
        the warehouse this process kept open, so that what DuckDB held for the step (its buffers, the
        transaction's data, its allocator's free pages) goes back to the system instead of into the
        next step. On a 10x corpus the run's process fell from 1.19 to 0.58 GB when the claim-clusters
        step's warehouse closed (benchmarks/README.md, session 40); reopening it takes about 35 ms.
        Whether it closed it."""
        if not store.is_kept(self.path):
            return False
        with self.get_connection() as con:
            many = changes.pending(con) >= LET_GO_CHANGED_DOCUMENTS
        if many:
            self.let_go()
        return many

    def setup_for_execution(self, context) -> None:
        self._in_run = True
        store.allocate_arrow_from_system()

    def teardown_after_execution(self, context) -> None:
        self._in_run = False
        self.let_go()

    @contextmanager
    def lock(self) -> Iterator[None]:
        with store.warehouse_lock(self.path, self.lock_timeout):
            yield


class InputFolderResource(ConfigurableResource):
    """The folder of articles (read recursively, *.txt)."""

    path: str
    max_file_bytes: int = Field(default=Settings.max_file_bytes, description="Larger files are rejected as too_large.")


class SpacyResource(ConfigurableResource):
    """The spaCy pipeline and how nlp.pipe batches it."""

    model: str
    batch_size: int = Settings.batch_size
    n_process: int = Field(
        default_factory=cpu_count,
        description="Processes for nlp.pipe, language detection and syndication signatures (NEWSCLAIMS_N_PROCESS).",
    )
    keep_loaded: bool = Field(
        default=Settings.keep_model, description="Keep the model loaded after the NLP step (NEWSCLAIMS_KEEP_MODEL)."
    )

    def load(self):
        from pipeline.nlp.model import load_model

        return load_model(self.model)

    def release(self) -> None:
        """Unload the model from this process once its NLP is done, unless `keep_loaded`
        (NEWSCLAIMS_KEEP_MODEL: a process that runs the job again and again, as the test suite does)."""
        # a process that never imported the loader never loaded a model (a one-article update leaves
        # it to the warm model's process: importing spaCy here to release nothing cost 0.3-0.8 s)
        model = sys.modules.get("pipeline.nlp.model")
        if not self.keep_loaded and model is not None:
            model.release_models()

    def prefetch(self) -> None:
        """Start loading the model in the background (`load` then returns it, or waits for it)."""
        from pipeline.nlp.model import prefetch_model

        prefetch_model(self.model)

    def extractor_version(self) -> str:
        """The version stamped on derived rows, read without loading the model's weights: the one the
        warm model of this run reported (pipeline/nlp/warm.py) or its fork server's model stamps
        (pipeline/nlp/preload.py), else the installed model's."""
        from pipeline.nlp import preload, warm

        reported = warm.reported_version(self.model)
        if reported is not None:
            return reported
        reported = preload.reported_version(self.model)
        if reported is not None:
            return reported
        from pipeline.nlp.annotate import extractor_version_for

        return extractor_version_for(self.model)


def resources_for(settings: Settings) -> dict[str, ConfigurableResource]:
    """The warehouse, input-folder and spaCy resources for these settings (dbt's is in pipeline/defs/dbt.py)."""
    return {
        "warehouse": WarehouseResource(
            database=str(settings.warehouse),
            lock_timeout=settings.lock_timeout,
            staging_location=settings.staging or "",
            dbt_memory_limit=settings.dbt_memory_limit,
            duckdb_memory_limit=settings.duckdb_memory_limit,
        ),
        "input_folder": InputFolderResource(path=str(settings.input_dir), max_file_bytes=settings.max_file_bytes),
        "spacy_model": SpacyResource(
            model=settings.spacy_model,
            batch_size=settings.batch_size,
            n_process=settings.n_process,
            keep_loaded=settings.keep_model,
        ),
    }
