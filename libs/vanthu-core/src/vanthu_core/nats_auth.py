"""NATS users and what each may do, derived from the event catalogue (:mod:`vanthu_core.subjects`).

Every service that publishes or consumes events has a NATS user of its own. It may publish only its own subjects
(``vanthu.<service>.…``, exactly those its ``events.proto`` declares), look up the two streams, create and read only
its own durable consumers (with their filter subject, which NATS checks in the subject of the create request),
acknowledge their messages, dead-letter what they deliver, and receive replies only on ``_INBOX.<user>.>``.
So no service can forge another's event (``vanthu.signing.document.verified``) nor read another's deliveries.

The ``admin`` user declares the streams (:mod:`vanthu_core.streams`) and may use the whole JetStream API (read
events, inspect consumers), but publishes no event. Clients without a user are refused.

The same table feeds ``make dev`` (the launcher writes ``var/nats/nats.conf`` and one password per user), the
test fixtures (:mod:`vanthu_testing.nats`) and the upstream NATS chart's values (``charts/vanthu/nats-values.yaml``,
checked by a test to match :func:`chart_users`; ``python -m vanthu_core.nats_auth`` prints it).
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from vanthu_core.subjects import (
    DEAD_LETTER_PREFIX,
    DEAD_LETTER_STREAM,
    EVENTS_STREAM,
    SERVICES,
    consumers_of,
    published_by,
)

ADMIN = "admin"
#: Every NATS user of the platform.
USERS = (ADMIN, *SERVICES)

Permissions = dict[str, dict[str, list[str]]]


def permissions(user: str) -> Permissions:
    """What ``user`` may publish and subscribe to (everything else is refused)."""
    if user == ADMIN:
        return {"publish": {"allow": ["$JS.API.>", "$JS.ACK.>"]}, "subscribe": {"allow": ["_INBOX.>"]}}
    if user not in SERVICES:
        raise ValueError(f"no NATS user {user!r}; the users are {', '.join(USERS)}")
    publish = [*published_by(user), f"$JS.API.STREAM.INFO.{EVENTS_STREAM}",
               f"$JS.API.STREAM.INFO.{DEAD_LETTER_STREAM}"]
    for consumer in consumers_of(user):
        durable = consumer.durable
        publish += [f"$JS.API.CONSUMER.INFO.{EVENTS_STREAM}.{durable}",
                    f"$JS.API.CONSUMER.CREATE.{EVENTS_STREAM}.{durable}.{consumer.subject}",
                    f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.{durable}",
                    f"$JS.ACK.{EVENTS_STREAM}.{durable}.>",
                    f"{DEAD_LETTER_PREFIX}.{consumer.subject}"]
    return {"publish": {"allow": publish}, "subscribe": {"allow": [f"_INBOX.{user}.>"]}}


def new_passwords(users: tuple[str, ...] = USERS) -> dict[str, str]:
    """A random password per user."""
    return {user: secrets.token_urlsafe(32) for user in users}


def users(passwords: Mapping[str, str], extra: Mapping[str, Permissions] | None = None) -> list[dict[str, Any]]:
    """The ``authorization.users`` of a nats-server configuration: each user of ``passwords`` with its
    permissions (``extra`` gives users outside the platform theirs, e.g. a test's)."""
    extra = extra or {}
    return [{"user": user, "password": password, "permissions": extra[user] if user in extra else permissions(user)}
            for user, password in passwords.items()]


def server_config(*, host: str, port: int, store_dir: Path, passwords: Mapping[str, str],
                  extra: Mapping[str, Permissions] | None = None) -> str:
    """A nats-server configuration (JSON, which nats-server reads): JetStream, and only these users."""
    return json.dumps({"listen": f"{host}:{port}", "jetstream": {"store_dir": str(store_dir)},
                       "authorization": {"users": users(passwords, extra)}}, indent=2)


def password_variable(user: str) -> str:
    """The environment variable of the NATS server pod holding ``user``'s password (chart)."""
    return f"VANTHU_NATS_{user.upper()}_PASSWORD"


def chart_users() -> list[dict[str, Any]]:
    """The chart's ``nats.config.merge.authorization.users``: passwords from the NATS pod's environment, which
    takes them from one Secret per user (``natsSecrets`` in the chart's values.yaml)."""
    return [{"user": user, "password": f"<< ${password_variable(user)} >>", "permissions": permissions(user)}
            for user in USERS]


def main() -> int:
    """Print the chart's NATS users (paste into ``charts/vanthu/nats-values.yaml`` when the events change)."""
    yaml.safe_dump({"authorization": {"users": chart_users()}}, sys.stdout, sort_keys=False, width=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
