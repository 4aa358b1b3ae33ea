"""The other document systems of the province connected to this installation's provincial axis (issue 12, item 6):
a department running another vendor's system joins the provincial axis unchanged, speaking the national axis's REST
operations to :mod:`vanthu_interchange.provincial_axis` with its own system id and secret.

The connected-systems file named by ``VANTHU_INTERCHANGE_PROVINCIAL_AXIS_SYSTEMS_FILE`` (YAML or JSON) lists each
system and the agencies it serves; it holds no secret::

    systems:
      - id: vendor.longchau            # the system id (``systemid``, the ``from`` of its sendEdoc)
        agencies:                      # the agency codes it serves: shell-style patterns, or entries with a name
          - "000.00.41.H61"            #   (exact codes are listed by getAgenciesList)
          - {code: "000.01.41.H61", name: "Tổ dân phố 1", pid: "000.00.41.H61"}

The secrets come from ``VANTHU_INTERCHANGE_PROVINCIAL_AXIS_SECRETS_FILE`` (YAML or JSON: ``{system id: secret}``,
mounted from a Secret), or else from the environment: ``VANTHU_INTERCHANGE_SYSTEM_SECRET_<ID>`` (the id upper-cased,
every character other than a letter or digit written ``_``). A system without a secret is an error at start-up.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from vanthu_axis import Agency

SYSTEM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SECRET_ENV_PREFIX = "VANTHU_INTERCHANGE_SYSTEM_SECRET_"  # noqa: S105 (a variable name, not a secret)
_WILDCARD = re.compile(r"[*?\[]")


def secret_env_name(system_id: str) -> str:
    """The environment variable holding the secret of ``system_id`` when no secrets file is given."""
    return SECRET_ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", system_id.upper())


@dataclass(frozen=True)
class ConnectedSystem:
    """A connected system: its id, the patterns of the agency codes it serves, and the agencies it lists."""

    system_id: str
    agencies: tuple[str, ...]
    directory: tuple[Agency, ...] = ()

    def serves(self, agency_code: str) -> bool:
        return any(fnmatchcase(agency_code, pattern) for pattern in self.agencies)


@dataclass(frozen=True)
class ConnectedSystems:
    """The connected systems and their secrets (``secrets`` never printed)."""

    systems: tuple[ConnectedSystem, ...] = ()
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def get(self, system_id: str) -> ConnectedSystem | None:
        return next((s for s in self.systems if s.system_id == system_id), None)

    def serving(self, agency_code: str) -> ConnectedSystem | None:
        """The first connected system serving ``agency_code`` (None when none does)."""
        return next((s for s in self.systems if s.serves(agency_code)), None)


def _read(path: str) -> Any:
    text = Path(path).read_text(encoding="utf-8")
    return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)


def parse_systems(data: Any, secrets: Mapping[str, str]) -> ConnectedSystems:
    """The connected systems of a parsed file; ValueError when it is malformed or a system has no secret."""
    if not isinstance(data, dict) or not isinstance(data.get("systems"), list):
        raise ValueError("connected systems: expected a mapping with a 'systems' list")
    systems: list[ConnectedSystem] = []
    for entry in data["systems"]:
        if not isinstance(entry, dict):
            raise ValueError("connected systems: each system is a mapping (id, agencies)")
        system_id = str(entry.get("id", "")).strip()
        if not SYSTEM_ID.fullmatch(system_id):
            raise ValueError(f"connected systems: invalid system id {system_id!r}")
        patterns: list[str] = []
        directory: list[Agency] = []
        for item in entry.get("agencies") or []:
            if isinstance(item, str):
                code = item.strip()
                if code and not _WILDCARD.search(code):
                    directory.append(Agency(id=code, code=code))
            elif isinstance(item, dict) and str(item.get("code", "")).strip():
                code = str(item["code"]).strip()
                directory.append(Agency(id=code, code=code, name=str(item.get("name", "")),
                                        pid=str(item["pid"]) if item.get("pid") else None,
                                        mail=str(item["mail"]) if item.get("mail") else None))
            else:
                raise ValueError(f"connected systems: {system_id}: an agency is a pattern or a mapping with a code")
            if code:
                patterns.append(code)
        if not patterns:
            raise ValueError(f"connected systems: {system_id} serves no agency")
        if not secrets.get(system_id):
            raise ValueError(f"connected systems: no secret for {system_id} (the secrets file, or "
                             f"{secret_env_name(system_id)})")
        systems.append(ConnectedSystem(system_id, tuple(patterns), tuple(directory)))
    ids = [s.system_id for s in systems]
    if len(set(ids)) != len(ids):
        raise ValueError("connected systems: a system id is used twice")
    return ConnectedSystems(tuple(systems), {i: secrets[i] for i in ids})


def load_connected_systems(systems_file: str, secrets_file: str = "",
                           environ: Mapping[str, str] | None = None) -> ConnectedSystems:
    """Read the connected-systems file and their secrets (the secrets file, else the environment)."""
    data = _read(systems_file)
    if secrets_file:
        loaded = _read(secrets_file)
        if not isinstance(loaded, dict):
            raise ValueError("connected systems: the secrets file is a mapping system id -> secret")
        secrets = {str(k): str(v) for k, v in loaded.items()}
    else:
        env = os.environ if environ is None else environ
        ids = [str(e.get("id", "")).strip() for e in (data or {}).get("systems", []) if isinstance(e, dict)]
        secrets = {i: env[secret_env_name(i)] for i in ids if env.get(secret_env_name(i))}
    return parse_systems(data, secrets)
