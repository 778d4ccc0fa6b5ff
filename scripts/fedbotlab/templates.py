"""Template databases with Synapse's full schema, built once per Synapse version; labs copy them."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from typing import Any

from fedbotlab.common import (
    LAB_HOME,
    PYTHON,
    SYNAPSE_VERSION,
    TEMPLATE_FORMAT,
    Json,
    LabError,
    log,
    tail,
)
from fedbotlab.homeserver import Homeserver, Shared, write_homeserver
from fedbotlab.ports import reserve_ports
from fedbotlab.postgres import (
    ensure_traversable,
    pg_bin,
    pg_database,
    pg_execute,
    postgres_argv,
    wait_postgres,
)
from fedbotlab.procs import chown_tree, file_lock, postgres_ids, proc_start


def template_dir(kind: str) -> str:
    name = f"synapse-{SYNAPSE_VERSION}-t{TEMPLATE_FORMAT}"
    return os.path.join(LAB_HOME, "templates", name, kind)


def _update_schema(work: str, database: Json) -> None:
    """Create Synapse's schema and run every background update (synapse's own
    update_synapse_database script), so a lab starting from a copy does no schema work."""
    hs_dir = os.path.join(work, "hs")
    os.makedirs(hs_dir, exist_ok=True)
    name = "lab-template.invalid"
    hs = Homeserver(
        dir=hs_dir,
        server_name=name,
        fed_port=1,
        client_port=2,
        database=database,
        whitelist=[name],
        secret="template",
    )
    cfg_path = write_homeserver(hs, Shared.load(), "tpl", os.path.join(hs_dir, "update.log"))
    out = os.path.join(work, "update.log")
    argv = [
        PYTHON,
        "-m",
        "synapse._scripts.update_synapse_database",
        "--database-config",
        cfg_path,
        "--run-background-updates",
    ]
    with open(out, "wb") as f:
        rc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=f,
            stderr=subprocess.STDOUT,
            timeout=600,
            check=False,
        ).returncode
    if rc != 0:
        raise LabError("creating the template database failed", log_tail=tail(out))


def ensure_sqlite_template() -> str:
    final = template_dir("sqlite")
    db = os.path.join(final, "homeserver.db")
    if os.path.exists(db):
        return db
    with file_lock("templates.lock"):
        if os.path.exists(db):
            return db
        t = time.monotonic()
        log("building the SQLite template database (once per Synapse version)")
        work = f"{final}.tmp-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        path = os.path.join(work, "homeserver.db")
        _update_schema(work, {"name": "sqlite3", "args": {"database": path}})
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        os.makedirs(final, exist_ok=True)
        os.replace(path, db + ".tmp")
        os.replace(db + ".tmp", db)
        shutil.rmtree(work, ignore_errors=True)
        log(f"SQLite template ready in {time.monotonic() - t:.1f}s")
    return db


def postgres_user_kwargs() -> dict[str, Any]:
    """subprocess arguments that run a PostgreSQL tool as the postgres user when we are root."""
    ids = postgres_ids()
    return {"user": ids[0], "group": ids[1], "extra_groups": []} if ids else {}


def _initdb(work: str) -> str:
    """A new cluster in work/data, owned by the postgres user; its path."""
    ensure_traversable(work)
    wdata = os.path.join(work, "data")
    os.makedirs(wdata, mode=0o700)
    chown_tree(work, postgres_ids())
    initlog = os.path.join(work, "initdb.log")
    argv = [
        pg_bin("initdb"),
        "-D",
        wdata,
        "-U",
        "postgres",
        "--auth=trust",
        "--locale=C",
        "--encoding=UTF8",
        "--no-sync",
    ]
    with open(initlog, "wb") as f:
        rc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=f,
            stderr=subprocess.STDOUT,
            cwd="/",
            timeout=300,
            check=False,
            **postgres_user_kwargs(),
        ).returncode
    if rc != 0:
        raise LabError("initdb failed", log_tail=tail(initlog))
    return wdata


def _fill_cluster(work: str, wdata: str) -> None:
    """Runs the cluster on a free port, creates Synapse's database and schema, stops it."""
    owner = {"pid": os.getpid(), "start": proc_start(os.getpid()), "dir": work}
    port = reserve_ports(1, owner)[0]
    pglog = os.path.join(work, "postgres.log")
    with open(pglog, "ab") as f:
        pg = subprocess.Popen(
            postgres_argv(wdata, port),
            stdin=subprocess.DEVNULL,
            stdout=f,
            stderr=subprocess.STDOUT,
            cwd="/",
            start_new_session=True,
            **postgres_user_kwargs(),
        )
    try:
        wait_postgres(port, lambda: pg.poll() is None, 60, pglog)
        pg_execute(
            port,
            "postgres",
            "CREATE DATABASE synapse ENCODING 'UTF8' LC_COLLATE 'C' "
            "LC_CTYPE 'C' TEMPLATE template0",
        )
        _update_schema(work, pg_database(port, cp_max=5))
        pg_execute(port, "synapse", "VACUUM ANALYZE")
    finally:
        pg.send_signal(signal.SIGINT)
        try:
            pg.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pg.kill()
            pg.wait(timeout=10)


def ensure_postgres_template() -> str:
    final = template_dir("postgres")
    data = os.path.join(final, "data")
    if os.path.exists(os.path.join(final, "READY")):
        return data
    with file_lock("templates.lock"):
        if os.path.exists(os.path.join(final, "READY")):
            return data
        t = time.monotonic()
        log("building the PostgreSQL template cluster (once per Synapse version)")
        shutil.rmtree(final, ignore_errors=True)
        work = f"{final}.tmp-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        wdata = _initdb(work)
        _fill_cluster(work, wdata)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.makedirs(final)
        os.replace(wdata, data)
        with open(os.path.join(final, "READY"), "w", encoding="utf-8") as f:
            f.write(f"synapse {SYNAPSE_VERSION}\n")
        shutil.rmtree(work, ignore_errors=True)
        log(f"PostgreSQL template ready in {time.monotonic() - t:.1f}s")
    return data
