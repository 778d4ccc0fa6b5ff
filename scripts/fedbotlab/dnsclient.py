"""A small DNS client for the lab's own checks (unit tests, `scripts/lab internet-check`):
asks one server over UDP, retries over TCP when the answer is truncated."""

from __future__ import annotations

import ipaddress
import socket
import struct
from typing import NamedTuple

from fedbotlab.dnswire import TC, TYPES, build_query

NAMES = {v: k for k, v in TYPES.items()}


class Reply(NamedTuple):
    rcode: int
    truncated: bool
    answers: list[tuple[str, str, str]]  # (name, type, data as in dnswire.Record)
    over_tcp: bool = False


def _name(msg: bytes, pos: int) -> tuple[str, int]:
    """A possibly compressed name at pos; (name, position after it)."""
    labels: list[str] = []
    end = None
    for _ in range(128):
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            end = end if end is not None else pos + 2
            pos = ((length & 0x3F) << 8) | msg[pos + 1]
            continue
        pos += 1
        if length == 0:
            return ".".join(labels), end if end is not None else pos
        labels.append(msg[pos : pos + length].decode("ascii", "replace"))
        pos += length
    raise ValueError("name compression loop")


def _data(msg: bytes, rtype: str, pos: int, size: int) -> str:
    raw = msg[pos : pos + size]
    if rtype in ("A", "AAAA"):
        return str(ipaddress.ip_address(raw))
    if rtype in ("CNAME", "NS"):
        return _name(msg, pos)[0]
    if rtype == "SRV":
        prio, weight, port = struct.unpack("!3H", raw[:6])
        return f"{prio} {weight} {port} {_name(msg, pos + 6)[0]}"
    if rtype == "TXT":
        out, i = b"", 0
        while i < len(raw):
            out += raw[i + 1 : i + 1 + raw[i]]
            i += 1 + raw[i]
        return out.decode(errors="replace")
    return raw.hex()


def parse_reply(msg: bytes) -> Reply:
    _, flags, qd, an = struct.unpack("!4H", msg[:8])
    pos = 12
    for _ in range(qd):
        pos = _name(msg, pos)[1] + 4
    answers = []
    for _ in range(an):
        name, pos = _name(msg, pos)
        rtype, _cls, _ttl, size = struct.unpack("!HHIH", msg[pos : pos + 10])
        pos += 10
        kind = NAMES.get(rtype, str(rtype))
        answers.append((name, kind, _data(msg, kind, pos, size)))
        pos += size
    return Reply(flags & 0xF, bool(flags & TC), answers)


def ask_udp(server: tuple[str, int], query: bytes, timeout: float = 2.0) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(query, server)
        return s.recvfrom(65535)[0]


def ask_tcp(server: tuple[str, int], query: bytes, timeout: float = 2.0) -> bytes:
    with socket.create_connection(server, timeout=timeout) as s:
        s.sendall(struct.pack("!H", len(query)) + query)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            chunk = s.recv(65535)
            if not chunk:
                raise OSError("DNS server closed the TCP connection early")
            buf += chunk
        return buf[2:]


def resolve(server: tuple[str, int], name: str, rtype: str) -> Reply:
    """Like a stub resolver: UDP first, TCP when the UDP answer says it was truncated."""
    query = build_query(name, rtype)
    reply = parse_reply(ask_udp(server, query))
    if reply.truncated:
        return parse_reply(ask_tcp(server, query))._replace(over_tcp=True)
    return reply
