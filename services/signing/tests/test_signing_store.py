"""Signing's own data on SQLite and on a real PostgreSQL: profiles, pending two-step signings, the journal."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vanthu.signing.v1 import events_pb2 as ev
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import FailedPrecondition, NotFound
from vanthu_core.events import meta_of, occurred_at, subject_of
from vanthu_signing.server import MIGRATIONS
from vanthu_signing.store import AGENCY, PERSONAL, JournalEntry, Pending, SigningStore, outbox
from vanthu_testing.events import outbox_events

pytestmark = pytest.mark.integration
H61 = "000.00.00.H61"


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SigningStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'signing.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield SigningStore(session_factory(engine))
    await engine.dispose()


async def test_profiles_bind_one_key_per_person_and_per_agency(store: SigningStore) -> None:
    huong = "fe9b969b-58c9-59e2-ba3e-e6577ff80343"  # the person's subject; their username is for display
    with pytest.raises(FailedPrecondition):
        await store.profile(H61, PERSONAL, subject=huong, username="lanhdao.ubnd")
    with pytest.raises(FailedPrecondition):  # a new profile needs a key or a certificate
        await store.put_profile(agency_code=H61, kind=PERSONAL, subject=huong, username="lanhdao.ubnd",
                                key_label=None, certificate=None, image=b"png", actor="operator")
    made = await store.put_profile(agency_code=H61, kind=PERSONAL, subject=huong, username="lanhdao.ubnd",
                                   key_label="nguyen-van-duc", certificate=None, image=b"png", actor="operator")
    seal = await store.put_profile(agency_code=H61, kind=AGENCY, subject="", username="", key_label="ubnd-seal",
                                   certificate=None, image=b"seal", actor="operator")
    # the image changes, the key stays; switching to a remote certificate drops the server key
    again = await store.put_profile(agency_code=H61, kind=PERSONAL, subject=huong, username=None, key_label=None,
                                    certificate=None, image=b"png2", actor="lanhdao.ubnd")
    assert again.profile_id == made.profile_id and again.key_label == "nguyen-van-duc" and again.image == b"png2"
    remote = await store.put_profile(agency_code=H61, kind=PERSONAL, subject=huong, username=None, key_label=None,
                                     certificate=b"\x30\x82der", image=None, actor="operator")
    assert remote.remote and remote.key_label == "" and remote.image == b"png2"
    assert [(p.kind, p.subject, p.username) for p in await store.profiles(H61)] == [
        (AGENCY, "", ""), (PERSONAL, huong, "lanhdao.ubnd")]
    assert (await store.profile(H61, AGENCY)).profile_id == seal.profile_id
    with pytest.raises(FailedPrecondition):  # someone else under the same username finds nothing
        await store.profile(H61, PERSONAL, subject="another-account", username="lanhdao.ubnd")
    assert (await store.profile(H61, PERSONAL, subject=huong, username="huong.nv")).profile_id == made.profile_id
    assert await store.profiles("000.00.02.H61") == []
    assert await store.delete_profile(H61, PERSONAL, huong)
    assert not await store.delete_profile(H61, PERSONAL, huong)
    subjects = [subject_of(e) for e in await outbox_events(store.sessions, outbox)]
    assert subjects.count("vanthu.signing.profile.updated") == 4


async def test_pending_signings_complete_once_only_for_their_owner(store: SigningStore) -> None:
    now = dt.datetime.now(dt.UTC)
    await store.save_pending(Pending("h1", H61, "subject-a", "tờ trình.pdf", "ab" * 32, b"state" * 1000,
                                     now + dt.timedelta(minutes=10)))
    await store.save_pending(Pending("h2", H61, "subject-a", "x.pdf", "cd" * 32, b"s", now - dt.timedelta(seconds=1)))
    with pytest.raises(NotFound):
        await store.pending("h1", "subject-b")
    with pytest.raises(NotFound, match="hết hạn"):
        await store.pending("h2", "subject-a")
    got = await store.pending("h1", "subject-a")
    assert got.state == b"state" * 1000 and got.file_name == "tờ trình.pdf"
    await store.finish_pending("h1")
    with pytest.raises(NotFound):
        await store.finish_pending("h1")
    with pytest.raises(NotFound):
        await store.pending("h1", "subject-a")


async def test_the_journal_keeps_every_signing_with_its_event(store: SigningStore) -> None:
    when = dt.datetime(2026, 11, 27, 3, 4, 5, tzinfo=dt.UTC)
    subject = "CN=Nguyễn Văn Hưởng,OU=VanThu DEVELOPMENT ONLY,O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN"
    entry = JournalEntry(agency_code=H61, kind="agency", subject="sub-1", username="vanthu.ubnd",
                         certificate_subject=subject, field_name="ChuKyCoQuan", input_sha256="a" * 64,
                         output_sha256="b" * 64, object_id="0190f0e0-0000-7000-8000-000000000001",
                         number_symbol="12/UBND-VP", signed_at=when)
    signing_id = await store.record(entry)
    assert await store.journal(H61) == [entry]
    assert await store.journal("000.00.02.H61") == []
    events = await outbox_events(store.sessions, outbox)
    assert len(events) == 1 and isinstance(events[0], ev.DocumentSigned)
    assert events[0].signing_id == signing_id and events[0].number_symbol == "12/UBND-VP"
    assert (meta_of(events[0]).agency_code, meta_of(events[0]).actor) == (H61, "sub-1")
    assert events[0].signed_at.ToDatetime(tzinfo=dt.UTC) == when == occurred_at(events[0])
