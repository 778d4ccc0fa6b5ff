"""The supervisor's client: in-process (foreground `up`) or over its socket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any

from fedbotlab.common import PYTHON, SCRIPTS_DIR, Json, LabError, tail
from fedbotlab.supervisor import Supervisor, socket_name


class SupClient:
    """Talks to the lab's supervisor: in-process (foreground `up`) or over its socket."""

    def __init__(self, lab_dir: str, local: Supervisor | None = None) -> None:
        self.dir = lab_dir
        self.local = local

    def call(self, op: str, timeout: float = 60.0, **kw: Any) -> Json:
        req = {"op": op, **kw}
        if self.local is not None:
            return self.local.handle(req)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(socket_name(self.dir))
            s.sendall((json.dumps(req) + "\n").encode())
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        finally:
            s.close()
        if not buf:
            raise LabError(f"supervisor closed the connection during {op}")
        resp: Json = json.loads(buf)
        return resp

    def reachable(self) -> bool:
        try:
            return bool(self.call("ping", timeout=2).get("ok"))
        except (OSError, LabError, ValueError):
            return False

    def must(self, op: str, timeout: float = 60.0, **kw: Any) -> Json:
        try:
            resp = self.call(op, timeout=timeout, **kw)
        except (OSError, ValueError) as e:
            raise LabError(f"the lab's supervisor is not reachable ({e}); is the lab up?") from e
        if not resp.get("ok"):
            raise LabError(f"supervisor {op} failed: {resp.get('error')}")
        return resp


def child_alive(sup: SupClient, name: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            st = sup.call("status", timeout=5).get("children", {}).get(name)
        except (OSError, LabError, ValueError):
            return False
        return bool(st) and st.get("returncode") is None

    return check


def start_daemon_supervisor(lab_dir: str, watch_pid: int | None) -> SupClient:
    """`python -m fedbotlab _supervise` in a new session; returns once it answers."""
    argv = [PYTHON, "-m", "fedbotlab", "_supervise", "--dir", lab_dir]
    if watch_pid:
        argv += ["--watch-pid", str(watch_pid)]
    path = os.environ.get("PYTHONPATH")
    env = dict(os.environ, PYTHONPATH=SCRIPTS_DIR + (os.pathsep + path if path else ""))
    with open(os.path.join(lab_dir, "supervisor.log"), "ab") as logf:
        p = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env=env,
        )
    client = SupClient(lab_dir)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if client.reachable():
            return client
        if p.poll() is not None:
            break
        time.sleep(0.03)
    raise LabError(
        "the lab supervisor did not start",
        log_tail=tail(os.path.join(lab_dir, "supervisor.log")),
    )
