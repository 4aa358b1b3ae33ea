"""The same behaviour on both backends: a local directory and S3 (a real ``rclone serve s3``).

Bytes go in and come back verified; a flipped byte is caught on read and by the scrub; an interrupted upload
leaves nothing under any name; the same bytes are stored once per agency; the sweeper keeps what it must.
"""

import hashlib
import os
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vanthu_core.errors import FailedPrecondition, InvalidArgument, NotFound
from vanthu_storage.backends import object_key
from vanthu_storage.domain.retention import ObjectInfo
from vanthu_storage.objects import DataLoss, Objects, UploadMeta

pytestmark = pytest.mark.integration

H61 = "000.00.00.H61"
SNV = "000.00.02.H61"


async def stream(data: bytes, size: int = 100_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def read_all(objects: Objects, obj, offset: int = 0, length: int = 0) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join([chunk async for chunk in objects.read_verified(obj, offset, length)])


async def keys(objects: Objects) -> list[str]:
    return [key async for key in objects.backend.iter_keys()]


def big_pdf(size: int) -> bytes:
    head = b"%PDF-1.7\n"
    return head + os.urandom(size - len(head))


async def test_bytes_come_back_whole_and_in_ranges(any_backend, make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(any_backend.backend)
    data = big_pdf(6 * 1024 * 1024 + 123)  # over one S3 part: a multipart upload
    obj, deduplicated = await objects.upload(UploadMeta("Công văn 05.pdf"), stream(data), agency_code=H61,
                                             actor="u1")
    assert not deduplicated
    assert (obj.sha256, obj.size, obj.content_type) == (hashlib.sha256(data).hexdigest(), len(data),
                                                         "application/pdf")
    assert await read_all(objects, obj) == data
    assert await read_all(objects, obj, 1000, 70_000) == data[1000:71_000]
    assert await read_all(objects, obj, len(data) - 5) == data[-5:]
    assert await read_all(objects, obj, len(data)) == b""
    with pytest.raises(InvalidArgument) as error:
        await read_all(objects, obj, len(data) + 1)
    assert error.value.field == "offset"
    assert await keys(objects) == [object_key(H61, obj.sha256)]


async def test_a_flipped_byte_is_caught_on_read_and_by_the_scrub(any_backend, samples,
                                                                 make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(any_backend.backend)
    data = big_pdf(300_000)
    good, _ = await objects.upload(UploadMeta("tốt.pdf"), stream(samples.pdf()), agency_code=H61, actor="u1")
    bad, _ = await objects.upload(UploadMeta("hỏng.pdf"), stream(data), agency_code=H61, actor="u1")
    any_backend.corrupt(object_key(H61, bad.sha256), at=250_000)
    served = bytearray()
    with pytest.raises(DataLoss, match="đã bị hỏng"):
        async for chunk in objects.read_verified(bad):
            served += chunk
    assert len(served) < len(data), "the corrupt object must never be served whole"
    with pytest.raises(DataLoss):  # a range far from the damage is refused as well
        await read_all(objects, bad, 0, 10)
    report = await objects.scrub()
    assert report.checked == 2 and [obj.object_id for obj, _ in report.corrupt] == [bad.object_id]
    assert await read_all(objects, good) == samples.pdf()


async def test_missing_bytes_are_data_loss_and_reported_by_the_scrub(any_backend, samples,
                                                                    make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(any_backend.backend)
    obj, _ = await objects.upload(UploadMeta("a.pdf"), stream(samples.pdf()), agency_code=H61, actor="u1")
    await any_backend.backend.delete(object_key(H61, obj.sha256))
    with pytest.raises(DataLoss, match="không còn trong kho"):
        await read_all(objects, obj)
    assert len((await objects.scrub()).corrupt) == 1


async def test_an_interrupted_upload_leaves_nothing(any_backend, tmp_path: Path,
                                                    make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(any_backend.backend)

    async def broken() -> AsyncIterator[bytes]:
        yield b"%PDF-1.7\n" + b"x" * 100_000
        yield b"y" * 100_000
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await objects.upload(UploadMeta("a.pdf"), broken(), agency_code=H61, actor="u1")
    assert await keys(objects) == []
    assert [o async for o in objects.store.all()] == []
    assert list((tmp_path / "staging").iterdir()) == []


async def test_bad_input_stores_nothing(any_backend, samples, tmp_path: Path,
                                        make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(any_backend.backend, max_bytes=1000)
    cases = [(UploadMeta("a.pdf"), b"MZ\x90\x00" + b"\x00" * 200, "content"),
             (UploadMeta("a.pdf"), b"", "content"),
             (UploadMeta("a.pdf"), b"%PDF-" + b"x" * 1000, "content"),
             (UploadMeta("a.pdf", claimed_sha256="0" * 64), samples.pdf(), "metadata.claimed_sha256"),
             (UploadMeta("a.pdf", declared_content_type="image/png"), samples.pdf(), "metadata.declared_content_type"),
             (UploadMeta("a.pdf", size_hint=1001), samples.pdf(), "metadata.size_hint")]
    for meta, data, field in cases:
        with pytest.raises(InvalidArgument) as error:
            await objects.upload(meta, stream(data, 100), agency_code=H61, actor="u1")
        assert error.value.field == field
    assert await keys(objects) == []
    assert list((tmp_path / "staging").iterdir()) == []


async def test_the_same_bytes_are_stored_once_per_agency(any_backend, samples,
                                                         make_objects: Callable[..., Objects]) -> None:
    """The bytes once per agency; the object once per uploader (issue 14 item 2): a colleague's upload of the same
    bytes is their own object, with their file name, not deduplicated (nothing tells them it existed); the same
    person uploading again gets their object back."""
    objects = make_objects(any_backend.backend)
    first, dedup1 = await objects.upload(UploadMeta("a.pdf"), stream(samples.pdf()), agency_code=H61, actor="u1")
    theirs, dedup2 = await objects.upload(UploadMeta("b.pdf"), stream(samples.pdf()), agency_code=H61, actor="u2")
    other, dedup3 = await objects.upload(UploadMeta("a.pdf"), stream(samples.pdf()), agency_code=SNV, actor="u3")
    again, dedup4 = await objects.upload(UploadMeta("c.pdf"), stream(samples.pdf()), agency_code=H61, actor="u2")
    assert (dedup1, dedup2, dedup3, dedup4) == (False, False, False, True)
    assert len({first.object_id, theirs.object_id, other.object_id}) == 3 and again.object_id == theirs.object_id
    assert (theirs.uploaded_by, theirs.file_name, theirs.sha256) == ("u2", "b.pdf", first.sha256)
    assert sorted(await keys(objects)) == sorted([object_key(H61, first.sha256), object_key(SNV, first.sha256)])
    # the shared bytes go with the last object of the agency holding them, not before
    await objects.delete(first.object_id, H61, actor="u1")
    assert sorted(await keys(objects)) == sorted([object_key(H61, first.sha256), object_key(SNV, first.sha256)])
    assert b"".join([b async for b in objects.read_verified(theirs)]) == samples.pdf()
    await objects.delete(theirs.object_id, H61, actor="u2")
    assert await keys(objects) == [object_key(SNV, first.sha256)]


async def test_a_copy_for_another_agency_is_its_own_object_and_outlives_the_sources_deletion(
        any_backend, samples, make_objects: Callable[..., Objects]) -> None:
    """CopyObject inside the backend (a hard link locally, a server-side copy on S3): the recipient's object has the
    sender's bytes under its own key, reads back verified, stays when the sender's object is deleted; copying what
    the recipient holds already makes nothing new; a digest the sender does not hold is NotFound."""
    objects = make_objects(any_backend.backend)
    source, _ = await objects.upload(UploadMeta("a.pdf"), stream(samples.pdf()), agency_code=H61, actor="u1")
    copy, deduplicated = await objects.copy(source_agency=H61, sha256=source.sha256, agency_code=SNV,
                                            file_name="Công văn đến.pdf", actor="interchange")
    assert not deduplicated
    assert (copy.agency_code, copy.sha256, copy.size, copy.content_type, copy.file_name) == (
        SNV, source.sha256, source.size, source.content_type, "Công văn đến.pdf")
    assert sorted(await keys(objects)) == sorted([object_key(H61, source.sha256), object_key(SNV, source.sha256)])
    again, deduplicated = await objects.copy(source_agency=H61, sha256=source.sha256, agency_code=SNV,
                                             file_name="x.pdf", actor="interchange")
    assert deduplicated and again.object_id == copy.object_id
    await objects.delete(source.object_id, H61, actor="u1")
    assert await read_all(objects, copy) == samples.pdf()
    with pytest.raises(NotFound):
        await objects.copy(source_agency=H61, sha256=source.sha256, agency_code="000.00.03.H61", file_name="a.pdf",
                           actor="interchange")


async def test_delete_and_sweep_remove_bytes_but_never_locked_or_referenced_ones(
        any_backend, samples, make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(any_backend.backend, grace=timedelta(hours=1))
    made = []
    for n in range(6):
        obj, _ = await objects.upload(UploadMeta(f"{n}.pdf"), stream(samples.pdf(f"văn bản {n}")), agency_code=H61,
                                      actor="u1")
        made.append(obj)
    doomed, referenced, retained, held, deleted, released = made
    await objects.add_reference(referenced.object_id, H61, "registry/document/d-1", actor="registry")
    await objects.add_reference(released.object_id, H61, "registry/document/d-2", actor="registry")
    await objects.lock(retained.object_id, H61, retain_until="2036-01-01", legal_hold=None, actor="u1")
    await objects.lock(held.object_id, H61, retain_until="", legal_hold=True, actor="u1")
    for locked in (retained, held, referenced):
        with pytest.raises(FailedPrecondition):
            await objects.delete(locked.object_id, H61, actor="u1")
    await objects.delete(deleted.object_id, H61, actor="u1")
    assert await objects.sweep() == 0  # nothing is older than the grace period yet
    two_hours_later = datetime.now(UTC) + timedelta(hours=2)
    await objects.store.release_reference(released.object_id, H61, "registry/document/d-2", now=two_hours_later)
    assert await objects.sweep(two_hours_later) == 1  # the released one waits for its own grace period
    kept = {referenced.object_id, retained.object_id, held.object_id, released.object_id}
    assert {o.object_id async for o in objects.store.all()} == kept
    assert await objects.sweep(two_hours_later + timedelta(hours=2)) == 1
    kept.discard(released.object_id)
    assert {o.object_id async for o in objects.store.all()} == kept
    assert sorted(await keys(objects)) == sorted(object_key(H61, o.sha256) for o in (referenced, retained, held))
    assert doomed.object_id not in kept
    with pytest.raises(InvalidArgument) as error:
        await objects.add_reference(referenced.object_id, H61, "Registry document", actor="registry")
    assert error.value.field == "holder"


async def test_a_deletion_finishing_during_a_reupload_of_the_same_bytes_loses_nothing(
        any_backend, samples, make_objects: Callable[..., Objects]) -> None:
    """The deletion commits its row, the same bytes are uploaded again, and the old deletion removes the bytes
    between the new upload's write and its row: the upload notices and stores them again."""
    objects = make_objects(any_backend.backend)
    first, _ = await objects.upload(UploadMeta("a.pdf"), stream(samples.pdf("Tờ trình")), agency_code=H61,
                                    actor="u1")
    key = object_key(H61, first.sha256)
    await objects.store.delete(first.object_id, H61, lambda o: None, key=lambda o: key, actor="u1")
    original_add = objects.store.add

    async def add_after_the_old_deletion_finished(obj: ObjectInfo, *, key: str, actor: str) -> tuple[ObjectInfo, bool]:
        assert await objects.store.finish_deletion(key, objects.backend.delete)  # the bytes go now
        return await original_add(obj, key=key, actor=actor)

    objects.store.add = add_after_the_old_deletion_finished  # type: ignore[method-assign]
    again, deduplicated = await objects.upload(UploadMeta("a.pdf"), stream(samples.pdf("Tờ trình")),
                                               agency_code=H61, actor="u2")
    assert not deduplicated and again.object_id != first.object_id
    assert await keys(objects) == [key]
    assert b"".join([b async for b in objects.read_verified(again)]) == samples.pdf("Tờ trình")


async def test_the_scrub_reports_strays_and_missing_bytes_and_removes_old_strays_on_request(
        any_backend, samples, tmp_path: Path, make_objects: Callable[..., Objects]) -> None:
    objects = make_objects(any_backend.backend, grace=timedelta(hours=1))
    kept, _ = await objects.upload(UploadMeta("a.pdf"), stream(samples.pdf("giữ")), agency_code=H61, actor="u1")
    lost, _ = await objects.upload(UploadMeta("b.pdf"), stream(samples.pdf("mất")), agency_code=H61, actor="u1")
    await any_backend.backend.delete(object_key(H61, lost.sha256))  # a row whose bytes are gone
    orphan = samples.pdf("mồ côi")  # bytes whose row never committed (a crash between put and insert)
    stray_key = object_key(SNV, hashlib.sha256(orphan).hexdigest())
    staged = tmp_path / "orphan.part"
    staged.write_bytes(orphan)
    await any_backend.backend.put(stray_key, staged, len(orphan), "application/pdf")
    written = time.time()  # the file system stamps real time; the clock under test may be moved (libfaketime)
    os.utime(any_backend.path_of(stray_key), (written, written))

    report = await objects.scrub()
    assert not report.ok
    assert [o.object_id for o in report.missing] == [lost.object_id]
    assert [o.object_id for o, _ in report.corrupt] == [lost.object_id]
    assert [key for key, _ in report.strays] == [stray_key] and report.deleted_strays == []

    young = await objects.scrub(delete_strays=True)  # within the grace period: maybe an upload about to commit
    assert young.deleted_strays == [] and stray_key in await keys(objects)
    old = await objects.scrub(delete_strays=True, now=datetime.now(UTC) + timedelta(hours=2))
    assert old.deleted_strays == [stray_key]
    assert await keys(objects) == [object_key(H61, kept.sha256)]
    assert await read_all(objects, kept) == samples.pdf("giữ")
    final = await objects.scrub()
    assert final.strays == [] and [o.object_id for o in final.missing] == [lost.object_id]


@pytest.mark.parametrize("chunk_bytes", [1000, 1024 * 1024, 4 * 1024 * 1024])
async def test_verified_reads_are_right_for_any_chunk_size_and_can_stop_early(
        any_backend, make_objects: Callable[..., Objects], chunk_bytes: int) -> None:
    objects = make_objects(any_backend.backend, chunk_bytes=chunk_bytes)
    data = big_pdf(5 * 1024 * 1024 + 7)
    obj, _ = await objects.upload(UploadMeta("a.pdf"), stream(data, 300_000), agency_code=H61, actor="u1")
    chunks = [chunk async for chunk in objects.read_verified(obj)]
    assert b"".join(chunks) == data and max(len(c) for c in chunks) <= chunk_bytes
    for offset, length in ((0, 1), (1024 * 1024 - 1, 2), (3_000_000, 1_500_000), (len(data) - 1, 0)):
        assert await read_all(objects, obj, offset, length) == data[offset:offset + length if length else None]
    reader = objects.read_verified(obj)
    assert len(await anext(reader)) > 0
    await reader.aclose()  # a client gone mid-download: the reader is closed, nothing is left running
    assert await read_all(objects, obj) == data  # and the object reads again


async def test_the_sweep_removes_a_crashed_upload_s_staging_file_but_never_one_in_progress(
        any_backend, samples, make_objects: Callable[..., Objects]) -> None:
    """A grace period of 0, or a sweep clock ahead of the file system's (the year-ahead run), makes every staging
    file look old: the sweep must still leave the uploads in progress alone and only take crash leftovers."""
    import asyncio

    objects = make_objects(any_backend.backend, grace=timedelta(0))
    leftover = objects.staging_dir / "left-by-a-crash.part"
    leftover.write_bytes(b"%PDF-1.4 half written")
    data = samples.pdf("Đang tải lên khi dọn kho")
    first_chunk_staged, go_on = asyncio.Event(), asyncio.Event()

    async def slow_upload() -> AsyncIterator[bytes]:
        yield data[:1000]
        first_chunk_staged.set()
        await go_on.wait()
        yield data[1000:]

    upload = asyncio.create_task(objects.upload(UploadMeta("đang tải.pdf"), slow_upload(), agency_code=H61,
                                                actor="u1"))
    await first_chunk_staged.wait()
    in_progress = [p for p in objects.staging_dir.glob("*.part") if p != leftover]
    assert len(in_progress) == 1
    await objects.sweep(now=datetime.now(UTC) + timedelta(days=400))
    assert not leftover.exists() and in_progress[0].exists()
    go_on.set()
    obj, _ = await upload
    assert await read_all(objects, obj) == data
    assert list(objects.staging_dir.glob("*.part")) == []


def test_two_threads_putting_the_same_bytes_at_once_both_succeed(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Two uploads of the same bytes for one agency, finishing at the same moment in two of storage's threads (the
    bench's two clerks uploading one PDF): each links its staged file under a name of its own, so neither removes
    the other's before it is renamed into place (a shared name failed one upload with FileNotFoundError)."""
    import threading

    from vanthu_storage import backends
    from vanthu_storage.backends import LocalBackend

    backend = LocalBackend(tmp_path / "objects")
    data = big_pdf(1000)
    key = object_key(H61, hashlib.sha256(data).hexdigest())
    staged = [tmp_path / "one.part", tmp_path / "two.part"]
    for path in staged:
        path.write_bytes(data)
    real_replace = backends.os.replace
    raced: list[object] = []  # what the second upload came to

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if not raced and threading.current_thread() is threading.main_thread():
            def other() -> None:  # the second upload, in another thread, between the first's link and its rename
                try:
                    backend._put(key, staged[1], True)
                except OSError as error:
                    raced.append(error)
                else:
                    raced.append("stored")

            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
        real_replace(src, dst)

    monkeypatch.setattr(backends.os, "replace", replace)
    backend._put(key, staged[0], True)
    assert raced == ["stored"]
    assert backend.path(key).read_bytes() == data
    assert not [p for p in backend.path(key).parent.iterdir() if p.name.endswith(".tmp")]
