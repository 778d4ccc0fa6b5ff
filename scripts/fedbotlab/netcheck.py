"""`scripts/lab internet-check --dir D`: the small internet probed from outside, the way a
client would (its own DNS client over UDP and TCP, TLS with the lab CA and SNI, the key
signature checked), without the bot.  Proves the lab serves what its case table says."""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any

from fedbotlab.common import Json, LabError, read_json
from fedbotlab.dnsclient import resolve
from fedbotlab.netkeys import verifies
from fedbotlab.protocol import emit

TIMEOUT_S = 3.0


class Net:
    def __init__(self, doc: Json) -> None:
        host, port = doc["dns"].rsplit(":", 1)
        self.dns = (host, int(port))
        self.ca = str(doc["ca_file"])

    def address(self, name: str, rtype: str = "A") -> str:
        answers = [a for a in resolve(self.dns, name, rtype).answers if a[1] == rtype]
        if not answers:
            raise LabError(f"{name}: no {rtype} record")
        return answers[-1][2]

    def get(self, sni: str | None, ip: str, port: int, path: str) -> tuple[int, bytes]:
        """One HTTPS GET to ip:port with SNI sni, the lab CA as the only trust anchor."""
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.check_hostname = sni is not None
        host = sni or ip
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        data = b""
        with (
            socket.create_connection((ip, port), timeout=TIMEOUT_S) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            tls.sendall(request.encode())
            while chunk := tls.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body

    def fed(self, name: str, path: str, port: int = 8448) -> tuple[int, bytes]:
        return self.get(name, self.address(name), port, path)


def _error_of(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except (OSError, ssl.SSLError, LabError) as e:
        return f"{type(e).__name__}: {e}"
    return "no error"


VERSION, KEYS = "/_matrix/federation/v1/version", "/_matrix/key/v2/server"
Check = tuple[str, Callable[[], bool]]


def _tls_checks(net: Net) -> list[Check]:
    def key_ok(name: str) -> bool:
        return verifies(json.loads(net.fed(name, KEYS)[1]), name)

    def fails(name: str, text: str) -> Callable[[], bool]:
        return lambda: text in _error_of(lambda: net.fed(name, VERSION))

    return [
        ("good: /version over TLS", lambda: b"1.140.0" in net.fed("good.lab.test", VERSION)[1]),
        ("good: key signature verifies", lambda: key_ok("good.lab.test")),
        ("keys-tampered: signature fails", lambda: not key_ok("keys-tampered.lab.test")),
        ("expired: TLS refuses", fails("expired.lab.test", "certificate has expired")),
        ("not-yet-valid: TLS refuses", fails("not-yet-valid.lab.test", "not yet valid")),
        ("self-signed: TLS refuses", fails("self-signed.lab.test", "self-signed")),
        ("wrong-name: TLS refuses", fails("wrong-name.lab.test", "mismatch")),
        ("refused: connection refused", fails("refused.lab.test", "ConnectionRefused")),
        ("blackhole: handshake times out", fails("blackhole.lab.test", "timed out")),
    ]


def _checks(net: Net, doc: Json) -> list[Check]:
    def wk() -> bytes:
        ip = net.address("wk.lab.test")
        return net.get("wk.lab.test", ip, 443, "/.well-known/matrix/server")[1]

    def big() -> bool:
        reply = resolve(net.dns, "_matrix-fed._tcp.big.lab.test", "SRV")
        return reply.over_tcp and len(reply.answers) == 16

    checks = [
        *_tls_checks(net),
        ("nxdomain: NXDOMAIN", lambda: resolve(net.dns, "nxdomain.lab.test", "A").rcode == 3),
        ("outside the zone: REFUSED", lambda: resolve(net.dns, "example.com", "A").rcode == 5),
        ("big: truncated over UDP, 16 SRV records over TCP", big),
        ("wk: delegation file", lambda: b"wk-target.lab.test:8449" in wk()),
    ]
    b = next((c["server"] for c in doc["cases"] if c["server"].startswith("127.0.0.1:")), None)
    if b:
        ip, port = b.rsplit(":", 1)

        def b_keys() -> bool:
            return verifies(json.loads(net.get(None, ip, int(port), KEYS)[1]), b)

        checks.append(("B: its real keys over TLS with the lab CA (IP:127.0.0.1)", b_keys))
    return checks


def run(doc: Json) -> Json:
    net = Net(doc)
    results = []
    for what, fn in _checks(net, doc):
        t = time.monotonic()
        try:
            ok, detail = bool(fn()), ""
        except (OSError, ssl.SSLError, LabError, ValueError, KeyError) as e:
            ok, detail = False, f"{type(e).__name__}: {e}"
        results.append({"check": what, "ok": ok, "detail": detail,
                        "elapsed_s": round(time.monotonic() - t, 3)})  # fmt: skip
    return {"ok": all(r["ok"] for r in results), "results": results}


def cmd_internet_check(args: argparse.Namespace) -> int:
    doc = read_json(os.path.join(os.path.realpath(args.dir), "internet", "internet.json"))
    if not isinstance(doc, dict):
        raise LabError(f"no small internet in {args.dir}: `up --internet` or `internet` first")
    result = run(doc)
    emit("internet-check", result)
    return 0 if result["ok"] else 1
