"""The other commands: down, status, insert-destinations, sql, prepare, the daemon supervisor."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import time
from typing import Any

from fedbotlab.common import SYNAPSE_VERSION, Json, LabError, elapsed, log, read_json, set_log_file
from fedbotlab.keys import ensure_cert
from fedbotlab.labdir import Lab, down_quietly, process_report
from fedbotlab.matrix import ensure_rooms
from fedbotlab.procs import proc_alive
from fedbotlab.protocol import emit
from fedbotlab.supervisor import Supervisor
from fedbotlab.synthetic import LabDB, insert_into_lab
from fedbotlab.templates import ensure_postgres_template, ensure_sqlite_template


def _shutdown_supervisor(lab: Lab) -> list[str]:
    """Asks a reachable supervisor to stop everything and waits for it to exit."""
    sup = lab.sup()
    rec = lab.pids().get("supervisor") or {}
    if not sup.reachable():
        return []
    stopped: list[str] = []
    with contextlib.suppress(OSError, LabError, ValueError):
        stopped = list(sup.call("shutdown", timeout=90).get("stopped", []))
    # wait for the supervisor itself (its socket closes when it exits)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (
        sup.reachable() or proc_alive(rec.get("pid"), rec.get("start"))
    ):
        time.sleep(0.05)
    return stopped


def cmd_down(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    stopped: list[str] = []
    if os.path.isdir(lab.dir):
        stopped = _shutdown_supervisor(lab)
        stopped += [n for n in down_quietly(lab) if n not in stopped]
    purged = False
    if args.purge and os.path.isdir(lab.dir):
        shutil.rmtree(lab.dir)
        purged = True
    emit("down", {"down": True, "dir": lab.dir, "stopped": stopped, "purged": purged})
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    info = read_json(lab.json_path)
    emit(
        "status",
        {
            "lab": info,
            "processes": process_report(lab),
            "supervisor_reachable": lab.sup().reachable(),
        },
    )
    return 0


def cmd_insert(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    info = lab.info()
    rooms = ensure_rooms(info, max(1, args.rooms))
    lab.save(info)
    t = time.monotonic()
    res = insert_into_lab(info, args.count, args.failing, args.prefix, rooms)
    res["elapsed_s"] = elapsed(t)
    emit("synthetic", res)
    return 0


def jsonable(v: Any) -> Any:
    """A database value as JSON: bytes as hex, anything else that JSON lacks as text."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    return str(v)


def run_sql(db: LabDB, statement: str) -> Json:
    cur = db.conn.cursor()
    cur.execute(statement)
    cols = [d[0] for d in cur.description] if cur.description else []
    rows = (
        [dict(zip(cols, (jsonable(v) for v in r), strict=True)) for r in cur.fetchall()]
        if cols
        else []
    )
    rowcount = cur.rowcount
    db.conn.commit()
    return {"columns": cols, "rows": rows, "rowcount": rowcount}


def cmd_sql(args: argparse.Namespace) -> int:
    info = Lab(args.dir).info()
    db = LabDB(info)
    try:
        result = run_sql(db, args.statement)
    finally:
        db.close()
    emit("sql", result)
    return 0


def cmd_supervise(args: argparse.Namespace) -> int:
    lab_dir = os.path.realpath(args.dir)
    set_log_file(os.path.join(lab_dir, "lab.log"))
    sup = Supervisor(lab_dir, args.watch_pid)
    sup.listen()
    log(f"supervisor {os.getpid()} for {lab_dir} (watching {args.watch_pid or 'nothing'})")
    sup.serve_until_done()
    log("supervisor exits")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    t = time.monotonic()
    ensure_cert()
    ensure_sqlite_template()
    if args.db == "postgres" or args.all:
        ensure_postgres_template()
    emit("prepare", {"prepared": True, "synapse_version": SYNAPSE_VERSION, "elapsed_s": elapsed(t)})
    return 0
