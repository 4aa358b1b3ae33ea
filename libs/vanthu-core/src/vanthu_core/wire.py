"""The protobuf wire form of a message that is exactly one ``bytes`` field, for streaming file chunks.

Protobuf copies a ``bytes`` field twice on the way in (into the message, out of it) and twice on the way out;
for megabyte chunks of a gigabyte file that is most of the CPU a stream costs. These helpers build and
recognise the same bytes protobuf would (tag, varint length, payload) with one copy; every other message
still goes through protobuf.
"""

from __future__ import annotations

from google.protobuf.message import Message

LENGTH_DELIMITED = 2


def serialize(message: Message | bytes) -> bytes:
    """A gRPC serializer for streams that mix messages and pre-encoded chunk messages (passed through)."""
    return message if isinstance(message, bytes) else message.SerializeToString()


def field_prefix(field_number: int, size: int) -> bytes:
    """Tag and length of a length-delimited field of ``size`` bytes."""
    out = bytearray()
    value = (field_number << 3) | LENGTH_DELIMITED
    for part in (value, size):
        while part > 0x7F:
            out.append((part & 0x7F) | 0x80)
            part >>= 7
        out.append(part)
    return bytes(out)


def only_field(data: bytes, field_number: int) -> memoryview | None:
    """A view of the payload when ``data`` is exactly one length-delimited ``field_number`` (< 16); else None."""
    if len(data) < 2 or data[0] != (field_number << 3) | LENGTH_DELIMITED:
        return None
    length, shift, at = 0, 0, 1
    while at < len(data) and at <= 10:
        byte = data[at]
        at += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return memoryview(data)[at:] if at + length == len(data) else None
    return None
