"""Where staged annotation batches live: one location setting (NEWSCLAIMS_STAGING).

A folder (the default is `<warehouse>.batches/` beside the warehouse, or a `file://` URL, which
covers any shared POSIX mount every worker sees at the same path), or an object store addressed by
an fsspec URL (`s3://bucket/prefix`: S3 or any S3-compatible store such as MinIO, Ceph or R2, through
s3fs; `gs://`, `az://` … with their fsspec package installed). `memory://` is refused: it lives in
one process, and the NLP and load steps run in others.

A folder batch is made crash-safe by an atomic rename (batches.py). An object store has no rename,
but it writes each object whole or not at all, so a batch there is committed by its manifest:

    <url>/b-<id>/<part>/<table>.parquet   the writer's files, under a part named by the writer
                                           (`<host>-<pid>-<random>`), uploaded first
    <url>/b-<id>/manifest.json            written last, naming the part: the commit
    <url>/.rejected/b-<id>-<stamp>/...    batches that did not read back whole, kept for inspection

Readers take only batches with a manifest, and read only the part it names: a writer killed
mid-upload leaves a part no manifest names (removed later by `clean_temporaries`), and two writers
racing on the same batch each upload their own part, the last manifest wins, and both parts are
whole. The loading step downloads a batch into a local temporary folder and verifies and loads it
there exactly as a folder batch (batches.py); a batch copied from a folder as it is (`aws s3 sync`:
manifest and files side by side, no part) reads as well.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

MANIFEST = "manifest.json"
REJECTED_DIR = ".rejected"
BATCH_PREFIX = "b-"


class UnsupportedStaging(ValueError):
    """The staging location is a URL whose file system cannot hold staged batches."""


class StagingUnreachable(OSError):
    """The object store named as the staging location cannot be written (no bucket, no access)."""


def resolve_staging(location: str | Path) -> Path | ObjectStaging:
    """The staging location: a local folder (a path, or a URL fsspec resolves to local files), or
    an object store."""
    text = str(location)
    if "://" not in text:
        return Path(text)
    import fsspec
    from fsspec.implementations.local import LocalFileSystem
    from fsspec.implementations.memory import MemoryFileSystem

    try:
        fs, path = fsspec.core.url_to_fs(text)
    except (ImportError, ValueError) as exc:
        raise UnsupportedStaging(
            f"NEWSCLAIMS_STAGING={text!r}: fsspec cannot open it ({exc}). s3:// works out of the box (s3fs); "
            "for another store install its fsspec package (gcsfs, adlfs) beside newsclaims."
        ) from exc
    if isinstance(fs, LocalFileSystem):
        return Path(path)
    if isinstance(fs, MemoryFileSystem):
        raise UnsupportedStaging(
            f"NEWSCLAIMS_STAGING={text!r}: {type(fs).__name__} lives inside one process, and the NLP and load "
            "steps run in others; use a folder or an object store every worker can reach (docs/scaling.md)."
        )
    return ObjectStaging(text.rstrip("/"), fs, path.rstrip("/"))


@dataclass
class StoredBatch:
    """One batch prefix as listed: whether its manifest is there (committed) and its parts' objects."""

    name: str
    committed: bool = False
    parts: dict[str, list[dict]] = field(default_factory=dict)  # part ("" for none) -> object infos


def _mtime(info: dict) -> float | None:
    for key in ("LastModified", "mtime", "last_modified", "updated", "created"):
        value = info.get(key)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return None


