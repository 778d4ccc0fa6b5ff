"""Helpers for scripts/demo: accounts, rooms, config, and waiting for the bot. Stdlib only.

Usage (scripts/demo calls these):
  demo.py setup DIR            register the bot account, create the rooms, write DIR/fedbot.yaml
  demo.py wait-ready DIR       wait until the bot has joined both rooms
  demo.py wait-notice DIR      wait for the first failure notice in the notice room and the bot's
                               reaction buttons on it (🔁 👀 🔇), print both
  demo.py ask DIR TEXT         send TEXT as alice in the admin room, wait for the bot's reply,
                               print it
  demo.py instructions DIR     print how to log in and what to type
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

TIMEOUT = 90.0
T = TypeVar("T")
Json = dict[str, Any]


def http(method: str, url: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def lab_info(d: str) -> Json:
    with open(os.path.join(d, "lab.json")) as f:
        info: Json = json.load(f)
        return info


def demo_info(d: str) -> Json:
    with open(os.path.join(d, "demo.json")) as f:
        info: Json = json.load(f)
        return info


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def register(base: str, secret: str, user: str, password: str, admin: bool) -> None:
    url = base + "/_synapse/admin/v1/register"
    nonce = http("GET", url)["nonce"]
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    for part in (nonce, user, password):
        mac.update(part.encode())
        mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    try:
        http(
            "POST",
            url,
            {
                "nonce": nonce,
                "username": user,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
    except urllib.error.HTTPError as e:
        if e.code != 400:  # 400: already registered (re-run)
            raise


def login(base: str, user: str, password: str, device: str) -> Json:
    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
        "device_id": device,
    }
    session: Json = http("POST", base + "/_matrix/client/v3/login", body)
    return session


def setup(d: str) -> None:
    lab = lab_info(d)
    base = lab["a"]["client_url"]
    register(base, lab["registration_shared_secret"], "fedbot", "fedbot-demo-password", True)
    bot = login(base, "fedbot", "fedbot-demo-password", "FEDBOT")
    alice = lab["users"]["alice"]
    token_file = os.path.join(d, "fedbot.token")
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(bot["access_token"] + "\n")
    metrics_port = free_port()
    config = f"""# Written by scripts/demo for the lab on loopback.
homeserver:
  url: "{base}"
  access_token_file: "{token_file}"
bot:
  rooms: []  # `fedbot setup --write-config` fills this in
  operators: ["{alice["user_id"]}"]
notices:
  rooms: []  # and this
  interval: 5s
diagnostics:
  # Checks run from this host: loopback addresses are fine in the lab (no `address` warning).
  timeout: 2s
  allow_ranges: ["127.0.0.0/8", "::1/128"]
{probes_config(lab)}storage:
  path: "{os.path.join(d, "fedbot.sqlite")}"
metrics:
  listen: "127.0.0.1:{metrics_port}"
"""
    path = os.path.join(d, "fedbot.yaml")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(config)
    with open(os.path.join(d, "demo.json"), "w") as f:
        json.dump(
            {
                "bot": bot["user_id"],
                "metrics_port": metrics_port,
                "config": path,
            },
            f,
        )
    print(path)


def probes_config(lab: Json) -> str:
    """With the lab's small internet (B's certificate from the lab CA), B is probed actively.

    Without it the checks ask a DNS port on loopback where nothing listens: the demo, the soak and
    the kill test never query a resolver beyond loopback."""
    net = lab.get("internet")
    if not net:
        return '  resolver: "127.0.0.1:9"\n'
    return f"""  resolver: "{net["dns"]}"
  ca_file: "{net["ca_file"]}"
probes:
  servers: ["{lab["b"]["server_name"]}"]
  interval: 10s
  failures: 2
