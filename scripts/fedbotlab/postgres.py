"""A's PostgreSQL server: binaries, command line, connections."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from typing import Any

from fedbotlab.common import LabError, tail


def pg_bin(tool: str) -> str:
    env = os.environ.get("FEDBOT_LAB_PG_BIN")
    dirs = [env] if env else []
    dirs.append("/usr/lib/postgresql/15/bin")
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        for v in sorted(os.listdir(base), key=lambda s: (len(s), s), reverse=True):
            dirs.append(os.path.join(base, v, "bin"))
    for d in dirs:
        p = os.path.join(d, tool)
        if os.access(p, os.X_OK):
            return p
    found = shutil.which(tool)
    if found:
        return found
    raise LabError(
        f"PostgreSQL's {tool} not found (apt-get install postgresql-15, or set FEDBOT_LAB_PG_BIN)"
    )


def postgres_argv(data_dir: str, port: int) -> list[str]:
    """TCP on 127.0.0.1 only, no durability (a test database)."""
    settings = [
        "listen_addresses=127.0.0.1",
        "unix_socket_directories=",
        "fsync=off",
        "synchronous_commit=off",
        "full_page_writes=off",
        "max_connections=60",
        "shared_buffers=64MB",
        "logging_collector=off",
        "log_min_messages=warning",
    ]
    argv = [pg_bin("postgres"), "-D", data_dir, "-p", str(port)]
    for s in settings:
        argv += ["-c", s]
    return argv


def pg_dsn(port: int, db: str = "synapse") -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{db}"


def pg_database(port: int, cp_max: int) -> dict[str, Any]:
    """Synapse's `database:` section for the lab's PostgreSQL."""
    args = {
        "user": "postgres",
        "host": "127.0.0.1",
        "port": port,
        "dbname": "synapse",
        "cp_min": 1,
        "cp_max": cp_max,
    }
    return {"name": "psycopg2", "args": args}


def pg_connect(port: int, db: str = "synapse", timeout: float = 2.0) -> Any:
    import psycopg2

    return psycopg2.connect(
        host="127.0.0.1",
        port=port,
        user="postgres",
        dbname=db,
        connect_timeout=max(1, int(timeout)),
    )


def pg_execute(port: int, db: str, statement: str) -> None:
    """One statement in autocommit mode (CREATE DATABASE, VACUUM)."""
    conn = pg_connect(port, db)
    try:
        conn.autocommit = True
        conn.cursor().execute(statement)
    finally:
        conn.close()


def wait_postgres(port: int, proc_ok: Callable[[], bool], timeout: float, log_path: str) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not proc_ok():
            raise LabError("PostgreSQL exited during start-up", log_tail=tail(log_path))
        try:
            conn = pg_connect(port, "postgres")
            conn.close()
            return
        except Exception as e:  # noqa: BLE001 - psycopg2.OperationalError while starting
            last = e
            time.sleep(0.05)
    raise LabError(
        f"PostgreSQL did not accept connections within {timeout:.0f}s: {last}",
        log_tail=tail(log_path),
    )


def ensure_traversable(path: str) -> None:
    """The postgres user must reach its data dir under `path`."""
    p = os.path.realpath(path)
    while True:
        st = os.stat(p)
        if not (st.st_mode & 0o001):
            if p == os.path.realpath(path):
                os.chmod(p, st.st_mode | 0o711)
            else:
                raise LabError(
                    f"the postgres user cannot traverse {p} (needs o+x) to reach "
                    f"its data dir under {path}"
                )
        parent = os.path.dirname(p)
        if parent == p:
            return
        p = parent