class ObjectStaging:
    """Staged batches under one prefix of an object store (see the module's docstring)."""

    def __init__(self, url: str, fs, root: str):
        self.url, self.fs, self.root = url, fs, root

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"ObjectStaging({self.url!r})"

    def _key(self, *parts: str) -> str:
        return "/".join((self.root, *parts))

    def _url(self, *parts: str) -> str:
        return "/".join((self.url, *parts))

    # -- listing ----------------------------------------------------------------------------------------------

    def listing(self) -> dict[str, StoredBatch]:
        """Every batch prefix, committed or not, from one listing of the store (no cached listing)."""
        self.fs.invalidate_cache(self.root)
        try:
            objects = self.fs.find(self.root, detail=True)
        except FileNotFoundError:
            return {}
        batches: dict[str, StoredBatch] = {}
        start = len(self.root) + 1
        for key, info in objects.items():
            rel = key[start:].split("/")
            if not rel[0].startswith(BATCH_PREFIX) or len(rel) < 2 or info.get("type") == "directory":
                continue
            batch = batches.setdefault(rel[0], StoredBatch(rel[0]))
            if rel[1:] == [MANIFEST]:
                batch.committed = True
            else:
                batch.parts.setdefault("/".join(rel[1:-1]), []).append(info)
        return dict(sorted(batches.items()))

    def committed(self) -> list[str]:
        """The batches with a manifest, in name order."""
        return [name for name, b in self.listing().items() if b.committed]

    def has(self, name: str) -> bool:
        """Whether a batch is committed (its manifest exists)."""
        self.fs.invalidate_cache(self._key(name))
        return self.fs.exists(self._key(name, MANIFEST))

    def manifest(self, name: str) -> dict:
        """A batch's manifest; FileNotFoundError when it is gone (loaded and removed meanwhile)."""
        return json.loads(self.fs.cat_file(self._key(name, MANIFEST)))

    # -- writing ----------------------------------------------------------------------------------------------

    def probe(self) -> None:
        """Write and delete a small object, so a missing bucket or wrong credentials fail a run
        before any spaCy work rather than at its first batch."""
        key = self._key(f".probe-{uuid.uuid4().hex[:12]}")
        try:
            self.fs.pipe_file(key, b"newsclaims staging probe")
            self.fs.rm_file(key)
        except Exception as exc:  # noqa: BLE001 - whatever the store's client raises, the remedy is the same
            raise StagingUnreachable(
                f"NEWSCLAIMS_STAGING={self.url}: cannot write there ({type(exc).__name__}: {exc}). Check that the "
                "bucket exists and the credentials and endpoint the store's client reads (for S3: "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the AWS config files, and AWS_ENDPOINT_URL_S3 "
                "for a store that is not AWS) on this machine."
            ) from exc

    def publish(self, folder: Path, name: str, part: str) -> None:
        """Upload a complete local batch folder: its files under the part, then the manifest (the commit)."""
        manifest = json.loads((folder / MANIFEST).read_text())
        for table in manifest["tables"]:
            self.fs.put_file(str(folder / f"{table}.parquet"), self._key(name, part, f"{table}.parquet"))
        manifest["part"] = part
        self.fs.pipe_file(self._key(name, MANIFEST), json.dumps(manifest, indent=1).encode())

    def fetch(self, name: str, into: Path) -> Path:
        """Download a committed batch as a local batch folder `into/<name>/` (the part's files under
        their plain names): a file missing from the store is missing there, for verification to find."""
        manifest = self.manifest(name)
        part = manifest.get("part") or ""
        local = into / name
        local.mkdir(parents=True)
        for table in manifest.get("tables") or {}:
            key = self._key(name, part, f"{table}.parquet") if part else self._key(name, f"{table}.parquet")
            try:
                self.fs.get_file(key, str(local / f"{table}.parquet"))
            except FileNotFoundError:
                continue
        (local / MANIFEST).write_text(json.dumps(manifest, indent=1))
        return local

    # -- removing ---------------------------------------------------------------------------------------------

    def _keys_under(self, prefix: str) -> list[str]:
        """Every object under a prefix, listed afresh ([] when there is none)."""
        self.fs.invalidate_cache(prefix)
        try:
            return list(self.fs.find(prefix))
        except FileNotFoundError:
            return []

    def remove(self, name: str, part: str | None = None) -> None:
        """Delete a batch (or one of its parts) and everything under it."""
        if keys := self._keys_under(self._key(name, part) if part else self._key(name)):
            self.fs.rm(keys)

    def reject(self, name: str) -> str:
        """Copy a batch under `.rejected/` (kept for inspection) and delete it; returns where it went."""
        target = f"{name}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        prefix = self._key(name)
        for key in self._keys_under(prefix):
            self.fs.copy(key, self._key(REJECTED_DIR, target, key[len(prefix) + 1 :]))
        self.remove(name)
        return self._url(REJECTED_DIR, target)

    def stale_parts(self, older_than_s: float, writer_gone) -> list[tuple[str, str]]:
        """(batch, part) pairs no manifest names whose writer is gone (`writer_gone(part)`) or whose
        newest object is older than older_than_s: what a writer killed mid-upload, or the loser of a
        race on the same batch, leaves."""
        now, stale = time.time(), []
        for name, batch in self.listing().items():
            named = None
            if batch.committed:
                try:
                    named = self.manifest(name).get("part") or ""
                except (FileNotFoundError, ValueError):
                    continue
            for part, infos in batch.parts.items():
                if part == named or (batch.committed and not part):
                    continue
                newest = max((_mtime(i) or now for i in infos), default=now)
                if now - newest > older_than_s or writer_gone(part):
                    stale.append((name, part))
        return stale
