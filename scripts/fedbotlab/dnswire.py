"""The lab's DNS zone and the DNS wire format (RFC 1035, SRV: RFC 2782, AAAA: RFC 3596).

Pure (no sockets): `Zone.respond(query, udp)` turns one query message into one answer message,
so the unit tests ask it questions directly.  The server (dnsserver.py) only moves bytes.

Authoritative for one zone and nothing else: a name outside it gets REFUSED, never a forwarded
answer.  Inside it: the records of the asked type, following CNAMEs within the zone; NXDOMAIN
for a name with no records (and no names below it); NOERROR with no answer otherwise (NODATA);
the zone's SOA in the authority section of both negative answers.  Over UDP an answer longer
than 512 bytes is sent as its header and question only, with TC set (EDNS is ignored, so every
client must retry such a name over TCP).
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from typing import NamedTuple

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "TXT": 16, "AAAA": 28, "SRV": 33, "ANY": 255}
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
CLASS_IN = 1
UDP_LIMIT = 512
QR, AA, TC, RD = 0x8000, 0x0400, 0x0200, 0x0100


@dataclass(frozen=True)
class Record:
    """One resource record.  data: A/AAAA an address; CNAME/NS a name; TXT the text;
    SRV "priority weight port target"; SOA "mname rname serial refresh retry expire minimum"."""

    name: str
    rtype: str
    data: str
    ttl: int = 60


def normalize(name: str) -> str:
    return name.lower().rstrip(".")


def encode_name(name: str) -> bytes:
    out = b""
    for label in normalize(name).split(".") if normalize(name) else []:
        raw = label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise ValueError(f"bad DNS label in {name!r}")
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def rdata(rec: Record) -> bytes:
    if rec.rtype == "A":
        return ipaddress.IPv4Address(rec.data).packed
    if rec.rtype == "AAAA":
        return ipaddress.IPv6Address(rec.data).packed
    if rec.rtype in ("CNAME", "NS"):
        return encode_name(rec.data)
    if rec.rtype == "TXT":
        raw = rec.data.encode()
        chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
        return b"".join(bytes([len(c)]) + c for c in chunks)
    if rec.rtype == "SRV":
        prio, weight, port, target = rec.data.split()
        return struct.pack("!3H", int(prio), int(weight), int(port)) + encode_name(target)
    if rec.rtype == "SOA":
        mname, rname, *numbers = rec.data.split()
        return encode_name(mname) + encode_name(rname) + struct.pack("!5I", *map(int, numbers))
    raise ValueError(f"unsupported record type {rec.rtype}")


def encode_rr(rec: Record) -> bytes:
    data = rdata(rec)
    header = struct.pack("!HHIH", TYPES[rec.rtype], CLASS_IN, rec.ttl, len(data))
    return encode_name(rec.name) + header + data


class Query(NamedTuple):
    id: int
    flags: int
    name: str
    qtype: int
    qclass: int
    question: bytes  # the question section as sent, echoed in the answer


def parse_query(msg: bytes) -> Query:
    """The one question of a query; ValueError when it is not a well-formed query."""
    if len(msg) < 12:
        raise ValueError("shorter than a DNS header")
    qid, flags, qdcount = struct.unpack("!3H", msg[:6])
    if qdcount != 1:
        raise ValueError(f"{qdcount} questions")
    pos, labels = 12, []
    while True:
        if pos >= len(msg):
            raise ValueError("name runs past the end")
        length = msg[pos]
        pos += 1
        if length == 0:
            break
        if length & 0xC0 or pos + length > len(msg):
            raise ValueError("compressed or truncated name in a question")
        labels.append(msg[pos : pos + length].decode("ascii", "replace"))
        pos += length
    if pos + 4 > len(msg):
        raise ValueError("question without type and class")
    qtype, qclass = struct.unpack("!HH", msg[pos : pos + 4])
    return Query(qid, flags, ".".join(labels), qtype, qclass, msg[12 : pos + 4])


class Answer(NamedTuple):
    rcode: int
    answers: list[Record]
    authority: list[Record]


class Zone:
    """The records of one zone (origin) and the answers to questions about them."""

    def __init__(self, origin: str, records: list[Record]) -> None:
        self.origin = normalize(origin)
        self.by_name: dict[str, list[Record]] = {}
        for rec in records:
            self.by_name.setdefault(normalize(rec.name), []).append(rec)
        soa = [r for r in self.by_name.get(self.origin, []) if r.rtype == "SOA"]
        self.soa = soa[:1]

    def inside(self, name: str) -> bool:
        return name == self.origin or name.endswith("." + self.origin)

    def _exists(self, name: str) -> bool:
        """True when the name owns records or names below it do (an empty non-terminal)."""
        return name in self.by_name or any(n.endswith("." + name) for n in self.by_name)

    def lookup(self, name: str, qtype: int) -> Answer:
        current, answers = normalize(name), list[Record]()
        if not self.inside(current):
            return Answer(REFUSED, [], [])
        for _ in range(8):  # CNAME chain, bounded
            recs = self.by_name.get(current, [])
            match = [r for r in recs if qtype in (TYPES[r.rtype], TYPES["ANY"])]
            if match:
                return Answer(NOERROR, answers + match, [])
            cname = [r for r in recs if r.rtype == "CNAME"]
            if not cname:
                break
            answers.append(cname[0])
            current = normalize(cname[0].data)
            if not self.inside(current):
                return Answer(NOERROR, answers, [])
        if answers or self._exists(current):
            return Answer(NOERROR, answers, self.soa)
        return Answer(NXDOMAIN, [], self.soa)

    def respond(self, msg: bytes, udp: bool) -> bytes | None:
        """The answer to one query message; None for what deserves no answer (a response)."""
        try:
            q = parse_query(msg)
        except ValueError:
            if len(msg) < 12 or msg[2] & 0x80:
                return None
            return header(msg[0] << 8 | msg[1], 0, FORMERR, 0, 0, 0)
        if q.flags & QR:
            return None
        opcode = (q.flags >> 11) & 0xF
        if opcode != 0:
            return header(q.id, q.flags, NOTIMP, 1, 0, 0) + q.question
        if q.qclass != CLASS_IN:
            return header(q.id, q.flags, REFUSED, 1, 0, 0) + q.question
        ans = self.lookup(q.name, q.qtype)
        body = b"".join(encode_rr(r) for r in ans.answers + ans.authority)
        full = header(q.id, q.flags, ans.rcode, 1, len(ans.answers), len(ans.authority))
        full += q.question + body
        if udp and len(full) > UDP_LIMIT:
            return header(q.id, q.flags | TC, ans.rcode, 1, 0, 0) + q.question
        return full


def header(qid: int, qflags: int, rcode: int, qd: int, an: int, ns: int) -> bytes:
    """An answer's header: authoritative, RD copied from the query, no recursion available."""
    flags = QR | AA | (qflags & (RD | TC)) | (rcode & 0xF) | (qflags & 0x7800)
    return struct.pack("!6H", qid, flags, qd, an, ns, 0)


def build_query(name: str, rtype: str, qid: int = 0x1234) -> bytes:
    """A query message (the tests' and the smoke check's client side)."""
    head = struct.pack("!6H", qid, RD, 1, 0, 0, 0)
    return head + encode_name(name) + struct.pack("!HH", TYPES[rtype], CLASS_IN)
