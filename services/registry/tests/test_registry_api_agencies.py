"""The registry's gRPC API on a real server, with tokens from the real dev issuer.

The registry checks every token itself (not only the gateway) and its own role and tenancy rules.
"""

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import registry_pb2, registry_pb2_grpc
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import field_violations
from vanthu_core.settings import CommonSettings
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration


@pytest.fixture
async def registry_channel(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[grpc.aio.Channel]:
    settings = RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
    server = RegistryServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = registry_pb2_grpc.RegistryServiceStub(channel)
    admin = bearer_metadata(dev_issuer.token("quantri.ubnd"))
    await import_directory(settings.database_url, [{"code": "000.00.00.H61", "name": "Ủy ban nhân dân tỉnh Vĩnh Long"}])
    await stub.UpsertAgency(registry_pb2.UpsertAgencyRequest(agency=registry_pb2.Agency(
        code="000.00.02.H61", name="Sở Nội vụ tỉnh Vĩnh Long", parent_code="000.00.00.H61")), metadata=admin)
    yield channel
    await channel.close()
    await server.stop()


@pytest.fixture
def registry(registry_channel: grpc.aio.Channel) -> registry_pb2_grpc.RegistryServiceStub:
    return registry_pb2_grpc.RegistryServiceStub(registry_channel)


async def count(stub: registry_pb2_grpc.RegistryServiceStub, token: str) -> int:
    reply = await stub.ListAgencies(registry_pb2.ListAgenciesRequest(page=common_pb2.PageRequest(page_size=500)),
                                    metadata=bearer_metadata(token))
    return len(reply.agencies)


def forge(token: str, **changes: object) -> str:
    """Change claims of a signed token but keep its signature (what an attacker can do)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


async def test_no_token_is_unauthenticated(registry: registry_pb2_grpc.RegistryServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await registry.GetAgency(registry_pb2.GetAgencyRequest(code="000.00.00.H61"))
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_tokens_of_another_issuer_or_with_bad_signature_are_refused(
        registry: registry_pb2_grpc.RegistryServiceStub, dev_issuer: DevIssuer, tmp_path: Path) -> None:
    other = DevIssuer(tmp_path / "other-keys").start()
    try:
        foreign = other.token("vanthu.ubnd")
    finally:
        other.stop()
    genuine = dev_issuer.token("vanthu.ubnd")
    kid = jwt.get_unverified_header(genuine)["kid"]
    impostor_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    same_claims_other_key = jwt.encode(jwt.decode(genuine, options={"verify_signature": False}), impostor_key,
                                       algorithm="RS256", headers={"kid": kid})
    for token in (foreign, same_claims_other_key, genuine[:-4] + "AAAA", "not-a-jwt"):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await registry.GetAgency(registry_pb2.GetAgencyRequest(code="000.00.00.H61"),
                                     metadata=bearer_metadata(token))
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert (await registry.GetAgency(registry_pb2.GetAgencyRequest(code="000.00.00.H61"),
                                     metadata=bearer_metadata(genuine))).agency.name == "Ủy ban nhân dân tỉnh Vĩnh Long"


async def test_a_forged_agency_claim_fails_the_signature(registry: registry_pb2_grpc.RegistryServiceStub,
                                                         dev_issuer: DevIssuer) -> None:
    forged = forge(dev_issuer.token("quantri.longchau"), agency="000.00.00.H61")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await registry.UpsertAgency(registry_pb2.UpsertAgencyRequest(agency=registry_pb2.Agency(
            code="000.00.03.H61", name="Sở Tài chính", parent_code="000.00.00.H61")), metadata=bearer_metadata(forged))
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_only_admins_change_the_directory_and_only_within_their_agency(
        registry: registry_pb2_grpc.RegistryServiceStub, dev_issuer: DevIssuer) -> None:
    request = registry_pb2.UpsertAgencyRequest(agency=registry_pb2.Agency(
        code="000.01.02.H61", name="Phòng Tổ chức cán bộ", parent_code="000.00.02.H61"))
    for username in ("vanthu.snv", "chuyenvien.snv", "quantri.longchau"):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await registry.UpsertAgency(request, metadata=bearer_metadata(dev_issuer.token(username)))
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED, username
    reply = await registry.UpsertAgency(request, metadata=bearer_metadata(dev_issuer.token("quantri.snv")))
    assert reply.created and reply.agency.level == 3


async def test_an_agency_admin_sets_the_place_of_its_date_line(registry: registry_pb2_grpc.RegistryServiceStub,
                                                                dev_issuer: DevIssuer) -> None:
    service = bearer_metadata(dev_issuer.token("quantri.ubnd"))
    await registry.UpsertAgency(registry_pb2.UpsertAgencyRequest(agency=registry_pb2.Agency(
        code="000.00.41.H61", name="Ủy ban nhân dân phường Long Châu", parent_code="000.00.00.H61",
        place="Long Châu")), metadata=service)
    reply = await registry.UpsertAgency(registry_pb2.UpsertAgencyRequest(agency=registry_pb2.Agency(
        code="000.00.00.H61", name="Ủy ban nhân dân tỉnh Vĩnh Long", place="Vĩnh Long")),
        metadata=bearer_metadata(dev_issuer.token("quantri.ubnd")))
    assert reply.agency.place == "Vĩnh Long"
    reader = bearer_metadata(dev_issuer.service_token("vanthu-signing"))  # services read the directory
    ward = await registry.GetAgency(registry_pb2.GetAgencyRequest(code="000.00.41.H61"), metadata=reader)
    province = await registry.GetAgency(registry_pb2.GetAgencyRequest(code="000.00.00.H61"), metadata=reader)
    assert (ward.agency.place, province.agency.place) == ("Long Châu", "Vĩnh Long")


@pytest.mark.parametrize(("agency", "field"), [
    ({"code": "000 00 00 H61", "name": "Sai mã"}, "code"),
    ({"code": "000.00.05.H61", "name": "Sở Tư pháp", "parent_code": "000.00.99.H61"}, "parent_code"),
    ({"code": "000.00.05.H61", "name": "Đ" * 201, "parent_code": "000.00.00.H61"}, "name"),
    ({"code": "000.00.05.H61", "name": "Sở Tư pháp", "parent_code": "000.00.00.H61", "valid_from": "31/12/2025"},
     "valid_from"),
    ({"code": "000.00.05.H61", "name": "Sở Tư pháp", "parent_code": "000.00.00.H61", "place": "Vĩnh Long" * 12},
     "place"),
])
async def test_bad_input_names_the_field_and_writes_nothing(registry: registry_pb2_grpc.RegistryServiceStub,
                                                            dev_issuer: DevIssuer, agency: dict[str, str],
                                                            field: str) -> None:
    token = dev_issuer.token("quantri.ubnd")
    before = await count(registry, token)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await registry.UpsertAgency(registry_pb2.UpsertAgencyRequest(agency=registry_pb2.Agency(**agency)),
                                    metadata=bearer_metadata(token))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(error.value)] == [field]
    assert await count(registry, token) == before


async def test_a_non_conforming_code_is_accepted_with_a_warning(registry: registry_pb2_grpc.RegistryServiceStub,
                                                                dev_issuer: DevIssuer) -> None:
    reply = await registry.UpsertAgency(registry_pb2.UpsertAgencyRequest(agency=registry_pb2.Agency(
        code="28.22.H17", name="Sở Thông tin và Truyền thông thành phố Đà Nẵng", level=2, parent_code="000.00.00.H61")),
        metadata=bearer_metadata(dev_issuer.token("quantri.ubnd")))
    assert reply.created and not reply.agency.code_conforms
    assert [w.field for w in reply.warnings] == ["code"]


async def test_health_needs_no_token(registry_channel: grpc.aio.Channel) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    reply = await health_pb2_grpc.HealthStub(registry_channel).Check(health_pb2.HealthCheckRequest(
        service="vanthu.registry.v1.RegistryService"))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
