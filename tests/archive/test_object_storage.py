"""The vault, the pipeline, downloads and verify_archive on S3-compatible object storage (moto's server)."""

from __future__ import annotations

import hashlib
import io
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from archive.models import Evidence
from archive.vault import blob_name, spool, vault_chunks, vault_store
from tests import media
from tests.conftest import PASSWORD, World
from timeline.models import Cue

KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """moto's S3 server in its own process, so that it holds the objects in its memory, not ours."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def bucket(settings: object, s3_server: str, _isolated_storage: Path, world: World) -> object:
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    resource = boto3.resource("s3", endpoint_url=s3_server, **KEYS)
    resource.create_bucket(Bucket=name)
    # What the other fixtures stored on disk moves to the bucket, as a newsroom moving to S3 would copy it.
    for item in Evidence.objects.all():
        with storages["default"].open(blob_name(item.sha256), "rb") as stored:
            resource.Bucket(name).put_object(Key=blob_name(item.sha256), Body=stored.read())
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": name, "endpoint_url": s3_server, "access_key": KEYS["aws_access_key_id"],
                        "secret_key": KEYS["aws_secret_access_key"], "region_name": KEYS["region_name"],
                        "file_overwrite": False},
        },
    }  # fmt: skip
    return resource.Bucket(name)


def test_items_are_stored_read_processed_served_and_verified_on_object_storage(
    world: World, bucket: object, run_pipeline: object
) -> None:
    assert not hasattr(storages["default"], "path") or storages["default"].__class__.__name__ == "S3Storage"
    shot = media.png(media.text_image(["Labelling task 5512", "Posted 4 September 2023"]))
    screenshot = run_pipeline(shot, "task.png")
    assert screenshot.status == "done", screenshot.status_reason
    assert bucket.Object(blob_name(screenshot.sha256)).content_length == len(shot)
    assert "Posted 4 September 2023" in screenshot.frames.get().text
    assert Cue.objects.filter(evidence=screenshot, kind="text_date").exists()
    clip = media.recording([(media.text_image(["Task 5512", "Posted 4 September 2023"]), 2)])
    recording = run_pipeline(clip, "clip.mp4")
    assert recording.status == "done", recording.status_reason
    assert recording.frames.filter(image_name__startswith="derived/").exists()

    client = Client()
    client.login(username=world.owner.username, password=PASSWORD)
    original = client.get(reverse("archive:evidence_original", args=[world.case.slug, screenshot.pk]))
    assert b"".join(original.streaming_content) == shot
    ranged = client.get(
        reverse("archive:evidence_preview", args=[world.case.slug, recording.pk]), HTTP_RANGE="bytes=100-1099"
    )
    assert ranged.status_code == 206
    assert b"".join(ranged.streaming_content) == clip[100:1100]

    out = io.StringIO()
    try:
        call_command("verify_archive", stdout=out)
    except CommandError:
        pytest.fail(out.getvalue())
    assert "All intact" in out.getvalue()
    bucket.put_object(Key=blob_name(screenshot.sha256), Body=shot[:-1] + b"!")
    with pytest.raises(CommandError):
        call_command("verify_archive", stdout=out)
    assert f"evidence #{screenshot.pk} (task.png, sha256 {screenshot.sha256}): its original changed" in out.getvalue()


class _Pattern(io.RawIOBase):
    """``size`` bytes of a repeating pseudo-random pattern, read as a stream; nothing is held."""

    def __init__(self, size: int) -> None:
        self.block = hashlib.sha256(b"seed").digest() * 32768  # 1 MiB
        self.left, self.position = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        count = min(len(buffer), self.left)
        offset = self.position % len(self.block)
        piece = (self.block[offset:] + self.block)[:count]
        buffer[:count] = piece
        self.left -= count
        self.position += count
        return count

    def at(self, start: int, length: int) -> bytes:
        offset = start % len(self.block)
        return (self.block[offset:] + self.block)[:length]


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="measures memory through Linux's /proc")
def test_a_2_gb_original_streams_into_object_storage_with_bounded_memory(bucket: object, settings: object) -> None:
    size = 2 * 1024**3
    settings.EVIDENCE_MAX_UPLOAD_SIZE = size + 1
    source = _Pattern(size)
    # The process's peak resident memory is reset, so the figure below is this upload's alone.
    Path("/proc/self/clear_refs").write_text("5")
    before = _peak_rss()
    with spool(io.BufferedReader(source, 1024**2), name="long.mp4") as spooled:
        blob = vault_store(spooled)
    grown = _peak_rss() - before
    assert bucket.Object(blob.name).content_length == size
    assert grown < 200 * 1024**2, f"the upload took {grown / 1024**2:.0f} MB more memory"
    start = size - 5_000_000
    assert b"".join(vault_chunks(blob.sha256, start, 4096)) == source.at(start, 4096)
