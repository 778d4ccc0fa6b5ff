"""`scripts/lab proxy`: a loopback HTTP/1.1 proxy that injects faults (docs/LAB.md).

It listens on 127.0.0.1 (a free port) and forwards every request to one upstream (A's client
URL), streaming the answer (long-poll /sync included).  Paths under `/_fault/` are its control
API: `POST /_fault/set` (a rule, faultrules.py), `POST /_fault/clear`, `GET /_fault/stats`.
It runs until SIGTERM/SIGINT or until `--watch-pid` exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import struct
import sys
import urllib.parse

from fedbotlab import faultio
from fedbotlab.common import Json, LabError, log
from fedbotlab.faultio import Head, read_body, read_head, write_head
from fedbotlab.faultrules import NEVER_S, Fault, FaultError, Rules, parse_fault
from fedbotlab.procs import proc_alive, proc_start
from fedbotlab.protocol import check, emit

UPSTREAM_TIMEOUT_S = 120.0
IDLE_TIMEOUT_S = 120.0


class Proxy:
    def __init__(self, upstream: str) -> None:
        url = urllib.parse.urlsplit(upstream)
        if url.scheme != "http" or not url.hostname:
            raise LabError(f"--upstream must be an http:// URL, not {upstream!r}")
        self.host = url.hostname
        self.port = url.port or 80
        self.rules = Rules()
        self.released = asyncio.Event()  # set (and replaced) by /_fault/clear: ends the stalls

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection: requests one after another (keep-alive)."""
        try:
            while True:
                head = await asyncio.wait_for(read_head(reader), IDLE_TIMEOUT_S)
                if head is None:
                    break
                body = await read_body(reader, head)
                if not await self.answer(head, body, writer):
                    break
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                writer.close()

    async def answer(self, head: Head, body: bytes, writer: asyncio.StreamWriter) -> bool:
        """Answers one request; False when the connection must close afterwards."""
        method, target = head.method, head.target
        if target.startswith("/_fault/"):
            status, doc = self.control(method, target, body)
            await faultio.send(writer, status, json.dumps(doc).encode())
            return True
        fault, entry = self.rules.take(method, target)
        if fault and fault.kind in ("status", "rate_limit"):
            status = await faultio.refuse(writer, fault)
            self.rules.answered(entry, status)
            return True
        if fault and fault.kind == "stall":
            # Until `seconds` pass (then forwarded), or the rules are cleared (then dropped, like a
            # hung connection that is finally reset); without `seconds` never answered.
            seconds = fault.seconds if fault.seconds is not None else NEVER_S
            released = self.released
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), seconds)
            if released.is_set() or fault.seconds is None:
                return False
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        try:
            await self.forward(head, body, up_writer)
            answer = await asyncio.wait_for(read_head(up_reader), UPSTREAM_TIMEOUT_S)
            if answer is None:
                raise ConnectionError("upstream closed without an answer")
            self.rules.answered(entry, answer.status)
            if fault and fault.kind != "stall":
                full = await read_body(up_reader, answer)
                await mangle(fault, answer, full, writer)
                return fault.kind not in ("reset_mid_body", "truncate")
            return await faultio.relay(answer, up_reader, writer, method == "HEAD")
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                up_writer.close()

    async def forward(self, head: Head, body: bytes, up: asyncio.StreamWriter) -> None:
        skip = {"host", "connection", "keep-alive", "transfer-encoding", "content-length"}
        headers = [(k, v) for k, v in head.headers if k.lower() not in skip]
        headers += [("Host", f"{self.host}:{self.port}"), ("Connection", "close")]
        if body or head.method in ("POST", "PUT", "PATCH"):
            headers.append(("Content-Length", str(len(body))))
        up.write(f"{head.method} {head.target} HTTP/1.1\r\n".encode())
        write_head(up, headers)
        up.write(body)
        await up.drain()

    def control(self, method: str, target: str, body: bytes) -> tuple[int, Json]:
        path = target.split("?", 1)[0]
        try:
            if method == "POST" and path == "/_fault/set":
                self.rules.set(parse_fault(json.loads(body or b"null")))
                return 200, {"ok": True}
            if method == "POST" and path == "/_fault/clear":
                self.released.set()
                self.released = asyncio.Event()
                return 200, {"ok": True, "cleared": self.rules.clear()}
            if method == "GET" and path == "/_fault/stats":
                stats = self.rules.stats()
                check("proxy-stats", stats)
                return 200, stats
        except (FaultError, json.JSONDecodeError) as e:
            return 400, {"error": str(e)}
        return 404, {"error": f"no control endpoint {method} {path}"}


async def mangle(fault: Fault, answer: Head, body: bytes, writer: asyncio.StreamWriter) -> None:
    """The upstream's real answer, broken the way `fault` says."""
    headers = [(k, v) for k, v in answer.headers if k.lower() not in faultio.FRAMING]
    if fault.kind == "malformed_json":
        bad = b'{"next_batch": "s1_fault", "rooms": {"join": {'
        await faultio.send(writer, 200, bad, headers)
        return
    status_line = f"HTTP/1.1 {answer.status} {answer.reason}\r\n".encode()
    writer.write(status_line)
    write_head(writer, [*headers, ("Content-Length", str(len(body)))])
    if fault.kind in ("reset_mid_body", "truncate"):
        writer.write(body[: len(body) // 2])
        await writer.drain()
        if fault.kind == "reset_mid_body":
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        return
    await faultio.drip(writer, body, fault.delay_ms / 1000, fault.seconds or 20.0)


async def _watch(pid: int, stop: asyncio.Event) -> None:
    start = proc_start(pid)
    while proc_alive(pid, start):
        await asyncio.sleep(0.5)
    log(f"watched pid {pid} is gone: stopping")
    stop.set()


async def serve(args: argparse.Namespace) -> None:
    proxy = Proxy(args.upstream)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0, limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    emit(
        "proxy",
        {"url": url, "control_url": f"{url}/_fault", "upstream": args.upstream, "pid": os.getpid()},
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.ensure_future(_watch(args.watch_pid, stop)) if args.watch_pid else None
    _detach(os.path.join(args.dir, f"proxy-{port}.log"))
    log(f"fault proxy {url} -> {args.upstream}")
    await stop.wait()
    if watcher:
        watcher.cancel()
    server.close()
    log("fault proxy stopped")


def _detach(log_path: str) -> None:
    """After the JSON: stdout/stderr to a log file, so the caller sees EOF and keeps us running."""
    logf = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    null = os.open(os.devnull, os.O_RDONLY)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(null, 0)
    os.dup2(logf, 1)
    os.dup2(logf, 2)


def cmd_proxy(args: argparse.Namespace) -> int:
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args))
    return 0
