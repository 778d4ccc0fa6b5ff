"""The fault proxy's rules and its record of requests (see faultproxy.py, docs/LAB.md).

A rule is set with `POST /_fault/set` and a JSON body:

    {"kind": "status", "method": "PUT", "path": "/send/", "count": 3, "status": 502}

`method` ("" = any) and `path` (a regex searched in the request target, query included) pick
the requests; `count` is how many of them it applies to (absent or null: until cleared).  The
kinds and their options:

    status          answer `status` (default 502) with a Matrix error body; nothing forwarded
    rate_limit      answer 429 with `retry_after_ms` in the body and/or a `retry_after` header
                    (any string: "86400", "9223372036854775807", "soon", "-5"); nothing forwarded
    reset_mid_body  forward, then send the headers and half the body and reset the connection
    stall           hold the request `seconds` (absent: never answer, closed after 300 s), then
                    forward it; /_fault/clear closes every held request unanswered
    truncate        forward, then send the real Content-Length with half the body and close
    malformed_json  forward, then answer 200 with a body that is not JSON
    slow_body       forward, then drip the body a byte at a time, `delay_ms` apart (default 50),
                    for at most `seconds` (default 20), then the rest at once
"""

from __future__ import annotations

import collections
import re
import threading
from dataclasses import dataclass
from typing import Any

from fedbotlab.common import Json

KINDS = (
    "status",
    "rate_limit",
    "reset_mid_body",
    "stall",
    "truncate",
    "malformed_json",
    "slow_body",
)
MAX_LOG = 500
NEVER_S = 300.0  # a "never answering" stall still ends: everything is bounded


class FaultError(ValueError):
    """A rule that cannot be used (answered 400 with this message)."""


@dataclass
class Fault:
    kind: str
    method: str
    path: re.Pattern[str]
    remaining: int | None
    status: int = 502
    retry_after_ms: int | None = None
    retry_after: str | None = None
    seconds: float | None = None
    delay_ms: float = 50.0

    def matches(self, method: str, target: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return (not self.method or self.method == method) and bool(self.path.search(target))


def _number(spec: Json, key: str, kind: type[int] | type[float]) -> Any:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FaultError(f"{key} must be a number")
    return kind(value)


def parse_fault(spec: Any) -> Fault:
    """A rule from the JSON body of /_fault/set."""
    if not isinstance(spec, dict):
        raise FaultError("the body must be a JSON object")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError(f"kind must be one of {', '.join(KINDS)}")
    try:
        path = re.compile(str(spec.get("path", "")))
    except re.error as e:
        raise FaultError(f"path is not a regex: {e}") from e
    retry_after = spec.get("retry_after")
    fault = Fault(
        kind=kind,
        method=str(spec.get("method", "")).upper(),
        path=path,
        remaining=_number(spec, "count", int),
        retry_after_ms=_number(spec, "retry_after_ms", int),
        retry_after=None if retry_after is None else str(retry_after),
        seconds=_number(spec, "seconds", float),
    )
    fault.status = _number(spec, "status", int) or (429 if kind == "rate_limit" else 502)
    fault.delay_ms = _number(spec, "delay_ms", float) or 50.0
    if not 100 <= fault.status <= 599:
        raise FaultError("status must be 100…599")
    return fault


class Rules:
    """The current faults and the last requests; shared by the proxy's connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._log: collections.deque[Json] = collections.deque(maxlen=MAX_LOG)
        self._total = 0
        self._faulted = 0

    def set(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> int:
        with self._lock:
            n = len(self._faults)
            self._faults.clear()
            return n

    def take(self, method: str, target: str) -> tuple[Fault | None, Json]:
        """The first rule for this request (counted; None: forward it unchanged) and its entry in
        the log, recorded now with status 0 (set by `answered`)."""
        with self._lock:
            self._total += 1
            entry: Json = {"method": method, "path": target, "status": 0, "fault": None}
            self._log.append(entry)
            for fault in self._faults:
                if fault.matches(method, target):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    self._faulted += 1
                    entry["fault"] = fault.kind
                    return fault, entry
            return None, entry

    def answered(self, entry: Json, status: int) -> None:
        with self._lock:
            entry["status"] = status

    def stats(self) -> Json:
        with self._lock:
            active = sum(1 for f in self._faults if f.remaining is None or f.remaining > 0)
            return {
                "requests": self._total,
                "faulted": self._faulted,
                "active_faults": active,
                "log": [dict(e) for e in self._log],
            }
