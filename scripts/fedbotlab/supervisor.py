"""The lab's supervisor: parent of A, B and PostgreSQL, answering control requests on a socket.

Requests and answers are one JSON line each: {"op": "ping" | "spawn" | "signal" | "stop" |
"status" | "shutdown", …} → {"ok": true, …} or {"ok": false, "error": …}.  Only this package
speaks it (control.py is the client), so it is not part of protocol.schema.json.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socketserver
import subprocess
import threading
import time
from typing import Any, ClassVar

from fedbotlab.common import Json, LabError, atomic_write_json, log
from fedbotlab.procs import kill_quietly, postgres_ids, proc_alive, proc_start, proc_state

Child = subprocess.Popen[bytes]


def socket_name(lab_dir: str) -> str:
    h = hashlib.sha256(os.path.realpath(lab_dir).encode()).hexdigest()[:24]
    return f"\0fedbot-lab-{h}"


class Supervisor:
    """Parent of the lab's servers.  Lives in the `up --foreground` process or in a
    daemon started by `up`; see the package docstring."""

    STOP_SIGNALS: ClassVar[dict[str, int]] = {
        "postgres": signal.SIGINT
    }  # PostgreSQL: fast shutdown

    def __init__(self, lab_dir: str, watch_pid: int | None) -> None:
        self.dir = lab_dir
        self.children: dict[str, Child] = {}
        self.starts: dict[str, int | None] = {}
        self.lock = threading.RLock()
        self.done = threading.Event()
        self.watch_pid = watch_pid
        self.watch_start = proc_start(watch_pid) if watch_pid else None
        self.server: socketserver.BaseServer | None = None

    def _write_pids(self) -> None:
        """pids.json, read by the CLI (`status`, and `down` after a crash)."""
        rec: Json = {"supervisor": {"pid": os.getpid(), "start": proc_start(os.getpid())}}
        for name, p in self.children.items():
            rec[name] = {"pid": p.pid, "start": self.starts.get(name), "returncode": p.poll()}
        with contextlib.suppress(OSError):
            atomic_write_json(os.path.join(self.dir, "pids.json"), rec)

    def listen(self) -> None:
        sup = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    req = json.loads(self.rfile.readline() or b"{}")
                    resp = sup.handle(req)
                except Exception as e:  # noqa: BLE001 - reported to the client
                    resp = {"ok": False, "error": f"{type(e).__name__}: {e}"}
                with contextlib.suppress(OSError):
                    self.wfile.write((json.dumps(resp) + "\n").encode())

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        try:
            self.server = Server(socket_name(self.dir), Handler)
        except OSError as e:
            raise LabError(f"another supervisor already runs for {self.dir} ({e})") from e
        threading.Thread(target=self.server.serve_forever, name="control", daemon=True).start()
        threading.Thread(target=self._reaper, name="reaper", daemon=True).start()
        if self.watch_pid:
            threading.Thread(target=self._watch, name="watch", daemon=True).start()
        self._write_pids()

    def _reaper(self) -> None:
        known: dict[str, int | str | None] = {}
        while not self.done.is_set():
            with self.lock:
                changed = False
                for name, p in self.children.items():
                    rc = p.poll()
                    if known.get(name, "x") != rc:
                        known[name] = rc
                        changed = True
                if changed:
                    self._write_pids()
            time.sleep(0.2)

    def _watch(self) -> None:
        while not self.done.is_set():
            if not proc_alive(self.watch_pid, self.watch_start):
                log(f"watched pid {self.watch_pid} is gone: tearing the lab down")
                self.shutdown()
                return
            time.sleep(0.5)

    def handle(self, req: Json) -> Json:
        op = req.get("op")
        if op == "ping":
            return {"ok": True, "pid": os.getpid()}
        if op == "spawn":
            return self.spawn(
                req["name"], req["argv"], req["log"], req.get("as_postgres", False), req.get("cwd")
            )
        if op == "signal":
            return self.signal(req["name"], int(req["sig"]))
        if op == "stop":
            return self.stop(req["name"], float(req.get("timeout", 15)))
        if op == "status":
            return self.status()
        if op == "shutdown":
            return self.shutdown()
        return {"ok": False, "error": f"unknown op {op!r}"}

    def status(self) -> Json:
        with self.lock:
            children = {
                n: {
                    "pid": p.pid,
                    "returncode": p.poll(),
                    "state": proc_state(p.pid, self.starts.get(n)),
                }
                for n, p in self.children.items()
            }
        return {"ok": True, "children": children}

    def spawn(
        self,
        name: str,
        argv: list[str],
        log_path: str,
        as_postgres: bool = False,
        cwd: str | None = None,
    ) -> Json:
        with self.lock:
            if self.done.is_set():
                return {"ok": False, "error": "lab is shutting down"}
            old = self.children.get(name)
            if old is not None and old.poll() is None:
                return {"ok": False, "error": f"{name} is already running (pid {old.pid})"}
            kwargs: dict[str, Any] = {}
            ids = postgres_ids() if as_postgres else None
            if ids:
                kwargs.update(user=ids[0], group=ids[1], extra_groups=[])
            with open(log_path, "ab") as logf:
                p = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=logf,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    close_fds=True,
                    cwd=cwd or self.dir,
                    **kwargs,
                )
            self.children[name] = p
            self.starts[name] = proc_start(p.pid)
            self._write_pids()
            return {"ok": True, "pid": p.pid, "start": self.starts[name]}

    def signal(self, name: str, sig: int) -> Json:
        with self.lock:
            p = self.children.get(name)
            if p is None or p.poll() is not None:
                return {"ok": False, "error": f"{name} is not running"}
            kill_quietly(p.pid, sig)
            return {"ok": True, "pid": p.pid}

    def stop(self, name: str, timeout: float = 15) -> Json:
        with self.lock:
            p = self.children.get(name)
        if p is None or p.poll() is not None:
            return {"ok": True, "was_running": False}
        self._terminate([(name, p)], timeout)
        with self.lock:
            self._write_pids()
        return {"ok": True, "was_running": True, "returncode": p.returncode}

    def _terminate(self, procs: list[tuple[str, Child]], timeout: float) -> None:
        for name, p in procs:
            if p.poll() is None:
                kill_quietly(p.pid, signal.SIGCONT)  # a paused process can't handle SIGTERM
                kill_quietly(p.pid, self.STOP_SIGNALS.get(name, signal.SIGTERM))
        deadline = time.monotonic() + timeout
        for name, p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} (pid {p.pid}) did not stop within {timeout:.0f}s: SIGKILL")
                kill_quietly(p.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(timeout=10)

    def shutdown(self) -> Json:
        with self.lock:
            if self.done.is_set():
                return {"ok": True, "stopped": []}
            items = list(self.children.items())
        stopped = [n for n, p in items if p.poll() is None]
        # Synapse first (both at once), then the database it was using.
        self._terminate([(n, p) for n, p in items if n != "postgres"], 20)
        self._terminate([(n, p) for n, p in items if n == "postgres"], 20)
        with self.lock:
            self._write_pids()
            self.done.set()
        return {"ok": True, "stopped": stopped}

    def serve_until_done(self) -> None:
        def on_signal(signum: int, _frame: Any) -> None:
            threading.Thread(target=self.shutdown, daemon=True).start()

        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, on_signal)
        while not self.done.wait(0.5):
            pass
        time.sleep(0.2)  # let the control thread answer the shutdown request
        if self.server is not None:
            with contextlib.suppress(Exception):
                self.server.server_close()
