"""The federation port: ``vanthu.interchange.v1.FederationService`` for other VanThu installations.

Served on its own port (``VANTHU_INTERCHANGE_FEDERATION_PORT``) with mutual TLS only (a client without a certificate
signed by the federation CA cannot connect), never on the in-cluster port. Authorisation is the peers table, not the
OIDC access table: the caller is the peer whose ``identity`` is its client certificate's subject CN or one of its
SANs (anything else: PERMISSION_DENIED). The access table lists these methods as ``peers`` entries, so that the token
interceptor refuses every token caller should the service ever be registered on a token-authenticated port.

- ``SubmitPackage``: the package's sender agency (a document's From, a status package's reporter) must match the
  calling peer's patterns, and every recipient must be served here (else PERMISSION_DENIED, no effect). The package is
  kept once under a local id derived from ``<peer>/<package id>`` and taken in
  (:meth:`~vanthu_interchange.receiving.Receiver.take_in`) for each recipient with that transport id: the same
  package submitted again finds its receipts and answers the same. The answer comes after the receipts are committed
  (the acknowledgement); a registry or storage that cannot be reached answers UNAVAILABLE and the peer retries.
- ``GetDeliveryStatus``: the receipts of a package the calling peer submitted.
- ``ListAgencies``: the agencies of the directory this installation serves.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from vanthu.common.v1 import common_pb2
from vanthu.interchange.v1 import federation_pb2, federation_pb2_grpc
from vanthu.registry.v1 import registry_pb2
from vanthu_core.errors import DomainError, InvalidArgument, PermissionDenied
from vanthu_core.grpc_client import bearer_metadata, domain_error
from vanthu_core.grpc_server import status_for
from vanthu_edxml import DocumentPackage, Limits, StatusPackage
from vanthu_interchange.federation import MAX_MESSAGE_BYTES, Peer, Peers, TlsMaterial, certificate_names
from vanthu_interchange.packages import Refused, document_id_contradictions, read_received
from vanthu_interchange.peers import Registry
from vanthu_interchange.receiving import Receiver
from vanthu_interchange.routing import Router
from vanthu_interchange.store import InterchangeStore, ReceiptRow

log = logging.getLogger("vanthu.interchange")
#: Namespace of the local ids of packages received from peers (uuid5 of ``<peer>/<package id>``).
PEER_PACKAGES = uuid.UUID("0d3c7a4e-62f1-4b8e-9d0a-7f5e2c1b9a34")
R = TypeVar("R")


def transport_id(peer: Peer, package_id: str) -> str:
    return f"{peer.name}/{package_id}"


def local_package_id(peer: Peer, package_id: str) -> str:
    return str(uuid.uuid5(PEER_PACKAGES, transport_id(peer, package_id)))


def _outcome(receipt: ReceiptRow) -> federation_pb2.RecipientOutcome:
    return federation_pb2.RecipientOutcome(recipient_code=receipt.recipient_code, accepted=True,
                                           outcome=receipt.outcome, reason=receipt.reason)


def _peer_call(method: Callable[[FederationApi, Any, Peer], Awaitable[R]]) -> Callable[..., Awaitable[R]]:
    """Identify the calling peer by its certificate, run ``method``, turn a DomainError into its status."""

    @functools.wraps(method)
    async def wrapped(self: FederationApi, request: Any, context: grpc.aio.ServicerContext) -> R:
        name = method.__name__
        try:
            names = certificate_names(context.auth_context())
            peer = self.peers.identify(names)
            if peer is None:
                log.warning("federation: a certificate not in the peers table", extra={"names": names,
                                                                                      "method": name})
                raise PermissionDenied("Chứng thư này không thuộc hệ thống kết nối nào đã cấu hình ở đây.")
            return await method(self, request, peer)
        except DomainError as error:
            log.info("federation: refused", extra={"method": name, "code": error.code.name,
                                                   "reason": error.message})
            status = status_for(error)
            await context.abort(status.code, status.details, status.trailing_metadata)
            raise AssertionError("unreachable: context.abort raises") from error

    return wrapped


class FederationApi(federation_pb2_grpc.FederationServiceServicer):
    def __init__(self, store: InterchangeStore, receiver: Receiver, router: Router, peers: Peers,
                 registry: Registry | None, limits: Limits) -> None:
        self.store = store
        self.receiver = receiver
        self.router = router
        self.peers = peers
        self.registry = registry
        self.limits = limits

    @_peer_call
    async def SubmitPackage(self, request: federation_pb2.SubmitPackageRequest,
                            peer: Peer) -> federation_pb2.SubmitPackageResponse:
        package_id = request.package_id.strip()
        if not package_id or len(package_id) > 64:
            raise InvalidArgument("package_id", "bắt buộc, tối đa 64 ký tự.")
        if request.kind not in ("edoc", "status"):
            raise InvalidArgument("kind", "phải là edoc hoặc status.")
        recipients = list(dict.fromkeys(c.strip() for c in request.recipient_codes if c.strip()))
        if not recipients:
            raise InvalidArgument("recipient_codes", "cần ít nhất một cơ quan của hệ thống này.")
        foreign = [c for c in recipients if not self.router.serves(c)]
        if foreign:
            raise PermissionDenied(f"Hệ thống này không phục vụ: {', '.join(foreign)[:200]}")
        if len(request.package) > self.limits.max_bytes:
            raise InvalidArgument("package", f"vượt {self.limits.max_bytes} byte.")
        local_id = local_package_id(peer, package_id)
        row = await self.store.package(local_id)
        if row is None:
            kind, sender, document_id = self._sender(request.package)
            if not peer.serves(sender):
                raise PermissionDenied(f"Hệ thống kết nối {peer.name} không phục vụ cơ quan gửi {sender}.")
            if kind != request.kind:
                raise InvalidArgument("kind", f"gói tin là gói {kind}, không phải {request.kind}.")
            await self.store.store_received(package_id=local_id, kind=kind, sender_code=sender[:35],
                                            edxml_document_id=document_id[:300], body=request.package,
                                            sha256=hashlib.sha256(request.package).hexdigest())
        elif row.sha256 != hashlib.sha256(request.package).hexdigest():
            raise InvalidArgument("package", f"gói tin {package_id} đã được gửi trước đó với nội dung khác.")
        elif not peer.serves(row.sender_code):
            raise PermissionDenied(f"Hệ thống kết nối {peer.name} không phục vụ cơ quan gửi {row.sender_code}.")
        outcomes = []
        for code in recipients:
            receipt = await self.receiver.take_in(transport_id(peer, package_id), local_id, code)
            outcomes.append(_outcome(receipt))
        log.info("federation: package taken in", extra={"peer": peer.name, "package_id": package_id,
                                                         "outcomes": {o.recipient_code: o.outcome for o in outcomes}})
        return federation_pb2.SubmitPackageResponse(recipients=outcomes)

    def _sender(self, body: bytes) -> tuple[str, str, str]:
        """The kind (edoc, status), the sender agency (a document's From, a status package's reporter) and the
        DocumentId the package names; InvalidArgument when it cannot be read at all (nobody to answer with 02)."""
        try:
            package: Any = read_received(body, self.limits)
        except Refused as refusal:
            package = refusal.package
            if package is None:
                raise InvalidArgument("package", refusal.reason) from None
        if isinstance(package, DocumentPackage):
            contradictions = document_id_contradictions(package)
            if contradictions:  # a peer writes with VanThu's strict writer: a contradiction is a fault, not a quirk
                raise InvalidArgument("package", "DocumentId mâu thuẫn với phần đầu gói tin ("
                                      + "; ".join(contradictions)[:300] + "); hệ thống VanThu ghi DocumentId dạng "
                                      "<From OrganId>,<PromulgationDate>,<CodeNumber>/<CodeNotation>")
            return "edoc", package.sender.agency_code or "", package.document_id or ""
        if isinstance(package, StatusPackage):
            return "status", package.sender.agency_code or "", (package.response_for.document_id or ""
                                                                if package.response_for else "")
        raise InvalidArgument("package", "không phải gói văn bản hay gói trạng thái.")

    @_peer_call
    async def GetDeliveryStatus(self, request: federation_pb2.GetDeliveryStatusRequest,
                                peer: Peer) -> federation_pb2.GetDeliveryStatusResponse:
        receipts = await self.store.receipts_of_transport(transport_id(peer, request.package_id.strip()))
        return federation_pb2.GetDeliveryStatusResponse(recipients=[_outcome(r) for r in receipts])

    @_peer_call
    async def ListAgencies(self, request: federation_pb2.ListAgenciesRequest,
                           peer: Peer) -> federation_pb2.ListAgenciesResponse:
        if self.registry is None:
            return federation_pb2.ListAgenciesResponse()
        found: list[federation_pb2.FederatedAgency] = []
        token = ""
        while len(found) < 20000:
            try:
                reply = await self.registry.directory.ListAgencies(
                    registry_pb2.ListAgenciesRequest(page=common_pb2.PageRequest(page_size=500, page_token=token)),
                    metadata=bearer_metadata(await self.registry.tokens.token()), timeout=60)
            except grpc.aio.AioRpcError as error:
                raise domain_error(error, "Dịch vụ văn bản: ") from error
            found.extend(federation_pb2.FederatedAgency(code=a.code, name=a.name, parent_code=a.parent_code)
                         for a in reply.agencies if self.router.serves(a.code))
            token = reply.page.next_page_token
            if not token:
                break
        return federation_pb2.ListAgenciesResponse(agencies=found)


class FederationServer:
    """The federation port: its own gRPC server, mutual TLS, no token interceptor (the peers table decides)."""

    def __init__(self, api: FederationApi, tls: TlsMaterial, host: str, port: int) -> None:
        self.server = grpc.aio.server(options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                                               ("grpc.max_send_message_length", 8 * 1024 * 1024),
                                               ("grpc.so_reuseport", 0)])
        federation_pb2_grpc.add_FederationServiceServicer_to_server(api, self.server)
        self.tls, self.host, self.requested_port, self.port = tls, host, port, 0

    async def start(self) -> int:
        self.port = self.server.add_secure_port(f"{self.host}:{self.requested_port}",
                                                self.tls.server_credentials())
        if self.port == 0:
            raise RuntimeError(f"federation: cannot listen on {self.host}:{self.requested_port}")
        await self.server.start()
        log.info("federation port listening (mutual TLS)", extra={"address": f"{self.host}:{self.port}"})
        return self.port

    async def stop(self, grace_s: float = 5.0) -> None:
        await self.server.stop(grace_s)
