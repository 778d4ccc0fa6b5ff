"""Loopback ports for the servers, reserved in .lab/ports.json: parallel labs never collide."""

from __future__ import annotations

import os
import random
import socket
import time
from typing import Any

from fedbotlab.common import LAB_HOME, Json, LabError, atomic_write_json, read_json
from fedbotlab.procs import file_lock, proc_alive

RESERVATION_S = 600  # a reservation outlives its owner by at least this long


def _ephemeral_range() -> tuple[int, int]:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="utf-8") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def port_free(port: int) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _live(table: Any, now: float) -> dict[str, Json]:
    """The reservations still held: unexpired, or whose owner still runs."""
    live: dict[str, Json] = {}
    for port, rec in (table if isinstance(table, dict) else {}).items():
        if not isinstance(rec, dict):
            continue
        if rec.get("until", 0) > now or proc_alive(rec.get("pid"), rec.get("start")):
            live[port] = rec
    return live


def _pick(count: int, live: dict[str, Json]) -> list[int]:
    lo, hi = _ephemeral_range()
    candidates = [p for p in range(10000, 65000) if not (lo <= p <= hi)]
    chosen: list[int] = []
    for _ in range(5000):
        if len(chosen) == count:
            break
        p = random.choice(candidates)
        if str(p) in live or p in chosen or not port_free(p):
            continue
        chosen.append(p)
    if len(chosen) < count:
        raise LabError("could not find free loopback ports")
    return chosen


def reserve_ports(count: int, owner: Json) -> list[int]:
    """Pick `count` free loopback ports outside the kernel's ephemeral range (so an
    outgoing connection can't take them before the server binds) and record them in
    .lab/ports.json for `owner` (a process: pid + start time).  A reservation lasts as
    long as its owner runs and at least 10 minutes, so two labs never pick the same
    port even before the servers bind."""
    with file_lock("ports.lock", timeout=60):
        path = os.path.join(LAB_HOME, "ports.json")
        now = time.time()
        live = _live(read_json(path), now)
        chosen = _pick(count, live)
        for p in chosen:
            live[str(p)] = {
                "pid": owner.get("pid"),
                "start": owner.get("start"),
                "until": now + RESERVATION_S,
                "dir": owner.get("dir"),
            }
        atomic_write_json(path, live)
    return chosen
