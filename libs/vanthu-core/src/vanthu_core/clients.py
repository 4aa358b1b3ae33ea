"""The platform's OIDC clients: people log in through the web client; each service has a confidential client of
its own (client credentials grant) and is known by its client id, the token's ``azp``.

No role makes a service: a callee decides what a calling service may do by its client id, as the access table
(:data:`vanthu_core.policy.TABLE`) lists the clients each method admits, and by the callee's rules on the resource
(storage's holder prefixes, the agency a service names). The development issuer (``libs/vanthu-identity``) issues
exactly these clients and the Keycloak realm file (``charts/vanthu/files/realm-vanthu.json``) declares the same; a
test keeps the three in step.
"""

from __future__ import annotations

#: The web and mobile front ends (public client; people log in through it).
WEB = "vanthu-web"

REGISTRY = "vanthu-registry"
STORAGE = "vanthu-storage"
SIGNING = "vanthu-signing"
GATEWAY = "vanthu-gateway"
#: Reserved for the services still to be built; callees grant them nothing until they exist (except where noted).
WORKFLOW = "vanthu-workflow"
INTERCHANGE = "vanthu-interchange"
SEARCH = "vanthu-search"
RECORDS = "vanthu-records"

#: Every service client of ours. A token is a service's when its ``azp`` is one of these (and it is that client's
#: service account: no agency, ``preferred_username`` ``service-account-<client id>``).
SERVICE_CLIENTS = frozenset({REGISTRY, STORAGE, SIGNING, GATEWAY, WORKFLOW, INTERCHANGE, SEARCH, RECORDS})
#: Clients people log in through (never a service client: those allow no login of a person).
PERSON_CLIENTS = frozenset({WEB})
#: The registry's read-only client of Keycloak's admin REST API (``realm-management`` ``view-users``; see
#: ``docs/people-directory.md``). Not a service client: its tokens carry no ``vanthu`` audience and no VanThu service
#: admits them; the development issuer has no such client (embedded mode reads the users file).
DIRECTORY_READER = "vanthu-registry-directory"
#: Clients of the identity provider's own API (declared in the realm file only).
IDENTITY_API_CLIENTS = frozenset({DIRECTORY_READER})


def client_id(service: str) -> str:
    """The client id of a service by its name (``registry`` → ``vanthu-registry``)."""
    return f"vanthu-{service}"


def service_account(client: str) -> str:
    """The ``preferred_username`` of a client's service account, as Keycloak names it."""
    return f"service-account-{client}"
