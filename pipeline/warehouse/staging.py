"""Where staged annotation batches live: one location setting (NEWSCLAIMS_STAGING).

A folder (the default is `<warehouse>.batches/` beside the warehouse), or an fsspec URL. The batch
code (batches.py) writes with POSIX semantics it relies on for crash safety (write a hidden
temporary folder, fsync, rename into place), so a URL is accepted when fsspec resolves it to a
file system with those semantics: `file://` (fsspec's LocalFileSystem), which covers any shared
POSIX mount (NFS, CephFS, a mounted bucket such as s3fs-fuse or mountpoint-s3) that every worker sees
at the same path. Object stores addressed directly (`s3://`, `gs://`, `memory://`) have no atomic
folder rename; they are refused with a message that says so (docs/scaling.md shows the mount).
"""

from __future__ import annotations

from pathlib import Path


class UnsupportedStaging(ValueError):
    """The staging location is a URL whose file system cannot hold staged batches safely."""


def resolve_staging(location: str | Path) -> Path:
    """The local folder the staging location names (a path, or a URL fsspec resolves to local files)."""
    text = str(location)
    if "://" not in text:
        return Path(text)
    import fsspec
    from fsspec.implementations.local import LocalFileSystem

    fs, path = fsspec.core.url_to_fs(text)
    if isinstance(fs, LocalFileSystem):
        return Path(path)
    raise UnsupportedStaging(
        f"NEWSCLAIMS_STAGING={text!r}: staged batches need a file system with atomic renames (a folder, or a "
        f"file:// URL); {type(fs).__name__} has none. Mount the bucket on every worker (s3fs-fuse, "
        "mountpoint-s3, or a shared NFS folder) and point NEWSCLAIMS_STAGING at the mount (docs/scaling.md)."
    )
