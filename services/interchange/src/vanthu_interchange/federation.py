"""Federation between VanThu installations: the peers table and the mutual-TLS material (issue 12, item 6).

Another VanThu installation (a peer) is configured in the peers file named by
``VANTHU_INTERCHANGE_FEDERATION_PEERS_FILE`` (YAML or JSON)::

    peers:
      - name: tinh-b                 # used in transport ids: "<name>/<package id>"
        target: vanthu-b.example.vn:50064
        identity: vanthu-b.example.vn  # its certificate's subject CN or one of its SANs
        agencies: ["000.00.41.H61"]  # shell-style patterns of the agency codes it serves
        server_name: ""              # optional: the name to check its server certificate against

Each peer is two things: a route (a recipient matching its ``agencies`` is sent there, :mod:`vanthu_interchange
.routing`) and a caller of this installation's federation port (:mod:`vanthu_interchange.federation_api`), which
it reaches with a client certificate whose CN or SAN is its ``identity``; it may submit packages only from the
agencies it serves and only for agencies served here. Both directions use this installation's one certificate and
key (``…_FEDERATION_CERT_FILE``, ``…_KEY_FILE``) and the CA that signs the peers' certificates
(``…_FEDERATION_CA_FILE``). The files are mounted from a Secret; nothing secret is in the repository.

:class:`PeerClient` is the sending side: ``SubmitPackage`` over a mutual-TLS channel to the peer's target.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import grpc
import yaml

from vanthu.interchange.v1 import federation_pb2, federation_pb2_grpc

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
#: Bytes of one message on the federation port (a package carries its files base64-encoded).
MAX_MESSAGE_BYTES = 320 * 1024 * 1024


@dataclass(frozen=True)
class Peer:
    """Another VanThu installation: where it listens, who it is (certificate CN or SAN), which agencies it serves."""

    name: str
    target: str
    identity: str
    agencies: tuple[str, ...]
    server_name: str = ""

    def serves(self, agency_code: str) -> bool:
        return any(fnmatchcase(agency_code, pattern) for pattern in self.agencies)


@dataclass(frozen=True)
class Peers:
    """The peers table."""

    peers: tuple[Peer, ...] = ()
    by_identity: dict[str, Peer] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, peers: Iterable[Peer]) -> Peers:
        listed = tuple(peers)
        names = [p.name for p in listed]
        if len(set(names)) != len(names):
            raise ValueError("federation peers: a name is used twice")
        identities = [p.identity for p in listed]
        if len(set(identities)) != len(identities):
            raise ValueError("federation peers: a certificate identity is used twice")
        return cls(listed, {p.identity: p for p in listed})

    def identify(self, names: Iterable[str]) -> Peer | None:
        """The peer whose identity is one of ``names`` (a certificate's CN and SANs); None when none is."""
        for name in names:
            if name in self.by_identity:
                return self.by_identity[name]
        return None


def parse_peers(data: Any) -> Peers:
    """The peers table from the parsed file (``{"peers": [...]}`` or the list itself); ValueError when malformed."""
    entries = data.get("peers", []) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ValueError("federation peers: expected a list of peers")
    peers = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(f"federation peers: entry {index} is not a mapping")
        name, target, identity = (str(entry.get(k, "")).strip() for k in ("name", "target", "identity"))
        agencies: Any = entry.get("agencies", entry.get("patterns")) or []
        if isinstance(agencies, str):
            agencies = agencies.split(",")
        if not isinstance(agencies, list):
            raise ValueError(f"federation peers: entry {index}: agencies must be a list of patterns")
        patterns = tuple(str(a).strip() for a in agencies if str(a).strip())
        if not NAME.fullmatch(name):
            raise ValueError(f"federation peers: entry {index}: name must match {NAME.pattern}")
        if not target or not identity or not patterns:
            raise ValueError(f"federation peers: {name}: target, identity and agencies are required")
        if "*" in patterns:
            raise ValueError(f"federation peers: {name}: a peer cannot serve every agency ('*')")
        peers.append(Peer(name, target, identity, patterns, str(entry.get("server_name", "") or "").strip()))
    return Peers.of(peers)


def load_peers(path: str | Path) -> Peers:
    """Read the peers file (YAML or JSON)."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    return parse_peers(data or {})


@dataclass(frozen=True)
class TlsMaterial:
    """This installation's certificate and key (PEM) and the CA its peers' certificates are signed by."""

    ca: bytes
    cert: bytes
    key: bytes

    @classmethod
    def from_files(cls, ca: str, cert: str, key: str) -> TlsMaterial:
        if not (ca and cert and key):
            raise ValueError("federation needs VANTHU_INTERCHANGE_FEDERATION_CA_FILE, …_CERT_FILE and …_KEY_FILE")
        return cls(Path(ca).read_bytes(), Path(cert).read_bytes(), Path(key).read_bytes())

    def server_credentials(self) -> grpc.ServerCredentials:
        """Mutual TLS: a client without a certificate signed by the CA cannot even connect."""
        return grpc.ssl_server_credentials([(self.key, self.cert)], root_certificates=self.ca,
                                           require_client_auth=True)

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(root_certificates=self.ca, private_key=self.key,
                                            certificate_chain=self.cert)


def certificate_names(auth_context: dict[str, Sequence[bytes]]) -> list[str]:
    """The subject CN and the SANs of the verified client certificate of a call (gRPC's auth context)."""
    names: list[str] = []
    for key in ("x509_common_name", "x509_subject_alternative_name"):
        names.extend(v.decode("utf-8", "replace") for v in auth_context.get(key, ()))
    return names


class PeerRefused(Exception):
    """The peer answered that repeating cannot help (PERMISSION_DENIED, INVALID_ARGUMENT): fail at once."""


class PeerClient:
    """Submits packages to peers, one mutual-TLS channel per peer (opened on first use)."""

    def __init__(self, tls: TlsMaterial, timeout_s: float = 120.0) -> None:
        self.tls = tls
        self.timeout_s = timeout_s
        self.channels: dict[tuple[str, str], grpc.aio.Channel] = {}

    def _stub(self, peer: Peer) -> federation_pb2_grpc.FederationServiceStub:
        channel = self.channels.get((peer.name, peer.target))
        if channel is None:
            options: list[tuple[str, Any]] = [("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                                              ("grpc.max_receive_message_length", 8 * 1024 * 1024)]
            if peer.server_name:
                options.append(("grpc.ssl_target_name_override", peer.server_name))
            channel = grpc.aio.secure_channel(peer.target, self.tls.channel_credentials(), options=options)
            self.channels[(peer.name, peer.target)] = channel
        return federation_pb2_grpc.FederationServiceStub(channel)

    async def submit(self, peer: Peer, *, package_id: str, kind: str, recipient_codes: list[str],
                     body: bytes) -> list[federation_pb2.RecipientOutcome]:
        """SubmitPackage (idempotent on ``package_id``: retrying is safe); :class:`PeerRefused` on a definitive
        refusal, ``grpc.aio.AioRpcError`` when the peer cannot be reached or is unavailable."""
        try:
            reply = await self._stub(peer).SubmitPackage(
                federation_pb2.SubmitPackageRequest(package_id=package_id, kind=kind,
                                                    recipient_codes=recipient_codes, package=body),
                timeout=self.timeout_s, wait_for_ready=False)
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT,
                                grpc.StatusCode.UNAUTHENTICATED):
                raise PeerRefused(f"{error.code().name}: {error.details()}") from error
            raise
        return list(reply.recipients)

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.close()
        self.channels.clear()
