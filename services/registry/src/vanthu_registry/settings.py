from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings
from vanthu_registry.people import KeycloakDirectory, NoDirectory, PeopleDirectory, UsersFileDirectory


class RegistrySettings(ServiceSettings):
    """``VANTHU_REGISTRY_*``."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_REGISTRY_", extra="ignore")

    grpc_port: int = 50051
    database_url: str = "sqlite+aiosqlite:///var/registry/registry.db"
    #: The storage service (host:port): documents refer to their files there; empty: documents carry no files.
    storage_target: str = ""
    #: The signing service (host:port): signing and sealing documents; empty: documents cannot be signed here.
    signing_target: str = ""
    #: The records service (host:port): asked whether an arrival is in a deposited file before the clerk accepts
    #: its sender's revocation or update (issue 12 item 4); empty: this installation keeps no archive.
    records_target: str = ""
    #: The people directory, embedded mode: the development issuer's users file (make dev gives the issuer's).
    users_file: str = ""
    #: The people directory, scale mode: Keycloak's base URL (https://sso.example.gov.vn/), the realm, and a
    #: confidential client whose service account holds realm-management's ``view-users`` role only. Set, it wins
    #: over ``users_file``.
    keycloak_url: str = ""
    keycloak_realm: str = "vanthu"
    keycloak_client_id: str = "vanthu-registry-directory"
    keycloak_client_secret: str = ""
    #: How long Keycloak's answer for an agency is kept (seconds).
    keycloak_cache_s: float = 30.0

    def people_directory(self) -> PeopleDirectory:
        """The directory these settings name (Keycloak, the users file, or none)."""
        if self.keycloak_url:
            return KeycloakDirectory(self.keycloak_url, self.keycloak_realm, self.keycloak_client_id,
                                     self.keycloak_client_secret, cache_s=self.keycloak_cache_s)
        if self.users_file:
            return UsersFileDirectory(Path(self.users_file))
        return NoDirectory()
