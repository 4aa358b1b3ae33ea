"""Migration 0003 binds existing personal profiles to subjects (issue 11, item 3), on SQLite and PostgreSQL: a
profile one person signed with is bound to that person's subject; one nobody signed with, or two people did, stays
unbound (refused until the operator binds it with ``--subject``); usernames stay for display."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import FailedPrecondition
from vanthu_signing.server import MIGRATIONS
from vanthu_signing.store import AGENCY, PERSONAL, SigningStore

pytestmark = pytest.mark.integration
H61, SNV = "000.00.00.H61", "000.00.02.H61"
NOW = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'signing.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def test_existing_profiles_are_bound_to_the_one_subject_that_signed_with_them(
        url: str, caplog: pytest.LogCaptureFixture) -> None:
    await migrate(MIGRATIONS, url, "0002")
    engine = create_engine(url)
    profiles = [("p1", H61, PERSONAL, "lanhdao.ubnd"), ("p2", H61, PERSONAL, "truongphong.ubnd"),
                ("p3", SNV, PERSONAL, "lanhdao.snv"), ("p4", H61, AGENCY, "")]
    # lanhdao.ubnd signed twice (one person); truongphong.ubnd never; lanhdao.snv's name was used by two accounts;
    # a journal row of another agency under the same username does not count
    signings = [("s1", H61, "personal", "sub-huong", "lanhdao.ubnd"),
                ("s2", H61, "personal-remote", "sub-huong", "lanhdao.ubnd"),
                ("s3", SNV, "personal", "sub-ly", "lanhdao.snv"),
                ("s4", SNV, "personal", "sub-other", "lanhdao.snv"),
                ("s5", SNV, "personal", "sub-stranger", "lanhdao.ubnd"),
                ("s6", H61, "seal", "sub-clerk", "vanthu.ubnd")]
    try:
        async with engine.begin() as connection:
            for pid, agency, kind, username in profiles:
                await connection.execute(text(
                    "INSERT INTO signing_profiles (profile_id, agency_code, kind, username, key_label, certificate, "
                    "image, updated_by, updated_at) VALUES (:p, :a, :k, :u, 'personal', :c, :c, 'operator', :t)"),
                    {"p": pid, "a": agency, "k": kind, "u": username, "c": b"", "t": NOW})
            for sid, agency, kind, subject, username in signings:
                await connection.execute(text(
                    "INSERT INTO signings (signing_id, agency_code, kind, subject, username, certificate_subject, "
                    "field_name, input_sha256, output_sha256, object_id, number_symbol, signed_at, document_id) "
                    "VALUES (:s, :a, :k, :sub, :u, 'CN=x', 'f', 'i', 'o', '', '', :t, '')"),
                    {"s": sid, "a": agency, "k": kind, "sub": subject, "u": username, "t": NOW})
    finally:
        await engine.dispose()

    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    try:
        store = SigningStore(session_factory(engine))
        bound = await store.profile(H61, PERSONAL, subject="sub-huong")
        assert (bound.profile_id, bound.username) == ("p1", "lanhdao.ubnd")
        assert (await store.profile(H61, AGENCY)).profile_id == "p4"
        for agency, username in ((H61, "truongphong.ubnd"), (SNV, "lanhdao.snv")):
            # unbound: refused, telling the person whom to ask and the operator (in the log) the command
            with caplog.at_level("WARNING", logger="vanthu.signing"), \
                    pytest.raises(FailedPrecondition, match="liên hệ đơn vị vận hành") as refused:
                await store.profile(agency, PERSONAL, subject="sub-anyone", username=username)
            assert "vanthu-signing" not in str(refused.value) and username not in str(refused.value)
            assert f"profile set --agency {agency} --subject sub-anyone --user {username}" in caplog.text
        listed = {p.profile_id: (p.username, p.subject) for p in await store.profiles()}
        assert listed == {"p1": ("lanhdao.ubnd", "sub-huong"), "p2": ("truongphong.ubnd", None),
                          "p3": ("lanhdao.snv", None), "p4": ("", "")}
        # the operator binds an unbound profile to the person it belongs to, keeping its key
        adopted = await store.put_profile(agency_code=H61, kind=PERSONAL, subject="sub-phuc",
                                          username="truongphong.ubnd", key_label=None, certificate=None, image=None,
                                          actor="operator")
        assert (adopted.profile_id, adopted.subject, adopted.key_label) == ("p2", "sub-phuc", "personal")
    finally:
        await engine.dispose()
