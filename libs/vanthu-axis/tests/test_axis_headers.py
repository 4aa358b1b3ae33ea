"""The signed ``XroadVnpt-*`` headers: the SDK's known answers, verification, tampering, the configurable scheme.

The two vectors below were produced once by running the official SDK's own signing method
(``com.vpcp.services.VnptService.addXroadVnptHashHeader`` of ``SDKVXP-2.0.1.jar``, regulations.md §2.3) with a fixed
timestamp, system id, secret and fields; the harness is not kept. The hashes are also recomputed here with
:mod:`hmac`, independently of :mod:`vanthu_axis.headers`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vanthu_axis import DEFAULT_SCHEME, HeaderScheme, ReplayGuard, SignatureRejected, sign, verify
from vanthu_axis.headers import ENV_SCHEME, ENV_SCHEME_FILE, java_hashmap_order

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 15, 7, 30, 5, 123_000, tzinfo=UTC)  # 14:30:05.123 in Vietnam
SYSTEM, SECRET = "vxp.test.a", "s3cr3t-A"
SKEW = timedelta(minutes=5)

SDK_LIST_SIGN_HEADER = ('{"XroadVnpt-systemid":"vxp.test.a","XroadVnpt-servicetype":"eDoc","XroadVnpt-messagetype":'
                        '"edoc","XroadVnpt-timestamp":"15012026T143005+0123","XroadVnpt-Content-Type":'
                        '"application/json"}')
SDK_LIST_HASH = "7f41a6b9e6a723701e3480861fe11fbf92bed0acda4a39acb9d072865e0f5af4"
SDK_SEND_KEYS = "systemid;servicetype;messagetype;hash-file;from;to;timestamp;Content-Type"
SDK_SEND_HASH = "3e853fe068bead43cb17c7d756d756e1705073eb5942f4a4821d937cde6b2920"
FILE_HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def list_header() -> dict[str, str]:
    return {"Content-Type": "application/json", "servicetype": "eDoc", "messagetype": "edoc"}


def test_received_list_headers_equal_the_sdk_known_answer() -> None:
    headers = sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW, list_header())
    assert headers["XroadVnpt-sign-header"] == SDK_LIST_SIGN_HEADER
    assert headers["XroadVnpt-sign-header-key"] == "systemid;servicetype;messagetype;timestamp;Content-Type"
    independent = hmac.new(SECRET.encode(), SDK_LIST_SIGN_HEADER.encode(), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-hash-header"] == independent == SDK_LIST_HASH
    assert headers["XroadVnpt-timestamp"] == "15012026T143005+0123"
    assert headers["XroadVnpt-systemid"] == SYSTEM
    assert headers["XroadVnpt-version"] == "3.0.201608"
    assert headers["User-Agent"] == "JAVASDKAgent/1.0.0 XRoad/VPCP"


def test_send_headers_with_recipients_and_file_hash_equal_the_sdk_known_answer() -> None:
    header = {"Content-Type": "application/octet-stream", "from": SYSTEM, "servicetype": "eDoc",
              "messagetype": "edoc", "to": ["000.00.00.G22", "000.00.00.H14"], "hash-file": FILE_HASH}
    headers = sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW, header)
    assert headers["XroadVnpt-sign-header-key"] == SDK_SEND_KEYS
    assert headers["XroadVnpt-to"] == '["000.00.00.G22","000.00.00.H14"]'
    assert json.loads(headers["XroadVnpt-sign-header"])["XroadVnpt-to"] == '["000.00.00.G22","000.00.00.H14"]'
    assert headers["XroadVnpt-hash-header"] == SDK_SEND_HASH
    assert hmac.new(SECRET.encode(), headers["XroadVnpt-sign-header"].encode(),
                    hashlib.sha256).hexdigest() == SDK_SEND_HASH


def test_field_order_is_java_hashmap_order() -> None:
    # orders the SDK produced (see the vectors): a HashMap's buckets, not insertion order
    assert java_hashmap_order(["timestamp", "systemid", "Content-Type", "docId", "status"]) == [
        "systemid", "docId", "timestamp", "Content-Type", "status"]


@pytest.mark.parametrize(("instant", "text"), [
    (datetime(2026, 1, 15, 7, 30, 5, 7_000, tzinfo=UTC), "15012026T143005+0007"),
    (datetime(2026, 12, 31, 17, 0, 0, 999_999, tzinfo=UTC), "01012027T000000+0999"),  # next day in Vietnam
])
def test_timestamp_is_vietnam_time_with_four_digit_milliseconds(instant: datetime, text: str) -> None:
    assert DEFAULT_SCHEME.format_timestamp(instant) == text
    assert DEFAULT_SCHEME.parse_timestamp(text) == instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def test_verify_returns_the_system_id_of_what_sign_made() -> None:
    headers = sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW, list_header())
    assert verify(DEFAULT_SCHEME, headers, {SYSTEM: SECRET, "other": "x"}, NOW, SKEW) == SYSTEM
    lower = {k.lower(): v for k, v in headers.items()}  # HTTP servers hand header names in lower case
    assert verify(DEFAULT_SCHEME, lower, {SYSTEM: SECRET}, NOW + SKEW, SKEW) == SYSTEM


@pytest.mark.parametrize("name", [
    "XroadVnpt-systemid", "XroadVnpt-servicetype", "XroadVnpt-messagetype", "XroadVnpt-timestamp",
    "XroadVnpt-Content-Type", "XroadVnpt-sign-header", "XroadVnpt-hash-header", "XroadVnpt-sign-header-key"])
def test_changing_any_signed_header_fails_verification(name: str) -> None:
    headers = sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW, list_header())
    value = headers[name]
    headers[name] = value[:-1] + ("0" if value[-1] != "0" else "1")
    with pytest.raises(SignatureRejected) as refused:
        verify(DEFAULT_SCHEME, headers, {SYSTEM: SECRET, SYSTEM[:-1] + "0": "other"}, NOW, SKEW)
    assert refused.value.reason in {"bad-hash", "sign-header-mismatch", "missing-header", "unknown-system"}


def test_a_consistently_forged_field_needs_the_secret() -> None:
    """Changing a value in both its header and the sign-header still fails: the hash covers the JSON."""
    headers = sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW, list_header())
    headers["XroadVnpt-messagetype"] = "status"
    headers["XroadVnpt-sign-header"] = headers["XroadVnpt-sign-header"].replace('"edoc"', '"status"')
    with pytest.raises(SignatureRejected, match="bad-hash"):
        verify(DEFAULT_SCHEME, headers, {SYSTEM: SECRET}, NOW, SKEW)


def test_wrong_secret_and_unknown_system_are_refused() -> None:
    headers = sign(DEFAULT_SCHEME, SYSTEM, "not-the-secret", NOW, list_header())
    with pytest.raises(SignatureRejected, match="bad-hash"):
        verify(DEFAULT_SCHEME, headers, {SYSTEM: SECRET}, NOW, SKEW)
    with pytest.raises(SignatureRejected, match="unknown-system"):
        verify(DEFAULT_SCHEME, sign(DEFAULT_SCHEME, "vxp.nobody", SECRET, NOW, {}), {SYSTEM: SECRET}, NOW, SKEW)


@pytest.mark.parametrize("offset", [SKEW + timedelta(milliseconds=1), -SKEW - timedelta(milliseconds=1)])
def test_a_timestamp_outside_the_skew_window_is_refused(offset: timedelta) -> None:
    headers = sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW + offset, list_header())
    with pytest.raises(SignatureRejected) as refused:
        verify(DEFAULT_SCHEME, headers, {SYSTEM: SECRET}, NOW, SKEW)
    assert refused.value.reason == "stale-timestamp"
    assert "300 s allowed" in str(refused.value)


def test_replay_guard_refuses_the_same_headers_twice_within_the_window() -> None:
    guard = ReplayGuard()
    headers = sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW, list_header())
    assert verify(DEFAULT_SCHEME, headers, {SYSTEM: SECRET}, NOW, SKEW, replay_guard=guard) == SYSTEM
    with pytest.raises(SignatureRejected, match="replayed"):
        verify(DEFAULT_SCHEME, headers, {SYSTEM: SECRET}, NOW + timedelta(seconds=1), SKEW, replay_guard=guard)
    later = sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW + timedelta(milliseconds=1), list_header())
    assert verify(DEFAULT_SCHEME, later, {SYSTEM: SECRET}, NOW, SKEW, replay_guard=guard) == SYSTEM


def test_a_key_list_without_the_timestamp_is_refused() -> None:
    headers = sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW, list_header())
    headers["XroadVnpt-sign-header-key"] = "systemid;servicetype;messagetype;Content-Type"
    with pytest.raises(SignatureRejected, match="'timestamp' field"):
        verify(DEFAULT_SCHEME, headers, {SYSTEM: SECRET}, NOW, SKEW)


def test_scheme_loaded_from_json_changes_the_headers() -> None:
    scheme = HeaderScheme.from_json(json.dumps({
        "version": "3.1.202501", "hash_input": "joined-values", "value_separator": "|", "field_order": "sorted",
        "timestamp_format": "yyyy-MM-dd'T'HH:mm:ss.SSS", "utc_offset_minutes": 0, "recipients_as": "joined",
        "recipient_separator": "#"}))
    headers = sign(scheme, SYSTEM, SECRET, NOW, {"messagetype": "edoc", "to": ["000.00.00.G22", "000.00.00.H14"]})
    assert headers["XroadVnpt-version"] == "3.1.202501"
    assert headers["XroadVnpt-timestamp"] == "2026-01-15T07:30:05.123"
    assert headers["XroadVnpt-to"] == "000.00.00.G22#000.00.00.H14"
    assert headers["XroadVnpt-sign-header-key"] == "messagetype;systemid;timestamp;to"
    joined = "|".join(["edoc", SYSTEM, "2026-01-15T07:30:05.123", "000.00.00.G22#000.00.00.H14"])
    assert headers["XroadVnpt-hash-header"] == hmac.new(SECRET.encode(), joined.encode(), hashlib.sha256).hexdigest()
    assert verify(scheme, headers, {SYSTEM: SECRET}, NOW, SKEW) == SYSTEM
    with pytest.raises(SignatureRejected):  # the default scheme cannot read it
        verify(DEFAULT_SCHEME, headers, {SYSTEM: SECRET}, NOW, SKEW)
    assert scheme.decode_recipients(headers["XroadVnpt-to"]) == ["000.00.00.G22", "000.00.00.H14"]


def test_scheme_from_the_environment_inline_or_file(tmp_path: Path) -> None:
    assert HeaderScheme.from_env({}) == DEFAULT_SCHEME
    assert HeaderScheme.from_env({ENV_SCHEME: '{"version": "9"}'}).version == "9"
    path = tmp_path / "scheme.json"
    path.write_text(HeaderScheme(hash_header="X-Hash").to_json(), encoding="utf-8")
    loaded = HeaderScheme.from_env({ENV_SCHEME_FILE: str(path)})
    assert loaded.hash_header == "X-Hash" and loaded == HeaderScheme(hash_header="X-Hash")
    assert "X-Hash" in sign(loaded, SYSTEM, SECRET, NOW, {})


@pytest.mark.parametrize(("text", "message"), [
    ('{"hash_algorithm": "sha1"}', "unknown setting.*hash_algorithm"),
    ('{"field_order": "random"}', "field_order.*not one of"),
    ('{"utc_offset_minutes": "420"}', "expected int"),
    ('{"timestamp_format": "ddMMyyyyZ"}', "letter 'Z' is not supported"),
    ("[1, 2]", "object of settings"),
])
def test_a_bad_scheme_is_refused_naming_the_setting(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HeaderScheme.from_json(text)


def test_sign_refuses_what_cannot_travel_in_a_header() -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW, {"from": "Sở Nội vụ"})
    with pytest.raises(ValueError, match="must not set systemid"):
        sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW, {"systemid": "vxp.other"})
    with pytest.raises(ValueError, match="naive"):
        sign(DEFAULT_SCHEME, SYSTEM, SECRET, NOW.replace(tzinfo=None), {})
