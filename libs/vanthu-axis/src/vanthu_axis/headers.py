"""The signed headers of the national axis (``XroadVnpt-*``), in one configurable place.

**Reconstructed, not specified.** No public document describes this wire format. What follows was read from the
official VPCP/VNPT Java SDK ``SDKVXP-2.0.1.jar`` (``com.vpcp.services.VnptService``; regulations.md §2.3, source
SRC-VXP-SDK), and the default :class:`HeaderScheme` reproduces that SDK byte for byte (the unit tests hold a vector
produced by running the SDK's own signing method). Whether the live axis checks exactly this was never observed from
here, so every choice is a field of :class:`HeaderScheme`, which an operator can load from JSON or the environment
(:meth:`HeaderScheme.from_env`) to match the real axis without a code change.

What the SDK does (and the default scheme does):

- Each connected system (hệ thống kết nối) has a ``systemid`` and a ``secret``.
- Every value to sign is a *field*: ``timestamp`` (``ddMMyyyy'T'HHmmss+SSSS``, Vietnam time; ``SSSS`` is the
  milliseconds padded to four digits, ``+`` a literal), ``systemid``, ``Content-Type``, and each entry of the
  call's JSON header (``servicetype``, ``messagetype``, ``from``, ``to``, ``docId``, ``status``…; ``sendEdoc`` adds
  ``hash-file``, the SHA-256 hex of the package). ``to`` is the JSON text of the recipient list.
- Each field travels as the HTTP header ``XroadVnpt-<name>: <value>``.
- ``XroadVnpt-sign-header-key`` lists the field names joined with ``;``, in the order a ``java.util.HashMap``
  iterates them (the SDK keeps them in one).
- ``XroadVnpt-sign-header`` is the compact JSON object ``{"XroadVnpt-<name>": "<value>", …}`` in that order.
- ``XroadVnpt-hash-header`` is ``hex(HMAC-SHA256(key=secret UTF-8, msg=sign-header UTF-8))``.
- ``XroadVnpt-version: 3.0.201608`` and ``User-Agent: JAVASDKAgent/1.0.0 XRoad/VPCP`` go with every request.

:func:`sign` makes these headers; :func:`verify` checks them (constant-time comparison, a clock-skew window, an
optional :class:`ReplayGuard`) and returns the caller's system id or raises :class:`SignatureRejected`.
No clock is read here: callers pass ``now``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from .errors import SignatureRejected

__all__ = [
    "DEFAULT_SCHEME",
    "ENV_SCHEME",
    "ENV_SCHEME_FILE",
    "HeaderScheme",
    "ReplayGuard",
    "SignatureRejected",
    "format_java_time",
    "java_hashmap_order",
    "parse_java_time",
    "sign",
    "verify",
]

#: Environment variable holding a :class:`HeaderScheme` as inline JSON (only the fields that differ).
ENV_SCHEME = "VANTHU_AXIS_HEADER_SCHEME"
#: Environment variable naming a JSON file holding a :class:`HeaderScheme` (used when ``ENV_SCHEME`` is unset).
ENV_SCHEME_FILE = "VANTHU_AXIS_HEADER_SCHEME_FILE"

FieldOrder = Literal["java-hashmap", "given", "sorted"]
HashInput = Literal["sign-header-json", "joined-values"]
RecipientEncoding = Literal["json-array", "joined"]


@dataclass(frozen=True)
class HeaderScheme:
    """How requests to the axis are signed: every reconstructed detail of the wire format, with the SDK's values.

    Header names are matched case-insensitively on verification (HTTP header names are). Times are formatted
    with a subset of Java's ``SimpleDateFormat`` (``yyyy MM dd HH mm ss S…``, quoted literals) at a fixed UTC
    offset, as the SDK's ``SimpleDateFormat`` does in the JVM's zone (Vietnam, +07:00).
    """

    #: ``XroadVnpt-version`` value (SDK constant).
    version: str = "3.0.201608"
    user_agent: str = "JAVASDKAgent/1.0.0 XRoad/VPCP"
    accept: str = "application/json"
    #: Prefix of the header carrying each signed field, and of the keys of the sign-header JSON.
    field_prefix: str = "XroadVnpt-"
    version_header: str = "XroadVnpt-version"
    sign_key_header: str = "XroadVnpt-sign-header-key"
    sign_header: str = "XroadVnpt-sign-header"
    hash_header: str = "XroadVnpt-hash-header"
    #: Names of the fields that carry the caller's system id and the request time (both always signed).
    system_id_field: str = "systemid"
    timestamp_field: str = "timestamp"
    #: Field naming the request body's type (the SDK signs ``Content-Type`` as a field too); ``""``: none.
    content_type_field: str = "Content-Type"
    #: Field carrying the SHA-256 hex of a sent package (``sendEdoc``); ``""``: not sent.
    file_hash_field: str = "hash-file"
    #: Order of the fields in the key list and the sign-header: as ``java.util.HashMap`` iterates them
    #: (timestamp, systemid, content type, then the call's fields inserted in that order), as given, or sorted.
    field_order: FieldOrder = "java-hashmap"
    #: Separator of the field names in ``sign_key_header``.
    key_separator: str = ";"
    #: What is hashed: the sign-header JSON text as sent, or the field values joined with ``value_separator``.
    hash_input: HashInput = "sign-header-json"
    value_separator: str = ""
    #: Java ``SimpleDateFormat`` pattern of the timestamp field and its fixed UTC offset in minutes.
    timestamp_format: str = "ddMMyyyy'T'HHmmss+SSSS"
    utc_offset_minutes: int = 420
    #: Pattern of ``fromDate``/``toDate`` of ``getReceivedEdocList`` (same offset).
    list_date_format: str = "dd/MM/yyyy HH:mm:ss"
    #: How a list of recipient codes becomes the ``to`` field: its compact JSON array text (SDK: the ``to``
    #: element's ``JsonElement.toString()``) or the codes joined with ``recipient_separator``.
    recipients_as: RecipientEncoding = "json-array"
    recipient_separator: str = ","
    #: Content types the SDK signs for JSON calls and for the package upload.
    json_content_type: str = "application/json"
    file_content_type: str = "application/octet-stream"

    def __post_init__(self) -> None:
        choices: dict[str, tuple[str, ...]] = {
            "field_order": ("java-hashmap", "given", "sorted"),
            "hash_input": ("sign-header-json", "joined-values"),
            "recipients_as": ("json-array", "joined"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"HeaderScheme.{name}: {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        for name in ("field_prefix", "version_header", "sign_key_header", "sign_header", "hash_header",
                     "system_id_field", "timestamp_field", "key_separator", "recipient_separator"):
            if not getattr(self, name):
                raise ValueError(f"HeaderScheme.{name}: must not be empty")
        if self.system_id_field == self.timestamp_field:
            raise ValueError("HeaderScheme.system_id_field and timestamp_field must differ")
        if not -24 * 60 < self.utc_offset_minutes < 24 * 60:
            raise ValueError(f"HeaderScheme.utc_offset_minutes: {self.utc_offset_minutes} is not within ±1439")
        _compile_java_pattern(self.timestamp_format)
        _compile_java_pattern(self.list_date_format)

    # -- loading ------------------------------------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> HeaderScheme:
        """A scheme from a mapping of field names to values (the defaults for what it leaves out).

        :raises ValueError: a key that is not a field (the message lists the fields), or a value of the wrong type.
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise ValueError(f"HeaderScheme: unknown setting(s) {', '.join(unknown)}; known: {', '.join(fields)}")
        for name, value in values.items():
            expected = int if name == "utc_offset_minutes" else str
            if not isinstance(value, expected) or isinstance(value, bool):
                raise ValueError(f"HeaderScheme.{name}: expected {expected.__name__}, got {value!r}")
        return cls(**values)

    @classmethod
    def from_json(cls, text: str | bytes) -> HeaderScheme:
        """A scheme from a JSON object (see :meth:`from_mapping`). :raises ValueError: not a JSON object."""
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"HeaderScheme: not valid JSON: {exc}") from None
        if not isinstance(values, dict):
            raise ValueError("HeaderScheme: the JSON must be an object of settings")
        return cls.from_mapping(values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HeaderScheme:
        """The operator's scheme: inline JSON in ``VANTHU_AXIS_HEADER_SCHEME``, else the JSON file named by
        ``VANTHU_AXIS_HEADER_SCHEME_FILE``, else the defaults (the SDK's behaviour)."""
        env = os.environ if environ is None else environ
        if env.get(ENV_SCHEME, "").strip():
            return cls.from_json(env[ENV_SCHEME])
        if env.get(ENV_SCHEME_FILE, "").strip():
            return cls.from_json(Path(env[ENV_SCHEME_FILE]).read_bytes())
        return cls()

    def to_json(self) -> str:
        """The scheme as a JSON object (every field), the form :meth:`from_json` reads."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=2)

    # -- values -------------------------------------------------------------------------------------------------

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(minutes=self.utc_offset_minutes))

    def format_timestamp(self, now: datetime) -> str:
        """The timestamp field for the instant ``now`` (timezone-aware)."""
        return format_java_time(self.timestamp_format, _aware(now).astimezone(self.tz))

    def parse_timestamp(self, value: str) -> datetime:
        """The instant of a timestamp field (aware). :raises ValueError: it does not match the pattern."""
        return parse_java_time(self.timestamp_format, value, self.tz)

    def format_list_date(self, instant: datetime) -> str:
        """``fromDate``/``toDate`` of ``getReceivedEdocList`` for an aware instant."""
        return format_java_time(self.list_date_format, _aware(instant).astimezone(self.tz))

    def parse_list_date(self, value: str) -> datetime:
        return parse_java_time(self.list_date_format, value, self.tz)

    def encode_recipients(self, codes: Sequence[str]) -> str:
        """The ``to`` field for a list of agency codes (mã định danh)."""
        if self.recipients_as == "json-array":
            return json.dumps(list(codes), ensure_ascii=False, separators=(",", ":"))
        return self.recipient_separator.join(codes)

    def decode_recipients(self, value: str) -> list[str]:
        """The agency codes of a ``to`` field: a JSON array or string is read as such whatever the scheme says,
        anything else is split on ``recipient_separator``."""
        text = value.strip()
        if text.startswith(("[", '"')):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, str):
                return [parsed.strip()] if parsed.strip() else []
            if isinstance(parsed, list) and all(isinstance(v, str) for v in parsed):
                return [v.strip() for v in parsed if v.strip()]
        return [part.strip() for part in text.split(self.recipient_separator) if part.strip()]

    def field_header(self, name: str) -> str:
        """The HTTP header carrying the signed field ``name`` (``XroadVnpt-<name>``)."""
        return f"{self.field_prefix}{name}"


# -- Java SimpleDateFormat subset ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"'([^']*)'|(y+|M+|d+|H+|m+|s+|S+)|([A-Za-z])|([^A-Za-z']+)")


def _compile_java_pattern(pattern: str) -> list[tuple[str, str]]:
    """Tokens ``(kind, text)`` of a pattern: kind ``lit`` or the letter; :raises ValueError: unsupported letter."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(pattern):
        match = _TOKEN.match(pattern, pos)
        if match is None:  # an unterminated quote
            raise ValueError(f"time pattern {pattern!r}: unterminated quote at {pos}")
        quoted, field, letter, literal = match.groups()
        if quoted is not None:
            tokens.append(("lit", quoted if quoted else "'"))
        elif field is not None:
            if field[0] == "y" and len(field) not in (2, 4):
                raise ValueError(f"time pattern {pattern!r}: use yyyy or yy for the year")
            tokens.append((field[0], field))
        elif letter is not None:
            raise ValueError(f"time pattern {pattern!r}: letter {letter!r} is not supported "
                             "(supported: y M d H m s S and quoted literals)")
        else:
            tokens.append(("lit", literal))
        pos = match.end()
    return tokens


def format_java_time(pattern: str, value: datetime) -> str:
    """Format ``value``'s wall time as Java's ``SimpleDateFormat(pattern)`` would (``S`` = milliseconds, padded
    to the letter count: ``SSSS`` → ``0123``)."""
    parts = []
    for kind, text in _compile_java_pattern(pattern):
        width = len(text)
        if kind == "lit":
            parts.append(text)
        elif kind == "y":
            parts.append(f"{value.year % 100:02d}" if width == 2 else f"{value.year:0{width}d}")
        else:
            number = {"M": value.month, "d": value.day, "H": value.hour, "m": value.minute, "s": value.second,
                      "S": value.microsecond // 1000}[kind]
            parts.append(f"{number:0{width}d}")
    return "".join(parts)


def parse_java_time(pattern: str, value: str, tz: timezone) -> datetime:
    """Parse text written with :func:`format_java_time` as wall time at ``tz``; :raises ValueError: no match."""
    regex = []
    for kind, text in _compile_java_pattern(pattern):
        if kind == "lit":
            regex.append(re.escape(text))
        elif kind == "S":
            regex.append(rf"(?P<S>\d{{{len(text)},4}})")
        else:
            regex.append(rf"(?P<{kind}>\d{{{len(text)}}})")
    match = re.fullmatch("".join(regex), value.strip())
    if match is None:
        raise ValueError(f"{value!r} does not match the time pattern {pattern!r}")
    got = {k: int(v) for k, v in match.groupdict().items()}
    year = got.get("y", 1970)
    if year < 100:
        year += 2000
    millis = got.get("S", 0)
    if millis > 999:
        raise ValueError(f"{value!r}: milliseconds {millis} out of range")
    return datetime(year, got.get("M", 1), got.get("d", 1), got.get("H", 0), got.get("m", 0), got.get("s", 0),
                    millis * 1000, tzinfo=tz)


#: The SDK's behaviour (see the module docstring).
DEFAULT_SCHEME = HeaderScheme()


# -- field order --------------------------------------------------------------------------------------------------


def _java_string_hash(text: str) -> int:
    """``java.lang.String.hashCode()`` as an unsigned 32-bit value (over UTF-16 code units)."""
    h = 0
    encoded = text.encode("utf-16-be")
    for i in range(0, len(encoded), 2):
        h = (31 * h + int.from_bytes(encoded[i:i + 2], "big")) & 0xFFFFFFFF
    return h


def java_hashmap_order(names: Sequence[str]) -> list[str]:
    """The order a ``java.util.HashMap<String, …>`` (default capacity 16, load factor 0.75) iterates ``names``
    inserted in the given order: by bucket (``hash ^ hash >>> 16`` masked by the capacity), then insertion."""
    unique = list(dict.fromkeys(names))
    capacity = 16
    while len(unique) > capacity * 3 // 4:
        capacity *= 2

    def bucket(name: str) -> int:
        h = _java_string_hash(name)
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(unique, key=bucket)  # sorted() is stable: insertion order within a bucket


def _ordered(scheme: HeaderScheme, names: list[str]) -> list[str]:
    if scheme.field_order == "java-hashmap":
        return java_hashmap_order(names)
    if scheme.field_order == "sorted":
        return sorted(names)
    return names


# -- signing ------------------------------------------------------------------------------------------------------


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware instant")
    return now


def _sign_header_text(scheme: HeaderScheme, fields: Sequence[tuple[str, str]]) -> str:
    return json.dumps({scheme.field_header(name): value for name, value in fields}, ensure_ascii=False,
                      separators=(",", ":"))


def _hash_input(scheme: HeaderScheme, fields: Sequence[tuple[str, str]], sign_header: str) -> str:
    if scheme.hash_input == "sign-header-json":
        return sign_header
    return scheme.value_separator.join(value for _, value in fields)


def _hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def _header_safe(name: str, value: str) -> str:
    if not value.isascii() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError(f"header field {name!r}: the value must be printable ASCII (HTTP headers carry it), "
                         f"got {value!r}")
    return value


def sign(scheme: HeaderScheme, system_id: str, secret: str, now: datetime,
         body_header: Mapping[str, str | Sequence[str]]) -> dict[str, str]:
    """The HTTP headers of one request to the axis.

    ``body_header`` is the call's JSON header (``{"servicetype": "eDoc", "messagetype": "edoc"}``…), its values
    strings, or a list of agency codes for the ``to`` field (encoded with :meth:`HeaderScheme.encode_recipients`).
    The timestamp field comes from ``now`` (aware; formatted in the scheme's offset). Returns the signed field
    headers, the key list, the sign-header, the hash, the version, ``User-Agent`` and ``Accept``; the transport's
    own ``Content-Type`` is left to the caller (a multipart upload sets its own).

    :raises ValueError: ``body_header`` names the system id or timestamp field, or a value is not printable ASCII.
    """
    if not system_id or not secret:
        raise ValueError("system_id and secret must not be empty")
    reserved = {scheme.system_id_field, scheme.timestamp_field} & set(body_header)
    if reserved:
        raise ValueError(f"body_header must not set {', '.join(sorted(reserved))}: sign() fills them in")
    values: dict[str, str] = {scheme.timestamp_field: scheme.format_timestamp(now), scheme.system_id_field: system_id}
    for name, value in body_header.items():
        values[name] = value if isinstance(value, str) else scheme.encode_recipients(list(value))
    for name, value in values.items():
        _header_safe(name, value)
        if scheme.key_separator in name:
            raise ValueError(f"header field {name!r} contains the key separator {scheme.key_separator!r}")
    fields = [(name, values[name]) for name in _ordered(scheme, list(values))]
    sign_header = _sign_header_text(scheme, fields)
    headers = {scheme.field_header(name): value for name, value in fields}
    headers[scheme.sign_key_header] = scheme.key_separator.join(name for name, _ in fields)
    headers[scheme.sign_header] = sign_header
    headers[scheme.hash_header] = _hmac_hex(secret, _hash_input(scheme, fields, sign_header))
    headers[scheme.version_header] = scheme.version
    headers["User-Agent"] = scheme.user_agent
    headers["Accept"] = scheme.accept
    return headers


# -- verification -------------------------------------------------------------------------------------------------


class ReplayGuard:
    """Remembers the hashes of verified requests for the skew window: the same signed headers twice are a replay.

    Thread-safe; memory is bounded by the requests of one window (entries expire ``max_skew`` after their
    timestamp). The SDK signs a fresh timestamp only when its service object is created, so the live axis may well
    accept repeats; this guard is what *we* enforce (the fake axis), not a finding about the real one.
    """

    def __init__(self) -> None:
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def check(self, digest: str, expires: datetime, now: datetime) -> bool:
        """Remember ``digest`` until ``expires``; False if it was already remembered (a replay)."""
        with self._lock:
            for key in [k for k, until in self._seen.items() if until < now]:
                del self._seen[key]
            if digest in self._seen:
                return False
            self._seen[digest] = expires
            return True


def verify(scheme: HeaderScheme, headers: Mapping[str, str], secrets_by_system_id: Mapping[str, str],
           now: datetime, max_skew: timedelta, *, replay_guard: ReplayGuard | None = None) -> str:
    """Check the signed headers of a request; return the caller's system id.

    Checks, in order: the hash, key-list and system id headers are present and the key list names the system id
    and timestamp fields; every listed field has its header; the system id is known; the sign-header JSON lists
    exactly those fields with exactly those values (``sign-header-json`` mode); the HMAC matches (constant-time);
    the timestamp parses and lies within ``max_skew`` of ``now``; with a ``replay_guard``, the same hash was not
    seen in the window.

    :raises SignatureRejected: with ``reason`` saying which check failed and the message naming the header.
    """
    lower = {k.lower(): v for k, v in headers.items()}

    def header(name: str) -> str:
        value = lower.get(name.lower())
        if value is None:
            raise SignatureRejected("missing-header", f"header {name} is missing")
        return value

    given_hash = header(scheme.hash_header).strip().lower()
    names = [n for n in header(scheme.sign_key_header).split(scheme.key_separator) if n]
    for required in (scheme.system_id_field, scheme.timestamp_field):
        if required not in names:
            raise SignatureRejected("missing-header",
                                    f"{scheme.sign_key_header} does not list the {required!r} field")
    if len(set(names)) != len(names):
        raise SignatureRejected("sign-header-mismatch", f"{scheme.sign_key_header} lists a field twice")
    fields = [(name, header(scheme.field_header(name))) for name in names]
    values = dict(fields)
    system_id = values[scheme.system_id_field]
    secret = secrets_by_system_id.get(system_id)
    if secret is None:
        raise SignatureRejected("unknown-system", f"system id {system_id!r} is not registered")
    if scheme.hash_input == "sign-header-json":
        sign_header = header(scheme.sign_header)
        try:
            signed = json.loads(sign_header)
        except json.JSONDecodeError:
            raise SignatureRejected("sign-header-mismatch", f"{scheme.sign_header} is not JSON") from None
        expected_pairs = [(scheme.field_header(name), value) for name, value in fields]
        if not isinstance(signed, dict) or list(signed.items()) != expected_pairs:
            raise SignatureRejected("sign-header-mismatch",
                                    f"{scheme.sign_header} does not carry the same fields and values as the "
                                    f"{scheme.field_prefix}* headers listed in {scheme.sign_key_header}")
        message = sign_header
    else:
        message = _hash_input(scheme, fields, "")
    expected_hash = _hmac_hex(secret, message)
    if not hmac.compare_digest(expected_hash.encode("ascii"), given_hash.encode("ascii", "replace")):
        raise SignatureRejected("bad-hash", f"{scheme.hash_header} does not match the signed headers "
                                            f"(wrong secret, or a header changed on the way)")
    try:
        stamped = scheme.parse_timestamp(values[scheme.timestamp_field])
    except ValueError as exc:
        raise SignatureRejected("malformed-timestamp",
                                f"{scheme.field_header(scheme.timestamp_field)}: {exc}") from None
    skew = abs(_aware(now).astimezone(UTC) - stamped.astimezone(UTC))
    if skew > max_skew:
        raise SignatureRejected("stale-timestamp",
                                f"{scheme.field_header(scheme.timestamp_field)} is {skew.total_seconds():.0f} s "
                                f"from the server's clock (at most {max_skew.total_seconds():.0f} s allowed)")
    if replay_guard is not None and not replay_guard.check(expected_hash, stamped + max_skew, now):
        raise SignatureRejected("replayed", "these signed headers were already used (a replayed request)")
    return system_id
