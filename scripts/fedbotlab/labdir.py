"""A lab's directory: lab.json, pids.json, and stopping what they list after a crash."""

from __future__ import annotations

import os
import signal

from fedbotlab import protocol
from fedbotlab.common import Json, LabError, atomic_write_json, read_json
from fedbotlab.control import SupClient
from fedbotlab.procs import kill_quietly, proc_alive, proc_state, wait_gone


class Lab:
    def __init__(self, lab_dir: str) -> None:
        self.dir = os.path.realpath(lab_dir)
        self.json_path = os.path.join(self.dir, "lab.json")

    def info(self) -> Json:
        info = read_json(self.json_path)
        if not isinstance(info, dict):
            raise LabError(f"no lab in {self.dir} (no lab.json): run `up` first")
        return info

    def save(self, info: Json) -> None:
        protocol.check("lab", info)
        atomic_write_json(self.json_path, info)

    def pids(self) -> Json:
        pids = read_json(os.path.join(self.dir, "pids.json"))
        return pids if isinstance(pids, dict) else {}

    def sup(self) -> SupClient:
        return SupClient(self.dir)


def _stop_pid(pid: int, start: int | None, sig: int, timeout: float) -> None:
    kill_quietly(pid, signal.SIGCONT)
    kill_quietly(pid, sig)
    if not wait_gone(pid, start, timeout):
        kill_quietly(pid, signal.SIGKILL)
        wait_gone(pid, start, 10)


def down_quietly(lab: Lab) -> list[str]:
    """Stop whatever a lab dir's pids.json lists, checking each pid's start time so a
    recycled pid is never touched.  Used when the supervisor is gone (crash)."""
    stopped = []
    rec = lab.pids()
    items = [(n, r) for n, r in rec.items() if n != "supervisor" and isinstance(r, dict)]
    items.sort(key=lambda nr: nr[0] == "postgres")  # Synapse first
    for name, r in items:
        pid, start = r.get("pid"), r.get("start")
        if pid and proc_alive(pid, start):
            _stop_pid(pid, start, signal.SIGINT if name == "postgres" else signal.SIGTERM, 20)
            stopped.append(name)
    s = rec.get("supervisor") or {}
    if proc_alive(s.get("pid"), s.get("start")) and s.get("pid") != os.getpid():
        kill_quietly(s["pid"], signal.SIGTERM)
        if not wait_gone(s["pid"], s.get("start"), 30):
            kill_quietly(s["pid"], signal.SIGKILL)
            wait_gone(s["pid"], s.get("start"), 10)
        stopped.append("supervisor")
    return stopped


def process_report(lab: Lab) -> dict[str, Json]:
    return {
        name: {"pid": r.get("pid"), "state": proc_state(r.get("pid"), r.get("start"))}
        for name, r in lab.pids().items()
        if isinstance(r, dict)
    }
