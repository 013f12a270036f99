from __future__ import annotations

import hashlib
import io
import stat
from pathlib import Path

import pytest

from archive.vault import CHUNK_SIZE, VaultError, blob_name, spool, vault_rehash, vault_store


class ChunkCountingStream(io.RawIOBase):
    """A stream of ``total`` bytes that records the largest read asked of it."""

    def __init__(self, total: int) -> None:
        self.remaining = total
        self.largest_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size > 0, "the vault must never read a source whole"
        self.largest_read = max(self.largest_read, size)
        count = min(size, self.remaining)
        self.remaining -= count
        return b"x" * count


def test_spooling_hashes_while_reading_in_bounded_chunks() -> None:
    stream = ChunkCountingStream(3 * CHUNK_SIZE + 17)
    with spool(stream, name="big.bin") as spooled:
        pass
    assert spooled.size == 3 * CHUNK_SIZE + 17
    assert spooled.sha256 == hashlib.sha256(b"x" * (3 * CHUNK_SIZE + 17)).hexdigest()
    assert stream.largest_read <= CHUNK_SIZE


def test_stored_original_is_content_addressed_read_only_and_intact(_isolated_storage: Path) -> None:
    data = b"evidence bytes" * 1000
    with spool(io.BytesIO(data), name="a.bin") as spooled:
        blob = vault_store(spooled)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.name == f"originals/{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}"
    stored = _isolated_storage / blob.name
    assert stored.read_bytes() == data
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert vault_rehash(blob.sha256) == (blob.sha256, len(data))


def test_storing_the_same_bytes_twice_keeps_one_copy(_isolated_storage: Path) -> None:
    with spool(io.BytesIO(b"same"), name="a") as one, spool(io.BytesIO(b"same"), name="b") as two:
        first, second = vault_store(one), vault_store(two)
    assert first == second
    assert [p.name for p in (_isolated_storage / "originals").rglob("*") if p.is_file()] == [first.sha256]


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(_isolated_storage: Path) -> None:
    with spool(io.BytesIO(b"y" * 100), name="big", limit=99) as spooled:
        assert spooled.over_limit
        with pytest.raises(VaultError, match="larger than the limit"):
            vault_store(spooled)
    assert not (_isolated_storage / "originals").exists()


def test_an_empty_file_is_refused() -> None:
    with spool(io.BytesIO(b""), name="empty") as spooled, pytest.raises(VaultError, match="empty"):
        vault_store(spooled)


def test_a_damaged_stored_copy_is_not_silently_reused(_isolated_storage: Path) -> None:
    with spool(io.BytesIO(b"original"), name="a") as spooled:
        blob = vault_store(spooled)
    path = _isolated_storage / blob.name
    path.chmod(0o644)
    path.write_bytes(b"orig")
    with spool(io.BytesIO(b"original"), name="a") as spooled, pytest.raises(VaultError, match="may be damaged"):
        vault_store(spooled)


def test_rehash_reports_missing_originals() -> None:
    assert vault_rehash("0" * 64) is None
    assert blob_name("ab" * 32).startswith("originals/ab/ab/")
