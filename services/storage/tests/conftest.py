"""Fixtures of the storage suites: sample files, a catalogue on SQLite, and both backends.

``any_backend`` is parametrised: the local directory and S3 on a real ``rclone serve s3``. Each offers a
``corrupt(key)`` that flips one stored byte behind the service's back.
"""

from __future__ import annotations

import io
import struct
import uuid
import zipfile
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_storage.backends import LocalBackend, ObjectBackend, S3Backend
from vanthu_storage.objects import Objects
from vanthu_storage.server import MIGRATIONS
from vanthu_storage.store import ObjectStore
from vanthu_testing.s3 import S3Server


def pdf(text: str = "Quyết định") -> bytes:
    body = text.encode()
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + body + b"\n%%EOF\n"


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def office(kind: str) -> bytes:
    """A minimal DOCX, XLSX, ODT or plain ZIP (the members that tell them apart)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if kind == "odt":
            archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
            archive.writestr("content.xml", "<office:document-content/>")
        elif kind in ("docx", "xlsx"):
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("_rels/.rels", "<Relationships/>")
            archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
        else:
            archive.writestr("readme.txt", "tệp nén")
    return buffer.getvalue()


@dataclass(frozen=True)
class Samples:
    pdf: Callable[..., bytes] = pdf
    png: Callable[..., bytes] = png
    office: Callable[[str], bytes] = office


@pytest.fixture
def samples() -> Samples:
    return Samples()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ObjectStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}"
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield ObjectStore(session_factory(engine))
    await engine.dispose()


@dataclass
class BackendUnderTest:
    kind: str
    backend: ObjectBackend
    path_of: Callable[[str], Path]

    def corrupt(self, key: str, at: int = 0) -> None:
        """Flip one bit of the stored bytes, as a failing disk would."""
        path = self.path_of(key)
        data = bytearray(path.read_bytes())
        data[at] ^= 0x01
        path.write_bytes(bytes(data))


def fresh_bucket() -> str:
    return f"vanthu-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["local", "rclone-s3"])
async def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BackendUnderTest]:
    if request.param == "local":
        local = LocalBackend(tmp_path / "objects")
        yield BackendUnderTest("local", local, local.path)
        return
    server: S3Server = request.getfixturevalue("rclone_s3")
    bucket = fresh_bucket()
    s3 = await S3Backend(server.endpoint, server.access_key, server.secret_key, bucket, secure=False,
                         part_size=5 * 1024 * 1024).start()
    assert server.root is not None
    root = server.root
    yield BackendUnderTest("rclone-s3", s3, lambda key: root / bucket / key)
    await s3.close()


@pytest.fixture
def make_objects(store: ObjectStore, tmp_path: Path) -> Callable[..., Objects]:
    def build(backend: ObjectBackend, *, max_bytes: int = 10 * 1024 * 1024, chunk_bytes: int = 64 * 1024,
              grace: timedelta = timedelta(hours=1)) -> Objects:
        return Objects(store, backend, tmp_path / "staging", max_bytes=max_bytes, chunk_bytes=chunk_bytes,
                       sweep_grace=grace)

    return build
