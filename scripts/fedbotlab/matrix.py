"""The few client-server and admin API calls the lab makes (stdlib HTTP)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

from fedbotlab.common import Json, LabError


@functools.cache
def _no_verify() -> ssl.SSLContext:
    """For the federation listener's self-signed certificate (made once: loading CAs is slow)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def http(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 30.0
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    ctx = _no_verify() if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
            raw: bytes = resp.read()
            status: int = resp.status
    except urllib.error.HTTPError as e:
        raw = e.read()
        status = e.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def http_ok(
    method: str,
    url: str,
    body: Any = None,
    token: str | None = None,
    what: str = "",
    timeout: float = 30.0,
) -> Any:
    """A request that must succeed; retries on 429 (honouring retry_after_ms) for up to 60 s."""
    deadline = time.monotonic() + 60
    while True:
        status, data = http(method, url, body, token, timeout)
        if status == 429 and time.monotonic() < deadline:
            wait_ms = (data or {}).get("retry_after_ms", 500) if isinstance(data, dict) else 500
            time.sleep(min(max(wait_ms, 50), 5000) / 1000)
            continue
        if 200 <= status < 300:
            return data
        raise LabError(f"{what or method + ' ' + url} failed: HTTP {status}", response=data)


def register_user(base: str, secret: str, user: str, password: str, admin: bool) -> None:
    """Shared-secret registration (the admin API's HMAC over nonce, user, password, admin)."""
    url = f"{base}/_synapse/admin/v1/register"
    nonce = str(http_ok("GET", url, what="register nonce")["nonce"])
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    for part in (nonce, user, password):
        mac.update(part.encode())
        mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    body = {
        "nonce": nonce,
        "username": user,
        "password": password,
        "admin": admin,
        "mac": mac.hexdigest(),
    }
    http_ok("POST", url, body, what=f"register {user}")


def login(base: str, user: str, password: str, device_id: str) -> Json:
    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
        "device_id": device_id,
        "initial_device_display_name": f"fedbot lab ({user})",
    }
    return dict(http_ok("POST", f"{base}/_matrix/client/v3/login", body, what=f"login {user}"))


def quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def send_text(base: str, token: str, room: str, body: str) -> str:
    url = f"{base}/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/{uuid.uuid4().hex}"
    content = {"msgtype": "m.text", "body": body}
    return str(http_ok("PUT", url, content, token, what="send message")["event_id"])


def join_via(base: str, token: str, room: str, server: str, what: str) -> None:
    """Join `room` through `server` (room version 12 room IDs name no server)."""
    q = urllib.parse.urlencode({"server_name": server, "via": server})
    http_ok("POST", f"{base}/_matrix/client/v3/join/{quote(room)}?{q}", {}, token, what=what)


def destination_url(info: Json, dest: str) -> str:
    return f"{info['a']['client_url']}/_synapse/admin/v1/federation/destinations/{quote(dest)}"


def get_destination(info: Json, dest: str) -> tuple[int, Any]:
    """A's admin API row for `dest`: (HTTP status, body)."""
    token = info["users"]["admin"]["access_token"]
    return http("GET", destination_url(info, dest), token=token, timeout=10)


def create_room(info: Json, body: Json) -> str:
    url = f"{info['a']['client_url']}/_matrix/client/v3/createRoom"
    token = info["users"]["admin"]["access_token"]
    return str(http_ok("POST", url, body, token, what="createRoom")["room_id"])


def ensure_rooms(info: Json, k: int) -> list[str]:
    """The first k lab rooms for synthetic destination_rooms rows: the shared room, then
    real local rooms created on A (so the admin room-details API knows them)."""
    rooms: list[str] = list(info.get("rooms") or [info["shared_room_id"]])
    while len(rooms) < k:
        n = len(rooms) + 1
        body = {
            "name": f"fedbot lab room {n}",
            "preset": "private_chat",
            "room_alias_name": f"lab-room-{n}",
            "topic": "synthetic destinations' room",
        }
        rooms.append(create_room(info, body))
    info["rooms"] = rooms
    return rooms[:k]
