#!/usr/bin/env python3
"""A minimal reference bot for fedbot-bench: `!fed show SERVER` in one room, in plain asyncio.

It does the job fedbot does for that command, with the same requests and the same exactly-once
state, so that the benchmark measures the ratio instead of assuming it:

- a `/sync` long-poll (30 s) filtered to its one room, `m.room.message` only;
- SQLite state (WAL, synchronous=NORMAL, as fedbot's store): `next_batch` and the command recorded
  pending in one transaction, the command marked done after its reply was accepted (a restart
  answers what is pending again, with the same transaction ID, so Synapse deduplicates the PUT);
- operators only (no power-level reads: the bench's sender is an operator, as for fedbot);
- the destination and its shared-room count from the admin API (two GETs at the same time);
- an `m.notice` reply with plain and HTML bodies, `m.relates_to.m.in_reply_to` and empty
  `m.mentions`, PUT with a transaction ID made from the command's event ID.

HTTP/1.1 keep-alive over asyncio streams (no third-party package: nothing to install), loopback
only. Usage (the lab's python is fine; only the standard library is used):

    python3 scripts/refbot.py --homeserver http://127.0.0.1:PORT --token-file F --room '!id:a' \\
        --operator @alice:a --state state.sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import signal
import sqlite3
import sys
import urllib.parse
from typing import Any

Json = dict[str, Any]
USER_AGENT = "fedbot-refbot/1"


class HTTPError(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:200]!r}")
        self.status = status


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split(b" ", 2)[1])
        length: int | None = None
        chunked = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                length = int(value.strip())
            elif key == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            return status, await self._chunks()
        return status, await self.reader.readexactly(length or 0)

    async def _chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0].strip(), 16)
            if size == 0:
                await self.reader.readline()
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()


class Client:
    """A small pool of keep-alive connections to one homeserver."""

    def __init__(self, base_url: str, token: str) -> None:
        url = urllib.parse.urlsplit(base_url)
        if url.scheme != "http" or url.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("refbot: only http:// on loopback")
        self.host = url.hostname
        self.port = url.port or 80
        self.token = token
        self.idle: list[Connection] = []

    async def call(self, method: str, path: str, body: Json | None = None) -> Json:
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nUser-Agent: {USER_AGENT}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode()
        for attempt in range(2):
            conn = self.idle.pop() if self.idle else await self._connect()
            try:
                status, payload = await conn.request(head, data)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
                conn.writer.close()
                if attempt == 1:
                    raise
                continue
            self.idle.append(conn)
            if status != 200:
                raise HTTPError(status, payload)
            answer: Json = json.loads(payload)
            return answer
        raise ConnectionError("unreachable")

    async def _connect(self) -> Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return Connection(reader, writer)


class State:
    """next_batch and the commands seen, exactly once across restarts."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS kv(key TEXT PRIMARY KEY, value TEXT)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS commands(event_id TEXT PRIMARY KEY, body TEXT, "
            "done INTEGER NOT NULL DEFAULT 0, seq INTEGER)"
        )

    def next_batch(self) -> str | None:
        row = self.db.execute("SELECT value FROM kv WHERE key = 'next_batch'").fetchone()
        return None if row is None else str(row[0])

    def record(self, next_batch: str, commands: list[tuple[str, str]]) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for event_id, body in commands:
                self.db.execute(
                    "INSERT OR IGNORE INTO commands(event_id, body, seq) VALUES "
                    "(?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM commands))",
                    (event_id, body),
                )
            self.db.execute(
                "INSERT OR REPLACE INTO kv(key, value) VALUES ('next_batch', ?)", (next_batch,)
            )

    def pending(self) -> list[tuple[str, str]]:
        rows = self.db.execute("SELECT event_id, body FROM commands WHERE done = 0 ORDER BY seq")
        return [(str(e), str(b)) for e, b in rows]

    def done(self, event_id: str) -> None:
        self.db.execute("UPDATE commands SET done = 1 WHERE event_id = ?", (event_id,))


def sync_filter(room: str) -> str:
    none = {"not_types": ["*"]}
    return json.dumps(
        {
            "presence": none,
            "account_data": none,
            "room": {
                "rooms": [room],
                "ephemeral": none,
                "account_data": none,
                "state": none,
                "timeline": {"limit": 50, "types": ["m.room.message"]},
            },
        },
        separators=(",", ":"),
    )


def quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def render(server: str, dest: Json | None, rooms: int | None) -> tuple[str, str]:
    if dest is None:
        text = f"Unknown destination {server}."
        return text, html.escape(text)
    failing = dest.get("failure_ts") is not None
    state = "failing" if failing else "healthy"
    lines = [
        f"{server}: {state}",
        f"retry interval: {dest.get('retry_interval', 0)} ms",
        f"last successful stream ordering: {dest.get('last_successful_stream_ordering')}",
        f"shared rooms: {'?' if rooms is None else rooms}",
    ]
    return "\n".join(lines), "<br>".join(html.escape(line) for line in lines)


class Bot:
    def __init__(self, client: Client, state: State, room: str, operators: set[str]) -> None:
        self.client = client
        self.state = state
        self.room = room
        self.operators = operators

    async def show(self, server: str) -> tuple[Json | None, int | None]:
        base = "/_synapse/admin/v1/federation/destinations/" + quote(server)
        dest_call = self.client.call("GET", base)
        rooms_call = self.client.call("GET", base + "/rooms?limit=1")
        dest, rooms = await asyncio.gather(dest_call, rooms_call, return_exceptions=True)
        if isinstance(dest, BaseException):
            if isinstance(dest, HTTPError) and dest.status == 404:
                return None, None
            raise dest
        count = None if isinstance(rooms, BaseException) else rooms.get("total")
        return dest, count if isinstance(count, int) else None

    async def answer(self, event_id: str, body: str) -> None:
        words = body.split()
        if len(words) == 3 and words[:2] == ["!fed", "show"]:
            dest, rooms = await self.show(words[2])
            text, formatted = render(words[2], dest, rooms)
        else:
            text = formatted = "Usage: !fed show SERVER"
        content = {
            "msgtype": "m.notice",
            "body": text,
            "format": "org.matrix.custom.html",
            "formatted_body": formatted,
            "m.relates_to": {"m.in_reply_to": {"event_id": event_id}},
            "m.mentions": {},
        }
        txn = quote("refbot.reply." + event_id)
        path = f"/_matrix/client/v3/rooms/{quote(self.room)}/send/m.room.message/{txn}"
        await self.client.call("PUT", path, content)
        self.state.done(event_id)

    async def run(self) -> None:
        await self.client.call("POST", f"/_matrix/client/v3/join/{quote(self.room)}", {})
        whoami = await self.client.call("GET", "/_matrix/client/v3/account/whoami")
        me = whoami["user_id"]
        filt = quote(sync_filter(self.room))
        since = self.state.next_batch()
        sync_client = Client(f"http://{self.client.host}:{self.client.port}", self.client.token)
        for event_id, body in self.state.pending():
            await self.answer(event_id, body)
        print("refbot: ready", file=sys.stderr, flush=True)
        while True:
            timeout = 30000 if since is not None else 0
            path = f"/_matrix/client/v3/sync?filter={filt}&timeout={timeout}"
            if since is not None:
                path += "&since=" + quote(since)
            response = await sync_client.call("GET", path)
            events = response.get("rooms", {}).get("join", {}).get(self.room, {})
            commands: list[tuple[str, str]] = []
            for event in events.get("timeline", {}).get("events", []):
                body = event.get("content", {}).get("body")
                sender = event.get("sender")
                if sender == me or sender not in self.operators or not isinstance(body, str):
                    continue
                if since is not None and body.startswith("!fed "):
                    commands.append((str(event["event_id"]), body))
            since = str(response["next_batch"])
            self.state.record(since, commands)
            for event_id, body in self.state.pending():
                await self.answer(event_id, body)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--homeserver", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--room", required=True)
    parser.add_argument("--operator", action="append", default=[])
    parser.add_argument("--state", required=True)
    args = parser.parse_args()
    with open(args.token_file, encoding="utf8") as f:
        token = f.read().strip()
    bot = Bot(Client(args.homeserver, token), State(args.state), args.room, set(args.operator))
    task = asyncio.ensure_future(bot.run())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
