"""Wiring of signing: key ring (keys, trust anchors, TSA) and the gRPC server."""

from __future__ import annotations

from dataclasses import dataclass

from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu_core.auth import JwksVerifier
from vanthu_core.grpc_server import GrpcServer
from vanthu_core.settings import CommonSettings
from vanthu_signing.api import SigningApi
from vanthu_signing.keys import KeyRing
from vanthu_signing.settings import SigningSettings
from vanthu_signing.signer import close_pkcs11_sessions


@dataclass
class SigningServer:
    settings: SigningSettings
    common: CommonSettings

    async def start(self) -> int:
        self.keys = KeyRing.load(self.settings)
        self.verifier = JwksVerifier(self.common.oidc_issuer, audience=self.common.oidc_audience or None)
        self.grpc = GrpcServer(service="signing", host=self.settings.grpc_host, port=self.settings.grpc_port,
                               verifier=self.verifier,
                               service_names=[signing_pb2.DESCRIPTOR.services_by_name["SigningService"].full_name])
        signing_pb2_grpc.add_SigningServiceServicer_to_server(SigningApi(self.keys), self.grpc.server)
        return await self.grpc.start()

    async def stop(self) -> None:
        await self.grpc.stop(self.settings.shutdown_grace_s)
        await self.verifier.aclose()
        close_pkcs11_sessions()
