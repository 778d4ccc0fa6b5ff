"""The whole case table (netcases.py and the network cases here) for one lab's /24."""

from __future__ import annotations

from fedbotlab import netcases
from fedbotlab.netplan import FED_PORT, ZONE, Plan

BIG_TARGETS = 16  # SRV records for big.lab.test: about 1.1 kB, over UDP's 512 bytes


def network(p: Plan, v6_port: int | None) -> None:
    g = "network"
    name = p.name("refused")
    p.host(name)
    p.case(
        g,
        name,
        "red",
        "connect",
        "connection refused",
        "A record; nothing listens on 443 or 8448 (the kernel refuses)",
    )
    name = p.name("blackhole")
    a = p.host(name)
    p.listeners.append(netcases.Listener(a, FED_PORT, blackhole=True))
    p.case(
        g,
        name,
        "red",
        "tls",
        "timed out",
        "443 refuses; 8448 accepts the connection and never answers the TLS handshake",
    )
    p.case(g, p.name("nxdomain"), "red", "dns", "does not exist", "NXDOMAIN")
    p.record(p.name("nodata"), "TXT", "this name has no address")
    p.case(
        g,
        p.name("nodata"),
        "red",
        "dns",
        "no address",
        "the name exists (a TXT record) but has no A or AAAA record (NODATA)",
    )
    name = p.name("partial")
    dead = p.host(name)
    p.site(dead, name)
    p.simple("partial")
    p.case(
        g,
        name,
        "yellow",
        "connect",
        "connection refused",
        f"two A records: {dead} refuses 8448, the other works",
    )
    p.simple("version-bad", version="not-json")
    p.case(
        g,
        p.name("version-bad"),
        "red",
        "version",
        "version",
        "/_matrix/federation/v1/version answers 200 with HTML",
    )
    _big(p)
    if v6_port is not None:
        _v6(p, v6_port)


def _v6(p: Plan, v6_port: int) -> None:
    g = "network"
    name, host = p.name("v6"), p.name("v6-host")
    p.site(p.host(name), name)
    p.record(f"_matrix-fed._tcp.{name}", "SRV", f"10 5 {v6_port} {host}")
    p.record(host, "AAAA", "::1")
    p.fed("::1", v6_port, (name,), name)
    p.case(
        g,
        name,
        "green",
        None,
        netcases.GREEN,
        f"_matrix-fed._tcp SRV to {host}:{v6_port}, which has only an AAAA record (::1)",
    )


def _big(p: Plan) -> None:
    name = p.name("big")
    a = p.host(name)
    p.site(a, name)
    for i in range(BIG_TARGETS):
        target = p.name(f"big-target-{i:02d}-with-a-long-label")
        p.record(f"_matrix-fed._tcp.{name}", "SRV", f"10 5 8456 {target}")
        p.record(target, "A", a)
    p.fed(a, 8456, (name,), name)
    p.case(
        "network",
        name,
        "green",
        None,
        netcases.GREEN,
        f"{BIG_TARGETS} _matrix-fed._tcp SRV records (all to {a}:8456): the answer is over "
        "512 bytes, so the UDP answer is truncated and the resolver must ask again over TCP",
    )


def build_plan(prefix: str, b_server: str | None, v6_port: int | None) -> Plan:
    """The zone, the listeners and the cases for the /24 `prefix` ("127.X.Y")."""
    p = Plan(prefix)
    p.record(ZONE, "SOA", f"ns.{ZONE} hostmaster.{ZONE} 1 3600 600 86400 60")
    p.record(ZONE, "NS", f"ns.{ZONE}")
    p.record(f"ns.{ZONE}", "A", f"{prefix}.1")
    netcases.certificates(p)
    netcases.well_known(p)
    netcases.srv(p)
    netcases.keys(p, b_server)
    netcases.support(p)
    network(p, v6_port)
    return p
