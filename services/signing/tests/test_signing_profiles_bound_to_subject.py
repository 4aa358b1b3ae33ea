"""Personal signing profiles belong to the person's subject (``sub``), not to their changeable username (issue 11,
item 3), on a real signing server with tokens the real dev issuer signs: an account recreated under the same
username gets no key, a renamed account keeps its own, and the username stays only for display."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import jwt
import pytest

from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu_core.grpc_client import bearer_metadata
from vanthu_signing.server import SigningServer
from vanthu_signing.settings import SigningSettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration
H61 = "000.00.00.H61"


@pytest.fixture
async def signing(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[signing_pb2_grpc.SigningServiceStub]:
    """Signing with the dev keys bound to the demo leader, as ``make dev`` binds them (subjects from the dev
    issuer's users file)."""
    settings = SigningSettings(grpc_port=0, dev_pki_dir=str(tmp_path / "pki"), dev_profiles=True,
                               users_file=str(dev_issuer.users_file),
                               database_url=f"sqlite+aiosqlite:///{tmp_path / 'signing.db'}")
    server = SigningServer(settings, dev_issuer.service_settings("signing"))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield signing_pb2_grpc.SigningServiceStub(channel)
    finally:
        await channel.close()
        await server.stop()


def issued(dev_issuer: DevIssuer, *, subject: str, username: str, roles: tuple[str, ...] = ("leader",)) -> str:
    """A token the issuer signs for an account (what Keycloak issues after an admin renames or recreates one)."""
    keys = dev_issuer.app.state.keys
    now = int(time.time())
    claims = {"iss": dev_issuer.issuer, "sub": subject, "iat": now, "exp": now + 300, "azp": "vanthu-web",
              "aud": ["vanthu", "account"], "preferred_username": username, "name": "Nguyễn Văn Hưởng",
              "agency": H61, "realm_access": {"roles": list(roles)}}
    return jwt.encode(claims, keys.active.private_key, algorithm="RS256", headers={"kid": keys.active.kid})


def subject_of(dev_issuer: DevIssuer, username: str) -> str:
    return str(jwt.decode(dev_issuer.token(username), options={"verify_signature": False})["sub"])


async def sign(stub: signing_pb2_grpc.SigningServiceStub, token: str, pdf: bytes) -> signing_pb2.SigningResult:
    reply = await stub.SignPersonal(signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(pdf=pdf)),
                                    metadata=bearer_metadata(token))
    return reply.result


async def test_an_account_recreated_under_the_same_username_does_not_inherit_the_key(
        signing: signing_pb2_grpc.SigningServiceStub, dev_issuer: DevIssuer, make_pdf: Callable[..., bytes],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="vanthu.signing")
    impostor = issued(dev_issuer, subject=str(uuid.uuid4()), username="lanhdao.ubnd")
    for call in (sign(signing, impostor, make_pdf()),
                 signing.GetProfile(signing_pb2.GetProfileRequest(), metadata=bearer_metadata(impostor))):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call
        assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        # the person reads whom to ask; the operator reads in the log how to bind a key to the person
        assert "liên hệ đơn vị vận hành" in (error.value.details() or "")
        assert "--subject" not in (error.value.details() or "")
        assert "vanthu-signing profile set --agency 000.00.00.H61 --subject" in caplog.text
    assert (await sign(signing, dev_issuer.token("lanhdao.ubnd"), make_pdf())).pdf  # the real leader still signs


async def test_a_renamed_account_keeps_its_own_key_and_the_profile_keeps_the_name_for_display(
        signing: signing_pb2_grpc.SigningServiceStub, dev_issuer: DevIssuer, make_pdf: Callable[..., bytes]) -> None:
    subject = subject_of(dev_issuer, "lanhdao.ubnd")
    renamed = issued(dev_issuer, subject=subject, username="huong.nv")
    assert (await sign(signing, renamed, make_pdf())).pdf
    profile = (await signing.GetProfile(signing_pb2.GetProfileRequest(), metadata=bearer_metadata(renamed))).profile
    assert (profile.subject, profile.username, profile.kind) == (subject, "lanhdao.ubnd", "personal")
