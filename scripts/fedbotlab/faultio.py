"""HTTP/1.1 framing for the fault proxy: heads, bodies (Content-Length or chunked), relaying."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from fedbotlab.faultrules import Fault

MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
COPY_CHUNK = 64 * 1024
HOP = frozenset({"connection", "keep-alive", "proxy-connection"})
FRAMING = frozenset({"content-length", "transfer-encoding"}) | HOP
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}


@dataclass
class Head:
    """A request's or response's first line and headers."""

    first: list[str]
    headers: list[tuple[str, str]]

    @property
    def method(self) -> str:
        return self.first[0]

    @property
    def target(self) -> str:
        return self.first[1] if len(self.first) > 1 else "/"

    @property
    def status(self) -> int:
        return int(self.first[1])

    @property
    def reason(self) -> str:
        return self.first[2] if len(self.first) > 2 else ""

    def get(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def chunked(self) -> bool:
        return "chunked" in (self.get("transfer-encoding") or "").lower()


async def read_head(reader: asyncio.StreamReader) -> Head | None:
    """The next head, or None at a clean EOF before one."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial.strip():
            return None
        raise
    except asyncio.LimitOverrunError as e:
        raise ValueError("head too large") from e
    if len(raw) > MAX_HEAD:
        raise ValueError("head too large")
    lines = raw.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers.append((k.strip(), v.strip()))
    return Head(lines[0].split(" ", 2), headers)


async def read_body(reader: asyncio.StreamReader, head: Head) -> bytes:
    """The whole body (decoded from chunks), bounded; a response without framing: to EOF."""
    if head.chunked:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
            if sum(map(len, parts)) > MAX_BODY:
                raise ValueError("body too large")
    length = head.get("content-length")
    if length is not None:
        if int(length) > MAX_BODY:
            raise ValueError("body too large")
        return await reader.readexactly(int(length))
    if head.first[0].startswith("HTTP/"):
        return await reader.read(MAX_BODY)
    return b""


def write_head(writer: asyncio.StreamWriter, headers: list[tuple[str, str]]) -> None:
    writer.write("".join(f"{k}: {v}\r\n" for k, v in headers).encode("latin-1") + b"\r\n")


async def send(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes,
    headers: list[tuple[str, str]] | None = None,
) -> None:
    """A complete answer with a Content-Length."""
    reason = REASONS.get(status, "Fault")
    writer.write(f"HTTP/1.1 {status} {reason}\r\n".encode())
    extra = [("Content-Type", "application/json")] if headers is None else headers
    write_head(writer, [*extra, ("Content-Length", str(len(body)))])
    writer.write(body)
    await writer.drain()


async def refuse(writer: asyncio.StreamWriter, fault: Fault) -> int:
    """A `status` or `rate_limit` answer, made up here; returns its status."""
    headers = [("Content-Type", "application/json")]
    if fault.kind == "rate_limit":
        doc: dict[str, object] = {"errcode": "M_LIMIT_EXCEEDED", "error": "fault proxy: 429"}
        if fault.retry_after_ms is not None:
            doc["retry_after_ms"] = fault.retry_after_ms
        if fault.retry_after is not None:
            headers.append(("Retry-After", fault.retry_after))
    else:
        doc = {"errcode": "M_UNKNOWN", "error": f"fault proxy: injected {fault.status}"}
    await send(writer, fault.status, json.dumps(doc).encode(), headers)
    return fault.status


async def relay(
    head: Head, up: asyncio.StreamReader, writer: asyncio.StreamWriter, is_head: bool
) -> bool:
    """Streams the upstream's answer as it comes; False when the client connection must close."""
    headers = [(k, v) for k, v in head.headers if k.lower() not in HOP]
    length = head.get("content-length")
    bodyless = is_head or head.status in (204, 304) or 100 <= head.status < 200
    keep = bodyless or head.chunked or length is not None
    writer.write(f"HTTP/1.1 {head.status} {head.reason}\r\n".encode("latin-1"))
    write_head(writer, headers if keep else [*headers, ("Connection", "close")])
    if bodyless:
        pass
    elif head.chunked:
        while True:
            line = await up.readuntil(b"\r\n")
            writer.write(line)
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while (trailer := await up.readuntil(b"\r\n")) != b"\r\n":
                    writer.write(trailer)
                writer.write(b"\r\n")
                break
            writer.write(await up.readexactly(size + 2))
            await writer.drain()
    else:
        left = int(length) if length is not None else MAX_BODY
        while left > 0 and (data := await up.read(min(left, COPY_CHUNK))):
            left -= len(data)
            writer.write(data)
            await writer.drain()
    await writer.drain()
    return keep


async def drip(writer: asyncio.StreamWriter, body: bytes, delay_s: float, budget_s: float) -> None:
    """`body` a byte at a time, `delay_s` apart, for at most `budget_s`; then the rest."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget_s
    sent = 0
    while sent < len(body) and loop.time() < deadline:
        writer.write(body[sent : sent + 1])
        await writer.drain()
        sent += 1
        await asyncio.sleep(delay_s)
    writer.write(body[sent:])
    await writer.drain()
