"""Server-side encryption: with ``s3_sse`` every put asks S3 for SSE-S3 (AES256), and the stored object says so.
Against moto's S3 server (rclone does not do SSE)."""

import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from vanthu_storage.backends import S3Backend, object_key
from vanthu_storage.objects import Objects, UploadMeta
from vanthu_testing.s3 import S3Server

pytestmark = pytest.mark.integration

H61 = "000.00.00.H61"


async def one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def encryption(backend: S3Backend, key: str) -> str:
    """What S3 reports for the object on HEAD."""
    headers = {k.lower(): v for k, v in (backend.client.stat_object(backend.bucket, key).metadata or {}).items()}
    return str(headers.get("x-amz-server-side-encryption", ""))


@pytest.mark.parametrize("sse", [True, False])
async def test_puts_ask_for_server_side_encryption_when_configured(
        moto_s3: S3Server, samples, make_objects: Callable[..., Objects], sse: bool) -> None:
    backend = await S3Backend(moto_s3.endpoint, moto_s3.access_key, moto_s3.secret_key,
                              f"vanthu-sse-{uuid.uuid4().hex[:10]}", secure=False, region="us-east-1",
                              object_lock=False, sse=sse, part_size=5 * 1024 * 1024).start()
    try:
        objects = make_objects(backend)
        small, _ = await objects.upload(UploadMeta("mật.pdf"), one(samples.pdf("mật")), agency_code=H61,
                                        actor="u1")
        big_data = samples.pdf("lớn") + b"\0" * (6 * 1024 * 1024)  # over one part: a multipart upload
        big, _ = await objects.upload(UploadMeta("lớn.pdf"), one(big_data), agency_code=H61, actor="u1")
        for obj in (small, big):
            assert encryption(backend, object_key(H61, obj.sha256)) == ("AES256" if sse else "")
        assert b"".join([c async for c in objects.read_verified(big)]) == big_data
    finally:
        await backend.close()
