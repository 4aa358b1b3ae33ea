"""Where a recipient agency is served: here (delivered over JetStream), at a peer installation (gRPC federation),
through the national axis, or nowhere this installation knows.

The agencies this installation serves are ``VANTHU_INTERCHANGE_SERVED`` patterns (``*`` any characters: the
embedded default serves every agency of the directory). A recipient not served here goes to the national axis
(:data:`AXIS`) when the axis is configured (``VANTHU_INTERCHANGE_AXIS_URL``, ``…_SYSTEM_ID``, ``…_SECRET``): its
delivery is written ``pending`` and :class:`vanthu_interchange.transmit.Transmitter` sends it. Without the axis it
has no route (:data:`NONE`): a delivery in state ``failed`` saying so, visible to the sender, never a silent drop.
A recipient matching the patterns of a configured peer (another VanThu installation, the peers file
``VANTHU_INTERCHANGE_FEDERATION_PEERS_FILE``; :mod:`vanthu_interchange.federation`) takes route :data:`PEER`: written
``pending``, the Transmitter submits it to that peer over mutual TLS. A recipient served by a
connected system of the province (another vendor's document system using this installation's provincial axis,
:mod:`vanthu_interchange.provincial_axis`) takes route :data:`SYSTEM`: written ``pending``, it waits in that system's
received list until the system fetches and acknowledges it. Served here wins over a connected system, a connected
system over a peer, a peer over the axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from vanthu_interchange.connected_systems import ConnectedSystem
from vanthu_interchange.federation import Peer

LOCAL = "local"
AXIS = "axis"
PEER = "peer"
SYSTEM = "system"
NONE = "none"
#: The routes on which a delivery is written ``pending`` (sent by the Transmitter, or fetched by a connected system).
TRANSMITTED = (AXIS, PEER, SYSTEM)


@dataclass(frozen=True)
class Router:
    """``served``: shell-style patterns of the agency codes served here; ``axis``: whether the national axis is
    configured (every agency not served here is reached through it); ``peers``: the other installations and the
    agencies each serves."""

    served: tuple[str, ...]
    axis: bool = False
    peers: tuple[Peer, ...] = ()
    systems: tuple[ConnectedSystem, ...] = ()

    def serves(self, agency_code: str) -> bool:
        """Whether ``agency_code`` is an agency of this installation."""
        return any(fnmatchcase(agency_code, pattern) for pattern in self.served)

    def peer(self, agency_code: str) -> Peer | None:
        """The first configured peer serving ``agency_code`` (None when none does)."""
        return next((p for p in self.peers if p.serves(agency_code)), None)

    def system(self, agency_code: str) -> ConnectedSystem | None:
        """The first connected system serving ``agency_code`` (None when none does)."""
        return next((s for s in self.systems if s.serves(agency_code)), None)

    def route(self, agency_code: str) -> str:
        """How a package reaches ``agency_code``: :data:`LOCAL`, :data:`SYSTEM`, :data:`PEER`, :data:`AXIS` or
        :data:`NONE`."""
        if self.serves(agency_code):
            return LOCAL
        if self.system(agency_code) is not None:
            return SYSTEM
        if self.peer(agency_code) is not None:
            return PEER
        return AXIS if self.axis else NONE

    def state(self, agency_code: str) -> str:
        """The state a new delivery to ``agency_code`` is written in: sent (local), pending (a peer, the axis: the
        Transmitter sends it; a connected system: it fetches it) or failed (no route)."""
        route = self.route(agency_code)
        return "sent" if route == LOCAL else "pending" if route in TRANSMITTED else "failed"

    def no_route(self, agency_code: str) -> str:
        """The reason a delivery to ``agency_code`` has no route (route :data:`NONE`)."""
        return (f"Không có đường gửi đến cơ quan {agency_code}: cơ quan không dùng hệ thống này và chưa cấu hình "
                "đường kết nối đến nó (hệ thống khác, trục liên thông quốc gia). Hãy báo quản trị hệ thống.")
