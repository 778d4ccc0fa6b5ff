"""The small internet on loopback (`up --internet`, `scripts/lab internet`; docs/LAB.md).

One process (`python -m fedbotlab _internet`, a child of the lab's supervisor like A and B)
serves the lab's DNS zone on 127.0.0.1:<port> (UDP and TCP) and every case's HTTPS listeners
on addresses of one /24 under 127/8 picked at random (again when an address is taken, so labs
of other worktrees never collide), then writes DIR/internet/internet.json (the `internet`
document) and serves until it is stopped.  Nothing it does reaches beyond loopback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import random
import socket
import threading
import time
from typing import Any

from fedbotlab.common import PYTHON, Json, LabError, atomic_write_json, log, read_json, tail
from fedbotlab.control import SupClient, child_alive
from fedbotlab.dnsserver import DnsServer
from fedbotlab.dnswire import Zone
from fedbotlab.netca import LabCA, ensure_ca, write_pem
from fedbotlab.nethttps import bind, tls_context
from fedbotlab.netkeys import key_body, new_signing_key, version_body
from fedbotlab.netplan import ZONE, Listener, Plan, Response
from fedbotlab.nettable import build_plan
from fedbotlab.ports import reserve_ports
from fedbotlab.procs import proc_start

ALLOW_RANGES = ["127.0.0.0/8", "::1/128"]
ATTEMPTS = 20
READY_TIMEOUT_S = 60.0
_SERVING: list[Any] = []  # every server of this process: a blackhole has no thread to hold it


def internet_dir(lab_dir: str) -> str:
    return os.path.join(lab_dir, "internet")


def prepare_b_cert(lab_dir: str) -> tuple[str, str]:
    """The lab CA (made now) and, from it, B's federation certificate for IP:127.0.0.1."""
    d = internet_dir(lab_dir)
    os.makedirs(d, exist_ok=True)
    return write_pem(os.path.join(d, "b"), ensure_ca(d).issue(["127.0.0.1", "localhost"]))


def routes(listener: Listener, signing_key: Any) -> dict[str, Response]:
    table = dict(listener.routes)
    fed = listener.fed
    if fed is not None:
        kind = "text/html" if fed.version == "not-json" else "application/json"
        table["/_matrix/federation/v1/version"] = Response(200, version_body(fed.version), kind)
        body = key_body(fed.server_name, signing_key, fed.keys)
        table["/_matrix/key/v2/server"] = Response(200, body)
    return table


def _bind_all(plan: Plan, ca: LabCA, signing_key: Any, certs: str) -> list[Any]:
    servers: list[Any] = []
    try:
        for i, listener in enumerate(plan.listeners):
            ctx = None
            if not listener.blackhole:
                stem = os.path.join(certs, f"{i:02d}-{listener.names[0]}-{listener.port}")
                ctx = tls_context(*write_pem(stem, ca.issue(listener.names, listener.cert)))
            servers.append(bind(listener, ctx, routes(listener, signing_key)))
    except OSError:
        for s in servers:
            with contextlib.suppress(OSError):
                s.server_close()
        raise
    return servers


def _v6_port(port: int) -> int | None:
    """port when [::1]:port can be bound (IPv6 loopback exists), else None (no v6 case)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", port))
        return port
    except OSError:
        return None


def _pick_and_bind(d: str, b_server: str | None, v6_port: int | None) -> tuple[Plan, list[Any]]:
    ca, signing_key = ensure_ca(d), new_signing_key()
    certs = os.path.join(d, "certs")
    os.makedirs(certs, exist_ok=True)
    for attempt in range(1, ATTEMPTS + 1):
        prefix = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}"
        plan = build_plan(prefix, b_server, v6_port)
        try:
            return plan, _bind_all(plan, ca, signing_key, certs)
        except OSError as e:
            if e.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL) or attempt == ATTEMPTS:
                raise
            log(f"{prefix}.0/24 is taken ({e}); another one")
    raise AssertionError("unreachable")


def serve(lab_dir: str, b_server: str | None) -> Json:
    """Binds and starts everything; writes and returns the `internet` document."""
    d = internet_dir(lab_dir)
    owner = {"pid": os.getpid(), "start": proc_start(os.getpid()), "dir": d}
    dns_port, v6 = reserve_ports(2, owner)
    plan, servers = _pick_and_bind(d, b_server, _v6_port(v6))
    dns = DnsServer(Zone(ZONE, plan.records), "127.0.0.1", dns_port)
    for s in servers:
        s.start()
    dns.start()
    _SERVING.extend([*servers, dns])
    doc: Json = {
        "dns": dns.address,
        "ca_file": os.path.join(d, "ca.pem"),
        "allow_ranges": ALLOW_RANGES,
        "zone": ZONE,
        "subnet": f"{plan.prefix}.0/24",
        "pid": os.getpid(),
        "cases": [c.json() for c in plan.cases],
    }
    atomic_write_json(os.path.join(d, "internet.json"), doc)
    log(f"internet: DNS {dns.address}, {len(servers)} listeners in {doc['subnet']}")
    return doc


def spawn(sup: SupClient, lab_dir: str, b_server: str | None) -> None:
    """Has the supervisor start the internet process (see wait_ready)."""
    d = internet_dir(lab_dir)
    os.makedirs(d, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(d, "internet.json"))
    argv = [PYTHON, "-m", "fedbotlab", "_internet", "--dir", lab_dir]
    if b_server:
        argv += ["--b-server", b_server]
    sup.must("spawn", name="internet", argv=argv, log=os.path.join(d, "internet.log"))


def wait_ready(sup: SupClient, lab_dir: str) -> Json:
    """The `internet` document once the process has written it."""
    d = internet_dir(lab_dir)
    path, alive = os.path.join(d, "internet.json"), child_alive(sup, "internet")
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        doc = read_json(path)
        if isinstance(doc, dict):
            return doc
        if not alive():
            break
        time.sleep(0.03)
    raise LabError(
        "the small internet did not start", log_tail=tail(os.path.join(d, "internet.log"))
    )


def cmd_internet_serve(args: argparse.Namespace) -> int:
    """`_internet`: the process itself (runs until SIGTERM)."""
    serve(os.path.realpath(args.dir), args.b_server)
    threading.Event().wait()
    return 0


def cmd_internet(args: argparse.Namespace) -> int:
    """`internet`: only the small internet, under a supervisor of its own (stop: `down`)."""
    from fedbotlab.control import start_daemon_supervisor
    from fedbotlab.labdir import Lab, down_quietly
    from fedbotlab.protocol import emit

    lab = Lab(args.dir)
    os.makedirs(lab.dir, exist_ok=True)
    if lab.sup().reachable():
        raise LabError(f"a lab is already running in {lab.dir}: run `down` first")
    down_quietly(lab)
    sup = start_daemon_supervisor(lab.dir, args.watch_pid)
    try:
        spawn(sup, lab.dir, None)
        doc = wait_ready(sup, lab.dir)
    except BaseException:
        with contextlib.suppress(Exception):
            sup.call("shutdown", timeout=60)
        raise
    emit("internet", doc)
    return 0