"""


def make_rooms(d: str, fedbot: str) -> None:
    """`fedbot setup` makes the rooms and invites alice; she accepts, as she would on a phone."""
    lab, demo = lab_info(d), demo_info(d)
    base, alice = lab["a"]["client_url"], lab["users"]["alice"]
    setup_argv = [fedbot, "setup", "--config", demo["config"], "--write-config"]
    subprocess.run([*setup_argv, "--invite", alice["user_id"]], check=True, stdout=sys.stderr)
    invites = http("GET", base + "/_matrix/client/v3/sync?timeout=0", None, alice["access_token"])
    for room, invite in invites.get("rooms", {}).get("invite", {}).items():
        for event in invite.get("invite_state", {}).get("events", []):
            if event.get("type") != "m.room.name":
                continue
            name = event.get("content", {}).get("name", "")
            key = {"fedbot admin": "admin_room", "fedbot notices": "notice_room"}.get(name)
            if key:
                http("POST", f"{base}/_matrix/client/v3/join/{q(room)}", {}, alice["access_token"])
                demo[key] = room
    if "admin_room" not in demo or "notice_room" not in demo:
        sys.exit("demo: alice did not get both invitations from fedbot setup")
    with open(os.path.join(d, "demo.json"), "w") as f:
        json.dump(demo, f)


def wait(what: str, check: Callable[[], T | None]) -> T:
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    sys.exit(f"demo: timed out waiting for {what}")


def messages(base: str, token: str, room: str, limit: int = 50) -> list[Json]:
    url = f"{base}/_matrix/client/v3/rooms/{q(room)}/messages?dir=b&limit={limit}"
    chunk: list[Json] = http("GET", url, None, token)["chunk"]
    return chunk


def wait_ready(d: str) -> None:
    lab, demo = lab_info(d), demo_info(d)
    base, token = lab["a"]["client_url"], lab["users"]["alice"]["access_token"]

    def joined() -> bool:
        for room in (demo["admin_room"], demo["notice_room"]):
            try:
                path = f"rooms/{q(room)}/state/m.room.member/{q(demo['bot'])}"
                state = http("GET", f"{base}/_matrix/client/v3/{path}", None, token)
            except urllib.error.HTTPError:
                return False
            if state.get("membership") != "join":
                return False
        return True

    wait("the bot to join its rooms", joined)


def wait_notice(d: str) -> None:
    lab, demo = lab_info(d), demo_info(d)
    base, token = lab["a"]["client_url"], lab["users"]["alice"]["access_token"]

    def notice() -> Json | None:
        for event in messages(base, token, demo["notice_room"]):
            content = event.get("content", {})
            if event.get("sender") == demo["bot"] and "unreachable" in content.get("body", ""):
                return event
        return None

    found = wait("the failure notice", notice)
    print(found["content"]["body"])

    def buttons() -> list[str] | None:
        keys = [
            e["content"]["m.relates_to"].get("key", "")
            for e in messages(base, token, demo["notice_room"])
            if e.get("type") == "m.reaction"
            and e.get("sender") == demo["bot"]
            and e.get("content", {}).get("m.relates_to", {}).get("event_id") == found["event_id"]
        ]
        return keys if len(keys) >= 3 else None

    keys = wait("the bot's reaction buttons on the notice", buttons)
    order = {"🔁": 0, "👀": 1, "🔇": 2}
    print("buttons: " + " ".join(sorted(keys, key=lambda k: order.get(k, 9))))

    def diagnosis() -> str | None:
        for e in messages(base, token, demo["notice_room"]):
            rel = e.get("content", {}).get("m.relates_to", {})
            if (
                e.get("sender") == demo["bot"]
                and rel.get("rel_type") == "m.thread"
                and rel.get("event_id") == found["event_id"]
            ):
                return str(e["content"]["body"])
        return None

    print("in its thread (diagnostics.on_notices):")
    print(wait("the diagnosis in the notice's thread", diagnosis))


def ask(d: str, text: str) -> None:
    lab, demo = lab_info(d), demo_info(d)
    base, token = lab["a"]["client_url"], lab["users"]["alice"]["access_token"]
    path = f"rooms/{q(demo['admin_room'])}/send/m.room.message/{uuid.uuid4().hex}"
    event = http(
        "PUT", f"{base}/_matrix/client/v3/{path}", {"msgtype": "m.text", "body": text}, token
    )["event_id"]

    def reply() -> str | None:
        for e in messages(base, token, demo["admin_room"]):
            rel = e.get("content", {}).get("m.relates_to", {}).get("m.in_reply_to", {})
            if e.get("sender") == demo["bot"] and rel.get("event_id") == event:
                return str(e["content"]["body"])
        return None

    print(wait(f"the reply to {text!r}", reply))


def instructions(d: str) -> None:
    lab, demo = lab_info(d), demo_info(d)
    alice = lab["users"]["alice"]
    b = lab["b"]["server_name"]
    probe_hint = (
        "  Probes: B is probed actively every 10s (the lab's small internet is on): !fed probes"
        if lab.get("internet")
        else ""
    )
    print(f"""
  fedbot is running against a local Synapse. Log in with any Matrix client:

    homeserver  {lab["a"]["client_url"]}
    user        {alice["user_id"].split(":")[0][1:]}   (full ID {alice["user_id"]})
    password    {alice["password"]}

  Rooms (made by `fedbot setup`, unencrypted): "fedbot admin" (commands), "fedbot notices"
  Try:   !fed list    !fed show {b}    !fed help
  B ({b}) is stopped, so federation with it fails: the notice's thread and !fed check {b} say why.
         Bring it back with   scripts/lab start-b --dir {d}   and then type   !fed reset {b}
         or react 🔁 to reset on the notice in "fedbot notices" (👀 acknowledges, 🔇 mutes it until
         it recovers; the answers go in the notice's thread)
{probe_hint}
  Metrics: http://127.0.0.1:{demo["metrics_port"]}/metrics   Log: {os.path.join(d, "fedbot.log")}

  Press Ctrl-C to stop everything.
""")


if __name__ == "__main__":
    command, directory = sys.argv[1], sys.argv[2]
    if command == "setup":
        setup(directory)
    elif command == "make-rooms":
        make_rooms(directory, sys.argv[3])
    elif command == "wait-ready":
        wait_ready(directory)
    elif command == "wait-notice":
        wait_notice(directory)
    elif command == "ask":
        ask(directory, sys.argv[3])
    elif command == "instructions":
        instructions(directory)
    else:
        sys.exit(f"demo.py: unknown command {command}")
