"""Where a recipient agency is served: here (delivered over JetStream) or nowhere this installation knows.

The agencies this installation serves are ``VANTHU_INTERCHANGE_SERVED`` patterns (``*`` any characters: the
embedded default serves every agency of the directory). Peers (other installations, gRPC federation) and the
national axis are routes still to come (issue 12, items 1 and 6); until then a recipient served elsewhere gets a
delivery in state ``failed`` saying so, visible to the sender, never a silent drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

LOCAL = "local"
NONE = "none"


@dataclass(frozen=True)
class Router:
    """``served``: shell-style patterns of the agency codes served here."""

    served: tuple[str, ...]

    def serves(self, agency_code: str) -> bool:
        """Whether ``agency_code`` is an agency of this installation."""
        return any(fnmatchcase(agency_code, pattern) for pattern in self.served)

    def route(self, agency_code: str) -> str:
        """How a package reaches ``agency_code``: :data:`LOCAL` or :data:`NONE`."""
        return LOCAL if self.serves(agency_code) else NONE
