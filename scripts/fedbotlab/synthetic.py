"""Synthetic rows in A's `destinations` and `destination_rooms` tables (docs/LAB.md)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from typing import Any

from fedbotlab.common import Json, LabError
from fedbotlab.postgres import pg_connect

MINUTE_MS = 60_000
MAX_FAILING_NAMES = 100  # reported; all of them are inserted

# (destination, retry_last_ts, retry_interval, failure_ts, last_successful_stream_ordering)
DestinationRow = tuple[str, int | None, int | None, int | None, int | None]


class LabDB:
    """A's database (SQLite file or the lab's PostgreSQL), for synthetic rows and `sql`."""

    def __init__(self, info: Json) -> None:
        self.kind: str = info["db"]
        self.conn: Any
        if self.kind == "postgres":
            self.conn = pg_connect(info["postgres"]["port"], timeout=5)
            self.ph = "%s"
        else:
            self.conn = sqlite3.connect(os.path.join(info["dir"], "a", "homeserver.db"), timeout=30)
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.ph = "?"

    def q(self, sql: str) -> str:
        return sql.replace("?", self.ph)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


def name_stem(prefix: str) -> str:
    """`synthetic` → `synthetic-`; a prefix that already ends in - . or _ is used as it is."""
    return prefix if prefix.endswith(("-", ".", "_")) else prefix + "-"


def synthetic_names(prefix: str, count: int) -> list[str]:
    width = max(6, len(str(count)))
    stem = name_stem(prefix)
    return [f"{stem}{i:0{width}d}.example" for i in range(1, count + 1)]


def failing_positions(count: int, failing: int) -> list[int]:
    """Indices (0-based) of the failing rows: spread evenly over the name order."""
    return [(j * count) // failing for j in range(failing)] if failing else []


def failing_row(name: str, j: int, now_ms: int, top: int) -> DestinationRow:
    """The j-th failing row (0-based): failing for j+1 minutes, last tried 30 s ago, in a
    backoff of 10 min · 2^(j mod 8) capped at 24 h; every fourth never worked."""
    failure_ts = now_ms - (j + 1) * MINUTE_MS
    retry_last_ts = now_ms - 30_000
    retry_interval = min(600_000 * 2 ** (j % 8), 86_400_000)
    lsso = None if j % 4 == 3 else max(0, top - 1)
    return (name, retry_last_ts, retry_interval, failure_ts, lsso)


def destination_rows(names: list[str], failing: int, now_ms: int, top: int) -> list[DestinationRow]:
    """A row per name; a healthy one has NULL retry fields like a real never-failed row, and
    is caught up to `top`, the highest stream ordering of its rooms."""
    fail_at = {i: j for j, i in enumerate(failing_positions(len(names), failing))}
    return [
        (name, None, None, None, top)
        if i not in fail_at
        else failing_row(name, fail_at[i], now_ms, top)
        for i, name in enumerate(names)
    ]


def room_stream_orderings(db: LabDB, rooms: list[str]) -> list[tuple[str, int]]:
    cur = db.conn.cursor()
    out = []
    for room in rooms:
        cur.execute(db.q("SELECT MAX(stream_ordering) FROM events WHERE room_id = ?"), (room,))
        row = cur.fetchone()
        out.append((room, int(row[0]) if row and row[0] is not None else 1))
    return out


def _refuse_existing(db: LabDB, prefix: str) -> None:
    stem = name_stem(prefix)
    pattern = stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    cur = db.conn.cursor()
    sql = "SELECT COUNT(*) FROM destinations WHERE destination LIKE ? ESCAPE '\\'"
    cur.execute(db.q(sql), (pattern,))
    existing = cur.fetchone()[0]
    if existing:
        raise LabError(f"{existing} destinations named {stem}… exist already: use another --prefix")


def _insert(
    db: LabDB, dest_rows: list[DestinationRow], room_rows: list[tuple[str, str, int]]
) -> None:
    dest_cols = (
        "destination, retry_last_ts, retry_interval, failure_ts, last_successful_stream_ordering"
    )
    cur = db.conn.cursor()
    if db.kind == "postgres":
        from psycopg2.extras import execute_values

        execute_values(
            cur, f"INSERT INTO destinations ({dest_cols}) VALUES %s", dest_rows, page_size=5000
        )
        execute_values(
            cur,
            "INSERT INTO destination_rooms (destination, room_id, stream_ordering) VALUES %s",
            room_rows,
            page_size=5000,
        )
    else:
        cur.executemany(f"INSERT INTO destinations ({dest_cols}) VALUES (?,?,?,?,?)", dest_rows)
        cur.executemany(
            "INSERT INTO destination_rooms (destination, room_id, stream_ordering) VALUES (?,?,?)",
            room_rows,
        )
    db.conn.commit()


def summary(prefix: str, names: list[str], failing: int, rooms: list[str]) -> Json:
    """What `up` reports as `synthetic` and `insert-destinations` prints (protocol: synthetic)."""
    if not names:
        return {"count": 0, "failing": 0, "prefix": prefix, "rooms": rooms, "failing_names": []}
    failing_names = [names[i] for i in failing_positions(len(names), failing)]
    return {
        "count": len(names),
        "failing": failing,
        "prefix": prefix,
        "rooms": rooms,
        "first": names[0],
        "last": names[-1],
        "failing_names": failing_names[:MAX_FAILING_NAMES],
    }


def _check(count: int, failing: int, rooms: list[str]) -> None:
    if count < 0 or failing < 0 or failing > count:
        raise LabError("need 0 <= failing <= count")
    if not rooms:
        raise LabError("no rooms to attach synthetic destinations to")


def insert_synthetic(db: LabDB, count: int, failing: int, prefix: str, rooms: list[str]) -> Json:
    """Inserts `count` destinations named PREFIX-000001.example …, `failing` of them failing,
    each with a destination_rooms row per room; refuses a prefix already in use."""
    _check(count, failing, rooms)
    if count == 0:
        return summary(prefix, [], 0, rooms)
    names = synthetic_names(prefix, count)
    so_rooms = room_stream_orderings(db, rooms)
    top = max(so for _, so in so_rooms)
    dest_rows = destination_rows(names, failing, int(time.time() * 1000), top)
    room_rows = [(name, room, so) for name in names for room, so in so_rooms]
    _refuse_existing(db, prefix)
    _insert(db, dest_rows, room_rows)
    return summary(prefix, names, failing, rooms)


def insert_into_lab(info: Json, count: int, failing: int, prefix: str, rooms: list[str]) -> Json:
    """insert_synthetic on the running lab's A."""
    _check(count, failing, rooms)
    if count == 0:
        return summary(prefix, [], 0, rooms)
    db = LabDB(info)
    try:
        return insert_synthetic(db, count, failing, prefix, rooms)
    finally:
        db.close()
