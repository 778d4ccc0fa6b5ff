"""The small internet's building blocks: what a listener serves, the plan the case table fills."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fedbotlab.dnswire import Record

ZONE = "lab.test"
FED_PORT = 8448
GROUPS = ("certificates", "well-known", "srv", "keys", "support", "network")
VERDICTS = ("green", "yellow", "red")
CHECKS = (
    "name",
    "dns",
    "well-known",
    "srv",
    "connect",
    "tls",
    "certificate",
    "version",
    "keys",
    "support",
    "address",
)


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    location: str | None = None


NOT_FOUND = Response(404, b'{"errcode": "M_NOT_FOUND", "error": "Not found"}')


def json_response(obj: Any) -> Response:
    return Response(200, json.dumps(obj).encode())


@dataclass(frozen=True)
class Fed:
    """A federation endpoint: key response as `server_name` claims it (netkeys variants)."""

    server_name: str
    keys: str = "valid"
    version: str = "ok"


@dataclass(frozen=True)
class Listener:
    """One TCP listener at address:port.  https: TLS with a certificate of `cert` kind for
    `names`, serving `routes` (path -> Response) and, with `fed`, the federation endpoints;
    blackhole: accepts connections (the kernel does) and never reads or answers."""

    address: str
    port: int
    names: tuple[str, ...] = ()
    cert: str = "valid"
    routes: tuple[tuple[str, Response], ...] = ()
    fed: Fed | None = None
    blackhole: bool = False


@dataclass(frozen=True)
class Case:
    group: str
    server: str
    verdict: str
    check: str | None
    says: str
    about: str

    def json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "server": self.server,
            "verdict": self.verdict,
            "check": self.check,
            "says": self.says,
            "about": self.about,
        }


@dataclass
class Plan:
    """Everything of one small internet: zone records, listeners and the expected verdicts."""

    prefix: str  # "127.X.Y": the lab's /24
    records: list[Record] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    next_octet: int = 10

    def name(self, label: str) -> str:
        return f"{label}.{ZONE}"

    def address(self) -> str:
        if self.next_octet > 254:
            raise ValueError("the case table needs more than one /24")
        a = f"{self.prefix}.{self.next_octet}"
        self.next_octet += 1
        return a

    def record(self, name: str, rtype: str, data: str) -> None:
        self.records.append(Record(name, rtype, data))

    def host(self, name: str) -> str:
        """A new address with an A record for name."""
        a = self.address()
        self.record(name, "A", a)
        return a

    def site(self, address: str, name: str, **routes: Response) -> None:
        """:443 with a valid certificate for name; routes by file under /.well-known/matrix/."""
        table = tuple((f"/.well-known/matrix/{k}", v) for k, v in routes.items())
        self.listeners.append(Listener(address, 443, (name,), routes=table))

    def fed(self, address: str, port: int, names: tuple[str, ...], server: str, **kw: str) -> None:
        cert = kw.pop("cert", "valid")
        self.listeners.append(Listener(address, port, names, cert, fed=Fed(server, **kw)))

    def simple(self, label: str, **kw: str) -> str:
        """label.lab.test: an A record, :443 answering 404, federation on 8448 (kw: cert kind,
        keys and version variants); its address."""
        name = self.name(label)
        a = self.host(name)
        self.site(a, name)
        self.fed(a, FED_PORT, (name,), name, **kw)
        return a

    def case(self, group: str, server: str, verdict: str, check: str | None, *text: str) -> None:
        """text: says, about."""
        says, about = text
        self.cases.append(Case(group, server, verdict, check, says, about))
