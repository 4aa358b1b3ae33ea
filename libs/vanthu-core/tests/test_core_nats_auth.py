"""NATS users and permissions (issue 11, item 5) against a real nats-server configured as make dev and the chart do."""

import asyncio
import contextlib
from pathlib import Path

import nats
import pytest
import yaml
from nats.errors import Error as NatsError

from vanthu.signing.v1 import events_pb2 as signing_events
from vanthu_core import subjects
from vanthu_core.events import encode, new_meta
from vanthu_core.nats_auth import ADMIN, USERS, chart_users, password_variable, permissions
from vanthu_core.streams import DAY_S, StreamSettings, declare_streams
from vanthu_testing.nats import NatsServer

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


class Errors:
    """What the server said to a connection (permission violations arrive asynchronously)."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._changed = asyncio.Event()

    async def record(self, error: Exception) -> None:
        self.seen.append(str(error))
        self._changed.set()

    async def wait_for(self, count: int, timeout_s: float = 10) -> list[str]:
        """The errors once there are ``count`` of them (or what there is after ``timeout_s``)."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            self._changed.clear()
            if len(self.seen) >= count:
                break
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return self.seen


async def test_a_client_without_credentials_or_with_a_wrong_password_is_refused(nats_server: NatsServer) -> None:
    with pytest.raises(NatsError, match="Authorization Violation"):
        await nats_server.connect(None)
    with pytest.raises(NatsError, match="Authorization Violation"):
        await nats.connect(nats_server.url, user="signing", password="vanthu-dev", allow_reconnect=False,
                           max_reconnect_attempts=0)


async def test_a_forged_verdict_from_the_registry_user_is_refused_and_never_reaches_the_stream(
        nats_server: NatsServer) -> None:
    """The attack of the issue: publish vanthu.signing.document.verified {valid: true} with another service's user."""
    forged = signing_events.DocumentVerified(meta=new_meta(actor="vanthu-signing", agency="000.00.02.H61"),
                                             document_id="d-1", valid=True, note="HỢP LỆ")
    errors = Errors()
    registry = await nats_server.connect("registry", error_cb=errors.record)
    try:
        with pytest.raises(nats.errors.TimeoutError):
            await registry.jetstream(timeout=1).publish(subjects.SIGNING_DOCUMENT_VERIFIED, encode(forged),
                                                        headers={"Nats-Msg-Id": forged.meta.event_id})
        assert any(f'permissions violation for publish to "{subjects.SIGNING_DOCUMENT_VERIFIED}"' in e
                   for e in await errors.wait_for(1))
    finally:
        await registry.close()
    admin = await nats_server.connect(ADMIN)
    try:
        info = await admin.jetstream().stream_info(subjects.EVENTS_STREAM)
    finally:
        await admin.close()
    assert info.state.messages == 0


async def test_each_service_publishes_only_its_own_subjects(nats_server: NatsServer) -> None:
    own_total = 0
    for user in subjects.SERVICES:
        errors = Errors()
        connection = await nats_server.connect(user, error_cb=errors.record)
        try:
            others = [s for s in subjects.EVENT_TYPES if subjects.publisher_of(s) != user]
            for subject in subjects.EVENT_TYPES:
                await connection.publish(subject, b"probe")
            await connection.flush()
            seen = await errors.wait_for(len(others))
        finally:
            await connection.close()
        refused = sorted(s.split('"')[1] for s in seen if "permissions violation for publish" in s)
        assert refused == sorted(others), user
        own_total += len(subjects.published_by(user))
    admin = await nats_server.connect(ADMIN)
    try:
        stored = (await admin.jetstream().stream_info(subjects.EVENTS_STREAM)).state.messages
    finally:
        await admin.close()
    assert stored == own_total == len(subjects.EVENT_TYPES)


