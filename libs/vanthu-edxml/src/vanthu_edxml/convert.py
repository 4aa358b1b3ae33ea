"""Plain-dict (JSON) form of the model, for the CLI ``show --json`` and ``build`` commands.

Dates are ``yyyy-mm-dd``, timestamps ISO 8601; an attachment's content is given as ``base64`` text, and
``as_dict`` leaves it out (only its encoded size) unless asked.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from typing import Any, Union

from .errors import EdxmlError
from .model import Attachment, DocumentPackage, EncodedData, Package, StatusPackage

_SKIP = {"read_issues", "signature_slot"}


def as_dict(value: Any, *, with_content: bool = False) -> Any:
    if isinstance(value, EncodedData):
        return {"base64": value.text()} if with_content else {"encoded_size": value.encoded_size}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_dict(getattr(value, f.name), with_content=with_content)
                for f in dataclasses.fields(value) if f.name not in _SKIP}
    if isinstance(value, tuple | list):
        return [as_dict(v, with_content=with_content) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _convert(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(args[0], value, path)
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(tp)
        if not isinstance(value, list):
            raise EdxmlError("expected a list", path)
        return tuple(_convert(item_type, v, f"{path}[{i}]") for i, v in enumerate(value, 1))
    if origin is typing.Literal:
        return value
    if tp is EncodedData:
        if not isinstance(value, dict) or "base64" not in value:
            raise EdxmlError("expected {\"base64\": ...}", path)
        return EncodedData(str(value["base64"]))
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise EdxmlError("expected an object", path)
        hints = typing.get_type_hints(tp)
        names = {f.name for f in dataclasses.fields(tp) if f.init and f.name not in _SKIP}
        unknown = set(value) - names
        if unknown:
            raise EdxmlError(f"unknown fields {sorted(unknown)}", path)
        return tp(**{k: _convert(hints[k], v, f"{path}/{k}") for k, v in value.items()})
    try:
        if tp is datetime:
            return datetime.fromisoformat(value)
        if tp is date:
            return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise EdxmlError(f"bad date: {exc}", path) from None
    if tp in (str, int, bool) and not isinstance(value, tp):
        raise EdxmlError(f"expected {tp.__name__}", path)
    return value


def from_dict(data: dict[str, Any]) -> Package:
    """Build a package from its dict form; a ``status_code`` key makes it a status package."""
    kind = StatusPackage if "status_code" in data else DocumentPackage
    package = _convert(kind, data, kind.__name__)
    assert isinstance(package, DocumentPackage | StatusPackage)
    return package


__all__ = ["Attachment", "as_dict", "from_dict"]
