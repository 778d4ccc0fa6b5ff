"""`up`: the supervisor, PostgreSQL, A and B, users, the shared room, synthetic rows."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from typing import NamedTuple

from fedbotlab import internet, protocol
from fedbotlab.accounts import create_shared_room, create_users, wait_destination_row
from fedbotlab.common import SYNAPSE_VERSION, Json, LabError, log, set_log_file
from fedbotlab.control import SupClient, child_alive, start_daemon_supervisor
from fedbotlab.homeserver import (
    Homeserver,
    Shared,
    hs_paths,
    start_server,
    wait_synapse,
    write_homeserver,
)
from fedbotlab.labdir import Lab, down_quietly
from fedbotlab.matrix import (
    ensure_rooms,
)
from fedbotlab.ports import reserve_ports
from fedbotlab.postgres import ensure_traversable, pg_database, pg_dsn, postgres_argv, wait_postgres
from fedbotlab.procs import chown_tree, postgres_ids, proc_start
from fedbotlab.supervisor import Supervisor
from fedbotlab.synthetic import insert_into_lab
from fedbotlab.templates import ensure_postgres_template, ensure_sqlite_template

LEFTOVERS = ("a", "b", "pg", "internet", "lab.json", "pids.json", "lab.log", "supervisor.log")


class StepTimer:
    """Seconds per start-up step, in the order the steps ran (lab.json's timings)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.t = time.monotonic()

    def mark(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = round(now - self.t, 3)
        self.t = now


class Ports(NamedTuple):
    a_fed: int
    a_cli: int
    b_fed: int
    b_cli: int
    pg: int | None

    @property
    def a_name(self) -> str:
        return f"127.0.0.1:{self.a_fed}"

    @property
    def b_name(self) -> str:
        return f"127.0.0.1:{self.b_fed}"


def parse_rc(value: str | None) -> tuple[float, int] | None:
    if not value:
        return None
    try:
        ps, burst = value.split(":")
        return float(ps), int(burst)
    except ValueError as e:
        raise LabError(f"--rc-message wants PER_SECOND:BURST (e.g. 0.5:2), got {value!r}") from e


def _clear(lab_dir: str) -> None:
    for sub in LEFTOVERS:
        p = os.path.join(lab_dir, sub)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)


def _start_postgres(lab: Lab, sup: SupClient, template: str, port: int) -> Json:
    pg_dir = os.path.join(lab.dir, "pg")
    data = os.path.join(pg_dir, "data")
    ensure_traversable(lab.dir)
    os.makedirs(pg_dir)
    subprocess.run(["cp", "-a", template, data], check=True)
    chown_tree(pg_dir, postgres_ids())
    pglog = os.path.join(pg_dir, "postgres.log")
    sup.must(
        "spawn",
        name="postgres",
        argv=postgres_argv(data, port),
        log=pglog,
        as_postgres=True,
        cwd="/",
    )
    wait_postgres(port, child_alive(sup, "postgres"), 60, pglog)
    return {"port": port, "dsn": pg_dsn(port)}


def _write_configs(
    lab: Lab, ports: Ports, secret: str, rc: tuple[float, int] | None, sqlite_tpl: str
) -> None:
    shared = Shared.load()
    b_tls = os.path.join(internet.internet_dir(lab.dir), "b.pem")
    for which, fed, cli in (("a", ports.a_fed, ports.a_cli), ("b", ports.b_fed, ports.b_cli)):
        tls = shared
        if which == "b" and os.path.exists(b_tls):  # --internet: from the lab CA
            tls = shared._replace(tls_certificate=b_tls, tls_private_key=b_tls[:-4] + ".key")
        paths = hs_paths(lab.dir, which)
        os.makedirs(paths["dir"])
        os.makedirs(os.path.join(paths["dir"], "media_store"))
        if which == "a" and ports.pg is not None:
            database = pg_database(ports.pg, cp_max=10)
        else:
            dbfile = os.path.join(paths["dir"], "homeserver.db")
            shutil.copyfile(sqlite_tpl, dbfile)
            database = {"name": "sqlite3", "args": {"database": dbfile}}
        hs = Homeserver(
            dir=paths["dir"],
            server_name=f"127.0.0.1:{fed}",
            fed_port=fed,
            client_port=cli,
            database=database,
            whitelist=[ports.a_name, ports.b_name],
            secret=secret,
            rc_message=rc if which == "a" else None,
        )
        write_homeserver(hs, tls, f"lab_{which}", paths["log"])


def _start_servers(lab: Lab, sup: SupClient, ports: Ports) -> tuple[int, int]:
    pid_a = start_server(sup, lab.dir, "a")
    pid_b = start_server(sup, lab.dir, "b")
    for which, fed, cli in (("a", ports.a_fed, ports.a_cli), ("b", ports.b_fed, ports.b_cli)):
        wait_synapse(
            f"http://127.0.0.1:{cli}", fed, child_alive(sup, which), 90, hs_paths(lab.dir, which)
        )
    return pid_a, pid_b


def _servers(
    lab: Lab, sup: SupClient, sup_pid: int, args: argparse.Namespace, timer: StepTimer
) -> Json:
    """Ports, templates, PostgreSQL, A and B running: lab.json's first half."""
    owner = {"pid": sup_pid, "start": proc_start(sup_pid), "dir": lab.dir}
    postgres = args.db == "postgres"
    p = reserve_ports(5 if postgres else 4, owner)
    ports = Ports(p[0], p[1], p[2], p[3], p[4] if postgres else None)
    timer.mark("ports")
    sqlite_tpl = ensure_sqlite_template()
    pg_tpl = ensure_postgres_template() if postgres else None
    timer.mark("templates")
    secret = "lab-" + uuid.uuid4().hex
    if args.internet:
        internet.prepare_b_cert(lab.dir)
        internet.spawn(sup, lab.dir, ports.b_name)
        timer.mark("internet")
    pg_info = None
    if pg_tpl is not None and ports.pg is not None:
        pg_info = _start_postgres(lab, sup, pg_tpl, ports.pg)
        timer.mark("postgres")
    _write_configs(lab, ports, secret, parse_rc(args.rc_message), sqlite_tpl)
    timer.mark("configs")
    pid_a, pid_b = _start_servers(lab, sup, ports)
    timer.mark("start_servers")
    a_url, b_url = f"http://127.0.0.1:{ports.a_cli}", f"http://127.0.0.1:{ports.b_cli}"
    return {
        "dir": lab.dir,
        "db": args.db,
        "a": {
            "server_name": ports.a_name,
            "client_url": a_url,
            "federation_port": ports.a_fed,
            "pid": pid_a,
        },
        "b": {
            "server_name": ports.b_name,
            "client_url": b_url,
            "federation_port": ports.b_fed,
            "pid": pid_b,
        },
        "users": {},
        "shared_room_id": "",
        "postgres": pg_info,
        "registration_shared_secret": secret,
        "internet": internet.wait_ready(sup, lab.dir) if args.internet else None,
    }


def _up(lab: Lab, sup: SupClient, sup_pid: int, args: argparse.Namespace, timer: StepTimer) -> Json:
    info = _servers(lab, sup, sup_pid, args, timer)
    urls = {"a": info["a"]["client_url"], "b": info["b"]["client_url"]}
    info["users"] = create_users(urls, info["registration_shared_secret"])
    timer.mark("users")
    create_shared_room(info)
    timer.mark("room")
    wait_destination_row(info, lab)
    timer.mark("destination")
    rooms = ensure_rooms(info, max(1, args.synthetic_rooms))
    info["synthetic"] = None
    if args.synthetic:
        info["synthetic"] = insert_into_lab(
            info, args.synthetic, args.synthetic_failing, "synthetic", rooms
        )
    timer.mark("synthetic")
    info["supervisor"] = {
        "pid": sup_pid,
        "foreground": bool(args.foreground),
        "watch_pid": args.watch_pid,
    }
    info["synapse_version"] = SYNAPSE_VERSION
    return info


def _become_supervisor(lab: Lab, local: Supervisor) -> None:
    """After the JSON: stdout/stderr to supervisor.log; the caller reads the JSON, then owns
    this process."""
    logf = os.open(os.path.join(lab.dir, "supervisor.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    null = os.open(os.devnull, os.O_RDONLY)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(null, 0)
    os.dup2(logf, 1)
    os.dup2(logf, 2)
    local.serve_until_done()


def cmd_up(args: argparse.Namespace) -> int:
    t_start = time.monotonic()
    lab = Lab(args.dir)
    os.makedirs(lab.dir, exist_ok=True)
    set_log_file(os.path.join(lab.dir, "lab.log"))
    if args.synthetic_failing > args.synthetic:
        raise LabError("--synthetic-failing can't exceed --synthetic")
    parse_rc(args.rc_message)
    if lab.sup().reachable():
        raise LabError(f"a lab is already running in {lab.dir}: run `down` first")
    down_quietly(lab)  # leftovers of a crashed lab in this dir
    _clear(lab.dir)
    timer = StepTimer()
    # supervisor first: it owns the port reservations and every process
    local: Supervisor | None = None
    if args.foreground:
        local = Supervisor(lab.dir, args.watch_pid)
        local.listen()
        sup, sup_pid = SupClient(lab.dir, local), os.getpid()
    else:
        sup = start_daemon_supervisor(lab.dir, args.watch_pid)
        sup_pid = int(sup.must("ping")["pid"])
    timer.mark("supervisor")
    try:
        info = _up(lab, sup, sup_pid, args, timer)
        timer.timings["total"] = round(time.monotonic() - t_start, 3)
        info["timings"] = timer.timings
        lab.save(info)
    except BaseException:
        with contextlib.suppress(Exception):
            sup.call("shutdown", timeout=60)
        raise
    log(
        f"lab up in {timer.timings['total']:.2f}s: A {info['a']['server_name']} "
        f"({info['a']['client_url']}), B {info['b']['server_name']}"
    )
    protocol.emit("lab", info)
    if local is not None:
        _become_supervisor(lab, local)
    return 0