async def test_a_service_reads_only_its_own_consumers_and_inboxes(nats_server: NatsServer) -> None:
    errors = Errors()
    registry = await nats_server.connect("registry", error_cb=errors.record)
    js = registry.jetstream(timeout=1)
    try:
        with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError)):  # signing's consumer
            await js.pull_subscribe(subjects.REGISTRY_DOCUMENT_ARRIVED, durable=subjects.SIGNING_ARRIVALS.durable,
                                    stream=subjects.EVENTS_STREAM)
        with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError)):  # a consumer of every event
            await js.add_consumer(subjects.EVENTS_STREAM, name="everything", durable_name="everything",
                                  filter_subject="vanthu.>")
        await registry.subscribe("vanthu.>")  # the raw subjects
        await registry.subscribe("_INBOX.signing.>")  # signing's replies (its deliveries)
        await registry.flush()
        seen = await errors.wait_for(4)
    finally:
        await registry.close()
    seen = [e.lower() for e in seen]  # nats-py lower-cases the server's errors
    assert any('publish to "$js.api.consumer.info.vanthu_events.signing-arrivals"' in e for e in seen), seen
    assert any("$js.api.consumer.create.vanthu_events.everything" in e for e in seen), seen
    assert any('subscription to "vanthu.>"' in e for e in seen), seen
    assert any('subscription to "_inbox.signing.>"' in e for e in seen), seen


async def test_the_admin_declares_streams_with_limits_but_publishes_no_event(tmp_path: Path) -> None:
    server = NatsServer(tmp_path / "nats", StreamSettings(max_age_days=3, max_bytes=64 * 1024 * 1024,
                                                          dead_letter_max_bytes=8 * 1024 * 1024)).start()
    errors = Errors()
    try:
        admin = await server.connect(ADMIN, error_cb=errors.record)
        js = admin.jetstream(timeout=5)
        events = (await js.stream_info(subjects.EVENTS_STREAM)).config
        dead = (await js.stream_info(subjects.DEAD_LETTER_STREAM)).config
        assert (events.max_age, events.max_bytes) == (3 * DAY_S, 64 * 1024 * 1024)
        assert dead.max_bytes == 8 * 1024 * 1024 and dead.max_age == 90 * DAY_S
        await declare_streams(js, StreamSettings(max_age_days=10, max_bytes=128 * 1024 * 1024))  # limits changed
        events = (await js.stream_info(subjects.EVENTS_STREAM)).config
        assert (events.max_age, events.max_bytes) == (10 * DAY_S, 128 * 1024 * 1024)
        await admin.publish(subjects.SIGNING_DOCUMENT_VERIFIED, b"forged")
        await admin.flush()
        assert any("permissions violation for publish" in e for e in await errors.wait_for(1))
        await admin.close()
    finally:
        server.stop()


@pytest.mark.unit
def test_the_chart_gives_nats_the_catalogues_users_and_each_service_its_own_secret() -> None:
    nats = yaml.safe_load((ROOT / "charts/vanthu/nats-values.yaml").read_text(encoding="utf-8"))
    assert nats["config"]["merge"]["authorization"]["users"] == chart_users(), \
        "charts/vanthu/nats-values.yaml is stale: paste the output of `python -m vanthu_core.nats_auth` into it"
    secrets = yaml.safe_load((ROOT / "charts/vanthu/values.yaml").read_text(encoding="utf-8"))["natsSecrets"]
    assert set(secrets) == set(USERS)
    env = nats["container"]["env"]
    for user in USERS:
        assert env[password_variable(user)] == {"valueFrom": {"secretKeyRef": {"name": secrets[user],
                                                                               "key": "password"}}}
    helpers = (ROOT / "charts/vanthu/templates/_helpers.tpl").read_text(encoding="utf-8")
    assert "VANTHU_NATS_USER" in helpers and "index .root.Values.natsSecrets .name" in helpers
    assert 'include "vanthu.natsEnv"' in (ROOT / "charts/vanthu/templates/component.yaml").read_text(encoding="utf-8")
    for values in ("values.yaml", "nats-values.yaml"):
        assert not any("password:" in line and "<<" not in line
                       for line in (ROOT / "charts/vanthu" / values).read_text(encoding="utf-8").splitlines())


@pytest.mark.unit
def test_service_permissions_name_exact_subjects_and_their_own_inbox() -> None:
    signing = permissions("signing")
    assert signing["subscribe"]["allow"] == ["_INBOX.signing.>"]
    assert "vanthu.signing.document.verified" in signing["publish"]["allow"]
    assert not any(s.startswith("vanthu.registry.") for s in signing["publish"]["allow"])
    assert "$JS.API.CONSUMER.CREATE.VANTHU_EVENTS.signing-arrivals.vanthu.registry.document.arrived" in \
        signing["publish"]["allow"]
    assert not any(">" in s for s in signing["publish"]["allow"] if not s.startswith("$JS.ACK."))
    assert permissions("storage")["publish"]["allow"][:4] == subjects.published_by("storage")
