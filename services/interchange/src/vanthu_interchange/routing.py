"""Where a recipient agency is served: here (delivered over JetStream), through the national axis, or nowhere this
installation knows.

The agencies this installation serves are ``VANTHU_INTERCHANGE_SERVED`` patterns (``*`` any characters: the
embedded default serves every agency of the directory). A recipient not served here goes to the national axis
(:data:`AXIS`) when the axis is configured (``VANTHU_INTERCHANGE_AXIS_URL``, ``…_SYSTEM_ID``, ``…_SECRET``): its
delivery is written ``pending`` and :class:`vanthu_interchange.transmit.Transmitter` sends it. Without the axis it
has no route (:data:`NONE`): a delivery in state ``failed`` saying so, visible to the sender, never a silent drop.
Peers (other installations, gRPC federation; issue 12 item 6) are a route still to come.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

LOCAL = "local"
AXIS = "axis"
NONE = "none"


@dataclass(frozen=True)
class Router:
    """``served``: shell-style patterns of the agency codes served here; ``axis``: whether the national axis is
    configured (every agency not served here is reached through it)."""

    served: tuple[str, ...]
    axis: bool = False

    def serves(self, agency_code: str) -> bool:
        """Whether ``agency_code`` is an agency of this installation."""
        return any(fnmatchcase(agency_code, pattern) for pattern in self.served)

    def route(self, agency_code: str) -> str:
        """How a package reaches ``agency_code``: :data:`LOCAL`, :data:`AXIS` or :data:`NONE`."""
        if self.serves(agency_code):
            return LOCAL
        return AXIS if self.axis else NONE

    def no_route(self, agency_code: str) -> str:
        """The reason a delivery to ``agency_code`` has no route (route :data:`NONE`)."""
        return (f"{agency_code} is not served by this installation and no route to it (another installation, the "
                "national axis) is configured")
