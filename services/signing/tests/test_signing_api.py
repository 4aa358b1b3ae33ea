"""The SigningService on a real gRPC server in-process, with tokens from the real dev issuer."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.settings import CommonSettings
from vanthu_signing.server import SigningServer
from vanthu_signing.settings import SigningSettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration


@pytest.fixture
async def stub(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[signing_pb2_grpc.SigningServiceStub]:
    settings = SigningSettings(grpc_port=0, dev_pki_dir=str(tmp_path / "pki"))
    server = SigningServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield signing_pb2_grpc.SigningServiceStub(channel)
    await channel.close()
    await server.stop()


async def test_leader_signs_clerk_issues_and_anyone_verifies(stub, token_for, make_pdf, signature_png,  # type: ignore[no-untyped-def]
                                                             seal_png) -> None:
    leader = bearer_metadata(token_for("lanhdao.ubnd"))
    clerk = bearer_metadata(token_for("vanthu.ubnd"))
    signed = await stub.SignPersonal(signing_pb2.SignPersonalRequest(pdf=make_pdf(), signature_image=signature_png),
                                     metadata=leader)
    assert signed.field_name == "ChuKyCaNhan" and signed.box.x2 > signed.box.x1
    issued = await stub.IssueAndSignAgency(signing_pb2.IssueAndSignAgencyRequest(
        pdf=signed.pdf, seal_image=seal_png, number_symbol="12/UBND-VP", issued_on=dt.date.today().isoformat()),
        metadata=clerk)
    assert issued.box.x2 == pytest.approx(signed.box.x1 + (signed.box.x2 - signed.box.x1) / 3, abs=1)
    verdict = await stub.Verify(signing_pb2.VerifyRequest(pdf=issued.pdf),
                                metadata=bearer_metadata(token_for("chuyenvien.ubnd")))
    assert verdict.valid and len(verdict.signatures) == 2
    assert verdict.signatures[0].signer == "Nguyễn Văn Hưởng"
    assert "KẾT LUẬN CHUNG: HỢP LỆ" in verdict.report
    att = await stub.SignAttachment(signing_pb2.SignAttachmentRequest(pdf=make_pdf(placeholders=False),
                                                                      number_symbol="12/UBND-VP"), metadata=clerk)
    assert att.signed_at.endswith("+07:00")


async def test_roles_and_bad_input(stub, token_for, make_pdf, signature_png, seal_png) -> None:  # type: ignore[no-untyped-def]
    officer = bearer_metadata(token_for("chuyenvien.ubnd"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.SignPersonal(signing_pb2.SignPersonalRequest(pdf=make_pdf(), signature_image=signature_png),
                                metadata=officer)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.SignPersonal(signing_pb2.SignPersonalRequest(pdf=b"", signature_image=signature_png),
                                metadata=bearer_metadata(token_for("lanhdao.ubnd")))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.IssueAndSignAgency(signing_pb2.IssueAndSignAgencyRequest(
            pdf=make_pdf(), seal_image=seal_png, number_symbol="1/UBND", issued_on="2026-11-27"),
            metadata=bearer_metadata(token_for("vanthu.ubnd")))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Verify(signing_pb2.VerifyRequest(pdf=make_pdf()))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
