"""Who is who, for the operator: usernames to subjects from a users file.

Personal signing profiles belong to the person's subject (the ``sub`` of their tokens, Keycloak's user ID), which
never changes; a username can be renamed or given to a new account, so it is kept only for display. The file is the
development issuer's users file (``users: [{username, subject, …}]``, which ``make dev`` passes as
``VANTHU_SIGNING_USERS_FILE``) or a Keycloak export of the realm's users (a JSON list with ``id`` and ``username``,
as ``kcadm.sh get users -r vanthu --fields id,username`` prints it).
"""

from __future__ import annotations

from pathlib import Path

import yaml


class UsersFileError(ValueError):
    """The users file cannot be read as either form."""


def subjects_by_username(path: Path) -> dict[str, str]:
    """``username → subject`` of every user the file lists."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is read as YAML too
    except (OSError, yaml.YAMLError) as error:
        raise UsersFileError(f"{path}: cannot be read ({error})") from error
    if isinstance(data, dict) and isinstance(data.get("users"), list):
        pairs = [(u.get("username"), u.get("subject")) for u in data["users"] if isinstance(u, dict)]
    elif isinstance(data, list):
        pairs = [(u.get("username"), u.get("id")) for u in data if isinstance(u, dict)]
    else:
        raise UsersFileError(f"{path}: neither the dev issuer's users file (users: [...]) nor a Keycloak users "
                             "export (a JSON list of users with id and username)")
    return {str(name): str(subject) for name, subject in pairs if name and subject}


def username_of(path: Path, subject: str) -> str | None:
    """The username the file gives ``subject`` (for display), if any."""
    return next((name for name, sub in subjects_by_username(path).items() if sub == subject), None)
