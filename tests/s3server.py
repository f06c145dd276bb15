"""An S3 API on 127.0.0.1 for the object-store staging tests: moto's server (the dev dependency
`moto[server]`) in its own process, reached over HTTP by s3fs and botocore exactly as a real bucket
is, and by every process a test starts (its address and credentials are in `S3Server.env`).

The `s3` fixture is per pytest worker; `s3.bucket()` makes a fresh bucket and returns its URL.
benchmarks/staging.py starts the same server with `moto_s3`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

import pytest

from tests.processes import free_port, stop_group


@dataclass
class S3Server:
    endpoint: str

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to reach the server: the standard AWS variables botocore reads."""
        return {
            "AWS_ENDPOINT_URL_S3": self.endpoint,
            "AWS_ACCESS_KEY_ID": "newsclaims-test",
            "AWS_SECRET_ACCESS_KEY": "newsclaims-test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def bucket(self) -> str:
        """A new, empty bucket's URL."""
        import fsspec

        name = f"nc-{uuid.uuid4().hex[:12]}"
        fs = fsspec.filesystem("s3")
        fs.mkdir(name)
        return f"s3://{name}"

    def keys(self, url: str) -> list[str]:
        """Every object under a URL, relative to it (no cached listing)."""
        import fsspec

        fs, root = fsspec.core.url_to_fs(url)
        fs.invalidate_cache()
        try:
            return sorted(k[len(root) + 1 :] for k in fs.find(root))
        except FileNotFoundError:
            return []


@contextmanager
def moto_s3(log_path: Path) -> Iterator[S3Server]:
    """moto's S3 server on a free port of 127.0.0.1 while the block runs, this process's AWS
    variables pointing at it (put back afterwards)."""
    server = Path(sys.executable).parent / "moto_server"
    if not server.exists():
        raise FileNotFoundError(f"{server}: the dev dependency moto[server] is not installed (`make setup`)")
    port = free_port()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [str(server), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start: {log_path.read_text()[-2000:]}") from None
                time.sleep(0.1)
        s3 = S3Server(endpoint)
        with patch.dict(os.environ, s3.env):
            yield s3
    finally:
        stop_group(proc, timeout=20)


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    if not (Path(sys.executable).parent / "moto_server").exists():
        pytest.skip("moto_server is not installed (the dev dependency moto[server]; `make setup` installs it)")
    with moto_s3(tmp_path_factory.mktemp("s3") / "moto.log") as server:
        yield server
