"""Failure injection and observation: stop/start/pause/resume B, traffic, wait for a state."""

from __future__ import annotations

import argparse
import contextlib
import signal
import time
from typing import Any

from fedbotlab.common import LabError, elapsed
from fedbotlab.control import child_alive
from fedbotlab.homeserver import hs_paths, start_server, wait_synapse
from fedbotlab.labdir import Lab
from fedbotlab.matrix import get_destination, send_text
from fedbotlab.protocol import emit


def cmd_stop_b(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    lab.info()
    t = time.monotonic()
    resp = lab.sup().must("stop", name="b", timeout=30)
    emit("b", {"b": "stopped", "was_running": resp.get("was_running"), "elapsed_s": elapsed(t)})
    return 0


def cmd_start_b(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    info = lab.info()
    sup = lab.sup()
    t = time.monotonic()
    st = sup.must("status")["children"].get("b") or {}
    if st.get("returncode") is None and st.get("state") in ("running", "paused"):
        raise LabError("B is running already (use resume-b for a paused B)")
    pid = start_server(sup, lab.dir, "b")
    wait_synapse(
        info["b"]["client_url"],
        info["b"]["federation_port"],
        child_alive(sup, "b"),
        90,
        hs_paths(lab.dir, "b"),
    )
    info["b"]["pid"] = pid
    lab.save(info)
    emit("b", {"b": "running", "pid": pid, "elapsed_s": elapsed(t)})
    return 0


def cmd_signal_b(args: argparse.Namespace, sig: int, state: str) -> int:
    lab = Lab(args.dir)
    lab.info()
    resp = lab.sup().must("signal", name="b", sig=int(sig))
    emit("b", {"b": state, "pid": resp.get("pid")})
    return 0


def cmd_pause_b(args: argparse.Namespace) -> int:
    return cmd_signal_b(args, signal.SIGSTOP, "paused")


def cmd_resume_b(args: argparse.Namespace) -> int:
    return cmd_signal_b(args, signal.SIGCONT, "running")


def cmd_traffic(args: argparse.Namespace) -> int:
    info = Lab(args.dir).info()
    admin = info["users"]["admin"]
    ids = [
        send_text(
            info["a"]["client_url"],
            admin["access_token"],
            info["shared_room_id"],
            f"fedbot lab traffic {i + 1}/{args.count}",
        )
        for i in range(args.count)
    ]
    emit("traffic", {"sent": len(ids), "room_id": info["shared_room_id"], "event_ids": ids})
    return 0


def cmd_wait(args: argparse.Namespace, want_failing: bool) -> int:
    """Polls A's admin API until B's failure_ts is set (want_failing) or null."""
    info = Lab(args.dir).info()
    dest = info["b"]["server_name"]
    t = time.monotonic()
    deadline = t + args.timeout
    next_nudge = t
    last: Any = None
    while True:
        now = time.monotonic()
        if args.nudge and now >= next_nudge:
            with contextlib.suppress(LabError, OSError):
                send_text(
                    info["a"]["client_url"],
                    info["users"]["admin"]["access_token"],
                    info["shared_room_id"],
                    "fedbot lab nudge",
                )
            next_nudge = now + 1.0
        status, body = get_destination(info, dest)
        last = {"status": status, "body": body}
        if status == 200 and isinstance(body, dict):
            failing = body.get("failure_ts") is not None
            if failing == want_failing:
                emit(
                    "wait",
                    {"destination": dest, "failing": failing, "elapsed_s": elapsed(t), "row": body},
                )
                return 0
        if time.monotonic() > deadline:
            state = "failing" if want_failing else "healthy"
            raise LabError(
                f"timed out after {args.timeout}s waiting for {dest} to be {state}", last=last
            )
        time.sleep(0.05)


def cmd_wait_failing(args: argparse.Namespace) -> int:
    return cmd_wait(args, True)


def cmd_wait_healthy(args: argparse.Namespace) -> int:
    return cmd_wait(args, False)
