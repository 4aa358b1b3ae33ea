"""Retention on S3 is S3 Object Lock (COMPLIANCE) on a versioned, lock-enabled bucket — here moto's server,
since rclone has no object lock. The bucket itself refuses, not only the service's catalogue."""

import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from vanthu_core.errors import FailedPrecondition
from vanthu_storage.backends import S3Backend, object_key
from vanthu_storage.objects import Objects, UploadMeta
from vanthu_testing.s3 import S3Server

pytestmark = pytest.mark.integration

H61 = "000.00.00.H61"


@pytest.fixture
async def locked_bucket(moto_s3: S3Server) -> AsyncIterator[S3Backend]:
    import uuid

    backend = await S3Backend(moto_s3.endpoint, moto_s3.access_key, moto_s3.secret_key,
                              f"vanthu-lock-{uuid.uuid4().hex[:10]}", secure=False, region="us-east-1",
                              object_lock=True, sse=False).start()
    yield backend
    await backend.close()


async def one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_the_bucket_is_versioned_with_object_lock(locked_bucket: S3Backend) -> None:
    config = locked_bucket.client.get_object_lock_config(locked_bucket.bucket)
    assert config is not None
    assert locked_bucket.client.get_bucket_versioning(locked_bucket.bucket).status == "Enabled"


async def test_retention_is_compliance_lock_that_s3_itself_enforces(
        locked_bucket: S3Backend, samples, make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(locked_bucket)
    obj, _ = await objects.upload(UploadMeta("hồ sơ.pdf"), one(samples.pdf()), agency_code=H61, actor="u1")
    key = object_key(H61, obj.sha256)
    until = (datetime.now(UTC) + timedelta(days=3650)).replace(microsecond=0)
    locked = await objects.lock(obj.object_id, H61, retain_until=until.isoformat(), legal_hold=None, actor="u1")
    assert locked.retain_until == until
    mode, s3_until, held = locked_bucket.retention(key)
    assert mode == "COMPLIANCE" and not held
    assert s3_until is not None and abs((s3_until - until).total_seconds()) < 1
    with pytest.raises(FailedPrecondition):  # through the service
        await objects.delete(obj.object_id, H61, actor="u1")
    with pytest.raises(FailedPrecondition):  # behind the service's back: the bucket refuses
        await locked_bucket.delete(key)
    with pytest.raises(FailedPrecondition, match="không rút ngắn được"):
        await objects.lock(obj.object_id, H61, retain_until=(until - timedelta(days=1)).isoformat(), legal_hold=None,
                           actor="u1")
    assert await locked_bucket.exists(key)


async def test_an_overwrite_never_replaces_the_locked_version(locked_bucket: S3Backend, samples, tmp_path,
                                                              make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(locked_bucket)
    obj, _ = await objects.upload(UploadMeta("a.pdf"), one(samples.pdf()), agency_code=H61, actor="u1")
    key = object_key(H61, obj.sha256)
    await objects.lock(obj.object_id, H61, retain_until="2040-01-01", legal_hold=None, actor="u1")
    original = [v.version_id for v in locked_bucket.client.list_objects(locked_bucket.bucket, prefix=key,
                                                                         include_version=True)]
    locked_bucket.client.put_object(locked_bucket.bucket, key, io.BytesIO(b"tampered"), 8)  # a rogue writer
    for version_id in original:
        with pytest.raises(Exception, match="AccessDenied"):
            locked_bucket.client.remove_object(locked_bucket.bucket, key, version_id=version_id)
        kept = locked_bucket.client.get_object(locked_bucket.bucket, key, version_id=version_id)
        try:
            assert kept.read() == samples.pdf()
        finally:
            kept.close()
            kept.release_conn()


async def test_legal_hold_blocks_deletion_until_released(locked_bucket: S3Backend, samples,
                                                         make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(locked_bucket)
    obj, _ = await objects.upload(UploadMeta("a.pdf"), one(samples.pdf()), agency_code=H61, actor="u1")
    key = object_key(H61, obj.sha256)
    await objects.lock(obj.object_id, H61, retain_until="", legal_hold=True, actor="u1")
    assert locked_bucket.retention(key)[2] is True
    with pytest.raises(FailedPrecondition):
        await locked_bucket.delete(key)
    with pytest.raises(FailedPrecondition, match="phong tỏa"):
        await objects.delete(obj.object_id, H61, actor="u1")
    await objects.lock(obj.object_id, H61, retain_until="", legal_hold=False, actor="u1")
    assert locked_bucket.retention(key)[2] is False
    await objects.delete(obj.object_id, H61, actor="u1")
    assert not await locked_bucket.exists(key)
    assert list(locked_bucket.client.list_objects(locked_bucket.bucket, prefix=key, include_version=True)) == []
