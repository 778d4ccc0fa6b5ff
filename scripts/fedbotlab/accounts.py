"""The lab's accounts, the room A and B share, and A's destinations row for B."""

from __future__ import annotations

import time

from fedbotlab.common import Json, LabError, tail
from fedbotlab.homeserver import hs_paths
from fedbotlab.labdir import Lab
from fedbotlab.matrix import create_room, get_destination, join_via, login, register_user, send_text

USERS = {"a": {"admin": True, "alice": False, "mallory": False}, "b": {"bob": False}}
DEVICE_IDS = {"admin": "FEDBOTLAB", "alice": "ALICELAB", "mallory": "MALLORYLAB", "bob": "BOBLAB"}


def create_users(urls: dict[str, str], secret: str) -> Json:
    users: Json = {}
    for which, table in USERS.items():
        for user, admin in table.items():
            password = f"{user}-lab-password"
            register_user(urls[which], secret, user, password, admin)
            r = login(urls[which], user, password, DEVICE_IDS[user])
            users[user] = {
                "user_id": r["user_id"],
                "access_token": r["access_token"],
                "device_id": r["device_id"],
                "password": password,
            }
    return users


def create_shared_room(info: Json) -> None:
    users = info["users"]
    body = {
        "name": "fedbot lab shared room",
        "preset": "private_chat",
        "room_alias_name": "lab-shared",
        "invite": [users["bob"]["user_id"]],
        "topic": "shared between A and B",
    }
    room = create_room(info, body)
    info["shared_room_id"] = room
    info["rooms"] = [room]
    join_via(
        info["b"]["client_url"],
        users["bob"]["access_token"],
        room,
        info["a"]["server_name"],
        "bob joins the shared room",
    )


def wait_destination_row(info: Json, lab: Lab) -> None:
    """A creates its destinations row for B only when it sends B something."""
    admin_token = info["users"]["admin"]["access_token"]
    send_text(info["a"]["client_url"], admin_token, info["shared_room_id"], "fedbot lab: hello B")
    b_name = info["b"]["server_name"]
    deadline = time.monotonic() + 30
    while True:
        status, body = get_destination(info, b_name)
        if status == 200 and isinstance(body, dict) and body.get("last_successful_stream_ordering"):
            return
        if time.monotonic() > deadline:
            raise LabError(
                f"A never recorded a successful send to B ({status}: {body})",
                log_tail=tail(hs_paths(lab.dir, "a")["log"]),
            )
        time.sleep(0.05)
